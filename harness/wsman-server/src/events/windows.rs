//! Windows event log events: the event XML, the Service Control Manager's
//! state-change event 7036, and the timer source.
//!
//! The shape follows rendered events of real hosts (the 7036 samples in
//! Datadog's and OpenTelemetry's Windows event log tests, plaso's EVTX
//! tests, NiFi's WindowsEventLogReader docs, and the events of the WEC
//! captures in cea-sec/openwec `doc/protocol.md`):
//!
//! ```text
//! <Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
//!   <System>
//!     <Provider Name="Service Control Manager" Guid="{555908d1-a6d7-4695-8e1e-26931d2012f4}" EventSourceName="Service Control Manager"/>
//!     <EventID Qualifiers="16384">7036</EventID>
//!     <Version>0</Version><Level>4</Level><Task>0</Task><Opcode>0</Opcode>
//!     <Keywords>0x8080000000000000</Keywords>
//!     <TimeCreated SystemTime="2024-11-08T18:51:13.5041877Z"/>
//!     <EventRecordID>3562</EventRecordID>
//!     <Correlation/>
//!     <Execution ProcessID="604" ThreadID="4792"/>
//!     <Channel>System</Channel>
//!     <Computer>WIN-L6PC55MPB98</Computer>
//!     <Security/>
//!   </System>
//!   <EventData>
//!     <Data Name="param1">Print Spooler</Data>
//!     <Data Name="param2">stopped</Data>
//!     <Binary>530070006F006F006C00650072002F0031000000</Binary>
//!   </EventData>
//! </Event>
//! ```
//!
//! `param1` is the service's display name, `param2` its new state
//! (`running`, `stopped`), and `Binary` the UTF-16LE bytes, NUL included, of
//! `<service name>/<state>` with the Win32 `SERVICE_STATUS` state code
//! (1 stopped, 4 running): `Spooler/1` above.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::watch;
use wsman_proto::ns;
use wsman_proto::xml::Element;

use super::{event_action, EventHub, SourceEvent};

/// The System log.
pub const SYSTEM_LOG: &str = "System";
/// The Application log.
pub const APPLICATION_LOG: &str = "Application";

/// The Service Control Manager's provider name.
pub const SCM_PROVIDER: &str = "Service Control Manager";
/// The Service Control Manager's provider GUID.
pub const SCM_GUID: &str = "{555908d1-a6d7-4695-8e1e-26931d2012f4}";
/// "The %1 service entered the %2 state."
pub const SERVICE_STATE_CHANGED: u32 = 7036;
/// The `Qualifiers` of 7036 (the high word of the message id 0x40001B7C).
const SCM_QUALIFIERS: u16 = 16384;
/// Keywords of the SCM's classic events (Classic | EventLogClassic).
const SCM_KEYWORDS: &str = "0x8080000000000000";
/// The Execution ThreadID of the simulated SCM's events.
const SCM_THREAD_ID: u32 = 4792;

/// The timer source's provider name (a classic event source of this project).
pub const TIMER_PROVIDER: &str = "WsmanHarness-Timer";
/// The timer source's event id.
pub const TIMER_EVENT_ID: u32 = 1000;
/// Keywords of a classic event (Classic).
const CLASSIC_KEYWORDS: &str = "0x80000000000000";

/// The Windows information level.
pub const LEVEL_INFORMATION: u8 = 4;

/// A Windows event, before it becomes the `<Event>` element.
#[derive(Clone, Debug)]
pub struct WindowsEvent {
    /// `Provider@Name`.
    pub provider: String,
    /// `Provider@Guid` (manifest-based providers).
    pub provider_guid: Option<String>,
    /// `Provider@EventSourceName` (classic providers that also have a manifest).
    pub event_source_name: Option<String>,
    /// `EventID`.
    pub event_id: u32,
    /// `EventID@Qualifiers` (classic events).
    pub qualifiers: Option<u16>,
    /// `Level`.
    pub level: u8,
    /// `Keywords`, hex text.
    pub keywords: String,
    /// `TimeCreated@SystemTime`.
    pub time: SystemTime,
    /// `EventRecordID`.
    pub record_id: u64,
    /// `Execution@ProcessID`.
    pub process_id: u32,
    /// `Execution@ThreadID`.
    pub thread_id: u32,
    /// `Channel`, the log.
    pub channel: String,
    /// `Computer`.
    pub computer: String,
    /// `EventData/Data`: (Name, value).
    pub data: Vec<(String, String)>,
    /// `EventData/Binary`, hex text.
    pub binary: Option<String>,
}

impl WindowsEvent {
    /// The `<Event>` element, in the Windows event namespace.
    pub fn to_element(&self) -> Element {
        let e = |name: &str| Element::ns(ns::WIN_EVENT, name);
        let text = |name: &str, value: String| e(name).with_text(value);
        let mut provider = e("Provider").with_attr(None, "Name", self.provider.clone());
        if let Some(g) = &self.provider_guid {
            provider = provider.with_attr(None, "Guid", g.clone());
        }
        if let Some(s) = &self.event_source_name {
            provider = provider.with_attr(None, "EventSourceName", s.clone());
        }
        let mut event_id = text("EventID", self.event_id.to_string());
        if let Some(q) = self.qualifiers {
            event_id = event_id.with_attr(None, "Qualifiers", q.to_string());
        }
        let system = e("System")
            .with_child(provider)
            .with_child(event_id)
            .with_child(text("Version", "0".into()))
            .with_child(text("Level", self.level.to_string()))
            .with_child(text("Task", "0".into()))
            .with_child(text("Opcode", "0".into()))
            .with_child(text("Keywords", self.keywords.clone()))
            .with_child(e("TimeCreated").with_attr(None, "SystemTime", system_time_text(self.time)))
            .with_child(text("EventRecordID", self.record_id.to_string()))
            .with_child(e("Correlation"))
            .with_child(e("Execution").with_attr(None, "ProcessID", self.process_id.to_string()).with_attr(None, "ThreadID", self.thread_id.to_string()))
            .with_child(text("Channel", self.channel.clone()))
            .with_child(text("Computer", self.computer.clone()))
            .with_child(e("Security"));
        let mut data = e("EventData");
        for (name, value) in &self.data {
            data.push(e("Data").with_attr(None, "Name", name.clone()).with_text(value.clone()));
        }
        if let Some(b) = &self.binary {
            data.push(text("Binary", b.clone()));
        }
        e("Event").with_child(system).with_child(data)
    }

    /// The event as the hub carries it, on the EventLog resource.
    pub fn into_source_event(self) -> SourceEvent {
        SourceEvent {
            resource_uri: ns::EVENTLOG_RESOURCE.to_owned(),
            log: Some(self.channel.clone()),
            provider: self.provider.clone(),
            event_id: self.event_id,
            level: self.level,
            record_id: self.record_id,
            time: self.time,
            action: event_action(),
            payload: self.to_element(),
        }
    }
}

/// A service's state as 7036 reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceState {
    /// `stopped` (`SERVICE_STOPPED`, 1).
    Stopped,
    /// `running` (`SERVICE_RUNNING`, 4).
    Running,
}

impl ServiceState {
    /// The `param2` text.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceState::Stopped => "stopped",
            ServiceState::Running => "running",
        }
    }

    /// The Win32 `SERVICE_STATUS.dwCurrentState` code.
    pub fn code(self) -> u32 {
        match self {
            ServiceState::Stopped => 1,
            ServiceState::Running => 4,
        }
    }
}

/// What a service state change needs to become a 7036.
#[derive(Clone, Copy, Debug)]
pub struct ServiceChange<'a> {
    /// The host's name (`Computer`).
    pub machine: &'a str,
    /// The service's key name (`Spooler`).
    pub name: &'a str,
    /// Its display name (`Print Spooler`), `param1`.
    pub display_name: &'a str,
    /// The state it entered.
    pub state: ServiceState,
    /// When.
    pub time: SystemTime,
    /// The process id of the Service Control Manager (services.exe).
    pub scm_pid: u32,
}

/// Publishes the Service Control Manager's 7036 for `change` in the System
/// log; returns its `EventRecordID`.
pub fn publish_service_change(hub: &EventHub, change: ServiceChange<'_>) -> u64 {
    hub.publish_record(SYSTEM_LOG, |record_id| {
        WindowsEvent {
            provider: SCM_PROVIDER.into(),
            provider_guid: Some(SCM_GUID.into()),
            event_source_name: Some(SCM_PROVIDER.into()),
            event_id: SERVICE_STATE_CHANGED,
            qualifiers: Some(SCM_QUALIFIERS),
            level: LEVEL_INFORMATION,
            keywords: SCM_KEYWORDS.into(),
            time: change.time,
            record_id,
            process_id: change.scm_pid,
            thread_id: SCM_THREAD_ID,
            channel: SYSTEM_LOG.into(),
            computer: change.machine.into(),
            data: vec![("param1".into(), change.display_name.into()), ("param2".into(), change.state.as_str().into())],
            binary: Some(utf16_hex(&format!("{}/{}", change.name, change.state.code()))),
        }
        .into_source_event()
    })
}

/// The timer source's event number `sequence` (from 1) in the Application
/// log of `machine`.
fn timer_event(machine: &str, sequence: u64, record_id: u64, time: SystemTime) -> SourceEvent {
    WindowsEvent {
        provider: TIMER_PROVIDER.into(),
        provider_guid: None,
        event_source_name: None,
        event_id: TIMER_EVENT_ID,
        qualifiers: Some(0),
        level: LEVEL_INFORMATION,
        keywords: CLASSIC_KEYWORDS.into(),
        time,
        record_id,
        process_id: 0,
        thread_id: 0,
        channel: APPLICATION_LOG.into(),
        computer: machine.into(),
        data: vec![("Sequence".into(), sequence.to_string())],
        binary: None,
    }
    .into_source_event()
}

/// Runs the timer source: one event every `interval` (the first one
/// `interval` after the call) in the Application log of `machine`, with
/// `Data Name="Sequence"` 1, 2, ... Ticks missed while the runtime was busy
/// are delayed, not burst. Stops when `shutdown` turns true (or its sender
/// is dropped) or when every clone of `hub` is gone.
pub fn spawn_timer(hub: &EventHub, interval: Duration, machine: &str, mut shutdown: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
    let weak = hub.downgrade();
    let machine = machine.to_owned();
    let interval = interval.max(Duration::from_millis(1));
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut sequence = 0u64;
        loop {
            tokio::select! {
                _ = crate::stopped(&mut shutdown) => return,
                _ = ticks.tick() => {}
            }
            let Some(hub) = weak.upgrade() else { return };
            sequence += 1;
            hub.publish_record(APPLICATION_LOG, |record_id| timer_event(&machine, sequence, record_id, SystemTime::now()));
        }
    })
}

/// Uppercase hex of the UTF-16LE code units of `s` and a NUL terminator.
fn utf16_hex(s: &str) -> String {
    s.encode_utf16().chain(std::iter::once(0)).flat_map(u16::to_le_bytes).map(|b| format!("{b:02X}")).collect()
}

/// `TimeCreated@SystemTime`: UTC with 100 ns precision
/// (`2022-09-21T14:48:21.6986159Z`), as Windows Event Forwarding renders it.
pub fn system_time_text(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let ticks = d.subsec_nanos() / 100;
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{ticks:07}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_is_utf16_with_nul() {
        // The Binary of a real "Print Spooler ... stopped" 7036.
        assert_eq!(utf16_hex("Spooler/1"), "530070006F006F006C00650072002F0031000000");
    }

    #[test]
    fn system_time_has_100ns_ticks() {
        let t = UNIX_EPOCH + Duration::new(1_700_000_000, 123_456_789);
        assert_eq!(system_time_text(t), "2023-11-14T22:13:20.1234567Z");
        assert_eq!(system_time_text(UNIX_EPOCH + Duration::from_secs(951_782_400)), "2000-02-29T00:00:00.0000000Z");
    }
}
