//! Integration tests of the codec through its public API.

mod message;
mod roundtrip;
mod shell_message;
