//! [`Analysis`]: a document and all the layers computed for it — the unit of newslens output.

use serde::{Deserialize, Serialize};

use crate::layers::entities::EntityLayer;
use crate::layers::events::EventLayer;
use crate::layers::quotes::QuoteLayer;
use crate::layers::rhetoric::RhetoricLayer;
use crate::layers::text::{Paragraph, Sentence, Token};
use crate::layers::time::TimeLayer;
use crate::{json, CoreError, Document, Span, SCHEMA_VERSION};

/// A document with its annotation layers. Serialises to the JSON documented in `docs/schema.md`:
/// the document's fields at the top level, then one key (or group of keys) per layer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Analysis {
    /// [`SCHEMA_VERSION`] of the writer.
    pub schema_version: String,
    /// The document (its fields appear at the top level of the JSON).
    #[serde(flatten)]
    pub document: Document,
    /// Names of the stages that ran, in order.
    #[serde(default)]
    pub stages: Vec<String>,
    /// Body paragraphs.
    #[serde(default)]
    pub paragraphs: Vec<Paragraph>,
    /// Sentences of the title and the body.
    #[serde(default)]
    pub sentences: Vec<Sentence>,
    /// Tokens of all sentences, in order.
    #[serde(default, serialize_with = "json::serialize_tokens")]
    pub tokens: Vec<Token>,
    /// Entity mentions and clusters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entities: Option<EntityLayer>,
    /// Quotes and scare quotes (keys `quotes`, `scare_quotes`).
    #[serde(default, flatten, skip_serializing_if = "Option::is_none")]
    pub quotes: Option<QuoteLayer>,
    /// Time expressions (key `timexes`).
    #[serde(default, flatten, skip_serializing_if = "Option::is_none")]
    pub time: Option<TimeLayer>,
    /// Events, stances and tone (keys `events`, `stances`, `tone`).
    #[serde(default, flatten, skip_serializing_if = "Option::is_none")]
    pub events: Option<EventLayer>,
    /// Techniques, frames, genre, entity roles, narratives.
    #[serde(default, flatten, skip_serializing_if = "Option::is_none")]
    pub rhetoric: Option<RhetoricLayer>,
}

impl Analysis {
    /// An analysis with no layers yet.
    pub fn new(document: Document) -> Self {
        Self {
            schema_version: SCHEMA_VERSION.to_string(),
            document,
            ..Self::default()
        }
    }

    /// The document text.
    pub fn text(&self) -> &str {
        &self.document.text
    }

    /// The text covered by `span`.
    pub fn slice(&self, span: Span) -> &str {
        span.text(&self.document.text)
    }

    /// Tokens of sentence `id`.
    pub fn sentence_tokens(&self, id: usize) -> &[Token] {
        let s = &self.sentences[id];
        &self.tokens[s.first_token..s.first_token + s.token_count]
    }

    /// Serialises to a JSON value (spans as code point offsets).
    pub fn to_json_value(&self) -> Result<serde_json::Value, CoreError> {
        Ok(json::with_text(&self.document.text, || {
            serde_json::to_value(self)
        })?)
    }

    /// Writes JSON to `w`, pretty-printed or on one line.
    pub fn write_json<W: std::io::Write>(&self, w: W, pretty: bool) -> Result<(), CoreError> {
        json::with_text(&self.document.text, || {
            if pretty {
                serde_json::to_writer_pretty(w, self)
            } else {
                serde_json::to_writer(w, self)
            }
        })?;
        Ok(())
    }

    /// Writes one-line JSON without the document's top-level `text` (spans keep theirs), as
    /// stores keep it: the text lives in a column of its own. Streams; no JSON value tree.
    pub fn write_json_without_text<W: std::io::Write>(&self, w: W) -> Result<(), CoreError> {
        json::without_document_text(|| self.write_json(w, false))
    }

    /// Writes the one-line JSON a store keeps: like [`Analysis::write_json_without_text`], with
    /// `"tokens":[]` and spans without their `text` (see [`json::in_stored_form`]; the store
    /// derives both again on read).
    pub fn write_json_stored<W: std::io::Write>(&self, w: W) -> Result<(), CoreError> {
        json::in_stored_form(|| self.write_json(w, false))
    }

    /// Parses JSON written by [`Analysis::write_json`].
    pub fn from_json(s: &str) -> Result<Self, CoreError> {
        let value: serde_json::Value = serde_json::from_str(s)?;
        Self::from_json_value(value)
    }

    /// Parses a JSON value written by [`Analysis::to_json_value`].
    pub fn from_json_value(value: serde_json::Value) -> Result<Self, CoreError> {
        let text = value
            .get("text")
            .and_then(|t| t.as_str())
            .unwrap_or("")
            .to_string();
        Ok(json::with_text(&text, || serde_json::from_value(value))?)
    }

    /// Checks the invariants every output must keep: spans lie on character boundaries inside the
    /// text, and ids equal indexes and cross-references resolve. Returns the first violation.
    pub fn validate(&self) -> Result<(), String> {
        let text = &self.document.text;
        let check = |what: &str, s: &Span| -> Result<(), String> {
            if s.start > s.end || text.get(s.start..s.end).is_none() {
                return Err(format!(
                    "{what}: span {}..{} invalid for a text of {} bytes",
                    s.start,
                    s.end,
                    text.len()
                ));
            }
            Ok(())
        };
        let ids = |what: &str, got: usize, want: usize| -> Result<(), String> {
            if got != want {
                return Err(format!("{what}: id {got} at index {want}"));
            }
            Ok(())
        };
        for s in [self.document.title_span, self.document.byline_span]
            .iter()
            .flatten()
        {
            check("document", s)?;
        }
        for (i, p) in self.paragraphs.iter().enumerate() {
            ids("paragraph", p.id, i)?;
            check("paragraph", &p.span)?;
        }
        for t in &self.tokens {
            check("token", &t.span)?;
        }
        for (i, s) in self.sentences.iter().enumerate() {
            ids("sentence", s.id, i)?;
            check("sentence", &s.span)?;
            if s.first_token + s.token_count > self.tokens.len() {
                return Err(format!("sentence {i}: tokens out of range"));
            }
            if let Some(p) = s.paragraph {
                if p >= self.paragraphs.len() {
                    return Err(format!("sentence {i}: paragraph {p} does not exist"));
                }
            }
        }
        let n_clusters = self.entities.as_ref().map_or(0, |e| e.clusters.len());
        let cluster_ok = |what: &str, c: Option<usize>| -> Result<(), String> {
            match c {
                Some(c) if c >= n_clusters => Err(format!("{what}: cluster {c} does not exist")),
                _ => Ok(()),
            }
        };
        if let Some(e) = &self.entities {
            for (i, m) in e.mentions.iter().enumerate() {
                ids("mention", m.id, i)?;
                check("mention", &m.span)?;
                cluster_ok("mention", Some(m.cluster))?;
            }
            for (i, c) in e.clusters.iter().enumerate() {
                ids("cluster", c.id, i)?;
                for &m in &c.mentions {
                    if m >= e.mentions.len() {
                        return Err(format!("cluster {i}: mention {m} does not exist"));
                    }
                }
                for r in &c.roles {
                    check("role", &r.evidence)?;
                    cluster_ok("role", r.affiliation_cluster)?;
                }
            }
        }
        if let Some(q) = &self.quotes {
            for (i, quote) in q.quotes.iter().enumerate() {
                ids("quote", quote.id, i)?;
                for s in quote.content.iter().chain(&quote.cue).chain(&quote.source) {
                    check("quote", s)?;
                }
                cluster_ok("quote speaker", quote.speaker)?;
            }
            for (i, s) in q.scare_quotes.iter().enumerate() {
                ids("scare quote", s.id, i)?;
                check("scare quote", &s.span)?;
            }
        }
        if let Some(t) = &self.time {
            for (i, x) in t.timexes.iter().enumerate() {
                ids("timex", x.id, i)?;
                check("timex", &x.span)?;
            }
        }
        if let Some(ev) = &self.events {
            let n_timex = self.time.as_ref().map_or(0, |t| t.timexes.len());
            for (i, e) in ev.events.iter().enumerate() {
                ids("event", e.id, i)?;
                for s in std::iter::once(&e.action)
                    .chain(&e.actor_span)
                    .chain(&e.target_span)
                {
                    check("event", s)?;
                }
                cluster_ok("event actor", e.actor)?;
                cluster_ok("event target", e.target)?;
                if let Some(t) = e.timex {
                    if t >= n_timex {
                        return Err(format!("event {i}: timex {t} does not exist"));
                    }
                }
            }
            for s in &ev.stances {
                cluster_ok("stance", Some(s.source))?;
                cluster_ok("stance", Some(s.target))?;
                for e in &s.evidence {
                    check("stance evidence", e)?;
                }
            }
        }
        if let Some(r) = &self.rhetoric {
            for (i, t) in r.techniques.iter().enumerate() {
                ids("technique", t.id, i)?;
                check("technique", &t.span)?;
            }
            for role in &r.entity_roles {
                cluster_ok("entity role", Some(role.cluster))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::text::Paragraph;

    #[test]
    fn json_round_trip_keeps_byte_spans() {
        let mut a = Analysis::new(Document::from_text("d1", "Ким сказал: «да». Then yes."));
        let start = a.text().find("Then").unwrap();
        a.paragraphs.push(Paragraph {
            id: 0,
            span: Span::new(start, a.text().len()),
        });
        let v = a.to_json_value().unwrap();
        assert_eq!(v["schema_version"], SCHEMA_VERSION);
        assert_eq!(v["paragraphs"][0]["text"], "Then yes.");
        assert_eq!(v["paragraphs"][0]["start"], 18);
        let back = Analysis::from_json_value(v).unwrap();
        assert_eq!(back.paragraphs, a.paragraphs);
        assert!(back.validate().is_ok());
    }

    #[test]
    fn validate_rejects_split_characters() {
        let mut a = Analysis::new(Document::from_text("d1", "Ким"));
        a.paragraphs.push(Paragraph {
            id: 0,
            span: Span::new(1, 2),
        });
        assert!(a.validate().is_err());
    }
}
