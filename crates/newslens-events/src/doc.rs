//! A light view of an [`Analysis`] for the coder: lower-cased tokens, sentence ranges and entity
//! mentions indexed by token.

use std::borrow::Cow;

use newslens_core::layers::entities::EntityType;
use newslens_core::layers::text::TokenKind;
use newslens_core::{Analysis, Span};
use newslens_text::ascii_and_upper;

/// A token as the coder sees it.
#[derive(Debug, Clone)]
pub(crate) struct Tok<'a> {
    pub span: Span,
    /// Lower-cased text with typographic apostrophes made straight; borrowed from the text when
    /// the token is already in that form (most tokens), so the view allocates only for
    /// capitalised and non-ASCII words.
    pub lower: Cow<'a, str>,
    /// Starts with an upper-case letter.
    pub cap: bool,
    /// A word or number (not punctuation or a quote mark).
    pub word: bool,
    /// A quotation mark.
    pub quote: bool,
}

/// An entity mention located on tokens.
#[derive(Debug, Clone)]
pub(crate) struct Men {
    pub span: Span,
    pub cluster: usize,
    pub etype: EntityType,
    /// First token (global index).
    pub start: usize,
    /// One past the last token.
    pub end: usize,
}

/// The document view.
#[derive(Debug, Clone, Default)]
pub(crate) struct DocView<'a> {
    pub toks: Vec<Tok<'a>>,
    /// Sentence token ranges `[start, end)`.
    pub sents: Vec<(usize, usize)>,
    pub mentions: Vec<Men>,
    /// For each token, the index (into `mentions`) of the mention covering it.
    pub men_at: Vec<Option<usize>>,
}

impl<'a> DocView<'a> {
    pub fn new(a: &'a Analysis) -> Self {
        let text = a.text();
        let toks: Vec<Tok> = a
            .tokens
            .iter()
            .map(|t| {
                // `Span::text`, inlined (an out-of-line call per token).
                let s = text.get(t.span.start..t.span.end).unwrap_or("");
                Tok {
                    span: t.span,
                    lower: lower(s),
                    cap: s.chars().next().is_some_and(char::is_uppercase),
                    word: matches!(t.kind, TokenKind::Word | TokenKind::Number),
                    quote: t.kind == TokenKind::Quote,
                }
            })
            .collect();
        let sents = a
            .sentences
            .iter()
            .map(|s| {
                let start = s.first_token.min(toks.len());
                (start, (s.first_token + s.token_count).min(toks.len()))
            })
            .collect();
        let mut men_at = vec![None; toks.len()];
        let mut mentions = Vec::new();
        if let Some(e) = &a.entities {
            for m in &e.mentions {
                let start = toks.partition_point(|t| t.span.end <= m.span.start);
                let end = toks.partition_point(|t| t.span.start < m.span.end);
                if start >= end || m.cluster >= e.clusters.len() {
                    continue;
                }
                let idx = mentions.len();
                mentions.push(Men {
                    span: m.span,
                    cluster: m.cluster,
                    etype: m.entity_type,
                    start,
                    end,
                });
                for slot in men_at.iter_mut().take(end).skip(start) {
                    if slot.is_none() {
                        *slot = Some(idx);
                    }
                }
            }
        }
        Self {
            toks,
            sents,
            mentions,
            men_at,
        }
    }

    /// Lower-cased token text, or "" outside the document.
    pub fn w(&self, i: usize) -> &str {
        self.toks.get(i).map_or("", |t| &*t.lower)
    }
}

/// `s` lower-cased with typographic apostrophes made straight (`s.to_lowercase().replace('’',
/// "'")`), without allocating when `s` is already in that form.
fn lower(s: &str) -> Cow<'_, str> {
    // Any non-ASCII byte takes the general path; ASCII has no '’', and lower-casing ASCII is
    // `to_lowercase` on ASCII.
    let (ascii, upper) = ascii_and_upper(s);
    if !ascii {
        return lower_non_ascii(s);
    }
    if upper {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// [`lower`] of a token with non-ASCII bytes (typographic quotes and apostrophes, accented
/// names): borrowed when lower-casing maps every character to itself (so `str::to_lowercase`,
/// whose one context rule is for the upper-case 'Σ', returns the same text) and there is no '’'.
fn lower_non_ascii(s: &str) -> Cow<'_, str> {
    let unchanged = s.chars().all(|c| {
        let mut l = c.to_lowercase();
        c != '’' && l.next() == Some(c) && l.next().is_none()
    });
    if unchanged {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.to_lowercase().replace('’', "'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_is_to_lowercase_with_straight_apostrophes() {
        for s in [
            "",
            "a",
            "The",
            "USA",
            "n't",
            "’s",
            "“",
            "”",
            "—",
            "é",
            "É",
            "Zürich",
            "zürich",
            "straße",
            "ΣΑΣ",
            "σας",
            "Σ",
            "ǅ",
            "ǆ",
            "İstanbul",
            "Ⅻ",
            "ⅻ",
            "Don’t",
            "don’t",
            "x’’",
            "日本",
            "café",
            "CAFÉ",
            "ﬁ",
            "K",
            "Å",
        ] {
            assert_eq!(lower(s), s.to_lowercase().replace('’', "'"), "{s}");
        }
    }
}
