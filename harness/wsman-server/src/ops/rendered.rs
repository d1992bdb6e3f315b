//! Enumeration items encoded once per provider snapshot.
//!
//! A provider that caches its instances between changes
//! ([`ResourceProvider::enumerate_shared`](wsman_proto::ResourceProvider::enumerate_shared))
//! hands every Enumerate the same `Arc<[Instance]>`. Building each item's
//! element tree and serializing it again for every request was most of the
//! cost of an optimized Enumerate; here each item of such a snapshot is
//! rendered, sized ([`size::encoded_len_bound`]) and serialized
//! ([`EncodedElement`]) the first time a batch takes it, and reused by every
//! later batch of every enumeration of the same snapshot and mode. The
//! envelope writer copies the bytes only where the namespace bindings in
//! scope are the ones they were made under, so the answer is the same bytes
//! as rendering afresh.
//!
//! A snapshot is recognised by its allocation: the cache holds a `Weak` to
//! it, which keeps the address from being reused while the entry exists.
//! Entries whose snapshot is gone are dropped when a new one is added, and
//! the cache holds at most [`MAX_ENTRIES`].

use std::sync::{Arc, Mutex, OnceLock, Weak};

use wsman_proto::message::EnumerationMode;
use wsman_proto::xml::{Element, EncodedElement};
use wsman_proto::Instance;

use super::size;

/// Snapshots (times modes) whose items are kept.
const MAX_ENTRIES: usize = 32;

/// One item, ready for a batch.
#[derive(Debug)]
pub(crate) struct Rendered {
    /// The item, with its bytes at the position of a response's items.
    pub(crate) encoded: Arc<EncodedElement>,
    /// Its [`size::encoded_len_bound`], what batches are sized by.
    pub(crate) bound: usize,
}

impl Rendered {
    pub(crate) fn new(element: Element) -> Rendered {
        let bound = size::encoded_len_bound(&element);
        let scope = wsman_proto::envelope::body_scope();
        Rendered { encoded: Arc::new(EncodedElement::new(element, &scope)), bound }
    }
}

/// The items of one snapshot in one mode, each rendered on first use.
pub(crate) type Slots = Arc<[OnceLock<Arc<Rendered>>]>;

struct Entry {
    snapshot: Weak<[Instance]>,
    mode: EnumerationMode,
    slots: Slots,
}

/// Every snapshot's rendered items (see the module documentation).
#[derive(Default)]
pub(crate) struct ItemCache {
    entries: Mutex<Vec<Entry>>,
}

impl ItemCache {
    /// The slots of `snapshot`'s items in `mode`, empty the first time.
    pub(crate) fn slots(&self, snapshot: &Arc<[Instance]>, mode: EnumerationMode) -> Slots {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let same = |e: &Entry| e.mode == mode && std::ptr::addr_eq(e.snapshot.as_ptr(), Arc::as_ptr(snapshot));
        if let Some(e) = entries.iter().find(|e| same(e)) {
            return e.slots.clone();
        }
        entries.retain(|e| e.snapshot.strong_count() > 0);
        if entries.len() >= MAX_ENTRIES {
            entries.remove(0);
        }
        let slots: Slots = (0..snapshot.len()).map(|_| OnceLock::new()).collect();
        entries.push(Entry { snapshot: Arc::downgrade(snapshot), mode, slots: slots.clone() });
        slots
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(n: usize) -> Arc<[Instance]> {
        (0..n).map(|i| Instance::new("urn:class/C", "C").with_key("Id", i.to_string())).collect()
    }

    #[test]
    fn one_entry_per_snapshot_and_mode() {
        let cache = ItemCache::default();
        let a = snapshot(3);
        let slots = cache.slots(&a, EnumerationMode::Object);
        assert_eq!(slots.len(), 3);
        slots[1].get_or_init(|| Arc::new(Rendered::new(Element::ns("urn:class/C", "C"))));
        assert!(cache.slots(&a, EnumerationMode::Object)[1].get().is_some(), "the same snapshot finds its items");
        assert!(cache.slots(&a, EnumerationMode::Epr)[1].get().is_none(), "another mode renders its own");
        // An equal but different snapshot (a provider's rebuild after a change) starts empty.
        let b = snapshot(3);
        assert!(cache.slots(&b, EnumerationMode::Object)[1].get().is_none());
    }

    #[test]
    fn entries_of_dropped_snapshots_go_and_the_cache_is_bounded() {
        let cache = ItemCache::default();
        let kept = snapshot(1);
        cache.slots(&kept, EnumerationMode::Object);
        for _ in 0..3 * MAX_ENTRIES {
            cache.slots(&snapshot(1), EnumerationMode::Object);
        }
        let entries = cache.entries.lock().unwrap();
        assert!(entries.len() <= 2, "dropped snapshots are pruned: {}", entries.len());
        assert!(entries.iter().any(|e| std::ptr::addr_eq(e.snapshot.as_ptr(), Arc::as_ptr(&kept))));
        drop(entries);
        let live: Vec<_> = (0..2 * MAX_ENTRIES).map(|_| snapshot(1)).collect();
        live.iter().for_each(|s| drop(cache.slots(s, EnumerationMode::Object)));
        assert_eq!(cache.entries.lock().unwrap().len(), MAX_ENTRIES);
    }
}
