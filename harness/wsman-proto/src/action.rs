//! `wsa:Action` URIs as an open enum.

use crate::ns;

macro_rules! actions {
    ($( $(#[$m:meta])* $variant:ident = ($base:expr, $local:expr) ),+ $(,)?) => {
        /// A request or response Action. Unknown URIs are kept as [`Action::Other`]:
        /// a custom method (`<ResourceURI>/<Method>`) or an unsupported action.
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum Action {
            $( $(#[$m])* $variant, )+
            /// Any other URI.
            Other(String),
        }

        impl Action {
            /// Every known action.
            pub const KNOWN: &'static [Action] = &[ $( Action::$variant, )+ ];

            /// Parses an Action URI (exact match, as URIs are case-sensitive).
            pub fn from_uri(uri: &str) -> Action {
                $( if let Some(rest) = uri.strip_prefix($base) {
                    if rest.len() == $local.len() + 1 && rest.starts_with('/') && &rest[1..] == $local {
                        return Action::$variant;
                    }
                } )+
                Action::Other(uri.to_owned())
            }

            /// The URI of this action.
            pub fn uri(&self) -> String {
                match self {
                    $( Action::$variant => format!("{}/{}", $base, $local), )+
                    Action::Other(s) => s.clone(),
                }
            }
        }
    };
}

actions! {
    /// WS-Transfer Get.
    Get = (ns::WXF, "Get"),
    /// WS-Transfer Put.
    Put = (ns::WXF, "Put"),
    /// WS-Transfer Create.
    Create = (ns::WXF, "Create"),
    /// WS-Transfer Delete.
    Delete = (ns::WXF, "Delete"),
    /// WS-Transfer GetResponse.
    GetResponse = (ns::WXF, "GetResponse"),
    /// WS-Transfer PutResponse.
    PutResponse = (ns::WXF, "PutResponse"),
    /// WS-Transfer CreateResponse.
    CreateResponse = (ns::WXF, "CreateResponse"),
    /// WS-Transfer DeleteResponse.
    DeleteResponse = (ns::WXF, "DeleteResponse"),
    /// WS-Enumeration Enumerate.
    Enumerate = (ns::WSEN, "Enumerate"),
    /// WS-Enumeration Pull.
    Pull = (ns::WSEN, "Pull"),
    /// WS-Enumeration Release.
    Release = (ns::WSEN, "Release"),
    /// WS-Enumeration Renew.
    Renew = (ns::WSEN, "Renew"),
    /// WS-Enumeration GetStatus.
    GetStatus = (ns::WSEN, "GetStatus"),
    /// WS-Enumeration EnumerateResponse.
    EnumerateResponse = (ns::WSEN, "EnumerateResponse"),
    /// WS-Enumeration PullResponse.
    PullResponse = (ns::WSEN, "PullResponse"),
    /// WS-Enumeration ReleaseResponse.
    ReleaseResponse = (ns::WSEN, "ReleaseResponse"),
    /// WS-Eventing Subscribe.
    Subscribe = (ns::WSE, "Subscribe"),
    /// WS-Eventing Renew.
    SubscriptionRenew = (ns::WSE, "Renew"),
    /// WS-Eventing GetStatus.
    SubscriptionGetStatus = (ns::WSE, "GetStatus"),
    /// WS-Eventing Unsubscribe.
    Unsubscribe = (ns::WSE, "Unsubscribe"),
    /// WS-Eventing SubscriptionEnd.
    SubscriptionEnd = (ns::WSE, "SubscriptionEnd"),
    /// WinRS Command.
    Command = (ns::RSP, "Command"),
    /// WinRS Send.
    Send = (ns::RSP, "Send"),
    /// WinRS Receive.
    Receive = (ns::RSP, "Receive"),
    /// WinRS Signal.
    Signal = (ns::RSP, "Signal"),
    /// WinRS Disconnect (MS-WSMV §3.1.4.15).
    Disconnect = (ns::RSP, "Disconnect"),
    /// WinRS Reconnect (MS-WSMV §3.1.4.16).
    Reconnect = (ns::RSP, "Reconnect"),
    /// WinRS Connect (MS-WSMV §3.1.4.17).
    Connect = (ns::RSP, "Connect"),
    /// WS-Management event delivery, one event per message.
    Event = (ns::WSMAN_ACTION_BASE, "Event"),
    /// WS-Management batched event delivery (MS-WSMV §4.6.3).
    Events = (ns::WSMAN_ACTION_BASE, "Events"),
    /// WS-Management heartbeat.
    Heartbeat = (ns::WSMAN_ACTION_BASE, "Heartbeat"),
    /// WS-Management dropped-events notice.
    DroppedEvents = (ns::WSMAN_ACTION_BASE, "DroppedEvents"),
    /// WS-Management delivery acknowledgement (MS-WSMV §4.6.4).
    Ack = (ns::WSMAN_ACTION_BASE, "Ack"),
}

impl Action {
    /// The response action: the request action with `Response` appended.
    pub fn response_uri(&self) -> String {
        format!("{}Response", self.uri())
    }

    /// If this is `<resource_uri>/<Method>`, the method name.
    pub fn custom_method<'a>(&'a self, resource_uri: &str) -> Option<&'a str> {
        match self {
            Action::Other(uri) => uri.strip_prefix(resource_uri).and_then(|r| r.strip_prefix('/')).filter(|m| !m.is_empty() && !m.contains('/')),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_actions_round_trip() {
        for a in Action::KNOWN {
            assert_eq!(&Action::from_uri(&a.uri()), a);
        }
        assert_eq!(Action::from_uri("urn:x"), Action::Other("urn:x".into()));
        // A prefix of a known action is not that action.
        assert!(matches!(Action::from_uri(&format!("{}/GetX", ns::WXF)), Action::Other(_)));
    }

    #[test]
    fn custom_method_is_resource_uri_plus_name() {
        let a = Action::from_uri("http://r/Win32_Service/StopService");
        assert_eq!(a.custom_method("http://r/Win32_Service"), Some("StopService"));
        assert_eq!(a.custom_method("http://r/Other"), None);
    }
}
