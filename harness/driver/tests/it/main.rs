//! Integration tests of the driver against the in-process reference server.

mod defects;
mod discover;
mod events;
mod exec;
mod liveness;
mod run;
mod snapshots;
mod validate;

use std::sync::Arc;
use std::time::Duration;

use driver::{Corpus, Endpoint, RunConfig};

/// A run configuration for the embedded corpus against `url` as admin:admin.
pub(crate) fn config(url: &str, corpus: Arc<Corpus>) -> RunConfig {
    let target = Endpoint::new(url).with_user("admin", "admin").with_timeout(Duration::from_secs(20));
    let mut c = RunConfig::new(target, corpus);
    c.embedded = true;
    c
}

/// The embedded corpus, loaded once per test binary.
pub(crate) fn corpus() -> Arc<Corpus> {
    static CORPUS: std::sync::OnceLock<Arc<Corpus>> = std::sync::OnceLock::new();
    CORPUS.get_or_init(|| Arc::new(Corpus::embedded().expect("embedded corpus"))).clone()
}

/// How many cases a run of the embedded corpus through the built-in target
/// has: a `profile`-role case once per registered class.
pub(crate) fn cases_run() -> usize {
    let target = driver::Target::builtin().expect("the built-in target");
    corpus().cases.iter().map(|c| target.profile_cases(c).len()).sum()
}
