//! PETRARCH / UniversalPetrarch validation records (CAMEO-coded sentences) and a regression
//! scorer for the events coder.
//!
//! A record is a sentence with its expected codings (`sourcecode`, `targetcode`, `eventcode`) or
//! `noevents="True"`. The records are functional tests written for a coder with its own actor
//! dictionaries, not a sample of news, so the figures are regression counts, not accuracy:
//!
//! * **root**: every expected coding's CAMEO root code (first two digits) is among the system's
//!   dyadic events (events with an actor and a target);
//! * **dyad**: as root, and the event's actor and target codes agree with the expected ones on
//!   the country part (first three letters; `---` matches anything);
//! * **exact**: as dyad, with the full event code equal;
//! * a `noevents` record is correct at every level when the system codes no dyadic event.

use std::path::{Path, PathBuf};

use serde::Serialize;
use thiserror::Error;

use crate::meantime::{scan_tags, unescape};

/// Errors of the PETRARCH reader.
#[derive(Debug, Error)]
pub enum PetrarchError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// One expected coding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coding {
    /// Source actor code (`USAGOV`).
    pub source: String,
    /// Target actor code.
    pub target: String,
    /// CAMEO event code (`042`).
    pub event: String,
}

/// One validation record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    /// Record id.
    pub id: String,
    /// Category (`AFP`, `GOLD`, `PASSIVE`, `DEMO`, ...).
    pub category: String,
    /// Story date as `YYYY-MM-DD`, when it parses.
    pub date: Option<String>,
    /// The sentence, whitespace-normalised.
    pub text: String,
    /// Expected codings (empty for `noevents`).
    pub codings: Vec<Coding>,
    /// The record must yield no event.
    pub noevents: bool,
}

/// Parses a validation XML text. Records without any expected coding are skipped.
pub fn parse(xml: &str) -> Vec<Record> {
    let mut out = Vec::new();
    let mut cur: Option<Record> = None;
    for t in scan_tags(xml) {
        match (t.name, t.closing) {
            ("Sentence", false) => {
                if let Some(r) = cur.take() {
                    push(&mut out, r);
                }
                let date = t.attr("date").and_then(|d| {
                    (d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit()))
                        .then(|| format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..8]))
                });
                cur = Some(Record {
                    id: t.attr("id").unwrap_or("").to_string(),
                    category: t.attr("category").unwrap_or("").to_string(),
                    date,
                    text: String::new(),
                    codings: Vec::new(),
                    noevents: false,
                });
            }
            ("EventCoding", false) => {
                if let Some(r) = cur.as_mut() {
                    let no = t
                        .attr("noevents")
                        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
                        || t.attr("error").is_some();
                    if no {
                        r.noevents = true;
                    } else if let Some(ev) = t.attr("eventcode") {
                        r.codings.push(Coding {
                            source: t.attr("sourcecode").unwrap_or("---").to_string(),
                            target: t.attr("targetcode").unwrap_or("---").to_string(),
                            event: ev.to_string(),
                        });
                    }
                }
            }
            ("Text", false) => {
                if let Some(r) = cur.as_mut() {
                    r.text = unescape(t.text_after)
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ");
                }
            }
            _ => {}
        }
    }
    if let Some(r) = cur.take() {
        push(&mut out, r);
    }
    out
}

fn push(out: &mut Vec<Record>, r: Record) {
    if !r.text.is_empty() && (r.noevents || !r.codings.is_empty()) {
        out.push(r);
    }
}

/// Reads a validation XML file.
pub fn read(path: &Path) -> Result<Vec<Record>, PetrarchError> {
    let xml = std::fs::read_to_string(path).map_err(|source| PetrarchError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(parse(&xml))
}

/// One system event: actor and target codes (when known) and the CAMEO code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemCoding {
    /// Actor code.
    pub source: Option<String>,
    /// Target code.
    pub target: Option<String>,
    /// CAMEO code.
    pub event: String,
}

/// Regression counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PetrarchScore {
    /// Records scored.
    pub records: usize,
    /// Of which `noevents` records.
    pub noevent_records: usize,
    /// Records correct at the root level.
    pub root_correct: usize,
    /// Records correct at the dyad level (root plus actor and target countries).
    pub dyad_correct: usize,
    /// Records correct at the exact level (full code plus actors).
    pub exact_correct: usize,
    /// `noevents` records with no system event.
    pub noevent_correct: usize,
}

fn actor_ok(expected: &str, got: &Option<String>) -> bool {
    let want: String = expected.chars().take(3).collect();
    if want == "---" || want.is_empty() {
        return true;
    }
    got.as_deref()
        .is_some_and(|g| g.chars().take(3).collect::<String>() == want)
}

impl PetrarchScore {
    /// Scores one record against the system's events for its sentence.
    pub fn add(&mut self, record: &Record, system: &[SystemCoding]) {
        self.records += 1;
        let dyadic: Vec<&SystemCoding> = system
            .iter()
            .filter(|s| s.source.is_some() && s.target.is_some())
            .collect();
        if record.noevents {
            self.noevent_records += 1;
            if dyadic.is_empty() {
                self.noevent_correct += 1;
                self.root_correct += 1;
                self.dyad_correct += 1;
                self.exact_correct += 1;
            }
            return;
        }
        let root = |c: &str| c.chars().take(2).collect::<String>();
        let all = |f: &dyn Fn(&Coding, &SystemCoding) -> bool| {
            record
                .codings
                .iter()
                .all(|c| dyadic.iter().any(|s| f(c, s)))
        };
        let root_ok = |c: &Coding, s: &SystemCoding| root(&c.event) == root(&s.event);
        let dyad_ok = |c: &Coding, s: &SystemCoding| {
            root_ok(c, s) && actor_ok(&c.source, &s.source) && actor_ok(&c.target, &s.target)
        };
        let exact_ok = |c: &Coding, s: &SystemCoding| dyad_ok(c, s) && c.event == s.event;
        if all(&root_ok) {
            self.root_correct += 1;
        }
        if all(&dyad_ok) {
            self.dyad_correct += 1;
        }
        if all(&exact_ok) {
            self.exact_correct += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = r#"<Validation><Sentences>
<!-- <Sentence id="commented-out"> -->
<Sentence category="AFP" date="20080804" id="R1" evaluate="true"/>
<EventCoding eventcode="042" sourcecode="USA" targetcode="CHN" />
<Text>
The US leader visited China &amp; Japan.
</Text>
<Sentence date="19950101" id="R2" category="DEMO">
<EventCoding noevents = "True" />
<Text> Nothing happened. </Text>
</Sentence>
<Sentence date="19950101" id="R3" category="DEMO"><Text>No coding here.</Text></Sentence>
</Sentences></Validation>"#;

    fn sc(s: &str, t: &str, e: &str) -> SystemCoding {
        SystemCoding {
            source: Some(s.into()),
            target: Some(t.into()),
            event: e.into(),
        }
    }

    #[test]
    fn reads_records() {
        let r = parse(XML);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].text, "The US leader visited China & Japan.");
        assert_eq!(r[0].date.as_deref(), Some("2008-08-04"));
        assert_eq!(r[0].codings[0].event, "042");
        assert!(r[1].noevents);
    }

    #[test]
    fn levels_are_nested() {
        let r = parse(XML);
        let mut s = PetrarchScore::default();
        s.add(&r[0], &[sc("USAGOV", "CHN", "040")]);
        assert_eq!((s.root_correct, s.dyad_correct, s.exact_correct), (1, 1, 0));
        s.add(&r[0], &[sc("RUS", "CHN", "042")]);
        assert_eq!((s.root_correct, s.dyad_correct, s.exact_correct), (2, 1, 0));
        s.add(&r[1], &[sc("RUS", "CHN", "042")]);
        assert_eq!(s.noevent_correct, 0);
        s.add(&r[1], &[]);
        assert_eq!((s.noevent_records, s.noevent_correct), (2, 1));
    }
}
