//! Persuasion techniques, framing, genre and entity roles (`newslens-rhetoric`).

use serde::{Deserialize, Serialize};

use crate::Span;

/// A fragment using a persuasion technique.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TechniqueSpan {
    /// Index in [`RhetoricLayer::techniques`].
    pub id: usize,
    /// Extent.
    #[serde(flatten)]
    pub span: Span,
    /// SemEval-2020 Task 11 label (14 techniques), e.g. `Loaded_Language`.
    pub technique: String,
    /// SemEval-2023 Task 3 label (23 techniques), e.g. `Loaded_Language`.
    pub technique_2023: String,
    /// Confidence, 0–1.
    pub score: f32,
    /// Sentence id.
    pub sentence: usize,
}

/// A label with a score (frames, genre, narratives).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredLabel {
    /// Label.
    pub label: String,
    /// Score, 0–1.
    pub score: f32,
    /// Paragraph ids that carry most evidence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence_paragraphs: Vec<usize>,
}

/// The role an entity plays in the article's framing (SemEval-2025 Task 10).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityRole {
    /// Cluster id (entities layer).
    pub cluster: usize,
    /// Protagonist, Antagonist or Innocent.
    pub main_role: String,
    /// Fine-grained roles ("Guardian", "Tyrant", ...).
    pub fine_roles: Vec<String>,
    /// Confidence, 0–1.
    pub score: f32,
}

/// The rhetoric layer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RhetoricLayer {
    /// Technique spans in text order.
    pub techniques: Vec<TechniqueSpan>,
    /// Frames above threshold, best first.
    pub frames: Vec<ScoredLabel>,
    /// Genre (reporting / opinion / satire).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genre: Option<ScoredLabel>,
    /// Entity roles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entity_roles: Vec<EntityRole>,
    /// Narratives above threshold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub narratives: Vec<ScoredLabel>,
}
