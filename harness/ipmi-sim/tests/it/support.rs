//! Helpers: a BMC with a frozen clock, served on 127.0.0.1:0.

use std::net::SocketAddr;
use std::time::Duration;

use ipmi_sim::{serve_lan, Bmc, Clock, Scenario, SharedBmc};

pub(crate) const USER: &str = "admin";
pub(crate) const PASS: &str = "s3cret-pass";

pub(crate) fn shared_at(t: Duration) -> SharedBmc {
    let bmc = Bmc::new(Scenario::builtin_default(), &[(USER.into(), PASS.into())])
        .expect("default scenario");
    SharedBmc::new(bmc, Clock::frozen(t))
}

/// A running LAN face; dropping it stops the server.
pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    pub(crate) bmc: SharedBmc,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    /// Kept alive for the server task; dropped last.
    _rt: tokio::runtime::Runtime,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

pub(crate) fn start(bmc: SharedBmc) -> Server {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let socket = rt
        .block_on(tokio::net::UdpSocket::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = socket.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let b = bmc.clone();
    rt.spawn(async move {
        let _ = serve_lan(socket, b, async {
            let _ = rx.await;
        })
        .await;
    });
    Server {
        addr,
        bmc,
        stop: Some(tx),
        _rt: rt,
    }
}

/// True when `bin` is on PATH; prints a skip message otherwise.
pub(crate) fn have(bin: &str) -> bool {
    let found = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(bin).is_file()));
    if !found {
        println!("SKIP: {bin} not installed (apt-get install -y ipmitool freeipmi-tools)");
    }
    found
}
