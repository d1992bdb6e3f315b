//! The BMC's SEL as an event source: each new SEL record becomes a
//! `CIM_AlertIndication`.
//!
//! The BMC logs a threshold crossing when its scenario time advances past it
//! (`Bmc::advance`, which any IPMI or CIM request also performs). The
//! [`SelWatcher`] advances the BMC to the scenario clock's present and picks
//! up the records added since its last look ([`Sel::added`](ipmi_sim::bmc::sel::Sel::added));
//! [`spawn_sel_watcher`] does that every [`POLL_INTERVAL`] of tokio time. On
//! the real clock (`serve`) a crossing becomes an event within that interval;
//! on a manual clock (tests) the event follows the test's step of the clock
//! by at most the interval.
//!
//! The indication is on [`indication_uri`], the DMTF CIM resource URI of
//! `CIM_AlertIndication`, next to the BMC's other DMTF classes
//! (`.../cim-schema/2/CIM_NumericSensor`, ...):
//!
//! ```text
//! <p:CIM_AlertIndication xmlns:p="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_AlertIndication">
//!   <p:AlertingElementFormat>2</p:AlertingElementFormat>          CIMObjectPath
//!   <p:AlertingManagedElement>CIM_NumericSensor.SystemCreationClassName="CIM_ComputerSystem",SystemName="SRV0001",CreationClassName="CIM_NumericSensor",DeviceID="Sensor.2"</p:AlertingManagedElement>
//!   <p:AlertType>6</p:AlertType>                                   Environmental Alert (temperature, fan); 5 Device Alert otherwise
//!   <p:Description>CPU1 Temp: Upper Non-Critical going high asserted</p:Description>
//!   <p:EventID>IPMI:SEL:3</p:EventID>
//!   <p:EventTime><cim:Datetime>2023-11-14T22:17:00Z</cim:Datetime></p:EventTime>
//!   <p:IndicationIdentifier>IPMI:SEL:3</p:IndicationIdentifier>
//!   <p:IndicationTime><cim:Datetime>...</cim:Datetime></p:IndicationTime>
//!   <p:Message>CPU1 Temp: Upper Non-Critical going high asserted, reading 75 degrees C (threshold 75)</p:Message>
//!   <p:MessageArguments>CPU1 Temp</p:MessageArguments>              sensor name
//!   <p:MessageArguments>75</p:MessageArguments>                     reading
//!   <p:MessageArguments>UpperNonCritical</p:MessageArguments>       threshold crossed
//!   <p:MessageArguments>asserted</p:MessageArguments>               or deasserted
//!   <p:PerceivedSeverity>3</p:PerceivedSeverity>                    2 Information (deassertion), 3 Degraded/Warning, 6 Critical, 7 Fatal/NonRecoverable
//!   <p:ProbableCause>1</p:ProbableCause><p:ProbableCauseDescription>Threshold crossed</p:ProbableCauseDescription>
//!   <p:ProviderName>IPMI SEL</p:ProviderName>
//!   <p:SystemCreationClassName>CIM_ComputerSystem</p:SystemCreationClassName>
//!   <p:SystemName>SRV0001</p:SystemName>
//! </p:CIM_AlertIndication>
//! ```
//!
//! The property names are those of CIM_AlertIndication in the DMTF CIM
//! schema; the numeric codes (AlertType, PerceivedSeverity, ProbableCause)
//! are from memory of its value maps, not checked against a stored copy.
//! A record that is not a threshold event (the power-up record) has no
//! threshold argument and severity 2.

use std::time::{Duration, UNIX_EPOCH};

use ipmi_sim::bmc::sel::SelRecord;
use ipmi_sim::bmc::sensor::Sensor;
use ipmi_sim::scenario::SensorKind;
use ipmi_sim::SharedBmc;
use tokio::sync::watch;
use wsman_proto::{ns, Instance, Value};

use super::{event_action, EventHub, SourceEvent};

/// The indication class.
pub const INDICATION_CLASS: &str = "CIM_AlertIndication";
/// The `ProviderName` of the indications, and their [`SourceEvent::provider`].
pub const PROVIDER: &str = "IPMI SEL";
/// How often the watcher looks at the SEL (tokio time).
pub const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// The resource URI of the BMC's indications:
/// `http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_AlertIndication`.
pub fn indication_uri() -> String {
    format!("{}{INDICATION_CLASS}", ns::DMTF_CIM_RESOURCE_PREFIX)
}

/// Finds the SEL records added since its last look.
#[derive(Debug)]
pub struct SelWatcher {
    bmc: SharedBmc,
    /// [`Sel::added`](ipmi_sim::bmc::sel::Sel::added) at the last look.
    seen: u64,
}

impl SelWatcher {
    /// A watcher for which the records already in the SEL are old.
    pub fn new(bmc: SharedBmc) -> SelWatcher {
        let seen = bmc.lock().sel().added();
        SelWatcher { bmc, seen }
    }

    /// Advances the BMC to the scenario clock's present and returns the
    /// records added since the last call, oldest first, as events.
    pub fn poll(&mut self) -> Vec<SourceEvent> {
        self.bmc.with(|b, now| {
            b.advance(now);
            let sel = b.sel();
            let fresh = usize::try_from(sel.added() - self.seen).unwrap_or(usize::MAX).min(sel.records().len());
            self.seen = sel.added();
            let system = b.scenario().fru.product_serial.clone();
            let records = sel.records();
            records[records.len() - fresh..].iter().map(|r| indication(r, b.sensors(), &system)).collect()
        })
    }
}

/// Runs a [`SelWatcher`] every [`POLL_INTERVAL`], publishing each new record
/// on `hub`. Stops when `shutdown` turns true (or its sender is dropped) or
/// when every clone of `hub` is gone.
pub fn spawn_sel_watcher(hub: &EventHub, bmc: SharedBmc, mut shutdown: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
    let weak = hub.downgrade();
    let mut watcher = SelWatcher::new(bmc);
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(POLL_INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = crate::stopped(&mut shutdown) => return,
                _ = ticks.tick() => {}
            }
            let Some(hub) = weak.upgrade() else { return };
            for ev in watcher.poll() {
                hub.publish(ev);
            }
        }
    })
}

/// The threshold a SEL event offset reports (IPMI v2.0 Table 42-2): its
/// index in `Sensor::thresholds` and its CIM-style name.
fn threshold_of(offset: u8) -> Option<(usize, &'static str, &'static str)> {
    Some(match offset {
        0x00 => (0, "LowerNonCritical", "Lower Non-Critical going low"),
        0x02 => (1, "LowerCritical", "Lower Critical going low"),
        0x04 => (2, "LowerNonRecoverable", "Lower Non-Recoverable going low"),
        0x07 => (3, "UpperNonCritical", "Upper Non-Critical going high"),
        0x09 => (4, "UpperCritical", "Upper Critical going high"),
        0x0B => (5, "UpperNonRecoverable", "Upper Non-Recoverable going high"),
        _ => return None,
    })
}

fn unit(kind: SensorKind) -> &'static str {
    match kind {
        SensorKind::Temperature => "degrees C",
        SensorKind::Voltage => "Volts",
        SensorKind::Current => "Amps",
        SensorKind::Fan => "RPM",
        SensorKind::Power => "Watts",
    }
}

/// Engineering value text: no trailing zeros (`12.06`, `75`).
fn number(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The indication of one SEL record.
fn indication(r: &SelRecord, sensors: &[Sensor], system: &str) -> SourceEvent {
    let sensor = sensors.iter().find(|s| s.number == r.sensor_number() && s.kind.sensor_type() == r.sensor_type());
    let threshold = (r.record_type() == 0x02).then(|| threshold_of(r.offset())).flatten();
    let deassert = r.is_deassertion();
    let direction = if deassert { "deasserted" } else { "asserted" };
    let name = sensor.map_or_else(|| format!("sensor {}", r.sensor_number()), |s| s.name.clone());
    let id = format!("IPMI:SEL:{}", r.id);
    let time = UNIX_EPOCH + Duration::from_secs(r.timestamp().into());
    let when = Value::Datetime(super::windows::system_time_text(time).replace(".0000000Z", "Z"));
    let uri = indication_uri();
    let mut inst = Instance::new(uri.clone(), INDICATION_CLASS)
        .with("IndicationIdentifier", Value::str(id.clone()))
        .with("EventID", Value::str(id))
        .with("IndicationTime", when.clone())
        .with("EventTime", when)
        .with("SystemCreationClassName", Value::str("CIM_ComputerSystem"))
        .with("SystemName", Value::str(system))
        .with("ProviderName", Value::str(PROVIDER));
    let (severity, description, message, arguments);
    match (sensor, threshold) {
        (Some(s), Some((index, threshold_name, what))) => {
            let reading = number(s.conv.to_value(r.bytes[14]));
            let limit = s.thresholds[index].map_or_else(|| number(s.conv.to_value(r.bytes[15])), |t| number(s.conv.to_value(t)));
            // Non-critical: Degraded/Warning; critical: Critical; non-recoverable: Fatal/NonRecoverable.
            severity = if deassert { 2 } else { [3, 6, 7][index % 3] };
            description = format!("{name}: {what} {direction}");
            message = format!("{description}, reading {reading} {} (threshold {limit})", unit(s.kind));
            arguments = vec![name.clone(), reading, threshold_name.to_owned(), direction.to_owned()];
            let device = format!(
                "CIM_NumericSensor.SystemCreationClassName=\"CIM_ComputerSystem\",SystemName=\"{system}\",CreationClassName=\"CIM_NumericSensor\",DeviceID=\"Sensor.{}\"",
                s.number
            );
            let alert_type = if matches!(s.kind, SensorKind::Temperature | SensorKind::Fan) { 6 } else { 5 };
            inst = inst
                .with("AlertingManagedElement", Value::str(device))
                .with("AlertingElementFormat", Value::UInt(2))
                .with("AlertType", Value::UInt(alert_type))
                .with("ProbableCause", Value::UInt(1))
                .with("ProbableCauseDescription", Value::str("Threshold crossed"));
        }
        _ => {
            severity = 2;
            description = format!("{name}: SEL record type 0x{:02x}, event offset 0x{:02x} {direction}", r.record_type(), r.offset());
            message = description.clone();
            arguments = vec![name.clone(), String::new(), String::new(), direction.to_owned()];
            inst = inst.with("AlertType", Value::UInt(5)).with("ProbableCause", Value::UInt(0));
        }
    }
    inst = inst
        .with("PerceivedSeverity", Value::UInt(severity))
        .with("Description", Value::str(description))
        .with("Message", Value::str(message))
        .with("MessageArguments", Value::Array(arguments.into_iter().map(Value::Str).collect()));
    SourceEvent {
        resource_uri: uri,
        log: None,
        provider: PROVIDER.to_owned(),
        event_id: r.id.into(),
        level: match severity {
            2 => 4,
            3 => 3,
            6 => 2,
            _ => 1,
        },
        record_id: r.id.into(),
        time,
        action: event_action(),
        payload: inst.to_element(),
    }
}
