//! Lifecycle state machines. They never read the clock: callers pass `now`.

pub mod enumeration;
pub mod eventing;
pub mod shell;
