//! The structural rules of `validate`: what can be judged of one envelope
//! with no endpoint to talk to. Each rule reports the element and line it
//! is about.

use report::{Severity, Status};
use wsman_proto::ns;

use super::outline::{Outline, OutlineElement};
use crate::check::catalogue::{self as cat, Check};

/// `s:Header` of a response-like envelope has `wsa:RelatesTo` and `wsa:MessageID`.
pub const RESPONSE_ADDRESSING: Check = Check {
    id: "envelope.response-addressing",
    clause: "DSP0226 §5.4.3, §5.4.4",
    severity: Severity::Must,
    summary: "A response (Action ending in Response, or a fault) has wsa:RelatesTo and wsa:MessageID.",
};

/// A fault has `s:Code/s:Value` and `s:Reason/s:Text` with `xml:lang`.
pub const FAULT_SHAPE: Check = Check {
    id: "envelope.fault-shape",
    clause: "SOAP 1.2 Part 1 §5.4; DSP0226 §14.2",
    severity: Severity::Must,
    summary: "A fault has s:Code/s:Value and s:Reason/s:Text, every Text with xml:lang.",
};

/// A request other than Identify has `wsa:To`, `wsa:Action` and `wsa:MessageID`.
pub const REQUEST_ADDRESSING: Check = Check {
    id: "envelope.request-addressing",
    clause: "DSP0226 §5.4.2, §5.4.4, §5.4.5",
    severity: Severity::Must,
    summary: "A request other than Identify has wsa:To, wsa:Action and wsa:MessageID.",
};

/// Every rule `validate` applies to each file, in report order.
pub const RULES: &[Check] = &[cat::XML_WELL_FORMED, cat::SCHEMA_VALID, RESPONSE_ADDRESSING, FAULT_SHAPE, REQUEST_ADDRESSING];

/// One rule's outcome on one envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleOutcome {
    /// The rule.
    pub rule: &'static Check,
    /// PASS, FAIL, or SKIP (the rule does not apply).
    pub status: Status,
    /// What was found (for SKIP, why the rule does not apply).
    pub message: String,
}

impl RuleOutcome {
    fn new(rule: &'static Check, problems: Vec<String>) -> RuleOutcome {
        let status = if problems.is_empty() { Status::Pass } else { Status::Fail };
        RuleOutcome { rule, status, message: problems.join("; ") }
    }

    fn skip(rule: &'static Check, why: &str) -> RuleOutcome {
        RuleOutcome { rule, status: Status::Skip, message: why.to_owned() }
    }
}

/// `prefix:local` for protocol namespaces, `{ns}local` otherwise.
fn label(e: &OutlineElement) -> String {
    match e.ns.as_deref() {
        Some(n) => match ns::preferred_prefix(n) {
            Some(p) => format!("{p}:{}", e.local),
            None => format!("{{{n}}}{}", e.local),
        },
        None => e.local.clone(),
    }
}

/// What kind of message an envelope is, from its Action and Body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `wsmid:Identify` / `wsmid:IdentifyResponse`: outside WS-Addressing (DSP0226 §11).
    Identify,
    /// A fault.
    Fault,
    /// A response (Action ending in `Response`).
    Response,
    /// Anything else is a request (or a one-way message).
    Request,
}

/// Applies the envelope rules (`xml.well-formed` as the "root is a SOAP 1.2
/// Envelope with a Body" rule, and the three `envelope.*` rules) to an outline.
pub fn envelope_rules(o: &Outline) -> Vec<RuleOutcome> {
    let mut out = Vec::with_capacity(4);
    let Some(root) = o.root() else {
        out.push(RuleOutcome::new(&cat::XML_WELL_FORMED, vec!["no root element".to_owned()]));
        return out;
    };
    if !root.is(ns::SOAP, "Envelope") {
        out.push(RuleOutcome::new(&cat::XML_WELL_FORMED, vec![format!("line {}: root element {} is not a SOAP 1.2 s:Envelope", root.line, label(root))]));
        for r in [&RESPONSE_ADDRESSING, &FAULT_SHAPE, &REQUEST_ADDRESSING] {
            out.push(RuleOutcome::skip(r, "not a SOAP 1.2 envelope"));
        }
        return out;
    }
    let header = o.child(0, ns::SOAP, "Header");
    let body = o.child(0, ns::SOAP, "Body");
    let mut shape = Vec::new();
    if body.is_none() {
        shape.push(format!("line {}: s:Envelope has no s:Body", root.line));
    }
    out.push(RuleOutcome::new(&cat::XML_WELL_FORMED, shape));

    let header_text = |local: &str| header.and_then(|(h, _)| o.child(h, ns::WSA, local)).map(|(_, e)| e.text.trim().to_owned());
    let payload = body.and_then(|(b, _)| o.children(b).next());
    let action = header_text("Action");
    let kind = match payload {
        Some((_, p)) if p.is(ns::WSMID, "Identify") || p.is(ns::WSMID, "IdentifyResponse") => Kind::Identify,
        Some((_, p)) if p.is(ns::SOAP, "Fault") => Kind::Fault,
        _ if action.as_deref().is_some_and(|a| a.ends_with("Response")) => Kind::Response,
        _ => Kind::Request,
    };
    // Where a missing header is reported: s:Header, or s:Envelope when there is none.
    let (where_name, where_line) = match header {
        Some((_, h)) => (label(h), h.line),
        None => ("s:Envelope (no s:Header)".to_owned(), root.line),
    };
    let require = |names: &[&str]| -> Vec<String> {
        names
            .iter()
            .filter(|n| header_text(n).is_none_or(|t| t.is_empty()))
            .map(|n| format!("line {where_line}: {where_name} has no wsa:{n}"))
            .collect()
    };

    out.push(match kind {
        Kind::Fault | Kind::Response => RuleOutcome::new(&RESPONSE_ADDRESSING, require(&["RelatesTo", "MessageID"])),
        Kind::Identify => RuleOutcome::skip(&RESPONSE_ADDRESSING, "Identify is outside WS-Addressing (DSP0226 §11)"),
        Kind::Request => RuleOutcome::skip(&RESPONSE_ADDRESSING, "not a response"),
    });
    out.push(match (kind, payload) {
        (Kind::Fault, Some((f, fault))) => RuleOutcome::new(&FAULT_SHAPE, fault_problems(o, f, fault)),
        _ => RuleOutcome::skip(&FAULT_SHAPE, "not a fault"),
    });
    out.push(match kind {
        Kind::Request => RuleOutcome::new(&REQUEST_ADDRESSING, require(&["To", "Action", "MessageID"])),
        Kind::Identify => RuleOutcome::skip(&REQUEST_ADDRESSING, "Identify is outside WS-Addressing (DSP0226 §11)"),
        Kind::Fault | Kind::Response => RuleOutcome::skip(&REQUEST_ADDRESSING, "not a request"),
    });
    out
}

fn fault_problems(o: &Outline, f: usize, fault: &OutlineElement) -> Vec<String> {
    let mut p = Vec::new();
    match o.child(f, ns::SOAP, "Code") {
        None => p.push(format!("line {}: s:Fault has no s:Code", fault.line)),
        Some((c, code)) => match o.child(c, ns::SOAP, "Value") {
            Some((_, v)) if !v.text.trim().is_empty() => {}
            Some((_, v)) => p.push(format!("line {}: s:Code/s:Value is empty", v.line)),
            None => p.push(format!("line {}: s:Code has no s:Value", code.line)),
        },
    }
    match o.child(f, ns::SOAP, "Reason") {
        None => p.push(format!("line {}: s:Fault has no s:Reason", fault.line)),
        Some((r, reason)) => {
            let texts: Vec<&OutlineElement> = o.children(r).map(|(_, e)| e).filter(|e| e.is(ns::SOAP, "Text")).collect();
            if texts.is_empty() {
                p.push(format!("line {}: s:Reason has no s:Text", reason.line));
            }
            for t in texts.iter().filter(|t| !t.has_xml_lang) {
                p.push(format!("line {}: s:Reason/s:Text has no xml:lang", t.line));
            }
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use wsman_proto::xml::{self, Element};

    fn envelope(headers: Vec<Element>, payload: Element) -> String {
        let mut h = Element::ns(ns::SOAP, "Header");
        headers.into_iter().for_each(|e| h.push(e));
        let env = Element::ns(ns::SOAP, "Envelope").with_child(h).with_child(Element::ns(ns::SOAP, "Body").with_child(payload));
        String::from_utf8(xml::to_bytes(&env)).expect("UTF-8").replace("><", ">\n<")
    }

    fn wsa(local: &str, text: &str) -> Element {
        Element::ns(ns::WSA, local).with_text(text)
    }

    fn status(text: &str, id: &str) -> (Status, String) {
        let o = Outline::read(text).expect("well-formed");
        let r = envelope_rules(&o).into_iter().find(|r| r.rule.id == id).expect("rule applied");
        (r.status, r.message)
    }

    fn fault(lang: bool) -> Element {
        let mut text = Element::ns(ns::SOAP, "Text").with_text("no");
        if lang {
            text.set_attr(Some(ns::XML), "lang", "en-US");
        }
        Element::ns(ns::SOAP, "Fault")
            .with_child(Element::ns(ns::SOAP, "Code").with_child(Element::ns(ns::SOAP, "Value").with_text("s:Sender")))
            .with_child(Element::ns(ns::SOAP, "Reason").with_child(text))
    }

    #[test]
    fn responses_need_relates_to_and_message_id() {
        let get = format!("{}Response", wsman_proto::Action::Get.uri());
        let ok = envelope(vec![wsa("Action", &get), wsa("MessageID", "uuid:1"), wsa("RelatesTo", "uuid:0")], Element::ns(ns::WXF, "x"));
        assert_eq!(status(&ok, RESPONSE_ADDRESSING.id).0, Status::Pass);
        assert_eq!(status(&ok, REQUEST_ADDRESSING.id).0, Status::Skip);
        let bad = envelope(vec![wsa("Action", &get), wsa("MessageID", "uuid:1")], Element::ns(ns::WXF, "x"));
        let (s, m) = status(&bad, RESPONSE_ADDRESSING.id);
        assert_eq!(s, Status::Fail);
        assert_eq!(m, "line 3: s:Header has no wsa:RelatesTo");
    }

    #[test]
    fn faults_need_code_and_reason_with_lang() {
        let h = vec![wsa("Action", ns::WSMAN_FAULT_ACTION), wsa("MessageID", "uuid:1"), wsa("RelatesTo", "uuid:0")];
        assert_eq!(status(&envelope(h.clone(), fault(true)), FAULT_SHAPE.id).0, Status::Pass);
        let (s, m) = status(&envelope(h, fault(false)), FAULT_SHAPE.id);
        assert_eq!(s, Status::Fail);
        assert!(m.contains("s:Reason/s:Text has no xml:lang") && m.starts_with("line "), "{m}");
    }

    #[test]
    fn requests_need_to_action_message_id_except_identify() {
        let get = wsman_proto::Action::Get.uri();
        let req = envelope(vec![wsa("To", "http://h/wsman"), wsa("Action", &get)], Element::ns(ns::WXF, "x"));
        let (s, m) = status(&req, REQUEST_ADDRESSING.id);
        assert_eq!((s, m.as_str()), (Status::Fail, "line 3: s:Header has no wsa:MessageID"));
        let identify = envelope(vec![], Element::ns(ns::WSMID, "Identify"));
        assert_eq!(status(&identify, REQUEST_ADDRESSING.id).0, Status::Skip);
        let not_soap = String::from_utf8(xml::to_bytes(&Element::ns(ns::SOAP11, "Envelope"))).expect("UTF-8");
        let (s, m) = status(&not_soap, cat::XML_WELL_FORMED.id);
        assert_eq!(s, Status::Fail);
        assert!(m.contains("line 1") && m.contains("Envelope"), "{m}");
    }
}
