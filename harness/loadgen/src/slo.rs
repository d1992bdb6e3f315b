//! `--slo 'p99<50ms,errors<0.1%'`: objectives a run must meet.
//!
//! Terms, comma-separated: a metric, `<` or `<=`, a bound.
//!
//! | metric | bound |
//! |---|---|
//! | `p50`, `p90`, `p99`, `p999`, `p9999`, `max` | a duration (`50ms`, `1s`, `250us`) |
//! | `errors` | a share of the requests (`0.1%`) or a count (`5`) |
//!
//! Latency terms are judged on the right answers of every top-level
//! operation together; `errors` on the failed requests (flows).

use std::fmt;
use std::time::Duration;

use crate::engine::LoadResult;

/// A latency metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Metric {
    /// A quantile (0.5, 0.99, ...).
    Quantile(f64),
    /// The largest latency.
    Max,
}

/// One objective.
#[derive(Debug, Clone, PartialEq)]
pub enum Objective {
    /// Latency below a bound.
    Latency {
        /// Which latency.
        metric: Metric,
        /// The bound.
        bound: Duration,
        /// `<=` rather than `<`.
        inclusive: bool,
        /// As written (`p99`).
        name: String,
    },
    /// Errors as a share of requests, in percent.
    ErrorShare {
        /// The bound, percent.
        percent: f64,
        /// `<=`.
        inclusive: bool,
    },
    /// Errors as a count.
    ErrorCount {
        /// The bound.
        count: u64,
        /// `<=`.
        inclusive: bool,
    },
}

/// A set of objectives.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Slo {
    /// The terms, in order.
    pub objectives: Vec<Objective>,
}

/// An SLO text that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--slo: {0} (expected terms such as p99<50ms,errors<0.1%: p50, p90, p99, p999, p9999 or max below a duration; errors below a percentage or a count)")]
pub struct SloError(pub String);

/// How one objective fared.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The term as text (`p99<50ms`).
    pub objective: String,
    /// What was measured, as text (`12.3ms`, `0.05%`).
    pub measured: String,
    /// Whether it held.
    pub held: bool,
}

fn quantile(name: &str) -> Option<Metric> {
    Some(match name {
        "p50" => Metric::Quantile(0.5),
        "p90" => Metric::Quantile(0.9),
        "p99" => Metric::Quantile(0.99),
        "p999" => Metric::Quantile(0.999),
        "p9999" => Metric::Quantile(0.9999),
        "max" => Metric::Max,
        _ => return None,
    })
}

impl std::str::FromStr for Slo {
    type Err = SloError;

    fn from_str(text: &str) -> Result<Slo, SloError> {
        let mut objectives = Vec::new();
        for term in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let (name, rest, inclusive) = match term.split_once("<=") {
                Some((n, r)) => (n, r, true),
                None => match term.split_once('<') {
                    Some((n, r)) => (n, r, false),
                    None => return Err(SloError(format!("{term:?} has no < or <="))),
                },
            };
            let (name, rest) = (name.trim().to_ascii_lowercase(), rest.trim());
            if name == "errors" {
                if let Some(p) = rest.strip_suffix('%') {
                    let percent: f64 = p.trim().parse().map_err(|_| SloError(format!("{term:?}: {rest:?} is not a percentage")))?;
                    if !(0.0..=100.0).contains(&percent) {
                        return Err(SloError(format!("{term:?}: a share is between 0% and 100%")));
                    }
                    objectives.push(Objective::ErrorShare { percent, inclusive });
                } else {
                    let count: u64 = rest.parse().map_err(|_| SloError(format!("{term:?}: {rest:?} is not a count or a percentage")))?;
                    objectives.push(Objective::ErrorCount { count, inclusive });
                }
                continue;
            }
            let metric = quantile(&name).ok_or_else(|| SloError(format!("unknown metric {name:?}")))?;
            let bound = humantime::parse_duration(rest).map_err(|_| SloError(format!("{term:?}: {rest:?} is not a duration such as 50ms")))?;
            objectives.push(Objective::Latency { metric, bound, inclusive, name });
        }
        if objectives.is_empty() {
            return Err(SloError("no objective".into()));
        }
        Ok(Slo { objectives })
    }
}

impl fmt::Display for Objective {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = |inclusive: bool| if inclusive { "<=" } else { "<" };
        match self {
            Objective::Latency { bound, inclusive, name, .. } => write!(f, "{name}{}{}", op(*inclusive), humantime::format_duration(*bound)),
            Objective::ErrorShare { percent, inclusive } => write!(f, "errors{}{percent}%", op(*inclusive)),
            Objective::ErrorCount { count, inclusive } => write!(f, "errors{}{count}", op(*inclusive)),
        }
    }
}

fn below<T: PartialOrd>(value: T, bound: T, inclusive: bool) -> bool {
    if inclusive {
        value <= bound
    } else {
        value < bound
    }
}

impl Slo {
    /// Judges every objective on `result`.
    pub fn judge(&self, result: &LoadResult) -> Vec<Verdict> {
        let total = result.total_latency();
        let (requests, errors) = (result.requests(), result.errors());
        self.objectives
            .iter()
            .map(|o| {
                let (measured, held) = match o {
                    Objective::Latency { metric, bound, inclusive, .. } => {
                        if total.is_empty() {
                            // No right answer at all: no latency can hold.
                            ("no answer".to_owned(), false)
                        } else {
                            let us = match metric {
                                Metric::Quantile(q) => total.value_at_quantile(*q),
                                Metric::Max => total.max(),
                            };
                            let d = Duration::from_micros(us);
                            (format!("{:.3}ms", d.as_secs_f64() * 1e3), below(d, *bound, *inclusive))
                        }
                    }
                    Objective::ErrorShare { percent, inclusive } => {
                        let share = if requests == 0 { 100.0 } else { errors as f64 * 100.0 / requests as f64 };
                        (format!("{share:.3}%"), below(share, *percent, *inclusive))
                    }
                    Objective::ErrorCount { count, inclusive } => (errors.to_string(), below(errors, *count, *inclusive)),
                };
                Verdict { objective: o.to_string(), measured, held }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slo_text() {
        let s: Slo = "p99<50ms, errors<0.1%,max<=2s,errors<3".parse().unwrap();
        assert_eq!(s.objectives.len(), 4);
        assert!(
            matches!(s.objectives[0], Objective::Latency { metric: Metric::Quantile(q), bound, inclusive: false, .. } if q == 0.99 && bound == Duration::from_millis(50))
        );
        assert_eq!(s.objectives[1], Objective::ErrorShare { percent: 0.1, inclusive: false });
        assert!(matches!(s.objectives[2], Objective::Latency { metric: Metric::Max, inclusive: true, .. }));
        assert_eq!(s.objectives[3], Objective::ErrorCount { count: 3, inclusive: false });
        assert_eq!(s.objectives[0].to_string(), "p99<50ms");
        for bad in ["", "p98<1ms", "p99>1ms", "p99<fast", "errors<x", "errors<101%"] {
            assert!(bad.parse::<Slo>().is_err(), "{bad}");
        }
    }
}
