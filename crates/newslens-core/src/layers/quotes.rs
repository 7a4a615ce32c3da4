//! The quotes layer: attributions (source, cue, content), owned by `newslens-quotes`.

use serde::{Deserialize, Serialize};

use crate::Span;

/// What kind of attribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuoteKind {
    /// Words in quotation marks attributed to a speaker.
    Direct,
    /// A short quoted fragment inside reported speech ("for its “unwavering support”").
    Partial,
    /// Reported speech without quotation marks ("X said that ...", "according to X").
    Indirect,
}

/// One attribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    /// Index in [`QuoteLayer::quotes`].
    pub id: usize,
    /// Direct, partial or indirect.
    pub kind: QuoteKind,
    /// Content spans (several when the attribution splits the quote), without the quote marks.
    pub content: Vec<Span>,
    /// The cue ("said", "according to").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cue: Option<Span>,
    /// Cue lemma ("say", "write", "according to").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cue_lemma: Option<String>,
    /// Where the speaker is named in the text ("Putin", "he", "the Kremlin").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Span>,
    /// Entity cluster of the speaker; `None` when unresolved.
    #[serde(default)]
    pub speaker: Option<usize>,
    /// Canonical name of the speaker's cluster, for convenience (the id is authoritative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker_name: Option<String>,
    /// Confidence, 0–1.
    #[serde(default)]
    pub score: f32,
}

/// A quoted term that is not a statement (scare quotes, titles): "the “rules-based order”".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScareQuote {
    /// Index in [`QuoteLayer::scare_quotes`].
    pub id: usize,
    /// The quoted words, without the marks.
    #[serde(flatten)]
    pub span: Span,
}

/// The quotes layer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QuoteLayer {
    /// Attributions in text order.
    pub quotes: Vec<Quote>,
    /// Quoted terms with no speaker.
    pub scare_quotes: Vec<ScareQuote>,
}
