//! schema-check (being built).
