//! [`EventSink`]: the subscriber's end of a push subscription (Push,
//! PushWithAck, Events; DSP0226 §10.2.3, §10.7): a small HTTP server on a
//! loopback address that takes the source's event POSTs and hands their
//! [`Notification`]s to the caller, in arrival order.
//!
//! ```text
//!   source ──POST envelope──► sink ── decode (Event | Events | Heartbeat | DroppedEvents | SubscriptionEnd)
//!                              │        └─ each notification into the channel (waits while it is full)
//!                              ├─ wsman:AckRequested?  yes: 200 + Ack (Action wsman/Ack, RelatesTo = the MessageID)
//!                              │                       no:  202, empty body
//!                              └─ not a delivery: 400 (not acknowledged, so the source retries or drops it)
//!   caller ◄── EventSink::next() ── channel
//! ```
//!
//! - **Loopback only.** [`EventSink::bind`] refuses any other address: the
//!   sink has no authentication (it asks for no credentials and ignores an
//!   `Authorization` header), so it must not be reachable from elsewhere.
//! - **Acknowledged means handed over.** A notification is in the channel
//!   before the answer (and its Ack) goes out; a source that sees no Ack
//!   sends again, so an event whose Ack was lost may come twice (with the
//!   same [`ReceivedEvent::message_id`](crate::ReceivedEvent::message_id) when the source keeps it).
//! - **Outages.** [`EventSink::pause`] closes the listening socket and every
//!   open connection (a request in flight gets no answer): connections are
//!   refused, as from a subscriber that went away. [`EventSink::resume`] binds
//!   the same address again (`SO_REUSEADDR`, so connections closed in
//!   TIME_WAIT do not hold the port). Notifications already received stay in
//!   the channel. A PushWithAck source retries what was not acknowledged,
//!   and everything arrives after the resume, in order.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;
use wsman_proto::message::eventing::is_ack_requested;
use wsman_proto::message::{EndpointReference, Message};
use wsman_proto::{ns, Action, Envelope, Header, Limits};

use crate::error::{Error, ErrorKind};
use crate::eventing::{notifications, Notification};
use crate::session::SOAP_CONTENT_TYPE;

/// The path of the sink's URL ([`EventSink::url`]); POSTs to any path are taken.
pub const SINK_PATH: &str = "/wsman-sink";

/// The largest delivery body the sink reads (a larger one is answered 413).
pub const MAX_DELIVERY_BYTES: usize = 4 * 1024 * 1024;

/// Notifications held for the caller before the sink stops answering (and
/// the source waits or retries).
pub const CHANNEL_CAPACITY: usize = 1024;

enum Control {
    /// Close the listener and the connections, then answer.
    Pause(oneshot::Sender<()>),
    /// Accept on this listener again.
    Resume(TcpListener),
}

/// What the connection tasks share.
struct Shared {
    tx: mpsc::Sender<Notification>,
    /// Messages taken (answered 200 or 202).
    accepted: AtomicU64,
    /// Acks sent.
    acks: AtomicU64,
}

/// A push sink on loopback (see the module documentation).
///
/// ```no_run
/// use wsman_client::eventing::{Notification, SubscribeMode, SubscribeOptions};
/// use wsman_client::{Endpoint, EventSink, Resource, Session};
///
/// # async fn demo() -> Result<(), wsman_client::Error> {
/// let mut sink = EventSink::bind("127.0.0.1:0".parse().unwrap()).await?;
/// let session = Session::new(Endpoint::new("http://127.0.0.1:5985/wsman").with_user("admin", "admin"))?;
/// let options = SubscribeOptions { mode: SubscribeMode::PushWithAck { notify_to: sink.notify_to() }, ..SubscribeOptions::default() };
/// let subscription = session.subscribe(&Resource::new(wsman_proto::ns::EVENTLOG_RESOURCE), options).await?;
/// while let Some(n) = sink.next().await {
///     if let Notification::Event(e) = n {
///         println!("{:?}", e.action);
///         break;
///     }
/// }
/// subscription.unsubscribe().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct EventSink {
    /// The bound address: kept so that a resume binds the same port (the NotifyTo the source holds).
    addr: SocketAddr,
    /// The notifications, in arrival order.
    rx: mpsc::Receiver<Notification>,
    /// Pause and resume requests to the accept loop.
    control: mpsc::UnboundedSender<Control>,
    /// The accept loop; aborted when the sink is dropped (its connections with it).
    task: tokio::task::JoinHandle<()>,
    /// The counters the connection tasks update ([`EventSink::accepted`], [`EventSink::acks`]).
    shared: Arc<Shared>,
    /// Between a pause and a resume: makes both idempotent.
    paused: bool,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").field("accepted", &self.accepted).field("acks", &self.acks).finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Control::Pause(_) => "Pause",
            Control::Resume(_) => "Resume",
        })
    }
}

fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(128)
}

impl EventSink {
    /// Starts a sink on `addr` (port 0: an ephemeral port), which must be a
    /// loopback address. Needs a tokio runtime.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] for an address that is not loopback, or one that cannot be bound.
    pub async fn bind(addr: SocketAddr) -> Result<EventSink, Error> {
        if !addr.ip().is_loopback() {
            return Err(Error::new(ErrorKind::Config, format!("an event sink listens on a loopback address only, not {addr} (it has no authentication)")));
        }
        let listener = listen(addr).map_err(|e| Error::new(ErrorKind::Config, format!("cannot listen on {addr}: {e}")))?;
        let addr = listener.local_addr().map_err(|e| Error::new(ErrorKind::Config, format!("the sink's address: {e}")))?;
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        let (control, control_rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared { tx, accepted: AtomicU64::new(0), acks: AtomicU64::new(0) });
        let task = tokio::spawn(accept_loop(listener, control_rx, shared.clone()));
        Ok(EventSink { addr, rx, control, task, shared, paused: false })
    }

    /// The address it listens on (the same after a resume).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR/wsman-sink`.
    pub fn url(&self) -> String {
        format!("http://{}{SINK_PATH}", self.addr)
    }

    /// The reference to give as NotifyTo (or EndTo): [`EventSink::url`], no parameters.
    pub fn notify_to(&self) -> EndpointReference {
        EndpointReference { address: self.url(), ..EndpointReference::default() }
    }

    /// The next notification, waiting for one; `None` only if the sink's task ended.
    pub async fn next(&mut self) -> Option<Notification> {
        self.rx.recv().await
    }

    /// The next notification if one is waiting.
    pub fn try_next(&mut self) -> Option<Notification> {
        self.rx.try_recv().ok()
    }

    /// Messages taken so far (answered 200 with an Ack, or 202).
    pub fn accepted(&self) -> u64 {
        self.shared.accepted.load(Ordering::Relaxed)
    }

    /// Acks sent so far.
    pub fn acks(&self) -> u64 {
        self.shared.acks.load(Ordering::Relaxed)
    }

    /// Whether it is paused.
    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// Stops listening: once this returns, the listening socket and every
    /// connection are closed, so the source's deliveries fail. Nothing is
    /// lost that was already received. Pausing a paused sink does nothing.
    pub async fn pause(&mut self) {
        if self.paused {
            return;
        }
        let (done, wait) = oneshot::channel();
        if self.control.send(Control::Pause(done)).is_ok() {
            let _ = wait.await;
        }
        self.paused = true;
    }

    /// Listens again on the same address after [`EventSink::pause`].
    /// Resuming a sink that is not paused does nothing.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] when the address cannot be bound again (another
    /// socket took the port meanwhile); the sink stays paused.
    pub async fn resume(&mut self) -> Result<(), Error> {
        if !self.paused {
            return Ok(());
        }
        let listener = listen(self.addr).map_err(|e| Error::new(ErrorKind::Config, format!("cannot listen on {} again: {e}", self.addr)))?;
        self.control.send(Control::Resume(listener)).map_err(|_| Error::new(ErrorKind::Config, "the sink's task has ended"))?;
        self.paused = false;
        Ok(())
    }
}

impl Drop for EventSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept(listener: &Option<TcpListener>) -> std::io::Result<TcpStream> {
    match listener {
        Some(l) => l.accept().await.map(|(stream, _)| stream),
        None => std::future::pending().await,
    }
}

async fn accept_loop(listener: TcpListener, mut control: mpsc::UnboundedReceiver<Control>, shared: Arc<Shared>) {
    let mut listener = Some(listener);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = accept(&listener) => match accepted {
                Ok(stream) => {
                    connections.spawn(serve(stream, shared.clone()));
                }
                // Out of descriptors, say: wait a little rather than spin.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            c = control.recv() => match c {
                // The sink was dropped (the task is aborted too).
                None => break,
                Some(Control::Pause(done)) => {
                    listener = None;
                    connections.abort_all();
                    while connections.join_next().await.is_some() {}
                    let _ = done.send(());
                }
                Some(Control::Resume(l)) => listener = Some(l),
            },
        }
    }
}

async fn serve(stream: TcpStream, shared: Arc<Shared>) {
    let svc = hyper::service::service_fn(move |req| {
        let shared = shared.clone();
        async move { Ok::<_, std::convert::Infallible>(handle(req, &shared).await) }
    });
    let _ = hyper::server::conn::http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(stream), svc).await;
}

fn plain(status: StatusCode, text: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(text)));
    *r.status_mut() = status;
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    r
}

/// The Ack of a delivery (DSP0226 §10.7): Action wsman/Ack, RelatesTo its MessageID.
pub fn ack_for(delivery: &Header) -> Envelope {
    let header = Header {
        to: Some(ns::WSA_ANONYMOUS.to_owned()),
        action: Some(Action::Ack),
        message_id: Some(format!("uuid:{}", uuid::Uuid::new_v4().to_string().to_ascii_uppercase())),
        relates_to: delivery.message_id.clone(),
        ..Header::default()
    };
    Envelope { header, body: wsman_proto::message::eventing::Ack.into_body() }
}

async fn handle(req: Request<Incoming>, shared: &Shared) -> Response<Full<Bytes>> {
    if req.method() != Method::POST {
        return plain(StatusCode::METHOD_NOT_ALLOWED, "an event sink takes POST only\n".into());
    }
    let body = match Limited::new(req.into_body(), MAX_DELIVERY_BYTES).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => return plain(StatusCode::PAYLOAD_TOO_LARGE, format!("the delivery body cannot be read: {e}\n")),
    };
    let envelope = match Envelope::decode(&body, &Limits::default()) {
        Ok(e) => e,
        Err(e) => return plain(StatusCode::BAD_REQUEST, format!("not a SOAP envelope: {e}\n")),
    };
    let notes = match notifications(&envelope) {
        Ok(n) => n,
        Err(e) => return plain(StatusCode::BAD_REQUEST, format!("not an event delivery: {e}\n")),
    };
    for n in notes {
        if shared.tx.send(n).await.is_err() {
            return plain(StatusCode::SERVICE_UNAVAILABLE, "the sink is closing\n".into());
        }
    }
    shared.accepted.fetch_add(1, Ordering::Relaxed);
    if !is_ack_requested(&envelope.header) {
        let mut r = Response::new(Full::new(Bytes::new()));
        *r.status_mut() = StatusCode::ACCEPTED;
        return r;
    }
    shared.acks.fetch_add(1, Ordering::Relaxed);
    let mut r = Response::new(Full::new(Bytes::from(ack_for(&envelope.header).encode())));
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(SOAP_CONTENT_TYPE));
    r
}
