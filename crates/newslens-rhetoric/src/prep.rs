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
    /// Per token: the document-local id of its lower-cased form (see [`Prepared::words`]), so
    /// the per-word facts are looked up once per distinct word and words compare as numbers.
    pub wid: Vec<u32>,
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
    /// Per document-local id ([`Sent::wid`]): how many tokens of that lower-cased form are
    /// words ([`Kind::Word`]); 0 for punctuation. Equal to `counts` of the form when above 0.
    pub words: Vec<u32>,
}

impl<'a> Prepared<'a> {
    /// Tokenizes the given sentences (`(span, is_title)`, in text order).
    pub fn new(text: &'a str, sentences: &[(Span, bool)]) -> Self {
        // One look-up per token, into the document's vocabulary (every token's lower-cased
        // form, words and punctuation alike); the word counts are read off it at the end.
        let mut vocab: FxHashMap<String, u32> = FxHashMap::default();
        let mut words: Vec<u32> = Vec::new();
        let mut sents = Vec::with_capacity(sentences.len());
        for (id, &(span, title)) in sentences.iter().enumerate() {
            let toks = tokenize(text, span);
            let mut in_quote = Vec::with_capacity(toks.len());
            let mut wid = Vec::with_capacity(toks.len());
            let mut q = false;
            for t in &toks {
                if t.kind == Kind::Quote {
                    q = !q;
                    in_quote.push(false);
                } else {
                    in_quote.push(q);
                }
                let w = match vocab.get(t.lower.as_str()) {
                    Some(&w) => w,
                    None => {
                        let w = words.len() as u32;
                        vocab.insert(t.lower.clone(), w);
                        words.push(0);
                        w
                    }
                };
                if t.kind == Kind::Word {
                    words[w as usize] += 1;
                }
                wid.push(w);
            }
            sents.push(Sent {
                span,
                title,
                id,
                toks,
                in_quote,
                wid,
            });
        }
        let mut counts: FxHashMap<String, u32> =
            FxHashMap::with_capacity_and_hasher(vocab.len(), Default::default());
        for (w, id) in vocab {
            let c = words[id as usize];
            if c > 0 {
                counts.insert(w, c);
            }
        }
        Self {
            text,
            sents,
            counts,
            words,
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
