//! When requests start ([`Schedule`]), when a run ends ([`Stop`]), and how a
//! run is split across processes ([`Shard`]).
//!
//! A run is a [`Schedule`] × a [`Stop`], composed, never a function per
//! combination:
//!
//! ```text
//!   Closed { connections: N }    each of N virtual users sends its next request
//!                                as soon as the previous answer is in
//!   Open { rate: R, connections } request k is due at start + k/R; a free user
//!                                takes it; its latency runs from that intended
//!                                start (wrk2), so a stalled server is charged for
//!                                every request it delayed, not just the one it held
//!
//!   Stop::Requests(n)            n measured requests (flows), then stop
//!   Stop::Duration(d)            stop starting requests d after the warm-up
//! ```

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// How requests are started.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Schedule {
    /// `connections` virtual users, each with its own connection, each sending
    /// as fast as its answers come (a closed loop: the server sets the pace).
    Closed {
        /// Virtual users (and connections).
        connections: usize,
    },
    /// A fixed schedule of `rate` requests per second over `connections`
    /// users (an open loop: the schedule sets the pace; latency is measured
    /// from each request's intended start).
    Open {
        /// Requests (flows) per second, over all users.
        rate: f64,
        /// Virtual users (and connections) that take the due requests.
        connections: usize,
    },
}

impl Schedule {
    /// The number of virtual users.
    pub fn connections(&self) -> usize {
        match *self {
            Schedule::Closed { connections } | Schedule::Open { connections, .. } => connections,
        }
    }

    /// The rate of an open schedule.
    pub fn rate(&self) -> Option<f64> {
        match *self {
            Schedule::Closed { .. } => None,
            Schedule::Open { rate, .. } => Some(rate),
        }
    }

    /// `"closed"` or `"open"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Schedule::Closed { .. } => "closed",
            Schedule::Open { .. } => "open",
        }
    }

    /// This shard's part of the schedule: the rate (open) or the users
    /// (closed) divided as evenly as whole users allow. An open shard keeps
    /// at least one user.
    pub fn shard(&self, shard: Shard) -> Schedule {
        match *self {
            Schedule::Closed { connections } => Schedule::Closed { connections: shard.part_of(connections) },
            Schedule::Open { rate, connections } => Schedule::Open { rate: rate / shard.count as f64, connections: shard.part_of(connections).max(1) },
        }
    }
}

/// When a run stops starting requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// After this many measured requests (flows) have been started.
    Requests(u64),
    /// This long after the warm-up ended.
    Duration(Duration),
}

impl Stop {
    /// The default of `load` with neither `--requests` nor `--duration`.
    pub const DEFAULT: Stop = Stop::Duration(Duration::from_secs(10));

    /// This shard's part: a count divided as [`Shard::part_of`] does; a
    /// duration is the same for every shard.
    pub fn shard(&self, shard: Shard) -> Stop {
        match *self {
            Stop::Requests(n) => Stop::Requests(shard.part_of_u64(n)),
            Stop::Duration(d) => Stop::Duration(d),
        }
    }
}

/// Shard `index` of `count` (`--shard I/N`, I from 0): one process's part of
/// a run that several processes (or machines: a Kubernetes Indexed Job sets
/// `JOB_COMPLETION_INDEX`) run at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, from 0.
    pub index: u32,
    /// Shards in all, at least 1.
    pub count: u32,
}

impl Shard {
    /// The whole run.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// This shard's part of `n` whole units: `n / count`, the first
    /// `n % count` shards one more, so the parts add up to `n`.
    pub fn part_of(&self, n: usize) -> usize {
        let (count, index) = (self.count as usize, self.index as usize);
        n / count + usize::from(index < n % count)
    }

    /// [`Shard::part_of`] for counts.
    pub fn part_of_u64(&self, n: u64) -> u64 {
        let (count, index) = (u64::from(self.count), u64::from(self.index));
        n / count + u64::from(index < n % count)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// A `--shard` value that is not `I/N` with `0 <= I < N`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--shard expects I/N with 0 <= I < N (e.g. 0/4), not {0:?}")]
pub struct InvalidShard(pub String);

impl FromStr for Shard {
    type Err = InvalidShard;

    fn from_str(s: &str) -> Result<Shard, InvalidShard> {
        let bad = || InvalidShard(s.to_owned());
        let (i, n) = s.trim().split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_add_up_to_the_whole() {
        for count in 1..7u32 {
            for n in [0usize, 1, 5, 64, 65] {
                let sum: usize = (0..count).map(|index| Shard { index, count }.part_of(n)).sum();
                assert_eq!(sum, n, "{n} over {count}");
                let sum: u64 = (0..count).map(|index| Shard { index, count }.part_of_u64(n as u64)).sum();
                assert_eq!(sum, n as u64);
            }
        }
        let open = Schedule::Open { rate: 300.0, connections: 2 };
        let parts: Vec<_> = (0..3).map(|index| open.shard(Shard { index, count: 3 })).collect();
        assert_eq!(parts[2], Schedule::Open { rate: 100.0, connections: 1 });
        assert_eq!(Schedule::Closed { connections: 5 }.shard(Shard { index: 0, count: 2 }), Schedule::Closed { connections: 3 });
    }

    #[test]
    fn shard_text() {
        assert_eq!("1/4".parse::<Shard>(), Ok(Shard { index: 1, count: 4 }));
        for bad in ["4/4", "1", "a/2", "0/0", "-1/2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
