//! One request's path after the HTTP edge: decode, header rules, operation,
//! encode. Every failure here becomes a SOAP fault.

use std::time::{Duration, Instant, SystemTime};

use wsman_proto::envelope::Envelope;
use wsman_proto::fault::{Fault, FaultDetail, FaultKind};
use wsman_proto::header::Header;
use wsman_proto::xml::Element;
use wsman_proto::{ns, Action};

use crate::defects::Defect;
use crate::ops::{self, Ctx, Operation, Reply};
use crate::State;

/// What goes back over HTTP.
pub(crate) enum Outcome {
    /// 200 with this envelope.
    Success(Vec<u8>),
    /// A fault envelope (500 unless a defect says otherwise), and the fault's
    /// subcode (or code, for faults without one) as a QName, for the access log.
    Fault(Vec<u8>, String),
}

/// What the access log says of a request beyond its HTTP status, filled in
/// as far as the request was read.
#[derive(Debug, Default)]
pub(crate) struct RequestInfo {
    /// The wsa:Action URI.
    pub(crate) action: Option<String>,
    /// The wsman:ResourceURI.
    pub(crate) resource_uri: Option<String>,
}

/// The smallest MaxEnvelopeSize a client may ask for (MS-WSMV §3.1.4.1.7).
pub(crate) const MIN_ENVELOPE_SIZE: u64 = 8192;

/// Locales the simulated host has messages for.
fn locale_supported(lang: &str) -> bool {
    let l = lang.to_ascii_lowercase();
    l == "en" || l.starts_with("en-")
}

/// Answers an Identify sent with `WSMANIDENTIFY: unauthenticated`; anything
/// else needs credentials (`None`).
pub(crate) fn unauthenticated_identify(state: &State, body: &[u8]) -> Option<Outcome> {
    let env = Envelope::decode(body, &state.limits.xml).ok()?;
    ops::identify::is_identify(&env.body).then(|| Outcome::Success(ops::identify::encoded(state, false)))
}

pub(crate) async fn handle_soap(state: &State, body: &[u8], user: &str, peer: Option<std::net::IpAddr>, info: &mut RequestInfo) -> Outcome {
    if state.defects.has(Defect::LatePastOperationTimeout) {
        return late_past_operation_timeout(state, body, user, peer, info).await;
    }
    serve_soap(state, body, user, peer, info).await
}

/// The defect `late-past-operation-timeout`: one request at a time, each
/// answer held (see its description), so capacity is bounded and latency
/// grows with the offered rate.
async fn late_past_operation_timeout(state: &State, body: &[u8], user: &str, peer: Option<std::net::IpAddr>, info: &mut RequestInfo) -> Outcome {
    static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    const HOLD: Duration = Duration::from_millis(20);
    let _serial = SERIAL.lock().await;
    let started = Instant::now();
    let timeout = Envelope::decode(body, &state.limits.xml).ok().and_then(|e| e.header.operation_timeout).map(|t| t.to_std());
    let hold = match timeout {
        Some(t) if t <= Duration::from_secs(1) => t * 2,
        _ => HOLD,
    };
    let outcome = serve_soap(state, body, user, peer, info).await;
    tokio::time::sleep_until((started + hold).into()).await;
    outcome
}

async fn serve_soap(state: &State, body: &[u8], user: &str, peer: Option<std::net::IpAddr>, info: &mut RequestInfo) -> Outcome {
    let env = match Envelope::decode(body, &state.limits.xml) {
        Ok(e) => e,
        Err(e) => {
            // The fault still answers the request's MessageID when it can be read.
            let req = Header { message_id: wsman_proto::xml::salvage_message_id(body), ..Header::default() };
            return fault(state, &req, e.to_fault());
        }
    };
    info.action = env.header.action.as_ref().map(Action::uri);
    info.resource_uri = env.header.resource_uri.clone();
    if ops::identify::is_identify(&env.body) {
        return Outcome::Success(ops::identify::encoded(state, true));
    }
    if let Err(f) = check_headers(state, &env.header) {
        return fault(state, &env.header, f);
    }
    let max_envelope = effective_max_envelope(state, &env.header);
    let op = match Operation::from_request(&env, state) {
        Ok(op) => op,
        Err(f) => return fault(state, &env.header, f),
    };
    let timeout = env.header.operation_timeout.map(|t| t.to_std()).unwrap_or_else(|| state.max_timeout()).min(state.max_timeout());
    if matches!(op, Operation::Get(_)) && state.defects.has(Defect::HangOnGet) {
        // The defect: hold the request until the server stops (bounded by shutdown).
        crate::stopped(&mut state.shutdown.clone()).await;
        return fault(state, &env.header, Fault::new(FaultKind::EndpointUnavailable, "the server is shutting down"));
    }
    let latency = op.latency();
    let now = Instant::now();
    let ctx = Ctx { state, user, max_envelope, now, wall: SystemTime::now(), deadline: now + timeout, peer };
    let result = if latency.is_zero() {
        op.apply(&ctx).await
    } else if latency >= timeout {
        tokio::time::sleep(timeout).await;
        Err(Fault::new(FaultKind::TimedOut, format!("the operation did not complete within the OperationTimeout of {} ms", timeout.as_millis())))
    } else {
        tokio::time::sleep(latency).await;
        op.apply(&ctx).await
    };
    match result {
        Ok(reply) => success(state, &env.header, reply, max_envelope),
        Err(f) => fault(state, &env.header, f),
    }
}

/// The header rules of DSP0226 §5-6 and MS-WSMV §3.1.4.1, in the order
/// Windows applies them.
fn check_headers(state: &State, h: &Header) -> Result<(), Fault> {
    if let Some(el) = h.first_not_understood() {
        if !state.defects.has(Defect::IgnoreMustUnderstand) {
            let mut f = Fault::new(FaultKind::MustUnderstand, format!("the header {} was marked mustUnderstand but is not supported", el.name));
            f.not_understood = Some((el.ns.as_deref().unwrap_or_default().to_owned(), el.name.clone()));
            return Err(f);
        }
    }
    for (present, name) in [(h.action.is_some(), "Action"), (h.message_id.is_some(), "MessageID"), (h.to.is_some(), "To")] {
        if !present {
            return Err(Fault::new(FaultKind::MessageInformationHeaderRequired, format!("the required header wsa:{name} is missing")));
        }
    }
    if h.message_id.as_deref().is_some_and(|m| m.trim().is_empty()) {
        return Err(Fault::new(FaultKind::InvalidMessageInformationHeader, "wsa:MessageID is empty"));
    }
    if let Some(reply_to) = &h.reply_to {
        if reply_to != ns::WSA_ANONYMOUS {
            return Err(Fault::new(FaultKind::InvalidMessageInformationHeader, format!("wsa:ReplyTo must be the anonymous address, not {reply_to}")));
        }
    }
    if let Some(size) = h.max_envelope_size {
        if size < MIN_ENVELOPE_SIZE && !state.defects.has(Defect::IgnoreMaxEnvelopeSize) {
            return Err(Fault::new(FaultKind::EncodingLimit, format!("MaxEnvelopeSize {size} is below the minimum of {MIN_ENVELOPE_SIZE} octets"))
                .with_detail(FaultDetail::MinimumEnvelopeLimit));
        }
    }
    if let Some(t) = h.operation_timeout {
        if t.as_millis() == 0 {
            return Err(Fault::new(FaultKind::InvalidMessageInformationHeader, "OperationTimeout must be positive").with_detail(FaultDetail::InvalidTimeout));
        }
    }
    for l in [&h.locale, &h.data_locale].into_iter().flatten() {
        if l.must_understand && !locale_supported(&l.lang) {
            return Err(Fault::new(FaultKind::UnsupportedFeature, format!("the locale {} is not supported", l.lang)).with_detail(FaultDetail::Locale));
        }
    }
    if let Some(opts) = &h.options {
        if let Some(o) = opts.options.iter().find(|o| o.must_comply) {
            return Err(Fault::new(FaultKind::InvalidOptions, format!("the option {} is marked MustComply but is not supported", o.name))
                .with_detail(FaultDetail::NotSupported));
        }
    }
    Ok(())
}

fn effective_max_envelope(state: &State, h: &Header) -> usize {
    let ceiling = state.max_envelope_size();
    match h.max_envelope_size {
        Some(n) => usize::try_from(n).unwrap_or(usize::MAX).min(ceiling),
        None => ceiling,
    }
}

/// Response headers: To anonymous, Action, a fresh MessageID, RelatesTo the
/// request's MessageID byte for byte.
fn response_header(state: &State, req: &Header, action: String) -> Header {
    let d = &state.defects;
    let to = if d.has(Defect::ToNotAnonymous) { req.to.clone() } else { Some(ns::WSA_ANONYMOUS.to_owned()) };
    let relates_to = match &req.message_id {
        _ if d.has(Defect::DropRelatesTo) => None,
        Some(m) if d.has(Defect::RelatesToLowercase) => Some(m.to_lowercase()),
        other => other.clone(),
    };
    let message_id = (!d.has(Defect::DropMessageId)).then(|| format!("uuid:{}", uuid::Uuid::new_v4().to_string().to_uppercase()));
    Header { to, action: Some(Action::from_uri(&action)), message_id, relates_to, ..Header::default() }
}

fn success(state: &State, req: &Header, reply: Reply, max_envelope: usize) -> Outcome {
    let action = match (&req.action, state.defects.has(Defect::WrongResponseAction)) {
        (Some(a), true) => a.uri(),
        _ => reply.action,
    };
    let mut header = response_header(state, req, action);
    header.unknown.extend(reply.headers.into_iter().map(|element| wsman_proto::header::UnknownHeader { element, must_understand: false }));
    let env = Envelope { header, body: reply.body };
    let mut bytes = env.into_bytes_with(&reply.encoded);
    if bytes.len() > max_envelope && !state.defects.has(Defect::IgnoreMaxEnvelopeSize) {
        let f =
            Fault::new(FaultKind::EncodingLimit, format!("the response ({} octets) would exceed the MaxEnvelopeSize of {max_envelope} octets", bytes.len()))
                .with_detail(FaultDetail::MaxEnvelopeSize);
        return fault(state, req, f);
    }
    if state.defects.has(Defect::MalformedResponse) {
        bytes.truncate(bytes.len() / 2);
    }
    Outcome::Success(bytes)
}

pub(crate) fn fault(state: &State, req: &Header, mut f: Fault) -> Outcome {
    let d = &state.defects;
    let info = f.kind.info();
    let (sub_ns, sub_local) = info.subcode.unwrap_or((ns::SOAP, info.code.local_name()));
    let subcode = format!("{}:{sub_local}", ns::preferred_prefix(sub_ns).unwrap_or("?"));
    if d.has(Defect::FaultNoDetail) {
        f.detail = None;
    }
    let mut body = f.to_element("en-US", &state.machine);
    if d.has(Defect::FaultWrongSubcode) {
        set_subcode(&mut body, "w:InternalError");
    }
    if d.has(Defect::FaultWrongCode) {
        set_code(&mut body, "s:Receiver");
    }
    if d.has(Defect::FaultNoReasonLang) {
        strip_reason_lang(&mut body);
    }
    let mut header = response_header(state, req, f.kind.info().action.to_owned());
    if let Some(nu) = f.not_understood_header() {
        header.unknown.push(wsman_proto::header::UnknownHeader { element: nu, must_understand: false });
    }
    Outcome::Fault(Envelope { header, body: vec![body] }.into_bytes(), subcode)
}

fn set_subcode(fault: &mut Element, qname: &str) {
    if let Some(code) = fault.child_mut(ns::SOAP, "Code") {
        code.children.retain(|n| !matches!(n, wsman_proto::xml::Node::Element(e) if e.is(ns::SOAP, "Subcode")));
        code.push(Element::ns(ns::SOAP, "Subcode").with_child(Element::ns(ns::SOAP, "Value").with_text(qname)));
    }
}

fn set_code(fault: &mut Element, qname: &str) {
    if let Some(value) = fault.child_mut(ns::SOAP, "Code").and_then(|c| c.child_mut(ns::SOAP, "Value")) {
        *value = Element::ns(ns::SOAP, "Value").with_text(qname);
    }
}

fn strip_reason_lang(fault: &mut Element) {
    if let Some(text) = fault.child_mut(ns::SOAP, "Reason").and_then(|r| r.child_mut(ns::SOAP, "Text")) {
        text.attrs.retain(|a| !(a.ns.as_deref() == Some(ns::XML) && a.name == "lang"));
    }
}
