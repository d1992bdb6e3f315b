//! Integration tests of the codec through its public API.

mod roundtrip;
