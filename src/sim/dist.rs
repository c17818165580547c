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
        Dist::Exponential { mean_ms } => mean_ms * std_exp(rng),
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
    ms_to_ns(1000.0 / rate_per_s * std_exp(rng))
}

/// Layers of the exponential ziggurat.
const LAYERS: usize = 256;
/// Where the tail starts (Marsaglia and Tsang, "The Ziggurat Method for Generating Random
/// Variables", 2000, for 256 layers).
const TAIL: f64 = 7.697_117_470_131_05;
/// The area of every layer, the base layer's tail included.
const LAYER_AREA: f64 = 3.949_659_822_581_557e-3;

/// The ziggurat's layer edges `x` (decreasing, `x[LAYERS] = 0`) and the density at each edge
/// `f[i] = e^(-x[i])`. Computed with `libm`, so every target holds the same bits.
struct Ziggurat {
    x: [f64; LAYERS + 1],
    f: [f64; LAYERS + 1],
}

fn ziggurat() -> &'static Ziggurat {
    static TABLES: std::sync::OnceLock<Ziggurat> = std::sync::OnceLock::new();
    TABLES.get_or_init(|| {
        let mut x = [0.0; LAYERS + 1];
        // The base layer: a rectangle of the common area whose right part is the tail.
        x[0] = LAYER_AREA / libm::exp(-TAIL);
        x[1] = TAIL;
        for i in 1..LAYERS - 1 {
            x[i + 1] = -libm::log(LAYER_AREA / x[i] + libm::exp(-x[i]));
        }
        x[LAYERS] = 0.0;
        let f = x.map(|v| libm::exp(-v));
        Ziggurat { x, f }
    })
}

/// A standard exponential sample (mean 1) by the ziggurat method: exact in distribution,
/// and for 99 % of samples one random word, a multiplication and a comparison instead of a
/// logarithm. The rest take the wedge test (`libm::exp`) or the tail (`libm::log`), so the
/// bits are the same on every target.
#[inline]
pub fn std_exp(rng: &mut Rng) -> f64 {
    let z = ziggurat();
    loop {
        let bits = rng.next_u64();
        let i = (bits & 0xff) as usize;
        let x = (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64) * z.x[i];
        if x < z.x[i + 1] {
            return x;
        }
        if i == 0 {
            // The tail beyond TAIL is TAIL plus an exponential (memorylessness).
            return TAIL - libm::log(rng.open_unit());
        }
        if z.f[i + 1] + (z.f[i] - z.f[i + 1]) * rng.unit() < libm::exp(-x) {
            return x;
        }
    }
}

const _: () = assert!(LAYERS == 256, "std_exp takes the layer from the low 8 bits");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::rng::Stream;

    #[test]
    fn every_layer_has_the_same_area_and_the_edges_fall_to_zero() {
        let z = ziggurat();
        assert_eq!(z.x[LAYERS], 0.0);
        assert_eq!(z.f[LAYERS], 1.0);
        for i in 0..LAYERS {
            assert!(z.x[i] > z.x[i + 1], "edges decrease at {i}");
        }
        // Layer i (i ≥ 1) is the rectangle [0, x[i]] × [f[i], f[i + 1]].
        for i in 1..LAYERS {
            let area = z.x[i] * (z.f[i + 1] - z.f[i]);
            assert!((area - LAYER_AREA).abs() < 1e-12, "layer {i}: {area}");
        }
        // The base layer: the rectangle under f(TAIL) plus the tail's area e^(-TAIL).
        let base = TAIL * z.f[1] + libm::exp(-TAIL);
        assert!((base - LAYER_AREA).abs() < 1e-15, "base layer: {base}");
        // The last edge before zero: where the recursion would have reached 0.
        assert!(z.x[LAYERS - 1] > 0.06 && z.x[LAYERS - 1] < 0.07);
    }

    /// One million samples (fixed seed) against the exponential law: mean, variance, the
    /// largest gap between the empirical and the exact distribution function
    /// (Kolmogorov–Smirnov), and the tail beyond the ziggurat's last layer.
    #[test]
    fn samples_follow_the_exponential_law() {
        const N: usize = 1_000_000;
        let mut rng = Rng::new(42, Stream::Work, 7);
        let mut v: Vec<f64> = (0..N).map(|_| std_exp(&mut rng)).collect();
        let mean = v.iter().sum::<f64>() / N as f64;
        let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / N as f64;
        // Standard errors: 0.001 for the mean, 0.009 for the variance.
        assert!((mean - 1.0).abs() < 0.004, "mean {mean}");
        assert!((var - 1.0).abs() < 0.036, "variance {var}");
        let beyond_tail = v.iter().filter(|&&x| x > TAIL).count();
        let expected = N as f64 * libm::exp(-TAIL); // about 454
        assert!(
            (beyond_tail as f64 - expected).abs() < 4.0 * expected.sqrt(),
            "{beyond_tail} samples beyond {TAIL}, expected {expected:.0}"
        );
        assert!(v.iter().all(|x| x.is_finite() && *x >= 0.0));
        v.sort_by(f64::total_cmp);
        let ks = v
            .iter()
            .enumerate()
            .map(|(k, &x)| {
                let cdf = 1.0 - libm::exp(-x);
                (cdf - k as f64 / N as f64)
                    .abs()
                    .max((cdf - (k + 1) as f64 / N as f64).abs())
            })
            .fold(0.0, f64::max);
        // 1.63 / √N is the 1 % critical value.
        assert!(
            ks < 1.63 / (N as f64).sqrt(),
            "Kolmogorov–Smirnov distance {ks}"
        );
    }

    #[test]
    fn a_sample_is_fixed_by_the_seed() {
        const PINNED: [u64; 4] = [
            4594800900238392731,
            4612086983560962129,
            4594561149895005258,
            4598279148958642208,
        ];
        let draw = |seed| {
            let mut rng = Rng::new(seed, Stream::Arrivals, 0);
            (0..4)
                .map(|_| std_exp(&mut rng).to_bits())
                .collect::<Vec<_>>()
        };
        // Any change to the sampler or the tables changes these, and every run's trace.
        assert_eq!(draw(5), PINNED);
    }
}
