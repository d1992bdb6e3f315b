//! `corpus/waivers.toml`: known deviations of a target, glob -> reason.
//!
//! ```toml
//! [waive]
//! "enumeration/scenario/pull-all-*" = "firmware 2.1 omits EndOfSequence"
//! "core/headers/locale-*#fault.subcode" = "answers InvalidOptions for Locale"
//! ```
//!
//! The key is a glob on the case id (`*` any run of characters, `?` one
//! character), optionally followed by `#` and a glob on the assertion id.
//! A waived FAIL becomes WARN and the report lists the reason.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The waivers of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Waivers {
    entries: Vec<(String, Option<String>, String)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaivers {
    #[serde(default)]
    waive: BTreeMap<String, String>,
}

impl Waivers {
    /// Parses the TOML text of a waiver file.
    ///
    /// # Errors
    /// The parser's message, or a waiver without a reason.
    pub fn parse(text: &str) -> Result<Waivers, String> {
        let raw: RawWaivers = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut entries = Vec::new();
        for (k, reason) in raw.waive {
            if reason.trim().is_empty() {
                return Err(format!("waiver {k:?} has no reason"));
            }
            let (case, assertion) = match k.split_once('#') {
                Some((c, a)) => (c.to_owned(), Some(a.to_owned())),
                None => (k.clone(), None),
            };
            entries.push((case, assertion, reason));
        }
        Ok(Waivers { entries })
    }

    /// Adds the entries of `other` (a `--waivers FILE` on top of the corpus's own).
    pub fn extend(&mut self, other: Waivers) {
        self.entries.extend(other.entries);
    }

    /// The reason a failure of `assertion` in `case` is waived, if it is.
    pub fn reason(&self, case: &str, assertion: &str) -> Option<&str> {
        self.entries.iter().find(|(c, a, _)| glob(c, case) && a.as_deref().is_none_or(|a| glob(a, assertion))).map(|(_, _, r)| r.as_str())
    }

    /// The entries, in file order: case glob, assertion glob (`None`: every
    /// assertion), reason.
    pub fn entries(&self) -> impl Iterator<Item = (&str, Option<&str>, &str)> {
        self.entries.iter().map(|(c, a, r)| (c.as_str(), a.as_deref(), r.as_str()))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Glob match with `*` and `?`, iterative (linear backtracking on the last `*`).
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_stars_and_marks() {
        assert!(glob("core/*", "core/identify/basic"));
        assert!(glob("*basic", "core/identify/basic"));
        assert!(glob("c?re/*/b*c", "core/identify/basic"));
        assert!(!glob("core/*/x", "core/identify/basic"));
        assert!(!glob("transfer/*", "core/identify/basic"));
        assert!(glob("*", ""));
    }

    #[test]
    fn waivers_match_case_and_optional_assertion() {
        let w = Waivers::parse("[waive]\n\"core/*\" = \"all core\"\n\"transfer/get/*#fault.detail\" = \"detail\"\n").unwrap();
        assert_eq!(w.reason("core/http/x", "http.status"), Some("all core"));
        assert_eq!(w.reason("transfer/get/a", "fault.detail"), Some("detail"));
        assert_eq!(w.reason("transfer/get/a", "fault.subcode"), None);
        assert!(Waivers::parse("[waive]\n\"x\" = \" \"\n").is_err());
    }
}
