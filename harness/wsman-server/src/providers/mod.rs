//! The simulated Windows host: WMI classes under `root/cimv2` and the WinRM
//! configuration resource, as [`ResourceProvider`]s.
//!
//! # Layout
//!
//! - [`selectors`]: selector-set checks and the faults every provider shares
//!   (and the decision on a key that matches no instance, with its clause).
//! - [`operating_system`]: `Win32_OperatingSystem`, a singleton (no keys).
//! - [`computer_system`]: `Win32_ComputerSystem`, key `Name`.
//! - [`service`]: `Win32_Service`, key `Name`, over a catalogue of
//!   [`service_catalog`] entries; methods `StartService`, `StopService`,
//!   `ChangeStartMode`.
//! - [`environment`]: `Win32_Environment`, keys `Name` + `UserName`; full
//!   Create/Get/Put/Delete.
//! - [`winrm_config`]: `winrm/config` and its sections; [`WinRmConfig`] is the
//!   handle the server reads its limits from.
//!
//! Data are deterministic (no clock, no randomness) so responses can be
//! snapshotted; state lives behind `std::sync::Mutex`, so a change made by a
//! Put or a method is visible to every later request.

use std::sync::Arc;

use wsman_proto::{ns, ResourceProvider};

use crate::events::EventHub;

pub mod computer_system;
pub mod environment;
pub mod operating_system;
pub mod ping_status;
pub mod selectors;
pub mod service;
pub mod service_catalog;
pub mod winrm_config;

pub use winrm_config::WinRmConfig;

/// The resource URI of a `root/cimv2` class:
/// [`ns::WMI_RESOURCE_PREFIX`] + `root/cimv2/` + class.
pub fn cimv2_uri(class: &str) -> String {
    format!("{}root/cimv2/{class}", ns::WMI_RESOURCE_PREFIX)
}

/// Every provider of the simulated host, named `machine` (CSName, SystemName, ...),
/// with a fresh default WinRM configuration.
pub fn windows_host(machine: &str) -> Vec<Arc<dyn ResourceProvider>> {
    windows_host_with_config(machine, &WinRmConfig::default())
}

/// Like [`windows_host`], serving `config` as `winrm/config`, so the server
/// keeps a clone of the handle and reads the values a Put changed.
pub fn windows_host_with_config(machine: &str, config: &WinRmConfig) -> Vec<Arc<dyn ResourceProvider>> {
    windows_host_with_events(machine, config, &EventHub::default())
}

/// Like [`windows_host_with_config`], publishing the host's events (service
/// state changes) on `events`.
pub fn windows_host_with_events(machine: &str, config: &WinRmConfig, events: &EventHub) -> Vec<Arc<dyn ResourceProvider>> {
    vec![
        Arc::new(operating_system::OperatingSystem::new(machine)),
        Arc::new(computer_system::ComputerSystem::new(machine)),
        Arc::new(service::Services::with_events(machine, events.clone())),
        Arc::new(environment::Environment::new(machine)),
        Arc::new(ping_status::PingStatus),
        Arc::new(config.provider()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_uri_is_served_once() {
        let host = windows_host("HOST");
        let mut uris: Vec<String> = host.iter().flat_map(|p| p.resource_uris()).collect();
        let n = uris.len();
        uris.sort();
        uris.dedup();
        assert_eq!(n, uris.len());
        for class in ["Win32_OperatingSystem", "Win32_ComputerSystem", "Win32_Service", "Win32_Environment"] {
            assert!(uris.contains(&cimv2_uri(class)), "{class}");
        }
        assert!(uris.iter().any(|u| u == ns::CFG));
        assert!(cimv2_uri("Win32_Service").starts_with(ns::WMI_RESOURCE_PREFIX));
        assert!(cimv2_uri("Win32_Service").ends_with("/root/cimv2/Win32_Service"));
    }

    #[test]
    fn shared_config_handle_sees_the_provider() {
        let cfg = WinRmConfig::default();
        let host = windows_host_with_config("HOST", &cfg);
        let p = host.iter().find(|p| p.resource_uris().iter().any(|u| u == ns::CFG)).unwrap();
        let ctx = wsman_proto::CallContext { user: "u", now: std::time::UNIX_EPOCH };
        let props = [wsman_proto::Property { name: "MaxBatchItems".into(), value: wsman_proto::Value::str("10") }];
        p.put(&ctx, ns::CFG, &Default::default(), &props).unwrap();
        assert_eq!(cfg.max_batch_items(), 10);
    }
}
