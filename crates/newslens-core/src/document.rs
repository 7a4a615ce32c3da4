//! [`Document`]: one article as read by a reader.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::Span;

/// The input format a document was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DocumentFormat {
    /// `date YYYY-MM-DD <title>` first line, optional `By ...` byline, paragraphs.
    Seed,
    /// Plain text; the first non-empty line is the title unless it reads as a lead paragraph.
    #[default]
    Text,
    /// SemEval article file: title, blank line, body.
    Semeval,
    /// One line of a JSON Lines file.
    Jsonl,
    /// An HTML page (main text extracted).
    Html,
}

/// One article: metadata plus the text every span points into.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Document {
    /// Identifier: given by the input (JSONL `id`, file stem) or derived from the content hash.
    pub id: String,
    /// Where it came from: a path, `-` for stdin, or `path:line` for JSON Lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Canonical URL, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Publishing outlet (JSONL `source`, HTML `og:site_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlet: Option<String>,
    /// Reader that produced it.
    pub format: DocumentFormat,
    /// Publication date (`YYYY-MM-DD`), the anchor for relative time expressions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dateline: Option<NaiveDate>,
    /// Headline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Where the headline is in `text`, when it is part of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_span: Option<Span>,
    /// Byline without the leading `By`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byline: Option<String>,
    /// Where the byline is in `text`, when it is part of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byline_span: Option<Span>,
    /// ISO 639-1 language code (`en`), when detected with confidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The text all spans point into.
    #[serde(skip_serializing_if = "crate::json::omitting_text")]
    pub text: String,
    /// BLAKE3 hash of `text` (hex), the document's identity in stores.
    #[serde(default)]
    pub content_hash: String,
    /// Problems met while reading (lossy UTF-8 decoding, missing fields, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl Document {
    /// A document with only a text (format `text`), for tests and the API.
    pub fn from_text(id: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            text: text.into(),
            ..Self::default()
        }
    }

    /// The text covered by `span`.
    pub fn slice(&self, span: Span) -> &str {
        span.text(&self.text)
    }
}
