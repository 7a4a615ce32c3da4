//! The rhetoric stage's own tokenizer (so training on the SemEval files and inference on any
//! document see identical tokens) and small word-shape helpers.

use newslens_core::Span;

/// Token class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Letters/digits (with inner apostrophes and hyphens).
    Word,
    /// A quotation mark.
    Quote,
    /// Other punctuation or symbol.
    Punct,
}

/// A token: byte span into the document text and its lower-cased form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tok {
    /// Byte start.
    pub start: usize,
    /// Byte end.
    pub end: usize,
    /// Lower-cased text (typographic apostrophes normalised).
    pub lower: String,
    /// Class.
    pub kind: Kind,
    /// Word shape (`Xxxx`, `xxxx`, `XX`, `dd`, …), repeats collapsed.
    pub shape: String,
}

/// True for quotation marks, straight or typographic.
pub fn is_quote(c: char) -> bool {
    matches!(
        c,
        '"' | '\u{201C}'
            | '\u{201D}'
            | '\u{201E}'
            | '\u{00AB}'
            | '\u{00BB}'
            | '\u{2018}'
            | '\u{2019}'
    )
}

fn shape_of(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(16));
    let mut last = '\0';
    for c in s.chars() {
        let m = if c.is_uppercase() {
            'X'
        } else if c.is_lowercase() {
            'x'
        } else if c.is_numeric() {
            'd'
        } else {
            c
        };
        if m != last {
            out.push(m);
            last = m;
        }
    }
    out
}

/// The lower-cased form of a word with typographic apostrophes made straight (one allocation in
/// the common cases: ASCII, and words without a typographic apostrophe).
fn lower_word(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    let l = s.to_lowercase();
    if l.contains('\u{2019}') {
        l.replace('\u{2019}', "'")
    } else {
        l
    }
}

/// The character starting at byte `b` of `s` (`b` on a character boundary), if any; ASCII
/// without decoding.
#[inline]
fn char_at(s: &str, b: usize) -> Option<char> {
    let &x = s.as_bytes().get(b)?;
    if x < 0x80 {
        Some(char::from(x))
    } else {
        s.get(b..)?.chars().next()
    }
}

/// Tokenizes `text[range]`; token offsets are absolute byte offsets into `text`.
pub fn tokenize(text: &str, range: Span) -> Vec<Tok> {
    let Some(slice) = text.get(range.start..range.end) else {
        return Vec::new();
    };
    // About one token per five bytes of English text: one allocation instead of several.
    let mut out = Vec::with_capacity(slice.len() / 5 + 1);
    // Byte positions, characters decoded where they are read (no character vector).
    let mut b = 0;
    while let Some(c) = char_at(slice, b) {
        if c.is_whitespace() {
            b += c.len_utf8();
            continue;
        }
        if c.is_alphanumeric() {
            let mut end = b + c.len_utf8();
            while let Some(cj) = char_at(slice, end) {
                if cj.is_alphanumeric() {
                    end += cj.len_utf8();
                    continue;
                }
                // An inner apostrophe, hyphen or dot joins when a letter or digit follows (a dot
                // only before a capital or a digit: "U.S", "3.5").
                if !matches!(cj, '\'' | '\u{2019}' | '-' | '.') {
                    break;
                }
                let after = end + cj.len_utf8();
                match char_at(slice, after) {
                    Some(n)
                        if n.is_alphanumeric()
                            && (cj != '.' || n.is_uppercase() || n.is_numeric()) =>
                    {
                        end = after + n.len_utf8();
                    }
                    _ => break,
                }
            }
            out.push(word_tok(slice, range.start, b, end));
            b = end;
        } else {
            let end = b + c.len_utf8();
            out.push(other_tok(slice, range.start, b, c));
            b = end;
        }
    }
    out
}

/// Spans of the lines of `text` (without the newline), skipping blank ones; the SemEval article
/// files have one sentence (2020) or paragraph (2023) per line.
pub fn lines(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut start = 0;
    for l in text.split('\n') {
        let end = start + l.len();
        let sp = Span::new(start, end).trim(text);
        if !sp.is_empty() {
            out.push(sp);
        }
        start = end + 1;
    }
    out
}

/// Bucket of a count: 0, 1, 2, 3, 4–5, 6–9, 10+.
pub fn count_bucket(n: usize) -> &'static str {
    match n {
        0 => "0",
        1 => "1",
        2 => "2",
        3 => "3",
        4..=5 => "4",
        6..=9 => "6",
        10..=19 => "10",
        _ => "20",
    }
}

/// Bucket of a length in tokens.
pub fn len_bucket(n: usize) -> &'static str {
    match n {
        0..=1 => "1",
        2 => "2",
        3 => "3",
        4 => "4",
        5..=6 => "5",
        7..=9 => "7",
        10..=14 => "10",
        15..=24 => "15",
        _ => "25",
    }
}

/// A very short stop list used only to decide which words count for repetition features.
pub fn is_stop(w: &str) -> bool {
    w.len() < 4
        || matches!(
            w,
            "that"
                | "this"
                | "with"
                | "from"
                | "have"
                | "were"
                | "they"
                | "their"
                | "there"
                | "which"
                | "would"
                | "about"
                | "been"
                | "will"
                | "what"
                | "when"
                | "more"
                | "said"
                | "also"
                | "than"
                | "them"
                | "then"
                | "into"
                | "other"
                | "some"
                | "only"
                | "just"
                | "could"
                | "should"
                | "these"
                | "those"
                | "after"
                | "where"
        )
}

/// English function words (articles, pronouns, prepositions, auxiliaries, conjunctions): a span
/// made only of these is not a persuasion technique on its own.
pub fn is_function_word(w: &str) -> bool {
    matches!(
        w,
        "a" | "an"
            | "the"
            | "and"
            | "or"
            | "but"
            | "nor"
            | "so"
            | "yet"
            | "of"
            | "in"
            | "on"
            | "at"
            | "to"
            | "for"
            | "from"
            | "by"
            | "with"
            | "about"
            | "as"
            | "into"
            | "onto"
            | "than"
            | "then"
            | "that"
            | "this"
            | "these"
            | "those"
            | "it"
            | "its"
            | "is"
            | "are"
            | "was"
            | "were"
            | "be"
            | "been"
            | "being"
            | "has"
            | "have"
            | "had"
            | "do"
            | "does"
            | "did"
            | "will"
            | "would"
            | "can"
            | "could"
            | "shall"
            | "should"
            | "may"
            | "might"
            | "must"
            | "he"
            | "she"
            | "they"
            | "we"
            | "you"
            | "i"
            | "me"
            | "him"
            | "her"
            | "them"
            | "us"
            | "his"
            | "their"
            | "our"
            | "your"
            | "my"
            | "who"
            | "whom"
            | "which"
            | "what"
            | "when"
            | "where"
            | "while"
            | "if"
            | "not"
            | "no"
            | "there"
            | "here"
            | "also"
            | "up"
            | "out"
            | "over"
            | "under"
            | "after"
            | "before"
            | "against"
            | "between"
            | "through"
            | "during"
            | "without"
            | "within"
            | "among"
            | "toward"
            | "towards"
            | "upon"
            | "via"
            | "across"
            | "despite"
            | "since"
            | "until"
            | "because"
            | "said"
            | "says"
            | "s"
            | "'s"
    )
}

/// The word token `slice[b..end]` (`base`: the slice's offset in the text).
fn word_tok(slice: &str, base: usize, b: usize, end: usize) -> Tok {
    let s = &slice[b..end];
    Tok {
        start: base + b,
        end: base + end,
        lower: lower_word(s),
        kind: Kind::Word,
        shape: shape_of(s),
    }
}

/// The one-character punctuation or quote token `c` at `slice[b..]`.
fn other_tok(slice: &str, base: usize, b: usize, c: char) -> Tok {
    let end = b + c.len_utf8();
    let s = &slice[b..end];
    let quote = is_quote(c);
    Tok {
        start: base + b,
        end: base + end,
        lower: if quote {
            "\"".to_string()
        } else {
            s.to_string()
        },
        kind: if quote { Kind::Quote } else { Kind::Punct },
        shape: s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_word_is_lowercase_with_straight_apostrophes() {
        for w in [
            "Don’t",
            "DON'T",
            "Ärger",
            "ΟΔΟΣ",
            "İstanbul",
            "naïve",
            "X’Y’Z",
            "abc",
            "Straße",
        ] {
            assert_eq!(
                lower_word(w),
                w.to_lowercase().replace('\u{2019}', "'"),
                "{w}"
            );
        }
        assert_eq!(lower_word("Don’t"), "don't");
    }

    #[test]
    fn tokenizes_words_quotes_and_offsets() {
        let t = "“Neo-colonial” U.S. don’t, 3.5!";
        let toks = tokenize(t, Span::new(0, t.len()));
        let words: Vec<&str> = toks.iter().map(|x| &t[x.start..x.end]).collect();
        assert_eq!(
            words,
            vec![
                "“",
                "Neo-colonial",
                "”",
                "U.S",
                ".",
                "don’t",
                ",",
                "3.5",
                "!"
            ]
        );
        assert_eq!(toks[0].kind, Kind::Quote);
        assert_eq!(toks[5].lower, "don't");
        assert_eq!(toks[1].shape, "Xx-x");
    }

    /// The tokenizer as it was written over a character vector (the reference).
    fn tokenize_by_char_vector(text: &str, range: Span) -> Vec<Tok> {
        let Some(slice) = text.get(range.start..range.end) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let chars: Vec<(usize, char)> = slice.char_indices().collect();
        let mut i = 0;
        while i < chars.len() {
            let (b, c) = chars[i];
            if c.is_whitespace() {
                i += 1;
                continue;
            }
            if c.is_alphanumeric() {
                let mut j = i + 1;
                while j < chars.len() {
                    let cj = chars[j].1;
                    if cj.is_alphanumeric() {
                        j += 1;
                    } else if matches!(cj, '\'' | '\u{2019}' | '-' | '.')
                        && j + 1 < chars.len()
                        && chars[j + 1].1.is_alphanumeric()
                        && (cj != '.'
                            || chars[j + 1].1.is_uppercase()
                            || chars[j + 1].1.is_numeric())
                    {
                        j += 2;
                    } else {
                        break;
                    }
                }
                let end = chars.get(j).map_or(slice.len(), |x| x.0);
                out.push(word_tok(slice, range.start, b, end));
                i = j;
            } else {
                out.push(other_tok(slice, range.start, b, c));
                i += 1;
            }
        }
        out
    }

    #[test]
    fn tokenize_equals_the_character_vector_reference() {
        let texts = [
            "“Neo-colonial” U.S. don’t, 3.5! a.b A.B x- -y 'quoted' ends.",
            "Ärger über İstanbul: naïve Straße — ΟΔΟΣ 3,5 km… won’t-stop U.S.A.",
            "x.",
            "x.Y",
            "x.y",
            "x-",
            "x-é",
            "é’É",
            "1.2.3",
            "a’",
            "’a",
            "",
            "\u{2028}tab\tnew\nline  \u{00A0}nbsp 日本語のテキスト２０２６年",
            "emoji 😀 mixed😀text a-😀 b.😀 x'y'z don't",
        ];
        for t in texts {
            for start in 0..=t.len() {
                if !t.is_char_boundary(start) {
                    continue;
                }
                for end in [t.len(), (start + 7).min(t.len())] {
                    if !t.is_char_boundary(end) {
                        continue;
                    }
                    let r = Span::new(start, end);
                    assert_eq!(tokenize(t, r), tokenize_by_char_vector(t, r), "{t:?} {r:?}");
                }
            }
        }
    }

    #[test]
    fn lines_skip_blank() {
        let t = "Title\n\n Body one \nTwo";
        let l: Vec<&str> = lines(t).iter().map(|s| s.text(t)).collect();
        assert_eq!(l, vec!["Title", "Body one", "Two"]);
    }
}
