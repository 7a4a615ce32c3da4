//! NER features: hashed templates over the current token and a ±2 window — word forms, affixes,
//! word shape, casing flags, word clusters and case profiles from [`crate::lexicon`], gazetteer
//! phrase hits, headline (all-caps sentence) and document-level case evidence.

use rustc_hash::FxHashMap;

use newslens_learn::hash::FeatureHash;
use newslens_learn::sequence::FeatureSeq;

use crate::gazetteer::PhraseTable;
use crate::lexicon::{Lexicon, NONE};

const F_INIT_CAP: u8 = 1;
const F_ALL_CAPS: u8 = 2;
const F_DIGIT: u8 = 4;
const F_HYPHEN: u8 = 8;
const F_PERIOD: u8 = 16;
const F_ALL_DIGITS: u8 = 32;
const F_PUNCT: u8 = 64;
const F_INNER_CAP: u8 = 128;

/// Per-token values computed once and shared by the templates of nearby tokens.
#[derive(Debug, Clone, Default)]
struct Tok {
    lower: String,
    shape: String,
    short: String,
    flags: u8,
    clusters: [u16; 3],
    case: u8,
    gaz: (u8, u8),
    /// Document evidence: 0 none, 1 seen capitalised mid-sentence, 2 seen lowercase, 3 both.
    doc: u8,
}

/// Document-level case evidence: for each lowercase form, whether it was seen capitalised or
/// lowercase in "reliable" positions (not sentence-initial, not in an all-caps headline).
#[derive(Debug, Clone, Default)]
pub struct DocContext {
    seen: FxHashMap<String, u8>,
    /// Lowercase word → first-pass label counts by type (O, PER, ORG, LOC, MISC), for the
    /// second pass ("prediction history": a name labelled PER in one sentence is likely PER in
    /// the headline too).
    history: Option<FxHashMap<String, [u16; 5]>>,
}

impl DocContext {
    /// Collects the evidence of a document's sentences.
    pub fn new<S: AsRef<str>>(sentences: &[Vec<S>]) -> Self {
        let mut seen: FxHashMap<String, u8> = FxHashMap::default();
        for s in sentences {
            if all_caps_sentence(s) {
                continue;
            }
            for w in s.iter().skip(1) {
                let w = w.as_ref();
                let Some(c) = w.chars().next() else { continue };
                if !c.is_alphabetic() {
                    continue;
                }
                let bit = if c.is_uppercase() { 1 } else { 2 };
                *seen.entry(w.to_lowercase()).or_default() |= bit;
            }
        }
        Self {
            seen,
            history: None,
        }
    }

    /// Adds first-pass labels (entity type per token: 0 = O, 1..=4 = PER/ORG/LOC/MISC).
    pub fn set_history<S: AsRef<str>>(&mut self, sentences: &[Vec<S>], types: &[Vec<u8>]) {
        let mut h: FxHashMap<String, [u16; 5]> = FxHashMap::default();
        for (s, t) in sentences.iter().zip(types) {
            for (w, ty) in s.iter().zip(t) {
                let w = w.as_ref();
                if !w.chars().next().is_some_and(char::is_alphanumeric) {
                    continue;
                }
                let e = h.entry(w.to_lowercase()).or_default();
                e[usize::from(*ty).min(4)] = e[usize::from(*ty).min(4)].saturating_add(1);
            }
        }
        self.history = Some(h);
    }

    /// True when first-pass labels were added.
    pub fn has_history(&self) -> bool {
        self.history.is_some()
    }

    fn get(&self, lower: &str) -> u8 {
        self.seen.get(lower).copied().unwrap_or(0)
    }

    fn hist(&self, lower: &str) -> (u8, u8) {
        let Some(c) = self.history.as_ref().and_then(|h| h.get(lower)) else {
            return (0, 0);
        };
        let total: u32 = c.iter().map(|x| u32::from(*x)).sum();
        if total == 0 {
            return (0, 0);
        }
        let mut m = 0;
        for k in 1..5 {
            if c[k] > c[m] {
                m = k;
            }
        }
        let bucket = (u32::from(c[m]) * 4 / total) as u8;
        let types = (1..5).filter(|k| c[*k] > 0).fold(0u8, |b, k| b | (1 << k));
        (m as u8 * 8 + bucket + 1, types | u8::from(total > 1))
    }
}

/// True for headline-style sentences where most words are in capitals.
pub fn all_caps_sentence<S: AsRef<str>>(s: &[S]) -> bool {
    let (mut alpha, mut caps) = (0, 0);
    for w in s {
        let w = w.as_ref();
        if w.chars().any(char::is_alphabetic) {
            alpha += 1;
            if !w.chars().any(char::is_lowercase) {
                caps += 1;
            }
        }
    }
    alpha >= 2 && caps * 10 >= alpha * 8
}

/// Reusable feature extractor (holds scratch buffers).
#[derive(Debug, Default)]
pub struct Extractor {
    toks: Vec<Tok>,
    gaz: Vec<(u8, u8)>,
    hist: Vec<(u8, u8)>,
}

fn shapes(w: &str, lower: &mut String, shape: &mut String, short: &mut String) -> u8 {
    lower.clear();
    shape.clear();
    short.clear();
    let mut flags = 0u8;
    let (mut n_alpha, mut n_upper, mut n_digit, mut n) = (0, 0, 0, 0);
    let mut last = ' ';
    for (i, c) in w.chars().enumerate() {
        n += 1;
        let s = if c.is_uppercase() {
            n_alpha += 1;
            n_upper += 1;
            if i > 0 {
                flags |= F_INNER_CAP;
            }
            'X'
        } else if c.is_alphabetic() {
            n_alpha += 1;
            'x'
        } else if c.is_ascii_digit() {
            n_digit += 1;
            'd'
        } else {
            c
        };
        if c.is_ascii_digit() {
            lower.push('0');
        } else {
            lower.extend(c.to_lowercase());
        }
        if shape.len() < 12 {
            shape.push(s);
        }
        if s != last {
            short.push(s);
            last = s;
        }
        match c {
            '-' => flags |= F_HYPHEN,
            '.' => flags |= F_PERIOD,
            _ => {}
        }
    }
    if w.chars().next().is_some_and(char::is_uppercase) {
        flags |= F_INIT_CAP;
    }
    if n_alpha > 0 && n_upper == n_alpha {
        flags |= F_ALL_CAPS;
    }
    if n_digit > 0 {
        flags |= F_DIGIT;
        if n_digit == n {
            flags |= F_ALL_DIGITS;
        }
    }
    if n_alpha == 0 && n_digit == 0 {
        flags |= F_PUNCT;
    }
    // An inner capital only matters for mixed-case words ("McDonald", "iPhone").
    if n_upper == n_alpha {
        flags &= !F_INNER_CAP;
    }
    flags
}

fn prefix(s: &str, n: usize) -> Option<&str> {
    let end = s.char_indices().nth(n).map(|(i, _)| i);
    match end {
        Some(e) => Some(&s[..e]),
        None if s.chars().count() == n => Some(s),
        None => None,
    }
}

fn suffix(s: &str, n: usize) -> Option<&str> {
    let count = s.chars().count();
    if count < n {
        return None;
    }
    let start = s.char_indices().nth(count - n).map_or(0, |(i, _)| i);
    Some(&s[start..])
}

impl Extractor {
    /// Appends the features of every token of `words` to `out` (which is cleared first).
    pub fn extract<S: AsRef<str>>(
        &mut self,
        words: &[S],
        lex: &Lexicon,
        phrases: &PhraseTable,
        doc: Option<&DocContext>,
        bits: u32,
        out: &mut FeatureSeq,
    ) {
        out.clear();
        let n = words.len();
        phrases.matches(words, &mut self.gaz);
        if self.toks.len() < n {
            self.toks.resize_with(n, Tok::default);
        }
        let headline = all_caps_sentence(words);
        for (i, w) in words.iter().enumerate() {
            let w = w.as_ref();
            let t = &mut self.toks[i];
            t.flags = shapes(w, &mut t.lower, &mut t.shape, &mut t.short);
            t.clusters = lex.clusters(w, &t.lower);
            t.case = lex.case_bucket(&t.lower);
            t.gaz = self.gaz[i];
            t.doc = doc.map_or(0, |d| d.get(&t.lower));
        }
        let toks = &self.toks[..n];
        let pad = Tok {
            lower: "<pad>".into(),
            shape: "<pad>".into(),
            short: "<pad>".into(),
            clusters: [NONE; 3],
            ..Tok::default()
        };
        let at = |k: isize| -> &Tok {
            if k < 0 || k as usize >= n {
                &pad
            } else {
                &toks[k as usize]
            }
        };
        for i in 0..n {
            let w = words[i].as_ref();
            let t = &toks[i];
            let ii = i as isize;
            let (p1, p2, n1, n2) = (at(ii - 1), at(ii - 2), at(ii + 1), at(ii + 2));
            let first = i == 0;
            let mut push = |h: FeatureHash| out.push(h.row(bits));
            push(FeatureHash::new(0));
            push(FeatureHash::new(1).str(w));
            push(FeatureHash::new(2).str(&t.lower));
            for k in 1..=4 {
                if let Some(p) = prefix(&t.lower, k) {
                    push(FeatureHash::new(3).u64(k as u64).str(p));
                }
                if let Some(s) = suffix(&t.lower, k) {
                    push(FeatureHash::new(4).u64(k as u64).str(s));
                }
            }
            push(FeatureHash::new(5).str(&t.shape));
            push(FeatureHash::new(6).str(&t.short));
            push(
                FeatureHash::new(7)
                    .u64(u64::from(t.flags))
                    .u64(u64::from(first))
                    .u64(u64::from(headline)),
            );
            push(FeatureHash::new(8).str(&p1.lower));
            push(FeatureHash::new(9).str(&n1.lower));
            push(FeatureHash::new(10).str(&p2.lower));
            push(FeatureHash::new(11).str(&n2.lower));
            push(FeatureHash::new(12).str(&p1.lower).str(&t.lower));
            push(FeatureHash::new(13).str(&t.lower).str(&n1.lower));
            push(FeatureHash::new(14).str(&p1.short));
            push(FeatureHash::new(15).str(&n1.short));
            push(
                FeatureHash::new(16)
                    .str(&p1.short)
                    .str(&t.short)
                    .str(&n1.short),
            );
            for (lvl, c) in t.clusters.iter().enumerate() {
                if *c != NONE {
                    push(FeatureHash::new(17).u64(lvl as u64).u64(u64::from(*c)));
                }
            }
            if t.clusters[0] != NONE {
                push(
                    FeatureHash::new(18)
                        .u64(u64::from(t.clusters[0]))
                        .str(&t.short),
                );
            }
            for (k, o) in [(0u64, p1), (1, n1), (2, p2), (3, n2)] {
                if o.clusters[1] != NONE {
                    push(FeatureHash::new(19).u64(k).u64(u64::from(o.clusters[1])));
                }
            }
            push(
                FeatureHash::new(20)
                    .u64(u64::from(t.case))
                    .u64(u64::from(first || headline))
                    .u64(u64::from(t.flags & (F_INIT_CAP | F_ALL_CAPS))),
            );
            push(
                FeatureHash::new(21)
                    .u64(u64::from(t.gaz.0))
                    .u64(u64::from(t.gaz.1)),
            );
            push(
                FeatureHash::new(22)
                    .u64(u64::from(p1.gaz.0))
                    .u64(u64::from(n1.gaz.0)),
            );
            push(
                FeatureHash::new(23)
                    .u64(u64::from(t.doc))
                    .u64(u64::from(first || headline))
                    .u64(u64::from(t.flags & (F_INIT_CAP | F_ALL_CAPS))),
            );
            if headline {
                push(FeatureHash::new(24).str(&t.lower));
            }
            if first {
                push(FeatureHash::new(25).str(w));
            }
            push(FeatureHash::new(26).str(&p1.lower).str(&n1.lower));
            out.end_token();
        }
    }

    /// Second-pass features: the first-pass features `base` of each token plus the label
    /// history of the word (and its neighbours) in the document (see
    /// [`DocContext::set_history`]).
    pub fn add_history<S: AsRef<str>>(
        &mut self,
        words: &[S],
        doc: &DocContext,
        base: &FeatureSeq,
        bits: u32,
        out: &mut FeatureSeq,
    ) {
        out.clear();
        self.hist.clear();
        self.hist
            .extend(words.iter().map(|w| doc.hist(&w.as_ref().to_lowercase())));
        let headline = all_caps_sentence(words);
        let n = words.len();
        for i in 0..n {
            for &r in base.token(i) {
                out.push(r);
            }
            // Hist value: majority type (0 = O, 1..=4 = PER/ORG/LOC/MISC) * 8 + share bucket
            // (0..=4) + 1, 0 when unseen; types: bit t set when labelled type t somewhere.
            let (h, types) = self.hist[i];
            let p1 = if i > 0 { self.hist[i - 1].0 } else { 0xff };
            let n1 = if i + 1 < n { self.hist[i + 1].0 } else { 0xff };
            let mut push = |f: FeatureHash| out.push(f.row(bits));
            if h != 0 {
                push(FeatureHash::new(27).u64(u64::from(h)));
                push(FeatureHash::new(28).u64(u64::from(types)));
                push(
                    FeatureHash::new(29)
                        .u64(u64::from(h))
                        .u64(u64::from(i == 0 || headline)),
                );
            }
            push(FeatureHash::new(30).u64(u64::from(p1)).u64(u64::from(n1)));
            out.end_token();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_flags() {
        let (mut l, mut s, mut sh) = (String::new(), String::new(), String::new());
        let f = shapes("McDonald-2", &mut l, &mut s, &mut sh);
        assert_eq!(l, "mcdonald-0");
        assert_eq!(sh, "XxXx-d");
        assert!(f & F_INNER_CAP != 0 && f & F_HYPHEN != 0 && f & F_DIGIT != 0);
        let f = shapes("NATO", &mut l, &mut s, &mut sh);
        assert!(f & F_ALL_CAPS != 0 && f & F_INNER_CAP == 0);
        assert_eq!(prefix("ab", 2), Some("ab"));
        assert_eq!(prefix("ab", 3), None);
        assert_eq!(suffix("Kyiv", 2), Some("iv"));
    }

    #[test]
    fn every_token_gets_features() {
        let mut e = Extractor::default();
        let mut out = FeatureSeq::new();
        let words = ["Putin", "visited", "Pyongyang", "."];
        e.extract(
            &words,
            &Lexicon::default(),
            &PhraseTable::default(),
            None,
            18,
            &mut out,
        );
        assert_eq!(out.len(), 4);
        assert!(out.token(0).len() > 20);
        assert!(out.token(0).iter().all(|r| *r < (1 << 18)));
    }
}
