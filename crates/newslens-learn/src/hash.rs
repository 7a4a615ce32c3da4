//! Feature hashing: features are strings (or byte sequences) hashed straight to a row index of a
//! weight table, so extraction allocates nothing and models need no feature dictionary.

use std::hash::Hasher;

use rustc_hash::FxHasher;

/// Murmur3's 64-bit finaliser: spreads the entropy of FxHash (weak in the low bits) over every bit,
/// so masking to the low bits of the result gives an even spread of rows.
#[inline]
pub fn mix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    h
}

/// Builds the hash of one feature from a template id and any number of parts.
///
/// ```
/// use newslens_learn::hash::FeatureHash;
/// let a = FeatureHash::new(3).str("Putin").finish();
/// let b = FeatureHash::new(4).str("Putin").finish();
/// assert_ne!(a, b);
/// ```
#[derive(Clone)]
pub struct FeatureHash(FxHasher);

impl FeatureHash {
    /// Starts a feature of template `template`.
    #[inline]
    pub fn new(template: u32) -> Self {
        let mut h = FxHasher::default();
        h.write_u32(template);
        Self(h)
    }

    /// Adds a string part (with a terminator, so `("ab","c")` differs from `("a","bc")`).
    #[inline]
    pub fn str(mut self, s: &str) -> Self {
        self.0.write(s.as_bytes());
        self.0.write_u8(0xff);
        self
    }

    /// Adds a byte-string part.
    #[inline]
    pub fn bytes(mut self, b: &[u8]) -> Self {
        self.0.write(b);
        self.0.write_u8(0xff);
        self
    }

    /// Adds an integer part.
    #[inline]
    pub fn u64(mut self, v: u64) -> Self {
        self.0.write_u64(v);
        self
    }

    /// The mixed 64-bit hash.
    #[inline]
    pub fn finish(&self) -> u64 {
        mix64(self.0.finish())
    }

    /// The row index in a table of `1 << bits` rows.
    #[inline]
    pub fn row(&self, bits: u32) -> u32 {
        (self.finish() & ((1u64 << bits) - 1)) as u32
    }
}

impl std::fmt::Debug for FeatureHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FeatureHash({:#018x})", self.finish())
    }
}

/// SplitMix64: a tiny, well-known deterministic generator used for seeded shuffling, so training
/// runs are reproducible bit for bit on every platform.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// Seeds the generator.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_delimited() {
        let a = FeatureHash::new(1).str("ab").str("c").finish();
        let b = FeatureHash::new(1).str("a").str("bc").finish();
        assert_ne!(a, b);
    }

    #[test]
    fn rows_fit_the_table() {
        for i in 0..1000u64 {
            assert!(FeatureHash::new(0).u64(i).row(10) < 1024);
        }
    }

    #[test]
    fn shuffle_is_seeded() {
        let mut a: Vec<u32> = (0..50).collect();
        let mut b = a.clone();
        SplitMix64::new(7).shuffle(&mut a);
        SplitMix64::new(7).shuffle(&mut b);
        assert_eq!(a, b);
        let mut c: Vec<u32> = (0..50).collect();
        SplitMix64::new(8).shuffle(&mut c);
        assert_ne!(a, c);
    }
}
