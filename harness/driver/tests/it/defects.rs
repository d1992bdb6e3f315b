//! Every assertion of the catalogue can fail: for each id, one `serve --defect`
//! switch makes it FAIL on a subset of the corpus, while the same subset
//! against the clean server does not fail it (so the defect is the cause).
//!
//! The table [`PROVOCATIONS`] maps each catalogue id to its defect; the test
//! enumerates [`driver::CATALOGUE`], so a new assertion without an entry (or
//! whose defect no longer makes it fail) fails the build. The one check that
//! judges the corpus rather than the endpoint (`case.render`) is shown to fail
//! with a broken corpus instead, and the rules of `validate` on envelopes
//! (`envelope.*`, `deviation.*`) with mutated fixture envelopes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use driver::{run, snapshot, Corpus, RunConfig, CATALOGUE};
use report::{RunReport, Status};
use test_support::TestServer;
use wsman_proto::ns;
use wsman_proto::xml::{self, Element};
use wsman_server::{Config, Defect, DefectSet};

use crate::{config, corpus};

/// How an assertion is made to fail.
#[derive(Debug, Clone, Copy)]
struct Provocation {
    /// Catalogue id.
    assertion: &'static str,
    /// What makes it fail.
    cause: Cause,
    /// Glob on case ids: the cases run (kept small for speed).
    cases: &'static str,
    /// Extra set-up the check needs.
    setup: Setup,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cause {
    /// A `serve --defect` name.
    Defect(&'static str),
    /// Not an endpoint check: shown to fail with a corpus whose template
    /// uses an undefined variable, against the clean server.
    BrokenCorpus,
    /// A `validate` rule: shown to fail on a fixture envelope (with `--strict`),
    /// while the unmutated Windows-shaped fixture passes it.
    Envelope(Mutated),
}

/// The fixture envelopes of [`Cause::Envelope`] (see `validate.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mutated {
    /// pywinrm's Create (unqualified mustUnderstand).
    Pywinrm,
    /// winrm4j's Receive (rsp:CommandId).
    Winrm4j,
    /// A Windows EnumerateResponse with Action `.../enumeration/Bogus`.
    UnknownAction,
    /// A Windows EnumerateResponse whose body element is in a misspelt namespace.
    MisspeltBody,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Setup {
    /// Nothing more.
    Plain,
    /// A short exchange timeout (for a server that never answers).
    ShortTimeout,
    /// Snapshots of the clean server's responses are stored first and
    /// compared against (`--snapshots DIR`).
    Snapshots,
}

/// Catalogue id -> the defect that makes it fail. One entry per id.
const PROVOCATIONS: &[Provocation] = &[
    Provocation { assertion: "transport.response", cause: Cause::Defect("hang-on-get"), cases: "transfer/get/os-*", setup: Setup::ShortTimeout },
    Provocation { assertion: "http.status", cause: Cause::Defect("fault-http-200"), cases: "core/addressing/*", setup: Setup::Plain },
    Provocation { assertion: "http.content-type", cause: Cause::Defect("wrong-content-type"), cases: "core/identify/*", setup: Setup::Plain },
    Provocation { assertion: "xml.well-formed", cause: Cause::Defect("malformed-response"), cases: "transfer/get/os-*", setup: Setup::Plain },
    Provocation { assertion: "schema.valid", cause: Cause::Defect("schema-invalid-response"), cases: "enumeration/enumerate/os-*", setup: Setup::Plain },
    Provocation { assertion: "addressing.relates-to", cause: Cause::Defect("drop-relates-to"), cases: "transfer/get/os-*", setup: Setup::Plain },
    Provocation { assertion: "addressing.action", cause: Cause::Defect("wrong-response-action"), cases: "transfer/get/os-*", setup: Setup::Plain },
    Provocation { assertion: "addressing.to", cause: Cause::Defect("to-not-anonymous"), cases: "transfer/get/os-*", setup: Setup::Plain },
    Provocation { assertion: "addressing.message-id", cause: Cause::Defect("drop-message-id"), cases: "transfer/get/os-*", setup: Setup::Plain },
    Provocation { assertion: "expect.outcome", cause: Cause::Defect("unknown-resource-empty"), cases: "transfer/get/*", setup: Setup::Plain },
    Provocation { assertion: "fault.code", cause: Cause::Defect("fault-wrong-code"), cases: "core/*", setup: Setup::Plain },
    Provocation { assertion: "fault.subcode", cause: Cause::Defect("fault-wrong-subcode"), cases: "core/addressing/*", setup: Setup::Plain },
    Provocation { assertion: "fault.detail", cause: Cause::Defect("fault-no-detail"), cases: "transfer/get/*", setup: Setup::Plain },
    Provocation { assertion: "fault.reason-lang", cause: Cause::Defect("fault-no-reason-lang"), cases: "core/addressing/*", setup: Setup::Plain },
    Provocation { assertion: "fault.http-status", cause: Cause::Defect("fault-http-200"), cases: "core/addressing/*", setup: Setup::Plain },
    Provocation { assertion: "size.max-envelope", cause: Cause::Defect("ignore-max-envelope-size"), cases: "enumeration/*", setup: Setup::Plain },
    Provocation {
        assertion: "timing.operation-timeout",
        cause: Cause::Defect("late-past-operation-timeout"),
        cases: "transfer/get/os-short-timeout",
        setup: Setup::Plain,
    },
    Provocation { assertion: "expect.xpath", cause: Cause::Defect("identify-wrong-protocol"), cases: "core/identify/*", setup: Setup::Plain },
    Provocation { assertion: "expect.capture", cause: Cause::Defect("drop-enumeration-context"), cases: "enumeration/scenario/*", setup: Setup::Plain },
    Provocation { assertion: "expect.repeat", cause: Cause::Defect("no-end-of-sequence"), cases: "enumeration/scenario/*", setup: Setup::Plain },
    Provocation { assertion: "snapshot.match", cause: Cause::Defect("identify-wrong-protocol"), cases: "core/identify/*", setup: Setup::Snapshots },
    Provocation { assertion: "case.render", cause: Cause::BrokenCorpus, cases: "*", setup: Setup::Plain },
    Provocation { assertion: "envelope.action-known", cause: Cause::Envelope(Mutated::UnknownAction), cases: "", setup: Setup::Plain },
    Provocation { assertion: "envelope.body-matches-action", cause: Cause::Envelope(Mutated::MisspeltBody), cases: "", setup: Setup::Plain },
    Provocation { assertion: "deviation.unqualified-must-understand", cause: Cause::Envelope(Mutated::Pywinrm), cases: "", setup: Setup::Plain },
    Provocation { assertion: "deviation.qualified-command-id", cause: Cause::Envelope(Mutated::Winrm4j), cases: "", setup: Setup::Plain },
];

/// Per-exchange timeout where the defect is a server that never answers
/// (the hanging exchanges run concurrently, so this is about the added time).
const SHORT_TIMEOUT: Duration = Duration::from_secs(2);

/// The run of `p`'s cases; against the defective server with `p`'s set-up.
fn selection(p: &Provocation, url: &str, defective: bool) -> RunConfig {
    let mut c = config(url, corpus());
    c.case_glob = Some(p.cases.to_owned());
    c.concurrency = 16;
    // Snapshots are stored from the clean run's exchanges.
    c.keep_exchanges = true;
    if defective && p.setup == Setup::ShortTimeout {
        c.target.timeout = SHORT_TIMEOUT;
    }
    c
}

async fn run_against(defects: DefectSet, c: impl FnOnce(&str) -> RunConfig) -> RunReport {
    let server = TestServer::start(Config { defects, ..Default::default() }).await;
    let report = run(c(&server.url), &mut []).await;
    server.stop().await;
    report.unwrap_or_else(|e| panic!("run failed: {e}"))
}

fn failures_of<'a>(report: &'a RunReport, assertion: &str) -> Vec<&'a report::AssertionResult> {
    report.results.iter().filter(|r| r.assertion == assertion && r.status == Status::Fail).collect()
}

/// Stores the canonical form of every exchange of `report` under `dir`, as
/// `--update-snapshots` would (written here directly: writing is refused under CI).
fn store_snapshots(report: &RunReport, dir: &Path) {
    for case in &report.cases {
        for x in &case.exchanges {
            let canon = snapshot::canonicalize(x.response.as_bytes(), &[&report.endpoint]);
            if let Some(canon) = canon {
                let path = snapshot::path_for(dir, &case.id, &x.step);
                std::fs::create_dir_all(path.parent().expect("a parent directory")).expect("create snapshot dir");
                std::fs::write(&path, canon).expect("write snapshot");
            }
        }
    }
}

/// Checks one provocation; `Err` says why it does not hold.
async fn check(p: Provocation) -> Result<usize, String> {
    let defect: Defect = match p.cause {
        Cause::Defect(name) => name.parse().map_err(|e| format!("{}: no defect: {e}", p.assertion))?,
        Cause::BrokenCorpus => return check_broken_corpus(p).await,
        Cause::Envelope(m) => return check_envelope(p, m),
    };
    let snapshots = tempfile::tempdir().map_err(|e| e.to_string())?;
    let dir = snapshots.path().to_owned();

    // Clean server: the assertion must not fail on the same selection.
    let clean = run_against(DefectSet::default(), |url| selection(&p, url, false)).await;
    if clean.cases.is_empty() {
        return Err(format!("{}: case glob {:?} selects nothing", p.assertion, p.cases));
    }
    let clean_fails = failures_of(&clean, p.assertion);
    if !clean_fails.is_empty() {
        return Err(format!("{}: fails against the clean server too: {} {}", p.assertion, clean_fails[0].case, clean_fails[0].message));
    }
    if p.setup == Setup::Snapshots {
        store_snapshots(&clean, &dir);
        // The stored snapshots match a second clean run (the check is not failing by construction).
        let again = run_against(DefectSet::default(), |url| RunConfig { snapshots: Some(dir.clone()), ..selection(&p, url, false) }).await;
        let passes = again.results.iter().filter(|r| r.assertion == p.assertion && r.status == Status::Pass).count();
        if passes == 0 || !failures_of(&again, p.assertion).is_empty() {
            return Err(format!("{}: clean snapshots do not match a clean run", p.assertion));
        }
    }

    let defective = run_against(DefectSet::new([defect]), |url| {
        let mut c = selection(&p, url, true);
        if p.setup == Setup::Snapshots {
            c.snapshots = Some(dir.clone());
        }
        c
    })
    .await;
    let fails = failures_of(&defective, p.assertion);
    if fails.is_empty() {
        return Err(format!("{}: defect {defect} on {:?} gives no FAIL", p.assertion, p.cases));
    }
    Ok(fails.len())
}

/// A one-case corpus (profile core) whose template uses an undefined variable.
fn broken_corpus(root: &Path) -> Corpus {
    let template = Element::ns(ns::SOAP, "Envelope")
        .with_child(Element::ns(ns::SOAP, "Header").with_child(Element::ns(ns::WSA, "To").with_text("{{no_such_variable}}")))
        .with_child(Element::ns(ns::SOAP, "Body").with_child(Element::ns(ns::WSMID, "Identify")));
    let dir = root.join("core/render");
    std::fs::create_dir_all(&dir).expect("corpus dir");
    std::fs::write(dir.join("undefined-variable.xml"), xml::to_bytes(&template)).expect("template");
    let manifest = toml::toml! {
        profile = "core"
        [[case]]
        id = "render/undefined-variable"
        title = "A template using an undefined variable"
        clause = "corpus/README.md"
    };
    std::fs::write(root.join("core/manifest.toml"), manifest.to_string()).expect("manifest");
    Corpus::from_dir(root).unwrap_or_else(|e| panic!("broken corpus does not load: {e}"))
}

async fn check_broken_corpus(p: Provocation) -> Result<usize, String> {
    let root = tempfile::tempdir().map_err(|e| e.to_string())?;
    let broken = Arc::new(broken_corpus(root.path()));
    let report = run_against(DefectSet::default(), |url| RunConfig { case_glob: Some(p.cases.to_owned()), ..config(url, broken) }).await;
    let fails = failures_of(&report, p.assertion);
    if fails.is_empty() {
        return Err(format!("{}: the broken corpus gives no FAIL", p.assertion));
    }
    Ok(fails.len())
}

/// Checks a [`Cause::Envelope`] provocation: the clean fixture does not fail
/// the rule, the mutated one does (validated with `--strict`).
fn check_envelope(p: Provocation, m: Mutated) -> Result<usize, String> {
    use crate::validate::{misspell_body_namespace, pywinrm_create, set_action, verdict, windows_enumerate_response, winrm4j_receive};
    let strict = driver::validate::Options { strict: true };
    let clean = windows_enumerate_response();
    let (status, message) = verdict(&clean, p.assertion, strict);
    if status == Status::Fail {
        return Err(format!("{}: fails on the clean fixture too: {message}", p.assertion));
    }
    let provoked = match m {
        Mutated::Pywinrm => pywinrm_create(),
        Mutated::Winrm4j => winrm4j_receive(),
        Mutated::UnknownAction => {
            let mut env = windows_enumerate_response();
            set_action(&mut env, &format!("{}/Bogus", ns::WSEN));
            env
        }
        Mutated::MisspeltBody => {
            let mut env = windows_enumerate_response();
            misspell_body_namespace(&mut env);
            env
        }
    };
    match verdict(&provoked, p.assertion, strict) {
        (Status::Fail, _) => Ok(1),
        (status, message) => Err(format!("{}: fixture {m:?} gives {status:?}: {message}", p.assertion)),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_assertion_fails_against_a_defect() {
    let started = Instant::now();
    let mut problems = Vec::new();
    let by_id: BTreeMap<&str, Provocation> = PROVOCATIONS.iter().map(|p| (p.assertion, *p)).collect();
    assert_eq!(by_id.len(), PROVOCATIONS.len(), "an assertion id is listed twice");
    let catalogue: BTreeSet<&str> = CATALOGUE.iter().map(|c| c.id).collect();
    for id in by_id.keys().filter(|id| !catalogue.contains(*id)) {
        problems.push(format!("{id}: listed but not in the catalogue"));
    }
    let mut set = tokio::task::JoinSet::new();
    for check_ in CATALOGUE {
        match by_id.get(check_.id) {
            None => problems.push(format!("{}: no defect listed in PROVOCATIONS", check_.id)),
            Some(p) => {
                set.spawn(check(*p));
            }
        }
    }
    let mut proven = 0;
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok(Ok(_)) => proven += 1,
            Ok(Err(e)) => problems.push(e),
            Err(e) => problems.push(format!("a check panicked: {e}")),
        }
    }
    eprintln!("{proven} of {} assertions fail against their defect ({:.1?})", CATALOGUE.len(), started.elapsed());
    assert!(problems.is_empty(), "assertions not shown to fail:\n  {}", problems.join("\n  "));
}

/// Which assertions each defect makes fail on the whole corpus (a tool for
/// choosing entries of [`PROVOCATIONS`]):
/// `cargo test -p driver --test it defect_matrix -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow survey, run by hand"]
async fn defect_matrix() {
    let all: Arc<Corpus> = corpus();
    let clean = run_against(DefectSet::default(), |url| config(url, all.clone())).await;
    let baseline: BTreeSet<(String, String)> = clean.failures().map(|r| (r.case.clone(), r.assertion.clone())).collect();
    let mut matrix: BTreeMap<String, BTreeMap<&str, Vec<String>>> = BTreeMap::new();
    for d in Defect::ALL {
        let report = run_against(DefectSet::new([*d]), |url| {
            let mut c = config(url, all.clone());
            c.target.timeout = SHORT_TIMEOUT;
            c.concurrency = 16;
            // Snapshots are stored from the clean run's exchanges.
            c.keep_exchanges = true;
            c
        })
        .await;
        for r in report.failures().filter(|r| !baseline.contains(&(r.case.clone(), r.assertion.clone()))) {
            matrix.entry(r.assertion.clone()).or_default().entry(d.name()).or_default().push(r.case.clone());
        }
    }
    for c in CATALOGUE {
        let row = matrix.get(c.id);
        println!("{}:", c.id);
        match row {
            None => println!("    (no defect)"),
            Some(row) => {
                for (d, cases) in row {
                    println!("    {d:28} {:4} e.g. {}", cases.len(), cases.iter().take(3).cloned().collect::<Vec<_>>().join(" "));
                }
            }
        }
    }
    println!("clean-server failures: {}", baseline.len());
    assert!(!matrix.is_empty());
}
