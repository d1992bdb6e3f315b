//! proptest strategies over a rendered request.
//!
//! A mutated request is generated as a list of one to [`MAX_OPERATORS`]
//! [`Mutation`]s and built with [`build`]. Shrinking works on that list:
//! proptest's `Vec` shrinking removes mutations (towards a minimal mutation
//! set), and each `choice` shrinks towards 0, which for the size-bearing
//! operators means shorter text and earlier truncation (towards a minimal
//! envelope). The seed request itself is never shrunk: it is a corpus case.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use super::operator::{build, Mutation, Operator};
use super::{CaseRequest, MutatedRequest};

/// Most mutations in one generated request.
pub const MAX_OPERATORS: usize = 3;

/// A strategy for one mutation drawn from `operators` (not empty).
pub fn mutation(operators: Vec<Operator>) -> impl Strategy<Value = Mutation> {
    (proptest::sample::select(operators), any::<u32>()).prop_map(|(operator, choice)| Mutation { operator, choice })
}

/// Mutated requests of `seed` using every operator.
pub fn mutations(seed: &CaseRequest) -> impl Strategy<Value = MutatedRequest> {
    mutations_of(seed, Operator::ALL)
}

/// Mutated requests of `seed` using only `operators`.
///
/// # Panics
/// When `operators` is empty.
pub fn mutations_of(seed: &CaseRequest, operators: &[Operator]) -> impl Strategy<Value = MutatedRequest> {
    assert!(!operators.is_empty(), "mutations_of needs at least one operator");
    let seed = seed.clone();
    vec(mutation(operators.to_vec()), 1..=MAX_OPERATORS).prop_map(move |ms| build(&seed, &ms))
}

/// A `TestRunner` whose values depend only on `seed` (`--seed`): the same
/// seed gives the same sequence of generated requests.
pub fn seeded_runner(seed: u64) -> TestRunner {
    runner_from(seed, 0)
}

/// A `TestRunner` for case number `case` of the run seeded `seed`: each case
/// drawn from its own runner can be generated again alone (`--seed S --case N`)
/// without drawing the cases before it.
pub fn case_runner(seed: u64, case: u64) -> TestRunner {
    runner_from(seed, case.wrapping_add(1))
}

fn runner_from(seed: u64, case: u64) -> TestRunner {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    // Spread the seed so that nearby seeds do not share most of their key.
    bytes[8..16].copy_from_slice(&seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).to_le_bytes());
    bytes[16..24].copy_from_slice(&case.to_le_bytes());
    let config = Config { failure_persistence: None, ..Config::default() };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}
