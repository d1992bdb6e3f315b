//! Comparison of two runs, keyed by (case, assertion): the baseline ratchet
//! behind `wsman-harness report diff OLD.json NEW.json`.
//!
//! Classification of a key present in both runs (statuses differ):
//!
//! | old | new | list |
//! |---|---|---|
//! | pass | anything else | `regressions` |
//! | warn, skip, unimplemented | fail | `regressions` |
//! | not pass | pass | `fixes` |
//! | any other change (e.g. skip -> warn, fail -> warn) | | `changed` |
//!
//! A key only in the new run goes to `new_failures` when it fails, else to
//! `added`; a key only in the old run goes to `removed`. When one run holds a
//! key more than once (an assertion checked at several steps of a scenario),
//! its worst status counts. Durations and messages are not compared.
//!
//! Two runs are only comparable when they ran the same cases: when both
//! reports carry a corpus digest and the digests differ, [`corpus_change`]
//! says so and `report diff` refuses (exit 2) unless `--allow-corpus-change`.
//! A changed target file is a note ([`target_change`]), not a refusal.

use std::collections::BTreeMap;
use std::fmt;

use crate::model::{AssertionResult, ResultKey, RunReport, Status};

/// One key whose status differs between the runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffEntry {
    /// Case and assertion.
    pub key: ResultKey,
    /// Clause of the assertion (from the new run when present).
    pub clause: String,
    /// Status in the old run, `None` when absent.
    pub old: Option<Status>,
    /// Status in the new run, `None` when absent.
    pub new: Option<Status>,
    /// Message of the new run's result (of the old one for `removed`).
    pub message: String,
}

/// Differences between two runs; see the module docs for the rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    /// Passed before and not now, or not failing before and failing now.
    pub regressions: Vec<DiffEntry>,
    /// Did not pass before and passes now.
    pub fixes: Vec<DiffEntry>,
    /// Absent before, failing now.
    pub new_failures: Vec<DiffEntry>,
    /// Present before, absent now (coverage lost or renamed).
    pub removed: Vec<DiffEntry>,
    /// Absent before, present and not failing now.
    pub added: Vec<DiffEntry>,
    /// Any other status change (for example fail -> warn through a waiver).
    pub changed: Vec<DiffEntry>,
}

impl Diff {
    /// `true` when the new run is worse: any regression or new failure.
    /// `report diff` exits 1 exactly when this holds.
    pub fn is_regression(&self) -> bool {
        !self.regressions.is_empty() || !self.new_failures.is_empty()
    }

    /// `true` when no key changed status, appeared or disappeared.
    pub fn is_empty(&self) -> bool {
        self.regressions.is_empty()
            && self.fixes.is_empty()
            && self.new_failures.is_empty()
            && self.removed.is_empty()
            && self.added.is_empty()
            && self.changed.is_empty()
    }

    /// Human rendering (same as [`fmt::Display`]): a count line, then one line
    /// per entry, regressions first.
    pub fn render(&self) -> String {
        self.to_string()
    }
}

/// The corpus digests of two runs, when both are known and differ.
pub fn corpus_change<'a>(old: &'a RunReport, new: &'a RunReport) -> Option<(&'a str, &'a str)> {
    match (&old.audit.corpus_digest, &new.audit.corpus_digest) {
        (Some(o), Some(n)) if o != n => Some((o, n)),
        _ => None,
    }
}

/// The target-file digests of two runs, when both are known and differ.
pub fn target_change<'a>(old: &'a RunReport, new: &'a RunReport) -> Option<(&'a str, &'a str)> {
    match (&old.audit.target, &new.audit.target) {
        (Some(o), Some(n)) if o.digest != n.digest => Some((&o.digest, &n.digest)),
        _ => None,
    }
}

/// The first 12 hex digits of a digest, then an ellipsis.
pub fn short_digest(d: &str) -> String {
    format!("{}…", d.get(..12).unwrap_or(d))
}

/// Worst result per key, in key order.
fn index(report: &RunReport) -> BTreeMap<ResultKey, &AssertionResult> {
    let mut map: BTreeMap<ResultKey, &AssertionResult> = BTreeMap::new();
    for r in &report.results {
        map.entry(r.key())
            .and_modify(|e| {
                if r.status.rank() > e.status.rank() {
                    *e = r;
                }
            })
            .or_insert(r);
    }
    map
}

/// Compares `old` with `new`.
pub fn diff(old: &RunReport, new: &RunReport) -> Diff {
    let old_ix = index(old);
    let new_ix = index(new);
    let mut d = Diff::default();
    for (key, n) in &new_ix {
        let entry = |o: Option<&AssertionResult>| DiffEntry {
            key: key.clone(),
            clause: n.clause.clone(),
            old: o.map(|o| o.status),
            new: Some(n.status),
            message: n.message.clone(),
        };
        match old_ix.get(key) {
            None if n.status.is_fail() => d.new_failures.push(entry(None)),
            None => d.added.push(entry(None)),
            Some(o) if o.status == n.status => {}
            Some(o) if o.status.is_pass() || n.status.is_fail() => d.regressions.push(entry(Some(o))),
            Some(o) if n.status.is_pass() => d.fixes.push(entry(Some(o))),
            Some(o) => d.changed.push(entry(Some(o))),
        }
    }
    for (key, o) in &old_ix {
        if !new_ix.contains_key(key) {
            d.removed.push(DiffEntry { key: key.clone(), clause: o.clause.clone(), old: Some(o.status), new: None, message: o.message.clone() });
        }
    }
    d
}

fn status_name(s: Option<Status>) -> &'static str {
    s.map_or("ABSENT", Status::label)
}

impl fmt::Display for Diff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "regressions: {}, new failures: {}, fixes: {}, removed: {}, added: {}, changed: {}",
            self.regressions.len(),
            self.new_failures.len(),
            self.fixes.len(),
            self.removed.len(),
            self.added.len(),
            self.changed.len()
        )?;
        let groups: [(&str, &Vec<DiffEntry>); 5] = [
            ("REGRESSION", &self.regressions),
            ("NEW FAILURE", &self.new_failures),
            ("FIXED", &self.fixes),
            ("REMOVED", &self.removed),
            ("CHANGED", &self.changed),
        ];
        for (label, entries) in groups {
            for e in entries {
                write!(f, "{label} {} {} [{}]: {} -> {}", e.key.case, e.key.assertion, e.clause, status_name(e.old), status_name(e.new))?;
                if !e.message.is_empty() {
                    write!(f, ": {}", one_line(&e.message))?;
                }
                writeln!(f)?;
            }
        }
        Ok(())
    }
}

/// Messages may span lines; console output keeps one entry per line.
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RunKind, TargetRecord};

    fn run(corpus: Option<&str>, target: Option<&str>) -> RunReport {
        let mut r = RunReport::new(RunKind::Check, "t", "http://h/wsman");
        r.audit.corpus_digest = corpus.map(str::to_owned);
        r.audit.target = target.map(|d| TargetRecord { name: "t".into(), path: None, digest: d.into(), text: String::new() });
        r
    }

    #[test]
    fn only_two_known_and_different_digests_are_a_change() {
        let (a, b) = ("a".repeat(64), "b".repeat(64));
        assert_eq!(corpus_change(&run(Some(&a), None), &run(Some(&b), None)), Some((a.as_str(), b.as_str())));
        assert_eq!(corpus_change(&run(Some(&a), None), &run(Some(&a), None)), None);
        assert_eq!(corpus_change(&run(None, None), &run(Some(&b), None)), None, "an old report without a digest is compared");
        assert_eq!(target_change(&run(None, Some(&a)), &run(None, Some(&b))), Some((a.as_str(), b.as_str())));
        assert_eq!(target_change(&run(None, Some(&a)), &run(None, None)), None);
        assert_eq!(short_digest(&a), "aaaaaaaaaaaa…");
    }
}
