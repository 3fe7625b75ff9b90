//! `math.rand()`'s stream: SplitMix64, seeded by the host, so a run is the same everywhere.

/// The largest value `math.rand()` returns (`math.RAND_MAX`), a choice: impOS's value is not
/// documented; this is glibc's.
pub const RAND_MAX: i32 = i32::MAX;

#[derive(Clone, Debug)]
pub struct Rand {
    state: u64,
}

impl Rand {
    pub fn new(seed: u64) -> Rand {
        Rand { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// An integer in `0..=RAND_MAX`.
    pub fn next_int(&mut self) -> i32 {
        (self.next_u64() >> 33) as i32
    }
}
