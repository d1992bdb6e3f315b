//! House rules that a grep can check (STYLE.md §3): namespace URIs are
//! spelled only in `wsman_proto::ns`, in Rust code (comments, corpus/,
//! schemas/ and data files are not Rust code).

use std::path::{Path, PathBuf};

const NAMESPACE_HOSTS: &[&str] = &["http://schemas.xmlsoap.org/", "http://schemas.dmtf.org/", "http://schemas.microsoft.com/", "http://www.w3.org/"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "target" || n == "snapshots") {
                continue;
            }
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn namespace_uris_are_spelled_only_in_the_ns_module() {
    let root = test_support::workspace_root();
    let mut files = Vec::new();
    rust_files(&root.join("harness"), &mut files);
    rust_files(&root.join("benches"), &mut files);
    assert!(files.len() > 20, "the sources were found");
    let mut offenders = Vec::new();
    for f in files {
        // The ns module spells them; this test names the hosts it looks for.
        if f.ends_with("wsman-proto/src/ns.rs") || f.ends_with("test-support/tests/style.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for (i, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            if NAMESPACE_HOSTS.iter().any(|h| code.contains(h)) {
                offenders.push(format!("{}:{}: {}", f.strip_prefix(&root).unwrap_or(&f).display(), i + 1, code.chars().take(120).collect::<String>()));
            }
        }
    }
    assert!(offenders.is_empty(), "namespace URIs outside wsman_proto::ns:\n{}", offenders.join("\n"));
}
