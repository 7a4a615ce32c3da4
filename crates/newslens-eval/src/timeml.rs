//! TimeML (`.tml`) reader and the TempEval-3 Task A scorer (time expression extraction and
//! normalisation).
//!
//! The reader keeps only what Task A needs: the document creation time (DCT) and the TIMEX3
//! elements inside `<TEXT>`, with byte spans into the tag-free, entity-decoded text of that element.
//!
//! The scorer follows the TempEval-3 definitions (UzZaman et al., 2013):
//! * **strict** match: same extent; **relaxed** match: the extents overlap;
//! * precision / recall / F1 for both;
//! * **attribute F1** for `type` and `value`: over relaxed-matched pairs, the number of pairs whose
//!   attribute agrees, divided by the number of system expressions (precision) and of gold
//!   expressions (recall). This equals relaxed F1 × attribute accuracy, the official ranking metric.
//!
//! The DCT itself is given to systems, so it is not scored (only expressions inside `<TEXT>` are).

use std::path::{Path, PathBuf};

use serde::Serialize;
use thiserror::Error;

/// Errors of the TimeML reader.
#[derive(Debug, Error)]
pub enum TimeMlError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not TimeML as expected.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// A gold TIMEX3 element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoldTimex {
    /// Byte offset of the first character in [`TmlDocument::text`].
    pub start: usize,
    /// Byte offset one past the last character.
    pub end: usize,
    /// `type` attribute (`DATE`, `TIME`, `DURATION`, `SET`).
    pub timex_type: String,
    /// `value` attribute (may be empty).
    pub value: String,
    /// `tid` attribute.
    pub tid: String,
}

/// One TimeML document reduced to what Task A needs.
#[derive(Debug, Clone)]
pub struct TmlDocument {
    /// File stem.
    pub id: String,
    /// DCT value (`YYYY-MM-DD...`), if present.
    pub dct: Option<String>,
    /// Tag-free text of the `<TEXT>` element (entities decoded).
    pub text: String,
    /// TIMEX3 elements inside `<TEXT>`, in order.
    pub timexes: Vec<GoldTimex>,
}

/// Reads every `*.tml` file under `dir` (recursively), sorted by path.
pub fn read_dir(dir: &Path) -> Result<Vec<TmlDocument>, TimeMlError> {
    let mut files = Vec::new();
    collect(dir, &mut files)?;
    files.sort();
    files.iter().map(|p| read_file(p)).collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), TimeMlError> {
    let io = |source| TimeMlError::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "tml") {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads one `.tml` file.
pub fn read_file(path: &Path) -> Result<TmlDocument, TimeMlError> {
    let raw = std::fs::read_to_string(path).map_err(|source| TimeMlError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let id = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    parse_str(&id, &raw).map_err(|message| TimeMlError::Format {
        path: path.to_path_buf(),
        message,
    })
}

/// Parses TimeML from a string.
pub fn parse_str(id: &str, raw: &str) -> Result<TmlDocument, String> {
    let dct = find_between(raw, "<DCT>", "</DCT>")
        .and_then(|dct| attr(dct, "value"))
        .map(str::to_string);
    let body = find_between(raw, "<TEXT>", "</TEXT>").ok_or("no <TEXT> element")?;
    let mut text = String::with_capacity(body.len());
    let mut timexes = Vec::new();
    let mut open: Option<GoldTimex> = None;
    let mut rest = body;
    while let Some(lt) = rest.find('<') {
        push_decoded(&mut text, &rest[..lt]);
        let gt = rest[lt..].find('>').ok_or("unterminated tag")? + lt;
        let tag = &rest[lt + 1..gt];
        if tag.starts_with("TIMEX3") {
            open = Some(GoldTimex {
                start: text.len(),
                end: text.len(),
                timex_type: attr(tag, "type").unwrap_or_default().to_string(),
                value: attr(tag, "value").unwrap_or_default().to_string(),
                tid: attr(tag, "tid").unwrap_or_default().to_string(),
            });
        } else if tag.starts_with("/TIMEX3") {
            let mut t = open.take().ok_or("</TIMEX3> without <TIMEX3>")?;
            t.end = text.len();
            timexes.push(t);
        }
        rest = &rest[gt + 1..];
    }
    push_decoded(&mut text, rest);
    Ok(TmlDocument {
        id: id.to_string(),
        dct,
        text,
        timexes,
    })
}

fn find_between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let a = s.find(open)? + open.len();
    let b = s[a..].find(close)? + a;
    Some(&s[a..b])
}

/// The value of `name="..."` inside a tag.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(i) = tag[from..].find(name) {
        let at = from + i;
        let before_ok = at == 0 || tag.as_bytes()[at - 1].is_ascii_whitespace();
        let after = &tag[at + name.len()..];
        if before_ok {
            if let Some(v) = after.strip_prefix("=\"") {
                return v.find('"').map(|e| &v[..e]);
            }
        }
        from = at + name.len();
    }
    None
}

fn push_decoded(out: &mut String, s: &str) {
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        let entities = [
            ("&amp;", "&"),
            ("&lt;", "<"),
            ("&gt;", ">"),
            ("&quot;", "\""),
            ("&apos;", "'"),
        ];
        match entities.iter().find(|(e, _)| tail.starts_with(e)) {
            Some((e, r)) => {
                out.push_str(r);
                rest = &tail[e.len()..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
}

/// A system time expression to score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemTimex {
    /// Byte start in the document text.
    pub start: usize,
    /// Byte end.
    pub end: usize,
    /// Type (`DATE`, ...).
    pub timex_type: String,
    /// Value ("" when none).
    pub value: String,
}

/// Precision, recall and F1.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Prf {
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
}

impl Prf {
    fn from_counts(correct_p: usize, n_sys: usize, correct_r: usize, n_gold: usize) -> Self {
        let div = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let precision = div(correct_p, n_sys);
        let recall = div(correct_r, n_gold);
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        Self {
            precision,
            recall,
            f1,
        }
    }
}

/// Raw counts, summed over documents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Gold expressions.
    pub gold: usize,
    /// System expressions.
    pub system: usize,
    /// Exact-extent matches.
    pub strict: usize,
    /// Overlap matches (one-to-one).
    pub relaxed: usize,
    /// Relaxed matches with the same type.
    pub type_correct: usize,
    /// Relaxed matches with the same value.
    pub value_correct: usize,
}

impl Counts {
    /// Adds the counts of one document.
    pub fn add(&mut self, gold: &[GoldTimex], system: &[SystemTimex]) {
        self.gold += gold.len();
        self.system += system.len();
        self.strict += system
            .iter()
            .filter(|s| gold.iter().any(|g| g.start == s.start && g.end == s.end))
            .count();
        for (g, s) in match_relaxed(gold, system) {
            let (g, s) = (&gold[g], &system[s]);
            self.relaxed += 1;
            self.type_correct += usize::from(g.timex_type == s.timex_type);
            self.value_correct += usize::from(g.value == s.value);
        }
    }

    /// The Task A figures.
    pub fn scores(&self) -> TaskAScores {
        let prf = |c: usize| Prf::from_counts(c, self.system, c, self.gold);
        TaskAScores {
            strict: prf(self.strict),
            relaxed: prf(self.relaxed),
            type_attr: prf(self.type_correct),
            value_attr: prf(self.value_correct),
            counts: *self,
        }
    }
}

/// One-to-one relaxed matching: pairs of (gold index, system index) whose extents overlap, greedily
/// by largest overlap first (ties: text order).
pub fn match_relaxed(gold: &[GoldTimex], system: &[SystemTimex]) -> Vec<(usize, usize)> {
    let mut cands = Vec::new();
    for (gi, g) in gold.iter().enumerate() {
        for (si, s) in system.iter().enumerate() {
            let overlap = g.end.min(s.end).saturating_sub(g.start.max(s.start));
            if overlap > 0 {
                cands.push((std::cmp::Reverse(overlap), gi, si));
            }
        }
    }
    cands.sort();
    let mut gold_used = vec![false; gold.len()];
    let mut sys_used = vec![false; system.len()];
    let mut out = Vec::new();
    for (_, gi, si) in cands {
        if !gold_used[gi] && !sys_used[si] {
            gold_used[gi] = true;
            sys_used[si] = true;
            out.push((gi, si));
        }
    }
    out.sort();
    out
}

/// TempEval-3 Task A figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct TaskAScores {
    /// Exact-extent P/R/F1.
    pub strict: Prf,
    /// Overlapping-extent P/R/F1.
    pub relaxed: Prf,
    /// Type attribute P/R/F1 over relaxed matches.
    pub type_attr: Prf,
    /// Value attribute P/R/F1 over relaxed matches (the official ranking metric).
    pub value_attr: Prf,
    /// The counts behind the figures.
    pub counts: Counts,
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"<?xml version="1.0" ?>
<TimeML><DOCID>x</DOCID>
<DCT><TIMEX3 tid="t0" type="DATE" value="2024-10-16" functionInDocument="CREATION_TIME">20241016</TIMEX3></DCT>
<TEXT>
The A&amp;B board <EVENT eid="e1">met</EVENT> on <TIMEX3 tid="t1" type="DATE" value="2024-10-15">Tuesday</TIMEX3> for <TIMEX3 tid="t2" type="DURATION" value="PT2H">two hours</TIMEX3>.
</TEXT></TimeML>"#;

    #[test]
    fn reads_dct_text_and_timexes() {
        let d = parse_str("x", DOC).unwrap();
        assert_eq!(d.dct.as_deref(), Some("2024-10-16"));
        assert!(d
            .text
            .contains("The A&B board met on Tuesday for two hours."));
        assert_eq!(d.timexes.len(), 2);
        let t = &d.timexes[0];
        assert_eq!(&d.text[t.start..t.end], "Tuesday");
        assert_eq!(t.value, "2024-10-15");
        assert_eq!(&d.text[d.timexes[1].start..d.timexes[1].end], "two hours");
        assert_eq!(d.timexes[1].timex_type, "DURATION");
    }

    #[test]
    fn scores_strict_relaxed_and_attributes() {
        let d = parse_str("x", DOC).unwrap();
        let at = |s: &str| d.text.find(s).unwrap();
        let sys = vec![
            // exact extent, right value
            SystemTimex {
                start: at("Tuesday"),
                end: at("Tuesday") + 7,
                timex_type: "DATE".into(),
                value: "2024-10-15".into(),
            },
            // overlapping extent, wrong value
            SystemTimex {
                start: at("for two"),
                end: at("two hours") + 9,
                timex_type: "DURATION".into(),
                value: "P2H".into(),
            },
            // spurious
            SystemTimex {
                start: at("board"),
                end: at("board") + 5,
                timex_type: "DATE".into(),
                value: "X".into(),
            },
        ];
        let mut c = Counts::default();
        c.add(&d.timexes, &sys);
        let s = c.scores();
        assert_eq!(
            (c.strict, c.relaxed, c.type_correct, c.value_correct),
            (1, 2, 2, 1)
        );
        assert!((s.strict.precision - 1.0 / 3.0).abs() < 1e-9);
        assert!((s.strict.recall - 0.5).abs() < 1e-9);
        assert!((s.relaxed.recall - 1.0).abs() < 1e-9);
        assert!((s.value_attr.f1 - 0.4).abs() < 1e-9);
    }

    #[test]
    fn relaxed_matching_is_one_to_one() {
        let g = |s, e| GoldTimex {
            start: s,
            end: e,
            timex_type: "DATE".into(),
            value: String::new(),
            tid: String::new(),
        };
        let gold = vec![g(0, 5), g(6, 10)];
        let sys = vec![SystemTimex {
            start: 0,
            end: 10,
            timex_type: "DATE".into(),
            value: String::new(),
        }];
        assert_eq!(match_relaxed(&gold, &sys).len(), 1);
    }
}
