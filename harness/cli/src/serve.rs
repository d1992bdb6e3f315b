//! `serve`: flags -> `wsman_server::Config` -> run until SIGINT/SIGTERM.

use std::io::Write;
use std::process::ExitCode;

use ipmi_sim::{Clock, Scenario};

use wsman_server::{BmcOptions, Config, Defect, DefectSet, ReferenceHost, TlsSource, User};

use crate::args::ServeArgs;

fn config(a: &ServeArgs) -> Result<Config, String> {
    let users = a.users.iter().map(|u| User::parse(u)).collect::<Result<Vec<_>, _>>()?;
    let defects = a.defects.iter().map(|d| d.parse::<Defect>()).collect::<Result<Vec<_>, _>>()?;
    let tls = match (&a.cert, &a.key) {
        (Some(cert), Some(key)) => TlsSource::Files { cert: cert.clone(), key: key.clone() },
        _ => TlsSource::SelfSigned,
    };
    let mut limits = wsman_server::Limits::default();
    if let Some(n) = a.max_shells_per_user {
        limits.shells_per_user = n as usize;
    }
    if let Some(n) = a.max_processes_per_shell {
        limits.commands_per_shell = n as usize;
    }
    Ok(Config {
        http: Some(a.http),
        https: a.https,
        tls,
        users,
        allow_unencrypted: a.allow_unencrypted,
        defects: DefectSet::new(defects),
        limits,
        ..Config::default()
    })
}

pub(crate) async fn run(a: ServeArgs) -> Result<ExitCode, String> {
    if a.list_defects {
        print!("{}", DefectSet::listing());
        return Ok(ExitCode::SUCCESS);
    }
    let cfg = config(&a)?;
    let default_user = cfg.users.is_empty();
    let scenario = match &a.scenario {
        Some(path) => load_scenario(path)?,
        None => Scenario::builtin_default(),
    };
    let bmc = BmcOptions { scenario, clock: Clock::real(), ipmi: a.ipmi };
    let reference = ReferenceHost::bind(cfg, bmc).await.map_err(|e| e.to_string())?;
    // Handlers first: a script may send SIGTERM as soon as it reads the readiness lines.
    let shutdown = shutdown_signal();
    {
        let mut out = std::io::stdout().lock();
        for line in reference.readiness_lines() {
            let _ = writeln!(out, "{line}");
        }
        if default_user {
            let _ = writeln!(out, "user admin:admin (default: no --user given; loopback only)");
        }
        if !a.defects.is_empty() {
            let _ = writeln!(out, "defects: {}", a.defects.join(", "));
        }
        let _ = out.flush();
    }
    reference.run(shutdown).await;
    Ok(ExitCode::SUCCESS)
}

fn load_scenario(path: &std::path::Path) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Scenario::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Completes on SIGINT or SIGTERM. The handlers are registered when this is
/// called, not when the future is first polled.
fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let streams = signal(SignalKind::terminate()).and_then(|t| signal(SignalKind::interrupt()).map(|i| (t, i)));
        async move {
            match streams {
                Ok((mut term, mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = int.recv() => {}
                    }
                }
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
