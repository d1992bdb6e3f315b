//! CPU time of a set of threads (the embedded server's) and of the whole
//! process, and the process RSS, read from /proc during a run: the server's
//! cost next to the generator's, in one process.
//!
//! Linux only; elsewhere every reading is `None` and the report says so.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The Linux thread id of the calling thread (`/proc/thread-self` links to `PID/task/TID`).
pub fn current_tid() -> Option<u32> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    link.file_name()?.to_str()?.parse().ok()
}

/// Clock ticks per second of /proc times (`AT_CLKTCK` of the auxiliary
/// vector, 100 where it cannot be read).
pub fn clock_ticks() -> u64 {
    const AT_CLKTCK: u64 = 17;
    let Ok(auxv) = std::fs::read("/proc/self/auxv") else { return 100 };
    for pair in auxv.chunks_exact(16) {
        let (k, v) = pair.split_at(8);
        let key = u64::from_ne_bytes(k.try_into().unwrap_or([0; 8]));
        let value = u64::from_ne_bytes(v.try_into().unwrap_or([0; 8]));
        if key == AT_CLKTCK && value > 0 {
            return value;
        }
    }
    100
}

/// utime + stime of a /proc `stat` file, in ticks.
fn stat_ticks(path: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    // The command name may hold spaces and parentheses: fields follow the last ')'.
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Field 3 (state) is fields[0]; utime is field 14, stime 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

fn ticks_to_duration(ticks: u64, hz: u64) -> Duration {
    Duration::from_secs_f64(ticks as f64 / hz.max(1) as f64)
}

/// CPU time of this process so far (every thread, living or ended).
pub fn process_cpu() -> Option<Duration> {
    Some(ticks_to_duration(stat_ticks("/proc/self/stat")?, clock_ticks()))
}

/// CPU time of these threads of this process (threads that ended count 0).
pub fn threads_cpu(tids: &[u32]) -> Option<Duration> {
    let hz = clock_ticks();
    let mut any = false;
    let mut ticks = 0;
    for tid in tids {
        if let Some(t) = stat_ticks(&format!("/proc/self/task/{tid}/stat")) {
            ticks += t;
            any = true;
        }
    }
    any.then(|| ticks_to_duration(ticks, hz))
}

/// Resident set size of this process, bytes.
pub fn rss_bytes() -> Option<u64> {
    status_bytes("VmRSS:")
}

/// The resident high-water mark of this process, bytes.
pub fn rss_peak_bytes() -> Option<u64> {
    status_bytes("VmHWM:")
}

/// A `KEY: N kB` line of /proc/self/status, in bytes.
fn status_bytes(key: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The threads of a component (the embedded server's runtime), registered
/// by each thread as it starts.
#[derive(Debug, Clone, Default)]
pub struct ThreadSet(Arc<Mutex<Vec<u32>>>);

impl ThreadSet {
    /// Registers the calling thread.
    pub fn register_current(&self) {
        if let Some(tid) = current_tid() {
            let mut v = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if !v.contains(&tid) {
                v.push(tid);
            }
        }
    }

    /// The registered thread ids.
    pub fn tids(&self) -> Vec<u32> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Their CPU time so far.
    pub fn cpu(&self) -> Option<Duration> {
        threads_cpu(&self.tids())
    }
}

/// One reading of a [`Sampler`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// Seconds since the sampler started.
    pub t_s: f64,
    /// CPU seconds of the watched threads since the sampler started.
    pub threads_cpu_s: f64,
    /// CPU seconds of the whole process since the sampler started.
    pub process_cpu_s: f64,
    /// Process RSS, bytes.
    pub rss_bytes: u64,
}

/// Reads a [`ThreadSet`]'s CPU and the RSS every period on its own thread,
/// until stopped (or [`Sampler::MAX_READINGS`]).
#[derive(Debug)]
pub struct Sampler {
    stop: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<Vec<Reading>>>,
}

impl Sampler {
    /// Readings kept at most (its loop bound: 10 hours at 250 ms).
    pub const MAX_READINGS: usize = 144_000;

    /// Starts sampling `threads` every `period`.
    pub fn start(threads: ThreadSet, period: Duration) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let handle = std::thread::Builder::new()
            .name("load-sampler".into())
            .spawn(move || {
                let t0 = Instant::now();
                let base_threads = threads.cpu().unwrap_or_default();
                let base_process = process_cpu().unwrap_or_default();
                let mut out = Vec::new();
                let read = |out: &mut Vec<Reading>| {
                    out.push(Reading {
                        t_s: t0.elapsed().as_secs_f64(),
                        threads_cpu_s: threads.cpu().unwrap_or_default().saturating_sub(base_threads).as_secs_f64(),
                        process_cpu_s: process_cpu().unwrap_or_default().saturating_sub(base_process).as_secs_f64(),
                        rss_bytes: rss_bytes().unwrap_or(0),
                    })
                };
                read(&mut out);
                while !flag.load(Ordering::Relaxed) && out.len() < Sampler::MAX_READINGS {
                    // Short sleeps, so that a stop is seen quickly.
                    let next = Instant::now() + period;
                    while Instant::now() < next && !flag.load(Ordering::Relaxed) {
                        std::thread::sleep(Duration::from_millis(10).min(period));
                    }
                    read(&mut out);
                }
                out
            })
            .ok();
        Sampler { stop, handle }
    }

    /// Stops and returns the readings (the last taken at the stop).
    pub fn finish(mut self) -> Vec<Reading> {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.take().and_then(|h| h.join().ok()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_readings_of_this_process() {
        if !std::path::Path::new("/proc/self/stat").exists() {
            return;
        }
        let set = ThreadSet::default();
        set.register_current();
        assert_eq!(set.tids(), vec![current_tid().unwrap()]);
        // Spin a little so that the thread has CPU time to show.
        let t = Instant::now();
        let mut x = 0u64;
        while t.elapsed() < Duration::from_millis(60) {
            x = x.wrapping_add(std::hint::black_box(1));
        }
        assert!(x > 0);
        // The thread first, then the process: the process's time, read
        // later, includes the thread's (read the other way round the thread
        // may have run on between the two readings).
        let thread = set.cpu().expect("the thread's CPU time");
        let process = process_cpu().expect("the process's CPU time");
        assert!(process >= thread, "process {process:?} < thread {thread:?}");
        assert!(rss_bytes().unwrap() > 1024 * 1024);
        assert!(clock_ticks() >= 100);
    }
}
