//! The SOAP header block of a WS-Management message (DSP0226 §5-§6,
//! MS-WSMV §3.1.4.1).

use crate::action::Action;
use crate::duration::XsDuration;
use crate::ns;
use crate::selector::{OptionSet, SelectorSet};
use crate::xml::Element;

/// True when an element carries `mustUnderstand="true"` (or `"1"`), whether the
/// attribute is SOAP-qualified (`s:mustUnderstand`, as Windows and pypsrp send
/// it) or unqualified (as pywinrm sends it).
pub fn must_understand(el: &Element) -> bool {
    let v = el.attr(Some(ns::SOAP), "mustUnderstand").or_else(|| el.attr(None, "mustUnderstand"));
    matches!(v.map(str::trim), Some("true") | Some("1"))
}

/// `wsman:Locale` (and the `wsmv:DataLocale` twin).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Locale {
    /// `@xml:lang`.
    pub lang: String,
    /// Whether the client marked it mustUnderstand.
    pub must_understand: bool,
}

/// A header the decoder does not model, kept so the server can fault on it
/// when it is marked mustUnderstand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownHeader {
    /// The element itself.
    pub element: Element,
    /// Its mustUnderstand flag.
    pub must_understand: bool,
}

/// Every header of PROTOCOL.md §2, decoded.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Header {
    /// `wsa:To`.
    pub to: Option<String>,
    /// `wsa:ReplyTo/wsa:Address`.
    pub reply_to: Option<String>,
    /// `wsa:FaultTo/wsa:Address`.
    pub fault_to: Option<String>,
    /// `wsa:Action`.
    pub action: Option<Action>,
    /// `wsa:MessageID`, verbatim (responses echo it byte for byte).
    pub message_id: Option<String>,
    /// `wsa:RelatesTo` (responses).
    pub relates_to: Option<String>,
    /// `wsman:ResourceURI`.
    pub resource_uri: Option<String>,
    /// `wsman:SelectorSet`.
    pub selectors: Option<SelectorSet>,
    /// `wsman:OptionSet`.
    pub options: Option<OptionSet>,
    /// `wsman:OperationTimeout`.
    pub operation_timeout: Option<XsDuration>,
    /// `wsman:MaxEnvelopeSize` in octets.
    pub max_envelope_size: Option<u64>,
    /// `wsman:Locale`.
    pub locale: Option<Locale>,
    /// `wsmv:DataLocale`.
    pub data_locale: Option<Locale>,
    /// `wsmv:SessionId`.
    pub session_id: Option<String>,
    /// `wsmv:ActivityId`.
    pub activity_id: Option<String>,
    /// `wsman:FragmentTransfer` expression.
    pub fragment_transfer: Option<String>,
    /// `wsman:FragmentTransfer/@Dialect`, when given.
    pub fragment_dialect: Option<String>,
    /// Headers not modelled above.
    pub unknown: Vec<UnknownHeader>,
}

/// Why a header could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid {header} header: {reason}")]
pub struct HeaderError {
    /// Local name of the header.
    pub header: &'static str,
    /// What was wrong.
    pub reason: String,
}

/// A static label for a header's local name (errors carry `&'static str`).
fn header_label(name: &str) -> &'static str {
    const KNOWN: &[&str] = &[
        "To", "ReplyTo", "FaultTo", "Action", "MessageID", "RelatesTo", "ResourceURI", "SelectorSet", "OptionSet",
        "OperationTimeout", "MaxEnvelopeSize", "Locale", "DataLocale", "SessionId", "ActivityId", "FragmentTransfer",
    ];
    KNOWN.iter().copied().find(|k| *k == name).unwrap_or("header")
}

/// `8-4-4-4-12` hexadecimal digits.
fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts.iter().zip([8, 4, 4, 4, 12]).all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// `uuid:` followed by a GUID.
fn is_uuid_uri(s: &str) -> bool {
    s.strip_prefix("uuid:").is_some_and(is_guid)
}

fn herr(header: &'static str, reason: impl Into<String>) -> HeaderError {
    HeaderError { header, reason: reason.into() }
}

impl Header {
    /// Decodes the children of `s:Header`.
    pub fn from_element(header: &Element) -> Result<Header, HeaderError> {
        let mut h = Header::default();
        let mut seen: Vec<(&str, &str)> = Vec::new();
        for el in header.elements() {
            let text = || el.text().trim().to_owned();
            let (ns_, name) = (el.ns.as_deref().unwrap_or(""), el.name.as_str());
            // WS-Addressing and WS-Management headers appear at most once (WS-Addressing §3, DSP0226 §5-6).
            if matches!(ns_, ns::WSA | ns::WSMAN | ns::WSMV) {
                if seen.contains(&(ns_, name)) {
                    return Err(HeaderError { header: header_label(name), reason: format!("{name} appears more than once") });
                }
                seen.push((ns_, name));
            }
            match (ns_, name) {
                (ns::WSA, "To") if text().is_empty() => return Err(herr("To", "wsa:To is empty")),
                (ns::WSMV, "SessionId") if must_understand(el) && !is_uuid_uri(&text()) => {
                    return Err(herr("SessionId", format!("{:?} is not a uuid: URI", text())))
                }
                (ns::WSMV, "ActivityId") if must_understand(el) && !is_guid(text().trim_start_matches("uuid:")) => {
                    return Err(herr("ActivityId", format!("{:?} is not a GUID", text())))
                }
                (ns::WSA, "To") => h.to = Some(text()),
                (ns::WSA, "ReplyTo") => h.reply_to = Some(el.child_text(ns::WSA, "Address").ok_or_else(|| herr("ReplyTo", "no Address"))?),
                (ns::WSA, "FaultTo") => h.fault_to = Some(el.child_text(ns::WSA, "Address").ok_or_else(|| herr("FaultTo", "no Address"))?),
                (ns::WSA, "Action") => h.action = Some(Action::from_uri(&text())),
                (ns::WSA, "MessageID") => h.message_id = Some(text()),
                (ns::WSA, "RelatesTo") => h.relates_to = Some(text()),
                (ns::WSMAN, "ResourceURI") => h.resource_uri = Some(text()),
                (ns::WSMAN, "SelectorSet") => h.selectors = Some(SelectorSet::from_element(el).map_err(|r| herr("SelectorSet", r))?),
                (ns::WSMAN, "OptionSet") => h.options = Some(OptionSet::from_element(el).map_err(|r| herr("OptionSet", r))?),
                (ns::WSMAN, "OperationTimeout") => {
                    let t = text();
                    h.operation_timeout = Some(XsDuration::parse(&t).ok_or_else(|| herr("OperationTimeout", format!("{t:?} is not an xs:duration")))?);
                }
                (ns::WSMAN, "MaxEnvelopeSize") => {
                    let t = text();
                    h.max_envelope_size = Some(t.parse().map_err(|_| herr("MaxEnvelopeSize", format!("{t:?} is not a positive integer")))?);
                }
                (ns::WSMAN, "Locale") | (ns::WSMV, "DataLocale") => {
                    let lang = el.attr(Some(ns::XML), "lang").ok_or_else(|| herr("Locale", "no xml:lang"))?.to_owned();
                    let l = Some(Locale { lang, must_understand: must_understand(el) });
                    if name == "Locale" { h.locale = l } else { h.data_locale = l }
                }
                (ns::WSMV, "SessionId") => h.session_id = Some(text()),
                (ns::WSMV, "ActivityId") => h.activity_id = Some(text()),
                (ns::WSMAN, "FragmentTransfer") => {
                    h.fragment_transfer = Some(text());
                    h.fragment_dialect = el.attr(None, "Dialect").map(str::to_owned);
                }
                _ => h.unknown.push(UnknownHeader { element: el.clone(), must_understand: must_understand(el) }),
            }
        }
        Ok(h)
    }

    /// Encodes as the children of `s:Header`, in the order Windows uses.
    pub fn to_elements(&self) -> Vec<Element> {
        let mu = |e: Element| e.with_attr(Some(ns::SOAP), "mustUnderstand", "true");
        let mut out = Vec::new();
        if let Some(v) = &self.to {
            out.push(Element::ns(ns::WSA, "To").with_text(v.clone()));
        }
        if let Some(a) = &self.reply_to {
            out.push(Element::ns(ns::WSA, "ReplyTo").with_child(mu(Element::ns(ns::WSA, "Address").with_text(a.clone()))));
        }
        if let Some(a) = &self.fault_to {
            out.push(Element::ns(ns::WSA, "FaultTo").with_child(Element::ns(ns::WSA, "Address").with_text(a.clone())));
        }
        if let Some(a) = &self.action {
            out.push(mu(Element::ns(ns::WSA, "Action").with_text(a.uri())));
        }
        if let Some(v) = &self.message_id {
            out.push(Element::ns(ns::WSA, "MessageID").with_text(v.clone()));
        }
        if let Some(v) = &self.relates_to {
            out.push(Element::ns(ns::WSA, "RelatesTo").with_text(v.clone()));
        }
        if let Some(v) = &self.resource_uri {
            out.push(mu(Element::ns(ns::WSMAN, "ResourceURI").with_text(v.clone())));
        }
        if let Some(s) = &self.selectors {
            out.push(s.to_element());
        }
        if let Some(o) = &self.options {
            out.push(o.to_element());
        }
        if let Some(t) = &self.operation_timeout {
            out.push(Element::ns(ns::WSMAN, "OperationTimeout").with_text(t.to_lexical()));
        }
        if let Some(m) = &self.max_envelope_size {
            out.push(mu(Element::ns(ns::WSMAN, "MaxEnvelopeSize").with_text(m.to_string())));
        }
        for (n, name, l) in [(ns::WSMAN, "Locale", &self.locale), (ns::WSMV, "DataLocale", &self.data_locale)] {
            if let Some(l) = l {
                out.push(
                    Element::ns(n, name)
                        .with_attr(Some(ns::XML), "lang", l.lang.clone())
                        .with_attr(Some(ns::SOAP), "mustUnderstand", if l.must_understand { "true" } else { "false" }),
                );
            }
        }
        if let Some(v) = &self.session_id {
            out.push(Element::ns(ns::WSMV, "SessionId").with_attr(Some(ns::SOAP), "mustUnderstand", "false").with_text(v.clone()));
        }
        if let Some(v) = &self.activity_id {
            out.push(Element::ns(ns::WSMV, "ActivityId").with_text(v.clone()));
        }
        if let Some(v) = &self.fragment_transfer {
            let mut f = mu(Element::ns(ns::WSMAN, "FragmentTransfer")).with_text(v.clone());
            if let Some(d) = &self.fragment_dialect {
                f.set_attr(None, "Dialect", d.clone());
            }
            out.push(f);
        }
        out.extend(self.unknown.iter().map(|u| u.element.clone()));
        out
    }

    /// The first header marked mustUnderstand that this implementation does not process.
    pub fn first_not_understood(&self) -> Option<&Element> {
        self.unknown.iter().find(|u| u.must_understand).map(|u| &u.element)
    }
}
