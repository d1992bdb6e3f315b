//! wsman-server (being built).
