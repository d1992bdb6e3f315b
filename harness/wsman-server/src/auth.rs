//! HTTP Basic authentication against the configured users.

use base64::Engine;

/// One WS-Man user (also a BMC administrator).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Login name.
    pub name: String,
    /// Password.
    pub password: String,
}

impl User {
    /// Parses `NAME:PASS` (the password may contain colons).
    pub fn parse(s: &str) -> Result<User, String> {
        match s.split_once(':') {
            Some((n, p)) if !n.is_empty() => Ok(User { name: n.to_owned(), password: p.to_owned() }),
            _ => Err(format!("expected NAME:PASS, got {s:?}")),
        }
    }
}

/// The outcome of checking an `Authorization` header.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum AuthOutcome {
    /// Valid credentials for this user.
    Authenticated(String),
    /// No credentials, a scheme other than Basic, or wrong credentials.
    Refused,
}

/// Checks a Basic `Authorization` header value. `any_password` is the
/// accept-wrong-password defect.
pub(crate) fn check_basic(header: Option<&str>, users: &[User], any_password: bool) -> AuthOutcome {
    let Some(value) = header else { return AuthOutcome::Refused };
    let Some((scheme, rest)) = value.trim().split_once(' ') else { return AuthOutcome::Refused };
    if !scheme.eq_ignore_ascii_case("basic") {
        return AuthOutcome::Refused;
    }
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(rest.trim()) else { return AuthOutcome::Refused };
    let Ok(text) = String::from_utf8(decoded) else { return AuthOutcome::Refused };
    let Some((name, password)) = text.split_once(':') else { return AuthOutcome::Refused };
    // Compare every user in full so timing does not reveal which user exists.
    let mut found = None;
    for u in users {
        let name_ok = constant_time_eq(u.name.as_bytes(), name.as_bytes());
        let pass_ok = constant_time_eq(u.password.as_bytes(), password.as_bytes());
        if name_ok && (pass_ok || any_password) {
            found = Some(u.name.clone());
        }
    }
    found.map_or(AuthOutcome::Refused, AuthOutcome::Authenticated)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hdr(s: &str) -> String {
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(s))
    }

    #[test]
    fn basic_accepts_only_matching_credentials() {
        let users = vec![User::parse("admin:pa:ss").unwrap()];
        assert_eq!(check_basic(Some(&hdr("admin:pa:ss")), &users, false), AuthOutcome::Authenticated("admin".into()));
        assert_eq!(check_basic(Some(&hdr("admin:wrong")), &users, false), AuthOutcome::Refused);
        assert_eq!(check_basic(Some(&hdr("admin:wrong")), &users, true), AuthOutcome::Authenticated("admin".into()));
        assert_eq!(check_basic(Some(&hdr("nobody:pa:ss")), &users, true), AuthOutcome::Refused);
        assert_eq!(check_basic(Some("Negotiate abc"), &users, false), AuthOutcome::Refused);
        assert_eq!(check_basic(Some("Basic !!!"), &users, false), AuthOutcome::Refused);
        assert_eq!(check_basic(None, &users, false), AuthOutcome::Refused);
    }

    #[test]
    fn user_parse_refuses_missing_colon() {
        assert!(User::parse("admin").is_err());
        assert!(User::parse(":x").is_err());
    }
}
