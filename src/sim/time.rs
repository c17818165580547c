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
#[inline]
pub fn ms_to_ns(ms: f64) -> Nanos {
    let x = ms * NS_PER_MS as f64;
    // Fast path with the same result as `round` (half away from zero): below 2^52 the
    // truncation and the fraction `x - t` are exact.
    if (0.0..4_503_599_627_370_496.0).contains(&x) {
        // Through i64: x86-64 converts signed integers in one instruction each way.
        let t = x as i64;
        let t = if x - t as f64 >= 0.5 { t + 1 } else { t };
        return t as u64;
    }
    // `as` saturates and maps NaN to 0; `round` is exact on every target.
    x.round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ms_to_ns_rounds_half_away_from_zero_like_round() {
        let probes = [
            0.0,
            -0.0,
            1e-7,
            4.999_999e-7,
            5e-7,
            f64::from_bits(5e-7f64.to_bits() - 1),
            1.000_000_5e-3,
            0.123_456_789_5,
            2.5e-6,
            1.0,
            1e9,
            4_503_599.627_370_495,
            4_503_599.627_370_497,
            9.2e12,
            1e300,
            -1.0,
            -0.000_000_6,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for ms in probes {
            assert_eq!(ms_to_ns(ms), (ms * 1e6).round() as u64, "{ms}");
        }
        let mut r = crate::sim::rng::Rng::new(3, crate::sim::rng::Stream::Work, 0);
        for _ in 0..200_000 {
            let ms = r.unit() * 10f64.powi(r.below(14) as i32 - 6);
            assert_eq!(ms_to_ns(ms), (ms * 1e6).round() as u64, "{ms}");
            let half = (r.below(1 << 30) as f64 + 0.5) / 1e6;
            assert_eq!(ms_to_ns(half), (half * 1e6).round() as u64, "{half}");
        }
    }
}
