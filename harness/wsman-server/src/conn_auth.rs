//! Negotiate (NTLM) on one TCP connection: the handshake in progress, then
//! the session that seals and opens its messages (MS-WSMV §2.2.9.1).
//!
//! The context belongs to the connection, as on Windows: each kept-alive
//! connection authenticates once, and later requests on it carry no
//! Authorization header.

use negotiate::{Acceptor, Credential, NegotiateError, Session, Step};

use crate::auth::User;

/// What [`ConnAuth::step`] tells the HTTP edge to do.
#[derive(Debug)]
pub(crate) enum Leg {
    /// Answer 401 with `WWW-Authenticate: Negotiate <token>`, keep the connection.
    Challenge(Vec<u8>),
    /// Authenticated as this user; the response may carry a last token.
    Authenticated { user: String, last_token: Option<Vec<u8>> },
}

/// The Negotiate state of one connection.
#[derive(Debug, Default)]
pub(crate) struct ConnAuth {
    /// The handshake in progress, between its legs.
    acceptor: Option<Acceptor>,
    /// After the handshake: the user and the sealing context.
    session: Option<(String, Session)>,
    /// The last sealed request body accepted and its plaintext, kept only for
    /// the `accept-replayed-sealed-message` defect.
    last_sealed: Option<(Vec<u8>, Vec<u8>)>,
}

impl ConnAuth {
    /// One leg of the handshake. A token that starts a new handshake drops
    /// any earlier session of the connection.
    pub(crate) fn step(&mut self, users: &[User], token: &[u8]) -> Result<Leg, NegotiateError> {
        if self.acceptor.is_none() {
            self.session = None;
            self.last_sealed = None;
            self.acceptor = Some(Acceptor::new(users.iter().map(|u| Credential::new(&u.name, &u.password)).collect()));
        }
        let Some(acceptor) = self.acceptor.as_mut() else { return Err(NegotiateError::OutOfSequence("no handshake")) };
        let step = acceptor.step(token);
        match step {
            Ok(Step::Continue(t)) => Ok(Leg::Challenge(t)),
            Ok(Step::Done { user, out_token, session }) => {
                self.acceptor = None;
                self.session = Some((user.clone(), session));
                Ok(Leg::Authenticated { user, last_token: out_token })
            }
            Err(e) => {
                self.acceptor = None;
                Err(e)
            }
        }
    }

    /// The user of the connection's session, once authenticated.
    pub(crate) fn user(&self) -> Option<String> {
        self.session.as_ref().map(|(u, _)| u.clone())
    }

    /// Opens a sealed request body. `check_signature` false and `accept_replay`
    /// true are defect switches. An error drops the session (its RC4 streams
    /// may be out of step): the client has to authenticate again.
    pub(crate) fn unseal(&mut self, body: &[u8], content_type: &str, check_signature: bool, accept_replay: bool) -> Result<Vec<u8>, NegotiateError> {
        let Some((_, session)) = self.session.as_mut() else { return Err(NegotiateError::OutOfSequence("no session")) };
        let opened = if check_signature { session.unseal(body, content_type) } else { session.unseal_without_signature_check(body, content_type) };
        match opened {
            Ok(plain) => {
                if accept_replay {
                    self.last_sealed = Some((body.to_vec(), plain.clone()));
                }
                Ok(plain)
            }
            Err(e @ NegotiateError::Replayed { .. }) if accept_replay => {
                let replayed = self.last_sealed.as_ref().filter(|(b, _)| b.as_slice() == body).map(|(_, plain)| plain.clone());
                replayed.ok_or_else(|| self.drop_session(e))
            }
            Err(e) => Err(self.drop_session(e)),
        }
    }

    fn drop_session(&mut self, e: NegotiateError) -> NegotiateError {
        self.session = None;
        self.last_sealed = None;
        e
    }

    /// Seals a response body with the connection's session.
    pub(crate) fn seal(&mut self, plain: &[u8]) -> Option<Vec<u8>> {
        self.session.as_mut().map(|(_, s)| s.seal(plain))
    }
}
