//! The corpus: `corpus/<profile>/manifest.toml` plus envelope templates.
//!
//! - [`model`]: profiles, cases, steps, expectations, assertions.
//! - [`load`]: reading a directory or the embedded copy, validation.
//! - [`partial`]: template includes (`{{> request_headers ...}}`), expanded on load.
//! - [`waiver`] — `waivers.toml`.
//! - [`coverage`] — `coverage.toml` and the coverage computation.

pub mod coverage;
pub mod load;
pub mod model;
pub mod partial;
pub mod waiver;

pub use load::{Corpus, CorpusError};
pub use model::{Case, Expect, ExpectFault, HttpOptions, Profile, Repeat, Step, XPathAssertion};
pub use waiver::Waivers;
