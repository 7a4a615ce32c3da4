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
        let mut lower = String::new();
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
                lowercase_into(w, &mut lower);
                match seen.get_mut(lower.as_str()) {
                    Some(v) => *v |= bit,
                    None => {
                        seen.insert(lower.clone(), bit);
                    }
                }
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
        let mut lower = String::new();
        for (s, t) in sentences.iter().zip(types) {
            for (w, ty) in s.iter().zip(t) {
                let w = w.as_ref();
                if !w.chars().next().is_some_and(char::is_alphanumeric) {
                    continue;
                }
                lowercase_into(w, &mut lower);
                let e = match h.get_mut(lower.as_str()) {
                    Some(e) => e,
                    None => h.entry(lower.clone()).or_default(),
                };
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

/// `w.to_lowercase()` into a reused buffer (ASCII words, nearly all of them, without the
/// Unicode tables).
fn lowercase_into(w: &str, out: &mut String) {
    out.clear();
    if w.is_ascii() {
        out.push_str(w);
        out.make_ascii_lowercase();
    } else {
        out.push_str(&w.to_lowercase());
    }
}

/// Reusable feature extractor (holds scratch buffers).
#[derive(Debug, Default)]
pub struct Extractor {
    words: Vec<WordFeatures>,
    /// The padding word beyond the sentence ends, for the hash bits it was built with.
    pad: Option<(u32, WordFeatures)>,
    gaz: Vec<(u8, u8)>,
    hist: Vec<(u8, u8)>,
    lower: String,
}

/// What a word's own string determines — its forms, flags and lexicon facts — and the hashed
/// rows of the templates that read nothing else, so that a word seen again (see [`WordCache`])
/// costs no string work and no hashing of these.
#[derive(Debug, Clone)]
pub struct WordFeatures {
    word: String,
    lower: String,
    shape: String,
    short: String,
    flags: u8,
    clusters: [u16; 3],
    case: u8,
    /// Rows of templates 0–6 (bias, word, lowercase, affixes, shapes), in push order; they
    /// come first among a token's rows.
    local: [u32; 13],
    n_local: u8,
    /// Rows of templates 17 and 18 (the word's clusters), in push order.
    own: [u32; 4],
    n_own: u8,
    /// Rows of this word as a neighbour: templates 8–11 (lowercase at −1, +1, −2, +2), 14 and
    /// 15 (short shape at −1, +1), 19 (cluster at −1, +1, −2, +2).
    r8: u32,
    r9: u32,
    r10: u32,
    r11: u32,
    r14: u32,
    r15: u32,
    r19: [u32; 4],
    /// Rows of templates 24 (headline word) and 25 (sentence-initial word).
    r24: u32,
    r25: u32,
    /// Hash states of the templates with this word's form as their first part: 12 (−1 and 0),
    /// 13 (0 and +1), 16 (−1, 0, +1 short shapes), 26 (−1 and +1).
    h12: FeatureHash,
    h13: FeatureHash,
    h16: FeatureHash,
    h26: FeatureHash,
}

impl WordFeatures {
    fn new() -> Self {
        Self {
            word: String::new(),
            lower: String::new(),
            shape: String::new(),
            short: String::new(),
            flags: 0,
            clusters: [NONE; 3],
            case: 0,
            local: [0; 13],
            n_local: 0,
            own: [0; 4],
            n_own: 0,
            r8: 0,
            r9: 0,
            r10: 0,
            r11: 0,
            r14: 0,
            r15: 0,
            r19: [0; 4],
            r24: 0,
            r25: 0,
            h12: FeatureHash::new(12),
            h13: FeatureHash::new(13),
            h16: FeatureHash::new(16),
            h26: FeatureHash::new(26),
        }
    }

    /// Becomes a copy of `o`, keeping this one's string allocations.
    fn assign(&mut self, o: &Self) {
        // Destructured so that a new field cannot be forgotten here.
        let Self {
            word,
            lower,
            shape,
            short,
            flags,
            clusters,
            case,
            local,
            n_local,
            own,
            n_own,
            r8,
            r9,
            r10,
            r11,
            r14,
            r15,
            r19,
            r24,
            r25,
            h12,
            h13,
            h16,
            h26,
        } = o;
        self.word.clone_from(word);
        self.lower.clone_from(lower);
        self.shape.clone_from(shape);
        self.short.clone_from(short);
        (self.flags, self.clusters, self.case) = (*flags, *clusters, *case);
        (self.local, self.n_local, self.own, self.n_own) = (*local, *n_local, *own, *n_own);
        (self.r8, self.r9, self.r10, self.r11) = (*r8, *r9, *r10, *r11);
        (self.r14, self.r15, self.r19, self.r24, self.r25) = (*r14, *r15, *r19, *r24, *r25);
        (self.h12, self.h13) = (h12.clone(), h13.clone());
        (self.h16, self.h26) = (h16.clone(), h26.clone());
    }

    /// The padding word beyond the sentence ends.
    fn pad(bits: u32) -> Self {
        let mut p = Self::new();
        p.lower.push_str("<pad>");
        p.shape.push_str("<pad>");
        p.short.push_str("<pad>");
        p.fill_rows(bits);
        p
    }

    /// Recomputes everything for word `w` (keeping the allocations).
    fn compute(&mut self, w: &str, lex: &Lexicon, bits: u32) {
        self.word.clear();
        self.word.push_str(w);
        self.flags = shapes(w, &mut self.lower, &mut self.shape, &mut self.short);
        self.clusters = lex.clusters(w, &self.lower);
        self.case = lex.case_bucket(&self.lower);
        self.fill_rows(bits);
    }

    fn fill_rows(&mut self, bits: u32) {
        let row = |h: FeatureHash| h.row(bits);
        let mut local = [0u32; 13];
        let mut k = 0;
        let mut push = |r: u32| {
            local[k] = r;
            k += 1;
        };
        push(row(FeatureHash::new(0)));
        push(row(FeatureHash::new(1).str(&self.word)));
        push(row(FeatureHash::new(2).str(&self.lower)));
        for n in 1..=4 {
            if let Some(p) = prefix(&self.lower, n) {
                push(row(FeatureHash::new(3).u64(n as u64).str(p)));
            }
            if let Some(s) = suffix(&self.lower, n) {
                push(row(FeatureHash::new(4).u64(n as u64).str(s)));
            }
        }
        push(row(FeatureHash::new(5).str(&self.shape)));
        push(row(FeatureHash::new(6).str(&self.short)));
        self.local = local;
        self.n_local = k as u8;
        let mut own = [0u32; 4];
        let mut k = 0;
        for (lvl, c) in self.clusters.iter().enumerate() {
            if *c != NONE {
                own[k] = row(FeatureHash::new(17).u64(lvl as u64).u64(u64::from(*c)));
                k += 1;
            }
        }
        if self.clusters[0] != NONE {
            own[k] = row(FeatureHash::new(18)
                .u64(u64::from(self.clusters[0]))
                .str(&self.short));
            k += 1;
        }
        self.own = own;
        self.n_own = k as u8;
        self.r8 = row(FeatureHash::new(8).str(&self.lower));
        self.r9 = row(FeatureHash::new(9).str(&self.lower));
        self.r10 = row(FeatureHash::new(10).str(&self.lower));
        self.r11 = row(FeatureHash::new(11).str(&self.lower));
        self.r14 = row(FeatureHash::new(14).str(&self.short));
        self.r15 = row(FeatureHash::new(15).str(&self.short));
        for (k, r) in self.r19.iter_mut().enumerate() {
            *r = row(FeatureHash::new(19)
                .u64(k as u64)
                .u64(u64::from(self.clusters[1])));
        }
        self.r24 = row(FeatureHash::new(24).str(&self.lower));
        self.r25 = row(FeatureHash::new(25).str(&self.word));
        self.h12 = FeatureHash::new(12).str(&self.lower);
        self.h13 = FeatureHash::new(13).str(&self.lower);
        self.h16 = FeatureHash::new(16).str(&self.short);
        self.h26 = FeatureHash::new(26).str(&self.lower);
    }

    /// Rows of the templates that depend on the word alone and come first among a token's
    /// rows (0–6): their partial score can be cached per word without changing the sums.
    pub fn local_rows(&self) -> &[u32] {
        &self.local[..usize::from(self.n_local)]
    }
}

/// A bounded cache of [`WordFeatures`] by word, each with `width` floats for the caller (the
/// tagger keeps each pass's emission sums of [`WordFeatures::local_rows`] there).
///
/// Two generations of at most [`WordCache::CAPACITY`] words: when the current one is full it
/// becomes the old one and the old one is emptied; a word found in the old generation is
/// copied into the current one. Frequent words therefore survive the turnover, and memory stays
/// bounded. Indexes stay valid until the next [`WordCache::make_room`].
#[derive(Debug, Default)]
pub struct WordCache {
    owner: u64,
    width: usize,
    current: Generation,
    old: Generation,
}

#[derive(Debug, Default)]
struct Generation {
    /// Open-addressing table of the words (linear probing, at most half full; empty until the
    /// first insertion). A slot holds a word's key, its entry and the word itself when short,
    /// so a lookup reads one cache line: with a hash map of entry indexes plus a table of the
    /// words, it read three (control bytes, bucket, word) and waited on two of them.
    slots: Vec<Slot>,
    entries: Vec<WordFeatures>,
    len: usize,
    sums: Vec<f32>,
}

/// Longest word kept inline in a [`Slot`].
const SHORT: usize = 15;

/// A word of at most [`SHORT`] bytes: its length and bytes, zero-padded; a longer word is
/// [`LONG`] and zeros (it is then compared with its entry's word).
type ShortWord = (u8, [u8; SHORT]);

/// The length byte of a [`ShortWord`] standing for a word longer than [`SHORT`] bytes.
const LONG: u8 = u8::MAX;

fn short_word(w: &str) -> ShortWord {
    let b = w.as_bytes();
    let mut out = [0u8; SHORT];
    match out.get_mut(..b.len()) {
        Some(o) => {
            o.copy_from_slice(b);
            (b.len() as u8, out)
        }
        None => (LONG, out),
    }
}

/// A slot of [`Generation::slots`] (half a cache line).
#[derive(Debug, Clone, Copy)]
#[repr(C, align(32))]
struct Slot {
    key: u64,
    /// The entry's index, [`Slot::EMPTY`] for a free slot.
    entry: u32,
    word: ShortWord,
}

impl Slot {
    const EMPTY: u32 = u32::MAX;
    const FREE: Slot = Slot {
        key: 0,
        entry: Slot::EMPTY,
        word: (0, [0; SHORT]),
    };
}

impl Generation {
    fn find(&self, key: u64, w: &str, short: &ShortWord) -> Option<usize> {
        let mask = self.slots.len().checked_sub(1)?;
        let mut pos = key as usize & mask;
        loop {
            let s = &self.slots[pos];
            if s.entry == Slot::EMPTY {
                return None;
            }
            if s.key == key
                && s.word == *short
                && (short.0 != LONG || self.entries[s.entry as usize].word == w)
            {
                return Some(s.entry as usize);
            }
            pos = (pos + 1) & mask;
        }
    }

    /// Records entry `i` for the word of `key` and `short` (not in the table yet).
    fn insert(&mut self, key: u64, i: usize, short: ShortWord) {
        // At most half full (a sentence longer than the capacity may overflow a generation).
        if self.len * 2 > self.slots.len() {
            let old = std::mem::take(&mut self.slots);
            let size = (self.len * 2)
                .max(2 * WordCache::CAPACITY)
                .next_power_of_two();
            self.slots = vec![Slot::FREE; size];
            for s in old.into_iter().filter(|s| s.entry != Slot::EMPTY) {
                self.put(s);
            }
        }
        self.put(Slot {
            key,
            entry: i as u32,
            word: short,
        });
    }

    fn put(&mut self, slot: Slot) {
        let mask = self.slots.len() - 1;
        let mut pos = slot.key as usize & mask;
        while self.slots[pos].entry != Slot::EMPTY {
            pos = (pos + 1) & mask;
        }
        self.slots[pos] = slot;
    }

    /// A new slot (its entry and zeroed floats), not yet in the map.
    fn push(&mut self, width: usize) -> usize {
        let i = self.len;
        self.len += 1;
        if self.entries.len() <= i {
            self.entries.push(WordFeatures::new());
        }
        if self.sums.len() < (i + 1) * width {
            self.sums.resize((i + 1) * width, 0.0);
        }
        i
    }

    fn clear(&mut self) {
        self.slots.fill(Slot::FREE);
        self.len = 0;
    }
}

impl WordCache {
    /// Words per generation. Over the 2,441 articles of the shared data (2.6 M tokens), a
    /// simulation of this policy gives a hit rate of 90 % at 4,096 words, 94 % at 8,192 and
    /// 97 % at 16,384.
    pub const CAPACITY: usize = 8192;

    /// Empties the cache unless it was filled for `owner` (e.g. a model id and its hash bits)
    /// with `width` floats per word.
    pub fn reset_for(&mut self, owner: u64, width: usize) {
        if self.owner != owner || self.width != width {
            self.owner = owner;
            self.width = width;
            self.current.clear();
            self.old.clear();
        }
    }

    /// Makes room for `n` new words, turning the generations over when the current one would
    /// exceed its capacity. Indexes returned before are invalid afterwards.
    pub fn make_room(&mut self, n: usize) {
        if self.current.len + n > Self::CAPACITY {
            std::mem::swap(&mut self.current, &mut self.old);
            self.current.clear();
        }
    }

    /// The index of word `w`'s entry, computed (with `fill` given the new entry and its zeroed
    /// floats) when absent.
    pub fn get_or_insert(
        &mut self,
        w: &str,
        lex: &Lexicon,
        bits: u32,
        fill: impl FnOnce(&WordFeatures, &mut [f32]),
    ) -> usize {
        let key = FeatureHash::new(0).str(w).finish();
        let short = short_word(w);
        if let Some(i) = self.current.find(key, w, &short) {
            return i;
        }
        let width = self.width;
        let cur = &mut self.current;
        let i = cur.push(width);
        let sums = &mut cur.sums[i * width..(i + 1) * width];
        if let Some(j) = self.old.find(key, w, &short) {
            cur.entries[i].assign(&self.old.entries[j]);
            sums.copy_from_slice(&self.old.sums[j * width..(j + 1) * width]);
        } else {
            cur.entries[i].compute(w, lex, bits);
            sums.fill(0.0);
            fill(&cur.entries[i], sums);
        }
        cur.insert(key, i, short);
        i
    }

    /// The entry at `i` (from [`WordCache::get_or_insert`]).
    pub fn entry(&self, i: usize) -> &WordFeatures {
        &self.current.entries[i]
    }

    /// The caller's floats of entry `i`.
    pub fn sums(&self, i: usize) -> &[f32] {
        &self.current.sums[i * self.width..(i + 1) * self.width]
    }
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
        let n = words.len();
        if self.words.len() < n {
            self.words.resize_with(n, WordFeatures::new);
        }
        for (wf, w) in self.words.iter_mut().zip(words) {
            wf.compute(w.as_ref(), lex, bits);
        }
        phrases.matches(words, &mut self.gaz);
        let pad = pad_for(&mut self.pad, bits);
        let infos = &self.words;
        push_features(words, |i| &infos[i], pad, &self.gaz, doc, bits, true, out);
    }

    /// Like [`Extractor::extract`] with the words' [`WordFeatures`] given by `word` (e.g. from a
    /// [`WordCache`]), and without the rows of [`WordFeatures::local_rows`]: each token's rows
    /// are the ones that follow those in [`Extractor::extract`], in the same order.
    #[allow(clippy::too_many_arguments)]
    pub fn extract_context<'w, S: AsRef<str>>(
        &mut self,
        words: &[S],
        word: impl Fn(usize) -> &'w WordFeatures,
        phrases: &PhraseTable,
        doc: Option<&DocContext>,
        bits: u32,
        out: &mut FeatureSeq,
    ) {
        let pad = pad_for(&mut self.pad, bits);
        phrases.matches(words, &mut self.gaz);
        push_features(words, |i| word(i), pad, &self.gaz, doc, bits, false, out);
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
        self.history_rows(words, doc, bits, Some(base), out);
    }

    /// Only the label-history rows of [`Extractor::add_history`] (the rows that follow each
    /// token's first-pass rows there).
    pub fn history<S: AsRef<str>>(
        &mut self,
        words: &[S],
        doc: &DocContext,
        bits: u32,
        out: &mut FeatureSeq,
    ) {
        self.history_rows(words, doc, bits, None, out);
    }

    fn history_rows<S: AsRef<str>>(
        &mut self,
        words: &[S],
        doc: &DocContext,
        bits: u32,
        base: Option<&FeatureSeq>,
        out: &mut FeatureSeq,
    ) {
        out.clear();
        self.hist.clear();
        for w in words {
            lowercase_into(w.as_ref(), &mut self.lower);
            self.hist.push(doc.hist(&self.lower));
        }
        let headline = all_caps_sentence(words);
        let n = words.len();
        for i in 0..n {
            if let Some(base) = base {
                for &r in base.token(i) {
                    out.push(r);
                }
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

/// The padding word for `bits`, built on first use.
fn pad_for(pad: &mut Option<(u32, WordFeatures)>, bits: u32) -> &WordFeatures {
    if pad.as_ref().is_none_or(|(b, _)| *b != bits) {
        *pad = Some((bits, WordFeatures::pad(bits)));
    }
    match pad {
        Some((_, p)) => p,
        None => unreachable!("set above"),
    }
}

/// The rows of every token (see the module doc for the templates); `with_local` adds the rows
/// of [`WordFeatures::local_rows`] first.
#[allow(clippy::too_many_arguments)]
fn push_features<'w, S: AsRef<str>>(
    words: &[S],
    word: impl Fn(usize) -> &'w WordFeatures,
    pad: &'w WordFeatures,
    gaz: &[(u8, u8)],
    doc: Option<&DocContext>,
    bits: u32,
    with_local: bool,
    out: &mut FeatureSeq,
) {
    out.clear();
    let n = words.len();
    let headline = all_caps_sentence(words);
    let at = |k: usize, d: isize| -> &'w WordFeatures {
        match k.checked_add_signed(d) {
            Some(j) if j < n => word(j),
            _ => pad,
        }
    };
    let gaz_at = |k: usize, d: isize| -> u8 {
        match k.checked_add_signed(d) {
            Some(j) if j < n => gaz[j].0,
            _ => 0,
        }
    };
    for (i, g) in gaz.iter().enumerate().take(n) {
        let t = word(i);
        let (p1, p2, n1, n2) = (at(i, -1), at(i, -2), at(i, 1), at(i, 2));
        let first = i == 0;
        let caps = u64::from(t.flags & (F_INIT_CAP | F_ALL_CAPS));
        if with_local {
            for &r in t.local_rows() {
                out.push(r);
            }
        }
        let mut push = |h: FeatureHash| out.push(h.row(bits));
        push(
            FeatureHash::new(7)
                .u64(u64::from(t.flags))
                .u64(u64::from(first))
                .u64(u64::from(headline)),
        );
        out.push(p1.r8);
        out.push(n1.r9);
        out.push(p2.r10);
        out.push(n2.r11);
        out.push(p1.h12.clone().str(&t.lower).row(bits));
        out.push(t.h13.clone().str(&n1.lower).row(bits));
        out.push(p1.r14);
        out.push(n1.r15);
        out.push(p1.h16.clone().str(&t.short).str(&n1.short).row(bits));
        for &r in &t.own[..usize::from(t.n_own)] {
            out.push(r);
        }
        for (k, o) in [p1, n1, p2, n2].into_iter().enumerate() {
            if o.clusters[1] != NONE {
                out.push(o.r19[k]);
            }
        }
        let mut push = |h: FeatureHash| out.push(h.row(bits));
        push(
            FeatureHash::new(20)
                .u64(u64::from(t.case))
                .u64(u64::from(first || headline))
                .u64(caps),
        );
        push(FeatureHash::new(21).u64(u64::from(g.0)).u64(u64::from(g.1)));
        push(
            FeatureHash::new(22)
                .u64(u64::from(gaz_at(i, -1)))
                .u64(u64::from(gaz_at(i, 1))),
        );
        let d = doc.map_or(0, |d| d.get(&t.lower));
        push(
            FeatureHash::new(23)
                .u64(u64::from(d))
                .u64(u64::from(first || headline))
                .u64(caps),
        );
        if headline {
            out.push(t.r24);
        }
        if first {
            out.push(t.r25);
        }
        out.push(p1.h26.clone().str(&n1.lower).row(bits));
        out.end_token();
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
    fn word_cache_finds_short_long_and_overflowing_words() {
        let lex = Lexicon::default();
        let mut c = WordCache::default();
        c.reset_for(1, 1);
        // More words than a generation holds, in one sentence: the slot table grows.
        let words: Vec<String> = (0..WordCache::CAPACITY + 100)
            .map(|i| match i % 3 {
                0 => format!("a-rather-long-word-{i}"),
                1 => format!("w{i}"),
                _ => format!("{i:0>15}"),
            })
            .collect();
        c.make_room(words.len());
        let idx: Vec<usize> = words
            .iter()
            .map(|w| c.get_or_insert(w, &lex, 18, |_, s| s[0] = w.len() as f32))
            .collect();
        for (w, i) in words.iter().zip(&idx) {
            assert_eq!(c.get_or_insert(w, &lex, 18, |_, _| panic!("cached")), *i);
            assert_eq!(c.entry(*i).word, *w);
        }
        // After a turnover a word comes from the old generation, with its sums.
        c.make_room(WordCache::CAPACITY);
        let w = &words[3];
        let j = c.get_or_insert(w, &lex, 18, |_, _| panic!("in the old generation"));
        assert_eq!(c.entry(j).word, *w);
        assert_eq!(c.sums(j), &[w.len() as f32]);
        let fresh = c.get_or_insert("unseen", &lex, 18, |_, s| s[0] = 7.0);
        assert_eq!(c.sums(fresh), &[7.0]);
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
