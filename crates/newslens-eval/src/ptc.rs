//! SemEval-2020 Task 11 (Propaganda Techniques Corpus): readers and the organisers' scorers.
//!
//! Offsets in the label files are Unicode code point offsets into the article file (start
//! inclusive, end exclusive), so everything here works in code points; convert with
//! [`newslens_core::OffsetMap`] when going to or from byte spans.
//!
//! * SI ([`score_si`]): gold spans are merged per article (technique-agnostic), predictions too;
//!   P = Σ_s Σ_t |s∩t|/|s| / |S|, R = Σ_s Σ_t |s∩t|/|t| / |T|, F1 = 2PR/(P+R).
//! * TC ([`score_tc`]): one predicted label per gold span; within a group of identical spans the
//!   labels are aligned to maximise matches (as the organisers' `align_annotations`), then
//!   micro-F1 (= accuracy) and per-technique F1.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Serialize;
use thiserror::Error;

/// The 14 techniques of SemEval-2020 Task 11, in the organisers' order.
pub const TECHNIQUES: [&str; 14] = [
    "Appeal_to_Authority",
    "Appeal_to_fear-prejudice",
    "Bandwagon,Reductio_ad_hitlerum",
    "Black-and-White_Fallacy",
    "Causal_Oversimplification",
    "Doubt",
    "Exaggeration,Minimisation",
    "Flag-Waving",
    "Loaded_Language",
    "Name_Calling,Labeling",
    "Repetition",
    "Slogans",
    "Thought-terminating_Cliches",
    "Whataboutism,Straw_Men,Red_Herring",
];

/// Errors from the readers.
#[derive(Debug, Error)]
pub enum DataError {
    /// File system error.
    #[error("{path}: {source}")]
    Io {
        /// Path being read.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// A malformed line.
    #[error("{path}:{line}: {message}")]
    Format {
        /// File.
        path: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

fn io_err(path: &Path, source: std::io::Error) -> DataError {
    DataError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// A labelled span in code point offsets.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LabelledSpan {
    /// Article id (the digits of `article<ID>.txt`).
    pub article: String,
    /// Technique, or `None` for SI files / `?` templates.
    pub technique: Option<String>,
    /// Start (code points, inclusive).
    pub start: usize,
    /// End (code points, exclusive).
    pub end: usize,
}

/// Reads every `article<ID>.txt` of a folder: id → text. Other files are ignored.
pub fn read_articles(dir: &Path) -> Result<BTreeMap<String, String>, DataError> {
    let mut out = BTreeMap::new();
    let entries = std::fs::read_dir(dir).map_err(|e| io_err(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io_err(dir, e))?;
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(id) = name
            .strip_prefix("article")
            .and_then(|s| s.strip_suffix(".txt"))
        else {
            continue;
        };
        let path = entry.path();
        let bytes = std::fs::read(&path).map_err(|e| io_err(&path, e))?;
        out.insert(id.to_string(), String::from_utf8_lossy(&bytes).into_owned());
    }
    Ok(out)
}

/// Reads a label file with 3 columns (`id start end`, SI) or 4 columns (`id technique start end`,
/// TC; a `?` technique is read as `None`). Per-article files and all-in-one files alike.
pub fn read_labels(path: &Path) -> Result<Vec<LabelledSpan>, DataError> {
    let text = std::fs::read_to_string(path).map_err(|e| io_err(path, e))?;
    parse_labels(&text, &path.display().to_string())
}

/// Parses label lines (see [`read_labels`]); `origin` names the source in errors.
pub fn parse_labels(text: &str, origin: &str) -> Result<Vec<LabelledSpan>, DataError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches(['\r', '\n']);
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let bad = |message: String| DataError::Format {
            path: origin.to_string(),
            line: i + 1,
            message,
        };
        let (technique, s, e) = match cols.len() {
            3 => (None, cols[1], cols[2]),
            4 => {
                let t = cols[1].trim();
                (
                    (t != "?" && !t.is_empty()).then(|| t.to_string()),
                    cols[2],
                    cols[3],
                )
            }
            n => {
                return Err(bad(format!(
                    "expected 3 or 4 tab-separated columns, got {n}"
                )))
            }
        };
        let start: usize = s
            .trim()
            .parse()
            .map_err(|_| bad(format!("bad start offset {s:?}")))?;
        let end: usize = e
            .trim()
            .parse()
            .map_err(|_| bad(format!("bad end offset {e:?}")))?;
        if end < start {
            return Err(bad(format!("end {end} before start {start}")));
        }
        out.push(LabelledSpan {
            article: cols[0].trim().trim_start_matches("article").to_string(),
            technique,
            start,
            end,
        });
    }
    Ok(out)
}

/// Reads the per-article label files of a folder (`*.labels`) into one list.
pub fn read_label_folder(dir: &Path) -> Result<Vec<LabelledSpan>, DataError> {
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io_err(dir, e))? {
        let entry = entry.map_err(|e| io_err(dir, e))?;
        let p = entry.path();
        if p.extension().is_some_and(|x| x == "labels") {
            paths.push(p);
        }
    }
    paths.sort();
    let mut out = Vec::new();
    for p in paths {
        out.extend(read_labels(&p)?);
    }
    Ok(out)
}

/// Precision, recall and F1 of span identification.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SiScore {
    /// Σ_s Σ_t |s∩t|/|s| / |S|.
    pub precision: f64,
    /// Σ_s Σ_t |s∩t|/|t| / |T|.
    pub recall: f64,
    /// Harmonic mean.
    pub f1: f64,
}

/// Merges overlapping (or touching-by-overlap) intervals; empty ones are dropped. Sorted output.
pub fn merge_spans(mut spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    spans.retain(|(s, e)| e > s);
    spans.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (s, e) in spans {
        match out.last_mut() {
            // The organisers' scorer merges spans whose character sets intersect.
            Some(last) if s < last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

fn group_by_article(spans: &[LabelledSpan]) -> BTreeMap<&str, Vec<(usize, usize)>> {
    let mut by: BTreeMap<&str, Vec<(usize, usize)>> = BTreeMap::new();
    for s in spans {
        by.entry(s.article.as_str())
            .or_default()
            .push((s.start, s.end));
    }
    by.into_iter().map(|(k, v)| (k, merge_spans(v))).collect()
}

/// Scores predicted spans against gold spans (both technique-agnostic, merged per article).
pub fn score_si(predicted: &[LabelledSpan], gold: &[LabelledSpan]) -> SiScore {
    let pred = group_by_article(predicted);
    let gold = group_by_article(gold);
    let n_pred: usize = pred.values().map(Vec::len).sum();
    let n_gold: usize = gold.values().map(Vec::len).sum();
    let (mut p_sum, mut r_sum) = (0.0f64, 0.0f64);
    for (article, ps) in &pred {
        let Some(gs) = gold.get(article) else {
            continue;
        };
        for &(ps_, pe) in ps {
            for &(gs_, ge) in gs {
                let inter = pe.min(ge).saturating_sub(ps_.max(gs_));
                if inter > 0 {
                    p_sum += inter as f64 / (pe - ps_) as f64;
                    r_sum += inter as f64 / (ge - gs_) as f64;
                }
            }
        }
    }
    let precision = if n_pred > 0 {
        p_sum / n_pred as f64
    } else {
        0.0
    };
    let recall = if n_gold > 0 {
        r_sum / n_gold as f64
    } else {
        0.0
    };
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    SiScore {
        precision,
        recall,
        f1,
    }
}

/// Technique classification scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TcScore {
    /// Micro-averaged F1 over all gold spans (= accuracy with one prediction per span).
    pub micro_f1: f64,
    /// F1 per technique (techniques seen in gold or predictions).
    pub per_technique: BTreeMap<String, f64>,
}

/// Scores technique predictions. `predicted[i]` is the label predicted for `gold[i]` (same span).
///
/// Within a group of gold lines with the same article and span, predicted labels are matched to
/// gold labels as multisets (the organisers' scorer reorders them to maximise matches).
pub fn score_tc(predicted: &[String], gold: &[LabelledSpan]) -> TcScore {
    // (article, start, end) → (gold labels, predicted labels)
    type Groups<'a> = HashMap<(&'a str, usize, usize), (Vec<&'a str>, Vec<&'a str>)>;
    let mut groups: Groups = HashMap::new();
    for (g, p) in gold.iter().zip(predicted) {
        let e = groups
            .entry((g.article.as_str(), g.start, g.end))
            .or_default();
        e.0.push(g.technique.as_deref().unwrap_or("?"));
        e.1.push(p.as_str());
    }
    let mut tp: BTreeMap<String, usize> = BTreeMap::new();
    let mut n_gold: BTreeMap<String, usize> = BTreeMap::new();
    let mut n_pred: BTreeMap<String, usize> = BTreeMap::new();
    let mut correct = 0usize;
    for (gl, pl) in groups.values() {
        let mut remaining: Vec<&str> = gl.clone();
        for g in gl {
            *n_gold.entry(g.to_string()).or_default() += 1;
        }
        for p in pl {
            *n_pred.entry(p.to_string()).or_default() += 1;
            if let Some(pos) = remaining.iter().position(|g| g == p) {
                remaining.swap_remove(pos);
                correct += 1;
                *tp.entry(p.to_string()).or_default() += 1;
            }
        }
    }
    let total_gold = gold.len().min(predicted.len());
    let micro_f1 = if total_gold > 0 {
        // Micro P = correct / #pred, micro R = correct / #gold; equal when both are one per span.
        let p = correct as f64 / predicted.len().min(gold.len()) as f64;
        let r = correct as f64 / gold.len() as f64;
        if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        }
    } else {
        0.0
    };
    let mut per_technique = BTreeMap::new();
    for label in n_gold.keys().chain(n_pred.keys()) {
        let t = *tp.get(label).unwrap_or(&0) as f64;
        let g = *n_gold.get(label).unwrap_or(&0) as f64;
        let p = *n_pred.get(label).unwrap_or(&0) as f64;
        let f = if g + p > 0.0 { 2.0 * t / (g + p) } else { 0.0 };
        per_technique.insert(label.clone(), f);
    }
    TcScore {
        micro_f1,
        per_technique,
    }
}

/// Converts code point offsets of `text` to byte offsets (clamped, on char boundaries).
pub fn char_to_byte(text: &str, start: usize, end: usize) -> (usize, usize) {
    let map = newslens_core::OffsetMap::new(text);
    (map.to_byte(start), map.to_byte(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(a: &str, s: usize, e: usize) -> LabelledSpan {
        LabelledSpan {
            article: a.into(),
            technique: None,
            start: s,
            end: e,
        }
    }

    #[test]
    fn si_partial_overlap_credit() {
        // Gold [0,10) and [5,15) merge to [0,15); prediction [10,20) overlaps 5 chars.
        let gold = vec![sp("1", 0, 10), sp("1", 5, 15)];
        let pred = vec![sp("1", 10, 20)];
        let s = score_si(&pred, &gold);
        assert!((s.precision - 0.5).abs() < 1e-12);
        assert!((s.recall - 5.0 / 15.0).abs() < 1e-12);
        let f = 2.0 * 0.5 * (1.0 / 3.0) / (0.5 + 1.0 / 3.0);
        assert!((s.f1 - f).abs() < 1e-12);
    }

    #[test]
    fn si_other_article_gets_no_credit() {
        let gold = vec![sp("1", 0, 10)];
        let pred = vec![sp("2", 0, 10)];
        assert_eq!(score_si(&pred, &gold).f1, 0.0);
        assert_eq!(score_si(&gold, &gold).f1, 1.0);
    }

    #[test]
    fn tc_aligns_duplicate_spans() {
        let mut a = sp("1", 0, 5);
        a.technique = Some("Doubt".into());
        let mut b = a.clone();
        b.technique = Some("Loaded_Language".into());
        let gold = vec![a, b];
        // Predictions in the "wrong" order still match both after alignment.
        let s = score_tc(&["Loaded_Language".into(), "Doubt".into()], &gold);
        assert_eq!(s.micro_f1, 1.0);
        let s = score_tc(&["Doubt".into(), "Doubt".into()], &gold);
        assert_eq!(s.micro_f1, 0.5);
        assert!((s.per_technique["Doubt"] - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(s.per_technique["Loaded_Language"], 0.0);
    }

    #[test]
    fn parses_three_and_four_columns() {
        let l = parse_labels("1\t3\t7\n2\tDoubt\t1\t4\n3\t?\t0\t2\n", "x").unwrap();
        assert_eq!(l[0].technique, None);
        assert_eq!(l[1].technique.as_deref(), Some("Doubt"));
        assert_eq!(l[2].technique, None);
        assert!(parse_labels("1\t9\t3\n", "x").is_err());
    }
}
