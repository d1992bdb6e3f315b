//! The fuzz oracle: is this answer acceptable for any input?
//!
//! An answer passes when it is one of:
//!
//! - a well-formed SOAP 1.2 success of the right action (the request's
//!   Action + `Response`; a Heartbeat for a Pull; an IdentifyResponse for
//!   Identify) with HTTP 200;
//! - a SOAP fault whose code and subcode are in the fault table
//!   ([`wsman_proto::FaultKind`]) with HTTP 500, or, from an endpoint other
//!   than the reference server, 400 for a Sender fault (the SOAP 1.2 HTTP
//!   binding; DESIGN.md "Faults on the wire");
//! - an HTTP refusal of input rejected before parsing, without a SOAP body:
//!   400, 401, 413 or 415.
//!
//! It never passes: a 5xx without a SOAP body, a dropped connection, an
//! answer after the deadline, a fault with 200, a success or a fault other
//! than AccessDenied to a request sent without valid credentials (other than
//! Identify: those must be refused, 401), a RelatesTo that is not the
//! request's MessageID, or (a stateful chain) a success or refusal where a
//! fault of given kinds is expected. Each failure has a [`FindingKind`] so that a run can
//! group its finds.

use std::time::Duration;

use wsman_client::{RawResponse, TransportKind};
use wsman_proto::xml::{self, Element, Limits};
use wsman_proto::{ns, Action, FaultKind, SoapCode, WireFault};

use super::{Expectation, MutatedRequest};

/// How strict the oracle is about the endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Oracle {
    /// The endpoint is the reference server: every fault goes with 500.
    /// Otherwise a Sender fault may go with 400.
    pub reference: bool,
}

/// What an acceptable answer was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A SOAP success with this Action (`None`: Identify's answer has none).
    Success(Option<String>),
    /// A SOAP fault of the table.
    Fault(FaultKind),
    /// A transport refusal with this status.
    Refused(u16),
}

/// The kinds of finding, for grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FindingKind {
    /// The connection closed or broke without a complete answer.
    DroppedConnection,
    /// No answer within the deadline.
    PastDeadline,
    /// The endpoint could not be reached at all (refused, TLS, connect).
    Unreachable,
    /// The answer is larger than the client accepts.
    ResponseTooLarge,
    /// A 5xx status without a SOAP envelope.
    ServerErrorWithoutSoap,
    /// A status that is neither a SOAP answer nor an accepted refusal
    /// (a 200 that is not SOAP, a 404, a redirect).
    UnexpectedStatus,
    /// A SOAP answer without the SOAP Content-Type.
    ContentType,
    /// A SOAP fault sent with HTTP 200.
    FaultWithSuccessStatus,
    /// A SOAP fault with a status other than 500 (or 400 for Sender).
    FaultStatus,
    /// A SOAP fault whose code or subcode is not in the fault table.
    UnknownFault,
    /// A fault or success with the wrong `wsa:Action`.
    WrongAction,
    /// A SOAP success with a status other than 200.
    SuccessStatus,
    /// `wsa:RelatesTo` is not the request's MessageID.
    Correlation,
    /// A success to a request sent without (or with wrong) credentials.
    AuthBypass,
    /// A success where the request should have failed (no Action, a stateful
    /// chain expecting a fault).
    UnexpectedSuccess,
    /// A fault of a kind other than the one expected.
    WrongFault,
}

impl FindingKind {
    /// A stable kebab-case name, for reports.
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::DroppedConnection => "dropped-connection",
            FindingKind::PastDeadline => "past-deadline",
            FindingKind::Unreachable => "unreachable",
            FindingKind::ResponseTooLarge => "response-too-large",
            FindingKind::ServerErrorWithoutSoap => "server-error-without-soap",
            FindingKind::UnexpectedStatus => "unexpected-status",
            FindingKind::ContentType => "content-type",
            FindingKind::FaultWithSuccessStatus => "fault-with-200",
            FindingKind::FaultStatus => "fault-status",
            FindingKind::UnknownFault => "unknown-fault",
            FindingKind::WrongAction => "wrong-action",
            FindingKind::SuccessStatus => "success-status",
            FindingKind::Correlation => "correlation",
            FindingKind::AuthBypass => "auth-bypass",
            FindingKind::UnexpectedSuccess => "unexpected-success",
            FindingKind::WrongFault => "wrong-fault",
        }
    }
}

/// One failure of the oracle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What kind of failure.
    pub kind: FindingKind,
    /// What was seen, for humans.
    pub message: String,
    /// The HTTP status, when there was an answer.
    pub status: Option<u16>,
}

/// The oracle's verdict on one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// An acceptable answer.
    Pass(Outcome),
    /// A finding.
    Fail(Finding),
}

impl Verdict {
    /// True for [`Verdict::Pass`].
    pub fn passed(&self) -> bool {
        matches!(self, Verdict::Pass(_))
    }

    /// The finding's kind, for a failure.
    pub fn finding_kind(&self) -> Option<FindingKind> {
        match self {
            Verdict::Fail(f) => Some(f.kind),
            Verdict::Pass(_) => None,
        }
    }
}

/// Statuses accepted for input refused before parsing.
pub const REFUSAL_STATUSES: [u16; 4] = [400, 401, 413, 415];

/// Limits for reading answers (the endpoint's output is untrusted too).
const RESPONSE_LIMITS: Limits = Limits { max_depth: 128, max_elements: 1_000_000, max_attributes: 256 };

const FAULT_ACTIONS: [&str; 6] =
    [ns::WSA_FAULT_ACTION, ns::WSMAN_FAULT_ACTION, ns::WXF_FAULT_ACTION, ns::WSEN_FAULT_ACTION, ns::WSE_FAULT_ACTION, ns::WSMB_FAULT_ACTION];

fn fail(kind: FindingKind, status: Option<u16>, message: impl Into<String>) -> Verdict {
    Verdict::Fail(Finding { kind, message: message.into(), status })
}

fn is_soap_content_type(ct: Option<&str>) -> bool {
    ct.and_then(|c| c.split(';').next()).is_some_and(|m| m.trim().eq_ignore_ascii_case("application/soap+xml"))
}

/// Judges the answer to `request` with [`Oracle::default`] (any endpoint).
pub fn judge(request: &MutatedRequest, response: Result<&RawResponse, &wsman_client::Error>, deadline: Duration) -> Verdict {
    Oracle::default().judge(request, response, deadline)
}

impl Oracle {
    /// The oracle for the reference server (faults only with 500).
    pub fn reference() -> Oracle {
        Oracle { reference: true }
    }

    /// Judges the answer to `request`; `deadline` bounds the exchange.
    pub fn judge(&self, request: &MutatedRequest, response: Result<&RawResponse, &wsman_client::Error>, deadline: Duration) -> Verdict {
        let resp = match response {
            Ok(r) => r,
            Err(e) => return client_error(e),
        };
        let status = Some(resp.status);
        if resp.elapsed > deadline {
            return fail(FindingKind::PastDeadline, status, format!("answered after {:?}, deadline {deadline:?}", resp.elapsed));
        }
        let root = xml::parse(&resp.body, &RESPONSE_LIMITS).ok().filter(|r| r.is(ns::SOAP, "Envelope") && r.child(ns::SOAP, "Body").is_some());
        let Some(root) = root else {
            if let (Expectation::Fault(kinds), true) = (&request.expect, REFUSAL_STATUSES.contains(&resp.status)) {
                let want: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
                return fail(FindingKind::WrongFault, status, format!("HTTP {} without a SOAP envelope, expected one of {want:?}", resp.status));
            }
            return match resp.status {
                s if REFUSAL_STATUSES.contains(&s) => Verdict::Pass(Outcome::Refused(s)),
                s if s >= 500 => fail(FindingKind::ServerErrorWithoutSoap, status, format!("HTTP {s} without a SOAP envelope ({} octets)", resp.body.len())),
                s => fail(FindingKind::UnexpectedStatus, status, format!("HTTP {s} without a SOAP envelope ({} octets)", resp.body.len())),
            };
        };
        if !is_soap_content_type(resp.content_type()) {
            return fail(FindingKind::ContentType, status, format!("a SOAP envelope with Content-Type {:?}", resp.content_type()));
        }
        let header = root.child(ns::SOAP, "Header");
        let header_text = |name: &str| header.and_then(|h| h.child_text(ns::WSA, name)).map(|t| t.trim().to_owned());
        let action = header_text("Action");
        if let (Some(mid), Some(rel)) = (&request.facts.message_id, header_text("RelatesTo")) {
            if request.facts.well_formed && &rel != mid {
                return fail(FindingKind::Correlation, status, format!("RelatesTo {rel:?}, request MessageID {mid:?}"));
            }
        }
        let body = root.child(ns::SOAP, "Body");
        match body.and_then(|b| b.child(ns::SOAP, "Fault")) {
            Some(fault) => self.judge_fault(request, resp.status, fault, action),
            None => judge_success(request, resp.status, body, action),
        }
    }

    fn judge_fault(&self, request: &MutatedRequest, status: u16, fault: &Element, action: Option<String>) -> Verdict {
        let st = Some(status);
        let wire = WireFault::from_element(fault);
        let label = || {
            let (c, s) = (wire.code.as_ref().map(|c| c.1.as_str()), wire.subcode.as_ref().map(|s| s.1.as_str()));
            format!("{}{}", c.unwrap_or("(no code)"), s.map(|s| format!("/{s}")).unwrap_or_default())
        };
        if status == 200 {
            return fail(FindingKind::FaultWithSuccessStatus, st, format!("fault {} with HTTP 200", label()));
        }
        let Some(kind) = wire.kind() else {
            return fail(FindingKind::UnknownFault, st, format!("fault {} is not in the fault table", label()));
        };
        let sender = wire.code.as_ref().is_some_and(|(n, l)| n == ns::SOAP && SoapCode::from_local_name(l) == Some(SoapCode::Sender));
        // Other endpoints: 400 for a Sender fault (SOAP 1.2 HTTP binding), 401 for AccessDenied.
        let status_ok = status == 500 || (!self.reference && ((status == 400 && sender) || (status == 401 && kind == FaultKind::AccessDenied)));
        if !status_ok {
            return fail(FindingKind::FaultStatus, st, format!("fault {} with HTTP {status}", kind.name()));
        }
        // Without valid credentials only a refusal (401), or an AccessDenied
        // fault, may come back: any other fault means the request was
        // processed unauthenticated.
        if request.credentials.is_stripped() && !request.facts.identify && kind != FaultKind::AccessDenied {
            return fail(FindingKind::AuthBypass, st, format!("fault {} to a request without valid credentials (expected 401)", kind.name()));
        }
        if !action.as_deref().is_some_and(|a| FAULT_ACTIONS.contains(&a)) {
            return fail(FindingKind::WrongAction, st, format!("fault {} with Action {action:?}", kind.name()));
        }
        if let Expectation::Fault(kinds) = &request.expect {
            if !kinds.contains(&kind) {
                let want: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
                return fail(FindingKind::WrongFault, st, format!("fault {}, expected one of {want:?}", kind.name()));
            }
        }
        Verdict::Pass(Outcome::Fault(kind))
    }
}

fn judge_success(request: &MutatedRequest, status: u16, body: Option<&Element>, action: Option<String>) -> Verdict {
    let st = Some(status);
    if status != 200 {
        return fail(FindingKind::SuccessStatus, st, format!("a SOAP success with HTTP {status}"));
    }
    let facts = &request.facts;
    if request.credentials.is_stripped() && !facts.identify {
        return fail(FindingKind::AuthBypass, st, format!("a success ({action:?}) to a request without valid credentials"));
    }
    if let Expectation::Fault(kinds) = &request.expect {
        let want: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
        return fail(FindingKind::UnexpectedSuccess, st, format!("a success ({action:?}), expected one of {want:?}"));
    }
    if facts.identify && facts.action.is_none() {
        return match body.and_then(|b| b.child(ns::WSMID, "IdentifyResponse")) {
            Some(_) => Verdict::Pass(Outcome::Success(action)),
            None => fail(FindingKind::WrongAction, st, "the answer to Identify is not an IdentifyResponse"),
        };
    }
    let Some(req_action) = &facts.action else {
        // Only well-formed requests have facts: an envelope the endpoint
        // repaired (truncated at its end, re-encoded) may still succeed.
        if facts.well_formed {
            return fail(FindingKind::UnexpectedSuccess, st, format!("a success ({action:?}) to a request without a single wsa:Action"));
        }
        return Verdict::Pass(Outcome::Success(action));
    };
    let want = format!("{req_action}Response");
    let heartbeat = Action::from_uri(req_action) == Action::Pull && action.as_deref() == Some(Action::Heartbeat.uri().as_str());
    if action.as_deref() != Some(want.as_str()) && !heartbeat {
        return fail(FindingKind::WrongAction, st, format!("success Action {action:?}, expected {want:?}"));
    }
    Verdict::Pass(Outcome::Success(action))
}

fn client_error(e: &wsman_client::Error) -> Verdict {
    let kind = match e.transport_kind() {
        Some(TransportKind::Timeout) => FindingKind::PastDeadline,
        Some(TransportKind::Closed | TransportKind::Broken) => FindingKind::DroppedConnection,
        Some(TransportKind::TooLarge) => FindingKind::ResponseTooLarge,
        Some(TransportKind::HttpStatus(s)) if s >= 500 => FindingKind::ServerErrorWithoutSoap,
        Some(TransportKind::HttpStatus(s)) if REFUSAL_STATUSES.contains(&s) => return Verdict::Pass(Outcome::Refused(s)),
        Some(TransportKind::HttpStatus(_)) => FindingKind::UnexpectedStatus,
        _ => FindingKind::Unreachable,
    };
    fail(kind, e.status(), e.to_string())
}
