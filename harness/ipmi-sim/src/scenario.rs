//! Scenario files: a TOML description of one simulated BMC.
//!
//! A scenario names the BMC's identity, its sensors (with conversion factors,
//! thresholds and a reading that varies over scenario time), scripted faults
//! and FRU inventory strings. `corpus/bmc/default.toml` is built in
//! ([`Scenario::builtin_default`]).
//!
//! ```text
//! [[sensor]]
//! name = "Fan 2"
//! kind = "fan"            # temperature | voltage | current | fan | power
//! m = 60                  # value = (m * raw + b * 10^b_exp) * 10^r_exp
//! thresholds = { lcr = 600, lnc = 1200 }
//! reading = { type = "random_walk", start = 5400, step = 60, min = 4800, max = 6000, seed = 7 }
//!
//! [[fault]]
//! at = "30s"
//! sensor = "Fan 2"
//! value = 0
//! ```

use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// The scenario built into the crate (`corpus/bmc/default.toml`).
pub const DEFAULT_TOML: &str = include_str!("../../../corpus/bmc/default.toml");

/// Errors reading a scenario.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The TOML did not parse or did not match the schema.
    #[error("scenario TOML: {0}")]
    Toml(#[from] toml::de::Error),
    /// A semantic problem (duplicate sensor, bad GUID, unknown sensor in a fault...).
    #[error("scenario: {0}")]
    Invalid(String),
}

/// A whole scenario.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Identity and global settings.
    #[serde(default)]
    pub bmc: BmcInfo,
    /// FRU 0 inventory strings.
    #[serde(default)]
    pub fru: FruInfo,
    /// Threshold sensors, in SDR order.
    #[serde(default, rename = "sensor")]
    pub sensors: Vec<SensorSpec>,
    /// Scripted faults: a sensor forced to a value from a time on.
    #[serde(default, rename = "fault")]
    pub faults: Vec<FaultSpec>,
}

/// Identity and global settings of the BMC.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BmcInfo {
    /// IANA manufacturer id (20 bits).
    pub manufacturer_id: u32,
    /// Product id.
    pub product_id: u16,
    /// Device id (Get Device ID byte 1).
    pub device_id: u8,
    /// Firmware major revision (0..=127).
    pub firmware_major: u8,
    /// Firmware minor revision, shown as two BCD digits (0..=99).
    pub firmware_minor: u8,
    /// Device GUID, canonical text form.
    pub device_guid: String,
    /// System GUID, canonical text form.
    pub system_guid: String,
    /// Whether the chassis is powered on at scenario start.
    pub power_on: bool,
    /// `always_off`, `previous` or `always_on`.
    pub power_restore_policy: String,
    /// Unix time (seconds) of scenario time zero, for SEL timestamps.
    pub epoch: u32,
    /// Idle time after which a LAN session is closed.
    #[serde(deserialize_with = "de_duration")]
    pub session_timeout: Duration,
    /// Most LAN sessions open at once (pending ones included).
    pub max_sessions: usize,
}

impl Default for BmcInfo {
    fn default() -> Self {
        BmcInfo {
            manufacturer_id: 0x0001_5A3C,
            product_id: 0x0001,
            device_id: 0x20,
            firmware_major: 1,
            firmware_minor: 2,
            device_guid: "5f1e0c3a-8d2b-4c61-9a7e-3b2d1c0f4e51".into(),
            system_guid: "8a3c2e10-47b5-4f0d-b1c6-2d9e7f1a5c33".into(),
            power_on: true,
            power_restore_policy: "previous".into(),
            epoch: 1_700_000_000,
            session_timeout: Duration::from_secs(60),
            max_sessions: 16,
        }
    }
}

/// FRU 0 inventory strings (board and product areas).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FruInfo {
    /// Board manufacturer.
    pub board_manufacturer: String,
    /// Board product name.
    pub board_product: String,
    /// Board serial number.
    pub board_serial: String,
    /// Board part number.
    pub board_part: String,
    /// Product manufacturer.
    pub product_manufacturer: String,
    /// Product name.
    pub product_name: String,
    /// Product part/model number.
    pub product_part: String,
    /// Product version.
    pub product_version: String,
    /// Product serial number.
    pub product_serial: String,
    /// Asset tag.
    pub asset_tag: String,
    /// Chassis part number.
    pub chassis_part: String,
    /// Chassis serial number.
    pub chassis_serial: String,
}

impl Default for FruInfo {
    fn default() -> Self {
        FruInfo {
            board_manufacturer: "Harness Systems".into(),
            board_product: "SimBoard X1".into(),
            board_serial: "BRD0001".into(),
            board_part: "X1-100".into(),
            product_manufacturer: "Harness Systems".into(),
            product_name: "SimServer 1U".into(),
            product_part: "SS1U-A".into(),
            product_version: "1.0".into(),
            product_serial: "SRV0001".into(),
            asset_tag: "ASSET-0001".into(),
            chassis_part: "CH-1U".into(),
            chassis_serial: "CHS0001".into(),
        }
    }
}

/// What a sensor measures; fixes its IPMI sensor type and base unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SensorKind {
    /// Temperature, degrees C.
    Temperature,
    /// Voltage, volts.
    Voltage,
    /// Current, amperes.
    Current,
    /// Fan speed, RPM.
    Fan,
    /// Power supply output, watts.
    Power,
}

impl SensorKind {
    /// IPMI sensor type code (Table 42-3).
    pub fn sensor_type(self) -> u8 {
        match self {
            SensorKind::Temperature => 0x01,
            SensorKind::Voltage => 0x02,
            SensorKind::Current => 0x03,
            SensorKind::Fan => 0x04,
            SensorKind::Power => 0x08,
        }
    }

    /// IPMI base unit code (Table 43-15).
    pub fn base_unit(self) -> u8 {
        match self {
            SensorKind::Temperature => 1,
            SensorKind::Voltage => 4,
            SensorKind::Current => 5,
            SensorKind::Fan => 18,
            SensorKind::Power => 6,
        }
    }

    /// Entity id (Table 43-13) used when the scenario gives none.
    pub fn default_entity(self) -> u8 {
        match self {
            SensorKind::Temperature => 0x03,                   // processor
            SensorKind::Voltage | SensorKind::Current => 0x07, // system board
            SensorKind::Fan => 0x1D,                           // fan device
            SensorKind::Power => 0x0A,                         // power supply
        }
    }
}

/// The six thresholds, in engineering units; absent ones are not readable.
#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Lower non-recoverable.
    pub lnr: Option<f64>,
    /// Lower critical.
    pub lcr: Option<f64>,
    /// Lower non-critical.
    pub lnc: Option<f64>,
    /// Upper non-critical.
    pub unc: Option<f64>,
    /// Upper critical.
    pub ucr: Option<f64>,
    /// Upper non-recoverable.
    pub unr: Option<f64>,
}

/// One threshold sensor.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensorSpec {
    /// ID string (at most 16 bytes).
    pub name: String,
    /// What it measures.
    pub kind: SensorKind,
    /// Sensor number; defaults to position + 1.
    pub number: Option<u8>,
    /// Entity id; defaults by kind.
    pub entity_id: Option<u8>,
    /// Linear factor M (10-bit signed).
    #[serde(default = "one")]
    pub m: i16,
    /// Offset B (10-bit signed).
    #[serde(default)]
    pub b: i16,
    /// B exponent (4-bit signed).
    #[serde(default)]
    pub b_exp: i8,
    /// Result exponent R (4-bit signed).
    #[serde(default)]
    pub r_exp: i8,
    /// Thresholds in engineering units.
    #[serde(default)]
    pub thresholds: Thresholds,
    /// Hysteresis in raw counts, both directions.
    #[serde(default)]
    pub hysteresis: u8,
    /// Nominal reading in engineering units (defaults to the first reading).
    pub nominal: Option<f64>,
    /// The reading over scenario time.
    pub reading: Waveform,
}

fn one() -> i16 {
    1
}

/// A reading as a function of scenario time.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Waveform {
    /// Always `value`.
    Constant {
        /// The value.
        value: f64,
    },
    /// `from` until `start`, then linearly to `to` over `duration`, then `to`.
    Ramp {
        /// Starting value.
        from: f64,
        /// Final value.
        to: f64,
        /// When the ramp starts.
        #[serde(default, deserialize_with = "de_duration")]
        start: Duration,
        /// How long it takes.
        #[serde(deserialize_with = "de_duration")]
        duration: Duration,
    },
    /// `initial`, then each step's value from its time on.
    Steps {
        /// Value before the first step.
        initial: f64,
        /// Steps in time order.
        steps: Vec<Step>,
    },
    /// A seeded random walk: every `interval`, +/- `step`, kept within [min, max].
    RandomWalk {
        /// Value at time zero.
        start: f64,
        /// Size of one step.
        step: f64,
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
        /// Seed: the same seed gives the same walk.
        seed: u64,
        /// Time between steps (default 1 s).
        #[serde(default = "one_second", deserialize_with = "de_duration")]
        interval: Duration,
    },
}

fn one_second() -> Duration {
    Duration::from_secs(1)
}

/// One step of a [`Waveform::Steps`].
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// When the value changes.
    #[serde(deserialize_with = "de_duration")]
    pub at: Duration,
    /// The new value.
    pub value: f64,
}

/// A scripted fault: from `at` (until `until`, if given) the sensor reads `value`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// When the fault starts.
    #[serde(deserialize_with = "de_duration")]
    pub at: Duration,
    /// When it ends (never, if absent).
    #[serde(default, deserialize_with = "de_opt_duration")]
    pub until: Option<Duration>,
    /// The sensor's name.
    pub sensor: String,
    /// The forced reading, in engineering units.
    pub value: f64,
}

fn de_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    humantime::parse_duration(&s).map_err(serde::de::Error::custom)
}

fn de_opt_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    de_duration(d).map(Some)
}

impl Scenario {
    /// Parses and checks a scenario.
    pub fn from_toml(text: &str) -> Result<Scenario, ScenarioError> {
        let s: Scenario = toml::from_str(text)?;
        s.validate()?;
        Ok(s)
    }

    /// The built-in default scenario.
    pub fn builtin_default() -> Scenario {
        // The built-in file is checked by a unit test; fall back to an empty BMC rather than panic.
        Scenario::from_toml(DEFAULT_TOML).unwrap_or_else(|_| Scenario {
            bmc: BmcInfo::default(),
            fru: FruInfo::default(),
            sensors: Vec::new(),
            faults: Vec::new(),
        })
    }

    fn validate(&self) -> Result<(), ScenarioError> {
        let bad = |m: String| Err(ScenarioError::Invalid(m));
        parse_guid(&self.bmc.device_guid)
            .ok_or_else(|| ScenarioError::Invalid("bad device_guid".into()))?;
        parse_guid(&self.bmc.system_guid)
            .ok_or_else(|| ScenarioError::Invalid("bad system_guid".into()))?;
        if self.bmc.firmware_major > 127 || self.bmc.firmware_minor > 99 {
            return bad("firmware revision out of range".into());
        }
        if !matches!(
            self.bmc.power_restore_policy.as_str(),
            "always_off" | "previous" | "always_on"
        ) {
            return bad(format!(
                "unknown power_restore_policy {:?}",
                self.bmc.power_restore_policy
            ));
        }
        if self.sensors.len() > 200 {
            return bad("more than 200 sensors".into());
        }
        let mut numbers = Vec::new();
        for (i, s) in self.sensors.iter().enumerate() {
            if s.name.is_empty() || s.name.len() > 16 {
                return bad(format!("sensor name {:?} must be 1..=16 bytes", s.name));
            }
            if !(-512..=511).contains(&s.m) || !(-512..=511).contains(&s.b) || s.m == 0 {
                return bad(format!(
                    "sensor {:?}: m must be non-zero and m, b within 10 bits",
                    s.name
                ));
            }
            if !(-8..=7).contains(&s.b_exp) || !(-8..=7).contains(&s.r_exp) {
                return bad(format!("sensor {:?}: exponents must fit 4 bits", s.name));
            }
            let n = s.number.unwrap_or((i + 1) as u8);
            if n == 0xFF || numbers.contains(&n) {
                return bad(format!(
                    "sensor {:?}: number {n} reserved or duplicate",
                    s.name
                ));
            }
            numbers.push(n);
            if let Waveform::RandomWalk {
                interval, min, max, ..
            } = &s.reading
            {
                if interval.is_zero() || min > max {
                    return bad(format!(
                        "sensor {:?}: random walk needs interval > 0 and min <= max",
                        s.name
                    ));
                }
            }
        }
        for f in &self.faults {
            if !self.sensors.iter().any(|s| s.name == f.sensor) {
                return bad(format!("fault names unknown sensor {:?}", f.sensor));
            }
        }
        Ok(())
    }
}

/// Parses a canonical GUID text (`8-4-4-4-12` hex) into its 16 bytes in
/// IPMI wire order (the byte order SMBIOS uses: the first three fields little-endian).
pub fn parse_guid(text: &str) -> Option<[u8; 16]> {
    let hex: String = text.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 || text.len() != 36 {
        return None;
    }
    let mut b = [0u8; 16];
    for (i, out) in b.iter_mut().enumerate() {
        *out = u8::from_str_radix(hex.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    // time_low, time_mid, time_hi are stored little-endian on the wire.
    b[0..4].reverse();
    b[4..6].reverse();
    b[6..8].reverse();
    Some(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_default_parses() {
        let s = Scenario::from_toml(DEFAULT_TOML).expect("default scenario");
        assert!(s.sensors.len() >= 8);
        assert!(!s.faults.is_empty());
    }

    #[test]
    fn unknown_fault_sensor_is_refused() {
        let t = "[[fault]]\nat = \"1s\"\nsensor = \"nope\"\nvalue = 1\n";
        assert!(matches!(
            Scenario::from_toml(t),
            Err(ScenarioError::Invalid(_))
        ));
    }

    #[test]
    fn unknown_field_is_refused() {
        assert!(matches!(
            Scenario::from_toml("[bmc]\nbogus = 1\n"),
            Err(ScenarioError::Toml(_))
        ));
    }

    #[test]
    fn guid_wire_order() {
        let g = parse_guid("00112233-4455-6677-8899-aabbccddeeff").expect("guid");
        assert_eq!(
            g,
            [
                0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
                0xee, 0xff
            ]
        );
        assert!(parse_guid("0011223344556677").is_none());
    }
}
