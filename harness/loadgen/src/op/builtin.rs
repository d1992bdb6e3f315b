//! The built-in operations: what works against the reference server and
//! any Windows host.
//!
//! | name | what | steps |
//! |---|---|---|
//! | `identify` | Identify (DSP0226 §11), the body prebuilt | - |
//! | `get-service` | Get of `Win32_Service?Name=WinRM` (every Windows host has it) | - |
//! | `enumerate-optimized` | an optimized Enumerate of `Win32_Service` (items in the first answer), Released unmeasured if the endpoint left the context open | - |
//! | `enumerate-flow` | Enumerate, Pull (MaxElements 20) to EndOfSequence, Release when the context is still open after the bounded pulls | enumerate, pull, release |
//! | `winrs-flow` | WinRS: Create a cmd shell, Command `echo load`, Receive to Done, Delete | create, command, receive, delete |
//!
//! Single requests judge the answer by status (and a fault's subcode) and
//! do not keep a success body; flows decode what they must go on from (the
//! EnumerationContext, the ShellId), through the client's typed messages.

use std::num::NonZeroU64;
use std::sync::Arc;

use bytes::Bytes;
use wsman_client::message::{Enumerate, EnumerateResponse, Get, Identify, Pull, PullResponse, Release, ReleaseResponse};
use wsman_client::{CommandOptions, RawAuth, RawRequest, Resource, Session, ShellOptions};
use wsman_proto::Action;

use super::{judge, Expect, Operation, RunFuture, Steps};
use crate::class::ErrorClass;

/// The SOAP 1.2 content type of every request.
const SOAP_CT: &str = "application/soap+xml;charset=UTF-8";

/// Pulls of one enumerate flow at most (its loop bound).
pub const MAX_PULLS: usize = 10_000;

/// Receives of one WinRS command at most (its loop bound).
pub const MAX_RECEIVES: usize = 1_000;

/// Every built-in name, in the order of the table above.
pub const NAMES: &[&str] = &["identify", "get-service", "enumerate-optimized", "enumerate-flow", "winrs-flow"];

/// The built-in operation `name`, `None` for another name.
pub fn builtin(name: &str) -> Option<Arc<dyn Operation>> {
    Some(match name {
        "identify" => Arc::new(IdentifyOp { body: Bytes::from(Envelope::identify()) }),
        "get-service" => Arc::new(GetService),
        "enumerate-optimized" => Arc::new(EnumerateOptimized),
        "enumerate-flow" => Arc::new(EnumerateFlow),
        "winrs-flow" => Arc::new(WinrsFlow),
        _ => return None,
    })
}

/// The Identify envelope (no addressing headers, so the same bytes every time).
struct Envelope;

impl Envelope {
    fn identify() -> Vec<u8> {
        wsman_proto::Envelope { header: wsman_proto::Header::default(), body: wsman_proto::message::Message::into_body(Identify) }.encode()
    }
}

fn raw(body: Bytes) -> RawRequest {
    RawRequest { content_type: Some(SOAP_CT.to_owned()), auth: RawAuth::Session, body, replayable: true, ..RawRequest::default() }
}

fn services() -> Resource {
    Resource::cimv2("Win32_Service")
}

#[derive(Debug)]
struct IdentifyOp {
    body: Bytes,
}

impl Operation for IdentifyOp {
    fn name(&self) -> &str {
        "identify"
    }

    fn run<'a>(&'a self, session: &'a Session, _steps: &'a mut Steps) -> RunFuture<'a> {
        Box::pin(async move {
            let r = session.raw_judged(raw(self.body.clone())).await.map_err(|e| ErrorClass::of(&e))?;
            judge(&r, &Expect::Success)
        })
    }
}

#[derive(Debug)]
struct GetService;

impl Operation for GetService {
    fn name(&self) -> &str {
        "get-service"
    }

    fn run<'a>(&'a self, session: &'a Session, _steps: &'a mut Steps) -> RunFuture<'a> {
        Box::pin(async move {
            let body = session.request(&services().selector("Name", "WinRM"), Get).encode();
            let r = session.raw_judged(raw(Bytes::from(body))).await.map_err(|e| ErrorClass::of(&e))?;
            judge(&r, &Expect::Success)
        })
    }
}

#[derive(Debug)]
struct EnumerateOptimized;

impl Operation for EnumerateOptimized {
    fn name(&self) -> &str {
        "enumerate-optimized"
    }

    fn run<'a>(&'a self, session: &'a Session, _steps: &'a mut Steps) -> RunFuture<'a> {
        Box::pin(async move {
            let resource = services();
            let request = Enumerate { optimize: true, max_elements: NonZeroU64::new(u32::MAX.into()), ..Enumerate::default() };
            let r: EnumerateResponse = session.call(session.header(Action::Enumerate, &resource), request, true).await.map_err(|e| ErrorClass::of(&e))?;
            if let (Some(context), false) = (r.context, r.end_of_sequence) {
                // Clean-up, not measured: the context would hold server memory.
                let _ = session.release(&resource, &context).await;
            }
            Ok(())
        })
    }
}

#[derive(Debug)]
struct EnumerateFlow;

const ENUMERATE: usize = 0;
const PULL: usize = 1;
const RELEASE: usize = 2;

impl Operation for EnumerateFlow {
    fn name(&self) -> &str {
        "enumerate-flow"
    }

    fn steps(&self) -> &[&'static str] {
        &["enumerate", "pull", "release"]
    }

    fn run<'a>(&'a self, session: &'a Session, steps: &'a mut Steps) -> RunFuture<'a> {
        Box::pin(async move {
            let resource = services();
            let r: EnumerateResponse = steps.time(ENUMERATE, session.call(session.header(Action::Enumerate, &resource), Enumerate::default(), true)).await?;
            if r.end_of_sequence {
                return Ok(());
            }
            let Some(mut context) = r.context.filter(|c| !c.is_empty()) else {
                return Err(steps.fail(ENUMERATE, ErrorClass::Protocol("decode")));
            };
            for _ in 0..MAX_PULLS {
                let pull = Pull { context: context.clone(), max_elements: NonZeroU64::new(20), ..Pull::default() };
                let p: PullResponse = steps.time(PULL, session.call(session.header(Action::Pull, &resource), pull, false)).await?;
                if p.end_of_sequence {
                    return Ok(());
                }
                if let Some(next) = p.context.filter(|c| !c.is_empty()) {
                    context = next;
                }
            }
            let release = Release { context };
            let _: ReleaseResponse = steps.time(RELEASE, session.call(session.header(Action::Release, &resource), release, false)).await?;
            Ok(())
        })
    }
}

#[derive(Debug)]
struct WinrsFlow;

const CREATE: usize = 0;
const COMMAND: usize = 1;
const RECEIVE: usize = 2;
const DELETE: usize = 3;

impl Operation for WinrsFlow {
    fn name(&self) -> &str {
        "winrs-flow"
    }

    fn steps(&self) -> &[&'static str] {
        &["create", "command", "receive", "delete"]
    }

    fn run<'a>(&'a self, session: &'a Session, steps: &'a mut Steps) -> RunFuture<'a> {
        Box::pin(async move {
            let shell = steps.time(CREATE, session.open_shell(ShellOptions::default())).await?;
            // On an error below, dropping `shell` deletes it in the background.
            let command = steps.time(COMMAND, shell.run("echo", &["load"], CommandOptions::default())).await?;
            let mut done = false;
            for _ in 0..MAX_RECEIVES {
                let received = steps.time(RECEIVE, command.receive()).await?;
                if received.done.is_some() {
                    done = true;
                    break;
                }
            }
            if !done {
                return Err(steps.fail(RECEIVE, ErrorClass::Protocol("decode")));
            }
            steps.time(DELETE, shell.close()).await?;
            Ok(())
        })
    }
}
