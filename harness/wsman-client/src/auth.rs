//! Authentication: the [`Authenticator`] trait and its implementations,
//! [`Basic`] and (with the feature `negotiate`, on by default) `Negotiate`.
//!
//! # Why the hooks look like this
//!
//! Basic is stateless: every request carries the credentials. Negotiate
//! (Kerberos/NTLM, MS-WSMV §2.2.9) and CredSSP are not: the handshake runs
//! over several HTTP legs *on one TCP connection*, whose result (a security
//! context) authenticates that connection and, with message encryption,
//! wraps every body sent on it. So the transport owns its connections and
//! hands each one's [`ConnState`] to the authenticator:
//!
//! ```text
//!  transport                               authenticator
//!  ---------                               -------------
//!  checkout connection C (pooled or new)
//!  [handshake_first(&C.state): the legs below with an empty body, until
//!   the endpoint accepts; then the message]
//!  loop {
//!    headers  ------------------------->   authorize(&mut C.state, &mut headers)
//!    body     ------------------------->   wrap(&mut C.state, payload)
//!    send on C, read the head
//!    401 + WWW-Authenticate  ---------->   challenge(&mut C.state, &headers) -> Retry | Fail
//!      Retry: the next leg, on C                (token stored in C.state)
//!  }
//!  body     <-------------------------     unwrap(&mut C.state, payload)
//!  check C back into the pool (its state with it)
//! ```
//!
//! Callers of [`crate::Session`] never see this: a new scheme is a new
//! implementation of the trait and a new [`crate::Endpoint`] setting.

use std::any::Any;
use std::fmt;

use base64::Engine as _;
use bytes::Bytes;
use hyper::header::{HeaderMap, HeaderValue, AUTHORIZATION};

use crate::error::{Error, ErrorKind};
#[cfg(feature = "negotiate")]
pub use crate::negotiate::Negotiate;

/// Per-connection state the transport keeps for the authenticator, for as
/// long as the connection lives (it moves in and out of the pool with it).
#[derive(Default)]
pub struct ConnState {
    id: u64,
    exchanges: u64,
    tls: bool,
    auth: Option<Box<dyn Any + Send + Sync>>,
}

impl fmt::Debug for ConnState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnState")
            .field("id", &self.id)
            .field("exchanges", &self.exchanges)
            .field("tls", &self.tls)
            .field("auth", &self.auth.as_ref().map(|_| ".."))
            .finish()
    }
}

impl ConnState {
    pub(crate) fn new(id: u64, tls: bool) -> ConnState {
        ConnState { id, exchanges: 0, tls, auth: None }
    }

    pub(crate) fn exchange_done(&mut self) {
        self.exchanges += 1;
    }

    /// A number identifying the connection within its session.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Complete exchanges (responses read) on this connection so far.
    pub fn exchanges(&self) -> u64 {
        self.exchanges
    }

    /// Whether the connection runs over TLS (Basic over plain HTTP is refused
    /// by endpoints that do not allow unencrypted traffic).
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// Whether an authenticator keeps state on this connection (a
    /// connection-bound scheme such as Negotiate has authenticated it, or is
    /// doing so).
    pub fn has_auth_state(&self) -> bool {
        self.auth.is_some()
    }

    /// The authenticator's state for this connection, if it has one of type `T`.
    pub fn auth_state_ref<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.auth.as_ref().and_then(|b| b.downcast_ref::<T>())
    }

    /// The authenticator's state for this connection, created with
    /// `Default` on first use. One type per connection: asking for another
    /// type replaces it.
    pub fn auth_state<T: Any + Send + Sync + Default>(&mut self) -> &mut T {
        if !self.auth.as_ref().is_some_and(|b| b.is::<T>()) {
            self.auth = Some(Box::new(T::default()));
        }
        match self.auth.as_mut().and_then(|b| b.downcast_mut::<T>()) {
            Some(t) => t,
            // Just set to a T above.
            None => unreachable!("auth state of the type just stored"),
        }
    }
}

/// A request or response body as an authenticator may wrap it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// The Content-Type it travels with (`multipart/encrypted; ...` once encrypted).
    pub content_type: Option<String>,
    /// The bytes.
    pub bytes: Bytes,
}

/// What to do after a 401.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Challenge {
    /// Send the request again on the same connection: the next leg of a
    /// handshake (the authenticator updated the connection's state).
    Retry,
    /// Give the 401 to the caller.
    Fail,
}

/// Why an authenticator could not go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError(pub String);

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AuthError {}

impl From<AuthError> for Error {
    fn from(e: AuthError) -> Error {
        Error::new(ErrorKind::Auth, format!("authentication: {}", e.0))
    }
}

/// An HTTP authentication scheme, driven by the transport on one connection
/// at a time (see the module documentation for the order of the calls).
///
/// Implementations are shared by all connections of a session; anything
/// per connection goes into [`ConnState::auth_state`].
///
/// ```
/// use wsman_client::auth::{AuthError, Authenticator, ConnState};
/// use wsman_client::hyper::header::{HeaderMap, HeaderValue, AUTHORIZATION};
///
/// /// A bearer token, the same on every connection.
/// #[derive(Debug)]
/// struct Bearer(String);
///
/// impl Authenticator for Bearer {
///     fn scheme(&self) -> &str {
///         "Bearer"
///     }
///
///     fn authorize(&self, _conn: &mut ConnState, headers: &mut HeaderMap) -> Result<(), AuthError> {
///         let v = HeaderValue::from_str(&format!("Bearer {}", self.0)).map_err(|e| AuthError(e.to_string()))?;
///         headers.insert(AUTHORIZATION, v);
///         Ok(())
///     }
/// }
/// # let _ = Bearer("t".into());
/// ```
pub trait Authenticator: Send + Sync + fmt::Debug {
    /// The scheme's name (`Basic`, `Negotiate`), for messages.
    fn scheme(&self) -> &str;

    /// Sets the credentials of one request leg about to go out on `conn`
    /// (normally the Authorization header).
    fn authorize(&self, conn: &mut ConnState, headers: &mut HeaderMap) -> Result<(), AuthError>;

    /// The endpoint answered 401 on `conn`, with these response headers
    /// (`WWW-Authenticate`). The default gives up.
    fn challenge(&self, conn: &mut ConnState, headers: &HeaderMap) -> Result<Challenge, AuthError> {
        let _ = (conn, headers);
        Ok(Challenge::Fail)
    }

    /// Wraps a request body before it is sent on `conn` (message
    /// encryption). The default sends it as it is.
    fn wrap(&self, conn: &mut ConnState, body: Payload) -> Result<Payload, AuthError> {
        let _ = conn;
        Ok(body)
    }

    /// Unwraps a response body read on `conn`. The default keeps it as it is.
    fn unwrap(&self, conn: &mut ConnState, body: Payload) -> Result<Payload, AuthError> {
        let _ = conn;
        Ok(body)
    }

    /// Whether `conn` must be authenticated by a handshake of its own before
    /// a message goes out on it: the transport then sends the legs with an
    /// empty body (each through [`authorize`](Self::authorize) and, on a
    /// 401, [`challenge`](Self::challenge)) until the endpoint accepts, and
    /// only then the message, sealed by [`wrap`](Self::wrap) with the keys
    /// the handshake gave. What pywinrm and pypsrp do with message
    /// encryption: no body is sent before the keys to seal it exist. The
    /// default: no (the first leg carries the message).
    fn handshake_first(&self, conn: &ConnState) -> bool {
        let _ = conn;
        false
    }

    /// Whether the authenticator seals messages: [`Authenticator::wrap`]
    /// must see every request body whole (a streamed body is refused) and
    /// [`Authenticator::unwrap`] every response body (its state moves with
    /// each one: message encryption's sequence numbers), so that no body may
    /// be dropped unread. The default: no.
    fn wraps(&self) -> bool {
        false
    }
}

/// HTTP Basic (RFC 7617): `Authorization: Basic base64(user:password)` on every request.
#[derive(Clone)]
pub struct Basic {
    user: String,
    header: HeaderValue,
}

impl fmt::Debug for Basic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the password.
        f.debug_struct("Basic").field("user", &self.user).finish_non_exhaustive()
    }
}

impl Basic {
    /// Credentials for `user`.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] when the encoded value is not a valid header (it always is: base64).
    pub fn new(user: &str, password: &str) -> Result<Basic, Error> {
        let header = Self::header_value(user, password)?;
        Ok(Basic { user: user.to_owned(), header })
    }

    /// The `Authorization` value for these credentials (marked sensitive),
    /// for tools that set the header themselves ([`crate::RawAuth::Header`]).
    pub fn header_value(user: &str, password: &str) -> Result<HeaderValue, Error> {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        let mut v = HeaderValue::from_str(&format!("Basic {token}")).map_err(|e| Error::new(ErrorKind::Config, e.to_string()))?;
        v.set_sensitive(true);
        Ok(v)
    }
}

impl Authenticator for Basic {
    fn scheme(&self) -> &str {
        "Basic"
    }

    fn authorize(&self, _conn: &mut ConnState, headers: &mut HeaderMap) -> Result<(), AuthError> {
        headers.insert(AUTHORIZATION, self.header.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_sets_the_header_and_hides_the_password() {
        let b = Basic::new("admin", "s3cret").unwrap();
        let mut h = HeaderMap::new();
        b.authorize(&mut ConnState::default(), &mut h).unwrap();
        assert_eq!(h.get(AUTHORIZATION).unwrap().to_str().unwrap(), "Basic YWRtaW46czNjcmV0");
        assert!(!format!("{b:?}").contains("s3cret"));
    }

    #[test]
    fn auth_state_is_per_type() {
        let mut c = ConnState::default();
        *c.auth_state::<u32>() += 3;
        assert_eq!(*c.auth_state::<u32>(), 3);
        assert_eq!(c.auth_state::<String>().as_str(), "");
        assert_eq!(*c.auth_state::<u32>(), 0, "replaced by the other type");
    }
}
