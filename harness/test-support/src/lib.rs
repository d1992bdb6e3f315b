//! test-support (being built).
