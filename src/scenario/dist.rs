//! Probability distributions for service, processing and jitter times.

use serde::{Deserialize, Serialize};

/// A distribution of durations, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Dist {
    /// Always `ms`.
    Constant { ms: f64 },
    /// Uniform between `min_ms` and `max_ms`.
    Uniform { min_ms: f64, max_ms: f64 },
    /// Exponential with mean `mean_ms` (memoryless: the M in M/M/c).
    Exponential { mean_ms: f64 },
    /// Log-normal with median `median_ms` and shape `sigma` (heavy-tailed).
    LogNormal { median_ms: f64, sigma: f64 },
}

impl Dist {
    /// The mean in milliseconds.
    pub fn mean_ms(&self) -> f64 {
        match *self {
            Dist::Constant { ms } => ms,
            Dist::Uniform { min_ms, max_ms } => (min_ms + max_ms) / 2.0,
            Dist::Exponential { mean_ms } => mean_ms,
            Dist::LogNormal { median_ms, sigma } => median_ms * libm::exp(sigma * sigma / 2.0),
        }
    }

    /// True for the exponential distribution, which queueing formulas assume.
    pub fn is_exponential(&self) -> bool {
        matches!(self, Dist::Exponential { .. })
    }

    /// The same distribution with its mean multiplied by `factor`.
    pub fn scaled(&self, factor: f64) -> Dist {
        match *self {
            Dist::Constant { ms } => Dist::Constant { ms: ms * factor },
            Dist::Uniform { min_ms, max_ms } => Dist::Uniform {
                min_ms: min_ms * factor,
                max_ms: max_ms * factor,
            },
            Dist::Exponential { mean_ms } => Dist::Exponential {
                mean_ms: mean_ms * factor,
            },
            Dist::LogNormal { median_ms, sigma } => Dist::LogNormal {
                median_ms: median_ms * factor,
                sigma,
            },
        }
    }

    /// Checks every parameter, naming the field under `path` on error.
    pub(crate) fn check(&self, path: &str, errs: &mut Vec<super::FieldError>) {
        use super::limits::MAX_TIME_MS;
        let mut ms = |name: &str, v: f64| {
            if !(v.is_finite() && (0.0..=MAX_TIME_MS).contains(&v)) {
                errs.push(super::FieldError::new(
                    format!("{path}.{name}"),
                    format!("must be between 0 and {MAX_TIME_MS} ms, got {v}"),
                ));
            }
        };
        match *self {
            Dist::Constant { ms: v } => ms("constant.ms", v),
            Dist::Uniform { min_ms, max_ms } => {
                ms("uniform.min_ms", min_ms);
                ms("uniform.max_ms", max_ms);
                if min_ms > max_ms {
                    errs.push(super::FieldError::new(
                        format!("{path}.uniform"),
                        format!("min_ms ({min_ms}) must not exceed max_ms ({max_ms})"),
                    ));
                }
            }
            Dist::Exponential { mean_ms } => ms("exponential.mean_ms", mean_ms),
            Dist::LogNormal { median_ms, sigma } => {
                ms("log_normal.median_ms", median_ms);
                if !(sigma.is_finite() && (0.0..=4.0).contains(&sigma)) {
                    errs.push(super::FieldError::new(
                        format!("{path}.log_normal.sigma"),
                        format!("must be between 0 and 4, got {sigma}"),
                    ));
                }
            }
        }
    }
}
