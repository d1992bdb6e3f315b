//! The refusals of the handshake and of message protection.

/// Why a token or a sealed message was refused. Display texts are for humans
/// and not a contract; match the variants.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NegotiateError {
    /// The token is neither raw NTLM nor SPNEGO, is cut short, or is not the
    /// message expected at this point of the handshake.
    #[error("bad authentication token: {0}")]
    BadToken(String),
    /// The SPNEGO offer does not include NTLM (1.3.6.1.4.1.311.2.2.10).
    #[error("the client offers no mechanism this server speaks (NTLM)")]
    NoCommonMechanism,
    /// No configured user has that name (and domain), or the password is wrong.
    #[error("logon denied: unknown user or wrong password")]
    LogonDenied,
    /// A token arrived after the handshake finished, or before it started.
    #[error("token out of sequence: {0}")]
    OutOfSequence(&'static str),
    /// The signature of a sealed message (or a SPNEGO mechListMIC) does not verify.
    #[error("the message signature does not verify")]
    BadSignature,
    /// A sealed message carries a sequence number already used (a replay).
    #[error("replayed sealed message: sequence number {got}, expected {expected}")]
    Replayed {
        /// The sequence number in the signature.
        got: u32,
        /// The next number this side expects.
        expected: u32,
    },
    /// A sealed message carries a sequence number ahead of the expected one.
    #[error("out-of-order sealed message: sequence number {got}, expected {expected}")]
    OutOfOrder {
        /// The sequence number in the signature.
        got: u32,
        /// The next number this side expects.
        expected: u32,
    },
    /// The body is not the MS-WSMV multipart/encrypted framing (boundaries,
    /// headers, lengths or Content-Type).
    #[error("bad encrypted-message framing: {0}")]
    BadFraming(&'static str),
    /// sspi failed for a reason none of the above describes.
    #[error("NTLM failure: {0}")]
    Internal(String),
}

impl NegotiateError {
    /// True for the refusals of credentials (a 401 on the wire).
    pub fn is_logon_denied(&self) -> bool {
        matches!(self, NegotiateError::LogonDenied)
    }

    pub(crate) fn from_sspi(e: &sspi::Error) -> NegotiateError {
        match e.error_type {
            sspi::ErrorKind::LogonDenied | sspi::ErrorKind::NoCredentials => NegotiateError::LogonDenied,
            sspi::ErrorKind::MessageAltered => NegotiateError::BadSignature,
            sspi::ErrorKind::InvalidToken | sspi::ErrorKind::InvalidParameter | sspi::ErrorKind::DecryptFailure => {
                NegotiateError::BadToken(e.description.clone())
            }
            sspi::ErrorKind::OutOfSequence => NegotiateError::OutOfSequence("NTLM state"),
            _ => NegotiateError::Internal(format!("{:?}: {}", e.error_type, e.description)),
        }
    }
}
