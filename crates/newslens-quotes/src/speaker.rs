//! Speaker resolution: from a source span to an entity cluster.
//!
//! * a mention inside the source span (names, nominals such as "the Russian leader" and
//!   organisations such as "the Kremlin", as clustered by the entities stage) gives its cluster;
//! * a personal pronoun ("he", "she") goes to the previous speaker when that was a person in the
//!   last few sentences, else to the most recent person mention before it;
//! * a title-only source ("the Russian president") with no mention falls back to the person
//!   cluster whose roles or aliases contain its head word;
//! * anything else stays unresolved (`None`): no guessing.

use newslens_core::layers::entities::{EntityLayer, EntityType, MentionKind};
use newslens_core::Span;

/// Resolution context for one document.
pub struct Resolver<'a> {
    text: &'a str,
    ents: Option<&'a EntityLayer>,
    last_speaker: Option<(usize, usize)>, // (cluster, byte position)
    /// Resolved sources so far: lower-case words, cluster, byte position.
    sources: Vec<(String, usize, usize)>,
}

const PRONOUNS_PER: &[&str] = &["he", "she", "him", "her", "his"];

/// Heads naming one office holder ("the Belarusian leader"), as opposed to a state's
/// institutions or its officials in general.
const OFFICE_HOLDERS: &[&str] = &[
    "leader",
    "president",
    "premier",
    "chancellor",
    "king",
    "queen",
    "monarch",
    "emperor",
    "dictator",
    "ruler",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "ambassador",
    "envoy",
];

impl<'a> Resolver<'a> {
    /// A resolver over the entities layer, if any.
    pub fn new(text: &'a str, ents: Option<&'a EntityLayer>) -> Self {
        Self {
            text,
            ents,
            last_speaker: None,
            sources: Vec::new(),
        }
    }

    /// Cluster of the speaker named by `source`, in text order (call in order of the quotes).
    pub fn resolve(&mut self, source: Span) -> Option<usize> {
        let ents = self.ents?;
        let words = source.text(self.text).trim();
        let lower = words.to_lowercase();
        let c = if PRONOUNS_PER.contains(&lower.as_str()) {
            self.pronoun(source, ents)
        } else {
            self.mention_in(source, ents)
                .or_else(|| self.title_only(&lower, ents))
                .or_else(|| self.earlier_source(&lower, source.start))
        };
        if let Some(c) = c {
            self.last_speaker = Some((c, source.start));
            self.sources.push((lower, c, source.start));
        }
        c
    }

    /// "the spokesman" after "A spokesman for the Defence Ministry said …": a definite noun
    /// phrase names the speaker of a recent source with the same head.
    fn earlier_source(&self, lower: &str, at: usize) -> Option<usize> {
        let head = lower.strip_prefix("the ")?;
        if head.contains(' ') || head.len() < 3 {
            return None;
        }
        self.sources
            .iter()
            .rev()
            .take_while(|s| at.saturating_sub(s.2) < 2000)
            .find(|s| {
                let mut w = s.0.split_whitespace();
                matches!(w.next(), Some("a" | "an" | "the")) && w.next() == Some(head)
            })
            .map(|s| s.1)
    }

    /// Notes a speaker without a source span (a continuing quote).
    pub fn previous(&self) -> Option<usize> {
        self.last_speaker.map(|(c, _)| c)
    }

    fn mention_in(&self, source: Span, ents: &EntityLayer) -> Option<usize> {
        // Prefer a person mention, then the first mention inside the span; a mention the span is
        // inside of (entity wider than our NP) also counts.
        let inside: Vec<_> = ents
            .mentions
            .iter()
            .filter(|m| source.contains(&m.span) || m.span.contains(&source))
            .collect();
        if let Some(m) = inside
            .iter()
            .find(|m| m.entity_type == EntityType::Person && m.kind != MentionKind::Pronoun)
        {
            return Some(m.cluster);
        }
        if let Some(m) = inside.iter().find(|m| m.kind == MentionKind::Pronoun) {
            return Some(m.cluster);
        }
        // A nationality or place speaks for its state ("Democrats said", "the U.S. government",
        // "a Romanian official"), but not for one unnamed office holder ("the Belarusian
        // leader" is a person the entities stage could not name, not Belarus).
        let head = source.text(self.text).trim_end_matches([',', ' ']);
        let head = head.rsplit(' ').next().unwrap_or("").to_lowercase();
        let office_holder = OFFICE_HOLDERS.contains(&head.as_str());
        inside
            .iter()
            .find(|m| m.entity_type != EntityType::Misc && m.entity_type != EntityType::Location)
            .or_else(|| inside.first().filter(|_| !office_holder))
            .map(|m| m.cluster)
    }

    fn pronoun(&self, source: Span, ents: &EntityLayer) -> Option<usize> {
        // The entities stage may already have linked the pronoun.
        if let Some(m) = ents
            .mentions
            .iter()
            .find(|m| m.span == source && m.kind == MentionKind::Pronoun)
        {
            return Some(m.cluster);
        }
        let person = |c: usize| {
            ents.clusters
                .get(c)
                .is_some_and(|c| c.entity_type == EntityType::Person)
        };
        if let Some((c, pos)) = self.last_speaker {
            // Previous speaker within ~600 bytes (a few sentences).
            if person(c) && source.start.saturating_sub(pos) < 600 {
                return Some(c);
            }
        }
        ents.mentions
            .iter()
            .filter(|m| {
                m.span.end <= source.start
                    && m.entity_type == EntityType::Person
                    && m.kind != MentionKind::Pronoun
            })
            .max_by_key(|m| m.span.end)
            .filter(|m| source.start - m.span.end < 1500)
            .map(|m| m.cluster)
    }

    fn title_only(&self, lower: &str, ents: &EntityLayer) -> Option<usize> {
        let head = lower.split_whitespace().last()?;
        if !lower.starts_with("the ") || head.len() < 3 {
            return None;
        }
        let mut hits = ents.clusters.iter().filter(|c| {
            c.entity_type == EntityType::Person
                && (c
                    .roles
                    .iter()
                    .any(|r| r.title.to_lowercase().contains(head))
                    || c.aliases.iter().any(|a| a.to_lowercase() == lower))
        });
        let first = hits.next()?;
        // Ambiguous titles stay unresolved.
        if hits.next().is_some() {
            return None;
        }
        Some(first.id)
    }
}
