//! [`Negotiate`]: NTLM inside `Authorization: Negotiate`, once per
//! connection, and WinRM message encryption over plain HTTP (MS-WSMV
//! §2.2.9.1), on the [`negotiate`] crate. The wire order is pywinrm's, which
//! a default Windows host and `serve` accept: over plain HTTP the handshake
//! runs on empty bodies first ([`Authenticator::handshake_first`]), so that
//! nothing goes out before the keys to seal it exist:
//!
//! ```text
//! http   Authorization: Negotiate <NEGOTIATE>       empty body
//!        <- 401 WWW-Authenticate: Negotiate <CHALLENGE>
//!        Authorization: Negotiate <AUTHENTICATE>    empty body   <- 200
//!        (no Authorization)                         the message, sealed; the answer sealed
//! https  Authorization: Negotiate <NEGOTIATE>       the message  <- 401 <CHALLENGE>
//!        Authorization: Negotiate <AUTHENTICATE>    the message  <- the answer
//! ```
//!
//! The security context belongs to the TCP connection (its
//! [`ConnState`]): a new connection runs the handshake again. A 401 on a
//! connection that was authenticated in an earlier exchange means the
//! endpoint dropped the context: the handshake starts again on it. A 401
//! right after the AUTHENTICATE leg is the refusal, returned to the caller.

use base64::Engine as _;
use bytes::Bytes;
use hyper::header::{HeaderMap, HeaderValue, AUTHORIZATION, WWW_AUTHENTICATE};
use negotiate::{is_encrypted_content_type, Credential, Initiator, NegotiateError, Session, ENCRYPTED_CONTENT_TYPE};

use crate::auth::{AuthError, Authenticator, Challenge, ConnState, Payload};
use crate::error::{Error, ErrorKind};

/// The Content-Type of a SOAP envelope once unsealed (what Windows names as
/// the OriginalContent of every sealed body).
const SOAP_CONTENT_TYPE: &str = "application/soap+xml;charset=UTF-8";

/// Negotiate (NTLM) with the endpoint's user, `NAME` or `DOMAIN\NAME`.
pub struct Negotiate {
    login: String,
    password: String,
    encrypt: bool,
}

impl std::fmt::Debug for Negotiate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Negotiate").field("login", &self.login).field("password", &"..").field("encrypt", &self.encrypt).finish()
    }
}

impl Negotiate {
    /// Negotiate as `login` (`NAME` or `DOMAIN\NAME`); `encrypt` seals every
    /// message (plain HTTP; over HTTPS, TLS protects them and Windows wants
    /// them plain).
    ///
    /// # Errors
    /// [`ErrorKind::Config`] for an empty name.
    pub fn new(login: &str, password: &str, encrypt: bool) -> Result<Negotiate, Error> {
        if login.rsplit('\\').next().is_none_or(str::is_empty) {
            return Err(Error::new(ErrorKind::Config, "Negotiate needs a user name (NAME or DOMAIN\\NAME)"));
        }
        Ok(Negotiate { login: login.to_owned(), password: password.to_owned(), encrypt })
    }
}

/// Where one connection's handshake is.
#[derive(Default)]
enum Phase {
    /// Nothing sent yet (or the endpoint dropped the context).
    #[default]
    Fresh,
    /// NEGOTIATE sent; waiting for the CHALLENGE.
    Negotiating(Box<Initiator>),
    /// CHALLENGE answered: the AUTHENTICATE token goes on the next leg.
    Answering { token: Vec<u8>, session: Box<Session> },
    /// Authenticated; the token went out when the connection had completed
    /// `since` exchanges.
    Established { session: Box<Session>, since: u64 },
}

#[derive(Default)]
struct NegState {
    phase: Phase,
}

fn auth_err(e: NegotiateError) -> AuthError {
    if e.is_logon_denied() {
        AuthError(format!("Negotiate: the credentials were refused ({e})"))
    } else {
        AuthError(format!("Negotiate: {e}"))
    }
}

fn header(token: &[u8]) -> Result<HeaderValue, AuthError> {
    let value = format!("Negotiate {}", base64::engine::general_purpose::STANDARD.encode(token));
    HeaderValue::from_str(&value).map_err(|e| AuthError(e.to_string()))
}

/// The token of a `WWW-Authenticate: Negotiate <b64>` answer, if any.
fn offered_token(headers: &HeaderMap) -> Option<Vec<u8>> {
    headers.get_all(WWW_AUTHENTICATE).iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
        let (scheme, rest) = v.trim().split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("negotiate") {
            return None;
        }
        base64::engine::general_purpose::STANDARD.decode(rest.trim()).ok()
    })
}

impl Authenticator for Negotiate {
    fn scheme(&self) -> &str {
        "Negotiate"
    }

    fn authorize(&self, conn: &mut ConnState, headers: &mut HeaderMap) -> Result<(), AuthError> {
        let exchanges = conn.exchanges();
        let state = conn.auth_state::<NegState>();
        match std::mem::take(&mut state.phase) {
            Phase::Fresh | Phase::Negotiating(_) => {
                let mut initiator = Initiator::new(Credential::new(&self.login, &self.password)).map_err(auth_err)?;
                headers.insert(AUTHORIZATION, header(&initiator.initial_token().map_err(auth_err)?)?);
                state.phase = Phase::Negotiating(Box::new(initiator));
            }
            Phase::Answering { token, session } => {
                headers.insert(AUTHORIZATION, header(&token)?);
                state.phase = Phase::Established { session, since: exchanges };
            }
            established @ Phase::Established { .. } => state.phase = established,
        }
        Ok(())
    }

    fn challenge(&self, conn: &mut ConnState, headers: &HeaderMap) -> Result<Challenge, AuthError> {
        let exchanges = conn.exchanges();
        let state = conn.auth_state::<NegState>();
        match std::mem::take(&mut state.phase) {
            Phase::Negotiating(initiator) => {
                let Some(challenge) = offered_token(headers) else { return Ok(Challenge::Fail) };
                let (token, session) = initiator.step(&challenge).map_err(auth_err)?;
                state.phase = Phase::Answering { token, session: Box::new(session) };
                Ok(Challenge::Retry)
            }
            // Authenticated in an earlier exchange: the endpoint forgot the
            // context (a restart, an idle timeout); run the handshake again.
            Phase::Established { since, .. } if since < exchanges => Ok(Challenge::Retry),
            // The AUTHENTICATE leg itself was refused: the caller's 401.
            _ => Ok(Challenge::Fail),
        }
    }

    fn handshake_first(&self, conn: &ConnState) -> bool {
        self.encrypt && !matches!(conn.auth_state_ref::<NegState>(), Some(NegState { phase: Phase::Established { .. } }))
    }

    fn wrap(&self, conn: &mut ConnState, body: Payload) -> Result<Payload, AuthError> {
        if !self.encrypt {
            return Ok(body);
        }
        match &mut conn.auth_state::<NegState>().phase {
            Phase::Established { session, .. } => {
                // The OriginalContent is the message's own Content-Type, right or wrong.
                let sealed = session.seal_as(&body.bytes, body.content_type.as_deref().unwrap_or(SOAP_CONTENT_TYPE));
                Ok(Payload { content_type: Some(ENCRYPTED_CONTENT_TYPE.to_owned()), bytes: sealed.into() })
            }
            // No keys yet: a handshake leg carries no body (nothing goes out unsealed).
            _ => Ok(Payload { content_type: None, bytes: Bytes::new() }),
        }
    }

    fn unwrap(&self, conn: &mut ConnState, body: Payload) -> Result<Payload, AuthError> {
        let Some(ct) = body.content_type.as_deref().filter(|ct| is_encrypted_content_type(ct)) else { return Ok(body) };
        match &mut conn.auth_state::<NegState>().phase {
            Phase::Established { session, .. } => {
                let plain = session.unseal(&body.bytes, ct).map_err(auth_err)?;
                Ok(Payload { content_type: Some(SOAP_CONTENT_TYPE.to_owned()), bytes: plain.into() })
            }
            _ => Err(AuthError("Negotiate: a sealed response on a connection without a security context".into())),
        }
    }

    fn wraps(&self) -> bool {
        self.encrypt
    }
}
