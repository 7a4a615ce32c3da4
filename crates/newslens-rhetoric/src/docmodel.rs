//! Article-level labels: frames (multi-label), genre (one of three), narratives (multi-label),
//! over the article's words and bigrams; evidence paragraphs are those contributing most.

use std::borrow::Borrow;

use rustc_hash::FxHashSet as HashSet;

use crate::linear::{fh, fh_finish, fh_state, sigmoid, softmax, Linear};
use crate::text::{Kind, Tok};

/// Features of a whole article from its tokens (title tokens marked); returns the scale.
/// Tokens may be given by value or by reference (`A`, `B` = [`Tok`] or `&Tok`).
pub fn doc_features<A: Borrow<Tok>, B: Borrow<Tok>>(
    title: &[A],
    body: &[&[B]],
    out: &mut Vec<u32>,
) -> f32 {
    out.clear();
    out.push(fh(0, &[]));
    // Sized for every word and bigram up front: growing the set rehashes it several times.
    let words = title.len() + body.iter().map(|p| p.len()).sum::<usize>();
    let mut seen = Seen::with_capacity(2 * words);
    for t in title {
        let t: &Tok = t.borrow();
        if t.kind == Kind::Word {
            seen.push(fh_state(1, &[&t.lower]), out);
        }
    }
    for para in body {
        for (i, t) in para.iter().enumerate() {
            let t: &Tok = t.borrow();
            if t.kind != Kind::Word {
                continue;
            }
            seen.push(fh_state(2, &[&t.lower]), out);
            if let Some(n) = para
                .get(i + 1)
                .map(Borrow::borrow)
                .filter(|n: &&Tok| n.kind == Kind::Word)
            {
                seen.push(fh_state(3, &[&t.lower, &n.lower]), out);
            }
        }
    }
    // Style: reporting quotes and attributes, opinion argues in the first person and asks.
    let mut st = [0usize; 6];
    for t in body.iter().flat_map(|p| p.iter()) {
        let t: &Tok = t.borrow();
        match (t.kind, t.lower.as_str()) {
            (Kind::Quote, _) => st[0] += 1,
            (_, "said" | "says" | "told" | "according") => st[1] += 1,
            (_, "i" | "me" | "my" | "we" | "our" | "us") => st[2] += 1,
            (_, "?") => st[3] += 1,
            (_, "!") => st[4] += 1,
            (_, "you" | "your") => st[5] += 1,
            _ => {}
        }
    }
    let ntok: usize = body.iter().map(|p| p.len()).sum::<usize>().max(1);
    for (i, c) in st.iter().enumerate() {
        let per_k = c * 1000 / ntok;
        out.push(fh(
            4,
            &[&i.to_string(), crate::text::count_bucket(per_k / 2)],
        ));
    }
    out.push(fh(5, &[crate::text::count_bucket(body.len())]));
    out.push(fh(
        6,
        &[crate::text::len_bucket(ntok / body.len().max(1) / 4)],
    ));
    3.0 / (out.len() as f32).sqrt().max(1.0)
}

/// Features of one paragraph for evidence ranking (same templates as the body of
/// [`doc_features`]).
pub fn para_evidence_features<T: Borrow<Tok>>(para: &[T], out: &mut Vec<u32>) {
    out.clear();
    let mut seen = Seen::with_capacity(2 * para.len());
    for (i, t) in para.iter().enumerate() {
        let t: &Tok = t.borrow();
        if t.kind != Kind::Word {
            continue;
        }
        seen.push(fh_state(2, &[&t.lower]), out);
        if let Some(n) = para
            .get(i + 1)
            .map(Borrow::borrow)
            .filter(|n: &&Tok| n.kind == Kind::Word)
        {
            seen.push(fh_state(3, &[&t.lower, &n.lower]), out);
        }
    }
}

/// Features pushed once each. Keyed by [`fh_state`] — the whole 64-bit state, not the 32-bit
/// feature: two words sharing a feature row still count twice, as they did when the set held
/// the words themselves (a 64-bit collision among an article's few thousand keys is ≈ 10⁻¹²
/// likely), and a `u64` is hashed and compared far faster than a tuple of strings (the set was
/// three quarters of the document features' time).
struct Seen(HashSet<u64>);

impl Seen {
    fn with_capacity(n: usize) -> Self {
        Self(HashSet::with_capacity_and_hasher(n, Default::default()))
    }

    fn push(&mut self, state: u64, out: &mut Vec<u32>) {
        if self.0.insert(state) {
            out.push(fh_finish(state));
        }
    }
}

/// A document-level classifier.
#[derive(Debug, Clone)]
pub struct DocModel {
    /// Weights.
    pub lin: Linear,
    /// Labels.
    pub labels: Vec<String>,
    /// Multi-label (sigmoid + threshold) or single-label (softmax).
    pub multi: bool,
    /// Threshold for multi-label outputs.
    pub threshold: f32,
}

impl DocModel {
    /// Probabilities per label.
    pub fn probs(&self, feats: &[u32], scale: f32) -> Vec<f32> {
        let mut v = self.lin.scores(feats, scale);
        if self.multi {
            v.iter_mut().for_each(|x| *x = sigmoid(*x));
        } else {
            softmax(&mut v);
        }
        v
    }

    /// Predicted label indexes with probabilities: above threshold (multi-label, at least the
    /// best one) or the argmax.
    pub fn predict(&self, feats: &[u32], scale: f32) -> Vec<(usize, f32)> {
        let p = self.probs(feats, scale);
        let mut order: Vec<usize> = (0..p.len()).collect();
        order.sort_by(|a, b| p[*b].total_cmp(&p[*a]));
        if !self.multi {
            return order.first().map(|&i| vec![(i, p[i])]).unwrap_or_default();
        }
        let mut out: Vec<(usize, f32)> = order
            .iter()
            .filter(|&&i| p[i] >= self.threshold)
            .map(|&i| (i, p[i]))
            .collect();
        if out.is_empty() {
            if let Some(&i) = order.first() {
                out.push((i, p[i]));
            }
        }
        out
    }
}
