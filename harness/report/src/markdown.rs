//! `report.md`: a summary that fits a GitHub step summary or a pull-request
//! comment (GitHub-flavoured Markdown): the verdict, the profile x status
//! table with one verdict line per profile, the failing assertions (cases,
//! number of groups), the root-cause groups (assertion, fault seen, clause,
//! count, the first [`GROUP_IDS_SHOWN`] case ids), then
//! the failing results (the first [`MAX_LISTED`], the rest counted) and the
//! same for waived warnings.
//!
//! The text stays under [`MAX_BYTES`] whatever the run: past that budget the
//! lists stop and a line says how much was left out (a step summary may hold
//! 1 MiB; a 400-case run where everything fails stays well under 64 KiB).

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use crate::groups::{self, Group};
use crate::model::{AssertionResult, RunReport, Status};

/// Default file name.
pub const FILE_NAME: &str = "report.md";

/// How many failures (and, separately, warnings) are listed before the rest
/// are only counted.
pub const MAX_LISTED: usize = 25;

/// How many root-cause groups are listed before the rest are only counted.
pub const MAX_GROUPS: usize = 40;

/// Case ids shown per group.
pub const GROUP_IDS_SHOWN: usize = 3;

/// Longest message shown in a table cell, in characters.
pub const MAX_MESSAGE_CHARS: usize = 200;

/// Upper bound of the text in bytes: lists stop before it (and say so).
pub const MAX_BYTES: usize = 48 * 1024;

/// Room kept for the closing lines once a list stops.
const RESERVE: usize = 1024;

/// The Markdown text.
pub fn render(report: &RunReport) -> String {
    let summary = report.summary();
    let mut out = String::new();
    let verdict = if report.passed() { "PASSED" } else { "FAILED" };
    // `write!` into a String cannot fail; the results are ignored on purpose.
    let _ = writeln!(out, "## {} {}: {verdict}\n", cell(&report.tool), report.kind.as_str());
    let _ = writeln!(out, "**{}**\n", cell(&groups::run_verdict(report)));
    let mut meta = Vec::new();
    if !report.endpoint.is_empty() {
        let embedded = if report.embedded { " (embedded)" } else { "" };
        meta.push(format!("endpoint {}{embedded}", code(&report.endpoint)));
    }
    meta.push(format!("{:.2} s", report.duration_s));
    if !report.profiles.is_empty() {
        meta.push(format!("profiles: {}", cell(&report.profiles.join(", "))));
    }
    if let Some(d) = &report.audit.corpus_digest {
        meta.push(format!("corpus sha256 {}", code(d.get(..12).unwrap_or(d))));
    }
    if let Some(t) = &report.audit.target {
        meta.push(format!("target {} (sha256 {})", cell(&t.name), code(t.digest.get(..12).unwrap_or(&t.digest))));
    }
    if let Some(id) = &report.audit.identify {
        match &id.error {
            Some(e) => meta.push(format!("Identify failed: {}", cell(&truncate(e, MAX_MESSAGE_CHARS)))),
            None => meta.push(format!("Identify: {} {}", cell(id.product_vendor.as_deref().unwrap_or("?")), cell(id.product_version.as_deref().unwrap_or("")))),
        }
    }
    let _ = writeln!(out, "{}\n", meta.join(" · "));
    for stalled in &report.stalled {
        let _ = writeln!(out, "> **{}**\n", cell(&stalled.message()));
    }

    let rows = groups::profile_rows(report);
    let _ = write!(out, "| Profile |");
    for s in Status::ALL {
        let _ = write!(out, " {} |", s.label());
    }
    let _ = writeln!(out, " Verdict |\n|---|---:|---:|---:|---:|---:|---|");
    for row in &rows {
        let _ = write!(out, "| {} |", code(&row.profile));
        for s in Status::ALL {
            let _ = write!(out, " {} |", row.cases.count(s));
        }
        let _ = writeln!(out, " {} |", cell(&truncate(&row.verdict(), MAX_MESSAGE_CHARS)));
    }
    let _ = write!(out, "| **results** |");
    for s in Status::ALL {
        let _ = write!(out, " {} |", summary.count(s));
    }
    let _ = writeln!(out, " {} results |", summary.total());
    let _ = writeln!(out, "\nStatus columns count cases by their worst result; the last row counts results.");

    group_list(&mut out, "Root causes", &groups::groups(report));
    group_list(&mut out, "Waived root causes", &groups::warning_groups(report));
    let failed: Vec<&AssertionResult> = report.failures().collect();
    list(&mut out, "Failures", &failed, "failures");
    let warned: Vec<&AssertionResult> = report.results.iter().filter(|r| r.status == Status::Warn).collect();
    list(&mut out, "Waived", &warned, "waived results");
    out
}

/// Writes `dir/report.md`.
pub fn write(report: &RunReport, dir: &Path) -> io::Result<PathBuf> {
    crate::format::write_file(dir, FILE_NAME, render(report).as_bytes())
}

/// Whether one more line of `len` bytes still fits the budget.
fn fits(out: &str, len: usize) -> bool {
    out.len() + len + RESERVE <= MAX_BYTES
}

fn group_list(out: &mut String, heading: &str, gs: &[Group<'_>]) {
    if gs.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n### {heading} ({})\n", if gs.len() == 1 { "1 group".to_owned() } else { format!("{} groups", gs.len()) });
    if gs.len() > 1 {
        let _ = writeln!(out, "| Assertion | Clause | Cases | Groups (faults seen) |\n|---|---|---:|---:|");
        for a in groups::by_assertion(gs).iter().take(MAX_GROUPS) {
            let line = format!("| {} | {} | {} | {} |\n", code(a.assertion), cell(a.clause), a.cases, a.groups);
            if !fits(out, line.len()) {
                break;
            }
            out.push_str(&line);
        }
        out.push('\n');
    }
    let _ = writeln!(out, "| Cases | Assertion | Fault seen | Clause | First cases | Message |\n|---:|---|---|---|---|---|");
    let mut listed = 0;
    for g in gs.iter().take(MAX_GROUPS) {
        let mut ids: Vec<String> = g.cases.iter().take(GROUP_IDS_SHOWN).map(|c| code(c)).collect();
        if g.count() > GROUP_IDS_SHOWN {
            ids.push(format!("… {} more", g.count() - GROUP_IDS_SHOWN));
        }
        let line = format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            g.count(),
            code(g.assertion),
            cell(&g.fault.to_string()),
            cell(g.clause),
            ids.join(", "),
            cell(&match g.waiver {
                Some(w) => format!("{} (waived: {})", truncate(g.message, MAX_MESSAGE_CHARS), truncate(w, MAX_MESSAGE_CHARS)),
                None => truncate(g.message, MAX_MESSAGE_CHARS),
            })
        );
        if !fits(out, line.len()) {
            break;
        }
        out.push_str(&line);
        listed += 1;
    }
    if gs.len() > listed {
        let _ = writeln!(out, "\n… and {} more groups (see report.html).", gs.len() - listed);
    }
}

fn list(out: &mut String, heading: &str, rows: &[&AssertionResult], noun: &str) {
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n### {heading} ({})\n", rows.len());
    let _ = writeln!(out, "| Case | Assertion | Clause | Message |\n|---|---|---|---|");
    let mut listed = 0;
    for r in rows.iter().take(MAX_LISTED) {
        let mut message = truncate(&r.message, MAX_MESSAGE_CHARS);
        if let Some(w) = &r.waiver {
            message = format!("{message} (waived: {})", truncate(w, MAX_MESSAGE_CHARS));
        }
        let line = format!("| {} | {} | {} | {} |\n", code(&r.case), code(&r.assertion), cell(&r.clause), cell(&message));
        if !fits(out, line.len()) {
            break;
        }
        out.push_str(&line);
        listed += 1;
    }
    if rows.len() > listed {
        let _ = writeln!(out, "\n… and {} more {noun} (see report.html).", rows.len() - listed);
    }
}

/// `s` cut after `max` characters, with an ellipsis when cut.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// Text for a table cell: one line, Markdown punctuation backslash-escaped so
/// that envelopes and stray `|` render as text.
fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\r' | '\n' | '\t' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '!' | '&' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// An identifier in a code span (or escaped text if it holds a backtick).
fn code(s: &str) -> String {
    if s.contains('`') || s.contains('\n') {
        cell(s)
    } else {
        format!("`{}`", s.replace('|', "\\|"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_counts_characters() {
        assert_eq!(truncate("§§§§", 2), "§§…");
        assert_eq!(truncate("ab", 2), "ab");
    }

    #[test]
    fn cell_escapes_markdown_and_joins_lines() {
        assert_eq!(cell("a|b\n<x>*y*"), "a\\|b \\<x\\>\\*y\\*");
        assert_eq!(code("a`b"), "a\\`b");
        assert_eq!(code("a|b"), "`a\\|b`");
    }
}
