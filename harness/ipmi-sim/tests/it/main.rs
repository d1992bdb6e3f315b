//! Integration tests of ipmi-sim (one binary, one module per area).

mod interop;
mod lan_fuzz;
mod lan_sessions;
mod support;
