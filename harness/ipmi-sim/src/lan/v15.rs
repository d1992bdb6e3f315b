//! IPMI 1.5 sessions (IPMI v2.0 §6.12, §22.15-22.19): Get Session
//! Challenge, Activate Session, per-message authentication codes.
//!
//! ```text
//! session header: authType(1) seq(4, LE) sessionId(4, LE) [authCode(16)] msgLen(1) message
//! MD5 auth code:  MD5(password16 | sessionId | message | seq | password16)
//! ```

use std::time::Duration;

use super::crypto::md5;
use super::packet::{build_response, parse_request, LanRequest, RMCP_IPMI};
use super::session::{Phase, Session};
use super::Lan;
use crate::bmc::{cc, netfn, Bmc, Privilege};

const AUTH_NONE: u8 = 0x00;
const AUTH_MD5: u8 = 0x02;
const AUTH_PASSWORD: u8 = 0x04;

/// Password padded to 16 bytes (IPMI 1.5 uses only the first 16).
fn pad16(pw: &[u8]) -> [u8; 16] {
    let mut p = [0u8; 16];
    let n = pw.len().min(16);
    p[..n].copy_from_slice(&pw[..n]);
    p
}

/// The 16-byte auth code of a message, `None` for auth type none or unsupported types.
fn auth_code(auth_type: u8, password: &[u8], sid: u32, seq: u32, msg: &[u8]) -> Option<[u8; 16]> {
    let p = pad16(password);
    match auth_type {
        AUTH_MD5 => Some(md5(&[&p, &sid.to_le_bytes(), msg, &seq.to_le_bytes(), &p])),
        AUTH_PASSWORD => Some(p),
        _ => None,
    }
}

/// Frames a 1.5 packet.
fn packet(auth_type: u8, seq: u32, sid: u32, password: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut out = RMCP_IPMI.to_vec();
    out.push(auth_type);
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&sid.to_le_bytes());
    if let Some(code) = auth_code(auth_type, password, sid, seq, msg) {
        out.extend_from_slice(&code);
    }
    out.push(msg.len() as u8);
    out.extend_from_slice(msg);
    out
}

/// Constant-time equality for authentication codes.
pub(super) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Lan {
    pub(super) fn handle_v15(
        &mut self,
        now: Duration,
        bmc: &mut Bmc,
        body: &[u8],
    ) -> Option<Vec<u8>> {
        let auth_type = body[0] & 0x0F;
        let seq = u32::from_le_bytes(body.get(1..5)?.try_into().ok()?);
        let sid = u32::from_le_bytes(body.get(5..9)?.try_into().ok()?);
        let (code, rest) = if auth_type == AUTH_NONE {
            (None, body.get(9..)?)
        } else {
            (Some(body.get(9..25)?), body.get(25..)?)
        };
        let len = usize::from(*rest.first()?);
        let msg = rest.get(1..1 + len)?;
        let req = parse_request(msg)?;

        if sid == 0 {
            let reply = match (req.netfn, req.cmd) {
                (netfn::APP, 0x39) => self.get_session_challenge(now, bmc, &req),
                _ => self.sessionless(now, bmc, &req),
            };
            return Some(packet(AUTH_NONE, 0, 0, &[], &reply));
        }

        let mut s = self.sessions.remove(&sid)?;
        let reply = match s.phase.clone() {
            Phase::V15Challenged {
                auth_type: want,
                user_id,
                challenge,
            } => {
                let password = bmc
                    .users()
                    .get(user_id)
                    .map(|u| u.password.clone())
                    .unwrap_or_default();
                if auth_type != want
                    || !code_ok(auth_type, code, &password, sid, seq, msg)
                    || (req.netfn, req.cmd) != (netfn::APP, 0x3A)
                {
                    self.sessions.insert(sid, s);
                    return None;
                }
                let (resp, ok) = activate(
                    &mut s,
                    sid,
                    now,
                    bmc,
                    &req,
                    auth_type,
                    user_id,
                    &challenge,
                    self.random_seq(),
                );
                // The response carries the first outbound sequence number
                // (the console's initial one); consoles start their window there.
                let out_seq = if ok { s.next_outbound() } else { 0 };
                let out = packet(auth_type, out_seq, sid, &password, &resp);
                if ok {
                    s.phase = Phase::V15Active {
                        auth_type,
                        password,
                    };
                }
                // A refused activation leaves the challenge pending until it times out.
                self.sessions.insert(sid, s);
                out
            }
            Phase::V15Active {
                auth_type: want,
                password,
            } => {
                if auth_type != want || !code_ok(auth_type, code, &password, sid, seq, msg) {
                    self.sessions.insert(sid, s);
                    return None;
                }
                if let Err(again) = s.admit(seq) {
                    self.sessions.insert(sid, s);
                    return again;
                }
                s.last_activity = now;
                let (resp, closed) = self.in_session(now, bmc, sid, &mut s, &req);
                let out_seq = s.next_outbound();
                let out = packet(want, out_seq, sid, &password, &resp);
                if !closed {
                    s.last_reply = Some((seq, out.clone()));
                    self.sessions.insert(sid, s);
                }
                out
            }
            _ => {
                // An RMCP+ session id used with a 1.5 header.
                self.sessions.insert(sid, s);
                return None;
            }
        };
        Some(reply)
    }

    fn random_seq(&mut self) -> u32 {
        let r = u32::from_le_bytes(self.random16()[..4].try_into().unwrap_or([1, 0, 0, 0]));
        (r & 0x7FFF_FFFF).max(1)
    }

    fn get_session_challenge(&mut self, now: Duration, bmc: &Bmc, req: &LanRequest) -> Vec<u8> {
        let r = |code: u8, data: &[u8]| build_response(req, code, data);
        if req.data.len() < 17 {
            return r(cc::BAD_LENGTH, &[]);
        }
        let auth_type = req.data[0] & 0x0F;
        if !matches!(auth_type, AUTH_NONE | AUTH_MD5 | AUTH_PASSWORD) {
            return r(cc::INVALID_DATA, &[]);
        }
        let name: Vec<u8> = req.data[1..17]
            .iter()
            .copied()
            .take_while(|b| *b != 0)
            .collect();
        let Some((user_id, user)) = bmc.users().lookup(&name) else {
            return r(if name.is_empty() { 0x82 } else { 0x81 }, &[]);
        };
        if self.full() {
            return r(cc::BUSY, &[]);
        }
        let max = user.privilege.unwrap_or(Privilege::Callback);
        let sid = self.new_session_id();
        let challenge = self.random16();
        self.sessions.insert(
            sid,
            Session::new(
                Phase::V15Challenged {
                    auth_type,
                    user_id,
                    challenge,
                },
                now,
                max,
            ),
        );
        let mut data = sid.to_le_bytes().to_vec();
        data.extend_from_slice(&challenge);
        r(cc::OK, &data)
    }
}

fn code_ok(
    auth_type: u8,
    code: Option<&[u8]>,
    password: &[u8],
    sid: u32,
    seq: u32,
    msg: &[u8],
) -> bool {
    match (auth_code(auth_type, password, sid, seq, msg), code) {
        (None, None) => auth_type == AUTH_NONE,
        (Some(want), Some(got)) => ct_eq(&want, got),
        _ => false,
    }
}

/// Activate Session: checks the challenge and privilege; returns the response
/// message and whether the session is now active.
#[allow(clippy::too_many_arguments)]
fn activate(
    s: &mut Session,
    sid: u32,
    now: Duration,
    bmc: &Bmc,
    req: &LanRequest,
    auth_type: u8,
    user_id: u8,
    challenge: &[u8; 16],
    inbound: u32,
) -> (Vec<u8>, bool) {
    let r = |code: u8, data: &[u8]| build_response(req, code, data);
    let d = &req.data;
    if d.len() < 22 {
        return (r(cc::BAD_LENGTH, &[]), false);
    }
    if d[0] & 0x0F != auth_type || !ct_eq(&d[2..18], challenge) {
        return (r(cc::INVALID_DATA, &[]), false);
    }
    let Some(want) = Privilege::from_code(d[1]) else {
        return (r(cc::INVALID_DATA, &[]), false);
    };
    let limit = bmc
        .users()
        .get(user_id)
        .and_then(|u| u.privilege)
        .unwrap_or(Privilege::Callback);
    if want > limit {
        return (r(0x86, &[]), false);
    }
    let outbound = u32::from_le_bytes([d[18], d[19], d[20], d[21]]);
    s.max_privilege = want;
    s.privilege = Privilege::User.min(want);
    s.outbound = outbound.wrapping_sub(1);
    s.inbound = super::session::SeqWindow::expecting(inbound);
    s.last_activity = now;
    let mut data = vec![auth_type];
    data.extend_from_slice(&sid.to_le_bytes());
    data.extend_from_slice(&inbound.to_le_bytes());
    data.push(want as u8);
    (r(cc::OK, &data), true)
}
