//! Namespace URIs and well-known URI prefixes.
//!
//! This module is the only place in the Rust sources where these URIs are
//! spelled. Everything else refers to the constants.

/// SOAP 1.2 envelope.
pub const SOAP: &str = "http://www.w3.org/2003/05/soap-envelope";
/// SOAP 1.1 envelope: recognised only to answer VersionMismatch.
pub const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// WS-Addressing, August 2004.
pub const WSA: &str = "http://schemas.xmlsoap.org/ws/2004/08/addressing";
/// WS-Addressing anonymous reply address.
pub const WSA_ANONYMOUS: &str = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous";
/// WS-Addressing fault action.
pub const WSA_FAULT_ACTION: &str = "http://schemas.xmlsoap.org/ws/2004/08/addressing/fault";
/// WS-Transfer, September 2004.
pub const WXF: &str = "http://schemas.xmlsoap.org/ws/2004/09/transfer";
/// WS-Transfer fault action.
pub const WXF_FAULT_ACTION: &str = "http://schemas.xmlsoap.org/ws/2004/09/transfer/fault";
/// WS-Enumeration, September 2004.
pub const WSEN: &str = "http://schemas.xmlsoap.org/ws/2004/09/enumeration";
/// WS-Enumeration fault action.
pub const WSEN_FAULT_ACTION: &str = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/fault";
/// WS-Eventing, August 2004.
pub const WSE: &str = "http://schemas.xmlsoap.org/ws/2004/08/eventing";
/// WS-Eventing fault action.
pub const WSE_FAULT_ACTION: &str = "http://schemas.xmlsoap.org/ws/2004/08/eventing/fault";
/// DMTF WS-Management 1.x.
pub const WSMAN: &str = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd";
/// Base of the DMTF WS-Management action URIs (`<base>/Events`, `<base>/Ack`, ...).
pub const WSMAN_ACTION_BASE: &str = "http://schemas.dmtf.org/wbem/wsman/1/wsman";
/// DMTF WS-Management fault action.
pub const WSMAN_FAULT_ACTION: &str = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault";
/// Base of DMTF fault detail URIs (append the detail name).
pub const WSMAN_FAULT_DETAIL: &str = "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/";
/// DMTF WS-Management CIM binding.
pub const WSMB: &str = "http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd";
/// CIM binding fault action.
pub const WSMB_FAULT_ACTION: &str = "http://schemas.dmtf.org/wbem/wsman/1/cimbinding/fault";
/// DMTF WS-Management identity (Identify).
pub const WSMID: &str = "http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd";
/// Microsoft WS-Management extensions.
pub const WSMV: &str = "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd";
/// Microsoft WSManFault detail element.
pub const WSMANFAULT: &str = "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault";
/// WinRS shell.
pub const RSP: &str = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell";
/// PowerShell's CLIXML serialization (`#< CLIXML` error streams over WinRS).
pub const CLIXML: &str = "http://schemas.microsoft.com/powershell/2004/04";
/// WinRM configuration.
pub const CFG: &str = "http://schemas.microsoft.com/wbem/wsman/1/config";
/// The Windows event schema (`<Event xmlns=...><System>...</System><EventData>...`),
/// the payload of events from the EventLog resource.
pub const WIN_EVENT: &str = "http://schemas.microsoft.com/win/2004/08/events/event";
/// Resource URI of the Windows event logs as an event source (what Windows
/// Event Forwarding subscribes to).
pub const EVENTLOG_RESOURCE: &str = "http://schemas.microsoft.com/wbem/wsman/1/windows/EventLog";
/// DMTF CIM common types (cim:Datetime ...).
pub const CIM: &str = "http://schemas.dmtf.org/wbem/wscim/1/common";
/// XML Schema instance (xsi:nil, xsi:type).
pub const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// XML Schema.
pub const XS: &str = "http://www.w3.org/2001/XMLSchema";
/// Namespace declarations: an attribute in this namespace is written as
/// `xmlns:NAME="VALUE"` (used where a QName-valued attribute needs its prefix).
pub const XMLNS: &str = "http://www.w3.org/2000/xmlns/";
/// The `xml:` namespace (xml:lang).
pub const XML: &str = "http://www.w3.org/XML/1998/namespace";

/// The namespaces [`intern`] shares rather than copies: every one an
/// envelope of this protocol carries.
const INTERNED: &[&str] = &[SOAP, WSA, WSMAN, WSMV, WSEN, WXF, WSE, WSMB, WSMID, RSP, CFG, CIM, XSI, XS, XMLNS, XML, WSMANFAULT, CLIXML, WIN_EVENT, SOAP11];

/// A namespace URI as an element or attribute holds it: borrowed when it is
/// one of the protocol's namespaces (no allocation for the dozens of
/// elements of every envelope), else an owned copy.
pub fn intern(uri: &str) -> std::borrow::Cow<'static, str> {
    match INTERNED.iter().find(|k| **k == uri) {
        Some(k) => std::borrow::Cow::Borrowed(k),
        None => std::borrow::Cow::Owned(uri.to_owned()),
    }
}

/// Base of Microsoft's WS-Management URIs: winrm's aliases `winrm` and
/// `wsman`, and the prefix `winrm` puts before a resource URI written
/// without a scheme (`wmi/root/cimv2/Win32_Service`, `config/service`).
pub const MS_WSMAN_BASE: &str = "http://schemas.microsoft.com/wbem/wsman/1/";
/// Prefix of WMI-backed resource URIs on Windows (`.../wmi/root/cimv2/Win32_Service`).
pub const WMI_RESOURCE_PREFIX: &str = "http://schemas.microsoft.com/wbem/wsman/1/wmi/";
/// Prefix of DMTF CIM resource URIs used by DASH-style BMCs.
pub const DMTF_CIM_RESOURCE_PREFIX: &str = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/";
/// Prefix of WMI classes in namespace `root\cimv2` (Win32_Service, Win32_OperatingSystem, ...).
pub const WMI_ROOT_CIMV2_PREFIX: &str = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/";
/// Prefix of the Windows IPMI provider's classes (WMI namespace `root\hardware`).
pub const WMI_ROOT_HARDWARE_PREFIX: &str = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/hardware/";
/// Prefix of WMI classes in namespace `root\wmi` (the IPMI driver class `Microsoft_IPMI`).
pub const WMI_ROOT_WMI_PREFIX: &str = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/wmi/";
/// Resource URI of the WinRS cmd shell.
pub const SHELL_CMD_RESOURCE: &str = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd";

/// WS-Eventing and WS-Management eventing URIs (WS-Eventing 2004/08 §3, DSP0226 §10).
///
/// The DMTF delivery modes and the bookmark URI are spelled as the Sun/HP
/// Wiseman Java stack (`com.sun.ws.management.Management`) and Victor
/// Lowther's Go `wsman` package define them; the event Actions themselves are
/// [`crate::Action::Event`] and its siblings under [`WSMAN_ACTION_BASE`].
pub mod eventing {
    /// WS-Eventing's one delivery mode, Push (the default when `Mode` is absent).
    pub const MODE_PUSH: &str = "http://schemas.xmlsoap.org/ws/2004/08/eventing/DeliveryModes/Push";
    /// DMTF Push with acknowledgement (DSP0226 §10.2.3.3).
    pub const MODE_PUSH_WITH_ACK: &str = "http://schemas.dmtf.org/wbem/wsman/1/wsman/PushWithAck";
    /// DMTF batched push (DSP0226 §10.2.3.4).
    pub const MODE_EVENTS: &str = "http://schemas.dmtf.org/wbem/wsman/1/wsman/Events";
    /// DMTF pull through WS-Enumeration Pull (DSP0226 §10.2.3.5).
    pub const MODE_PULL: &str = "http://schemas.dmtf.org/wbem/wsman/1/wsman/Pull";
    /// The `wsman:Bookmark` content asking for the oldest retained event (DSP0226 §10.2.6).
    pub const BOOKMARK_EARLIEST: &str = "http://schemas.dmtf.org/wbem/wsman/1/wsman/bookmark/earliest";
    /// SubscriptionEnd status: the delivery to the sink failed.
    pub const STATUS_DELIVERY_FAILURE: &str = "http://schemas.xmlsoap.org/ws/2004/08/eventing/DeliveryFailure";
    /// SubscriptionEnd status: the event source is going away.
    pub const STATUS_SOURCE_SHUTTING_DOWN: &str = "http://schemas.xmlsoap.org/ws/2004/08/eventing/SourceShuttingDown";
    /// SubscriptionEnd status: the event source ended the subscription for another reason.
    pub const STATUS_SOURCE_CANCELLING: &str = "http://schemas.xmlsoap.org/ws/2004/08/eventing/SourceCancelling";
}

/// Filter dialects.
pub mod dialect {
    /// WQL.
    pub const WQL: &str = "http://schemas.microsoft.com/wbem/wsman/1/WQL";
    /// DMTF selector filter.
    pub const SELECTOR: &str = "http://schemas.dmtf.org/wbem/wsman/1/wsman/SelectorFilter";
    /// XPath 1.0.
    pub const XPATH: &str = "http://www.w3.org/TR/1999/REC-xpath-19991116";
    /// CQL.
    pub const CQL: &str = "http://schemas.dmtf.org/wbem/cql/1/dsp0202.pdf";
    /// CIM association filter.
    pub const ASSOCIATION: &str = "http://schemas.dmtf.org/wbem/wsman/1/cimbinding/associationFilter";
    /// The Windows event query (`<QueryList><Query><Select Path=...>XPath</Select>...`),
    /// the dialect Windows Event Forwarding subscriptions carry.
    pub const EVENT_QUERY: &str = "http://schemas.microsoft.com/win/2004/08/events/eventquery";
}

/// Identify security profile names.
pub mod secprofile {
    /// HTTP Basic.
    pub const HTTP_BASIC: &str = "http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/http/basic";
    /// HTTPS Basic.
    pub const HTTPS_BASIC: &str = "http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/https/basic";
}

/// The preferred prefix for a namespace when encoding; `None` for unknown namespaces.
pub fn preferred_prefix(ns: &str) -> Option<&'static str> {
    Some(match ns {
        SOAP => "s",
        WSA => "a",
        WXF => "x",
        WSEN => "n",
        WSE => "e",
        WSMAN => "w",
        WSMB => "b",
        WSMID => "wsmid",
        WSMV => "p",
        WSMANFAULT => "f",
        RSP => "rsp",
        CFG => "cfg",
        CIM => "cim",
        XSI => "xsi",
        XS => "xs",
        XML => "xml",
        _ => return None,
    })
}
