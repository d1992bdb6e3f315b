//! What a `wsa:Action` is, and which `s:Body` element it calls for: the table
//! behind `envelope.action-known` and `envelope.body-matches-action`.
//!
//! Actions are the variants of [`wsman_proto::Action`] (transfer, enumeration,
//! eventing and event delivery, WinRS shell), their responses (the request
//! Action + `Response`, PROTOCOL.md §2), the fault actions of `wsman_proto::ns`,
//! and custom methods: `<ResourceURI>/<Method>` with body `<Method>_INPUT`, and
//! `<ResourceURI>/<Method>Response` with body `<Method>_OUTPUT`, both in the
//! resource URI's namespace (MS-WSMV §4.1.4).

use wsman_proto::{ns, Action};

/// The fault actions (DSP0226 §14; PROTOCOL.md §3).
const FAULT_ACTIONS: &[&str] =
    &[ns::WSA_FAULT_ACTION, ns::WXF_FAULT_ACTION, ns::WSEN_FAULT_ACTION, ns::WSE_FAULT_ACTION, ns::WSMAN_FAULT_ACTION, ns::WSMB_FAULT_ACTION];

/// What an Action URI names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionKind {
    /// A known request (or one-way message) action.
    Request(Action),
    /// The response to a known request action.
    Response(Action),
    /// A fault action.
    Fault,
    /// A custom method call whose body is `<method>_INPUT` in the resource namespace.
    MethodCall,
    /// A custom method response whose body is `<method>_OUTPUT` in the resource namespace.
    MethodResponse,
    /// None of these.
    Unknown,
}

/// The first element of `s:Body`, as (namespace, local name); `None` when empty.
pub type BodyElement<'a> = Option<(Option<&'a str>, &'a str)>;

/// What the Action `uri` is, given the first element of the body (which
/// decides whether an unknown URI is a custom method).
pub fn classify(uri: &str, body: BodyElement<'_>) -> ActionKind {
    if FAULT_ACTIONS.contains(&uri) {
        return ActionKind::Fault;
    }
    match Action::from_uri(uri) {
        // The variants that are themselves responses (GetResponse, ...).
        a @ (Action::GetResponse
        | Action::PutResponse
        | Action::CreateResponse
        | Action::DeleteResponse
        | Action::EnumerateResponse
        | Action::PullResponse
        | Action::ReleaseResponse) => return ActionKind::Response(a),
        Action::Other(_) => {}
        a => return ActionKind::Request(a),
    }
    if let Some(request) = uri.strip_suffix("Response") {
        if let a @ (Action::Get
        | Action::Put
        | Action::Create
        | Action::Delete
        | Action::Enumerate
        | Action::Pull
        | Action::Release
        | Action::Renew
        | Action::GetStatus
        | Action::Subscribe
        | Action::SubscriptionRenew
        | Action::SubscriptionGetStatus
        | Action::Unsubscribe
        | Action::Command
        | Action::Send
        | Action::Receive
        | Action::Signal
        | Action::Disconnect
        | Action::Reconnect
        | Action::Connect) = Action::from_uri(request)
        {
            return ActionKind::Response(a);
        }
    }
    let Some((Some(body_ns), body_local)) = body else { return ActionKind::Unknown };
    let method_of = |suffix: &str| body_local.strip_suffix(suffix).filter(|m| !m.is_empty());
    let action_is = |method: &str, tail: &str| uri.strip_prefix(body_ns).and_then(|r| r.strip_prefix('/')).and_then(|r| r.strip_suffix(tail)) == Some(method);
    if method_of("_INPUT").is_some_and(|m| action_is(m, "")) {
        ActionKind::MethodCall
    } else if method_of("_OUTPUT").is_some_and(|m| action_is(m, "Response")) {
        ActionKind::MethodResponse
    } else {
        ActionKind::Unknown
    }
}

/// What the body of a message with a given Action holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyShape {
    /// Nothing.
    Empty,
    /// This element first.
    Element(&'static str, &'static str),
    /// This element, or nothing (Windows leaves some bodies empty).
    Optional(&'static str, &'static str),
    /// A resource representation or event payload: any element, or nothing.
    Any,
}

/// The body a known action calls for: `response` selects the response to `a`.
pub fn expected_body(a: &Action, response: bool) -> BodyShape {
    use BodyShape::{Any, Element, Empty, Optional};
    match (a, response) {
        (Action::Get, false) => Empty,
        (Action::Get | Action::GetResponse, _) => Any,
        (Action::Put | Action::PutResponse, _) => Any,
        (Action::Create, false) => Any,
        (Action::Create | Action::CreateResponse, _) => Element(ns::WXF, "ResourceCreated"),
        (Action::Delete | Action::DeleteResponse, _) => Empty,
        (Action::Enumerate, false) => Element(ns::WSEN, "Enumerate"),
        (Action::Enumerate | Action::EnumerateResponse, _) => Element(ns::WSEN, "EnumerateResponse"),
        (Action::Pull, false) => Element(ns::WSEN, "Pull"),
        (Action::Pull | Action::PullResponse, _) => Element(ns::WSEN, "PullResponse"),
        (Action::Release, false) => Element(ns::WSEN, "Release"),
        (Action::Release | Action::ReleaseResponse, _) => Empty,
        (Action::Renew, false) => Element(ns::WSEN, "Renew"),
        (Action::Renew, true) => Element(ns::WSEN, "RenewResponse"),
        (Action::GetStatus, false) => Element(ns::WSEN, "GetStatus"),
        (Action::GetStatus, true) => Element(ns::WSEN, "GetStatusResponse"),
        (Action::Subscribe, false) => Element(ns::WSE, "Subscribe"),
        (Action::Subscribe, true) => Element(ns::WSE, "SubscribeResponse"),
        (Action::SubscriptionRenew, false) => Element(ns::WSE, "Renew"),
        (Action::SubscriptionRenew, true) => Element(ns::WSE, "RenewResponse"),
        (Action::SubscriptionGetStatus, false) => Element(ns::WSE, "GetStatus"),
        (Action::SubscriptionGetStatus, true) => Element(ns::WSE, "GetStatusResponse"),
        (Action::Unsubscribe, false) => Element(ns::WSE, "Unsubscribe"),
        (Action::Unsubscribe, true) => Empty,
        (Action::SubscriptionEnd, _) => Element(ns::WSE, "SubscriptionEnd"),
        (Action::Command, false) => Element(ns::RSP, "CommandLine"),
        (Action::Command, true) => Element(ns::RSP, "CommandResponse"),
        (Action::Send, false) => Element(ns::RSP, "Send"),
        (Action::Send, true) => Optional(ns::RSP, "SendResponse"),
        (Action::Receive, false) => Element(ns::RSP, "Receive"),
        (Action::Receive, true) => Element(ns::RSP, "ReceiveResponse"),
        (Action::Signal, false) => Element(ns::RSP, "Signal"),
        (Action::Signal, true) => Element(ns::RSP, "SignalResponse"),
        (Action::Disconnect, false) => Element(ns::RSP, "Disconnect"),
        (Action::Disconnect, true) => Optional(ns::RSP, "DisconnectResponse"),
        (Action::Reconnect, false) => Optional(ns::RSP, "Reconnect"),
        (Action::Reconnect, true) => Optional(ns::RSP, "ReconnectResponse"),
        (Action::Connect, false) => Element(ns::RSP, "Connect"),
        (Action::Connect, true) => Element(ns::RSP, "ConnectResponse"),
        (Action::Events, _) => Element(ns::WSMAN, "Events"),
        (Action::DroppedEvents, _) => Element(ns::WSMAN, "DroppedEvents"),
        (Action::Heartbeat | Action::Ack, _) => Empty,
        (Action::Event | Action::Other(_), _) => Any,
    }
}

/// Whether `body` fits `shape`.
pub fn fits(shape: BodyShape, body: BodyElement<'_>) -> bool {
    let is = |n: &str, l: &str| matches!(body, Some((Some(bn), bl)) if bn == n && bl == l);
    match shape {
        BodyShape::Empty => body.is_none(),
        BodyShape::Element(n, l) => is(n, l),
        BodyShape::Optional(n, l) => body.is_none() || is(n, l),
        BodyShape::Any => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_action_and_its_response_is_classified() {
        for a in Action::KNOWN {
            let kind = classify(&a.uri(), None);
            assert!(matches!(kind, ActionKind::Request(_) | ActionKind::Response(_)), "{a:?}: {kind:?}");
        }
        assert_eq!(classify(&Action::Receive.response_uri(), None), ActionKind::Response(Action::Receive));
        assert_eq!(classify(&Action::Subscribe.response_uri(), None), ActionKind::Response(Action::Subscribe));
        assert_eq!(classify(ns::WSMAN_FAULT_ACTION, None), ActionKind::Fault);
        // An unknown name in a protocol namespace, and a response to a response.
        assert_eq!(classify(&format!("{}/Bogus", ns::WSEN), None), ActionKind::Unknown);
        assert_eq!(classify(&Action::PullResponse.response_uri(), None), ActionKind::Unknown);
    }

    #[test]
    fn custom_methods_need_the_matching_body() {
        let uri = format!("{}root/cimv2/Win32_Service", ns::WMI_RESOURCE_PREFIX);
        let call = format!("{uri}/StopService");
        assert_eq!(classify(&call, Some((Some(&uri), "StopService_INPUT"))), ActionKind::MethodCall);
        assert_eq!(classify(&format!("{call}Response"), Some((Some(&uri), "StopService_OUTPUT"))), ActionKind::MethodResponse);
        assert_eq!(classify(&call, Some((Some(&uri), "StartService_INPUT"))), ActionKind::Unknown);
        assert_eq!(classify(&call, Some((Some(ns::WSMAN), "StopService_INPUT"))), ActionKind::Unknown);
        assert_eq!(classify(&call, None), ActionKind::Unknown);
    }

    #[test]
    fn body_shapes() {
        let shape = expected_body(&Action::Enumerate, true);
        assert!(fits(shape, Some((Some(ns::WSEN), "EnumerateResponse"))));
        let misspelt = &ns::WSEN[..ns::WSEN.len() - 1];
        assert!(!fits(shape, Some((Some(misspelt), "EnumerateResponse"))));
        assert!(!fits(shape, None));
        assert!(fits(expected_body(&Action::Delete, true), None));
        assert!(!fits(expected_body(&Action::Delete, false), Some((Some(ns::WXF), "x"))));
        assert!(fits(expected_body(&Action::Disconnect, true), None));
    }
}
