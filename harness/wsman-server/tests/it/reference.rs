//! The decoder reads every envelope under ../shared/reference (when present:
//! always in CI). Anything left out is listed with its reason.

use test_support::reference::{envelopes, Origin};
use wsman_proto::{Envelope, Limits};

/// Envelopes that must NOT decode, and why (each is checked to fail).
fn expected_failure(name: &str, bytes: &[u8]) -> Option<&'static str> {
    let text = String::from_utf8_lossy(bytes);
    if text.contains("2003/05/\nsoap-envelope") {
        return Some("the specification's rendering breaks namespace URIs across lines, so the root is not in the SOAP namespace");
    }
    if name == "pypsrp/tests/tests_pypsrp/responses/test_psrp_is_alive_other_wsman_error.yml#3.request" {
        return Some("the client sent OperationTimeout PT-1S on purpose; Windows answered InvalidMessageInformationHeader, as this decoder refuses it");
    }
    None
}

#[test]
fn every_reference_envelope_decodes() {
    let Some(dir) = test_support::reference_dir() else {
        eprintln!("SKIP: ../shared/reference is not present");
        return;
    };
    let (found, excluded) = envelopes(&dir);
    let mut failures = Vec::new();
    let (mut requests, mut responses) = (0, 0);
    for e in &found {
        let decoded = Envelope::decode(&e.bytes, &Limits::default());
        if let Some(reason) = expected_failure(&e.name, &e.bytes) {
            assert!(decoded.is_err(), "{} was expected to fail ({reason}) but decoded", e.name);
            eprintln!("expected failure {}: {reason}", e.name);
            continue;
        }
        match decoded {
            Ok(env) => {
                match e.origin {
                    Origin::Request => requests += 1,
                    Origin::Response => responses += 1,
                    Origin::Document => {}
                }
                // Real responses that are faults must map onto the fault table.
                if e.origin == Origin::Response {
                    if let Some(f) = env.fault() {
                        assert!(f.kind().is_some(), "{}: fault {:?}/{:?} is not in the table", e.name, f.code, f.subcode);
                    }
                }
            }
            Err(err) => failures.push(format!("{}: {err}", e.name)),
        }
    }
    for x in &excluded {
        eprintln!("excluded {}: {}", x.name, x.reason);
    }
    eprintln!("decoded {} envelopes ({requests} real requests, {responses} real responses)", found.len());
    assert!(requests > 100 && responses > 100, "the recordings were found");
    assert!(failures.is_empty(), "{} envelopes failed to decode:\n{}", failures.len(), failures.join("\n"));
}
