//! Paragraphs and sentences.

use newslens_core::layers::text::{Paragraph, Sentence, Token, TokenKind};
use newslens_core::{Analysis, Document, Span};

use crate::abbrev::{common_sentence_start, is_abbreviation, never_final};
use crate::tokenize::tokenize;

/// Byte offset where the body starts: after the title, dateline and byline when they are part of
/// the text (seed and SemEval formats), else 0.
pub fn body_start(doc: &Document) -> usize {
    let header_end = [doc.title_span, doc.byline_span]
        .iter()
        .flatten()
        .map(|s| s.end)
        .max();
    match header_end {
        None => 0,
        Some(e) => {
            // Skip the rest of that line.
            let rest = &doc.text[e.min(doc.text.len())..];
            e + rest.find('\n').map_or(rest.len(), |n| n + 1)
        }
    }
}

/// Fills the text layer of `analysis`: body paragraphs, title and body sentences, tokens.
/// Replaces any existing text layer.
pub fn segment(analysis: &mut Analysis) {
    let doc = &analysis.document;
    let text = doc.text.as_str();
    let mut paragraphs = Vec::new();
    let mut sentences = Vec::new();
    let mut tokens: Vec<Token> = Vec::with_capacity(text.len() / 5);

    if let Some(title) = doc.title_span {
        add_sentences(text, title, None, &mut tokens, &mut sentences);
    }
    for span in segment_paragraphs(text, body_start(doc)) {
        let id = paragraphs.len();
        paragraphs.push(Paragraph { id, span });
        add_sentences(text, span, Some(id), &mut tokens, &mut sentences);
    }
    analysis.paragraphs = paragraphs;
    analysis.sentences = sentences;
    analysis.tokens = tokens;
}

fn add_sentences(
    text: &str,
    span: Span,
    paragraph: Option<usize>,
    tokens: &mut Vec<Token>,
    sentences: &mut Vec<Sentence>,
) {
    let first = tokens.len();
    tokenize(text, span, tokens);
    for (a, b) in split_sentences(text, &tokens[first..]) {
        let (a, b) = (first + a, first + b);
        sentences.push(Sentence {
            id: sentences.len(),
            span: Span::new(tokens[a].span.start, tokens[b - 1].span.end),
            paragraph,
            first_token: a,
            token_count: b - a,
        });
    }
}

/// Splits `text[from..]` into paragraphs: blank lines always separate them; a single line break
/// does too unless the line before it looks hard-wrapped (long, and not ending a sentence).
pub fn segment_paragraphs(text: &str, from: usize) -> Vec<Span> {
    let mut out = Vec::new();
    let mut para_start: Option<usize> = None;
    let mut prev_line: Option<(usize, usize)> = None;
    let mut pos = from.min(text.len());
    while pos < text.len() {
        let line_end = text[pos..].find('\n').map_or(text.len(), |n| pos + n);
        let line = Span::new(pos, line_end).trim(text);
        if line.is_empty() {
            if let (Some(s), Some((_, e))) = (para_start, prev_line) {
                out.push(Span::new(s, e));
            }
            para_start = None;
            prev_line = None;
        } else {
            if let (Some(s), Some((ps, pe))) = (para_start, prev_line) {
                if !is_soft_wrap(&text[ps..pe]) {
                    out.push(Span::new(s, pe));
                    para_start = None;
                }
            }
            para_start.get_or_insert(line.start);
            prev_line = Some((line.start, line.end));
        }
        pos = line_end + 1;
    }
    if let (Some(s), Some((_, e))) = (para_start, prev_line) {
        out.push(Span::new(s, e));
    }
    out
}

fn is_soft_wrap(prev: &str) -> bool {
    let last = prev.chars().next_back().unwrap_or('.');
    let ends_sentence = matches!(
        last,
        '.' | '!' | '?' | ':' | '"' | '\u{201D}' | '\u{2019}' | ')' | ']' | '\u{2026}' | '\u{00BB}'
    );
    !ends_sentence && prev.chars().count() > 40
}

/// Splits a run of tokens into sentences; returns `(first, end)` token index pairs (end exclusive).
pub fn split_sentences(text: &str, tokens: &[Token]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let n = tokens.len();
    let mut k = 0;
    while k < n {
        let t = tokens[k].span.text(text);
        let terminal = match tokens[k].kind {
            TokenKind::Punct => {
                matches!(t, "!" | "?" | "\u{2026}" | "\u{203C}") || t.starts_with('.')
            }
            TokenKind::Word => {
                // An abbreviation that may end a sentence ("in the U.S. The ...").
                t.len() > 1
                    && t.ends_with('.')
                    && !never_final(&t[..t.len() - 1])
                    && (is_abbreviation(&t[..t.len() - 1]) || t[..t.len() - 1].contains('.'))
            }
            _ => false,
        };
        if !terminal {
            k += 1;
            continue;
        }
        let abbreviation = tokens[k].kind == TokenKind::Word;
        // Closing quotes and brackets belong to the sentence they close.
        let mut j = k + 1;
        while j < n && is_closer(text, tokens, j) {
            j += 1;
        }
        let boundary = if j >= n {
            true
        } else {
            let next = tokens[j].span.text(text);
            let c = next.chars().next().unwrap_or(' ');
            if abbreviation {
                common_sentence_start(next)
            } else {
                c.is_uppercase() || c.is_numeric() || is_opener(text, tokens, j)
            }
        };
        if boundary {
            out.push((start, j));
            start = j;
        }
        k = j.max(k + 1);
    }
    if start < n {
        out.push((start, n));
    }
    out
}

/// A closing quote or bracket: a closing-only mark, or a straight quote attached to the previous
/// token.
fn is_closer(text: &str, tokens: &[Token], j: usize) -> bool {
    let t = tokens[j].span.text(text);
    match t {
        ")" | "]" | "\u{201D}" | "\u{2019}" | "\u{00BB}" => true,
        "\"" | "'" => j > 0 && tokens[j - 1].span.end == tokens[j].span.start,
        _ => false,
    }
}

fn is_opener(text: &str, tokens: &[Token], j: usize) -> bool {
    let t = tokens[j].span.text(text);
    match t {
        "(" | "[" | "\u{201C}" | "\u{2018}" | "\u{00AB}" | "\u{201E}" => true,
        "\"" | "'" => j == 0 || tokens[j - 1].span.end < tokens[j].span.start,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentences(s: &str) -> Vec<String> {
        let mut toks = Vec::new();
        tokenize(s, Span::new(0, s.len()), &mut toks);
        split_sentences(s, &toks)
            .into_iter()
            .map(|(a, b)| s[toks[a].span.start..toks[b - 1].span.end].to_string())
            .collect()
    }

    #[test]
    fn titles_initials_and_decimals_do_not_split() {
        assert_eq!(
            sentences("Mr. J. R. Smith met Dr. Jones at 3.5 p.m. on Jan. 5. They talked."),
            vec![
                "Mr. J. R. Smith met Dr. Jones at 3.5 p.m. on Jan. 5.",
                "They talked."
            ]
        );
    }

    #[test]
    fn a_delegate_title_does_not_split_but_the_state_may_end_a_sentence() {
        assert_eq!(
            sentences("The vote was close, said Del. Stacey Moore. She lives in Dover, Del. The count went on."),
            vec![
                "The vote was close, said Del. Stacey Moore.",
                "She lives in Dover, Del.",
                "The count went on."
            ]
        );
    }

    #[test]
    fn us_can_end_a_sentence() {
        assert_eq!(
            sentences(
                "Sanctions came from the U.S. The move angered Moscow. U.S. officials agreed."
            ),
            vec![
                "Sanctions came from the U.S.",
                "The move angered Moscow.",
                "U.S. officials agreed."
            ]
        );
    }

    #[test]
    fn quotes_end_and_span_sentences() {
        assert_eq!(
            sentences("“We won. We will win again,” he said. “Never.” Then silence… and more."),
            vec![
                "“We won.",
                "We will win again,” he said.",
                "“Never.”",
                "Then silence… and more."
            ]
        );
    }

    #[test]
    fn ellipsis_before_capital_splits() {
        assert_eq!(sentences("Wait... Now go!"), vec!["Wait...", "Now go!"]);
    }

    #[test]
    fn paragraphs_by_line_and_soft_wrap() {
        let t = "First paragraph ends here.\nSecond one.\n\nThird starts and is wrapped because the line is long\nand continues here.";
        let p: Vec<&str> = segment_paragraphs(t, 0).iter().map(|s| s.text(t)).collect();
        assert_eq!(p.len(), 3);
        assert_eq!(p[0], "First paragraph ends here.");
        assert!(p[2].ends_with("continues here."));
    }
}
