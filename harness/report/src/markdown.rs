//! `report.md`: a short summary for a pull-request comment (GitHub-flavoured
//! Markdown): verdict, a count table, the first [`MAX_LISTED`] failures with a
//! count of the rest, and the same for waived warnings.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use crate::model::{AssertionResult, RunReport, Status};

/// Default file name.
pub const FILE_NAME: &str = "report.md";

/// How many failures (and, separately, warnings) are listed before the rest
/// are only counted.
pub const MAX_LISTED: usize = 25;

/// Longest message shown in a table cell, in characters.
pub const MAX_MESSAGE_CHARS: usize = 200;

/// The Markdown text.
pub fn render(report: &RunReport) -> String {
    let summary = report.summary();
    let mut out = String::new();
    let verdict = if report.passed() { "PASSED" } else { "FAILED" };
    // `write!` into a String cannot fail; the results are ignored on purpose.
    let _ = writeln!(
        out,
        "## {} {}: {verdict}\n",
        cell(&report.tool),
        report.kind.as_str()
    );
    let mut meta = Vec::new();
    if !report.endpoint.is_empty() {
        let embedded = if report.embedded { " (embedded)" } else { "" };
        meta.push(format!("endpoint {}{embedded}", code(&report.endpoint)));
    }
    meta.push(format!("{:.2} s", report.duration_s));
    if !report.profiles.is_empty() {
        meta.push(format!("profiles: {}", cell(&report.profiles.join(", "))));
    }
    let _ = writeln!(out, "{}\n", meta.join(" · "));

    let _ = writeln!(out, "| Status | Count |\n|---|---:|");
    for s in Status::ALL {
        let _ = writeln!(out, "| {} | {} |", s.label(), summary.count(s));
    }
    let _ = writeln!(out, "| **Total** | **{}** |", summary.total());

    let failed: Vec<&AssertionResult> = report.failures().collect();
    list(&mut out, "Failures", &failed, "failures");
    let warned: Vec<&AssertionResult> =
        report.results.iter().filter(|r| r.status == Status::Warn).collect();
    list(&mut out, "Waived", &warned, "waived results");
    out
}

/// Writes `dir/report.md`.
pub fn write(report: &RunReport, dir: &Path) -> io::Result<PathBuf> {
    crate::format::write_file(dir, FILE_NAME, render(report).as_bytes())
}

fn list(out: &mut String, heading: &str, rows: &[&AssertionResult], noun: &str) {
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n### {heading} ({})\n", rows.len());
    let _ = writeln!(out, "| Case | Assertion | Clause | Message |\n|---|---|---|---|");
    for r in rows.iter().take(MAX_LISTED) {
        let mut message = truncate(&r.message, MAX_MESSAGE_CHARS);
        if let Some(w) = &r.waiver {
            message = format!("{message} (waived: {})", truncate(w, MAX_MESSAGE_CHARS));
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            code(&r.case),
            code(&r.assertion),
            cell(&r.clause),
            cell(&message)
        );
    }
    if rows.len() > MAX_LISTED {
        let _ = writeln!(
            out,
            "\n… and {} more {noun} (see report.html).",
            rows.len() - MAX_LISTED
        );
    }
}

fn truncate(s: &str, max: usize) -> String {
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
