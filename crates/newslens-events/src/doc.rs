//! A light view of an [`Analysis`] for the coder: lower-cased tokens, sentence ranges and entity
//! mentions indexed by token.

use std::borrow::Cow;

use newslens_core::layers::entities::EntityType;
use newslens_core::layers::text::TokenKind;
use newslens_core::{Analysis, Span};

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

/// `(s.is_ascii(), s has an ASCII upper-case letter)`, a word at a time: tokens are checked once
/// each, and a byte loop was most of the cost of lower-casing the ones already lower case.
/// For ASCII bytes `b`, `b + 0x3f` has its high bit set iff `b >= b'A'` and `b + 0x25` iff
/// `b > b'Z'` (no carry crosses a byte below 0x80).
#[inline]
fn ascii_and_upper(s: &str) -> (bool, bool) {
    const HI: u64 = 0x8080_8080_8080_8080;
    let upper64 = |w: u64| {
        w.wrapping_add(0x3f3f_3f3f_3f3f_3f3f) & !w.wrapping_add(0x2525_2525_2525_2525) & HI != 0
    };
    let b = s.as_bytes();
    let n = b.len();
    let word = |i: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[i..i + 8]);
        u64::from_le_bytes(w)
    };
    let half = |i: usize| u64::from(u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]));
    // Words covering every byte (the last one overlapping the previous when n is no multiple).
    let (mut any_hi, mut upper) = (0u64, false);
    if n >= 8 {
        let mut i = 0;
        while i + 8 <= n {
            let w = word(i);
            any_hi |= w;
            upper |= upper64(w);
            i += 8;
        }
        let w = word(n - 8);
        any_hi |= w;
        upper |= upper64(w);
    } else if n >= 4 {
        let w = half(0) | (half(n - 4) << 32);
        any_hi |= w;
        upper |= upper64(w);
    } else {
        for &c in b {
            any_hi |= u64::from(c);
            upper |= c.is_ascii_uppercase();
        }
    }
    if any_hi & HI != 0 {
        return (false, false);
    }
    (true, upper)
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

    #[test]
    fn ascii_and_upper_matches_a_byte_loop() {
        let alphabet = [
            "a", "Z", "A", "z", "@", "[", "`", "{", "0", " ", "é", "’", "\u{7f}",
        ];
        let mut x = 12345u64;
        for len in 0..40 {
            for _ in 0..200 {
                let mut s = String::new();
                for _ in 0..len {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    // Mostly ASCII letters, sometimes a non-ASCII character.
                    let k = (x >> 33) as usize % (alphabet.len() * 4);
                    s.push_str(
                        alphabet
                            .get(k)
                            .copied()
                            .unwrap_or(["b", "Q", "m", "."][k % 4]),
                    );
                }
                let ascii = s.is_ascii();
                let upper = ascii && s.bytes().any(|b| b.is_ascii_uppercase());
                assert_eq!(ascii_and_upper(&s), (ascii, upper), "{s:?}");
            }
        }
    }
}
