//! Shrinking a find outside proptest: a sans-IO [`Shrinker`] that proposes
//! smaller candidates and is told whether each still fails.
//!
//! proptest shrinks a generated value only inside `TestRunner::run`, whose
//! test closure is synchronous; a fuzz run sends its requests
//! asynchronously. The shrinker has the same effect step by step, the caller
//! sending each candidate and reporting back:
//!
//! ```text
//!   1. drop one mutation            (towards a minimal mutation set)
//!   2. lower each choice: 0, then bisect between the highest choice known
//!      to pass and the lowest known to fail   (shorter text, earlier cuts)
//!   3. drop one element of the seed envelope, other than Envelope, Header
//!      and Body                     (towards a minimal envelope)
//! ```
//!
//! A candidate that still fails replaces the best so far; the stages run
//! until nothing smaller fails or [`MAX_STEPS`] candidates were tried.

use wsman_proto::ns;
use wsman_proto::xml::{self, Element, Node};

use super::operator::{build, Mutation, SEED_LIMITS};
use super::{CaseRequest, MutatedRequest};

/// Most candidates one shrink proposes.
pub const MAX_STEPS: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    DropMutation(usize),
    /// `passes`: the highest choice below the current one known to pass (`None`: 0 not tried yet).
    LowerChoice {
        index: usize,
        passes: Option<u32>,
    },
    DropElement(usize),
    Done,
}

/// Shrinks a failing (seed, mutations) pair; see the module docs.
///
/// ```text
/// let mut s = Shrinker::new(seed, mutations);
/// while let Some(candidate) = s.candidate() {
///     let fails = send_and_judge(&candidate).await;
///     s.report(fails);
/// }
/// let (seed, mutations) = s.best();
/// ```
#[derive(Debug, Clone)]
pub struct Shrinker {
    seed: CaseRequest,
    mutations: Vec<Mutation>,
    stage: Stage,
    pending: Option<(CaseRequest, Vec<Mutation>)>,
    steps: usize,
}

impl Shrinker {
    /// Starts from a failing seed and mutation list.
    pub fn new(seed: CaseRequest, mutations: Vec<Mutation>) -> Shrinker {
        Shrinker { seed, mutations, stage: Stage::DropMutation(0), pending: None, steps: 0 }
    }

    /// The smallest failing pair found so far.
    pub fn best(&self) -> (&CaseRequest, &[Mutation]) {
        (&self.seed, &self.mutations)
    }

    /// The request of the best pair.
    pub fn best_request(&self) -> MutatedRequest {
        build(&self.seed, &self.mutations)
    }

    /// Candidates proposed so far.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// The next candidate to try, `None` when shrinking is over. Each
    /// candidate must be answered with [`Shrinker::report`] before the next.
    pub fn candidate(&mut self) -> Option<MutatedRequest> {
        if self.steps >= MAX_STEPS {
            self.stage = Stage::Done;
        }
        loop {
            match self.stage {
                Stage::Done => return None,
                Stage::DropMutation(i) => {
                    // Keep at least one mutation: a seed without any is a corpus case, not a find.
                    if i >= self.mutations.len() || self.mutations.len() == 1 {
                        self.stage = Stage::LowerChoice { index: 0, passes: None };
                        continue;
                    }
                    let mut ms = self.mutations.clone();
                    ms.remove(i);
                    return Some(self.propose(self.seed.clone(), ms));
                }
                Stage::LowerChoice { index, passes } => {
                    let Some(m) = self.mutations.get(index).copied() else {
                        self.stage = Stage::DropElement(0);
                        continue;
                    };
                    // The midpoint between what passes and what fails (the current choice).
                    let lower = passes.map_or(0, |p| p + (m.choice - p) / 2);
                    if m.choice == 0 || passes.is_some_and(|p| m.choice - p <= 1) {
                        self.stage = Stage::LowerChoice { index: index + 1, passes: None };
                        continue;
                    }
                    let mut ms = self.mutations.clone();
                    ms[index].choice = lower;
                    return Some(self.propose(self.seed.clone(), ms));
                }
                Stage::DropElement(k) => match without_element(&self.seed, k) {
                    Some(seed) => return Some(self.propose(seed, self.mutations.clone())),
                    None => {
                        self.stage = Stage::Done;
                        continue;
                    }
                },
            }
        }
    }

    fn propose(&mut self, seed: CaseRequest, mutations: Vec<Mutation>) -> MutatedRequest {
        self.steps += 1;
        let request = build(&seed, &mutations);
        self.pending = Some((seed, mutations));
        request
    }

    /// Whether the last candidate still fails.
    pub fn report(&mut self, still_fails: bool) {
        let Some((seed, mutations)) = self.pending.take() else { return };
        let tried = match self.stage {
            Stage::LowerChoice { index, .. } => mutations.get(index).map_or(0, |m| m.choice),
            _ => 0,
        };
        if still_fails {
            self.seed = seed;
            self.mutations = mutations;
        }
        // An accepted candidate keeps the position (the list or tree shifted
        // under it, or the choice may shrink further); a rejected one moves on.
        self.stage = match (self.stage, still_fails) {
            (Stage::DropMutation(i), false) => Stage::DropMutation(i + 1),
            // The candidate's choice passed: it is the new lower bound. It failed: it
            // is the current choice now, and the bound below it stays.
            (Stage::LowerChoice { index, .. }, false) => Stage::LowerChoice { index, passes: Some(tried) },
            (Stage::LowerChoice { index, passes }, true) => Stage::LowerChoice { index, passes: Some(passes.unwrap_or(0)) },
            (Stage::DropElement(k), false) => Stage::DropElement(k + 1),
            (s, _) => s,
        };
    }
}

/// The seed without its `k`-th removable element (depth first), if it has one.
fn without_element(seed: &CaseRequest, k: usize) -> Option<CaseRequest> {
    let mut tree = xml::parse(&seed.body, &SEED_LIMITS).ok()?;
    let mut left = k;
    if !remove_nth(&mut tree, &mut left, true) {
        return None;
    }
    Some(CaseRequest { body: xml::to_bytes(&tree), ..seed.clone() })
}

/// Removes the `left`-th removable descendant of `el`; true when done.
fn remove_nth(el: &mut Element, left: &mut usize, top: bool) -> bool {
    for i in 0..el.children.len() {
        let Node::Element(child) = &mut el.children[i] else { continue };
        // The Envelope's own Header and Body stay: without them the request is another find.
        let structural = top && child.ns.as_deref() == Some(ns::SOAP) && (child.name == "Header" || child.name == "Body");
        if !structural {
            if *left == 0 {
                el.children.remove(i);
                return true;
            }
            *left -= 1;
        }
        if remove_nth(child, left, false) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz::operator::Operator;
    use wsman_proto::xml::Limits;

    fn seed() -> CaseRequest {
        let mut root = Element::ns(ns::SOAP, "Envelope");
        root.push(
            Element::ns(ns::SOAP, "Header")
                .with_child(Element::ns(ns::WSA, "Action").with_text("urn:a"))
                .with_child(Element::ns(ns::WSA, "MessageID").with_text("uuid:1"))
                .with_child(Element::ns(ns::WSMAN, "Locale").with_attr(Some(ns::XML), "lang", "en-US")),
        );
        root.push(Element::ns(ns::SOAP, "Body").with_child(Element::ns(ns::WXF, "Thing").with_child(Element::ns(ns::WXF, "Part").with_text("p"))));
        CaseRequest::new("t", xml::to_bytes(&root))
    }

    /// Drives the shrinker with a synchronous predicate.
    fn shrink(seed: CaseRequest, ms: Vec<Mutation>, fails: impl Fn(&MutatedRequest) -> bool) -> Shrinker {
        let mut s = Shrinker::new(seed, ms);
        assert!(fails(&s.best_request()), "the starting point fails");
        while let Some(c) = s.candidate() {
            let f = fails(&c);
            s.report(f);
        }
        s
    }

    #[test]
    fn shrinks_to_the_failing_mutation_a_small_choice_and_a_minimal_envelope() {
        // Fails when a text is over 100 KiB: only text-huge matters, and only its size.
        let from = crate::fuzz::operator::HUGE_TEXT_PAST_ENVELOPE_FROM;
        let ms =
            vec![Mutation::new(Operator::HeaderReorder, 5), Mutation::new(Operator::TextHuge, from + 500_000), Mutation::new(Operator::ContentTypeWrong, 3)];
        let longest_text = |r: &MutatedRequest| r.body.to_bytes().split(|b| *b == b'<' || *b == b'>').map(<[u8]>::len).max().unwrap_or(0);
        let s = shrink(seed(), ms, |r| longest_text(r) > 100 * 1024);
        let (seed, best) = s.best();
        assert_eq!(best.len(), 1);
        assert_eq!(best[0].operator, Operator::TextHuge);
        // The choice came down from 500 000 past the long texts' first to near the
        // smallest that still exceeds 100 KiB (36 864 past it, 64 KiB + 36 KiB).
        assert!(best[0].choice - from < 100_000, "{}", best[0].choice - from);
        assert!(s.best_request().body.len() > 100 * 1024);
        // Every removable element went: the envelope keeps Header and Body and one leaf for the text.
        let tree = xml::parse(&seed.body, &Limits::default()).unwrap();
        assert!(tree.child(ns::SOAP, "Header").is_some() && tree.child(ns::SOAP, "Body").is_some());
        assert!(tree.count_elements() <= 4, "{}", String::from_utf8_lossy(&seed.body));
        assert!(s.steps() <= MAX_STEPS);
    }

    #[test]
    fn keeps_what_the_failure_needs() {
        // Fails when no MessageID is sent and the Action is still there.
        let ms = vec![Mutation::new(Operator::MessageIdMissing, 9), Mutation::new(Operator::UnknownHeader, 4)];
        let s = shrink(seed(), ms, |r| r.facts.message_id.is_none() && r.facts.action.is_some());
        let (seed, best) = s.best();
        assert_eq!(best, &[Mutation::new(Operator::MessageIdMissing, 0)]);
        let tree = xml::parse(&seed.body, &Limits::default()).unwrap();
        let header = tree.child(ns::SOAP, "Header").unwrap();
        assert!(header.child(ns::WSA, "Action").is_some());
        assert!(header.child(ns::WSMAN, "Locale").is_none());
    }
}
