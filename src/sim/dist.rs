//! Sampling scenario distributions with bit-identical results on every target.

use super::rng::Rng;
use super::time::{ms_to_ns, Nanos};
use crate::scenario::Dist;

/// A sample of `dist` scaled by `factor`, in nanoseconds.
///
/// Transcendental functions come from `libm`, so x86_64 and wasm32 compute the same bits.
pub fn sample(dist: &Dist, factor: f64, rng: &mut Rng) -> Nanos {
    let ms = match *dist {
        Dist::Constant { ms } => ms,
        Dist::Uniform { min_ms, max_ms } => min_ms + (max_ms - min_ms) * rng.unit(),
        Dist::Exponential { mean_ms } => -mean_ms * libm::log(rng.open_unit()),
        Dist::LogNormal { median_ms, sigma } => {
            // Box–Muller for one standard normal.
            let r = libm::sqrt(-2.0 * libm::log(rng.open_unit()));
            let z = r * libm::cos(core::f64::consts::TAU * rng.unit());
            median_ms * libm::exp(sigma * z)
        }
    };
    ms_to_ns(ms * factor)
}

/// An exponential gap with the given rate per second, in nanoseconds.
pub fn exp_gap(rate_per_s: f64, rng: &mut Rng) -> Nanos {
    ms_to_ns(-1000.0 / rate_per_s * libm::log(rng.open_unit()))
}
