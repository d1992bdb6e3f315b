//! The SPNEGO envelope around NTLM (RFC 4178, MS-SPNG): enough DER to read a
//! NegTokenInit or NegTokenResp and to write a NegTokenResp.
//!
//! ```text
//! initial:  [APPLICATION 0] { OID 1.3.6.1.5.5.2, [0] NegTokenInit }
//! NegTokenInit ::= SEQUENCE { mechTypes [0] SEQUENCE OF OID, reqFlags [1] OPTIONAL,
//!                             mechToken [2] OCTET STRING OPTIONAL, mechListMIC [3] OCTET STRING OPTIONAL }
//! later:    [1] NegTokenResp
//! NegTokenResp ::= SEQUENCE { negState [0] ENUMERATED OPTIONAL, supportedMech [1] OID OPTIONAL,
//!                             responseToken [2] OCTET STRING OPTIONAL, mechListMIC [3] OCTET STRING OPTIONAL }
//! ```

use crate::NegotiateError;

/// DER of OID 1.3.6.1.5.5.2 (SPNEGO), tag and length included.
const SPNEGO_OID: &[u8] = &[0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02];
/// DER of OID 1.3.6.1.4.1.311.2.2.10 (NTLMSSP), tag and length included.
pub(crate) const NTLM_OID: &[u8] = &[0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a];

/// negState values.
pub(crate) const ACCEPT_COMPLETED: u8 = 0;
pub(crate) const ACCEPT_INCOMPLETE: u8 = 1;

fn bad(what: &str) -> NegotiateError {
    NegotiateError::BadToken(format!("SPNEGO: {what}"))
}

/// One TLV: (tag, whole element including header, content, rest).
type Tlv<'a> = (u8, &'a [u8], &'a [u8], &'a [u8]);

fn tlv(b: &[u8]) -> Result<Tlv<'_>, NegotiateError> {
    let (&tag, r) = b.split_first().ok_or_else(|| bad("cut short"))?;
    let (&first, r) = r.split_first().ok_or_else(|| bad("cut short"))?;
    let (len, r) = if first < 0x80 {
        (usize::from(first), r)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || r.len() < n {
            return Err(bad("bad length"));
        }
        let len = r[..n].iter().fold(0usize, |acc, &x| (acc << 8) | usize::from(x));
        (len, &r[n..])
    };
    if r.len() < len {
        return Err(bad("element longer than the token"));
    }
    let header = b.len() - r.len();
    Ok((tag, &b[..header + len], &r[..len], &r[len..]))
}

pub(crate) fn encode(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap_or(0));
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&x| x == 0).count();
        out.push(0x80 | u8::try_from(bytes.len() - skip).unwrap_or(0));
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// The fields of a NegTokenInit this acceptor uses.
#[derive(Debug)]
pub(crate) struct NegTokenInit {
    /// The DER of the mechTypes SEQUENCE as sent (the mechListMIC covers it).
    pub(crate) mech_types_der: Vec<u8>,
    /// True when NTLM is the first (preferred) mechanism, so mechToken is NTLM's.
    pub(crate) ntlm_first: bool,
    pub(crate) ntlm_offered: bool,
    pub(crate) mech_token: Option<Vec<u8>>,
}

/// The fields of a NegTokenResp.
#[derive(Debug, Default)]
pub(crate) struct NegTokenResp {
    pub(crate) neg_state: Option<u8>,
    pub(crate) response_token: Option<Vec<u8>>,
    pub(crate) mech_list_mic: Option<Vec<u8>>,
}

pub(crate) fn is_init(token: &[u8]) -> bool {
    token.first() == Some(&0x60)
}

pub(crate) fn parse_init(token: &[u8]) -> Result<NegTokenInit, NegotiateError> {
    let (tag, _, app, _) = tlv(token)?;
    if tag != 0x60 {
        return Err(bad("not a GSS-API initial token"));
    }
    let (_, oid, _, r) = tlv(app)?;
    if oid != SPNEGO_OID {
        return Err(bad("initial token is not SPNEGO"));
    }
    let (tag, _, inner, _) = tlv(r)?;
    if tag != 0xa0 {
        return Err(bad("expected NegTokenInit"));
    }
    let (tag, _, mut fields, _) = tlv(inner)?;
    if tag != 0x30 {
        return Err(bad("NegTokenInit is not a SEQUENCE"));
    }
    let mut out = NegTokenInit { mech_types_der: Vec::new(), ntlm_first: false, ntlm_offered: false, mech_token: None };
    while !fields.is_empty() {
        let (tag, _, content, rest) = tlv(fields)?;
        fields = rest;
        match tag {
            0xa0 => {
                let (tag, whole, mut oids, _) = tlv(content)?;
                if tag != 0x30 {
                    return Err(bad("mechTypes is not a SEQUENCE"));
                }
                out.mech_types_der = whole.to_vec();
                let mut first = true;
                while !oids.is_empty() {
                    let (_, oid, _, rest) = tlv(oids)?;
                    oids = rest;
                    if oid == NTLM_OID {
                        out.ntlm_offered = true;
                        out.ntlm_first = first;
                    }
                    first = false;
                }
            }
            0xa2 => {
                let (tag, _, octets, _) = tlv(content)?;
                if tag != 0x04 {
                    return Err(bad("mechToken is not an OCTET STRING"));
                }
                out.mech_token = Some(octets.to_vec());
            }
            _ => {} // reqFlags, mechListMIC (meaningless in an init token)
        }
    }
    if out.mech_types_der.is_empty() {
        return Err(bad("NegTokenInit without mechTypes"));
    }
    Ok(out)
}

pub(crate) fn parse_resp(token: &[u8]) -> Result<NegTokenResp, NegotiateError> {
    let (tag, _, inner, _) = tlv(token)?;
    if tag != 0xa1 {
        return Err(bad("expected NegTokenResp"));
    }
    let (tag, _, mut fields, _) = tlv(inner)?;
    if tag != 0x30 {
        return Err(bad("NegTokenResp is not a SEQUENCE"));
    }
    let mut out = NegTokenResp::default();
    while !fields.is_empty() {
        let (tag, _, content, rest) = tlv(fields)?;
        fields = rest;
        match tag {
            0xa0 => {
                let (_, _, v, _) = tlv(content)?;
                out.neg_state = v.first().copied();
            }
            0xa2 | 0xa3 => {
                let (t, _, octets, _) = tlv(content)?;
                if t != 0x04 {
                    return Err(bad("token field is not an OCTET STRING"));
                }
                if tag == 0xa2 {
                    out.response_token = Some(octets.to_vec());
                } else {
                    out.mech_list_mic = Some(octets.to_vec());
                }
            }
            _ => {} // supportedMech
        }
    }
    Ok(out)
}

/// A NegTokenResp from the acceptor.
pub(crate) fn write_resp(neg_state: u8, supported_ntlm: bool, response_token: Option<&[u8]>, mech_list_mic: Option<&[u8]>) -> Vec<u8> {
    let mut seq = encode(0xa0, &encode(0x0a, &[neg_state]));
    if supported_ntlm {
        seq.extend(encode(0xa1, NTLM_OID));
    }
    if let Some(t) = response_token {
        seq.extend(encode(0xa2, &encode(0x04, t)));
    }
    if let Some(m) = mech_list_mic {
        seq.extend(encode(0xa3, &encode(0x04, m)));
    }
    encode(0xa1, &encode(0x30, &seq))
}

/// A NegTokenInit offering NTLM only, with `mech_token` (used by tests and by
/// an initiator that wants the SPNEGO form).
#[cfg(test)]
pub(crate) fn write_init(mech_token: &[u8]) -> Vec<u8> {
    let mut seq = encode(0xa0, &encode(0x30, NTLM_OID));
    seq.extend(encode(0xa2, &encode(0x04, mech_token)));
    let mut app = SPNEGO_OID.to_vec();
    app.extend(encode(0xa0, &encode(0x30, &seq)));
    encode(0x60, &app)
}

/// A client NegTokenResp carrying `token` and an optional mechListMIC.
#[cfg(test)]
pub(crate) fn write_client_resp(token: &[u8], mech_list_mic: Option<&[u8]>) -> Vec<u8> {
    let mut seq = encode(0xa2, &encode(0x04, token));
    if let Some(m) = mech_list_mic {
        seq.extend(encode(0xa3, &encode(0x04, m)));
    }
    encode(0xa1, &encode(0x30, &seq))
}

/// The DER of a mechTypes list holding NTLM only (what [`write_init`] sends).
#[cfg(test)]
pub(crate) fn ntlm_only_mech_types() -> Vec<u8> {
    encode(0x30, NTLM_OID)
}
