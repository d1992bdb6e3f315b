//! Message confidentiality after the handshake (MS-NLMP §3.4.4, NTLMv2 with
//! extended session security): one RC4 stream and one sequence number per
//! direction, signatures `01000000 | RC4(HMAC_MD5(SignKey, seq || msg)[..8]) | seq`.

use hmac::{Hmac, KeyInit, Mac};
use md5::{Digest, Md5};
use rc4::{consts::U16, KeyInit as _, Rc4, StreamCipher};

use crate::framing::{self, SIGNATURE_LEN};
use crate::NegotiateError;

const C2S_SIGN: &[u8] = b"session key to client-to-server signing key magic constant\0";
const S2C_SIGN: &[u8] = b"session key to server-to-client signing key magic constant\0";
const C2S_SEAL: &[u8] = b"session key to client-to-server sealing key magic constant\0";
const S2C_SEAL: &[u8] = b"session key to server-to-client sealing key magic constant\0";

/// NTLMSSP_NEGOTIATE_KEY_EXCH: the checksum is RC4-encrypted too.
pub(crate) const FLAG_KEY_EXCH: u32 = 0x4000_0000;
/// NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY.
pub(crate) const FLAG_ESS: u32 = 0x0008_0000;
/// NTLMSSP_NEGOTIATE_128.
pub(crate) const FLAG_128: u32 = 0x2000_0000;

fn derive(session_key: &[u8], magic: &[u8]) -> [u8; 16] {
    let mut h = Md5::new();
    h.update(session_key);
    h.update(magic);
    h.finalize().into()
}

/// One direction: its signing key, its RC4 handle and its next sequence number.
struct Direction {
    sign_key: [u8; 16],
    /// Kept to reset the RC4 stream after a mechListMIC (MS-SPNG §3.3.5.1).
    seal_key: [u8; 16],
    rc4: Rc4<U16>,
    seq: u32,
}

impl Direction {
    fn new(session_key: &[u8], sign: &[u8], seal: &[u8]) -> Direction {
        let seal_key = derive(session_key, seal);
        Direction { sign_key: derive(session_key, sign), seal_key, rc4: Rc4::new(&seal_key.into()), seq: 0 }
    }

    fn reset_rc4(&mut self) {
        self.rc4 = Rc4::new(&self.seal_key.into());
    }

    fn checksum(&self, seq: u32, msg: &[u8]) -> [u8; 8] {
        // HMAC pads a short key with zeros to the block size: padding it here
        // gives the same MAC through the infallible fixed-size constructor.
        let mut key = hmac::digest::Key::<Hmac<Md5>>::default();
        key[..16].copy_from_slice(&self.sign_key);
        let mut mac = <Hmac<Md5> as KeyInit>::new(&key);
        mac.update(&seq.to_le_bytes());
        mac.update(msg);
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; 8];
        out.copy_from_slice(&full[..8]);
        out
    }
}

/// The sealing context both sides hold after the handshake.
///
/// Sequence numbers start at 0 for raw NTLM and at 1 after a SPNEGO
/// handshake that exchanged mechListMICs (each MIC used number 0; the RC4
/// streams are not advanced by them, MS-SPNG §3.3.5.1).
pub struct Session {
    send: Direction,
    recv: Direction,
    key_exch: bool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("send_seq", &self.send.seq).field("recv_seq", &self.recv.seq).finish_non_exhaustive()
    }
}

/// Which end of the connection a [`Session`] belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Client,
    Server,
}

impl Session {
    pub(crate) fn new(session_key: &[u8], flags: u32, side: Side) -> Result<Session, NegotiateError> {
        if flags & FLAG_ESS == 0 || flags & FLAG_128 == 0 {
            return Err(NegotiateError::Internal("only NTLMv2 with extended session security and 128-bit keys is supported".into()));
        }
        let c2s = Direction::new(session_key, C2S_SIGN, C2S_SEAL);
        let s2c = Direction::new(session_key, S2C_SIGN, S2C_SEAL);
        let (send, recv) = match side {
            Side::Client => (c2s, s2c),
            Side::Server => (s2c, c2s),
        };
        Ok(Session { send, recv, key_exch: flags & FLAG_KEY_EXCH != 0 })
    }

    /// The SPNEGO mechListMIC of `data` with the next outgoing number; the RC4
    /// stream is reset afterwards (the MIC comes before any message).
    pub(crate) fn sign_mic(&mut self, data: &[u8]) -> Vec<u8> {
        let sig = self.signature_out(data);
        self.send.reset_rc4();
        sig.to_vec()
    }

    /// Checks a peer's mechListMIC with the next incoming number.
    pub(crate) fn verify_mic(&mut self, data: &[u8], mic: &[u8]) -> Result<(), NegotiateError> {
        let seq = self.recv.seq;
        self.recv.seq = self.recv.seq.wrapping_add(1);
        let expected = self.signature_in(seq, data);
        self.recv.reset_rc4();
        if expected.as_slice() == mic {
            Ok(())
        } else {
            Err(NegotiateError::BadSignature)
        }
    }

    fn signature_out(&mut self, plain: &[u8]) -> [u8; SIGNATURE_LEN] {
        let seq = self.send.seq;
        self.send.seq = self.send.seq.wrapping_add(1);
        let mut checksum = self.send.checksum(seq, plain);
        if self.key_exch {
            self.send.rc4.apply_keystream(&mut checksum);
        }
        signature(checksum, seq)
    }

    fn signature_in(&mut self, seq: u32, plain: &[u8]) -> [u8; SIGNATURE_LEN] {
        let mut checksum = self.recv.checksum(seq, plain);
        if self.key_exch {
            self.recv.rc4.apply_keystream(&mut checksum);
        }
        signature(checksum, seq)
    }

    /// Seals one message: (signature, sealed bytes).
    pub fn seal_message(&mut self, plain: &[u8]) -> ([u8; SIGNATURE_LEN], Vec<u8>) {
        let mut sealed = plain.to_vec();
        self.send.rc4.apply_keystream(&mut sealed);
        let sig = self.signature_out(plain);
        (sig, sealed)
    }

    /// Opens one message, checking its sequence number and its signature.
    pub fn unseal_message(&mut self, signature: &[u8], sealed: &[u8]) -> Result<Vec<u8>, NegotiateError> {
        self.unseal_inner(signature, sealed, true)
    }

    fn unseal_inner(&mut self, sig: &[u8], sealed: &[u8], check_signature: bool) -> Result<Vec<u8>, NegotiateError> {
        if sig.len() != SIGNATURE_LEN {
            return Err(NegotiateError::BadFraming("signature length is not 16 (NTLM)"));
        }
        let got = u32::from_le_bytes([sig[12], sig[13], sig[14], sig[15]]);
        let expected = self.recv.seq;
        if got < expected {
            return Err(NegotiateError::Replayed { got, expected });
        }
        if got > expected {
            return Err(NegotiateError::OutOfOrder { got, expected });
        }
        self.recv.seq = self.recv.seq.wrapping_add(1);
        let mut plain = sealed.to_vec();
        self.recv.rc4.apply_keystream(&mut plain);
        // Always computed: it advances the RC4 stream the peer advanced.
        let want = self.signature_in(got, &plain);
        if check_signature && want.as_slice() != sig {
            return Err(NegotiateError::BadSignature);
        }
        Ok(plain)
    }

    /// Seals `plain` (a SOAP envelope) into a WinRM encrypted body, to be sent
    /// with [`crate::ENCRYPTED_CONTENT_TYPE`].
    pub fn seal(&mut self, plain: &[u8]) -> Vec<u8> {
        self.seal_as(plain, framing::SOAP_TYPE)
    }

    /// [`Session::seal`] of a message whose Content-Type unsealed would be
    /// `original_type` (its OriginalContent; a conformance case may send a
    /// wrong one on purpose).
    pub fn seal_as(&mut self, plain: &[u8], original_type: &str) -> Vec<u8> {
        let (sig, sealed) = self.seal_message(plain);
        let mut out = Vec::with_capacity(plain.len() + 256);
        framing::write_part(&mut out, original_type, &sig, &sealed);
        framing::finish(&mut out);
        out
    }

    /// Opens a WinRM encrypted body sent with `content_type`: every part in
    /// order, each checked for its framing, its sequence number and its
    /// signature. Any failure leaves the session unusable (the RC4 streams
    /// may be out of step): close the connection.
    pub fn unseal(&mut self, body: &[u8], content_type: &str) -> Result<Vec<u8>, NegotiateError> {
        self.unseal_body(body, content_type, true)
    }

    /// [`Session::unseal`] without the signature comparison (sequence numbers
    /// still apply). Only for the reference server's `skip-seal-signature-check`
    /// defect switch: a tampered body is then accepted.
    pub fn unseal_without_signature_check(&mut self, body: &[u8], content_type: &str) -> Result<Vec<u8>, NegotiateError> {
        self.unseal_body(body, content_type, false)
    }

    fn unseal_body(&mut self, body: &[u8], content_type: &str, check: bool) -> Result<Vec<u8>, NegotiateError> {
        let parts = framing::parse(body, content_type)?;
        let mut out = Vec::new();
        for p in parts {
            out.extend(self.unseal_inner(p.signature, p.sealed, check)?);
        }
        Ok(out)
    }

    /// The next outgoing and incoming sequence numbers.
    pub fn sequence_numbers(&self) -> (u32, u32) {
        (self.send.seq, self.recv.seq)
    }
}

fn signature(checksum: [u8; 8], seq: u32) -> [u8; SIGNATURE_LEN] {
    let mut s = [0u8; SIGNATURE_LEN];
    s[0] = 1;
    s[4..12].copy_from_slice(&checksum);
    s[12..].copy_from_slice(&seq.to_le_bytes());
    s
}
