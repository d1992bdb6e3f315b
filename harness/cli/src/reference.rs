//! Starting the reference endpoint: the simulated Windows host with the BMC
//! simulator's classes mounted, and optionally the BMC's IPMI-over-LAN face.
//! Used by `serve` and by the embedded default of `check`.

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;

use ipmi_sim::{Bmc, Clock, Scenario, SharedBmc};
use wsman_server::{Config, Server, User};

/// What the BMC needs from the command line.
#[derive(Debug, Clone, Default)]
pub(crate) struct BmcOptions {
    /// `--ipmi ADDR`: start the UDP face there.
    pub(crate) ipmi: Option<SocketAddr>,
    /// `--scenario FILE`; the built-in default otherwise.
    pub(crate) scenario: Option<std::path::PathBuf>,
}

/// A bound reference endpoint, ready to run.
pub(crate) struct Reference {
    pub(crate) server: Server,
    pub(crate) bmc: SharedBmc,
    pub(crate) ipmi: Option<tokio::net::UdpSocket>,
}

fn load_scenario(path: Option<&Path>) -> Result<Scenario, String> {
    match path {
        None => Ok(Scenario::builtin_default()),
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            Scenario::from_toml(&text).map_err(|e| format!("{}: {e}", p.display()))
        }
    }
}

impl Reference {
    /// Builds the BMC from the scenario and the users, mounts its classes, binds everything.
    pub(crate) async fn bind(mut config: Config, bmc_opts: &BmcOptions) -> Result<Reference, String> {
        let scenario = load_scenario(bmc_opts.scenario.as_deref())?;
        let users: Vec<User> = if config.users.is_empty() { vec![wsman_server::default_user()] } else { config.users.clone() };
        let pairs: Vec<(String, String)> = users.iter().map(|u| (u.name.clone(), u.password.clone())).collect();
        let bmc = SharedBmc::new(Bmc::new(scenario, &pairs).map_err(|e| format!("BMC scenario: {e}"))?, Clock::real());
        config.extra_providers.extend(ipmi_sim::cim::providers(bmc.clone()));
        if let Some(addr) = bmc_opts.ipmi {
            if !addr.ip().is_loopback() && config.users.is_empty() {
                return Err("binding a non-loopback IPMI address needs --user NAME:PASS".into());
            }
        }
        let server = Server::bind(config).await.map_err(|e| e.to_string())?;
        let ipmi = match bmc_opts.ipmi {
            Some(addr) => Some(tokio::net::UdpSocket::bind(addr).await.map_err(|e| format!("cannot listen on udp {addr}: {e}"))?),
            None => None,
        };
        Ok(Reference { server, bmc, ipmi })
    }

    /// The readiness lines (DESIGN.md "Readiness").
    pub(crate) fn readiness_lines(&self) -> Vec<String> {
        let mut lines = self.server.readiness_lines();
        if let Some(a) = self.ipmi.as_ref().and_then(|s| s.local_addr().ok()) {
            lines.push(format!("listening on ipmi udp://{a}"));
        }
        lines
    }

    /// The plain HTTP URL, if any.
    pub(crate) fn http_url(&self) -> Option<String> {
        self.server.http_addr().map(|a| format!("http://{a}/wsman"))
    }

    /// Runs until `shutdown` completes.
    pub(crate) async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) {
        let (tx, rx) = tokio::sync::watch::channel(false);
        let lan = self.ipmi.map(|socket| {
            let mut rx = rx.clone();
            tokio::spawn(ipmi_sim::serve_lan(socket, self.bmc.clone(), async move {
                let _ = rx.wait_for(|s| *s).await;
            }))
        });
        let server = self.server.run(async move {
            shutdown.await;
            let _ = tx.send(true);
        });
        server.await;
        if let Some(t) = lan {
            let _ = t.await;
        }
        drop(rx);
    }
}
