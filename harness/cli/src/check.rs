//! `check`: flags -> `driver::RunConfig` -> reports and an exit status.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

use driver::{Corpus, Endpoint, Reporter, RunConfig, RunEvent, Waivers};
use wsman_server::{BmcOptions, Config, ReferenceHost, User};

use crate::args::CheckArgs;
use crate::connection::target;

/// Exit status when a check failed.
const EXIT_FAILED: u8 = 1;

/// The reference server (and BMC) on ephemeral loopback ports, with internal credentials.
/// The reference server started in-process: its endpoint, the switch that
/// stops it, its task and its connection counts.
pub(crate) type Embedded = (Endpoint, tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>, Arc<wsman_server::ConnectionStats>);

/// The embedded server's settings: ephemeral loopback ports (HTTP and the
/// BMC's LAN face) and one internal user, `harness`, whose fresh password
/// comes back beside them.
pub(crate) fn embedded_config() -> (Config, BmcOptions, String) {
    let password = uuid::Uuid::new_v4().simple().to_string();
    let user = User { name: "harness".into(), password: password.clone() };
    let config = Config { http: Some(([127, 0, 0, 1], 0).into()), users: vec![user], allow_unencrypted: true, ..Config::default() };
    let bmc = BmcOptions { ipmi: Some(([127, 0, 0, 1], 0).into()), ..BmcOptions::default() };
    (config, bmc, password)
}

pub(crate) async fn start_embedded(timeout: std::time::Duration) -> Result<Embedded, String> {
    let (config, bmc, password) = embedded_config();
    let reference = ReferenceHost::bind(config, bmc).await.map_err(|e| e.to_string())?;
    let addr = reference.server().http_addr().ok_or("the embedded server has no HTTP listener")?;
    let connections = reference.server().connections();
    let url = format!("http://{addr}/wsman");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(reference.run(async {
        let _ = rx.await;
    }));
    let target = Endpoint::new(url).with_user("harness", password).with_timeout(timeout);
    Ok((target, tx, task, connections))
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
    let (resources, mut record) = match &a.target {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("--target: cannot read {}: {e}", path.display()))?;
            let t = driver::Target::parse_as(&text, &path.display().to_string()).map_err(|e| format!("--target: {e}"))?;
            let record = t.record(&text, Some(path));
            (Some(Arc::new(t)), Some(record))
        }
        None => (None, None),
    };
    let (target, embedded) = match &a.conn.endpoint {
        Some(url) => (target(&a.conn, url)?, None),
        None => {
            let (t, stop, task, _) = start_embedded(a.conn.timeout).await?;
            (t, Some((stop, task)))
        }
    };
    let resources = match (a.discover, resources) {
        (true, _) => {
            let (t, r) = discovered(&target, &a.report.report_dir).await?;
            record = Some(r);
            Some(Arc::new(t))
        }
        (false, r) => r,
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
    // A target of the user's leaves roles out on purpose: their SKIPs do not fail the run.
    let builtin_target = resources.is_none();
    cfg.resources = resources;
    cfg.target_record = record;

    if cfg.embedded && builtin_target {
        cfg.required_profiles = wsman_server::IMPLEMENTED_PROFILES.iter().map(|p| (*p).to_owned()).collect();
    }

    let mut progress = Progress::new(std::io::stderr().is_terminal());
    let result = driver::run(cfg, &mut [&mut progress]).await;
    progress.finish();
    if let Some((stop, task)) = embedded {
        let _ = stop.send(());
        let _ = task.await;
    }
    let report = result.map_err(|e| e.to_string())?;
    report::write_all(&report, &a.report.report_dir, &formats).map_err(|e| format!("{}: {e}", a.report.report_dir.display()))?;
    let mut out = std::io::stdout().lock();
    report::console::write(&report, &mut out).map_err(|e| e.to_string())?;
    Ok(if report.passed() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_FAILED) })
}

/// `check --discover`: the target discovered on `endpoint`, its file
/// written to `report_dir/target.toml` for review and for `--target` next time.
async fn discovered(endpoint: &Endpoint, report_dir: &std::path::Path) -> Result<(driver::Target, report::TargetRecord), String> {
    let d = crate::discover::discover_endpoint(endpoint.clone()).await.map_err(|e| format!("--discover: {e}"))?;
    let text = d.to_target_toml(&crate::discover::default_name(&d));
    let target = driver::Target::parse(&text).map_err(|e| format!("--discover: the discovered target does not read back (a bug, please report it): {e}"))?;
    let path = report_dir.join("target.toml");
    crate::discover::write_target(&path, &text)?;
    let roles = driver::target::ROLES.iter().filter(|r| target.has_role(r)).copied().collect::<Vec<_>>().join(", ");
    eprintln!("discovered {} ({} profile(s); roles: {roles}); written to {}", target.name, d.profiles.len(), path.display());
    let record = target.record(&text, Some(&path));
    Ok((target, record))
}

/// The console's progress bar (on a terminal only): one tick per finished
/// case, the cases running shown beside it.
#[derive(Debug)]
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    /// Cases started and not finished yet.
    running: usize,
}

impl Progress {
    fn new(terminal: bool) -> Progress {
        let bar = terminal.then(|| {
            let b = indicatif::ProgressBar::new(0);
            b.set_style(
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} cases {msg}").unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b
        });
        Progress { bar, running: 0 }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Reporter for Progress {
    fn on_event(&mut self, event: &RunEvent) {
        let Some(b) = &self.bar else { return };
        match event {
            RunEvent::RunStarted { meta } => b.set_length(meta.cases as u64),
            RunEvent::CaseStarted { .. } => self.running += 1,
            RunEvent::CaseFinished { .. } => {
                self.running = self.running.saturating_sub(1);
                b.inc(1);
            }
            RunEvent::ExchangeFinished { .. } | RunEvent::RunFinished { .. } => return,
        }
        b.set_message(format!("({} running)", self.running));
    }
}
