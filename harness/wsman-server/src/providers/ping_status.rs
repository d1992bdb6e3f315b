//! Win32_PingStatus: a simulated ping. Nothing is sent on the network; the
//! answer is decided by the address, and an unanswered ping takes its
//! `Timeout` (milliseconds) before it completes, as on Windows. This is the
//! one simulated operation that takes time, so OperationTimeout can be
//! exercised end to end (DSP0226 §6.1, wsman:TimedOut).
//!
//! Keys used here: `Address` and `Timeout` (WMI declares more key properties,
//! all optional in practice; this simulation requires exactly these two).

use std::time::Duration;

use wsman_proto::fault::{Fault, FaultDetail, FaultKind};
use wsman_proto::{CallContext, Instance, ResourceProvider, SelectorSet, Value};

use super::cimv2_uri;

/// The Win32_PingStatus provider.
#[derive(Debug, Default)]
pub struct PingStatus;

/// WMI's StatusCode for a ping that got no reply in time.
const REQUEST_TIMED_OUT: u32 = 11010;

fn answers(address: &str) -> bool {
    matches!(address, "127.0.0.1" | "::1" | "localhost")
}

fn timeout_ms(selectors: &SelectorSet) -> Result<u64, Fault> {
    let t = selectors.get("Timeout").unwrap_or("");
    t.parse().map_err(|_| Fault::new(FaultKind::InvalidSelectors, format!("Timeout {t:?} is not a number of milliseconds")).with_detail(FaultDetail::TypeMismatch))
}

impl ResourceProvider for PingStatus {
    fn resource_uris(&self) -> Vec<String> {
        vec![cimv2_uri("Win32_PingStatus")]
    }

    fn keys(&self, _uri: &str) -> Vec<String> {
        vec!["Address".into(), "Timeout".into()]
    }

    fn simulated_latency(&self, _uri: &str, selectors: &SelectorSet) -> Duration {
        match (selectors.get("Address"), timeout_ms(selectors)) {
            (Some(a), Ok(t)) if !answers(a) => Duration::from_millis(t),
            _ => Duration::ZERO,
        }
    }

    fn get(&self, _ctx: &CallContext<'_>, uri: &str, selectors: &SelectorSet) -> Result<Instance, Fault> {
        let address = selectors.get("Address").unwrap_or_default().to_owned();
        let timeout = timeout_ms(selectors)?;
        let status = if answers(&address) { 0 } else { REQUEST_TIMED_OUT };
        Ok(Instance::new(uri, "Win32_PingStatus")
            .with_key("Address", address.clone())
            .with_key("Timeout", timeout.to_string())
            .with("Address", Value::Str(address))
            .with("ResponseTime", if status == 0 { Value::UInt(0) } else { Value::Null })
            .with("StatusCode", Value::UInt(status.into()))
            .with("Timeout", Value::UInt(timeout)))
    }

    fn enumerate(&self, _ctx: &CallContext<'_>, uri: &str) -> Result<Vec<Instance>, Fault> {
        Err(Fault::new(FaultKind::CannotProcessFilter, format!("{uri} cannot be enumerated: a ping needs an Address")).with_detail(FaultDetail::FilteringRequired))
    }
}
