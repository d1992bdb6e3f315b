//! `--find-knee`: the highest open rate at which the SLO still holds.
//!
//! Stepping (every step a full run of the configured duration):
//!
//! 1. Start at the given rate (`--rate`, else [`DEFAULT_START`]).
//! 2. While the SLO holds, double the rate (at most [`MAX_DOUBLINGS`] times).
//!    If it held at the first step and never broke, the knee is above the
//!    highest rate tried: that rate is reported, marked `unbroken`.
//! 3. If the first step already broke, halve (at most [`MAX_HALVINGS`] times)
//!    until it holds; none held: no knee.
//! 4. Bisect between the highest rate that held and the lowest that broke,
//!    [`BISECTIONS`] times or until they are within 5 % of each other.
//!
//! So a search is at most 1 + 12 + 6 + 5 steps, each bounded by its run.

use std::future::Future;

use crate::engine::{LoadError, LoadResult};
use crate::slo::{Slo, Verdict};

/// The first rate without `--rate`, requests per second.
pub const DEFAULT_START: f64 = 50.0;
/// Doublings at most.
pub const MAX_DOUBLINGS: usize = 12;
/// Halvings at most.
pub const MAX_HALVINGS: usize = 6;
/// Bisection steps at most.
pub const BISECTIONS: usize = 5;

/// One step of the search.
#[derive(Debug, Clone)]
pub struct KneeStep {
    /// The rate asked for.
    pub rate: f64,
    /// Whether every objective held.
    pub held: bool,
    /// The run's throughput.
    pub throughput_rps: f64,
    /// The verdicts.
    pub verdicts: Vec<Verdict>,
    /// The run.
    pub result: LoadResult,
}

/// The outcome of a search.
#[derive(Debug, Clone)]
pub struct Knee {
    /// Every step, in the order run.
    pub steps: Vec<KneeStep>,
    /// The highest rate that held (`None`: none did).
    pub rate: Option<f64>,
    /// It held at every rate tried: the knee is higher still.
    pub unbroken: bool,
}

/// Runs the search; `step(rate)` runs one load at `rate`.
///
/// # Errors
/// The first step's [`LoadError`].
pub async fn find_knee<F, Fut>(slo: &Slo, start: f64, mut step: F) -> Result<Knee, LoadError>
where
    F: FnMut(f64) -> Fut,
    Fut: Future<Output = Result<LoadResult, LoadError>>,
{
    let mut steps: Vec<KneeStep> = Vec::new();
    let mut run = async |rate: f64, steps: &mut Vec<KneeStep>| -> Result<bool, LoadError> {
        let result = step(rate).await?;
        let verdicts = slo.judge(&result);
        let held = verdicts.iter().all(|v| v.held);
        steps.push(KneeStep { rate, held, throughput_rps: result.throughput(), verdicts, result });
        Ok(held)
    };
    let start = if start.is_finite() && start > 0.0 { start } else { DEFAULT_START };
    let (mut good, mut bad): (Option<f64>, Option<f64>) = (None, None);
    if run(start, &mut steps).await? {
        good = Some(start);
        let mut rate = start;
        for _ in 0..MAX_DOUBLINGS {
            rate *= 2.0;
            if run(rate, &mut steps).await? {
                good = Some(rate);
            } else {
                bad = Some(rate);
                break;
            }
        }
        if bad.is_none() {
            return Ok(Knee { steps, rate: good, unbroken: true });
        }
    } else {
        bad = Some(start);
        let mut rate = start;
        for _ in 0..MAX_HALVINGS {
            rate /= 2.0;
            if run(rate, &mut steps).await? {
                good = Some(rate);
                break;
            }
            bad = Some(rate);
        }
        if good.is_none() {
            return Ok(Knee { steps, rate: None, unbroken: false });
        }
    }
    if let (Some(mut lo), Some(mut hi)) = (good, bad) {
        for _ in 0..BISECTIONS {
            if hi - lo <= lo * 0.05 {
                break;
            }
            let mid = (lo + hi) / 2.0;
            if run(mid, &mut steps).await? {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        good = Some(lo);
    }
    Ok(Knee { steps, rate: good, unbroken: false })
}
