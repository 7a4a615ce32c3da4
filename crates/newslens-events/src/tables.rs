//! The data tables the coder runs on: the CAMEO code table, the verb dictionary, the sentiment
//! lexicon and the actor country codes. Each is a small TAB-separated text file under
//! `resources/events/`, embedded in the binary and parsed once.

use std::collections::{HashMap, HashSet};

use newslens_learn::hash::WordState;

use crate::EventsError;

/// One CAMEO code: Goldstein value and label.
#[derive(Debug, Clone, PartialEq)]
pub struct CameoCode {
    /// Goldstein-scale value (-10..10), when the table gives one.
    pub goldstein: Option<f32>,
    /// CAMEO description.
    pub label: String,
}

/// The CAMEO code table (`resources/events/cameo.tsv`).
#[derive(Debug, Clone, Default)]
pub struct CameoTable {
    codes: HashMap<String, CameoCode, WordState>,
}

impl CameoTable {
    /// Parses `code<TAB>goldstein<TAB>label` lines (`#` comments allowed).
    pub fn parse(src: &str) -> Result<Self, EventsError> {
        let mut codes = HashMap::default();
        for (i, line) in data_lines(src) {
            let mut f = line.split('\t');
            let (Some(code), Some(g), Some(label)) = (f.next(), f.next(), f.next()) else {
                return Err(EventsError::table("cameo.tsv", i, "expected 3 columns"));
            };
            codes.insert(
                code.trim().to_string(),
                CameoCode {
                    goldstein: g.trim().parse().ok(),
                    label: label.trim().to_string(),
                },
            );
        }
        Ok(Self { codes })
    }

    /// Looks a code up.
    pub fn get(&self, code: &str) -> Option<&CameoCode> {
        self.codes.get(code)
    }

    /// Number of codes.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// True when the table is empty.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

/// What a verb does to the verb it governs ("pledged to assist").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Not a control verb.
    None,
    /// Expresses intent: the governed event becomes a 03x code.
    Intent,
    /// An appeal: 02x.
    Appeal,
    /// A demand: 10x.
    Demand,
    /// A threat: 13x.
    Threat,
    /// Only sets the modality to planned.
    Plan,
    /// Only sets the modality to denied.
    Deny,
}

/// One verb dictionary entry.
#[derive(Debug, Clone, PartialEq)]
pub struct VerbEntry {
    /// Head verb lemma.
    pub head: String,
    /// Words that must follow the head (determiners may come between).
    pub rest: Vec<String>,
    /// CAMEO code; `None` for modality-only control verbs.
    pub code: Option<String>,
    /// Control behaviour.
    pub control: Control,
    /// A speech verb (coded only when the statement is evaluative).
    pub say: bool,
}

/// How a token form relates to its lemma.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// The lemma itself ("visit").
    Base,
    /// Third person singular ("visits").
    S,
    /// Past tense or participle ("visited", "met").
    Past,
    /// Gerund or present participle ("visiting").
    Ing,
}

/// The verb dictionary (`resources/events/verbs.tsv`), indexed by inflected head form.
#[derive(Debug, Clone, Default)]
pub struct VerbDict {
    /// Entries in file order.
    pub entries: Vec<VerbEntry>,
    by_form: HashMap<String, Vec<(usize, Form)>, WordState>,
}

impl VerbDict {
    /// Parses the dictionary.
    pub fn parse(src: &str) -> Result<Self, EventsError> {
        let mut d = VerbDict::default();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, line) in data_lines(src) {
            let cols: Vec<&str> = line.split('\t').map(str::trim).collect();
            if cols.len() < 2 {
                return Err(EventsError::table(
                    "verbs.tsv",
                    i,
                    "expected 2 or 3 columns",
                ));
            }
            let mut alts = cols[0].split('|');
            let phrase = alts.next().unwrap_or_default();
            let extra: Vec<String> = alts.map(str::to_string).collect();
            let mut words = phrase.split_whitespace().map(str::to_lowercase);
            let Some(head) = words.next() else {
                return Err(EventsError::table("verbs.tsv", i, "empty phrase"));
            };
            let rest: Vec<String> = words.collect();
            let code = (cols[1] != "-").then(|| cols[1].to_string());
            let flags = cols.get(2).copied().unwrap_or("");
            let mut control = Control::None;
            let mut say = false;
            for f in flags.split(',').map(str::trim).filter(|f| !f.is_empty()) {
                control = match f {
                    "intent" => Control::Intent,
                    "appeal" => Control::Appeal,
                    "demand" => Control::Demand,
                    "threat" => Control::Threat,
                    "plan" => Control::Plan,
                    "deny" => Control::Deny,
                    "say" => {
                        say = true;
                        control
                    }
                    other => {
                        return Err(EventsError::table(
                            "verbs.tsv",
                            i,
                            &format!("unknown flag `{other}`"),
                        ))
                    }
                };
            }
            let entry = VerbEntry {
                head: head.clone(),
                rest,
                code,
                control,
                say,
            };
            let key = format!("{} {}", entry.head, entry.rest.join(" "));
            // Later lines win for the same phrase.
            let idx = match seen.get(&key) {
                Some(&k) => {
                    d.entries[k] = entry;
                    continue;
                }
                None => {
                    d.entries.push(entry);
                    d.entries.len() - 1
                }
            };
            seen.insert(key, idx);
            let mut forms = inflections(&head);
            for x in extra {
                let f = if x.ends_with("ing") {
                    Form::Ing
                } else {
                    Form::Past
                };
                forms.push((x.to_lowercase(), f));
            }
            for (form, kind) in forms {
                let v = d.by_form.entry(form).or_default();
                if !v.iter().any(|(e, _)| *e == idx) {
                    v.push((idx, kind));
                }
            }
        }
        Ok(d)
    }

    /// Entries whose head has the inflected form `form` (lower case).
    pub fn lookup(&self, form: &str) -> &[(usize, Form)] {
        self.by_form.get(form).map_or(&[], Vec::as_slice)
    }
}

/// Irregular verb forms used by the dictionary's heads (facts of English).
const IRREGULAR: &[(&str, &[&str])] = &[
    ("meet", &["met"]),
    ("pay", &["paid"]),
    ("hold", &["held"]),
    ("fight", &["fought"]),
    ("shoot", &["shot"]),
    ("strike", &["struck", "stricken"]),
    ("beat", &["beat", "beaten"]),
    ("seek", &["sought"]),
    ("go", &["went", "gone"]),
    ("withdraw", &["withdrew", "withdrawn"]),
    ("send", &["sent"]),
    ("fly", &["flew", "flown"]),
    ("set", &["set"]),
    ("lend", &["lent"]),
    ("forgive", &["forgave", "forgiven"]),
    ("break", &["broke", "broken"]),
    ("give", &["gave", "given"]),
    ("take", &["took", "taken"]),
    ("bring", &["brought"]),
    ("sell", &["sold"]),
    ("buy", &["bought"]),
    ("say", &["said"]),
    ("tell", &["told"]),
    ("lead", &["led"]),
    ("hit", &["hit"]),
    ("put", &["put"]),
    ("cut", &["cut"]),
    ("shut", &["shut"]),
    ("speak", &["spoke", "spoken"]),
    ("commit", &["committed", "committing"]),
    ("admit", &["admitted", "admitting"]),
    ("travel", &["travelled", "travelling"]),
    ("shell", &["shelled", "shelling"]),
    ("plan", &["planned", "planning"]),
    ("ban", &["banned", "banning"]),
    ("kidnap", &["kidnapped", "kidnapping"]),
    ("stop", &["stopped", "stopping"]),
    ("rebut", &["rebutted"]),
    ("slam", &["slammed", "slamming"]),
    ("arm", &["armed"]),
    ("rally", &["rallied"]),
];

/// Regular inflections of a verb plus the irregular ones listed above.
pub fn inflections(lemma: &str) -> Vec<(String, Form)> {
    let mut out = vec![(lemma.to_string(), Form::Base)];
    let b = lemma.as_bytes();
    let last = b.last().copied().unwrap_or(b' ');
    let before_last = if b.len() >= 2 { b[b.len() - 2] } else { b' ' };
    let vowel = |c: u8| b"aeiou".contains(&c);
    let s = if lemma.ends_with('s')
        || lemma.ends_with('x')
        || lemma.ends_with('z')
        || lemma.ends_with("ch")
        || lemma.ends_with("sh")
    {
        format!("{lemma}es")
    } else if last == b'y' && !vowel(before_last) {
        format!("{}ies", &lemma[..lemma.len() - 1])
    } else {
        format!("{lemma}s")
    };
    out.push((s, Form::S));
    let past = if last == b'e' {
        format!("{lemma}d")
    } else if last == b'y' && !vowel(before_last) {
        format!("{}ied", &lemma[..lemma.len() - 1])
    } else {
        format!("{lemma}ed")
    };
    out.push((past, Form::Past));
    let ing = if last == b'e' && before_last != b'e' && lemma.len() > 2 {
        format!("{}ing", &lemma[..lemma.len() - 1])
    } else {
        format!("{lemma}ing")
    };
    out.push((ing, Form::Ing));
    if let Some((_, forms)) = IRREGULAR.iter().find(|(l, _)| *l == lemma) {
        for f in forms.iter() {
            let kind = if f.ends_with("ing") {
                Form::Ing
            } else {
                Form::Past
            };
            out.push((f.to_string(), kind));
        }
    }
    out
}

/// The sentiment lexicon (`resources/events/sentiment.tsv`): single words and phrases of up to three
/// words with weights in -1..1.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    words: HashMap<String, f32, WordState>,
    phrases: HashMap<String, (usize, f32), WordState>,
    /// First words of the phrases: most tokens start none, and are ruled out without building
    /// a key.
    phrase_starts: HashSet<String, WordState>,
    /// Every form [`Lexicon::word`] gives a weight for: the words themselves and the inflected
    /// forms that the suffix rules lead back to a word, so a look-up is one probe instead of up
    /// to eleven (most tokens are in no table and used to try every rule their ending allows).
    /// First words of phrases are here too, so a token needs one probe for both questions.
    forms: HashMap<String, FormEntry, WordState>,
}

/// What the lexicon knows about one token form.
#[derive(Debug, Clone, Copy, Default)]
struct FormEntry {
    /// [`Lexicon::word`]'s answer.
    weight: Option<f32>,
    /// The form is the first word of a phrase.
    starts_phrase: bool,
}

/// Suffix rules of [`Lexicon::word`], tried in this order: a form ending in `.0` whose stem (at
/// least three bytes) plus `.1` is a lexicon word takes that word's weight.
const SUFFIX_RULES: [(&str, &str); 10] = [
    ("ies", "y"),
    ("ied", "y"),
    ("ing", ""),
    ("ing", "e"),
    ("ed", ""),
    ("ed", "e"),
    ("es", ""),
    ("s", ""),
    ("ly", ""),
    ("d", ""),
];

impl Lexicon {
    /// Parses `word<TAB>weight` lines.
    pub fn parse(src: &str) -> Result<Self, EventsError> {
        let mut lx = Lexicon::default();
        for (i, line) in data_lines(src) {
            let mut f = line.split('\t');
            let (Some(w), Some(v)) = (f.next(), f.next()) else {
                return Err(EventsError::table("sentiment.tsv", i, "expected 2 columns"));
            };
            let v: f32 = v
                .trim()
                .parse()
                .map_err(|_| EventsError::table("sentiment.tsv", i, "bad weight"))?;
            let w = w.trim().to_lowercase();
            let n = w.split_whitespace().count();
            if n > 1 {
                let first = w.split_whitespace().next().unwrap_or_default().to_string();
                lx.phrases.insert(w.clone(), (n, v));
                lx.phrase_starts.insert(first);
            } else {
                lx.words.insert(w, v);
            }
        }
        lx.forms = inflected_forms(&lx.words)
            .into_iter()
            .map(|(f, v)| {
                let starts_phrase = lx.phrase_starts.contains(&f);
                let weight = Some(v);
                (
                    f,
                    FormEntry {
                        weight,
                        starts_phrase,
                    },
                )
            })
            .collect();
        for first in &lx.phrase_starts {
            lx.forms.entry(first.clone()).or_default().starts_phrase = true;
        }
        Ok(lx)
    }

    /// [`Lexicon::word`] of `w` and whether `w` is the first word of a phrase, in one probe.
    pub(crate) fn word_and_phrase_start(&self, w: &str) -> (Option<f32>, bool) {
        self.forms
            .get(w)
            .map_or((None, false), |e| (e.weight, e.starts_phrase))
    }

    /// Weight of a single lower-case word, trying light suffix stripping for inflections: the
    /// word itself, else the first suffix rule (`SUFFIX_RULES`) that leads to a lexicon word.
    pub fn word(&self, w: &str) -> Option<f32> {
        self.forms.get(w).and_then(|e| e.weight)
    }

    /// If a phrase starts at `words[0]`, its length in words and weight.
    pub fn phrase(&self, words: &[&str]) -> Option<(usize, f32)> {
        let first = words.first()?;
        if !self.phrase_starts.contains(*first) {
            return None;
        }
        for n in (2..=3.min(words.len())).rev() {
            if let Some(&(len, v)) = self.phrases.get(&words[..n].join(" ")) {
                return Some((len, v));
            }
        }
        None
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.words.len() + self.phrases.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The answers of [`Lexicon::word`] for every form that has one, computed backwards from the
/// words: a rule `(suffix, replacement)` maps a form to `stem + replacement` where `form = stem +
/// suffix`, so each word `stem + replacement` answers for `stem + suffix`. A word answers for
/// itself first, then the earliest rule wins (one stem and word per rule and form, so there are
/// no ties).
fn inflected_forms(words: &HashMap<String, f32, WordState>) -> HashMap<String, f32, WordState> {
    let mut forms: HashMap<String, (usize, f32), WordState> = HashMap::default();
    for (word, &v) in words {
        forms.insert(word.clone(), (0, v));
    }
    for (r, (suf, rep)) in SUFFIX_RULES.iter().enumerate() {
        for (word, &v) in words {
            let Some(stem) = word.strip_suffix(rep) else {
                continue;
            };
            if stem.len() < 3 {
                continue;
            }
            let form = format!("{stem}{suf}");
            let e = forms.entry(form).or_insert((r + 1, v));
            // The word itself (rank 0) and earlier rules keep their answer.
            if e.0 > r + 1 {
                *e = (r + 1, v);
            }
        }
    }
    forms.into_iter().map(|(f, (_, v))| (f, v)).collect()
}

/// Actor country codes (`resources/events/actors.tsv`).
#[derive(Debug, Clone, Default)]
pub struct ActorCodes {
    names: HashMap<String, String, WordState>,
}

impl ActorCodes {
    /// Parses `name<TAB>code` lines.
    pub fn parse(src: &str) -> Result<Self, EventsError> {
        let mut names = HashMap::default();
        for (i, line) in data_lines(src) {
            let mut f = line.split('\t');
            let (Some(n), Some(c)) = (f.next(), f.next()) else {
                return Err(EventsError::table("actors.tsv", i, "expected 2 columns"));
            };
            names.insert(normalise_name(n), c.trim().to_string());
        }
        Ok(Self { names })
    }

    /// The code of a name ("the United States" → `USA`), trying the name without a leading
    /// article and, for multi-word names, each word from the left ("Russian President" → `RUS`).
    pub fn code(&self, name: &str) -> Option<&str> {
        let full = normalise_name(name);
        // (Borrowed from the normalised name: was two more Strings per call.)
        let n = full.strip_prefix("the ").unwrap_or(&full);
        if let Some(c) = self.names.get(n) {
            return Some(c);
        }
        let n2 = n.trim_end_matches("'s").trim_end_matches("’s");
        if let Some(c) = self.names.get(n2) {
            return Some(c);
        }
        n.split_whitespace()
            .find_map(|w| self.names.get(w.trim_end_matches("'s")).map(String::as_str))
    }
}

fn normalise_name(s: &str) -> String {
    let t = s.trim();
    if t.is_ascii() {
        // One String instead of two: ASCII has no '’' and lower-cases byte by byte.
        t.to_ascii_lowercase()
    } else {
        t.to_lowercase().replace('’', "'")
    }
}

/// Non-empty, non-comment lines with their 1-based numbers.
fn data_lines(src: &str) -> impl Iterator<Item = (usize, &str)> {
    src.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflections_cover_regular_and_irregular_forms() {
        let f: Vec<String> = inflections("criticize").into_iter().map(|x| x.0).collect();
        assert!(f.contains(&"criticized".to_string()));
        assert!(f.contains(&"criticizing".to_string()));
        assert!(f.contains(&"criticizes".to_string()));
        let f: Vec<String> = inflections("meet").into_iter().map(|x| x.0).collect();
        assert!(f.contains(&"met".to_string()));
        let f: Vec<String> = inflections("deny").into_iter().map(|x| x.0).collect();
        assert!(f.contains(&"denied".to_string()) && f.contains(&"denies".to_string()));
    }

    #[test]
    fn lexicon_strips_suffixes_and_matches_phrases() {
        let lx = Lexicon::parse("threat\t-1\ndouble standards\t-1\n").unwrap();
        assert_eq!(lx.word("threats"), Some(-1.0));
        assert_eq!(lx.word("table"), None);
        assert_eq!(lx.phrase(&["double", "standards", "x"]), Some((2, -1.0)));
        assert_eq!(lx.phrase(&["double", "trouble"]), None);
    }

    /// `Lexicon::word` as it was written before the forms table: the word, then each suffix
    /// rule in order.
    fn word_by_rules(lx: &Lexicon, w: &str) -> Option<f32> {
        if let Some(v) = lx.words.get(w) {
            return Some(*v);
        }
        for (suf, rep) in SUFFIX_RULES {
            if let Some(stem) = w.strip_suffix(suf) {
                if stem.len() >= 3 {
                    if let Some(v) = lx.words.get(format!("{stem}{rep}").as_str()) {
                        return Some(*v);
                    }
                }
            }
        }
        None
    }

    #[test]
    fn forms_table_answers_as_the_suffix_rules() {
        let lx = Lexicon::parse(include_str!("../../../resources/events/sentiment.tsv")).unwrap();
        // Conflicting rules and words that are also forms of other words.
        let extra = Lexicon::parse(
            "try\t1\ntri\t-1\ntrie\t0.5\nbless\t1\nbles\t-1\nhoped\t0.2\nhope\t0.7\n\
             hop\t-0.3\nlove\t1\nlov\t-1\nfine\t1\nfin\t-0.5\nabc\t1\nab\t1\n",
        )
        .unwrap();
        for lx in [&lx, &extra] {
            let mut probes: Vec<String> = Vec::new();
            for w in lx.words.keys() {
                probes.push(w.clone());
                for (suf, rep) in SUFFIX_RULES {
                    let stem = w.strip_suffix(rep).unwrap_or(w);
                    for s2 in ["", "e", "y", "i"] {
                        probes.push(format!("{stem}{s2}{suf}"));
                        probes.push(format!("{w}{s2}{suf}"));
                    }
                    probes.push(stem.to_string());
                }
            }
            probes.extend(["", "s", "ed", "ies", "abd", "abs", "xyzzy"].map(String::from));
            for p in &probes {
                assert_eq!(lx.word(p), word_by_rules(lx, p), "{p}");
                let (w, starts) = lx.word_and_phrase_start(p);
                assert_eq!(w, lx.word(p), "{p}");
                assert_eq!(starts, lx.phrase_starts.contains(p), "{p}");
            }
            for first in &lx.phrase_starts {
                assert!(lx.word_and_phrase_start(first).1, "{first}");
            }
        }
    }

    #[test]
    fn actor_codes_use_articles_and_demonyms() {
        let a = ActorCodes::parse("united states\tUSA\nrussian\tRUS\n").unwrap();
        assert_eq!(a.code("the United States"), Some("USA"));
        assert_eq!(a.code("Russian President"), Some("RUS"));
        assert_eq!(a.code("Gondor"), None);
    }

    #[test]
    fn bad_rows_are_errors_not_panics() {
        assert!(CameoTable::parse("01\t0.0\n").is_err());
        assert!(VerbDict::parse("visit\t042\tweird\n").is_err());
        assert!(Lexicon::parse("good\tx\n").is_err());
    }
}
