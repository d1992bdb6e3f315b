//! The sans-IO BMC core.
//!
//! [`Bmc`] holds the whole simulated management controller: sensors and
//! their SDRs, the SEL, FRU 0, the chassis, users and identity. It never
//! reads a clock: every call takes `now`, the scenario time since the start.
//! [`Bmc::handle`] answers one IPMI request (network function, command, data)
//! with a completion code and data; the LAN face and the WS-Man providers
//! both go through it, so they always agree.
//!
//! # Layout
//! - [`sensor`]: conversion, readings over time, thresholds.
//! - [`sdr`]: SDR record encoding.
//! - [`sel`]: the event log.
//! - [`fru`]: the FRU image.
//! - [`users`]: the user table.
//! - `app`, `chassis`, `storage`, `sensor_cmds`: one module per network function.

mod app;
mod chassis;
pub mod fru;
pub mod sdr;
pub mod sel;
pub mod sensor;
mod sensor_cmds;
mod storage;
pub mod users;

use std::time::Duration;

pub use chassis::{Chassis, ChassisControl};

use crate::scenario::{parse_guid, Scenario, ScenarioError};
use sel::Sel;
use sensor::Sensor;
use users::Users;

/// Network function codes (requests; responses are `netfn | 1`).
pub mod netfn {
    /// Chassis.
    pub const CHASSIS: u8 = 0x00;
    /// Sensor/Event.
    pub const SENSOR_EVENT: u8 = 0x04;
    /// Application.
    pub const APP: u8 = 0x06;
    /// Storage.
    pub const STORAGE: u8 = 0x0A;
}

/// Completion codes (IPMI v2.0 Table 5-2).
pub mod cc {
    /// Command completed normally.
    pub const OK: u8 = 0x00;
    /// Node busy.
    pub const BUSY: u8 = 0xC0;
    /// Invalid command.
    pub const INVALID_COMMAND: u8 = 0xC1;
    /// Reservation canceled or invalid.
    pub const INVALID_RESERVATION: u8 = 0xC5;
    /// Request data length invalid.
    pub const BAD_LENGTH: u8 = 0xC7;
    /// Parameter out of range.
    pub const OUT_OF_RANGE: u8 = 0xC9;
    /// Requested sensor, data or record not present.
    pub const NOT_PRESENT: u8 = 0xCB;
    /// Invalid data field in request.
    pub const INVALID_DATA: u8 = 0xCC;
    /// Command illegal for this sensor or record type.
    pub const ILLEGAL_FOR_TYPE: u8 = 0xCD;
    /// Insufficient privilege level.
    pub const INSUFFICIENT_PRIVILEGE: u8 = 0xD4;
    /// Unspecified error.
    pub const UNSPECIFIED: u8 = 0xFF;
}

/// Privilege levels (IPMI v2.0 §6.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Privilege {
    /// Callback.
    Callback = 1,
    /// User.
    User = 2,
    /// Operator.
    Operator = 3,
    /// Administrator.
    Admin = 4,
    /// OEM proprietary.
    Oem = 5,
}

impl Privilege {
    /// From the 4-bit wire code.
    pub fn from_code(c: u8) -> Option<Privilege> {
        Some(match c & 0x0F {
            1 => Privilege::Callback,
            2 => Privilege::User,
            3 => Privilege::Operator,
            4 => Privilege::Admin,
            5 => Privilege::Oem,
            _ => return None,
        })
    }
}

/// One IPMI request as the core sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Network function (even, request form).
    pub netfn: u8,
    /// Command code.
    pub cmd: u8,
    /// Request data.
    pub data: Vec<u8>,
}

/// The core's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// Completion code.
    pub cc: u8,
    /// Response data after the completion code.
    pub data: Vec<u8>,
}

impl Response {
    /// A successful response.
    pub fn ok(data: Vec<u8>) -> Response {
        Response { cc: cc::OK, data }
    }
    /// An error response with no data.
    pub fn err(code: u8) -> Response {
        Response {
            cc: code,
            data: Vec::new(),
        }
    }
}

/// Interval between two threshold scans when time advances.
const SCAN_INTERVAL: Duration = Duration::from_secs(1);
/// Most scans performed by one [`Bmc::advance`] (longer jumps evaluate only the end).
const MAX_SCANS: u32 = 600;

/// The simulated BMC.
#[derive(Debug)]
pub struct Bmc {
    scenario: Scenario,
    sensors: Vec<Sensor>,
    sdr: Vec<Vec<u8>>,
    sdr_reservation: u16,
    sel: Sel,
    sel_time_offset: i64,
    fru: Vec<u8>,
    chassis: Chassis,
    users: Users,
    device_guid: [u8; 16],
    system_guid: [u8; 16],
    boot_options: std::collections::BTreeMap<u8, Vec<u8>>,
    /// Scenario time of the last scan.
    scanned_to: Option<Duration>,
}

impl Bmc {
    /// A BMC for `scenario` whose users are `users` (name, password), all administrators.
    pub fn new(scenario: Scenario, users: &[(String, String)]) -> Result<Bmc, ScenarioError> {
        let device_guid = parse_guid(&scenario.bmc.device_guid)
            .ok_or_else(|| ScenarioError::Invalid("device_guid".into()))?;
        let system_guid = parse_guid(&scenario.bmc.system_guid)
            .ok_or_else(|| ScenarioError::Invalid("system_guid".into()))?;
        let sensors: Vec<Sensor> = scenario
            .sensors
            .iter()
            .enumerate()
            .map(|(i, s)| Sensor::new(i, s, &scenario.faults))
            .collect();
        let mut sdr: Vec<Vec<u8>> = vec![sdr::mc_locator(1, "SimBMC")];
        for (i, s) in sensors.iter().enumerate() {
            sdr.push(sdr::full_sensor_record(i as u16 + 2, s));
        }
        // Manufacture date: the scenario epoch in minutes since 1996-01-01.
        let mfg = (scenario.bmc.epoch.saturating_sub(820_454_400)) / 60;
        let fru = fru::build_image(&scenario.fru, mfg);
        let chassis = Chassis::new(scenario.bmc.power_on, &scenario.bmc.power_restore_policy);
        let mut sel = Sel::default();
        if scenario.bmc.power_on {
            // A powered-on system starts with the record a real BMC logs at power up:
            // System Boot Initiated (sensor type 0x1D), offset 1 "initiated by power up".
            sel.add([0, 0, 0x02, 0, 0, 0, 0, 0x20, 0x00, 0x04, 0x1D, 0x00, 0x6F, 0x01, 0xFF, 0xFF], scenario.bmc.epoch);
        }
        Ok(Bmc {
            sensors,
            sdr,
            sdr_reservation: 0,
            sel,
            sel_time_offset: 0,
            fru,
            chassis,
            users: Users::new(users),
            device_guid,
            system_guid,
            boot_options: Default::default(),
            scanned_to: None,
            scenario,
        })
    }

    /// The scenario this BMC runs.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Brings sensor states up to `now`, scanning every second of scenario
    /// time since the last call and logging threshold crossings in the SEL.
    pub fn advance(&mut self, now: Duration) {
        let mut t = match self.scanned_to {
            None => now,
            Some(prev) if now <= prev => return,
            Some(prev) => {
                let steps = ((now - prev).as_nanos() / SCAN_INTERVAL.as_nanos())
                    .min(u128::from(MAX_SCANS)) as u32;
                now.saturating_sub(SCAN_INTERVAL * steps.saturating_sub(1))
            }
        };
        for _ in 0..=MAX_SCANS {
            self.scan(t);
            if t >= now {
                break;
            }
            t = (t + SCAN_INTERVAL).min(now);
        }
        self.scanned_to = Some(now);
    }

    fn scan(&mut self, t: Duration) {
        let ts = self.sel_time(t);
        for i in 0..self.sensors.len() {
            let raw = self.sensors[i].raw_at(t);
            let s = &self.sensors[i];
            let next = s.next_state(raw);
            let changed = next ^ s.state;
            if changed == 0 {
                continue;
            }
            let (stype, num) = (s.kind.sensor_type(), s.number);
            let thresholds = s.thresholds;
            for (bit, threshold) in thresholds.iter().enumerate() {
                if changed & (1 << bit) == 0 {
                    continue;
                }
                let dir = if next & (1 << bit) != 0 { 0x01 } else { 0x81 };
                let offset = sensor::event_offset(bit);
                let rec = [
                    0,
                    0,
                    0x02,
                    0,
                    0,
                    0,
                    0,
                    0x20,
                    0x00,
                    0x04,
                    stype,
                    num,
                    dir,
                    0x50 | offset,
                    raw,
                    threshold.unwrap_or(0),
                ];
                self.sel.add(rec, ts);
            }
            self.sensors[i].state = next;
        }
    }

    /// SEL time (Unix seconds) at scenario time `now`.
    pub fn sel_time(&self, now: Duration) -> u32 {
        let t = i64::from(self.scenario.bmc.epoch) + now.as_secs() as i64 + self.sel_time_offset;
        t.clamp(0, i64::from(u32::MAX)) as u32
    }

    /// Answers one request at administrator privilege.
    pub fn handle(&mut self, now: Duration, req: &Request) -> Response {
        self.handle_as(now, Privilege::Admin, req)
    }

    /// Answers one request from a session at `privilege`.
    pub fn handle_as(&mut self, now: Duration, privilege: Privilege, req: &Request) -> Response {
        self.advance(now);
        if let Some(need) = required_privilege(req.netfn, req.cmd) {
            if privilege < need {
                return Response::err(cc::INSUFFICIENT_PRIVILEGE);
            }
        }
        match req.netfn {
            netfn::CHASSIS => self.chassis_cmd(now, req),
            netfn::SENSOR_EVENT => self.sensor_cmd(now, req),
            netfn::APP => self.app_cmd(now, req),
            netfn::STORAGE => self.storage_cmd(now, req),
            _ => Response::err(cc::INVALID_COMMAND),
        }
    }

    /// The sensors, SDR order.
    pub fn sensors(&self) -> &[Sensor] {
        &self.sensors
    }

    /// Reading of sensor `index` at `now`: (raw, engineering value of the raw reading).
    pub fn sensor_reading(&mut self, now: Duration, index: usize) -> Option<(u8, f64)> {
        self.advance(now);
        let s = self.sensors.get_mut(index)?;
        let raw = s.raw_at(now);
        Some((raw, s.conv.to_value(raw)))
    }

    /// The SEL.
    pub fn sel(&self) -> &Sel {
        &self.sel
    }

    /// Clears the SEL (as Clear SEL does).
    pub fn clear_sel(&mut self, now: Duration) {
        let ts = self.sel_time(now);
        self.sel.clear(ts);
    }

    /// The chassis state.
    pub fn chassis(&self) -> &Chassis {
        &self.chassis
    }

    /// Performs a chassis control action (as Chassis Control does).
    pub fn chassis_control(&mut self, action: ChassisControl) {
        self.chassis.control(action);
    }

    /// The user table.
    pub fn users(&self) -> &Users {
        &self.users
    }

    /// Device GUID, wire order.
    pub fn device_guid(&self) -> [u8; 16] {
        self.device_guid
    }

    /// System GUID, wire order.
    pub fn system_guid(&self) -> [u8; 16] {
        self.system_guid
    }

    /// The FRU 0 image.
    pub fn fru(&self) -> &[u8] {
        &self.fru
    }

    /// The SDR records, repository order.
    pub fn sdr_records(&self) -> &[Vec<u8>] {
        &self.sdr
    }
}

/// Commands that need more than User privilege.
fn required_privilege(netfn: u8, cmd: u8) -> Option<Privilege> {
    use Privilege::*;
    Some(match (netfn, cmd) {
        (netfn::CHASSIS, 0x02 | 0x04 | 0x06 | 0x08) => Operator,
        (netfn::APP, 0x02 | 0x03) => Admin,             // resets
        (netfn::APP, 0x43 | 0x45 | 0x47) => Admin,      // set user access/name/password
        (netfn::SENSOR_EVENT, 0x24 | 0x26) => Operator, // set hysteresis / thresholds
        (netfn::STORAGE, 0x12 | 0x44 | 0x46 | 0x47 | 0x49) => Operator,
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
