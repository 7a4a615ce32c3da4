//! Span identification: a token classifier ("is this token inside a technique span?") over
//! lexical, shape, context, quotation, lexicon and repetition features; positive runs become spans.

use std::collections::HashMap;

use newslens_core::Span;

use crate::linear::{fh, sigmoid, softmax, train, Dataset, Linear, Loss, TrainConfig};
use crate::prep::{lex_bucket, Lexicon, Prepared, Sent};
use crate::senti::{valence, valence_bucket};
use crate::text::{count_bucket, is_function_word, is_stop, len_bucket, Kind};

/// The span identification model.
#[derive(Debug, Clone)]
pub struct SiModel {
    /// Token classifier (`k = 1`).
    pub lin: Linear,
    /// Word → in-span rate learned from the training spans.
    pub lex: Lexicon,
    /// Decision threshold on the token probability.
    pub threshold: f32,
    /// A span is kept only if one of its tokens reaches this probability.
    pub min_peak: f32,
    /// Second pass (stacked on the first pass's probabilities of the neighbourhood), if trained.
    pub lin2: Option<Linear>,
}

/// A predicted span.
#[derive(Debug, Clone, PartialEq)]
pub struct SpanPred {
    /// Extent (bytes).
    pub span: Span,
    /// Mean token probability.
    pub score: f32,
    /// Index in [`Prepared::sents`].
    pub sent: usize,
    /// Lies inside a longer predicted span.
    pub nested: bool,
}

const NONE: &str = "<none>";

/// Step from `min_peak` to the second level of nested spans.
const NESTED_STEP: f32 = 0.15;

fn word(s: &Sent, i: isize) -> &str {
    if i < 0 {
        "<s>"
    } else {
        s.toks.get(i as usize).map_or("</s>", |t| t.lower.as_str())
    }
}

/// Sentence-level facts shared by its tokens.
struct SentFacts {
    len: &'static str,
    excl: bool,
    quest: bool,
    max_lex: &'static str,
    n_lex_hi: &'static str,
    n_val: &'static str,
}

fn sent_facts(s: &Sent, lex: &Lexicon) -> SentFacts {
    let mut best = -1.0f32;
    let mut hi = 0;
    for t in &s.toks {
        if let Some(&r) = lex.get(&t.lower) {
            if t.kind == Kind::Word && !is_stop(&t.lower) {
                best = best.max(r);
                if r >= 0.5 {
                    hi += 1;
                }
            }
        }
    }
    const B: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    SentFacts {
        len: len_bucket(s.toks.len()),
        excl: s.toks.iter().any(|t| t.lower == "!"),
        quest: s.toks.iter().any(|t| t.lower == "?"),
        max_lex: if best < 0.0 {
            NONE
        } else {
            B[((best * 10.0) as usize).min(9)]
        },
        n_lex_hi: count_bucket(hi),
        n_val: count_bucket(
            s.toks
                .iter()
                .filter(|t| valence(&t.lower).is_some_and(|v| v.abs() >= 1.5))
                .count(),
        ),
    }
}

/// Features of token `i` of sentence `s`.
fn token_features(
    p: &Prepared,
    s: &Sent,
    f: &SentFacts,
    i: usize,
    lex: &Lexicon,
    out: &mut Vec<u32>,
) {
    out.clear();
    let ii = i as isize;
    let t = &s.toks[i];
    let w0 = t.lower.as_str();
    let (wm1, wp1, wm2, wp2) = (
        word(s, ii - 1),
        word(s, ii + 1),
        word(s, ii - 2),
        word(s, ii + 2),
    );
    let l0 = lex_bucket(lex, w0);
    let lm1 = lex_bucket(lex, wm1);
    let lp1 = lex_bucket(lex, wp1);
    out.push(fh(0, &[]));
    out.push(fh(1, &[w0]));
    out.push(fh(2, &[wm1]));
    out.push(fh(3, &[wp1]));
    out.push(fh(4, &[wm2]));
    out.push(fh(5, &[wp2]));
    out.push(fh(6, &[wm1, w0]));
    out.push(fh(7, &[w0, wp1]));
    out.push(fh(8, &[&t.shape]));
    let n = w0.chars().count();
    if n > 4 {
        let suf: String = w0.chars().skip(n - 3).collect();
        let pre: String = w0.chars().take(4).collect();
        out.push(fh(9, &[&suf]));
        out.push(fh(10, &[&pre]));
    }
    let q = if s.in_quote[i] { "q" } else { "nq" };
    out.push(fh(11, &[q]));
    out.push(fh(12, &[q, l0]));
    let rel = ["0", "1", "2", "3", "4"][(i * 5 / s.toks.len().max(1)).min(4)];
    out.push(fh(13, &[rel]));
    if i == 0 {
        out.push(fh(14, &["first"]));
    }
    if i + 1 == s.toks.len() {
        out.push(fh(14, &["last"]));
    }
    out.push(fh(15, &[f.len]));
    if s.title {
        out.push(fh(16, &[]));
        out.push(fh(17, &[w0]));
        out.push(fh(18, &[l0]));
    }
    if f.excl {
        out.push(fh(19, &["!"]));
    }
    if f.quest {
        out.push(fh(19, &["?"]));
    }
    out.push(fh(20, &[l0]));
    out.push(fh(21, &[lm1]));
    out.push(fh(22, &[lp1]));
    out.push(fh(23, &[lm1, l0, lp1]));
    out.push(fh(24, &[f.max_lex]));
    out.push(fh(25, &[f.max_lex, l0]));
    out.push(fh(26, &[f.n_lex_hi]));
    if t.kind == Kind::Word && !is_stop(w0) {
        let c = p.counts.get(w0).copied().unwrap_or(0) as usize;
        out.push(fh(27, &[count_bucket(c)]));
        if s.title {
            out.push(fh(28, &[count_bucket(c)]));
        }
    }
    // Lexicon strength of the ±3 window: spans come in runs of loaded words.
    let mut win = 0.0f32;
    for d in -3isize..=3 {
        if d == 0 {
            continue;
        }
        let j = ii + d;
        if j >= 0 && (j as usize) < s.toks.len() {
            win = win.max(*lex.get(&s.toks[j as usize].lower).unwrap_or(&0.0));
        }
    }
    out.push(fh(
        29,
        &[
            ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"][((win * 10.0) as usize).min(9)],
            l0,
        ],
    ));
    let cap = t.shape.starts_with('X') && i > 0;
    if cap {
        out.push(fh(30, &[]));
    }
    out.push(fh(31, &[&s.toks[i.saturating_sub(1)].shape, &t.shape]));
    let v0 = valence_bucket(w0);
    let vm1 = valence_bucket(wm1);
    let vp1 = valence_bucket(wp1);
    out.push(fh(32, &[v0]));
    out.push(fh(33, &[vm1, v0, vp1]));
    out.push(fh(34, &[v0, l0]));
    let strong = (ii - 3..=ii + 3)
        .filter(|&j| j >= 0 && (j as usize) < s.toks.len())
        .filter(|&j| valence(&s.toks[j as usize].lower).is_some_and(|v| v.abs() >= 1.5))
        .count();
    out.push(fh(35, &[count_bucket(strong)]));
    out.push(fh(36, &[f.n_val]));
}

const PB: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

fn pb(p: f32) -> &'static str {
    PB[((p * 10.0) as usize).min(9)]
}

/// Second-pass features: the first pass's probabilities around token `i` and in its sentence.
fn stack_features(s: &Sent, probs: &[f32], i: usize, out: &mut Vec<u32>) {
    let n = probs.len();
    let get = |j: isize| -> &'static str {
        if j < 0 || j as usize >= n {
            "x"
        } else {
            pb(probs[j as usize])
        }
    };
    let ii = i as isize;
    let w0 = s.toks[i].lower.as_str();
    out.push(fh(100, &[get(ii)]));
    out.push(fh(101, &[get(ii - 1)]));
    out.push(fh(102, &[get(ii + 1)]));
    out.push(fh(103, &[get(ii - 2)]));
    out.push(fh(104, &[get(ii + 2)]));
    out.push(fh(105, &[get(ii - 1), get(ii), get(ii + 1)]));
    out.push(fh(106, &[get(ii), w0]));
    let mx = probs.iter().cloned().fold(0.0f32, f32::max);
    let mean = probs.iter().sum::<f32>() / n.max(1) as f32;
    let hi = probs.iter().filter(|&&p| p >= 0.5).count();
    out.push(fh(107, &[pb(mx)]));
    out.push(fh(108, &[pb(mean)]));
    out.push(fh(109, &[count_bucket(hi)]));
    out.push(fh(110, &[pb(mx), get(ii)]));
    // Distance to the nearest confident token on each side.
    let left = (0..i).rev().find(|&j| probs[j] >= 0.5).map(|j| i - j);
    let right = (i + 1..n).find(|&j| probs[j] >= 0.5).map(|j| j - i);
    let d = |x: Option<usize>| x.map_or("none", |v| count_bucket(v));
    out.push(fh(111, &[d(left)]));
    out.push(fh(112, &[d(right)]));
    out.push(fh(113, &[d(left), d(right)]));
}

/// Learns the in-span rate of every word seen at least twice.
pub fn learn_lexicon(examples: &[(&Prepared, &Vec<Span>)]) -> Lexicon {
    let mut tot: HashMap<String, (u32, u32)> = HashMap::new();
    for (p, gold) in examples {
        for s in &p.sents {
            for t in &s.toks {
                let inside = gold.iter().any(|g| g.start < t.end && t.start < g.end);
                let e = tot.entry(t.lower.clone()).or_default();
                e.0 += 1;
                e.1 += u32::from(inside);
            }
        }
    }
    let all: (u32, u32) = tot.values().fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let prior = all.1 as f32 / all.0.max(1) as f32;
    tot.into_iter()
        .filter(|(_, (n, _))| *n >= 2)
        .map(|(w, (n, k))| (w, (k as f32 + 2.0 * prior) / (n as f32 + 2.0)))
        .collect()
}

/// Training settings for SI.
#[derive(Debug, Clone, Copy)]
pub struct SiConfig {
    /// Hash bits.
    pub bits: u32,
    /// Epochs.
    pub epochs: usize,
    /// Learning rate.
    pub lr: f32,
    /// Positive weight.
    pub pos_weight: f32,
    /// Threshold.
    pub threshold: f32,
    /// Minimum peak probability of a span.
    pub min_peak: f32,
    /// Train a stacked second pass.
    pub stack: bool,
    /// 0: binary inside/outside; n: softmax over outside + n techniques.
    pub classes: usize,
}

impl Default for SiConfig {
    fn default() -> Self {
        Self {
            bits: 20,
            epochs: 4,
            lr: 0.1,
            pos_weight: 1.0,
            threshold: 0.35,
            min_peak: 0.0,
            stack: false,
            classes: 0,
        }
    }
}

/// Gold spans of one document with a class index (1-based technique index; 0 = unknown).
pub type Gold = Vec<(Span, usize)>;

fn train_pass1(examples: &[(&Prepared, &Gold)], cfg: &SiConfig) -> (Linear, Lexicon) {
    let spans: Vec<Vec<Span>> = examples
        .iter()
        .map(|(_, g)| g.iter().map(|x| x.0).collect())
        .collect();
    let pairs: Vec<(&Prepared, &Vec<Span>)> =
        examples.iter().map(|x| x.0).zip(spans.iter()).collect();
    let lex = learn_lexicon(&pairs);
    let mut data = Dataset::new();
    let mut buf = Vec::new();
    for (p, gold) in examples {
        for s in &p.sents {
            let facts = sent_facts(s, &lex);
            for i in 0..s.toks.len() {
                token_features(p, s, &facts, i, &lex, &mut buf);
                let t = &s.toks[i];
                // The shortest covering span names the token's technique.
                let cover = gold
                    .iter()
                    .filter(|(g, _)| g.start < t.end && t.start < g.end)
                    .min_by_key(|(g, _)| g.len());
                let labels = match (cover, cfg.classes) {
                    (None, 0) => vec![],
                    (Some(_), 0) => vec![0],
                    (None, _) => vec![0],
                    (Some((_, c)), k) => vec![(*c).clamp(1, k) as u16],
                };
                data.push(&buf, 1.0, labels, 1.0);
            }
        }
    }
    let lin = if cfg.classes == 0 {
        train(&data, 1, &tcfg(cfg, 7))
    } else {
        let mut c = tcfg(cfg, 7);
        c.loss = Loss::Softmax;
        train(&data, cfg.classes + 1, &c)
    };
    (lin, lex)
}

fn tcfg(cfg: &SiConfig, seed: u64) -> TrainConfig {
    TrainConfig {
        bits: cfg.bits,
        epochs: cfg.epochs,
        lr: cfg.lr,
        loss: Loss::Sigmoid,
        seed,
        pos_weight: cfg.pos_weight,
    }
}

/// Trains on documents with their gold spans (bytes). The lexicon is learned from the same
/// documents, so cross-validation folds learn their own. With `cfg.stack`, a second pass is
/// trained on out-of-fold first-pass probabilities (two halves of the training documents).
pub fn train_si(examples: &[(Prepared, Gold)], cfg: &SiConfig) -> SiModel {
    let all: Vec<(&Prepared, &Gold)> = examples.iter().map(|(p, g)| (p, g)).collect();
    let (lin, lex) = train_pass1(&all, cfg);
    let mut model = SiModel {
        lin,
        lex,
        threshold: cfg.threshold,
        min_peak: cfg.min_peak,
        lin2: None,
    };
    if !cfg.stack {
        return model;
    }
    // Out-of-fold first-pass probabilities for every training token.
    let halves: Vec<(Linear, Lexicon)> = (0..2)
        .map(|h| {
            let part: Vec<(&Prepared, &Gold)> = all
                .iter()
                .enumerate()
                .filter(|(i, _)| i % 2 != h)
                .map(|(_, x)| *x)
                .collect();
            train_pass1(&part, cfg)
        })
        .collect();
    let mut data = Dataset::new();
    let mut buf = Vec::new();
    for (i, (p, gold)) in all.iter().enumerate() {
        let (l1, lx) = &halves[i % 2];
        let m1 = SiModel {
            lin: l1.clone(),
            lex: lx.clone(),
            threshold: cfg.threshold,
            min_peak: cfg.min_peak,
            lin2: None,
        };
        let probs = m1.pass1_probs(p);
        for (s, pr) in p.sents.iter().zip(&probs) {
            let facts = sent_facts(s, &model.lex);
            for i in 0..s.toks.len() {
                token_features(p, s, &facts, i, &model.lex, &mut buf);
                stack_features(s, pr, i, &mut buf);
                let t = &s.toks[i];
                let inside = gold.iter().any(|(g, _)| g.start < t.end && t.start < g.end);
                data.push(&buf, 1.0, if inside { vec![0] } else { vec![] }, 1.0);
            }
        }
    }
    model.lin2 = Some(train(&data, 1, &tcfg(cfg, 13)));
    model
}

impl SiModel {
    /// Token probabilities per sentence (both passes).
    pub fn token_probs(&self, p: &Prepared) -> Vec<Vec<f32>> {
        let probs = self.pass1_probs(p);
        let Some(lin2) = &self.lin2 else {
            return probs;
        };
        let mut buf = Vec::new();
        p.sents
            .iter()
            .zip(&probs)
            .map(|(s, pr)| {
                let facts = sent_facts(s, &self.lex);
                (0..s.toks.len())
                    .map(|i| {
                        token_features(p, s, &facts, i, &self.lex, &mut buf);
                        stack_features(s, pr, i, &mut buf);
                        sigmoid(lin2.scores(&buf, 1.0)[0])
                    })
                    .collect()
            })
            .collect()
    }

    /// First-pass token probabilities per sentence.
    pub fn pass1_probs(&self, p: &Prepared) -> Vec<Vec<f32>> {
        self.pass1(p).0
    }

    /// First-pass token probabilities and, for a multi-class model, each token's most likely
    /// technique (1-based; 0 for a binary model).
    pub fn pass1(&self, p: &Prepared) -> (Vec<Vec<f32>>, Vec<Vec<u8>>) {
        let mut buf = Vec::new();
        p.sents
            .iter()
            .map(|s| {
                let facts = sent_facts(s, &self.lex);
                (0..s.toks.len())
                    .map(|i| {
                        token_features(p, s, &facts, i, &self.lex, &mut buf);
                        let mut v = self.lin.scores(&buf, 1.0);
                        if v.len() == 1 {
                            (sigmoid(v[0]), 0u8)
                        } else {
                            // Softmax over "outside" + techniques: inside = 1 − P(outside).
                            softmax(&mut v);
                            let best = (1..v.len())
                                .max_by(|a, b| v[*a].total_cmp(&v[*b]))
                                .unwrap_or(0);
                            (1.0 - v[0], best as u8)
                        }
                    })
                    .unzip::<f32, u8, Vec<f32>, Vec<u8>>()
            })
            .unzip()
    }

    /// Token runs `(first, last)` of a sentence at `threshold`, bridging one token of at least
    /// half the threshold between two positive ones; edge punctuation trimmed.
    fn runs(s: &Sent, pr: &[f32], threshold: f32) -> Vec<(usize, usize)> {
        let n = s.toks.len().min(pr.len());
        let mut pos: Vec<bool> = pr.iter().take(n).map(|&x| x >= threshold).collect();
        for i in 1..n.saturating_sub(1) {
            if !pos[i] && pos[i - 1] && pos[i + 1] && pr[i] >= threshold * 0.5 {
                pos[i] = true;
            }
        }
        let mut out = Vec::new();
        let mut i = 0;
        while i < n {
            if !pos[i] {
                i += 1;
                continue;
            }
            let mut j = i;
            while j + 1 < n && pos[j + 1] {
                j += 1;
            }
            let (mut a, mut b) = (i, j);
            while a < b && s.toks[a].kind == Kind::Punct {
                a += 1;
            }
            while b > a && s.toks[b].kind == Kind::Punct {
                b -= 1;
            }
            let content = s.toks[a..=b]
                .iter()
                .any(|t| t.kind == Kind::Word && !is_function_word(&t.lower));
            if content {
                out.push((a, b));
            }
            i = j + 1;
        }
        out
    }

    /// Spans from token probabilities: runs at `threshold` (hysteresis: kept only if a token
    /// reaches `min_peak`), plus, inside a run, the shorter runs of tokens at `min_peak` or more
    /// (flagged `nested`), so a long stretch also yields its most loaded phrases.
    pub fn decode(
        p: &Prepared,
        probs: &[Vec<f32>],
        classes: Option<&[Vec<u8>]>,
        threshold: f32,
        min_peak: f32,
    ) -> Vec<SpanPred> {
        let mut out = Vec::new();
        for (si, (s, pr)) in p.sents.iter().zip(probs).enumerate() {
            for (a, b) in Self::runs(s, pr, threshold) {
                let peak = pr[a..=b].iter().cloned().fold(0.0f32, f32::max);
                if peak < min_peak {
                    continue;
                }
                let mean = |a: usize, b: usize| pr[a..=b].iter().sum::<f32>() / (b - a + 1) as f32;
                out.push(SpanPred {
                    span: Span::new(s.toks[a].start, s.toks[b].end),
                    score: mean(a, b),
                    sent: si,
                    nested: false,
                });
                if min_peak > threshold {
                    // Two levels: the phrases at `min_peak`, and the cores well above it.
                    let mut seen = vec![(a, b)];
                    let mut cands = Self::runs(s, pr, min_peak);
                    match classes.and_then(|c| c.get(si)) {
                        // Within the confident tokens, a change of the tokens' most likely
                        // technique starts a new phrase.
                        Some(cl) => cands.extend(Self::class_runs(s, pr, cl, min_peak)),
                        None => cands.extend(Self::runs(s, pr, min_peak + NESTED_STEP)),
                    }
                    {
                        for (c, d) in cands {
                            if c >= a && d <= b && !seen.contains(&(c, d)) {
                                seen.push((c, d));
                                out.push(SpanPred {
                                    span: Span::new(s.toks[c].start, s.toks[d].end),
                                    score: mean(c, d),
                                    sent: si,
                                    nested: true,
                                });
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// Predicted spans.
    pub fn predict(&self, p: &Prepared) -> Vec<SpanPred> {
        if self.lin2.is_some() {
            return Self::decode(p, &self.token_probs(p), None, self.threshold, self.min_peak);
        }
        let (probs, classes) = self.pass1(p);
        Self::decode(p, &probs, Some(&classes), self.threshold, self.min_peak)
    }

    /// Maximal runs of tokens at `level` or more sharing their most likely technique (content
    /// words required, edge punctuation trimmed).
    fn class_runs(s: &Sent, pr: &[f32], cl: &[u8], level: f32) -> Vec<(usize, usize)> {
        let n = s.toks.len().min(pr.len()).min(cl.len());
        let mut out = Vec::new();
        let mut i = 0;
        while i < n {
            if pr[i] < level || cl[i] == 0 {
                i += 1;
                continue;
            }
            let mut j = i;
            while j + 1 < n && pr[j + 1] >= level && cl[j + 1] == cl[i] {
                j += 1;
            }
            let (mut a, mut b) = (i, j);
            while a < b && (s.toks[a].kind != Kind::Word || is_function_word(&s.toks[a].lower)) {
                a += 1;
            }
            while b > a && (s.toks[b].kind != Kind::Word || is_function_word(&s.toks[b].lower)) {
                b -= 1;
            }
            if s.toks[a].kind == Kind::Word && !is_function_word(&s.toks[a].lower) {
                out.push((a, b));
            }
            i = j + 1;
        }
        out
    }
}
