//! `collect`: an event collector, as Windows' `wecutil` subscriptions are:
//! subscribe to an event source, receive its events (pulling, or pushed to
//! a loopback listener run here), renew before the subscription expires,
//! unsubscribe on the way out, and write one JSON line per event.
//!
//! ```text
//!   [push modes: EventSink on --listen (127.0.0.1:0), NotifyTo and EndTo its URL]
//!   Subscribe (SendBookmarks, --filter/--dialect, --heartbeats, --expires, --bookmark)
//!     -> stderr: {"time":..,"kind":"subscribed","identifier":..,"expires":seconds|null,"notify_to":URL|null}
//!     loop:  pull: Pull (MaxTime = --max-time, cut short for a renewal or the --duration end) | push: the sink's next notification
//!            event      -> stdout: {"time":..,"action":..,"bookmark":..,"event":..}   (--events N: stop after N)
//!            heartbeat  -> stderr: {"time":..,"kind":"heartbeat"}
//!            dropped    -> stderr: {"time":..,"kind":"dropped","action":..,"count":N}
//!            ended      -> stderr: {"time":..,"kind":"end","status":..,"reason":..}   (SubscriptionEnd, EndOfSequence: exit 1)
//!            renewal    -> Renew at half the Expires granted (the Subscribe's, then each Renew's)
//!   always, on the way out (--duration, --events, Ctrl-C, SIGTERM, error): Unsubscribe
//! ```
//!
//! Each line's `"time"` is when the event reached the collector (UTC);
//! `"action"` the event's Action URI (`null` for a pulled payload that
//! carries none); `"bookmark"` the bookmark that came with it (`null`
//! without one; give it to `--bookmark` to resume after that event);
//! `"event"` the payload, mapped as `--format json` maps elements
//! ([`super::json`]), or its XML text with `--format xml`. The
//! subscription, heartbeats, dropped-event notices and the end of a
//! subscription go to stderr as JSON lines with a `"kind"`, so that stdout
//! holds events only (the `subscribed` line says the collector is ready).
//!
//! Exit status: 0 at the end of `--duration` or after `--events`; 130
//! after Ctrl-C, 143 after SIGTERM (unsubscribed first); 1 when the source
//! ends the subscription or answers a fault; 2 for bad flags or an endpoint
//! that cannot be reached ([`super::output::fail`]).

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::mpsc;
use tokio::time::Instant;
use wsman_client::eventing::{DroppedNotice, Notification, PulledEvents, ReceivedEvent, SubscribeMode, SubscribeOptions, Subscription};
use wsman_client::message::eventing::{Bookmark, SubscriptionEnd};
use wsman_client::shell::default_receive_timeout;
use wsman_client::{Error, EventSink, Resource, Session};
use wsman_proto::xml::Node;
use wsman_proto::{datetime, ns, xml, Limits};

use super::json::{self, Json};
use super::output::{self, Wire};
use crate::args::{CollectArgs, CollectMode, EventFormat, DEFAULT_CLIENT_ENDPOINT};

/// The shortest Pull wait: a Pull cut short for a renewal or the end never asks for less.
const MIN_PULL: Duration = Duration::from_millis(100);

/// The shortest interval between two renewals (a source granting a tiny Expires).
const MIN_RENEW: Duration = Duration::from_millis(50);

/// How the collection ended.
#[derive(Debug)]
enum Outcome {
    /// --duration passed, or --events were written.
    Clean,
    /// A signal, with the exit status it gives.
    Interrupted(u8),
    /// An exchange failed.
    Failed(Error),
    /// The source ended the subscription (SubscriptionEnd, EndOfSequence).
    Ended(String),
    /// Writing our stdout failed, or the sink stopped.
    Local(String),
}

/// The filter dialect: `--dialect` (a URI or a short name), else by the filter's shape.
fn dialect(flag: Option<&str>, filter: &str) -> String {
    match flag.map(str::trim) {
        Some(d) if d.eq_ignore_ascii_case("wql") => ns::dialect::WQL.to_owned(),
        Some(d) if d.eq_ignore_ascii_case("eventquery") || d.eq_ignore_ascii_case("querylist") => ns::dialect::EVENT_QUERY.to_owned(),
        Some(d) => d.to_owned(),
        None if filter.trim_start().starts_with('<') => ns::dialect::EVENT_QUERY.to_owned(),
        None => ns::dialect::WQL.to_owned(),
    }
}

/// `--bookmark`: `earliest` (or its URI), an XML bookmark, or text.
fn parse_bookmark(text: &str) -> Result<Bookmark, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("earliest") || t == ns::eventing::BOOKMARK_EARLIEST {
        return Ok(Bookmark::Earliest);
    }
    if t.starts_with('<') {
        let el = xml::parse_str(t, &Limits::default()).map_err(|e| format!("--bookmark starts with '<' but is not one XML element: {e}"))?;
        return Ok(Bookmark::Opaque(vec![Node::Element(el)]));
    }
    Ok(Bookmark::text(t))
}

/// A bookmark as a line shows it (what `--bookmark` reads back).
fn bookmark_text(b: &Bookmark) -> String {
    match b {
        Bookmark::Earliest => ns::eventing::BOOKMARK_EARLIEST.to_owned(),
        Bookmark::Opaque(nodes) => nodes
            .iter()
            .map(|n| match n {
                Node::Element(e) => xml::fragment_to_string(e),
                Node::Text(t) => t.clone(),
            })
            .collect::<String>()
            .trim()
            .to_owned(),
    }
}

fn now_text() -> String {
    datetime::format(SystemTime::now())
}

fn string(s: &str) -> Json {
    Json::Str(s.to_owned())
}

/// The stdout line of one event.
fn event_line(e: &ReceivedEvent, format: EventFormat, time: &str) -> String {
    let event = match format {
        EventFormat::Json => json::of_element(&e.payload),
        EventFormat::Xml => Json::Str(xml::fragment_to_string(&e.payload)),
    };
    Json::Obj(vec![
        ("time".into(), string(time)),
        ("action".into(), e.action.as_deref().map_or(Json::Null, string)),
        ("bookmark".into(), e.bookmark.as_ref().map_or(Json::Null, |b| Json::Str(bookmark_text(b)))),
        ("event".into(), event),
    ])
    .to_compact()
}

fn quoted(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

/// The stderr line of a notice.
fn notice_line(kind: &str, fields: &[(&str, String)]) -> String {
    let mut line = format!("{{\"time\":{},\"kind\":{}", quoted(&now_text()), quoted(kind));
    for (k, v) in fields {
        line.push_str(&format!(",{}:{v}", quoted(k)));
    }
    line.push('}');
    line
}

fn dropped_line(d: &DroppedNotice) -> String {
    notice_line("dropped", &[("action", quoted(&d.action)), ("count", d.count.to_string())])
}

fn end_line(end: &SubscriptionEnd) -> String {
    notice_line("end", &[("status", quoted(end.status.uri())), ("reason", end.reason.as_deref().map_or("null".to_owned(), quoted))])
}

/// Writes lines and counts events against `--events`.
struct Printer {
    format: EventFormat,
    limit: Option<u64>,
    written: u64,
}

impl Printer {
    /// Writes one event; `Some` when the collection is over (the limit, or stdout closed).
    fn event(&mut self, e: &ReceivedEvent) -> Option<Outcome> {
        let line = event_line(e, self.format, &now_text());
        let mut out = std::io::stdout().lock();
        if let Err(err) = writeln!(out, "{line}").and_then(|()| out.flush()) {
            return Some(Outcome::Local(format!("writing stdout: {err}")));
        }
        self.written += 1;
        (self.limit == Some(self.written)).then_some(Outcome::Clean)
    }

    fn notice(&self, line: &str) {
        eprintln!("{line}");
    }

    /// One notification; `Some` when the collection is over.
    fn notification(&mut self, n: &Notification) -> Option<Outcome> {
        match n {
            Notification::Event(e) => self.event(e),
            Notification::Heartbeat => {
                self.notice(&notice_line("heartbeat", &[]));
                None
            }
            Notification::Dropped(d) => {
                self.notice(&dropped_line(d));
                None
            }
            Notification::End(end) => {
                self.notice(&end_line(end));
                Some(Outcome::Ended(format!("the source ended the subscription ({})", end.status.uri())))
            }
        }
    }

    /// What one Pull brought, drop notices at their place.
    fn pulled(&mut self, p: &PulledEvents) -> Option<Outcome> {
        if p.heartbeat {
            self.notice(&notice_line("heartbeat", &[]));
        }
        for (i, e) in p.events.iter().enumerate() {
            p.dropped.iter().filter(|d| d.before == i).for_each(|d| self.notice(&dropped_line(d)));
            if let Some(o) = self.event(e) {
                return Some(o);
            }
        }
        p.dropped.iter().filter(|d| d.before >= p.events.len()).for_each(|d| self.notice(&dropped_line(d)));
        if p.end_of_sequence {
            self.notice(&notice_line("end", &[("status", "null".into()), ("reason", quoted("EndOfSequence"))]));
            return Some(Outcome::Ended("the source ended the subscription (wsen:EndOfSequence)".into()));
        }
        None
    }
}

/// SIGINT (130) and SIGTERM (143), from the moment they are installed.
struct Signals {
    rx: mpsc::UnboundedReceiver<u8>,
}

impl Signals {
    fn install() -> Signals {
        let (tx, rx) = mpsc::unbounded_channel();
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            for (kind, code) in [(SignalKind::interrupt(), 130u8), (SignalKind::terminate(), 143u8)] {
                if let Ok(mut stream) = signal(kind) {
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        while stream.recv().await.is_some() {
                            if tx.send(code).is_err() {
                                return;
                            }
                        }
                    });
                }
            }
        }
        #[cfg(not(unix))]
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                if tx.send(130).is_err() {
                    break;
                }
            }
        });
        Signals { rx }
    }

    /// The exit status of the next signal (forever if none can come).
    async fn next(&mut self) -> u8 {
        match self.rx.recv().await {
            Some(code) => code,
            None => std::future::pending().await,
        }
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

/// When to renew: half the time granted, from `from`.
fn renew_at(granted: Option<Duration>, from: Instant) -> Option<Instant> {
    granted.filter(|g| !g.is_zero()).map(|g| from + (g / 2).max(MIN_RENEW))
}

/// The settings of one run, checked.
struct Collect {
    expires: Option<Duration>,
    max_time: Duration,
    deadline: Option<Instant>,
}

/// Runs `collect`.
pub(crate) async fn run(a: CollectArgs) -> Result<ExitCode, String> {
    let resource = Resource::parse(&a.resource).map_err(|e| format!("--resource: {e}"))?;
    let max_time = match a.max_time {
        Some(t) if t >= a.conn.timeout => return Err(format!("--max-time {t:?} must be shorter than --timeout {:?}", a.conn.timeout)),
        Some(t) => t,
        None => default_receive_timeout(a.conn.timeout),
    };
    let listen = match (a.listen, a.mode) {
        (Some(_), CollectMode::Pull) => return Err("--listen is for the push modes (--mode push, push-with-ack, events)".into()),
        (Some(l), _) if !l.ip().is_loopback() => return Err(format!("--listen {l}: the listener takes loopback addresses only (it has no authentication)")),
        (l, _) => l.unwrap_or_else(|| std::net::SocketAddr::from(([127, 0, 0, 1], 0))),
    };
    let mut options = SubscribeOptions {
        expires: a.expires,
        heartbeats: a.heartbeats,
        send_bookmarks: true,
        bookmark: a.bookmark.as_deref().map(parse_bookmark).transpose()?,
        ..SubscribeOptions::default()
    };
    if let Some(f) = &a.filter {
        options = options.with_filter(&dialect(a.dialect.as_deref(), f), f).map_err(|e| format!("--filter: {e}"))?;
    }
    let url = a.conn.endpoint.clone().unwrap_or_else(|| DEFAULT_CLIENT_ENDPOINT.to_owned());
    let wire = Arc::new(Wire::new(a.dump, false));
    let endpoint = crate::connection::target(&a.conn, &url)?.with_observer(wire);
    let session = Session::new(endpoint).map_err(|e| e.to_string())?;
    // Installed before the subscription exists, so that a signal never leaves it behind.
    let mut signals = Signals::install();

    let mut sink = match a.mode {
        CollectMode::Pull => None,
        _ => Some(EventSink::bind(listen).await.map_err(|e| format!("--listen: {e}"))?),
    };
    if let Some(s) = &sink {
        let notify_to = s.notify_to();
        options.end_to = Some(notify_to.clone());
        options.mode = match a.mode {
            CollectMode::Push => SubscribeMode::Push { notify_to },
            CollectMode::PushWithAck => SubscribeMode::PushWithAck { notify_to },
            _ => SubscribeMode::Events { notify_to },
        };
    }
    let started = Instant::now();
    let mut subscription = match session.subscribe(&resource, options).await {
        Ok(s) => s,
        Err(e) => return Ok(output::fail(&e, &url)),
    };
    let granted = subscription.expires().map_or("null".to_owned(), |d| format!("{:.3}", d.as_secs_f64()));
    let listener = sink.as_ref().map_or("null".to_owned(), |s| quoted(&s.url()));
    eprintln!("{}", notice_line("subscribed", &[("identifier", quoted(subscription.identifier())), ("expires", granted), ("notify_to", listener)]));
    let settings = Collect { expires: a.expires, max_time, deadline: a.duration.map(|d| started + d) };
    let mut printer = Printer { format: a.format, limit: a.events.map(std::num::NonZeroU64::get), written: 0 };
    let outcome = match &mut sink {
        Some(sink) => push_loop(&mut subscription, sink, &settings, &mut printer, &mut signals, started).await,
        None => pull_loop(&mut subscription, &settings, &mut printer, &mut signals, started).await,
    };
    let unsubscribed = subscription.unsubscribe().await;
    Ok(match outcome {
        Outcome::Clean => {
            if let Err(e) = unsubscribed {
                eprintln!("warning: the collection ended, but its Unsubscribe failed: {e}");
            }
            ExitCode::SUCCESS
        }
        Outcome::Interrupted(code) => ExitCode::from(code),
        Outcome::Failed(e) => output::fail(&e, &url),
        Outcome::Ended(message) | Outcome::Local(message) => {
            eprintln!("error: {message}");
            ExitCode::from(output::EXIT_FAULT)
        }
    })
}

/// Renews when due; `Some` on failure.
async fn renew_if_due(subscription: &mut Subscription, settings: &Collect, renew: &mut Option<Instant>) -> Option<Outcome> {
    if !renew.is_some_and(|at| at <= Instant::now()) {
        return None;
    }
    let sent = Instant::now();
    match subscription.renew(settings.expires).await {
        Ok(granted) => {
            *renew = renew_at(granted, sent);
            None
        }
        Err(e) => Some(Outcome::Failed(e)),
    }
}

async fn pull_loop(subscription: &mut Subscription, settings: &Collect, printer: &mut Printer, signals: &mut Signals, started: Instant) -> Outcome {
    let mut renew = renew_at(subscription.expires(), started);
    loop {
        if let Some(o) = renew_if_due(subscription, settings, &mut renew).await {
            return o;
        }
        let now = Instant::now();
        if settings.deadline.is_some_and(|d| d <= now) {
            return Outcome::Clean;
        }
        // Cut short so that the renewal and the end come on time; a Pull in
        // flight is never abandoned for them (its events would be lost).
        let mut wait = settings.max_time;
        for at in [renew, settings.deadline].into_iter().flatten() {
            wait = wait.min(at.saturating_duration_since(now));
        }
        let wait = wait.max(MIN_PULL);
        tokio::select! {
            pulled = subscription.pull(None, wait) => match pulled {
                Ok(p) => {
                    if let Some(o) = printer.pulled(&p) {
                        return o;
                    }
                }
                Err(e) => return Outcome::Failed(e),
            },
            code = signals.next() => return Outcome::Interrupted(code),
        }
    }
}

async fn push_loop(
    subscription: &mut Subscription,
    sink: &mut EventSink,
    settings: &Collect,
    printer: &mut Printer,
    signals: &mut Signals,
    started: Instant,
) -> Outcome {
    let mut renew = renew_at(subscription.expires(), started);
    loop {
        tokio::select! {
            n = sink.next() => match n {
                Some(n) => {
                    if let Some(o) = printer.notification(&n) {
                        return o;
                    }
                }
                None => return Outcome::Local("the event listener stopped".into()),
            },
            () = sleep_until(renew) => {
                if let Some(o) = renew_if_due(subscription, settings, &mut renew).await {
                    return o;
                }
            }
            () = sleep_until(settings.deadline) => return Outcome::Clean,
            code = signals.next() => return Outcome::Interrupted(code),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wsman_proto::Element;

    #[test]
    fn the_dialect_follows_the_flag_or_the_filter() {
        assert_eq!(dialect(None, " <QueryList/>"), ns::dialect::EVENT_QUERY);
        assert_eq!(dialect(None, "SELECT * FROM Win32_NTLogEvent"), ns::dialect::WQL);
        assert_eq!(dialect(Some("WQL"), "<x/>"), ns::dialect::WQL);
        assert_eq!(dialect(Some("eventquery"), "x"), ns::dialect::EVENT_QUERY);
        assert_eq!(dialect(Some("urn:example:dialect"), "x"), "urn:example:dialect");
    }

    #[test]
    fn bookmarks_read_back_what_the_lines_show() {
        for b in [Bookmark::Earliest, Bookmark::text("harness-bookmark-7")] {
            assert_eq!(parse_bookmark(&bookmark_text(&b)).unwrap(), b);
        }
        let xml_bookmark = Bookmark::Opaque(vec![Node::Element(
            Element::new(None, "BookmarkList").with_child(Element::new(None, "Bookmark").with_attr(None, "RecordId", "12")),
        )]);
        assert_eq!(parse_bookmark(&bookmark_text(&xml_bookmark)).unwrap(), xml_bookmark);
        assert_eq!(parse_bookmark("earliest").unwrap(), Bookmark::Earliest);
        assert!(parse_bookmark("<broken").is_err());
    }

    #[test]
    fn an_event_is_one_json_line() {
        let payload = Element::ns("urn:example:ev", "Event").with_child(Element::ns("urn:example:ev", "EventID").with_text("7036"));
        let e = ReceivedEvent { action: Some("urn:a".into()), payload, bookmark: Some(Bookmark::text("b-1")), message_id: None };
        let line = event_line(&e, EventFormat::Json, "2026-01-01T00:00:00.000Z");
        assert!(!line.contains('\n'));
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v, serde_json::json!({"time": "2026-01-01T00:00:00.000Z", "action": "urn:a", "bookmark": "b-1", "event": {"EventID": "7036"}}));
        let v: serde_json::Value = serde_json::from_str(&event_line(&ReceivedEvent { action: None, bookmark: None, ..e }, EventFormat::Xml, "t")).unwrap();
        assert!(v["action"].is_null() && v["bookmark"].is_null());
        assert!(v["event"].as_str().is_some_and(|x| x.contains("<EventID>7036</EventID>") || x.contains(":EventID>7036</")), "{v}");
        let d: serde_json::Value = serde_json::from_str(&dropped_line(&DroppedNotice { action: "urn:\"a\"".into(), count: 3, before: 0 })).unwrap();
        assert_eq!((d["kind"].as_str(), d["action"].as_str(), d["count"].as_u64()), (Some("dropped"), Some("urn:\"a\""), Some(3)));
    }
}
