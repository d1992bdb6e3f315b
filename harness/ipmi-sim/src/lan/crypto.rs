//! The RMCP+ and IPMI 1.5 cryptographic primitives, all from RustCrypto
//! crates: HMAC-SHA1, HMAC-SHA256, MD5 and AES-CBC-128 (no padding: IPMI
//! pads itself, §13.29).

use aes::cipher::block_padding::NoPadding;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use hmac::{KeyInit, Mac};
use md5::Digest;

/// Authentication (RAKP) algorithm (§13.28).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthAlg {
    /// RAKP-none.
    None,
    /// RAKP-HMAC-SHA1.
    HmacSha1,
    /// RAKP-HMAC-SHA256.
    HmacSha256,
}

impl AuthAlg {
    /// From the wire number.
    pub fn from_code(c: u8) -> Option<AuthAlg> {
        match c {
            0 => Some(AuthAlg::None),
            1 => Some(AuthAlg::HmacSha1),
            3 => Some(AuthAlg::HmacSha256),
            _ => None,
        }
    }

    /// HMAC of the concatenation of `parts` under `key` (empty for None).
    pub fn hmac(self, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        match self {
            AuthAlg::None => Vec::new(),
            AuthAlg::HmacSha1 => hmac_sha1(key, parts).to_vec(),
            AuthAlg::HmacSha256 => hmac_sha256(key, parts).to_vec(),
        }
    }

    /// Length of the RAKP 4 integrity check value (§13.31).
    pub fn icv_len(self) -> usize {
        match self {
            AuthAlg::None => 0,
            AuthAlg::HmacSha1 => 12,
            AuthAlg::HmacSha256 => 16,
        }
    }
}

/// Integrity algorithm (§13.28.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntegAlg {
    /// None.
    None,
    /// HMAC-SHA1-96.
    HmacSha1_96,
    /// HMAC-SHA256-128.
    HmacSha256_128,
}

impl IntegAlg {
    /// From the wire number.
    pub fn from_code(c: u8) -> Option<IntegAlg> {
        match c {
            0 => Some(IntegAlg::None),
            1 => Some(IntegAlg::HmacSha1_96),
            4 => Some(IntegAlg::HmacSha256_128),
            _ => None,
        }
    }

    /// Length of the AuthCode field of the session trailer.
    pub fn mac_len(self) -> usize {
        match self {
            IntegAlg::None => 0,
            IntegAlg::HmacSha1_96 => 12,
            IntegAlg::HmacSha256_128 => 16,
        }
    }

    /// The truncated MAC of `data` under K1.
    pub fn mac(self, k1: &[u8], data: &[u8]) -> Vec<u8> {
        match self {
            IntegAlg::None => Vec::new(),
            IntegAlg::HmacSha1_96 => hmac_sha1(k1, &[data])[..12].to_vec(),
            IntegAlg::HmacSha256_128 => hmac_sha256(k1, &[data])[..16].to_vec(),
        }
    }
}

/// HMAC-SHA1 (RFC 2104) of the concatenated parts.
pub fn hmac_sha1(key: &[u8], parts: &[&[u8]]) -> [u8; 20] {
    // HMAC accepts keys of any length: new_from_slice cannot fail.
    let mut m = <hmac::Hmac<sha1::Sha1> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

/// HMAC-SHA256 (RFC 2104) of the concatenated parts.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut m = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

/// MD5 of the concatenated parts.
pub fn md5(parts: &[&[u8]]) -> [u8; 16] {
    let mut h = md5::Md5::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// AES-128-CBC encryption of whole blocks (`data.len()` must be a multiple of 16).
pub fn aes_cbc_encrypt(key: &[u8; 16], iv: &[u8; 16], data: &[u8]) -> Option<Vec<u8>> {
    if !data.len().is_multiple_of(16) {
        return None;
    }
    let enc = cbc::Encryptor::<aes::Aes128>::new(key.into(), iv.into());
    Some(enc.encrypt_padded_vec::<NoPadding>(data))
}

/// AES-128-CBC decryption of whole blocks; `None` when not block-aligned.
pub fn aes_cbc_decrypt(key: &[u8; 16], iv: &[u8; 16], data: &[u8]) -> Option<Vec<u8>> {
    if !data.len().is_multiple_of(16) {
        return None;
    }
    let dec = cbc::Decryptor::<aes::Aes128>::new(key.into(), iv.into());
    dec.decrypt_padded_vec::<NoPadding>(data).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
            .collect()
    }

    // RFC 2202 §3, test cases 1, 2, 6.
    #[test]
    fn rfc2202_hmac_sha1() {
        assert_eq!(
            hmac_sha1(&[0x0b; 20], &[b"Hi There"]).to_vec(),
            hex("b617318655057264e28bc0b6fb378c8ef146be00")
        );
        assert_eq!(
            hmac_sha1(b"Jefe", &[b"what do ya want ", b"for nothing?"]).to_vec(),
            hex("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
        );
        assert_eq!(
            hmac_sha1(
                &[0xaa; 80],
                &[b"Test Using Larger Than Block-Size Key - Hash Key First"]
            )
            .to_vec(),
            hex("aa4ae5e15272d00e95705637ce8a3b55ed402112")
        );
    }

    // RFC 4231 §4.2, 4.3, 4.7 (test cases 1, 2, 6).
    #[test]
    fn rfc4231_hmac_sha256() {
        assert_eq!(
            hmac_sha256(&[0x0b; 20], &[b"Hi There"]).to_vec(),
            hex("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        );
        assert_eq!(
            hmac_sha256(b"Jefe", &[b"what do ya want for nothing?"]).to_vec(),
            hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        );
        assert_eq!(
            hmac_sha256(
                &[0xaa; 131],
                &[b"Test Using Larger Than Block-Size Key - Hash Key First"]
            )
            .to_vec(),
            hex("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        );
    }

    // NIST SP 800-38A F.2.1 / F.2.2 (CBC-AES128).
    #[test]
    fn sp800_38a_aes128_cbc() {
        let key: [u8; 16] = hex("2b7e151628aed2a6abf7158809cf4f3c")
            .try_into()
            .expect("key");
        let iv: [u8; 16] = hex("000102030405060708090a0b0c0d0e0f")
            .try_into()
            .expect("iv");
        let pt = hex(
            "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51
             30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710",
        );
        let ct = hex(
            "7649abac8119b246cee98e9b12e9197d 5086cb9b507219ee95db113a917678b2
             73bed6b8e3c1743b7116e69e22229516 3ff1caa1681fac09120eca307586e1a7",
        );
        assert_eq!(aes_cbc_encrypt(&key, &iv, &pt).expect("aligned"), ct);
        assert_eq!(aes_cbc_decrypt(&key, &iv, &ct).expect("aligned"), pt);
        assert!(aes_cbc_encrypt(&key, &iv, &pt[..15]).is_none());
    }

    // RFC 1321 appendix A.5.
    #[test]
    fn rfc1321_md5() {
        assert_eq!(
            md5(&[b"abc"]).to_vec(),
            hex("900150983cd24fb0d6963f7d28e17f72")
        );
        assert_eq!(
            md5(&[b"message ", b"digest"]).to_vec(),
            hex("f96b697d7cb7938d525a2f31aaf161d0")
        );
    }

    #[test]
    fn truncated_macs() {
        let m = IntegAlg::HmacSha1_96.mac(&[0x0b; 20], b"Hi There");
        assert_eq!(m, hex("b617318655057264e28bc0b6"));
        assert_eq!(
            IntegAlg::HmacSha256_128.mac(&[0x0b; 20], b"Hi There"),
            hex("b0344c61d8db38535ca8afceaf0bf12b")
        );
    }
}
