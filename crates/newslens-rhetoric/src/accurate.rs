//! Accurate mode: small heads trained by the project on top of frozen sentence embeddings
//! (all-MiniLM-L6-v2, crate `newslens-embed`), replacing the fast models' technique labels of
//! spans (TC), paragraph techniques (SemEval-2023 subtask 3), frames and genre.
//!
//! This crate does not run the encoder itself: callers pass an [`Encoder`] (the CLI wraps
//! `newslens_embed::Embedder`), so the fast build and the default stage need no weights.
//!
//! Inputs of the heads (each stacked on the fast model's out-of-fold probabilities, so the head
//! learns how far to trust the fast model):
//! * TC: the span's embedding *in its sentence* (word pieces of the span, pooled from the
//!   sentence's forward pass), the sentence's embedding, the fast 14-way probabilities;
//! * paragraphs: the paragraph's embedding, a title flag, the fast 23-way probabilities;
//! * frames / genre: the title's embedding, the mean of the paragraphs' embeddings, the fast
//!   model's probabilities.
//!
//! Heads ([`Head`]) are one-hidden-layer MLPs (ReLU) or linear models, trained with Adam on
//! fixed-seed shuffles, one thread each: training is deterministic. They are stored as
//! `models/rhetoric-accurate-{tc,para,frames,genre}.bin` and embedded in the binary.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

use newslens_core::layers::rhetoric::{ScoredLabel, TechniqueSpan};
use newslens_core::{Analysis, Annotator, OffsetMap, Span, StageError};
use newslens_eval::ptc::{self, LabelledSpan};
use newslens_eval::semeval23::{self, Example};
use rayon::prelude::*;
use serde_json::{json, Value};

use crate::data::{self, line_sentences, LabelledDoc, SpanDoc};
use crate::linear::{sigmoid, softmax, Linear, Rng};
use crate::model::{labels_to_give, RhetoricModel};
use crate::para::{DocEvidence, ParaModel};
use crate::prep::Prepared;
use crate::taxonomy::{to_2023, TECHNIQUES_2020, TECHNIQUES_2023};
use crate::tc::{train_tc, TcExample, TcModel};
use crate::text::lines;
use crate::train::{
    article_features, assign_labels, fold_of_id, oof_evidence, para_rows, tc_examples, train_doc,
    train_para, ParaRow, Tuned, FOLDS,
};
use crate::RhetoricStage;

/// Errors of the accurate mode.
#[derive(Debug, thiserror::Error)]
pub enum AccurateError {
    /// The encoder failed (missing weights, bad input).
    #[error("encoder: {0}")]
    Encoder(String),
    /// A head file is malformed.
    #[error("accurate head: {0}")]
    Model(String),
    /// The fast models or the training data.
    #[error(transparent)]
    Rhetoric(#[from] crate::RhetoricError),
    /// I/O.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// A text's embedding and the embeddings of byte ranges inside it.
pub type Encoded = (Vec<f32>, Vec<Vec<f32>>);

/// A technique span: extent, SemEval-2020 label, SemEval-2023 label, score, sentence index.
pub type Technique = (Span, String, String, f32, usize);

/// A training row of a head: input, gold label indexes, fold.
pub type Row = (Vec<f32>, Vec<usize>, usize);

/// Members of a context group: (index in the span list, range relative to the context).
type Members = Vec<(usize, (usize, usize))>;

/// Per span: its vector and its sentence's vector.
type SpanVecs = Vec<(Vec<f32>, Vec<f32>)>;

/// Spans grouped by context: the context, and per member (index in the span list, range
/// relative to the context).
type Groups = Vec<(Span, Members)>;

/// Adam moments of a layer: weights (m, v), biases (m, v).
type Moments = (Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>);

/// Document-head outputs: frame probabilities, genre probabilities, paragraph vectors, title
/// vector.
pub type DocProbs = (Vec<f32>, Vec<f32>, Vec<Vec<f32>>, Vec<f32>);

/// A sentence encoder: one L2-normalised vector per text and per byte range of the text (the
/// range's word pieces pooled in the context of the whole text).
pub trait Encoder: Send + Sync {
    /// Encodes `(text, ranges)` items, in order.
    fn encode(&self, items: &[(&str, &[(usize, usize)])]) -> Result<Vec<Encoded>, String>;
    /// A name identifying the model and its settings (keys the training cache).
    fn name(&self) -> &str;
}

// ---------------------------------------------------------------------------------------------
// Heads.

/// A dense layer `y = W x + b` (`W` row-major, `out × inp`).
#[derive(Debug, Clone, PartialEq)]
struct Dense {
    inp: usize,
    out: usize,
    w: Vec<f32>,
    b: Vec<f32>,
}

impl Dense {
    fn new(inp: usize, out: usize, rng: &mut Rng) -> Self {
        // Glorot-uniform from the fixed-seed generator.
        let a = (6.0 / (inp + out) as f64).sqrt();
        let w = (0..inp * out)
            .map(|_| ((rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) * a)
            .map(|x| x as f32)
            .collect();
        Self {
            inp,
            out,
            w,
            b: vec![0.0; out],
        }
    }

    fn forward(&self, x: &[f32], y: &mut Vec<f32>) {
        y.clear();
        for o in 0..self.out {
            let row = &self.w[o * self.inp..(o + 1) * self.inp];
            y.push(self.b[o] + dot(row, x));
        }
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Eight accumulators so the loop vectorises (and the sum order is fixed).
    let mut acc = [0f32; 8];
    let ca = a.chunks_exact(8);
    let cb = b.chunks_exact(8);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    let mut s: f32 = acc.iter().sum();
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

/// A classification head over a dense input: linear, or one hidden ReLU layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Head {
    layers: Vec<Dense>,
    /// Multi-label (one sigmoid per label) or single-label (softmax).
    pub multi: bool,
    /// Output labels.
    pub labels: Vec<String>,
    /// Decision threshold (multi-label heads).
    pub threshold: f32,
}

/// Training settings of a [`Head`].
#[derive(Debug, Clone, Copy)]
pub struct HeadConfig {
    /// Hidden units (0 = linear).
    pub hidden: usize,
    /// Passes over the data.
    pub epochs: usize,
    /// Adam step size.
    pub lr: f32,
    /// L2 penalty (decoupled weight decay per step).
    pub l2: f32,
    /// Examples per step.
    pub batch: usize,
    /// Seed of the initialisation and the shuffles.
    pub seed: u64,
}

impl Head {
    /// Input width.
    pub fn input(&self) -> usize {
        self.layers.first().map_or(0, |l| l.inp)
    }

    /// Raw scores.
    pub fn logits(&self, x: &[f32]) -> Vec<f32> {
        let mut h = x.to_vec();
        let mut y = Vec::new();
        for (i, l) in self.layers.iter().enumerate() {
            l.forward(&h, &mut y);
            if i + 1 < self.layers.len() {
                y.iter_mut().for_each(|v| *v = v.max(0.0));
            }
            std::mem::swap(&mut h, &mut y);
        }
        h
    }

    /// Probabilities (sigmoid per label, or softmax).
    pub fn probs(&self, x: &[f32]) -> Vec<f32> {
        let mut z = self.logits(x);
        if self.multi {
            z.iter_mut().for_each(|v| *v = sigmoid(*v));
        } else {
            softmax(&mut z);
        }
        z
    }

    /// Trains a head on `xs` with label sets `ys` (indexes into `labels`; single-label heads
    /// use the first) and per-example weights `ws`.
    pub fn train(
        xs: &[Vec<f32>],
        ys: &[Vec<usize>],
        ws: &[f32],
        labels: &[String],
        multi: bool,
        cfg: &HeadConfig,
    ) -> Head {
        let inp = xs.first().map_or(0, Vec::len);
        let k = labels.len();
        let mut rng = Rng::new(cfg.seed);
        let layers = if cfg.hidden == 0 {
            vec![Dense::new(inp, k, &mut rng)]
        } else {
            vec![
                Dense::new(inp, cfg.hidden, &mut rng),
                Dense::new(cfg.hidden, k, &mut rng),
            ]
        };
        let mut head = Head {
            layers,
            multi,
            labels: labels.to_vec(),
            threshold: 0.5,
        };
        let mut adam: Vec<Moments> = head
            .layers
            .iter()
            .map(|l| {
                (
                    vec![0.0; l.w.len()],
                    vec![0.0; l.w.len()],
                    vec![0.0; l.b.len()],
                    vec![0.0; l.b.len()],
                )
            })
            .collect();
        let mut grads: Vec<(Vec<f32>, Vec<f32>)> = head
            .layers
            .iter()
            .map(|l| (vec![0.0; l.w.len()], vec![0.0; l.b.len()]))
            .collect();
        let (b1, b2, eps) = (0.9f32, 0.999f32, 1e-8f32);
        let mut step = 0i32;
        let mut order: Vec<usize> = (0..xs.len()).collect();
        let mut acts: Vec<Vec<f32>> = Vec::new();
        for _ in 0..cfg.epochs {
            rng.shuffle(&mut order);
            for chunk in order.chunks(cfg.batch.max(1)) {
                for g in grads.iter_mut() {
                    g.0.iter_mut().for_each(|v| *v = 0.0);
                    g.1.iter_mut().for_each(|v| *v = 0.0);
                }
                let mut wsum = 0.0f32;
                for &i in chunk {
                    let w = ws.get(i).copied().unwrap_or(1.0);
                    wsum += w;
                    // Forward, keeping activations.
                    acts.clear();
                    acts.push(xs[i].clone());
                    for (li, l) in head.layers.iter().enumerate() {
                        let mut y = Vec::new();
                        l.forward(&acts[li], &mut y);
                        if li + 1 < head.layers.len() {
                            y.iter_mut().for_each(|v| *v = v.max(0.0));
                        }
                        acts.push(y);
                    }
                    let mut d = acts.pop().unwrap_or_default();
                    if multi {
                        for (c, v) in d.iter_mut().enumerate() {
                            let t = if ys[i].contains(&c) { 1.0 } else { 0.0 };
                            *v = (sigmoid(*v) - t) * w;
                        }
                    } else {
                        softmax(&mut d);
                        if let Some(&t) = ys[i].first() {
                            if let Some(v) = d.get_mut(t) {
                                *v -= 1.0;
                            }
                        }
                        d.iter_mut().for_each(|v| *v *= w);
                    }
                    // Backward.
                    for li in (0..head.layers.len()).rev() {
                        let l = &head.layers[li];
                        let x = &acts[li];
                        let (gw, gb) = &mut grads[li];
                        let mut dx = if li > 0 {
                            vec![0.0f32; l.inp]
                        } else {
                            Vec::new()
                        };
                        for (o, &g) in d.iter().enumerate() {
                            if g == 0.0 {
                                continue;
                            }
                            gb[o] += g;
                            let row = &mut gw[o * l.inp..(o + 1) * l.inp];
                            for (r, xv) in row.iter_mut().zip(x) {
                                *r += g * xv;
                            }
                            if li > 0 {
                                let wr = &l.w[o * l.inp..(o + 1) * l.inp];
                                for (dv, wv) in dx.iter_mut().zip(wr) {
                                    *dv += g * wv;
                                }
                            }
                        }
                        if li > 0 {
                            // ReLU of the layer below.
                            for (dv, a) in dx.iter_mut().zip(x) {
                                if *a <= 0.0 {
                                    *dv = 0.0;
                                }
                            }
                            d = dx;
                        }
                    }
                }
                step += 1;
                let scale = 1.0 / wsum.max(1e-6);
                let c1 = 1.0 - b1.powi(step);
                let c2 = 1.0 - b2.powi(step);
                for ((l, g), st) in head.layers.iter_mut().zip(&grads).zip(adam.iter_mut()) {
                    let upd =
                        |p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], decay: bool| {
                            for j in 0..p.len() {
                                let gj = g[j] * scale;
                                m[j] = b1 * m[j] + (1.0 - b1) * gj;
                                v[j] = b2 * v[j] + (1.0 - b2) * gj * gj;
                                let mh = m[j] / c1;
                                let vh = v[j] / c2;
                                p[j] -= cfg.lr * mh / (vh.sqrt() + eps);
                                if decay {
                                    p[j] -= cfg.lr * cfg.l2 * p[j];
                                }
                            }
                        };
                    upd(&mut l.w, &g.0, &mut st.0, &mut st.1, true);
                    upd(&mut l.b, &g.1, &mut st.2, &mut st.3, false);
                }
            }
        }
        head
    }

    /// Serialises the head: magic, JSON header length (u32 LE), JSON header, then each layer's
    /// weights and biases as f32 LE.
    pub fn to_bytes(&self) -> Vec<u8> {
        let header = json!({
            "labels": self.labels,
            "multi": self.multi,
            "threshold": self.threshold,
            "layers": self.layers.iter().map(|l| [l.inp, l.out]).collect::<Vec<_>>(),
        })
        .to_string();
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        for l in &self.layers {
            for v in l.w.iter().chain(&l.b) {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        out
    }

    /// Parses [`Head::to_bytes`] output.
    pub fn from_bytes(b: &[u8]) -> Result<Head, AccurateError> {
        let bad = |m: &str| AccurateError::Model(m.to_string());
        let rest = b
            .strip_prefix(MAGIC)
            .ok_or_else(|| bad("not a head file"))?;
        let n = rest
            .get(..4)
            .map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]) as usize)
            .ok_or_else(|| bad("truncated header"))?;
        let h: Value = rest
            .get(4..4 + n)
            .and_then(|x| serde_json::from_slice(x).ok())
            .ok_or_else(|| bad("bad header"))?;
        let mut floats = rest[4 + n..]
            .chunks_exact(4)
            .map(|x| f32::from_le_bytes([x[0], x[1], x[2], x[3]]));
        let mut layers = Vec::new();
        for l in h["layers"].as_array().ok_or_else(|| bad("no layers"))? {
            let (inp, out) = match (l[0].as_u64(), l[1].as_u64()) {
                (Some(i), Some(o)) => (i as usize, o as usize),
                _ => return Err(bad("bad layer shape")),
            };
            let w: Vec<f32> = floats.by_ref().take(inp * out).collect();
            let bias: Vec<f32> = floats.by_ref().take(out).collect();
            if w.len() != inp * out || bias.len() != out {
                return Err(bad("truncated weights"));
            }
            layers.push(Dense {
                inp,
                out,
                w,
                b: bias,
            });
        }
        if floats.next().is_some() {
            return Err(bad("trailing bytes"));
        }
        let labels: Vec<String> = h["labels"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        if layers.is_empty()
            || layers.last().map(|l| l.out) != Some(labels.len())
            || layers.windows(2).any(|w| w[0].out != w[1].inp)
        {
            return Err(bad("layer shapes do not match the labels"));
        }
        Ok(Head {
            layers,
            multi: h["multi"].as_bool().unwrap_or(true),
            labels,
            threshold: h["threshold"].as_f64().unwrap_or(0.5) as f32,
        })
    }

    fn checked_probs(&self, x: &[f32]) -> Result<Vec<f32>, AccurateError> {
        if x.len() != self.input() {
            return Err(AccurateError::Model(format!(
                "input width {} (head expects {})",
                x.len(),
                self.input()
            )));
        }
        Ok(self.probs(x))
    }
}

const MAGIC: &[u8] = b"NLACC1\n";

// ---------------------------------------------------------------------------------------------
// The bundle of heads.

/// File names of the heads under `models/`.
pub const FILES: [&str; 4] = [
    "rhetoric-accurate-tc.bin",
    "rhetoric-accurate-para.bin",
    "rhetoric-accurate-frames.bin",
    "rhetoric-accurate-genre.bin",
];

static EMBEDDED: [&[u8]; 4] = [
    include_bytes!("../../../models/rhetoric-accurate-tc.bin"),
    include_bytes!("../../../models/rhetoric-accurate-para.bin"),
    include_bytes!("../../../models/rhetoric-accurate-frames.bin"),
    include_bytes!("../../../models/rhetoric-accurate-genre.bin"),
];

/// The accurate heads.
#[derive(Debug, Clone, PartialEq)]
pub struct AccurateModel {
    /// Span technique classification (SemEval-2020, 14 labels).
    pub tc: Head,
    /// Paragraph techniques (SemEval-2023, 23 labels).
    pub para: Head,
    /// Frames (14).
    pub frames: Head,
    /// Genre (3).
    pub genre: Head,
}

impl AccurateModel {
    /// The heads embedded in the binary (parsed once).
    pub fn embedded() -> Result<&'static AccurateModel, AccurateError> {
        static M: std::sync::OnceLock<Result<AccurateModel, String>> = std::sync::OnceLock::new();
        M.get_or_init(|| Self::from_bytes(EMBEDDED).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| AccurateError::Model(e.clone()))
    }

    /// Parses the four files' bytes (order of [`FILES`]).
    pub fn from_bytes(b: [&[u8]; 4]) -> Result<Self, AccurateError> {
        Ok(Self {
            tc: Head::from_bytes(b[0])?,
            para: Head::from_bytes(b[1])?,
            frames: Head::from_bytes(b[2])?,
            genre: Head::from_bytes(b[3])?,
        })
    }

    /// Loads the heads from a folder.
    pub fn from_dir(dir: &Path) -> Result<Self, AccurateError> {
        let r = |f: &str| std::fs::read(dir.join(f));
        let b = [r(FILES[0])?, r(FILES[1])?, r(FILES[2])?, r(FILES[3])?];
        Self::from_bytes([&b[0], &b[1], &b[2], &b[3]])
    }

    /// Writes the four files to `dir`.
    pub fn save(&self, dir: &Path) -> Result<(), AccurateError> {
        std::fs::create_dir_all(dir)?;
        for (f, h) in FILES
            .iter()
            .zip([&self.tc, &self.para, &self.frames, &self.genre])
        {
            std::fs::write(dir.join(f), h.to_bytes())?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Inputs of the heads.

/// TC input: span-in-sentence vector, sentence vector, fast 14-way probabilities.
pub fn tc_input(span: &[f32], sent: &[f32], fast: &[f32]) -> Vec<f32> {
    [span, sent, fast].concat()
}

/// Paragraph input: paragraph vector, title flag, fast 23-way probabilities. (An element-wise
/// maximum over the paragraph's sentence vectors was tried and did not help: CV 0.391 → 0.388.)
pub fn para_input(para: &[f32], title: bool, fast: &[f32]) -> Vec<f32> {
    let mut v = para.to_vec();
    v.push(if title { 1.0 } else { 0.0 });
    v.extend_from_slice(fast);
    v
}

/// Document input: title vector, normalised mean of the paragraph vectors, fast probabilities.
pub fn doc_input(title: &[f32], paras: &[Vec<f32>], fast: &[f32]) -> Vec<f32> {
    let dim = title.len();
    let mut mean = vec![0f32; dim];
    for p in paras {
        for (m, x) in mean.iter_mut().zip(p) {
            *m += x;
        }
    }
    let norm = mean.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    mean.iter_mut().for_each(|x| *x /= norm);
    [title, &mean, fast].concat()
}

/// The line(s) around `span`: from the start of its first line to the end of its last.
fn context_of(text: &str, span: Span) -> Span {
    let s = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let e = text[span.end..]
        .find('\n')
        .map_or(text.len(), |i| span.end + i);
    Span::new(s, e)
}

/// Groups spans by their context: `(context, [(index in spans, span relative to context)])`.
fn group_contexts(text: &str, spans: &[Span], ctx: impl Fn(Span) -> Span) -> Groups {
    let mut by: BTreeMap<(usize, usize), Members> = BTreeMap::new();
    for (i, sp) in spans.iter().enumerate() {
        let c = ctx(*sp);
        let (s, e) = (
            sp.start.max(c.start),
            sp.end.min(c.end).max(sp.start.max(c.start)),
        );
        by.entry((c.start, c.end))
            .or_default()
            .push((i, (s - c.start, e - c.start)));
    }
    let _ = text;
    by.into_iter()
        .map(|((s, e), v)| (Span::new(s, e), v))
        .collect()
}

/// Span and sentence vectors of `spans` of `text`, each span embedded in `ctx(span)`.
fn span_vectors(
    enc: &dyn Encoder,
    text: &str,
    spans: &[Span],
    ctx: impl Fn(Span) -> Span,
) -> Result<SpanVecs, AccurateError> {
    let groups = group_contexts(text, spans, ctx);
    let ranges: Vec<Vec<(usize, usize)>> = groups
        .iter()
        .map(|(_, v)| v.iter().map(|x| x.1).collect())
        .collect();
    let items: Vec<(&str, &[(usize, usize)])> = groups
        .iter()
        .zip(&ranges)
        .map(|((c, _), r)| (c.text(text), r.as_slice()))
        .collect();
    let encoded = enc.encode(&items).map_err(AccurateError::Encoder)?;
    let mut out = vec![(Vec::new(), Vec::new()); spans.len()];
    for ((_, members), (sent, sv)) in groups.iter().zip(encoded) {
        for ((i, _), v) in members.iter().zip(sv) {
            out[*i] = (v, sent.clone());
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Prediction.

/// The fast models, the accurate heads and an encoder, together.
pub struct Accurate<'a> {
    /// Fast models (span finding, stacked probabilities, entity roles, narratives).
    pub fast: &'a RhetoricModel,
    /// Heads.
    pub heads: &'a AccurateModel,
    /// Encoder.
    pub enc: &'a dyn Encoder,
}

impl Accurate<'_> {
    /// 14-way probabilities of `spans` of a prepared document.
    pub fn tc_probs(&self, p: &Prepared, spans: &[Span]) -> Result<Vec<Vec<f32>>, AccurateError> {
        if spans.is_empty() {
            return Ok(Vec::new());
        }
        let fast = self.fast.tc.classify(p, spans);
        let sents: Vec<Span> = p.sents.iter().map(|s| s.span).collect();
        let ctx = |sp: Span| sentence_context(p.text, &sents, sp);
        let vecs = span_vectors(self.enc, p.text, spans, ctx)?;
        vecs.iter()
            .zip(&fast)
            .map(|((s, c), f)| self.heads.tc.checked_probs(&tc_input(s, c, f)))
            .collect()
    }

    /// 2020 label, 2023 label and probability of each span (best label).
    pub fn label_spans(
        &self,
        p: &Prepared,
        spans: &[Span],
    ) -> Result<Vec<(String, String, f32)>, AccurateError> {
        let probs = self.tc_probs(p, spans)?;
        let p23 = self.fast.tc.classify23(p, spans);
        Ok(probs
            .iter()
            .zip(&p23)
            .map(|(pr, q)| {
                let best = argmax(pr);
                let label = self.heads.tc.labels.get(best).cloned().unwrap_or_default();
                let l23 = label_2023(&self.fast.tc, &label, q);
                (label, l23, pr.get(best).copied().unwrap_or(0.0))
            })
            .collect())
    }

    /// Technique spans as [`RhetoricModel::techniques`] gives them, labelled by the TC head.
    pub fn techniques(&self, p: &Prepared) -> Result<Vec<Technique>, AccurateError> {
        let preds = self.fast.si.predict(p);
        let spans: Vec<Span> = preds.iter().map(|x| x.span).collect();
        let probs = self.tc_probs(p, &spans)?;
        let probs23 = self.fast.tc.classify23(p, &spans);
        let mut out = Vec::with_capacity(preds.len());
        for ((sp, pr), p23) in preds.iter().zip(&probs).zip(&probs23) {
            for c in labels_to_give(pr) {
                let label = self.heads.tc.labels.get(c).cloned().unwrap_or_default();
                let l23 = label_2023(&self.fast.tc, &label, p23);
                out.push((sp.span, label, l23, sp.score * pr[c].sqrt(), sp.sent));
            }
        }
        Ok(out)
    }

    /// 23-way probabilities of paragraph spans of a document (`evidence` from the fast span
    /// models, `title` flags per paragraph).
    pub fn para_probs(
        &self,
        text: &str,
        paras: &[(Span, bool)],
        evidence: &DocEvidence,
    ) -> Result<Vec<Vec<f32>>, AccurateError> {
        let items: Vec<(&str, &[(usize, usize)])> =
            paras.iter().map(|(s, _)| (s.text(text), &[][..])).collect();
        let vecs = self.enc.encode(&items).map_err(AccurateError::Encoder)?;
        paras
            .iter()
            .zip(vecs)
            .map(|((s, title), (v, _))| {
                let toks = crate::text::tokenize(text, *s);
                let fast =
                    self.fast
                        .para
                        .probs(&toks, &self.fast.si.lex, *title, &evidence.features(*s));
                self.heads
                    .para
                    .checked_probs(&para_input(&v, *title, &fast))
            })
            .collect()
    }

    /// Frames and genre of a document from its title and paragraphs: `(frames, genre)` as
    /// probabilities, plus each paragraph's vector (for evidence).
    pub fn doc_probs(
        &self,
        text: &str,
        title: Option<Span>,
        paras: &[Span],
    ) -> Result<DocProbs, AccurateError> {
        let mut items: Vec<(&str, &[(usize, usize)])> =
            vec![(title.map_or("", |t| t.text(text)), &[][..])];
        items.extend(paras.iter().map(|s| (s.text(text), &[][..])));
        let mut vecs = self.enc.encode(&items).map_err(AccurateError::Encoder)?;
        let tv = vecs.remove(0).0;
        let pv: Vec<Vec<f32>> = vecs.into_iter().map(|x| x.0).collect();
        let mut feats = Vec::new();
        let toks = |s: Span| crate::text::tokenize(text, s);
        let title_toks = title.map(toks).unwrap_or_default();
        let para_toks: Vec<Vec<crate::text::Tok>> = paras.iter().map(|s| toks(*s)).collect();
        let body: Vec<&[crate::text::Tok]> = para_toks.iter().map(Vec::as_slice).collect();
        let scale = crate::docmodel::doc_features(&title_toks, &body, &mut feats);
        let ff = self.fast.frames.probs(&feats, scale);
        let fg = self.fast.genre.probs(&feats, scale);
        let frames = self.heads.frames.checked_probs(&doc_input(&tv, &pv, &ff))?;
        let genre = self.heads.genre.checked_probs(&doc_input(&tv, &pv, &fg))?;
        Ok((frames, genre, pv, tv))
    }
}

fn argmax(p: &[f32]) -> usize {
    (0..p.len())
        .max_by(|a, b| p[*a].total_cmp(&p[*b]))
        .unwrap_or(0)
}

/// The best 2023 label compatible with a 2020 label (as the fast model does).
fn label_2023(tc: &TcModel, label: &str, p23: &[f32]) -> String {
    let allowed = to_2023(label);
    tc.labels23
        .iter()
        .enumerate()
        .filter(|(_, l)| allowed.contains(&l.as_str()))
        .max_by(|a, b| p23[a.0].total_cmp(&p23[b.0]))
        .map(|(_, l)| l.clone())
        .or_else(|| allowed.first().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// The sentences covering `span` (its context for the TC head); the line around it when no
/// sentence does.
fn sentence_context(text: &str, sents: &[Span], span: Span) -> Span {
    let cover: Vec<&Span> = sents.iter().filter(|s| s.overlaps(&span)).collect();
    match (cover.first(), cover.last()) {
        (Some(a), Some(b)) => Span::new(a.start.min(span.start), b.end.max(span.end)),
        _ => context_of(text, span),
    }
}

// ---------------------------------------------------------------------------------------------
// The stage.

/// The rhetoric stage in accurate mode: the fast stage, then technique labels, frames and genre
/// replaced by the heads' outputs (span finding, narratives and entity roles stay fast).
pub struct AccurateStage {
    fast: RhetoricStage,
    heads: &'static AccurateModel,
    enc: Box<dyn Encoder>,
}

impl AccurateStage {
    /// The stage with the embedded fast models and heads, and `enc`.
    pub fn new(enc: Box<dyn Encoder>) -> Result<Self, AccurateError> {
        Ok(Self {
            fast: RhetoricStage::new()?,
            heads: AccurateModel::embedded()?,
            enc,
        })
    }
}

impl Annotator for AccurateStage {
    fn name(&self) -> &'static str {
        "rhetoric"
    }

    fn annotate(&self, analysis: &mut Analysis) -> Result<(), StageError> {
        self.fast.annotate(analysis)?;
        let acc = Accurate {
            fast: self.fast.model(),
            heads: self.heads,
            enc: self.enc.as_ref(),
        };
        let err = |e: AccurateError| StageError::new("rhetoric", e.to_string());
        let (sents, ids, paras) = units(analysis);
        let text = analysis.text();
        let prep = Prepared::new(text, &sents);
        let techniques: Vec<TechniqueSpan> = acc
            .techniques(&prep)
            .map_err(err)?
            .into_iter()
            .enumerate()
            .map(
                |(id, (span, technique, technique_2023, score, s))| TechniqueSpan {
                    id,
                    span,
                    technique,
                    technique_2023,
                    score,
                    sentence: ids.get(s).copied().unwrap_or(s),
                },
            )
            .collect();
        let title = analysis
            .document
            .title_span
            .or_else(|| sents.iter().find(|s| s.1).map(|s| s.0));
        let (frames, genre, pv, _) = acc.doc_probs(text, title, &paras).map_err(err)?;
        // Evidence: the paragraphs the head scores highest for the label on their own.
        let evidence = |h: &Head, c: usize| -> Vec<usize> {
            let mut scored: Vec<(usize, f32)> = pv
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let zero = vec![0.0; h.input() - 2 * v.len()];
                    (i, h.logits(&[v.as_slice(), v, &zero].concat())[c])
                })
                .collect();
            scored.sort_by(|a, b| b.1.total_cmp(&a.1));
            scored.into_iter().take(2).map(|x| x.0).collect()
        };
        let mut fr: Vec<(usize, f32)> = frames.iter().copied().enumerate().collect();
        fr.sort_by(|a, b| b.1.total_cmp(&a.1));
        let best = fr.first().map(|x| x.0);
        let frames: Vec<ScoredLabel> = fr
            .into_iter()
            .filter(|(c, p)| *p >= self.heads.frames.threshold || Some(*c) == best)
            .map(|(c, p)| ScoredLabel {
                label: self.heads.frames.labels[c].clone(),
                score: p,
                evidence_paragraphs: evidence(&self.heads.frames, c),
            })
            .collect();
        let g = argmax(&genre);
        let genre = self.heads.genre.labels.get(g).map(|l| ScoredLabel {
            label: l.clone(),
            score: genre[g],
            evidence_paragraphs: evidence(&self.heads.genre, g),
        });
        if let Some(layer) = analysis.rhetoric.as_mut() {
            layer.techniques = techniques;
            layer.frames = frames;
            layer.genre = genre;
        }
        Ok(())
    }
}

/// Puts per-fold `(index, value)` results back in index order (the out-of-fold predictions).
fn scatter<T: Clone + Default>(n: usize, per: Vec<Vec<(usize, T)>>) -> Vec<T> {
    let mut out = vec![T::default(); n];
    for (i, p) in per.into_iter().flatten() {
        out[i] = p;
    }
    out
}

/// The same units as the fast stage reads (text layer, or lines without one).
use crate::stage::units;

// ---------------------------------------------------------------------------------------------
// Evaluation commands (same file formats as `evaluate`).

/// One predicted 2020 label per gold span (identical spans get distinct labels, best first).
pub fn predict_tc(
    acc: &Accurate,
    articles: &BTreeMap<String, String>,
    gold: &[LabelledSpan],
) -> Result<Vec<String>, AccurateError> {
    let mut by: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, g) in gold.iter().enumerate() {
        by.entry(g.article.as_str()).or_default().push(i);
    }
    let labels: Vec<&str> = acc.heads.tc.labels.iter().map(String::as_str).collect();
    let mut out = vec!["Loaded_Language".to_string(); gold.len()];
    for (id, idx) in by {
        let Some(text) = articles.get(id) else {
            continue;
        };
        let p = Prepared::new(text, &line_sentences(text));
        let map = OffsetMap::new(text);
        let spans: Vec<Span> = idx
            .iter()
            .map(|&i| Span::new(map.to_byte(gold[i].start), map.to_byte(gold[i].end)))
            .collect();
        let probs = acc.tc_probs(&p, &spans)?;
        for (i, l) in idx.iter().zip(assign_labels(&probs, &spans, &labels)) {
            out[*i] = l;
        }
    }
    Ok(out)
}

/// Predictions for SemEval-2023 rows: genre (1), frames (2) or paragraph techniques (3).
pub fn predict_s23(
    acc: &Accurate,
    articles: &BTreeMap<String, String>,
    rows: &[Example],
    subtask: u8,
) -> Result<Vec<Vec<String>>, AccurateError> {
    let mut out = vec![Vec::new(); rows.len()];
    let mut by: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        by.entry(r.article.as_str()).or_default().push(i);
    }
    for (id, idx) in by {
        let Some(text) = articles.get(id) else {
            continue;
        };
        if subtask == 3 {
            let p = Prepared::new(text, &line_sentences(text));
            let ev = DocEvidence::new(&acc.fast.si, &acc.fast.tc, &p);
            let paras: Vec<(Span, bool)> = idx
                .iter()
                .map(|&i| {
                    let line = rows[i].line.unwrap_or(0);
                    (line_span(text, line), line == 1)
                })
                .collect();
            let probs = acc.para_probs(text, &paras, &ev)?;
            let t = acc.heads.para.threshold;
            for (&i, p) in idx.iter().zip(probs) {
                out[i] = above(&acc.heads.para.labels, &p, t);
            }
        } else {
            let (title, paras) = title_and_paras(text);
            let (frames, genre, _, _) = acc.doc_probs(text, title, &paras)?;
            let labels = if subtask == 1 {
                vec![acc.heads.genre.labels[argmax(&genre)].clone()]
            } else {
                frames_labels(&acc.heads.frames, &frames)
            };
            for &i in &idx {
                out[i] = labels.clone();
            }
        }
    }
    Ok(out)
}

fn above(labels: &[String], p: &[f32], t: f32) -> Vec<String> {
    p.iter()
        .enumerate()
        .filter(|(_, x)| **x >= t)
        .map(|(c, _)| labels[c].clone())
        .collect()
}

/// Frames above the threshold, or the best one when none is.
fn frames_labels(h: &Head, p: &[f32]) -> Vec<String> {
    let best = argmax(p);
    (0..p.len())
        .filter(|&c| p[c] >= h.threshold || c == best)
        .map(|c| h.labels[c].clone())
        .collect()
}

/// Byte span of 1-based line `line` (empty at the end of the text when absent).
fn line_span(text: &str, line: usize) -> Span {
    let mut start = 0;
    for (i, l) in text.split('\n').enumerate() {
        if i + 1 == line {
            return Span::new(start, start + l.len());
        }
        start += l.len() + 1;
    }
    Span::new(text.len(), text.len())
}

/// Title line and paragraph lines of a SemEval-style article.
fn title_and_paras(text: &str) -> (Option<Span>, Vec<Span>) {
    let ls = lines(text);
    (ls.first().copied(), ls.iter().skip(1).copied().collect())
}

// ---------------------------------------------------------------------------------------------
// Training.

/// Embedding cache for training: vectors keyed by a hash of the encoder name, the text and the
/// range, stored in one file so cross-validation and re-runs embed every text once.
pub struct Cache {
    path: PathBuf,
    map: HashMap<u64, Vec<f32>>,
    dirty: bool,
}

fn key(enc: &str, text: &str, range: Option<(usize, usize)>) -> u64 {
    // FNV-1a, 64 bits.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |b: &[u8]| {
        for x in b {
            h ^= u64::from(*x);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    eat(enc.as_bytes());
    eat(&[0xff]);
    eat(text.as_bytes());
    if let Some((s, e)) = range {
        eat(&[0xfe]);
        eat(&(s as u64).to_le_bytes());
        eat(&(e as u64).to_le_bytes());
    }
    h
}

impl Cache {
    /// Opens (or starts) the cache file at `path`.
    pub fn open(path: &Path) -> Result<Self, AccurateError> {
        let mut map = HashMap::new();
        if let Ok(b) = std::fs::read(path) {
            let mut i = 0;
            while i + 12 <= b.len() {
                let k = u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or([0; 8]));
                let n = u32::from_le_bytes(b[i + 8..i + 12].try_into().unwrap_or([0; 4])) as usize;
                i += 12;
                if i + 4 * n > b.len() {
                    break;
                }
                let v = b[i..i + 4 * n]
                    .chunks_exact(4)
                    .map(|x| f32::from_le_bytes([x[0], x[1], x[2], x[3]]))
                    .collect();
                i += 4 * n;
                map.insert(k, v);
            }
        }
        Ok(Self {
            path: path.to_path_buf(),
            map,
            dirty: false,
        })
    }

    /// Encodes items, taking what is cached and embedding the rest in chunks (saved as it
    /// goes, so an interrupted run resumes).
    pub fn encode(
        &mut self,
        enc: &dyn Encoder,
        items: &[(&str, Vec<(usize, usize)>)],
        what: &str,
    ) -> Result<Vec<Encoded>, AccurateError> {
        let name = enc.name().to_string();
        let missing: Vec<usize> = (0..items.len())
            .filter(|&i| {
                let (t, r) = &items[i];
                !self.map.contains_key(&key(&name, t, None))
                    || r.iter()
                        .any(|x| !self.map.contains_key(&key(&name, t, Some(*x))))
            })
            .collect();
        if !missing.is_empty() {
            eprintln!(
                "embedding {} {what} ({} cached)",
                missing.len(),
                items.len() - missing.len()
            );
        }
        let t0 = std::time::Instant::now();
        for (n, chunk) in missing.chunks(512).enumerate() {
            let batch: Vec<(&str, &[(usize, usize)])> = chunk
                .iter()
                .map(|&i| (items[i].0, items[i].1.as_slice()))
                .collect();
            let vecs = enc.encode(&batch).map_err(AccurateError::Encoder)?;
            for ((t, r), (tv, sv)) in batch.iter().zip(vecs) {
                self.map.insert(key(&name, t, None), tv);
                for (x, v) in r.iter().zip(sv) {
                    self.map.insert(key(&name, t, Some(*x)), v);
                }
            }
            self.dirty = true;
            self.save()?;
            let done = ((n + 1) * 512).min(missing.len());
            eprintln!(
                "  {done}/{} {what} in {:.0} s ({:.1}/s)",
                missing.len(),
                t0.elapsed().as_secs_f64(),
                done as f64 / t0.elapsed().as_secs_f64().max(1e-9)
            );
        }
        Ok(items
            .iter()
            .map(|(t, r)| {
                let tv = self
                    .map
                    .get(&key(&name, t, None))
                    .cloned()
                    .unwrap_or_default();
                let sv = r
                    .iter()
                    .map(|x| {
                        self.map
                            .get(&key(&name, t, Some(*x)))
                            .cloned()
                            .unwrap_or_default()
                    })
                    .collect();
                (tv, sv)
            })
            .collect())
    }

    /// Writes the cache file if anything was added.
    pub fn save(&mut self) -> Result<(), AccurateError> {
        if !self.dirty {
            return Ok(());
        }
        if let Some(d) = self.path.parent() {
            std::fs::create_dir_all(d)?;
        }
        let tmp = self.path.with_extension("part");
        let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        let mut keys: Vec<&u64> = self.map.keys().collect();
        keys.sort();
        for k in keys {
            let v = &self.map[k];
            f.write_all(&k.to_le_bytes())?;
            f.write_all(&(v.len() as u32).to_le_bytes())?;
            for x in v {
                f.write_all(&x.to_le_bytes())?;
            }
        }
        f.flush()?;
        drop(f);
        std::fs::rename(&tmp, &self.path)?;
        self.dirty = false;
        Ok(())
    }
}

/// Head settings chosen by cross-validation (see `docs/accurate.md`).
#[derive(Debug, Clone, Copy)]
pub struct AccurateTuned {
    /// TC head.
    pub tc: HeadConfig,
    /// Paragraph head and its threshold.
    pub para: (HeadConfig, f32),
    /// Frames head and its threshold.
    pub frames: (HeadConfig, f32),
    /// Genre head.
    pub genre: HeadConfig,
}

impl Default for AccurateTuned {
    fn default() -> Self {
        let h = |hidden, epochs, lr, l2, seed| HeadConfig {
            hidden,
            epochs,
            lr,
            l2,
            batch: 32,
            seed,
        };
        Self {
            tc: h(512, 8, 5e-4, 1e-4, 41),
            para: (h(512, 8, 5e-4, 1e-4, 43), 0.2),
            frames: (h(0, 60, 3e-3, 1e-4, 47), 0.35),
            genre: h(0, 60, 3e-3, 1e-4, 53),
        }
    }
}

/// Everything the heads are trained on, embedded (and the fast models' out-of-fold
/// probabilities).
pub struct TrainSet {
    /// TC: inputs, gold label index, article index, span (bytes), article ids and texts.
    pub tc: Vec<(Vec<f32>, usize, usize, Span)>,
    /// PTC documents.
    pub ptc_docs: Vec<SpanDoc>,
    /// Paragraphs: inputs, gold label indexes, fold.
    pub para: Vec<Row>,
    /// Frames documents: inputs, labels, fold.
    pub frames: Vec<Row>,
    /// Genre documents: inputs, label, fold.
    pub genre: Vec<Row>,
    /// Paragraph labels and their gold rows (strings, for the scorer).
    pub para_gold: Vec<Vec<String>>,
    /// Article index of each paragraph row.
    pub para_doc: Vec<usize>,
}

fn labels_of(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn idx(labels: &[String], classes: &[&str]) -> Vec<usize> {
    labels
        .iter()
        .filter_map(|l| classes.iter().position(|c| c == l))
        .collect()
}

/// Fast out-of-fold TC probabilities (folds by article index, as `train::cv_tc`).
fn fast_oof_tc(docs: &[SpanDoc], t: &Tuned) -> Vec<Vec<Vec<f32>>> {
    let preps: Vec<Prepared> = docs
        .iter()
        .map(|d| Prepared::new(&d.text, &line_sentences(&d.text)))
        .collect();
    let ex = tc_examples(docs, &TECHNIQUES_2020);
    let per: Vec<Vec<(usize, Vec<Vec<f32>>)>> = (0..FOLDS)
        .into_par_iter()
        .map(|f| {
            let tr: Vec<TcExample> = ex.iter().filter(|e| e.doc % FOLDS != f).cloned().collect();
            let m = TcModel {
                lin: train_tc(&preps, &tr, TECHNIQUES_2020.len(), &t.tc),
                labels: Vec::new(),
                lin23: Linear::new(1, 1),
                labels23: Vec::new(),
            };
            (0..docs.len())
                .filter(|d| d % FOLDS == f)
                .map(|d| {
                    let spans: Vec<Span> = docs[d].spans.iter().map(|x| x.0).collect();
                    (d, m.classify(&preps[d], &spans))
                })
                .collect()
        })
        .collect();
    scatter(docs.len(), per)
}

/// Fast out-of-fold paragraph probabilities (rows' evidence already out of fold).
fn fast_oof_para(
    raw: &[data::ParagraphArticle],
    rows: &[ParaRow],
    span_docs: &[SpanDoc],
    t: &Tuned,
) -> Vec<Vec<f32>> {
    let fold = |r: &ParaRow| fold_of_id(&raw[r.doc].0);
    let per: Vec<Vec<(usize, Vec<f32>)>> = (0..FOLDS)
        .into_par_iter()
        .map(|f| {
            let ids: BTreeSet<&str> = raw
                .iter()
                .filter(|r| fold_of_id(&r.0) != f)
                .map(|r| r.0.as_str())
                .collect();
            let lex = crate::train::lexicon_of(span_docs, |id| ids.contains(id));
            let tr: Vec<&ParaRow> = rows.iter().filter(|r| fold(r) != f).collect();
            let m = ParaModel {
                lin: train_para(&tr, &lex, t.para.0, t.para.1),
                labels: labels_of(&TECHNIQUES_2023),
                threshold: 0.0,
            };
            rows.iter()
                .enumerate()
                .filter(|(_, r)| fold(r) == f)
                .map(|(i, r)| (i, m.probs(&r.toks, &lex, r.title, &r.extra)))
                .collect()
        })
        .collect();
    scatter(rows.len(), per)
}

/// Fast out-of-fold document probabilities (folds by index, as `train::cv_doc`).
fn fast_oof_doc(
    docs: &[LabelledDoc],
    classes: &[&str],
    multi: bool,
    epochs: usize,
    lr: f32,
) -> Vec<Vec<f32>> {
    let per: Vec<Vec<(usize, Vec<f32>)>> = (0..FOLDS)
        .into_par_iter()
        .map(|f| {
            let tr: Vec<&LabelledDoc> = docs
                .iter()
                .enumerate()
                .filter(|(i, _)| i % FOLDS != f)
                .map(|(_, d)| d)
                .collect();
            let m = crate::docmodel::DocModel {
                lin: train_doc(&tr, classes, multi, epochs, lr),
                labels: labels_of(classes),
                multi,
                threshold: 0.0,
            };
            let mut buf = Vec::new();
            docs.iter()
                .enumerate()
                .filter(|(i, _)| i % FOLDS == f)
                .map(|(i, d)| {
                    let scale = article_features(&d.text, &mut buf);
                    (i, m.probs(&buf, scale))
                })
                .collect()
        })
        .collect();
    scatter(docs.len(), per)
}

fn doc_rows(
    docs: &[LabelledDoc],
    classes: &[&str],
    multi: bool,
    fast: &[Vec<f32>],
    cache: &mut Cache,
    enc: &dyn Encoder,
) -> Result<Vec<Row>, AccurateError> {
    let mut items: Vec<(&str, Vec<(usize, usize)>)> = Vec::new();
    let mut layout = Vec::new();
    for d in docs {
        let (title, paras) = title_and_paras(&d.text);
        let start = items.len();
        items.push((title.map_or("", |t| t.text(&d.text)), Vec::new()));
        items.extend(paras.iter().map(|s| (s.text(&d.text), Vec::new())));
        layout.push((start, items.len()));
    }
    let vecs = cache.encode(enc, &items, "article lines")?;
    Ok(docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let (s, e) = layout[i];
            let pv: Vec<Vec<f32>> = vecs[s + 1..e].iter().map(|x| x.0.clone()).collect();
            let mut y = idx(&d.labels, classes);
            if !multi {
                y.truncate(1);
            }
            (doc_input(&vecs[s].0, &pv, &fast[i]), y, i % FOLDS)
        })
        .collect())
}

/// Embeds the training data (through `cache`) and computes the fast models' out-of-fold
/// probabilities.
pub fn build_train_set(
    root: &Path,
    enc: &dyn Encoder,
    cache: &mut Cache,
) -> Result<TrainSet, AccurateError> {
    let t = Tuned::default();
    let t0 = std::time::Instant::now();
    let ptc_docs = data::load_ptc_train(root)?;
    let s23_spans = data::load_s23_spans(root)?;
    let s23_paras = data::load_s23_paragraphs(root)?;
    let frames_docs = data::load_s23_doc(root, 2)?;
    let genre_docs = data::load_s23_doc(root, 1)?;
    eprintln!("fast models out of fold ...");
    let fast_tc = fast_oof_tc(&ptc_docs, &t);
    let mut rows = para_rows(&s23_paras);
    oof_evidence(&ptc_docs, &s23_spans, &s23_paras, &mut rows, &t);
    let fast_para = fast_oof_para(&s23_paras, &rows, &s23_spans, &t);
    let fast_frames = fast_oof_doc(
        &frames_docs,
        &semeval23::FRAMES,
        true,
        t.frames.0,
        t.frames.1,
    );
    let fast_genre = fast_oof_doc(&genre_docs, &semeval23::GENRES, false, t.genre.0, t.genre.1);
    eprintln!(
        "fast models out of fold: {:.0} s",
        t0.elapsed().as_secs_f64()
    );

    // TC: spans embedded in their line (PTC articles have one sentence per line).
    let mut items: Vec<(&str, Vec<(usize, usize)>)> = Vec::new();
    let mut where_: Vec<(usize, usize, usize)> = Vec::new(); // (doc, span index, item)
    for (d, doc) in ptc_docs.iter().enumerate() {
        let spans: Vec<Span> = doc.spans.iter().map(|x| x.0).collect();
        for (ctx, members) in group_contexts(&doc.text, &spans, |s| context_of(&doc.text, s)) {
            let it = items.len();
            items.push((ctx.text(&doc.text), members.iter().map(|m| m.1).collect()));
            for (k, (si, _)) in members.iter().enumerate() {
                where_.push((d, *si, it * 10_000 + k));
            }
        }
    }
    let vecs = cache.encode(enc, &items, "span contexts")?;
    let mut tc = Vec::new();
    where_.sort();
    for (d, si, code) in where_ {
        let (it, k) = (code / 10_000, code % 10_000);
        let (sv, spv) = &vecs[it];
        let label = TECHNIQUES_2020
            .iter()
            .position(|l| *l == ptc_docs[d].spans[si].1)
            .unwrap_or(0);
        let fast = fast_tc[d]
            .get(si)
            .cloned()
            .unwrap_or_else(|| vec![0.0; TECHNIQUES_2020.len()]);
        tc.push((
            tc_input(&spv[k], sv, &fast),
            label,
            d,
            ptc_docs[d].spans[si].0,
        ));
    }

    // Paragraphs.
    let items: Vec<(&str, Vec<(usize, usize)>)> = rows
        .iter()
        .map(|r| {
            let t = r.span.text(&s23_paras[r.doc].1);
            (t, Vec::new())
        })
        .collect();
    let vecs = cache.encode(enc, &items, "paragraphs")?;
    let para = rows
        .iter()
        .zip(&vecs)
        .zip(&fast_para)
        .map(|((r, v), f)| {
            (
                para_input(&v.0, r.title, f),
                idx(&r.labels, &TECHNIQUES_2023),
                fold_of_id(&s23_paras[r.doc].0),
            )
        })
        .collect();
    let para_gold = rows.iter().map(|r| r.labels.clone()).collect();
    let para_doc = rows.iter().map(|r| r.doc).collect();

    let frames = doc_rows(
        &frames_docs,
        &semeval23::FRAMES,
        true,
        &fast_frames,
        cache,
        enc,
    )?;
    let genre = doc_rows(
        &genre_docs,
        &semeval23::GENRES,
        false,
        &fast_genre,
        cache,
        enc,
    )?;
    cache.save()?;
    eprintln!("training set ready in {:.0} s", t0.elapsed().as_secs_f64());
    Ok(TrainSet {
        tc,
        ptc_docs,
        para,
        frames,
        genre,
        para_gold,
        para_doc,
    })
}

/// Out-of-fold probabilities of a head trained on `rows` (fold in the third field).
fn oof_head(
    rows: &[Row],
    labels: &[String],
    multi: bool,
    cfg: &HeadConfig,
    weights: &[f32],
) -> Vec<Vec<f32>> {
    let per: Vec<Vec<(usize, Vec<f32>)>> = (0..FOLDS)
        .into_par_iter()
        .map(|f| {
            let tr: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].2 != f).collect();
            let xs: Vec<Vec<f32>> = tr.iter().map(|&i| rows[i].0.clone()).collect();
            let ys: Vec<Vec<usize>> = tr.iter().map(|&i| rows[i].1.clone()).collect();
            let ws: Vec<f32> = tr
                .iter()
                .map(|&i| weights.get(i).copied().unwrap_or(1.0))
                .collect();
            let h = Head::train(&xs, &ys, &ws, labels, multi, cfg);
            (0..rows.len())
                .filter(|&i| rows[i].2 == f)
                .map(|i| (i, h.probs(&rows[i].0)))
                .collect()
        })
        .collect();
    scatter(rows.len(), per)
}

/// Class-balancing weights (square root of the inverse frequency, as the fast genre model).
fn balance(rows: &[Row], k: usize) -> Vec<f32> {
    let mut freq = vec![0usize; k];
    for r in rows {
        if let Some(&c) = r.1.first() {
            freq[c] += 1;
        }
    }
    let n = rows.len().max(1) as f32;
    rows.iter()
        .map(|r| {
            r.1.first()
                .map_or(1.0, |&c| (n / (k as f32 * freq[c].max(1) as f32)).sqrt())
        })
        .collect()
}

/// Best micro-F1 over thresholds of out-of-fold paragraph probabilities: (threshold, micro, macro).
fn best_para(probs: &[Vec<f32>], gold: &[Vec<String>]) -> (f32, f64, f64) {
    let l23 = labels_of(&TECHNIQUES_2023);
    let mut best = (0.0, 0.0, 0.0);
    for th in [0.15, 0.2, 0.25, 0.3, 0.35] {
        let pred: Vec<Vec<String>> = probs.iter().map(|p| above(&l23, p, th)).collect();
        let s = semeval23::score(&pred, gold, &TECHNIQUES_2023);
        if s.micro_f1 > best.1 {
            best = (th, s.micro_f1, s.macro_f1);
        }
    }
    best
}

/// TC micro-F1 of out-of-fold probabilities (identical spans get distinct labels).
fn score_tc(ts: &TrainSet, probs: &[Vec<f32>]) -> ptc::TcScore {
    let mut by: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, r) in ts.tc.iter().enumerate() {
        by.entry(r.2).or_default().push(i);
    }
    let (mut pred, mut gold) = (Vec::new(), Vec::new());
    for (d, idxs) in by {
        let doc = &ts.ptc_docs[d];
        let map = OffsetMap::new(&doc.text);
        let spans: Vec<Span> = idxs.iter().map(|&i| ts.tc[i].3).collect();
        let pr: Vec<Vec<f32>> = idxs.iter().map(|&i| probs[i].clone()).collect();
        pred.extend(assign_labels(&pr, &spans, &TECHNIQUES_2020));
        for &i in &idxs {
            gold.push(LabelledSpan {
                article: doc.id.clone(),
                technique: Some(TECHNIQUES_2020[ts.tc[i].1].to_string()),
                start: map.to_char(ts.tc[i].3.start),
                end: map.to_char(ts.tc[i].3.end),
            });
        }
    }
    ptc::score_tc(&pred, &gold)
}

/// The tuning grid behind [`AccurateTuned`]: CV of alternative head settings (printed).
pub fn grid(ts: &TrainSet) -> String {
    let mut report = String::new();
    let mut line = |s: String| {
        eprintln!("{s}");
        report.push_str(&s);
        report.push('\n');
    };
    let h = |hidden, epochs, lr, l2| HeadConfig {
        hidden,
        epochs,
        lr,
        l2,
        batch: 32,
        seed: 43,
    };
    let l23 = labels_of(&TECHNIQUES_2023);
    // Paragraph rows with the article's mean paragraph vector appended (context).
    let dim = ts
        .para
        .first()
        .map_or(0, |r| r.0.len() - 1 - TECHNIQUES_2023.len());
    let mut sums: HashMap<usize, (Vec<f32>, usize)> = HashMap::new();
    for (r, d) in ts.para.iter().zip(&ts.para_doc) {
        let e = sums.entry(*d).or_insert_with(|| (vec![0.0; dim], 0));
        for (a, x) in e.0.iter_mut().zip(&r.0[..dim]) {
            *a += x;
        }
        e.1 += 1;
    }
    let with_doc: Vec<Row> = ts
        .para
        .iter()
        .zip(&ts.para_doc)
        .map(|(r, d)| {
            let m = &sums[d];
            let mean: Vec<f32> = m.0.iter().map(|x| x / m.1.max(1) as f32).collect();
            ([r.0.as_slice(), &mean].concat(), r.1.clone(), r.2)
        })
        .collect();
    // TC.
    let rows = tc_rows(ts);
    let l20 = labels_of(&TECHNIQUES_2020);
    for cfg in [
        h(256, 12, 1e-3, 1e-4),
        h(512, 8, 5e-4, 1e-4),
        h(512, 16, 5e-4, 1e-4),
    ] {
        let probs = oof_head(&rows, &l20, false, &cfg, &[]);
        line(format!(
            "grid tc hidden={} epochs={} lr={} -> micro-F1={:.4}",
            cfg.hidden,
            cfg.epochs,
            cfg.lr,
            score_tc(ts, &probs).micro_f1
        ));
    }
    if std::env::var_os("NEWSLENS_GRID_TC_ONLY").is_some() {
        return report;
    }
    // Earlier grids: linear 0.287, 128 hidden 0.380, 256 hidden 0.387 (6 epochs) / 0.381 (12);
    // the article's mean vector appended: ±0.001.
    for (name, rows) in [("para", &ts.para), ("para+article", &with_doc)] {
        let cfgs: &[HeadConfig] = if name == "para" {
            &[
                h(512, 8, 5e-4, 1e-4),
                h(768, 8, 3e-4, 1e-4),
                h(512, 6, 5e-4, 1e-3),
            ]
        } else {
            &[h(512, 8, 5e-4, 1e-4)]
        };
        for cfg in cfgs {
            let probs = oof_head(rows, &l23, true, cfg, &[]);
            let (th, mi, ma) = best_para(&probs, &ts.para_gold);
            line(format!(
                "grid {name} hidden={} epochs={} lr={} -> t={th:.2} micro-F1={mi:.4} macro-F1={ma:.4}",
                cfg.hidden, cfg.epochs, cfg.lr
            ));
        }
    }
    report
}

fn tc_rows(ts: &TrainSet) -> Vec<Row> {
    ts.tc
        .iter()
        .map(|(x, y, d, _)| (x.clone(), vec![*y], d % FOLDS))
        .collect()
}

/// Cross-validation of the heads: prints and returns the report.
pub fn cross_validate(ts: &TrainSet, t: &AccurateTuned) -> String {
    let mut report = String::new();
    let mut line = |s: String| {
        eprintln!("{s}");
        report.push_str(&s);
        report.push('\n');
    };
    line(format!(
        "{FOLDS}-fold cross-validation on train (accurate heads, same folds as the fast CV)"
    ));
    // TC.
    let rows = tc_rows(ts);
    let l20 = labels_of(&TECHNIQUES_2020);
    let probs = oof_head(&rows, &l20, false, &t.tc, &[]);
    let s = score_tc(ts, &probs);
    line(format!("TC  micro-F1={:.4} (fast: 0.622)", s.micro_f1));
    for (k, v) in &s.per_technique {
        line(format!("    {k}: {v:.3}"));
    }
    // The fast probabilities alone (the last 14 inputs), as a check of the stacking.
    let fast_only: Vec<Vec<f32>> = ts
        .tc
        .iter()
        .map(|r| r.0[r.0.len() - TECHNIQUES_2020.len()..].to_vec())
        .collect();
    line(format!(
        "TC  fast OOF probabilities alone micro-F1={:.4}",
        score_tc(ts, &fast_only).micro_f1
    ));
    // Paragraphs.
    let l23 = labels_of(&TECHNIQUES_2023);
    let probs = oof_head(&ts.para, &l23, true, &t.para.0, &[]);
    for th in [0.2, 0.25, 0.3, 0.35, 0.4] {
        let pred: Vec<Vec<String>> = probs.iter().map(|p| above(&l23, p, th)).collect();
        let s = semeval23::score(&pred, &ts.para_gold, &TECHNIQUES_2023);
        line(format!(
            "ST3 paragraphs t={th:.2} micro-F1={:.4} macro-F1={:.4} (fast: 0.366 / 0.275)",
            s.micro_f1, s.macro_f1
        ));
    }
    // Frames.
    let lf = labels_of(&semeval23::FRAMES);
    let probs = oof_head(&ts.frames, &lf, true, &t.frames.0, &[]);
    let gold: Vec<Vec<String>> = ts
        .frames
        .iter()
        .map(|r| r.1.iter().map(|&c| lf[c].clone()).collect())
        .collect();
    for th in [0.3, 0.35, 0.4, 0.45, 0.5] {
        let h = Head {
            layers: Vec::new(),
            multi: true,
            labels: lf.clone(),
            threshold: th,
        };
        let pred: Vec<Vec<String>> = probs.iter().map(|p| frames_labels(&h, p)).collect();
        let s = semeval23::score(&pred, &gold, &semeval23::FRAMES);
        line(format!(
            "ST2 frames t={th:.2} micro-F1={:.4} macro-F1={:.4} (fast: 0.663 / 0.421)",
            s.micro_f1, s.macro_f1
        ));
    }
    // Genre.
    let lg = labels_of(&semeval23::GENRES);
    let w = balance(&ts.genre, lg.len());
    let probs = oof_head(&ts.genre, &lg, false, &t.genre, &w);
    let pred: Vec<Vec<String>> = probs.iter().map(|p| vec![lg[argmax(p)].clone()]).collect();
    let gold: Vec<Vec<String>> = ts
        .genre
        .iter()
        .map(|r| r.1.iter().map(|&c| lg[c].clone()).collect())
        .collect();
    let s = semeval23::score(&pred, &gold, &semeval23::GENRES);
    line(format!(
        "ST1 genre micro-F1={:.4} macro-F1={:.4} (fast: 0.850 / 0.408)",
        s.micro_f1, s.macro_f1
    ));
    report
}

/// Entity main roles (SemEval-2025 Task 10), cross-validation only (an experiment, not
/// shipped): a softmax head over the mention's vector in its line (±400 bytes), the line's
/// vector and the fast role model's out-of-fold main-role probabilities, against the fast model
/// alone (folds by document index, as `train::cv_roles`).
pub fn roles_cv(
    root: &Path,
    enc: &dyn Encoder,
    cache: &mut Cache,
) -> Result<String, AccurateError> {
    use crate::roles::{mention_features, ROLE_TAXONOMY};
    let (docs, ex) = data::load_s25(root)?;
    let preps: Vec<Prepared> = docs
        .iter()
        .map(|d| Prepared::new(&d.text, &line_sentences(&d.text)))
        .collect();
    let t = Tuned::default();
    let mains: Vec<&str> = ROLE_TAXONOMY.iter().map(|x| x.0).collect();
    // Fast out-of-fold main-role probabilities.
    let mut fast = vec![Vec::new(); ex.len()];
    for f in 0..FOLDS {
        let tr: Vec<&data::RoleExample> = ex.iter().filter(|e| e.doc % FOLDS != f).collect();
        let m = crate::train::train_roles(&preps, &tr, t.roles.0, t.roles.1);
        for (i, e) in ex.iter().enumerate().filter(|(_, e)| e.doc % FOLDS == f) {
            let mut buf = Vec::new();
            mention_features(&preps[e.doc], e.span, &mut buf);
            let mut p = m.main.scores(&buf, 1.0);
            softmax(&mut p);
            fast[i] = p;
        }
    }
    // Mentions in a window of their line.
    let window = |text: &str, sp: Span| -> Span {
        let c = context_of(text, sp);
        let mut s = c.start.max(sp.start.saturating_sub(400));
        let mut e = c.end.min(sp.end + 400).max(sp.end);
        while !text.is_char_boundary(s) {
            s -= 1;
        }
        while e < text.len() && !text.is_char_boundary(e) {
            e += 1;
        }
        Span::new(s, e.min(text.len()))
    };
    let ctx: Vec<Span> = ex
        .iter()
        .map(|e| window(&docs[e.doc].text, e.span))
        .collect();
    let items: Vec<(&str, Vec<(usize, usize)>)> = ex
        .iter()
        .zip(&ctx)
        .map(|(e, c)| {
            (
                c.text(&docs[e.doc].text),
                vec![(e.span.start - c.start, e.span.end.min(c.end) - c.start)],
            )
        })
        .collect();
    let vecs = cache.encode(enc, &items, "entity mentions")?;
    cache.save()?;
    let rows: Vec<Row> = ex
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let y = mains
                .iter()
                .position(|m| *m == e.main)
                .map_or(vec![], |c| vec![c]);
            let sv = vecs[i]
                .1
                .first()
                .cloned()
                .unwrap_or_else(|| vecs[i].0.clone());
            (
                [sv.as_slice(), &vecs[i].0, &fast[i]].concat(),
                y,
                e.doc % FOLDS,
            )
        })
        .collect();
    let labels = labels_of(&mains);
    let acc = |probs: &[Vec<f32>]| {
        let ok = rows
            .iter()
            .zip(probs)
            .filter(|(r, p)| r.1.first() == Some(&argmax(p)))
            .count();
        ok as f64 / rows.len().max(1) as f64
    };
    let mut report = format!(
        "roles main-role accuracy: fast OOF {:.4}, majority {:.4}\n",
        acc(&fast),
        {
            let mut c = vec![0usize; mains.len()];
            for r in &rows {
                if let Some(&y) = r.1.first() {
                    c[y] += 1;
                }
            }
            *c.iter().max().unwrap_or(&0) as f64 / rows.len().max(1) as f64
        }
    );
    for (hidden, epochs, lr) in [(0usize, 40usize, 3e-3f32), (128, 10, 1e-3), (256, 10, 5e-4)] {
        let cfg = HeadConfig {
            hidden,
            epochs,
            lr,
            l2: 1e-4,
            batch: 32,
            seed: 59,
        };
        let probs = oof_head(&rows, &labels, false, &cfg, &[]);
        report.push_str(&format!(
            "roles head hidden={hidden} epochs={epochs} lr={lr} -> main-role accuracy {:.4}\n",
            acc(&probs)
        ));
    }
    eprint!("{report}");
    Ok(report)
}

/// Trains the final heads on all the training data.
pub fn train_heads(ts: &TrainSet, t: &AccurateTuned) -> AccurateModel {
    let fit =
        |rows: &[Row], labels: Vec<String>, multi: bool, cfg: &HeadConfig, w: &[f32], th: f32| {
            let xs: Vec<Vec<f32>> = rows.iter().map(|r| r.0.clone()).collect();
            let ys: Vec<Vec<usize>> = rows.iter().map(|r| r.1.clone()).collect();
            let mut h = Head::train(&xs, &ys, w, &labels, multi, cfg);
            h.threshold = th;
            h
        };
    let tc_rows = tc_rows(ts);
    let gw = balance(&ts.genre, semeval23::GENRES.len());
    let jobs: Vec<Box<dyn Fn() -> Head + Sync + '_>> = vec![
        Box::new(|| {
            fit(
                &tc_rows,
                labels_of(&TECHNIQUES_2020),
                false,
                &t.tc,
                &[],
                0.0,
            )
        }),
        Box::new(|| {
            fit(
                &ts.para,
                labels_of(&TECHNIQUES_2023),
                true,
                &t.para.0,
                &[],
                t.para.1,
            )
        }),
        Box::new(|| {
            fit(
                &ts.frames,
                labels_of(&semeval23::FRAMES),
                true,
                &t.frames.0,
                &[],
                t.frames.1,
            )
        }),
        Box::new(|| {
            fit(
                &ts.genre,
                labels_of(&semeval23::GENRES),
                false,
                &t.genre,
                &gw,
                0.0,
            )
        }),
    ];
    let mut heads: Vec<Head> = jobs.par_iter().map(|f| f()).collect();
    let genre = heads.pop().unwrap_or_else(unreachable_head);
    let frames = heads.pop().unwrap_or_else(unreachable_head);
    let para = heads.pop().unwrap_or_else(unreachable_head);
    let tc = heads.pop().unwrap_or_else(unreachable_head);
    AccurateModel {
        tc,
        para,
        frames,
        genre,
    }
}

fn unreachable_head() -> Head {
    Head {
        layers: Vec::new(),
        multi: true,
        labels: Vec::new(),
        threshold: 0.5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> (Vec<Vec<f32>>, Vec<Vec<usize>>) {
        // Two blobs per class on a ring: linearly separable for 0 vs 1 on x, XOR-ish for label 2.
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        let mut rng = Rng::new(5);
        for i in 0..400 {
            let a = (rng.next_u64() % 1000) as f32 / 1000.0;
            let b = (rng.next_u64() % 1000) as f32 / 1000.0;
            let (x, y) = if i % 2 == 0 { (a, b) } else { (-a, -b) };
            xs.push(vec![x, y, 1.0]);
            let mut l = vec![usize::from(i % 2 == 1)];
            if x * y > 0.1 {
                l.push(2);
            }
            ys.push(l);
        }
        (xs, ys)
    }

    #[test]
    fn head_learns_and_round_trips() {
        let (xs, ys) = toy();
        let labels = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        let cfg = HeadConfig {
            hidden: 16,
            epochs: 40,
            lr: 1e-2,
            l2: 0.0,
            batch: 16,
            seed: 1,
        };
        let h = Head::train(&xs, &ys, &[], &labels, true, &cfg);
        let acc = xs
            .iter()
            .zip(&ys)
            .filter(|(x, y)| (h.probs(x)[1] >= 0.5) == y.contains(&1))
            .count();
        assert!(acc >= 390, "accuracy {acc}/400");
        // Deterministic: the same settings give the same bytes.
        let h2 = Head::train(&xs, &ys, &[], &labels, true, &cfg);
        assert_eq!(h.to_bytes(), h2.to_bytes());
        let back = Head::from_bytes(&h.to_bytes()).unwrap();
        assert_eq!(back, h);
        assert!(Head::from_bytes(&h.to_bytes()[..40]).is_err());
        assert!(Head::from_bytes(b"nope").is_err());
        assert!(h.checked_probs(&[1.0]).is_err());
    }

    #[test]
    fn softmax_head_probabilities_sum_to_one() {
        let (xs, ys) = toy();
        let labels = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        let cfg = HeadConfig {
            hidden: 0,
            epochs: 20,
            lr: 1e-2,
            l2: 1e-4,
            batch: 32,
            seed: 2,
        };
        let h = Head::train(&xs, &ys, &[], &labels, false, &cfg);
        let p = h.probs(&xs[0]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        let right = xs
            .iter()
            .zip(&ys)
            .filter(|(x, y)| argmax(&h.probs(x)) == y[0])
            .count();
        assert!(right >= 390, "{right}/400");
    }

    #[test]
    fn para_input_layout() {
        let v = para_input(&[0.5, 0.5], true, &[0.3]);
        assert_eq!(v, vec![0.5, 0.5, 1.0, 0.3]);
    }

    #[test]
    fn doc_input_and_contexts() {
        let v = doc_input(&[1.0, 0.0], &[vec![0.0, 2.0], vec![0.0, 4.0]], &[0.5]);
        assert_eq!(v, vec![1.0, 0.0, 0.0, 1.0, 0.5]);
        let text = "Title\nThey are a treacherous enemy.\nNext line.";
        let s = text.find("treacherous").unwrap();
        let c = context_of(text, Span::new(s, s + 11));
        assert_eq!(c.text(text), "They are a treacherous enemy.");
        let g = group_contexts(
            text,
            &[Span::new(s, s + 11), Span::new(s + 12, s + 17)],
            |x| context_of(text, x),
        );
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].1[0].1, (11, 22));
    }

    struct Fake;
    impl Encoder for Fake {
        fn encode(&self, items: &[(&str, &[(usize, usize)])]) -> Result<Vec<Encoded>, String> {
            // A deterministic stand-in: character statistics, normalised.
            let v = |s: &str| {
                let mut v = vec![0f32; crate::accurate::tests::DIM];
                for (i, b) in s.bytes().enumerate() {
                    v[(b as usize + i) % DIM] += 1.0;
                }
                let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
                v.iter().map(|x| x / n).collect::<Vec<f32>>()
            };
            Ok(items
                .iter()
                .map(|(t, r)| (v(t), r.iter().map(|(s, e)| v(&t[*s..*e])).collect()))
                .collect())
        }
        fn name(&self) -> &str {
            "fake"
        }
    }
    const DIM: usize = 384;

    #[test]
    fn cache_round_trips() {
        let dir = std::env::temp_dir().join(format!("newslens-acc-cache-{}", std::process::id()));
        let path = dir.join("c.bin");
        let items = vec![("hello world", vec![(0, 5)]), ("other", vec![])];
        let mut c = Cache::open(&path).unwrap();
        let a = c.encode(&Fake, &items, "t").unwrap();
        let mut c2 = Cache::open(&path).unwrap();
        assert_eq!(c2.map.len(), 3);
        let b = c2.encode(&Fake, &items, "t").unwrap();
        assert_eq!(a, b);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn stage_with_embedded_heads_and_a_stand_in_encoder() {
        let Ok(stage) = AccurateStage::new(Box::new(Fake)) else {
            panic!("embedded heads must load");
        };
        let text = "The Treacherous West\n\nThe heroic Korean people will crush the treacherous, dangerous and aggressive enemy.\n\nThey said it again.";
        let mut a = Analysis::new(newslens_core::Document::from_text("t", text));
        stage.annotate(&mut a).unwrap();
        a.validate().unwrap();
        let layer = a.rhetoric.as_ref().unwrap();
        assert!(layer.genre.is_some());
        assert!(!layer.frames.is_empty());
        for t in &layer.techniques {
            assert!(TECHNIQUES_2020.contains(&t.technique.as_str()));
        }
    }
}
