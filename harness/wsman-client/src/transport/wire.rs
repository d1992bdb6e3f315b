//! The connection under hyper: counts what arrives and hides a failed
//! write, so that hyper goes on reading.
//!
//! A server that refuses a request on its headers (413) answers and closes
//! while the client is still writing the body; the close turns the next
//! write into a broken pipe or a reset. hyper stops at the first write
//! error and never reads the answer that is already waiting in the
//! socket. [`Watched`] records such an error, discards the rest of the
//! request, and lets reads carry on: the early response is read, or the
//! read side reports the close (with the write error added to the
//! message). The counters tell the transport whether a failed exchange went
//! out on a reused connection that sent nothing back.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// What one connection has seen.
#[derive(Debug, Default)]
struct Wire {
    /// Bytes read (after TLS) since the connection opened.
    read: AtomicU64,
    /// `read` when the last complete response had been read.
    read_at_last_response: AtomicU64,
    /// The write error hidden from hyper.
    write_error: Mutex<Option<String>>,
}

/// A handle on a connection's [`Wire`], kept by the transport while hyper owns the stream.
#[derive(Debug, Clone, Default)]
pub(crate) struct WireHandle(Arc<Wire>);

impl WireHandle {
    /// The client read a whole response on this connection.
    pub(crate) fn response_complete(&self) {
        let w = &self.0;
        w.read_at_last_response.store(w.read.load(Ordering::Acquire), Ordering::Release);
    }

    /// Nothing arrived since the last complete response (or since the
    /// connection opened).
    pub(crate) fn silent(&self) -> bool {
        let w = &self.0;
        w.read.load(Ordering::Acquire) == w.read_at_last_response.load(Ordering::Acquire)
    }

    /// The write error hidden from hyper, if any.
    pub(crate) fn write_error(&self) -> Option<String> {
        self.0.write_error.lock().ok().and_then(|g| g.clone())
    }
}

/// TCP, or TLS over TCP.
#[derive(Debug)]
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// A connection whose reads are counted and whose failed writes are hidden.
#[derive(Debug)]
pub(crate) struct Watched {
    inner: Stream,
    wire: WireHandle,
    /// A write failed: the rest of the request is discarded.
    broken: bool,
}

/// Errors meaning "the peer closed": the response may already be waiting.
fn is_peer_close(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted)
}

impl Watched {
    pub(crate) fn new(inner: Stream, wire: WireHandle) -> Watched {
        Watched { inner, wire, broken: false }
    }

    fn hide(&mut self, e: &io::Error) {
        self.broken = true;
        if let Ok(mut slot) = self.wire.0.write_error.lock() {
            slot.get_or_insert_with(|| e.to_string());
        }
    }
}

impl AsyncRead for Watched {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        let n = buf.filled().len().saturating_sub(before);
        self.wire.0.read.fetch_add(n as u64, Ordering::AcqRel);
        r
    }
}

impl AsyncWrite for Watched {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.broken {
            return Poll::Ready(Ok(buf.len()));
        }
        match Pin::new(&mut self.inner).poll_write(cx, buf) {
            Poll::Ready(Err(e)) if is_peer_close(&e) => {
                self.hide(&e);
                Poll::Ready(Ok(buf.len()))
            }
            other => other,
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.broken {
            return Poll::Ready(Ok(()));
        }
        match Pin::new(&mut self.inner).poll_flush(cx) {
            Poll::Ready(Err(e)) if is_peer_close(&e) => {
                self.hide(&e);
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.broken {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
