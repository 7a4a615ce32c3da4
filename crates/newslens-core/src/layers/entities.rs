//! The entities layer: named-entity mentions and alias clusters (owned by `newslens-entities`).

use serde::{Deserialize, Serialize};

use crate::Span;

/// Entity type, CoNLL-2003 style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EntityType {
    /// Person.
    #[serde(rename = "PER")]
    Person,
    /// Organisation.
    #[serde(rename = "ORG")]
    Organisation,
    /// Location (including countries and cities).
    #[serde(rename = "LOC")]
    Location,
    /// Miscellaneous (nationalities, events, works).
    #[serde(rename = "MISC")]
    Misc,
}

impl EntityType {
    /// The CoNLL label (`PER`, `ORG`, `LOC`, `MISC`).
    pub fn as_str(&self) -> &'static str {
        match self {
            EntityType::Person => "PER",
            EntityType::Organisation => "ORG",
            EntityType::Location => "LOC",
            EntityType::Misc => "MISC",
        }
    }

    /// Parses a CoNLL label.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "PER" => EntityType::Person,
            "ORG" => EntityType::Organisation,
            "LOC" => EntityType::Location,
            "MISC" => EntityType::Misc,
            _ => return None,
        })
    }
}

/// How a mention refers to its entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MentionKind {
    /// A proper name ("Vladimir Putin", "DPRK").
    #[default]
    Name,
    /// A description ("the Russian leader").
    Nominal,
    /// A pronoun ("he").
    Pronoun,
}

/// One mention of an entity in the text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mention {
    /// Index in [`EntityLayer::mentions`].
    pub id: usize,
    /// Extent.
    #[serde(flatten)]
    pub span: Span,
    /// Entity type.
    #[serde(rename = "type")]
    pub entity_type: EntityType,
    /// Name, description or pronoun.
    pub kind: MentionKind,
    /// Cluster id in [`EntityLayer::clusters`].
    pub cluster: usize,
    /// Model confidence, 0–1.
    #[serde(default)]
    pub score: f32,
}

/// A title or role a person holds, as stated in the text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Role {
    /// The role words as written ("Foreign Minister", "chief").
    pub title: String,
    /// Affiliation: a country (from a demonym or name) or an organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affiliation: Option<String>,
    /// Cluster id of the affiliation, when it is an entity in this document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affiliation_cluster: Option<usize>,
    /// Evidence: the words that state the role.
    pub evidence: Span,
}

/// All mentions of one entity in a document, under one canonical name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    /// Index in [`EntityLayer::clusters`].
    pub id: usize,
    /// Canonical name (the longest proper name, e.g. "Vladimir Putin").
    pub canonical: String,
    /// Entity type.
    #[serde(rename = "type")]
    pub entity_type: EntityType,
    /// Mention ids, in text order.
    pub mentions: Vec<usize>,
    /// Roles and titles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
    /// Distinct affiliations from the roles (and from apposition).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affiliations: Vec<String>,
    /// Other surface forms seen ("Putin", "the Russian leader").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

/// The entities layer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EntityLayer {
    /// Mentions in text order.
    pub mentions: Vec<Mention>,
    /// Clusters, largest first is not guaranteed; ids are indexes.
    pub clusters: Vec<Cluster>,
}
