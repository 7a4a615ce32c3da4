//! Distributional word features learned from unlabelled news text by `newslens train ner`.
//!
//! * **Word clusters** (a cheap stand-in for Brown clusters): every word seen at least
//!   [`MIN_COUNT`] times gets a vector of its left and right neighbours (the 2,000 most frequent
//!   lowercase words, PPMI-weighted), randomly projected to [`DIMS`] dimensions, then clustered
//!   with seeded spherical k-means in three nested levels (32 → ×16 → ×8 clusters). A word's
//!   cluster path `(a, a.b, a.b.c)` is used like a Brown-cluster bit-string prefix.
//! * **Case profile**: for each lowercase form, how often it is capitalised when it is *not*
//!   sentence-initial — tells "Mark" (a name) from "Despite" (capitalised only at starts).

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use newslens_learn::hash::{FeatureHash, SplitMix64};

/// Words seen fewer times get no cluster.
pub const MIN_COUNT: u32 = 3;
/// Dimensions of the projected context vectors.
pub const DIMS: usize = 64;
const CONTEXTS: usize = 2000;
const LEVELS: [usize; 3] = [32, 16, 8];

/// No cluster.
pub const NONE: u16 = u16::MAX;

/// What the lexicon knows about one surface form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WordInfo {
    /// Cluster ids at the three levels (each level's id includes its parent's).
    pub clusters: [u16; 3],
}

/// Word clusters and case profiles.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Lexicon {
    words: FxHashMap<String, WordInfo>,
    /// Lowercase form → case bucket (see [`Lexicon::case_bucket`]).
    case: FxHashMap<String, u8>,
}

impl Lexicon {
    /// Cluster path of `word` (exact form first, then lowercase), or `[NONE; 3]`.
    pub fn clusters(&self, word: &str, lower: &str) -> [u16; 3] {
        self.words
            .get(word)
            .or_else(|| self.words.get(lower))
            .map_or([NONE; 3], |w| w.clusters)
    }

    /// Case bucket of a lowercase form: 0 unseen, 1 always lowercase, 2 mostly lowercase,
    /// 3 mixed, 4 mostly capitalised, 5 always capitalised (mid-sentence occurrences only).
    pub fn case_bucket(&self, lower: &str) -> u8 {
        self.case.get(lower).copied().unwrap_or(0)
    }

    /// Number of clustered words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// True when nothing was learned.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Learns clusters and case profiles from tokenised sentences.
    pub fn build(sentences: &[Vec<&str>], seed: u64) -> Self {
        Self::build_with(sentences, seed, LEVELS)
    }

    /// [`Lexicon::build`] with explicit cluster counts per level (for tests).
    pub fn build_with(sentences: &[Vec<&str>], seed: u64, levels: [usize; 3]) -> Self {
        let mut counts: FxHashMap<&str, u32> = FxHashMap::default();
        let mut lower_counts: FxHashMap<String, u32> = FxHashMap::default();
        let mut case_counts: FxHashMap<String, (u32, u32)> = FxHashMap::default();
        for s in sentences {
            for (i, w) in s.iter().enumerate() {
                *counts.entry(w).or_default() += 1;
                let l = w.to_lowercase();
                if i > 0 && w.chars().next().is_some_and(char::is_alphabetic) {
                    let e = case_counts.entry(l.clone()).or_default();
                    if w.chars().next().is_some_and(char::is_uppercase) {
                        e.1 += 1;
                    } else {
                        e.0 += 1;
                    }
                }
                *lower_counts.entry(l).or_default() += 1;
            }
        }
        let case = case_counts
            .into_iter()
            .filter(|(_, (lo, up))| lo + up >= 2)
            .map(|(k, (lo, up))| {
                let r = f64::from(up) / f64::from(lo + up);
                let b = match r {
                    0.0 => 1,
                    r if r < 0.25 => 2,
                    r if r < 0.75 => 3,
                    r if r < 1.0 => 4,
                    _ => 5,
                };
                (k, b)
            })
            .collect();

        // Context vocabulary: the most frequent lowercase forms (ties broken by the string, so
        // the result does not depend on hash-map order).
        let mut ctx: Vec<(&String, &u32)> = lower_counts.iter().collect();
        ctx.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let ctx_id: FxHashMap<&str, usize> = ctx
            .iter()
            .take(CONTEXTS)
            .enumerate()
            .map(|(i, (w, _))| (w.as_str(), i))
            .collect();

        let mut vocab: Vec<&str> = counts
            .iter()
            .filter(|(_, c)| **c >= MIN_COUNT)
            .map(|(w, _)| *w)
            .collect();
        vocab.sort_unstable();
        let word_id: FxHashMap<&str, usize> =
            vocab.iter().enumerate().map(|(i, w)| (*w, i)).collect();

        // Co-occurrence counts: (word, context slot) where slot = side * CONTEXTS + ctx id.
        let mut cooc: Vec<FxHashMap<u32, f32>> = vec![FxHashMap::default(); vocab.len()];
        let mut ctx_total = vec![0f64; 2 * CONTEXTS];
        for s in sentences {
            let lowers: Vec<String> = s.iter().map(|w| w.to_lowercase()).collect();
            for (i, w) in s.iter().enumerate() {
                let Some(&wi) = word_id.get(w) else { continue };
                let mut add = |slot: usize| {
                    *cooc[wi].entry(slot as u32).or_default() += 1.0;
                    ctx_total[slot] += 1.0;
                };
                if i > 0 {
                    if let Some(&c) = ctx_id.get(lowers[i - 1].as_str()) {
                        add(c);
                    }
                }
                if i + 1 < s.len() {
                    if let Some(&c) = ctx_id.get(lowers[i + 1].as_str()) {
                        add(CONTEXTS + c);
                    }
                }
            }
        }
        let total: f64 = ctx_total.iter().sum::<f64>().max(1.0);
        // Random ±1 projection of each context slot, derived from a hash (nothing stored).
        let proj = |slot: u32, d: usize| -> f32 {
            if FeatureHash::new(0x5eed)
                .u64(seed)
                .u64(u64::from(slot))
                .u64(d as u64)
                .finish()
                & 1
                == 0
            {
                1.0
            } else {
                -1.0
            }
        };
        let mut proj_table = vec![0f32; 2 * CONTEXTS * DIMS];
        for slot in 0..2 * CONTEXTS {
            for d in 0..DIMS {
                proj_table[slot * DIMS + d] = proj(slot as u32, d);
            }
        }
        let mut vecs = vec![0f32; vocab.len() * DIMS];
        for (wi, row) in cooc.iter().enumerate() {
            let wt: f64 = row.values().map(|v| f64::from(*v)).sum::<f64>().max(1.0);
            let v = &mut vecs[wi * DIMS..(wi + 1) * DIMS];
            // Sorted slots keep floating-point sums in a fixed order.
            let mut slots: Vec<(&u32, &f32)> = row.iter().collect();
            slots.sort_unstable_by_key(|(s, _)| **s);
            for (&slot, &c) in slots {
                let pmi = ((f64::from(c) * total) / (wt * ctx_total[slot as usize])).ln();
                if pmi > 0.0 {
                    let p = &proj_table[slot as usize * DIMS..(slot as usize + 1) * DIMS];
                    for (x, r) in v.iter_mut().zip(p) {
                        *x += pmi as f32 * r;
                    }
                }
            }
            normalize(v);
        }

        let mut rng = SplitMix64::new(seed);
        let all: Vec<usize> = (0..vocab.len()).collect();
        let mut paths = vec![[NONE; 3]; vocab.len()];
        let mut groups: Vec<(Vec<usize>, u16)> = vec![(all, 0)];
        for (level, &k) in levels.iter().enumerate() {
            let mut next = Vec::new();
            for (members, prefix) in groups {
                let assign = kmeans(&vecs, &members, k, 8, &mut rng);
                let mut sub: Vec<Vec<usize>> = vec![Vec::new(); k];
                for (m, a) in members.iter().zip(assign) {
                    sub[a].push(*m);
                }
                for (a, ms) in sub.into_iter().enumerate() {
                    let id = prefix * k as u16 + a as u16;
                    for &m in &ms {
                        paths[m][level] = id;
                    }
                    if !ms.is_empty() {
                        next.push((ms, id));
                    }
                }
            }
            groups = next;
        }
        let words = vocab
            .iter()
            .zip(paths)
            .map(|(w, clusters)| (w.to_string(), WordInfo { clusters }))
            .collect();
        Self { words, case }
    }
}

fn normalize(v: &mut [f32]) {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if n > 0.0 {
        v.iter_mut().for_each(|x| *x /= n);
    }
}

/// Spherical k-means of the rows `members` of `vecs`; returns each member's cluster.
fn kmeans(
    vecs: &[f32],
    members: &[usize],
    k: usize,
    iters: usize,
    rng: &mut SplitMix64,
) -> Vec<usize> {
    if members.len() <= k {
        return (0..members.len()).collect();
    }
    let mut cent = vec![0f32; k * DIMS];
    for c in 0..k {
        let m = members[(rng.next_u64() % members.len() as u64) as usize];
        cent[c * DIMS..(c + 1) * DIMS].copy_from_slice(&vecs[m * DIMS..(m + 1) * DIMS]);
    }
    let mut assign = vec![0usize; members.len()];
    for _ in 0..iters {
        for (a, &m) in assign.iter_mut().zip(members) {
            let v = &vecs[m * DIMS..(m + 1) * DIMS];
            let mut best = (f32::NEG_INFINITY, 0);
            for c in 0..k {
                let s: f32 = v
                    .iter()
                    .zip(&cent[c * DIMS..(c + 1) * DIMS])
                    .map(|(a, b)| a * b)
                    .sum();
                if s > best.0 {
                    best = (s, c);
                }
            }
            *a = best.1;
        }
        let mut sums = vec![0f32; k * DIMS];
        let mut n = vec![0usize; k];
        for (a, &m) in assign.iter().zip(members) {
            n[*a] += 1;
            for (s, x) in sums[a * DIMS..(a + 1) * DIMS]
                .iter_mut()
                .zip(&vecs[m * DIMS..(m + 1) * DIMS])
            {
                *s += x;
            }
        }
        for c in 0..k {
            if n[c] > 0 {
                let s = &mut sums[c * DIMS..(c + 1) * DIMS];
                normalize(s);
                cent[c * DIMS..(c + 1) * DIMS].copy_from_slice(s);
            } else {
                // Re-seed an empty cluster with a random member.
                let m = members[(rng.next_u64() % members.len() as u64) as usize];
                cent[c * DIMS..(c + 1) * DIMS].copy_from_slice(&vecs[m * DIMS..(m + 1) * DIMS]);
            }
        }
    }
    assign
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similar_contexts_share_clusters_and_case_is_profiled() {
        let mut text = Vec::new();
        for i in 0..40 {
            let city = ["Paris", "Berlin", "Madrid"][i % 3];
            let verb = ["said", "added", "noted"][i % 3];
            text.push(vec!["He", "flew", "to", city, "on", "Monday", "."]);
            text.push(vec!["Mr", "Smith", verb, "that", "it", "rained", "."]);
        }
        let lex = Lexicon::build_with(&text, 1, [2, 2, 2]);
        let p = lex.clusters("Paris", "paris");
        assert_ne!(p[0], NONE);
        assert_eq!(p, lex.clusters("Berlin", "berlin"));
        assert_eq!(
            lex.clusters("said", "said")[0],
            lex.clusters("noted", "noted")[0]
        );
        assert_eq!(lex.clusters("zebra", "zebra"), [NONE; 3]);
        assert_eq!(lex.case_bucket("monday"), 5);
        assert_eq!(lex.case_bucket("flew"), 1);
        assert_eq!(lex.case_bucket("zebra"), 0);
    }
}
