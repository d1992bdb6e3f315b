//! Stateful chains: requests that reuse state learned from earlier answers
//! after that state ended.
//!
//! | chain | needs | steps | expected fault |
//! |---|---|---|---|
//! | `chain-use-after-release` | an enumeration context | Release, then Pull | wsen:InvalidEnumerationContext |
//! | `chain-pull-after-expiry` | a context with an expiry | (wait until expired), Pull | wsen:InvalidEnumerationContext |
//! | `chain-delete-then-get` | a created resource's EPR | Delete, then Get | wsa:DestinationUnreachable or wsman:InvalidSelectors |
//! | `chain-receive-on-deleted-shell` | a shell id | Delete, then Receive | wsa:DestinationUnreachable or wsman:InvalidSelectors |
//!
//! This module is sans-IO: the runner captures [`CapturedState`] from the
//! answers it judges, asks [`ChainKind::plan`] with `now` what to send, and
//! judges the last step with [`ChainRequest::expect`] (through
//! [`super::MutatedRequest::expect`]). It never reads the clock.

use std::time::Instant;

use wsman_proto::{Action, FaultKind};

use super::Expectation;

/// What kind of state a chain needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaptureKind {
    /// `wsen:EnumerationContext` of an Enumerate (or Pull) answer.
    EnumerationContext,
    /// The EPR (ResourceURI and selectors) of a Create answer.
    CreatedResource,
    /// The `ShellId` of a WinRS shell.
    ShellId,
    /// The identifier of an eventing subscription.
    SubscriptionId,
}

/// State learned from an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedState {
    /// What it is.
    pub kind: CaptureKind,
    /// The ResourceURI it belongs to.
    pub resource_uri: String,
    /// The captured value (context, shell id, subscription id; empty for an EPR).
    pub value: String,
    /// Selectors addressing it (a created resource's EPR, a shell's ShellId).
    pub selectors: Vec<(String, String)>,
    /// When the answer carrying it arrived.
    pub captured_at: Instant,
    /// When it expires, if the answer said (`wsen:Expires`).
    pub expires_at: Option<Instant>,
}

/// A stateful chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChainKind {
    /// Pull on a released enumeration context.
    UseAfterRelease,
    /// Pull on an expired enumeration context.
    PullAfterExpiry,
    /// Get of a deleted resource.
    DeleteThenGet,
    /// Receive on a deleted shell.
    ReceiveOnDeletedShell,
}

/// One request of a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainRequest {
    /// The operation.
    pub action: Action,
    /// The ResourceURI to address.
    pub resource_uri: String,
    /// Selectors to address it with.
    pub selectors: Vec<(String, String)>,
    /// The enumeration context to send (Release, Pull), if any.
    pub context: Option<String>,
    /// What the answer must be ([`Expectation::Any`] for the set-up steps:
    /// they only have to pass the generic rules).
    pub expect: Expectation,
}

/// Why a chain cannot run now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotReady {
    /// The captured state is of another kind than the chain needs.
    #[error("the chain needs a {needed:?}, not a {got:?}")]
    WrongState {
        /// What the chain needs.
        needed: CaptureKind,
        /// What was given.
        got: CaptureKind,
    },
    /// The state has no expiry, so it cannot be used after it.
    #[error("the state has no expiry")]
    NoExpiry,
    /// The state expires later: plan again at this instant.
    #[error("the state expires later")]
    Until(Instant),
}

impl std::fmt::Display for ChainKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl ChainKind {
    /// Every chain.
    pub const ALL: &'static [ChainKind] = &[ChainKind::UseAfterRelease, ChainKind::PullAfterExpiry, ChainKind::DeleteThenGet, ChainKind::ReceiveOnDeletedShell];

    /// A stable name, counted in reports as the operators are.
    pub fn name(self) -> &'static str {
        match self {
            ChainKind::UseAfterRelease => "chain-use-after-release",
            ChainKind::PullAfterExpiry => "chain-pull-after-expiry",
            ChainKind::DeleteThenGet => "chain-delete-then-get",
            ChainKind::ReceiveOnDeletedShell => "chain-receive-on-deleted-shell",
        }
    }

    /// The state the chain needs.
    pub fn needs(self) -> CaptureKind {
        match self {
            ChainKind::UseAfterRelease | ChainKind::PullAfterExpiry => CaptureKind::EnumerationContext,
            ChainKind::DeleteThenGet => CaptureKind::CreatedResource,
            ChainKind::ReceiveOnDeletedShell => CaptureKind::ShellId,
        }
    }

    /// The faults acceptable for the last step.
    pub fn expected_faults(self) -> Vec<FaultKind> {
        match self {
            ChainKind::UseAfterRelease | ChainKind::PullAfterExpiry => vec![FaultKind::InvalidEnumerationContext],
            ChainKind::DeleteThenGet | ChainKind::ReceiveOnDeletedShell => vec![FaultKind::DestinationUnreachable, FaultKind::InvalidSelectors],
        }
    }

    /// The requests to send, in order, for `state` at `now`.
    ///
    /// # Errors
    /// [`NotReady`] when `state` is not what the chain needs, or (Pull after
    /// expiry) has not expired yet.
    pub fn plan(self, state: &CapturedState, now: Instant) -> Result<Vec<ChainRequest>, NotReady> {
        if state.kind != self.needs() {
            return Err(NotReady::WrongState { needed: self.needs(), got: state.kind });
        }
        let step = |action: Action, context: bool, last: bool| ChainRequest {
            action,
            resource_uri: state.resource_uri.clone(),
            selectors: state.selectors.clone(),
            context: context.then(|| state.value.clone()),
            expect: if last { Expectation::Fault(self.expected_faults()) } else { Expectation::Any },
        };
        Ok(match self {
            ChainKind::UseAfterRelease => vec![step(Action::Release, true, false), step(Action::Pull, true, true)],
            ChainKind::PullAfterExpiry => {
                let at = state.expires_at.ok_or(NotReady::NoExpiry)?;
                if now < at {
                    return Err(NotReady::Until(at));
                }
                vec![step(Action::Pull, true, true)]
            }
            ChainKind::DeleteThenGet => vec![step(Action::Delete, false, false), step(Action::Get, false, true)],
            ChainKind::ReceiveOnDeletedShell => vec![step(Action::Delete, false, false), step(Action::Receive, false, true)],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn context(expires: Option<Duration>, now: Instant) -> CapturedState {
        CapturedState {
            kind: CaptureKind::EnumerationContext,
            resource_uri: "r".into(),
            value: "uuid:C".into(),
            selectors: vec![],
            captured_at: now,
            expires_at: expires.map(|d| now + d),
        }
    }

    #[test]
    fn use_after_release_releases_then_pulls_expecting_invalid_context() {
        let now = Instant::now();
        let plan = ChainKind::UseAfterRelease.plan(&context(None, now), now).unwrap();
        assert_eq!(plan.iter().map(|r| r.action.clone()).collect::<Vec<_>>(), vec![Action::Release, Action::Pull]);
        assert!(plan.iter().all(|r| r.context.as_deref() == Some("uuid:C")));
        assert_eq!(plan[0].expect, Expectation::Any);
        assert_eq!(plan[1].expect, Expectation::Fault(vec![FaultKind::InvalidEnumerationContext]));
    }

    #[test]
    fn pull_after_expiry_waits_for_the_expiry_given_as_now() {
        let now = Instant::now();
        let state = context(Some(Duration::from_secs(5)), now);
        assert_eq!(ChainKind::PullAfterExpiry.plan(&state, now), Err(NotReady::Until(now + Duration::from_secs(5))));
        let plan = ChainKind::PullAfterExpiry.plan(&state, now + Duration::from_secs(5)).unwrap();
        assert_eq!(plan.len(), 1);
        assert_eq!(ChainKind::PullAfterExpiry.plan(&context(None, now), now), Err(NotReady::NoExpiry));
    }

    #[test]
    fn chains_refuse_state_of_another_kind_and_have_distinct_names() {
        let now = Instant::now();
        assert!(matches!(ChainKind::DeleteThenGet.plan(&context(None, now), now), Err(NotReady::WrongState { .. })));
        let mut names: Vec<&str> = ChainKind::ALL.iter().map(|c| c.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ChainKind::ALL.len());
    }
}
