//! The assertion catalogue: every check the driver makes, with a stable id,
//! the clause it enforces and its severity.
//!
//! Ids are part of the report contract (JSON `assertion`, JUnit test names,
//! waivers): never rename one; add new ids instead.

use report::Severity;

/// One entry of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    /// Stable id, `area.name`.
    pub id: &'static str,
    /// The clause enforced.
    pub clause: &'static str,
    /// How strongly it binds.
    pub severity: Severity,
    /// One line for humans.
    pub summary: &'static str,
}

macro_rules! catalogue {
    ($( $konst:ident = ($id:expr, $clause:expr, $sev:ident, $summary:expr) ),+ $(,)?) => {
        $( #[doc = $summary] pub const $konst: Check = Check { id: $id, clause: $clause, severity: Severity::$sev, summary: $summary }; )+
        /// Every check, in report order.
        pub const CATALOGUE: &[Check] = &[ $( $konst, )+ ];
    };
}

catalogue! {
    TRANSPORT_RESPONSE = ("transport.response", "DSP0226 §C.2", Must, "A complete HTTP response arrives within the timeout."),
    HTTP_STATUS = ("http.status", "DSP0226 §C.2; SOAP 1.2 Part 2 §7.5", Must, "HTTP status fits the outcome: 200 for success, a refusal status where expected, never 200 with a fault."),
    HTTP_CONTENT_TYPE = ("http.content-type", "DSP0226 §C.2", Must, "A SOAP response is sent as application/soap+xml."),
    XML_WELL_FORMED = ("xml.well-formed", "DSP0226 §13.1", Must, "The response body is a well-formed SOAP 1.2 envelope."),
    SCHEMA_VALID = ("schema.valid", "DSP0226 §13; schemas/README.md", Must, "The response validates against the project's XSDs."),
    ADDRESSING_RELATES_TO = ("addressing.relates-to", "DSP0226 §5.4.3", Must, "wsa:RelatesTo equals the request's wsa:MessageID exactly."),
    ADDRESSING_ACTION = ("addressing.action", "DSP0226 §5.4.5", Must, "The response wsa:Action is the request Action + Response, or a fault Action for faults."),
    ADDRESSING_TO = ("addressing.to", "DSP0226 §5.4.2", Should, "The response wsa:To is the anonymous address."),
    ADDRESSING_MESSAGE_ID = ("addressing.message-id", "DSP0226 §5.4.4", Must, "The response has its own wsa:MessageID."),
    EXPECT_OUTCOME = ("expect.outcome", "corpus case clause", Must, "Success, fault or refusal as the case expects."),
    FAULT_CODE = ("fault.code", "SOAP 1.2 §5.4.6; DSP0226 §14", Must, "s:Code/s:Value resolves to a SOAP code (the expected one, if given)."),
    FAULT_SUBCODE = ("fault.subcode", "DSP0226 §14", Must, "s:Subcode/s:Value resolves to one of the expected subcodes."),
    FAULT_DETAIL = ("fault.detail", "DSP0226 §14.3", Must, "wsman:FaultDetail is one of the expected detail URIs."),
    FAULT_REASON_LANG = ("fault.reason-lang", "DSP0226 §14.2", Must, "Every s:Reason/s:Text carries xml:lang."),
    FAULT_HTTP_STATUS = ("fault.http-status", "DSP0226 §C.2", Must, "A fault is sent with HTTP 500 or 400 (or the case's statuses)."),
    SIZE_MAX_ENVELOPE = ("size.max-envelope", "DSP0226 §6.2", Must, "The response is not larger than the request's MaxEnvelopeSize."),
    TIMING_OPERATION_TIMEOUT = ("timing.operation-timeout", "DSP0226 §6.1", Must, "A success answer does not arrive after the request's wsman:OperationTimeout (grace: a quarter second or half the timeout, the larger)."),
    EXPECT_XPATH = ("expect.xpath", "corpus case clause", Must, "The case's XPath assertions hold."),
    EXPECT_CAPTURE = ("expect.capture", "corpus case clause", Must, "Values a later step needs are present in the response."),
    EXPECT_REPEAT = ("expect.repeat", "corpus case clause", Must, "A repeated step reaches its end condition within its bound."),
    SNAPSHOT_MATCH = ("snapshot.match", "project snapshots", Must, "The canonical response matches the stored snapshot."),
    CASE_RENDER = ("case.render", "corpus/README.md", Must, "The case's template renders (variables and captures resolve)."),
    ENVELOPE_ACTION_KNOWN = ("envelope.action-known", "DSP0226 §5.4.5; MS-WSMV §2", Must, "wsa:Action is a known request, response or fault action, or a custom method action with a matching _INPUT/_OUTPUT body."),
    ENVELOPE_BODY_MATCHES_ACTION = ("envelope.body-matches-action", "DSP0226 §5.4.5; MS-WSMV §3.1.4", Must, "The s:Body element is the one the wsa:Action calls for (or empty where it calls for nothing)."),
    DEVIATION_UNQUALIFIED_MUST_UNDERSTAND = ("deviation.unqualified-must-understand", "SOAP 1.2 Part 1 §5.2.3", Should, "A header element carries mustUnderstand without the SOAP namespace: not the SOAP attribute, which Windows ignores (pywinrm, Ruby and Go WinRM send it)."),
    DEVIATION_QUALIFIED_COMMAND_ID = ("deviation.qualified-command-id", "MS-WSMV §2.2.4.34 (Receive, DesiredStream)", Should, "rsp:DesiredStream carries CommandId in the shell namespace instead of unqualified; Windows accepts it (winrm4j sends it)."),
}

/// The catalogue entry with `id`.
pub fn by_id(id: &str) -> Option<&'static Check> {
    CATALOGUE.iter().find(|c| c.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_well_formed() {
        let mut ids: Vec<_> = CATALOGUE.iter().map(|c| c.id).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(n, ids.len());
        assert!(CATALOGUE.iter().all(|c| c.id.contains('.') && !c.clause.is_empty()));
        assert_eq!(by_id("addressing.relates-to"), Some(&ADDRESSING_RELATES_TO));
    }
}
