//! `--mix OP=W,...`: weighted operations, and the deterministic order a
//! virtual user draws them in.

use std::sync::Arc;

use crate::op::Operation;

/// One `NAME=WEIGHT` of a mix text, before the names are resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MixEntry {
    /// The operation's name (a built-in or a corpus case id).
    pub name: String,
    /// Its weight, at least 1.
    pub weight: u32,
}

/// A mix text that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MixError {
    /// An item is not `NAME=WEIGHT` with a whole weight of at least 1.
    #[error("--mix expects OP=WEIGHT,... with whole weights of at least 1, not {0:?}")]
    Syntax(String),
    /// The same name twice.
    #[error("--mix names {0:?} twice")]
    Duplicate(String),
    /// No item at all.
    #[error("--mix is empty")]
    Empty,
}

/// Reads `identify=3,get-service=1` (a bare `NAME` weighs 1).
///
/// # Errors
/// [`MixError`] for a bad item, a repeated name or an empty list.
pub fn parse_mix(text: &str) -> Result<Vec<MixEntry>, MixError> {
    let mut out: Vec<MixEntry> = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (name, weight) = match item.split_once('=') {
            Some((n, w)) => (n.trim(), w.trim().parse::<u32>().map_err(|_| MixError::Syntax(item.to_owned()))?),
            None => (item, 1),
        };
        if name.is_empty() || weight == 0 {
            return Err(MixError::Syntax(item.to_owned()));
        }
        if out.iter().any(|e| e.name == name) {
            return Err(MixError::Duplicate(name.to_owned()));
        }
        out.push(MixEntry { name: name.to_owned(), weight });
    }
    if out.is_empty() {
        return Err(MixError::Empty);
    }
    Ok(out)
}

/// The resolved mix: operations and their weights.
#[derive(Debug, Clone)]
pub struct Mix {
    pub(crate) ops: Vec<(Arc<dyn Operation>, u32)>,
}

impl Mix {
    /// A mix of these operations and weights (weights of 0 count as 1).
    ///
    /// # Panics
    /// When `ops` is empty (an internal invariant: [`parse_mix`] refuses it).
    pub fn new(ops: Vec<(Arc<dyn Operation>, u32)>) -> Mix {
        assert!(!ops.is_empty(), "a mix has at least one operation");
        Mix { ops: ops.into_iter().map(|(o, w)| (o, w.max(1))).collect() }
    }

    /// The operations, in mix order.
    pub fn operations(&self) -> impl Iterator<Item = (&Arc<dyn Operation>, u32)> {
        self.ops.iter().map(|(o, w)| (o, *w))
    }
}

/// Smooth weighted round robin: over any window of `sum(weights)` draws,
/// each operation comes exactly `weight` times, spread out (A=3,B=1 gives
/// A A B A, not A A A B). Deterministic, so two runs send the same mix.
#[derive(Debug, Clone)]
pub(crate) struct Picker {
    weights: Vec<i64>,
    current: Vec<i64>,
    total: i64,
}

impl Picker {
    pub(crate) fn new(weights: impl IntoIterator<Item = u32>, offset: usize) -> Picker {
        let weights: Vec<i64> = weights.into_iter().map(i64::from).collect();
        let total = weights.iter().sum();
        let mut p = Picker { current: vec![0; weights.len()], weights, total };
        // Users start at different points of the cycle.
        for _ in 0..offset % usize::try_from(total.max(1)).unwrap_or(1) {
            p.next();
        }
        p
    }

    pub(crate) fn next(&mut self) -> usize {
        let mut best = 0;
        for i in 0..self.weights.len() {
            self.current[i] += self.weights[i];
            if self.current[i] > self.current[best] {
                best = i;
            }
        }
        self.current[best] -= self.total;
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_text() {
        let m = parse_mix("identify=3, get-service").unwrap();
        assert_eq!(m, vec![MixEntry { name: "identify".into(), weight: 3 }, MixEntry { name: "get-service".into(), weight: 1 }]);
        assert_eq!(parse_mix("a=1,a=2"), Err(MixError::Duplicate("a".into())));
        assert_eq!(parse_mix(" , "), Err(MixError::Empty));
        for bad in ["a=0", "a=x", "=3", "a=-1"] {
            assert!(matches!(parse_mix(bad), Err(MixError::Syntax(_))), "{bad}");
        }
    }

    #[test]
    fn the_picker_keeps_the_weights_in_every_cycle() {
        let mut p = Picker::new([3, 1, 2], 0);
        for _ in 0..5 {
            let mut seen = [0; 3];
            for _ in 0..6 {
                seen[p.next()] += 1;
            }
            assert_eq!(seen, [3, 1, 2]);
        }
        let mut q = Picker::new([3, 1], 0);
        let order: Vec<usize> = (0..4).map(|_| q.next()).collect();
        assert_eq!(order, vec![0, 0, 1, 0]);
    }
}
