//! Operations a virtual user runs: the [`Operation`] trait, its step
//! timer ([`Steps`]), requests from outside ([`RequestOp`]: corpus cases) and
//! the built-ins ([`builtin`]).
//!
//! An operation is either one request (its latency is the request's), or a
//! stateful flow of steps (Enumerate → Pull… → Release; Create → Command →
//! Receive… → Delete) measured twice: per step, and the flow as a whole
//! from its (intended) start to its last answer.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use wsman_client::{Error, RawRequest, RawResponse, Session};
use wsman_proto::{Envelope, Limits};

use crate::class::ErrorClass;

/// A boxed future of an operation run.
pub type RunFuture<'a> = Pin<Box<dyn Future<Output = Result<(), ErrorClass>> + Send + 'a>>;

/// One named operation of a mix.
pub trait Operation: Send + Sync + fmt::Debug {
    /// The name in the mix and the report (`identify`, `enumerate-flow`, a case id).
    fn name(&self) -> &str;

    /// The step names of a flow, in order; empty for a single request.
    fn steps(&self) -> &[&'static str] {
        &[]
    }

    /// Runs the operation once on `session` (the user's own connection),
    /// timing each step of a flow with `steps`. `Err` is the class of the
    /// failure that ended it.
    fn run<'a>(&'a self, session: &'a Session, steps: &'a mut Steps) -> RunFuture<'a>;
}

/// The step timer of one run of an operation.
///
/// The first step is timed from the run's origin (the intended start under
/// an open schedule, so that a delayed flow's first step carries the delay
/// as the flow does); later steps from when they are sent.
#[derive(Debug)]
pub struct Steps {
    origin: Instant,
    first: bool,
    /// (step index, latency, failure) per step sent, in order.
    pub(crate) done: Vec<(usize, Duration, Option<ErrorClass>)>,
}

impl Steps {
    /// A timer whose first step runs from `origin`.
    pub fn new(origin: Instant) -> Steps {
        Steps { origin, first: true, done: Vec::new() }
    }

    /// Runs one exchange of step `index` and records its latency and outcome.
    ///
    /// # Errors
    /// The exchange's error, classified (and recorded).
    pub async fn time<T>(&mut self, index: usize, exchange: impl Future<Output = Result<T, Error>>) -> Result<T, ErrorClass> {
        let start = if std::mem::take(&mut self.first) { self.origin } else { Instant::now() };
        let r = exchange.await;
        let latency = start.elapsed();
        match r {
            Ok(v) => {
                self.done.push((index, latency, None));
                Ok(v)
            }
            Err(e) => {
                let class = ErrorClass::of(&e);
                self.done.push((index, latency, Some(class.clone())));
                Err(class)
            }
        }
    }

    /// Records a step that failed without an exchange error (an answer the
    /// flow cannot go on from).
    pub fn fail(&mut self, index: usize, class: ErrorClass) -> ErrorClass {
        let start = if std::mem::take(&mut self.first) { self.origin } else { Instant::now() };
        self.done.push((index, start.elapsed(), Some(class.clone())));
        class
    }
}

/// What counts as the right answer of a [`RequestOp`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// HTTP 200.
    Success,
    /// A SOAP fault (HTTP 400 or 500) whose subcode (or code) local name is
    /// one of these; any fault when empty.
    Fault(Vec<String>),
    /// HTTP 200 or any SOAP fault.
    Either,
}

/// Judges a response by its status and, for a fault, its subcode only.
///
/// # Errors
/// The class of a wrong answer.
pub fn judge(response: &RawResponse, expect: &Expect) -> Result<(), ErrorClass> {
    match (response.status, expect) {
        (200, Expect::Success | Expect::Either) => Ok(()),
        (400 | 500, _) => {
            // Only a fault's body is read, and only for its subcode.
            let fault = Envelope::decode(&response.body, &Limits::default()).ok().and_then(|e| e.fault());
            let Some(fault) = fault else { return Err(ErrorClass::Status(response.status)) };
            let name = fault.subcode.or(fault.code).map(|(_, l)| l).unwrap_or_else(|| "unknown".into());
            match expect {
                Expect::Fault(names) if names.is_empty() || names.contains(&name) => Ok(()),
                Expect::Either => Ok(()),
                _ => Err(ErrorClass::Fault(name)),
            }
        }
        (s, _) => Err(ErrorClass::Status(s)),
    }
}

/// Makes the request of one run of a [`RequestOp`].
pub type MakeRequest = Box<dyn Fn() -> Result<RawRequest, String> + Send + Sync>;

/// A single-request operation whose request comes from outside the crate
/// (a corpus case rendered by the driver), judged by [`judge`]. The body of
/// a 200 is not kept.
pub struct RequestOp {
    name: String,
    make: MakeRequest,
    expect: Expect,
}

impl fmt::Debug for RequestOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestOp").field("name", &self.name).field("expect", &self.expect).finish_non_exhaustive()
    }
}

impl RequestOp {
    /// An operation named `name` that sends what `make` returns.
    pub fn new(name: impl Into<String>, expect: Expect, make: MakeRequest) -> RequestOp {
        RequestOp { name: name.into(), make, expect }
    }
}

impl Operation for RequestOp {
    fn name(&self) -> &str {
        &self.name
    }

    fn run<'a>(&'a self, session: &'a Session, _steps: &'a mut Steps) -> RunFuture<'a> {
        Box::pin(async move {
            let request = (self.make)().map_err(|_| ErrorClass::Request)?;
            let response = session.raw_judged(request).await.map_err(|e| ErrorClass::of(&e))?;
            judge(&response, &self.expect)
        })
    }
}

pub mod builtin;
