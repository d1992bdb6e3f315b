//! Enumeration contexts (WS-Enumeration §3, DSP0226 §8).
//!
//! ```text
//!   Enumerate ──► Active ──Pull (items left)──► Active
//!                   │  └──Pull (last batch)───► Exhausted (removed; EndOfSequence sent)
//!                   ├──Release──────────────► Released (removed)
//!                   └──idle > expiry────────► Expired (removed on next touch)
//! ```
//!
//! A context that is not Active answers `wsen:InvalidEnumerationContext`.
//! Each user holds at most `quota` live contexts (`wsman:QuotaLimit` beyond).

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::fault::{Fault, FaultKind};
use crate::xml::Element;

/// One live enumeration.
#[derive(Debug)]
struct Context {
    user: String,
    items: VecDeque<Element>,
    last_used: Instant,
    total: usize,
}

/// What a batch contains.
#[derive(Debug, PartialEq, Eq)]
pub struct Batch {
    /// The items of this batch.
    pub items: Vec<Element>,
    /// True when these were the last items: the context is gone.
    pub end_of_sequence: bool,
}

/// Every live enumeration context of a server.
#[derive(Debug)]
pub struct EnumerationStore {
    contexts: HashMap<String, Context>,
    /// How long a context may sit idle before it expires.
    expiry: Duration,
    /// Live contexts per user.
    quota: usize,
    /// Defect switch: released contexts stay usable.
    pub keep_released: bool,
    /// Defect switch: no quota and no expiry.
    pub unbounded: bool,
}

impl EnumerationStore {
    /// A store with an idle expiry and a per-user quota.
    pub fn new(expiry: Duration, quota: usize) -> Self {
        EnumerationStore { contexts: HashMap::new(), expiry, quota, keep_released: false, unbounded: false }
    }

    fn sweep(&mut self, now: Instant) {
        if self.unbounded {
            return;
        }
        let expiry = self.expiry;
        self.contexts.retain(|_, c| now.saturating_duration_since(c.last_used) <= expiry);
    }

    /// Changes the idle expiry (the WinRM configuration's `EnumerationTimeoutms`
    /// was changed). Contexts already idle longer than the old expiry have
    /// expired under it and stay expired, whatever the new value.
    pub fn set_expiry(&mut self, expiry: Duration, now: Instant) {
        self.sweep(now);
        self.expiry = expiry;
    }

    /// Number of live contexts.
    pub fn len(&self) -> usize {
        self.contexts.len()
    }

    /// True when no context is live.
    pub fn is_empty(&self) -> bool {
        self.contexts.is_empty()
    }

    /// Opens a context over `items` with the caller-chosen `id` (a fresh UUID).
    pub fn open(&mut self, id: String, user: &str, items: Vec<Element>, now: Instant) -> Result<(), Fault> {
        self.sweep(now);
        if !self.unbounded && self.contexts.values().filter(|c| c.user == user).count() >= self.quota {
            return Err(Fault::new(FaultKind::QuotaLimit, format!("user {user} already holds {} enumeration contexts", self.quota)));
        }
        let total = items.len();
        self.contexts.insert(id, Context { user: user.to_owned(), items: items.into(), last_used: now, total });
        Ok(())
    }

    /// Takes up to `max` items; `fits(items_so_far, next)` may stop the batch early
    /// (envelope size). The first item is always taken if it fits alone; if it
    /// does not, the caller gets an empty batch and decides (EncodingLimit).
    pub fn pull(&mut self, id: &str, user: &str, max: usize, now: Instant, mut fits: impl FnMut(&[Element], &Element) -> bool) -> Result<Batch, Fault> {
        self.sweep(now);
        let ctx = match self.contexts.get_mut(id) {
            Some(c) if c.user == user => c,
            _ => return Err(invalid(id)),
        };
        ctx.last_used = now;
        let mut items = Vec::new();
        while items.len() < max {
            let Some(next) = ctx.items.front() else { break };
            if !fits(&items, next) {
                break;
            }
            if let Some(it) = ctx.items.pop_front() {
                items.push(it);
            }
        }
        let end = ctx.items.is_empty();
        if end && !self.keep_released {
            self.contexts.remove(id);
        }
        Ok(Batch { items, end_of_sequence: end })
    }

    /// Total items the enumeration started with (for TotalItemsCountEstimate).
    pub fn total(&self, id: &str) -> Option<usize> {
        self.contexts.get(id).map(|c| c.total)
    }

    /// Releases a context.
    pub fn release(&mut self, id: &str, user: &str, now: Instant) -> Result<(), Fault> {
        self.sweep(now);
        match self.contexts.get(id) {
            Some(c) if c.user == user => {
                if !self.keep_released {
                    self.contexts.remove(id);
                }
                Ok(())
            }
            _ => Err(invalid(id)),
        }
    }
}

fn invalid(id: &str) -> Fault {
    Fault::new(FaultKind::InvalidEnumerationContext, format!("the enumeration context {id} is not valid: it was released, has expired, or was never issued"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(n: usize) -> Vec<Element> {
        (0..n).map(|i| Element::new(None, &format!("i{i}"))).collect()
    }

    #[test]
    fn pulls_in_batches_then_ends() {
        let t0 = Instant::now();
        let mut s = EnumerationStore::new(Duration::from_secs(60), 4);
        s.open("c".into(), "u", items(5), t0).unwrap();
        let b = s.pull("c", "u", 2, t0, |_, _| true).unwrap();
        assert_eq!((b.items.len(), b.end_of_sequence), (2, false));
        let b = s.pull("c", "u", 10, t0, |_, _| true).unwrap();
        assert_eq!((b.items.len(), b.end_of_sequence), (3, true));
        assert_eq!(s.pull("c", "u", 1, t0, |_, _| true).unwrap_err().kind, FaultKind::InvalidEnumerationContext);
    }

    #[test]
    fn release_expiry_quota_and_owner() {
        let t0 = Instant::now();
        let mut s = EnumerationStore::new(Duration::from_secs(60), 2);
        s.open("a".into(), "u", items(3), t0).unwrap();
        assert_eq!(s.pull("a", "other", 1, t0, |_, _| true).unwrap_err().kind, FaultKind::InvalidEnumerationContext);
        s.release("a", "u", t0).unwrap();
        assert!(s.pull("a", "u", 1, t0, |_, _| true).is_err());
        s.open("b".into(), "u", items(3), t0).unwrap();
        s.open("c".into(), "u", items(3), t0).unwrap();
        assert_eq!(s.open("d".into(), "u", items(3), t0).unwrap_err().kind, FaultKind::QuotaLimit);
        let later = t0 + Duration::from_secs(61);
        assert!(s.pull("b", "u", 1, later, |_, _| true).is_err(), "expired");
        s.open("d".into(), "u", items(1), later).unwrap();
    }

    #[test]
    fn a_shorter_expiry_applies_to_live_contexts_and_a_longer_one_revives_nothing() {
        let t0 = Instant::now();
        let mut s = EnumerationStore::new(Duration::from_secs(240), 4);
        s.open("a".into(), "u", items(3), t0).unwrap();
        s.open("b".into(), "u", items(3), t0).unwrap();
        let t1 = t0 + Duration::from_secs(2);
        s.pull("b", "u", 1, t1, |_, _| true).unwrap();
        s.set_expiry(Duration::from_secs(1), t1);
        let t2 = t1 + Duration::from_millis(1500);
        // Back to a long expiry: "a" (idle 3.5 s) and "b" (idle 1.5 s) expired under the short one.
        s.set_expiry(Duration::from_secs(240), t2);
        assert!(s.pull("a", "u", 1, t2, |_, _| true).is_err());
        assert!(s.pull("b", "u", 1, t2, |_, _| true).is_err());
        assert!(s.is_empty());

        let mut s = EnumerationStore::new(Duration::from_secs(240), 4);
        s.unbounded = true;
        s.open("a".into(), "u", items(3), t0).unwrap();
        s.set_expiry(Duration::from_secs(1), t1);
        s.set_expiry(Duration::from_secs(240), t2);
        assert!(s.pull("a", "u", 1, t2, |_, _| true).is_ok(), "the leak defect: contexts never expire");
    }

    #[test]
    fn size_budget_stops_a_batch() {
        let t0 = Instant::now();
        let mut s = EnumerationStore::new(Duration::from_secs(60), 2);
        s.open("a".into(), "u", items(5), t0).unwrap();
        let b = s.pull("a", "u", 5, t0, |so_far, _| so_far.len() < 2).unwrap();
        assert_eq!(b.items.len(), 2);
    }
}
