//! [`SharedBmc`]: the core shared between the faces, and the scenario clock.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::bmc::Bmc;

/// Where scenario time comes from.
#[derive(Clone, Debug)]
pub enum Clock {
    /// Real time since `start`.
    Real {
        /// Scenario time zero.
        start: Instant,
    },
    /// Manual time: frozen until a test steps it.
    Manual(Arc<Mutex<Duration>>),
}

impl Clock {
    /// A real-time clock starting now.
    pub fn real() -> Clock {
        Clock::Real {
            start: Instant::now(),
        }
    }

    /// A frozen clock at `at`.
    pub fn frozen(at: Duration) -> Clock {
        Clock::Manual(Arc::new(Mutex::new(at)))
    }

    /// Current scenario time.
    pub fn now(&self) -> Duration {
        match self {
            Clock::Real { start } => start.elapsed(),
            Clock::Manual(t) => *t.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// Moves a manual clock forward by `by` (no effect on a real clock).
    pub fn step(&self, by: Duration) {
        if let Clock::Manual(t) = self {
            let mut t = t.lock().unwrap_or_else(|e| e.into_inner());
            *t = t.saturating_add(by);
        }
    }

    /// Sets a manual clock to `at` (no effect on a real clock).
    pub fn set(&self, at: Duration) {
        if let Clock::Manual(t) = self {
            *t.lock().unwrap_or_else(|e| e.into_inner()) = at;
        }
    }
}

/// A cloneable handle on one BMC and its clock; every face holds one.
#[derive(Clone, Debug)]
pub struct SharedBmc {
    bmc: Arc<Mutex<Bmc>>,
    clock: Clock,
}

impl SharedBmc {
    /// Wraps a core with a clock.
    pub fn new(bmc: Bmc, clock: Clock) -> SharedBmc {
        SharedBmc {
            bmc: Arc::new(Mutex::new(bmc)),
            clock,
        }
    }

    /// The clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Current scenario time.
    pub fn now(&self) -> Duration {
        self.clock.now()
    }

    /// Locks the core. A poisoned lock is recovered: the core has no
    /// invariants a panic half-way could break beyond one command.
    pub fn lock(&self) -> MutexGuard<'_, Bmc> {
        self.bmc.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the core with the current scenario time.
    pub fn with<R>(&self, f: impl FnOnce(&mut Bmc, Duration) -> R) -> R {
        let now = self.now();
        let mut b = self.lock();
        f(&mut b, now)
    }
}
