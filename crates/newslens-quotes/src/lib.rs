//! # newslens-quotes
//!
//! Attribution (who said what) for newslens: direct, partial and indirect quotes with their
//! source, cue and content, the speaker's entity cluster, and scare quotes.
//!
//! How it works ([`QuoteStage`]):
//! 1. [`view::View`] pairs double quote marks into quote regions (multi-sentence, and multi-paragraph
//!    when a paragraph starts with an opening mark that is never closed);
//! 2. cue candidates are matches of a cue lexicon derived from PolNeAR train (`newslens train
//!    quotes`); an averaged perceptron ([`model`]) accepts or rejects each in context;
//! 3. rules ([`extract`]) find content (quote regions, "that"-clauses, the clause before
//!    `, X said`) and source (the subject, an inverted subject, the `according to` object);
//! 4. [`speaker::Resolver`] links sources to entity clusters (names, titles, pronouns);
//! 5. quote regions inside reported speech become partial quotes; short quoted terms with no
//!    speaker become scare quotes.
//!
//! The model is embedded (`models/quotes-en.bin`); [`QuoteStage::from_path`] loads another.

pub mod extract;
pub mod model;
pub mod speaker;
pub mod train;
pub mod view;

use std::path::Path;

use newslens_core::layers::quotes::{Quote, QuoteKind, QuoteLayer, ScareQuote};
use newslens_core::{Analysis, Annotator, Span, StageError};
use thiserror::Error;

use crate::model::{CueEntry, Model};
use crate::view::View;

/// The embedded model produced by `newslens train quotes`.
static EMBEDDED_MODEL: &[u8] = include_bytes!("../../../models/quotes-en.bin");
/// Hand-written seed cues, used only when no trained model is available.
static SEED_CUES: &str = include_str!("../../../resources/quotes/cue-seeds.txt");

/// Errors of the quotes crate.
#[derive(Debug, Error)]
pub enum QuoteError {
    /// Reading a file failed.
    #[error("cannot read {0}: {1}")]
    Io(String, std::io::Error),
    /// A model could not be decoded or encoded.
    #[error("quote model: {0}")]
    Model(String),
    /// Reading PolNeAR failed.
    #[error(transparent)]
    Polnear(#[from] newslens_eval::polnear::PolnearError),
}

impl From<newslens_learn::LearnError> for QuoteError {
    fn from(e: newslens_learn::LearnError) -> Self {
        QuoteError::Model(e.to_string())
    }
}

/// The quotes stage.
#[derive(Debug, Clone)]
pub struct QuoteStage {
    model: Model,
    /// Seed speech cues (lowercase forms).
    speech: Vec<String>,
}

impl Default for QuoteStage {
    fn default() -> Self {
        Self::new()
    }
}

/// Words of a quoted term that mark it as a name or scare quote, not a statement
/// ("the “rules-based order”", "so-called “reforms”").
const SCARE_BEFORE: &[&str] = &[
    "the",
    "a",
    "an",
    "so-called",
    "called",
    "dubbed",
    "term",
    "word",
    "words",
    "phrase",
    "labeled",
    "labelled",
    "branded",
    "this",
    "these",
    "those",
    "that",
    "titled",
    "entitled",
];

impl QuoteStage {
    /// The stage with the embedded trained model (or, if it cannot be decoded, the seed cue
    /// lexicon without a classifier).
    pub fn new() -> Self {
        let model = Model::from_bytes(EMBEDDED_MODEL).unwrap_or_else(|_| seed_model());
        Self::with_model(model)
    }

    /// The stage with a model file written by `newslens train quotes`.
    pub fn from_path(path: &Path) -> Result<Self, QuoteError> {
        Ok(Self::with_model(Model::load(path)?))
    }

    /// The stage with an in-memory model.
    pub fn with_model(model: Model) -> Self {
        let speech = seed_entries().into_iter().map(|e| e.form).collect();
        Self { model, speech }
    }

    /// True for a seed speech cue ("said", "wrote", "according to"), possibly with an
    /// auxiliary or adverb before it ("also described").
    fn is_speech_cue(&self, cue: &str) -> bool {
        let lower = cue.to_lowercase();
        // `lower` is `s` or ends with `" {s}"` (tested without formatting that key per seed).
        self.speech.iter().any(|s| {
            lower == *s
                || lower
                    .strip_suffix(s.as_str())
                    .is_some_and(|rest| rest.ends_with(' '))
        })
    }

    /// The model in use.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Computes the quotes layer without storing it, plus the PolNeAR-convention content spans of
    /// each quote (quote marks included), for evaluation.
    pub fn compute(&self, analysis: &Analysis) -> (QuoteLayer, Vec<Vec<Span>>) {
        let v = View::new(analysis);
        let cues = self.model.cues(&v);
        let mut attrs = extract::attributions(&v, &cues, self.model.src_scorer());
        attrs.retain(|a| !colon_source_is_not_a_speaker(&v, a, analysis));
        let mut resolver = speaker::Resolver::new(analysis.text(), analysis.entities.as_ref());
        let name_of = |c: Option<usize>| {
            c.and_then(|c| {
                analysis
                    .entities
                    .as_ref()
                    .and_then(|e| e.clusters.get(c))
                    .map(|c| c.canonical.clone())
            })
        };
        let mut layer = QuoteLayer::default();
        let mut eval_content = Vec::new();
        let mut used_regions = vec![false; v.regions.len()];
        let mut contents: Vec<(Span, usize)> = Vec::new(); // indirect content → quote index
        for a in &attrs {
            let source = a.source.map(|(x, y)| v.span(x, y));
            let speaker = source.and_then(|s| resolver.resolve(s));
            for &r in &a.regions {
                used_regions[r] = true;
            }
            let id = layer.quotes.len();
            if a.kind == QuoteKind::Indirect {
                for c in &a.content {
                    contents.push((*c, id));
                }
            }
            layer.quotes.push(Quote {
                id,
                kind: a.kind,
                content: a.content.clone(),
                cue: Some(v.span(a.cue.0, a.cue.1)),
                cue_lemma: Some(lemma(&extract::cue_form(
                    &v,
                    &model::Candidate {
                        first: a.cue.0,
                        last: a.cue.1,
                        entry: 0,
                        ext: 0,
                    },
                ))),
                source,
                speaker,
                speaker_name: name_of(speaker),
                score: 1.0 / (1.0 + (-a.score).exp()),
            });
            eval_content.push(a.eval_content.clone());
        }
        // Remaining quote regions: partial quotes inside reported speech, scare quotes, or
        // free-standing quotes continuing the previous speaker.
        let mut extra = Vec::new();
        for (r, reg) in v.regions.iter().enumerate() {
            if used_regions[r] || reg.words == 0 {
                continue;
            }
            let before = reg.open.checked_sub(1).map(|k| &*v.lw[k]);
            let scare_like = reg.words <= 3 && before.is_some_and(|w| SCARE_BEFORE.contains(&w));
            // The attribution whose content holds the quote; speech cues first, then the
            // narrowest content ("… the US has refused … “keeps setting …,” Putin wrote").
            let host = contents
                .iter()
                .filter(|(c, _)| c.contains(&reg.outer))
                .min_by_key(|(c, q)| {
                    let speech = layer.quotes[*q]
                        .cue
                        .is_some_and(|cue| self.is_speech_cue(analysis.slice(cue)));
                    (!speech, c.len())
                })
                .map(|(_, q)| *q);
            let inner = trim_comma(analysis.text(), reg.inner.trim(analysis.text()));
            match host {
                Some(q) if !scare_like => extra.push((q, inner)),
                _ if reg.words <= 4 || scare_like => {
                    layer.scare_quotes.push(ScareQuote {
                        id: layer.scare_quotes.len(),
                        span: inner,
                    });
                }
                _ => {}
            }
        }
        for (q, inner) in extra {
            let host = layer.quotes[q].clone();
            layer.quotes.push(Quote {
                id: layer.quotes.len(),
                kind: QuoteKind::Partial,
                content: vec![inner],
                ..host
            });
            eval_content.push(Vec::new());
        }
        // Keep text order (ids are indexes).
        let mut order: Vec<usize> = (0..layer.quotes.len()).collect();
        order.sort_by_key(|&i| {
            let q = &layer.quotes[i];
            (q.content.first().map_or(0, |c| c.start), i)
        });
        let quotes = order
            .iter()
            .enumerate()
            .map(|(new, &old)| Quote {
                id: new,
                ..layer.quotes[old].clone()
            })
            .collect();
        let eval = order.iter().map(|&old| eval_content[old].clone()).collect();
        layer.quotes = quotes;
        (layer, eval)
    }
}

impl Annotator for QuoteStage {
    fn name(&self) -> &'static str {
        "quotes"
    }

    fn requires(&self) -> &'static [&'static str] {
        &["text", "entities"]
    }

    fn annotate(&self, analysis: &mut Analysis) -> Result<(), StageError> {
        if analysis.tokens.is_empty() && !analysis.text().trim().is_empty() {
            return Err(StageError::new(
                "quotes",
                "the text layer is missing (run newslens_text::segment first)",
            ));
        }
        let (layer, _) = self.compute(analysis);
        analysis.quotes = Some(layer);
        Ok(())
    }
}

fn trim_comma(text: &str, s: Span) -> Span {
    match s.text(text).strip_suffix(',') {
        Some(t) => Span::new(s.start, s.start + t.len()),
        None => s,
    }
}

/// A model with the seed lexicon and no classifier (fallback when no trained model is embedded).
pub fn seed_model() -> Model {
    let lexicon = seed_entries();
    Model::new(lexicon, None, 0.0)
}

/// Seed cue entries from `resources/quotes/cue-seeds.txt` (one form per line).
pub fn seed_entries() -> Vec<CueEntry> {
    SEED_CUES
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| CueEntry {
            form: l.to_lowercase(),
            gold: 1,
            occurrences: 1,
            seed: true,
        })
        .collect()
}

/// Lemma of a cue form ("said" → "say", "has said" → "say", "according to" stays).
pub fn lemma(form: &str) -> String {
    if form.starts_with("according to") {
        return "according to".into();
    }
    let words: Vec<&str> = form.split(' ').collect();
    // The content word: skip auxiliaries and adverbs.
    let head = words
        .iter()
        .find(|w| {
            !matches!(
                **w,
                "has"
                    | "have"
                    | "had"
                    | "will"
                    | "would"
                    | "also"
                    | "is"
                    | "was"
                    | "were"
                    | "are"
                    | "did"
                    | "does"
                    | "could"
                    | "should"
                    | "may"
                    | "might"
                    | "can"
                    | "be"
                    | "been"
            )
        })
        .copied()
        .unwrap_or(words[0]);
    let irregular = [
        ("said", "say"),
        ("says", "say"),
        ("saying", "say"),
        ("told", "tell"),
        ("tells", "tell"),
        ("telling", "tell"),
        ("wrote", "write"),
        ("written", "write"),
        ("writes", "write"),
        ("writing", "write"),
        ("thought", "think"),
        ("knew", "know"),
        ("known", "know"),
        ("saw", "see"),
        ("seen", "see"),
        ("found", "find"),
        ("showed", "show"),
        ("shown", "show"),
        ("read", "read"),
        ("spoke", "speak"),
        ("spoken", "speak"),
        ("felt", "feel"),
        ("made", "make"),
        ("held", "hold"),
        ("took", "take"),
        ("gave", "give"),
        ("sought", "seek"),
        ("taught", "teach"),
    ];
    if let Some((_, l)) = irregular.iter().find(|(w, _)| *w == head) {
        return (*l).to_string();
    }
    let h = head;
    let stem = if let Some(s) = h.strip_suffix("ied") {
        format!("{s}y")
    } else if let Some(s) = h.strip_suffix("ies") {
        format!("{s}y")
    } else if let Some(s) = h.strip_suffix("ed") {
        restore_e(s)
    } else if let Some(s) = h.strip_suffix("ing") {
        restore_e(s)
    } else if h.ends_with("ss") {
        h.to_string()
    } else if let Some(s) = h
        .strip_suffix("es")
        .filter(|s| s.ends_with("sh") || s.ends_with("ch") || s.ends_with('s') || s.ends_with('x'))
    {
        s.to_string()
    } else if let Some(s) = h.strip_suffix('s') {
        s.to_string()
    } else {
        h.to_string()
    };
    stem
}

fn restore_e(s: &str) -> String {
    let b = s.as_bytes();
    let n = b.len();
    // Doubled consonant ("admitted" → "admit").
    if n >= 2 && b[n - 1] == b[n - 2] && !matches!(b[n - 1], b'l' | b's' | b'z' | b'e') {
        return s[..n - 1].to_string();
    }
    // "noted" → "note", "described" → "describe", "argued" → "argue".
    if n >= 2 {
        let last = b[n - 1];
        let prev = b[n - 2];
        let vowel = |c: u8| matches!(c, b'a' | b'e' | b'i' | b'o' | b'u');
        if matches!(
            last,
            b't' | b'b'
                | b'v'
                | b'z'
                | b'c'
                | b'g'
                | b'u'
                | b's'
                | b'r'
                | b'k'
                | b'p'
                | b'm'
                | b'l'
                | b'n'
                | b'd'
        ) && vowel(prev)
            && !(n >= 3 && vowel(b[n - 3]))
            && !matches!(&s[n.saturating_sub(2)..], "er" | "en" | "on" | "el" | "om")
        {
            return format!("{s}e");
        }
        if matches!(last, b'u' | b'v' | b'c' | b'g') || s.ends_with("ib") || s.ends_with("ys") {
            return format!("{s}e");
        }
    }
    s.to_string()
}

/// Whether a "Name: words" attribution (headline or transcript style) has a prefix that the
/// entities layer knows is a place or thing, not a speaker: "Ankara Talks: Deal Within Reach" is a
/// headline, "Paul Ryan: FBI Decision 'Defies Explanation'" a quote. All-capital transcript turns
/// ("PENCE: Well, …") are kept: the NER model rarely tags shouted names. Without an entities layer
/// nothing is dropped.
fn colon_source_is_not_a_speaker(v: &View, a: &extract::Attr, analysis: &Analysis) -> bool {
    if a.cue.0 != a.cue.1 || v.lw[a.cue.0] != ":" {
        return false;
    }
    let (Some((x, y)), Some(entities)) = (a.source, analysis.entities.as_ref()) else {
        return false;
    };
    if (x..=y).all(|k| v.tok(k).chars().all(|c| !c.is_lowercase())) {
        return false;
    }
    let source = v.span(x, y);
    let mut overlapping = entities
        .mentions
        .iter()
        .filter(|m| m.span.overlaps(&source))
        .peekable();
    overlapping.peek().is_none()
        || overlapping.all(|m| {
            !matches!(
                m.entity_type,
                newslens_core::layers::entities::EntityType::Person
                    | newslens_core::layers::entities::EntityType::Organisation
            )
        })
}

#[cfg(test)]
mod tests;
