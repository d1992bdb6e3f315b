//! Instances and methods of each CIM class, built from the core.

use std::time::Duration;

use wsman_proto::{Fault, FaultDetail, FaultKind, Instance, MethodResult, Property, Value};

use super::profiles::{registered_profiles, NAMESPACE_SELECTOR};
use super::text::{guid_text, hex, iso8601, parse_uint};
use super::IPMI_INSTANCE_NAME;
use crate::bmc::sensor::{Sensor, THRESHOLD_NAMES};
use crate::bmc::{netfn, Bmc, Request};
use crate::scenario::SensorKind;

/// The classes served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// CIM_Sensor.
    Sensor,
    /// CIM_NumericSensor.
    NumericSensor,
    /// CIM_ComputerSystem.
    ComputerSystem,
    /// CIM_RecordLog (the SEL).
    RecordLog,
    /// CIM_LogRecord (SEL records).
    LogRecord,
    /// CIM_Account (BMC users).
    Account,
    /// CIM_AdminDomain (the management domain the BMC's system belongs to).
    AdminDomain,
    /// Microsoft_IPMI (root\wmi driver class).
    MicrosoftIpmi,
    /// CIM_RegisteredProfile (DSP1033, interop namespace).
    RegisteredProfile,
    /// CIM_PowerManagementService (DSP1027).
    PowerManagementService,
    /// CIM_PowerManagementCapabilities (DSP1027).
    PowerManagementCapabilities,
    /// CIM_AccountManagementService (DSP1034).
    AccountManagementService,
}

const SEL_LOG_ID: &str = "IPMI:SEL";

/// InstanceID of the one CIM_PowerManagementCapabilities.
const POWER_CAPABILITIES_ID: &str = "IPMI:PowerManagementCapabilities";

/// CIM PowerStates RequestPowerStateChange accepts (DSP1027 value map), each
/// with the Chassis Control code it drives, or `None` for a power cycle,
/// which powers up a system that is off (as RequestStateChange's reset does):
/// 2 On, 5 Power Cycle (Off - Soft), 6 Off - Hard, 8 Off - Soft,
/// 9 Power Cycle (Off - Hard), 10 Master Bus Reset, 11 Diagnostic Interrupt
/// (NMI), 12 Off - Soft Graceful.
const POWER_STATES: [(u64, Option<u8>); 8] =
    [(2, Some(0x01)), (5, None), (6, Some(0x00)), (8, Some(0x05)), (9, None), (10, Some(0x03)), (11, Some(0x04)), (12, Some(0x05))];

/// PowerChangeCapabilities: 3 Power State Settable, 4 Power Cycling
/// Supported, 6 Off Hard Power Cycling Supported, 7 HW Reset Supported,
/// 8 Graceful Shutdown Supported.
const POWER_CHANGE_CAPABILITIES: [u64; 5] = [3, 4, 6, 7, 8];

/// The PowerState values of the CIM PowerStates value map (1 Other to 16).
const POWER_STATE_MAX: u64 = 16;

impl Class {
    /// Every class.
    pub const ALL: [Class; 12] = [
        Class::Sensor,
        Class::NumericSensor,
        Class::ComputerSystem,
        Class::RecordLog,
        Class::LogRecord,
        Class::Account,
        Class::AdminDomain,
        Class::MicrosoftIpmi,
        Class::RegisteredProfile,
        Class::PowerManagementService,
        Class::PowerManagementCapabilities,
        Class::AccountManagementService,
    ];

    /// The class name (last segment of the resource URI).
    pub fn name(self) -> &'static str {
        match self {
            Class::Sensor => "CIM_Sensor",
            Class::NumericSensor => "CIM_NumericSensor",
            Class::ComputerSystem => "CIM_ComputerSystem",
            Class::RecordLog => "CIM_RecordLog",
            Class::LogRecord => "CIM_LogRecord",
            Class::Account => "CIM_Account",
            Class::AdminDomain => "CIM_AdminDomain",
            Class::MicrosoftIpmi => "Microsoft_IPMI",
            Class::RegisteredProfile => "CIM_RegisteredProfile",
            Class::PowerManagementService => "CIM_PowerManagementService",
            Class::PowerManagementCapabilities => "CIM_PowerManagementCapabilities",
            Class::AccountManagementService => "CIM_AccountManagementService",
        }
    }

    /// Key property names.
    pub fn keys(self) -> &'static [&'static str] {
        match self {
            Class::Sensor | Class::NumericSensor => &["SystemCreationClassName", "SystemName", "CreationClassName", "DeviceID"],
            Class::ComputerSystem | Class::AdminDomain => &["CreationClassName", "Name"],
            Class::RecordLog | Class::LogRecord | Class::PowerManagementCapabilities => &["InstanceID"],
            Class::Account | Class::PowerManagementService | Class::AccountManagementService => {
                &["SystemCreationClassName", "SystemName", "CreationClassName", "Name"]
            }
            Class::MicrosoftIpmi => &["InstanceName"],
            Class::RegisteredProfile => &["InstanceID", NAMESPACE_SELECTOR],
        }
    }

    /// The class with this name (compared case-insensitively).
    pub fn from_name(name: &str) -> Option<Class> {
        Class::ALL.iter().copied().find(|c| c.name().eq_ignore_ascii_case(name))
    }
}

/// The managed system's name (the FRU product serial number).
fn system_name(b: &Bmc) -> String {
    b.scenario().fru.product_serial.clone()
}

/// All instances of `class` at scenario time `now`, in namespace `uri`.
pub(super) fn instances(class: Class, b: &mut Bmc, now: Duration, uri: &str) -> Vec<Instance> {
    b.advance(now);
    let sys = system_name(b);
    match class {
        Class::Sensor | Class::NumericSensor => (0..b.sensors().len())
            .filter_map(|i| {
                let (raw, _) = b.sensor_reading(now, i)?;
                Some(sensor_instance(class, uri, &sys, &b.sensors()[i], raw))
            })
            .collect(),
        Class::ComputerSystem => {
            let c = b.chassis();
            let inst = Instance::new(uri, class.name())
                .with_key("CreationClassName", class.name())
                .with_key("Name", sys.clone())
                .with("CreationClassName", Value::str(class.name()))
                .with("Name", Value::str(sys))
                .with("ElementName", Value::str(b.scenario().fru.product_name.clone()))
                .with("NameFormat", Value::str("Other"))
                .with("EnabledState", Value::UInt(if c.power_on { 2 } else { 3 }))
                .with("RequestedState", Value::UInt(12))
                .with("PowerState", Value::UInt(if c.power_on { 2 } else { 8 }))
                .with("HealthState", Value::UInt(5))
                .with("IdentifyingDescriptions", Value::Array(vec![Value::str("CIM:GUID")]))
                .with("OtherIdentifyingInfo", Value::Array(vec![Value::str(guid_text(&b.system_guid()))]));
            vec![inst]
        }
        Class::RecordLog => {
            let sel = b.sel();
            let inst = Instance::new(uri, class.name())
                .with_key("InstanceID", SEL_LOG_ID)
                .with("InstanceID", Value::str(SEL_LOG_ID))
                .with("ElementName", Value::str("IPMI SEL"))
                .with("Name", Value::str("IPMI SEL"))
                .with("MaxNumberOfRecords", Value::UInt(crate::bmc::sel::SEL_CAPACITY as u64))
                .with("CurrentNumberOfRecords", Value::UInt(sel.records().len() as u64))
                .with("EnabledState", Value::UInt(2))
                .with("HealthState", Value::UInt(5))
                .with("LogState", Value::UInt(4))
                .with("OverwritePolicy", Value::UInt(7));
            vec![inst]
        }
        Class::LogRecord => {
            let sensors = b.sensors();
            b.sel()
                .records()
                .iter()
                .map(|r| {
                    let id = format!("{SEL_LOG_ID}:{}", r.id);
                    let sensor = sensors.iter().find(|s| s.number == r.sensor_number() && s.kind.sensor_type() == r.sensor_type());
                    Instance::new(uri, class.name())
                        .with_key("InstanceID", id.clone())
                        .with("InstanceID", Value::str(id))
                        .with("LogInstanceID", Value::str(SEL_LOG_ID))
                        .with("LogName", Value::str("IPMI SEL"))
                        .with("RecordID", Value::str(r.id.to_string()))
                        .with("RecordFormat", Value::str("IPMI SEL record, 16 bytes, hex"))
                        .with("RecordData", Value::str(hex(&r.bytes)))
                        .with("CreationTimeStamp", Value::Datetime(iso8601(r.timestamp())))
                        .with("Description", Value::str(describe(r, sensor)))
                })
                .collect()
        }
        Class::Account => b
            .users()
            .all()
            .filter(|(_, u)| !u.name.is_empty())
            .map(|(id, u)| {
                Instance::new(uri, class.name())
                    .with_key("SystemCreationClassName", "CIM_ComputerSystem")
                    .with_key("SystemName", sys.clone())
                    .with_key("CreationClassName", class.name())
                    .with_key("Name", u.name.clone())
                    .with("SystemCreationClassName", Value::str("CIM_ComputerSystem"))
                    .with("SystemName", Value::str(sys.clone()))
                    .with("CreationClassName", Value::str(class.name()))
                    .with("Name", Value::str(u.name.clone()))
                    .with("UserID", Value::str(u.name.clone()))
                    .with("ElementName", Value::str(format!("IPMI user {id}")))
                    .with("EnabledState", Value::UInt(if u.enabled { 2 } else { 3 }))
                    .with("UserPrivilege", u.privilege.map_or(Value::Null, |p| Value::UInt(p as u64)))
            })
            .collect(),
        Class::AdminDomain => {
            let name = format!("{sys}-domain");
            vec![Instance::new(uri, class.name())
                .with_key("CreationClassName", class.name())
                .with_key("Name", name.clone())
                .with("CreationClassName", Value::str(class.name()))
                .with("Name", Value::str(name))
                .with("NameFormat", Value::str("Other"))
                .with("ElementName", Value::str("IPMI management domain"))
                .with("EnabledState", Value::UInt(2))
                .with("HealthState", Value::UInt(5))]
        }
        Class::RegisteredProfile => registered_profiles(uri, class.name()),
        Class::PowerManagementService | Class::AccountManagementService => {
            let (name, element) = match class {
                Class::PowerManagementService => ("IPMI Power Management Service", "Chassis power control"),
                _ => ("IPMI Account Management Service", "IPMI user management"),
            };
            vec![Instance::new(uri, class.name())
                .with_key("SystemCreationClassName", "CIM_ComputerSystem")
                .with_key("SystemName", sys.clone())
                .with_key("CreationClassName", class.name())
                .with_key("Name", name)
                .with("SystemCreationClassName", Value::str("CIM_ComputerSystem"))
                .with("SystemName", Value::str(sys))
                .with("CreationClassName", Value::str(class.name()))
                .with("Name", Value::str(name))
                .with("ElementName", Value::str(element))
                .with("EnabledState", Value::UInt(2))
                .with("RequestedState", Value::UInt(12))
                .with("HealthState", Value::UInt(5))]
        }
        Class::PowerManagementCapabilities => vec![Instance::new(uri, class.name())
            .with_key("InstanceID", POWER_CAPABILITIES_ID)
            .with("InstanceID", Value::str(POWER_CAPABILITIES_ID))
            .with("ElementName", Value::str("Chassis power capabilities"))
            .with("PowerStatesSupported", Value::Array(POWER_STATES.iter().map(|(s, _)| Value::UInt(*s)).collect()))
            .with("PowerChangeCapabilities", Value::Array(POWER_CHANGE_CAPABILITIES.iter().map(|c| Value::UInt(*c)).collect()))],
        Class::MicrosoftIpmi => vec![Instance::new(uri, class.name())
            .with_key("InstanceName", IPMI_INSTANCE_NAME)
            .with("InstanceName", Value::str(IPMI_INSTANCE_NAME))
            .with("Active", Value::Bool(true))
            .with("BMCAddress", Value::UInt(0x20))],
    }
}

/// CIM SensorType, BaseUnits, and an "other" description for the kinds CIM lacks.
fn cim_kind(k: SensorKind) -> (u64, u64, Option<&'static str>) {
    match k {
        SensorKind::Temperature => (2, 2, None),
        SensorKind::Voltage => (3, 5, None),
        SensorKind::Current => (4, 6, None),
        SensorKind::Fan => (5, 19, None),
        SensorKind::Power => (1, 7, Some("Power Supply")),
    }
}

fn sensor_instance(class: Class, uri: &str, sys: &str, s: &Sensor, raw: u8) -> Instance {
    let (stype, units, other) = cim_kind(s.kind);
    let device_id = format!("Sensor.{}", s.number);
    let state = threshold_state(s.state);
    let health = match s.state {
        0 => 5,
        st if st & 0b100_100 != 0 => 30, // non-recoverable
        st if st & 0b010_010 != 0 => 25, // critical
        _ => 15,
    };
    let mut inst = Instance::new(uri, class.name())
        .with_key("SystemCreationClassName", "CIM_ComputerSystem")
        .with_key("SystemName", sys)
        .with_key("CreationClassName", class.name())
        .with_key("DeviceID", device_id.clone())
        .with("SystemCreationClassName", Value::str("CIM_ComputerSystem"))
        .with("SystemName", Value::str(sys))
        .with("CreationClassName", Value::str(class.name()))
        .with("DeviceID", Value::str(device_id))
        .with("ElementName", Value::str(s.name.clone()))
        .with("Name", Value::str(s.name.clone()))
        .with("SensorType", Value::UInt(stype))
        .with("OtherSensorTypeDescription", other.map_or(Value::Null, Value::str))
        .with("CurrentState", Value::str(state))
        .with("PossibleStates", Value::Array(POSSIBLE_STATES.iter().map(|p| Value::str(*p)).collect()))
        .with("EnabledState", Value::UInt(2))
        .with("HealthState", Value::UInt(health));
    if class == Class::NumericSensor {
        // CurrentReading x 10^UnitModifier is the engineering value.
        let modifier = i32::from(s.conv.r_exp);
        let scaled = |raw: u8| Value::Int((s.conv.to_value(raw) / 10f64.powi(modifier)).round() as i64);
        inst = inst
            .with("BaseUnits", Value::UInt(units))
            .with("UnitModifier", Value::Int(modifier.into()))
            .with("RateUnits", Value::UInt(0))
            .with("CurrentReading", scaled(raw))
            .with("NominalReading", scaled(s.nominal))
            .with("SensorNumber", Value::UInt(s.number.into()));
        debug_assert_eq!(THRESHOLD_PROPERTIES.len(), THRESHOLD_NAMES.len());
        for (i, name) in THRESHOLD_PROPERTIES.iter().enumerate() {
            inst.set(name, s.thresholds[i].map_or(Value::Null, scaled));
        }
        let codes = |settable_only: bool| {
            let mut c: Vec<u64> = (0..THRESHOLD_NAMES.len())
                .filter(|i| s.thresholds[*i].is_some() && (!settable_only || SETTABLE.contains(i)))
                .map(|i| CIM_THRESHOLD_CODE[i])
                .collect();
            c.sort_unstable();
            Value::Array(c.into_iter().map(Value::UInt).collect())
        };
        inst = inst.with("SupportedThresholds", codes(false)).with("SettableThresholds", codes(true));
    }
    inst
}

/// The CIM property of each core threshold, in [`THRESHOLD_NAMES`] order.
const THRESHOLD_PROPERTIES: [&str; 6] = [
    "LowerThresholdNonCritical",
    "LowerThresholdCritical",
    "LowerThresholdFatal",
    "UpperThresholdNonCritical",
    "UpperThresholdCritical",
    "UpperThresholdFatal",
];

/// The SupportedThresholds / SettableThresholds code (CIM value map:
/// 0 LowerThresholdNonCritical, 1 UpperThresholdNonCritical, 2 LowerThresholdCritical,
/// 3 UpperThresholdCritical, 4 LowerThresholdFatal, 5 UpperThresholdFatal)
/// of each core threshold, in [`THRESHOLD_NAMES`] order.
const CIM_THRESHOLD_CODE: [u64; 6] = [0, 2, 4, 1, 3, 5];

/// The core thresholds a Put may set (DSP1009: the non-critical ones), when the sensor has them.
const SETTABLE: [usize; 2] = [0, 3];

/// A Put tries to change a read-only property: `wxf:InvalidRepresentation`
/// with detail `ReadOnly`, the fault the Windows classes give.
fn read_only(class: &str, property: &str) -> Fault {
    Fault::new(FaultKind::InvalidRepresentation, format!("The property {property} of {class} is read-only.")).with_detail(FaultDetail::ReadOnly)
}

/// A value of the wrong type or out of range: `InvalidRepresentation` + `InvalidValues`.
fn invalid_value(class: &str, property: &str, value: &str) -> Fault {
    Fault::new(FaultKind::InvalidRepresentation, format!("The value {value:?} is not valid for {class}.{property}."))
        .with_detail(FaultDetail::Other(format!("{}InvalidValues", wsman_proto::ns::WSMAN_FAULT_DETAIL)))
}

/// Does a value sent in a Put equal the current one? Text compared
/// case-insensitively, nulls equal nulls, arrays item by item (a one-item
/// array arrives as a scalar).
fn same_value(sent: &Value, current: &Value) -> bool {
    match (sent, current) {
        (Value::Array(a), Value::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_value(x, y)),
        (x, Value::Array(b)) if b.len() == 1 => same_value(x, &b[0]),
        (Value::Array(a), y) if a.len() == 1 => same_value(&a[0], y),
        (Value::Null, Value::Null) => true,
        _ => match (sent.to_text(), current.to_text()) {
            (Some(a), Some(b)) => a.trim().eq_ignore_ascii_case(b.trim()),
            _ => false,
        },
    }
}

/// WS-Transfer Put of the CIM_NumericSensor `current` (module docs of
/// [`super`]): validates every property sent, then sets the changed
/// settable thresholds in the core through Set Sensor Thresholds.
pub(super) fn put_numeric_sensor(b: &mut Bmc, now: Duration, current: &Instance, props: &[Property]) -> Result<(), Fault> {
    let class = current.class_name.as_str();
    let number = match current.get("SensorNumber") {
        Some(Value::UInt(n)) => u8::try_from(*n).ok(),
        _ => None,
    };
    let idx = number
        .and_then(|n| b.sensors().iter().position(|s| s.number == n))
        .ok_or_else(|| Fault::new(FaultKind::InternalError, format!("the sensor of {class} is gone")))?;
    let sensor = &b.sensors()[idx];
    let (num, conv, mut raw) = (sensor.number, sensor.conv, sensor.thresholds);
    let modifier = i32::from(conv.r_exp);
    let mut mask = 0u8;
    for p in props {
        let cur = current.get(&p.name).ok_or_else(|| Fault::new(FaultKind::InvalidRepresentation, format!("{class} has no property {}", p.name)))?;
        let threshold = THRESHOLD_PROPERTIES.iter().position(|t| t.eq_ignore_ascii_case(&p.name));
        let settable = threshold.filter(|t| SETTABLE.contains(t) && raw[*t].is_some());
        let Some(t) = settable else {
            if !same_value(&p.value, cur) {
                return Err(read_only(class, &p.name));
            }
            continue;
        };
        if same_value(&p.value, cur) {
            continue;
        }
        let text = p.value.to_text().unwrap_or_default();
        let wanted: i64 = text.trim().parse().map_err(|_| invalid_value(class, &p.name, &text))?;
        // The value is in units of 10^UnitModifier; the core keeps raw counts.
        let new_raw = conv.to_raw(wanted as f64 * 10f64.powi(modifier));
        let back = (conv.to_value(new_raw) / 10f64.powi(modifier)).round();
        if (back - wanted as f64).abs() > f64::from(conv.m.unsigned_abs()) / 2.0 + 0.5 {
            return Err(invalid_value(class, &p.name, &text)); // beyond the raw range
        }
        raw[t] = Some(new_raw);
        mask |= 1 << t;
    }
    if mask == 0 {
        return Ok(());
    }
    let mut data = vec![num, mask];
    data.extend(raw.iter().map(|r| r.unwrap_or(0)));
    let r = b.handle(now, &Request { netfn: netfn::SENSOR_EVENT, cmd: 0x26, data });
    if r.cc != 0 {
        return Err(Fault::new(FaultKind::InternalError, format!("Set Sensor Thresholds failed with completion code 0x{:02x}", r.cc)));
    }
    Ok(())
}

const POSSIBLE_STATES: [&str; 7] = ["Normal", "Lower Non-Critical", "Lower Critical", "Lower Fatal", "Upper Non-Critical", "Upper Critical", "Upper Fatal"];

/// The most severe asserted threshold, as a CIM state string.
fn threshold_state(state: u8) -> &'static str {
    match state {
        s if s & 0b100_000 != 0 => "Upper Fatal",
        s if s & 0b000_100 != 0 => "Lower Fatal",
        s if s & 0b010_000 != 0 => "Upper Critical",
        s if s & 0b000_010 != 0 => "Lower Critical",
        s if s & 0b001_000 != 0 => "Upper Non-Critical",
        s if s & 0b000_001 != 0 => "Lower Non-Critical",
        _ => "Normal",
    }
}

fn describe(r: &crate::bmc::sel::SelRecord, sensor: Option<&Sensor>) -> String {
    if r.record_type() != 0x02 {
        return format!("OEM record type 0x{:02x}", r.record_type());
    }
    let what = match r.offset() {
        0x00 => "Lower Non-Critical going low",
        0x02 => "Lower Critical going low",
        0x04 => "Lower Non-Recoverable going low",
        0x07 => "Upper Non-Critical going high",
        0x09 => "Upper Critical going high",
        0x0B => "Upper Non-Recoverable going high",
        _ => "event",
    };
    let name = sensor.map_or_else(|| format!("sensor {}", r.sensor_number()), |s| s.name.clone());
    let dir = if r.is_deassertion() { "deasserted" } else { "asserted" };
    format!("{name}: {what} {dir}")
}

/// Runs `method` of `class`; `None` when the class has no such method.
pub(super) fn invoke(class: Class, b: &mut Bmc, now: Duration, method: &str, props: &[Property]) -> Option<Result<MethodResult, Fault>> {
    let arg = |name: &str| props.iter().find(|p| p.name.eq_ignore_ascii_case(name)).map(|p| &p.value);
    let uint = |name: &str| -> Result<u64, Fault> {
        match arg(name) {
            Some(Value::Str(s)) => parse_uint(s).ok_or_else(|| Fault::new(FaultKind::InvalidParameter, format!("{name} must be an unsigned number"))),
            Some(Value::UInt(u)) => Ok(*u),
            _ => Err(Fault::new(FaultKind::InvalidParameter, format!("missing parameter {name}"))),
        }
    };
    Some(match (class, method) {
        (Class::ComputerSystem, "RequestStateChange") => uint("RequestedState").map(|state| {
            // CIM states -> Chassis Control codes (power down, up, cycle, hard reset, soft off)
            let code = match state {
                2 => Some(0x01),
                3 => Some(0x00),
                4 => Some(0x05),
                10 => Some(if b.chassis().power_on { 0x02 } else { 0x01 }),
                11 => Some(0x03),
                _ => None,
            };
            match code {
                None => MethodResult::return_value(5), // invalid parameter
                Some(code) => chassis_control(b, now, code),
            }
        }),
        (Class::PowerManagementService, "RequestPowerStateChange") => uint("PowerState").map(|state| {
            match POWER_STATES.iter().find(|(s, _)| *s == state) {
                // A power cycle of a system that is off powers it up.
                Some((_, code)) => chassis_control(b, now, code.unwrap_or(if b.chassis().power_on { 0x02 } else { 0x01 })),
                None if (1..=POWER_STATE_MAX).contains(&state) => MethodResult::return_value(1), // not supported
                None => MethodResult::return_value(5),                                           // invalid parameter
            }
        }),
        (Class::RecordLog, "ClearLog") => {
            let resv = b.handle(now, &Request { netfn: netfn::STORAGE, cmd: 0x42, data: vec![] }).data;
            let mut data = resv;
            data.extend_from_slice(b"CLR");
            data.push(0xAA);
            let r = b.handle(now, &Request { netfn: netfn::STORAGE, cmd: 0x47, data });
            Ok(MethodResult::return_value(if r.cc == 0 { 0 } else { 2 }))
        }
        (Class::MicrosoftIpmi, "RequestResponse") => request_response(b, now, props, &uint),
        _ => return None,
    })
}

/// Runs Chassis Control `code` through the core, as the LAN face would:
/// ReturnValue 0 when the BMC completed it, 2 (unspecified error) otherwise.
fn chassis_control(b: &mut Bmc, now: Duration, code: u8) -> MethodResult {
    let r = b.handle(now, &Request { netfn: netfn::CHASSIS, cmd: 0x02, data: vec![code] });
    MethodResult::return_value(if r.cc == 0 { 0 } else { 2 })
}

/// Microsoft_IPMI.RequestResponse: NetworkFunction, Lun, ResponderAddress,
/// Command, RequestDataSize, RequestData[] -> CompletionCode, ResponseData[], ResponseDataSize.
fn request_response(b: &mut Bmc, now: Duration, props: &[Property], uint: &dyn Fn(&str) -> Result<u64, Fault>) -> Result<MethodResult, Fault> {
    let byte = |name: &str| -> Result<u8, Fault> {
        u8::try_from(uint(name)?).map_err(|_| Fault::new(FaultKind::InvalidParameter, format!("{name} must fit in a byte")))
    };
    let netfn = byte("NetworkFunction")?;
    let cmd = byte("Command")?;
    let data: Vec<u8> = match props.iter().find(|p| p.name.eq_ignore_ascii_case("RequestData")).map(|p| &p.value) {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(Value::Array(items)) => items.iter().map(value_byte).collect::<Option<Vec<u8>>>(),
        Some(v) => value_byte(v).map(|b| vec![b]),
    }
    .ok_or_else(|| Fault::new(FaultKind::InvalidParameter, "RequestData items must be bytes"))?;
    if let Ok(size) = uint("RequestDataSize") {
        if size as usize != data.len() {
            return Err(Fault::new(FaultKind::InvalidParameter, "RequestDataSize does not match RequestData"));
        }
    }
    if byte("ResponderAddress").unwrap_or(0x20) != 0x20 {
        return Ok(output(0xFF, &[])); // only the BMC answers
    }
    let r = b.handle(now, &Request { netfn: netfn & 0x3E, cmd, data });
    Ok(output(r.cc, &r.data))
}

fn output(cc: u8, data: &[u8]) -> MethodResult {
    MethodResult {
        properties: vec![
            Property { name: "CompletionCode".into(), value: Value::UInt(cc.into()) },
            Property { name: "ResponseData".into(), value: Value::Array(data.iter().map(|b| Value::UInt((*b).into())).collect()) },
            Property { name: "ResponseDataSize".into(), value: Value::UInt(data.len() as u64) },
            Property { name: "ReturnValue".into(), value: Value::UInt(0) },
        ],
    }
}

fn value_byte(v: &Value) -> Option<u8> {
    match v {
        Value::Str(s) => parse_uint(s).and_then(|n| u8::try_from(n).ok()),
        Value::UInt(u) => u8::try_from(*u).ok(),
        _ => None,
    }
}
