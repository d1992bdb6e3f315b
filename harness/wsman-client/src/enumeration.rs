//! [`Enumeration`]: the items of an Enumerate as a stream that pulls to the
//! end (WS-Enumeration §3, DSP0226 §8).
//!
//! ```text
//!   Enumerate ──> EnumerateResponse [context] [Items (optimized)] [EndOfSequence]
//!                     │
//!   next(): buffered items first; then, while there is a context and no EndOfSequence:
//!   Pull(context, MaxElements) ──> PullResponse [context] Items [EndOfSequence]
//!                     │
//!   ends on EndOfSequence, on an absent or empty context (the shapes Windows
//!   sends: an empty context with EndOfSequence in the EnumerateResponse, no
//!   context on the last PullResponse), or after an error (returned once).
//!
//!   dropped before the end with a live context: Release in the background
//!   (best effort, bounded by the session's deadline; Session::released waits for it)
//! ```

use std::collections::VecDeque;
use std::num::NonZeroU64;

use wsman_proto::message::{EnumerateResponse, Item, Pull};
use wsman_proto::Element;

use crate::error::{Error, ProtocolKind};
use crate::session::{Resource, Session};

/// Consecutive Pulls answered with no item and no end before the stream
/// gives up: an endpoint that never ends must not hold the caller forever.
pub const MAX_EMPTY_PULLS: u32 = 100;

/// The items of one enumeration, pulled on demand (no `futures` needed:
/// `while let Some(item) = e.next().await`).
///
/// ```no_run
/// use wsman_client::message::Enumerate;
/// use wsman_client::{Endpoint, Resource, Session};
///
/// # async fn demo() -> Result<(), wsman_client::Error> {
/// let session = Session::new(Endpoint::new("http://127.0.0.1:5985/wsman").with_user("admin", "admin"))?;
/// let mut services = session.enumerate(&Resource::cimv2("Win32_Service"), Enumerate::default()).await?;
/// // The first three, then the rest of the context is released.
/// for _ in 0..3 {
///     if let Some(item) = services.next().await {
///         println!("{:?}", item?.to_instance());
///     }
/// }
/// services.release().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Enumeration {
    session: Session,
    resource: Resource,
    /// The context to pull with; `None` once the sequence ended.
    context: Option<String>,
    /// Items received and not yet handed out.
    buffer: VecDeque<Element>,
    /// A Pull failed: the stream is over, the context is still released on drop.
    failed: bool,
    /// `wsen:MaxElements` of every Pull (the Enumerate's `wsman:MaxElements`).
    max_elements: Option<NonZeroU64>,
    empty_pulls: u32,
}

impl Enumeration {
    pub(crate) fn start(session: Session, resource: Resource, max_elements: Option<NonZeroU64>, first: EnumerateResponse) -> Enumeration {
        let mut e = Enumeration { session, resource, context: None, buffer: VecDeque::new(), failed: false, max_elements, empty_pulls: 0 };
        e.absorb(first.context, first.items.unwrap_or_default(), first.end_of_sequence);
        e
    }

    fn absorb(&mut self, context: Option<String>, items: Vec<Element>, end_of_sequence: bool) {
        self.empty_pulls = if items.is_empty() { self.empty_pulls + 1 } else { 0 };
        self.buffer.extend(items);
        // After EndOfSequence the endpoint has let go of the context; without
        // one (or with the empty one Windows sends) there is nothing to pull.
        self.context = context.filter(|c| !c.trim().is_empty() && !end_of_sequence);
    }

    /// The next item: from the last batch, or pulled. `None` at the end (and
    /// after an error, which is returned once).
    pub async fn next(&mut self) -> Option<Result<Item, Error>> {
        loop {
            if let Some(el) = self.buffer.pop_front() {
                return Some(Item::from_element(&el).map_err(|e| Error::protocol(ProtocolKind::Decode, format!("an enumeration item: {e}"))));
            }
            if self.failed {
                return None;
            }
            let context = self.context.clone()?;
            if self.empty_pulls >= MAX_EMPTY_PULLS {
                self.failed = true;
                return Some(Err(Error::protocol(ProtocolKind::Decode, format!("{MAX_EMPTY_PULLS} Pulls in a row brought no item and no EndOfSequence"))));
            }
            let pull = Pull { context, max_elements: self.max_elements, ..Pull::default() };
            match self.session.pull(&self.resource, pull).await {
                Ok(r) => self.absorb(r.context, r.items, r.end_of_sequence),
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
    }

    /// Every remaining item, pulled to the end.
    ///
    /// # Errors
    /// The first error of a Pull or of an item.
    pub async fn collect(mut self) -> Result<Vec<Item>, Error> {
        let mut items = Vec::new();
        while let Some(item) = self.next().await {
            items.push(item?);
        }
        Ok(items)
    }

    /// The context the next Pull would use; `None` once the sequence ended.
    pub fn context(&self) -> Option<&str> {
        self.context.as_deref()
    }

    /// Whether every item has been handed out and nothing is left to pull.
    pub fn is_done(&self) -> bool {
        self.buffer.is_empty() && (self.context.is_none() || self.failed)
    }

    /// Releases the context now and waits for the answer (nothing is sent
    /// when the sequence already ended).
    ///
    /// # Errors
    /// The Release's fault, transport or protocol [`Error`].
    pub async fn release(mut self) -> Result<(), Error> {
        match self.context.take() {
            Some(c) => self.session.release(&self.resource, &c).await,
            None => Ok(()),
        }
    }
}

impl Drop for Enumeration {
    fn drop(&mut self) {
        if let Some(context) = self.context.take() {
            self.session.release_in_background(self.resource.clone(), context);
        }
    }
}
