//! A document prepared for the rhetoric models: sentences with the stage's tokens, word counts,
//! and the per-sentence facts several feature sets share.

use newslens_core::Span;

use crate::text::{tokenize, Kind, Tok};

/// Word → rate at which the word lies inside a technique span in training (smoothed).
pub type Lexicon = FxHashMap<String, f32>;

/// Hash map with the fast (non-cryptographic) Fx hash: keys are our own words, lookups are per
/// token.
pub type FxHashMap<K, V> = rustc_hash::FxHashMap<K, V>;

/// Bucket (0–9, or `u` for unknown) of a word's lexicon rate.
pub fn lex_bucket(lex: &Lexicon, w: &str) -> &'static str {
    const B: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    match lex.get(w) {
        Some(r) => B[((r * 10.0) as usize).min(9)],
        None => "u",
    }
}

/// One sentence (or title / paragraph line) of a prepared document.
#[derive(Debug, Clone)]
pub struct Sent {
    /// Extent (bytes).
    pub span: Span,
    /// The headline.
    pub title: bool,
    /// Sentence id in the analysis (index in the caller's list).
    pub id: usize,
    /// Tokens.
    pub toks: Vec<Tok>,
    /// Per token: inside quotation marks.
    pub in_quote: Vec<bool>,
}

/// A prepared document.
#[derive(Debug, Clone)]
pub struct Prepared<'a> {
    /// Document text.
    pub text: &'a str,
    /// Sentences in text order.
    pub sents: Vec<Sent>,
    /// Lower-cased word counts over the whole document.
    pub counts: FxHashMap<String, u32>,
}

impl<'a> Prepared<'a> {
    /// Tokenizes the given sentences (`(span, is_title)`, in text order).
    pub fn new(text: &'a str, sentences: &[(Span, bool)]) -> Self {
        let mut counts: FxHashMap<String, u32> = FxHashMap::default();
        let mut sents = Vec::with_capacity(sentences.len());
        for (id, &(span, title)) in sentences.iter().enumerate() {
            let toks = tokenize(text, span);
            let mut in_quote = Vec::with_capacity(toks.len());
            let mut q = false;
            for t in &toks {
                if t.kind == Kind::Quote {
                    q = !q;
                    in_quote.push(false);
                } else {
                    in_quote.push(q);
                }
                if t.kind == Kind::Word {
                    match counts.get_mut(t.lower.as_str()) {
                        Some(c) => *c += 1,
                        None => {
                            counts.insert(t.lower.clone(), 1);
                        }
                    }
                }
            }
            sents.push(Sent {
                span,
                title,
                id,
                toks,
                in_quote,
            });
        }
        Self {
            text,
            sents,
            counts,
        }
    }

    /// The sentence containing byte `pos` (or the nearest before it).
    pub fn sentence_at(&self, pos: usize) -> usize {
        match self.sents.binary_search_by(|s| s.span.start.cmp(&pos)) {
            Ok(i) => i,
            Err(0) => 0,
            Err(i) => i - 1,
        }
    }
}
