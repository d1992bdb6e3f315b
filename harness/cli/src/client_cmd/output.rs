//! What the client commands print: indented XML, JSON, raw bodies; the
//! `--dump` of the exchange; faults and errors, with the exit status each gets.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::sync::Mutex;

use bytes::Bytes;
use wsman_client::{Error, ErrorKind, Observer, TransportKind, WireMessage};
use wsman_proto::{ns, xml, Element, WireFault};

use super::json;
use crate::args::OutputFormat;
use crate::EXIT_USAGE;

/// Exit status when the endpoint answered a fault (or an answer that does not answer).
pub(crate) const EXIT_FAULT: u8 = 1;

/// Watches the wire: prints each message to stderr with `--dump`, keeps
/// the response bodies for `--format raw`.
#[derive(Debug, Default)]
pub(crate) struct Wire {
    pub(crate) dump: bool,
    pub(crate) raw: bool,
    bodies: Mutex<Vec<Bytes>>,
}

impl Wire {
    pub(crate) fn new(dump: bool, raw: bool) -> Wire {
        Wire { dump, raw, bodies: Mutex::default() }
    }

    /// The response bodies kept so far, in order.
    pub(crate) fn take_bodies(&self) -> Vec<Bytes> {
        std::mem::take(&mut *self.bodies.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

fn headers_text(out: &mut String, mark: &str, headers: &wsman_client::hyper::HeaderMap) {
    for (k, v) in headers {
        let _ = writeln!(out, "{mark} {}: {}", k.as_str(), String::from_utf8_lossy(v.as_bytes()));
    }
}

impl Observer for Wire {
    fn observe(&self, message: &WireMessage<'_>) {
        if self.dump {
            let mut out = String::new();
            match message {
                WireMessage::Request { method, path, headers, body } => {
                    let _ = writeln!(out, "> {method} {path} HTTP/1.1");
                    headers_text(&mut out, ">", headers);
                    let _ = writeln!(out, ">\n{}", String::from_utf8_lossy(body));
                }
                WireMessage::Response { status, headers, body } => {
                    let _ = writeln!(out, "< HTTP/1.1 {status}");
                    headers_text(&mut out, "<", headers);
                    let _ = writeln!(out, "<\n{}", String::from_utf8_lossy(body));
                }
                _ => {}
            }
            eprint!("{out}");
        }
        if let (true, WireMessage::Response { status, body, .. }) = (self.raw, message) {
            // The 401 of an authentication leg is not an answer.
            if *status != 401 {
                self.bodies.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(Bytes::copy_from_slice(body));
            }
        }
    }
}

/// What a command answers, ready to print.
#[derive(Debug)]
pub(crate) enum Answer {
    /// Nothing (Delete).
    Nothing,
    /// One element (an instance, a reference, a method's output, Identify).
    One(Element),
    /// The items of an enumeration.
    Many(Vec<Element>),
}

/// Prints an answer on stdout in `format`.
pub(crate) fn print(answer: &Answer, format: OutputFormat, wire: &Wire) {
    let mut out = String::new();
    match (format, answer) {
        (OutputFormat::Raw, _) => {
            for body in wire.take_bodies() {
                out.push_str(&String::from_utf8_lossy(&body));
                out.push('\n');
            }
        }
        (_, Answer::Nothing) => {}
        (OutputFormat::Xml, Answer::One(el)) => out = xml::indent(xml::fragment_to_string(el).as_bytes(), xml::IndentText::Keep),
        (OutputFormat::Xml, Answer::Many(items)) => {
            items.iter().for_each(|el| out.push_str(&xml::indent(xml::fragment_to_string(el).as_bytes(), xml::IndentText::Keep)))
        }
        (OutputFormat::Json, Answer::One(el)) => out = json::of_element(el).to_pretty(),
        (OutputFormat::Json, Answer::Many(items)) => out = json::Json::Arr(items.iter().map(json::of_element).collect()).to_pretty(),
    }
    print!("{out}");
}

fn qname((namespace, local): &(String, String)) -> String {
    match ns::preferred_prefix(namespace) {
        Some(p) => format!("{p}:{local}"),
        None if namespace.is_empty() => local.clone(),
        None => format!("{{{namespace}}}{local}"),
    }
}

/// The readable form of a fault, one field a line.
pub(crate) fn fault_text(f: &WireFault, status: Option<u16>) -> String {
    let mut out = String::new();
    let status = status.map(|s| format!(" (HTTP {s})")).unwrap_or_default();
    let _ = writeln!(out, "error: the endpoint answered a SOAP fault{status}");
    let field = |out: &mut String, name: &str, value: Option<String>| {
        if let Some(v) = value {
            let _ = writeln!(out, "  {name:<12} {v}");
        }
    };
    field(&mut out, "code:", f.code.as_ref().map(qname));
    field(&mut out, "subcode:", f.subcode.as_ref().map(qname));
    field(&mut out, "reason:", f.reason.clone());
    field(&mut out, "detail:", f.detail.clone());
    field(&mut out, "WSManFault:", f.wsman_code.map(|c| format!("{c} (0x{c:08X})")));
    field(&mut out, "message:", f.wsman_message.as_ref().map(|m| m.trim().to_owned()));
    out
}

/// Prints an error to stderr and gives its exit status: 1 for a fault (or
/// an answer that does not answer the request), 2 for an endpoint that
/// cannot be reached or refuses the request at the HTTP level, on one line.
pub(crate) fn fail(e: &Error, url: &str) -> ExitCode {
    if let Some(f) = e.fault() {
        eprint!("{}", fault_text(f, e.status()));
        return ExitCode::from(EXIT_FAULT);
    }
    match e.kind() {
        ErrorKind::Protocol(_) => {
            eprintln!("error: {url} answered, but not with the response to the request: {e}");
            ExitCode::from(EXIT_FAULT)
        }
        ErrorKind::Transport(TransportKind::HttpStatus(401)) => {
            eprintln!("error: {url}: HTTP 401, the credentials were refused (--user NAME:PASS; Basic over http needs the endpoint's AllowUnencrypted)");
            ExitCode::from(EXIT_USAGE)
        }
        _ => {
            eprintln!("error: {url}: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}
