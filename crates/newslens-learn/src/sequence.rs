//! A first-order structured (averaged) perceptron over hashed features, decoded with Viterbi
//! (Collins 2002). Generic over the label set: callers give label names and which label
//! transitions are allowed (e.g. BIO's "I-X only after B-X or I-X").

use serde::{Deserialize, Serialize};

use crate::hash::SplitMix64;
use crate::weights::{AveragedWeights, StoredWeights, Weights, WeightsPair};
use crate::LearnError;

/// The hashed feature rows of every token of one sequence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeatureSeq {
    rows: Vec<u32>,
    ends: Vec<u32>,
}

impl FeatureSeq {
    /// An empty sequence.
    pub fn new() -> Self {
        Self::default()
    }

    /// Empties the sequence, keeping its allocations.
    pub fn clear(&mut self) {
        self.rows.clear();
        self.ends.clear();
    }

    /// Adds a feature row to the token being built.
    #[inline]
    pub fn push(&mut self, row: u32) {
        self.rows.push(row);
    }

    /// Closes the token being built (features pushed since the last call belong to it).
    #[inline]
    pub fn end_token(&mut self) {
        self.ends.push(self.rows.len() as u32);
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there are no tokens.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The feature rows of token `i`.
    #[inline]
    pub fn token(&self, i: usize) -> &[u32] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.rows[start..self.ends[i] as usize]
    }
}

/// A trained sequence labeller.
#[derive(Debug, Clone)]
pub struct SequenceModel {
    labels: Vec<String>,
    emissions: Weights,
    /// `(L + 1) × L`: row `p` = previous label `p`, row `L` = sequence start.
    transitions: Vec<f32>,
    /// Same shape as `transitions`; disallowed transitions are never decoded.
    allowed: Vec<bool>,
}

/// Serialised form of [`SequenceModel`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredSequenceModel {
    labels: Vec<String>,
    emissions: StoredWeights,
    transitions: Vec<f32>,
    allowed: Vec<bool>,
}

impl SequenceModel {
    /// Label names, indexed by label id.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Hash bits of the emission table (feature rows must be below `1 << bits`).
    pub fn bits(&self) -> u32 {
        self.emissions.bits()
    }

    /// Emission weights.
    pub fn emissions(&self) -> &Weights {
        &self.emissions
    }

    /// The serialisable form (quantised emission weights).
    pub fn to_stored(&self) -> StoredSequenceModel {
        StoredSequenceModel {
            labels: self.labels.clone(),
            emissions: self.emissions.to_stored(),
            transitions: self.transitions.clone(),
            allowed: self.allowed.clone(),
        }
    }

    /// Rebuilds a model from its stored form.
    pub fn from_stored(s: &StoredSequenceModel) -> Result<Self, LearnError> {
        let emissions = Weights::from_stored(&s.emissions)?;
        let l = s.labels.len();
        if emissions.n_classes() != l
            || s.transitions.len() != (l + 1) * l
            || s.allowed.len() != (l + 1) * l
        {
            return Err(LearnError::Format("sequence model shapes disagree".into()));
        }
        Ok(Self {
            labels: s.labels.clone(),
            emissions,
            transitions: s.transitions.clone(),
            allowed: s.allowed.clone(),
        })
    }

    /// The mean of models with the same labels and table shape (e.g. trained with different
    /// seeds); `None` when they do not match.
    pub fn mean(models: &[SequenceModel]) -> Option<SequenceModel> {
        let first = models.first()?;
        if models
            .iter()
            .any(|m| m.labels != first.labels || m.allowed != first.allowed)
        {
            return None;
        }
        let tables: Vec<&Weights> = models.iter().map(|m| &m.emissions).collect();
        let emissions = Weights::mean(&tables)?;
        let k = models.len() as f32;
        let transitions = (0..first.transitions.len())
            .map(|i| models.iter().map(|m| m.transitions[i]).sum::<f32>() / k)
            .collect();
        Some(SequenceModel {
            labels: first.labels.clone(),
            emissions,
            transitions,
            allowed: first.allowed.clone(),
        })
    }

    /// Viterbi decoding: writes the best label id of every token into `out`.
    pub fn decode(&self, seq: &FeatureSeq, out: &mut Vec<usize>) {
        let mut scratch = Viterbi::default();
        scratch.run(&self.emissions, &self.transitions, &self.allowed, seq, out);
    }

    /// Like [`SequenceModel::decode`], reusing `scratch` buffers across calls (no allocation).
    pub fn decode_with(&self, scratch: &mut Viterbi, seq: &FeatureSeq, out: &mut Vec<usize>) {
        scratch.run(&self.emissions, &self.transitions, &self.allowed, seq, out);
    }

    /// Adds the emission scores of every token of `seq` to `scores` (token-major,
    /// `seq.len() × labels().len()` values). Starting from zeros this gives exactly the scores
    /// [`SequenceModel::decode`] uses; the rows of a token are added in order, so a caller may
    /// start a token from the sum of its first rows (e.g. cached per word) and add the rest here
    /// with the same result, bit for bit.
    pub fn add_emissions(&self, seq: &FeatureSeq, scores: &mut [f32], scratch: &mut Viterbi) {
        self.emissions
            .add_seq_scores(&seq.rows, &seq.ends, scores, &mut scratch.offs);
    }

    /// Adds the emission scores of one token's rows to `scores` (`labels().len()` values).
    pub fn add_token_emissions(&self, rows: &[u32], scores: &mut [f32]) {
        self.emissions.add_scores(rows, scores);
    }

    /// Viterbi decoding over emission scores computed beforehand (token-major, as filled by
    /// [`SequenceModel::add_emissions`]); `scores.len() / labels().len()` tokens.
    pub fn decode_scores(&self, scratch: &mut Viterbi, scores: &[f32], out: &mut Vec<usize>) {
        scratch.best_path(
            self.labels.len(),
            &self.transitions,
            &self.allowed,
            scores,
            out,
        );
    }
}

impl WeightsPair {
    /// [`SequenceModel::add_emissions`] of two models at once, from the pair of their emission
    /// tables: token `i` of `seq` adds to `a[i * na..]` and `b[i * nb..]`.
    pub fn add_emissions(
        &self,
        seq: &FeatureSeq,
        a: &mut [f32],
        b: &mut [f32],
        scratch: &mut Viterbi,
    ) {
        self.add_seq_scores(&seq.rows, &seq.ends, a, b, &mut scratch.offs);
    }
}

/// Reusable buffers for Viterbi decoding.
#[derive(Debug, Clone, Default)]
pub struct Viterbi {
    score: Vec<f32>,
    back: Vec<u16>,
    emit: Vec<f32>,
    /// Value offsets of the feature rows of a sequence (see `Weights::add_seq_scores`).
    offs: Vec<usize>,
    /// The transition scores with disallowed transitions at −∞ (never strictly better than
    /// the −∞ a maximum starts from, so they are never chosen), which lets the inner loop run
    /// over every label pair without branches (vectorised over the next label).
    masked: Vec<f32>,
    /// The scores (as bits) and mask `masked` was built from.
    masked_of: (Vec<u32>, Vec<bool>),
    /// `masked` with rows padded to a fixed number of lanes (see `best_path`).
    padded: Vec<f32>,
    /// Per previous label, which groups of 4 lanes of its `padded` row hold an allowed
    /// transition (bit `g` for lanes `4 * g..`): the others are all −∞ and are skipped.
    groups4: Vec<u32>,
    /// The same for groups of 8 lanes (one AVX2 register), when decoding with AVX2.
    groups8: Vec<u32>,
    best: Vec<f32>,
    /// The best previous label of each label (as `f32`, so that it is selected with the same
    /// vector mask as the score).
    arg: Vec<f32>,
}

impl Viterbi {
    fn run(
        &mut self,
        emissions: &Weights,
        trans: &[f32],
        allowed: &[bool],
        seq: &FeatureSeq,
        out: &mut Vec<usize>,
    ) {
        let l = emissions.n_classes();
        let mut emit = std::mem::take(&mut self.emit);
        emit.clear();
        emit.resize(seq.len() * l, 0.0);
        emissions.add_seq_scores(&seq.rows, &seq.ends, &mut emit, &mut self.offs);
        self.best_path(l, trans, allowed, &emit, out);
        self.emit = emit;
    }

    /// The best label sequence given `l` labels, token-major emission scores `emit` (`n × l`),
    /// transition scores `trans` and mask `allowed` (both `(l + 1) × l`, row `l` = start).
    fn best_path(
        &mut self,
        l: usize,
        trans: &[f32],
        allowed: &[bool],
        emit: &[f32],
        out: &mut Vec<usize>,
    ) {
        #[cfg(target_arch = "x86_64")]
        let avx2 = crate::weights::has_avx2();
        #[cfg(not(target_arch = "x86_64"))]
        let avx2 = false;
        self.best_path_with(avx2, l, trans, allowed, emit, out);
    }

    /// [`Viterbi::best_path`], with AVX2 (8-lane groups) when `avx2` (the CPU must have it).
    fn best_path_with(
        &mut self,
        avx2: bool,
        l: usize,
        trans: &[f32],
        allowed: &[bool],
        emit: &[f32],
        out: &mut Vec<usize>,
    ) {
        out.clear();
        if l == 0 || (l + 1) * l != trans.len() || allowed.len() != trans.len() {
            return;
        }
        let n = emit.len() / l;
        if n == 0 {
            return;
        }
        self.score.clear();
        self.score.resize(n * l, f32::NEG_INFINITY);
        self.back.clear();
        self.back.resize(n * l, 0);
        let same_bits = self.masked_of.0.len() == trans.len()
            && self
                .masked_of
                .0
                .iter()
                .zip(trans)
                .fold(true, |same, (a, b)| same & (*a == b.to_bits()));
        if !same_bits || self.masked_of.1 != allowed {
            self.masked.clear();
            self.masked.extend(trans.iter().zip(allowed).map(|(t, a)| {
                if *a {
                    *t
                } else {
                    f32::NEG_INFINITY
                }
            }));
            self.masked_of = (
                trans.iter().map(|t| t.to_bits()).collect(),
                allowed.to_vec(),
            );
            self.padded.clear();
            self.groups4.clear();
            self.groups8.clear();
            if l <= LANES {
                for row in self.masked.chunks(l) {
                    self.padded.extend_from_slice(row);
                    self.padded
                        .extend(std::iter::repeat_n(f32::NEG_INFINITY, LANES - l));
                }
                let groups = |row: &[f32], size: usize| {
                    row.chunks_exact(size).enumerate().fold(0, |m, (g, t)| {
                        m | (u32::from(t.iter().any(|t| *t != f32::NEG_INFINITY)) << g)
                    })
                };
                for row in self.padded.chunks_exact(LANES) {
                    self.groups4.push(groups(row, 4));
                    self.groups8.push(groups(row, 8));
                }
            }
        }
        let masked = &self.masked;
        // Start: the start row of the transitions.
        for (y, (s, e)) in self.score[..l].iter_mut().zip(&emit[..l]).enumerate() {
            *s = masked[l * l + y] + e;
        }
        self.best.resize(l, f32::NEG_INFINITY);
        self.arg.resize(l, 0.0);
        if l <= LANES {
            let (score, back) = (&mut self.score[..n * l], &mut self.back[..n * l]);
            #[cfg(target_arch = "x86_64")]
            if avx2 {
                // SAFETY: the caller checked that the CPU supports AVX2, which is all a call
                // of a function compiled for it requires.
                unsafe { forward_avx2(l, score, back, emit, &self.padded, &self.groups8) };
            } else {
                forward::<4>(l, score, back, emit, &self.padded, &self.groups4);
            }
            #[cfg(not(target_arch = "x86_64"))]
            {
                let _ = avx2;
                forward::<4>(l, score, back, emit, &self.padded, &self.groups4);
            }
        } else {
            // More labels than lanes: the plain loop, with the best maxima in `self.best`.
            for i in 1..n {
                let (done, rest) = self.score.split_at_mut(i * l);
                let prev = &done[(i - 1) * l..];
                self.best.fill(f32::NEG_INFINITY);
                self.arg.fill(0.0);
                for (p, &pp) in prev.iter().enumerate() {
                    let row = &masked[p * l..(p + 1) * l];
                    for ((b, a), t) in self.best.iter_mut().zip(self.arg.iter_mut()).zip(row) {
                        select_better(pp + *t, p, b, a);
                    }
                }
                for (((s, bk), (b, a)), e) in rest[..l]
                    .iter_mut()
                    .zip(&mut self.back[i * l..(i + 1) * l])
                    .zip(self.best.iter().zip(&self.arg))
                    .zip(&emit[i * l..(i + 1) * l])
                {
                    *s = b + e;
                    *bk = *a as u16;
                }
            }
        }
        let last = &self.score[(n - 1) * l..];
        let mut y = 0;
        for (k, s) in last.iter().enumerate() {
            if *s > last[y] {
                y = k;
            }
        }
        out.resize(n, 0);
        for i in (0..n).rev() {
            out[i] = y;
            y = self.back[i * l + y] as usize;
        }
    }
}

/// Keeps `v` and previous label `p` in `best`/`arg` when `v` is strictly better. Previous
/// labels are tried in ascending order, so the first best one wins, as in a scan of the
/// allowed predecessors only. Written with masks: as an `if`, the compiler stores
/// conditionally, lane by lane.
#[inline(always)]
fn select_better(v: f32, p: usize, best: &mut f32, arg: &mut f32) {
    let m = 0u32.wrapping_sub(u32::from(v > *best));
    *best = f32::from_bits((v.to_bits() & m) | (best.to_bits() & !m));
    *arg = f32::from_bits(((p as f32).to_bits() & m) | (arg.to_bits() & !m));
}

/// Up to `LANES` labels (BILOU over four types is 17) are decoded with rows padded to `LANES`,
/// so that the maxima of all labels stay in registers (three AVX2 or six SSE registers).
const LANES: usize = 24;

/// The forward pass of Viterbi over tokens `1..` for at most [`LANES`] labels: `score` and
/// `back` (token-major, `l` per token) hold the start scores of token 0 and are filled for the
/// others; lanes are visited in groups of `G` (see [`relax`]).
#[inline(always)]
fn forward<const G: usize>(
    l: usize,
    score: &mut [f32],
    back: &mut [u16],
    emit: &[f32],
    padded: &[f32],
    groups: &[u32],
) {
    for i in 1..score.len() / l {
        let (done, rest) = score.split_at_mut(i * l);
        let prev = &done[(i - 1) * l..];
        let (best, arg) = relax::<LANES, G>(prev, padded, groups);
        // Written here directly: copied into a buffer first, the two short copies were two
        // `memmove` calls per token.
        for (((s, bk), (b, a)), e) in rest[..l]
            .iter_mut()
            .zip(&mut back[i * l..(i + 1) * l])
            .zip(best.iter().zip(&arg))
            .zip(&emit[i * l..(i + 1) * l])
        {
            *s = b + e;
            *bk = *a as u16;
        }
    }
}

/// [`forward`] compiled for AVX2, in groups of 8 lanes: the same comparisons and additions
/// lane by lane (so the same path), with about a third fewer vector operations for BILOU.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn forward_avx2(
    l: usize,
    score: &mut [f32],
    back: &mut [u16],
    emit: &[f32],
    padded: &[f32],
    groups: &[u32],
) {
    forward::<8>(l, score, back, emit, padded, groups);
}

/// The best score and previous label of every label (`N` lanes, rows of `padded` are `N`
/// wide) given the scores `prev` of the previous token. Only the groups of `G` lanes of a row
/// that `groups` marks are visited: in the others every transition is −∞, whose sum is never
/// strictly better than the −∞ a maximum starts from, so skipping them changes nothing (with
/// BILOU over four types, a B or I label may only be followed by two labels: 53 of 85 groups
/// of 4 are visited, 35 of 51 groups of 8).
#[inline(always)]
fn relax<const N: usize, const G: usize>(
    prev: &[f32],
    padded: &[f32],
    groups: &[u32],
) -> ([f32; N], [f32; N]) {
    let mut best = [f32::NEG_INFINITY; N];
    let mut arg = [0f32; N];
    for (p, ((&pp, row), &m)) in prev
        .iter()
        .zip(padded.chunks_exact(N))
        .zip(groups)
        .enumerate()
    {
        for g in 0..N / G {
            if m & (1 << g) != 0 {
                let lanes = g * G..(g + 1) * G;
                for ((b, a), t) in best[lanes.clone()]
                    .iter_mut()
                    .zip(arg[lanes.clone()].iter_mut())
                    .zip(&row[lanes])
                {
                    select_better(pp + *t, p, b, a);
                }
            }
        }
    }
    (best, arg)
}

/// Trains a [`SequenceModel`] with the averaged structured perceptron.
#[derive(Debug, Clone)]
pub struct SequenceTrainer {
    labels: Vec<String>,
    emissions: AveragedWeights,
    transitions: AveragedWeights,
    allowed: Vec<bool>,
    scratch: Viterbi,
}

impl SequenceTrainer {
    /// A trainer for `labels` with an emission table of `1 << bits` rows. `allowed(prev, next)`
    /// says whether label `next` may follow `prev` (`prev == None` at the sequence start).
    pub fn new(
        bits: u32,
        labels: Vec<String>,
        allowed: impl Fn(Option<usize>, usize) -> bool,
    ) -> Self {
        let l = labels.len();
        let mut mask = vec![false; (l + 1) * l];
        for p in 0..=l {
            for y in 0..l {
                mask[p * l + y] = allowed(if p == l { None } else { Some(p) }, y);
            }
        }
        Self {
            labels,
            emissions: AveragedWeights::zeros(bits, l),
            // One "row" per previous label (plus start), stored as a tiny hashed table of 1<<k rows.
            transitions: AveragedWeights::zeros(bits_for(l + 1), l),
            allowed: mask,
            scratch: Viterbi::default(),
        }
    }

    /// One pass over `data` in a seeded random order. Returns the number of token errors made.
    pub fn epoch(&mut self, data: &[(FeatureSeq, Vec<usize>)], rng: &mut SplitMix64) -> usize {
        let mut order: Vec<usize> = (0..data.len()).collect();
        rng.shuffle(&mut order);
        let mut errors = 0;
        let mut guess = Vec::new();
        for &k in &order {
            let (seq, gold) = &data[k];
            errors += self.learn(seq, gold, &mut guess);
        }
        errors
    }

    /// One perceptron step on one sequence; returns the number of wrongly labelled tokens.
    pub fn learn(&mut self, seq: &FeatureSeq, gold: &[usize], guess: &mut Vec<usize>) -> usize {
        let l = self.labels.len();
        let trans = self.current_transitions();
        self.scratch
            .run(self.emissions.current(), &trans, &self.allowed, seq, guess);
        let mut errors = 0;
        if guess.as_slice() != gold {
            for i in 0..seq.len() {
                let (g, p) = (gold[i], guess[i]);
                let gp = if i == 0 { l } else { gold[i - 1] };
                let pp = if i == 0 { l } else { guess[i - 1] };
                if g != p {
                    errors += 1;
                    for &f in seq.token(i) {
                        self.emissions.update(f, g, 1.0);
                        self.emissions.update(f, p, -1.0);
                    }
                }
                if g != p || gp != pp {
                    self.transitions.update(gp as u32, g, 1.0);
                    self.transitions.update(pp as u32, p, -1.0);
                }
            }
        }
        self.emissions.tick();
        self.transitions.tick();
        errors
    }

    fn current_transitions(&self) -> Vec<f32> {
        let l = self.labels.len();
        let w = self.transitions.current();
        (0..=l).flat_map(|p| w.row(p as u32).to_vec()).collect()
    }

    /// The averaged model as of now (training can go on afterwards).
    pub fn model(&self) -> SequenceModel {
        let l = self.labels.len();
        let t = self.transitions.averaged();
        SequenceModel {
            labels: self.labels.clone(),
            emissions: self.emissions.averaged(),
            transitions: (0..=l).flat_map(|p| t.row(p as u32).to_vec()).collect(),
            allowed: self.allowed.clone(),
        }
    }
}

fn bits_for(n: usize) -> u32 {
    usize::BITS - n.next_power_of_two().leading_zeros() - 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::FeatureHash;

    fn seq(words: &[&str]) -> FeatureSeq {
        let mut s = FeatureSeq::new();
        for w in words {
            s.push(FeatureHash::new(0).str(w).row(10));
            s.push(FeatureHash::new(1).row(10)); // bias
            s.end_token();
        }
        s
    }

    #[test]
    fn learns_a_toy_tagging_and_respects_constraints() {
        // Labels: 0 = O, 1 = B, 2 = I; I may only follow B or I.
        let labels = vec!["O".to_string(), "B".to_string(), "I".to_string()];
        let mut tr =
            SequenceTrainer::new(10, labels, |p, y| y != 2 || matches!(p, Some(1) | Some(2)));
        let data = vec![
            (
                seq(&["the", "big", "Ann", "Lee", "ran"]),
                vec![0, 0, 1, 2, 0],
            ),
            (seq(&["Bob", "Lee", "sat"]), vec![1, 2, 0]),
            (seq(&["the", "Ann", "sat"]), vec![0, 1, 0]),
        ];
        let mut rng = SplitMix64::new(1);
        for _ in 0..10 {
            tr.epoch(&data, &mut rng);
        }
        let m = tr.model();
        let mut out = Vec::new();
        m.decode(&seq(&["Bob", "Lee", "ran"]), &mut out);
        assert_eq!(out, vec![1, 2, 0]);
        // Round trip through the stored form keeps the decisions.
        let back = SequenceModel::from_stored(&m.to_stored()).unwrap();
        let mut out2 = Vec::new();
        back.decode(&seq(&["the", "big", "Ann", "Lee", "ran"]), &mut out2);
        assert_eq!(out2, vec![0, 0, 1, 2, 0]);
        // The mean of a model with itself decides the same way.
        let twice = SequenceModel::mean(&[back.clone(), back.clone()]).unwrap();
        let mut out3 = Vec::new();
        twice.decode(&seq(&["the", "big", "Ann", "Lee", "ran"]), &mut out3);
        assert_eq!(out3, out2);
        // An unseen word at the start can never be I.
        back.decode(&seq(&["zzz"]), &mut out2);
        assert_ne!(out2[0], 2);
    }

    /// The decoder as it was before the branch-free version: a scan of each label's allowed
    /// predecessors with a strict `>`.
    fn reference_path(l: usize, trans: &[f32], allowed: &[bool], emit: &[f32]) -> Vec<usize> {
        let n = emit.len() / l;
        let mut score = vec![f32::NEG_INFINITY; n * l];
        let mut back = vec![0usize; n * l];
        for i in 0..n {
            for y in 0..l {
                let (best, arg) = if i == 0 {
                    let t = l * l + y;
                    (
                        if allowed[t] {
                            trans[t]
                        } else {
                            f32::NEG_INFINITY
                        },
                        0,
                    )
                } else {
                    let (mut best, mut arg) = (f32::NEG_INFINITY, 0);
                    for p in (0..l).filter(|&p| allowed[p * l + y]) {
                        let v = score[(i - 1) * l + p] + trans[p * l + y];
                        if v > best {
                            (best, arg) = (v, p);
                        }
                    }
                    (best, arg)
                };
                score[i * l + y] = best + emit[i * l + y];
                back[i * l + y] = arg;
            }
        }
        let last = &score[(n - 1) * l..];
        let mut y = 0;
        for (k, s) in last.iter().enumerate() {
            if *s > last[y] {
                y = k;
            }
        }
        let mut out = vec![0; n];
        for i in (0..n).rev() {
            out[i] = y;
            y = back[i * l + y];
        }
        out
    }

    #[test]
    fn branch_free_viterbi_matches_the_predecessor_scan() {
        let mut rng = SplitMix64::new(3);
        let mut v = Viterbi::default();
        for &l in &[3usize, 17, 24, 25] {
            for round in 0..200 {
                // Coarse values make ties common: the first best predecessor must win.
                let mut val = || (rng.next_u64() % 7) as f32 - 3.0;
                let trans: Vec<f32> = (0..(l + 1) * l).map(|_| val()).collect();
                let allowed: Vec<bool> = (0..(l + 1) * l)
                    .map(|i| i % l == 0 || (i * 7 + round) % 3 != 0)
                    .collect();
                let n = 1 + round % 30;
                let emit: Vec<f32> = (0..n * l).map(|_| val() * 0.5).collect();
                let want = reference_path(l, &trans, &allowed, &emit);
                let mut out = Vec::new();
                v.best_path(l, &trans, &allowed, &emit, &mut out);
                assert_eq!(out, want, "l {l} round {round}");
                // Without AVX2 too (the dispatch above uses it when it can).
                v.best_path_with(false, l, &trans, &allowed, &emit, &mut out);
                assert_eq!(out, want, "l {l} round {round} (no AVX2)");
            }
        }
    }

    #[test]
    fn bits_for_counts() {
        assert_eq!(bits_for(10), 4);
        assert_eq!(bits_for(16), 4);
        assert_eq!(bits_for(17), 5);
    }
}
