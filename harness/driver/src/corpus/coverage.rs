//! Coverage of the corpus against `corpus/coverage.toml`: every PROTOCOL.md §4
//! rule, every provokable fault of §3, and a positive and a negative case for
//! every header of §2.
//!
//! ```toml
//! [rules]
//! R1 = "wsa:To, wsa:Action, wsa:MessageID are required"
//! [faults]
//! "wsa:ActionNotSupported" = "unknown Action"
//! [not_provokable]
//! "wsman:InternalError" = "no request can force it on a correct service"
//! [headers]
//! "wsa:To" = "destination"
//! ```
//!
//! A fault counts as covered by a case step whose expected fault lists it
//! first (its primary alternative); `code` counts when no subcode is given
//! (`s:MustUnderstand`).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::load::Corpus;

/// The parsed `coverage.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoverageSpec {
    /// Rule id -> summary.
    #[serde(default)]
    pub rules: BTreeMap<String, String>,
    /// Fault QName -> how a request provokes it.
    #[serde(default)]
    pub faults: BTreeMap<String, String>,
    /// Fault QName -> why no request can provoke it (documented, not required).
    #[serde(default)]
    pub not_provokable: BTreeMap<String, String>,
    /// Header name -> summary (needs `+name` and `-name` cases).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// Which case ids cover each item; empty vectors are gaps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoverageReport {
    /// Rule id -> covering cases.
    pub rules: BTreeMap<String, Vec<String>>,
    /// Fault QName -> covering cases (primary alternative).
    pub faults: BTreeMap<String, Vec<String>>,
    /// Header -> (positive cases, negative cases).
    pub headers: BTreeMap<String, (Vec<String>, Vec<String>)>,
}

impl CoverageReport {
    /// Every gap, one line each (empty when fully covered).
    pub fn gaps(&self) -> Vec<String> {
        let mut g = Vec::new();
        g.extend(self.rules.iter().filter(|(_, c)| c.is_empty()).map(|(r, _)| format!("rule {r}: no case")));
        g.extend(self.faults.iter().filter(|(_, c)| c.is_empty()).map(|(f, _)| format!("fault {f}: no case")));
        for (h, (pos, neg)) in &self.headers {
            if pos.is_empty() {
                g.push(format!("header {h}: no positive case"));
            }
            if neg.is_empty() {
                g.push(format!("header {h}: no negative case"));
            }
        }
        g
    }
}

impl CoverageSpec {
    /// Parses `coverage.toml`.
    ///
    /// # Errors
    /// The TOML parser's message.
    pub fn parse(text: &str) -> Result<CoverageSpec, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// Computes coverage of `corpus`.
    pub fn measure(&self, corpus: &Corpus) -> CoverageReport {
        let mut r = CoverageReport::default();
        for rule in self.rules.keys() {
            let ids = corpus.cases.iter().filter(|c| c.rules.iter().any(|x| x == rule)).map(|c| c.id.clone()).collect();
            r.rules.insert(rule.clone(), ids);
        }
        for f in self.faults.keys() {
            let ids = corpus
                .cases
                .iter()
                .filter(|c| {
                    c.steps.iter().filter_map(|s| s.expect.fault.as_ref()).any(|ef| match ef.subcode.first() {
                        Some(primary) => primary == f,
                        None => ef.code.first() == Some(f),
                    })
                })
                .map(|c| c.id.clone())
                .collect();
            r.faults.insert(f.clone(), ids);
        }
        for h in self.headers.keys() {
            let with = |sign: char| {
                corpus
                    .cases
                    .iter()
                    .filter(|c| c.headers.iter().any(|x| x.strip_prefix(sign) == Some(h.as_str())))
                    .map(|c| c.id.clone())
                    .collect::<Vec<_>>()
            };
            r.headers.insert(h.clone(), (with('+'), with('-')));
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The project's corpus covers every rule, provokable fault and header
    /// listed in corpus/coverage.toml.
    #[test]
    fn embedded_corpus_has_no_coverage_gap() {
        let corpus = Corpus::embedded().unwrap();
        let spec = CoverageSpec::parse(corpus.coverage.as_deref().expect("corpus/coverage.toml")).unwrap();
        assert_eq!(spec.rules.len(), 32, "PROTOCOL.md §4 lists 32 rules");
        assert!(spec.faults.len() >= 25);
        assert!(spec.headers.len() >= 13);
        let gaps = spec.measure(&corpus).gaps();
        assert!(gaps.is_empty(), "coverage gaps:\n{}", gaps.join("\n"));
    }

    #[test]
    fn a_missing_case_is_a_gap() {
        let corpus = Corpus::embedded().unwrap();
        let spec = CoverageSpec::parse("[rules]\nR99 = \"x\"\n[headers]\n\"q:None\" = \"y\"\n[faults]\n\"q:F\" = \"z\"\n").unwrap();
        let gaps = spec.measure(&corpus).gaps();
        assert_eq!(gaps.len(), 4, "{gaps:?}");
    }
}
