//! The connection flags every command that talks to an endpoint shares ->
//! a [`wsman_client::Endpoint`].

use wsman_client::{AuthScheme, Endpoint, TlsMode};

use crate::args::ConnectionArgs;

/// `NAME:PASS` (the password may contain colons). The error never repeats
/// what was typed: it may hold a password.
fn parse_user(text: &str) -> Result<(String, String), String> {
    match text.split_once(':') {
        Some((name, password)) if !name.is_empty() => Ok((name.to_owned(), password.to_owned())),
        _ => Err("--user expects NAME:PASS (a name, a colon, the password)".into()),
    }
}

/// The endpoint named by the connection flags, at `url`.
pub(crate) fn target(conn: &ConnectionArgs, url: &str) -> Result<Endpoint, String> {
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    if !matches!(scheme.as_deref(), Some("http") | Some("https")) {
        return Err(format!("--endpoint {url:?} is not an http:// or https:// URL"));
    }
    let auth = if conn.auth == "negotiate" { AuthScheme::Negotiate } else { AuthScheme::Basic };
    let mut target = Endpoint::new(url).with_timeout(conn.timeout).with_auth(auth);
    if let Some(u) = &conn.user {
        let (name, password) = parse_user(u)?;
        target = target.with_user(name, password);
    }
    let tls = match (&conn.ca, conn.insecure) {
        (Some(ca), _) => TlsMode::Ca(ca.clone()),
        (None, true) => TlsMode::Insecure,
        (None, false) => TlsMode::Verify,
    };
    Ok(target.with_tls(tls))
}

#[cfg(test)]
mod tests {
    use super::parse_user;

    #[test]
    fn a_bad_user_is_refused_without_echoing_it() {
        assert_eq!(parse_user("a:b:c"), Ok(("a".into(), "b:c".into())));
        for bad in [":secret", "secret"] {
            let e = parse_user(bad).unwrap_err();
            assert!(!e.contains("secret"), "{e}");
        }
    }
}
