//! Session bookkeeping shared by IPMI 1.5 and RMCP+: inbound sequence
//! numbers with a replay window (IPMI v2.0 §6.12.13, §13.33), idle timeouts
//! and the cached last reply for retransmitted requests.

use std::time::Duration;

use crate::bmc::Privilege;

use super::crypto::{AuthAlg, IntegAlg};

/// How far ahead of the highest sequence number seen a request may be.
const AHEAD: u32 = 32;
/// How far behind it a not-yet-seen request may be.
const BEHIND: u32 = 16;

/// Verdict on an inbound sequence number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SeqCheck {
    /// New and inside the window: process it.
    Fresh,
    /// Already seen: a retransmission or a replay.
    Duplicate,
    /// Outside the window.
    OutOfWindow,
}

/// Sliding window over inbound sequence numbers.
#[derive(Clone, Debug)]
pub(crate) struct SeqWindow {
    highest: u32,
    /// Bit i set = `highest - i` was seen.
    seen: u32,
}

impl SeqWindow {
    /// A window expecting `first` next.
    pub(crate) fn expecting(first: u32) -> SeqWindow {
        SeqWindow {
            highest: first.wrapping_sub(1),
            seen: 1,
        }
    }

    /// Checks `seq` and records it when fresh.
    pub(crate) fn check(&mut self, seq: u32) -> SeqCheck {
        let ahead = seq.wrapping_sub(self.highest);
        if ahead != 0 && ahead <= AHEAD {
            self.seen = if ahead >= 32 { 0 } else { self.seen << ahead };
            self.seen |= 1;
            self.highest = seq;
            return SeqCheck::Fresh;
        }
        let behind = self.highest.wrapping_sub(seq);
        if behind >= BEHIND {
            return SeqCheck::OutOfWindow;
        }
        if self.seen & (1 << behind) != 0 {
            return SeqCheck::Duplicate;
        }
        self.seen |= 1 << behind;
        SeqCheck::Fresh
    }
}

/// Negotiated RMCP+ algorithms and keys.
#[derive(Clone, Debug)]
pub(crate) struct V20Keys {
    pub(crate) integ: IntegAlg,
    pub(crate) conf: bool,
    pub(crate) k1: Vec<u8>,
    pub(crate) aes_key: [u8; 16],
}

/// What RAKP 1 fixed: (user id, Rm, Rc, role byte, user name).
pub(crate) type Rakp = (u8, [u8; 16], [u8; 16], u8, Vec<u8>);

/// Where a session stands.
#[derive(Clone, Debug)]
pub(crate) enum Phase {
    /// IPMI 1.5: challenge issued, waiting for Activate Session.
    V15Challenged {
        auth_type: u8,
        user_id: u8,
        challenge: [u8; 16],
    },
    /// IPMI 1.5: active.
    V15Active { auth_type: u8, password: Vec<u8> },
    /// RMCP+: Open Session answered; RAKP 1 / 3 pending.
    V20Opening {
        console_id: u32,
        auth: AuthAlg,
        integ: IntegAlg,
        conf: bool,
        max_priv: Privilege,
        /// Set by RAKP 1.
        rakp: Option<Rakp>,
    },
    /// RMCP+: active.
    V20Active { console_id: u32, keys: V20Keys },
}

/// One session (pending or active).
#[derive(Clone, Debug)]
pub(crate) struct Session {
    pub(crate) phase: Phase,
    pub(crate) last_activity: Duration,
    pub(crate) privilege: Privilege,
    pub(crate) max_privilege: Privilege,
    pub(crate) inbound: SeqWindow,
    pub(crate) outbound: u32,
    /// Last accepted sequence number and the reply sent for it.
    pub(crate) last_reply: Option<(u32, Vec<u8>)>,
}

impl Session {
    pub(crate) fn new(phase: Phase, now: Duration, max_privilege: Privilege) -> Session {
        Session {
            phase,
            last_activity: now,
            privilege: Privilege::User.min(max_privilege),
            max_privilege,
            inbound: SeqWindow::expecting(1),
            outbound: 0,
            last_reply: None,
        }
    }

    /// Admits an inbound sequence number: `Ok` for a fresh message; for a
    /// retransmission of the last one, `Err` with the cached reply to resend;
    /// `Err(None)` for anything to drop (replayed or outside the window).
    pub(crate) fn admit(&mut self, seq: u32) -> Result<(), Option<Vec<u8>>> {
        match self.inbound.check(seq) {
            SeqCheck::Fresh => Ok(()),
            SeqCheck::Duplicate => Err(self.last_reply.as_ref().filter(|(q, _)| *q == seq).map(|(_, r)| r.clone())),
            SeqCheck::OutOfWindow => Err(None),
        }
    }

    /// The next outbound sequence number (never 0).
    pub(crate) fn next_outbound(&mut self) -> u32 {
        self.outbound = self.outbound.wrapping_add(1).max(1);
        self.outbound
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_accepts_in_order_and_out_of_order_once() {
        let mut w = SeqWindow::expecting(1);
        assert_eq!(w.check(1), SeqCheck::Fresh);
        assert_eq!(w.check(3), SeqCheck::Fresh);
        assert_eq!(w.check(2), SeqCheck::Fresh);
        assert_eq!(w.check(2), SeqCheck::Duplicate);
        assert_eq!(w.check(3), SeqCheck::Duplicate);
        assert_eq!(w.check(3 + AHEAD + 1), SeqCheck::OutOfWindow);
        assert_eq!(w.check(30), SeqCheck::Fresh);
        assert_eq!(w.check(10), SeqCheck::OutOfWindow, "too far behind");
        assert_eq!(w.check(20), SeqCheck::Fresh);
        assert_eq!(w.check(20), SeqCheck::Duplicate);
    }

    #[test]
    fn window_wraps() {
        let mut w = SeqWindow::expecting(u32::MAX);
        assert_eq!(w.check(u32::MAX), SeqCheck::Fresh);
        assert_eq!(w.check(0), SeqCheck::Fresh);
        assert_eq!(w.check(u32::MAX), SeqCheck::Duplicate);
    }
}
