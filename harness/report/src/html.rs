//! `report.html`: one self-contained page (inline CSS and script, no external
//! asset, no network reference at all).
//!
//! Order, what a vendor reads first on top:
//!
//! 1. the run header (endpoint, start, duration, corpus digest, target,
//!    Identify answer, timeouts) and the run verdict ([`groups::run_verdict`]);
//! 2. the profile x status table (cases by their worst status, result
//!    counts) with one verdict line per profile ([`groups::ProfileRow::verdict`]);
//! 3. the root-cause groups of the failures ([`groups::groups`]): assertion,
//!    fault seen, clause, count, the case ids collapsed, one request/response
//!    pair in a `<details>`; then the groups of waived results and the
//!    waivers in effect;
//! 4. every case (`<details class="case">`, failed ones first) with its
//!    assertions, and the traffic of the cases that did not pass (that of
//!    passing cases, kept with `--keep-exchanges`, stays in `report.json`).
//!
//! Filters above the cases: status (the case's worst status), profile,
//! assertion (cases with a result of that assertion that did not pass) and a
//! case-id search (substring, case-insensitive). They can be set from the URL
//! fragment, applied on load and kept in it as they change:
//! `report.html#status=fail&profile=core&assertion=addressing.relates-to&q=identify`.
//! Hidden cases carry the `hidden` attribute; `<span id="shown">N</span>`
//! counts the visible ones. The script only reads and writes the page and
//! its fragment. All text goes through maud, which escapes it; envelopes
//! appear escaped inside `<pre>`.

use std::io;
use std::path::{Path, PathBuf};

use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::groups::{self, Group, ProfileRow};
use crate::model::{AssertionResult, CaseRecord, Exchange, RunReport, Status};

/// Default file name.
pub const FILE_NAME: &str = "report.html";

/// How many case ids of a group are shown before the rest are collapsed.
pub const GROUP_IDS_SHOWN: usize = 5;

/// Static style sheet, inlined into the page.
const CSS: &str = "
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:1.5rem;color:#1b1b1b;background:#fff}
h1{font-size:1.4rem;margin:0 0 .5rem}h2{font-size:1.15rem;margin:1.5rem 0 .5rem;border-bottom:1px solid #ddd}
h3{font-size:1rem;margin:1rem 0 .3rem}
table{border-collapse:collapse;margin:.3rem 0}th,td{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
pre{background:#f7f7f7;border:1px solid #e2e2e2;padding:.5rem;overflow:auto;white-space:pre-wrap;word-break:break-all;max-height:30rem}
code{font-family:ui-monospace,Consolas,monospace}
.st{font-weight:bold;font-family:ui-monospace,Consolas,monospace}
.pass{color:#1a7f37}.fail{color:#cf222e}.warn{color:#9a6700}.skip{color:#6e7781}.unimplemented{color:#8250df}
.verdict{font-size:1.1rem;font-weight:bold}
.stalled{font-weight:bold;color:#cf222e;border:1px solid #cf222e;padding:.4rem .6rem;background:#fff5f5}
details{margin:.2rem 0}summary{cursor:pointer}
.meta td:first-child{font-weight:bold}
.group{border:1px solid #e2e2e2;border-left:4px solid #cf222e;padding:.3rem .7rem;margin:.6rem 0}
.group.warn{border-left-color:#9a6700}
.group h3{margin:.2rem 0}.count{font-weight:bold}
.ids a{margin-right:.6rem}
#filters{position:sticky;top:0;background:#fff;padding:.4rem 0;border-bottom:1px solid #ddd}
#filters label{margin-right:1rem}
.case{border-bottom:1px solid #eee;padding:.1rem 0}
";

/// The filter script, inlined: reads the fragment, applies the filters,
/// writes the fragment back as they change. No request of any kind.
const SCRIPT: &str = r##"
(function () {
  var keys = ["status", "profile", "assertion", "q"];
  function el(k) { return document.getElementById("f-" + k); }
  function fromHash() {
    var p = new URLSearchParams(location.hash.replace(/^#/, ""));
    keys.forEach(function (k) {
      var v = p.get(k);
      if (v === null) { v = ""; }
      var e = el(k);
      if (e.tagName === "SELECT" && v !== "" && !Array.prototype.some.call(e.options, function (o) { return o.value === v; })) {
        var o = document.createElement("option"); o.value = v; o.textContent = v; e.appendChild(o);
      }
      e.value = v;
    });
  }
  function apply() {
    var f = {};
    keys.forEach(function (k) { f[k] = el(k).value; });
    var q = f.q.toLowerCase(), shown = 0;
    document.querySelectorAll(".case").forEach(function (c) {
      var ok = (!f.status || c.dataset.status === f.status)
        && (!f.profile || c.dataset.profile === f.profile)
        && (!f.assertion || (" " + c.dataset.assertions + " ").indexOf(" " + f.assertion + " ") >= 0)
        && (!q || c.dataset.id.toLowerCase().indexOf(q) >= 0);
      c.hidden = !ok;
      if (ok) { shown += 1; }
    });
    document.getElementById("shown").textContent = String(shown);
    return f;
  }
  function toHash() {
    var f = apply(), p = new URLSearchParams();
    keys.forEach(function (k) { if (f[k]) { p.set(k, f[k]); } });
    var h = p.toString();
    history.replaceState(null, "", h ? "#" + h : location.pathname + location.search);
  }
  keys.forEach(function (k) { el(k).addEventListener(k === "q" ? "input" : "change", toHash); });
  window.addEventListener("hashchange", function () { fromHash(); apply(); });
  document.getElementById("f-clear").addEventListener("click", function () {
    keys.forEach(function (k) { el(k).value = ""; }); toHash();
  });
  fromHash();
  apply();
})();
"##;

/// The page as a string.
pub fn render(report: &RunReport) -> String {
    page(report).into_string()
}

/// Writes `dir/report.html`.
pub fn write(report: &RunReport, dir: &Path) -> io::Result<PathBuf> {
    crate::format::write_file(dir, FILE_NAME, render(report).as_bytes())
}

fn page(report: &RunReport) -> Markup {
    let title = format!("{} {} report", report.tool, report.kind.as_str());
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(CSS)) }
            }
            body {
                h1 { (title) }
                (meta_table(report))
                @for stalled in &report.stalled {
                    p.stalled { (stalled.message()) }
                }
                p.verdict.(if report.passed() { "pass" } else { "fail" }) id="verdict" { (groups::run_verdict(report)) }
                (profiles(report))
                (root_causes(report))
                (waived(report))
                (all_cases(report))
                script { (PreEscaped(SCRIPT)) }
            }
        }
    }
}

fn meta_table(report: &RunReport) -> Markup {
    let a = &report.audit;
    html! {
        table.meta {
            tr { td { "Endpoint" } td { code { (report.endpoint) } @if report.embedded { " (embedded reference server)" } } }
            tr { td { "Started" } td { (report.started_at) } }
            tr { td { "Duration" } td { (format!("{:.3} s", report.duration_s)) } }
            tr { td { "Profiles" } td { (report.profiles.join(", ")) } }
            @if let Some(d) = &a.corpus_digest { tr { td { "Corpus" } td { "sha256 " code { (d) } } } }
            @if let Some(t) = &a.target {
                tr { td { "Target" } td {
                    (t.name) @if let Some(p) = &t.path { " (" code { (p) } ")" } ", sha256 " code { (t.digest) }
                    details { summary { "target file" } pre { (t.text) } }
                } }
            }
            @if let Some(id) = &a.identify {
                tr { td { "Identify" } td {
                    @if let Some(e) = &id.error { "failed: " (e) } @else {
                        (id.product_vendor.as_deref().unwrap_or("?")) " " (id.product_version.as_deref().unwrap_or("")) br;
                        "protocol " code { (id.protocol_versions.join(" ")) }
                        @if !id.security_profiles.is_empty() { br; "security profiles " code { (id.security_profiles.join(" ")) } }
                    }
                    @if !id.response.is_empty() { details { summary { "response" } pre { (id.response) } } }
                } }
            }
            @if let Some(t) = &a.timeouts {
                tr { td { "Timeouts" } td {
                    "exchange " (t.exchange_ms) " ms"
                    @if let Some(p) = t.pool_idle_ms { ", idle connection " (p) " ms" }
                } }
            }
        }
    }
}

fn status_badge(s: Status) -> Markup {
    html! { span.st.(s.as_str()) { (s.label()) } }
}

fn profiles(report: &RunReport) -> Markup {
    let rows: Vec<ProfileRow> = groups::profile_rows(report);
    let total = report.summary();
    html! {
        h2 id="profiles" { "Profiles" }
        table id="profile-table" {
            tr {
                th { "Profile" }
                @for s in Status::ALL { th { (status_badge(s)) } }
                th { "Cases" } th { "Results" } th { "Verdict" }
            }
            @for row in &rows {
                tr data-profile=(row.profile) {
                    td { code { (row.profile) } }
                    @for s in Status::ALL { td.n { (row.cases.count(s)) } }
                    td.n { (row.total_cases()) }
                    td.n { (row.results.total()) }
                    td.verdict-line { (row.verdict()) }
                }
            }
            tr {
                th { "results" }
                @for s in Status::ALL { td.n { (total.count(s)) } }
                td {} td.n { (total.total()) } td { "counts of results (one per case and assertion)" }
            }
        }
        p { "Status columns count cases by their worst result." }
    }
}

fn case_anchor(id: &str) -> String {
    format!("case-{id}")
}

fn group_section(g: &Group<'_>) -> Markup {
    let shown = g.cases.len().min(GROUP_IDS_SHOWN);
    html! {
        section.group.(g.status.as_str()) data-assertion=(g.assertion) {
            h3 {
                code { (g.assertion) } " — " (g.fault) " — "
                span.count { (g.count()) " case" @if g.count() != 1 { "s" } }
            }
            p { (g.clause) " (" (g.severity) ")" @if !g.message.is_empty() { ": " (g.message) } }
            @if let Some(w) = g.waiver { p { em { "waived: " (w) } } }
            p.ids {
                @for id in &g.cases[..shown] { a href=(format!("#{}", case_anchor(id))) { code { (id) } } }
            }
            @if g.cases.len() > shown {
                details {
                    summary { "all " (g.count()) " cases" }
                    p.ids { @for id in &g.cases { a href=(format!("#{}", case_anchor(id))) { code { (id) } } } }
                }
            }
            @if let Some(x) = g.exchange {
                details.pair {
                    summary { "request and response of " code { (g.cases[0]) } " (step " code { (x.step) } ", HTTP " (x.response_status) ")" }
                    (exchange(x))
                }
            }
        }
    }
}

fn root_causes(report: &RunReport) -> Markup {
    let gs = groups::groups(report);
    html! {
        @if !gs.is_empty() {
            h2 id="groups" { "Root causes (" (gs.len()) " group" @if gs.len() != 1 { "s" } ", " (report.failures().count()) " failed results)" }
            p { "Failures grouped by root cause: the assertion, and for the checks of the answer itself (expected outcome, fault shape) the fault the response carried; largest first. By assertion (a link filters the cases below):" }
            table id="by-assertion" {
                tr { th { "Assertion" } th { "Clause" } th { "Severity" } th { "Cases" } th { "Groups (faults seen)" } }
                @for a in groups::by_assertion(&gs) {
                    tr {
                        td { a href=(format!("#assertion={}", a.assertion)) { code { (a.assertion) } } }
                        td { (a.clause) } td { (a.severity) } td.n { (a.cases) } td.n { (a.groups) }
                    }
                }
            }
            @for g in &gs { (group_section(g)) }
        }
    }
}

fn waived(report: &RunReport) -> Markup {
    let gs = groups::warning_groups(report);
    let waivers = &report.audit.waivers;
    html! {
        @if !gs.is_empty() {
            h2 id="warnings" { "Waived (" (gs.len()) " group" @if gs.len() != 1 { "s" } ")" }
            @for g in &gs { (group_section(g)) }
        }
        @if !waivers.is_empty() {
            h2 id="waivers" { "Waivers in effect (" (waivers.len()) ")" }
            table {
                tr { th { "Cases" } th { "Assertions" } th { "Reason" } th { "Expires" } }
                @for w in waivers {
                    tr {
                        td { code { (w.case) } }
                        td { code { (w.assertion.as_deref().unwrap_or("*")) } }
                        td { (w.reason) }
                        td { (w.expires.as_deref().unwrap_or("never")) }
                    }
                }
            }
        }
    }
}

fn result_table<'a>(rows: impl Iterator<Item = &'a AssertionResult>) -> Markup {
    html! {
        table {
            tr { th { "Assertion" } th { "Clause" } th { "Severity" } th { "Status" } th { "Message" } }
            @for r in rows {
                tr {
                    td { code { (r.assertion) } }
                    td { (r.clause) }
                    td { (r.severity) }
                    td { (status_badge(r.status)) }
                    td {
                        (r.message)
                        @if let Some(w) = &r.waiver { br; em { "waived: " (w) } }
                    }
                }
            }
        }
    }
}

fn case_header(case: &CaseRecord) -> Markup {
    html! {
        p {
            (case.title) " — profile " code { (case.profile) } ", clause " (case.clause)
            ", " (case.duration_ms) " ms"
        }
    }
}

fn exchange(x: &Exchange) -> Markup {
    html! {
        div.exchange {
            p { "Request (step " code { (x.step) } ")" }
            pre.request { (x.request) }
            p { "Response (HTTP " (x.response_status) ")" }
            pre.response { (x.response) }
        }
    }
}

/// Case ids: recorded cases in order, then ids only seen in results; failed
/// cases first, keeping that order otherwise.
fn case_ids(report: &RunReport) -> Vec<(&str, Option<Status>)> {
    let mut ids: Vec<&str> = report.cases.iter().map(|c| c.id.as_str()).collect();
    let mut seen: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
    for r in &report.results {
        if seen.insert(&r.case) {
            ids.push(&r.case);
        }
    }
    let statuses = report.case_statuses();
    let mut out: Vec<(&str, Option<Status>)> = ids.into_iter().map(|id| (id, statuses.get(id).copied())).collect();
    // Stable sort: worst first, report order within a status.
    out.sort_by_key(|(_, s)| std::cmp::Reverse(s.map(Status::rank)));
    out
}

/// Assertion ids of results that did not pass, sorted, without repeats.
fn not_passing<'a>(results: impl Iterator<Item = &'a AssertionResult>) -> Vec<&'a str> {
    let mut v: Vec<&str> = results.filter(|r| !r.status.is_pass()).map(|r| r.assertion.as_str()).collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn filters(report: &RunReport, cases: usize) -> Markup {
    let mut profiles: Vec<&str> =
        report.cases.iter().map(|c| c.profile.as_str()).chain(report.results.iter().map(|r| groups::profile_of(report, &r.case))).collect();
    profiles.sort_unstable();
    profiles.dedup();
    let assertions = not_passing(report.results.iter());
    html! {
        form id="filters" {
            label { "Status " select id="f-status" {
                option value="" { "any" }
                @for s in Status::ALL { option value=(s.as_str()) { (s.label()) } }
            } }
            label { "Profile " select id="f-profile" {
                option value="" { "any" }
                @for p in &profiles { option value=(p) { (p) } }
            } }
            label { "Assertion not passing " select id="f-assertion" {
                option value="" { "any" }
                @for a in &assertions { option value=(a) { (a) } }
            } }
            label { "Case id " input id="f-q" type="search" placeholder="substring"; }
            button id="f-clear" type="button" { "clear" }
            " " span id="shown" { (cases) } " of " (cases) " cases shown"
        }
    }
}

fn all_cases(report: &RunReport) -> Markup {
    let ids = case_ids(report);
    html! {
        h2 id="cases" { "Cases (" (ids.len()) ")" }
        (filters(report, ids.len()))
        @for (id, status) in &ids {
            @let case = report.case(id);
            details.case id=(case_anchor(id)) open[status.is_some_and(Status::is_fail)]
                data-id=(id)
                data-status=(status.map_or("none", Status::as_str))
                data-profile=(groups::profile_of(report, id))
                data-assertions=(not_passing(report.results_of(id)).join(" ")) {
                summary {
                    @match status { Some(s) => { (status_badge(*s)) }, None => { span.st { "NO RESULT" } } }
                    " " code { (id) }
                    @if let Some(case) = case { " — " (case.title) " [" (case.profile) "]" }
                }
                @if let Some(case) = case { (case_header(case)) }
                (result_table(report.results_of(id)))
                // The traffic of passing cases stays in report.json (--keep-exchanges).
                @if let Some(case) = case.filter(|_| !status.is_some_and(Status::is_pass)) {
                    @for x in &case.exchanges { (exchange(x)) }
                }
            }
        }
    }
}
