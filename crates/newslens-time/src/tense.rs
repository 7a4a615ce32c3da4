//! A light tense guess for the clause around a time expression, from cue words.
//!
//! "Putin is to visit North Korea on Tuesday" looks forward, "Putin said on Tuesday" looks back.
//! Without a tagger we read the words of the sentence outward from the expression (first those
//! before it, nearest first, then those after it) and take the first cue: a future marker from
//! the `future_cue` class ("will", "is to", "scheduled"), a past marker from `past_cue` ("said",
//! "was") or a lower-case word ending in "-ed".

use std::collections::HashSet;

use crate::grammar::{fold, Lexicon};

/// Direction of the clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tense {
    /// Past (or no cue at all: news reports mostly look back).
    Past,
    /// Future.
    Future,
    /// No cue found.
    Unknown,
}

/// Cue words, single words and two-word phrases.
#[derive(Debug, Default)]
pub(crate) struct Cues {
    future: HashSet<String>,
    past: HashSet<String>,
}

impl Cues {
    pub fn from_lexicon(lex: &Lexicon) -> Self {
        let take = |name: &str| -> HashSet<String> {
            lex.classes
                .get(name)
                .map(|c| c.map.keys().cloned().collect())
                .unwrap_or_default()
        };
        Cues {
            future: take("future_cue"),
            past: take("past_cue"),
        }
    }

    fn classify(&self, word: &str, next: Option<&str>, raw: &str) -> Option<Tense> {
        if let Some(n) = next {
            let pair = format!("{word} {n}");
            if self.future.contains(&pair) {
                return Some(Tense::Future);
            }
            if self.past.contains(&pair) {
                return Some(Tense::Past);
            }
        }
        if self.future.contains(word) {
            return Some(Tense::Future);
        }
        if self.past.contains(word) {
            return Some(Tense::Past);
        }
        if word.ends_with("'ll") || word.ends_with("’ll") {
            return Some(Tense::Future);
        }
        // Regular past forms; proper names ending in "-ed" are rare enough to ignore.
        let _ = raw;
        if word.len() >= 5 && word.ends_with("ed") && !word.ends_with("eed") {
            return Some(Tense::Past);
        }
        None
    }

    /// Guesses the tense for the expression at `expr` (byte range) inside `sentence` of `text`.
    pub fn tense(&self, text: &str, sentence: (usize, usize), expr: (usize, usize)) -> Tense {
        let words = |from: usize, to: usize| -> Vec<(usize, &str)> {
            let s = text.get(from..to).unwrap_or("");
            let mut out = Vec::new();
            let mut start = None;
            for (i, c) in s.char_indices() {
                let part = c.is_alphanumeric() || c == '\'' || c == '’';
                match (part, start) {
                    (true, None) => start = Some(i),
                    (false, Some(st)) => {
                        out.push((from + st, &s[st..i]));
                        start = None;
                    }
                    _ => {}
                }
            }
            if let Some(st) = start {
                out.push((from + st, &s[st..]));
            }
            out
        };
        let before = words(sentence.0, expr.0);
        let after = words(expr.1, sentence.1);
        let folded = |w: &str| fold(w);
        // Before the expression: nearest first, but look at pairs in reading order.
        for i in (0..before.len()).rev().take(14) {
            let w = folded(before[i].1);
            let next = before.get(i + 1).map(|(_, n)| folded(n));
            if let Some(t) = self.classify(&w, next.as_deref(), before[i].1) {
                // "will be held", "is expected to be signed": a participle after "be" is not a
                // past tense; keep reading towards the auxiliary.
                let prev = i.checked_sub(1).map(|p| folded(before[p].1));
                if t == Tense::Past && matches!(prev.as_deref(), Some("be" | "been" | "being")) {
                    continue;
                }
                return t;
            }
        }
        for i in 0..after.len().min(10) {
            let w = folded(after[i].1);
            let next = after.get(i + 1).map(|(_, n)| folded(n));
            if let Some(t) = self.classify(&w, next.as_deref(), after[i].1) {
                return t;
            }
        }
        Tense::Unknown
    }
}
