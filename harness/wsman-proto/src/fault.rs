//! The fault table (DSP0226 §14, WS-Addressing §6, WS-Enumeration, WS-Eventing,
//! WS-Transfer, MS-WSMV §2.2.4.13 and §3.1.4).
//!
//! [`FaultKind`] has one variant per spec condition; [`FaultKind::info`] is the
//! one function that maps a variant to its SOAP code, subcode, fault Action,
//! HTTP status and Windows WSManFault code. [`FaultDetail`] names the DMTF
//! `wsman:FaultDetail` URI suffixes.

use crate::ns;

/// SOAP 1.2 fault codes (`s:Code/s:Value`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SoapCode {
    /// `s:Sender`.
    Sender,
    /// `s:Receiver`.
    Receiver,
    /// `s:MustUnderstand`.
    MustUnderstand,
    /// `s:VersionMismatch`.
    VersionMismatch,
}

impl SoapCode {
    /// The local name in the SOAP namespace.
    pub fn local_name(self) -> &'static str {
        match self {
            SoapCode::Sender => "Sender",
            SoapCode::Receiver => "Receiver",
            SoapCode::MustUnderstand => "MustUnderstand",
            SoapCode::VersionMismatch => "VersionMismatch",
        }
    }

    /// Parses a local name in the SOAP namespace.
    pub fn from_local_name(s: &str) -> Option<SoapCode> {
        Some(match s {
            "Sender" => SoapCode::Sender,
            "Receiver" => SoapCode::Receiver,
            "MustUnderstand" => SoapCode::MustUnderstand,
            "VersionMismatch" => SoapCode::VersionMismatch,
            _ => return None,
        })
    }
}

macro_rules! fault_kinds {
    ($( $(#[$m:meta])* $variant:ident => ($code:ident, $sub_ns:expr, $sub:expr, $action:expr, $ow_http:expr, $win:expr) ),+ $(,)?) => {
        /// Every fault the reference server can send and the driver can expect.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum FaultKind {
            $( $(#[$m])* $variant, )+
        }

        impl FaultKind {
            /// Every variant, for exhaustive tables and tests.
            pub const ALL: &'static [FaultKind] = &[ $( FaultKind::$variant, )+ ];

            /// The one mapping from a fault to its wire shape.
            pub fn info(self) -> FaultInfo {
                match self {
                    $( FaultKind::$variant => FaultInfo {
                        code: SoapCode::$code,
                        subcode: $sub_ns.map(|n: &'static str| (n, $sub)),
                        action: $action,
                        http_status: 500,
                        openwsman_http_status: $ow_http,
                        windows_code: $win,
                    }, )+
                }
            }

            /// The variant's name, stable, used in reports and corpus manifests.
            pub fn name(self) -> &'static str {
                match self { $( FaultKind::$variant => stringify!($variant), )+ }
            }

            /// Looks a variant up by [`name`](Self::name).
            pub fn from_name(s: &str) -> Option<FaultKind> {
                match s { $( stringify!($variant) => Some(FaultKind::$variant), )+ _ => None }
            }
        }
    };
}

const A: Option<&str> = Some(ns::WSA);
const W: Option<&str> = Some(ns::WSMAN);
const EN: Option<&str> = Some(ns::WSEN);
const EV: Option<&str> = Some(ns::WSE);
const X: Option<&str> = Some(ns::WXF);
const B: Option<&str> = Some(ns::WSMB);
const NONE: Option<&str> = None;

fault_kinds! {
    /// A mandatory header was not understood (SOAP 1.2 §5.4.8).
    MustUnderstand => (MustUnderstand, NONE, "", ns::WSA_FAULT_ACTION, 400, 2150858768),
    /// The envelope is not SOAP 1.2.
    VersionMismatch => (VersionMismatch, NONE, "", ns::WSA_FAULT_ACTION, 400, 2150858765),
    /// wsa:ActionNotSupported.
    ActionNotSupported => (Sender, A, "ActionNotSupported", ns::WSA_FAULT_ACTION, 501, 2150858771),
    /// wsa:DestinationUnreachable (unknown resource URI).
    DestinationUnreachable => (Sender, A, "DestinationUnreachable", ns::WSA_FAULT_ACTION, 503, 2150858770),
    /// wsa:EndpointUnavailable.
    EndpointUnavailable => (Receiver, A, "EndpointUnavailable", ns::WSA_FAULT_ACTION, 503, 2150858772),
    /// wsa:InvalidMessageInformationHeader.
    InvalidMessageInformationHeader => (Sender, A, "InvalidMessageInformationHeader", ns::WSA_FAULT_ACTION, 400, 2150858767),
    /// wsa:MessageInformationHeaderRequired.
    MessageInformationHeaderRequired => (Sender, A, "MessageInformationHeaderRequired", ns::WSA_FAULT_ACTION, 400, 2150858769),
    /// wsman:AccessDenied.
    AccessDenied => (Sender, W, "AccessDenied", ns::WSMAN_FAULT_ACTION, 401, 5),
    /// wsman:AlreadyExists.
    AlreadyExists => (Sender, W, "AlreadyExists", ns::WSMAN_FAULT_ACTION, 400, 2150858803),
    /// wsman:CannotProcessFilter.
    CannotProcessFilter => (Sender, W, "CannotProcessFilter", ns::WSMAN_FAULT_ACTION, 422, 2150859042),
    /// wsen:CannotProcessFilter (the WS-Enumeration form Windows sends for bad WQL).
    EnumerationCannotProcessFilter => (Sender, EN, "CannotProcessFilter", ns::WSEN_FAULT_ACTION, 422, 2150858778),
    /// wsman:Concurrency.
    Concurrency => (Sender, W, "Concurrency", ns::WSMAN_FAULT_ACTION, 409, 2150858802),
    /// wsman:EncodingLimit.
    EncodingLimit => (Sender, W, "EncodingLimit", ns::WSMAN_FAULT_ACTION, 413, 2150858805),
    /// wsman:FragmentDialectNotSupported.
    FragmentDialectNotSupported => (Receiver, W, "FragmentDialectNotSupported", ns::WSMAN_FAULT_ACTION, 501, 2150858896),
    /// wsman:InternalError.
    InternalError => (Receiver, W, "InternalError", ns::WSMAN_FAULT_ACTION, 500, 2150858755),
    /// wsman:InvalidOptions.
    InvalidOptions => (Sender, W, "InvalidOptions", ns::WSMAN_FAULT_ACTION, 400, 2150858809),
    /// wsman:InvalidParameter.
    InvalidParameter => (Sender, W, "InvalidParameter", ns::WSMAN_FAULT_ACTION, 400, 2150858810),
    /// wsman:InvalidSelectors.
    InvalidSelectors => (Sender, W, "InvalidSelectors", ns::WSMAN_FAULT_ACTION, 400, 2150858813),
    /// wsman:QuotaLimit.
    QuotaLimit => (Sender, W, "QuotaLimit", ns::WSMAN_FAULT_ACTION, 400, 2150858815),
    /// wsman:SchemaValidationError.
    SchemaValidationError => (Sender, W, "SchemaValidationError", ns::WSMAN_FAULT_ACTION, 400, 2150858817),
    /// wsman:NoAck.
    NoAck => (Sender, W, "NoAck", ns::WSMAN_FAULT_ACTION, 400, 2150858800),
    /// wsman:UnsupportedFeature.
    UnsupportedFeature => (Sender, W, "UnsupportedFeature", ns::WSMAN_FAULT_ACTION, 400, 2150858855),
    /// wsman:TimedOut.
    TimedOut => (Receiver, W, "TimedOut", ns::WSMAN_FAULT_ACTION, 408, 2150858793),
    /// wsen:TimedOut.
    EnumerationTimedOut => (Receiver, EN, "TimedOut", ns::WSEN_FAULT_ACTION, 408, 2150858780),
    /// wsen:InvalidEnumerationContext.
    InvalidEnumerationContext => (Receiver, EN, "InvalidEnumerationContext", ns::WSEN_FAULT_ACTION, 400, 2150858779),
    /// wsen:UnsupportedExpirationType.
    UnsupportedExpirationType => (Receiver, EN, "UnsupportedExpirationType", ns::WSEN_FAULT_ACTION, 400, 2150859036),
    /// wsen:InvalidExpirationTime.
    EnumerationInvalidExpirationTime => (Sender, EN, "InvalidExpirationTime", ns::WSEN_FAULT_ACTION, 400, 2150858774),
    /// wsen:FilterDialectRequestedUnavailable.
    FilterDialectRequestedUnavailable => (Sender, EN, "FilterDialectRequestedUnavailable", ns::WSEN_FAULT_ACTION, 501, 2150858777),
    /// wsen:FilteringNotSupported.
    EnumerationFilteringNotSupported => (Sender, EN, "FilteringNotSupported", ns::WSEN_FAULT_ACTION, 501, 2150858776),
    /// wxf:InvalidRepresentation.
    InvalidRepresentation => (Sender, X, "InvalidRepresentation", ns::WXF_FAULT_ACTION, 400, 2150858773),
    /// wse:InvalidExpirationTime.
    InvalidExpirationTime => (Sender, EV, "InvalidExpirationTime", ns::WSE_FAULT_ACTION, 400, 2150858783),
    /// wse:DeliveryModeRequestedUnavailable.
    DeliveryModeRequestedUnavailable => (Sender, EV, "DeliveryModeRequestedUnavailable", ns::WSE_FAULT_ACTION, 400, 2150858782),
    /// wse:FilteringNotSupported.
    EventingFilteringNotSupported => (Sender, EV, "FilteringNotSupported", ns::WSE_FAULT_ACTION, 400, 2150858785),
    /// wse:InvalidMessage.
    InvalidMessage => (Sender, EV, "InvalidMessage", ns::WSE_FAULT_ACTION, 400, 2150858789),
    /// wse:UnableToRenew.
    UnableToRenew => (Sender, EV, "UnableToRenew", ns::WSE_FAULT_ACTION, 400, 2150858788),
    /// wsmb:PolymorphismModeNotSupported.
    PolymorphismModeNotSupported => (Receiver, B, "PolymorphismModeNotSupported", ns::WSMB_FAULT_ACTION, 501, 2150859063),
    /// wsman:IncompatibleEPR.
    IncompatibleEpr => (Sender, W, "IncompatibleEPR", ns::WSMAN_FAULT_ACTION, 400, 2150858807),
    /// wsman:InvalidBookmark.
    InvalidBookmark => (Sender, W, "InvalidBookmark", ns::WSMAN_FAULT_ACTION, 400, 2150858808),
    /// wsman:DeliveryRefused.
    DeliveryRefused => (Receiver, W, "DeliveryRefused", ns::WSMAN_FAULT_ACTION, 400, 2150858804),
    /// wsman:EventDeliverToUnusable.
    EventDeliverToUnusable => (Sender, W, "EventDeliverToUnusable", ns::WSMAN_FAULT_ACTION, 400, 2150858914),
}

/// The wire shape of a fault kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaultInfo {
    /// `s:Code/s:Value`.
    pub code: SoapCode,
    /// `s:Subcode/s:Value` as (namespace, local name); `None` for MustUnderstand and VersionMismatch.
    pub subcode: Option<(&'static str, &'static str)>,
    /// The `wsa:Action` of the fault message.
    pub action: &'static str,
    /// The HTTP status the reference server uses: 500 for every fault, as Windows does.
    pub http_status: u16,
    /// The status openwsman uses (informative; other endpoints may use it).
    pub openwsman_http_status: u16,
    /// The `wsmanfault:WSManFault/@Code` Windows uses.
    pub windows_code: u32,
}

macro_rules! fault_details {
    ($( $variant:ident ),+ $(,)?) => {
        /// `wsman:FaultDetail` values (DSP0226 §14 and annex), appended to
        /// [`ns::WSMAN_FAULT_DETAIL`].
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum FaultDetail {
            $( #[allow(missing_docs)] $variant, )+
            /// A detail URI this table does not know (kept verbatim).
            Other(String),
        }

        impl FaultDetail {
            /// The name appended to the detail base URI.
            pub fn name(&self) -> &str {
                match self { $( FaultDetail::$variant => stringify!($variant), )+ FaultDetail::Other(s) => s }
            }

            /// Parses a full detail URI (or a bare name).
            pub fn from_uri(uri: &str) -> FaultDetail {
                let name = uri.strip_prefix(ns::WSMAN_FAULT_DETAIL).unwrap_or(uri);
                match name { $( stringify!($variant) => FaultDetail::$variant, )+ _ => FaultDetail::Other(uri.to_owned()) }
            }
        }
    };
}

fault_details! {
    AmbiguousSelectors, InsufficientSelectors, UnexpectedSelectors, DuplicateSelectors, TypeMismatch,
    InvalidValue, InvalidResourceURI, ResourceNotFound, InvalidTimeout, MaxEnvelopeSize,
    MinimumEnvelopeLimit, ServiceEnvelopeLimit, OptionSet, Locale, ReadOnly, NotSupported,
    Unsupported, ActionMismatch, InvalidNamespace, FilteringRequired, EnumerationMode,
    ExpirationTime, Heartbeats, DeliveryRetries, InsecureAddress, UnusableAddress,
    InvalidFragment, Whitespace, FragmentLevelAccess, MaxElements, MaxTime,
}

impl FaultDetail {
    /// The full detail URI.
    pub fn uri(&self) -> String {
        match self {
            FaultDetail::Other(s) => s.clone(),
            d => format!("{}{}", ns::WSMAN_FAULT_DETAIL, d.name()),
        }
    }
}

/// A fault: its kind, optional detail, and the human-readable reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// Which spec condition.
    pub kind: FaultKind,
    /// `wsman:FaultDetail`, if any.
    pub detail: Option<FaultDetail>,
    /// `s:Reason/s:Text`.
    pub reason: String,
    /// The header that was not understood, for [`FaultKind::MustUnderstand`] (`s:NotUnderstood`).
    pub not_understood: Option<(String, String)>,
    /// A WSManFault code chosen by the condition rather than by kind and
    /// detail (WinRS answers some faults with Win32 codes: 87 for a bad
    /// parameter, 2147942402 for a program not found).
    pub code: Option<u32>,
}

impl Fault {
    /// A fault with a reason and no detail.
    pub fn new(kind: FaultKind, reason: impl Into<String>) -> Fault {
        Fault { kind, detail: None, reason: reason.into(), not_understood: None, code: None }
    }

    /// Builder: sets the detail.
    pub fn with_detail(mut self, detail: FaultDetail) -> Fault {
        self.detail = Some(detail);
        self
    }

    /// Builder: sets the WSManFault code (see [`Fault::code`]).
    pub fn with_code(mut self, code: u32) -> Fault {
        self.code = Some(code);
        self
    }

    /// The Windows WSManFault code: [`Fault::code`] when set, else refined by
    /// the detail where Windows uses a more specific code.
    pub fn windows_code(&self) -> u32 {
        if let Some(code) = self.code {
            return code;
        }
        match (&self.kind, &self.detail) {
            (FaultKind::DestinationUnreachable, Some(FaultDetail::InvalidResourceURI)) => 2150858811,
            (FaultKind::DestinationUnreachable, Some(FaultDetail::ResourceNotFound)) => 2150858752,
            (FaultKind::InvalidSelectors, Some(FaultDetail::InsufficientSelectors)) => 2150858842,
            (FaultKind::InvalidSelectors, Some(FaultDetail::UnexpectedSelectors)) => 2150858843,
            (FaultKind::InvalidSelectors, Some(FaultDetail::TypeMismatch)) => 2150858844,
            (FaultKind::InvalidSelectors, Some(FaultDetail::InvalidValue)) => 2150858845,
            (FaultKind::InvalidSelectors, Some(FaultDetail::AmbiguousSelectors)) => 2150858846,
            (FaultKind::InvalidSelectors, Some(FaultDetail::DuplicateSelectors)) => 2150858847,
            (FaultKind::InvalidMessageInformationHeader, Some(FaultDetail::InvalidTimeout)) => 2150858881,
            (FaultKind::EncodingLimit, Some(FaultDetail::MaxEnvelopeSize)) => 2150858824,
            (FaultKind::EncodingLimit, Some(FaultDetail::MinimumEnvelopeLimit)) => 2150858878,
            (FaultKind::UnsupportedFeature, Some(FaultDetail::Locale)) => 2150858887,
            (k, _) => k.info().windows_code,
        }
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.kind.name())?;
        if let Some(d) = &self.detail {
            write!(f, " ({})", d.name())?;
        }
        write!(f, ": {}", self.reason)
    }
}

impl std::error::Error for Fault {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for k in FaultKind::ALL {
            assert_eq!(FaultKind::from_name(k.name()), Some(*k));
        }
        let mut shapes: Vec<_> = FaultKind::ALL.iter().map(|k| (k.info().subcode, k.info().code)).collect();
        shapes.sort_by_key(|s| format!("{s:?}"));
        let before = shapes.len();
        shapes.dedup();
        assert_eq!(before, shapes.len(), "two fault kinds share code+subcode");
    }

    #[test]
    fn every_fault_goes_out_with_500() {
        assert!(FaultKind::ALL.iter().all(|k| k.info().http_status == 500));
    }

    #[test]
    fn detail_uris_round_trip() {
        let d = FaultDetail::InsufficientSelectors;
        assert_eq!(FaultDetail::from_uri(&d.uri()), d);
        assert_eq!(d.uri(), format!("{}InsufficientSelectors", ns::WSMAN_FAULT_DETAIL));
    }
}
