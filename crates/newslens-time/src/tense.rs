//! A light tense guess for the clause around a time expression, from cue words.
//!
//! "Putin is to visit North Korea on Tuesday" looks forward, "Putin said on Tuesday" looks back.
//! Without a tagger we read the words of the sentence outward from the expression (first those
//! before it, nearest first, then those after it) and take the first cue: a future marker from
//! the `future_cue` class ("will", "is to", "scheduled"), a past marker from `past_cue` ("said",
//! "was") or a lower-case word ending in "-ed".

use crate::grammar::{fold, FastSet, Lexicon};

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
    future: FastSet,
    past: FastSet,
}

impl Cues {
    pub fn from_lexicon(lex: &Lexicon) -> Self {
        let take = |name: &str| -> FastSet {
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

    /// `pair` is scratch space for the two-word key (one buffer per [`Cues::tense`] call).
    fn classify(
        &self,
        word: &str,
        next: Option<&str>,
        raw: &str,
        pair: &mut String,
    ) -> Option<Tense> {
        if let Some(n) = next {
            pair.clear();
            pair.push_str(word);
            pair.push(' ');
            pair.push_str(n);
            if self.future.contains(pair.as_str()) {
                return Some(Tense::Future);
            }
            if self.past.contains(pair.as_str()) {
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
        let mut pair = String::new();
        // Each word is folded once, when first needed (it is looked at as the word, then as the
        // next or the previous one of its neighbours).
        let mut folded: Vec<Option<String>> = vec![None; before.len()];
        let fold_at = |folded: &mut Vec<Option<String>>, i: usize| {
            if folded[i].is_none() {
                folded[i] = Some(fold(before[i].1));
            }
        };
        // "would end on Friday": the future of a reported past, when "would" governs the
        // clause the expression closes (a possessive "would … Wednesday's ruling" does not).
        let n = before.len();
        if n >= 2
            && before[n - 1].1.eq_ignore_ascii_case("on")
            && before[n.saturating_sub(5)..n - 1]
                .iter()
                .any(|(_, w)| w.eq_ignore_ascii_case("would"))
        {
            return Tense::Future;
        }
        // Before the expression: nearest first, but look at pairs in reading order.
        for i in (0..before.len()).rev().take(14) {
            fold_at(&mut folded, i);
            if i + 1 < before.len() {
                fold_at(&mut folded, i + 1);
            }
            let w = folded[i].as_deref().unwrap_or_default();
            let next = folded.get(i + 1).and_then(Option::as_deref);
            if let Some(t) = self.classify(w, next, before[i].1, &mut pair) {
                // "will be held", "is expected to be signed": a participle after "be" is not a
                // past tense; keep reading towards the auxiliary.
                if t == Tense::Past {
                    if let Some(p) = i.checked_sub(1) {
                        fold_at(&mut folded, p);
                    }
                    let prev = i.checked_sub(1).and_then(|p| folded[p].as_deref());
                    if matches!(prev, Some("be" | "been" | "being")) {
                        continue;
                    }
                }
                return t;
            }
        }
        // After it: in reading order, each word folded once as the next word, then as the word.
        let mut next = after.first().map(|(_, w)| fold(w));
        for i in 0..after.len().min(10) {
            let w = next.take().unwrap_or_default();
            next = after.get(i + 1).map(|(_, n)| fold(n));
            if let Some(t) = self.classify(&w, next.as_deref(), after[i].1, &mut pair) {
                return t;
            }
        }
        Tense::Unknown
    }
}
