//! A simulated IPMI BMC with two faces that always agree.
//!
//! The [`bmc::Bmc`] core is sans-IO: it takes `now` (scenario time since
//! start) and answers IPMI requests. The [`lan`] face speaks RMCP / IPMI 1.5
//! / RMCP+ on a tokio `UdpSocket` (what ipmitool and FreeIPMI talk to), and
//! [`cim`] exposes the same state as WS-Man CIM providers.
//!
//! # Layout
//! - [`scenario`]: TOML scenario files (`corpus/bmc/default.toml` built in).
//! - [`bmc`]: the core: SDR, sensors, SEL, FRU, chassis, users.
//! - [`clock`]: [`SharedBmc`], the core behind a mutex plus a real or frozen clock.
//! - [`lan`]: the IPMI-over-LAN face.
//! - [`cim`]: the WS-Man CIM providers ([`cim::providers`]).
#![warn(missing_docs)]

pub mod bmc;
pub mod cim;
pub mod clock;
pub mod lan;
pub mod scenario;

pub use bmc::Bmc;
pub use clock::{Clock, SharedBmc};
pub use lan::{serve_lan, Lan};
pub use scenario::Scenario;
