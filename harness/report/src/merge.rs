//! Merging several runs into one (`wsman-harness report merge`): shards of
//! one run, or a run plus re-runs of some of its cases.

use crate::model::RunReport;

/// Why runs could not be merged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// No report was given.
    #[error("no report to merge")]
    Empty,
    /// The reports come from different commands (check vs fuzz, ...).
    #[error("cannot merge a {other} report into a {first} report")]
    KindMismatch {
        /// Kind of the first report.
        first: &'static str,
        /// Kind of the offending report.
        other: &'static str,
    },
}

/// Merges `reports` in order into one.
///
/// - `tool` and `kind` come from the first report; every report must have the
///   same kind.
/// - `endpoint`: the common endpoint, or the distinct ones joined by `", "`;
///   `embedded` only when every run was embedded.
/// - `started_at`: the earliest non-empty value (compared as text, which is
///   chronological for RFC 3339 times in one offset, such as the `Z` the
///   harness writes); `duration_s`: the sum.
/// - `profiles`: union, in first-seen order; `stalled`: union by action,
///   counts added.
/// - audit fields (corpus digest, target, waivers, Identify, timeouts): the
///   first report's, each missing one taken from the first later report
///   that has it (`report diff` is where differing corpora are refused);
/// - results and case records: a case present in a later report replaces
///   every result and the record of the same case id from earlier reports
///   (a re-run wins); disjoint shards are simply concatenated.
pub fn merge(reports: impl IntoIterator<Item = RunReport>) -> Result<RunReport, MergeError> {
    let mut iter = reports.into_iter();
    let mut acc = iter.next().ok_or(MergeError::Empty)?;
    for next in iter {
        if next.kind != acc.kind {
            return Err(MergeError::KindMismatch { first: acc.kind.as_str(), other: next.kind.as_str() });
        }
        merge_into(&mut acc, next);
    }
    Ok(acc)
}

fn merge_into(acc: &mut RunReport, next: RunReport) {
    let known: Vec<&str> = acc.endpoint.split(", ").collect();
    if !next.endpoint.is_empty() && !known.contains(&next.endpoint.as_str()) {
        if acc.endpoint.is_empty() {
            acc.endpoint = next.endpoint.clone();
        } else {
            acc.endpoint = format!("{}, {}", acc.endpoint, next.endpoint);
        }
    }
    acc.embedded = acc.embedded && next.embedded;
    if acc.started_at.is_empty() || (!next.started_at.is_empty() && next.started_at < acc.started_at) {
        acc.started_at = next.started_at.clone();
    }
    acc.duration_s += next.duration_s;
    let (a, n) = (&mut acc.audit, &next.audit);
    a.corpus_digest = a.corpus_digest.take().or_else(|| n.corpus_digest.clone());
    a.target = a.target.take().or_else(|| n.target.clone());
    if a.waivers.is_empty() {
        a.waivers = n.waivers.clone();
    }
    a.identify = a.identify.take().or_else(|| n.identify.clone());
    a.timeouts = a.timeouts.or(n.timeouts);
    for p in &next.required_profiles {
        if !acc.required_profiles.contains(p) {
            acc.required_profiles.push(p.clone());
        }
    }
    for p in &next.profiles {
        if !acc.profiles.contains(p) {
            acc.profiles.push(p.clone());
        }
    }
    // Case ids the later report covers, from its records and its results.
    let mut replaced: Vec<&str> = next.cases.iter().map(|c| c.id.as_str()).collect();
    replaced.extend(next.results.iter().map(|r| r.case.as_str()));
    replaced.sort_unstable();
    replaced.dedup();
    let is_replaced = |id: &str| replaced.binary_search(&id).is_ok();
    acc.results.retain(|r| !is_replaced(&r.case));
    acc.cases.retain(|c| !is_replaced(&c.id));
    acc.results.extend(next.results);
    acc.cases.extend(next.cases);
    for s in next.stalled {
        match acc.stalled.iter_mut().find(|a| a.action == s.action) {
            Some(a) => {
                a.timeouts += s.timeouts;
                a.failed_fast += s.failed_fast;
            }
            None => acc.stalled.push(s),
        }
    }
}
