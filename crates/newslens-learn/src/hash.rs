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

/// A fast hasher for word-keyed tables (the quote cue lexicon, the events word tables): an
/// FxHash-style multiply-rotate over 8-byte words with [`mix64`] as the final mix. SipHash cost
/// more than the rest of a lexicon look-up, which runs for every word token; the keys are the
/// models' own words, so collision attacks are no concern. Use it only for maps whose iteration
/// order no output depends on.
#[derive(Debug, Clone, Copy, Default)]
pub struct WordHasher(u64);

impl std::hash::Hasher for WordHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0xf135_7aea_2e62_a9c5;
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
            h = (h.rotate_left(26) ^ w).wrapping_mul(K);
        }
        // The last 1..7 bytes in one word without a variable-length copy (a memcpy call per
        // key): two overlapping 4-byte reads, or first, middle and last byte.
        let rest = chunks.remainder();
        let n = rest.len();
        if n > 0 {
            let w = if n >= 4 {
                let lo = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]);
                let hi = u32::from_le_bytes([rest[n - 4], rest[n - 3], rest[n - 2], rest[n - 1]]);
                u64::from(lo) | (u64::from(hi) << 32)
            } else {
                u64::from(rest[0]) | (u64::from(rest[n / 2]) << 8) | (u64::from(rest[n - 1]) << 16)
            };
            h = (h.rotate_left(26) ^ w ^ n as u64).wrapping_mul(K);
        }
        self.0 = h;
    }

    #[inline]
    fn write_u8(&mut self, b: u8) {
        self.0 = (self.0.rotate_left(26) ^ u64::from(b)).wrapping_mul(0xf135_7aea_2e62_a9c5);
    }

    #[inline]
    fn finish(&self) -> u64 {
        mix64(self.0)
    }
}

/// Hash-map state for [`WordHasher`].
pub type WordState = std::hash::BuildHasherDefault<WordHasher>;

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
