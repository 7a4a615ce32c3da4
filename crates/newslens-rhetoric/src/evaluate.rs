//! Predictions in the SemEval file formats, for the `eval ptc` / `eval semeval23` commands
//! (the scorers live in `newslens-eval`).

use std::collections::{BTreeMap, BTreeSet};

use newslens_core::{OffsetMap, Span};
use newslens_eval::ptc::LabelledSpan;
use newslens_eval::semeval23::Example;
use rayon::prelude::*;

use crate::data::line_sentences;
use crate::model::RhetoricModel;
use crate::para::DocEvidence;
use crate::prep::Prepared;
use crate::text::tokenize;
use crate::train::{article_features, assign_labels};

/// Predicted technique spans (code points) for every article, as the stage finds them.
pub fn predict_spans(
    model: &RhetoricModel,
    articles: &BTreeMap<String, String>,
) -> Vec<LabelledSpan> {
    let arts: Vec<(&String, &String)> = articles.iter().collect();
    arts.par_iter()
        .map(|(id, text)| {
            let p = Prepared::new(text, &line_sentences(text));
            let map = OffsetMap::new(text);
            model
                .techniques(&p)
                .into_iter()
                .map(|(span, label, _, _, _)| LabelledSpan {
                    article: (*id).clone(),
                    technique: Some(label),
                    start: map.to_char(span.start),
                    end: map.to_char(span.end),
                })
                .collect::<Vec<_>>()
        })
        .flatten()
        .collect()
}

/// One predicted 2020 label per gold span (identical spans get distinct labels, best first).
/// Spans of articles missing from `articles` get the most frequent label.
pub fn predict_tc(
    model: &RhetoricModel,
    articles: &BTreeMap<String, String>,
    gold: &[LabelledSpan],
) -> Vec<String> {
    let mut by: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, g) in gold.iter().enumerate() {
        by.entry(g.article.as_str()).or_default().push(i);
    }
    let labels: Vec<&str> = model.tc.labels.iter().map(String::as_str).collect();
    let fallback = "Loaded_Language".to_string();
    let mut out = vec![fallback; gold.len()];
    let groups: Vec<(&str, Vec<usize>)> = by.into_iter().collect();
    let results: Vec<Vec<(usize, String)>> = groups
        .par_iter()
        .filter_map(|(id, idx)| {
            let text = articles.get(*id)?;
            let p = Prepared::new(text, &line_sentences(text));
            let map = OffsetMap::new(text);
            let spans: Vec<Span> = idx
                .iter()
                .map(|&i| Span::new(map.to_byte(gold[i].start), map.to_byte(gold[i].end)))
                .collect();
            let probs = model.tc.classify(&p, &spans);
            let l = assign_labels(&probs, &spans, &labels);
            Some(idx.iter().copied().zip(l).collect())
        })
        .collect();
    for (i, l) in results.into_iter().flatten() {
        out[i] = l;
    }
    out
}

/// Predictions for SemEval-2023 rows: genre (1), frames (2) or paragraph techniques (3).
pub fn predict_s23(
    model: &RhetoricModel,
    articles: &BTreeMap<String, String>,
    rows: &[Example],
    subtask: u8,
) -> Vec<Vec<String>> {
    // Paragraph techniques need the span models' evidence, computed once per article.
    let evidence: BTreeMap<&str, DocEvidence> = if subtask == 3 {
        let ids: BTreeSet<&str> = rows.iter().map(|r| r.article.as_str()).collect();
        ids.into_par_iter()
            .filter_map(|id| {
                let text = articles.get(id)?;
                let p = Prepared::new(text, &line_sentences(text));
                Some((id, DocEvidence::new(&model.si, &model.tc, &p)))
            })
            .collect()
    } else {
        BTreeMap::new()
    };
    rows.par_iter()
        .map(|r| {
            let Some(text) = articles.get(&r.article) else {
                return Vec::new();
            };
            match subtask {
                1 | 2 => {
                    let m = if subtask == 1 {
                        &model.genre
                    } else {
                        &model.frames
                    };
                    let mut buf = Vec::new();
                    let scale = article_features(text, &mut buf);
                    m.predict(&buf, scale)
                        .into_iter()
                        .map(|(c, _)| m.labels[c].clone())
                        .collect()
                }
                _ => {
                    let line = r.line.unwrap_or(0);
                    let Some((start, len)) = line_bytes(text, line) else {
                        return Vec::new();
                    };
                    let span = Span::new(start, start + len);
                    let toks = tokenize(text, span);
                    let extra = evidence
                        .get(r.article.as_str())
                        .map(|e| e.features(span))
                        .unwrap_or_default();
                    model
                        .para
                        .predict(&toks, &model.si.lex, line == 1, &extra)
                        .into_iter()
                        .map(|(l, _)| l)
                        .collect()
                }
            }
        })
        .collect()
}

/// Byte start and length of 1-based line `line`.
fn line_bytes(text: &str, line: usize) -> Option<(usize, usize)> {
    let mut start = 0;
    for (i, l) in text.split('\n').enumerate() {
        if i + 1 == line {
            return Some((start, l.len()));
        }
        start += l.len() + 1;
    }
    None
}
