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
//! An enumeration that ends in its first response (an optimized Enumerate
//! whose first batch is the whole sequence) never enters the store: it holds
//! no context and costs no quota.
//!
//! The store is generic over what a context keeps of its items (`T`): the
//! server keeps references to the instances of a snapshot and renders each
//! item only when a batch takes it.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::fault::{Fault, FaultKind};

/// One live enumeration.
#[derive(Debug)]
struct Context<T> {
    user: String,
    items: VecDeque<T>,
    last_used: Instant,
    total: usize,
}

/// The result of a Pull: what the batch taker returned, and whether the
/// sequence ended with it.
#[derive(Debug, PartialEq, Eq)]
pub struct Pulled<R> {
    /// What the taker returned (the batch).
    pub batch: R,
    /// True when no item is left: the context is gone (unless a defect keeps it).
    pub end_of_sequence: bool,
}

/// Every live enumeration context of a server.
#[derive(Debug)]
pub struct EnumerationStore<T> {
    contexts: HashMap<String, Context<T>>,
    /// How long a context may sit idle before it expires.
    expiry: Duration,
    /// Live contexts per user.
    quota: usize,
    /// Defect switch: released and exhausted contexts stay usable.
    pub keep_released: bool,
    /// Defect switch: no quota and no expiry.
    pub unbounded: bool,
}

impl<T> EnumerationStore<T> {
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

    /// `wsman:QuotaLimit` when `user` may not open another context now.
    /// [`open`](Self::open) checks the same; callers use this to refuse
    /// before they build an enumeration that would need a context.
    pub fn check_quota(&mut self, user: &str, now: Instant) -> Result<(), Fault> {
        self.sweep(now);
        if !self.unbounded && self.contexts.values().filter(|c| c.user == user).count() >= self.quota {
            return Err(Fault::new(FaultKind::QuotaLimit, format!("user {user} already holds {} enumeration contexts", self.quota)));
        }
        Ok(())
    }

    /// Opens a context over `items` with the caller-chosen `id` (a fresh UUID).
    /// `total` is the length of the whole sequence (items already sent included).
    pub fn open(&mut self, id: String, user: &str, items: VecDeque<T>, total: usize, now: Instant) -> Result<(), Fault> {
        self.check_quota(user, now)?;
        self.contexts.insert(id, Context { user: user.to_owned(), items, last_used: now, total });
        Ok(())
    }

    /// Hands the remaining items of `id` to `take`, which removes the batch
    /// from the front (it may stop early, e.g. at the envelope size). When no
    /// item is left afterwards the sequence has ended and the context is
    /// removed.
    pub fn pull<R>(&mut self, id: &str, user: &str, now: Instant, take: impl FnOnce(&mut VecDeque<T>) -> R) -> Result<Pulled<R>, Fault> {
        self.sweep(now);
        let ctx = match self.contexts.get_mut(id) {
            Some(c) if c.user == user => c,
            _ => return Err(invalid(id)),
        };
        ctx.last_used = now;
        let batch = take(&mut ctx.items);
        let end = ctx.items.is_empty();
        if end && !self.keep_released {
            self.contexts.remove(id);
        }
        Ok(Pulled { batch, end_of_sequence: end })
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

    fn items(n: usize) -> VecDeque<usize> {
        (0..n).collect()
    }

    /// A taker of at most `max` items.
    fn up_to(max: usize) -> impl FnOnce(&mut VecDeque<usize>) -> Vec<usize> {
        move |q| {
            let n = max.min(q.len());
            q.drain(..n).collect()
        }
    }

    #[test]
    fn pulls_in_batches_then_ends() {
        let t0 = Instant::now();
        let mut s = EnumerationStore::new(Duration::from_secs(60), 4);
        s.open("c".into(), "u", items(5), 5, t0).unwrap();
        let p = s.pull("c", "u", t0, up_to(2)).unwrap();
        assert_eq!((p.batch, p.end_of_sequence), (vec![0, 1], false));
        let p = s.pull("c", "u", t0, up_to(10)).unwrap();
        assert_eq!((p.batch, p.end_of_sequence), (vec![2, 3, 4], true));
        assert!(s.is_empty(), "the last batch removes the context");
        assert_eq!(s.pull("c", "u", t0, up_to(1)).unwrap_err().kind, FaultKind::InvalidEnumerationContext);
    }

    #[test]
    fn release_expiry_quota_and_owner() {
        let t0 = Instant::now();
        let mut s = EnumerationStore::new(Duration::from_secs(60), 2);
        s.open("a".into(), "u", items(3), 3, t0).unwrap();
        assert_eq!(s.pull("a", "other", t0, up_to(1)).unwrap_err().kind, FaultKind::InvalidEnumerationContext);
        s.release("a", "u", t0).unwrap();
        assert!(s.pull("a", "u", t0, up_to(1)).is_err());
        s.open("b".into(), "u", items(3), 3, t0).unwrap();
        s.open("c".into(), "u", items(3), 3, t0).unwrap();
        assert_eq!(s.check_quota("u", t0).unwrap_err().kind, FaultKind::QuotaLimit);
        assert!(s.check_quota("other", t0).is_ok(), "the quota is per user");
        assert_eq!(s.open("d".into(), "u", items(3), 3, t0).unwrap_err().kind, FaultKind::QuotaLimit);
        let later = t0 + Duration::from_secs(61);
        assert!(s.pull("b", "u", later, up_to(1)).is_err(), "expired");
        s.open("d".into(), "u", items(1), 1, later).unwrap();
    }

    #[test]
    fn a_shorter_expiry_applies_to_live_contexts_and_a_longer_one_revives_nothing() {
        let t0 = Instant::now();
        let mut s = EnumerationStore::new(Duration::from_secs(240), 4);
        s.open("a".into(), "u", items(3), 3, t0).unwrap();
        s.open("b".into(), "u", items(3), 3, t0).unwrap();
        let t1 = t0 + Duration::from_secs(2);
        s.pull("b", "u", t1, up_to(1)).unwrap();
        s.set_expiry(Duration::from_secs(1), t1);
        let t2 = t1 + Duration::from_millis(1500);
        // Back to a long expiry: "a" (idle 3.5 s) and "b" (idle 1.5 s) expired under the short one.
        s.set_expiry(Duration::from_secs(240), t2);
        assert!(s.pull("a", "u", t2, up_to(1)).is_err());
        assert!(s.pull("b", "u", t2, up_to(1)).is_err());
        assert!(s.is_empty());

        let mut s = EnumerationStore::new(Duration::from_secs(240), 4);
        s.unbounded = true;
        s.open("a".into(), "u", items(3), 3, t0).unwrap();
        s.set_expiry(Duration::from_secs(1), t1);
        s.set_expiry(Duration::from_secs(240), t2);
        assert!(s.pull("a", "u", t2, up_to(1)).is_ok(), "the leak defect: contexts never expire");
    }

    #[test]
    fn a_taker_may_stop_early_and_the_context_stays() {
        let t0 = Instant::now();
        let mut s = EnumerationStore::new(Duration::from_secs(60), 2);
        s.open("a".into(), "u", items(5), 5, t0).unwrap();
        let p = s.pull("a", "u", t0, |_| ()).unwrap();
        assert!(!p.end_of_sequence);
        assert_eq!(s.total("a"), Some(5));
        let p = s.pull("a", "u", t0, up_to(5)).unwrap();
        assert_eq!(p.batch.len(), 5);
    }

    #[test]
    fn keep_released_keeps_exhausted_contexts() {
        let t0 = Instant::now();
        let mut s = EnumerationStore::new(Duration::from_secs(60), 2);
        s.keep_released = true;
        s.open("a".into(), "u", items(1), 1, t0).unwrap();
        assert!(s.pull("a", "u", t0, up_to(5)).unwrap().end_of_sequence);
        assert!(s.pull("a", "u", t0, up_to(5)).unwrap().batch.is_empty(), "the defect: still pullable");
    }
}
