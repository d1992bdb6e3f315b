//! ipmi-sim (being built).
