//! RMCP+ (IPMI v2.0 §13.14-13.33): Open Session, RAKP 1-4, the session
//! integrity trailer and AES-CBC-128 confidentiality.
//!
//! ```text
//! session header: 06 payloadType(enc|auth|type) sessionId(4) seq(4) len(2) payload
//! trailer:        FF.. padLen 07 authCode       (when integrity is negotiated)
//! RAKP 2 code:    HMAC_Kuid(SIDm | SIDc | Rm | Rc | GUIDc | ROLEm | ULENm | UNAMEm)
//! RAKP 3 code:    HMAC_Kuid(Rc | SIDm | ROLEm | ULENm | UNAMEm)
//! SIK:            HMAC_Kg(Rm | Rc | ROLEm | ULENm | UNAMEm)      (Kg = Kuid)
//! RAKP 4 ICV:     HMAC_SIK(Rm | SIDc | GUIDc), truncated
//! K1, K2:         HMAC_SIK(01h x 20), HMAC_SIK(02h x 20); AES key = K2[0..16]
//! ```
//! (SIDm is the remote console's session id, SIDc the BMC's.)

use std::time::Duration;

use super::crypto::{aes_cbc_decrypt, aes_cbc_encrypt, AuthAlg, IntegAlg};
use super::packet::{parse_request, RMCP_IPMI};
use super::session::{Phase, SeqWindow, Session, V20Keys};
use super::v15::ct_eq;
use super::Lan;
use crate::bmc::{Bmc, Privilege};

const PT_IPMI: u8 = 0x00;
const PT_OPEN_REQ: u8 = 0x10;
const PT_OPEN_RSP: u8 = 0x11;
const PT_RAKP1: u8 = 0x12;
const PT_RAKP2: u8 = 0x13;
const PT_RAKP3: u8 = 0x14;
const PT_RAKP4: u8 = 0x15;

/// RMCP+ status codes (Table 13-15).
mod status {
    pub(super) const INSUFFICIENT_RESOURCES: u8 = 0x01;
    pub(super) const INVALID_SESSION_ID: u8 = 0x02;
    pub(super) const INVALID_AUTH_ALG: u8 = 0x04;
    pub(super) const INVALID_INTEG_ALG: u8 = 0x05;
    pub(super) const INVALID_ROLE: u8 = 0x09;
    pub(super) const UNAUTHORIZED_ROLE: u8 = 0x0A;
    pub(super) const UNAUTHORIZED_NAME: u8 = 0x0D;
    pub(super) const INVALID_ICV: u8 = 0x0F;
    pub(super) const INVALID_CONF_ALG: u8 = 0x10;
    pub(super) const NO_CIPHER_SUITE_MATCH: u8 = 0x11;
    pub(super) const ILLEGAL_PARAMETER: u8 = 0x12;
}

/// A session-less RMCP+ packet (Open Session, RAKP, pre-session IPMI).
fn plain_packet(ptype: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = RMCP_IPMI.to_vec();
    out.extend_from_slice(&[0x06, ptype, 0, 0, 0, 0, 0, 0, 0, 0]);
    out.extend_from_slice(&(payload.len() as u16).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

fn le32(b: &[u8]) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(0..4)?.try_into().ok()?))
}

fn auth_code_of(a: AuthAlg) -> u8 {
    match a {
        AuthAlg::None => 0,
        AuthAlg::HmacSha1 => 1,
        AuthAlg::HmacSha256 => 3,
    }
}

fn integ_code_of(i: IntegAlg) -> u8 {
    match i {
        IntegAlg::None => 0,
        IntegAlg::HmacSha1_96 => 1,
        IntegAlg::HmacSha256_128 => 4,
    }
}

/// The algorithm of one Open Session payload (type, 2 reserved, length, algorithm, 3 reserved);
/// `Ok(None)` for a null (zero-length) payload, `Err` when malformed.
fn algorithm(p: &[u8], ptype: u8) -> Result<Option<u8>, ()> {
    let b = p.get(0..8).ok_or(())?;
    if b[0] != ptype {
        return Err(());
    }
    Ok(if b[3] == 0 { None } else { Some(b[4] & 0x3F) })
}

impl Lan {
    pub(super) fn handle_v20(
        &mut self,
        now: Duration,
        bmc: &mut Bmc,
        body: &[u8],
    ) -> Option<Vec<u8>> {
        let pbyte = *body.get(1)?;
        let (encrypted, authed, ptype) = (pbyte & 0x80 != 0, pbyte & 0x40 != 0, pbyte & 0x3F);
        let sid = le32(body.get(2..6)?)?;
        let seq = le32(body.get(6..10)?)?;
        let plen = usize::from(u16::from_le_bytes(body.get(10..12)?.try_into().ok()?));
        let payload = body.get(12..12 + plen)?;

        if sid == 0 {
            if encrypted || authed {
                return None;
            }
            return match ptype {
                PT_IPMI => {
                    let req = parse_request(payload)?;
                    let reply = self.sessionless(now, bmc, &req);
                    Some(plain_packet(PT_IPMI, &reply))
                }
                PT_OPEN_REQ => self.open_session(now, payload),
                PT_RAKP1 => self.rakp1(now, bmc, payload),
                PT_RAKP3 => self.rakp3(now, bmc, payload),
                _ => None,
            };
        }

        let mut s = self.sessions.remove(&sid)?;
        let Phase::V20Active { console_id, keys } = s.phase.clone() else {
            self.sessions.insert(sid, s);
            return None;
        };
        let Some(plain) = open_sealed(&keys, body, plen, encrypted, authed) else {
            self.sessions.insert(sid, s);
            return None;
        };
        if ptype != PT_IPMI || seq == 0 {
            self.sessions.insert(sid, s);
            return None;
        }
        if let Err(again) = s.admit(seq) {
            self.sessions.insert(sid, s);
            return again;
        }
        let Some(req) = parse_request(&plain) else {
            self.sessions.insert(sid, s);
            return None;
        };
        s.last_activity = now;
        let (resp, closed) = self.in_session(now, bmc, sid, &mut s, &req);
        let out_seq = s.next_outbound();
        let iv = self.random16();
        let out = seal(&keys, console_id, out_seq, &resp, iv);
        if !closed {
            s.last_reply = Some((seq, out.clone()));
            self.sessions.insert(sid, s);
        }
        Some(out)
    }

    fn open_session(&mut self, now: Duration, p: &[u8]) -> Option<Vec<u8>> {
        let tag = *p.first()?;
        let console_id = le32(p.get(4..8)?)?;
        let err = |code: u8| {
            let mut r = vec![tag, code, 0, 0];
            r.extend_from_slice(&console_id.to_le_bytes());
            Some(plain_packet(PT_OPEN_RSP, &r))
        };
        if p.len() < 32 {
            return err(status::ILLEGAL_PARAMETER);
        }
        if console_id == 0 {
            return err(status::INVALID_SESSION_ID);
        }
        let (Ok(a), Ok(i), Ok(c)) = (
            algorithm(&p[8..], 0x00),
            algorithm(&p[16..], 0x01),
            algorithm(&p[24..], 0x02),
        ) else {
            return err(status::ILLEGAL_PARAMETER);
        };
        let Some(auth) = AuthAlg::from_code(a.unwrap_or(1)) else {
            return err(status::INVALID_AUTH_ALG);
        };
        let default_integ = match auth {
            AuthAlg::None => 0,
            AuthAlg::HmacSha1 => 1,
            AuthAlg::HmacSha256 => 4,
        };
        let Some(integ) = IntegAlg::from_code(i.unwrap_or(default_integ)) else {
            return err(status::INVALID_INTEG_ALG);
        };
        let conf = match c.unwrap_or(u8::from(integ != IntegAlg::None)) {
            0 => false,
            1 => true,
            _ => return err(status::INVALID_CONF_ALG),
        };
        let consistent = match (auth, integ) {
            (_, IntegAlg::None) => !conf,
            (AuthAlg::HmacSha1, IntegAlg::HmacSha1_96)
            | (AuthAlg::HmacSha256, IntegAlg::HmacSha256_128) => true,
            _ => false,
        };
        if !consistent || (auth == AuthAlg::None && integ != IntegAlg::None) {
            return err(status::NO_CIPHER_SUITE_MATCH);
        }
        // Requested maximum privilege 0 means "the highest the proposed
        // algorithms allow": every user of this BMC may be administrator.
        let max_priv = match p[1] & 0x0F {
            0 => Privilege::Admin,
            c => match Privilege::from_code(c) {
                Some(Privilege::Oem) | None => return err(status::INVALID_ROLE),
                Some(p) => p,
            },
        };
        if self.full() {
            return err(status::INSUFFICIENT_RESOURCES);
        }
        let bmc_id = self.new_session_id();
        let phase = Phase::V20Opening {
            console_id,
            auth,
            integ,
            conf,
            max_priv,
            rakp: None,
        };
        self.sessions
            .insert(bmc_id, Session::new(phase, now, max_priv));
        let mut r = vec![tag, 0, max_priv as u8, 0];
        r.extend_from_slice(&console_id.to_le_bytes());
        r.extend_from_slice(&bmc_id.to_le_bytes());
        r.extend_from_slice(&[0x00, 0, 0, 8, auth_code_of(auth), 0, 0, 0]);
        r.extend_from_slice(&[0x01, 0, 0, 8, integ_code_of(integ), 0, 0, 0]);
        r.extend_from_slice(&[0x02, 0, 0, 8, u8::from(conf), 0, 0, 0]);
        Some(plain_packet(PT_OPEN_RSP, &r))
    }

    fn rakp1(&mut self, now: Duration, bmc: &Bmc, p: &[u8]) -> Option<Vec<u8>> {
        let tag = *p.first()?;
        let bmc_id = le32(p.get(4..8)?)?;
        let err = |code: u8, console_id: u32| {
            let mut r = vec![tag, code, 0, 0];
            r.extend_from_slice(&console_id.to_le_bytes());
            Some(plain_packet(PT_RAKP2, &r))
        };
        let Some(s) = self.sessions.get(&bmc_id) else {
            return err(status::INVALID_SESSION_ID, 0);
        };
        let Phase::V20Opening {
            console_id,
            auth,
            max_priv,
            ..
        } = s.phase.clone()
        else {
            return err(status::INVALID_SESSION_ID, 0);
        };
        if p.len() < 28 {
            self.sessions.remove(&bmc_id);
            return err(status::ILLEGAL_PARAMETER, console_id);
        }
        let rm: [u8; 16] = p[8..24].try_into().ok()?;
        let role = p[24];
        let ulen = usize::from(p[27]);
        let Some(name) = p.get(28..28 + ulen).filter(|_| ulen <= 16) else {
            self.sessions.remove(&bmc_id);
            return err(status::ILLEGAL_PARAMETER, console_id);
        };
        let Some((user_id, user)) = bmc.users().lookup(name) else {
            self.sessions.remove(&bmc_id);
            return err(status::UNAUTHORIZED_NAME, console_id);
        };
        let limit = user.privilege.unwrap_or(Privilege::Callback).min(max_priv);
        match Privilege::from_code(role) {
            None | Some(Privilege::Oem) => {
                self.sessions.remove(&bmc_id);
                return err(status::INVALID_ROLE, console_id);
            }
            Some(want) if want > limit => {
                self.sessions.remove(&bmc_id);
                return err(status::UNAUTHORIZED_ROLE, console_id);
            }
            Some(_) => {}
        }
        let password = user.password.clone();
        let rc = self.random16();
        let guid = bmc.system_guid();
        let code = auth.hmac(
            &password,
            &[
                &console_id.to_le_bytes(),
                &bmc_id.to_le_bytes(),
                &rm,
                &rc,
                &guid,
                &[role, ulen as u8],
                name,
            ],
        );
        let s = self.sessions.get_mut(&bmc_id)?;
        if let Phase::V20Opening { rakp, .. } = &mut s.phase {
            *rakp = Some((user_id, rm, rc, role, name.to_vec()));
        }
        s.last_activity = now;
        let mut r = vec![tag, 0, 0, 0];
        r.extend_from_slice(&console_id.to_le_bytes());
        r.extend_from_slice(&rc);
        r.extend_from_slice(&guid);
        r.extend_from_slice(&code);
        Some(plain_packet(PT_RAKP2, &r))
    }

    fn rakp3(&mut self, now: Duration, bmc: &Bmc, p: &[u8]) -> Option<Vec<u8>> {
        let tag = *p.first()?;
        let console_status = *p.get(1)?;
        let bmc_id = le32(p.get(4..8)?)?;
        let err = |code: u8, console_id: u32| {
            let mut r = vec![tag, code, 0, 0];
            r.extend_from_slice(&console_id.to_le_bytes());
            Some(plain_packet(PT_RAKP4, &r))
        };
        let Some(s) = self.sessions.get(&bmc_id) else {
            return err(status::INVALID_SESSION_ID, 0);
        };
        let Phase::V20Opening {
            console_id,
            auth,
            integ,
            conf,
            rakp: Some((user_id, rm, rc, role, name)),
            ..
        } = s.phase.clone()
        else {
            return err(status::INVALID_SESSION_ID, 0);
        };
        if console_status != 0 {
            // The console gave up (for example, our RAKP 2 code did not verify).
            self.sessions.remove(&bmc_id);
            return None;
        }
        let password = bmc
            .users()
            .get(user_id)
            .map(|u| u.password.clone())
            .unwrap_or_default();
        let ulen = [role, name.len() as u8];
        let want = auth.hmac(&password, &[&rc, &console_id.to_le_bytes(), &ulen, &name]);
        if !ct_eq(&want, &p[8..]) {
            self.sessions.remove(&bmc_id);
            return err(status::INVALID_ICV, console_id);
        }
        let sik = auth.hmac(&password, &[&rm, &rc, &ulen, &name]);
        let k1 = auth.hmac(&sik, &[&[0x01; 20]]);
        let k2 = auth.hmac(&sik, &[&[0x02; 20]]);
        let mut aes_key = [0u8; 16];
        if k2.len() >= 16 {
            aes_key.copy_from_slice(&k2[..16]);
        }
        let guid = bmc.system_guid();
        let icv = auth.hmac(&sik, &[&rm, &bmc_id.to_le_bytes(), &guid]);
        let icv = &icv[..auth.icv_len().min(icv.len())];
        let s = self.sessions.get_mut(&bmc_id)?;
        let role_priv = Privilege::from_code(role).unwrap_or(Privilege::User);
        s.phase = Phase::V20Active {
            console_id,
            keys: V20Keys {
                integ,
                conf,
                k1,
                aes_key,
            },
        };
        s.privilege = role_priv;
        s.max_privilege = role_priv;
        s.inbound = SeqWindow::expecting(1);
        s.outbound = 0;
        s.last_activity = now;
        let mut r = vec![tag, 0, 0, 0];
        r.extend_from_slice(&console_id.to_le_bytes());
        r.extend_from_slice(icv);
        Some(plain_packet(PT_RAKP4, &r))
    }
}

/// Checks the integrity trailer and decrypts the payload of an in-session
/// packet (`body` starts at the auth type byte); `None` when anything is off.
fn open_sealed(
    keys: &V20Keys,
    body: &[u8],
    plen: usize,
    encrypted: bool,
    authed: bool,
) -> Option<Vec<u8>> {
    if authed != (keys.integ != IntegAlg::None) || encrypted != keys.conf {
        return None;
    }
    if authed {
        let mac_len = keys.integ.mac_len();
        let mac_start = body.len().checked_sub(mac_len)?;
        if mac_start < 12 + plen + 2 || body[mac_start - 1] != 0x07 {
            return None;
        }
        let pad = usize::from(body[mac_start - 2]);
        if 12 + plen + pad + 2 != mac_start {
            return None;
        }
        let want = keys.integ.mac(&keys.k1, &body[..mac_start]);
        if !ct_eq(&want, &body[mac_start..]) {
            return None;
        }
    }
    let payload = body.get(12..12 + plen)?;
    if !encrypted {
        return Some(payload.to_vec());
    }
    let iv: [u8; 16] = payload.get(0..16)?.try_into().ok()?;
    let mut plain = aes_cbc_decrypt(&keys.aes_key, &iv, payload.get(16..)?)?;
    let pad = usize::from(*plain.last()?);
    if pad > 15 || pad + 1 > plain.len() {
        return None;
    }
    plain.truncate(plain.len() - pad - 1);
    Some(plain)
}

/// Frames an in-session reply: encrypts (random IV) and appends the integrity trailer as negotiated.
fn seal(keys: &V20Keys, console_id: u32, seq: u32, msg: &[u8], iv: [u8; 16]) -> Vec<u8> {
    let mut ptype = PT_IPMI;
    let payload = if keys.conf {
        ptype |= 0x80;
        let mut plain = msg.to_vec();
        let pad = (16 - (plain.len() + 1) % 16) % 16;
        plain.extend((1..=pad as u8).collect::<Vec<u8>>());
        plain.push(pad as u8);
        let mut p = iv.to_vec();
        // plain is block-aligned by construction
        p.extend(aes_cbc_encrypt(&keys.aes_key, &iv, &plain).unwrap_or_default());
        p
    } else {
        msg.to_vec()
    };
    if keys.integ != IntegAlg::None {
        ptype |= 0x40;
    }
    let mut body = vec![0x06, ptype];
    body.extend_from_slice(&console_id.to_le_bytes());
    body.extend_from_slice(&seq.to_le_bytes());
    body.extend_from_slice(&(payload.len() as u16).to_le_bytes());
    body.extend_from_slice(&payload);
    if keys.integ != IntegAlg::None {
        let pad = (4 - (body.len() + 2) % 4) % 4;
        body.extend(std::iter::repeat_n(0xFF, pad));
        body.push(pad as u8);
        body.push(0x07);
        let mac = keys.integ.mac(&keys.k1, &body);
        body.extend_from_slice(&mac);
    }
    let mut out = RMCP_IPMI.to_vec();
    out.extend(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_then_open_round_trips() {
        for (auth, integ, conf) in [
            (AuthAlg::HmacSha1, IntegAlg::HmacSha1_96, true),
            (AuthAlg::HmacSha256, IntegAlg::HmacSha256_128, true),
            (AuthAlg::HmacSha1, IntegAlg::HmacSha1_96, false),
            (AuthAlg::None, IntegAlg::None, false),
        ] {
            let _ = auth;
            let keys = V20Keys {
                integ,
                conf,
                k1: vec![7; 20],
                aes_key: [9; 16],
            };
            for len in [7usize, 15, 16, 31] {
                let msg: Vec<u8> = (0..len as u8).collect();
                let pkt = seal(&keys, 0x1234, 5, &msg, [3; 16]);
                let body = &pkt[4..];
                let plen = usize::from(u16::from_le_bytes([body[10], body[11]]));
                let (enc, authed) = (body[1] & 0x80 != 0, body[1] & 0x40 != 0);
                assert_eq!(
                    open_sealed(&keys, body, plen, enc, authed),
                    Some(msg.clone())
                );
                if integ != IntegAlg::None {
                    assert_eq!((body.len() - integ.mac_len()) % 4, 0);
                    let mut bad = body.to_vec();
                    bad[13] ^= 0x01;
                    assert_eq!(open_sealed(&keys, &bad, plen, enc, authed), None);
                }
            }
        }
    }
}
