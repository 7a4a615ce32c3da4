//! Paragraph-level techniques (SemEval-2023 subtask 3): one-vs-rest logistic models over the
//! words, bigrams and shape of a paragraph.

use std::collections::HashSet;

use newslens_core::Span;

use crate::linear::{fh, sigmoid, Linear};
use crate::prep::Prepared;
use crate::prep::{lex_bucket, Lexicon};
use crate::si::SiModel;
use crate::tc::TcModel;
use crate::text::{len_bucket, Kind, Tok};

/// Features of a paragraph (or any text unit) given its tokens; returns the feature scale.
pub fn unit_features(
    toks: &[Tok],
    lex: &Lexicon,
    title: bool,
    extra: &[u32],
    out: &mut Vec<u32>,
) -> f32 {
    out.clear();
    out.extend_from_slice(extra);
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
    pub fn probs(&self, toks: &[Tok], lex: &Lexicon, title: bool, extra: &[u32]) -> Vec<f32> {
        let mut buf = Vec::new();
        let scale = unit_features(toks, lex, title, extra, &mut buf);
        self.lin
            .scores(&buf, scale)
            .into_iter()
            .map(sigmoid)
            .collect()
    }

    /// Labels above the threshold.
    pub fn predict(
        &self,
        toks: &[Tok],
        lex: &Lexicon,
        title: bool,
        extra: &[u32],
    ) -> Vec<(String, f32)> {
        self.probs(toks, lex, title, extra)
            .into_iter()
            .enumerate()
            .filter(|(_, p)| *p >= self.threshold)
            .map(|(i, p)| (self.labels[i].clone(), p))
            .collect()
    }
}

/// The span models' findings in one document, turned into features of any text unit
/// (stacking: the paragraph model learns how far to trust them).
#[derive(Debug, Clone, Default)]
pub struct DocEvidence {
    spans: Vec<(Span, f32, Vec<f32>)>,
    labels: Vec<String>,
}

const B10: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

impl DocEvidence {
    /// Runs span identification and 2023-label classification over `p`.
    pub fn new(si: &SiModel, tc: &TcModel, p: &Prepared) -> Self {
        let preds = si.predict(p);
        let spans: Vec<Span> = preds.iter().map(|x| x.span).collect();
        let probs = tc.classify23(p, &spans);
        Self {
            spans: preds
                .iter()
                .zip(probs)
                .map(|(s, pr)| (s.span, s.score, pr))
                .collect(),
            labels: tc.labels23.clone(),
        }
    }

    /// Evidence features for the unit `unit`.
    pub fn features(&self, unit: Span) -> Vec<u32> {
        let mut out = Vec::new();
        let mut best = vec![0.0f32; self.labels.len()];
        let mut n = 0usize;
        let mut top = 0.0f32;
        for (sp, score, pr) in &self.spans {
            if !sp.overlaps(&unit) {
                continue;
            }
            n += 1;
            top = top.max(*score);
            for (b, p) in best.iter_mut().zip(pr) {
                *b = b.max(*p);
            }
        }
        out.push(fh(40, &[crate::text::count_bucket(n)]));
        out.push(fh(41, &[B10[((top * 10.0) as usize).min(9)]]));
        for (c, p) in best.iter().enumerate() {
            if *p >= 0.05 {
                let b = B10[((p * 10.0) as usize).min(9)];
                out.push(fh(42, &[&self.labels[c], b]));
                if *p >= 0.3 {
                    out.push(fh(43, &[&self.labels[c]]));
                }
            }
        }
        out
    }
}
