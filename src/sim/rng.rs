//! Seeded randomness: one seed for the run, one independent stream per purpose.

use rand_core::RngCore;
use rand_pcg::Pcg64Mcg;

/// A deterministic generator (PCG-64 MCG, whose output is fixed by its specification).
#[derive(Clone, Debug)]
pub struct Rng(Pcg64Mcg);

/// Stream families, so that e.g. adding a link never shifts a workload's arrivals.
#[derive(Clone, Copy, Debug)]
pub enum Stream {
    /// Arrivals of a workload.
    Arrivals = 1,
    /// Service or processing times of a node.
    Work = 2,
    /// Jitter and loss of a link direction.
    Link = 3,
    /// Load balancing, backoff jitter, poison choice and other decisions of a node.
    Choice = 4,
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Rng {
    /// The generator for `(seed, family, index)`.
    pub fn new(seed: u64, family: Stream, index: u64) -> Rng {
        let a = splitmix64(seed ^ splitmix64(family as u64));
        let b = splitmix64(a ^ splitmix64(index.wrapping_add(0x51_7cc1_b727_220a)));
        let state = ((a as u128) << 64) | (b as u128) | 1;
        Rng(Pcg64Mcg::new(state))
    }
    /// 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
    /// Uniform in [0, 1), 53 bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    /// Uniform in (0, 1], safe for logarithms.
    pub fn open_unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    /// Uniform integer below `n` (n > 0), without modulo bias worth noticing (Lemire).
    pub fn below(&mut self, n: u32) -> u32 {
        (((self.next_u64() >> 32) * n as u64) >> 32) as u32
    }
    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && (p >= 1.0 || self.unit() < p)
    }
}
