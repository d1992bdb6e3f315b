//! WS-Enumeration Enumerate with the WS-Management extensions (DSP0226 §8.2,
//! MS-WSMV §3.1.4.8).
//!
//! ```text
//! <wsen:Enumerate>
//!   [<wsman:OptimizeEnumeration/>] [<wsman:MaxElements>n</wsman:MaxElements>]
//!   [<wsman:EnumerationMode>EnumerateEPR|EnumerateObjectAndEPR</wsman:EnumerationMode>]
//!   [<wsman:Filter Dialect="WQL|SelectorFilter">...</wsman:Filter>]
//!   [<wsman:RequestTotalItemsCountEstimate/>] [<wsen:Expires>duration</wsen:Expires>]
//! </wsen:Enumerate>
//!   -> <wsen:EnumerateResponse><wsen:EnumerationContext/>
//!        [<wsman:Items>...</wsman:Items>] [<wsman:EndOfSequence/>]
//! ```
//!
//! An enumeration that ends in its first response (optimized, everything in
//! one batch) answers as Windows does, with an empty context and no context
//! kept, so it needs no quota:
//!
//! ```text
//!   <n:EnumerateResponse><n:EnumerationContext></n:EnumerationContext>
//!     <w:Items>...</w:Items><w:EndOfSequence/></n:EnumerateResponse>
//! ```
//!
//! The filtered sequence is fixed when the enumeration starts (the
//! provider's shared snapshot plus the positions that match), so later Pulls
//! see a consistent sequence; each item is rendered only when a batch takes it.

use std::collections::VecDeque;
use std::num::NonZeroU64;
use std::sync::Arc;

use wsman_proto::envelope::Envelope;
use wsman_proto::fault::{Fault, FaultDetail, FaultKind};
use wsman_proto::message::{self, EndpointReference, EnumerateResponse, EnumerationMode, Item};
use wsman_proto::wql::Query;
use wsman_proto::xml::{Element, EncodedElement};
use wsman_proto::{ns, Instance, SelectorSet};

use super::rendered::{Rendered, Slots};
use super::{Ctx, Reply, Target};
use crate::defects::Defect;
use crate::State;

enum Filter {
    None,
    Wql(Query),
    Selector(SelectorSet),
}

pub(crate) struct Enumerate {
    target: Target,
    optimize: bool,
    max_elements: usize,
    mode: EnumerationMode,
    filter: Filter,
    total_estimate: bool,
    /// The request's `wsman:SelectorSet` header (a DMTF `__cimnamespace`),
    /// passed to the provider unchecked.
    selectors: SelectorSet,
}

/// Envelope overhead budgeted around the items of a batch.
pub(crate) const BATCH_OVERHEAD: usize = 2048;

/// The batch size a MaxElements asks for: 1 when absent (DSP0226 §8.2.3);
/// the caller caps it at MaxBatchItems.
pub(crate) fn batch_size(max_elements: Option<NonZeroU64>) -> usize {
    max_elements.map_or(1, |n| usize::try_from(n.get()).unwrap_or(usize::MAX))
}

impl Enumerate {
    pub(crate) fn parse(env: &Envelope, target: Target, state: &State) -> Result<Enumerate, Fault> {
        let msg = message::Enumerate::decode_supported(&env.body)?;
        let filter = match msg.filter {
            None => Filter::None,
            Some(message::Filter::Wql(text)) => Filter::Wql(Query::parse(&text).map_err(|e| e.to_fault())?),
            Some(message::Filter::Selector(set)) => Filter::Selector(set),
            // decode_supported refuses every other dialect.
            Some(other @ message::Filter::Other { .. }) => return Err(message::MessageError::UnsupportedFilterDialect(other.dialect().to_owned()).into()),
        };
        if target.uri.ends_with("/*") && !matches!(filter, Filter::Wql(_)) {
            return Err(Fault::new(FaultKind::CannotProcessFilter, format!("enumerating {} needs a WQL filter", target.uri))
                .with_detail(FaultDetail::FilteringRequired));
        }
        Ok(Enumerate {
            target,
            optimize: msg.optimize,
            max_elements: batch_size(msg.max_elements).min(state.max_batch_items()),
            mode: msg.mode,
            filter,
            total_estimate: msg.request_total_items_count_estimate,
            selectors: env.header.selectors.clone().unwrap_or_default(),
        })
    }

    pub(crate) fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, Fault> {
        let state = ctx.state;
        let d = &state.defects;
        // A plain Enumerate always keeps a context: refuse it before building anything.
        if !self.optimize {
            state.enumerations.lock().unwrap_or_else(|p| p.into_inner()).check_quota(ctx.user, ctx.now)?;
        }
        let (uri, provider) = match &self.filter {
            Filter::Wql(q) => {
                let class = q.class_name();
                if let Some(ns_uri) = self.target.uri.strip_suffix("/*") {
                    let (u, p) = state
                        .registry
                        .class_in(ns_uri, class)
                        .ok_or_else(|| Fault::new(FaultKind::EnumerationCannotProcessFilter, format!("the class {class} does not exist in {ns_uri}")))?;
                    (u.to_owned(), p.clone())
                } else {
                    let own = self.target.uri.rsplit('/').next().unwrap_or("");
                    if !own.eq_ignore_ascii_case(class) {
                        return Err(Fault::new(
                            FaultKind::EnumerationCannotProcessFilter,
                            format!("the query selects from {class}, but the resource is {own}"),
                        ));
                    }
                    (self.target.uri.clone(), self.target.provider.clone())
                }
            }
            _ => (self.target.uri.clone(), self.target.provider.clone()),
        };
        let instances = provider.enumerate_with_selectors(&ctx.call(), &uri, &self.selectors)?;
        let matching: VecDeque<u32> = match &self.filter {
            Filter::None => (0..instances.len()).filter_map(|i| u32::try_from(i).ok()).collect(),
            Filter::Wql(q) => {
                // A property the class does not have is an invalid query, as WMI answers it.
                if let Some(first) = instances.first() {
                    let named = q.referenced_properties().into_iter().chain(q.properties().unwrap_or(&[]).iter().map(String::as_str));
                    if let Some(p) = named.into_iter().find(|p| first.get(p).is_none()) {
                        return Err(Fault::new(FaultKind::EnumerationCannotProcessFilter, format!("the class {} has no property {p}", q.class_name())));
                    }
                }
                indices_where(&instances, |i| q.matches(i))
            }
            Filter::Selector(s) => {
                let keys = provider.keys(&uri);
                if let Some(bad) = s.selectors.iter().find(|sel| !keys.iter().any(|k| k.eq_ignore_ascii_case(&sel.name))) {
                    return Err(Fault::new(FaultKind::CannotProcessFilter, format!("a SelectorFilter may name only keys; {} is not a key of {uri}", bad.name)));
                }
                indices_where(&instances, |i| wsman_proto::wql::selector_filter_matches(s, i))
            }
        };
        let total = matching.len();
        let query = match self.filter {
            Filter::Wql(q) => Some(q),
            _ => None,
        };
        // WQL items carry only the selected properties: rendered per request.
        let slots = query.is_none().then(|| state.items.slots(&instances, self.mode));
        let sequence = Arc::new(Sequence { instances, mode: self.mode, query, slots });
        let mut pending: VecDeque<Pending> = matching.into_iter().map(|index| Pending { sequence: sequence.clone(), index }).collect();

        let fresh_id = || format!("uuid:{}", uuid::Uuid::new_v4().to_string().to_uppercase());
        let mut response = EnumerateResponse::default();
        let mut encoded = Vec::new();
        let context = if self.optimize {
            // More items than one batch may take: a context will be kept, so
            // the quota decides before any item is rendered.
            if pending.len() > batch_limit(d, self.max_elements) {
                state.enumerations.lock().unwrap_or_else(|p| p.into_inner()).check_quota(ctx.user, ctx.now)?;
            }
            let batch = take_batch(ctx, &mut pending, self.max_elements)?;
            let ended = pending.is_empty();
            // Windows: an enumeration that ends in its first response keeps no
            // context and says so with an empty EnumerationContext (the
            // no-end-of-sequence defect keeps it open for ever).
            let context = if !ended || d.has(Defect::NoEndOfSequence) {
                let id = fresh_id();
                state.enumerations.lock().unwrap_or_else(|p| p.into_inner()).open(id.clone(), ctx.user, pending, total, ctx.now)?;
                id
            } else if d.has(Defect::EndOfSequenceWithContext) {
                // The defect: a context is named, but none was kept.
                fresh_id()
            } else {
                String::new()
            };
            // An optimized enumeration with no result has no Items, as on Windows.
            response.items = (!batch.items.is_empty()).then_some(batch.items);
            encoded = batch.encoded;
            response.end_of_sequence = ended && !d.has(Defect::NoEndOfSequence);
            context
        } else {
            let id = fresh_id();
            state.enumerations.lock().unwrap_or_else(|p| p.into_inner()).open(id.clone(), ctx.user, pending, total, ctx.now)?;
            id
        };
        response.context = (!d.has(Defect::DropEnumerationContext)).then_some(context);
        let mut reply = Reply::of(response);
        reply.encoded = encoded;
        if d.has(Defect::SchemaInvalidResponse) {
            if let Some(body) = reply.body.first_mut() {
                body.ns = Some(ns::WXF.into());
            }
        }
        if self.total_estimate {
            reply.headers.push(Element::ns(ns::WSMAN, "TotalItemsCountEstimate").with_text(total.to_string()));
        }
        Ok(reply)
    }
}

/// The positions of the instances `keep` accepts.
fn indices_where(instances: &[Instance], keep: impl Fn(&Instance) -> bool) -> VecDeque<u32> {
    instances.iter().enumerate().filter(|(_, i)| keep(i)).filter_map(|(n, _)| u32::try_from(n).ok()).collect()
}

/// What an enumeration returns: the provider's snapshot of instances (shared,
/// immutable: later Pulls see the sequence as it was when it started), and
/// how each item is rendered.
pub(crate) struct Sequence {
    instances: Arc<[Instance]>,
    mode: EnumerationMode,
    query: Option<Query>,
    /// The snapshot's items rendered once for every enumeration of it
    /// ([`rendered`](super::rendered)); `None` for a WQL query.
    slots: Option<Slots>,
}

/// One item not yet sent: a position in its sequence. Items are rendered
/// only when a batch takes them.
pub(crate) struct Pending {
    sequence: Arc<Sequence>,
    index: u32,
}

impl Pending {
    fn render(&self) -> Option<Arc<Rendered>> {
        let s = &*self.sequence;
        let index = usize::try_from(self.index).ok()?;
        let instance = s.instances.get(index)?;
        let fresh = || Arc::new(Rendered::new(render_item(instance, s.mode, s.query.as_ref())));
        Some(match s.slots.as_ref().and_then(|slots| slots.get(index)) {
            Some(slot) => slot.get_or_init(fresh).clone(),
            None => fresh(),
        })
    }
}

/// The items a batch took: placeholders in order, and what they stand for
/// (written by [`Envelope::into_bytes_with`](wsman_proto::Envelope::into_bytes_with)).
pub(crate) struct Batch {
    pub(crate) items: Vec<Element>,
    pub(crate) encoded: Vec<Arc<EncodedElement>>,
}

/// The most items one batch may take (every item under ignore-max-elements).
fn batch_limit(d: &crate::DefectSet, max: usize) -> usize {
    if d.has(Defect::IgnoreMaxElements) {
        usize::MAX
    } else {
        max
    }
}

/// Takes the next batch from the front of `pending`, rendering each item
/// once (per snapshot, [`rendered`](super::rendered)): at most `max` items (unless ignore-max-elements), and no more than
/// fit in the response's MaxEnvelopeSize by [`size::encoded_len_bound`] (an
/// upper bound, so the envelope is serialized only once, at the end). When
/// the first item alone does not fit, nothing is taken and the answer is
/// `wsman:EncodingLimit`.
pub(crate) fn take_batch(ctx: &Ctx<'_>, pending: &mut VecDeque<Pending>, max: usize) -> Result<Batch, Fault> {
    let d = &ctx.state.defects;
    let max = batch_limit(d, max);
    let ignore_size = d.has(Defect::IgnoreMaxEnvelopeSize);
    let budget = ctx.max_envelope.saturating_sub(BATCH_OVERHEAD);
    let mut used = 0usize;
    let mut items = Vec::new();
    let mut encoded = Vec::new();
    while items.len() < max {
        let Some(next) = pending.front() else { break };
        let Some(item) = next.render() else {
            // Cannot happen (indices come from the same snapshot); skip rather than loop.
            pending.pop_front();
            continue;
        };
        if !ignore_size {
            let n = item.bound;
            if used + n > budget {
                if items.is_empty() {
                    return Err(Fault::new(
                        FaultKind::EncodingLimit,
                        format!("the next item does not fit in the MaxEnvelopeSize of {} octets", ctx.max_envelope),
                    )
                    .with_detail(FaultDetail::MaxEnvelopeSize));
                }
                break;
            }
            used += n;
        }
        pending.pop_front();
        items.push(EncodedElement::placeholder(encoded.len()));
        encoded.push(item.encoded.clone());
    }
    Ok(Batch { items, encoded })
}

/// One item as the enumeration mode and query ask.
pub(crate) fn render_item(instance: &Instance, mode: EnumerationMode, query: Option<&Query>) -> Element {
    let object = || match query {
        // WQL results come back as w:XmlFragment, as Windows sends them.
        Some(q) => {
            let mut frag = Element::ns(ns::WSMAN, "XmlFragment");
            frag.children.extend(instance.to_element_with(|p| q.selects(p)).children);
            frag
        }
        None => instance.to_element(),
    };
    let epr = || EndpointReference::of_instance(ns::WSA_ANONYMOUS, instance);
    match mode {
        EnumerationMode::Object => Item::Object(object()),
        EnumerationMode::Epr => Item::Epr(epr()),
        EnumerationMode::ObjectAndEpr => Item::ObjectAndEpr { object: object(), epr: epr() },
    }
    .into_element()
}
