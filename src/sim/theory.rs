//! Queueing theory the simulation is checked against (and the overlay shows).

/// Erlang C: the probability that an arrival waits, for `c` servers at offered load `a = λ/μ`.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let c_f = c as f64;
    if a >= c_f {
        return 1.0;
    }
    // Sum a^k/k! for k < c, iteratively.
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..c {
        term *= a / k as f64;
        sum += term;
    }
    let top = term * a / c_f * (c_f / (c_f - a));
    top / (sum + top)
}

/// Predictions of an M/M/c queue.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct MmcPrediction {
    /// Utilisation ρ = λ / (cμ).
    pub utilisation: f64,
    /// Probability of waiting.
    pub p_wait: f64,
    /// Mean wait in the queue, in ms.
    pub wait_ms: f64,
    /// Mean number waiting (Little: λ·W).
    pub queue_len: f64,
    /// Mean time in system (wait + service), in ms.
    pub sojourn_ms: f64,
}

/// The M/M/c prediction for arrival rate `lambda_per_s`, `c` servers and mean service `service_ms`;
/// `None` when the queue is unstable (ρ ≥ 1).
pub fn mmc(lambda_per_s: f64, c: u32, service_ms: f64) -> Option<MmcPrediction> {
    if c == 0 || service_ms <= 0.0 || lambda_per_s <= 0.0 {
        return None;
    }
    let mu = 1000.0 / service_ms;
    let a = lambda_per_s / mu;
    let rho = a / c as f64;
    if rho >= 1.0 {
        return None;
    }
    let pw = erlang_c(c, a);
    let wait_s = pw / (c as f64 * mu - lambda_per_s);
    Some(MmcPrediction {
        utilisation: rho,
        p_wait: pw,
        wait_ms: wait_s * 1000.0,
        queue_len: lambda_per_s * wait_s,
        sojourn_ms: wait_s * 1000.0 + service_ms,
    })
}
