//! SemEval-2023 Task 3 (English): label readers and the organisers' multi-label scorer.
//!
//! * Subtask 1 (genre): `article_id<TAB>genre`;
//! * subtask 2 (frames): `article_id<TAB>frame1,frame2,…`;
//! * subtask 3 (paragraph techniques): `article_id<TAB>line<TAB>tech1,tech2,…` (1-based line of the
//!   article file; empty third column = none).
//!
//! Scoring follows `scorer-subtask-3.py`: labels are binarised over the class list, then sklearn's
//! `f1_score(average="micro"|"macro", zero_division=1)`; a class with no gold and no prediction
//! counts as F1 = 1 in the macro average.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

pub use crate::ptc::{read_articles, DataError};

/// Genres of subtask 1.
pub const GENRES: [&str; 3] = ["opinion", "reporting", "satire"];

/// The 14 frames of subtask 2.
pub const FRAMES: [&str; 14] = [
    "Economic",
    "Capacity_and_resources",
    "Morality",
    "Fairness_and_equality",
    "Legality_Constitutionality_and_jurisprudence",
    "Policy_prescription_and_evaluation",
    "Crime_and_punishment",
    "Security_and_defense",
    "Health_and_safety",
    "Quality_of_life",
    "Cultural_identity",
    "Public_opinion",
    "Political",
    "External_regulation_and_reputation",
];

/// The 23 techniques of subtask 3 (organisers' `techniques_subtask3.txt` order).
pub const TECHNIQUES: [&str; 23] = [
    "Appeal_to_Authority",
    "Appeal_to_Popularity",
    "Appeal_to_Values",
    "Appeal_to_Fear-Prejudice",
    "Flag_Waving",
    "Causal_Oversimplification",
    "False_Dilemma-No_Choice",
    "Consequential_Oversimplification",
    "Straw_Man",
    "Red_Herring",
    "Whataboutism",
    "Slogans",
    "Appeal_to_Time",
    "Conversation_Killer",
    "Loaded_Language",
    "Repetition",
    "Exaggeration-Minimisation",
    "Obfuscation-Vagueness-Confusion",
    "Name_Calling-Labeling",
    "Doubt",
    "Guilt_by_Association",
    "Appeal_to_Hypocrisy",
    "Questioning_the_Reputation",
];

/// The class list of a subtask (1, 2 or 3).
pub fn classes(subtask: u8) -> &'static [&'static str] {
    match subtask {
        1 => &GENRES,
        2 => &FRAMES,
        _ => &TECHNIQUES,
    }
}

/// One labelled example: an article (subtasks 1–2) or a paragraph line of it (subtask 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// Article id.
    pub article: String,
    /// 1-based line number for subtask 3, `None` otherwise.
    pub line: Option<usize>,
    /// Labels (may be empty).
    pub labels: Vec<String>,
}

fn split_labels(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(String::from)
        .collect()
}

/// Reads a label file of the given subtask (templates with text in the third column are read as
/// unlabelled rows only if `subtask` is 3 and the column does not parse as labels — use
/// [`parse_labels`] directly for custom handling).
pub fn read_labels(path: &Path, subtask: u8) -> Result<Vec<Example>, DataError> {
    let text = std::fs::read_to_string(path).map_err(|e| DataError::Io {
        path: path.display().to_string(),
        source: e,
    })?;
    parse_labels(&text, subtask, &path.display().to_string())
}

/// Parses label lines of a subtask; `origin` names the source in errors.
pub fn parse_labels(text: &str, subtask: u8, origin: &str) -> Result<Vec<Example>, DataError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches(['\r', '\n']);
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let bad = |message: String| DataError::Format {
            path: origin.to_string(),
            line: i + 1,
            message,
        };
        let article = cols[0].trim().trim_start_matches("article").to_string();
        if subtask == 3 {
            if cols.len() < 2 || cols.len() > 3 {
                return Err(bad(format!("expected 2 or 3 columns, got {}", cols.len())));
            }
            let ln: usize = cols[1]
                .trim()
                .parse()
                .map_err(|_| bad(format!("bad line number {:?}", cols[1])))?;
            out.push(Example {
                article,
                line: Some(ln),
                labels: cols.get(2).map(|s| split_labels(s)).unwrap_or_default(),
            });
        } else {
            if cols.len() > 2 {
                return Err(bad(format!("expected 2 columns, got {}", cols.len())));
            }
            out.push(Example {
                article,
                line: None,
                labels: cols.get(1).map(|s| split_labels(s)).unwrap_or_default(),
            });
        }
    }
    Ok(out)
}

/// Micro and macro F1.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MultiLabelScore {
    /// Micro-averaged F1 over all classes.
    pub micro_f1: f64,
    /// Macro-averaged F1 over the class list (`zero_division = 1`).
    pub macro_f1: f64,
    /// F1 per class.
    pub per_class: BTreeMap<String, f64>,
}

/// Scores `predicted[i]` against `gold[i]` over `classes` (labels outside the list are ignored,
/// as the binariser does).
pub fn score(predicted: &[Vec<String>], gold: &[Vec<String>], classes: &[&str]) -> MultiLabelScore {
    let k = classes.len();
    let idx: BTreeMap<&str, usize> = classes.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let (mut tp, mut fp, mut fneg) = (vec![0usize; k], vec![0usize; k], vec![0usize; k]);
    for (p, g) in predicted.iter().zip(gold) {
        let mut pv = vec![false; k];
        let mut gv = vec![false; k];
        for l in p {
            if let Some(&i) = idx.get(l.as_str()) {
                pv[i] = true;
            }
        }
        for l in g {
            if let Some(&i) = idx.get(l.as_str()) {
                gv[i] = true;
            }
        }
        for i in 0..k {
            match (pv[i], gv[i]) {
                (true, true) => tp[i] += 1,
                (true, false) => fp[i] += 1,
                (false, true) => fneg[i] += 1,
                _ => {}
            }
        }
    }
    let f1 = |t: usize, p: usize, n: usize| {
        let d = 2 * t + p + n;
        if d == 0 {
            1.0
        } else {
            2.0 * t as f64 / d as f64
        }
    };
    let (st, sp, sn) = (
        tp.iter().sum::<usize>(),
        fp.iter().sum::<usize>(),
        fneg.iter().sum::<usize>(),
    );
    let mut per_class = BTreeMap::new();
    let mut macro_sum = 0.0;
    for i in 0..k {
        let f = f1(tp[i], fp[i], fneg[i]);
        macro_sum += f;
        per_class.insert(classes[i].to_string(), f);
    }
    MultiLabelScore {
        micro_f1: f1(st, sp, sn),
        macro_f1: if k > 0 { macro_sum / k as f64 } else { 0.0 },
        per_class,
    }
}

/// The text of 1-based line `line` of an article, with its code point start offset.
pub fn article_line(text: &str, line: usize) -> Option<(usize, &str)> {
    let mut offset = 0usize;
    for (i, l) in text.split('\n').enumerate() {
        if i + 1 == line {
            return Some((offset, l));
        }
        offset += l.chars().count() + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn micro_and_macro_follow_sklearn() {
        let classes = ["a", "b", "c"];
        let gold = vec![v(&["a"]), v(&["a", "b"]), v(&[])];
        let pred = vec![v(&["a"]), v(&["b"]), v(&["b"])];
        let s = score(&pred, &gold, &classes);
        // tp=2 (a, b), fp=1 (b), fn=1 (a): micro = 4 / (4 + 2).
        assert!((s.micro_f1 - 4.0 / 6.0).abs() < 1e-12);
        // a: 2/(2+1)=0.667; b: 2/(2+1)=0.667; c: no gold, no pred => 1.
        assert!((s.macro_f1 - (2.0 / 3.0 + 2.0 / 3.0 + 1.0) / 3.0).abs() < 1e-12);
    }

    #[test]
    fn parses_subtask_rows() {
        let r = parse_labels("1\t1\t\n1\t3\tDoubt,Slogans\n1\t4\n", 3, "x").unwrap();
        assert_eq!(r.len(), 3);
        assert!(r[0].labels.is_empty());
        assert_eq!(r[1].labels, v(&["Doubt", "Slogans"]));
        assert_eq!(r[2].line, Some(4));
        let r = parse_labels("7\tPolitical,Economic\n", 2, "x").unwrap();
        assert_eq!(r[0].labels.len(), 2);
        assert!(parse_labels("7\tx\ty\tz\n", 3, "x").is_err());
    }

    #[test]
    fn finds_lines_with_code_point_offsets() {
        let t = "Tïtle\n\nBody one\n";
        assert_eq!(article_line(t, 3), Some((7, "Body one")));
        assert_eq!(article_line(t, 9), None);
    }
}
