//! Operations: one module each, one `Operation` enum, two matches
//! (`from_request` and `apply`). Adding an operation is one file and one arm
//! in each match.
//!
//! Requests are routed by (Action, ResourceURI): the WinRS cmd resource takes
//! Create, Delete, Command, Send, Receive and Signal ([`shell`]); the
//! eventing actions go to [`eventing`]; every other resource goes to the CIM
//! provider mounted at its URI. One Pull serves both kinds of context: an
//! enumeration's, and a Pull-mode subscription's ([`pull`]). `apply` is async:
//! an operation may wait (a Receive long-polls until output or its
//! deadline, [`Ctx::deadline`]) and stops when the server shuts down.

pub(crate) mod create;
pub(crate) mod delete;
pub(crate) mod enumerate;
pub(crate) mod eventing;
pub(crate) mod get;
pub(crate) mod identify;
pub(crate) mod invoke;
pub(crate) mod pull;
pub(crate) mod put;
pub(crate) mod release;
pub(crate) mod rendered;
pub(crate) mod shell;
mod size;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use wsman_proto::envelope::Envelope;
use wsman_proto::fault::{Fault, FaultDetail, FaultKind};
use wsman_proto::header::Header;
use wsman_proto::message::Message;
use wsman_proto::xml::Element;
use wsman_proto::{ns, Action, CallContext, Instance, ResourceProvider, SelectorSet};

use crate::defects::Defect;
use crate::State;

/// What an operation needs to run.
pub(crate) struct Ctx<'a> {
    pub(crate) state: &'a State,
    pub(crate) user: &'a str,
    /// The effective MaxEnvelopeSize of the response, in octets.
    pub(crate) max_envelope: usize,
    pub(crate) now: Instant,
    pub(crate) wall: SystemTime,
    /// When the request's OperationTimeout (capped by MaxTimeoutms) passes.
    pub(crate) deadline: Instant,
    /// The client's address (`rsp:ClientIP`).
    pub(crate) peer: Option<IpAddr>,
}

impl Ctx<'_> {
    pub(crate) fn call(&self) -> CallContext<'_> {
        CallContext { user: self.user, now: self.wall }
    }
}

/// A successful answer: its Action, body and extra headers.
pub(crate) struct Reply {
    pub(crate) action: String,
    pub(crate) body: Vec<Element>,
    pub(crate) headers: Vec<Element>,
    /// What the body's placeholders stand for (enumeration items encoded
    /// once, [`rendered`]); empty for every other answer.
    pub(crate) encoded: Vec<Arc<wsman_proto::xml::EncodedElement>>,
}

impl Reply {
    /// The answer to a request of `action` with this body (the response
    /// Action is `action`'s, plus `Response`).
    pub(crate) fn new(action: &Action, body: Vec<Element>) -> Reply {
        Reply { action: action.response_uri(), body, headers: Vec::new(), encoded: Vec::new() }
    }

    /// The answer carrying a response message, with the message's own Action.
    pub(crate) fn of<M: Message>(msg: M) -> Reply {
        let action = msg.action().map(|a| a.uri()).unwrap_or_default();
        Reply { action, body: msg.into_body(), headers: Vec::new(), encoded: Vec::new() }
    }
}

/// The resource a request addresses.
pub(crate) struct Target {
    pub(crate) uri: String,
    pub(crate) provider: Arc<dyn ResourceProvider>,
}

/// A parsed request.
pub(crate) enum Operation {
    Get(get::Get),
    Put(put::Put),
    Create(create::Create),
    Delete(delete::Delete),
    Enumerate(enumerate::Enumerate),
    Pull(pull::Pull),
    Release(release::Release),
    Invoke(invoke::Invoke),
    /// A WinRS request on the cmd shell resource.
    Shell(shell::ShellOp),
    /// Subscribe, Renew, GetStatus or Unsubscribe.
    Eventing(eventing::EventingOp),
    /// An answer with an empty body (defects that pretend to succeed).
    Empty(Action),
}

impl Operation {
    pub(crate) fn from_request(env: &Envelope, state: &State) -> Result<Operation, Fault> {
        let h = &env.header;
        let action = h.action.clone().ok_or_else(|| Fault::new(FaultKind::MessageInformationHeaderRequired, "wsa:Action is missing"))?;
        match &action {
            // Pull and Release address a context, not a resource: the
            // ResourceURI is checked only if present.
            Action::Pull => return pull::Pull::parse(env).map(Operation::Pull),
            Action::Release => return release::Release::parse(env).map(Operation::Release),
            Action::Get | Action::Put | Action::Create | Action::Delete | Action::Enumerate | Action::Other(_) => {}
            Action::Command | Action::Send | Action::Receive | Action::Signal => {}
            // Renew, GetStatus and Unsubscribe address a subscription (its
            // wse:Identifier), Subscribe an event source.
            Action::Subscribe | Action::SubscriptionRenew | Action::SubscriptionGetStatus | Action::Unsubscribe => {
                return match eventing::EventingOp::parse(&action, env)? {
                    Some(op) => Ok(Operation::Eventing(op)),
                    None => unknown_action(&action, state),
                };
            }
            _ => return unknown_action(&action, state),
        }
        if h.resource_uri.as_deref() == Some(ns::SHELL_CMD_RESOURCE) {
            return match shell::ShellOp::parse(&action, env)? {
                Some(op) => Ok(Operation::Shell(op)),
                None => unknown_action(&action, state),
            };
        }
        let target = match resolve(state, h) {
            Ok(t) => t,
            Err(f) if state.defects.has(Defect::UnknownResourceEmpty) && f.kind == FaultKind::DestinationUnreachable => return Ok(Operation::Empty(action)),
            Err(f) => return Err(f),
        };
        Ok(match &action {
            Action::Get => Operation::Get(get::Get::parse(env, target, state)?),
            Action::Put => Operation::Put(put::Put::parse(env, target, state)?),
            Action::Create => Operation::Create(create::Create::parse(env, target)?),
            Action::Delete => Operation::Delete(delete::Delete::parse(env, target, state)?),
            Action::Enumerate => Operation::Enumerate(enumerate::Enumerate::parse(env, target, state)?),
            Action::Other(_) => match action.custom_method(&target.uri) {
                Some(m) => Operation::Invoke(invoke::Invoke::parse(env, target, m.to_owned(), state)?),
                None => return unknown_action(&action, state),
            },
            _ => return unknown_action(&action, state),
        })
    }

    /// Simulated time the operation takes before it can answer.
    pub(crate) fn latency(&self) -> Duration {
        match self {
            Operation::Get(g) => g.target.provider.simulated_latency(&g.target.uri, &g.selectors),
            Operation::Invoke(i) => i.target.provider.simulated_latency(&i.target.uri, &i.selectors),
            _ => Duration::ZERO,
        }
    }

    pub(crate) async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, Fault> {
        let result = match self {
            Operation::Shell(op) => op.apply(ctx).await,
            Operation::Eventing(op) => op.apply(ctx).await,
            Operation::Pull(op) => op.apply(ctx).await,
            other => other.apply_op(ctx),
        };
        match result {
            // The defect: a missing instance answered as a selector error (the BMC's old answer).
            Err(f) if f.detail == Some(FaultDetail::ResourceNotFound) && ctx.state.defects.has(Defect::NotFoundInvalidSelectors) => {
                Err(Fault::new(FaultKind::InvalidSelectors, f.reason).with_detail(FaultDetail::InvalidValue))
            }
            other => other,
        }
    }

    fn apply_op(self, ctx: &Ctx<'_>) -> Result<Reply, Fault> {
        match self {
            Operation::Get(op) => op.apply(ctx),
            Operation::Put(op) => op.apply(ctx),
            Operation::Create(op) => op.apply(ctx),
            Operation::Delete(op) => op.apply(ctx),
            Operation::Enumerate(op) => op.apply(ctx),
            Operation::Release(op) => op.apply(ctx),
            Operation::Invoke(op) => op.apply(ctx),
            Operation::Shell(_) | Operation::Eventing(_) | Operation::Pull(_) => unreachable!("operations that may wait are applied by `apply`"),
            Operation::Empty(action) => Ok(Reply::new(&action, Vec::new())),
        }
    }
}

fn unknown_action(action: &Action, state: &State) -> Result<Operation, Fault> {
    if state.defects.has(Defect::UnknownActionEmpty) {
        return Ok(Operation::Empty(action.clone()));
    }
    Err(Fault::new(FaultKind::ActionNotSupported, format!("the action {} is not supported by this service", action.uri()))
        .with_detail(FaultDetail::ActionMismatch))
}

/// Finds the provider of the request's ResourceURI.
pub(crate) fn resolve(state: &State, h: &Header) -> Result<Target, Fault> {
    let uri = h
        .resource_uri
        .as_deref()
        .ok_or_else(|| Fault::new(FaultKind::DestinationUnreachable, "the request has no wsman:ResourceURI").with_detail(FaultDetail::InvalidResourceURI))?;
    if let Some(p) = state.registry.get(uri) {
        return Ok(Target { uri: uri.to_owned(), provider: p.clone() });
    }
    // `<namespace>/*` is valid for a WQL enumeration: the provider is chosen by the query.
    if uri.ends_with("/*") {
        return Ok(Target { uri: uri.to_owned(), provider: Arc::new(Wildcard) });
    }
    Err(Fault::new(FaultKind::DestinationUnreachable, format!("the resource URI {uri} is not served here")).with_detail(FaultDetail::InvalidResourceURI))
}

/// Stand-in provider for `<namespace>/*` URIs; only a WQL Enumerate resolves it.
struct Wildcard;

impl ResourceProvider for Wildcard {
    fn resource_uris(&self) -> Vec<String> {
        Vec::new()
    }
    fn keys(&self, _uri: &str) -> Vec<String> {
        Vec::new()
    }
    fn get(&self, _ctx: &CallContext<'_>, uri: &str, _s: &SelectorSet) -> Result<Instance, Fault> {
        Err(Fault::new(FaultKind::DestinationUnreachable, format!("{uri} names no single class")).with_detail(FaultDetail::InvalidResourceURI))
    }
    fn enumerate(&self, _ctx: &CallContext<'_>, uri: &str) -> Result<Vec<Instance>, Fault> {
        Err(Fault::new(FaultKind::CannotProcessFilter, format!("enumerating {uri} needs a WQL filter")).with_detail(FaultDetail::FilteringRequired))
    }
}

/// Checks a selector set against the class keys the provider declares
/// ([`ResourceProvider::keys`], DSP0226 §7.2.2): an endpoint-reference value,
/// duplicates, unexpected names, missing keys, in that order. This is the one
/// selector check: providers receive only sets that passed it, and answer
/// `wsa:DestinationUnreachable` + `ResourceNotFound` when such a set matches
/// no instance ([`wsman_proto::manual`], "Selectors and missing instances").
pub(crate) fn check_selectors(state: &State, target: &Target, h: &Header) -> Result<SelectorSet, Fault> {
    let sel = h.selectors.clone().unwrap_or_default();
    let keys = target.provider.keys(&target.uri);
    let is_key = |name: &str| keys.iter().any(|k| k.eq_ignore_ascii_case(name));
    let sel = if state.defects.has(Defect::IgnoreSelectors) {
        // The defect: drop unknown and repeated selectors instead of faulting
        // (a missing key is still refused below).
        let mut kept = SelectorSet::default();
        for s in &sel.selectors {
            if is_key(&s.name) && kept.get(&s.name).is_none() {
                kept.push(&s.name, s.value.clone());
            }
        }
        kept
    } else {
        if let Some(s) = sel.selectors.iter().find(|s| s.is_epr) {
            return Err(Fault::new(FaultKind::InvalidSelectors, format!("the key {} takes a text value, not an endpoint reference", s.name))
                .with_detail(FaultDetail::TypeMismatch));
        }
        if let Some(d) = sel.duplicate() {
            return Err(
                Fault::new(FaultKind::InvalidSelectors, format!("the selector {d} appears more than once")).with_detail(FaultDetail::DuplicateSelectors)
            );
        }
        if let Some(s) = sel.selectors.iter().find(|s| !is_key(&s.name)) {
            return Err(Fault::new(FaultKind::InvalidSelectors, format!("the selector {} is not a key of {}", s.name, target.uri))
                .with_detail(FaultDetail::UnexpectedSelectors));
        }
        sel
    };
    if let Some(k) = keys.iter().find(|k| sel.get(k).is_none()) {
        return Err(Fault::new(FaultKind::InvalidSelectors, format!("the key selector {k} is missing")).with_detail(FaultDetail::InsufficientSelectors));
    }
    Ok(sel)
}
