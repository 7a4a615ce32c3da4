//! Tokeniser: words (with abbreviations, initials, acronyms, hyphens and numbers kept whole),
//! quotes, punctuation and symbols, each with its byte span.

use newslens_core::layers::text::{Token, TokenKind};
use newslens_core::Span;

use crate::abbrev::is_abbreviation;
use crate::normalize::is_quote_char;

#[inline]
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c as u32, 0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05C7)
}

#[inline]
fn char_at(text: &str, i: usize) -> Option<char> {
    let b = *text.as_bytes().get(i)?;
    if b < 128 {
        Some(b as char)
    } else {
        text[i..].chars().next()
    }
}

#[inline]
fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}')
}

#[inline]
fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}')
}

/// Appends the tokens of `text[range]` to `out` (spans are absolute byte offsets into `text`).
pub fn tokenize(text: &str, range: Span, out: &mut Vec<Token>) {
    let bytes = text.as_bytes();
    let end = range.end.min(text.len());
    let mut i = range.start;
    while i < end {
        let b = bytes[i];
        if b < 128 {
            if b.is_ascii_whitespace() {
                i += 1;
                continue;
            }
            if b.is_ascii_alphanumeric() {
                i = word(text, i, end, out);
                continue;
            }
        }
        let c = match char_at(text, i) {
            Some(c) => c,
            None => break,
        };
        let len = c.len_utf8();
        if c.is_whitespace() {
            i += len;
        } else if is_word_char(c) {
            i = word(text, i, end, out);
        } else if is_quote_char(c) {
            out.push(Token {
                span: Span::new(i, i + len),
                kind: TokenKind::Quote,
            });
            i += len;
        } else if c == '.' || c == '-' {
            // Ellipsis "..." and dash "--" stay whole.
            let mut j = i + 1;
            while j < end && bytes[j] == b {
                j += 1;
            }
            out.push(Token {
                span: Span::new(i, j),
                kind: TokenKind::Punct,
            });
            i = j;
        } else if is_punct(c) {
            out.push(Token {
                span: Span::new(i, i + len),
                kind: TokenKind::Punct,
            });
            i += len;
        } else {
            // Symbol; keep emoji modifiers, variation selectors and ZWJ sequences together.
            let mut j = i + len;
            while j < end {
                match char_at(text, j) {
                    Some(m) if is_emoji_modifier(m) => j += m.len_utf8(),
                    Some('\u{200D}') => {
                        j += 3;
                        if let Some(n) = char_at(text, j) {
                            if j < end {
                                j += n.len_utf8();
                            }
                        }
                    }
                    _ => break,
                }
            }
            out.push(Token {
                span: Span::new(i, j.min(end)),
                kind: TokenKind::Symbol,
            });
            i = j;
        }
    }
}

fn is_emoji_modifier(c: char) -> bool {
    matches!(c as u32, 0xFE00..=0xFE0F | 0x1F3FB..=0x1F3FF | 0xE0020..=0xE007F | 0x20E3)
}

fn is_punct(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(
            c,
            '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{205E}' | '\u{00A1}' | '\u{00BF}' | '\u{00B7}'
                | '\u{3001}' | '\u{3002}' | '\u{FF0C}' | '\u{FF01}' | '\u{FF1F}'
        )
}

/// Scans one word or number token starting at `start`; returns the end.
fn word(text: &str, start: usize, end: usize, out: &mut Vec<Token>) -> usize {
    let bytes = text.as_bytes();
    let numeric = bytes[start].is_ascii_digit();
    let mut all_digits = true;
    let mut i = start;
    // Start of the current period-separated segment (for acronyms like "U.S.").
    let mut seg_start = start;
    let mut acronym = false;
    while i < end {
        let c = match char_at(text, i) {
            Some(c) => c,
            None => break,
        };
        if is_word_char(c) {
            if !c.is_ascii_digit() {
                all_digits = false;
            }
            i += c.len_utf8();
            continue;
        }
        let next = if i + c.len_utf8() < end {
            char_at(text, i + c.len_utf8())
        } else {
            None
        };
        let next_is_word = next.is_some_and(is_word_char);
        let next_is_digit = next.is_some_and(|n| n.is_ascii_digit());
        match c {
            '.' | ',' | ':' if numeric && all_digits && next_is_digit => {
                i += 1;
            }
            '.' if next.is_some_and(char::is_alphabetic) && i - seg_start <= 2 && !numeric => {
                // "U.S", "e.g": single letters separated by periods.
                acronym = true;
                i += 1;
                seg_start = i;
            }
            '.' => {
                let w = &text[start..i];
                let single = w.chars().count() == 1 && w.chars().all(char::is_alphabetic);
                if acronym || single || is_abbreviation(w) {
                    i += 1;
                }
                break;
            }
            c if is_hyphen(c) && next_is_word => {
                i += c.len_utf8();
                // A new segment: "D-N.Y." keeps its initials ("Rep. Tom Reyes (D-N.Y.) said").
                seg_start = i;
            }
            '&' if next.is_some_and(char::is_uppercase)
                && text[start..i].chars().all(char::is_uppercase) =>
            {
                i += 1;
            }
            c if is_apostrophe(c) && next_is_word => {
                // Split the possessive/contraction "'s" (as CoNLL and PTB do); keep "O'Brien".
                let rest_start = i + c.len_utf8();
                let mut j = rest_start;
                while j < end {
                    match char_at(text, j) {
                        Some(n) if n.is_alphabetic() => j += n.len_utf8(),
                        _ => break,
                    }
                }
                let rest = &text[rest_start..j];
                if matches!(rest, "s" | "S" | "re" | "ve" | "ll" | "d" | "m") {
                    push_word(text, start, i, numeric && all_digits, out);
                    out.push(Token {
                        span: Span::new(i, j),
                        kind: TokenKind::Word,
                    });
                    return j;
                }
                i = j;
            }
            _ => break,
        }
    }
    push_word(text, start, i, numeric && all_digits, out);
    i
}

fn push_word(_text: &str, start: usize, end: usize, number: bool, out: &mut Vec<Token>) {
    if end > start {
        out.push(Token {
            span: Span::new(start, end),
            kind: if number {
                TokenKind::Number
            } else {
                TokenKind::Word
            },
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<&str> {
        let mut out = Vec::new();
        tokenize(s, Span::new(0, s.len()), &mut out);
        out.iter().map(|t| t.span.text(s)).collect()
    }

    #[test]
    fn keeps_abbreviations_initials_and_numbers() {
        assert_eq!(
            toks("Mr. J. Smith paid $3.5 million to the U.S. on Jan. 5, 2024."),
            vec![
                "Mr.", "J.", "Smith", "paid", "$", "3.5", "million", "to", "the", "U.S.", "on",
                "Jan.", "5", ",", "2024", "."
            ]
        );
    }

    #[test]
    fn a_party_and_state_tag_keeps_its_initials() {
        assert_eq!(
            toks(
                "Rep. Tom Reyes (D-N.Y.) said, and Sen. Ida Moss (R-N.C.) and Rep. Al Cole (D-Md.)"
            ),
            vec![
                "Rep.", "Tom", "Reyes", "(", "D-N.Y.", ")", "said", ",", "and", "Sen.", "Ida",
                "Moss", "(", "R-N.C.", ")", "and", "Rep.", "Al", "Cole", "(", "D-Md", ".", ")"
            ]
        );
    }

    #[test]
    fn splits_possessives_and_keeps_hyphens() {
        assert_eq!(
            toks("People’s Kim Jong-un's neo-colonial O'Brien"),
            vec![
                "People",
                "’s",
                "Kim",
                "Jong-un",
                "'s",
                "neo-colonial",
                "O'Brien"
            ]
        );
    }

    #[test]
    fn quotes_ellipses_and_emoji() {
        assert_eq!(
            toks("“Yes…” he said... 👋🏽 ok"),
            vec!["“", "Yes", "…", "”", "he", "said", "...", "👋🏽", "ok"]
        );
    }

    #[test]
    fn cyrillic_words() {
        assert_eq!(
            toks("Путин сказал: «да»."),
            vec!["Путин", "сказал", ":", "«", "да", "»", "."]
        );
    }
}
