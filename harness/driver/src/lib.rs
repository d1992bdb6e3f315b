//! driver (being built).
