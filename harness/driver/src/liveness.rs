//! The liveness rule: an endpoint that stopped answering one action must not
//! hold the run for a full timeout on every remaining exchange of it.
//!
//! Per action (the request's `wsa:Action`, or `Identify`):
//!
//! ```text
//!             answer (any HTTP response)             timeout
//!   Healthy  <--------------------------  streak n  ---------> streak n+1
//!      |                                                           |
//!      +---------- streak reaches STALL_AFTER (2) -----------------+
//!                                |
//!                                v
//!   Stalled (for the rest of the run): new exchanges are not sent and fail
//!   as "endpoint stopped answering ACTION"; exchanges already waiting are
//!   cut short too, but only if the action never answered in this run.
//! ```
//!
//! Two consecutive timeouts (no answer of that action in between) stall an
//! action, so an endpoint that answers some exchanges of an action and not
//! others is not cut off: correctness (no false fail-fast for an action that
//! still answers) comes before speed. Exchanges in flight when the second
//! timeout lands are cut only when the action has not answered once in the
//! run; otherwise each waits out its own timeout.
//!
//! Between the first timeout and the verdict, a new exchange of the action is
//! held back while others of it are still in flight: with eight cases in
//! flight, the first wave of hung exchanges times out over a second or so,
//! and an exchange sent into that window would wait a whole timeout more.
//! It goes out as soon as one of them is answered, or fails fast when the
//! second timeout stalls the action; with none left in flight it is sent.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use report::StalledAction;
use tokio::sync::watch;

use wsman_client::{RawRequest, RawResponse, Session};

/// Why an exchange of the run produced no response.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    /// The transport failed (refused, timeout, closed, ...).
    #[error(transparent)]
    Transport(#[from] wsman_client::Error),
    /// Not sent, or cut short: the endpoint stopped answering this action
    /// earlier in the run (the liveness rule).
    #[error("endpoint stopped answering {0}")]
    Stalled(String),
}

impl ExchangeError {
    /// The exchange timed out (a silence that counts towards the rule).
    pub fn is_timeout(&self) -> bool {
        matches!(self, ExchangeError::Transport(e) if e.is_timeout())
    }
}

/// Consecutive timeouts of one action that stall it.
pub const STALL_AFTER: u32 = 2;

/// What the run has seen of one action.
#[derive(Debug, Default, Clone)]
struct Health {
    /// Timeouts since the last answer.
    streak: u32,
    /// Exchanges answered (any HTTP response) in the run.
    answered: u64,
    /// Exchanges that timed out in the run.
    timeouts: u64,
    /// The rule fired: remaining exchanges fail fast.
    stalled: bool,
    /// Exchanges failed by the rule (not sent, or cut short).
    failed_fast: u64,
    /// Exchanges sent and not yet over.
    in_flight: usize,
}

/// What to do with a new exchange.
enum Decision {
    Send,
    /// The action timed out and others of it are still waiting: their outcome
    /// decides (an answer lets it go, a second timeout fails it fast).
    Wait,
    FailFast,
}

/// The liveness state of one run, shared by its case tasks.
#[derive(Debug)]
pub(crate) struct Liveness {
    health: Mutex<BTreeMap<String, Health>>,
    /// Actions whose exchanges in flight are to be cut short. A watch, so a
    /// waiting exchange wakes when its action is added.
    cut: watch::Sender<BTreeSet<String>>,
    /// Bumped after every exchange, to wake exchanges held back by [`Decision::Wait`].
    changed: watch::Sender<u64>,
}

impl Default for Liveness {
    fn default() -> Self {
        Liveness { health: Mutex::new(BTreeMap::new()), cut: watch::Sender::new(BTreeSet::new()), changed: watch::Sender::new(0) }
    }
}

impl Liveness {
    /// Sends `req` (of `action`, when known) under the rule.
    pub(crate) async fn send(&self, client: &Session, action: Option<&str>, req: RawRequest) -> Result<RawResponse, ExchangeError> {
        let Some(action) = action else { return Ok(client.raw(req).await?) };
        let mut changed = self.changed.subscribe();
        loop {
            // Marked seen before the look, so a change after it wakes the wait.
            changed.borrow_and_update();
            let decision = self.with(action, |h| {
                if h.stalled {
                    h.failed_fast += 1;
                    Decision::FailFast
                } else if h.streak > 0 && h.in_flight > 0 {
                    Decision::Wait
                } else {
                    h.in_flight += 1;
                    Decision::Send
                }
            });
            match decision {
                Decision::FailFast => return Err(ExchangeError::Stalled(action.to_owned())),
                Decision::Send => break,
                // The sender lives as long as `self`.
                Decision::Wait => {
                    if changed.changed().await.is_err() {
                        return Ok(client.raw(req).await?);
                    }
                }
            }
        }
        let mut cut = self.cut.subscribe();
        let result = tokio::select! {
            r = client.raw(req) => Some(r),
            Ok(_) = cut.wait_for(|set| set.contains(action)) => None,
        };
        let cut_in_flight = self.with(action, |h| {
            h.in_flight -= 1;
            match &result {
                None => h.failed_fast += 1,
                Some(Ok(_)) => {
                    h.streak = 0;
                    h.answered += 1;
                }
                Some(Err(e)) if e.is_timeout() => {
                    h.timeouts += 1;
                    h.streak += 1;
                    if !h.stalled && h.streak >= STALL_AFTER {
                        h.stalled = true;
                        return h.answered == 0;
                    }
                }
                // A broken connection is neither an answer nor a silence.
                Some(Err(_)) => {}
            }
            false
        });
        if cut_in_flight {
            self.cut.send_modify(|set| {
                set.insert(action.to_owned());
            });
        }
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
        match result {
            Some(r) => Ok(r?),
            None => Err(ExchangeError::Stalled(action.to_owned())),
        }
    }

    /// The stalled actions, for the top of the report.
    pub(crate) fn stalled(&self) -> Vec<StalledAction> {
        let health = self.health.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        health
            .iter()
            .filter(|(_, h)| h.stalled)
            .map(|(action, h)| StalledAction { action: action.clone(), timeouts: h.timeouts, failed_fast: h.failed_fast })
            .collect()
    }

    fn with<T>(&self, action: &str, f: impl FnOnce(&mut Health) -> T) -> T {
        // A poisoned lock only means a case task panicked; the counts are still usable.
        let mut health = self.health.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(health.entry(action.to_owned()).or_default())
    }
}
