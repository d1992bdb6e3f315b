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
use std::sync::Arc;

use wsman_proto::envelope::Envelope;
use wsman_proto::fault::{Fault, FaultDetail, FaultKind};
use wsman_proto::wql::Query;
use wsman_proto::xml::{self, Element};
use wsman_proto::{ns, Action, Instance, SelectorSet, XsDuration};

use super::{epr, size, Ctx, Reply, Target};
use crate::defects::Defect;
use crate::State;

/// How items are returned (DSP0226 §8.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Object,
    Epr,
    ObjectAndEpr,
}

enum Filter {
    None,
    Wql(Query),
    Selector(SelectorSet),
}

pub(crate) struct Enumerate {
    target: Target,
    optimize: bool,
    max_elements: usize,
    mode: Mode,
    filter: Filter,
    total_estimate: bool,
}

/// Envelope overhead budgeted around the items of a batch.
pub(crate) const BATCH_OVERHEAD: usize = 2048;

pub(crate) fn parse_max_elements(el: Option<&Element>, ceiling: usize) -> Result<Option<usize>, Fault> {
    let Some(el) = el else { return Ok(None) };
    let t = el.text();
    match t.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(Some(n.min(ceiling))),
        _ => Err(Fault::new(FaultKind::InvalidParameter, format!("MaxElements must be a positive integer, not {:?}", t.trim()))
            .with_detail(FaultDetail::InvalidValue)),
    }
}

impl Enumerate {
    pub(crate) fn parse(env: &Envelope, target: Target, state: &State) -> Result<Enumerate, Fault> {
        let body = env
            .body
            .iter()
            .find(|e| e.is(ns::WSEN, "Enumerate"))
            .ok_or_else(|| Fault::new(FaultKind::SchemaValidationError, "the Body of an Enumerate must be wsen:Enumerate"))?;
        if let Some(exp) = body.child_text(ns::WSEN, "Expires") {
            if XsDuration::parse(&exp).is_none() {
                let kind =
                    if exp.contains('-') && exp.contains('T') { FaultKind::UnsupportedExpirationType } else { FaultKind::EnumerationInvalidExpirationTime };
                return Err(Fault::new(kind, format!("wsen:Expires {exp:?} is not supported; use an xs:duration")).with_detail(FaultDetail::ExpirationTime));
            }
        }
        let max_elements = parse_max_elements(body.child(ns::WSMAN, "MaxElements"), state.max_batch_items())?.unwrap_or(1);
        let mode = match body.child_text(ns::WSMAN, "EnumerationMode").as_deref() {
            None => Mode::Object,
            Some("EnumerateEPR") => Mode::Epr,
            Some("EnumerateObjectAndEPR") => Mode::ObjectAndEpr,
            Some(other) => {
                return Err(
                    Fault::new(FaultKind::UnsupportedFeature, format!("EnumerationMode {other} is not supported")).with_detail(FaultDetail::EnumerationMode)
                )
            }
        };
        let filter_el = body.child(ns::WSMAN, "Filter").or_else(|| body.child(ns::WSEN, "Filter"));
        let filter = match filter_el {
            None => Filter::None,
            Some(f) => match f.attr(None, "Dialect").unwrap_or(ns::dialect::XPATH) {
                ns::dialect::WQL => Filter::Wql(Query::parse(f.text().trim()).map_err(|e| e.to_fault())?),
                ns::dialect::SELECTOR => {
                    let set = f
                        .child(ns::WSMAN, "SelectorSet")
                        .ok_or_else(|| Fault::new(FaultKind::CannotProcessFilter, "a SelectorFilter needs a wsman:SelectorSet"))?;
                    Filter::Selector(SelectorSet::from_element(set).map_err(|why| Fault::new(FaultKind::CannotProcessFilter, why))?)
                }
                other => return Err(Fault::new(FaultKind::FilterDialectRequestedUnavailable, format!("the filter dialect {other} is not supported"))),
            },
        };
        if target.uri.ends_with("/*") && !matches!(filter, Filter::Wql(_)) {
            return Err(Fault::new(FaultKind::CannotProcessFilter, format!("enumerating {} needs a WQL filter", target.uri))
                .with_detail(FaultDetail::FilteringRequired));
        }
        Ok(Enumerate {
            target,
            optimize: body.child(ns::WSMAN, "OptimizeEnumeration").is_some(),
            max_elements,
            mode,
            filter,
            total_estimate: body.child(ns::WSMAN, "RequestTotalItemsCountEstimate").is_some(),
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
        let instances = provider.enumerate_shared(&ctx.call(), &uri)?;
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
        let sequence = Arc::new(Sequence { instances, mode: self.mode, query });
        let mut pending: VecDeque<Pending> = matching.into_iter().map(|index| Pending { sequence: sequence.clone(), index }).collect();

        let mut body = Element::ns(ns::WSEN, "EnumerateResponse");
        if d.has(Defect::SchemaInvalidResponse) {
            body.ns = Some(ns::WXF.to_owned());
        }
        let fresh_id = || format!("uuid:{}", uuid::Uuid::new_v4().to_string().to_uppercase());
        let context_text;
        let mut tail = Vec::new();
        if self.optimize {
            // More items than one batch may take: a context will be kept, so
            // the quota decides before any item is rendered.
            if pending.len() > batch_limit(d, self.max_elements) {
                state.enumerations.lock().unwrap_or_else(|p| p.into_inner()).check_quota(ctx.user, ctx.now)?;
            }
            let items = take_batch(ctx, &mut pending, self.max_elements)?;
            let ended = pending.is_empty();
            // Windows: an enumeration that ends in its first response keeps no
            // context and says so with an empty EnumerationContext (the
            // no-end-of-sequence defect keeps it open for ever).
            context_text = if !ended || d.has(Defect::NoEndOfSequence) {
                let id = fresh_id();
                state.enumerations.lock().unwrap_or_else(|p| p.into_inner()).open(id.clone(), ctx.user, pending, total, ctx.now)?;
                id
            } else if d.has(Defect::EndOfSequenceWithContext) {
                // The defect: a context is named, but none was kept.
                fresh_id()
            } else {
                String::new()
            };
            if !items.is_empty() {
                let mut items_el = Element::ns(ns::WSMAN, "Items");
                items_el.children.extend(items.into_iter().map(xml::Node::Element));
                tail.push(items_el);
            }
            if ended && !d.has(Defect::NoEndOfSequence) {
                tail.push(Element::ns(ns::WSMAN, "EndOfSequence"));
            }
        } else {
            let id = fresh_id();
            state.enumerations.lock().unwrap_or_else(|p| p.into_inner()).open(id.clone(), ctx.user, pending, total, ctx.now)?;
            context_text = id;
        }
        if !d.has(Defect::DropEnumerationContext) {
            let mut el = Element::ns(ns::WSEN, "EnumerationContext");
            if !context_text.is_empty() {
                el = el.with_text(context_text);
            }
            body.push(el);
        }
        tail.into_iter().for_each(|e| body.push(e));
        let mut reply = Reply::new(&Action::Enumerate, vec![body]);
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
    mode: Mode,
    query: Option<Query>,
}

/// One item not yet sent: a position in its sequence. Items are rendered
/// only when a batch takes them.
pub(crate) struct Pending {
    sequence: Arc<Sequence>,
    index: u32,
}

impl Pending {
    fn render(&self) -> Option<Element> {
        let s = &*self.sequence;
        let instance = s.instances.get(usize::try_from(self.index).ok()?)?;
        Some(render_item(instance, s.mode, s.query.as_ref()))
    }
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
/// once: at most `max` items (unless ignore-max-elements), and no more than
/// fit in the response's MaxEnvelopeSize by [`size::encoded_len_bound`] (an
/// upper bound, so the envelope is serialized only once, at the end). When
/// the first item alone does not fit, nothing is taken and the answer is
/// `wsman:EncodingLimit`.
pub(crate) fn take_batch(ctx: &Ctx<'_>, pending: &mut VecDeque<Pending>, max: usize) -> Result<Vec<Element>, Fault> {
    let d = &ctx.state.defects;
    let max = batch_limit(d, max);
    let ignore_size = d.has(Defect::IgnoreMaxEnvelopeSize);
    let budget = ctx.max_envelope.saturating_sub(BATCH_OVERHEAD);
    let mut used = 0usize;
    let mut items = Vec::new();
    while items.len() < max {
        let Some(next) = pending.front() else { break };
        let Some(item) = next.render() else {
            // Cannot happen (indices come from the same snapshot); skip rather than loop.
            pending.pop_front();
            continue;
        };
        if !ignore_size {
            let n = size::encoded_len_bound(&item);
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
        items.push(item);
    }
    Ok(items)
}

/// One item as the enumeration mode and query ask.
pub(crate) fn render_item(instance: &Instance, mode: Mode, query: Option<&Query>) -> Element {
    let object = || match query {
        // WQL results come back as w:XmlFragment, as Windows sends them.
        Some(q) => {
            let mut frag = Element::ns(ns::WSMAN, "XmlFragment");
            frag.children.extend(instance.to_element_with(|p| q.selects(p)).children);
            frag
        }
        None => instance.to_element(),
    };
    let reference = || epr(Element::ns(ns::WSA, "EndpointReference"), ns::WSA_ANONYMOUS, instance);
    match mode {
        Mode::Object => object(),
        Mode::Epr => reference(),
        Mode::ObjectAndEpr => Element::ns(ns::WSMAN, "Item").with_child(object()).with_child(reference()),
    }
}
