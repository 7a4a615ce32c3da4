//! The token view the entity logic works on: the text layer's tokens, with possessive `'s`
//! split off (CoNLL tokenisation) and typographic quotes/apostrophes normalised for the model.

use newslens_core::layers::text::TokenKind;
use newslens_core::{Analysis, Span};

/// One token as the entity logic sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tok {
    /// Byte span in the document.
    pub span: Span,
    /// Normalised form (`’` → `'`, `“”` → `"`), as the NER model was trained on.
    pub word: String,
    /// Sentence index (into [`DocTokens::sentences`]).
    pub sentence: usize,
}

/// All tokens of a document, sentence by sentence.
#[derive(Debug, Clone, Default)]
pub struct DocTokens {
    /// Tokens in text order.
    pub toks: Vec<Tok>,
    /// Token ranges of sentences.
    pub sentences: Vec<std::ops::Range<usize>>,
}

fn normalise(s: &str) -> String {
    // Every replaced character is non-ASCII: ASCII words (nearly all) are copied as they are.
    if s.is_ascii() {
        return s.to_string();
    }
    s.chars()
        .map(|c| match c {
            '’' | '‘' | '′' => '\'',
            '“' | '”' | '„' | '«' | '»' => '"',
            '—' | '–' => '-',
            c => c,
        })
        .collect()
}

impl DocTokens {
    /// Builds the view from the text layer of `analysis`.
    pub fn from_analysis(a: &Analysis) -> Self {
        let mut out = DocTokens::default();
        for (si, s) in a.sentences.iter().enumerate() {
            let start = out.toks.len();
            let end = (s.first_token + s.token_count).min(a.tokens.len());
            for t in a.tokens.get(s.first_token..end).unwrap_or(&[]) {
                let text = a.slice(t.span);
                let word = normalise(text);
                if t.kind == TokenKind::Word {
                    if let Some(stem) = word.strip_suffix("'s").filter(|s| !s.is_empty()) {
                        // Split "Russia's" into "Russia" + "'s" (byte lengths from the original,
                        // where the apostrophe may be multi-byte).
                        let cut = text
                            .char_indices()
                            .nth(stem.chars().count())
                            .map_or(text.len(), |(i, _)| i);
                        let cut_at = t.span.start + cut;
                        out.toks.push(Tok {
                            span: Span::new(t.span.start, cut_at),
                            word: stem.to_string(),
                            sentence: si,
                        });
                        out.toks.push(Tok {
                            span: Span::new(cut_at, t.span.end),
                            word: "'s".into(),
                            sentence: si,
                        });
                        continue;
                    }
                }
                out.toks.push(Tok {
                    span: t.span,
                    word,
                    sentence: si,
                });
            }
            out.sentences.push(start..out.toks.len());
        }
        out
    }

    /// The words of sentence `i`.
    pub fn words(&self, i: usize) -> Vec<&str> {
        self.toks[self.sentences[i].clone()]
            .iter()
            .map(|t| t.word.as_str())
            .collect()
    }

    /// Span covering tokens `[a, b)`.
    pub fn span(&self, a: usize, b: usize) -> Span {
        Span::new(self.toks[a].span.start, self.toks[b - 1].span.end)
    }
}
