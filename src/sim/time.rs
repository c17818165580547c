//! Virtual time: integer nanoseconds, never read from a clock.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A point in virtual time, in nanoseconds since the start of the run.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct SimTime(pub u64);

/// A span of virtual time, in nanoseconds.
pub type Nanos = u64;

/// Nanoseconds per millisecond.
pub const NS_PER_MS: u64 = 1_000_000;
/// Nanoseconds per second.
pub const NS_PER_S: u64 = 1_000_000_000;

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// The end of time (never reached).
    pub const NEVER: SimTime = SimTime(u64::MAX);

    /// From (validated, finite, non-negative) milliseconds, rounded to the nanosecond.
    pub fn from_ms(ms: f64) -> SimTime {
        SimTime(ms_to_ns(ms))
    }
    /// As milliseconds.
    pub fn as_ms(self) -> f64 {
        self.0 as f64 / NS_PER_MS as f64
    }
    /// As seconds.
    pub fn as_secs(self) -> f64 {
        self.0 as f64 / NS_PER_S as f64
    }
    /// This time plus a span, saturating.
    pub fn after(self, d: Nanos) -> SimTime {
        SimTime(self.0.saturating_add(d))
    }
    /// The span from `earlier` to `self` (zero if `earlier` is later).
    pub fn since(self, earlier: SimTime) -> Nanos {
        self.0.saturating_sub(earlier.0)
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.3} s", self.as_secs())
    }
}

/// Milliseconds to nanoseconds; negative and NaN become 0, huge values saturate.
pub fn ms_to_ns(ms: f64) -> Nanos {
    // `as` saturates and maps NaN to 0; `round` is exact on every target.
    (ms * NS_PER_MS as f64).round() as u64
}
