//! The run: virtual users (one task and one connection each) send the mix
//! on the schedule until the stop, and send their samples in small batches
//! to the collector task ([`crate::record`]), oha's shape.
//!
//! ```text
//!  user 0 ─┐  Vec<Sample> (64 or 50 ms)
//!  user 1 ─┼──────────────> collector: histograms per slot, errors, series, interval log
//!  user N ─┘                    │ live counters (progress)
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::mpsc;
use wsman_client::{Endpoint, Session};

use crate::mix::{Mix, Picker};
use crate::op::Steps;
use crate::record::{Recorder, Sample, SeriesPoint, SlotStats};
use crate::schedule::{Schedule, Stop};

/// Samples a user keeps before it sends them.
const BATCH: usize = 64;
/// Longest a user keeps samples before it sends them.
const BATCH_AGE: Duration = Duration::from_millis(50);

/// Everything a run needs besides the endpoint.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// When requests start.
    pub schedule: Schedule,
    /// When the run stops.
    pub stop: Stop,
    /// Sent but not counted, before the measured window.
    pub warmup: Duration,
    /// The operations and their weights.
    pub mix: Mix,
    /// The wall time a run may take at most, whatever its stop (a count on a
    /// slow endpoint); in-flight requests are bounded by the exchange deadline.
    pub max_duration: Duration,
    /// The width of a throughput point and of an interval-log histogram.
    pub interval: Duration,
    /// Keep the HDR interval log.
    pub hdr_log: bool,
}

impl LoadConfig {
    /// A config with a 1 s interval, no log, at most an hour.
    pub fn new(schedule: Schedule, stop: Stop, mix: Mix) -> LoadConfig {
        LoadConfig { schedule, stop, warmup: Duration::ZERO, mix, max_duration: Duration::from_secs(3600), interval: Duration::from_secs(1), hdr_log: false }
    }
}

/// A run that cannot start.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The endpoint settings are refused by the client (URL, CA, TLS).
    #[error("{0}")]
    Client(#[from] wsman_client::Error),
    /// A schedule that cannot run (no users, a rate that is not positive).
    #[error("{0}")]
    Schedule(String),
}

/// Counters a progress display reads while the run goes.
#[derive(Debug, Default)]
pub struct Live {
    /// Measured requests (flows) finished.
    pub requests: AtomicU64,
    /// Of which failed.
    pub errors: AtomicU64,
}

/// One top-level operation of the result: its slot and its steps' slots.
#[derive(Debug, Clone)]
pub struct OpResult {
    /// Index into [`LoadResult::slots`] of the operation (the flow).
    pub slot: usize,
    /// Its weight in the mix.
    pub weight: u32,
    /// (step name, slot) of a flow, in order.
    pub steps: Vec<(String, usize)>,
}

/// What a run measured.
#[derive(Debug, Clone)]
pub struct LoadResult {
    /// The schedule it ran.
    pub schedule: Schedule,
    /// Its stop.
    pub stop: Stop,
    /// Its warm-up.
    pub warmup: Duration,
    /// When the measured window began.
    pub started: SystemTime,
    /// From the end of the warm-up to the last answer counted.
    pub duration: Duration,
    /// Per slot: operations and flow steps.
    pub slots: Vec<SlotStats>,
    /// The top-level operations, in mix order.
    pub operations: Vec<OpResult>,
    /// Throughput per interval.
    pub series: Vec<SeriesPoint>,
    /// The interval width.
    pub interval: Duration,
    /// The HDR interval log, when asked for.
    pub hdr_log: Option<String>,
    /// Requests (flows) sent during the warm-up, not counted.
    pub warmup_requests: u64,
}

impl LoadResult {
    /// Requests (flows) of the top-level operations.
    pub fn requests(&self) -> u64 {
        self.operations.iter().map(|o| self.slots[o.slot].requests()).sum()
    }

    /// Failed requests (flows) of the top-level operations.
    pub fn errors(&self) -> u64 {
        self.operations.iter().map(|o| self.slots[o.slot].error_count()).sum()
    }

    /// Requests per second over the measured window.
    pub fn throughput(&self) -> f64 {
        let s = self.duration.as_secs_f64();
        if s > 0.0 {
            self.requests() as f64 / s
        } else {
            0.0
        }
    }

    /// The right answers' latencies of every top-level operation together.
    pub fn total_latency(&self) -> hdrhistogram::Histogram<u64> {
        let mut h = crate::record::new_histogram();
        for o in &self.operations {
            // Auto-resizing histograms always take each other's values.
            let _ = h.add(&self.slots[o.slot].ok);
        }
        h
    }
}

/// State the users share.
struct Shared {
    cfg: LoadConfig,
    /// `(operation slot, step slots)` per mix operation.
    layout: Vec<(u32, Vec<u32>)>,
    start: Instant,
    measure_start: Instant,
    /// The next slot of an open schedule (request k is due at start + k/rate).
    next_due: AtomicU64,
    /// Measured requests claimed (a count stop).
    claimed: AtomicU64,
    warmup_requests: AtomicU64,
}

impl Shared {
    /// Whether a request starting (or due) at `at` is past the stop.
    fn past_end(&self, at: Instant) -> bool {
        if at.saturating_duration_since(self.start) >= self.cfg.max_duration {
            return true;
        }
        match self.cfg.stop {
            Stop::Duration(d) => at >= self.measure_start + d,
            Stop::Requests(_) => false,
        }
    }

    /// Claims a measured request under a count stop; `false` when all are taken.
    fn claim(&self) -> bool {
        match self.cfg.stop {
            Stop::Requests(n) => self.claimed.fetch_add(1, Ordering::Relaxed) < n,
            Stop::Duration(_) => true,
        }
    }
}

/// Runs a load against `endpoint` (one session, so one connection, per
/// user) and returns what it measured. `live`, when given, is updated as
/// answers come.
///
/// # Errors
/// [`LoadError`] when the sessions cannot be built or the schedule cannot run.
pub async fn run(cfg: LoadConfig, endpoint: &Endpoint, live: Option<Arc<Live>>) -> Result<LoadResult, LoadError> {
    let users = cfg.schedule.connections();
    if users == 0 {
        return Err(LoadError::Schedule("a load needs at least one connection".into()));
    }
    if let Some(rate) = cfg.schedule.rate() {
        if !(rate.is_finite() && rate > 0.0) {
            return Err(LoadError::Schedule(format!("the rate must be a positive number of requests per second, not {rate}")));
        }
    }
    let sessions = (0..users).map(|_| Session::new(endpoint.clone())).collect::<Result<Vec<_>, _>>()?;

    let mut names = Vec::new();
    let mut layout = Vec::new();
    let mut operations = Vec::new();
    for (op, weight) in cfg.mix.operations() {
        let slot = names.len();
        names.push((op.name().to_owned(), true));
        let mut steps = Vec::new();
        for step in op.steps() {
            steps.push(((*step).to_owned(), names.len()));
            names.push((format!("{}/{step}", op.name()), false));
        }
        layout.push((slot as u32, steps.iter().map(|(_, s)| *s as u32).collect()));
        operations.push(OpResult { slot, weight, steps });
    }

    let start = Instant::now();
    let wall = SystemTime::now() + cfg.warmup;
    let shared = Arc::new(Shared {
        layout,
        start,
        measure_start: start + cfg.warmup,
        next_due: AtomicU64::new(0),
        claimed: AtomicU64::new(0),
        warmup_requests: AtomicU64::new(0),
        cfg: cfg.clone(),
    });
    let (tx, mut rx) = mpsc::channel::<Vec<Sample>>(users * 4);
    let mut recorder = Recorder::new(names, shared.measure_start, wall, cfg.interval, cfg.hdr_log);

    let mut workers = Vec::with_capacity(users);
    for (id, session) in sessions.into_iter().enumerate() {
        workers.push(tokio::spawn(user(id, session, Arc::clone(&shared), tx.clone())));
    }
    drop(tx);
    let collector = async {
        while let Some(batch) = rx.recv().await {
            let mut errors = 0;
            let mut requests = 0;
            for s in batch {
                if shared.layout.iter().any(|(slot, _)| *slot == s.slot) {
                    requests += 1;
                    errors += u64::from(s.error.is_some());
                }
                recorder.record(s);
            }
            if let Some(l) = &live {
                l.requests.fetch_add(requests, Ordering::Relaxed);
                l.errors.fetch_add(errors, Ordering::Relaxed);
            }
        }
    };
    collector.await;
    for w in workers {
        let _ = w.await;
    }
    let hdr_log = recorder.finish();
    let duration = match (recorder.last_done, cfg.stop) {
        (Some(last), _) => last.saturating_duration_since(shared.measure_start),
        (None, Stop::Duration(d)) => d,
        (None, Stop::Requests(_)) => Duration::ZERO,
    };
    Ok(LoadResult {
        schedule: cfg.schedule,
        stop: cfg.stop,
        warmup: cfg.warmup,
        started: wall,
        duration,
        slots: recorder.slots,
        operations,
        series: recorder.series,
        interval: cfg.interval,
        hdr_log,
        warmup_requests: shared.warmup_requests.load(Ordering::Relaxed),
    })
}

/// One virtual user: its own session (connection), its place in the mix.
async fn user(id: usize, session: Session, shared: Arc<Shared>, tx: mpsc::Sender<Vec<Sample>>) {
    let mix = &shared.cfg.mix;
    let mut picker = Picker::new(mix.operations().map(|(_, w)| w), id);
    let mut batch = Vec::with_capacity(BATCH);
    let mut batch_since = Instant::now();
    let period = shared.cfg.schedule.rate().map(|r| Duration::from_secs_f64(1.0 / r));
    loop {
        // When this request starts (open: when it is due).
        let origin = match period {
            None => Instant::now(),
            Some(p) => {
                let k = shared.next_due.fetch_add(1, Ordering::Relaxed);
                let due = shared.start + p.mul_f64(k as f64);
                if shared.past_end(due) {
                    break;
                }
                if !batch.is_empty() && due > Instant::now() + BATCH_AGE {
                    // Idle until then: hand over what is waiting.
                    let _ = tx.send(std::mem::take(&mut batch)).await;
                    batch_since = Instant::now();
                }
                tokio::time::sleep_until(due.into()).await;
                due
            }
        };
        if shared.past_end(origin) {
            break;
        }
        let measured = origin >= shared.measure_start;
        if measured && !shared.claim() {
            break;
        }
        if !measured {
            shared.warmup_requests.fetch_add(1, Ordering::Relaxed);
        }
        let i = picker.next();
        let (op, _) = &mix.ops[i];
        let mut steps = Steps::new(origin);
        let outcome = op.run(&session, &mut steps).await;
        let done = Instant::now();
        if measured {
            let (slot, step_slots) = &shared.layout[i];
            for (step, latency, error) in steps.done {
                if let Some(s) = step_slots.get(step) {
                    batch.push(Sample { slot: *s, latency, done, error });
                }
            }
            batch.push(Sample { slot: *slot, latency: done.saturating_duration_since(origin), done, error: outcome.err() });
            if batch.len() >= BATCH || batch_since.elapsed() >= BATCH_AGE {
                if tx.send(std::mem::take(&mut batch)).await.is_err() {
                    return;
                }
                batch_since = Instant::now();
            }
        }
    }
    if !batch.is_empty() {
        let _ = tx.send(batch).await;
    }
}
