//! Integration tests of the codec through its public API.

mod eventing;
mod message;
mod roundtrip;
mod shell_message;
