//! The reference host: the simulated Windows host with the BMC simulator
//! behind it, as `serve`, the embedded `check` and the tests run it.
//!
//! This is the one place that assembles it. [`Server::bind`] mounts the
//! simulated Windows classes; [`ReferenceHost::bind`] adds the BMC built from
//! a scenario for the same users, mounts the BMC's CIM classes, and binds the
//! BMC's IPMI-over-LAN face when asked. Callers choose the scenario clock
//! (real for `serve`, frozen for reproducible tests and snapshots).

use std::future::Future;
use std::net::SocketAddr;

use ipmi_sim::{Bmc, Clock, Scenario, SharedBmc};

use crate::{default_user, Config, Server, ServerError};

/// How the BMC behind the host is built.
#[derive(Debug, Clone)]
pub struct BmcOptions {
    /// The BMC scenario (sensors, SEL, FRU, power state, ...).
    pub scenario: Scenario,
    /// The scenario clock: [`Clock::real`] for `serve`, [`Clock::frozen`] in tests.
    pub clock: Clock,
    /// Where to bind the IPMI-over-LAN face (UDP), if at all.
    pub ipmi: Option<SocketAddr>,
}

impl Default for BmcOptions {
    /// The built-in scenario on the real clock, without the LAN face.
    fn default() -> Self {
        BmcOptions { scenario: Scenario::builtin_default(), clock: Clock::real(), ipmi: None }
    }
}

/// Errors assembling or binding the reference host.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The WS-Man listener could not start.
    #[error(transparent)]
    Server(#[from] ServerError),
    /// The scenario does not make a valid BMC.
    #[error("BMC scenario: {0}")]
    Scenario(String),
    /// A non-loopback IPMI address with only the default credentials.
    #[error("binding a non-loopback IPMI address needs --user NAME:PASS")]
    NonLoopbackIpmi,
    /// Binding the UDP socket failed.
    #[error("cannot listen on udp {addr}: {source}")]
    Udp {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// A bound, not yet running, reference host: the WS-Man server, its BMC, and
/// the BMC's LAN socket when one was asked for.
#[derive(Debug)]
pub struct ReferenceHost {
    server: Server,
    bmc: SharedBmc,
    ipmi: Option<tokio::net::UdpSocket>,
}

impl ReferenceHost {
    /// Builds the BMC for the configured users (admin:admin when none), mounts
    /// its classes next to the Windows ones, and binds every listener.
    pub async fn bind(mut config: Config, opts: BmcOptions) -> Result<ReferenceHost, HostError> {
        if let Some(addr) = opts.ipmi {
            if !addr.ip().is_loopback() && config.users.is_empty() {
                return Err(HostError::NonLoopbackIpmi);
            }
        }
        let users = if config.users.is_empty() { vec![default_user()] } else { config.users.clone() };
        let pairs: Vec<(String, String)> = users.iter().map(|u| (u.name.clone(), u.password.clone())).collect();
        let bmc = Bmc::new(opts.scenario, &pairs).map_err(|e| HostError::Scenario(e.to_string()))?;
        let bmc = SharedBmc::new(bmc, opts.clock);
        config.extra_providers.extend(ipmi_sim::cim::providers(bmc.clone()));
        let server = Server::bind(config).await?;
        // Each new SEL record becomes an indication (events::bmc).
        crate::events::bmc::spawn_sel_watcher(server.events(), bmc.clone(), server.state.shutdown.clone());
        let ipmi = match opts.ipmi {
            Some(addr) => Some(tokio::net::UdpSocket::bind(addr).await.map_err(|source| HostError::Udp { addr, source })?),
            None => None,
        };
        Ok(ReferenceHost { server, bmc, ipmi })
    }

    /// The BMC, shared with its CIM classes and LAN face (tests step its clock
    /// or read its state through this).
    pub fn bmc(&self) -> &SharedBmc {
        &self.bmc
    }

    /// The hub of the host's events, the BMC's indications included.
    pub fn events(&self) -> &crate::events::EventHub {
        self.server.events()
    }

    /// The WS-Man server.
    pub fn server(&self) -> &Server {
        &self.server
    }

    /// The IPMI-over-LAN address actually bound (port 0 resolved).
    pub fn ipmi_addr(&self) -> Option<SocketAddr> {
        self.ipmi.as_ref().and_then(|s| s.local_addr().ok())
    }

    /// The readiness lines (DESIGN.md "Readiness"): the server's, then the BMC's.
    pub fn readiness_lines(&self) -> Vec<String> {
        let mut lines = self.server.readiness_lines();
        if let Some(a) = self.ipmi_addr() {
            lines.push(format!("listening on ipmi udp://{a}"));
        }
        lines
    }

    /// Serves every face until `shutdown` completes.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) {
        let (tx, rx) = tokio::sync::watch::channel(false);
        let lan = self.ipmi.map(|socket| {
            let mut rx = rx.clone();
            tokio::spawn(ipmi_sim::serve_lan(socket, self.bmc.clone(), async move {
                let _ = rx.wait_for(|stopped| *stopped).await;
            }))
        });
        self.server
            .run(async move {
                shutdown.await;
                let _ = tx.send(true);
            })
            .await;
        if let Some(t) = lan {
            let _ = t.await;
        }
        drop(rx);
    }
}
