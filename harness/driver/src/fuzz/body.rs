//! Request bodies: bytes, or a large body generated chunk by chunk.
//!
//! A [`GeneratedBody`] is a head, one octet repeated `filler_len` times, and a
//! tail. [`GeneratedBody::chunks`] yields it in pieces that share one filler
//! buffer, so streaming 100 MB costs one chunk of memory; only
//! [`GeneratedBody::to_bytes`] (for a sender that needs the body in one
//! piece) allocates the whole body, once.

use bytes::Bytes;

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
        Chunks { head: Some(self.head.clone()), filler: shared, left: self.filler_len, tail: Some(self.tail.clone()), chunk }
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

/// The chunks of a [`GeneratedBody`] (see [`GeneratedBody::chunks`]).
#[derive(Debug)]
pub struct Chunks {
    head: Option<Bytes>,
    filler: Bytes,
    left: u64,
    tail: Option<Bytes>,
    chunk: usize,
}

impl Iterator for Chunks {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
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
}
