//! Chassis device (IPMI v2.0 §28): power state and control, restart cause,
//! power restore policy, boot options.

use std::time::Duration;

use super::{cc, Bmc, Request, Response};

/// A Chassis Control action (§28.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChassisControl {
    /// Power down.
    PowerOff,
    /// Power up.
    PowerOn,
    /// Power cycle.
    PowerCycle,
    /// Hard reset.
    HardReset,
    /// Pulse diagnostic interrupt.
    Diagnostic,
    /// Soft shutdown via ACPI.
    SoftOff,
}

impl ChassisControl {
    /// From the wire code.
    pub fn from_code(c: u8) -> Option<ChassisControl> {
        Some(match c & 0x0F {
            0 => ChassisControl::PowerOff,
            1 => ChassisControl::PowerOn,
            2 => ChassisControl::PowerCycle,
            3 => ChassisControl::HardReset,
            4 => ChassisControl::Diagnostic,
            5 => ChassisControl::SoftOff,
            _ => return None,
        })
    }
}

/// Chassis state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chassis {
    /// System power on.
    pub power_on: bool,
    /// Power restore policy: 0 always off, 1 previous, 2 always on.
    pub restore_policy: u8,
    /// Restart cause code (Get System Restart Cause).
    pub restart_cause: u8,
    /// Last power event bits (Get Chassis Status byte 2).
    pub last_power_event: u8,
    /// Number of power cycles and resets performed (for tests and CIM).
    pub resets: u32,
    /// Chassis identify active.
    pub identify: bool,
}

impl Chassis {
    /// Initial state.
    pub fn new(power_on: bool, policy: &str) -> Chassis {
        let restore_policy = match policy {
            "always_off" => 0,
            "always_on" => 2,
            _ => 1,
        };
        Chassis {
            power_on,
            restore_policy,
            restart_cause: 0x00,
            last_power_event: 0,
            resets: 0,
            identify: false,
        }
    }

    /// Applies a control action.
    pub fn control(&mut self, action: ChassisControl) {
        match action {
            ChassisControl::PowerOff | ChassisControl::SoftOff => self.power_on = false,
            ChassisControl::PowerOn => {
                if !self.power_on {
                    self.power_on = true;
                    self.restart_cause = 0x01; // chassis control command
                    self.last_power_event = 0x10; // last 'power on' via IPMI command
                }
            }
            ChassisControl::PowerCycle | ChassisControl::HardReset => {
                // A cycle of a powered-off system is refused by the caller; here both end powered on.
                self.power_on = true;
                self.restart_cause = 0x01;
                self.resets += 1;
            }
            ChassisControl::Diagnostic => {}
        }
    }
}

impl Bmc {
    pub(super) fn chassis_cmd(&mut self, _now: Duration, req: &Request) -> Response {
        let d = &req.data;
        match req.cmd {
            // Get Chassis Capabilities
            0x00 => Response::ok(vec![0x00, 0x20, 0x20, 0x20, 0x20]),
            // Get Chassis Status
            0x01 => {
                let c = &self.chassis;
                let state = u8::from(c.power_on) | (c.restore_policy << 5);
                let misc = if c.identify { 0x20 | 0x40 } else { 0x40 }; // identify state supported
                Response::ok(vec![state, c.last_power_event, misc, 0x00])
            }
            // Chassis Control
            0x02 => {
                let Some(&code) = d.first() else {
                    return Response::err(cc::BAD_LENGTH);
                };
                let Some(action) = ChassisControl::from_code(code) else {
                    return Response::err(cc::INVALID_DATA);
                };
                if matches!(action, ChassisControl::PowerCycle) && !self.chassis.power_on {
                    return Response::err(0xD5); // not supported in present state
                }
                self.chassis.control(action);
                Response::ok(vec![])
            }
            // Chassis Reset
            0x03 => {
                self.chassis.control(ChassisControl::HardReset);
                Response::ok(vec![])
            }
            // Chassis Identify
            0x04 => {
                self.chassis.identify =
                    d.first().is_none_or(|&secs| secs != 0) || d.get(1).is_some_and(|f| f & 1 == 1);
                Response::ok(vec![])
            }
            // Set Power Restore Policy
            0x06 => {
                let Some(&p) = d.first() else {
                    return Response::err(cc::BAD_LENGTH);
                };
                match p & 0x07 {
                    0..=2 => self.chassis.restore_policy = p & 0x07,
                    3 => {} // no change, just report
                    _ => return Response::err(cc::INVALID_DATA),
                }
                Response::ok(vec![0x07])
            }
            // Get System Restart Cause
            0x07 => Response::ok(vec![self.chassis.restart_cause, 0x01]),
            // Set System Boot Options
            0x08 => {
                let Some((&param, value)) = d.split_first() else {
                    return Response::err(cc::BAD_LENGTH);
                };
                let param = param & 0x7F;
                if !matches!(param, 0..=7) {
                    return Response::err(0x80); // parameter not supported
                }
                self.boot_options.insert(param, value.to_vec());
                Response::ok(vec![])
            }
            // Get System Boot Options
            0x09 => {
                let Some(&param) = d.first() else {
                    return Response::err(cc::BAD_LENGTH);
                };
                let param = param & 0x7F;
                let default_len = match param {
                    0 | 1 | 3 => 1,
                    2 | 6 => 1,
                    4 => 2,
                    5 => 5,
                    7 => 2,
                    _ => return Response::err(0x80),
                };
                let value = self
                    .boot_options
                    .get(&param)
                    .cloned()
                    .unwrap_or_else(|| vec![0; default_len]);
                let mut out = vec![0x01, param];
                out.extend(value);
                Response::ok(out)
            }
            // Get POH Counter: minutes per count, counter
            0x0F => Response::ok(vec![60, 0x10, 0x27, 0x00, 0x00]),
            _ => Response::err(cc::INVALID_COMMAND),
        }
    }
}
