//! The collector: one task receives every worker's samples and keeps, per
//! slot (an operation, or one step of a flow), the whole-run histograms, the
//! error table, the throughput series and the HDR interval log.
//!
//! Latencies are recorded in microseconds. A slot has two histograms: the
//! answers that were right (its percentiles) and the failures (so that the
//! interval log carries the error counts too: tag `NAME` and `NAME!errors`).

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime};

use hdrhistogram::serialization::interval_log::{IntervalLogWriterBuilder, Tag};
use hdrhistogram::serialization::V2DeflateSerializer;
use hdrhistogram::Histogram;

use crate::class::ErrorClass;

/// The suffix of the interval-log tag of a slot's failures.
pub const ERRORS_TAG_SUFFIX: &str = "!errors";

/// A new latency histogram (microseconds, 3 significant digits, growing as needed).
pub fn new_histogram() -> Histogram<u64> {
    // Auto-resizing from the smallest range: never fails.
    let mut h = Histogram::new(3).unwrap_or_else(|_| unreachable!("3 significant digits are valid"));
    h.auto(true);
    h
}

/// Records `us` (growing the histogram; `saturating_record` would clamp instead of growing).
fn put(h: &mut Histogram<u64>, us: u64) {
    if h.record(us).is_err() {
        h.saturating_record(us);
    }
}

/// One finished request (or flow step) of the measured window.
#[derive(Debug, Clone)]
pub(crate) struct Sample {
    pub(crate) slot: u32,
    pub(crate) latency: Duration,
    /// When the answer came.
    pub(crate) done: Instant,
    pub(crate) error: Option<ErrorClass>,
}

/// What one slot saw over the whole run.
#[derive(Debug, Clone)]
pub struct SlotStats {
    /// `identify`, `enumerate-flow`, or `enumerate-flow/pull` for a step.
    pub name: String,
    /// Latencies of the right answers, µs.
    pub ok: Histogram<u64>,
    /// Latencies of the failures, µs.
    pub failed: Histogram<u64>,
    /// Failures by class (`transport:timeout`, `http:401`, `fault:TimedOut`).
    pub errors: BTreeMap<String, u64>,
}

impl SlotStats {
    pub(crate) fn new(name: String) -> SlotStats {
        SlotStats { name, ok: new_histogram(), failed: new_histogram(), errors: BTreeMap::new() }
    }

    /// Requests finished, right or not.
    pub fn requests(&self) -> u64 {
        self.ok.len() + self.failed.len()
    }

    /// Failed requests.
    pub fn error_count(&self) -> u64 {
        self.failed.len()
    }
}

/// One interval of the throughput series (the top-level operations).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeriesPoint {
    /// Start of the interval, seconds after the warm-up.
    pub t_s: f64,
    /// Requests (flows) finished in the interval.
    pub requests: u64,
    /// Of which failed.
    pub errors: u64,
}

/// The collector's state.
pub(crate) struct Recorder {
    pub(crate) slots: Vec<SlotStats>,
    /// Whether a slot is a top-level operation (counted in the series).
    top: Vec<bool>,
    /// Start of the measured window.
    origin: Instant,
    interval: Duration,
    /// The interval being filled, its histograms per slot (ok, failed).
    current: u64,
    window: Vec<(Histogram<u64>, Histogram<u64>)>,
    pub(crate) series: Vec<SeriesPoint>,
    /// The interval log so far (`None`: not asked for).
    log: Option<Vec<u8>>,
    log_started: bool,
    wall_origin: SystemTime,
    pub(crate) last_done: Option<Instant>,
}

impl Recorder {
    pub(crate) fn new(names: Vec<(String, bool)>, origin: Instant, wall_origin: SystemTime, interval: Duration, log: bool) -> Recorder {
        let top = names.iter().map(|(_, t)| *t).collect();
        let window = names.iter().map(|_| (new_histogram(), new_histogram())).collect();
        Recorder {
            slots: names.into_iter().map(|(n, _)| SlotStats::new(n)).collect(),
            top,
            origin,
            interval,
            current: 0,
            window,
            series: Vec::new(),
            log: log.then(Vec::new),
            log_started: false,
            wall_origin,
            last_done: None,
        }
    }

    fn index_of(&self, at: Instant) -> u64 {
        let off = at.saturating_duration_since(self.origin);
        u64::try_from(off.as_nanos() / self.interval.as_nanos().max(1)).unwrap_or(u64::MAX)
    }

    pub(crate) fn record(&mut self, s: Sample) {
        let idx = self.index_of(s.done);
        // Intervals are closed in order; a sample of a closed interval (it
        // came late, in a batch) goes to the open one: the totals stay exact.
        while idx > self.current {
            self.close_interval();
        }
        let us = u64::try_from(s.latency.as_micros()).unwrap_or(u64::MAX).max(1);
        let slot = s.slot as usize;
        let Some(stats) = self.slots.get_mut(slot) else { return };
        let (ok, failed) = &mut self.window[slot];
        match s.error {
            None => {
                put(&mut stats.ok, us);
                put(ok, us);
            }
            Some(class) => {
                put(&mut stats.failed, us);
                put(failed, us);
                *stats.errors.entry(class.to_string()).or_insert(0) += 1;
            }
        }
        self.last_done = Some(self.last_done.map_or(s.done, |d| d.max(s.done)));
    }

    /// Closes the current interval: a series point and the log lines.
    pub(crate) fn close_interval(&mut self) {
        let start = self.interval * u32::try_from(self.current).unwrap_or(u32::MAX);
        let mut point = SeriesPoint { t_s: start.as_secs_f64(), requests: 0, errors: 0 };
        for (i, (ok, failed)) in self.window.iter().enumerate() {
            if self.top[i] {
                point.requests += ok.len() + failed.len();
                point.errors += failed.len();
            }
        }
        self.series.push(point);
        if self.log.is_some() {
            self.write_interval(start);
        }
        for (ok, failed) in &mut self.window {
            ok.reset();
            failed.reset();
        }
        self.current += 1;
    }

    fn write_interval(&mut self, start: Duration) {
        let Some(buf) = self.log.as_mut() else { return };
        let mut serializer = V2DeflateSerializer::new();
        let mut builder = IntervalLogWriterBuilder::new();
        if !self.log_started {
            builder.add_comment("wsman-harness load: latencies in microseconds; tag NAME is the right answers, NAME!errors the failures");
            builder.with_start_time(self.wall_origin).with_base_time(self.wall_origin);
        }
        self.log_started = true;
        let Ok(mut writer) = builder.begin_log_with(buf, &mut serializer) else { return };
        for (i, (ok, failed)) in self.window.iter().enumerate() {
            let name = &self.slots[i].name;
            let err_name = format!("{name}{ERRORS_TAG_SUFFIX}");
            for (h, tag) in [(ok, name.as_str()), (failed, err_name.as_str())] {
                if h.is_empty() {
                    continue;
                }
                // A name with a space or comma cannot be a tag: it is logged untagged.
                let _ = writer.write_histogram(h, start, self.interval, Tag::new(tag));
            }
        }
    }

    /// Closes the last interval and hands over the log.
    pub(crate) fn finish(&mut self) -> Option<String> {
        if self.last_done.is_some() {
            let last = self.last_done.map(|d| self.index_of(d)).unwrap_or(0);
            while self.current <= last {
                self.close_interval();
            }
        }
        self.log.take().map(|b| String::from_utf8_lossy(&b).into_owned())
    }
}
