//! Paragraph-level techniques (SemEval-2023 subtask 3): one-vs-rest logistic models over the
//! words, bigrams and shape of a paragraph.

use std::collections::HashSet;

use crate::linear::{fh, sigmoid, Linear};
use crate::prep::{lex_bucket, Lexicon};
use crate::text::{len_bucket, Kind, Tok};

/// Features of a paragraph (or any text unit) given its tokens; returns the feature scale.
pub fn unit_features(toks: &[Tok], lex: &Lexicon, title: bool, out: &mut Vec<u32>) -> f32 {
    out.clear();
    out.push(fh(0, &[]));
    let mut seen = HashSet::new();
    let mut q = false;
    let mut lex_hi = 0usize;
    for (i, t) in toks.iter().enumerate() {
        if t.kind == Kind::Quote {
            q = !q;
        }
        if seen.insert(t.lower.as_str()) {
            out.push(fh(1, &[&t.lower]));
            if q {
                out.push(fh(2, &[&t.lower]));
            }
            let b = lex_bucket(lex, &t.lower);
            if t.kind == Kind::Word && b != "u" && b >= "5" {
                lex_hi += 1;
            }
        }
        if let Some(n) = toks.get(i + 1) {
            out.push(fh(3, &[&t.lower, &n.lower]));
        }
    }
    out.push(fh(4, &[len_bucket(toks.len())]));
    out.push(fh(5, &[crate::text::count_bucket(lex_hi)]));
    if toks.iter().any(|t| t.lower == "!") {
        out.push(fh(6, &["!"]));
    }
    if toks.iter().any(|t| t.lower == "?") {
        out.push(fh(6, &["?"]));
    }
    if toks.iter().any(|t| t.kind == Kind::Quote) {
        out.push(fh(6, &["quote"]));
    }
    if title {
        out.push(fh(7, &[]));
    }
    1.0 / (out.len() as f32).sqrt().max(1.0) * 3.0
}

/// The paragraph technique model.
#[derive(Debug, Clone)]
pub struct ParaModel {
    /// One output per label.
    pub lin: Linear,
    /// Labels (SemEval-2023 techniques).
    pub labels: Vec<String>,
    /// Decision threshold.
    pub threshold: f32,
}

impl ParaModel {
    /// Probabilities per label.
    pub fn probs(&self, toks: &[Tok], lex: &Lexicon, title: bool) -> Vec<f32> {
        let mut buf = Vec::new();
        let scale = unit_features(toks, lex, title, &mut buf);
        self.lin
            .scores(&buf, scale)
            .into_iter()
            .map(sigmoid)
            .collect()
    }

    /// Labels above the threshold.
    pub fn predict(&self, toks: &[Tok], lex: &Lexicon, title: bool) -> Vec<(String, f32)> {
        self.probs(toks, lex, title)
            .into_iter()
            .enumerate()
            .filter(|(_, p)| *p >= self.threshold)
            .map(|(i, p)| (self.labels[i].clone(), p))
            .collect()
    }
}
