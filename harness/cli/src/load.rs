//! `load`: flags -> a `loadgen` run (or a knee search) -> load reports and
//! an exit status (1 when the SLO breaks).
//!
//! Without `--endpoint` the reference server runs in this process on a
//! runtime of its own, whose threads register themselves, so that their CPU
//! time and the process RSS are sampled during the run ([`loadgen::sampler`])
//! and the generator's own CPU is the process's minus the server's.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use driver::{Corpus, Endpoint, StepExecutor};
use loadgen::knee::{find_knee, Knee};
use loadgen::sampler::{Reading, Sampler, ThreadSet};
use loadgen::slo::Slo;
use loadgen::{Expect, LoadConfig, LoadResult, Mix, Operation, RequestOp, Schedule, Shard, Stop};
use report::load::{
    GeneratorReport, KneeReport, KneeStepReport, Latency, LoadReport, ObjectiveReport, OperationReport, ScheduleReport, ServerReport, ServerSample, SloReport,
    SpectrumPoint, ThroughputPoint, Total,
};
use wsman_server::{Defect, DefectSet, ReferenceHost};

use crate::args::LoadArgs;
use crate::connection::target;

/// Exit status when the SLO broke.
const EXIT_FAILED: u8 = 1;

/// How often the embedded server is sampled.
const SAMPLE_PERIOD: Duration = Duration::from_millis(250);

/// Worker threads of the embedded server's runtime.
const SERVER_THREADS: usize = 2;

/// Percentiles of the spectrum plot.
const SPECTRUM: &[f64] = &[0.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.5, 99.9, 99.95, 99.99, 99.995, 99.999, 100.0];

/// The embedded reference server on a runtime of its own.
struct Embedded {
    runtime: tokio::runtime::Runtime,
    threads: ThreadSet,
    stop: tokio::sync::oneshot::Sender<()>,
    done: tokio::sync::oneshot::Receiver<()>,
}

async fn start_embedded(timeout: Duration, defects: Vec<Defect>, connections: usize) -> Result<(Endpoint, Embedded), String> {
    let threads = ThreadSet::default();
    let registered = threads.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(SERVER_THREADS)
        .thread_name("wsman-server")
        .on_thread_start(move || registered.register_current())
        // Blocking threads live as long as the run, so that their CPU time is read.
        .thread_keep_alive(Duration::from_secs(3600))
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the embedded server's runtime: {e}"))?;
    let (mut config, bmc, password) = crate::check::embedded_config();
    config.defects = DefectSet::new(defects);
    // Every user may hold a shell at once (winrs-flow); winrm/config caps it too.
    config.limits.shells_per_user = connections.max(config.limits.shells_per_user);
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<Result<String, String>>();
    let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (done_tx, done) = tokio::sync::oneshot::channel::<()>();
    runtime.spawn(async move {
        let reference = match ReferenceHost::bind(config, bmc).await {
            Ok(r) => r,
            Err(e) => {
                let _ = ready_tx.send(Err(e.to_string()));
                return;
            }
        };
        let Some(addr) = reference.server().http_addr() else {
            let _ = ready_tx.send(Err("the embedded server has no HTTP listener".into()));
            return;
        };
        let _ = ready_tx.send(Ok(format!("http://{addr}/wsman")));
        reference
            .run(async {
                let _ = stop_rx.await;
            })
            .await;
        let _ = done_tx.send(());
    });
    let url = ready_rx.await.map_err(|_| "the embedded server did not start".to_owned())??;
    let endpoint = Endpoint::new(url).with_user("harness", password).with_timeout(timeout);
    Ok((endpoint, Embedded { runtime, threads, stop, done }))
}

impl Embedded {
    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(10), self.done).await;
        self.runtime.shutdown_background();
    }
}

/// The operations of the mix: built-ins, else single-step corpus cases.
fn resolve_mix(text: &str, endpoint: &Endpoint, corpus: Option<&std::path::Path>) -> Result<Mix, String> {
    let entries = loadgen::parse_mix(text).map_err(|e| e.to_string())?;
    let mut executor: Option<Arc<StepExecutor>> = None;
    let mut ops: Vec<(Arc<dyn Operation>, u32)> = Vec::new();
    for e in entries {
        if let Some(op) = loadgen::op::builtin::builtin(&e.name) {
            ops.push((op, e.weight));
            continue;
        }
        let exec = match &executor {
            Some(x) => Arc::clone(x),
            None => {
                let corpus = match corpus {
                    Some(dir) => Corpus::from_dir(dir),
                    None => Corpus::embedded(),
                }
                .map_err(|e| format!("corpus: {e}"))?;
                let x = Arc::new(StepExecutor::new(endpoint.clone(), Arc::new(corpus)).map_err(|e| e.to_string())?);
                executor = Some(Arc::clone(&x));
                x
            }
        };
        let Some(case) = exec.corpus().case(&e.name).cloned() else {
            return Err(format!("--mix: {:?} is neither a built-in operation ({}) nor a corpus case id", e.name, loadgen::op::builtin::NAMES.join(", ")));
        };
        if case.steps.len() != 1 {
            return Err(format!(
                "--mix: corpus case {} has {} steps; only single-step cases can be load operations (use enumerate-flow or winrs-flow for flows)",
                case.id,
                case.steps.len()
            ));
        }
        let step = case.steps[0].expect.clone();
        if !step.transport.is_empty() && step.fault.is_none() {
            return Err(format!("--mix: corpus case {} expects an HTTP refusal, not an answer", case.id));
        }
        let expect = match (&step.fault, step.either) {
            (_, true) => Expect::Either,
            (Some(f), false) => Expect::Fault(f.subcode.iter().chain(f.code.iter()).map(|q| q.rsplit(':').next().unwrap_or(q).to_owned()).collect()),
            (None, false) => Expect::Success,
        };
        // Rendered once up front, so that a case that cannot render is a usage error.
        exec.prepare_step(&case, 0, "load", &BTreeMap::new()).map_err(|e| format!("--mix: corpus case {}: {e}", case.id))?;
        let counter = std::sync::atomic::AtomicU64::new(0);
        let name = case.id.clone();
        let make = Box::new(move || {
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            exec.prepare_step(&case, 0, &format!("load{n}"), &BTreeMap::new()).map(|p| p.request)
        });
        ops.push((Arc::new(RequestOp::new(name, expect, make)), e.weight));
    }
    Ok(Mix::new(ops))
}

fn latency(h: &hdrhistogram::Histogram<u64>) -> Latency {
    if h.is_empty() {
        return Latency::default();
    }
    Latency {
        p50: h.value_at_quantile(0.5),
        p90: h.value_at_quantile(0.9),
        p99: h.value_at_quantile(0.99),
        p999: h.value_at_quantile(0.999),
        p9999: h.value_at_quantile(0.9999),
        max: h.max(),
    }
}

fn spectrum(h: &hdrhistogram::Histogram<u64>) -> Vec<SpectrumPoint> {
    if h.is_empty() {
        return Vec::new();
    }
    SPECTRUM.iter().map(|p| SpectrumPoint { percentile: *p, latency_us: if *p >= 100.0 { h.max() } else { h.value_at_quantile(p / 100.0) } }).collect()
}

fn rps(n: u64, s: f64) -> f64 {
    if s > 0.0 {
        n as f64 / s
    } else {
        0.0
    }
}

/// One operation's figures from its histograms.
pub(crate) fn operation_report(
    name: &str,
    weight: Option<u32>,
    ok: &hdrhistogram::Histogram<u64>,
    failed: u64,
    errors: BTreeMap<String, u64>,
    seconds: f64,
) -> OperationReport {
    let requests = ok.len() + failed;
    OperationReport {
        name: name.to_owned(),
        weight,
        requests,
        errors: failed,
        throughput_rps: rps(requests, seconds),
        latency_us: latency(ok),
        errors_by_class: errors,
        spectrum: spectrum(ok),
        steps: Vec::new(),
    }
}

fn operations(r: &LoadResult) -> (Vec<OperationReport>, BTreeMap<String, u64>) {
    let secs = r.duration.as_secs_f64();
    let mut all_errors = BTreeMap::new();
    let ops = r
        .operations
        .iter()
        .map(|o| {
            let s = &r.slots[o.slot];
            for (k, v) in &s.errors {
                *all_errors.entry(k.clone()).or_insert(0) += v;
            }
            let mut rep = operation_report(&s.name, Some(o.weight), &s.ok, s.error_count(), s.errors.clone(), secs);
            rep.steps = o
                .steps
                .iter()
                .map(|(step, slot)| {
                    let st = &r.slots[*slot];
                    operation_report(step, None, &st.ok, st.error_count(), st.errors.clone(), secs)
                })
                .collect();
            rep
        })
        .collect();
    (ops, all_errors)
}

fn server_report(readings: &[Reading]) -> Option<ServerReport> {
    let (first, last) = (readings.first()?, readings.last()?);
    let samples = readings
        .windows(2)
        .map(|w| {
            let dt = (w[1].t_s - w[0].t_s).max(1e-9);
            ServerSample { t_s: w[1].t_s, cpu_percent: (w[1].threads_cpu_s - w[0].threads_cpu_s) * 100.0 / dt, rss_bytes: w[1].rss_bytes }
        })
        .collect();
    let span = (last.t_s - first.t_s).max(1e-9);
    Some(ServerReport {
        cpu_s: last.threads_cpu_s,
        cpu_percent: last.threads_cpu_s * 100.0 / span,
        rss_start_bytes: first.rss_bytes,
        rss_peak_bytes: readings.iter().map(|r| r.rss_bytes).max().unwrap_or(0),
        rss_end_bytes: last.rss_bytes,
        samples,
    })
}

fn schedule_report(cfg: &LoadConfig, r: &LoadResult, shard: Option<Shard>) -> ScheduleReport {
    ScheduleReport {
        kind: cfg.schedule.kind().to_owned(),
        connections: cfg.schedule.connections() as u64,
        rate: cfg.schedule.rate(),
        requests: match cfg.stop {
            Stop::Requests(n) => Some(n),
            Stop::Duration(_) => None,
        },
        duration_s: match cfg.stop {
            Stop::Duration(d) => Some(d.as_secs_f64()),
            Stop::Requests(_) => None,
        },
        warmup_s: cfg.warmup.as_secs_f64(),
        warmup_requests: r.warmup_requests,
        shard: shard.map(|s| s.to_string()),
        corrected_for_coordinated_omission: cfg.schedule.rate().is_some(),
    }
}

fn knee_report(k: &Knee) -> KneeReport {
    KneeReport {
        rate: k.rate,
        unbroken: k.unbroken,
        stepping: format!(
            "start at --rate (or {}), double while the SLO holds (at most {} times), halve while it breaks (at most {}), then bisect between the highest rate that held and the lowest that broke (at most {} steps, until within 5 %); every step a full run",
            loadgen::knee::DEFAULT_START,
            loadgen::knee::MAX_DOUBLINGS,
            loadgen::knee::MAX_HALVINGS,
            loadgen::knee::BISECTIONS
        ),
        steps: k
            .steps
            .iter()
            .map(|s| KneeStepReport {
                rate: s.rate,
                held: s.held,
                throughput_rps: s.throughput_rps,
                requests: s.result.requests(),
                errors: s.result.errors(),
                latency_us: latency(&s.result.total_latency()),
            })
            .collect(),
    }
}

/// A progress line on a terminal (stderr), updated from the live counters.
fn progress(live: Arc<loadgen::Live>) -> Option<(indicatif::ProgressBar, tokio::task::JoinHandle<()>)> {
    if !std::io::stderr().is_terminal() || !std::io::stdout().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    let shown = bar.clone();
    let task = tokio::spawn(async move {
        let started = std::time::Instant::now();
        // Ends when aborted after the run (bounded by the run itself).
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let n = live.requests.load(std::sync::atomic::Ordering::Relaxed);
            let e = live.errors.load(std::sync::atomic::Ordering::Relaxed);
            shown.set_message(format!("{n} requests, {e} errors, {:.0} req/s", n as f64 / started.elapsed().as_secs_f64().max(1e-3)));
            shown.tick();
        }
    });
    Some((bar, task))
}

pub(crate) async fn run(a: LoadArgs) -> Result<ExitCode, String> {
    let formats = report::parse_formats(&a.report.format).map_err(|e| e.to_string())?;
    let shard = a.shard.as_deref().map(str::parse::<Shard>).transpose().map_err(|e| e.to_string())?;
    let slo = a.slo.as_deref().map(str::parse::<Slo>).transpose().map_err(|e| e.to_string())?;
    let defects = a.defects.iter().map(|d| d.parse::<Defect>()).collect::<Result<Vec<_>, _>>()?;
    if !defects.is_empty() && a.conn.endpoint.is_some() {
        return Err("--defect switches a defect of the embedded reference server: it cannot go with --endpoint".into());
    }
    if a.find_knee && a.requests.is_some() {
        return Err("--find-knee runs every step for --duration; it cannot go with --requests".into());
    }
    let connections = usize::try_from(a.connections).map_err(|_| "--connections is too large".to_owned())?;
    let stop = match (a.requests, a.duration) {
        (Some(n), _) => Stop::Requests(n),
        (None, Some(d)) => Stop::Duration(d),
        (None, None) => Stop::DEFAULT,
    };
    let (endpoint, embedded) = match &a.conn.endpoint {
        Some(url) => (target(&a.conn, url)?, None),
        None => {
            let (e, s) = start_embedded(a.conn.timeout, defects, connections).await?;
            (e, Some(s))
        }
    };
    let outcome = measure(&a, &endpoint, embedded.as_ref().map(|e| e.threads.clone()), connections, stop, shard, slo.as_ref()).await;
    if let Some(e) = embedded {
        e.stop().await;
    }
    let report = outcome?;
    let written = report::load::write_all(&report, &a.report.report_dir, &formats).map_err(|e| format!("{}: {e}", a.report.report_dir.display()))?;
    print_summary(&report, &written);
    if let Some(why) = unreachable(&report) {
        // The reports are written; the run measured nothing but the refusal.
        return Err(format!("no request reached {}: {why}", report.endpoint.as_deref().unwrap_or("the endpoint")));
    }
    Ok(if report.passed() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_FAILED) })
}

/// Every request failed before an HTTP answer (connect, TLS, ...): a setup
/// error (exit 2, as for an unreachable endpoint), not a measurement. The
/// classes, most frequent first.
fn unreachable(report: &LoadReport) -> Option<String> {
    let t = &report.total;
    let transport_only = !report.errors_by_class.is_empty() && report.errors_by_class.keys().all(|k| k.starts_with("transport:"));
    if t.requests == 0 || t.errors < t.requests || !transport_only {
        return None;
    }
    let mut classes: Vec<_> = report.errors_by_class.iter().collect();
    classes.sort_by(|a, b| b.1.cmp(a.1));
    Some(classes.iter().map(|(k, v)| format!("{k} ({v})")).collect::<Vec<_>>().join(", "))
}

/// The run (or the knee search) and its report.
async fn measure(
    a: &LoadArgs,
    endpoint: &Endpoint,
    server: Option<ThreadSet>,
    connections: usize,
    stop: Stop,
    shard: Option<Shard>,
    slo: Option<&Slo>,
) -> Result<LoadReport, String> {
    let mix = resolve_mix(&a.mix, endpoint, a.corpus.as_deref())?;
    let whole = shard.unwrap_or(Shard::WHOLE);
    let schedule = match a.rate {
        Some(rate) => Schedule::Open { rate, connections },
        None => Schedule::Closed { connections },
    }
    .shard(whole);
    if schedule.connections() == 0 {
        return Err(format!("--shard {whole}: {connections} connections leave this shard none"));
    }
    let mut cfg = LoadConfig::new(schedule, stop.shard(whole), mix);
    cfg.warmup = a.warmup;
    cfg.hdr_log = a.hdr_log.is_some();
    // A count stop is bounded in time too: at most an hour, or the deadline of every request in turn.
    let sampler = Sampler::start(server.clone().unwrap_or_default(), SAMPLE_PERIOD);
    let live = Arc::new(loadgen::Live::default());
    let bar = progress(Arc::clone(&live));

    let (result, knee) = if a.find_knee {
        let Some(slo) = slo else { return Err("--find-knee needs --slo".into()) };
        let start = a.rate.map(|r| r / f64::from(whole.count)).unwrap_or(loadgen::knee::DEFAULT_START);
        let base = cfg.clone();
        let k = find_knee(slo, start, |rate| {
            let mut c = base.clone();
            c.schedule = Schedule::Open { rate, connections: base.schedule.connections() };
            let live = Arc::clone(&live);
            async move { loadgen::run(c, endpoint, Some(live)).await }
        })
        .await
        .map_err(|e| e.to_string())?;
        // The report's figures are those of the highest rate that held (else the last step).
        let best = k.steps.iter().rfind(|s| s.held && Some(s.rate) == k.rate).or(k.steps.last()).map(|s| s.result.clone());
        let Some(best) = best else { return Err("--find-knee ran no step".into()) };
        (best, Some(k))
    } else {
        (loadgen::run(cfg.clone(), endpoint, Some(Arc::clone(&live))).await.map_err(|e| e.to_string())?, None)
    };
    if let Some((bar, task)) = bar {
        task.abort();
        bar.finish_and_clear();
    }
    let readings = sampler.finish();

    let (ops, errors_by_class) = operations(&result);
    let secs = result.duration.as_secs_f64();
    let width = result.interval.as_secs_f64();
    let total = Total {
        requests: result.requests(),
        errors: result.errors(),
        duration_s: secs,
        throughput_rps: result.throughput(),
        latency_us: latency(&result.total_latency()),
    };
    let server_rep = if server.is_some() { server_report(&readings) } else { None };
    let generator = readings.last().map(|last| {
        let server_cpu = if server.is_some() { last.threads_cpu_s } else { 0.0 };
        let cpu = (last.process_cpu_s - server_cpu).max(0.0);
        let all_requests: u64 = match &knee {
            Some(k) => k.steps.iter().map(|s| s.result.requests() + s.result.warmup_requests).sum(),
            None => result.requests() + result.warmup_requests,
        };
        GeneratorReport { cpu_s: cpu, requests_per_cpu_s: if cpu > 0.0 { all_requests as f64 / cpu } else { 0.0 } }
    });
    let mut hdr_log = None;
    if let (Some(path), Some(text)) = (&a.hdr_log, &result.hdr_log) {
        std::fs::write(path, text).map_err(|e| format!("--hdr-log {}: {e}", path.display()))?;
        hdr_log = Some(path.display().to_string());
    }
    let slo_rep = slo.map(|s| {
        let verdicts = s.judge(&result);
        let held_at_knee = knee.as_ref().is_none_or(|k| k.rate.is_some());
        SloReport {
            passed: verdicts.iter().all(|v| v.held) && held_at_knee,
            objectives: verdicts.into_iter().map(|v| ObjectiveReport { objective: v.objective, measured: v.measured, held: v.held }).collect(),
        }
    });
    Ok(LoadReport {
        tool: format!("wsman-harness {}", env!("CARGO_PKG_VERSION")),
        endpoint: Some(endpoint.url.clone()),
        embedded: server.is_some(),
        schedule: Some(schedule_report(&cfg, &result, shard)),
        total,
        operations: ops,
        errors_by_class,
        throughput: result.series.iter().map(|p| ThroughputPoint { t_s: p.t_s, requests: p.requests, errors: p.errors, rps: rps(p.requests, width) }).collect(),
        server: server_rep,
        generator,
        slo: slo_rep,
        knee: knee.as_ref().map(knee_report),
        hdr_log,
        merged_from: Vec::new(),
    })
}

/// Prints the summary and the files written on stdout (a closed stdout is not an error).
pub(crate) fn print_summary(report: &LoadReport, written: &[std::path::PathBuf]) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(summary(report).as_bytes());
    for p in written {
        let _ = writeln!(out, "wrote {}", p.display());
    }
}

/// The plain-text summary printed on stdout.
pub(crate) fn summary(r: &LoadReport) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let t = &r.total;
    let _ = writeln!(out, "{} requests, {} errors in {:.3} s: {:.1} req/s", t.requests, t.errors, t.duration_s, t.throughput_rps);
    let ms = |us: u64| us as f64 / 1000.0;
    let line = |out: &mut String, indent: &str, o: &OperationReport| {
        let l = &o.latency_us;
        let _ = writeln!(
            out,
            "{indent}{:<24} {:>8} req {:>6} err  p50 {:.3}ms  p90 {:.3}ms  p99 {:.3}ms  p99.9 {:.3}ms  p99.99 {:.3}ms  max {:.3}ms",
            o.name,
            o.requests,
            o.errors,
            ms(l.p50),
            ms(l.p90),
            ms(l.p99),
            ms(l.p999),
            ms(l.p9999),
            ms(l.max)
        );
    };
    for o in &r.operations {
        line(&mut out, "", o);
        for s in &o.steps {
            line(&mut out, "  ", s);
        }
    }
    for (k, v) in &r.errors_by_class {
        let _ = writeln!(out, "error {k}: {v}");
    }
    if let Some(k) = &r.knee {
        match (k.rate, k.unbroken) {
            (Some(x), false) => _ = writeln!(out, "knee: {x:.1} req/s (the highest rate at which the SLO held)"),
            (Some(x), true) => _ = writeln!(out, "knee: above {x:.1} req/s (the SLO held at every rate tried)"),
            (None, _) => _ = writeln!(out, "knee: none (the SLO broke at every rate tried)"),
        }
    }
    if let Some(s) = &r.slo {
        for o in &s.objectives {
            let _ = writeln!(out, "slo {}: {} ({})", o.objective, if o.held { "held" } else { "BROKEN" }, o.measured);
        }
    }
    if let Some(s) = &r.server {
        let _ = writeln!(out, "server: {:.3} CPU-s ({:.1} % of a core), RSS peak {:.1} MB", s.cpu_s, s.cpu_percent, s.rss_peak_bytes as f64 / 1e6);
    }
    if let Some(g) = &r.generator {
        let _ = writeln!(out, "generator: {:.3} CPU-s, {:.0} requests per CPU-second", g.cpu_s, g.requests_per_cpu_s);
    }
    out
}

/// The load report of merged interval logs: a tag `OP` is an operation,
/// `OP/STEP` one of its steps; the window is the longest log's span.
pub(crate) fn merged_report(m: &loadgen::hdrlog::MergedLog, paths: &[std::path::PathBuf]) -> LoadReport {
    let secs = m.span_s;
    let empty = loadgen::record::new_histogram();
    let figures = |tag: &str, weight: Option<u32>, name: &str| {
        let ok = m.ok.get(tag).unwrap_or(&empty);
        let failed = m.failed.get(tag).map_or(0, |h| h.len());
        operation_report(name, weight, ok, failed, BTreeMap::new(), secs)
    };
    let tags = m.tags();
    let mut ops: Vec<OperationReport> = Vec::new();
    let mut total = loadgen::record::new_histogram();
    for tag in tags.iter().filter(|t| !t.contains('/')) {
        let mut op = figures(tag, None, tag);
        if let Some(h) = m.ok.get(tag) {
            let _ = total.add(h);
        }
        let prefix = format!("{tag}/");
        op.steps = tags.iter().filter_map(|t| t.strip_prefix(&prefix).map(|step| figures(t, None, step))).collect();
        ops.push(op);
    }
    let requests: u64 = ops.iter().map(|o| o.requests).sum();
    let errors: u64 = ops.iter().map(|o| o.errors).sum();
    LoadReport {
        tool: format!("wsman-harness {}", env!("CARGO_PKG_VERSION")),
        endpoint: None,
        embedded: false,
        schedule: None,
        total: Total { requests, errors, duration_s: secs, throughput_rps: rps(requests, secs), latency_us: latency(&total) },
        operations: ops,
        errors_by_class: BTreeMap::new(),
        throughput: Vec::new(),
        server: None,
        generator: None,
        slo: None,
        knee: None,
        hdr_log: None,
        merged_from: paths.iter().map(|p| p.display().to_string()).collect(),
    }
}
