//! Technique classification of a span: words and n-grams of the span, its length and shape,
//! its left/right context and sentence, quotation, and repetition in the article.

use std::collections::HashMap;

use newslens_core::case::to_lowercase;
use newslens_core::Span;

use crate::linear::{fh, softmax, train, Dataset, Linear, Loss, TrainConfig};
use crate::prep::Prepared;
use crate::text::{count_bucket, is_stop, len_bucket, Kind, Tok};

/// Counts of (lower-cased) span texts, for the repetition features.
#[derive(Debug, Clone, Default)]
pub struct SpanContext {
    lower_text: String,
    span_texts: HashMap<String, u32>,
}

impl SpanContext {
    /// Context for the spans `spans` of document `p` (the spans to be classified together).
    pub fn new(p: &Prepared, spans: &[Span]) -> Self {
        let mut span_texts: HashMap<String, u32> = HashMap::new();
        for s in spans {
            *span_texts.entry(to_lowercase(s.text(p.text))).or_default() += 1;
        }
        Self {
            lower_text: to_lowercase(p.text),
            span_texts,
        }
    }
}

fn occurrences(hay: &str, needle: &str) -> usize {
    if needle.is_empty() {
        return 0;
    }
    // Non-overlapping, like `str::matches`, but SIMD: this runs once per candidate span over
    // the whole article.
    memchr::memmem::find_iter(hay.as_bytes(), needle.as_bytes()).count()
}

/// Features of `span` in `p`.
pub fn span_features(p: &Prepared, ctx: &SpanContext, span: Span, out: &mut Vec<u32>) {
    out.clear();
    out.push(fh(0, &[]));
    let si = p.sentence_at(span.start);
    let Some(s) = p.sents.get(si) else {
        return;
    };
    let inside: Vec<&Tok> = p
        .sents
        .iter()
        .skip(si)
        .take_while(|x| x.span.start < span.end)
        .flat_map(|x| x.toks.iter())
        .filter(|t| t.start < span.end && span.start < t.end)
        .collect();
    let words: Vec<&str> = inside
        .iter()
        .filter(|t| t.kind == Kind::Word)
        .map(|t| t.lower.as_str())
        .collect();
    for w in &words {
        out.push(fh(1, &[w]));
    }
    for w in inside.windows(2) {
        out.push(fh(2, &[&w[0].lower, &w[1].lower]));
        // Shape–word pairs generalise over names ("the American people" → "Korean people").
        out.push(fh(34, &[&w[0].shape, &w[1].lower]));
    }
    if let (Some(f), Some(l)) = (inside.first(), inside.last()) {
        out.push(fh(3, &[&f.lower]));
        out.push(fh(4, &[&l.lower]));
        out.push(fh(5, &[&f.shape]));
        out.push(fh(35, &[crate::senti::valence_bucket(&f.lower), &l.lower]));
    }
    let nw = words.len();
    out.push(fh(6, &[len_bucket(nw)]));
    if nw == 1 {
        out.push(fh(7, &[words[0]]));
    }
    // Repetition: the same text elsewhere in the article, or among the spans.
    let lower = to_lowercase(span.text(p.text));
    let occ = occurrences(&ctx.lower_text, &lower);
    out.push(fh(8, &[count_bucket(occ)]));
    out.push(fh(9, &[count_bucket(occ), len_bucket(nw)]));
    let same = ctx.span_texts.get(&lower).copied().unwrap_or(0) as usize;
    out.push(fh(10, &[count_bucket(same)]));
    let content: Vec<&&str> = words.iter().filter(|w| !is_stop(w)).collect();
    let max_wc = content
        .iter()
        .map(|w| p.counts.get(**w).copied().unwrap_or(0) as usize)
        .max()
        .unwrap_or(0);
    out.push(fh(11, &[count_bucket(max_wc)]));
    // Context.
    let first_tok = s.toks.iter().position(|t| t.end > span.start).unwrap_or(0);
    let es = p.sentence_at(span.end.saturating_sub(1));
    let se = &p.sents[es];
    let last_tok = se
        .toks
        .iter()
        .rposition(|t| t.start < span.end)
        .unwrap_or(se.toks.len().saturating_sub(1));
    // Only the immediate neighbours: wider context bags overfit (CV 0.59 → 0.62 without them).
    let l = first_tok
        .checked_sub(1)
        .and_then(|j| s.toks.get(j))
        .map_or("<s>", |t| t.lower.as_str());
    let r = se
        .toks
        .get(last_tok + 1)
        .map_or("</s>", |t| t.lower.as_str());
    out.push(fh(13, &[l]));
    out.push(fh(17, &[r]));
    let cov = inside.len() as f32 / s.toks.len().max(1) as f32;
    out.push(fh(
        23,
        &[["0", "1", "2", "3", "4"][((cov * 5.0) as usize).min(4)]],
    ));
    if s.in_quote.get(first_tok).copied().unwrap_or(false) {
        out.push(fh(24, &["inq"]));
    }
    if first_tok > 0 && s.toks[first_tok - 1].kind == Kind::Quote {
        out.push(fh(24, &["qbefore"]));
    }
    if inside.iter().any(|t| t.lower == "!")
        || se.toks.get(last_tok + 1).is_some_and(|t| t.lower == "!")
    {
        out.push(fh(25, &["!"]));
    }
    if s.toks.iter().any(|t| t.lower == "?") {
        out.push(fh(25, &["?"]));
    }
    if s.title {
        out.push(fh(26, &[]));
    }
    let caps = inside
        .iter()
        .filter(|t| t.kind == Kind::Word && t.shape.starts_with('X'))
        .count();
    if nw > 1 && caps == nw {
        out.push(fh(27, &["allcap"]));
    }
    if es != si {
        out.push(fh(28, &[]));
    }
    // Valence: loaded words vs. neutral claims (doubt, authority, causal statements).
    let mut vb = [0usize; 4];
    for w in &words {
        // One valence look-up per word for both uses.
        let b = crate::senti::valence_bucket(w);
        match b {
            "n2" => vb[0] += 1,
            "n1" => vb[1] += 1,
            "p1" => vb[2] += 1,
            "p2" => vb[3] += 1,
            _ => {}
        }
        out.push(fh(29, &[b]));
    }
    let strong = vb[0] + vb[3];
    out.push(fh(30, &[count_bucket(strong), len_bucket(nw)]));
    out.push(fh(
        31,
        &[count_bucket(vb[0] + vb[1]), count_bucket(vb[2] + vb[3])],
    ));
    // Capitalised words inside (names: name calling, authority) and quoted speech nearby.
    let caps_inner = inside
        .iter()
        .skip(1)
        .filter(|t| t.kind == Kind::Word && t.shape.starts_with('X'))
        .count();
    out.push(fh(32, &[count_bucket(caps_inner)]));
    if s.toks.iter().any(|t| t.kind == Kind::Quote) {
        out.push(fh(33, &[]));
    }
}

/// The technique classifiers (SemEval-2020 labels, and SemEval-2023 labels).
#[derive(Debug, Clone)]
pub struct TcModel {
    /// 14-way classifier.
    pub lin: Linear,
    /// Labels of `lin`.
    pub labels: Vec<String>,
    /// 2023-taxonomy classifier (used to split merged 2020 classes).
    pub lin23: Linear,
    /// Labels of `lin23`.
    pub labels23: Vec<String>,
}

/// One training span.
#[derive(Debug, Clone)]
pub struct TcExample {
    /// Document index.
    pub doc: usize,
    /// Span (bytes).
    pub span: Span,
    /// Label index.
    pub label: usize,
}

/// Settings.
#[derive(Debug, Clone, Copy)]
pub struct TcConfig {
    /// Hash bits.
    pub bits: u32,
    /// Epochs.
    pub epochs: usize,
    /// Learning rate.
    pub lr: f32,
}

impl Default for TcConfig {
    fn default() -> Self {
        Self {
            bits: 18,
            epochs: 8,
            lr: 0.1,
        }
    }
}

/// Trains one softmax span classifier.
pub fn train_tc(docs: &[Prepared], examples: &[TcExample], k: usize, cfg: &TcConfig) -> Linear {
    let mut data = Dataset::new();
    let mut buf = Vec::new();
    let mut by_doc: HashMap<usize, Vec<Span>> = HashMap::new();
    for e in examples {
        by_doc.entry(e.doc).or_default().push(e.span);
    }
    let ctxs: HashMap<usize, SpanContext> = by_doc
        .iter()
        .map(|(d, spans)| (*d, SpanContext::new(&docs[*d], spans)))
        .collect();
    for e in examples {
        span_features(&docs[e.doc], &ctxs[&e.doc], e.span, &mut buf);
        data.push(&buf, 1.0, vec![e.label as u16], 1.0);
    }
    train(
        &data,
        k,
        &TrainConfig {
            bits: cfg.bits,
            epochs: cfg.epochs,
            lr: cfg.lr,
            loss: Loss::Softmax,
            seed: 11,
            pos_weight: 1.0,
        },
    )
}

impl TcModel {
    fn probs_of(lin: &Linear, p: &Prepared, spans: &[Span]) -> Vec<Vec<f32>> {
        let ctx = SpanContext::new(p, spans);
        let mut buf = Vec::new();
        spans
            .iter()
            .map(|&s| {
                span_features(p, &ctx, s, &mut buf);
                let mut v = Vec::with_capacity(lin.k);
                lin.scores_into(&buf, 1.0, &mut v);
                softmax(&mut v);
                v
            })
            .collect()
    }

    /// Probabilities over the 2020 labels for each span (spans classified together share the
    /// repetition context).
    pub fn classify(&self, p: &Prepared, spans: &[Span]) -> Vec<Vec<f32>> {
        Self::probs_of(&self.lin, p, spans)
    }

    /// Probabilities over the 2023 labels.
    pub fn classify23(&self, p: &Prepared, spans: &[Span]) -> Vec<Vec<f32>> {
        Self::probs_of(&self.lin23, p, spans)
    }

    /// Probabilities over the 2020 and the 2023 labels, the span features computed once.
    pub fn classify_both(&self, p: &Prepared, spans: &[Span]) -> (Vec<Vec<f32>>, Vec<Vec<f32>>) {
        let ctx = SpanContext::new(p, spans);
        let mut buf = Vec::new();
        // All spans' features first, then each model scores them in one batch (the weight
        // rows of the spans ahead are prefetched; same sums bit for bit).
        let mut feats = Vec::new();
        let mut ends = Vec::with_capacity(spans.len());
        for &s in spans {
            span_features(p, &ctx, s, &mut buf);
            feats.extend_from_slice(&buf);
            ends.push(feats.len() as u32);
        }
        let probs = |lin: &Linear| {
            let mut all = Vec::new();
            lin.scores_batch(&feats, &ends, 1.0, &mut all);
            all.chunks(lin.k.max(1))
                .map(|x| {
                    let mut v = x.to_vec();
                    softmax(&mut v);
                    v
                })
                .collect::<Vec<_>>()
        };
        (probs(&self.lin), probs(&self.lin23))
    }
}
