//! MinHash signatures and LSH banding over word shingles.
//!
//! Hand-written on purpose: the crates that offer MinHash LSH keep their band tables in memory,
//! while the store needs them *persistent and transactional* (band keys are SQLite rows written in
//! the same transaction as the document), so clustering stays incremental across ingest runs and
//! crash-safe. What remains is ~100 lines: normalisation, shingling, signatures and band keys.

use xxhash_rust::xxh3::xxh3_64;

/// Lower-cased alphanumeric word tokens (punctuation, quotes and case do not matter).
pub fn normalise_tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect()
}

/// Hashes of the word `k`-shingles of `tokens` (one shingle of all tokens when there are fewer),
/// sorted and deduplicated: a set.
pub fn shingles<S: AsRef<str>>(tokens: &[S], k: usize) -> Vec<u64> {
    let mut out = Vec::new();
    if tokens.is_empty() {
        return out;
    }
    let k = k.min(tokens.len()).max(1);
    out.reserve(tokens.len() + 1 - k);
    let mut buf = String::new();
    for w in tokens.windows(k) {
        buf.clear();
        for t in w {
            buf.push_str(t.as_ref());
            buf.push('\u{1f}');
        }
        out.push(xxh3_64(buf.as_bytes()));
    }
    // A sorted set: the intersection below is then one merge, with no hashing.
    out.sort_unstable();
    out.dedup();
    out
}

/// `shingles(&normalise_tokens(text), k)` without a `String` per token: the lower-cased tokens
/// are written once, each followed by the separator, so a shingle is a slice of that buffer
/// (≈ 450 allocations less per seed-length article).
pub fn text_shingles(text: &str, k: usize) -> Vec<u64> {
    let mut buf = String::with_capacity(text.len() + 16);
    let mut starts: Vec<usize> = Vec::new();
    for w in text.split(|c: char| !c.is_alphanumeric()) {
        if w.is_empty() {
            continue;
        }
        starts.push(buf.len());
        if w.is_ascii() {
            buf.extend(w.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            // `str::to_lowercase` (not per char): a final sigma lower-cases to "ς".
            buf.push_str(&w.to_lowercase());
        }
        buf.push('\u{1f}');
    }
    let mut out = Vec::new();
    if starts.is_empty() {
        return out;
    }
    let k = k.min(starts.len()).max(1);
    starts.push(buf.len());
    out.reserve(starts.len() - k);
    for i in 0..starts.len() - k {
        out.push(xxh3_64(&buf.as_bytes()[starts[i]..starts[i + k]]));
    }
    out.sort_unstable();
    out.dedup();
    out
}

const SEEDS: [u64; 4] = [
    0x9E37_79B9_7F4A_7C15,
    0xC2B2_AE3D_27D4_EB4F,
    0x1656_67B1_9E37_79F9,
    0x27D4_EB2F_1656_67C5,
];

/// splitmix64's finaliser: a cheap bijective mixer. Applied to the (already random) shingle hash
/// xor a per-function seed, it gives a good-enough min-wise independent family at ~2 ns a hash —
/// the signature must cost far less than the analysis it accompanies.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Seed of hash function `i`.
const fn seed(i: usize) -> u64 {
    SEEDS[i % SEEDS.len()].wrapping_mul(i as u64 + 1)
}

/// The seeds of the first [`SEED_TABLE`]`.len()` functions (every signature size in use), so
/// the inner loop of [`signature`] is a load, the mixer and a minimum.
const SEED_TABLE: [u64; 128] = {
    let mut t = [0u64; 128];
    let mut i = 0;
    while i < t.len() {
        t[i] = seed(i);
        i += 1;
    }
    t
};

/// MinHash signature: for each of `n` seeded hash functions, the minimum over the shingles.
pub fn signature(shingles: &[u64], n: usize) -> Vec<u64> {
    let mut sig = vec![u64::MAX; n];
    #[cfg(target_arch = "x86_64")]
    if has_avx512() {
        // SAFETY: the CPU supports the features the function is compiled for (checked above).
        unsafe { fold_shingles_avx512(shingles, &mut sig) };
        return sig;
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above), which is all a call of a
        // function compiled for it requires.
        unsafe { fold_shingles_avx2(shingles, &mut sig) };
        return sig;
    }
    fold_shingles(shingles, &mut sig);
    sig
}

/// [`fold_shingles`] compiled for AVX2: the compiler then runs the mixer on four hash
/// functions at a time (≈ half an ingest's signature time on article-length texts). The same
/// integer operations, so the same signature.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn fold_shingles_avx2(shingles: &[u64], sig: &mut [u64]) {
    fold_shingles(shingles, sig);
}

/// Whether the CPU has the AVX-512 features [`fold_shingles_avx512`] is compiled for.
#[cfg(target_arch = "x86_64")]
fn has_avx512() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512dq")
        && std::arch::is_x86_feature_detected!("avx512vl")
}

/// [`fold_shingles`] compiled for AVX-512: its `vpmullq` multiplies 64-bit lanes in one
/// instruction, where AVX2 has no 64-bit multiply and builds each of the mixer's two from three
/// 32-bit ones and shifts (the signature loops were ≈ 3 % of an ingest's instructions). The same
/// integer operations, so the same signature.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl")]
unsafe fn fold_shingles_avx512(shingles: &[u64], sig: &mut [u64]) {
    fold_shingles(shingles, sig);
}

/// Lowers each `sig[i]` to the hash of function `i` over `shingles` where that is smaller.
#[inline(always)]
fn fold_shingles(shingles: &[u64], sig: &mut [u64]) {
    let table = &SEED_TABLE[..sig.len().min(SEED_TABLE.len())];
    for &s in shingles {
        for (m, &seed) in sig.iter_mut().zip(table) {
            *m = (*m).min(mix(s ^ seed));
        }
        for (i, m) in sig.iter_mut().enumerate().skip(table.len()) {
            *m = (*m).min(mix(s ^ seed(i)));
        }
    }
}

/// Band keys of a signature: `bands` bands of `rows` rows, each hashed with its band number into
/// one signed 64-bit key (SQLite integers are signed).
pub fn band_keys(sig: &[u64], bands: usize, rows: usize) -> Vec<i64> {
    (0..bands)
        .filter(|b| (b + 1) * rows <= sig.len())
        .map(|b| {
            let mut bytes = Vec::with_capacity(rows * 8 + 2);
            bytes.extend_from_slice(&(b as u16).to_le_bytes());
            for v in &sig[b * rows..(b + 1) * rows] {
                bytes.extend_from_slice(&v.to_le_bytes());
            }
            xxh3_64(&bytes) as i64
        })
        .collect()
}

/// Fraction of equal positions of two signatures: an unbiased estimate of Jaccard similarity.
pub fn estimate(a: &[u64], b: &[u64]) -> f32 {
    if a.is_empty() || a.len() != b.len() {
        return 0.0;
    }
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f32 / a.len() as f32
}

/// Jaccard similarity and containment (intersection over the smaller set) of two sorted,
/// deduplicated sets (as [`shingles`] returns them), and how many elements they share.
pub fn jaccard_containment(a: &[u64], b: &[u64]) -> (f32, f32, usize) {
    if a.is_empty() || b.is_empty() {
        return (0.0, 0.0, 0);
    }
    let (mut i, mut j, mut inter) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                inter += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let n = inter as f32;
    let union = (a.len() + b.len()) as f32 - n;
    (n / union, n / a.len().min(b.len()) as f32, inter)
}

/// Signature bytes for storage.
pub fn to_bytes(sig: &[u64]) -> Vec<u8> {
    sig.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Signature from stored bytes.
pub fn from_bytes(b: &[u8]) -> Vec<u64> {
    b.chunks_exact(8)
        .map(|c| {
            let mut a = [0u8; 8];
            a.copy_from_slice(c);
            u64::from_le_bytes(a)
        })
        .collect()
}

/// Parameters for documents: 5-word shingles, 126 hash functions in 42 bands of 3 rows (an
/// S-curve with its threshold near Jaccard 0.29: copies at 0.5 are candidates with p > 0.99,
/// unrelated articles at 0.01 with p < 0.0001).
pub mod doc {
    /// Shingle length in words.
    pub const SHINGLE: usize = 5;
    /// Hash functions.
    pub const HASHES: usize = 126;
    /// Bands.
    pub const BANDS: usize = 42;
    /// Rows per band.
    pub const ROWS: usize = 3;
    /// Estimated Jaccard needed to join a cluster.
    pub const THRESHOLD: f32 = 0.4;
}

/// Parameters for quotes: word bigrams, 96 functions in 32 bands of 3 rows, verified exactly.
pub mod quote {
    /// Shingle length in words.
    pub const SHINGLE: usize = 2;
    /// Hash functions.
    pub const HASHES: usize = 96;
    /// Bands.
    pub const BANDS: usize = 32;
    /// Rows per band.
    pub const ROWS: usize = 3;
    /// Quotes shorter than this (in words) are not clustered (too common to have "spread").
    pub const MIN_TOKENS: usize = 4;
    /// A quote must have at least this many words to count as contained in a longer one.
    pub const MIN_CONTAINED: usize = 7;
    /// Jaccard of bigram sets needed to join a cluster...
    pub const JACCARD: f32 = 0.5;
    /// ...sharing at least this many bigrams: "a lot of delegates" and "a lot of emotion"
    /// share two of three (Jaccard 0.5) and are different quotations.
    pub const MIN_SHARED: usize = 3;
    /// ...or containment (one quote is mostly inside the other), for truncated quotes.
    pub const CONTAINMENT: f32 = 0.8;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_shingles_are_the_shingles_of_the_normalised_tokens() {
        for text in [
            "",
            "one",
            "Two words",
            "ΟΔΟΣ Σοφοκλέους: the minister's “NEW” bridge, İstanbul-Ankara — 3 km in 2024!",
            "a b c d e f g h i j k l m n o p q r s t",
            "  ...  leading and trailing punctuation!!  ",
        ] {
            for k in [1, 2, 5, 9] {
                assert_eq!(
                    text_shingles(text, k),
                    shingles(&normalise_tokens(text), k),
                    "{text:?} k={k}"
                );
            }
        }
    }

    #[test]
    fn near_duplicates_estimate_high_and_strangers_low() {
        let a = "the minister said the new bridge over the river would open next spring after years of delay and dispute";
        let b = "the minister said the new bridge over the river would open next summer after years of delay and dispute";
        let c = "farmers in the north protested on tuesday against the price of fuel and fertiliser imports";
        let sa = signature(&shingles(&normalise_tokens(a), 2), 128);
        let sb = signature(&shingles(&normalise_tokens(b), 2), 128);
        let sc = signature(&shingles(&normalise_tokens(c), 2), 128);
        assert!(estimate(&sa, &sb) > 0.6, "{}", estimate(&sa, &sb));
        assert!(estimate(&sa, &sc) < 0.15, "{}", estimate(&sa, &sc));
        assert_eq!(from_bytes(&to_bytes(&sa)), sa);
        let ka = band_keys(&sa, 32, 4);
        let kb = band_keys(&sb, 32, 4);
        assert!(ka.iter().zip(&kb).any(|(x, y)| x == y));
    }

    /// Signatures are stored and banded into persistent keys, so they must never change: the
    /// table-driven loop against the definition, inside and beyond the seed table.
    #[test]
    fn signature_matches_its_definition() {
        let sh = shingles(
            &normalise_tokens("a b c d e f g h i j k l m n o p q r s t"),
            2,
        );
        for n in [1, 96, 126, 128, 200] {
            let expected: Vec<u64> = (0..n)
                .map(|i| {
                    let seed = SEEDS[i % SEEDS.len()].wrapping_mul(i as u64 + 1);
                    sh.iter().map(|&s| mix(s ^ seed)).min().unwrap_or(u64::MAX)
                })
                .collect();
            assert_eq!(signature(&sh, n), expected, "n = {n}");
            let mut portable = vec![u64::MAX; n];
            fold_shingles(&sh, &mut portable);
            assert_eq!(portable, expected, "n = {n}, portable");
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("avx2") {
                    let mut avx2 = vec![u64::MAX; n];
                    // SAFETY: AVX2 is present (checked just above).
                    unsafe { fold_shingles_avx2(&sh, &mut avx2) };
                    assert_eq!(avx2, expected, "n = {n}, AVX2");
                }
                if has_avx512() {
                    let mut avx512 = vec![u64::MAX; n];
                    // SAFETY: the AVX-512 features are present (checked just above).
                    unsafe { fold_shingles_avx512(&sh, &mut avx512) };
                    assert_eq!(avx512, expected, "n = {n}, AVX-512");
                } else {
                    eprintln!("no AVX-512 here: its signature path is not exercised");
                }
            }
        }
        assert_eq!(signature(&[], 4), vec![u64::MAX; 4]);
    }

    #[test]
    fn normalisation_ignores_case_and_punctuation() {
        assert_eq!(
            normalise_tokens("“We will NOT retreat,” he said."),
            vec!["we", "will", "not", "retreat", "he", "said"]
        );
    }
}
