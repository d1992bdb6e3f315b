//! `check`: flags -> `driver::RunConfig` -> reports and an exit status.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

use driver::{Corpus, Endpoint, RunConfig, RunEvent, Waivers};
use wsman_server::{BmcOptions, Config, ReferenceHost, User};

use crate::args::CheckArgs;
use crate::connection::target;

/// Exit status when a check failed.
const EXIT_FAILED: u8 = 1;

/// The reference server (and BMC) on ephemeral loopback ports, with internal credentials.
async fn start_embedded(timeout: std::time::Duration) -> Result<(Endpoint, tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>), String> {
    let password = uuid::Uuid::new_v4().simple().to_string();
    let user = User { name: "harness".into(), password: password.clone() };
    let config = Config { http: Some(([127, 0, 0, 1], 0).into()), users: vec![user], allow_unencrypted: true, ..Config::default() };
    let bmc = BmcOptions { ipmi: Some(([127, 0, 0, 1], 0).into()), ..BmcOptions::default() };
    let reference = ReferenceHost::bind(config, bmc).await.map_err(|e| e.to_string())?;
    let addr = reference.server().http_addr().ok_or("the embedded server has no HTTP listener")?;
    let url = format!("http://{addr}/wsman");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(reference.run(async {
        let _ = rx.await;
    }));
    let target = Endpoint::new(url).with_user("harness", password).with_timeout(timeout);
    Ok((target, tx, task))
}

pub(crate) async fn run(a: CheckArgs) -> Result<ExitCode, String> {
    let formats = report::parse_formats(&a.report.format).map_err(|e| e.to_string())?;
    let corpus = match &a.corpus {
        Some(dir) => Corpus::from_dir(dir),
        None => Corpus::embedded(),
    }
    .map_err(|e| format!("corpus: {e}"))?;
    let waivers = match &a.waivers {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            Some(Waivers::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?)
        }
        None => None,
    };
    let (target, embedded) = match &a.conn.endpoint {
        Some(url) => (target(&a.conn, url)?, None),
        None => {
            let (t, stop, task) = start_embedded(a.conn.timeout).await?;
            (t, Some((stop, task)))
        }
    };
    let mut cfg = RunConfig::new(target, Arc::new(corpus));
    cfg.profiles = a.profiles.clone();
    cfg.case_glob = a.case.clone();
    cfg.waivers = waivers;
    cfg.snapshots = a.snapshots.clone();
    cfg.update_snapshots = a.update_snapshots;
    cfg.concurrency = a.concurrency.max(1);
    cfg.embedded = embedded.is_some();
    cfg.tool = format!("wsman-harness {}", env!("CARGO_PKG_VERSION"));

    let bar = std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new(0);
        b.set_style(indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} cases {msg}").unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()));
        b
    });
    let result = driver::run(cfg, |ev| {
        if let Some(b) = &bar {
            match ev {
                RunEvent::Started { cases } => b.set_length(cases as u64),
                RunEvent::CaseFinished { .. } => b.inc(1),
                _ => {}
            }
        }
    })
    .await;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if let Some((stop, task)) = embedded {
        let _ = stop.send(());
        let _ = task.await;
    }
    let mut report = result.map_err(|e| e.to_string())?;
    if report.embedded {
        report.required_profiles = wsman_server::IMPLEMENTED_PROFILES.iter().map(|p| (*p).to_owned()).collect();
    }
    report::write_all(&report, &a.report.report_dir, &formats).map_err(|e| format!("{}: {e}", a.report.report_dir.display()))?;
    let mut out = std::io::stdout().lock();
    report::console::write(&report, &mut out).map_err(|e| e.to_string())?;
    Ok(if report.passed() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_FAILED) })
}
