//! MEANTIME (NewsReader CAT XML) reader and the actor/target precision scorer for event coding.
//!
//! The reader rebuilds each article's text from its tokens (tokens joined by spaces, sentences by
//! blank lines, so a sentence splitter sees the gold sentences), with byte spans for every token,
//! and keeps what the events scorer needs: the document creation time (DCT) and, for every
//! `EVENT_MENTION`, the spans of its `HAS_PARTICIPANT` Arg0 (actor), Arg1 and Arg2 participants,
//! each expanded to every mention of the same entity (`REFERS_TO`).
//!
//! The scorer aligns a system event with the gold event mention its action span overlaps, then
//! counts the actor correct when its span overlaps a mention of the gold Arg0 entity and the target
//! correct when it overlaps a mention of the Arg1 entity (strict) or of the Arg1 or Arg2 entity
//! (lenient). Precision is over the aligned system events whose gold event has that role.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use thiserror::Error;

/// A byte range `[start, end)` in [`MeantimeDoc::text`].
pub type ByteSpan = (usize, usize);

/// Errors of the MEANTIME reader.
#[derive(Debug, Error)]
pub enum MeantimeError {
    /// A file or folder could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// No `.xml` file was found.
    #[error("no MEANTIME .xml files under {0}")]
    Empty(PathBuf),
}

/// One gold event mention with its participants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoldEvent {
    /// The event mention's tokens.
    pub span: ByteSpan,
    /// Predicate lemma (`pred`).
    pub pred: String,
    /// Every mention of the Arg0 participant entity.
    pub arg0: Vec<ByteSpan>,
    /// Every mention of the Arg1 participant entity.
    pub arg1: Vec<ByteSpan>,
    /// Every mention of the Arg2 participant entity.
    pub arg2: Vec<ByteSpan>,
}

/// One MEANTIME article.
#[derive(Debug, Clone, Default)]
pub struct MeantimeDoc {
    /// File stem.
    pub name: String,
    /// Text rebuilt from the tokens.
    pub text: String,
    /// Document creation time (`YYYY-MM-DD`), when given.
    pub dct: Option<String>,
    /// Gold event mentions.
    pub events: Vec<GoldEvent>,
    /// Proper-name entity mentions (`syntactic_type="NAM"`) with the type of the entity they
    /// refer to (`PER`, `ORG`, `LOC`, `PRO`, `FIN`, `MIX`), in text order.
    pub names: Vec<(ByteSpan, String)>,
}

/// A tag found by [`scan_tags`]: name, attributes, and the text up to the next tag.
#[derive(Debug, Clone)]
pub(crate) struct Tag<'a> {
    pub name: &'a str,
    pub closing: bool,
    pub attrs: Vec<(&'a str, String)>,
    pub text_after: &'a str,
}

impl Tag<'_> {
    pub(crate) fn attr(&self, k: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(a, _)| *a == k)
            .map(|(_, v)| v.as_str())
    }
}

/// Decodes the five XML entities and numeric character references.
pub(crate) fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let Some(j) = tail.find(';').filter(|&j| j <= 10) else {
            out.push('&');
            rest = &tail[1..];
            continue;
        };
        let ent = &tail[1..j];
        let rep = match ent {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => ent
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| ent.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match rep {
            Some(c) => {
                out.push(c);
                rest = &tail[j + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A forgiving scanner over the tags of an XML text (comments and declarations skipped).
pub(crate) fn scan_tags(xml: &str) -> Vec<Tag<'_>> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = xml[i..].find('<') {
        let start = i + off;
        if xml[start..].starts_with("<!--") {
            i = xml[start..]
                .find("-->")
                .map_or(xml.len(), |e| start + e + 3);
            continue;
        }
        let Some(end) = xml[start..].find('>').map(|e| start + e) else {
            break;
        };
        let inner = &xml[start + 1..end];
        i = end + 1;
        if inner.starts_with('?') || inner.starts_with('!') {
            continue;
        }
        let closing = inner.starts_with('/');
        let inner = inner.trim_start_matches('/').trim_end_matches('/');
        let name_end = inner
            .find(|c: char| c.is_whitespace())
            .unwrap_or(inner.len());
        let name = &inner[..name_end];
        let mut attrs = Vec::new();
        let mut rest = &inner[name_end..];
        while let Some(eq) = rest.find('=') {
            let key = rest[..eq].trim();
            let after = rest[eq + 1..].trim_start();
            let Some(q) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
                break;
            };
            let Some(close) = after[1..].find(q) else {
                break;
            };
            attrs.push((key, unescape(&after[1..1 + close])));
            rest = &after[close + 2..];
        }
        let next = xml[i..].find('<').map_or(xml.len(), |n| i + n);
        out.push(Tag {
            name,
            closing,
            attrs,
            text_after: &xml[i..next],
        });
    }
    out
}

/// Parses one CAT XML document.
pub fn parse_doc(name: &str, xml: &str) -> MeantimeDoc {
    let tags = scan_tags(xml);
    let mut text = String::new();
    let mut tok_span: HashMap<String, ByteSpan> = HashMap::new();
    let mut last_sentence: Option<String> = None;
    // Markables: m_id -> token ids; kinds.
    let mut markable_toks: HashMap<String, Vec<String>> = HashMap::new();
    let mut event_ids: Vec<(String, String)> = Vec::new();
    let mut entity_mentions: Vec<String> = Vec::new();
    let mut syntactic: HashMap<String, String> = HashMap::new();
    let mut ent_types: HashMap<String, String> = HashMap::new();
    let mut dct = None;
    let mut rel: Option<(String, String, Vec<String>, Vec<String>)> = None; // kind, role, sources, targets
    let mut participants: Vec<(String, String, String)> = Vec::new(); // event m_id, role, mention m_id
    let mut refers: Vec<(Vec<String>, String)> = Vec::new(); // mentions -> entity
    let mut current: Option<String> = None;
    let mut in_markables = false;
    for t in &tags {
        match (t.name, t.closing) {
            ("token", false) => {
                let sentence = t.attr("sentence").unwrap_or("").to_string();
                if !text.is_empty() {
                    if last_sentence.as_deref() != Some(sentence.as_str()) {
                        text.push_str("\n\n");
                    } else {
                        text.push(' ');
                    }
                }
                last_sentence = Some(sentence);
                let word = unescape(t.text_after.trim());
                let start = text.len();
                text.push_str(&word);
                if let Some(id) = t.attr("t_id") {
                    tok_span.insert(id.to_string(), (start, text.len()));
                }
            }
            ("Markables", c) => in_markables = !c,
            ("ENTITY_MENTION", false) if in_markables => {
                let id = t.attr("m_id").unwrap_or("").to_string();
                entity_mentions.push(id.clone());
                if let Some(st) = t.attr("syntactic_type") {
                    syntactic.insert(id.clone(), st.to_string());
                }
                current = Some(id);
            }
            ("ENTITY", false) if in_markables => {
                if let (Some(id), Some(ty)) = (t.attr("m_id"), t.attr("ent_type")) {
                    ent_types.insert(id.to_string(), ty.to_string());
                }
                current = None;
            }
            ("EVENT_MENTION", false) if in_markables => {
                let id = t.attr("m_id").unwrap_or("").to_string();
                event_ids.push((id.clone(), t.attr("pred").unwrap_or("").to_string()));
                current = Some(id);
            }
            ("TIMEX3", false) if in_markables => {
                if t.attr("functionInDocument") == Some("CREATION_TIME") {
                    dct = t.attr("value").map(|v| v.chars().take(10).collect());
                }
                current = None;
            }
            ("token_anchor", _) => {
                if let (Some(m), Some(tid)) = (&current, t.attr("t_id")) {
                    markable_toks
                        .entry(m.clone())
                        .or_default()
                        .push(tid.to_string());
                }
            }
            ("ENTITY_MENTION" | "EVENT_MENTION", true) => current = None,
            ("HAS_PARTICIPANT", false) => {
                rel = Some((
                    "P".into(),
                    t.attr("sem_role").unwrap_or("").to_string(),
                    Vec::new(),
                    Vec::new(),
                ))
            }
            ("REFERS_TO", false) => rel = Some(("R".into(), String::new(), Vec::new(), Vec::new())),
            ("source", _) => {
                if let (Some(r), Some(m)) = (&mut rel, t.attr("m_id")) {
                    r.2.push(m.to_string());
                }
            }
            ("target", _) => {
                if let (Some(r), Some(m)) = (&mut rel, t.attr("m_id")) {
                    r.3.push(m.to_string());
                }
            }
            ("HAS_PARTICIPANT" | "REFERS_TO", true) => {
                if let Some((kind, role, sources, targets)) = rel.take() {
                    if kind == "P" {
                        for s in &sources {
                            for tg in &targets {
                                participants.push((s.clone(), role.clone(), tg.clone()));
                            }
                        }
                    } else if let Some(tg) = targets.first() {
                        refers.push((sources, tg.clone()));
                    }
                }
            }
            _ => {}
        }
    }
    let span_of = |m: &str| -> Option<ByteSpan> {
        let toks = markable_toks.get(m)?;
        let spans: Vec<ByteSpan> = toks
            .iter()
            .filter_map(|t| tok_span.get(t).copied())
            .collect();
        Some((
            spans.iter().map(|s| s.0).min()?,
            spans.iter().map(|s| s.1).max()?,
        ))
    };
    // mention -> entity, entity -> mentions
    let mut ent_of: HashMap<&str, &str> = HashMap::new();
    let mut mentions_of: HashMap<&str, Vec<&str>> = HashMap::new();
    for (sources, ent) in &refers {
        for s in sources {
            ent_of.insert(s, ent);
            mentions_of.entry(ent).or_default().push(s);
        }
    }
    let chain = |m: &str| -> Vec<ByteSpan> {
        let mut ids: Vec<&str> = match ent_of.get(m) {
            Some(e) => mentions_of.get(e).cloned().unwrap_or_default(),
            None => vec![],
        };
        if !ids.contains(&m) {
            ids.push(m);
        }
        let mut spans: Vec<ByteSpan> = ids.iter().filter_map(|i| span_of(i)).collect();
        spans.sort_unstable();
        spans.dedup();
        spans
    };
    let mut events = Vec::new();
    for (id, pred) in &event_ids {
        let Some(span) = span_of(id) else { continue };
        let mut ev = GoldEvent {
            span,
            pred: pred.clone(),
            ..GoldEvent::default()
        };
        for (src, role, tg) in participants.iter().filter(|p| &p.0 == id) {
            let spans = chain(tg);
            match role.as_str() {
                "Arg0" => ev.arg0.extend(spans),
                "Arg1" => ev.arg1.extend(spans),
                "Arg2" => ev.arg2.extend(spans),
                _ => {}
            }
            let _ = src;
        }
        events.push(ev);
    }
    events.sort_by_key(|e| e.span);
    let mut names: Vec<(ByteSpan, String)> = entity_mentions
        .iter()
        .filter(|m| syntactic.get(*m).map(String::as_str) == Some("NAM"))
        .filter_map(|m| {
            let ty = ent_types.get(*ent_of.get(m.as_str())?)?;
            Some((span_of(m)?, ty.clone()))
        })
        .collect();
    names.sort();
    MeantimeDoc {
        name: name.to_string(),
        text,
        dct,
        events,
        names,
    }
}

/// Reads every `.xml` file under `dir` (recursively, sorted by path).
pub fn read_dir(dir: &Path) -> Result<Vec<MeantimeDoc>, MeantimeError> {
    let mut files = Vec::new();
    collect(dir, &mut files)?;
    files.sort();
    if files.is_empty() {
        return Err(MeantimeError::Empty(dir.to_path_buf()));
    }
    files
        .iter()
        .map(|p| {
            let xml = std::fs::read_to_string(p).map_err(|source| MeantimeError::Io {
                path: p.clone(),
                source,
            })?;
            let stem = p
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default();
            Ok(parse_doc(&stem, &xml))
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), MeantimeError> {
    let rd = std::fs::read_dir(dir).map_err(|source| MeantimeError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "xml") {
            out.push(p);
        }
    }
    Ok(())
}

/// One system event, as byte spans into [`MeantimeDoc::text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SystemEvent {
    /// The action (verb phrase).
    pub action: ByteSpan,
    /// Where the actor is named.
    pub actor: Option<ByteSpan>,
    /// Where the target is named.
    pub target: Option<ByteSpan>,
}

/// Actor/target precision figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MeantimeScore {
    /// Documents scored.
    pub documents: usize,
    /// Gold event mentions.
    pub gold_events: usize,
    /// System events.
    pub system_events: usize,
    /// System events whose action overlaps a gold event mention.
    pub aligned: usize,
    /// Aligned events with an actor whose gold event has an Arg0.
    pub actor_judged: usize,
    /// ... of which the actor overlaps a mention of the Arg0 entity.
    pub actor_correct: usize,
    /// Aligned events with a target whose gold event has an Arg1.
    pub target_judged: usize,
    /// ... of which the target overlaps a mention of the Arg1 entity.
    pub target_correct: usize,
    /// Aligned events with a target whose gold event has an Arg1 or Arg2.
    pub target_judged_lenient: usize,
    /// ... of which the target overlaps a mention of the Arg1 or Arg2 entity.
    pub target_correct_lenient: usize,
    /// `actor_correct / actor_judged`.
    pub actor_precision: f64,
    /// `target_correct / target_judged`.
    pub target_precision: f64,
    /// `target_correct_lenient / target_judged_lenient`.
    pub target_precision_lenient: f64,
}

fn overlaps(a: ByteSpan, b: ByteSpan) -> bool {
    a.0 < b.1 && b.0 < a.1
}

impl MeantimeScore {
    /// Adds one document's system events.
    pub fn add(&mut self, doc: &MeantimeDoc, system: &[SystemEvent]) {
        self.documents += 1;
        self.gold_events += doc.events.len();
        for e in system {
            self.system_events += 1;
            // Prefer a gold event with participants among those the action overlaps.
            let Some(g) = doc
                .events
                .iter()
                .filter(|g| overlaps(g.span, e.action))
                .max_by_key(|g| !(g.arg0.is_empty() && g.arg1.is_empty()))
            else {
                continue;
            };
            self.aligned += 1;
            if let Some(a) = e.actor {
                if !g.arg0.is_empty() {
                    self.actor_judged += 1;
                    if g.arg0.iter().any(|s| overlaps(*s, a)) {
                        self.actor_correct += 1;
                    }
                }
            }
            if let Some(t) = e.target {
                if !g.arg1.is_empty() {
                    self.target_judged += 1;
                    if g.arg1.iter().any(|s| overlaps(*s, t)) {
                        self.target_correct += 1;
                    }
                }
                if !g.arg1.is_empty() || !g.arg2.is_empty() {
                    self.target_judged_lenient += 1;
                    if g.arg1.iter().chain(&g.arg2).any(|s| overlaps(*s, t)) {
                        self.target_correct_lenient += 1;
                    }
                }
            }
        }
        let div = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        self.actor_precision = div(self.actor_correct, self.actor_judged);
        self.target_precision = div(self.target_correct, self.target_judged);
        self.target_precision_lenient =
            div(self.target_correct_lenient, self.target_judged_lenient);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = r#"<?xml version="1.0" ?><Document doc_id="1" doc_name="x">
<token number="0" sentence="0" t_id="1">Acme</token>
<token number="1" sentence="0" t_id="2">buys</token>
<token number="2" sentence="0" t_id="3">Bolt</token>
<token number="3" sentence="1" t_id="4">It</token>
<token number="4" sentence="1" t_id="5">paid</token>
<token number="5" sentence="1" t_id="6">&amp;</token>
<Markables>
<ENTITY_MENTION m_id="10" syntactic_type="NAM"><token_anchor t_id="1"/></ENTITY_MENTION>
<ENTITY_MENTION m_id="11" syntactic_type="NAM"><token_anchor t_id="3"/></ENTITY_MENTION>
<ENTITY_MENTION m_id="12" syntactic_type="PRO"><token_anchor t_id="4"/></ENTITY_MENTION>
<EVENT_MENTION m_id="20" pred="buy"><token_anchor t_id="2"/></EVENT_MENTION>
<EVENT_MENTION m_id="21" pred="pay"><token_anchor t_id="5"/></EVENT_MENTION>
<TIMEX3 functionInDocument="CREATION_TIME" m_id="30" type="DATE" value="2008-03-01"></TIMEX3>
<ENTITY m_id="40" ent_type="ORG"/>
</Markables>
<Relations>
<HAS_PARTICIPANT r_id="1" sem_role="Arg0"><source m_id="20"/><target m_id="10"/></HAS_PARTICIPANT>
<HAS_PARTICIPANT r_id="2" sem_role="Arg1"><source m_id="20"/><target m_id="11"/></HAS_PARTICIPANT>
<HAS_PARTICIPANT r_id="3" sem_role="Arg0"><source m_id="21"/><target m_id="12"/></HAS_PARTICIPANT>
<REFERS_TO r_id="4"><source m_id="10"/><source m_id="12"/><target m_id="40"/></REFERS_TO>
</Relations></Document>"#;

    #[test]
    fn reads_tokens_events_and_chains() {
        let d = parse_doc("x", XML);
        assert_eq!(d.text, "Acme buys Bolt\n\nIt paid &");
        assert_eq!(d.dct.as_deref(), Some("2008-03-01"));
        assert_eq!(d.events.len(), 2);
        // Names with their entity's type; "Bolt" refers to no typed entity, "It" is no name.
        assert_eq!(d.names, vec![((0, 4), "ORG".to_string())]);
        let buy = &d.events[0];
        assert_eq!(&d.text[buy.span.0..buy.span.1], "buys");
        // Arg0 of "buys" is Acme, whose chain includes "It".
        assert_eq!(buy.arg0, vec![(0, 4), (16, 18)]);
        assert_eq!(buy.arg1, vec![(10, 14)]);
    }

    #[test]
    fn precision_counts_aligned_events_only() {
        let d = parse_doc("x", XML);
        let mut s = MeantimeScore::default();
        s.add(
            &d,
            &[
                SystemEvent {
                    action: (5, 9),
                    actor: Some((16, 18)),
                    target: Some((0, 4)),
                },
                SystemEvent {
                    action: (0, 4),
                    actor: Some((0, 4)),
                    target: None,
                },
            ],
        );
        assert_eq!((s.system_events, s.aligned), (2, 1));
        assert_eq!((s.actor_correct, s.actor_judged), (1, 1));
        assert_eq!((s.target_correct, s.target_judged), (0, 1));
        assert_eq!(s.actor_precision, 1.0);
        assert_eq!(s.target_precision, 0.0);
    }
}
