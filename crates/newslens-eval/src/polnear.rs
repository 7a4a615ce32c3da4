//! PolNeAR (Political News Attribution Relations) reader and scorer.
//!
//! A split folder holds `text/<name>.txt` and `attributions/<name>_<annotator>.ann` (brat standoff).
//! Brat offsets are Unicode code points; [`read_split`] converts them to byte [`Span`]s into the text.
//! When an article has several annotator files (agreement study) the first in name order is used.
//!
//! Scoring ([`Scorer`]) compares sets of spans per label and document. A discontinuous brat span
//! (`a b;c d`) counts as one span per fragment, the way sequence-labelling systems (CRF,
//! BERT-CofeNet) are scored on this corpus. *Exact*: a predicted span is right when a gold span of the
//! same label has the same bounds. *Overlap*: a predicted span is right when it shares a character with
//! a gold span of the same label; recall counts gold spans overlapped by some prediction.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use newslens_core::{OffsetMap, Span};
use serde::Serialize;
use thiserror::Error;

/// Errors while reading a PolNeAR folder.
#[derive(Debug, Error)]
pub enum PolnearError {
    /// A file or folder could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The folder has no `text/` + `attributions/` layout or no articles.
    #[error(
        "{0} is not a PolNeAR split folder (expected text/ and attributions/ with .ann files)"
    )]
    NotASplit(PathBuf),
}

/// One of the three attribution roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Role {
    /// The speaker.
    Source,
    /// The cue ("said", "according to").
    Cue,
    /// What is attributed.
    Content,
}

impl Role {
    /// All roles, in report order.
    pub const ALL: [Role; 3] = [Role::Source, Role::Cue, Role::Content];

    /// Lowercase name, used as JSON key.
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Source => "source",
            Role::Cue => "cue",
            Role::Content => "content",
        }
    }
}

/// One gold attribution: source (absent for `Attribution-no-source`), cue and content, each a list
/// of fragments (byte spans).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attribution {
    /// Source fragments.
    pub source: Vec<Span>,
    /// Cue fragments.
    pub cue: Vec<Span>,
    /// Content fragments.
    pub content: Vec<Span>,
}

/// One annotated article.
#[derive(Debug, Clone)]
pub struct Article {
    /// File stem (`<publisher>_<date>_<slug>`).
    pub name: String,
    /// The article text.
    pub text: String,
    /// Attributions from the chosen annotator file, in file order.
    pub attributions: Vec<Attribution>,
    /// Every `Source`/`Cue`/`Content` text-bound annotation (fragments), including ones not tied
    /// into an attribution record; this is what is scored.
    pub spans: BTreeMap<Role, BTreeSet<(usize, usize)>>,
}

/// Reads every annotated article of a split folder, sorted by name.
pub fn read_split(dir: &Path) -> Result<Vec<Article>, PolnearError> {
    let text_dir = dir.join("text");
    let ann_dir = dir.join("attributions");
    if !text_dir.is_dir() || !ann_dir.is_dir() {
        return Err(PolnearError::NotASplit(dir.to_path_buf()));
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| PolnearError::Io { path, source }
    };
    let mut anns: Vec<PathBuf> = std::fs::read_dir(&ann_dir)
        .map_err(io(&ann_dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ann"))
        .collect();
    anns.sort();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for ann in anns {
        let Some(stem) = ann.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        // `<name>_<annotator>`: the annotator id follows the last underscore.
        let name = match stem.rsplit_once('_') {
            Some((n, _)) => n.to_string(),
            None => stem.to_string(),
        };
        let text_path = text_dir.join(format!("{name}.txt"));
        if !text_path.is_file() || !seen.insert(name.clone()) {
            continue;
        }
        let text = std::fs::read_to_string(&text_path).map_err(io(&text_path))?;
        let ann_text = std::fs::read_to_string(&ann).map_err(io(&ann))?;
        out.push(parse_article(name, text, &ann_text));
    }
    if out.is_empty() {
        return Err(PolnearError::NotASplit(dir.to_path_buf()));
    }
    Ok(out)
}

/// Parses one brat `.ann` file against its text. Malformed lines are skipped.
pub fn parse_article(name: String, text: String, ann: &str) -> Article {
    let map = OffsetMap::new(&text);
    let n_chars = map.len_chars();
    let mut tbs: BTreeMap<&str, (&str, Vec<Span>)> = BTreeMap::new();
    let mut events: Vec<BTreeMap<&str, &str>> = Vec::new();
    for line in ann.lines() {
        let mut cols = line.split('\t');
        let (Some(id), Some(body)) = (cols.next(), cols.next()) else {
            continue;
        };
        if id.starts_with('T') {
            let Some((label, ranges)) = body.split_once(' ') else {
                continue;
            };
            let mut frags = Vec::new();
            for r in ranges.split(';') {
                let mut it = r.split_whitespace().map(|x| x.parse::<usize>());
                if let (Some(Ok(a)), Some(Ok(b))) = (it.next(), it.next()) {
                    if a <= b && b <= n_chars {
                        frags.push(Span::new(map.to_byte(a), map.to_byte(b)));
                    }
                }
            }
            tbs.insert(id, (label, frags));
        } else if id.starts_with('E') {
            let roles = body
                .split_whitespace()
                .filter_map(|kv| kv.split_once(':'))
                .collect();
            events.push(roles);
        }
    }
    let mut spans: BTreeMap<Role, BTreeSet<(usize, usize)>> = BTreeMap::new();
    for role in Role::ALL {
        spans.insert(role, BTreeSet::new());
    }
    for (label, frags) in tbs.values() {
        let role = match *label {
            "Source" => Role::Source,
            "Cue" => Role::Cue,
            "Content" => Role::Content,
            _ => continue,
        };
        let set = spans.entry(role).or_default();
        for f in frags.iter().filter(|f| !f.is_empty()) {
            set.insert((f.start, f.end));
        }
    }
    let get = |ev: &BTreeMap<&str, &str>, key: &str| -> Vec<Span> {
        ev.get(key)
            .and_then(|t| tbs.get(t))
            .map(|(_, f)| f.clone())
            .unwrap_or_default()
    };
    let attributions = events
        .iter()
        .map(|ev| Attribution {
            source: get(ev, "Source"),
            cue: get(ev, "Cue"),
            content: get(ev, "Content"),
        })
        .filter(|a| !a.cue.is_empty() || !a.content.is_empty())
        .collect();
    Article {
        name,
        text,
        attributions,
        spans,
    }
}

/// Precision, recall, F1 (0–1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Prf {
    /// Precision.
    pub p: f64,
    /// Recall.
    pub r: f64,
    /// F1.
    pub f1: f64,
}

impl Prf {
    fn from_counts(tp_p: usize, n_pred: usize, tp_g: usize, n_gold: usize) -> Self {
        let p = if n_pred == 0 {
            0.0
        } else {
            tp_p as f64 / n_pred as f64
        };
        let r = if n_gold == 0 {
            0.0
        } else {
            tp_g as f64 / n_gold as f64
        };
        let f1 = if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        };
        Prf { p, r, f1 }
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    pred: usize,
    gold: usize,
    exact: usize,
    overlap_pred: usize,
    overlap_gold: usize,
}

/// Accumulates counts over documents.
#[derive(Debug, Clone, Default)]
pub struct Scorer {
    counts: BTreeMap<Role, Counts>,
}

/// Scores per role for one matching mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct RoleScores {
    /// Source spans.
    pub source: Prf,
    /// Cue spans.
    pub cue: Prf,
    /// Content spans.
    pub content: Prf,
}

/// The report printed by `newslens eval quotes --json`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Report {
    /// Exact span match.
    pub exact: RoleScores,
    /// Overlap match.
    pub overlap: RoleScores,
}

impl Scorer {
    /// Adds one document: gold and predicted spans for `role` (byte offsets; duplicates ignored).
    pub fn add(
        &mut self,
        role: Role,
        gold: &BTreeSet<(usize, usize)>,
        pred: &BTreeSet<(usize, usize)>,
    ) {
        let c = self.counts.entry(role).or_default();
        c.gold += gold.len();
        c.pred += pred.len();
        c.exact += pred.intersection(gold).count();
        let ov = |a: &(usize, usize), b: &(usize, usize)| a.0 < b.1 && b.0 < a.1;
        c.overlap_pred += pred
            .iter()
            .filter(|p| gold.iter().any(|g| ov(p, g)))
            .count();
        c.overlap_gold += gold
            .iter()
            .filter(|g| pred.iter().any(|p| ov(p, g)))
            .count();
    }

    /// Adds one article given predicted spans per role.
    pub fn add_article(
        &mut self,
        article: &Article,
        pred: &BTreeMap<Role, BTreeSet<(usize, usize)>>,
    ) {
        let empty = BTreeSet::new();
        for role in Role::ALL {
            self.add(
                role,
                article.spans.get(&role).unwrap_or(&empty),
                pred.get(&role).unwrap_or(&empty),
            );
        }
    }

    /// The scores so far.
    pub fn report(&self) -> Report {
        let get = |role: Role, exact: bool| {
            let c = self.counts.get(&role).copied().unwrap_or_default();
            if exact {
                Prf::from_counts(c.exact, c.pred, c.exact, c.gold)
            } else {
                Prf::from_counts(c.overlap_pred, c.pred, c.overlap_gold, c.gold)
            }
        };
        let scores = |exact| RoleScores {
            source: get(Role::Source, exact),
            cue: get(Role::Cue, exact),
            content: get(Role::Content, exact),
        };
        Report {
            exact: scores(true),
            overlap: scores(false),
        }
    }

    /// Number of gold and predicted spans for `role`.
    pub fn totals(&self, role: Role) -> (usize, usize) {
        let c = self.counts.get(&role).copied().unwrap_or_default();
        (c.gold, c.pred)
    }
}

impl Report {
    /// A plain-text table.
    pub fn table(&self) -> String {
        let mut s = String::from("match    role      P       R       F1\n");
        for (mode, sc) in [("exact", &self.exact), ("overlap", &self.overlap)] {
            for (name, p) in [
                ("source", sc.source),
                ("cue", sc.cue),
                ("content", sc.content),
            ] {
                s.push_str(&format!(
                    "{mode:<8} {name:<8} {:>6.2}  {:>6.2}  {:>6.2}\n",
                    100.0 * p.p,
                    100.0 * p.r,
                    100.0 * p.f1
                ));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_brat_with_code_point_offsets_and_fragments() {
        // Offsets count code points: "É" is one character but two bytes.
        let text = "É “Yes,” Kim said, “no.”".to_string();
        let ann =
            "T1\tSource 9 12\tKim\nT2\tCue 13 17\tsaid\nT3\tContent 2 8;19 24\t“Yes,” “no.”\n\
                   T4\tAttribution 13 17\tsaid\nE1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n";
        let a = parse_article("x".into(), text.clone(), ann);
        assert_eq!(a.attributions.len(), 1);
        let at = &a.attributions[0];
        assert_eq!(at.source[0].text(&text), "Kim");
        assert_eq!(at.cue[0].text(&text), "said");
        assert_eq!(at.content.len(), 2);
        assert_eq!(at.content[0].text(&text), "“Yes,”");
        assert_eq!(at.content[1].text(&text), "“no.”");
        assert_eq!(a.spans[&Role::Content].len(), 2);
    }

    #[test]
    fn exact_and_overlap_scores() {
        let gold: BTreeSet<_> = [(0, 5), (10, 20)].into_iter().collect();
        let pred: BTreeSet<_> = [(0, 5), (12, 18), (30, 31)].into_iter().collect();
        let mut s = Scorer::default();
        s.add(Role::Cue, &gold, &pred);
        let r = s.report();
        assert!((r.exact.cue.p - 1.0 / 3.0).abs() < 1e-9);
        assert!((r.exact.cue.r - 0.5).abs() < 1e-9);
        assert!((r.overlap.cue.p - 2.0 / 3.0).abs() < 1e-9);
        assert!((r.overlap.cue.r - 1.0).abs() < 1e-9);
        assert_eq!(r.exact.source, Prf::default());
    }
}
