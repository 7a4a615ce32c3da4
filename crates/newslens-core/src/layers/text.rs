//! The text layer: paragraphs, sentences and tokens.

use serde::{Deserialize, Serialize};

use crate::Span;

/// A body paragraph (title and byline are not paragraphs; see [`crate::Document`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paragraph {
    /// Index in [`crate::Analysis::paragraphs`].
    pub id: usize,
    /// Extent, without surrounding whitespace.
    #[serde(flatten)]
    pub span: Span,
}

/// A sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sentence {
    /// Index in [`crate::Analysis::sentences`].
    pub id: usize,
    /// Extent, without surrounding whitespace.
    #[serde(flatten)]
    pub span: Span,
    /// Paragraph id, or `None` for the title.
    pub paragraph: Option<usize>,
    /// Index of the first token in [`crate::Analysis::tokens`].
    pub first_token: usize,
    /// Number of tokens.
    pub token_count: usize,
}

/// Coarse class of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// Letters (possibly with inner apostrophes, hyphens or periods: `don't`, `U.S.`).
    Word,
    /// Digits, possibly with separators (`3.5`, `1,000`).
    Number,
    /// A quotation mark, straight or typographic.
    Quote,
    /// Other punctuation.
    Punct,
    /// Anything else (symbols, emoji).
    Symbol,
}

/// A token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    /// Extent.
    #[serde(flatten)]
    pub span: Span,
    /// Class.
    pub kind: TokenKind,
}
