//! Resource URIs as people type them: winrm's prefix aliases and its
//! `?Name=Value+Other=Value` selectors, expanded to the full
//! `wsman:ResourceURI` (what `winrm get wmicimv2/Win32_Service?Name=WinRM`
//! and the scripting objects' resource strings accept).
//!
//! | typed | sent |
//! |---|---|
//! | `http://...`, `https://...` | as it is |
//! | `wmi/root/cimv2/Win32_Service` | [`ns::WMI_RESOURCE_PREFIX`] `root/cimv2/Win32_Service` |
//! | `wmicimv2/Win32_Service` | [`ns::WMI_RESOURCE_PREFIX`] `root/cimv2/Win32_Service` |
//! | `cimv2/CIM_NumericSensor`, `cimv2/*` | [`ns::DMTF_CIM_RESOURCE_PREFIX`] `CIM_NumericSensor`, ... `*` |
//! | `winrm/config`, `wsman/config/service` | [`ns::MS_WSMAN_BASE`] `config`, ... (= [`ns::CFG`]) |
//! | `shell/cmd` | [`ns::RSP`] `/cmd` |
//! | anything else without a scheme (`config/client`) | [`ns::MS_WSMAN_BASE`] prefixed |
//!
//! The alias names are those `winrm help aliases` lists (`wmi`, `wmicimv2`,
//! `cimv2`, `winrm`, `wsman`, `shell`), matched case-insensitively; note that
//! `cimv2` is the DMTF CIM schema prefix there, not WMI's `root/cimv2`
//! (which is `wmicimv2`).

use std::fmt;

use wsman_proto::ns;

/// The prefix an alias stands for, with its trailing `/`.
fn alias_prefix(alias: &str) -> Option<String> {
    Some(match alias.to_ascii_lowercase().as_str() {
        "wmi" => ns::WMI_RESOURCE_PREFIX.to_owned(),
        "wmicimv2" => format!("{}root/cimv2/", ns::WMI_RESOURCE_PREFIX),
        "cimv2" => ns::DMTF_CIM_RESOURCE_PREFIX.to_owned(),
        "winrm" | "wsman" => ns::MS_WSMAN_BASE.to_owned(),
        "shell" => format!("{}/", ns::RSP),
        _ => return None,
    })
}

/// The full resource URI of `text` (no selectors; see the module table).
///
/// ```
/// use wsman_client::alias::expand;
/// use wsman_proto::ns;
///
/// assert_eq!(expand("wmicimv2/Win32_Service"), format!("{}root/cimv2/Win32_Service", ns::WMI_RESOURCE_PREFIX));
/// assert_eq!(expand("winrm/config"), ns::CFG);
/// assert_eq!(expand(ns::CFG), ns::CFG);
/// ```
pub fn expand(text: &str) -> String {
    let text = text.trim();
    if let Some((scheme, _)) = text.split_once("://") {
        if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") {
            return text.to_owned();
        }
    }
    let (first, rest) = text.split_once('/').unwrap_or((text, ""));
    match alias_prefix(first) {
        // `winrm` alone names the base itself, without the trailing slash.
        Some(prefix) if rest.is_empty() => prefix.trim_end_matches('/').to_owned(),
        Some(prefix) => format!("{prefix}{rest}"),
        None => format!("{}{}", ns::MS_WSMAN_BASE, text.trim_start_matches('/')),
    }
}

/// Why a typed resource is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidResource {
    /// What was typed.
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl fmt::Display for InvalidResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "resource {:?}: {}", self.text, self.reason)
    }
}

impl std::error::Error for InvalidResource {}

/// Splits `URI?Name=Value+Other=Value` into the expanded URI and its
/// selectors, in order (no selector without `?`).
///
/// # Errors
/// An empty URI, or a selector that is not `Name=Value` with a name.
pub fn parse(text: &str) -> Result<(String, Vec<(String, String)>), InvalidResource> {
    let bad = |reason| InvalidResource { text: text.to_owned(), reason };
    let (uri, query) = match text.split_once('?') {
        Some((u, q)) => (u, Some(q)),
        None => (text, None),
    };
    if uri.trim().is_empty() {
        return Err(bad("no resource URI"));
    }
    let mut selectors = Vec::new();
    if let Some(q) = query {
        for pair in q.split('+') {
            let (name, value) = pair.split_once('=').ok_or_else(|| bad("a selector after '?' is not Name=Value"))?;
            if name.trim().is_empty() {
                return Err(bad("a selector after '?' has no name"));
            }
            selectors.push((name.trim().to_owned(), value.to_owned()));
        }
    }
    Ok((expand(uri), selectors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_expand_as_winrm_lists_them() {
        let cimv2 = |c: &str| format!("{}root/cimv2/{c}", ns::WMI_RESOURCE_PREFIX);
        assert_eq!(expand("wmi/root/cimv2/Win32_Service"), cimv2("Win32_Service"));
        assert_eq!(expand("WMICIMV2/Win32_Service"), cimv2("Win32_Service"));
        assert_eq!(expand("wmicimv2/*"), cimv2("*"));
        assert_eq!(expand("cimv2/CIM_NumericSensor"), format!("{}CIM_NumericSensor", ns::DMTF_CIM_RESOURCE_PREFIX));
        assert_eq!(expand("winrm/config"), ns::CFG);
        assert_eq!(expand("wsman/config/service"), format!("{}/service", ns::CFG));
        assert_eq!(expand("shell/cmd"), ns::SHELL_CMD_RESOURCE);
        assert_eq!(expand("config/client"), format!("{}/client", ns::CFG));
        assert_eq!(expand("winrm"), ns::MS_WSMAN_BASE.trim_end_matches('/'));
        // Full URIs pass through, whatever their host.
        let other = format!("{}CIM_Sensor", ns::DMTF_CIM_RESOURCE_PREFIX).replace("http://", "https://");
        assert_eq!(expand(&other), other);
    }

    #[test]
    fn selectors_after_the_question_mark() {
        let (uri, sel) = parse("wmicimv2/Win32_Service?Name=WinRM").expect("parses");
        assert!(uri.ends_with("/root/cimv2/Win32_Service"));
        assert_eq!(sel, vec![("Name".to_owned(), "WinRM".to_owned())]);
        let (_, sel) = parse("cimv2/X?A=1+B=x=y").expect("parses");
        assert_eq!(sel, vec![("A".to_owned(), "1".to_owned()), ("B".to_owned(), "x=y".to_owned())]);
        assert!(parse("").is_err());
        assert!(parse("wmicimv2/X?Name").is_err());
        assert!(parse("wmicimv2/X?=v").is_err());
    }
}
