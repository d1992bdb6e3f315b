//! Wire framing: the RMCP header (ASF/DMTF), the ASF presence ping/pong, and
//! IPMI LAN messages with their two checksums (IPMI v2.0 §13.6, §13.8).
//!
//! ```text
//! RMCP:     06 00 SEQ CLASS          (class 06h ASF, 07h IPMI)
//! request:  rsSA netFn/rsLUN chk1 rqSA rqSeq/rqLUN cmd data... chk2
//! response: rqSA netFn+1/rqLUN chk1 rsSA rqSeq/rsLUN cmd cc data... chk2
//! ```

use crate::bmc::fru::checksum;

/// RMCP class of ASF messages.
pub(crate) const CLASS_ASF: u8 = 0x06;
/// RMCP class of IPMI messages.
pub(crate) const CLASS_IPMI: u8 = 0x07;
/// The ASF IANA enterprise number (4542), big-endian.
const ASF_IANA: [u8; 4] = [0x00, 0x00, 0x11, 0xBE];

/// The 4-byte RMCP header for IPMI traffic (no RMCP ACK requested).
pub(crate) const RMCP_IPMI: [u8; 4] = [0x06, 0x00, 0xFF, CLASS_IPMI];

/// Answers an ASF presence ping (the bytes after the RMCP header) with a pong
/// announcing IPMI support; `None` for other ASF messages.
pub(crate) fn asf_pong(asf: &[u8]) -> Option<Vec<u8>> {
    if asf.len() < 8 || asf[0..4] != ASF_IANA || asf[4] != 0x80 {
        return None;
    }
    let tag = asf[5];
    let mut out = vec![0x06, 0x00, 0xFF, CLASS_ASF];
    out.extend_from_slice(&ASF_IANA);
    out.extend_from_slice(&[0x40, tag, 0x00, 0x10]);
    out.extend_from_slice(&ASF_IANA); // IANA of the OEM data: none
    out.extend_from_slice(&[0, 0, 0, 0]); // OEM defined
    out.extend_from_slice(&[0x81, 0x00]); // IPMI supported, ASF 1.0; no interactions
    out.extend_from_slice(&[0; 6]);
    Some(out)
}

/// A request message from the console.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LanRequest {
    /// Responder's slave address (the BMC, 20h).
    pub(crate) rs_addr: u8,
    /// Network function.
    pub(crate) netfn: u8,
    /// Responder LUN.
    pub(crate) rs_lun: u8,
    /// Requester's software id.
    pub(crate) rq_addr: u8,
    /// Requester sequence number (6 bits).
    pub(crate) rq_seq: u8,
    /// Requester LUN.
    pub(crate) rq_lun: u8,
    /// Command.
    pub(crate) cmd: u8,
    /// Data.
    pub(crate) data: Vec<u8>,
}

/// Parses a request message; `None` when too short or a checksum is wrong.
pub(crate) fn parse_request(b: &[u8]) -> Option<LanRequest> {
    if b.len() < 7 || checksum(&b[0..2]) != b[2] || checksum(&b[3..b.len() - 1]) != b[b.len() - 1] {
        return None;
    }
    Some(LanRequest {
        rs_addr: b[0],
        netfn: b[1] >> 2,
        rs_lun: b[1] & 0x03,
        rq_addr: b[3],
        rq_seq: b[4] >> 2,
        rq_lun: b[4] & 0x03,
        cmd: b[5],
        data: b[6..b.len() - 1].to_vec(),
    })
}

/// Builds the response message to `req`.
pub(crate) fn build_response(req: &LanRequest, cc: u8, data: &[u8]) -> Vec<u8> {
    let mut m = vec![req.rq_addr, ((req.netfn | 1) << 2) | req.rq_lun];
    m.push(checksum(&m));
    m.extend_from_slice(&[req.rs_addr, (req.rq_seq << 2) | req.rs_lun, req.cmd, cc]);
    m.extend_from_slice(data);
    let c = checksum(&m[3..]);
    m.push(c);
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request as a console frames it.
    pub(crate) fn frame(netfn: u8, cmd: u8, seq: u8, data: &[u8]) -> Vec<u8> {
        let mut m = vec![0x20, netfn << 2];
        m.push(checksum(&m));
        m.extend_from_slice(&[0x81, seq << 2, cmd]);
        m.extend_from_slice(data);
        let c = checksum(&m[3..]);
        m.push(c);
        m
    }

    #[test]
    fn request_round_trip() {
        let m = frame(0x06, 0x38, 5, &[0x8E, 0x04]);
        let r = parse_request(&m).expect("valid");
        assert_eq!(
            (r.netfn, r.cmd, r.rq_seq, r.data.as_slice()),
            (0x06, 0x38, 5, &[0x8E, 0x04][..])
        );
        let resp = build_response(&r, 0, &[1, 2]);
        assert_eq!(resp[1] >> 2, 0x07);
        assert_eq!(checksum(&resp[..2]), resp[2]);
        assert_eq!(resp.iter().skip(3).fold(0u8, |a, b| a.wrapping_add(*b)), 0);
        let mut bad = m.clone();
        bad[6] ^= 1;
        assert!(parse_request(&bad).is_none());
    }

    #[test]
    fn ping_pong() {
        let ping = [0x00, 0x00, 0x11, 0xBE, 0x80, 0x42, 0x00, 0x00];
        let pong = asf_pong(&ping).expect("pong");
        assert_eq!(pong.len(), 4 + 8 + 16);
        assert_eq!(pong[8], 0x40);
        assert_eq!(pong[9], 0x42);
        assert_eq!(pong[20], 0x81);
        assert!(asf_pong(&[0; 8]).is_none());
    }
}
