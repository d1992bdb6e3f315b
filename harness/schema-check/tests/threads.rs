//! Validators on several threads at once, and the schema folder as an alternative source.

use std::path::Path;

use schema_check::{with_thread_validator, SchemaSet, Validator};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)).expect("fixture")
}

#[test]
fn threads_each_get_a_working_validator() {
    let good = fixture("fault-response.xml");
    let bad = fixture("invalid-replyto-without-address.xml");
    let results: Vec<(bool, bool)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    let ok = with_thread_validator(|v| v.validate(&good).is_empty()).expect("validator");
                    let rejected = with_thread_validator(|v| !v.validate(&bad).is_empty()).expect("validator");
                    (ok, rejected)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).collect()
    });
    assert_eq!(results, vec![(true, true); 4]);
}

#[test]
fn the_schema_folder_judges_like_the_embedded_set() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas");
    let mut from_dir = Validator::from_set(&SchemaSet::Dir(dir)).expect("folder compiles");
    let mut embedded = Validator::new().expect("embedded compiles");
    for name in ["shell-create-request.xml", "enumerate-response.xml", "invalid-replyto-without-address.xml"] {
        let bytes = fixture(name);
        assert_eq!(from_dir.validate(&bytes), embedded.validate(&bytes), "{name}");
    }
}
