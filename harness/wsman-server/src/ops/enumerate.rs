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
//! Items are rendered when the enumeration starts (a snapshot), so later
//! Pulls see a consistent sequence.

use wsman_proto::envelope::Envelope;
use wsman_proto::fault::{Fault, FaultDetail, FaultKind};
use wsman_proto::wql::Query;
use wsman_proto::xml::{self, Element};
use wsman_proto::{ns, Action, Instance, SelectorSet, XsDuration};

use super::{epr, Ctx, Reply, Target};
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
        _ => Err(Fault::new(FaultKind::InvalidParameter, format!("MaxElements must be a positive integer, not {:?}", t.trim())).with_detail(FaultDetail::InvalidValue)),
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
                let kind = if exp.contains('-') && exp.contains('T') { FaultKind::UnsupportedExpirationType } else { FaultKind::EnumerationInvalidExpirationTime };
                return Err(Fault::new(kind, format!("wsen:Expires {exp:?} is not supported; use an xs:duration")).with_detail(FaultDetail::ExpirationTime));
            }
        }
        let max_elements = parse_max_elements(body.child(ns::WSMAN, "MaxElements"), state.max_batch_items())?.unwrap_or(1);
        let mode = match body.child_text(ns::WSMAN, "EnumerationMode").as_deref() {
            None => Mode::Object,
            Some("EnumerateEPR") => Mode::Epr,
            Some("EnumerateObjectAndEPR") => Mode::ObjectAndEpr,
            Some(other) => return Err(Fault::new(FaultKind::UnsupportedFeature, format!("EnumerationMode {other} is not supported")).with_detail(FaultDetail::EnumerationMode)),
        };
        let filter_el = body.child(ns::WSMAN, "Filter").or_else(|| body.child(ns::WSEN, "Filter"));
        let filter = match filter_el {
            None => Filter::None,
            Some(f) => match f.attr(None, "Dialect").unwrap_or(ns::dialect::XPATH) {
                ns::dialect::WQL => Filter::Wql(Query::parse(f.text().trim()).map_err(|e| e.to_fault())?),
                ns::dialect::SELECTOR => {
                    let set = f.child(ns::WSMAN, "SelectorSet").ok_or_else(|| Fault::new(FaultKind::CannotProcessFilter, "a SelectorFilter needs a wsman:SelectorSet"))?;
                    Filter::Selector(SelectorSet::from_element(set).map_err(|why| Fault::new(FaultKind::CannotProcessFilter, why))?)
                }
                other => return Err(Fault::new(FaultKind::FilterDialectRequestedUnavailable, format!("the filter dialect {other} is not supported"))),
            },
        };
        if target.uri.ends_with("/*") && !matches!(filter, Filter::Wql(_)) {
            return Err(Fault::new(FaultKind::CannotProcessFilter, format!("enumerating {} needs a WQL filter", target.uri)).with_detail(FaultDetail::FilteringRequired));
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
        let (uri, provider) = match &self.filter {
            Filter::Wql(q) => {
                let class = q.class_name();
                if let Some(ns_uri) = self.target.uri.strip_suffix("/*") {
                    let (u, p) = state.registry.class_in(ns_uri, class).ok_or_else(|| {
                        Fault::new(FaultKind::EnumerationCannotProcessFilter, format!("the class {class} does not exist in {ns_uri}"))
                    })?;
                    (u.to_owned(), p.clone())
                } else {
                    let own = self.target.uri.rsplit('/').next().unwrap_or("");
                    if !own.eq_ignore_ascii_case(class) {
                        return Err(Fault::new(FaultKind::EnumerationCannotProcessFilter, format!("the query selects from {class}, but the resource is {own}")));
                    }
                    (self.target.uri.clone(), self.target.provider.clone())
                }
            }
            _ => (self.target.uri.clone(), self.target.provider.clone()),
        };
        let mut instances = provider.enumerate(&ctx.call(), &uri)?;
        match &self.filter {
            Filter::None => {}
            Filter::Wql(q) => {
                // A property the class does not have is an invalid query, as WMI answers it.
                if let Some(first) = instances.first() {
                    let named = q.referenced_properties().into_iter().chain(q.properties().unwrap_or(&[]).iter().map(String::as_str));
                    if let Some(p) = named.into_iter().find(|p| first.get(p).is_none()) {
                        return Err(Fault::new(FaultKind::EnumerationCannotProcessFilter, format!("the class {} has no property {p}", q.class_name())));
                    }
                }
                instances.retain(|i| q.matches(i));
            }
            Filter::Selector(s) => {
                let keys = provider.keys(&uri);
                if let Some(bad) = s.selectors.iter().find(|sel| !keys.iter().any(|k| k.eq_ignore_ascii_case(&sel.name))) {
                    return Err(Fault::new(FaultKind::CannotProcessFilter, format!("a SelectorFilter may name only keys; {} is not a key of {uri}", bad.name)));
                }
                instances.retain(|i| wsman_proto::wql::selector_filter_matches(s, i));
            }
        }
        let query = match &self.filter {
            Filter::Wql(q) => Some(q),
            _ => None,
        };
        let items: Vec<Element> = instances.iter().map(|i| render_item(i, self.mode, query)).collect();
        let total = items.len();
        let id = format!("uuid:{}", uuid::Uuid::new_v4().to_string().to_uppercase());
        let mut body = Element::ns(ns::WSEN, "EnumerateResponse");
        if state.defects.has(Defect::SchemaInvalidResponse) {
            body.ns = Some(ns::WXF.to_owned());
        }
        {
            let mut store = state.enumerations.lock().unwrap_or_else(|p| p.into_inner());
            store.open(id.clone(), ctx.user, items, ctx.now)?;
            if !state.defects.has(Defect::DropEnumerationContext) {
                body.push(Element::ns(ns::WSEN, "EnumerationContext").with_text(id.clone()));
            }
            if self.optimize {
                let batch = take_batch(ctx, &mut store, &id, self.max_elements)?;
                let mut items_el = Element::ns(ns::WSMAN, "Items");
                items_el.children.extend(batch.items.into_iter().map(xml::Node::Element));
                body.push(items_el);
                if batch.end_of_sequence && !state.defects.has(Defect::NoEndOfSequence) {
                    body.push(Element::ns(ns::WSMAN, "EndOfSequence"));
                }
            }
        }
        let mut reply = Reply::new(&Action::Enumerate, vec![body]);
        if self.total_estimate {
            reply.headers.push(Element::ns(ns::WSMAN, "TotalItemsCountEstimate").with_text(total.to_string()));
        }
        Ok(reply)
    }
}

/// Takes the next batch: at most `max` items (unless ignore-max-elements),
/// and no more than fit in the response's MaxEnvelopeSize.
pub(crate) fn take_batch(
    ctx: &Ctx<'_>,
    store: &mut wsman_proto::state::enumeration::EnumerationStore,
    id: &str,
    max: usize,
) -> Result<wsman_proto::state::enumeration::Batch, Fault> {
    let d = &ctx.state.defects;
    let max = if d.has(Defect::IgnoreMaxElements) { usize::MAX } else { max };
    let ignore_size = d.has(Defect::IgnoreMaxEnvelopeSize);
    let budget = ctx.max_envelope.saturating_sub(BATCH_OVERHEAD);
    let mut used = 0usize;
    let mut first_too_big = false;
    let batch = store.pull(id, ctx.user, max, ctx.now, |so_far, next| {
        if ignore_size {
            return true;
        }
        let n = xml::fragment_to_string(next).len();
        if used + n > budget {
            first_too_big = so_far.is_empty();
            return false;
        }
        used += n;
        true
    })?;
    if first_too_big && batch.items.is_empty() {
        return Err(Fault::new(FaultKind::EncodingLimit, format!("the next item does not fit in the MaxEnvelopeSize of {} octets", ctx.max_envelope))
            .with_detail(FaultDetail::MaxEnvelopeSize));
    }
    Ok(batch)
}

/// One item as the enumeration mode and query ask.
fn render_item(instance: &Instance, mode: Mode, query: Option<&Query>) -> Element {
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
