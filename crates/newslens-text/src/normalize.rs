//! Normalisation of typographic punctuation for matching.

use std::borrow::Cow;

/// Maps a typographic quote, apostrophe or dash to its ASCII form; other chars are returned as is.
///
/// The mapping is one char to one char, so char offsets are preserved.
pub fn normalize_char(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{02BC}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => '"',
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
        | '\u{2212}' => '-',
        '\u{00A0}' | '\u{2007}' | '\u{202F}' | '\u{2009}' | '\u{200A}' => ' ',
        '\u{2026}' => '.',
        c => c,
    }
}

/// Normalises a string with [`normalize_char`], borrowing when nothing changes.
pub fn normalize(s: &str) -> Cow<'_, str> {
    if s.is_ascii() || !s.chars().any(|c| normalize_char(c) != c) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.chars().map(normalize_char).collect())
    }
}

/// True for any quotation mark (straight, typographic, guillemets).
pub fn is_quote_char(c: char) -> bool {
    matches!(
        c,
        '"' | '\u{201C}'
            | '\u{201D}'
            | '\u{201E}'
            | '\u{201F}'
            | '\u{00AB}'
            | '\u{00BB}'
            | '\u{2018}'
            | '\u{2019}'
            | '\u{201A}'
            | '\u{201B}'
            | '\''
    )
}

/// True for marks that can only open a quotation.
pub fn is_opening_quote(c: char) -> bool {
    matches!(
        c,
        '\u{201C}' | '\u{201E}' | '\u{00AB}' | '\u{2018}' | '\u{201A}'
    )
}

/// True for marks that can only close a quotation.
pub fn is_closing_quote(c: char) -> bool {
    matches!(c, '\u{201D}' | '\u{00BB}' | '\u{2019}')
}

/// A normalised copy of a text with a map back to the original byte offsets, for running ASCII
/// regexes over typographic text and reporting matches in original offsets.
#[derive(Debug, Clone)]
pub struct NormText {
    /// The normalised text.
    pub text: String,
    /// `orig[i]` = original byte offset of normalised byte `i`; one extra entry for the end.
    orig: Vec<usize>,
}

impl NormText {
    /// Normalises `original`.
    pub fn new(original: &str) -> Self {
        let mut text = String::with_capacity(original.len());
        let mut orig = Vec::with_capacity(original.len() + 1);
        for (i, c) in original.char_indices() {
            let n = normalize_char(c);
            for _ in 0..n.len_utf8() {
                orig.push(i);
            }
            text.push(n);
        }
        orig.push(original.len());
        Self { text, orig }
    }

    /// Original byte offset of normalised byte offset `i`.
    pub fn to_original(&self, i: usize) -> usize {
        self.orig[i.min(self.orig.len() - 1)]
    }

    /// Original span of a normalised range.
    pub fn span(&self, start: usize, end: usize) -> crate::Span {
        crate::Span::new(self.to_original(start), self.to_original(end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_quotes_and_dashes_keeping_char_count() {
        let s = "“Yes” — it’s";
        let n = normalize(s);
        assert_eq!(n, "\"Yes\" - it's");
        assert_eq!(n.chars().count(), s.chars().count());
    }

    #[test]
    fn normtext_maps_back_to_original_offsets() {
        let s = "He said “no” today";
        let n = NormText::new(s);
        let i = n.text.find("\"no\"").unwrap();
        let span = n.span(i, i + 4);
        assert_eq!(span.text(s), "“no”");
        assert_eq!(n.to_original(n.text.len()), s.len());
    }
}
