//! A small CoNLL-style word tokenizer for *unlabelled* training text (the distributional
//! statistics of [`crate::lexicon`]). Inference uses the text layer's tokens instead.

/// Splits `text` into sentences of CoNLL-style tokens: punctuation peeled off words, possessive
/// `'s` and `n't` split off, abbreviations with inner periods (`U.S.`) kept whole. Sentences end
/// at `.`, `!`, `?` tokens and at blank lines.
pub fn sentences(text: &str) -> Vec<Vec<&str>> {
    let mut out = Vec::new();
    for para in text.split("\n\n") {
        let mut sent: Vec<&str> = Vec::new();
        for chunk in para.split_whitespace() {
            let before = sent.len();
            split_chunk(chunk, &mut sent);
            let ends = sent[before..].iter().any(|t| matches!(*t, "." | "!" | "?"));
            if ends
                && sent
                    .last()
                    .is_some_and(|t| matches!(*t, "." | "!" | "?" | "\"" | "”"))
            {
                out.push(std::mem::take(&mut sent));
            }
        }
        if !sent.is_empty() {
            out.push(sent);
        }
    }
    out
}

fn is_edge_punct(c: char) -> bool {
    matches!(
        c,
        '"' | '\''
            | '“'
            | '”'
            | '‘'
            | '’'
            | '('
            | ')'
            | '['
            | ']'
            | '{'
            | '}'
            | ','
            | ';'
            | ':'
            | '!'
            | '?'
            | '.'
            | '«'
            | '»'
            | '—'
            | '–'
            | '…'
            | '*'
    )
}

/// Appends the tokens of one whitespace-delimited chunk.
pub fn split_chunk<'a>(chunk: &'a str, out: &mut Vec<&'a str>) {
    let mut s = chunk;
    // Leading punctuation, one character at a time.
    while let Some(c) = s.chars().next() {
        if is_edge_punct(c) && s.len() > c.len_utf8() {
            out.push(&s[..c.len_utf8()]);
            s = &s[c.len_utf8()..];
        } else {
            break;
        }
    }
    let mut tail: Vec<&'a str> = Vec::new();
    while let Some(c) = s.chars().next_back() {
        if s.len() == c.len_utf8() {
            break;
        }
        // Keep the final period of abbreviations like "U.S." or "Jan.".
        if c == '.' {
            let body = &s[..s.len() - 1];
            let abbrev = body.contains('.')
                || (body.len() <= 4 && body.chars().next().is_some_and(|c| c.is_uppercase()));
            if abbrev && body.chars().all(|c| c.is_alphabetic() || c == '.') {
                break;
            }
        }
        if is_edge_punct(c) {
            tail.push(&s[s.len() - c.len_utf8()..]);
            s = &s[..s.len() - c.len_utf8()];
        } else {
            break;
        }
    }
    if !s.is_empty() {
        let lower_end = |suffix: &str| {
            s.len() > suffix.len()
                && s.is_char_boundary(s.len() - suffix.len())
                && s[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
        };
        if lower_end("'s") || lower_end("’s") {
            let k = if lower_end("'s") { 2 } else { 4 };
            out.push(&s[..s.len() - k]);
            out.push(&s[s.len() - k..]);
        } else if lower_end("n't") {
            out.push(&s[..s.len() - 3]);
            out.push(&s[s.len() - 3..]);
        } else {
            out.push(s);
        }
    }
    out.extend(tail.into_iter().rev());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_punctuation_and_possessives() {
        let s = sentences("“Hello,” said Russia's envoy (U.S. talks). They don't know!");
        assert_eq!(
            s[0],
            vec![
                "“", "Hello", ",", "”", "said", "Russia", "'s", "envoy", "(", "U.S.", "talks", ")",
                "."
            ]
        );
        assert_eq!(s[1], vec!["They", "do", "n't", "know", "!"]);
    }
}
