//! Deterministic training of every rhetoric model from the shared data (train splits only) and
//! k-fold cross-validation by article.

use std::collections::HashMap;
use std::path::Path;

use newslens_core::{OffsetMap, Span};
use newslens_eval::ptc::{self, LabelledSpan};
use rayon::prelude::*;

use crate::data::{self, line_sentences, SpanDoc};
use crate::prep::Prepared;
use crate::si::{train_si, DecodeConfig, Gold, SiConfig, SiModel, SiScores};
use crate::taxonomy::{TECHNIQUES_2020, TECHNIQUES_2023};
use crate::tc::{train_tc, TcConfig, TcExample, TcModel};
use crate::RhetoricError;

/// Number of cross-validation folds.
pub const FOLDS: usize = 5;

fn fold_of(i: usize) -> usize {
    i % FOLDS
}

fn prepare(docs: &[SpanDoc]) -> Vec<Prepared<'_>> {
    docs.iter()
        .map(|d| Prepared::new(&d.text, &line_sentences(&d.text)))
        .collect()
}

fn to_char_spans(id: &str, text: &str, spans: impl Iterator<Item = Span>) -> Vec<LabelledSpan> {
    let map = OffsetMap::new(text);
    spans
        .map(|s| LabelledSpan {
            article: id.to_string(),
            technique: None,
            start: map.to_char(s.start),
            end: map.to_char(s.end),
        })
        .collect()
}

/// Gold spans of a document with 1-based SemEval-2020 technique indexes (0 = other).
pub fn gold_of(d: &SpanDoc) -> Gold {
    d.spans
        .iter()
        .map(|(s, l)| {
            let c = TECHNIQUES_2020
                .iter()
                .position(|t| t == l)
                .map_or(0, |i| i + 1);
            (*s, c)
        })
        .collect()
}

/// SI cross-validation: F1 (P, R) for each decoding setting.
pub fn cv_si(
    docs: &[SpanDoc],
    cfg: &SiConfig,
    settings: &[DecodeConfig],
) -> Vec<(DecodeConfig, ptc::SiScore)> {
    let preps = prepare(docs);
    let per_fold: Vec<Vec<(usize, SiScores)>> = (0..FOLDS)
        .into_par_iter()
        .map(|f| {
            let train: Vec<(Prepared, Gold)> = preps
                .iter()
                .zip(docs)
                .enumerate()
                .filter(|(i, _)| fold_of(*i) != f)
                .map(|(_, (p, d))| (p.clone(), gold_of(d)))
                .collect();
            let m = train_si(&train, cfg);
            preps
                .iter()
                .enumerate()
                .filter(|(i, _)| fold_of(*i) == f)
                .map(|(i, p)| (i, m.scores(p)))
                .collect()
        })
        .collect();
    let gold: Vec<LabelledSpan> = docs
        .iter()
        .flat_map(|d| to_char_spans(&d.id, &d.text, d.spans.iter().map(|x| x.0)))
        .collect();
    settings
        .iter()
        .map(|c| {
            let mut pred = Vec::new();
            for fold in &per_fold {
                for (i, sc) in fold {
                    let spans = SiModel::decode(&preps[*i], sc, c);
                    pred.extend(to_char_spans(
                        &docs[*i].id,
                        &docs[*i].text,
                        spans.iter().map(|s| s.span),
                    ));
                }
            }
            (*c, ptc::score_si(&pred, &gold))
        })
        .collect()
}

/// TC examples of documents with labels from `labels`.
pub fn tc_examples(docs: &[SpanDoc], labels: &[&str]) -> Vec<TcExample> {
    let idx: HashMap<&str, usize> = labels.iter().enumerate().map(|(i, l)| (*l, i)).collect();
    let mut out = Vec::new();
    for (d, doc) in docs.iter().enumerate() {
        for (sp, l) in &doc.spans {
            if let Some(&label) = idx.get(l.as_str()) {
                out.push(TcExample {
                    doc: d,
                    span: *sp,
                    label,
                });
            }
        }
    }
    out
}

/// Labels for gold spans: identical spans of one article get distinct labels, best first
/// (the gold file lists such a span once per technique).
pub fn assign_labels(probs: &[Vec<f32>], spans: &[Span], labels: &[&str]) -> Vec<String> {
    let mut seen: HashMap<Span, usize> = HashMap::new();
    spans
        .iter()
        .zip(probs)
        .map(|(s, p)| {
            let rank = seen.entry(*s).or_insert(0);
            let mut order: Vec<usize> = (0..p.len()).collect();
            order.sort_by(|a, b| p[*b].total_cmp(&p[*a]));
            let l = labels[order[(*rank).min(order.len() - 1)]].to_string();
            *rank += 1;
            l
        })
        .collect()
}

/// TC cross-validation: micro-F1 and per-technique F1 on the 2020 labels.
pub fn cv_tc(docs: &[SpanDoc], cfg: &TcConfig) -> ptc::TcScore {
    let preps = prepare(docs);
    let ex = tc_examples(docs, &TECHNIQUES_2020);
    let results: Vec<Vec<(usize, Vec<String>)>> = (0..FOLDS)
        .into_par_iter()
        .map(|f| {
            let tr: Vec<TcExample> = ex.iter().filter(|e| fold_of(e.doc) != f).cloned().collect();
            let lin = train_tc(&preps, &tr, TECHNIQUES_2020.len(), cfg);
            let m = TcModel {
                lin,
                labels: Vec::new(),
                lin23: crate::linear::Linear::new(1, 1),
                labels23: Vec::new(),
            };
            (0..docs.len())
                .filter(|d| fold_of(*d) == f)
                .map(|d| {
                    let spans: Vec<Span> = docs[d].spans.iter().map(|x| x.0).collect();
                    let probs = m.classify(&preps[d], &spans);
                    (d, assign_labels(&probs, &spans, &TECHNIQUES_2020))
                })
                .collect()
        })
        .collect();
    let mut pred = Vec::new();
    let mut gold = Vec::new();
    let mut flat: Vec<(usize, Vec<String>)> = results.into_iter().flatten().collect();
    flat.sort_by_key(|x| x.0);
    for (d, labels) in flat {
        let doc = &docs[d];
        let map = OffsetMap::new(&doc.text);
        for ((sp, l), p) in doc.spans.iter().zip(labels) {
            gold.push(LabelledSpan {
                article: doc.id.clone(),
                technique: Some(l.clone()),
                start: map.to_char(sp.start),
                end: map.to_char(sp.end),
            });
            pred.push(p);
        }
    }
    ptc::score_tc(&pred, &gold)
}

/// Loads PTC train (+ NLP4IF extras) from `root`.
pub fn load_ptc(root: &Path) -> Result<Vec<SpanDoc>, RhetoricError> {
    data::load_ptc_train(root)
}

// ---------------------------------------------------------------------------------------------
// Paragraph techniques, document labels, roles; the full training run.

use crate::data::{LabelledDoc, RoleExample};
use crate::docmodel::{doc_features, DocModel};
use crate::linear::{train as train_linear, Dataset, Linear, Loss, TrainConfig};
use crate::model::RhetoricModel;
use crate::para::{unit_features, DocEvidence, ParaModel};
use crate::prep::Lexicon;
use crate::roles::{fine_roles, mention_features, RoleModel, ROLE_TAXONOMY};
use crate::si::learn_lexicon;
use crate::text::{tokenize, Tok};
use newslens_eval::semeval23;

fn cfg(bits: u32, epochs: usize, lr: f32, loss: Loss, seed: u64) -> TrainConfig {
    TrainConfig {
        bits,
        epochs,
        lr,
        loss,
        seed,
        pos_weight: 1.0,
    }
}

/// One SemEval-2023 subtask-3 paragraph: article index, tokens, title flag, labels.
pub struct ParaRow {
    /// Article index.
    pub doc: usize,
    /// The line (bytes).
    pub span: Span,
    /// Span-model evidence features (out of fold at training time).
    pub extra: Vec<u32>,
    /// Tokens.
    pub toks: Vec<Tok>,
    /// Headline line.
    pub title: bool,
    /// Gold labels.
    pub labels: Vec<String>,
}

/// Reads subtask-3 rows with their tokens.
pub fn para_rows(raw: &[data::ParagraphArticle]) -> Vec<ParaRow> {
    let mut out = Vec::new();
    for (d, (_, text, rows)) in raw.iter().enumerate() {
        let mut starts = vec![0usize];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                starts.push(i + 1);
            }
        }
        for (line, labels) in rows {
            let Some(&s) = starts.get(line.saturating_sub(1)) else {
                continue;
            };
            let e = text[s..].find('\n').map_or(text.len(), |x| s + x);
            out.push(ParaRow {
                doc: d,
                span: Span::new(s, e),
                extra: Vec::new(),
                toks: tokenize(text, Span::new(s, e)),
                title: *line == 1,
                labels: labels.clone(),
            });
        }
    }
    out
}

fn label_ids(labels: &[String], classes: &[&str]) -> Vec<u16> {
    labels
        .iter()
        .filter_map(|l| classes.iter().position(|c| c == l).map(|i| i as u16))
        .collect()
}

/// Trains the paragraph model on `rows` with the lexicon `lex`.
pub fn train_para(rows: &[&ParaRow], lex: &Lexicon, epochs: usize, lr: f32) -> Linear {
    let mut data = Dataset::new();
    let mut buf = Vec::new();
    for r in rows {
        let scale = unit_features(&r.toks, lex, r.title, &r.extra, &mut buf);
        data.push(&buf, scale, label_ids(&r.labels, &TECHNIQUES_2023), 1.0);
    }
    train_linear(
        &data,
        TECHNIQUES_2023.len(),
        &cfg(17, epochs, lr, Loss::Sigmoid, 17),
    )
}

/// The span lexicon learned from the articles of `span_docs` that `keep` selects.
pub(crate) fn lexicon_of(span_docs: &[SpanDoc], keep: impl Fn(&str) -> bool) -> Lexicon {
    let sel: Vec<&SpanDoc> = span_docs.iter().filter(|d| keep(&d.id)).collect();
    let preps: Vec<Prepared> = sel
        .iter()
        .map(|d| Prepared::new(&d.text, &line_sentences(&d.text)))
        .collect();
    let golds: Vec<Vec<Span>> = sel
        .iter()
        .map(|d| d.spans.iter().map(|x| x.0).collect())
        .collect();
    let pairs: Vec<(&Prepared, &Vec<Span>)> = preps.iter().zip(&golds).collect();
    learn_lexicon(&pairs)
}

/// Fold of an article id (stable across data sets, so stacked models stay out of fold).
pub fn fold_of_id(id: &str) -> usize {
    crate::linear::fh(99, &[id]) as usize % FOLDS
}

/// Fills every row's span evidence with span models trained on the other folds' articles.
pub fn oof_evidence(
    ptc_docs: &[SpanDoc],
    s23_spans: &[SpanDoc],
    raw: &[data::ParagraphArticle],
    rows: &mut [ParaRow],
    t: &Tuned,
) {
    let preps = prepare(ptc_docs);
    let preps23 = prepare(s23_spans);
    let ex23 = tc_examples(s23_spans, &TECHNIQUES_2023);
    let per_fold: Vec<Vec<(usize, Vec<u32>)>> = (0..FOLDS)
        .into_par_iter()
        .map(|f| {
            let tr: Vec<(Prepared, Gold)> = preps
                .iter()
                .zip(ptc_docs)
                .filter(|(_, d)| fold_of_id(&d.id) != f)
                .map(|(p, d)| (p.clone(), gold_of(d)))
                .collect();
            let si = train_si(&tr, &t.si);
            let ex: Vec<TcExample> = ex23
                .iter()
                .filter(|e| fold_of_id(&s23_spans[e.doc].id) != f)
                .cloned()
                .collect();
            let tc = TcModel {
                lin: Linear::new(1, 1),
                labels: Vec::new(),
                lin23: train_tc(&preps23, &ex, TECHNIQUES_2023.len(), &t.tc),
                labels23: TECHNIQUES_2023.iter().map(|s| s.to_string()).collect(),
            };
            let mut out = Vec::new();
            for (d, (id, text, _)) in raw.iter().enumerate() {
                if fold_of_id(id) != f {
                    continue;
                }
                let p = Prepared::new(text, &line_sentences(text));
                let ev = DocEvidence::new(&si, &tc, &p);
                for (i, r) in rows.iter().enumerate() {
                    if r.doc == d {
                        out.push((i, ev.features(r.span)));
                    }
                }
            }
            out
        })
        .collect();
    for (i, f) in per_fold.into_iter().flatten() {
        rows[i].extra = f;
    }
}

/// Paragraph CV (rows with their evidence filled): (threshold, micro-F1, macro-F1).
pub fn cv_para(
    raw: &[data::ParagraphArticle],
    rows: &[ParaRow],
    span_docs: &[SpanDoc],
    thresholds: &[f32],
    epochs: usize,
    lr: f32,
) -> Vec<(f32, f64, f64)> {
    let fold = |r: &ParaRow| fold_of_id(&raw[r.doc].0);
    let probs: Vec<Vec<(usize, Vec<f32>)>> = (0..FOLDS)
        .into_par_iter()
        .map(|f| {
            let train_ids: std::collections::HashSet<&str> = raw
                .iter()
                .filter(|r| fold_of_id(&r.0) != f)
                .map(|r| r.0.as_str())
                .collect();
            let lex = lexicon_of(span_docs, |id| train_ids.contains(id));
            let tr: Vec<&ParaRow> = rows.iter().filter(|r| fold(r) != f).collect();
            let lin = train_para(&tr, &lex, epochs, lr);
            let m = ParaModel {
                lin,
                labels: TECHNIQUES_2023.iter().map(|s| s.to_string()).collect(),
                threshold: 0.0,
            };
            rows.iter()
                .enumerate()
                .filter(|(_, r)| fold(r) == f)
                .map(|(i, r)| (i, m.probs(&r.toks, &lex, r.title, &r.extra)))
                .collect()
        })
        .collect();
    let mut flat: Vec<(usize, Vec<f32>)> = probs.into_iter().flatten().collect();
    flat.sort_by_key(|x| x.0);
    let gold: Vec<Vec<String>> = flat.iter().map(|(i, _)| rows[*i].labels.clone()).collect();
    thresholds
        .iter()
        .map(|&t| {
            let pred: Vec<Vec<String>> = flat
                .iter()
                .map(|(_, p)| {
                    p.iter()
                        .enumerate()
                        .filter(|(_, x)| **x >= t)
                        .map(|(c, _)| TECHNIQUES_2023[c].to_string())
                        .collect()
                })
                .collect();
            let s = semeval23::score(&pred, &gold, &TECHNIQUES_2023);
            (t, s.micro_f1, s.macro_f1)
        })
        .collect()
}

/// Document features of a SemEval-style article (title line, then paragraph lines).
pub fn article_features(text: &str, out: &mut Vec<u32>) -> f32 {
    let lines = crate::text::lines(text);
    let title = lines
        .first()
        .map(|s| tokenize(text, *s))
        .unwrap_or_default();
    let paras: Vec<Vec<Tok>> = lines.iter().skip(1).map(|s| tokenize(text, *s)).collect();
    let body: Vec<&[Tok]> = paras.iter().map(Vec::as_slice).collect();
    doc_features(&title, &body, out)
}

/// Trains a document model.
pub fn train_doc(
    docs: &[&LabelledDoc],
    classes: &[&str],
    multi: bool,
    epochs: usize,
    lr: f32,
) -> Linear {
    let mut data = Dataset::new();
    let mut buf = Vec::new();
    // Single-label (genre): balance the classes (opinion outnumbers satire 38 to 1), with the
    // square root of the inverse frequency so rare classes are not overfitted.
    let mut freq = vec![0usize; classes.len()];
    for d in docs {
        for i in label_ids(&d.labels, classes) {
            freq[i as usize] += 1;
        }
    }
    let n = docs.len().max(1) as f32;
    for d in docs {
        let scale = article_features(&d.text, &mut buf);
        let ids = label_ids(&d.labels, classes);
        if !multi && ids.is_empty() {
            continue;
        }
        let w = if multi {
            1.0
        } else {
            let c = freq[ids[0] as usize].max(1) as f32;
            (n / (classes.len() as f32 * c)).sqrt()
        };
        data.push(&buf, scale, ids, w);
    }
    let loss = if multi { Loss::Sigmoid } else { Loss::Softmax };
    train_linear(&data, classes.len(), &cfg(16, epochs, lr, loss, 23))
}

/// CV of a document model: per threshold, (micro-F1, macro-F1, samples-F1).
pub fn cv_doc(
    docs: &[LabelledDoc],
    classes: &[&str],
    multi: bool,
    thresholds: &[f32],
    epochs: usize,
    lr: f32,
) -> Vec<(f32, f64, f64, f64)> {
    let probs: Vec<Vec<(usize, Vec<f32>)>> = (0..FOLDS)
        .into_par_iter()
        .map(|f| {
            let tr: Vec<&LabelledDoc> = docs
                .iter()
                .enumerate()
                .filter(|(i, _)| fold_of(*i) != f)
                .map(|(_, d)| d)
                .collect();
            let m = DocModel {
                lin: train_doc(&tr, classes, multi, epochs, lr),
                labels: classes.iter().map(|s| s.to_string()).collect(),
                multi,
                threshold: 0.0,
            };
            let mut buf = Vec::new();
            docs.iter()
                .enumerate()
                .filter(|(i, _)| fold_of(*i) == f)
                .map(|(i, d)| {
                    let scale = article_features(&d.text, &mut buf);
                    (i, m.probs(&buf, scale))
                })
                .collect()
        })
        .collect();
    let mut flat: Vec<(usize, Vec<f32>)> = probs.into_iter().flatten().collect();
    flat.sort_by_key(|x| x.0);
    let gold: Vec<Vec<String>> = flat.iter().map(|(i, _)| docs[*i].labels.clone()).collect();
    thresholds
        .iter()
        .map(|&t| {
            let pred: Vec<Vec<String>> = flat
                .iter()
                .map(|(_, p)| {
                    let best = (0..p.len())
                        .max_by(|a, b| p[*a].total_cmp(&p[*b]))
                        .unwrap_or(0);
                    (0..p.len())
                        .filter(|&c| {
                            if multi {
                                p[c] >= t || c == best
                            } else {
                                c == best
                            }
                        })
                        .map(|c| classes[c].to_string())
                        .collect()
                })
                .collect();
            let s = semeval23::score(&pred, &gold, classes);
            (t, s.micro_f1, s.macro_f1, samples_f1(&pred, &gold))
        })
        .collect()
}

/// Samples-averaged F1 (SemEval-2025 subtask 2).
pub fn samples_f1(pred: &[Vec<String>], gold: &[Vec<String>]) -> f64 {
    let mut sum = 0.0;
    for (p, g) in pred.iter().zip(gold) {
        let tp = p.iter().filter(|x| g.contains(x)).count() as f64;
        let d = (p.len() + g.len()) as f64;
        sum += if d == 0.0 { 1.0 } else { 2.0 * tp / d };
    }
    sum / pred.len().max(1) as f64
}

/// Exponent of the inverse class frequency weighing the main-role examples (0: unweighted;
/// CV: 0.5 gives main macro-F1 0.430 at accuracy 0.675, 0 gives 0.407 at 0.710).
const ROLE_BALANCE: f32 = 0.0;

/// Trains the role model on mentions. The main-role softmax weighs examples by the square
/// root of the inverse class frequency (antagonists outnumber innocents six to one).
pub fn train_roles(preps: &[Prepared], ex: &[&RoleExample], epochs: usize, lr: f32) -> RoleModel {
    let mains: Vec<&str> = ROLE_TAXONOMY.iter().map(|x| x.0).collect();
    let fines = fine_roles();
    let mut freq = vec![0usize; mains.len()];
    for e in ex {
        if let Some(m) = mains.iter().position(|x| *x == e.main) {
            freq[m] += 1;
        }
    }
    let n = ex.len().max(1) as f32;
    let mut dm = Dataset::new();
    let mut df = Dataset::new();
    let mut buf = Vec::new();
    for e in ex {
        buf.clear();
        mention_features(&preps[e.doc], e.span, &mut buf);
        if let Some(m) = mains.iter().position(|x| *x == e.main) {
            let w = (n / (mains.len() as f32 * freq[m].max(1) as f32)).powf(ROLE_BALANCE);
            dm.push(&buf, 1.0, vec![m as u16], w);
        }
        df.push(&buf, 1.0, label_ids(&e.fine, &fines), 1.0);
    }
    RoleModel {
        main: train_linear(&dm, mains.len(), &cfg(16, epochs, lr, Loss::Softmax, 29)),
        main_labels: mains.iter().map(|s| s.to_string()).collect(),
        fine: train_linear(&df, fines.len(), &cfg(16, epochs, lr, Loss::Sigmoid, 31)),
        fine_labels: fines.iter().map(|s| s.to_string()).collect(),
        threshold: 0.5,
    }
}

/// Cross-validated entity-role figures.
#[derive(Debug, Clone, Copy, Default)]
pub struct RoleScores {
    /// Main-role accuracy.
    pub main_acc: f64,
    /// Main-role macro-F1 over the three roles.
    pub main_macro_f1: f64,
    /// Accuracy of always answering the most frequent main role (of the training folds).
    pub majority_acc: f64,
    /// Macro-F1 of that baseline.
    pub majority_macro_f1: f64,
    /// Fine roles: exact match ratio (official).
    pub fine_emr: f64,
    /// Fine roles: micro-F1.
    pub fine_micro_f1: f64,
}

fn macro_f1(pred: &[&str], gold: &[&str], classes: &[&str]) -> f64 {
    let mut sum = 0.0;
    for c in classes {
        let tp = pred
            .iter()
            .zip(gold)
            .filter(|(p, g)| *p == c && *g == c)
            .count() as f64;
        let np = pred.iter().filter(|p| *p == c).count() as f64;
        let ng = gold.iter().filter(|g| *g == c).count() as f64;
        sum += if np + ng > 0.0 {
            2.0 * tp / (np + ng)
        } else {
            0.0
        };
    }
    sum / classes.len().max(1) as f64
}

/// Role CV by document.
pub fn cv_roles(docs: &[LabelledDoc], ex: &[RoleExample], epochs: usize, lr: f32) -> RoleScores {
    let preps: Vec<Prepared> = docs
        .iter()
        .map(|d| Prepared::new(&d.text, &line_sentences(&d.text)))
        .collect();
    let mains: Vec<&str> = ROLE_TAXONOMY.iter().map(|x| x.0).collect();
    let (mut emr, mut tp, mut np, mut ng) = (0usize, 0usize, 0usize, 0usize);
    let mut pred_main: Vec<String> = Vec::new();
    let mut base_main: Vec<&str> = Vec::new();
    let mut gold_main: Vec<&str> = Vec::new();
    for f in 0..FOLDS {
        let tr: Vec<&RoleExample> = ex.iter().filter(|e| fold_of(e.doc) != f).collect();
        let majority = mains
            .iter()
            .max_by_key(|m| tr.iter().filter(|e| e.main == **m).count())
            .copied()
            .unwrap_or("Antagonist");
        let m = train_roles(&preps, &tr, epochs, lr);
        for e in ex.iter().filter(|e| fold_of(e.doc) == f) {
            let mut buf = Vec::new();
            mention_features(&preps[e.doc], e.span, &mut buf);
            let (main, _, fine) = m.predict(&buf, 1.0);
            pred_main.push(main);
            base_main.push(majority);
            gold_main.push(e.main.as_str());
            let mut a = fine.clone();
            let mut b = e.fine.clone();
            a.sort();
            b.sort();
            emr += usize::from(a == b);
            tp += fine.iter().filter(|x| e.fine.contains(x)).count();
            np += fine.len();
            ng += e.fine.len();
        }
    }
    let n = gold_main.len().max(1) as f64;
    let pm: Vec<&str> = pred_main.iter().map(String::as_str).collect();
    let acc = |p: &[&str]| p.iter().zip(&gold_main).filter(|(a, b)| a == b).count() as f64 / n;
    RoleScores {
        main_acc: acc(&pm),
        main_macro_f1: macro_f1(&pm, &gold_main, &mains),
        majority_acc: acc(&base_main),
        majority_macro_f1: macro_f1(&base_main, &gold_main, &mains),
        fine_emr: emr as f64 / n,
        fine_micro_f1: if np + ng > 0 {
            2.0 * tp as f64 / (np + ng) as f64
        } else {
            0.0
        },
    }
}

/// Settings chosen by cross-validation (see `docs/rhetoric.md`).
pub struct Tuned {
    /// SI.
    pub si: SiConfig,
    /// TC.
    pub tc: TcConfig,
    /// Paragraph model (epochs, lr, threshold).
    pub para: (usize, f32, f32),
    /// Frames (epochs, lr, threshold).
    pub frames: (usize, f32, f32),
    /// Genre (epochs, lr).
    pub genre: (usize, f32),
    /// Narratives (epochs, lr, threshold).
    pub narratives: (usize, f32, f32),
    /// Roles (epochs, lr).
    pub roles: (usize, f32),
}

impl Default for Tuned {
    fn default() -> Self {
        Self {
            si: SiConfig {
                bits: 18,
                epochs: 5,
                lr: 0.05,
                threshold: 0.1,
                min_peak: 0.4,
                classes: TECHNIQUES_2020.len(),
                chunk_level: 0.4,
                chunk_new: 0.5,
            },
            tc: TcConfig {
                epochs: 15,
                lr: 0.03,
                ..TcConfig::default()
            },
            para: (3, 0.05, 0.15),
            frames: (10, 0.1, 0.35),
            genre: (20, 0.3),
            narratives: (10, 0.1, 0.3),
            roles: (10, 0.02),
        }
    }
}

fn line(report: &mut String, s: String) {
    eprintln!("{s}");
    report.push_str(&s);
    report.push('\n');
}

/// Trains every model from `root` (train splits only). With `cv`, first prints and returns the
/// cross-validation figures.
pub fn train_all(root: &Path, cv: bool) -> Result<(RhetoricModel, String), RhetoricError> {
    let t = Tuned::default();
    let mut report = String::new();
    let ptc_docs = load_ptc(root)?;
    let s23_spans = data::load_s23_spans(root)?;
    let s23_paras = data::load_s23_paragraphs(root)?;
    let frames_docs = data::load_s23_doc(root, 2)?;
    let genre_docs = data::load_s23_doc(root, 1)?;
    let (s25_docs, s25_roles) = data::load_s25(root)?;
    let mut narr_labels: Vec<String> = s25_docs.iter().flat_map(|d| d.labels.clone()).collect();
    narr_labels.sort();
    narr_labels.dedup();
    let narr_refs: Vec<&str> = narr_labels.iter().map(String::as_str).collect();
    let mut rows = para_rows(&s23_paras);
    oof_evidence(&ptc_docs, &s23_spans, &s23_paras, &mut rows, &t);
    if cv {
        let base = DecodeConfig {
            threshold: t.si.threshold,
            min_peak: t.si.min_peak,
            chunk_level: t.si.chunk_level,
            chunk_new: t.si.chunk_new,
        };
        let mut grid = vec![base];
        for (th, pk, cn) in [(0.1, 0.4, 2.0), (0.1, 0.45, 0.5), (0.15, 0.4, 0.5)] {
            grid.push(DecodeConfig {
                threshold: th,
                min_peak: pk,
                chunk_new: cn,
                ..base
            });
        }
        line(
            &mut report,
            format!("{FOLDS}-fold cross-validation on train (folds by article)"),
        );
        for (c, s) in cv_si(&ptc_docs, &t.si, &grid) {
            line(
                &mut report,
                format!(
                    "SI  t={:.2} peak={:.2} phrase-new={:.2}  P={:.4} R={:.4} F1={:.4}",
                    c.threshold, c.min_peak, c.chunk_new, s.precision, s.recall, s.f1
                ),
            );
        }
        let s = cv_tc(&ptc_docs, &t.tc);
        line(&mut report, format!("TC  micro-F1={:.4}", s.micro_f1));
        for (k, v) in &s.per_technique {
            line(&mut report, format!("    {k}: {v:.3}"));
        }
        for (th, mi, ma) in cv_para(
            &s23_paras,
            &rows,
            &s23_spans,
            &[0.1, 0.15, 0.2, 0.25, 0.3],
            t.para.0,
            t.para.1,
        ) {
            line(
                &mut report,
                format!("ST3 paragraphs t={th:.2} micro-F1={mi:.4} macro-F1={ma:.4}"),
            );
        }
        for (th, mi, ma, _) in cv_doc(
            &frames_docs,
            &semeval23::FRAMES,
            true,
            &[0.3, 0.35, 0.4, 0.45, 0.5],
            t.frames.0,
            t.frames.1,
        ) {
            line(
                &mut report,
                format!("ST2 frames t={th:.2} micro-F1={mi:.4} macro-F1={ma:.4}"),
            );
        }
        for (_, mi, ma, _) in cv_doc(
            &genre_docs,
            &semeval23::GENRES,
            false,
            &[0.0],
            t.genre.0,
            t.genre.1,
        ) {
            line(
                &mut report,
                format!("ST1 genre micro-F1={mi:.4} macro-F1={ma:.4}"),
            );
        }
        for (th, _, _, sf) in cv_doc(
            &s25_docs,
            &narr_refs,
            true,
            &[0.2, 0.3, 0.4],
            t.narratives.0,
            t.narratives.1,
        ) {
            line(
                &mut report,
                format!("2025 narratives t={th:.2} samples-F1(coarse)={sf:.4}"),
            );
        }
        let r = cv_roles(&s25_docs, &s25_roles, t.roles.0, t.roles.1);
        line(
            &mut report,
            format!(
                "2025 roles main-acc={:.4} main macro-F1={:.4} (majority class: acc={:.4} macro-F1={:.4}) fine EMR={:.4} fine micro-F1={:.4}",
                r.main_acc, r.main_macro_f1, r.majority_acc, r.majority_macro_f1, r.fine_emr, r.fine_micro_f1
            ),
        );
    }
    // Final models on all training data.
    let preps = prepare(&ptc_docs);
    let si_train: Vec<(Prepared, Gold)> = preps
        .iter()
        .zip(&ptc_docs)
        .map(|(p, d)| (p.clone(), gold_of(d)))
        .collect();
    let si = train_si(&si_train, &t.si);
    let tc_lin = train_tc(
        &preps,
        &tc_examples(&ptc_docs, &TECHNIQUES_2020),
        TECHNIQUES_2020.len(),
        &t.tc,
    );
    let preps23 = prepare(&s23_spans);
    let tc_lin23 = train_tc(
        &preps23,
        &tc_examples(&s23_spans, &TECHNIQUES_2023),
        TECHNIQUES_2023.len(),
        &t.tc,
    );
    let tc = TcModel {
        lin: tc_lin,
        labels: TECHNIQUES_2020.iter().map(|s| s.to_string()).collect(),
        lin23: tc_lin23,
        labels23: TECHNIQUES_2023.iter().map(|s| s.to_string()).collect(),
    };
    let lex = &si.lex;
    let refs: Vec<&ParaRow> = rows.iter().collect();
    let para = ParaModel {
        lin: train_para(&refs, lex, t.para.0, t.para.1),
        labels: TECHNIQUES_2023.iter().map(|s| s.to_string()).collect(),
        threshold: t.para.2,
    };
    let fr: Vec<&LabelledDoc> = frames_docs.iter().collect();
    let frames = DocModel {
        lin: train_doc(&fr, &semeval23::FRAMES, true, t.frames.0, t.frames.1),
        labels: semeval23::FRAMES.iter().map(|s| s.to_string()).collect(),
        multi: true,
        threshold: t.frames.2,
    };
    let gr: Vec<&LabelledDoc> = genre_docs.iter().collect();
    let genre = DocModel {
        lin: train_doc(&gr, &semeval23::GENRES, false, t.genre.0, t.genre.1),
        labels: semeval23::GENRES.iter().map(|s| s.to_string()).collect(),
        multi: false,
        threshold: 0.0,
    };
    let nd: Vec<&LabelledDoc> = s25_docs.iter().collect();
    let narratives = DocModel {
        lin: train_doc(&nd, &narr_refs, true, t.narratives.0, t.narratives.1),
        labels: narr_labels.clone(),
        multi: true,
        threshold: t.narratives.2,
    };
    let rpreps: Vec<Prepared> = s25_docs
        .iter()
        .map(|d| Prepared::new(&d.text, &line_sentences(&d.text)))
        .collect();
    let rex: Vec<&RoleExample> = s25_roles.iter().collect();
    let roles = train_roles(&rpreps, &rex, t.roles.0, t.roles.1);
    Ok((
        RhetoricModel {
            si,
            tc,
            para,
            frames,
            genre,
            narratives,
            roles,
        },
        report,
    ))
}
