//! The IPMI-over-LAN face: RMCP, ASF presence ping, IPMI 1.5 sessions (auth
//! none, straight password, MD5) and RMCP+ (IPMI 2.0) with RAKP and cipher
//! suites 0-3, 15-17.
//!
//! [`Lan`] is sans-IO: [`Lan::handle_datagram`] takes scenario time, the
//! core and one datagram, and returns the reply datagram, if any.
//! [`serve_lan`] is the thin tokio shell around it.
//!
//! ```text
//!   UDP datagram -> RMCP header -> ASF ping            -> pong
//!                               -> IPMI 1.5 session hdr -> v15 (challenge, activate, MD5/password codes)
//!                               -> RMCP+ session hdr    -> v20 (Open Session, RAKP 1-4, integrity, AES)
//!                                                       -> session commands here, the rest -> Bmc::handle_as
//! ```

pub mod crypto;
mod packet;
mod session;
mod v15;
mod v20;

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::bmc::{cc, netfn, Bmc, Privilege, Request};
use crate::clock::SharedBmc;
use packet::{build_response, LanRequest, CLASS_ASF, CLASS_IPMI};
use session::Session;

/// Largest datagram accepted or sent.
const MAX_DATAGRAM: usize = 1024;

/// The LAN session layer of one BMC.
#[derive(Debug)]
pub struct Lan {
    sessions: BTreeMap<u32, Session>,
    rng: StdRng,
    timeout: Duration,
    max_sessions: usize,
}

impl Lan {
    /// A session layer with the scenario's timeout and session limit, seeded from the OS.
    pub fn for_bmc(bmc: &Bmc) -> Lan {
        let seed = rand::rng().next_u64();
        Lan::with_seed(bmc, seed)
    }

    /// Same, with a fixed seed for session ids and random numbers (tests).
    pub fn with_seed(bmc: &Bmc, seed: u64) -> Lan {
        let info = &bmc.scenario().bmc;
        Lan {
            sessions: BTreeMap::new(),
            rng: StdRng::seed_from_u64(seed),
            timeout: info.session_timeout,
            max_sessions: info.max_sessions,
        }
    }

    /// Number of sessions, pending ones included.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// Handles one datagram at scenario time `now`; returns the reply, if any.
    /// Never panics, whatever the bytes.
    pub fn handle_datagram(
        &mut self,
        now: Duration,
        bmc: &mut Bmc,
        dgram: &[u8],
    ) -> Option<Vec<u8>> {
        if dgram.len() < 5 || dgram.len() > MAX_DATAGRAM || dgram[0] != 0x06 {
            return None;
        }
        self.sweep(now);
        let body = &dgram[4..];
        match dgram[3] {
            CLASS_ASF => packet::asf_pong(body),
            CLASS_IPMI if body[0] == 0x06 => self.handle_v20(now, bmc, body),
            CLASS_IPMI => self.handle_v15(now, bmc, body),
            _ => None,
        }
    }

    /// Drops sessions idle for longer than the timeout.
    fn sweep(&mut self, now: Duration) {
        let timeout = self.timeout;
        self.sessions
            .retain(|_, s| now.saturating_sub(s.last_activity) <= timeout);
    }

    fn full(&self) -> bool {
        self.sessions.len() >= self.max_sessions
    }

    /// A fresh, unused, non-zero session id.
    fn new_session_id(&mut self) -> u32 {
        loop {
            let id = self.rng.next_u32();
            if id != 0 && !self.sessions.contains_key(&id) {
                return id;
            }
        }
    }

    fn random16(&mut self) -> [u8; 16] {
        let mut b = [0u8; 16];
        self.rng.fill_bytes(&mut b);
        b
    }

    /// Session commands answered here; everything else goes to the core at
    /// the session's privilege. Returns the response message and whether the
    /// session was closed.
    fn in_session(
        &mut self,
        now: Duration,
        bmc: &mut Bmc,
        sid: u32,
        s: &mut Session,
        req: &LanRequest,
    ) -> (Vec<u8>, bool) {
        let r = |code: u8, data: &[u8]| build_response(req, code, data);
        if req.netfn == netfn::APP {
            match req.cmd {
                // Set Session Privilege Level
                0x3B => {
                    let Some(&level) = req.data.first() else {
                        return (r(cc::BAD_LENGTH, &[]), false);
                    };
                    if level & 0x0F == 0 {
                        return (r(cc::OK, &[s.privilege as u8]), false);
                    }
                    return match Privilege::from_code(level) {
                        Some(Privilege::Oem) => (r(0x80, &[]), false), // level not available
                        Some(p) if p > s.max_privilege => (r(0x81, &[]), false),
                        Some(p) => {
                            s.privilege = p;
                            (r(cc::OK, &[p as u8]), false)
                        }
                        None => (r(cc::INVALID_DATA, &[]), false),
                    };
                }
                // Close Session
                0x3C => {
                    let Some(target) = req
                        .data
                        .get(0..4)
                        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    else {
                        return (r(cc::BAD_LENGTH, &[]), false);
                    };
                    if target == sid {
                        return (r(cc::OK, &[]), true);
                    }
                    if s.privilege >= Privilege::Admin && self.sessions.remove(&target).is_some() {
                        return (r(cc::OK, &[]), false);
                    }
                    return (r(0x87, &[]), false); // invalid session id
                }
                // Get Session Info: handle, slots, active count, user, privilege, channel
                0x3D => {
                    let active = (self.sessions.len() + 1).min(63) as u8;
                    return (
                        r(
                            cc::OK,
                            &[
                                1,
                                self.max_sessions.min(63) as u8,
                                active,
                                0,
                                s.privilege as u8,
                                0x01,
                            ],
                        ),
                        false,
                    );
                }
                // Session setup commands inside a session
                0x39 | 0x3A => return (r(0xD5, &[]), false),
                _ => {}
            }
        }
        let resp = bmc.handle_as(
            now,
            s.privilege,
            &Request {
                netfn: req.netfn,
                cmd: req.cmd,
                data: req.data.clone(),
            },
        );
        (r(resp.cc, &resp.data), false)
    }

    /// Commands allowed outside a session.
    fn sessionless(&mut self, now: Duration, bmc: &mut Bmc, req: &LanRequest) -> Vec<u8> {
        match (req.netfn, req.cmd) {
            (netfn::APP, 0x38 | 0x54) => {
                let resp = bmc.handle(
                    now,
                    &Request {
                        netfn: req.netfn,
                        cmd: req.cmd,
                        data: req.data.clone(),
                    },
                );
                build_response(req, resp.cc, &resp.data)
            }
            _ => build_response(req, cc::INSUFFICIENT_PRIVILEGE, &[]),
        }
    }
}

/// Serves the LAN face on `socket` until `shutdown` completes.
///
/// The BMC's users are those its core was built with (`Bmc::new`); every
/// datagram is handled at the current time of the handle's clock.
pub async fn serve_lan(
    socket: tokio::net::UdpSocket,
    bmc: SharedBmc,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut lan = Lan::for_bmc(&bmc.lock());
    let mut buf = vec![0u8; MAX_DATAGRAM + 1];
    tokio::pin!(shutdown);
    loop {
        let (n, peer) = tokio::select! {
            _ = &mut shutdown => return Ok(()),
            r = socket.recv_from(&mut buf) => match r {
                Ok(x) => x,
                // ICMP port-unreachable from an earlier reply and the like: keep serving.
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => continue,
                Err(e) => return Err(e),
            },
        };
        let reply = bmc.with(|core, now| lan.handle_datagram(now, core, &buf[..n]));
        if let Some(reply) = reply {
            // A send failure concerns one peer only.
            let _ = socket.send_to(&reply, peer).await;
        }
    }
}
