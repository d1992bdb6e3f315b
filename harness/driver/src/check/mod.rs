//! Checks: the assertion [`catalogue`] and the [`judge`](mod@judge) of one exchange.

pub mod catalogue;
pub mod judge;

pub use catalogue::{Check, CATALOGUE};
pub use judge::{judge, Finding, StepSpec, Verdict};
