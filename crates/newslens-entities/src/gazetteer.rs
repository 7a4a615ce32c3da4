//! Gazetteers written by us from facts (`resources/entities/`): countries with demonyms,
//! capitals and other names; international organisations with acronyms; title words.
//! Used as NER features (phrase hits) and by the role/alias logic (demonym → country, aliases).

use std::sync::OnceLock;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

use newslens_learn::hash::FeatureHash;

use crate::wordtok;

/// Phrase type bits.
pub mod kind {
    /// A location (country, capital).
    pub const LOC: u8 = 1;
    /// An organisation.
    pub const ORG: u8 = 2;
    /// A demonym / nationality adjective ("Russian").
    pub const MISC: u8 = 4;
    /// A title word ("minister").
    pub const TITLE: u8 = 8;
}

const COUNTRIES: &str = include_str!("../../../resources/entities/countries.tsv");
const ORGS: &str = include_str!("../../../resources/entities/orgs.tsv");
const TITLES: &str = include_str!("../../../resources/entities/titles.txt");
const TITLE_MODIFIERS: &str = include_str!("../../../resources/entities/title_modifiers.txt");
const NOMINAL_HEADS: &str = include_str!("../../../resources/entities/nominal_heads.txt");
const CITIES: &str = include_str!("../../../resources/entities/cities.txt");

/// The longest phrase (in tokens) matched.
pub const MAX_PHRASE: usize = 8;

/// Phrase lists for NER features: hashed token sequences → type bits. Stored inside the NER model
/// so that a model always sees the phrase list it was trained with.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PhraseTable {
    /// Written in key order, so a table loaded from a model and saved again gives the same
    /// bytes (retraining with `--phrases-from` reproduces the model file exactly).
    #[serde(serialize_with = "sorted_map")]
    phrases: FxHashMap<u64, u8>,
    /// One bit per [`FILTER_BITS`]-bit slice of the keys of `phrases` (built on first use):
    /// a window whose bit is clear is no phrase, known from one word of an 8 KB table that
    /// stays in cache. Most windows tried are no phrase, and each used to cost a hash-map probe.
    #[serde(skip)]
    filter: OnceLock<Vec<u64>>,
}

fn sorted_map<S: serde::Serializer>(m: &FxHashMap<u64, u8>, s: S) -> Result<S::Ok, S::Error> {
    let mut v: Vec<(&u64, &u8)> = m.iter().collect();
    v.sort_unstable();
    s.collect_map(v)
}

/// Bits of a key that index [`PhraseTable::filter`].
const FILTER_BITS: u32 = 16;

/// The bit of [`PhraseTable::filter`] of `key`: its word and mask.
#[inline]
fn filter_bit(key: u64) -> (usize, u64) {
    let b = (key >> (64 - FILTER_BITS)) as usize;
    (b / 64, 1 << (b % 64))
}

fn phrase_key<S: AsRef<str>>(tokens: &[S]) -> u64 {
    let mut h = FeatureHash::new(0x9a2);
    for t in tokens {
        h = h.str(t.as_ref());
    }
    h.finish()
}

impl PhraseTable {
    /// Adds a phrase (tokenised like the training data) with type bits.
    pub fn add(&mut self, phrase: &str, bits: u8) {
        let mut toks = Vec::new();
        for chunk in phrase.split_whitespace() {
            wordtok::split_chunk(chunk, &mut toks);
        }
        if !toks.is_empty() && toks.len() <= MAX_PHRASE {
            self.filter = OnceLock::new();
            *self.phrases.entry(phrase_key(&toks)).or_default() |= bits;
            // Headline style (all caps) variant, as in news wires.
            let upper: Vec<String> = toks.iter().map(|t| t.to_uppercase()).collect();
            *self.phrases.entry(phrase_key(&upper)).or_default() |= bits;
        }
    }

    /// Greedy longest-match: for every token, the type bits of the phrase covering it and its
    /// position code (0 none, 1 begin, 2 inside, 3 single-token phrase).
    pub fn matches<S: AsRef<str>>(&self, tokens: &[S], out: &mut Vec<(u8, u8)>) {
        out.clear();
        out.resize(tokens.len(), (0, 0));
        let filter = self.filter.get_or_init(|| {
            let mut f = vec![0u64; (1 << FILTER_BITS) / 64];
            for key in self.phrases.keys() {
                let (w, m) = filter_bit(*key);
                f[w] |= m;
            }
            f
        });
        let mut i = 0;
        while i < tokens.len() {
            let mut found = None;
            let max = MAX_PHRASE.min(tokens.len() - i);
            let mut h = FeatureHash::new(0x9a2);
            let mut hits = [0u8; MAX_PHRASE];
            for (len, t) in tokens[i..i + max].iter().enumerate() {
                h = h.str(t.as_ref());
                let key = h.finish();
                let (w, m) = filter_bit(key);
                if filter.get(w).is_some_and(|f| f & m != 0) {
                    if let Some(b) = self.phrases.get(&key) {
                        hits[len] = *b;
                        found = Some(len + 1);
                    }
                }
            }
            match found {
                Some(len) => {
                    let bits = hits[len - 1];
                    for (k, o) in out[i..i + len].iter_mut().enumerate() {
                        *o = (
                            bits,
                            if len == 1 {
                                3
                            } else if k == 0 {
                                1
                            } else {
                                2
                            },
                        );
                    }
                    i += len;
                }
                None => i += 1,
            }
        }
    }

    /// Number of phrases (including case variants).
    pub fn len(&self) -> usize {
        self.phrases.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.phrases.is_empty()
    }
}

/// The gazetteer facts, parsed from the embedded resource files.
#[derive(Debug, Clone, Default)]
pub struct Gazetteer {
    /// Demonym → country ("Russian" → "Russia").
    pub demonyms: FxHashMap<String, String>,
    /// Any name of a country or organisation (incl. acronyms, capitals) → canonical name.
    pub aliases: FxHashMap<String, String>,
    /// Capital → country ("Pyongyang" → "North Korea").
    pub capitals: FxHashMap<String, String>,
    /// Canonical names of countries.
    pub countries: FxHashSet<String>,
    /// Cities and regions that are no capitals ("Odesa", "Shanghai", "Gaza"): always places.
    pub cities: FxHashSet<String>,
    /// Canonical names of organisations.
    pub orgs: FxHashSet<String>,
    /// Title phrases, lowercase ("foreign minister", "chief").
    pub titles: FxHashSet<String>,
    /// Words that may precede a title ("deputy", "first").
    pub title_modifiers: FxHashSet<String>,
    /// Heads of nominal person mentions ("leader", "president").
    pub nominal_heads: FxHashSet<String>,
}

fn data_lines(s: &str) -> impl Iterator<Item = &str> {
    s.lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
}

fn list(field: Option<&str>) -> Vec<String> {
    field
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl Gazetteer {
    /// The gazetteer built from the embedded resource files.
    pub fn embedded() -> Self {
        let mut g = Gazetteer::default();
        for line in data_lines(COUNTRIES) {
            let mut f = line.split('\t');
            let Some(country) = f.next().map(str::trim).filter(|s| !s.is_empty()) else {
                continue;
            };
            let country = country.to_string();
            for d in list(f.next()) {
                g.demonyms.entry(d).or_insert_with(|| country.clone());
            }
            for c in list(f.next()) {
                g.capitals.entry(c).or_insert_with(|| country.clone());
            }
            for a in list(f.next()) {
                g.aliases.insert(a, country.clone());
            }
            g.aliases.insert(country.clone(), country.clone());
            g.countries.insert(country);
        }
        for line in data_lines(ORGS) {
            let mut f = line.split('\t');
            let Some(org) = f.next().map(str::trim).filter(|s| !s.is_empty()) else {
                continue;
            };
            let org = org.to_string();
            for a in list(f.next()) {
                let a = a.strip_prefix("the ").unwrap_or(&a).to_string();
                g.aliases.insert(a, org.clone());
            }
            g.aliases.insert(org.clone(), org.clone());
            g.orgs.insert(org);
        }
        g.cities = data_lines(CITIES).map(|l| l.trim().to_string()).collect();
        g.titles = data_lines(TITLES)
            .map(|l| l.trim().to_lowercase())
            .collect();
        g.title_modifiers = data_lines(TITLE_MODIFIERS)
            .map(|l| l.trim().to_lowercase())
            .collect();
        g.nominal_heads = data_lines(NOMINAL_HEADS)
            .map(|l| l.trim().to_lowercase())
            .collect();
        g
    }

    /// The phrase table used as NER features.
    pub fn phrase_table(&self) -> PhraseTable {
        let mut t = PhraseTable::default();
        for c in &self.countries {
            t.add(c, kind::LOC);
        }
        for c in self.capitals.keys() {
            t.add(c, kind::LOC);
        }
        for o in &self.orgs {
            t.add(o, kind::ORG);
        }
        for (a, canon) in &self.aliases {
            let k = if self.orgs.contains(canon) {
                kind::ORG
            } else {
                kind::LOC
            };
            t.add(a, k);
        }
        for d in self.demonyms.keys() {
            t.add(d, kind::MISC);
        }
        for title in &self.titles {
            // Titles are written capitalised before names ("Foreign Minister Sergey Lavrov").
            t.add(title, kind::TITLE);
            let cap: Vec<String> = title.split(' ').map(capitalise).collect();
            t.add(&cap.join(" "), kind::TITLE);
        }
        t
    }

    /// The country a place name, alias or demonym stands for.
    pub fn country_of(&self, name: &str) -> Option<&str> {
        if let Some(c) = self.demonyms.get(name) {
            return Some(c);
        }
        let c = self.aliases.get(name)?;
        self.countries.contains(c).then_some(c.as_str())
    }
}

/// "foreign" → "Foreign".
pub fn capitalise(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_facts_load() {
        let g = Gazetteer::embedded();
        assert_eq!(
            g.demonyms.get("Russian").map(String::as_str),
            Some("Russia")
        );
        assert_eq!(g.country_of("DPRK"), Some("North Korea"));
        assert_eq!(
            g.capitals.get("Pyongyang").map(String::as_str),
            Some("North Korea")
        );
        assert_eq!(
            g.aliases.get("UN").map(String::as_str),
            Some("United Nations")
        );
        assert!(g.titles.contains("foreign minister"));
    }

    #[test]
    fn phrases_match_longest_first() {
        let t = Gazetteer::embedded().phrase_table();
        let toks = [
            "the",
            "Democratic",
            "People",
            "'s",
            "Republic",
            "of",
            "Korea",
            "and",
            "Oslo",
        ];
        let mut m = Vec::new();
        t.matches(&toks, &mut m);
        assert_eq!(m[0], (0, 0));
        assert_eq!(m[1], (kind::LOC, 1));
        assert_eq!(m[6], (kind::LOC, 2));
        assert_eq!(m[8], (kind::LOC, 3));
    }
}
