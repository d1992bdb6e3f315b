//! insta snapshots of the reference server's response to every corpus case:
//! one snapshot per template file under corpus/ (`insta::glob!`), holding the
//! canonical, redacted response of every exchange that used the template
//! (the driver's [`driver::snapshot::canonicalize`]).
//!
//! The whole corpus runs once against a fresh server with stable
//! `{{unique}}` tokens; then each template file is looked up. Review changes
//! with `cargo insta review` (or rewrite them all with
//! `INSTA_UPDATE=always cargo test -p driver --test it snapshots`); under CI
//! (`CI` set) insta never writes, and a missing or different snapshot fails.

use std::collections::BTreeMap;
use std::path::Path;

use driver::{run, snapshot};
use report::RunReport;
use test_support::TestServer;

use crate::{config, corpus};

/// Runs the embedded corpus against a fresh reference server.
fn reference_run() -> RunReport {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a runtime");
    rt.block_on(async {
        let server = TestServer::reference().await;
        let mut c = config(&server.url, corpus());
        c.stable_names = true;
        c.keep_exchanges = true;
        let report = run(c, &mut []).await.expect("run");
        server.stop().await;
        report
    })
}

fn file_stem(template: &str) -> &str {
    let file = template.rsplit('/').next().unwrap_or(template);
    file.strip_suffix(".xml").unwrap_or(file)
}

/// Template path (relative to corpus/) -> the snapshot text of its exchanges.
fn responses_by_template(report: &RunReport) -> BTreeMap<String, String> {
    let corpus = corpus();
    let target = driver::Target::builtin().expect("the built-in target");
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    // The cases as run: a profile-role case once per registered class.
    for case in corpus.cases.iter().flat_map(|c| target.profile_cases(c)) {
        let case = &case;
        let record = report.case(&case.id);
        for step in &case.steps {
            let key = format!("{}/{}", case.profile, step.template);
            let text = out.entry(key).or_default();
            let stem = file_stem(&step.template);
            let exchanges: Vec<_> = record.map(|r| r.exchanges.iter().filter(|x| x.step.split('#').next() == Some(stem)).collect()).unwrap_or_default();
            if exchanges.is_empty() {
                text.push_str(&format!("=== {} {stem}: not reached\n", case.id));
            }
            for x in exchanges {
                let body = snapshot::canonicalize(x.response.as_bytes(), &[&report.endpoint])
                    .unwrap_or_else(|| format!("{}\n", snapshot::redact_text(&x.response, &[&report.endpoint])));
                text.push_str(&format!("=== {} {} (HTTP {})\n{body}", case.id, x.step, x.response_status));
            }
        }
    }
    out
}

#[test]
fn corpus_responses() {
    let report = reference_run();
    let by_template = responses_by_template(&report);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus").canonicalize().expect("corpus/");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        insta::glob!("../../../../corpus", "**/*.xml", |path| {
            let rel = path.strip_prefix(&root).unwrap_or(path).to_string_lossy().replace('\\', "/");
            if rel.starts_with(driver::corpus::load::PARTIALS) {
                return; // included by templates, not a template of its own
            }
            let text = by_template.get(&rel).unwrap_or_else(|| panic!("{rel}: no corpus case uses this template"));
            insta::assert_snapshot!("response", text);
        });
    });
}
