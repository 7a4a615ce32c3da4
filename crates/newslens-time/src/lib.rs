//! Time expression recognition and normalisation (TIMEX3) for newslens.
//!
//! The grammar is data (the HeidelTime approach, written fresh): word classes in
//! `resources/time/lexicon.txt` and extraction rules with their normalisation templates in
//! `resources/time/rules.txt`, embedded in the binary and compiled once into regular expressions.
//! [`TimeStage`] runs every rule that can match (one [`regex::RegexSet`] pass finds them), keeps
//! the longest non-overlapping matches and evaluates their value templates against the dateline
//! and a light tense guess for the clause ("is to visit on Tuesday" looks forward).
//!
//! ```
//! use newslens_core::{Analysis, Annotator, Document};
//! let mut doc = Document::from_text("d", "Putin is to visit North Korea on Tuesday.");
//! doc.dateline = chrono::NaiveDate::from_ymd_opt(2024, 10, 16);
//! let mut a = Analysis::new(doc);
//! newslens_time::TimeStage::new().annotate(&mut a).unwrap();
//! let t = &a.time.as_ref().unwrap().timexes[0];
//! assert_eq!(t.value.as_deref(), Some("2024-10-22"));
//! ```

mod grammar;
mod norm;
mod tense;

use std::path::Path;
use std::sync::{Arc, OnceLock};

use aho_corasick::AhoCorasick;
use chrono::NaiveDate;
use newslens_core::layers::time::{TimeLayer, Timex, TimexType};
use newslens_core::{Analysis, Annotator, Span, StageError};
use regex_automata::{Anchored, Input};
use thiserror::Error;

use grammar::Grammar;
pub use tense::Tense;

/// The embedded word classes.
pub const LEXICON: &str = include_str!("../../../resources/time/lexicon.txt");
/// The embedded rules.
pub const RULES: &str = include_str!("../../../resources/time/rules.txt");

/// Errors of the time stage.
#[derive(Debug, Error)]
pub enum TimeError {
    /// A grammar file is malformed.
    #[error("time grammar ({file}.txt line {line}): {message}")]
    Grammar {
        /// `lexicon` or `rules`.
        file: &'static str,
        /// 1-based line (0 when not known).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A grammar file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// The `time` stage: a handle on a compiled grammar (cheap to clone).
#[derive(Debug, Clone)]
pub struct TimeStage {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    grammar: Grammar,
    cues: tense::Cues,
    /// Cheap prefilter: texts with none of these strings cannot hold a time expression.
    trigger: AhoCorasick,
}

fn embedded() -> &'static Result<TimeStage, String> {
    static STAGE: OnceLock<Result<TimeStage, String>> = OnceLock::new();
    STAGE.get_or_init(|| TimeStage::from_sources(LEXICON, RULES).map_err(|e| e.to_string()))
}

impl Default for TimeStage {
    fn default() -> Self {
        Self::new()
    }
}

impl TimeStage {
    /// The stage with the embedded grammar (compiled once per process and shared).
    ///
    /// # Panics
    /// Only if the embedded grammar is broken, which the crate's tests rule out.
    pub fn new() -> TimeStage {
        match embedded() {
            Ok(s) => s.clone(),
            Err(e) => panic!("embedded time grammar is invalid: {e}"),
        }
    }

    /// Like [`TimeStage::new`] but returns the error instead of panicking.
    pub fn try_new() -> Result<TimeStage, String> {
        embedded().clone()
    }

    /// Compiles a grammar from the texts of a lexicon and a rules file.
    pub fn from_sources(lexicon: &str, rules: &str) -> Result<Self, TimeError> {
        let grammar = Grammar::compile(lexicon, rules)?;
        let cues = tense::Cues::from_lexicon(&grammar.lexicon);
        let trigger = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(TRIGGERS)
            .map_err(|e| TimeError::Grammar {
                file: "rules",
                line: 0,
                message: e.to_string(),
            })?;
        Ok(TimeStage {
            inner: Arc::new(Inner {
                grammar,
                cues,
                trigger,
            }),
        })
    }

    /// Loads `lexicon.txt` and `rules.txt` from a folder (an alternative grammar, `--model`).
    pub fn from_path(dir: &Path) -> Result<Self, TimeError> {
        let read = |name: &str| {
            let p = dir.join(name);
            std::fs::read_to_string(&p).map_err(|source| TimeError::Io {
                path: p.display().to_string(),
                source,
            })
        };
        Self::from_sources(&read("lexicon.txt")?, &read("rules.txt")?)
    }

    /// Number of rules in the grammar.
    pub fn rule_count(&self) -> usize {
        self.inner.grammar.rules.len()
    }

    /// Finds and normalises the time expressions of `text`.
    ///
    /// `sentences` (byte ranges, in order) bound the tense cues; when empty, sentence limits are
    /// guessed from punctuation. Relative values need `dateline`; without it they are written
    /// with `X`s and marked `unresolved`.
    pub fn extract(
        &self,
        text: &str,
        dateline: Option<NaiveDate>,
        sentences: &[Span],
    ) -> Vec<Timex> {
        if !self.inner.trigger.is_match(text) {
            return Vec::new();
        }
        let grammar = &self.inner.grammar;
        let mut cands: Vec<Cand> = Vec::new();
        let matching: Vec<usize> = grammar
            .sets
            .iter()
            .flat_map(|(first, set)| set.matches(text).into_iter().map(move |k| first + k))
            .collect();
        // Where the matching rules can start a match (ASCII word boundaries with the right
        // first bytes): a rule with few such places is run anchored at each of them instead of
        // scanning the whole text.
        let anchorable: u128 = matching
            .iter()
            .filter(|&&ri| grammar.rules[ri].anchorable)
            .fold(0, |m, &ri| m | 1 << ri);
        // The per-rule lists are reused between calls on this thread: growing them again for
        // every article was a good part of the candidate pass.
        // (`take` leaves an empty list: a nested call or another grammar starts afresh.)
        let mut starts: Vec<Vec<usize>> = STARTS.with(|cell| cell.take());
        starts.resize_with(grammar.rules.len(), Vec::new);
        for &ri in &matching {
            starts[ri].clear();
        }
        if anchorable != 0 {
            grammar
                .starts
                .collect(text.as_bytes(), anchorable, &mut starts);
        }
        for &ri in &matching {
            let rule = &grammar.rules[ri];
            let mut take = |s: usize, e: usize| {
                if s == e {
                    return;
                }
                if let Some(groups) = self.accept(rule, text, s, e) {
                    cands.push(Cand {
                        start: s,
                        end: e,
                        rule: ri,
                        groups,
                    });
                }
            };
            let positions = &starts[ri];
            if rule.anchorable && positions.len() * BYTES_PER_ANCHORED_SEARCH < text.len() {
                anchored_matches(&rule.regex, text, positions, take);
            } else {
                for m in rule.regex.find_iter(text) {
                    take(m.start(), m.end());
                }
            }
        }
        STARTS.with(|cell| cell.set(starts));
        // Longest first, then the rule written first; keep those that do not overlap.
        cands.sort_by(|a, b| {
            (b.end - b.start)
                .cmp(&(a.end - a.start))
                .then(a.rule.cmp(&b.rule))
                .then(a.start.cmp(&b.start))
        });
        let mut kept: Vec<Cand> = Vec::new();
        for c in cands {
            if kept.iter().all(|k| c.end <= k.start || k.end <= c.start) {
                kept.push(c);
            }
        }
        kept.sort_by_key(|c| c.start);

        let mut out: Vec<Timex> = Vec::with_capacity(kept.len());
        let mut last_value: Option<String> = None;
        for c in kept {
            let rule = &self.inner.grammar.rules[c.rule];
            // A blocking rule won this stretch of text: nothing to report.
            let Some(timex_type) = rule.timex_type else {
                continue;
            };
            // Re-run the rule at the kept position to get its groups (unless the capitalisation
            // check already did).
            let caps = match c.groups {
                Some(g) => g,
                None => norm::Groups::at(&rule.regex, text, c.start),
            };
            if caps.span(0) != Some((c.start, c.end)) {
                continue;
            }
            let sentence = sentence_of(text, sentences, c.start, c.end);
            let tense_cell = std::cell::OnceCell::new();
            let tense_fn = || {
                *tense_cell.get_or_init(|| self.inner.cues.tense(text, sentence, (c.start, c.end)))
            };
            let mut ctx = norm::Ctx {
                lexicon: &self.inner.grammar.lexicon,
                caps: &caps,
                dct: dateline,
                tense: &tense_fn,
                last_value: last_value.as_deref(),
                unresolved: false,
            };
            let value = ctx.eval(&rule.value).ok().filter(|v| !v.is_empty());
            let modifier = rule
                .modifier
                .as_ref()
                .and_then(|m| ctx.eval(m).ok())
                .filter(|m| !m.is_empty());
            let unresolved = ctx.unresolved;
            let Some(value) = value else {
                // A date that does not exist ("February 30") is no date.
                continue;
            };
            if timex_type == TimexType::Date && !unresolved && !rule.anaphoric {
                last_value = Some(value.clone());
            }
            out.push(Timex {
                id: out.len(),
                span: Span::new(c.start, c.end),
                timex_type,
                value: Some(value),
                modifier,
                unresolved,
                rule: rule.name.clone(),
            });
        }
        out
    }

    /// Context checks of a match: word boundaries, `before`/`after` guards, capitalisation.
    /// `None` when it fails, else the groups of the match when the capitalisation check read
    /// them.
    fn accept<'t>(
        &self,
        rule: &grammar::Rule,
        text: &'t str,
        s: usize,
        e: usize,
    ) -> Option<Option<norm::Groups<'t>>> {
        let prev = text[..s].chars().next_back();
        let next = text[e..].chars().next();
        let first = text[s..e].chars().next();
        let last = text[s..e].chars().next_back();
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        if (word(prev) && word(first)) || (word(next) && word(last)) {
            return None;
        }
        if let Some(b) = &rule.before {
            let from = floor_char(text, s.saturating_sub(40));
            if b.is_match(&text[from..s]) {
                return None;
            }
        }
        if let Some(a) = &rule.after {
            let to = ceil_char(text, (e + 40).min(text.len()));
            if a.is_match(&text[e..to]) {
                return None;
            }
        }
        if let Some(g) = &rule.caps {
            let caps = norm::Groups::at(&rule.regex, text, s);
            caps.span(0)?;
            if let Some(m) = caps.name(g) {
                if !m.chars().next().is_some_and(char::is_uppercase) {
                    return None;
                }
            }
            return Some(Some(caps));
        }
        Some(None)
    }
}

impl Annotator for TimeStage {
    fn name(&self) -> &'static str {
        "time"
    }

    fn annotate(&self, analysis: &mut Analysis) -> Result<(), StageError> {
        let sentences: Vec<Span> = analysis.sentences.iter().map(|s| s.span).collect();
        let mut timexes = self.extract(analysis.text(), analysis.document.dateline, &sentences);
        // Only the title and body are prose: the seed format's `date YYYY-MM-DD` header line is
        // metadata (already the dateline), not a time expression of the article.
        if !sentences.is_empty() {
            timexes.retain(|t| sentences.iter().any(|s| s.contains(&t.span)));
            for (i, t) in timexes.iter_mut().enumerate() {
                t.id = i;
            }
        }
        analysis.time = Some(TimeLayer { timexes });
        Ok(())
    }
}

thread_local! {
    /// Candidate start lists per rule ([`grammar::Starts::collect`]), kept between calls.
    static STARTS: std::cell::Cell<Vec<Vec<usize>>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Text bytes a whole-text scan of a rule costs about as much as one anchored search (lazy DFA
/// ≈ 2 ns a byte, an anchored search ≈ 45 ns, on the varied bench corpus); a rule with more
/// candidate positions than `text.len() / BYTES_PER_ANCHORED_SEARCH` scans the text instead.
const BYTES_PER_ANCHORED_SEARCH: usize = 20;

/// Strings at least one of which occurs in any text with a time expression.
const TRIGGERS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
    "day",
    "week",
    "month",
    "year",
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
    "now",
    "current",
    "present",
    "recent",
    "late",
    "previous",
    "formerly",
    "past",
    "future",
    "soon",
    "term",
    "spring",
    "summer",
    "fall",
    "autumn",
    "winter",
    "quarter",
    "half",
    "decade",
    "centur",
    "hour",
    "minute",
    "second",
    "night",
    "morning",
    "noon",
    "evening",
    "tonight",
    "ties",
    "fifties",
    "nineteen",
    "thousand",
    "mon",
    "tue",
    "wed",
    "thu",
    "fri",
    "sat",
    "sun",
    "annual",
    "hourly",
    "moment",
    "time",
    "christmas",
    "xmas",
    "thanksgiving",
    "easter",
    "eve",
    "halloween",
    "labor",
    "labour",
    "memorial",
    "election",
    "independence",
    "valentine",
    "pentecost",
    "whitsun",
    "new year",
    "armistice",
    "veterans",
    "remembrance",
    "presidents",
    "king",
];

/// The matches `regex.find_iter(text)` gives, found by anchored searches at `positions` (in
/// increasing order), which must hold every position where a match can start. The leftmost
/// match at or after `from` starts at the first such position where one starts, and the
/// anchored search there finds the match the unanchored one would (same engine, leftmost-first,
/// look-around sees the whole text). Matches are not empty ([`grammar::Rule::anchorable`]).
fn anchored_matches(
    regex: &regex_automata::meta::Regex,
    text: &str,
    positions: &[usize],
    mut take: impl FnMut(usize, usize),
) {
    let mut from = 0;
    for &p in positions {
        if p < from {
            continue;
        }
        let input = Input::new(text).span(p..text.len()).anchored(Anchored::Yes);
        if let Some(m) = regex.search(&input) {
            take(m.start(), m.end());
            from = m.end();
        }
    }
}

struct Cand<'t> {
    start: usize,
    end: usize,
    rule: usize,
    /// The match's groups, when the capitalisation check read them.
    groups: Option<norm::Groups<'t>>,
}

fn floor_char(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// The sentence holding `start..end`: from the given sentence spans, or guessed from
/// punctuation and blank lines.
fn sentence_of(text: &str, sentences: &[Span], start: usize, end: usize) -> (usize, usize) {
    if !sentences.is_empty() {
        let i = sentences.partition_point(|s| s.end <= start);
        if let Some(s) = sentences.get(i) {
            if s.start <= start {
                return (s.start, s.end.max(end));
            }
        }
    }
    let bytes = text.as_bytes();
    let is_break = |i: usize| -> bool {
        match bytes[i] {
            b'\n' => i + 1 < bytes.len() && bytes[i + 1] == b'\n',
            b'.' | b'!' | b'?' => {
                // A full stop followed by a space and an upper-case letter ends a sentence;
                // "Oct. 23" and "U.S. officials" mostly do not.
                let rest = &text[i + 1..];
                let mut chars = rest.chars();
                matches!(chars.next(), Some(' ') | Some('\n'))
                    && chars
                        .find(|c| !c.is_whitespace() && !matches!(c, '"' | '“' | '\''))
                        .is_some_and(char::is_uppercase)
                    && !abbreviation_before(text, i)
            }
            _ => false,
        }
    };
    let mut s = start;
    let lo = start.saturating_sub(400);
    while s > lo && !is_break(s - 1) {
        s -= 1;
    }
    let mut e = end;
    let hi = (end + 300).min(bytes.len());
    while e < hi && !is_break(e) {
        e += 1;
    }
    (floor_char(text, s), ceil_char(text, e))
}

/// True when the full stop at `dot` ends a common abbreviation (month, title).
fn abbreviation_before(text: &str, dot: usize) -> bool {
    let head = &text[..dot];
    let word: String = head
        .chars()
        .rev()
        .take_while(|c| c.is_alphabetic())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    matches!(
        word.to_lowercase().as_str(),
        "jan"
            | "feb"
            | "mar"
            | "apr"
            | "aug"
            | "sep"
            | "sept"
            | "oct"
            | "nov"
            | "dec"
            | "mr"
            | "mrs"
            | "ms"
            | "dr"
            | "st"
            | "gen"
            | "sen"
            | "rep"
            | "gov"
            | "lt"
            | "col"
            | "u"
            | "s"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts with the awkward cases of the start table: curly apostrophes, decades, digits
    /// next to letters, non-ASCII letters, characters that fold to ASCII letters under `(?i)`
    /// (KELVIN SIGN, long s), words glued to punctuation, text edges.
    const TEXTS: &[&str] = &[
        "Putin is to visit North Korea on Tuesday, he said on Monday (Oct. 7, 2024).",
        "In the ’90s and the '80s, mid-'70s, the1990s, late-1980s; the 1960s.",
        "At 9 a.m. EST on 12/25/2024, 1000 GMT, 10:30 p.m., noon Friday, 2024-10-16.",
        "Three years ago, two and a half years, 2 1/2 years, a 10-year plan, 5-year-old.",
        "\u{212a}elvin ſunday ſeptember 5 Spring, ÉTÉ, Überall morgen, \u{212a}ALENDS.",
        "every week, each Monday, weekly, the daily Rodong Sinmun, twice a year, per hour",
        "Q3 2024, the third quarter of fiscal 2023, FY2024, the first half, H1, year-end",
        "x2024y 2024x y2024 _2024_ 19th century, the 21st century, nineteen ninety-six",
        "Christmas Eve, New Year's Day, Thanksgiving 2020, Labor Day, Easter Sunday",
        "now, currently, recently, in the near future, the coming months, these days",
        "2024",
        "May",
        "a",
        "",
        "\n\nTuesday\n\n2 0 2 4\n-\n’\n",
    ];

    #[test]
    fn anchored_searches_find_what_find_iter_finds() {
        let stage = TimeStage::new();
        let g = &stage.inner.grammar;
        assert!(
            g.rules.iter().all(|r| r.anchorable),
            "every rule starts with \\b"
        );
        let all: u128 = (0..g.rules.len()).fold(0, |m, i| m | 1 << i);
        let mut texts: Vec<String> = TEXTS.iter().map(|t| t.to_string()).collect();
        texts.push(TEXTS.join(" "));
        texts.push(TEXTS.concat().to_uppercase());
        for text in &texts {
            let mut starts = vec![Vec::new(); g.rules.len()];
            g.starts.collect(text.as_bytes(), all, &mut starts);
            for (ri, rule) in g.rules.iter().enumerate() {
                let want: Vec<(usize, usize)> = rule
                    .regex
                    .find_iter(text)
                    .map(|m| (m.start(), m.end()))
                    .collect();
                let mut got = Vec::new();
                anchored_matches(&rule.regex, text, &starts[ri], |s, e| got.push((s, e)));
                assert_eq!(got, want, "rule {} on {text:?}", rule.name);
                // Alone (most rules then only need word starts).
                let mut alone = vec![Vec::new(); g.rules.len()];
                g.starts.collect(text.as_bytes(), 1 << ri, &mut alone);
                assert_eq!(
                    alone[ri], starts[ri],
                    "rule {} alone on {text:?}",
                    rule.name
                );
            }
        }
    }

    #[test]
    fn rules_match_as_the_regex_crate_compiles_them() {
        let stage = TimeStage::new();
        let text = TEXTS.join(" ");
        for rule in &stage.inner.grammar.rules {
            let re = regex::RegexBuilder::new(&rule.pattern)
                .dfa_size_limit(64 << 20)
                .build()
                .unwrap();
            let want: Vec<_> = re.find_iter(&text).map(|m| m.range()).collect();
            let got: Vec<_> = rule.regex.find_iter(&text).map(|m| m.range()).collect();
            assert_eq!(got, want, "rule {}", rule.name);
        }
    }
}
