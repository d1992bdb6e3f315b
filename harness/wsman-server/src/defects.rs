//! Defect switches: named ways to make the reference server misbehave, so
//! that every conformance check can be shown to fail (`serve --defect NAME`).

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

macro_rules! defects {
    ($( $variant:ident = $name:literal : $desc:literal ),+ $(,)?) => {
        /// One named misbehaviour.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Defect {
            $( #[doc = $desc] $variant, )+
        }

        impl Defect {
            /// Every defect, in listing order.
            pub const ALL: &'static [Defect] = &[ $( Defect::$variant, )+ ];

            /// The kebab-case name used on the command line.
            pub fn name(self) -> &'static str {
                match self { $( Defect::$variant => $name, )+ }
            }

            /// One line saying what changes on the wire.
            pub fn description(self) -> &'static str {
                match self { $( Defect::$variant => $desc, )+ }
            }
        }
    };
}

defects! {
    DropRelatesTo = "drop-relates-to": "responses carry no wsa:RelatesTo header",
    RelatesToLowercase = "relates-to-lowercase": "wsa:RelatesTo is the request MessageID in lower case (breaks exact matching)",
    WrongResponseAction = "wrong-response-action": "response wsa:Action is the request Action unchanged (no Response suffix)",
    ToNotAnonymous = "to-not-anonymous": "response wsa:To echoes the request's To instead of the anonymous address",
    DropMessageId = "drop-message-id": "responses carry no wsa:MessageID header",
    FaultWrongSubcode = "fault-wrong-subcode": "every fault's subcode is replaced by wsman:InternalError",
    FaultWrongCode = "fault-wrong-code": "every fault's s:Code/s:Value is s:Receiver, whatever the fault",
    FaultHttp200 = "fault-http-200": "faults are sent with HTTP status 200 instead of 500",
    FaultNoReasonLang = "fault-no-reason-lang": "fault s:Reason/s:Text has no xml:lang attribute",
    FaultNoDetail = "fault-no-detail": "faults carry no wsman:FaultDetail",
    IgnoreMustUnderstand = "ignore-must-understand": "unknown headers marked mustUnderstand are silently ignored",
    IgnoreMaxElements = "ignore-max-elements": "Enumerate and Pull return every remaining item whatever MaxElements says",
    NoEndOfSequence = "no-end-of-sequence": "the last batch carries no EndOfSequence and the context stays open",
    AcceptReleasedContext = "accept-released-context": "Release answers but the context stays valid for later Pulls",
    DropEnumerationContext = "drop-enumeration-context": "EnumerateResponse carries no EnumerationContext",
    EndOfSequenceWithContext = "end-of-sequence-with-context": "an optimized Enumerate that ends in its first response names a non-empty EnumerationContext that a Pull rejects",
    LeakEnumerationContexts = "leak-enumeration-contexts": "enumeration contexts never expire and have no per-user quota",
    IgnoreMaxEnvelopeSize = "ignore-max-envelope-size": "MaxEnvelopeSize is not enforced (no EncodingLimit fault, oversized responses)",
    IgnoreSelectors = "ignore-selectors": "unknown and repeated selectors are silently dropped instead of faulted",
    NotFoundInvalidSelectors = "not-found-invalid-selectors": "an instance that does not exist is answered wsman:InvalidSelectors + InvalidValue, not DestinationUnreachable + ResourceNotFound",
    UnknownResourceEmpty = "unknown-resource-empty": "an unknown ResourceURI is answered with an empty success body",
    UnknownActionEmpty = "unknown-action-empty": "an unknown Action is answered with an empty success body",
    PutReadOnlyAccepted = "put-read-only-accepted": "Put silently drops changes to read-only properties instead of faulting",
    AcceptWrongPassword = "accept-wrong-password": "HTTP Basic accepts any password for a known user",
    HangOnGet = "hang-on-get": "a WS-Transfer Get never gets an answer (connection held open, bounded by shutdown)",
    HtmlErrorPage = "html-error-page": "faults are replaced by HTTP 500 with an HTML error page",
    WrongContentType = "wrong-content-type": "responses are labelled text/html instead of application/soap+xml",
    MalformedResponse = "malformed-response": "success responses are cut short (not well-formed XML)",
    IdentifyWrongProtocol = "identify-wrong-protocol": "IdentifyResponse advertises a wrong ProtocolVersion",
    SchemaInvalidResponse = "schema-invalid-response": "EnumerateResponse is sent in the wrong namespace (schema-invalid)",
    ShellIdNotInSelector = "shell-id-not-in-selector": "a shell Create answers the ShellId only in rsp:Shell, not in the ResourceCreated selector set (pypsrp loses it)",
    ShellExitCodeZero = "shell-exit-code-zero": "every WinRS command reports ExitCode 0, whatever it exited with",
    ShellReceiveNoTimeout = "shell-receive-no-timeout": "a Receive with no output by its OperationTimeout answers an empty Running response, not the w:TimedOut fault",
    ShellStderrAsStdout = "shell-stderr-as-stdout": "a command's stderr bytes are delivered in its stdout stream",
    SubscribeNoContext = "subscribe-no-context": "a Pull-mode SubscribeResponse carries no wsen:EnumerationContext",
    UnsubscribeIgnored = "unsubscribe-ignored": "Unsubscribe answers but the subscription stays alive (a later Renew succeeds)",
    LatePastOperationTimeout = "late-past-operation-timeout": "requests are served one at a time (a process-wide lock) and each answer is held 20 ms, or twice the request's wsman:OperationTimeout when that is at most 1 s (so it arrives past it)",
    AcceptInvalidExpires = "accept-invalid-expires": "a Subscribe whose wse:Expires is neither a duration nor a dateTime is granted the default expiry",
    AcceptUnencryptedAfterNegotiate = "accept-unencrypted-after-negotiate": "after Negotiate over plain HTTP an unencrypted SOAP body is accepted without AllowUnencrypted (caught by wsman-server test negotiate::defect_accept_unencrypted_after_negotiate_is_caught)",
    AcceptReplayedSealedMessage = "accept-replayed-sealed-message": "a sealed request sent again with its old sequence number is accepted and executed again (caught by wsman-server test negotiate::defect_accept_replayed_sealed_message_is_caught)",
    SkipSealSignatureCheck = "skip-seal-signature-check": "sealed requests are opened without checking their NTLM signature, so a tampered body is executed (caught by wsman-server test negotiate::defect_skip_seal_signature_check_is_caught)",
    DeleteIgnored = "delete-ignored": "a WS-Transfer Delete of an existing instance answers DeleteResponse but the instance stays (a later Get finds it)",
}

impl fmt::Display for Defect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Defect {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Defect::ALL.iter().copied().find(|d| d.name() == s).ok_or_else(|| format!("unknown defect {s:?} (see --list-defects)"))
    }
}

/// The set of defects a server runs with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DefectSet(BTreeSet<Defect>);

impl DefectSet {
    /// A set from a list.
    pub fn new(defects: impl IntoIterator<Item = Defect>) -> Self {
        DefectSet(defects.into_iter().collect())
    }

    /// True when `d` is switched on.
    pub fn has(&self, d: Defect) -> bool {
        self.0.contains(&d)
    }

    /// The listing `serve --list-defects` prints: name, spaces, description.
    pub fn listing() -> String {
        let width = Defect::ALL.iter().map(|d| d.name().len()).max().unwrap_or(0);
        Defect::ALL.iter().map(|d| format!("{:width$}  {}\n", d.name(), d.description())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_kebab_case_unique_and_parse_back() {
        for d in Defect::ALL {
            assert!(d.name().chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "{d}");
            assert_eq!(d.name().parse::<Defect>(), Ok(*d));
        }
        assert!(Defect::ALL.len() >= 12);
        assert!("no-such".parse::<Defect>().is_err());
    }
}
