//! Loading and compiling the grammar: word classes (`lexicon.txt`) and rules (`rules.txt`).

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use newslens_core::layers::time::TimexType;
use regex::{Regex, RegexSet};
use regex_automata::{meta, util::syntax, MatchKind};
use regex_syntax::hir::{Class as HirClass, Hir, HirKind, Look};

/// Lazy-DFA cache per regex (and per thread). The default (2 MiB) is far too small for the
/// grammar's big case-insensitive alternations: on long articles the cache kept being cleared and
/// rebuilt, and determinisation took ~90 % of the stage's time.
const LAZY_DFA_CACHE: usize = 64 << 20;

/// Rules per prefilter set. One set of all the rules tracks every rule's automaton at once, and
/// its lazy DFA kept meeting new state combinations on new articles (determinisation was ~40 %
/// of the stage on long articles). Two sets of about 40 rules made the stage 21–28 % faster on
/// real articles and no slower on short ones; groups of 4–16 made short articles slower
/// (measured with `newslens bench --pipeline --only text,time`, with and without `--input`).
const SET_GROUP: usize = 40;

use crate::TimeError;

/// FxHash (rustc's multiply-and-rotate hash) for the grammar's small string maps, looked up
/// for every group and tense cue word: SipHash cost more than the rest of a look-up. The maps
/// are filled from the grammar, not from input.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A string-keyed map with [`FxHasher`].
pub(crate) type FastMap<V> = HashMap<String, V, BuildHasherDefault<FxHasher>>;
/// A string set with [`FxHasher`].
pub(crate) type FastSet = HashSet<String, BuildHasherDefault<FxHasher>>;

/// A word class of the lexicon.
#[derive(Debug, Default)]
pub(crate) struct Class {
    /// Lower-cased form (inner whitespace collapsed) → normalised value.
    pub map: FastMap<String>,
    /// Regex alternatives for the class (escaped forms and raw regexes).
    alternatives: Vec<String>,
}

impl Class {
    /// Looks a form up (case and inner whitespace insensitive).
    pub fn get(&self, text: &str) -> Option<&str> {
        self.map.get(&fold(text)).map(String::as_str)
    }
}

/// Lower-cases and collapses runs of whitespace, the key of [`Class::map`].
pub(crate) fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, w) in text.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        // ASCII words (nearly all) are lower-cased in place; `str::to_lowercase` allocates a
        // string per word (and is needed for the rest: final sigma).
        if w.is_ascii() {
            out.extend(w.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            out.push_str(&w.to_lowercase());
        }
    }
    // The curly apostrophe is not ASCII: ASCII keys need no second string.
    if !out.is_ascii() && out.contains('’') {
        return out.replace('’', "'");
    }
    out
}

/// The word classes.
#[derive(Debug, Default)]
pub(crate) struct Lexicon {
    pub classes: FastMap<Class>,
}

impl Lexicon {
    /// Parses `lexicon.txt`.
    pub fn parse(src: &str) -> Result<Self, TimeError> {
        let mut lex = Lexicon::default();
        let mut current: Option<String> = None;
        for (n, raw) in src.lines().enumerate() {
            let line = raw.trim_end();
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let bad = |msg: &str| TimeError::Grammar {
                file: "lexicon",
                line: n + 1,
                message: msg.to_string(),
            };
            if let Some(name) = line.strip_prefix("@class ") {
                let name = name.trim().to_string();
                lex.classes.entry(name.clone()).or_default();
                current = Some(name);
                continue;
            }
            let name = current
                .as_ref()
                .ok_or_else(|| bad("entry before any @class"))?;
            let (value, forms) = line
                .split_once('\t')
                .ok_or_else(|| bad("expected VALUE<TAB>forms"))?;
            let class = lex.classes.entry(name.clone()).or_default();
            if value == "~" {
                Regex::new(forms).map_err(|e| bad(&e.to_string()))?;
                class.alternatives.push(format!("(?:{forms})"));
                continue;
            }
            for form in forms.split('|').map(str::trim).filter(|f| !f.is_empty()) {
                class.map.insert(fold(form), value.to_string());
                let escaped: Vec<String> = form.split_whitespace().map(regex::escape).collect();
                class.alternatives.push(escaped.join(r"\s+"));
            }
        }
        for class in lex.classes.values_mut() {
            // Longest first so that the leftmost-first regex engine prefers "sept." to "sep".
            class
                .alternatives
                .sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
            class.alternatives.dedup();
        }
        Ok(lex)
    }

    /// Replaces every `%name` in `pattern` with the class alternation.
    pub fn expand(&self, pattern: &str) -> Result<String, String> {
        let mut out = String::with_capacity(pattern.len() * 4);
        let mut rest = pattern;
        while let Some(i) = rest.find('%') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            let len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if len == 0 {
                out.push('%');
                rest = after;
                continue;
            }
            let name = &after[..len];
            let class = self
                .classes
                .get(name)
                .ok_or_else(|| format!("unknown class %{name}"))?;
            out.push_str("(?:");
            out.push_str(&class.alternatives.join("|"));
            out.push(')');
            rest = &after[len..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// One piece of a value template.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Piece {
    /// Literal text.
    Lit(String),
    /// A capture group, normalised through its class; `prefix` is written only when it matched
    /// (`{?T:pod}`); without a prefix a missing group writes nothing.
    Group {
        name: String,
        prefix: Option<String>,
    },
    /// A function call whose arguments are templates.
    Call { func: String, args: Vec<Vec<Piece>> },
}

/// Parses a value template.
pub(crate) fn parse_template(src: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut lit = String::new();
    let b = src.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'{' => {
                let close = src[i..].find('}').ok_or("unclosed {")? + i;
                let inner = &src[i + 1..close];
                if !lit.is_empty() {
                    pieces.push(Piece::Lit(std::mem::take(&mut lit)));
                }
                let (name, prefix) = match inner.strip_prefix('?') {
                    Some(cond) => {
                        let (p, n) = cond.split_once(':').ok_or("expected {?PREFIX:group}")?;
                        (n.to_string(), Some(p.to_string()))
                    }
                    None => (inner.to_string(), None),
                };
                pieces.push(Piece::Group { name, prefix });
                i = close + 1;
            }
            b'@' => {
                let open = src[i..].find('(').ok_or("@function without (")? + i;
                let func = src[i + 1..open].to_string();
                // Find the matching parenthesis and split arguments on top-level commas.
                let mut depth = 0;
                let mut args_src = Vec::new();
                let mut arg_start = open + 1;
                let mut j = open;
                let mut close = None;
                while j < b.len() {
                    match b[j] {
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                args_src.push(&src[arg_start..j]);
                                close = Some(j);
                                break;
                            }
                        }
                        b',' if depth == 1 => {
                            args_src.push(&src[arg_start..j]);
                            arg_start = j + 1;
                        }
                        _ => {}
                    }
                    j += 1;
                }
                let close = close.ok_or("unclosed @function(")?;
                if !lit.is_empty() {
                    pieces.push(Piece::Lit(std::mem::take(&mut lit)));
                }
                let args = if args_src.len() == 1 && args_src[0].trim().is_empty() {
                    Vec::new()
                } else {
                    args_src
                        .iter()
                        .map(|a| parse_template(a.trim()))
                        .collect::<Result<Vec<_>, _>>()?
                };
                pieces.push(Piece::Call { func, args });
                i = close + 1;
            }
            _ => {
                let ch = src[i..].chars().next().ok_or("bad template")?;
                lit.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    if !lit.is_empty() {
        pieces.push(Piece::Lit(lit));
    }
    Ok(pieces)
}

/// A compiled rule.
#[derive(Debug)]
pub(crate) struct Rule {
    pub name: String,
    /// `None` for a blocking rule (type NONE).
    pub timex_type: Option<TimexType>,
    /// The match pattern, compiled as `regex::Regex` would compile it (same engine and
    /// configuration, so the same matches), but also searchable anchored at a position.
    pub regex: meta::Regex,
    /// The match pattern as given to the engine (for the prefilter sets).
    pub pattern: String,
    /// Every match starts at an ASCII word boundary and is not empty, so its start is one of the
    /// [`Starts`] candidates of this rule.
    pub anchorable: bool,
    pub value: Vec<Piece>,
    pub modifier: Option<Vec<Piece>>,
    pub before: Option<Regex>,
    pub after: Option<Regex>,
    pub caps: Option<String>,
    /// The value depends on an earlier expression; it does not become a reference itself.
    pub anaphoric: bool,
}

/// The compiled grammar.
#[derive(Debug)]
pub(crate) struct Grammar {
    pub lexicon: Lexicon,
    pub rules: Vec<Rule>,
    /// The rule patterns in groups of [`SET_GROUP`] consecutive rules (the group's first rule
    /// index, its set), to find which rules can match a text in a few passes.
    pub sets: Vec<(usize, RegexSet)>,
    /// Which rules can start a match with which bytes.
    pub starts: Starts,
}

/// Byte classes of the start table: 26 letters (either case), 10 digits, ASCII whitespace,
/// non-ASCII bytes, other ASCII bytes.
const CLASSES: usize = 39;
/// The class of non-ASCII bytes.
const NON_ASCII: u8 = 37;
/// Flag of [`CLASS`] entries: an ASCII word byte (`[0-9A-Za-z_]`, the `\w` of `(?-u:\b)`).
const WORD: u8 = 0x80;
/// The class part of a [`CLASS`] entry.
const CLASS_MASK: u8 = 0x3f;

const fn class_table() -> [u8; 256] {
    let mut t = [38u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = match c {
            b'a'..=b'z' => (c - b'a') | WORD,
            b'A'..=b'Z' => (c - b'A') | WORD,
            b'0'..=b'9' => (26 + c - b'0') | WORD,
            b'_' => 38 | WORD,
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => 36,
            0x80..=0xff => NON_ASCII,
            _ => 38,
        };
        b += 1;
    }
    t
}

/// Class (and [`WORD`] flag) of each byte.
static CLASS: [u8; 256] = class_table();

/// For each byte class pair (and single class), the rules (bit = rule index, first 128 rules)
/// that can start a match with such bytes. Built from the rules' parsed patterns, so it holds
/// every possibility (it may hold impossible ones: it is only a filter).
#[derive(Debug)]
pub(crate) struct Starts {
    /// Rules with a match of 2+ bytes starting with bytes of classes `(a, b)`: `a * CLASSES + b`.
    pair: Vec<u128>,
    /// Rules with a one-byte match of that class.
    one: [u128; CLASSES],
    /// Rules whose matches can start with a byte of a class holding non-word bytes.
    non_word_first: u128,
}

impl Starts {
    /// Appends to `out[r]` every position of `text` where a match of rule `r` (a bit of
    /// `rules`, an anchorable rule) can start: ASCII word boundaries whose next two bytes can
    /// begin one of its matches. Positions are in increasing order.
    pub fn collect(&self, text: &[u8], rules: u128, out: &mut [Vec<usize>]) {
        // Where no rule asked for can start with a non-word byte, only word starts matter.
        let word_starts_only = rules & self.non_word_first == 0;
        // Boundaries are found 64 bytes at a time from a bit mask of word bytes (a branch per
        // byte mispredicted at every word edge).
        let mut carry = 0u64;
        for (ci, chunk) in text.chunks(64).enumerate() {
            let mut word = 0u64;
            for (i, &b) in chunk.iter().enumerate() {
                word |= u64::from(CLASS[usize::from(b)] >> 7) << i;
            }
            // `(?-u:\b)` at p: the byte before (none at 0) and this one differ in wordness.
            let mut edges = word ^ (word << 1 | carry);
            carry = word >> 63;
            if chunk.len() < 64 {
                edges &= (1u64 << chunk.len()) - 1;
            }
            if word_starts_only {
                edges &= word;
            }
            while edges != 0 {
                let i = edges.trailing_zeros() as usize;
                edges &= edges - 1;
                let p = ci * 64 + i;
                let c = usize::from(CLASS[usize::from(chunk[i])] & CLASS_MASK);
                let mut m = self.one[c];
                if let Some(&n) = text.get(p + 1) {
                    m |= self.pair[c * CLASSES + usize::from(CLASS[usize::from(n)] & CLASS_MASK)];
                }
                m &= rules;
                while m != 0 {
                    let r = m.trailing_zeros() as usize;
                    m &= m - 1;
                    if let Some(v) = out.get_mut(r) {
                        v.push(p);
                    }
                }
            }
        }
    }
}

/// What a pattern's matches can start with, over byte classes (bit `k` = class `k`).
#[derive(Clone, Copy)]
struct Head {
    /// It can match the empty string.
    nullable: bool,
    /// Classes of its one-byte matches.
    one: u64,
    /// Classes of the first byte of its non-empty matches.
    first: u64,
    /// `pairs[a]`: classes `b` such that a match of 2+ bytes can start with bytes of classes
    /// `a`, `b`.
    pairs: [u64; CLASSES],
}

impl Head {
    const EMPTY: Head = Head {
        nullable: true,
        one: 0,
        first: 0,
        pairs: [0; CLASSES],
    };

    const NOTHING: Head = Head {
        nullable: false,
        ..Head::EMPTY
    };

    /// Adds the possibilities of `b` (an alternative).
    fn union(&mut self, b: &Head) {
        self.nullable |= b.nullable;
        self.one |= b.one;
        self.first |= b.first;
        for (x, y) in self.pairs.iter_mut().zip(&b.pairs) {
            *x |= *y;
        }
    }

    /// Pairs of a one-byte match of `one` followed by a match starting with `first`.
    fn add_pairs(&mut self, one: u64, first: u64) {
        for (a, row) in self.pairs.iter_mut().enumerate() {
            if one >> a & 1 == 1 {
                *row |= first;
            }
        }
    }

    /// `a` followed by `b`.
    fn concat(a: &Head, b: &Head) -> Head {
        let mut r = Head {
            nullable: a.nullable && b.nullable,
            one: (if b.nullable { a.one } else { 0 }) | (if a.nullable { b.one } else { 0 }),
            first: a.first | if a.nullable { b.first } else { 0 },
            pairs: a.pairs,
        };
        if a.nullable {
            for (x, y) in r.pairs.iter_mut().zip(&b.pairs) {
                *x |= *y;
            }
        }
        r.add_pairs(a.one, b.first);
        r
    }

    fn byte(b: u8) -> u64 {
        1 << (CLASS[usize::from(b)] & CLASS_MASK)
    }

    fn of(h: &Hir) -> Head {
        match h.kind() {
            HirKind::Empty | HirKind::Look(_) => Head::EMPTY,
            HirKind::Literal(lit) => match &lit.0[..] {
                [] => Head::EMPTY,
                [b] => Head {
                    one: Head::byte(*b),
                    first: Head::byte(*b),
                    ..Head::NOTHING
                },
                [a, b, ..] => {
                    let mut r = Head {
                        first: Head::byte(*a),
                        ..Head::NOTHING
                    };
                    r.pairs[usize::from(CLASS[usize::from(*a)] & CLASS_MASK)] = Head::byte(*b);
                    r
                }
            },
            HirKind::Class(HirClass::Unicode(c)) => {
                let mut r = Head::NOTHING;
                for range in c.ranges() {
                    let (lo, hi) = (u32::from(range.start()), u32::from(range.end()));
                    for b in lo..=hi.min(0x7f) {
                        let k = Head::byte(b as u8);
                        r.one |= k;
                        r.first |= k;
                    }
                    if hi >= 0x80 {
                        // Multi-byte characters: a non-ASCII lead byte, then continuation bytes.
                        r.first |= Head::byte(0x80);
                        r.pairs[usize::from(NON_ASCII)] |= Head::byte(0x80);
                    }
                }
                r
            }
            HirKind::Class(HirClass::Bytes(c)) => {
                let mut r = Head::NOTHING;
                for range in c.ranges() {
                    for b in range.start()..=range.end() {
                        r.one |= Head::byte(b);
                        r.first |= Head::byte(b);
                    }
                }
                r
            }
            HirKind::Repetition(rep) => {
                let x = Head::of(&rep.sub);
                let mut r = x;
                if rep.max.is_none_or(|m| m >= 2) {
                    // Two one-byte repetitions in a row.
                    r.add_pairs(x.one, x.first);
                }
                r.nullable |= rep.min == 0;
                r
            }
            HirKind::Capture(c) => Head::of(&c.sub),
            HirKind::Concat(xs) => xs
                .iter()
                .fold(Head::EMPTY, |acc, x| Head::concat(&acc, &Head::of(x))),
            HirKind::Alternation(xs) => {
                let mut r = Head::NOTHING;
                for x in xs {
                    r.union(&Head::of(x));
                }
                r
            }
        }
    }
}

/// True when every match of `hir` starts at an ASCII word boundary: the pattern is a
/// concatenation that begins with `(?-u:\b)` (all rules are written `\b...`).
fn starts_at_word_boundary(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Concat(xs) => {
            matches!(
                xs.first().map(Hir::kind),
                Some(HirKind::Look(Look::WordAscii))
            )
        }
        _ => false,
    }
}

#[derive(Default)]
struct RawRule {
    name: String,
    line: usize,
    fields: HashMap<String, String>,
}

impl Grammar {
    /// Compiles the grammar from the texts of `lexicon.txt` and `rules.txt`.
    pub fn compile(lexicon: &str, rules: &str) -> Result<Self, TimeError> {
        let lexicon = Lexicon::parse(lexicon)?;
        let mut raw_rules: Vec<RawRule> = Vec::new();
        for (n, raw) in rules.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, val) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
            let val = val.trim().to_string();
            if key == "rule" {
                raw_rules.push(RawRule {
                    name: val,
                    line: n + 1,
                    fields: HashMap::new(),
                });
                continue;
            }
            let rule = raw_rules.last_mut().ok_or(TimeError::Grammar {
                file: "rules",
                line: n + 1,
                message: "field before any `rule`".into(),
            })?;
            rule.fields.insert(key.to_string(), val);
        }
        let mut compiled = Vec::with_capacity(raw_rules.len());
        let mut heads = Vec::with_capacity(raw_rules.len());
        for r in raw_rules {
            let bad = |message: String| TimeError::Grammar {
                file: "rules",
                line: r.line,
                message: format!("rule {}: {message}", r.name),
            };
            let get = |k: &str| r.fields.get(k).filter(|v| !v.is_empty());
            let timex_type = match get("type").map(String::as_str) {
                Some("DATE") => Some(TimexType::Date),
                Some("TIME") => Some(TimexType::Time),
                Some("DURATION") => Some(TimexType::Duration),
                Some("SET") => Some(TimexType::Set),
                Some("NONE") => None,
                other => return Err(bad(format!("bad type {other:?}"))),
            };
            let pattern = get("match").ok_or_else(|| bad("no match".into()))?;
            let compile = |p: &str, wrap: fn(String) -> String| -> Result<Regex, TimeError> {
                // ASCII word boundaries: Unicode `\b` makes the fast DFA engines give up on
                // any non-ASCII text (curly quotes are everywhere in news).
                let expanded = lexicon.expand(p).map_err(&bad)?.replace(r"\b", r"(?-u:\b)");
                regex::RegexBuilder::new(&format!("(?i){}", wrap(expanded)))
                    .dfa_size_limit(LAZY_DFA_CACHE)
                    .build()
                    .map_err(|e| bad(e.to_string()))
            };
            // The match pattern: built as `regex::RegexBuilder` builds it (leftmost-first,
            // UTF-8 empty matches, 10 MB NFA limit), from a parse that also gives its head.
            let full = format!(
                "(?i){}",
                lexicon
                    .expand(pattern)
                    .map_err(&bad)?
                    .replace(r"\b", r"(?-u:\b)")
            );
            let hir = syntax::parse_with(&full, &syntax::Config::new().utf8(true))
                .map_err(|e| bad(e.to_string()))?;
            let regex = meta::Builder::new()
                .configure(
                    meta::Config::new()
                        .match_kind(MatchKind::LeftmostFirst)
                        .utf8_empty(true)
                        .nfa_size_limit(Some(10 << 20))
                        .hybrid_cache_capacity(LAZY_DFA_CACHE),
                )
                .build_from_hir(&hir)
                .map_err(|e| bad(e.to_string()))?;
            let head = Head::of(&hir);
            let anchorable = !head.nullable && starts_at_word_boundary(&hir);
            let before = get("before")
                .map(|p| compile(p, |s| format!("(?:{s})$")))
                .transpose()?;
            let after = get("after")
                .map(|p| compile(p, |s| format!("^(?:{s})")))
                .transpose()?;
            let value = parse_template(get("value").ok_or_else(|| bad("no value".into()))?)
                .map_err(|e| bad(e.to_string()))?;
            let modifier = get("mod")
                .map(|m| parse_template(m))
                .transpose()
                .map_err(|e| bad(e.to_string()))?;
            heads.push((anchorable, head));
            compiled.push(Rule {
                name: r.name.clone(),
                timex_type,
                regex,
                pattern: full,
                anchorable,
                value,
                modifier,
                before,
                after,
                caps: get("caps").cloned(),
                anaphoric: get("anaphoric").is_some_and(|v| v == "yes"),
            });
        }
        let mut sets = Vec::new();
        for (g, group) in compiled.chunks(SET_GROUP).enumerate() {
            let set = regex::RegexSetBuilder::new(group.iter().map(|r| r.pattern.as_str()))
                .dfa_size_limit(LAZY_DFA_CACHE)
                .build()
                .map_err(|e| TimeError::Grammar {
                    file: "rules",
                    line: 0,
                    message: e.to_string(),
                })?;
            sets.push((g * SET_GROUP, set));
        }
        let mut starts = Starts {
            pair: vec![0; CLASSES * CLASSES],
            one: [0; CLASSES],
            non_word_first: 0,
        };
        for (i, (anchorable, head)) in heads.iter().enumerate() {
            if !anchorable || i >= 128 {
                continue;
            }
            for a in 0..CLASSES {
                for b in 0..CLASSES {
                    if head.pairs[a] >> b & 1 == 1 {
                        starts.pair[a * CLASSES + b] |= 1 << i;
                    }
                }
                if head.one >> a & 1 == 1 {
                    starts.one[a] |= 1 << i;
                }
            }
            // Whitespace, non-ASCII and the other-ASCII class (which holds `_` but also
            // punctuation).
            let non_word = 1u64 << 36 | 1 << NON_ASCII | 1 << 38;
            if head.first & non_word != 0 || head.one & non_word != 0 {
                starts.non_word_first |= 1 << i;
            }
        }
        for (i, rule) in compiled.iter_mut().enumerate() {
            rule.anchorable &= i < 128;
        }
        Ok(Grammar {
            lexicon,
            rules: compiled,
            sets,
            starts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_parse_groups_calls_and_conditionals() {
        let t = parse_template("@weekday({weekday},){?T:pod}").unwrap();
        assert_eq!(t.len(), 2);
        match &t[0] {
            Piece::Call { func, args } => {
                assert_eq!(func, "weekday");
                assert_eq!(args.len(), 2);
                assert!(args[1].is_empty());
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(
            t[1],
            Piece::Group {
                name: "pod".into(),
                prefix: Some("T".into())
            }
        );
        assert_eq!(
            parse_template("{year}-Q3").unwrap()[1],
            Piece::Lit("-Q3".into())
        );
    }

    #[test]
    fn fold_matches_the_allocating_definition() {
        // The definition `fold` had before its ASCII fast path.
        let reference = |text: &str| {
            let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
            words.join(" ").replace('’', "'")
        };
        for t in [
            "",
            "  Sept.  ",
            "The  Day\tAfter\nTomorrow",
            "the ’90s",
            "ÉTÉ Indien",
            "ΟΔΟΣ ΟΔΟΣ",
            "year’S-END",
            "\u{212a}elvin ſunday",
        ] {
            assert_eq!(fold(t), reference(t), "{t:?}");
        }
    }

    #[test]
    fn classes_expand_longest_first() {
        let lex = Lexicon::parse("@class m\n09\tsep|sept.|september\n").unwrap();
        let re = Regex::new(&lex.expand("^%m").unwrap()).unwrap();
        assert_eq!(re.find("sept. 3").unwrap().as_str(), "sept.");
        assert_eq!(lex.classes["m"].get("Sept."), Some("09"));
        assert!(lex.expand("%nope").is_err());
    }
}
