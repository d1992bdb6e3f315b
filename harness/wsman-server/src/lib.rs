//! The reference WS-Management listener: a simulated Windows host.
//!
//! # Layout
//!
//! - [`http`]: the HTTP edge (path, method, content type, charset, body
//!   limit, Basic auth, unencrypted policy). Failures there are plain HTTP.
//! - `dispatch`: decode, header rules, then one `ops::Operation` match.
//! - `ops/`: one module per operation (identify, get, put, create, delete,
//!   enumerate, pull, release, invoke), WinRS (`shell`) and WS-Eventing
//!   (`eventing`), routed by (Action, ResourceURI); operations may wait.
//! - `eventing` (the task): feeds the [`events`] into the subscriptions and
//!   delivers to push subscribers.
//! - [`providers`]: the simulated Windows classes.
//! - [`defects`]: named misbehaviours for proving checks can fail.
//! - [`events`]: the host's event sources (service state changes, a timer,
//!   the BMC's SEL) on one [`events::EventHub`], and the subscription filters.
//! - [`tls`]: rustls (ring) with PEM files or a self-signed certificate.
//! - [`reference`](mod@reference): the reference host as `serve`, `check` and the tests run
//!   it: this server with the IPMI BMC simulator's classes and LAN face.
//!
//! The entry point is [`Server::bind`] then [`Server::run`] with a shutdown
//! future, so tests and the CLI choose how to stop it.

pub mod auth;
#[cfg(feature = "negotiate")]
mod conn_auth;
pub mod defects;
mod dispatch;
mod eventing;
pub mod events;
pub mod http;
mod ops;
pub mod providers;
pub mod reference;
mod registry;
pub mod tls;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use wsman_proto::state::enumeration::EnumerationStore;
use wsman_proto::state::eventing::EventingLimits;
use wsman_proto::state::shell::{ShellLimits, ShellStore};
use wsman_proto::ResourceProvider;

/// The global allocator with the feature `mimalloc` (off by default; see Cargo.toml).
/// A binary that links this crate and declares its own must turn the feature off.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub use auth::User;
pub use defects::{Defect, DefectSet};
pub use reference::{BmcOptions, HostError, ReferenceHost};
pub use tls::TlsSource;

/// Errors starting or running the server (not per-request failures: those
/// become SOAP faults or HTTP statuses and never leave the connection task).
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// Binding a listener failed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// TLS configuration failed.
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// Refused configuration.
    #[error("{0}")]
    Config(String),
}

/// Limits applied to every request that are not part of the WinRM
/// configuration resource. MaxEnvelopeSizekb, MaxTimeoutms and MaxBatchItems
/// live in [`providers::WinRmConfig`] (so a Put on `winrm/config` changes them).
#[derive(Clone, Debug)]
pub struct Limits {
    /// Longest idle expiry of enumeration contexts: the expiry applied is the
    /// smaller of this and `winrm/config/service` `EnumerationTimeoutms`.
    pub enumeration_expiry: Duration,
    /// Live enumeration contexts per user.
    pub enumeration_quota: usize,
    /// XML reader bounds.
    pub xml: wsman_proto::Limits,
    /// Live WinRS shells per user. The quota applied is the smaller of this
    /// and `winrm/config/winrs` `MaxShellsPerUser`. The default, 30, is what
    /// Windows Server 2012 applies (and a captured quota fault reports);
    /// Server 2022's winrm/config/winrs shows 2147483647 there.
    pub shells_per_user: usize,
    /// Commands per shell that have not ended, capped likewise by
    /// `MaxProcessesPerShell` (Windows Server 2012's default, 25).
    pub commands_per_shell: usize,
    /// How long `Server::run` waits for in-flight requests after shutdown
    /// before it drops them.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            enumeration_expiry: Duration::from_secs(240),
            enumeration_quota: 64,
            xml: wsman_proto::Limits::default(),
            shells_per_user: 30,
            commands_per_shell: 25,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// Server configuration.
#[derive(Clone)]
pub struct Config {
    /// Plain HTTP listener address.
    pub http: Option<SocketAddr>,
    /// HTTPS listener address.
    pub https: Option<SocketAddr>,
    /// Certificate source for HTTPS.
    pub tls: TlsSource,
    /// Accepted users. Empty means the single default user admin:admin.
    pub users: Vec<User>,
    /// Accept Basic over plain HTTP (WinRM's AllowUnencrypted).
    pub allow_unencrypted: bool,
    /// Misbehaviours switched on.
    pub defects: DefectSet,
    /// Request limits.
    pub limits: Limits,
    /// Extra providers mounted beside the simulated Windows host (the BMC's classes).
    pub extra_providers: Vec<Arc<dyn ResourceProvider>>,
    /// Machine name reported in faults and Win32 classes.
    pub machine: String,
    /// Interval of the timer event source (an event in the Application log
    /// every interval, [`events::windows::spawn_timer`]); `None`, the default,
    /// switches it off. Off by default because the eventing corpus expects a
    /// subscription to every log event (`SELECT * FROM Win32_NTLogEvent`) to
    /// stay quiet for its Pull-timeout cases; `serve` can turn it on.
    pub event_timer: Option<Duration>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("http", &self.http)
            .field("https", &self.https)
            .field("users", &self.users.iter().map(|u| &u.name).collect::<Vec<_>>())
            .field("allow_unencrypted", &self.allow_unencrypted)
            .field("defects", &self.defects)
            .field("extra_providers", &self.extra_providers.len())
            .field("event_timer", &self.event_timer)
            .finish()
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            http: Some(SocketAddr::from(([127, 0, 0, 1], 5985))),
            https: None,
            tls: TlsSource::SelfSigned,
            users: Vec::new(),
            allow_unencrypted: false,
            defects: DefectSet::default(),
            limits: Limits::default(),
            extra_providers: Vec::new(),
            machine: "WSMAN-REF".to_owned(),
            event_timer: None,
        }
    }
}

/// The corpus profiles this reference endpoint implements (with the BMC's
/// classes mounted). Against it, SKIP and UNIMPLEMENTED in these profiles are
/// failures of the project.
pub const IMPLEMENTED_PROFILES: &[&str] = &["core", "transfer", "enumeration", "eventing", "ipmi", "shell", "dmtf"];

/// The default user when none is configured.
pub fn default_user() -> User {
    User { name: "admin".into(), password: "admin".into() }
}

/// State shared by every connection.
pub(crate) struct State {
    pub(crate) users: Vec<User>,
    pub(crate) defects: DefectSet,
    pub(crate) limits: Limits,
    pub(crate) registry: registry::Registry,
    /// Live enumeration contexts; each keeps the positions of its items not yet sent.
    pub(crate) enumerations: Mutex<EnumerationStore<ops::enumerate::Pending>>,
    /// Enumeration items rendered once per provider snapshot.
    pub(crate) items: ops::rendered::ItemCache,
    /// The IdentifyResponse envelopes, anonymous and authenticated, encoded on first use.
    pub(crate) identify: [std::sync::OnceLock<Vec<u8>>; 2],
    pub(crate) machine: String,
    /// The WinRM configuration resource, read on every request.
    pub(crate) winrm: providers::WinRmConfig,
    /// Live WinRS shells and their commands.
    pub(crate) shells: Mutex<ShellStore<ops::shell::Waiter>>,
    /// Event subscriptions and their queues.
    pub(crate) subscriptions: Mutex<ops::eventing::Store>,
    /// Woken when the subscriptions change (an event queued, a subscription
    /// opened, renewed, ended, a delivery done): waiting Pulls and the
    /// eventing task look again.
    pub(crate) eventing_changed: tokio::sync::Notify,
    /// Fires when the server shuts down: connections finish their request
    /// and close, waiting operations (Receive, the hang defect) stop.
    pub(crate) shutdown: watch::Receiver<bool>,
    /// Where the host's event sources publish; eventing subscribes here.
    pub(crate) events: events::EventHub,
    /// Connections open now, at most, and in all.
    pub(crate) connections: Arc<ConnectionStats>,
}

/// Connection counts of a running server, for a harness that runs it
/// in-process (`fuzz` and `load` record them against the embedded server).
#[derive(Debug, Default)]
pub struct ConnectionStats {
    open: std::sync::atomic::AtomicUsize,
    peak: std::sync::atomic::AtomicUsize,
    accepted: std::sync::atomic::AtomicU64,
}

impl ConnectionStats {
    /// Connections open now (TCP accepted, not yet closed).
    pub fn open(&self) -> usize {
        self.open.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The most connections open at once.
    pub fn peak(&self) -> usize {
        self.peak.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Connections accepted in all.
    pub fn accepted(&self) -> u64 {
        self.accepted.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Counts a new connection; the guard counts it closed when dropped.
    pub(crate) fn opened(self: &Arc<Self>) -> OpenConnection {
        use std::sync::atomic::Ordering::Relaxed;
        self.accepted.fetch_add(1, Relaxed);
        let now = self.open.fetch_add(1, Relaxed) + 1;
        self.peak.fetch_max(now, Relaxed);
        OpenConnection(self.clone())
    }
}

/// One open connection of [`ConnectionStats`].
#[derive(Debug)]
pub(crate) struct OpenConnection(Arc<ConnectionStats>);

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

impl State {
    /// MaxEnvelopeSizekb × 1024: the default and ceiling of MaxEnvelopeSize and
    /// the request body limit (413 beyond).
    pub(crate) fn max_envelope_size(&self) -> usize {
        self.winrm.max_envelope_size_kb() as usize * 1024
    }

    /// MaxTimeoutms: the ceiling (and default) of OperationTimeout.
    pub(crate) fn max_timeout(&self) -> Duration {
        Duration::from_millis(self.winrm.max_timeout_ms().into())
    }

    /// MaxBatchItems: the ceiling of MaxElements.
    pub(crate) fn max_batch_items(&self) -> usize {
        self.winrm.max_batch_items() as usize
    }

    /// The shell store with the quotas of this moment (`winrm/config/winrs`
    /// capped by [`Limits`]) applied.
    pub(crate) fn lock_shells(&self) -> std::sync::MutexGuard<'_, ShellStore<ops::shell::Waiter>> {
        let mut store = self.shells.lock().unwrap_or_else(|p| p.into_inner());
        store.limits = ShellLimits {
            shells_per_user: (self.winrm.max_shells_per_user() as usize).min(self.limits.shells_per_user),
            commands_per_shell: (self.winrm.max_processes_per_shell() as usize).min(self.limits.commands_per_shell),
            idle_timeout: Duration::from_millis(self.winrm.winrs_idle_timeout_ms().into()),
        };
        store
    }

    /// The subscription store.
    pub(crate) fn lock_subscriptions(&self) -> std::sync::MutexGuard<'_, ops::eventing::Store> {
        self.subscriptions.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies `EnumerationTimeoutms` (capped by [`Limits::enumeration_expiry`])
    /// to the enumeration contexts; called after every Put, which may have changed it.
    pub(crate) fn sync_enumeration_expiry(&self, now: std::time::Instant) {
        let configured = Duration::from_millis(self.winrm.enumeration_timeout_ms().into());
        let mut store = self.enumerations.lock().unwrap_or_else(|p| p.into_inner());
        store.set_expiry(configured.min(self.limits.enumeration_expiry), now);
    }
}

/// Completes once the server is shutting down (the guard `wait_for` returns
/// is not `Send`, so it is dropped here, not held by the caller).
pub(crate) async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stopped| *stopped).await;
}

/// A bound, not yet running, server.
pub struct Server {
    state: Arc<State>,
    http: Option<TcpListener>,
    https: Option<(TcpListener, Arc<rustls::ServerConfig>)>,
    shutdown_tx: watch::Sender<bool>,
    /// PEM of the self-signed certificate, when one was generated.
    pub generated_cert_pem: Option<String>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("http", &self.http_addr()).field("https", &self.https_addr()).finish()
    }
}

impl Server {
    /// Binds the listeners. Binding a non-loopback address without explicit
    /// users is refused (the default admin:admin is for loopback only).
    pub async fn bind(config: Config) -> Result<Server, ServerError> {
        let non_loopback = [config.http, config.https].iter().flatten().any(|a| !a.ip().is_loopback());
        if non_loopback && config.users.is_empty() {
            return Err(ServerError::Config("binding a non-loopback address needs --user NAME:PASS (the default admin:admin is for loopback only)".into()));
        }
        let users = if config.users.is_empty() { vec![default_user()] } else { config.users.clone() };
        let bind = |addr: SocketAddr| async move { TcpListener::bind(addr).await.map_err(|source| ServerError::Bind { addr, source }) };
        let http = match config.http {
            Some(a) => Some(bind(a).await?),
            None => None,
        };
        let (https, generated_cert_pem) = match config.https {
            Some(a) => {
                let (tls, pem) = tls::server_config(&config.tls)?;
                (Some((bind(a).await?, tls)), pem)
            }
            None => (None, None),
        };
        let mut store = EnumerationStore::new(config.limits.enumeration_expiry, config.limits.enumeration_quota);
        store.keep_released = config.defects.has(Defect::AcceptReleasedContext) || config.defects.has(Defect::NoEndOfSequence);
        store.unbounded = config.defects.has(Defect::LeakEnumerationContexts);
        let winrm = providers::WinRmConfig::new();
        winrm.set_allow_unencrypted(config.allow_unencrypted);
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let events = events::EventHub::default();
        if let Some(every) = config.event_timer {
            events::windows::spawn_timer(&events, every, &config.machine, shutdown_rx.clone());
        }
        let mut providers = providers::windows_host_with_events(&config.machine, &winrm, &events);
        providers.extend(config.extra_providers.iter().cloned());
        let state = State {
            users,
            defects: config.defects.clone(),
            limits: config.limits.clone(),
            registry: registry::Registry::new(providers),
            enumerations: Mutex::new(store),
            items: ops::rendered::ItemCache::default(),
            identify: Default::default(),
            machine: config.machine.clone(),
            winrm,
            shells: Mutex::new(ShellStore::new(ShellLimits::default())),
            subscriptions: Mutex::new(ops::eventing::Store::new(EventingLimits::default())),
            eventing_changed: tokio::sync::Notify::new(),
            shutdown: shutdown_rx,
            events,
            connections: Arc::default(),
        };
        state.sync_enumeration_expiry(std::time::Instant::now());
        Ok(Server { state: Arc::new(state), http, https, shutdown_tx, generated_cert_pem })
    }

    /// The plain HTTP address actually bound (port 0 resolved).
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// The HTTPS address actually bound.
    pub fn https_addr(&self) -> Option<SocketAddr> {
        self.https.as_ref().and_then(|(l, _)| l.local_addr().ok())
    }

    /// The readiness lines `serve` prints (DESIGN.md "Readiness").
    pub fn readiness_lines(&self) -> Vec<String> {
        let fmt = |scheme: &str, a: SocketAddr| format!("listening on {scheme}://{a}/wsman");
        self.http_addr().map(|a| fmt("http", a)).into_iter().chain(self.https_addr().map(|a| fmt("https", a))).collect()
    }

    /// The configured users (admin:admin when none were given).
    pub fn users(&self) -> &[User] {
        &self.state.users
    }

    /// The server's connection counts (live while it runs).
    pub fn connections(&self) -> Arc<ConnectionStats> {
        self.state.connections.clone()
    }

    /// Answers one SOAP request body in-process, for the authenticated user
    /// `user`: the request's path after the HTTP edge (decode, header rules,
    /// the operation, encode), without a connection. Returns the HTTP status
    /// the edge would send (200, or 500 for a fault; the defects that change
    /// the HTTP side are not applied) and the envelope. For benchmarks of
    /// the dispatch; everything else goes through [`Server::run`].
    pub async fn answer(&self, body: &[u8], user: &str) -> (u16, Vec<u8>) {
        let mut info = dispatch::RequestInfo::default();
        match dispatch::handle_soap(&self.state, body, user, None, &mut info).await {
            dispatch::Outcome::Success(bytes) => (200, bytes),
            dispatch::Outcome::Fault(bytes, _) => (500, bytes),
        }
    }

    /// Serves until `shutdown` completes, then stops accepting, lets the
    /// requests in flight finish (operations that wait, such as a Receive,
    /// answer at once), closes every connection, and returns. Requests still
    /// running after [`Limits::shutdown_grace`] are dropped.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let Server { state, http, https, shutdown_tx, .. } = self;
        let (in_flight, mut all_done) = tokio::sync::mpsc::channel::<()>(1);
        let mut tasks = tokio::task::JoinSet::new();
        if let Some(l) = http {
            tasks.spawn(http::accept_loop(l, None, state.clone(), in_flight.clone()));
        }
        if let Some((l, tls)) = https {
            tasks.spawn(http::accept_loop(l, Some(tokio_rustls::TlsAcceptor::from(tls)), state.clone(), in_flight.clone()));
        }
        drop(in_flight);
        let eventing = tokio::spawn(eventing::run(state.clone()));
        shutdown.await;
        let _ = shutdown_tx.send(true);
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
        let _ = eventing.await;
        // Every connection task holds a sender; recv() yields None once the last is gone.
        if tokio::time::timeout(state.limits.shutdown_grace, all_done.recv()).await.is_err() {
            tracing::warn!("shutdown: requests still running after {:?} were dropped", state.limits.shutdown_grace);
        }
    }
}
