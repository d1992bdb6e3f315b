//! The multipart framing of WinRM encrypted messages (MS-WSMV §2.2.9.1).

use crate::NegotiateError;

/// The Content-Type of a body sealed by [`crate::Session::seal`].
pub const ENCRYPTED_CONTENT_TYPE: &str = "multipart/encrypted;protocol=\"application/HTTP-SPNEGO-session-encrypted\";boundary=\"Encrypted Boundary\"";

const PROTOCOL: &[u8] = b"application/HTTP-SPNEGO-session-encrypted";
const BOUNDARY: &[u8] = b"--Encrypted Boundary\r\n";
const END: &[u8] = b"--Encrypted Boundary--\r\n";
const OCTET_STREAM: &[u8] = b"\tContent-Type: application/octet-stream\r\n";
const LENGTH_KEY: &[u8] = b"Length=";

/// The NTLM signature size (MS-NLMP §2.2.2.9.1).
pub(crate) const SIGNATURE_LEN: usize = 16;

/// True when `content_type` announces an SPNEGO session-encrypted body
/// (`multipart/encrypted` or `multipart/x-multi-encrypted`, any letter case).
pub fn is_encrypted_content_type(content_type: &str) -> bool {
    let lower = content_type.to_ascii_lowercase();
    let mime = lower.split(';').next().unwrap_or("").trim();
    (mime == "multipart/encrypted" || mime == "multipart/x-multi-encrypted") && lower.contains("application/http-spnego-session-encrypted")
}

/// One encrypted part: the signature and the sealed bytes, which are as long
/// as the plaintext (RC4 is a stream cipher).
#[derive(Debug)]
pub(crate) struct Part<'a> {
    pub(crate) signature: &'a [u8],
    pub(crate) sealed: &'a [u8],
}

/// The OriginalContent type of a SOAP envelope, what WinRM's clients write.
pub(crate) const SOAP_TYPE: &str = "application/soap+xml;charset=UTF-8";

/// Appends one part to `out` (the closing boundary is [`finish`]'s), its
/// OriginalContent naming `original_type` (the Content-Type the message
/// would have had unsealed).
pub(crate) fn write_part(out: &mut Vec<u8>, original_type: &str, signature: &[u8], sealed: &[u8]) {
    out.extend_from_slice(BOUNDARY);
    out.extend_from_slice(b"\tContent-Type: ");
    out.extend_from_slice(PROTOCOL);
    out.extend_from_slice(b"\r\n\tOriginalContent: type=");
    // A header line: no line breaks, and `;Length=` stays the parser's.
    out.extend(original_type.bytes().filter(|b| !matches!(b, b'\r' | b'\n')));
    out.extend_from_slice(b";Length=");
    out.extend_from_slice(sealed.len().to_string().as_bytes());
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(BOUNDARY);
    out.extend_from_slice(OCTET_STREAM);
    // SIGNATURE_LEN fits a u32.
    out.extend_from_slice(&u32::try_from(signature.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(signature);
    out.extend_from_slice(sealed);
}

pub(crate) fn finish(out: &mut Vec<u8>) {
    out.extend_from_slice(END);
}

/// The OriginalContent type of the first part of a WinRM encrypted body
/// (`application/soap+xml;charset=UTF-8` from WinRM's clients): what the
/// message's Content-Type would have been unsealed. `None` when the body has
/// no such header part.
pub fn original_content_type(body: &[u8]) -> Option<String> {
    let r = strip(body, BOUNDARY)?;
    let header = &r[..find(r, BOUNDARY)?];
    let key = b"OriginalContent:";
    let at = find(header, key)? + key.len();
    let line = &header[at..];
    let line = &line[..find(line, b"\r\n").unwrap_or(line.len())];
    let text = std::str::from_utf8(line).ok()?.trim();
    let value = text.strip_prefix("type=").unwrap_or(text);
    let cut = value.to_ascii_lowercase().find(";length=").unwrap_or(value.len());
    Some(value[..cut].trim().to_owned())
}

fn strip<'a>(b: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    b.strip_prefix(prefix)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Splits a body into its parts. The sealed bytes are delimited by the
/// `Length=` of their header part (not by searching the boundary, which the
/// ciphertext may contain).
pub(crate) fn parse<'a>(body: &'a [u8], content_type: &str) -> Result<Vec<Part<'a>>, NegotiateError> {
    if !is_encrypted_content_type(content_type) {
        return Err(NegotiateError::BadFraming("Content-Type is not multipart/encrypted with the SPNEGO session-encrypted protocol"));
    }
    let mut rest = body;
    let mut parts = Vec::new();
    // Bounded: each round consumes at least a boundary.
    loop {
        if let Some(r) = strip(rest, END) {
            if !r.iter().all(u8::is_ascii_whitespace) {
                return Err(NegotiateError::BadFraming("bytes after the closing boundary"));
            }
            break;
        }
        let r = strip(rest, BOUNDARY).ok_or(NegotiateError::BadFraming("expected --Encrypted Boundary"))?;
        let header_end = find(r, BOUNDARY).ok_or(NegotiateError::BadFraming("header part not closed by a boundary"))?;
        let header = &r[..header_end];
        if find(&header.to_ascii_lowercase(), &PROTOCOL.to_ascii_lowercase()).is_none() {
            return Err(NegotiateError::BadFraming("header part does not name application/HTTP-SPNEGO-session-encrypted"));
        }
        let at = find(header, LENGTH_KEY).ok_or(NegotiateError::BadFraming("no Length= in OriginalContent"))?;
        let digits: Vec<u8> = header[at + LENGTH_KEY.len()..].iter().copied().take_while(u8::is_ascii_digit).collect();
        let len: usize = std::str::from_utf8(&digits).ok().and_then(|s| s.parse().ok()).ok_or(NegotiateError::BadFraming("Length= is not a number"))?;
        let r = &r[header_end + BOUNDARY.len()..];
        let r = strip(r, OCTET_STREAM).ok_or(NegotiateError::BadFraming("expected the application/octet-stream part"))?;
        if r.len() < 4 {
            return Err(NegotiateError::BadFraming("signature length cut short"));
        }
        let sig_len = u32::from_le_bytes([r[0], r[1], r[2], r[3]]);
        if usize::try_from(sig_len).ok() != Some(SIGNATURE_LEN) {
            return Err(NegotiateError::BadFraming("signature length is not 16 (NTLM)"));
        }
        let r = &r[4..];
        if r.len() < SIGNATURE_LEN + len {
            return Err(NegotiateError::BadFraming("sealed data shorter than Length="));
        }
        let (signature, r) = r.split_at(SIGNATURE_LEN);
        let (sealed, r) = r.split_at(len);
        parts.push(Part { signature, sealed });
        // Tolerate a CRLF before the next boundary.
        rest = strip(r, b"\r\n").filter(|x| x.starts_with(b"--Encrypted Boundary")).unwrap_or(r);
    }
    if parts.is_empty() {
        return Err(NegotiateError::BadFraming("no encrypted part"));
    }
    Ok(parts)
}
