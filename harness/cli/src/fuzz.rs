//! `fuzz`: flags -> `driver::fuzz::FuzzConfig` -> finds, reports and an exit
//! status (0 no find, 1 a find, 2 setup).

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use driver::fuzz::{FuzzConfig, FuzzOutcome, ServerProbe, ServerSample};
use driver::{Corpus, Reporter};

use crate::args::FuzzArgs;
use crate::check::start_embedded;
use crate::connection::target;

/// Exit status when the fuzzer found something.
const EXIT_FOUND: u8 = 1;

pub(crate) async fn run(a: FuzzArgs) -> Result<ExitCode, String> {
    let formats = report::parse_formats(&a.report.format).map_err(|e| e.to_string())?;
    let corpus = match &a.corpus {
        Some(dir) => Corpus::from_dir(dir),
        None => Corpus::embedded(),
    }
    .map_err(|e| format!("corpus: {e}"))?;
    let (endpoint, embedded, server_probe) = match &a.conn.endpoint {
        Some(url) => (target(&a.conn, url)?, None, None),
        None => {
            let (t, stop, task, connections) = start_embedded(a.conn.timeout).await?;
            let probe = ServerProbe(Arc::new(move || ServerSample {
                rss: loadgen::sampler::rss_bytes().unwrap_or(0),
                rss_peak: loadgen::sampler::rss_peak_bytes().unwrap_or(0),
                open_connections: connections.open(),
                peak_connections: connections.peak(),
            }));
            (t, Some((stop, task)), Some(probe))
        }
    };
    let seed = a.seed.unwrap_or_else(|| std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1));
    let config = FuzzConfig {
        target: endpoint,
        corpus: Arc::new(corpus),
        profiles: a.profiles.clone(),
        cases: a.cases,
        duration: a.duration,
        seed,
        only_case: a.case,
        concurrency: usize::try_from(a.concurrency).unwrap_or(8),
        embedded: embedded.is_some(),
        save_regressions: a.save_regressions.clone(),
        tool: format!("wsman-harness {}", env!("CARGO_PKG_VERSION")),
        server_probe,
    };
    let url = config.target.url.clone();
    let mut collector = report::ReportCollector::new();
    let result = {
        let mut reporters: [&mut dyn Reporter; 1] = [&mut collector];
        driver::fuzz::fuzz(config, &mut reporters).await
    };
    if let Some((stop, task)) = embedded {
        let _ = stop.send(());
        let _ = task.await;
    }
    let outcome = result.map_err(|e| e.to_string())?;
    if let Some(report) = collector.into_report() {
        report::write_all(&report, &a.report.report_dir, &formats).map_err(|e| format!("{}: {e}", a.report.report_dir.display()))?;
    }
    let mut out = std::io::stdout().lock();
    write_summary(&mut out, &url, embedded_label(a.conn.endpoint.is_none()), seed, &outcome).map_err(|e| e.to_string())?;
    Ok(if outcome.finds.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_FOUND) })
}

fn embedded_label(embedded: bool) -> &'static str {
    if embedded {
        " (embedded)"
    } else {
        ""
    }
}

fn write_summary(out: &mut impl Write, url: &str, label: &str, seed: u64, o: &FuzzOutcome) -> std::io::Result<()> {
    writeln!(out, "wsman-harness {} fuzz of {url}{label}, seed {seed}", env!("CARGO_PKG_VERSION"))?;
    writeln!(
        out,
        "{} cases in {:.3} s ({:.0} cases/s), {} operators exercised, {} find(s)",
        o.cases,
        o.elapsed.as_secs_f64(),
        o.rate(),
        o.per_operator.len(),
        o.finds.len()
    )?;
    let outcomes: Vec<String> = o.outcomes.iter().map(|(k, n)| format!("{k} {n}")).collect();
    writeln!(out, "answers: {}", outcomes.join(", "))?;
    if let Some(r) = &o.server {
        let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
        writeln!(
            out,
            "embedded server: RSS {:.1} MiB idle, {:.1} MiB after the attacks, {:.1} MiB at the end (peak {:.1} MiB); connections at most {}, {} open at the end",
            mib(r.idle.rss),
            mib(r.after_attacks.rss),
            mib(r.end.rss),
            mib(r.end.rss_peak),
            r.end.peak_connections,
            r.end.open_connections
        )?;
    }
    if o.endpoint_died {
        writeln!(out, "the endpoint stopped answering Identify after a find: the run ended early")?;
    }
    for f in &o.finds {
        writeln!(
            out,
            "FIND {} from {}: {} (mutations {}{})",
            f.kind,
            f.seed_case,
            f.message,
            f.mutations.join(" "),
            if f.alive { "" } else { "; endpoint dead after it" }
        )?;
        writeln!(out, "  reproduce with: {}", f.reproduce)?;
    }
    for u in &o.unsaved {
        writeln!(out, "not saved: {u}")?;
    }
    writeln!(out, "{}", if o.finds.is_empty() { "PASSED" } else { "FOUND" })
}
