//! Seeded randomness. Each random source draws from its own stream (SPEC §1, §13
//! "Transmission"), so adding a UDP send never shifts which TCP segment is lost.
//!
//! ChaCha8 is specified bit for bit, so a seed gives the same draws on native and wasm; the
//! float conversion below uses only integer shifts and one exact multiplication for the same
//! reason.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// The random sources of the model. The discriminant picks the ChaCha stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// T4: whether an uplink TCP segment is lost.
    UplinkLoss = 1,
    /// U7: whether a UDP packet (fragment) is lost.
    UdpLoss = 2,
}

/// One independent stream of random draws.
#[derive(Clone, Debug)]
pub struct Stream {
    rng: ChaCha8Rng,
}

impl Stream {
    pub fn new(seed: u64, source: Source) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(source as u64);
        Stream { rng }
    }

    /// A uniform draw in [0, 1) with 53 bits of precision.
    pub fn next_f64(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p` (0 never, 1 always). Draws once whatever `p` is, so the
    /// stream's position depends only on how many times it was asked.
    pub fn chance(&mut self, p: f64) -> bool {
        self.next_f64() < p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_independent_and_reproducible() {
        let mut a = Stream::new(7, Source::UplinkLoss);
        let mut b = Stream::new(7, Source::UplinkLoss);
        let mut u = Stream::new(7, Source::UdpLoss);
        let xs: Vec<f64> = (0..8).map(|_| a.next_f64()).collect();
        let ys: Vec<f64> = (0..8).map(|_| b.next_f64()).collect();
        let zs: Vec<f64> = (0..8).map(|_| u.next_f64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
    }

    #[test]
    fn chance_edges() {
        let mut s = Stream::new(1, Source::UplinkLoss);
        assert!((0..100).all(|_| !s.chance(0.0)));
        assert!((0..100).all(|_| s.chance(1.0)));
    }
}
