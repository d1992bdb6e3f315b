//! wsman-client against the reference server (test-support): the typed
//! operations, the enumeration stream, the WinRS shell, and every classified error shown
//! against a server defect that provokes it.

mod enumeration;
mod errors;
mod eventing;
#[cfg(feature = "negotiate")]
mod negotiate;
mod operations;
mod shell;
mod sink;

use std::time::Duration;

use test_support::TestServer;
use wsman_client::{Endpoint, Session};

/// A session as admin:admin with a short deadline.
pub(crate) fn session(server: &TestServer) -> Session {
    Session::new(Endpoint::new(&server.url).with_user("admin", "admin").with_timeout(Duration::from_secs(10))).expect("a session")
}
