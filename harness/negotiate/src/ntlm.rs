//! The handshake: [`Acceptor`] (server) and [`Initiator`] (client) over sspi's NTLM.

use sspi::{
    AuthIdentity, AuthIdentityBuffers, BufferType, ClientRequestFlags, DataRepresentation, SecurityBuffer, ServerRequestFlags, Sspi, SspiImpl, Username,
};

use crate::session::{Session, Side};
use crate::spnego;
use crate::{Credential, NegotiateError};

const NTLMSSP: &[u8] = b"NTLMSSP\0";

/// What the acceptor answers to one client token.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Step {
    /// Send this token back (`WWW-Authenticate: Negotiate <base64>` on a 401)
    /// and wait for the next one on the same connection.
    Continue(Vec<u8>),
    /// Authenticated.
    Done {
        /// The configured login that matched (`NAME` or `DOMAIN\NAME`, as given to [`Acceptor::new`]).
        user: String,
        /// A last token for the client (SPNEGO's accept-completed with the
        /// server's mechListMIC); `None` for raw NTLM.
        out_token: Option<Vec<u8>>,
        /// The sealing context for the rest of the connection.
        session: Session,
    },
}

/// The server side of one connection's handshake.
///
/// ```text
/// Start --NEGOTIATE (raw, or NegTokenInit with NTLM first)--> ExpectAuthenticate --AUTHENTICATE--> done
/// Start --NegTokenInit, NTLM offered but not first--> ExpectNegotiate --NegTokenResp(NEGOTIATE)--> ExpectAuthenticate
/// ```
/// Any error ends the handshake: build a new acceptor for a new attempt.
#[derive(Debug)]
pub struct Acceptor {
    users: Vec<Credential>,
    state: AcceptorState,
}

#[derive(Debug)]
enum AcceptorState {
    Start,
    ExpectNegotiate { mech_types: Vec<u8> },
    ExpectAuthenticate { ntlm: Box<sspi::Ntlm>, spnego: Option<Vec<u8>> },
    Finished,
}

fn buffers(token: &[u8]) -> (Vec<SecurityBuffer>, Vec<SecurityBuffer>) {
    (vec![SecurityBuffer::new(token.to_vec(), BufferType::Token)], vec![SecurityBuffer::new(Vec::new(), BufferType::Token)])
}

fn out_token(output: Vec<SecurityBuffer>) -> Vec<u8> {
    output.into_iter().next().map(|b| b.buffer).unwrap_or_default()
}

fn sspi_err(e: sspi::Error) -> NegotiateError {
    NegotiateError::from_sspi(&e)
}

fn identity(c: &Credential) -> Result<AuthIdentity, NegotiateError> {
    let username = Username::new(&c.user, c.domain.as_deref()).map_err(|e| NegotiateError::Internal(format!("bad user name: {e}")))?;
    Ok(AuthIdentity { username, password: c.password.clone().into() })
}

/// A field of an NTLM message: (len u16, maxlen u16, offset u32) at `at`.
fn field(msg: &[u8], at: usize) -> Option<&[u8]> {
    let h = msg.get(at..at + 8)?;
    let len = usize::from(u16::from_le_bytes([h[0], h[1]]));
    let off = usize::try_from(u32::from_le_bytes([h[4], h[5], h[6], h[7]])).ok()?;
    msg.get(off..off.checked_add(len)?)
}

fn u32_at(msg: &[u8], at: usize) -> Option<u32> {
    let b = msg.get(at..at + 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// MS-NLMP §2.2.1.3: the negotiate flags and the domain and user of an AUTHENTICATE message.
fn authenticate_names(msg: &[u8]) -> Result<(u32, String, String), NegotiateError> {
    let bad = || NegotiateError::BadToken("not an NTLM AUTHENTICATE message".into());
    if !msg.starts_with(NTLMSSP) || u32_at(msg, 8) != Some(3) {
        return Err(bad());
    }
    let flags = u32_at(msg, 60).ok_or_else(bad)?;
    let text = |b: &[u8]| -> String {
        if flags & 1 != 0 {
            let units: Vec<u16> = b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
            String::from_utf16_lossy(&units)
        } else {
            String::from_utf8_lossy(b).into_owned()
        }
    };
    let domain = text(field(msg, 28).ok_or_else(bad)?);
    let user = text(field(msg, 36).ok_or_else(bad)?);
    Ok((flags, domain, user))
}

impl Acceptor {
    /// An acceptor for one connection, checking against `users`.
    pub fn new(users: Vec<Credential>) -> Acceptor {
        Acceptor { users, state: AcceptorState::Start }
    }

    /// True once [`Step::Done`] was returned or an error ended the handshake.
    pub fn is_finished(&self) -> bool {
        matches!(self.state, AcceptorState::Finished)
    }

    /// Takes one client token (raw NTLM or SPNEGO, the base64-decoded value of
    /// `Authorization: Negotiate ...`).
    pub fn step(&mut self, token: &[u8]) -> Result<Step, NegotiateError> {
        match std::mem::replace(&mut self.state, AcceptorState::Finished) {
            AcceptorState::Start if token.starts_with(NTLMSSP) => {
                let (ntlm, challenge) = negotiate(token)?;
                self.state = AcceptorState::ExpectAuthenticate { ntlm, spnego: None };
                Ok(Step::Continue(challenge))
            }
            AcceptorState::Start if spnego::is_init(token) => {
                let init = spnego::parse_init(token)?;
                if !init.ntlm_offered {
                    return Err(NegotiateError::NoCommonMechanism);
                }
                match init.mech_token.filter(|_| init.ntlm_first) {
                    Some(t) => {
                        let (ntlm, challenge) = negotiate(&t)?;
                        self.state = AcceptorState::ExpectAuthenticate { ntlm, spnego: Some(init.mech_types_der) };
                        Ok(Step::Continue(spnego::write_resp(spnego::ACCEPT_INCOMPLETE, true, Some(&challenge), None)))
                    }
                    None => {
                        self.state = AcceptorState::ExpectNegotiate { mech_types: init.mech_types_der };
                        Ok(Step::Continue(spnego::write_resp(spnego::ACCEPT_INCOMPLETE, true, None, None)))
                    }
                }
            }
            AcceptorState::Start => Err(NegotiateError::BadToken("neither NTLM nor SPNEGO".into())),
            AcceptorState::ExpectNegotiate { mech_types } => {
                let resp = spnego::parse_resp(token)?;
                let t = resp.response_token.ok_or_else(|| NegotiateError::BadToken("SPNEGO: no NTLM NEGOTIATE".into()))?;
                let (ntlm, challenge) = negotiate(&t)?;
                self.state = AcceptorState::ExpectAuthenticate { ntlm, spnego: Some(mech_types) };
                Ok(Step::Continue(spnego::write_resp(spnego::ACCEPT_INCOMPLETE, false, Some(&challenge), None)))
            }
            AcceptorState::ExpectAuthenticate { ntlm, spnego: None } => {
                let (user, session) = self.authenticate(*ntlm, token)?;
                Ok(Step::Done { user, out_token: None, session })
            }
            AcceptorState::ExpectAuthenticate { ntlm, spnego: Some(mech_types) } => {
                let resp = spnego::parse_resp(token)?;
                let t = resp.response_token.ok_or_else(|| NegotiateError::BadToken("SPNEGO: no NTLM AUTHENTICATE".into()))?;
                let (user, mut session) = self.authenticate(*ntlm, &t)?;
                // MS-SPNG §3.2.5.1: a client mechListMIC is checked, and answered with ours.
                let mic = match resp.mech_list_mic {
                    Some(m) => {
                        session.verify_mic(&mech_types, &m)?;
                        Some(session.sign_mic(&mech_types))
                    }
                    None => None,
                };
                let out = spnego::write_resp(spnego::ACCEPT_COMPLETED, false, None, mic.as_deref());
                Ok(Step::Done { user, out_token: Some(out), session })
            }
            AcceptorState::Finished => Err(NegotiateError::OutOfSequence("the handshake is over")),
        }
    }

    /// Picks the configured users the AUTHENTICATE message names and lets sspi
    /// check each one's password.
    fn authenticate(&self, ntlm: sspi::Ntlm, token: &[u8]) -> Result<(String, Session), NegotiateError> {
        let (flags, domain, user) = authenticate_names(token)?;
        if user.is_empty() {
            return Err(NegotiateError::LogonDenied); // anonymous
        }
        let candidates = self
            .users
            .iter()
            .filter(|c| c.user.eq_ignore_ascii_case(&user) && c.domain.as_ref().is_none_or(|d| domain.is_empty() || d.eq_ignore_ascii_case(&domain)));
        for c in candidates {
            let mut ctx = ntlm.clone();
            // The NTLMv2 hash covers the names as the client sent them (sspi
            // keeps the handle's domain when the wire's is empty): the
            // candidate's password under the wire's user and domain.
            let wire = Credential { domain: Some(domain.clone()).filter(|d| !d.is_empty()), user: user.clone(), password: c.password.clone() };
            let mut handle = Some(AuthIdentityBuffers::from(identity(&wire)?));
            let (mut input, mut output) = buffers(token);
            let builder = ctx
                .accept_security_context()
                .with_credentials_handle(&mut handle)
                .with_context_requirements(ServerRequestFlags::ALLOCATE_MEMORY | ServerRequestFlags::CONFIDENTIALITY)
                .with_target_data_representation(DataRepresentation::Native)
                .with_input(&mut input)
                .with_output(&mut output);
            ctx.accept_security_context_impl(builder).map_err(sspi_err)?.resolve_to_result().map_err(sspi_err)?;
            if ctx.complete_auth_token(&mut []).is_ok() {
                let key = ctx.query_context_session_key().map_err(sspi_err)?;
                let session = Session::new(key.session_key.as_ref(), flags, Side::Server)?;
                return Ok((c.login(), session));
            }
        }
        Err(NegotiateError::LogonDenied)
    }
}

/// Reads a NEGOTIATE message into a fresh sspi context and writes the CHALLENGE.
fn negotiate(token: &[u8]) -> Result<(Box<sspi::Ntlm>, Vec<u8>), NegotiateError> {
    if !token.starts_with(NTLMSSP) || u32_at(token, 8) != Some(1) {
        return Err(NegotiateError::BadToken("not an NTLM NEGOTIATE message".into()));
    }
    let mut ntlm = Box::new(sspi::Ntlm::new());
    let mut handle: Option<AuthIdentityBuffers> = None;
    let (mut input, mut output) = buffers(token);
    let builder = ntlm
        .accept_security_context()
        .with_credentials_handle(&mut handle)
        .with_context_requirements(ServerRequestFlags::ALLOCATE_MEMORY | ServerRequestFlags::CONFIDENTIALITY)
        .with_target_data_representation(DataRepresentation::Native)
        .with_input(&mut input)
        .with_output(&mut output);
    ntlm.accept_security_context_impl(builder).map_err(sspi_err)?.resolve_to_result().map_err(sspi_err)?;
    Ok((ntlm, out_token(output)))
}

/// The client side of a raw NTLM handshake (what pywinrm's `transport='ntlm'`
/// sends in `Authorization: Negotiate <base64>`).
///
/// ```text
/// let mut i = Initiator::new(cred)?;
/// send i.initial_token()?            -> 401 WWW-Authenticate: Negotiate <challenge>
/// let (auth, session) = i.step(&challenge)?; send auth (with the sealed first request)
/// ```
#[derive(Debug)]
pub struct Initiator {
    ntlm: Box<sspi::Ntlm>,
    handle: Option<AuthIdentityBuffers>,
}

impl Initiator {
    /// An initiator for `credential`.
    pub fn new(credential: Credential) -> Result<Initiator, NegotiateError> {
        let handle = Some(AuthIdentityBuffers::from(identity(&credential)?));
        Ok(Initiator { ntlm: Box::new(sspi::Ntlm::new()), handle })
    }

    fn init(&mut self, input: Option<&[u8]>) -> Result<Vec<u8>, NegotiateError> {
        let mut input = input.map(|t| vec![SecurityBuffer::new(t.to_vec(), BufferType::Token)]);
        let mut output = vec![SecurityBuffer::new(Vec::new(), BufferType::Token)];
        let mut builder = self
            .ntlm
            .initialize_security_context()
            .with_credentials_handle(&mut self.handle)
            .with_context_requirements(ClientRequestFlags::CONFIDENTIALITY | ClientRequestFlags::INTEGRITY | ClientRequestFlags::ALLOCATE_MEMORY)
            .with_target_data_representation(DataRepresentation::Native)
            .with_output(&mut output);
        if let Some(i) = input.as_mut() {
            builder = builder.with_input(i);
        }
        self.ntlm.initialize_security_context_impl(&mut builder).map_err(sspi_err)?.resolve_to_result().map_err(sspi_err)?;
        Ok(out_token(output))
    }

    /// The NEGOTIATE message (first leg).
    pub fn initial_token(&mut self) -> Result<Vec<u8>, NegotiateError> {
        self.init(None)
    }

    /// Takes the server's CHALLENGE (the decoded `WWW-Authenticate: Negotiate`
    /// token of the 401) and gives the AUTHENTICATE message to send next, and
    /// the session that seals that request and the ones after it.
    pub fn step(mut self, server_token: &[u8]) -> Result<(Vec<u8>, Session), NegotiateError> {
        if !server_token.starts_with(NTLMSSP) || u32_at(server_token, 8) != Some(2) {
            return Err(NegotiateError::BadToken("not an NTLM CHALLENGE message".into()));
        }
        let auth = self.init(Some(server_token))?;
        let (flags, _, _) = authenticate_names(&auth)?;
        let key = self.ntlm.query_context_session_key().map_err(sspi_err)?;
        let session = Session::new(key.session_key.as_ref(), flags, Side::Client)?;
        Ok((auth, session))
    }
}

#[cfg(test)]
pub(crate) fn authenticate_names_for_test(msg: &[u8]) -> Result<(u32, String, String), NegotiateError> {
    authenticate_names(msg)
}
