//! The SOAP 1.2 envelope: decode from bytes, encode to bytes.

use crate::fault::{Fault, FaultDetail, FaultKind, SoapCode};
use crate::header::{Header, HeaderError};
use crate::ns;
use crate::xml::{self, Element, Limits, XmlError};

/// A decoded message: header block plus body children.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Envelope {
    /// The decoded header block.
    pub header: Header,
    /// The children of `s:Body` (usually zero or one).
    pub body: Vec<Element>,
}

/// Why bytes could not be decoded as a WS-Management envelope.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Not well-formed, hostile or badly encoded XML.
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// The root is an Envelope in another SOAP version's namespace.
    #[error("not a SOAP 1.2 envelope (namespace {0:?})")]
    VersionMismatch(String),
    /// The root is not a SOAP Envelope at all.
    #[error("root element is {0:?}, not a SOAP Envelope")]
    NotEnvelope(String),
    /// No `s:Body`.
    #[error("the envelope has no Body")]
    MissingBody,
    /// A header is present but its value is invalid.
    #[error(transparent)]
    Header(#[from] HeaderError),
}

impl DecodeError {
    /// The one mapping from decode failures to the fault the server answers.
    pub fn to_fault(&self) -> Fault {
        match self {
            DecodeError::Xml(XmlError::TooDeep(_) | XmlError::TooManyElements(_) | XmlError::TooManyAttributes(_)) => {
                Fault::new(FaultKind::EncodingLimit, self.to_string()).with_detail(FaultDetail::ServiceEnvelopeLimit)
            }
            DecodeError::Xml(XmlError::Encoding(_)) => {
                Fault::new(FaultKind::EncodingLimit, self.to_string()).with_detail(FaultDetail::Other(format!("{}CharacterSet", ns::WSMAN_FAULT_DETAIL)))
            }
            DecodeError::Xml(_) | DecodeError::NotEnvelope(_) | DecodeError::MissingBody => Fault::new(FaultKind::SchemaValidationError, self.to_string()),
            DecodeError::VersionMismatch(_) => Fault::new(FaultKind::VersionMismatch, self.to_string()),
            DecodeError::Header(h) => {
                let f = Fault::new(FaultKind::InvalidMessageInformationHeader, self.to_string());
                match h.header {
                    "OperationTimeout" => f.with_detail(FaultDetail::InvalidTimeout),
                    "MaxEnvelopeSize" => f.with_detail(FaultDetail::MaxEnvelopeSize),
                    _ => f,
                }
            }
        }
    }
}

impl Envelope {
    /// Decodes raw request or response bytes (UTF-8, or UTF-16 with BOM).
    pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Envelope, DecodeError> {
        let root = xml::parse(bytes, limits)?;
        Self::from_element(root)
    }

    /// Decodes an already parsed document.
    pub fn from_element(root: Element) -> Result<Envelope, DecodeError> {
        if root.name == "Envelope" && root.ns.as_deref() == Some(ns::SOAP11) {
            return Err(DecodeError::VersionMismatch(ns::SOAP11.to_owned()));
        }
        if !root.is(ns::SOAP, "Envelope") {
            return Err(DecodeError::NotEnvelope(root.name));
        }
        let header = match root.child(ns::SOAP, "Header") {
            Some(h) => Header::from_element(h)?,
            None => Header::default(),
        };
        let body = root.child(ns::SOAP, "Body").ok_or(DecodeError::MissingBody)?;
        Ok(Envelope { header, body: body.elements().cloned().collect() })
    }

    /// The envelope as an element tree. The envelope declares the prefixes of
    /// [`ENVELOPE_PREFIXES`] so that QName-valued text (fault codes) resolves.
    pub fn to_element(&self) -> Element {
        let mut header = Element::ns(ns::SOAP, "Header");
        header.children.extend(self.header.to_elements().into_iter().map(xml::Node::Element));
        let mut body = Element::ns(ns::SOAP, "Body");
        body.children.extend(self.body.iter().cloned().map(xml::Node::Element));
        Element::ns(ns::SOAP, "Envelope").with_child(header).with_child(body)
    }

    /// Encodes as UTF-8 bytes with an XML declaration.
    pub fn encode(&self) -> Vec<u8> {
        xml::to_bytes(&self.to_element())
    }

    /// Encodes like [`encode`](Self::encode), moving the body into the tree
    /// instead of copying it (what a server does with the answer it built).
    pub fn into_bytes(self) -> Vec<u8> {
        xml::to_bytes(&self.into_element())
    }

    /// Encodes like [`into_bytes`](Self::into_bytes), writing the body's
    /// placeholders as the encoded elements they name
    /// ([`xml::write_document_with`]).
    pub fn into_bytes_with(self, encoded: &[std::sync::Arc<xml::EncodedElement>]) -> Vec<u8> {
        let mut out = Vec::with_capacity(1024 + encoded.iter().map(|e| e.bytes().len()).sum::<usize>());
        xml::write_document_with(&self.into_element(), &mut out, encoded);
        out
    }

    /// The envelope as an element tree, like [`to_element`](Self::to_element)
    /// without copying the body.
    pub fn into_element(self) -> Element {
        let mut header = Element::ns(ns::SOAP, "Header");
        header.children.extend(self.header.to_elements().into_iter().map(xml::Node::Element));
        let mut body = Element::ns(ns::SOAP, "Body");
        body.children.extend(self.body.into_iter().map(xml::Node::Element));
        Element::ns(ns::SOAP, "Envelope").with_child(header).with_child(body)
    }

    /// The first body element, if any.
    pub fn body_element(&self) -> Option<&Element> {
        self.body.first()
    }

    /// The fault in the body, if this is a fault message.
    pub fn fault(&self) -> Option<WireFault> {
        self.body.iter().find(|e| e.is(ns::SOAP, "Fault")).map(WireFault::from_element)
    }
}

/// A fault as it appears on the wire, decoded without assuming it is one the
/// table knows (used to judge other endpoints' faults).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct WireFault {
    /// `s:Code/s:Value` as (namespace, local name).
    pub code: Option<(String, String)>,
    /// `s:Code/s:Subcode/s:Value`, resolved from its QName text.
    pub subcode: Option<(String, String)>,
    /// `s:Reason/s:Text`.
    pub reason: Option<String>,
    /// `s:Reason/s:Text/@xml:lang`.
    pub reason_lang: Option<String>,
    /// `s:Detail/wsman:FaultDetail`.
    pub detail: Option<String>,
    /// `s:Detail/wsmanfault:WSManFault/@Code`.
    pub wsman_code: Option<u32>,
    /// `s:Detail/wsmanfault:WSManFault/wsmanfault:Message` text.
    pub wsman_message: Option<String>,
}

impl WireFault {
    /// Reads an `s:Fault` element. The code and subcode are QName text,
    /// resolved against the bindings in scope where they appeared (see
    /// [`qname_value`]).
    pub fn from_element(el: &Element) -> WireFault {
        let mut w = WireFault::default();
        if let Some(code) = el.child(ns::SOAP, "Code") {
            w.code = code.child(ns::SOAP, "Value").map(qname_value);
            w.subcode = code.child(ns::SOAP, "Subcode").and_then(|s| s.child(ns::SOAP, "Value")).map(qname_value);
        }
        if let Some(text) = el.child(ns::SOAP, "Reason").and_then(|r| r.child(ns::SOAP, "Text")) {
            w.reason = Some(text.text().trim().to_owned());
            w.reason_lang = text.attr(Some(ns::XML), "lang").map(str::to_owned);
        }
        if let Some(detail) = el.child(ns::SOAP, "Detail") {
            w.detail = detail.child_text(ns::WSMAN, "FaultDetail");
            if let Some(f) = detail.child(ns::WSMANFAULT, "WSManFault") {
                w.wsman_code = f.attr(None, "Code").and_then(|c| c.parse().ok());
                w.wsman_message = f.child_text(ns::WSMANFAULT, "Message");
            }
        }
        w
    }

    /// The table entry matching this fault's code and subcode, if any.
    pub fn kind(&self) -> Option<FaultKind> {
        let (cns, code) = self.code.as_ref()?;
        if cns != ns::SOAP {
            return None;
        }
        let code = SoapCode::from_local_name(code)?;
        FaultKind::ALL.iter().copied().find(|k| {
            let info = k.info();
            match (&self.subcode, info.subcode) {
                (None, None) => info.code == code,
                // Sender/Receiver are not always used as the table says (EndpointUnavailable
                // may be either): the subcode decides.
                (Some((sns, sl)), Some((ins, il))) => sns == ins && sl == il,
                _ => false,
            }
        })
    }
}

/// The value of a QName-typed element (`s:Value`), resolved to (namespace, local).
///
/// The tree does not keep namespace declarations, so the reader resolves the
/// text of `s:Value` elements while their bindings are in scope and records
/// the result in an attribute in [`RESOLVED_NS`]. Without that record (an
/// element built in memory), an unbound `prefix:local` yields the prefix as
/// the namespace. The driver resolves QNames independently, with libxml2.
pub fn qname_value(v: &Element) -> (String, String) {
    let t = v.text().trim().to_owned();
    if let Some(resolved) = v.attr(Some(RESOLVED_NS), "qname") {
        if let Some((n, l)) = resolved.split_once('}') {
            return (n.trim_start_matches('{').to_owned(), l.to_owned());
        }
    }
    match t.split_once(':') {
        Some((p, l)) => (p.to_owned(), l.to_owned()),
        None => (String::new(), t),
    }
}

/// Pseudo-namespace of the attribute the reader adds to QName-valued elements
/// it can resolve (see [`crate::xml::parse`]). Never written.
pub const RESOLVED_NS: &str = "urn:wsman-harness:resolved";

impl Fault {
    /// The `s:Fault` body element, with the Windows `WSManFault` detail.
    pub fn to_element(&self, lang: &str, machine: &str) -> Element {
        let info = self.kind.info();
        let mut code = Element::ns(ns::SOAP, "Code").with_child(Element::ns(ns::SOAP, "Value").with_text(format!("s:{}", info.code.local_name())));
        if let Some((sns, local)) = info.subcode {
            let prefix = ns::preferred_prefix(sns).unwrap_or("w");
            code.push(Element::ns(ns::SOAP, "Subcode").with_child(Element::ns(ns::SOAP, "Value").with_text(format!("{prefix}:{local}"))));
        }
        let reason =
            Element::ns(ns::SOAP, "Reason").with_child(Element::ns(ns::SOAP, "Text").with_attr(Some(ns::XML), "lang", lang).with_text(self.reason.clone()));
        let mut detail = Element::ns(ns::SOAP, "Detail");
        if let Some(d) = &self.detail {
            detail.push(Element::ns(ns::WSMAN, "FaultDetail").with_text(d.uri()));
        }
        detail.push(
            Element::ns(ns::WSMANFAULT, "WSManFault")
                .with_attr(None, "Code", self.windows_code().to_string())
                .with_attr(None, "Machine", machine)
                .with_child(Element::ns(ns::WSMANFAULT, "Message").with_text(self.reason.clone())),
        );
        Element::ns(ns::SOAP, "Fault").with_child(code).with_child(reason).with_child(detail)
    }
}

impl Fault {
    /// The `s:NotUnderstood` header block of a MustUnderstand fault (SOAP 1.2
    /// Part 1 §5.4.8): `qname` names the header, its prefix declared on the block.
    pub fn not_understood_header(&self) -> Option<Element> {
        let (n, local) = self.not_understood.as_ref()?;
        Some(Element::ns(ns::SOAP, "NotUnderstood").with_attr(Some(ns::XMLNS), "nu", n.clone()).with_attr(None, "qname", format!("nu:{local}")))
    }
}

/// The namespace bindings in scope inside `s:Body` (and inside body
/// elements of these namespaces that declare nothing) of an envelope this
/// crate writes: the prefixes of [`ENVELOPE_PREFIXES`], outermost first.
/// What [`xml::EncodedElement::new`] takes for items of a response.
pub fn body_scope() -> Vec<(&'static str, &'static str)> {
    ENVELOPE_PREFIXES.iter().filter_map(|n| ns::preferred_prefix(n).map(|p| (p, *n))).collect()
}

/// The namespaces whose prefixes the writer always declares on the envelope,
/// so that QName values such as `w:InvalidSelectors` resolve.
pub const ENVELOPE_PREFIXES: &[&str] = &[ns::SOAP, ns::WSA, ns::WSMAN, ns::WSEN, ns::WXF, ns::WSE, ns::WSMB];
