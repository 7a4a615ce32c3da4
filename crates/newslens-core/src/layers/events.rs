//! Events (actor–action–target with CAMEO codes), stance between actors and document tone
//! (`newslens-events`).

use serde::{Deserialize, Serialize};

use crate::Span;

/// Whether the event is reported as having happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Modality {
    /// Reported as having happened.
    Happened,
    /// Scheduled, intended or expected.
    Planned,
    /// Negated or denied.
    Denied,
}

/// One actor–action–target event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Index in [`EventLayer::events`].
    pub id: usize,
    /// Actor cluster id (entities layer).
    #[serde(default)]
    pub actor: Option<usize>,
    /// Where the actor is named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_span: Option<Span>,
    /// The verb phrase.
    pub action: Span,
    /// Target cluster id.
    #[serde(default)]
    pub target: Option<usize>,
    /// Where the target is named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_span: Option<Span>,
    /// CAMEO event code ("042", "051", "112").
    pub cameo: String,
    /// CAMEO root code ("04").
    pub cameo_root: String,
    /// CAMEO description of the code.
    pub cameo_label: String,
    /// Goldstein-scale value of the code, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goldstein: Option<f32>,
    /// Time expression id (time layer) that dates the event, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timex: Option<usize>,
    /// The event date (from the timex or the dateline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Happened, planned or denied.
    pub modality: Modality,
    /// Sentence id.
    pub sentence: usize,
    /// CAMEO-style country code of the actor (`RUS`, `USA`, `IGOUNO`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_code: Option<String>,
    /// CAMEO-style country code of the target, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_code: Option<String>,
    /// Quote id (quotes layer) when the event was read from an evaluative statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<usize>,
}

/// Polarity of one actor towards another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stance {
    /// Source cluster id.
    pub source: usize,
    /// Target cluster id.
    pub target: usize,
    /// -1 (hostile) .. 1 (friendly).
    pub polarity: f32,
    /// The spans that carry the polarity.
    pub evidence: Vec<Span>,
}

/// GDELT-like document tone.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tone {
    /// Positive minus negative score, in percent of words (GDELT's AvgTone).
    pub tone: f32,
    /// Percent of words that are positive.
    pub positive: f32,
    /// Percent of words that are negative.
    pub negative: f32,
    /// Percent of words that carry any polarity.
    pub polarity: f32,
    /// Number of words counted.
    pub word_count: usize,
}

/// The events layer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventLayer {
    /// Events in text order.
    pub events: Vec<Event>,
    /// Stance per (source, target) pair.
    pub stances: Vec<Stance>,
    /// Document tone.
    pub tone: Tone,
}
