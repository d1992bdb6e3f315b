//! NTLM authentication for WinRM (raw NTLM and NTLM inside SPNEGO), and the
//! WinRM message encryption that follows it over plain HTTP.
//!
//! The cryptography is sspi's (pure Rust); this crate owns the parts WinRM
//! adds around it: which token form a client speaks, which configured user an
//! AUTHENTICATE message names, the SPNEGO envelope and its mechListMIC, the
//! per-direction sequence numbers, and the multipart framing of MS-WSMV
//! §2.2.9.1.
//!
//! # Layout
//! - [`Credential`]: one user (`NAME` or `DOMAIN\NAME` and a password).
//! - [`Acceptor`] (server, one per TCP connection): [`Acceptor::step`] takes
//!   each client token and answers [`Step::Continue`] (send the token back in
//!   a 401) or [`Step::Done`] (authenticated: the user, an optional last token
//!   and the [`Session`]). Raw NTLM tokens get raw answers, SPNEGO tokens
//!   (pyspnego's `auth='negotiate'`) get SPNEGO answers.
//! - [`Initiator`] (client, raw NTLM as pywinrm sends it):
//!   [`Initiator::initial_token`], then [`Initiator::step`] with the server's
//!   challenge gives the AUTHENTICATE token and the [`Session`].
//! - [`Session`]: [`Session::seal`] builds a WinRM encrypted body,
//!   [`Session::unseal`] checks and opens one; [`ENCRYPTED_CONTENT_TYPE`] is
//!   the Content-Type that goes with a sealed body.
//! - [`NegotiateError`]: the refusals, one variant per cause.
//!
//! # Wire form (MS-WSMV §2.2.9.1.1)
//! ```text
//! Content-Type: multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary"
//!
//! --Encrypted Boundary\r\n
//! \tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n
//! \tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=N\r\n
//! --Encrypted Boundary\r\n
//! \tContent-Type: application/octet-stream\r\n
//! <u32 LE signature length = 16><16-byte NTLM signature><N sealed bytes>--Encrypted Boundary--\r\n
//! ```
//! `multipart/x-multi-encrypted` (one part per 16 KiB of plaintext) is what
//! pywinrm and pypsrp send over CredSSP only; over NTLM they always send one
//! part whatever the size. [`Session::unseal`] accepts both forms (several
//! parts are opened in order); [`Session::seal`] writes one part.

mod error;
mod framing;
mod ntlm;
mod session;
mod spnego;

pub use error::NegotiateError;
pub use framing::{is_encrypted_content_type, original_content_type, ENCRYPTED_CONTENT_TYPE};
pub use ntlm::{Acceptor, Initiator, Step};
pub use session::Session;

/// One user: an optional NetBIOS domain, a name and a password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    /// The domain (`DOMAIN` of `DOMAIN\NAME`); `None` matches any domain on the acceptor side.
    pub domain: Option<String>,
    /// The account name.
    pub user: String,
    /// The password.
    pub password: String,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential").field("domain", &self.domain).field("user", &self.user).finish_non_exhaustive()
    }
}

impl Credential {
    /// A credential from a login name, `NAME` or `DOMAIN\NAME`, and a password.
    pub fn new(login: &str, password: &str) -> Credential {
        let (domain, user) = match login.split_once('\\') {
            Some((d, u)) if !d.is_empty() => (Some(d.to_owned()), u.to_owned()),
            Some((_, u)) => (None, u.to_owned()),
            None => (None, login.to_owned()),
        };
        Credential { domain, user, password: password.to_owned() }
    }

    /// The login name as configured: `DOMAIN\NAME` or `NAME`.
    pub fn login(&self) -> String {
        match &self.domain {
            Some(d) => format!("{d}\\{}", self.user),
            None => self.user.clone(),
        }
    }
}

#[cfg(test)]
mod tests;
