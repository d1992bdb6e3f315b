//! Request bodies: bytes, or a large body generated chunk by chunk.
//!
//! A [`GeneratedBody`] is a head, one octet repeated `filler_len` times, and a
//! tail. [`GeneratedBody::chunks`] yields it in pieces that share one filler
//! buffer, so streaming 100 MB costs one chunk of memory; only
//! [`GeneratedBody::to_bytes`] (for a sender that needs the body in one
//! piece) allocates the whole body, once.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use wsman_client::hyper::body::{Body, Frame, SizeHint};

use super::Framing;

/// A request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestBody {
    /// The body in one piece.
    Bytes(Bytes),
    /// A large body produced on demand.
    Generated(GeneratedBody),
}

impl RequestBody {
    /// Length in octets.
    pub fn len(&self) -> u64 {
        match self {
            RequestBody::Bytes(b) => b.len() as u64,
            RequestBody::Generated(g) => g.len(),
        }
    }

    /// True for an empty body.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The whole body in one buffer (allocates a generated body once).
    pub fn to_bytes(&self) -> Bytes {
        match self {
            RequestBody::Bytes(b) => b.clone(),
            RequestBody::Generated(g) => g.to_bytes(),
        }
    }

    /// A hyper request body that streams this body: with an exact length
    /// (so hyper sends Content-Length) for [`Framing::ContentLength`],
    /// without one (so hyper sends it chunked) for [`Framing::Chunked`], in
    /// chunks of that size. A generated body is never held whole.
    pub fn to_wire(&self, framing: Framing) -> WireBody {
        let (chunk, exact) = match framing {
            Framing::ContentLength => (DEFAULT_CHUNK, true),
            Framing::Chunked { chunk } => (chunk.max(1), false),
        };
        let chunks = match self {
            RequestBody::Bytes(b) => Chunks::of_bytes(b.clone(), chunk),
            RequestBody::Generated(g) => g.chunks(chunk),
        };
        WireBody { chunks, left: self.len(), exact }
    }

    /// The bytes when the body is held in one piece.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            RequestBody::Bytes(b) => Some(b),
            RequestBody::Generated(_) => None,
        }
    }
}

/// A body of `head`, `filler_len` copies of `filler`, then `tail`.
#[derive(Clone, PartialEq, Eq)]
pub struct GeneratedBody {
    /// The start (an envelope up to where the filler goes).
    pub head: Bytes,
    /// The repeated octet.
    pub filler: u8,
    /// How many filler octets.
    pub filler_len: u64,
    /// The end (closing the envelope).
    pub tail: Bytes,
}

impl std::fmt::Debug for GeneratedBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The head and tail are short; never print the filler.
        f.debug_struct("GeneratedBody")
            .field("head", &String::from_utf8_lossy(&self.head))
            .field("filler", &(self.filler as char))
            .field("filler_len", &self.filler_len)
            .field("tail", &String::from_utf8_lossy(&self.tail))
            .finish()
    }
}

impl GeneratedBody {
    /// Total length in octets.
    pub fn len(&self) -> u64 {
        self.head.len() as u64 + self.filler_len + self.tail.len() as u64
    }

    /// True when head, filler and tail are all empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The body in chunks of at most `chunk` octets (at least 1). Filler
    /// chunks are clones of one shared buffer.
    pub fn chunks(&self, chunk: usize) -> Chunks {
        let chunk = chunk.max(1);
        let shared = Bytes::from(vec![self.filler; chunk.min(usize::try_from(self.filler_len).unwrap_or(usize::MAX))]);
        Chunks { head: Some(self.head.clone()), filler: shared, left: self.filler_len, tail: Some(self.tail.clone()), chunk, bytes: None }
    }

    /// The whole body in one buffer.
    pub fn to_bytes(&self) -> Bytes {
        let mut out = Vec::with_capacity(usize::try_from(self.len()).unwrap_or(0));
        out.extend_from_slice(&self.head);
        out.resize(out.len() + usize::try_from(self.filler_len).unwrap_or(0), self.filler);
        out.extend_from_slice(&self.tail);
        out.into()
    }
}

/// Chunk size of a streamed Content-Length body.
const DEFAULT_CHUNK: usize = 64 * 1024;

/// A streamed request body (see [`RequestBody::to_wire`]).
#[derive(Debug)]
pub struct WireBody {
    chunks: Chunks,
    /// Octets not yet yielded (for the size hint).
    left: u64,
    /// Whether to announce the exact length (Content-Length) or not (chunked).
    exact: bool,
}

impl Body for WireBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.chunks.next().map(|c| {
            self.left -= c.len() as u64;
            Ok(Frame::data(c))
        }))
    }

    fn is_end_stream(&self) -> bool {
        self.left == 0
    }

    fn size_hint(&self) -> SizeHint {
        if self.exact {
            SizeHint::with_exact(self.left)
        } else {
            SizeHint::default()
        }
    }
}

/// The chunks of a [`GeneratedBody`] (see [`GeneratedBody::chunks`]).
#[derive(Debug)]
pub struct Chunks {
    head: Option<Bytes>,
    filler: Bytes,
    left: u64,
    tail: Option<Bytes>,
    chunk: usize,
    /// A body held in one piece, yielded in slices (no head, filler or tail then).
    bytes: Option<Bytes>,
}

impl Chunks {
    /// `bytes` in slices of `chunk` octets (the "head" only, no filler).
    fn of_bytes(bytes: Bytes, chunk: usize) -> Chunks {
        Chunks { head: None, filler: Bytes::new(), left: 0, tail: None, chunk, bytes: Some(bytes) }
    }
}

impl Iterator for Chunks {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        if let Some(b) = &mut self.bytes {
            if b.is_empty() {
                self.bytes = None;
                return None;
            }
            return Some(b.split_to(self.chunk.min(b.len())));
        }
        if let Some(h) = self.head.take().filter(|h| !h.is_empty()) {
            return Some(h);
        }
        if self.left > 0 {
            let n = self.left.min(self.chunk as u64).min(self.filler.len() as u64);
            self.left -= n;
            return Some(self.filler.slice(..n as usize));
        }
        self.tail.take().filter(|t| !t.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_concatenate_to_the_whole_body_and_share_the_filler() {
        let g = GeneratedBody { head: Bytes::from_static(b"<a>"), filler: b'x', filler_len: 10_001, tail: Bytes::from_static(b"</a>") };
        assert_eq!(g.len(), 10_008);
        let chunks: Vec<Bytes> = g.chunks(4096).collect();
        assert!(chunks.iter().all(|c| c.len() <= 4096));
        assert_eq!(chunks.len(), 1 + 3 + 1);
        let joined: Vec<u8> = chunks.iter().flat_map(|c| c.iter().copied()).collect();
        assert_eq!(joined, g.to_bytes().to_vec());
        assert!(joined.starts_with(b"<a>xxx") && joined.ends_with(b"x</a>"));
        // Filler chunks point into one buffer.
        assert_eq!(chunks[1].as_ptr(), chunks[2].as_ptr());
    }

    /// Drains a body synchronously (its frames are always ready).
    fn drain(mut body: WireBody) -> Vec<u8> {
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut out = Vec::new();
        while let Poll::Ready(Some(Ok(frame))) = Pin::new(&mut body).poll_frame(&mut cx) {
            out.extend_from_slice(frame.data_ref().expect("data"));
        }
        assert!(body.is_end_stream());
        out
    }

    #[test]
    fn wire_bodies_announce_their_length_only_with_content_length() {
        let g = RequestBody::Generated(GeneratedBody { head: Bytes::from_static(b"<a>"), filler: b'y', filler_len: 70_000, tail: Bytes::from_static(b"</a>") });
        let sized = g.to_wire(Framing::ContentLength);
        assert_eq!(sized.size_hint().exact(), Some(70_007));
        assert_eq!(drain(sized), g.to_bytes().to_vec());
        let chunked = g.to_wire(Framing::Chunked { chunk: 7 });
        assert_eq!(chunked.size_hint().exact(), None);
        assert_eq!(drain(chunked).len(), 70_007);
        let b = RequestBody::Bytes(Bytes::from_static(b"0123456789"));
        let w = b.to_wire(Framing::Chunked { chunk: 4 });
        assert_eq!(w.chunks.collect::<Vec<_>>(), vec![Bytes::from_static(b"0123"), Bytes::from_static(b"4567"), Bytes::from_static(b"89")]);
        assert_eq!(drain(b.to_wire(Framing::ContentLength)), b"0123456789");
    }
}
