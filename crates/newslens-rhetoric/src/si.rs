//! Span identification: a token classifier ("is this token inside a technique span?") over
//! lexical, shape, context, quotation, lexicon and repetition features; positive runs become spans.

use std::collections::HashMap;

use newslens_core::Span;

use crate::linear::{
    fh, fh_finish, fh_part, fh_start, sigmoid, softmax, train, Dataset, Linear, Loss, TrainConfig,
};
use crate::prep::{Lexicon, Prepared, Sent};
use crate::senti::valence;
use crate::text::{count_bucket, is_function_word, is_stop, len_bucket, Kind};

/// The span identification model.
#[derive(Debug, Clone)]
pub struct SiModel {
    /// Token classifier: softmax over "outside" and the techniques.
    pub lin: Linear,
    /// Word → in-span rate learned from the training spans.
    pub lex: Lexicon,
    /// Decision threshold on the token probability.
    pub threshold: f32,
    /// A span is kept only if one of its tokens reaches this probability.
    pub min_peak: f32,
    /// Phrase scorer: probability that a noun-phrase-like chunk lies inside a span.
    pub chunk: Option<Linear>,
    /// See [`SiConfig::chunk_level`].
    pub chunk_level: f32,
    /// See [`SiConfig::chunk_new`].
    pub chunk_new: f32,
}

/// Token and phrase probabilities of a document, before decoding.
#[derive(Debug, Clone, Default)]
pub struct SiScores {
    /// Per sentence, per token: probability of lying inside a span.
    pub probs: Vec<Vec<f32>>,
    /// Per sentence, per token: most likely technique (1-based).
    pub classes: Vec<Vec<u8>>,
    /// Phrase candidates `(sentence, first token, last token, probability)`.
    pub chunks: Vec<(usize, usize, usize, f32)>,
}

/// Decoding settings.
#[derive(Debug, Clone, Copy)]
pub struct DecodeConfig {
    /// Token threshold of a run.
    pub threshold: f32,
    /// Peak a run needs.
    pub min_peak: f32,
    /// Phrase level inside spans.
    pub chunk_level: f32,
    /// Phrase level outside spans.
    pub chunk_new: f32,
}

fn is_content(t: &crate::text::Tok) -> bool {
    t.kind == Kind::Word && !is_function_word(&t.lower)
}

/// Room reserved per token for its SI features (most tokens have 40–48).
const FEATS_PER_TOKEN: usize = 48;

/// Longest phrase candidate, in tokens.
const MAX_CHUNK: usize = 8;

/// Noun-phrase-like phrase candidates of a sentence (two or more content words): maximal runs
/// of content words (modifiers and head, e.g. adjective + noun runs), also joined over a comma or
/// "and"/"or" between content words (coordinated modifiers), and the pieces of a joined run.
pub fn chunks(s: &Sent) -> Vec<(usize, usize)> {
    let t = &s.toks;
    let n = t.len();
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        if !is_content(&t[i]) {
            i += 1;
            continue;
        }
        let mut pieces = vec![(i, i)];
        let mut j = i;
        loop {
            if j + 1 < n && is_content(&t[j + 1]) {
                j += 1;
                if let Some(last) = pieces.last_mut() {
                    last.1 = j;
                }
            } else if j + 2 < n
                && matches!(t[j + 1].lower.as_str(), "," | "and" | "or")
                && is_content(&t[j + 2])
            {
                j += 2;
                pieces.push((j, j));
            } else {
                break;
            }
        }
        if j - i < MAX_CHUNK && j > i {
            out.push((i, j));
        }
        if pieces.len() > 1 {
            out.extend(
                pieces
                    .into_iter()
                    .filter(|(a, b)| b > a && b - a < MAX_CHUNK),
            );
        }
        i = j + 1;
    }
    out
}

/// Features of phrase candidate `a..=b` of sentence `s`.
fn chunk_features(s: &Sent, f: &SentInfo, a: usize, b: usize, out: &mut Vec<u32>) {
    out.clear();
    out.push(fh(50, &[]));
    let t = &s.toks;
    let mut max_lex = -1.0f32;
    let mut strong = 0usize;
    let mut joined = false;
    for (j, tok) in t.iter().enumerate().take(b + 1).skip(a) {
        let w = tok.lower.as_str();
        if tok.kind != Kind::Word {
            joined = true;
            continue;
        }
        out.push(fh(51, &[w]));
        let v = f.val_b(j as isize);
        out.push(fh(52, &[v]));
        out.push(fh(53, &[f.lex_b(j as isize)]));
        if let Some((suf, _)) = affixes(w) {
            out.push(fh(54, &[suf]));
        }
        max_lex = max_lex.max(f.lex[j]);
        strong += usize::from(f.val[j].abs() >= 1.5);
    }
    joined |= t[a..=b]
        .iter()
        .any(|x| matches!(x.lower.as_str(), "and" | "or"));
    out.push(fh(55, &[&t[a].lower]));
    out.push(fh(56, &[&t[b].lower]));
    out.push(fh(57, &[&t[a].shape, &t[b].shape]));
    out.push(fh(58, &[f.val_b(a as isize), &t[b].lower]));
    out.push(fh(59, &[len_bucket(b - a + 1)]));
    out.push(fh(60, &[if max_lex < 0.0 { "u" } else { b10(max_lex) }]));
    out.push(fh(61, &[count_bucket(strong)]));
    out.push(fh(62, &[word(s, a as isize - 1)]));
    out.push(fh(63, &[word(s, b as isize + 1)]));
    out.push(fh(64, &[word(s, a as isize - 1), &t[a].shape]));
    if joined {
        out.push(fh(65, &[]));
    }
    if s.in_quote[a] {
        out.push(fh(66, &[]));
    }
    if s.title {
        out.push(fh(67, &[]));
    }
    out.push(fh(68, &[f.max_lex]));
}

/// Share of a phrase's words inside gold spans from which it counts as inside a span.
const CHUNK_INSIDE: f32 = 0.5;

/// A predicted span.
#[derive(Debug, Clone, PartialEq)]
pub struct SpanPred {
    /// Extent (bytes).
    pub span: Span,
    /// Mean token probability.
    pub score: f32,
    /// Index in [`Prepared::sents`].
    pub sent: usize,
    /// Lies inside a longer predicted span.
    pub nested: bool,
}

const NONE: &str = "<none>";

/// Mean token probability from which a phrase candidate inside a kept span is given as a
/// nested span of its own.
const PHRASE_FLOOR: f32 = 0.2;

/// Step from `min_peak` to the second level of nested spans.
const NESTED_STEP: f32 = 0.15;

fn word(s: &Sent, i: isize) -> &str {
    if i < 0 {
        "<s>"
    } else {
        s.toks.get(i as usize).map_or("</s>", |t| t.lower.as_str())
    }
}

const B10: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

#[inline]
fn b10(x: f32) -> &'static str {
    B10[b10_i(x)]
}

/// Index in [`B10`] of the bucket of `x`.
#[inline]
fn b10_i(x: f32) -> usize {
    ((x.max(0.0) * 10.0) as usize).min(9)
}

/// What [`SentInfo::lex_b`] can give, by index (see [`SentInfo::lex_i`]).
const LEX_B: [&str; 13] = [
    "<s>", "</s>", "u", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
];

/// What [`valence_class`] (and so [`SentInfo::val_b`]) can give, by index.
const VAL_B: [&str; 5] = ["-", "n2", "n1", "p2", "p1"];

/// Counts from which [`count_bucket`] gives the same bucket ("20").
const COUNT_CAP: usize = 20;

/// Per-token facts looked up once per sentence (lexicon rate, valence, article count) and
/// shared by every feature that needs them, so no token is hashed into a table twice.
#[derive(Debug, Clone, Default)]
pub struct SentInfo {
    /// Lexicon rate (negative: unknown word).
    pub lex: Vec<f32>,
    /// VADER valence (0 when unlisted).
    pub val: Vec<f32>,
    /// Occurrences of the word in the article (0 for stop words and punctuation).
    pub count: Vec<u32>,
    /// Per token, the hashes of its word under the word templates 1–5 (see [`WordFacts`]).
    wh: Vec<[u32; 5]>,
    /// Per token, the hashes of its affix templates 9, 10, 39 (none for short words).
    aff: Vec<Option<[u32; 3]>>,
    /// Per token, the hash states of the templates whose first part is its word (see
    /// [`WordFacts::pre`]).
    pre: Vec<[u64; 4]>,
    len: &'static str,
    excl: bool,
    quest: bool,
    max_lex: &'static str,
    /// Index of `max_lex` in the rows of [`FixedHashes::t25`] (0: none).
    max_lex_i: usize,
    n_lex_hi: &'static str,
    n_val: &'static str,
    /// The sentence-wide token features: `fh(15, [len])`, `fh(24, [max_lex])`,
    /// `fh(26, [n_lex_hi])`, `fh(36, [n_val])`, hashed once per sentence, not per token.
    h_sent: [u32; 4],
}

/// What token features need of a word that depends on the word alone: its valence, whether
/// it is a stop word, and the hashes of the word-only templates (the word as itself and as
/// each neighbour: templates 1–5; its affixes: 9, 10, and 39 with its valence class). Kept in a
/// per-thread cache across documents (see [`WordFacts::cached`]), so a frequent word is hashed
/// and looked up in the valence table once, not at every occurrence. The hashes are those
/// [`fh`] gives, so the features are the same numbers in the same order.
#[derive(Debug, Clone, Copy)]
struct WordFacts {
    val: f32,
    stop: bool,
    wh: [u32; 5],
    aff: Option<[u32; 3]>,
    /// The [`fh`] states after the word as the first part of templates 6, 7, 38 and 42 (word
    /// pairs, word + shape, word + valence): a token's feature continues its neighbour's state
    /// with its own part instead of hashing both words again.
    pre: [u64; 4],
}

/// Templates of [`WordFacts::pre`], in order.
const PRE_TAGS: [u32; 4] = [6, 7, 38, 42];

/// Words per cache generation: two generations (the current one and the previous one, whose
/// words move up when seen again) bound the cache to about 2 × this many words.
const WORD_CACHE: usize = 1 << 15;

#[derive(Default)]
struct WordCache {
    cur: rustc_hash::FxHashMap<Box<str>, WordFacts>,
    old: rustc_hash::FxHashMap<Box<str>, WordFacts>,
}

thread_local! {
    static WORDS: std::cell::RefCell<WordCache> = std::cell::RefCell::default();
}

impl WordFacts {
    /// The facts of a token whose valence is `val` (0 for non-words, as in [`SentInfo`]).
    fn new(w: &str, val: f32) -> Self {
        let wh = [
            fh(1, &[w]),
            fh(2, &[w]),
            fh(3, &[w]),
            fh(4, &[w]),
            fh(5, &[w]),
        ];
        let aff = affixes(w).map(|(suf, pre)| {
            [
                fh(9, &[suf]),
                fh(10, &[pre]),
                fh(39, &[suf, valence_class(val)]),
            ]
        });
        Self {
            val,
            stop: is_stop(w),
            wh,
            aff,
            pre: PRE_TAGS.map(|t| fh_part(fh_start(t), w)),
        }
    }

    /// The facts of word `w` (a [`Kind::Word`] token), from the per-thread cache.
    fn cached(w: &str) -> Self {
        let compute = |w: &str| Self::new(w, valence(w).unwrap_or(0.0));
        WORDS
            .try_with(|c| {
                let Ok(mut c) = c.try_borrow_mut() else {
                    return compute(w);
                };
                if let Some(f) = c.cur.get(w) {
                    return *f;
                }
                let f = match c.old.remove_entry(w) {
                    Some((_, f)) => f,
                    None => compute(w),
                };
                if c.cur.len() >= WORD_CACHE {
                    c.old = std::mem::take(&mut c.cur);
                }
                c.cur.insert(w.into(), f);
                f
            })
            .unwrap_or_else(|_| compute(w))
    }
}

/// What [`SentInfo`] looks up for a token's lower-cased form: its lexicon rate and
/// its `WordFacts`, per document-local word id ([`Sent::wid`]) and token kind (word or not), so a
/// word repeated in a document is looked up once (a fresh memo per document and lexicon).
#[derive(Debug, Clone, Default)]
pub struct WordMemo {
    facts: Vec<[Option<(f32, WordFacts)>; 2]>,
}

impl WordMemo {
    /// An empty memo for the words of `p`.
    pub fn new(p: &Prepared) -> Self {
        Self {
            facts: vec![[None; 2]; p.words.len()],
        }
    }
}

/// Lexicon rate and word facts of token `t` (computed, not memoised).
fn token_facts(t: &crate::text::Tok, lex: &Lexicon) -> (f32, WordFacts) {
    let word = t.kind == Kind::Word;
    let r = if word || t.lower.len() == 1 {
        lex.get(&t.lower).copied().unwrap_or(-1.0)
    } else {
        -1.0
    };
    // Words come from the per-thread cache; other tokens (valence 0) are computed.
    let facts = if word {
        WordFacts::cached(&t.lower)
    } else {
        WordFacts::new(&t.lower, 0.0)
    };
    (r, facts)
}

impl SentInfo {
    /// Looks up the tokens of `s`.
    pub fn new(p: &Prepared, s: &Sent, lex: &Lexicon) -> Self {
        Self::with_memo(p, s, lex, &mut WordMemo::new(p))
    }

    /// Looks up the tokens of `s`, each distinct word once per `memo` (which must have been
    /// made for `p` and used with this `lex` only).
    pub fn with_memo(p: &Prepared, s: &Sent, lex: &Lexicon, memo: &mut WordMemo) -> Self {
        let n = s.toks.len();
        let mut info = SentInfo {
            lex: Vec::with_capacity(n),
            val: Vec::with_capacity(n),
            count: Vec::with_capacity(n),
            wh: Vec::with_capacity(n),
            aff: Vec::with_capacity(n),
            pre: Vec::with_capacity(n),
            len: len_bucket(n),
            ..SentInfo::default()
        };
        let mut best = -1.0f32;
        let (mut hi, mut strong) = (0, 0);
        for (i, t) in s.toks.iter().enumerate() {
            let word = t.kind == Kind::Word;
            let id = s.wid.get(i).map(|&w| w as usize);
            let (r, facts) = match id.and_then(|id| memo.facts.get_mut(id)) {
                Some(slot) => *slot[usize::from(word)].get_or_insert_with(|| token_facts(t, lex)),
                None => token_facts(t, lex),
            };
            let v = facts.val;
            let content = word && !facts.stop;
            info.wh.push(facts.wh);
            info.aff.push(facts.aff);
            info.pre.push(facts.pre);
            let c = if content {
                id.and_then(|id| p.words.get(id)).copied().unwrap_or(0)
            } else {
                0
            };
            if content && r >= 0.0 {
                best = best.max(r);
                hi += usize::from(r >= 0.5);
            }
            strong += usize::from(v.abs() >= 1.5);
            info.excl |= t.lower == "!";
            info.quest |= t.lower == "?";
            info.lex.push(r);
            info.val.push(v);
            info.count.push(c);
        }
        (info.max_lex, info.max_lex_i) = if best < 0.0 {
            (NONE, 0)
        } else {
            (b10(best), 1 + b10_i(best))
        };
        info.n_lex_hi = count_bucket(hi);
        info.n_val = count_bucket(strong);
        info.h_sent = [
            fh(15, &[info.len]),
            fh(24, &[info.max_lex]),
            fh(26, &[info.n_lex_hi]),
            fh(36, &[info.n_val]),
        ];
        info
    }

    fn lex_b(&self, i: isize) -> &'static str {
        LEX_B[self.lex_i(i)]
    }

    /// Index in [`LEX_B`] of the lexicon bucket of token `i` (`<s>`, `</s>` past the edges).
    #[inline]
    fn lex_i(&self, i: isize) -> usize {
        if i < 0 {
            return 0;
        }
        match self.lex.get(i as usize) {
            None => 1,
            Some(r) if *r < 0.0 => 2,
            Some(r) => 3 + b10_i(*r),
        }
    }

    fn val_b(&self, i: isize) -> &'static str {
        VAL_B[self.val_i(i)]
    }

    /// Index in [`VAL_B`] of the valence class of token `i` (`-` past the edges).
    #[inline]
    fn val_i(&self, i: isize) -> usize {
        if i < 0 {
            return 0;
        }
        self.val.get(i as usize).map_or(0, |v| valence_class_i(*v))
    }
}

/// Bucket of a valence (as [`crate::senti::valence_bucket`]).
fn valence_class(v: f32) -> &'static str {
    VAL_B[valence_class_i(v)]
}

/// Index in [`VAL_B`] of the bucket of a valence.
#[inline]
fn valence_class_i(v: f32) -> usize {
    if v == 0.0 {
        0
    } else if v <= -2.0 {
        1
    } else if v < 0.0 {
        2
    } else if v >= 2.0 {
        3
    } else {
        4
    }
}

/// The last three characters of a word longer than four, and its first four.
fn affixes(w: &str) -> Option<(&str, &str)> {
    let mut it = w.char_indices();
    let pre_end = it.nth(4)?.0;
    let suf_start = w.char_indices().rev().nth(2).map_or(0, |x| x.0);
    Some((&w[suf_start..], &w[..pre_end]))
}

/// The hashes of the token-feature templates whose parts all come from small fixed sets (no
/// parts, the lexicon and valence buckets, the quotation flag, the position and count
/// buckets), made once per process with [`fh`] itself: a token reads about thirty of its
/// features from these tables instead of hashing them (same numbers, same order).
struct FixedHashes {
    h0: u32,
    h16: u32,
    h30: u32,
    first: u32,
    last: u32,
    excl: u32,
    quest: u32,
    /// `fh(11, [q])`, by quotation index (0: "q", 1: "nq").
    t11: [u32; 2],
    /// `fh(12, [q, l])`, by quotation and lexicon bucket index ([`LEX_B`]).
    t12: [[u32; 13]; 2],
    /// `fh(13, [rel])`, by relative position bucket.
    t13: [u32; 5],
    t18: [u32; 13],
    t20: [u32; 13],
    t21: [u32; 13],
    t22: [u32; 13],
    /// `fh(23, [lm1, l0, lp1])` at `(lm1 * 13 + l0) * 13 + lp1`.
    t23: Vec<u32>,
    /// `fh(25, [max_lex, l0])` by [`SentInfo::max_lex_i`] and lexicon bucket.
    t25: [[u32; 13]; 11],
    /// `fh(27 | 28, [count_bucket(n)])` at `n.min(COUNT_CAP)`.
    t27: [u32; COUNT_CAP + 1],
    t28: [u32; COUNT_CAP + 1],
    /// `fh(29, [b10(win), l0])`.
    t29: [[u32; 13]; 10],
    /// `fh(32, [v0])` by valence class index ([`VAL_B`]).
    t32: [u32; 5],
    /// `fh(33, [vm1, v0, vp1])` at `(vm1 * 5 + v0) * 5 + vp1`.
    t33: [u32; 125],
    /// `fh(34, [v0, l0])`.
    t34: [[u32; 13]; 5],
    /// `fh(35, [count_bucket(n)])` at `n.min(COUNT_CAP)`.
    t35: [u32; COUNT_CAP + 1],
    /// The [`fh`] state of template 41 after the valence class, by class index.
    s41: [u64; 5],
}

const QUOTE: [&str; 2] = ["q", "nq"];
const REL: [&str; 5] = ["0", "1", "2", "3", "4"];

impl FixedHashes {
    fn new() -> Self {
        let by_lex = |tag: u32| LEX_B.map(|l| fh(tag, &[l]));
        let counts = |tag: u32| {
            let mut t = [0u32; COUNT_CAP + 1];
            for (n, h) in t.iter_mut().enumerate() {
                *h = fh(tag, &[count_bucket(n)]);
            }
            t
        };
        let mut t23 = Vec::with_capacity(13 * 13 * 13);
        for a in LEX_B {
            for b in LEX_B {
                for c in LEX_B {
                    t23.push(fh(23, &[a, b, c]));
                }
            }
        }
        let mut t33 = [0u32; 125];
        for (a, va) in VAL_B.iter().enumerate() {
            for (b, vb) in VAL_B.iter().enumerate() {
                for (c, vc) in VAL_B.iter().enumerate() {
                    t33[(a * 5 + b) * 5 + c] = fh(33, &[va, vb, vc]);
                }
            }
        }
        let max_lex: [&str; 11] = std::array::from_fn(|i| if i == 0 { NONE } else { B10[i - 1] });
        Self {
            h0: fh(0, &[]),
            h16: fh(16, &[]),
            h30: fh(30, &[]),
            first: fh(14, &["first"]),
            last: fh(14, &["last"]),
            excl: fh(19, &["!"]),
            quest: fh(19, &["?"]),
            t11: QUOTE.map(|q| fh(11, &[q])),
            t12: QUOTE.map(|q| LEX_B.map(|l| fh(12, &[q, l]))),
            t13: REL.map(|r| fh(13, &[r])),
            t18: by_lex(18),
            t20: by_lex(20),
            t21: by_lex(21),
            t22: by_lex(22),
            t23,
            t25: max_lex.map(|m| LEX_B.map(|l| fh(25, &[m, l]))),
            t27: counts(27),
            t28: counts(28),
            t29: B10.map(|b| LEX_B.map(|l| fh(29, &[b, l]))),
            t32: VAL_B.map(|v| fh(32, &[v])),
            t33,
            t34: VAL_B.map(|v| LEX_B.map(|l| fh(34, &[v, l]))),
            t35: counts(35),
            s41: VAL_B.map(|v| fh_part(fh_start(41), v)),
        }
    }

    /// The process-wide tables.
    fn get() -> &'static Self {
        static T: std::sync::LazyLock<FixedHashes> = std::sync::LazyLock::new(FixedHashes::new);
        &T
    }
}

fn shape_at(s: &Sent, i: isize) -> &str {
    if i < 0 {
        "<s>"
    } else {
        s.toks.get(i as usize).map_or("</s>", |t| t.shape.as_str())
    }
}

/// Features of token `i` of sentence `s` (cleared into `out`).
fn token_features(s: &Sent, f: &SentInfo, i: usize, out: &mut Vec<u32>) {
    out.clear();
    push_token_features(FixedHashes::get(), s, f, i, out);
}

/// Appends the features of token `i` of sentence `s` to `out`; `x` are the fixed hashes
/// ([`FixedHashes::get`]).
fn push_token_features(x: &FixedHashes, s: &Sent, f: &SentInfo, i: usize, out: &mut Vec<u32>) {
    let ii = i as isize;
    let t = &s.toks[i];
    let w0 = t.lower.as_str();
    let (wm1, wp1, wm2, wp2) = (
        word(s, ii - 1),
        word(s, ii + 1),
        word(s, ii - 2),
        word(s, ii + 2),
    );
    let l0 = f.lex_i(ii);
    let lm1 = f.lex_i(ii - 1);
    let lp1 = f.lex_i(ii + 1);
    // The word-only templates come hashed with the sentence (see `WordFacts`); the edges of
    // the sentence ("<s>", "</s>") are hashed here.
    let wh = |j: isize, slot: usize, w: &str| match f.wh.get(j.max(-1) as usize) {
        Some(h) if j >= 0 => h[slot],
        _ => fh(slot as u32 + 1, &[w]),
    };
    out.push(x.h0);
    out.push(wh(ii, 0, w0));
    out.push(wh(ii - 1, 1, wm1));
    out.push(wh(ii + 1, 2, wp1));
    out.push(wh(ii - 2, 3, wm2));
    out.push(wh(ii + 2, 4, wp2));
    // The states after the word of token `j` (templates 6, 7, 38, 42: slots 0–3), also hashed
    // with the sentence; "<s>" before the first token is hashed here.
    let pre = |j: isize, slot: usize, w: &str| match f.pre.get(j.max(-1) as usize) {
        Some(p) if j >= 0 => p[slot],
        _ => fh_part(fh_start(PRE_TAGS[slot]), w),
    };
    let (pm1, p0) = (pre(ii - 1, 0, wm1), pre(ii, 1, w0));
    out.push(fh_finish(fh_part(pm1, w0)));
    out.push(fh_finish(fh_part(p0, wp1)));
    out.push(fh(8, &[&t.shape]));
    let v0 = f.val_i(ii);
    // Evaluative adjectives share endings (-ous, -ive, -ful, -ic) and valence (template 39).
    // `SentInfo::new` gives every token its entry (`None`: a word too short for affixes).
    if let Some(Some(a)) = f.aff.get(i) {
        out.extend_from_slice(a);
    }
    let q = usize::from(!s.in_quote[i]);
    out.push(x.t11[q]);
    out.push(x.t12[q][l0]);
    out.push(x.t13[(i * 5 / s.toks.len().max(1)).min(4)]);
    if i == 0 {
        out.push(x.first);
    }
    if i + 1 == s.toks.len() {
        out.push(x.last);
    }
    let [h15, h24, h26, h36] = f.h_sent;
    out.push(h15);
    if s.title {
        out.push(x.h16);
        out.push(fh(17, &[w0]));
        out.push(x.t18[l0]);
    }
    if f.excl {
        out.push(x.excl);
    }
    if f.quest {
        out.push(x.quest);
    }
    out.push(x.t20[l0]);
    out.push(x.t21[lm1]);
    out.push(x.t22[lp1]);
    out.push(x.t23[(lm1 * 13 + l0) * 13 + lp1]);
    out.push(h24);
    out.push(x.t25[f.max_lex_i][l0]);
    out.push(h26);
    if t.kind == Kind::Word && !is_stop(w0) {
        let c = (f.count[i] as usize).min(COUNT_CAP);
        out.push(x.t27[c]);
        if s.title {
            out.push(x.t28[c]);
        }
    }
    // Lexicon strength of the ±3 window: spans come in runs of loaded words.
    let lo = i.saturating_sub(3);
    let hi = (i + 4).min(s.toks.len());
    let mut win = 0.0f32;
    let mut strong = 0usize;
    for j in lo..hi {
        strong += usize::from(f.val[j].abs() >= 1.5);
        if j != i {
            win = win.max(f.lex[j]);
        }
    }
    out.push(x.t29[b10_i(win)][l0]);
    if t.shape.starts_with('X') && i > 0 {
        out.push(x.h30);
    }
    let sm1 = shape_at(s, ii - 1);
    let sp1 = shape_at(s, ii + 1);
    out.push(fh(31, &[if i == 0 { &t.shape } else { sm1 }, &t.shape]));
    let vm1 = f.val_i(ii - 1);
    let vp1 = f.val_i(ii + 1);
    out.push(x.t32[v0]);
    out.push(x.t33[(vm1 * 5 + v0) * 5 + vp1]);
    out.push(x.t34[v0][l0]);
    out.push(x.t35[strong.min(COUNT_CAP)]);
    out.push(h36);
    // Shape–word conjunctions generalise over names: "the American people" → "Korean people".
    out.push(fh(37, &[&t.shape, wp1]));
    out.push(fh_finish(fh_part(pre(ii - 1, 2, wm1), &t.shape)));
    out.push(fh(40, &[sm1, &t.shape, sp1]));
    out.push(fh_finish(fh_part(x.s41[v0], wp1)));
    out.push(fh_finish(fh_part(pre(ii - 1, 3, wm1), VAL_B[v0])));
}

/// Learns the in-span rate of every word seen in the training documents, smoothed towards the
/// rate of its valence class (so a rarely seen but strongly valenced word is not taken as
/// neutral on the strength of two or three occurrences).
pub fn learn_lexicon(examples: &[(&Prepared, &Vec<Span>)]) -> Lexicon {
    let mut tot: HashMap<String, (u32, u32)> = HashMap::new();
    let mut by_val: HashMap<&'static str, (u32, u32)> = HashMap::new();
    for (p, gold) in examples {
        for s in &p.sents {
            for t in &s.toks {
                let inside = gold.iter().any(|g| g.start < t.end && t.start < g.end);
                let e = tot.entry(t.lower.clone()).or_default();
                e.0 += 1;
                e.1 += u32::from(inside);
            }
        }
    }
    for (w, (n, k)) in &tot {
        let e = by_val
            .entry(valence_class(valence(w).unwrap_or(0.0)))
            .or_default();
        e.0 += n;
        e.1 += k;
    }
    let prior = |w: &str| {
        let (n, k) = by_val
            .get(valence_class(valence(w).unwrap_or(0.0)))
            .copied()
            .unwrap_or((1, 0));
        k as f32 / n.max(1) as f32
    };
    tot.into_iter()
        .map(|(w, (n, k))| {
            let r = (k as f32 + LEX_PRIOR * prior(&w)) / (n as f32 + LEX_PRIOR);
            (w, r)
        })
        .collect()
}

/// Parts of the training set for out-of-part lexicon rates.
const LEX_PARTS: usize = 4;

/// Pseudo-count of the lexicon's valence-class prior.
const LEX_PRIOR: f32 = 3.0;

/// Training settings for SI.
#[derive(Debug, Clone, Copy)]
pub struct SiConfig {
    /// Hash bits.
    pub bits: u32,
    /// Epochs.
    pub epochs: usize,
    /// Learning rate.
    pub lr: f32,
    /// Threshold.
    pub threshold: f32,
    /// Minimum peak probability of a span.
    pub min_peak: f32,
    /// Number of techniques: softmax over outside + `classes` techniques.
    pub classes: usize,
    /// Phrase (chunk) probability from which a phrase inside a span is given on its own.
    pub chunk_level: f32,
    /// Phrase probability from which a phrase outside every span becomes a span.
    pub chunk_new: f32,
}

impl Default for SiConfig {
    fn default() -> Self {
        Self {
            bits: 18,
            epochs: 5,
            lr: 0.05,
            threshold: 0.15,
            min_peak: 0.4,
            classes: 14,
            chunk_level: 0.4,
            chunk_new: 0.7,
        }
    }
}

/// Gold spans of one document with a class index (1-based technique index; 0 = unknown).
pub type Gold = Vec<(Span, usize)>;

/// Trains on documents with their gold spans (bytes). The lexicon is learned from the same
/// documents, so cross-validation folds learn their own.
pub fn train_si(examples: &[(Prepared, Gold)], cfg: &SiConfig) -> SiModel {
    let spans: Vec<Vec<Span>> = examples
        .iter()
        .map(|(_, g)| g.iter().map(|x| x.0).collect())
        .collect();
    let pairs: Vec<(&Prepared, &Vec<Span>)> =
        examples.iter().map(|x| &x.0).zip(spans.iter()).collect();
    let lex = learn_lexicon(&pairs);
    // The training tokens see lexicon rates learned on the other parts of the training set
    // (as unseen documents will): in-sample rates would make the lexicon look far more
    // reliable than it is.
    let part_lex: Vec<Lexicon> = (0..LEX_PARTS)
        .map(|j| {
            let other: Vec<(&Prepared, &Vec<Span>)> = pairs
                .iter()
                .enumerate()
                .filter(|(d, _)| d % LEX_PARTS != j)
                .map(|(_, x)| *x)
                .collect();
            learn_lexicon(&other)
        })
        .collect();
    let mut data = Dataset::new();
    let mut cdata = Dataset::new();
    let mut buf = Vec::new();
    let k = cfg.classes.max(1);
    for (d, (p, gold)) in examples.iter().enumerate() {
        let lex = &part_lex[d % LEX_PARTS];
        let mut memo = WordMemo::new(p);
        for s in &p.sents {
            let info = SentInfo::with_memo(p, s, lex, &mut memo);
            for i in 0..s.toks.len() {
                token_features(s, &info, i, &mut buf);
                let t = &s.toks[i];
                // The shortest covering span names the token's technique.
                let cover = gold
                    .iter()
                    .filter(|(g, _)| g.start < t.end && t.start < g.end)
                    .min_by_key(|(g, _)| g.len());
                let label = cover.map_or(0, |(_, c)| (*c).clamp(1, k) as u16);
                data.push(&buf, 1.0, vec![label], 1.0);
            }
            for (a, b) in chunks(s) {
                chunk_features(s, &info, a, b, &mut buf);
                let words: Vec<&crate::text::Tok> = s.toks[a..=b]
                    .iter()
                    .filter(|t| t.kind == Kind::Word)
                    .collect();
                let inside = words
                    .iter()
                    .filter(|t| gold.iter().any(|(g, _)| g.start < t.end && t.start < g.end))
                    .count();
                let pos = inside as f32 >= CHUNK_INSIDE * words.len() as f32;
                cdata.push(&buf, 1.0, if pos { vec![0] } else { vec![] }, 1.0);
            }
        }
    }
    let lin = train(
        &data,
        k + 1,
        &TrainConfig {
            bits: cfg.bits,
            epochs: cfg.epochs,
            lr: cfg.lr,
            loss: Loss::Softmax,
            seed: 7,
            pos_weight: 1.0,
        },
    );
    let chunk = train(
        &cdata,
        1,
        &TrainConfig {
            bits: cfg.bits,
            epochs: cfg.epochs,
            lr: cfg.lr,
            loss: Loss::Sigmoid,
            seed: 19,
            pos_weight: 1.0,
        },
    );
    SiModel {
        lin,
        lex,
        threshold: cfg.threshold,
        min_peak: cfg.min_peak,
        chunk: Some(chunk),
        chunk_level: cfg.chunk_level,
        chunk_new: cfg.chunk_new,
    }
}

impl SiModel {
    /// Token probabilities per sentence.
    pub fn token_probs(&self, p: &Prepared) -> Vec<Vec<f32>> {
        self.scores(p).probs
    }

    /// Token probabilities and most likely techniques per sentence.
    pub fn pass1(&self, p: &Prepared) -> (Vec<Vec<f32>>, Vec<Vec<u8>>) {
        let s = self.scores(p);
        (s.probs, s.classes)
    }

    /// Token probabilities of being inside a span, each token's most likely technique
    /// (1-based), and the phrase candidates' probabilities.
    pub fn scores(&self, p: &Prepared) -> SiScores {
        let mut buf = Vec::with_capacity(64);
        let mut out = SiScores {
            probs: Vec::with_capacity(p.sents.len()),
            classes: Vec::with_capacity(p.sents.len()),
            chunks: Vec::new(),
        };
        // Every token's (and phrase's) features first, then all the scores in one batch: the
        // weight rows are random reads, and the batch prefetches the rows of the tokens ahead
        // while summing one (same sums, bit for bit, as token by token).
        // Sized for the usual ~45 features per token, so the list is not regrown and copied.
        let ntok: usize = p.sents.iter().map(|s| s.toks.len()).sum();
        let mut feats: Vec<u32> = Vec::with_capacity(ntok * FEATS_PER_TOKEN);
        let mut ends: Vec<u32> = Vec::with_capacity(ntok);
        let mut cfeats: Vec<u32> = Vec::new();
        let mut cends: Vec<u32> = Vec::new();
        let mut memo = WordMemo::new(p);
        let fixed = FixedHashes::get();
        for (si, s) in p.sents.iter().enumerate() {
            let info = SentInfo::with_memo(p, s, &self.lex, &mut memo);
            for i in 0..s.toks.len() {
                push_token_features(fixed, s, &info, i, &mut feats);
                ends.push(feats.len() as u32);
            }
            if self.chunk.is_some() {
                for (a, b) in chunks(s) {
                    chunk_features(s, &info, a, b, &mut buf);
                    cfeats.extend_from_slice(&buf);
                    cends.push(cfeats.len() as u32);
                    out.chunks.push((si, a, b, 0.0));
                }
            }
        }
        let mut all = Vec::new();
        self.lin.scores_batch(&feats, &ends, 1.0, &mut all);
        let k = self.lin.k;
        let mut next = 0usize;
        for s in &p.sents {
            let n = s.toks.len();
            let mut pr = Vec::with_capacity(n);
            let mut cl = Vec::with_capacity(n);
            for _ in 0..n {
                // Each token's scores are its own: the softmax works on them in place.
                let v = all.get_mut(next * k..(next + 1) * k).unwrap_or_default();
                next += 1;
                // Softmax over "outside" + techniques: inside = 1 − P(outside).
                softmax(v);
                let best = (1..v.len())
                    .max_by(|a, b| v[*a].total_cmp(&v[*b]))
                    .unwrap_or(0);
                pr.push(1.0 - v.first().copied().unwrap_or(1.0));
                cl.push(best as u8);
            }
            out.probs.push(pr);
            out.classes.push(cl);
        }
        if let Some(ch) = &self.chunk {
            ch.scores_batch(&cfeats, &cends, 1.0, &mut all);
            for (c, x) in out.chunks.iter_mut().zip(all.chunks(ch.k.max(1))) {
                c.3 = sigmoid(x[0]);
            }
        }
        out
    }

    /// The model's decoding settings.
    pub fn decode_config(&self) -> DecodeConfig {
        DecodeConfig {
            threshold: self.threshold,
            min_peak: self.min_peak,
            chunk_level: self.chunk_level,
            chunk_new: self.chunk_new,
        }
    }

    /// Token runs `(first, last)` of a sentence at `threshold`, bridging one token of at least
    /// half the threshold between two positive ones; edge punctuation trimmed.
    fn runs(s: &Sent, pr: &[f32], threshold: f32) -> Vec<(usize, usize)> {
        let n = s.toks.len().min(pr.len());
        let mut pos: Vec<bool> = pr.iter().take(n).map(|&x| x >= threshold).collect();
        for i in 1..n.saturating_sub(1) {
            if !pos[i] && pos[i - 1] && pos[i + 1] && pr[i] >= threshold * 0.5 {
                pos[i] = true;
            }
        }
        let mut out = Vec::new();
        let mut i = 0;
        while i < n {
            if !pos[i] {
                i += 1;
                continue;
            }
            let mut j = i;
            while j + 1 < n && pos[j + 1] {
                j += 1;
            }
            let (mut a, mut b) = (i, j);
            while a < b && s.toks[a].kind == Kind::Punct {
                a += 1;
            }
            while b > a && s.toks[b].kind == Kind::Punct {
                b -= 1;
            }
            let content = s.toks[a..=b]
                .iter()
                .any(|t| t.kind == Kind::Word && !is_function_word(&t.lower));
            if content {
                out.push((a, b));
            }
            i = j + 1;
        }
        out
    }

    /// Spans from token and phrase probabilities: runs at `threshold` (hysteresis: kept only
    /// if a token reaches `min_peak`); inside a run, the shorter runs of tokens at `min_peak` or
    /// more and of confident tokens sharing their technique, and the phrase candidates at
    /// `chunk_level` or more (all flagged `nested`), so a long stretch also yields its most
    /// loaded phrases with their own boundaries; outside the runs, phrase candidates at
    /// `chunk_new` or more.
    pub fn decode(p: &Prepared, sc: &SiScores, c: &DecodeConfig) -> Vec<SpanPred> {
        let mut out = Vec::new();
        let mut ci = 0;
        for (si, (s, pr)) in p.sents.iter().zip(&sc.probs).enumerate() {
            let mean = |a: usize, b: usize| pr[a..=b].iter().sum::<f32>() / (b - a + 1) as f32;
            let push = |out: &mut Vec<SpanPred>, a: usize, b: usize, score: f32, nested: bool| {
                out.push(SpanPred {
                    span: Span::new(s.toks[a].start, s.toks[b].end),
                    score,
                    sent: si,
                    nested,
                })
            };
            while ci < sc.chunks.len() && sc.chunks[ci].0 < si {
                ci += 1;
            }
            let mut cj = ci;
            while cj < sc.chunks.len() && sc.chunks[cj].0 == si {
                cj += 1;
            }
            let sent_chunks = &sc.chunks[ci..cj];
            let mut kept: Vec<(usize, usize)> = Vec::new();
            let mut seen: Vec<(usize, usize)> = Vec::new();
            for (a, b) in Self::runs(s, pr, c.threshold) {
                let peak = pr[a..=b].iter().cloned().fold(0.0f32, f32::max);
                if peak < c.min_peak {
                    continue;
                }
                kept.push((a, b));
                seen.push((a, b));
                push(&mut out, a, b, mean(a, b), false);
                if c.min_peak <= c.threshold {
                    continue;
                }
                // Two levels: the phrases at `min_peak`, and the cores well above it.
                let mut cands = Self::runs(s, pr, c.min_peak);
                match sc.classes.get(si) {
                    // Within the confident tokens, a change of the tokens' most likely
                    // technique starts a new phrase.
                    Some(cl) if !cl.is_empty() => {
                        cands.extend(Self::class_runs(s, pr, cl, c.min_peak))
                    }
                    _ => cands.extend(Self::runs(s, pr, c.min_peak + NESTED_STEP)),
                }
                // The run's noun-phrase-like phrases: likely ones by the phrase scorer, and
                // those whose words are loaded on average (a long run is split into phrases).
                for &(_, x, y, q) in sent_chunks {
                    if q >= c.chunk_level || (x >= a && y <= b && mean(x, y) >= PHRASE_FLOOR) {
                        cands.push((x, y));
                    }
                }
                for (x, y) in cands {
                    if x >= a && y <= b && !seen.contains(&(x, y)) {
                        seen.push((x, y));
                        push(&mut out, x, y, mean(x, y), true);
                    }
                }
            }
            for &(_, x, y, q) in sent_chunks {
                let covered = kept.iter().any(|(a, b)| x <= *b && *a <= y);
                if !covered && q >= c.chunk_new {
                    kept.push((x, y));
                    push(&mut out, x, y, q, false);
                }
            }
        }
        out
    }

    /// Predicted spans.
    pub fn predict(&self, p: &Prepared) -> Vec<SpanPred> {
        Self::decode(p, &self.scores(p), &self.decode_config())
    }

    /// Maximal runs of tokens at `level` or more sharing their most likely technique (content
    /// words required, edge punctuation trimmed).
    fn class_runs(s: &Sent, pr: &[f32], cl: &[u8], level: f32) -> Vec<(usize, usize)> {
        let n = s.toks.len().min(pr.len()).min(cl.len());
        let mut out = Vec::new();
        let mut i = 0;
        while i < n {
            if pr[i] < level || cl[i] == 0 {
                i += 1;
                continue;
            }
            let mut j = i;
            while j + 1 < n && pr[j + 1] >= level && cl[j + 1] == cl[i] {
                j += 1;
            }
            let (mut a, mut b) = (i, j);
            while a < b && (s.toks[a].kind != Kind::Word || is_function_word(&s.toks[a].lower)) {
                a += 1;
            }
            while b > a && (s.toks[b].kind != Kind::Word || is_function_word(&s.toks[b].lower)) {
                b -= 1;
            }
            if s.toks[a].kind == Kind::Word && !is_function_word(&s.toks[a].lower) {
                out.push((a, b));
            }
            i = j + 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_word_facts_are_the_computed_ones_across_generations() {
        let direct = |w: &str| {
            let val = valence(w).unwrap_or(0.0);
            let aff = affixes(w).map(|(suf, pre)| {
                [
                    fh(9, &[suf]),
                    fh(10, &[pre]),
                    fh(39, &[suf, valence_class(val)]),
                ]
            });
            let pre = PRE_TAGS.map(|t| fh_part(fh_start(t), w));
            (
                val,
                is_stop(w),
                [1, 2, 3, 4, 5].map(|t| fh(t, &[w])),
                aff,
                pre,
            )
        };
        let words = ["dangerous", "heroic", "the", "table", "naïve", "x"];
        // Enough distinct words to roll the cache over twice, the probes seen before and after.
        for round in 0..3 * WORD_CACHE + 10 {
            let w = if round % 1000 == 0 {
                words[(round / 1000) % words.len()].to_string()
            } else {
                format!("w{round}")
            };
            let f = WordFacts::cached(&w);
            assert_eq!((f.val, f.stop, f.wh, f.aff, f.pre), direct(&w), "{w}");
        }
        for w in words {
            let f = WordFacts::cached(w);
            assert_eq!((f.val, f.stop, f.wh, f.aff, f.pre), direct(w), "{w}");
            assert!(WORDS.with(|c| c.borrow().cur.contains_key(w)));
        }
        assert!(WORDS.with(|c| c.borrow().cur.len() <= WORD_CACHE));
        assert!(WordFacts::cached("dangerous").val < 0.0);
        assert!(WordFacts::cached("dangerous").aff.is_some());
    }

    fn lex_b(f: &SentInfo, i: isize) -> &'static str {
        if i < 0 {
            return "<s>";
        }
        match f.lex.get(i as usize) {
            None => "</s>",
            Some(r) if *r < 0.0 => "u",
            Some(r) => b10(*r),
        }
    }

    fn val_b(f: &SentInfo, i: isize) -> &'static str {
        if i < 0 {
            return "-";
        }
        f.val.get(i as usize).map_or("-", |v| {
            if *v == 0.0 {
                "-"
            } else if *v <= -2.0 {
                "n2"
            } else if *v < 0.0 {
                "n1"
            } else if *v >= 2.0 {
                "p2"
            } else {
                "p1"
            }
        })
    }

    /// The token features as they were hashed before the fixed tables (the oracle).
    fn token_features_hashed(s: &Sent, f: &SentInfo, i: usize, out: &mut Vec<u32>) {
        out.clear();
        let ii = i as isize;
        let t = &s.toks[i];
        let w0 = t.lower.as_str();
        let (wm1, wp1, wm2, wp2) = (
            word(s, ii - 1),
            word(s, ii + 1),
            word(s, ii - 2),
            word(s, ii + 2),
        );
        let l0 = lex_b(f, ii);
        let lm1 = lex_b(f, ii - 1);
        let lp1 = lex_b(f, ii + 1);
        // The word-only templates come hashed with the sentence (see `WordFacts`); the edges of
        // the sentence ("<s>", "</s>") are hashed here.
        let wh = |j: isize, slot: usize, w: &str| match f.wh.get(j.max(-1) as usize) {
            Some(h) if j >= 0 => h[slot],
            _ => fh(slot as u32 + 1, &[w]),
        };
        out.push(fh(0, &[]));
        out.push(wh(ii, 0, w0));
        out.push(wh(ii - 1, 1, wm1));
        out.push(wh(ii + 1, 2, wp1));
        out.push(wh(ii - 2, 3, wm2));
        out.push(wh(ii + 2, 4, wp2));
        out.push(fh(6, &[wm1, w0]));
        out.push(fh(7, &[w0, wp1]));
        out.push(fh(8, &[&t.shape]));
        let v0 = val_b(f, ii);
        // Evaluative adjectives share endings (-ous, -ive, -ful, -ic) and valence (template 39).
        // `SentInfo::new` gives every token its entry (`None`: a word too short for affixes).
        if let Some(Some(a)) = f.aff.get(i) {
            out.extend_from_slice(a);
        }
        let q = if s.in_quote[i] { "q" } else { "nq" };
        out.push(fh(11, &[q]));
        out.push(fh(12, &[q, l0]));
        let rel = ["0", "1", "2", "3", "4"][(i * 5 / s.toks.len().max(1)).min(4)];
        out.push(fh(13, &[rel]));
        if i == 0 {
            out.push(fh(14, &["first"]));
        }
        if i + 1 == s.toks.len() {
            out.push(fh(14, &["last"]));
        }
        out.push(fh(15, &[f.len]));
        if s.title {
            out.push(fh(16, &[]));
            out.push(fh(17, &[w0]));
            out.push(fh(18, &[l0]));
        }
        if f.excl {
            out.push(fh(19, &["!"]));
        }
        if f.quest {
            out.push(fh(19, &["?"]));
        }
        out.push(fh(20, &[l0]));
        out.push(fh(21, &[lm1]));
        out.push(fh(22, &[lp1]));
        out.push(fh(23, &[lm1, l0, lp1]));
        out.push(fh(24, &[f.max_lex]));
        out.push(fh(25, &[f.max_lex, l0]));
        out.push(fh(26, &[f.n_lex_hi]));
        if t.kind == Kind::Word && !is_stop(w0) {
            let c = count_bucket(f.count[i] as usize);
            out.push(fh(27, &[c]));
            if s.title {
                out.push(fh(28, &[c]));
            }
        }
        // Lexicon strength of the ±3 window: spans come in runs of loaded words.
        let lo = i.saturating_sub(3);
        let hi = (i + 4).min(s.toks.len());
        let mut win = 0.0f32;
        let mut strong = 0usize;
        for j in lo..hi {
            strong += usize::from(f.val[j].abs() >= 1.5);
            if j != i {
                win = win.max(f.lex[j]);
            }
        }
        out.push(fh(29, &[b10(win), l0]));
        if t.shape.starts_with('X') && i > 0 {
            out.push(fh(30, &[]));
        }
        let sm1 = shape_at(s, ii - 1);
        let sp1 = shape_at(s, ii + 1);
        out.push(fh(31, &[if i == 0 { &t.shape } else { sm1 }, &t.shape]));
        let vm1 = val_b(f, ii - 1);
        let vp1 = val_b(f, ii + 1);
        out.push(fh(32, &[v0]));
        out.push(fh(33, &[vm1, v0, vp1]));
        out.push(fh(34, &[v0, l0]));
        out.push(fh(35, &[count_bucket(strong)]));
        out.push(fh(36, &[f.n_val]));
        // Shape–word conjunctions generalise over names: "the American people" → "Korean people".
        out.push(fh(37, &[&t.shape, wp1]));
        out.push(fh(38, &[wm1, &t.shape]));
        out.push(fh(40, &[sm1, &t.shape, sp1]));
        out.push(fh(41, &[v0, wp1]));
        out.push(fh(42, &[wm1, v0]));
    }

    #[test]
    fn token_features_from_fixed_tables_are_the_hashed_ones() {
        let text = "Heroic \"Patriots\" win!\n\nThe corrupt, disgusting elite lied again and again? \
                    They said: \"We will never, ever surrender to these traitors\" (2024). \
                    Naïve Ödön's tiny cat sat. A. Truly, truly horrible and evil people hate freedom \
                    of the great American people, said Mr. O'Neil on 3.5% of days.";
        let mut sents = Vec::new();
        let mut start = 0;
        for (k, piece) in text.split_inclusive(['\n', '.', '?']).enumerate() {
            let a = start + (piece.len() - piece.trim_start().len());
            let b = start + piece.trim_end().len();
            if b > a {
                sents.push((Span::new(a, b), k == 0));
            }
            start += piece.len();
        }
        let p = Prepared::new(text, &sents);
        let mut lex = Lexicon::default();
        for (w, r) in [
            ("corrupt", 0.93),
            ("elite", 0.4),
            ("traitors", 1.0),
            ("the", 0.05),
        ] {
            lex.insert(w.to_string(), r);
        }
        lex.insert("never".to_string(), 0.0);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let mut n = 0;
        for lex in [lex, Lexicon::default()] {
            let mut memo = WordMemo::new(&p);
            for s in &p.sents {
                let info = SentInfo::with_memo(&p, s, &lex, &mut memo);
                for i in 0..s.toks.len() {
                    token_features(s, &info, i, &mut a);
                    token_features_hashed(s, &info, i, &mut b);
                    assert_eq!(a, b, "token {i} of {:?}", s.span);
                    n += 1;
                }
            }
        }
        assert!(n > 100);
    }
}
