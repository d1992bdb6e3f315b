//! The load report: the model of one `wsman-harness load` run (or of
//! merged interval logs), its JSON form (the DESIGN.md contract plus the
//! schedule, per-step and per-flow figures, errors by class, the
//! throughput series and the server sampling), Markdown, and one
//! self-contained HTML page with inline SVG plots ([`crate::plot`]).
//!
//! Files: `load.json`, `load.md`, `load.html` in the report directory.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::format::Format;

/// JSON file name.
pub const JSON_FILE: &str = "load.json";
/// Markdown file name.
pub const MD_FILE: &str = "load.md";
/// HTML file name.
pub const HTML_FILE: &str = "load.html";

/// Latency percentiles, microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Latency {
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th.
    pub p99: u64,
    /// 99.9th.
    pub p999: u64,
    /// 99.99th.
    pub p9999: u64,
    /// Largest.
    pub max: u64,
}

/// One point of a latency percentile spectrum (the HDR plot).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpectrumPoint {
    /// Percentile, 0..100.
    pub percentile: f64,
    /// Latency at it, µs.
    pub latency_us: u64,
}

/// One operation, or one step of a flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationReport {
    /// `identify`, `enumerate-flow`; a step is named after itself (`pull`).
    pub name: String,
    /// Weight in the mix (`None` for a step).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u32>,
    /// Requests (flows) finished, right or not.
    pub requests: u64,
    /// Failed.
    pub errors: u64,
    /// Requests per second over the measured window.
    pub throughput_rps: f64,
    /// Percentiles of the right answers.
    pub latency_us: Latency,
    /// Failures by class.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub errors_by_class: BTreeMap<String, u64>,
    /// The spectrum of the right answers (for the plot).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spectrum: Vec<SpectrumPoint>,
    /// The steps of a flow, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<OperationReport>,
}

/// The schedule as run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleReport {
    /// `closed` or `open`.
    pub kind: String,
    /// Virtual users (connections).
    pub connections: u64,
    /// Open rate, requests per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    /// Stop after this many requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<u64>,
    /// Stop after this long, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
    /// Warm-up, seconds.
    pub warmup_s: f64,
    /// Requests of the warm-up (not counted).
    #[serde(default)]
    pub warmup_requests: u64,
    /// `I/N` of a shard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// Latency measured from each request's intended start (open).
    pub corrected_for_coordinated_omission: bool,
}

/// Totals of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Total {
    /// Requests (flows) of the top-level operations.
    pub requests: u64,
    /// Failed.
    pub errors: u64,
    /// Measured window, seconds.
    pub duration_s: f64,
    /// Requests per second.
    pub throughput_rps: f64,
    /// Percentiles of every right answer of the top-level operations.
    pub latency_us: Latency,
}

/// One interval of the throughput series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ThroughputPoint {
    /// Start of the interval, seconds after the warm-up.
    pub t_s: f64,
    /// Requests finished in it.
    pub requests: u64,
    /// Of which failed.
    pub errors: u64,
    /// Requests per second in it.
    pub rps: f64,
}

/// One reading of the embedded server.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ServerSample {
    /// Seconds since sampling started.
    pub t_s: f64,
    /// The server threads' CPU over the last period, percent of one core.
    pub cpu_percent: f64,
    /// Process RSS, bytes.
    pub rss_bytes: u64,
}

/// The embedded server's cost, sampled during the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerReport {
    /// CPU seconds of the server's threads.
    pub cpu_s: f64,
    /// Their mean CPU, percent of one core.
    pub cpu_percent: f64,
    /// Process RSS at the start, bytes.
    pub rss_start_bytes: u64,
    /// Largest RSS seen.
    pub rss_peak_bytes: u64,
    /// RSS at the end.
    pub rss_end_bytes: u64,
    /// The readings.
    pub samples: Vec<ServerSample>,
}

/// The generator's own cost: the process's CPU minus the server's threads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneratorReport {
    /// CPU seconds.
    pub cpu_s: f64,
    /// Requests per generator CPU-second.
    pub requests_per_cpu_s: f64,
}

/// One objective of `--slo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectiveReport {
    /// As written (`p99<50ms`).
    pub objective: String,
    /// What was measured.
    pub measured: String,
    /// Whether it held.
    pub held: bool,
}

/// The `--slo` verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SloReport {
    /// Every objective held.
    pub passed: bool,
    /// The objectives.
    pub objectives: Vec<ObjectiveReport>,
}

/// One step of `--find-knee`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KneeStepReport {
    /// Rate asked for.
    pub rate: f64,
    /// SLO held.
    pub held: bool,
    /// Throughput reached.
    pub throughput_rps: f64,
    /// Requests.
    pub requests: u64,
    /// Failed.
    pub errors: u64,
    /// Percentiles.
    pub latency_us: Latency,
}

/// The `--find-knee` outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KneeReport {
    /// The highest rate at which the SLO held (`None`: none did).
    pub rate: Option<f64>,
    /// It held at every rate tried (the knee is higher).
    pub unbroken: bool,
    /// How the search stepped.
    pub stepping: String,
    /// The steps in the order run.
    pub steps: Vec<KneeStepReport>,
}

/// One load run, or merged interval logs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadReport {
    /// `wsman-harness VERSION`.
    pub tool: String,
    /// The endpoint URL (`null` for merged logs).
    pub endpoint: Option<String>,
    /// The in-process reference server.
    pub embedded: bool,
    /// The schedule (`null` for merged logs).
    pub schedule: Option<ScheduleReport>,
    /// Totals.
    pub total: Total,
    /// Per operation, flows with their steps.
    pub operations: Vec<OperationReport>,
    /// Failures of the top-level operations by class.
    #[serde(default)]
    pub errors_by_class: BTreeMap<String, u64>,
    /// Throughput per interval.
    #[serde(default)]
    pub throughput: Vec<ThroughputPoint>,
    /// The embedded server's cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<ServerReport>,
    /// The generator's cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<GeneratorReport>,
    /// `--slo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slo: Option<SloReport>,
    /// `--find-knee`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub knee: Option<KneeReport>,
    /// The HDR interval log written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hdr_log: Option<String>,
    /// The interval logs merged (`report merge`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<String>,
}

impl LoadReport {
    /// Every SLO objective held (true without `--slo`).
    pub fn passed(&self) -> bool {
        self.slo.as_ref().is_none_or(|s| s.passed)
    }
}

/// The report as pretty JSON with a trailing newline.
pub fn to_json(report: &LoadReport) -> serde_json::Result<String> {
    let mut s = serde_json::to_string_pretty(report)?;
    s.push('\n');
    Ok(s)
}

fn ms(us: u64) -> String {
    format!("{:.3}", us as f64 / 1000.0)
}

/// The Markdown summary.
pub fn to_markdown(r: &LoadReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Load report\n");
    let _ = writeln!(out, "- Tool: {}", r.tool);
    if let Some(e) = &r.endpoint {
        let _ = writeln!(out, "- Endpoint: `{e}`{}", if r.embedded { " (embedded reference server)" } else { "" });
    }
    if let Some(s) = &r.schedule {
        let rate = s.rate.map(|x| format!(" at {x} req/s")).unwrap_or_default();
        let stop = match (s.requests, s.duration_s) {
            (Some(n), _) => format!("{n} requests"),
            (_, Some(d)) => format!("{d} s"),
            _ => String::new(),
        };
        let shard = s.shard.as_ref().map(|x| format!(", shard {x}")).unwrap_or_default();
        let _ = writeln!(out, "- Schedule: {} loop, {} connections{rate}, {stop}, warm-up {} s{shard}", s.kind, s.connections, s.warmup_s);
    }
    for m in &r.merged_from {
        let _ = writeln!(out, "- Merged: `{m}`");
    }
    let t = &r.total;
    let _ = writeln!(out, "\n**{} requests, {} errors, {:.3} s, {:.1} req/s**\n", t.requests, t.errors, t.duration_s, t.throughput_rps);
    let _ = writeln!(out, "| Operation | Requests | Errors | req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | p99.99 ms | max ms |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let row = |out: &mut String, name: &str, o: &OperationReport| {
        let l = &o.latency_us;
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {:.1} | {} | {} | {} | {} | {} | {} |",
            o.requests,
            o.errors,
            o.throughput_rps,
            ms(l.p50),
            ms(l.p90),
            ms(l.p99),
            ms(l.p999),
            ms(l.p9999),
            ms(l.max)
        );
    };
    for o in &r.operations {
        row(&mut out, &format!("`{}`", o.name), o);
        for s in &o.steps {
            row(&mut out, &format!("&nbsp;&nbsp;↳ `{}`", s.name), s);
        }
    }
    if !r.errors_by_class.is_empty() {
        let _ = writeln!(out, "\n## Errors\n\n| Class | Count |\n|---|---:|");
        for (k, v) in &r.errors_by_class {
            let _ = writeln!(out, "| `{k}` | {v} |");
        }
    }
    if let Some(s) = &r.slo {
        let _ = writeln!(out, "\n## SLO: {}\n\n| Objective | Measured | Held |\n|---|---:|---|", if s.passed { "held" } else { "broken" });
        for o in &s.objectives {
            let _ = writeln!(out, "| `{}` | {} | {} |", o.objective, o.measured, if o.held { "yes" } else { "**no**" });
        }
    }
    if let Some(k) = &r.knee {
        let rate = match (k.rate, k.unbroken) {
            (Some(x), false) => format!("{x:.1} req/s"),
            (Some(x), true) => format!("above {x:.1} req/s (never broken)"),
            (None, _) => "none (the SLO broke at every rate tried)".to_owned(),
        };
        let _ = writeln!(out, "\n## Knee: {rate}\n\n{}\n\n| Rate | Held | req/s | p99 ms | Errors |\n|---:|---|---:|---:|---:|", k.stepping);
        for s in &k.steps {
            let _ =
                writeln!(out, "| {:.1} | {} | {:.1} | {} | {} |", s.rate, if s.held { "yes" } else { "no" }, s.throughput_rps, ms(s.latency_us.p99), s.errors);
        }
    }
    if let Some(s) = &r.server {
        let _ = writeln!(
            out,
            "\n## Embedded server\n\n- CPU: {:.3} s ({:.1} % of one core)\n- RSS: {:.1} MB at start, {:.1} MB peak, {:.1} MB at end",
            s.cpu_s,
            s.cpu_percent,
            s.rss_start_bytes as f64 / 1e6,
            s.rss_peak_bytes as f64 / 1e6,
            s.rss_end_bytes as f64 / 1e6
        );
    }
    if let Some(g) = &r.generator {
        let _ = writeln!(out, "- Generator CPU: {:.3} s, {:.0} requests per generator CPU-second", g.cpu_s, g.requests_per_cpu_s);
    }
    out
}

/// Writes the report in every format asked (`junit` has no load form and is skipped); returns the paths written.
///
/// # Errors
/// The first I/O error.
pub fn write_all(report: &LoadReport, dir: &Path, formats: &[Format]) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for f in formats {
        let (name, text) = match f {
            Format::Json => (JSON_FILE, to_json(report).map_err(io::Error::other)?),
            Format::Md => (MD_FILE, to_markdown(report)),
            Format::Html => (HTML_FILE, crate::plot::load_html(report)),
            Format::Junit => continue,
        };
        out.push(crate::format::write_file(dir, name, text.as_bytes())?);
    }
    Ok(out)
}

/// Reads a `load.json`.
///
/// # Errors
/// Why the text is not a load report.
pub fn from_json(text: &str) -> serde_json::Result<LoadReport> {
    serde_json::from_str(text)
}
