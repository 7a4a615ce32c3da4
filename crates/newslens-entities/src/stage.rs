//! The `entities` stage: NER over the text layer's sentences (title included), gazetteer
//! corrections, people's titles/roles/affiliations, nominal mentions ("the Russian leader") and
//! within-document alias clusters.
//!
//! Cluster structure: every mention (name, nominal, later pronoun) points to one cluster; a
//! cluster has a canonical name (its longest proper name), a type, its mention ids in text order,
//! roles (title + affiliation + evidence span), distinct affiliations and the other surface forms
//! seen (aliases). Stages that link pronouns (quotes) attach them to these clusters by id.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use newslens_core::layers::entities::{
    Cluster, EntityLayer, EntityType, Mention, MentionKind, Role,
};
use newslens_core::{Analysis, Annotator, Span, StageError};

use rustc_hash::FxHashSet;

use crate::doc::DocTokens;
use crate::gazetteer::Gazetteer;
use crate::ner::{spans, NerModel};
use crate::EntitiesError;

const EMBEDDED_MODEL: &[u8] = include_bytes!("../../../models/ner-en.bin");

/// The embedded default NER model (decoded once per process).
pub fn default_model() -> Result<Arc<NerModel>, EntitiesError> {
    static MODEL: OnceLock<Result<Arc<NerModel>, String>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            NerModel::from_bytes(EMBEDDED_MODEL)
                .map(Arc::new)
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(EntitiesError::Data)
}

fn default_gazetteer() -> (Arc<Gazetteer>, Arc<TitleWords>) {
    static GAZ: OnceLock<(Arc<Gazetteer>, Arc<TitleWords>)> = OnceLock::new();
    GAZ.get_or_init(|| {
        let g = Gazetteer::embedded();
        let t = TitleWords::new(&g);
        (Arc::new(g), Arc::new(t))
    })
    .clone()
}

/// The words of the gazetteer's title phrases, as sets: asking whether a word occurs in some
/// title (or ends one) scanned and split every title phrase, for every word asked about.
#[derive(Debug, Default)]
struct TitleWords {
    /// Every `' '`-separated piece of every title.
    words: FxHashSet<String>,
    /// The last piece of every title.
    heads: FxHashSet<String>,
}

impl TitleWords {
    fn new(g: &Gazetteer) -> Self {
        let mut t = Self::default();
        for title in &g.titles {
            t.words.extend(title.split(' ').map(str::to_string));
            if let Some(h) = title.rsplit(' ').next() {
                t.heads.insert(h.to_string());
            }
        }
        t
    }
}

/// The entity annotation stage (name `"entities"`).
#[derive(Debug, Clone)]
pub struct EntityStage {
    model: Arc<NerModel>,
    gaz: Arc<Gazetteer>,
    /// Derived from `gaz`.
    titles: Arc<TitleWords>,
}

impl EntityStage {
    /// The stage with the embedded model.
    pub fn new() -> Result<Self, EntitiesError> {
        Ok(Self::with_model(default_model()?))
    }

    /// The stage with a model file (`--model PATH`).
    pub fn from_path(path: &Path) -> Result<Self, EntitiesError> {
        Ok(Self::with_model(Arc::new(NerModel::load(path)?)))
    }

    /// The stage with a given model.
    pub fn with_model(model: Arc<NerModel>) -> Self {
        let (gaz, titles) = default_gazetteer();
        Self { model, gaz, titles }
    }

    /// The NER model in use.
    pub fn model(&self) -> &NerModel {
        &self.model
    }

    /// Computes the entities layer for an analysis that has its text layer.
    pub fn analyze(&self, a: &Analysis) -> EntityLayer {
        let dt = DocTokens::from_analysis(a);
        let sents: Vec<Vec<&str>> = (0..dt.sentences.len()).map(|i| dt.words(i)).collect();
        let mut b = Builder::new(&dt, &self.gaz, &self.titles, &self.model);
        for (si, labels) in self.model.tag_document(&sents).into_iter().enumerate() {
            let off = dt.sentences[si].start;
            for (s, e, t) in spans(&labels) {
                // A sentence's first word is capitalised whatever it is, and the model sometimes
                // takes it into the name that follows ("Because Trump", "Does Ramadan"): a
                // function word is dropped from the front. (Not every mostly lower-case word:
                // "New", "United" and "General" begin names; so does "Will", left out.)
                let s = if s == 0
                    && e > 1
                    && LEADING_FUNCTION_WORDS.contains(&sents[si][0].to_lowercase().as_str())
                {
                    1
                } else {
                    s
                };
                // "Commodore Rafael Santos": a title the model took into a person's name is
                // left out of it, so the role parser reads it as the title it is.
                let s = if t == EntityType::Person {
                    let words = &sents[si];
                    let mut k = s;
                    while k + 1 < e && b.is_title_word(&words[k].to_lowercase()) {
                        k += 1;
                    }
                    while k > s && !b.is_title_head(&words[k - 1].to_lowercase()) {
                        k -= 1;
                    }
                    k
                } else {
                    s
                };
                b.add_name(off + s, off + e, t, 0.9);
            }
        }
        if let Some(title) = a.document.title_span {
            b.drop_headline_guesses(title);
        }
        b.finish(a.text())
    }
}

impl Annotator for EntityStage {
    fn name(&self) -> &'static str {
        "entities"
    }

    fn requires(&self) -> &'static [&'static str] {
        &["text"]
    }

    fn annotate(&self, analysis: &mut Analysis) -> Result<(), StageError> {
        let layer = self.analyze(analysis);
        analysis.entities = Some(layer);
        Ok(())
    }
}

#[derive(Debug, Clone)]
struct Men {
    a: usize,
    b: usize,
    ty: EntityType,
    kind: MentionKind,
    score: f32,
    /// Gazetteer canonical name (countries, organisations).
    canon: Option<String>,
    /// For nominals: head word and country.
    nominal: Option<(String, Option<String>)>,
    cluster: usize,
}

#[derive(Debug, Clone)]
struct RoleDraft {
    /// First byte of the person mention the role belongs to.
    mention: usize,
    /// Where the title words are.
    title: Span,
    affiliation: Option<String>,
    evidence: Span,
}

/// Web page furniture that scraped articles carry ("You also agree to this site's Privacy
/// Policy and Terms of Use"): capitalised like names, never entities. On the shared data the
/// model made "Privacy Policy and Terms of Use" an organisation in 231 articles.
fn is_site_boilerplate(key: &str) -> bool {
    const PHRASES: &[&str] = &[
        "privacy policy",
        "terms of use",
        "terms of service",
        "terms and conditions",
        "cookie policy",
        "privacy notice",
        "all rights reserved",
    ];
    let mut rest = key;
    // One phrase, or several joined by "and" / "&" ("Privacy Policy and Terms of Use"),
    // compared without allocating: this runs for every name mention.
    loop {
        let Some(p) = PHRASES.iter().find(|p| {
            rest.get(..p.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(p))
        }) else {
            return false;
        };
        rest = rest[p.len()..].trim_start();
        if rest.is_empty() {
            return true;
        }
        rest = if rest
            .get(..4)
            .is_some_and(|h| h.eq_ignore_ascii_case("and "))
        {
            &rest[4..]
        } else if let Some(r) = rest.strip_prefix("& ") {
            r
        } else {
            return false;
        };
    }
}

/// Religious groups and their adherents, typed MISC like nationalities (CoNLL's convention);
/// a plural "s" is stripped before the lookup.
const RELIGIOUS_GROUPS: &[&str] = &[
    "Buddhist",
    "Catholic",
    "Christian",
    "Evangelical",
    "Hindu",
    "Islamist",
    "Jew",
    "Jewish",
    "Mormon",
    "Muslim",
    "Protestant",
    "Shia",
    "Shiite",
    "Sikh",
    "Sunni",
];

/// Members of the two US parties, grouped like nationalities: "Republicans" and the adjective
/// "Republican" are one entity, as are "Democrats", "Democrat" and "Democratic" (CoNLL tags
/// all of them MISC). The parties themselves ("Republican Party") stay organisations.
const PARTY_GROUPS: &[&str] = &["Democrat", "Republican"];

/// Function words that begin sentences but never names (see `EntityStage::analyze`).
const LEADING_FUNCTION_WORDS: &[&str] = &[
    "after", "although", "and", "as", "because", "before", "but", "can", "could", "did", "do",
    "does", "during", "had", "has", "have", "how", "if", "is", "once", "or", "should", "since",
    "so", "though", "unless", "until", "was", "were", "what", "when", "whether", "while", "why",
    "with", "would", "yet",
];

/// Words before a name that make it a person's (as the first word of a mention or just before).
const HONORIFICS: &[&str] = &[
    "Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "Mx.", "Dr", "Dr.", "Sir", "Dame", "Mister", "Madam",
    "Madame", "Mme", "Mme.",
];

/// `name` without a leading honorific ("Mr. Trump" → "Trump"): the canonical name of a cluster.
fn without_honorific(name: &str) -> &str {
    match name.split_once(' ') {
        Some((first, rest)) if HONORIFICS.contains(&first) && !rest.trim().is_empty() => {
            rest.trim_start()
        }
        _ => name,
    }
}

/// `short` is the last word of `long`, a name of two or three capitalised words (not a phrase
/// with "of" or "the"): how a person's surname relates to their full name.
fn surname_of(short: &[String], long: &[String]) -> bool {
    short.len() == 1
        && (2..=3).contains(&long.len())
        && long.last() == short.first()
        && long
            .iter()
            .all(|w| is_cap(w) && w.chars().any(char::is_alphabetic))
}

/// Words before a location name that make it a place rather than the state it hosts.
const LOCATIVE: &[&str] = &[
    "in", "at", "to", "from", "near", "into", "outside", "across", "via", "through", "toward",
    "towards", "around",
];
/// Nominal heads that any head of state or government matches ("the Russian leader").
const LEADER_TITLES: &[&str] = &[
    "president",
    "prime minister",
    "premier",
    "chancellor",
    "leader",
    "supreme leader",
    "king",
    "queen",
    "emperor",
    "chairman",
];

struct Builder<'a> {
    dt: &'a DocTokens,
    gaz: &'a Gazetteer,
    titles: &'a TitleWords,
    model: &'a NerModel,
    men: Vec<Men>,
    roles: Vec<RoleDraft>,
}

fn is_cap(w: &str) -> bool {
    w.chars().next().is_some_and(char::is_uppercase)
}

impl<'a> Builder<'a> {
    fn new(
        dt: &'a DocTokens,
        gaz: &'a Gazetteer,
        titles: &'a TitleWords,
        model: &'a NerModel,
    ) -> Self {
        Self {
            dt,
            gaz,
            titles,
            model,
            men: Vec::new(),
            roles: Vec::new(),
        }
    }

    fn word(&self, i: usize) -> &str {
        &self.dt.toks[i].word
    }

    fn lower(&self, i: usize) -> String {
        self.word(i).to_lowercase()
    }

    fn same_sentence(&self, i: usize, j: usize) -> bool {
        self.dt.toks[i].sentence == self.dt.toks[j].sentence
    }

    /// Key for gazetteer look-ups: words joined by spaces, `'s` attached, leading "the" dropped.
    fn key(&self, a: usize, b: usize) -> String {
        let mut s = String::new();
        self.key_into(a, b, &mut s);
        s
    }

    /// [`Builder::key`] into a reused buffer (the gazetteer scans try every window).
    fn key_into(&self, a: usize, b: usize, s: &mut String) {
        s.clear();
        for i in a..b {
            let w = self.word(i);
            if i == a && (w == "the" || w == "The") && b > a + 1 {
                continue;
            }
            if !s.is_empty() && w != "'s" {
                s.push(' ');
            }
            s.push_str(w);
        }
    }

    /// A nationality ("Russian") or a religious group ("Muslim"), in the singular.
    fn is_group(&self, k: &str) -> bool {
        self.gaz.demonyms.contains_key(k)
            || RELIGIOUS_GROUPS.contains(&k)
            || PARTY_GROUPS.contains(&k)
    }

    fn add_name(&mut self, a: usize, b: usize, ty: EntityType, score: f32) {
        let key = self.key(a, b);
        if is_site_boilerplate(&key) {
            return;
        }
        let is_group = |k: &str| self.is_group(k);
        // A nationality or religious group is named by its singular ("Muslims" → "Muslim"),
        // so one document's "Russians" and "Russian" are one entity, and so is the corpus's.
        let group = if is_group(&key) {
            Some(key.clone())
        } else if key == "Democratic" {
            Some("Democrat".to_string())
        } else {
            key.strip_suffix('s')
                .filter(|k| is_group(k))
                .map(str::to_string)
        };
        // The gazetteer first ("Philippines" is a country, not the plural of "Philippine"),
        // except for party members: it lists "Democrats" as an alias of "Democratic Party", but
        // CoNLL and readers count them a group.
        let canon = match group {
            Some(g) if PARTY_GROUPS.contains(&g.as_str()) => Some(g),
            g => self.gaz.aliases.get(&key).cloned().or(g),
        };
        let ty = match &canon {
            Some(c) if self.gaz.countries.contains(c) => EntityType::Location,
            Some(c) if self.gaz.orgs.contains(c) => EntityType::Organisation,
            // A nationality ("Russian", "North Koreans") is MISC, as CoNLL annotates it; the
            // model sometimes takes a plural for the place.
            // So is a religious group ("Muslim", "Sunnis"): the model took "Muslim" for a place
            // in 74 of the 158 shared-data documents naming it.
            Some(c) if is_group(c) => EntityType::Misc,
            // A listed city or region is a place; the model sometimes takes it for an
            // organisation ("ships leaving Odesa"). Capitals are not listed: "Moscow" may be a
            // club in sports results, as may the cities left out of the list.
            None if self.gaz.cities.contains(&key) => EntityType::Location,
            _ => ty,
        };
        self.men.push(Men {
            a,
            b,
            ty,
            kind: MentionKind::Name,
            score,
            canon,
            nominal: None,
            cluster: usize::MAX,
        });
    }

    /// In a Title-Case headline every word is capitalised, so the model's main cue is gone and
    /// it tags words like "Says" or "Grain Corridor Deal Within Reach" as names. There, a model
    /// name is kept only if the gazetteer knows it or one of its words also appears, capitalised
    /// the same way and not first in its sentence, in the body ("Ankara Talks: …" keeps Ankara
    /// when the body mentions it).
    fn drop_headline_guesses(&mut self, title: Span) {
        let toks = &self.dt.toks;
        let in_title =
            |i: usize| toks[i].span.start >= title.start && toks[i].span.end <= title.end;
        let title_words: Vec<&str> = (0..toks.len())
            .filter(|&i| in_title(i))
            .map(|i| toks[i].word.as_str())
            .filter(|w| w.chars().count() > 3)
            .collect();
        let capitalised = title_words.iter().filter(|w| is_cap(w)).count();
        if title_words.len() < 3 || capitalised * 10 < title_words.len() * 8 {
            return;
        }
        // Sentence-initial words are capitalised whatever they are.
        let initial = |i: usize| i == 0 || toks[i - 1].sentence != toks[i].sentence;
        let body: std::collections::HashSet<&str> = (0..toks.len())
            .filter(|&i| !in_title(i) && !initial(i) && is_cap(&toks[i].word))
            .map(|i| toks[i].word.as_str())
            .collect();
        let confirmed = |i: usize| body.contains(toks[i].word.as_str());
        self.men.retain_mut(|m| {
            if !(m.a..m.b).all(in_title) || m.canon.is_some() {
                return true;
            }
            // "Pyongyang Slams", "Seoul Vows Firm Response": only the words the body confirms
            // are the name, when they are one run at either end of the guess.
            let Some(first) = (m.a..m.b).find(|&i| confirmed(i)) else {
                return false;
            };
            let last = (m.a..m.b).rev().find(|&i| confirmed(i)).unwrap_or(first);
            if (first..=last).all(confirmed) && (first == m.a || last + 1 == m.b) {
                m.a = first;
                m.b = last + 1;
            }
            true
        });
    }

    fn mention_ending_at(&self, b: usize) -> Option<usize> {
        self.men
            .iter()
            .position(|m| m.b == b && m.kind == MentionKind::Name)
    }

    fn mention_starting_at(&self, a: usize) -> Option<usize> {
        self.men
            .iter()
            .position(|m| m.a == a && m.kind == MentionKind::Name)
    }

    fn covered(&self, i: usize) -> bool {
        self.men.iter().any(|m| m.a <= i && i < m.b)
    }

    /// Replaces model mentions that split a multi-word gazetteer name ("Democratic People" +
    /// "Republic of Korea" inside "Democratic People's Republic of Korea") with the whole name.
    fn gazetteer_overrides(&mut self) {
        let n = self.dt.toks.len();
        // Mentions that may overlap a window starting at the current token (reused buffer).
        let mut cands: Vec<usize> = Vec::new();
        let mut key = String::new();
        let mut i = 0;
        while i < n {
            let mut found = None;
            // The window's first word decides for every length: capitalised, not an article
            // (a leading article is never part of the name; the key drops it anyway). Tested
            // once per token rather than per window, before any scan of the mentions.
            let lens = if is_cap(self.word(i)) && !matches!(self.word(i), "the" | "The") {
                crate::gazetteer::MAX_PHRASE.min(n - i)
            } else {
                0
            };
            // The mentions overlapping the longest window, in order: a shorter window's are
            // those of them that start before its end. One scan of all mentions per token.
            cands.clear();
            if lens >= 3 {
                cands.extend(
                    (0..self.men.len()).filter(|&k| self.men[k].a < i + lens && i < self.men[k].b),
                );
            }
            for len in (3..=lens).rev() {
                let (a, b) = (i, i + len);
                if !self.same_sentence(a, b - 1) {
                    continue;
                }
                // Mentions overlapping the window: there must be some, all inside it, none
                // exactly it. Checked without collecting them; they are collected only for a
                // gazetteer hit.
                let overlapping = || cands.iter().copied().filter(|&k| self.men[k].a < b);
                let mut any = false;
                let mut fits = true;
                for m in overlapping().map(|k| &self.men[k]) {
                    any = true;
                    if !(a <= m.a && m.b <= b) || (m.a == a && m.b == b) {
                        fits = false;
                        break;
                    }
                }
                if !any || !fits {
                    continue;
                }
                self.key_into(a, b, &mut key);
                if let Some(c) = self.gaz.aliases.get(&key) {
                    let ty = if self.gaz.orgs.contains(c) {
                        EntityType::Organisation
                    } else {
                        EntityType::Location
                    };
                    let inside: Vec<usize> = overlapping().collect();
                    found = Some((a, b, ty, inside));
                    break;
                }
            }
            match found {
                Some((a, b, ty, inside)) => {
                    let score = inside
                        .iter()
                        .map(|&k| self.men[k].score)
                        .fold(0.6f32, f32::max);
                    for k in inside.into_iter().rev() {
                        self.men.remove(k);
                    }
                    self.add_name(a, b, ty, score);
                    i = b;
                }
                None => i += 1,
            }
        }
    }

    /// Adds organisation/country names the gazetteer knows but the model missed.
    fn gazetteer_mentions(&mut self) {
        let n = self.dt.toks.len();
        // Tokens inside a mention (what `covered` says), kept up to date as names are added:
        // a scan of every mention per token and window was quadratic in the article's length.
        let mut covered = vec![false; n];
        for m in &self.men {
            covered[m.a.min(n)..m.b.min(n)].fill(true);
        }
        let mut key = String::new();
        let mut i = 0;
        while i < n {
            let mut found = None;
            let lens = if is_cap(self.word(i)) {
                crate::gazetteer::MAX_PHRASE.min(n - i)
            } else {
                0
            };
            for len in (1..=lens).rev() {
                let (a, b) = (i, i + len);
                if !self.same_sentence(a, b - 1) {
                    continue;
                }
                if covered[a..b].contains(&true) {
                    continue;
                }
                self.key_into(a, b, &mut key);
                if let Some(c) = self.gaz.aliases.get(&key) {
                    let ty = if self.gaz.orgs.contains(c) {
                        EntityType::Organisation
                    } else {
                        EntityType::Location
                    };
                    found = Some((a, b, ty));
                    break;
                }
            }
            match found {
                Some((a, b, ty)) => {
                    self.add_name(a, b, ty, 0.6);
                    covered[a..b].fill(true);
                    i = b;
                }
                None => i += 1,
            }
        }
    }

    fn is_title_word(&self, w: &str) -> bool {
        self.gaz.title_modifiers.contains(w) || self.title_vocab(w)
    }

    /// A word of some title phrase.
    fn title_vocab(&self, w: &str) -> bool {
        self.titles.words.contains(w)
    }

    /// The last word of some title phrase.
    fn is_title_head(&self, w: &str) -> bool {
        self.titles.heads.contains(w)
    }

    /// Affiliation stated by the words just before `end` (exclusive): a demonym, a country or
    /// organisation mention, a possessive, or a run of capitalised words (a new organisation).
    fn affiliation_before(&mut self, end: usize, floor: usize) -> Option<(String, usize)> {
        if end == 0 || end <= floor {
            return None;
        }
        let j = end - 1;
        let w = self.word(j).to_string();
        if w == "'s" && j > floor {
            if let Some(m) = self.mention_ending_at(j) {
                return Some((self.affiliation_name(m), self.men[m].a));
            }
            return None;
        }
        if let Some(m) = self.mention_ending_at(end) {
            let name = self.affiliation_name(m);
            // "Russian Railway head": a demonym followed by capitalised words names an organisation.
            return Some((name, self.men[m].a));
        }
        if let Some(c) = self.gaz.demonyms.get(&w) {
            return Some((c.clone(), j));
        }
        // A run of capitalised non-title words: "Russian Railway", "Roscosmos".
        let mut k = end;
        while k > floor && is_cap(self.word(k - 1)) && !self.is_title_word(&self.lower(k - 1)) {
            k -= 1;
        }
        if k < end {
            let sentence_start = self.dt.sentences[self.dt.toks[k].sentence].start;
            let single_initial = k == sentence_start && end - k == 1;
            let low = self.lower(k);
            if single_initial && self.model.case_bucket(&low) <= 2 {
                return None;
            }
            // Replace any mentions inside the run by one organisation mention.
            self.men.retain(|m| m.b <= k || m.a >= end);
            self.add_name(k, end, EntityType::Organisation, 0.5);
            let m = self.men.len() - 1;
            return Some((self.affiliation_name(m), k));
        }
        None
    }

    fn affiliation_name(&self, m: usize) -> String {
        let men = &self.men[m];
        let key = self.key(men.a, men.b);
        if let Some(c) = self.gaz.country_of(&key) {
            return c.to_string();
        }
        men.canon.clone().unwrap_or(key)
    }

    /// Titles before names ("Russian Foreign Minister Sergey Lavrov") and appositions after them
    /// ("Sergey Lavrov, Russia's foreign minister," / "X, the Y of Z").
    fn parse_roles(&mut self) {
        // By token range, not index: `affiliation_before` may remove mentions (an affiliation
        // replacing the names inside it), which shifts the indexes of those after it.
        let persons: Vec<(usize, usize)> = self
            .men
            .iter()
            .filter(|m| m.ty == EntityType::Person)
            .map(|m| (m.a, m.b))
            .collect();
        let mut drafts = Vec::new();
        for &(a, b) in &persons {
            if !self
                .men
                .iter()
                .any(|m| m.a == a && m.b == b && m.ty == EntityType::Person)
            {
                continue;
            }
            let sent = self.dt.sentences[self.dt.toks[a].sentence].clone();
            // Before the name.
            let mut k = a;
            while k > sent.start && self.is_title_word(&self.lower(k - 1)) && !self.covered(k - 1) {
                k -= 1;
            }
            // "the sister of leader Kim Jong-un": a title does not open with "of".
            while k < a && matches!(self.lower(k).as_str(), "of" | "and") {
                k += 1;
            }
            if k < a && self.is_title_head(&self.lower(a - 1)) {
                // Drop leading words that are neither titles nor modifiers of one (e.g. "The").
                let title = self.dt.span(k, a);
                let aff = self.affiliation_before(k, sent.start);
                let ev_start = aff.as_ref().map_or(k, |(_, s)| *s);
                drafts.push((
                    (self.dt.toks[a].span.start, self.dt.toks[b - 1].span.end),
                    title,
                    aff.map(|x| x.0),
                    Span::new(self.dt.toks[ev_start].span.start, title.end),
                ));
            }
            // After the name: ", [the|a|X's|Demonym] title [of|at|for [the] Z]".
            if b + 1 < sent.end && self.word(b) == "," {
                let mut j = b + 1;
                let mut aff: Option<String> = None;
                let start = j;
                if matches!(self.lower(j).as_str(), "the" | "a" | "an") {
                    j += 1;
                } else if let Some(m) = self.mention_starting_at(j) {
                    let e = self.men[m].b;
                    if e < sent.end && self.word(e) == "'s" {
                        aff = Some(self.affiliation_name(m));
                        j = e + 1;
                    }
                }
                if j < sent.end {
                    if let Some(c) = self.gaz.demonyms.get(self.word(j)) {
                        aff = Some(c.clone());
                        j += 1;
                    }
                }
                let t0 = j;
                // "of" belongs to titles only before names ("Secretary of State X"); after a
                // name it introduces the affiliation ("the head of the World Bank").
                while j < sent.end
                    && self.lower(j) != "of"
                    && self.is_title_word(&self.lower(j))
                    && !self.covered(j)
                {
                    j += 1;
                }
                if j > t0 && self.is_title_head(&self.lower(j - 1)) {
                    let title = self.dt.span(t0, j);
                    let mut end = j;
                    if j + 1 < sent.end && matches!(self.lower(j).as_str(), "of" | "at" | "for") {
                        let mut z = j + 1;
                        if self.lower(z) == "the" && z + 1 < sent.end {
                            z += 1;
                        }
                        if let Some(m) = self.mention_starting_at(z) {
                            if self.men[m].ty != EntityType::Person {
                                aff = Some(self.affiliation_name(m));
                                end = self.men[m].b;
                                // "a researcher at the Korea Institute … in Seoul,"
                                if end + 1 < sent.end && self.lower(end) == "in" {
                                    if let Some(p) = self.mention_starting_at(end + 1) {
                                        end = self.men[p].b;
                                    }
                                }
                            }
                        }
                    }
                    let closes = end >= sent.end
                        || matches!(self.word(end), "," | "." | ";" | ")" | "-" | "\"");
                    if closes {
                        drafts.push((
                            (self.dt.toks[a].span.start, self.dt.toks[b - 1].span.end),
                            title,
                            aff,
                            self.dt.span(start, end),
                        ));
                    }
                }
            }
        }
        // Mentions may have been added/removed while parsing: re-find persons by span.
        for (pspan, title, aff, evidence) in drafts {
            let Some(mi) = self.men.iter().position(|m| {
                m.ty == EntityType::Person
                    && self.dt.toks[m.a].span.start == pspan.0
                    && self.dt.toks[m.b - 1].span.end == pspan.1
            }) else {
                continue;
            };
            self.roles.push(RoleDraft {
                mention: self.dt.toks[self.men[mi].a].span.start,
                title,
                affiliation: aff,
                evidence,
            });
        }
    }

    /// Nominal person mentions: "the [Demonym] head" not followed by a name.
    fn nominals(&mut self) {
        let n = self.dt.toks.len();
        let mut found = Vec::new();
        for i in 0..n {
            // `lower(i) != "the"` without a String per token (no non-ASCII letter lowercases
            // to t, h or e).
            if !self.word(i).eq_ignore_ascii_case("the") {
                continue;
            }
            let sent_end = self.dt.sentences[self.dt.toks[i].sentence].end;
            let mut j = i + 1;
            let mut country = None;
            let mut inner = None;
            if j < sent_end {
                if let Some(c) = self.gaz.demonyms.get(self.word(j)) {
                    country = Some(c.clone());
                    inner = self
                        .mention_starting_at(j)
                        .filter(|m| self.men[*m].b == j + 1);
                    j += 1;
                } else if let Some(m) = self.mention_starting_at(j) {
                    // "the U.S. president": a country name in place of the demonym.
                    let key = self.key(self.men[m].a, self.men[m].b);
                    if let Some(c) = self.gaz.country_of(&key) {
                        country = Some(c.to_string());
                        inner = Some(m);
                        j = self.men[m].b;
                    }
                }
            }
            let mut head = None;
            for len in [2usize, 1] {
                if j + len <= sent_end {
                    let h: Vec<String> = (j..j + len).map(|k| self.lower(k)).collect();
                    let h = h.join(" ");
                    if self.gaz.nominal_heads.contains(&h) {
                        head = Some((h, j + len));
                        break;
                    }
                }
            }
            let Some((head, end)) = head else { continue };
            if end < sent_end {
                let next = self.word(end);
                if is_cap(next) || next == "of" || self.mention_starting_at(end).is_some() {
                    continue;
                }
            }
            // Other names inside ("the Kremlin leader") make it something else.
            if self
                .men
                .iter()
                .enumerate()
                .any(|(k, m)| Some(k) != inner && m.a < end && i < m.b)
            {
                continue;
            }
            found.push((i, end, head, country));
        }
        for (a, b, head, country) in found {
            // The demonym or country name inside stays a mention of its own (nested).
            self.men.push(Men {
                a,
                b,
                ty: EntityType::Person,
                kind: MentionKind::Nominal,
                score: 0.5,
                canon: None,
                nominal: Some((head, country)),
                cluster: usize::MAX,
            });
        }
    }

    fn initials(&self, m: &Men) -> String {
        (m.a..m.b)
            .map(|i| self.word(i))
            .filter(|w| is_cap(w) && !matches!(*w, "The" | "Of" | "And"))
            .filter_map(|w| w.chars().next())
            .collect()
    }

    fn name_tokens(&self, m: &Men) -> Vec<String> {
        (m.a..m.b)
            .map(|i| self.word(i).to_string())
            .filter(|w| w != "'s" && !HONORIFICS.contains(&w.as_str()))
            .collect()
    }

    fn finish(mut self, text: &str) -> EntityLayer {
        self.gazetteer_overrides();
        self.gazetteer_mentions();
        self.men.sort_by_key(|m| (m.a, m.b));
        self.parse_roles();
        self.men.sort_by_key(|m| (m.a, m.b));
        self.nominals();
        self.men.sort_by_key(|m| (m.a, m.b));

        let roles: Vec<(usize, Role)> = self
            .roles
            .iter()
            .filter_map(|r| {
                let span = r.title;
                Some((
                    r.mention,
                    Role {
                        title: text.get(span.start..span.end)?.to_string(),
                        affiliation: r.affiliation.clone(),
                        affiliation_cluster: None,
                        evidence: r.evidence,
                    },
                ))
            })
            .collect();

        // Person evidence the model's per-mention types may contradict: an honorific ("Mr.
        // Trump") or a title ("President Trump", found by `parse_roles`). Such a name is a
        // person, and so is the cluster it joins, whatever the majority of its mentions says
        // (the model tags some modern politicians' surnames as organisations).
        let role_starts: FxHashSet<usize> = roles.iter().map(|(start, _)| *start).collect();
        let mut evidence = vec![false; self.men.len()];
        for (mi, m) in self.men.iter_mut().enumerate() {
            if m.kind != MentionKind::Name || m.canon.is_some() {
                continue;
            }
            let first = self.dt.toks[m.a].word.as_str();
            let honorific = (HONORIFICS.contains(&first) && m.b > m.a + 1)
                || (m.a > 0
                    && self.dt.toks[m.a - 1].sentence == self.dt.toks[m.a].sentence
                    && HONORIFICS.contains(&self.dt.toks[m.a - 1].word.as_str()));
            if honorific || role_starts.contains(&self.dt.toks[m.a].span.start) {
                m.ty = EntityType::Person;
                evidence[mi] = true;
            }
        }

        // Clusters of names.
        struct Cl {
            ty: EntityType,
            canon: Option<String>,
            members: Vec<usize>,
            tokens: Vec<String>,
            initials: String,
            roles: Vec<Role>,
            /// A member is a person by evidence, not only by the model's vote.
            person: bool,
        }
        let mut cls: Vec<Cl> = Vec::new();
        let order: Vec<usize> = (0..self.men.len())
            .filter(|&i| self.men[i].kind == MentionKind::Name)
            .collect();
        for &mi in &order {
            let m = self.men[mi].clone();
            let toks = self.name_tokens(&m);
            let text_key = toks.join(" ");
            let ini = self.initials(&m);
            let acronym = toks.len() == 1
                && text_key.len() >= 2
                && text_key.chars().all(|c| c.is_uppercase() || c == '.');
            let bare = text_key.replace('.', "");
            let mut target = None;
            for (ci, c) in cls.iter().enumerate().rev() {
                let same_canon = m.canon.is_some() && m.canon == c.canon;
                let same_text = c.tokens == toks && (c.ty == m.ty || m.canon.is_some());
                let person_part = (m.ty == EntityType::Person || toks.len() == 1)
                    && c.ty == EntityType::Person
                    && !toks.is_empty()
                    && (toks.iter().all(|t| c.tokens.contains(t))
                        || (m.ty == EntityType::Person
                            && c.tokens.iter().all(|t| toks.contains(t))));
                // A surname alone after (or before) the full name: "Donald Trump" … "Trump".
                // Persons are shortened to their last name, organisations to their first word
                // ("Goldman"), so the pair is a person if either side was tagged one.
                let surname = (m.ty == EntityType::Person || c.ty == EntityType::Person)
                    && (surname_of(&toks, &c.tokens) || surname_of(&c.tokens, &toks));
                let acr = (acronym && c.initials.len() >= 2 && bare == c.initials)
                    || (c.tokens.len() == 1
                        && c.tokens[0].len() >= 2
                        && c.tokens[0].chars().all(|ch| ch.is_uppercase() || ch == '.')
                        && ini.len() >= 2
                        && c.tokens[0].replace('.', "") == ini);
                if same_canon || same_text || person_part || surname || acr {
                    target = Some((ci, surname));
                    break;
                }
            }
            let ci = match target {
                Some((ci, surname)) => {
                    cls[ci].person |= surname;
                    ci
                }
                None => {
                    cls.push(Cl {
                        ty: m.ty,
                        canon: m.canon.clone(),
                        members: Vec::new(),
                        tokens: Vec::new(),
                        initials: String::new(),
                        roles: Vec::new(),
                        person: false,
                    });
                    cls.len() - 1
                }
            };
            let c = &mut cls[ci];
            c.person |= evidence[mi];
            c.members.push(mi);
            if toks.len() > c.tokens.len() {
                c.tokens = toks;
                c.initials = ini;
            }
            if c.canon.is_none() {
                c.canon = m.canon.clone();
            }
            self.men[mi].cluster = ci;
        }

        // Capitals used for their state ("assist Pyongyang") join the country's cluster.
        for &mi in &order {
            let m = self.men[mi].clone();
            let key = self.key(m.a, m.b);
            let Some(country) = self.gaz.capitals.get(&key) else {
                continue;
            };
            if m.a > 0 && LOCATIVE.contains(&self.lower(m.a - 1).as_str()) {
                continue;
            }
            let Some(ci) = cls
                .iter()
                .position(|c| c.canon.as_deref() == Some(country.as_str()))
            else {
                continue;
            };
            let old = m.cluster;
            if old != ci {
                cls[old].members.retain(|x| *x != mi);
                cls[ci].members.push(mi);
                self.men[mi].cluster = ci;
            }
        }

        // Types: gazetteer first, then the majority of the members' types.
        for c in &mut cls {
            c.ty = match &c.canon {
                Some(k) if self.gaz.countries.contains(k) => EntityType::Location,
                Some(k) if self.gaz.orgs.contains(k) => EntityType::Organisation,
                _ if c.person => EntityType::Person,
                _ => {
                    let mut counts = [0usize; 4];
                    let idx = |t: EntityType| t as usize;
                    for &mi in &c.members {
                        counts[idx(self.men[mi].ty)] += 1;
                    }
                    let best = counts.iter().enumerate().max_by_key(|(i, n)| (**n, 4 - *i));
                    match best.map(|b| b.0) {
                        Some(0) => EntityType::Person,
                        Some(1) => EntityType::Organisation,
                        Some(2) => EntityType::Location,
                        _ => EntityType::Misc,
                    }
                }
            };
        }

        // Roles onto person clusters.
        for (start, role) in roles {
            if let Some(mi) = self
                .men
                .iter()
                .position(|m| m.kind == MentionKind::Name && self.dt.toks[m.a].span.start == start)
            {
                let c = &mut cls[self.men[mi].cluster];
                let dup = c.roles.iter().any(|r| {
                    r.title.to_lowercase() == role.title.to_lowercase()
                        && r.affiliation == role.affiliation
                });
                if !dup {
                    c.roles.push(role);
                }
            }
        }

        // Nominals: the most recent compatible person cluster mentioned before.
        let nominal_ids: Vec<usize> = (0..self.men.len())
            .filter(|&i| self.men[i].kind == MentionKind::Nominal)
            .collect();
        let mut drop = Vec::new();
        for ni in nominal_ids {
            let (head, country) = self.men[ni].nominal.clone().unwrap_or_default();
            let pos = self.men[ni].a;
            let mut best: Option<(usize, usize)> = None;
            for (ci, c) in cls.iter().enumerate() {
                if c.ty != EntityType::Person || c.roles.is_empty() {
                    continue;
                }
                let title_ok = c.roles.iter().any(|r| {
                    let t = r.title.to_lowercase();
                    if head == "leader" {
                        LEADER_TITLES.iter().any(|l| t.ends_with(l)) && !t.contains("vice")
                    } else {
                        t.ends_with(&head) && !t.contains("vice") && !t.contains("deputy")
                    }
                });
                let country_ok = match &country {
                    Some(k) => c.roles.iter().any(|r| r.affiliation.as_deref() == Some(k)),
                    None => true,
                };
                let last_before = c
                    .members
                    .iter()
                    .map(|&mi| self.men[mi].a)
                    .filter(|&a| a < pos)
                    .max();
                if let (true, true, Some(lb)) = (title_ok, country_ok, last_before) {
                    if best.is_none_or(|(_, b)| lb > b) {
                        best = Some((ci, lb));
                    }
                }
            }
            match best {
                Some((ci, _)) => {
                    cls[ci].members.push(ni);
                    self.men[ni].cluster = ci;
                }
                None => drop.push(ni),
            }
        }

        // Output: mentions in text order, clusters in order of first mention.
        let keep: Vec<usize> = (0..self.men.len())
            .filter(|i| !drop.contains(i) && self.men[*i].cluster != usize::MAX)
            .collect();
        let mut cluster_new_id = vec![usize::MAX; cls.len()];
        // The singular a nationality or religious group cluster is named by (see `add_name`).
        let mut group_names: Vec<Option<String>> = Vec::new();
        let mut out = EntityLayer::default();
        for &mi in &keep {
            let m = &self.men[mi];
            let old = m.cluster;
            if cluster_new_id[old] == usize::MAX {
                cluster_new_id[old] = out.clusters.len();
                // A country goes by its gazetteer name whatever the article calls it ("US",
                // "DPRK"), so one state is one name across a corpus.
                group_names.push(
                    cls[old]
                        .canon
                        .clone()
                        .filter(|c| self.is_group(c) || self.gaz.countries.contains(c)),
                );
                out.clusters.push(Cluster {
                    id: out.clusters.len(),
                    canonical: String::new(),
                    entity_type: cls[old].ty,
                    mentions: Vec::new(),
                    roles: cls[old].roles.clone(),
                    affiliations: Vec::new(),
                    aliases: Vec::new(),
                });
            }
            let cid = cluster_new_id[old];
            let id = out.mentions.len();
            out.mentions.push(Mention {
                id,
                span: self.dt.span(m.a, m.b),
                entity_type: if m.kind == MentionKind::Name {
                    cls[old].ty
                } else {
                    m.ty
                },
                kind: m.kind,
                cluster: cid,
                score: m.score,
            });
            out.clusters[cid].mentions.push(id);
        }
        for (c, group) in out.clusters.iter_mut().zip(group_names) {
            let forms: Vec<(MentionKind, String)> = c
                .mentions
                .iter()
                .map(|&m| {
                    (
                        out.mentions[m].kind,
                        out.mentions[m].span.text(text).to_string(),
                    )
                })
                .collect();
            // A capital standing for its state ("Beijing aka China") does not name the state.
            let is_capital = |t: &str| self.gaz.capitals.contains_key(t);
            let state_named = forms
                .iter()
                .any(|(k, t)| *k == MentionKind::Name && !is_capital(t));
            c.canonical = group.unwrap_or_else(|| {
                forms
                    .iter()
                    .filter(|(k, t)| *k == MentionKind::Name && !(state_named && is_capital(t)))
                    .map(|(_, t)| without_honorific(t.trim_start_matches("the ")).to_string())
                    .max_by_key(|t| t.chars().count())
                    .unwrap_or_else(|| forms.first().map(|f| f.1.clone()).unwrap_or_default())
            });
            for (_, t) in forms {
                if t != c.canonical && !c.aliases.contains(&t) {
                    c.aliases.push(t);
                }
            }
            for r in &c.roles {
                if let Some(a) = &r.affiliation {
                    if !c.affiliations.contains(a) {
                        c.affiliations.push(a.clone());
                    }
                }
            }
        }
        // Affiliation clusters: a cluster whose canonical name, gazetteer name or alias matches.
        // Most articles have no role with an affiliation: then there is nothing to look up.
        let affiliated = out
            .clusters
            .iter()
            .any(|c| c.roles.iter().any(|r| r.affiliation.is_some()));
        if !affiliated {
            return out;
        }
        let lookup: Vec<(usize, Vec<String>)> = out
            .clusters
            .iter()
            .map(|c| {
                let mut names = vec![c.canonical.clone()];
                names.extend(c.aliases.iter().cloned());
                let extra: Vec<String> = names
                    .iter()
                    .filter_map(|n| self.gaz.aliases.get(&n.replace('’', "'")).cloned())
                    .collect();
                names.extend(extra);
                (c.id, names)
            })
            .collect();
        for c in &mut out.clusters {
            for r in &mut c.roles {
                if let Some(a) = &r.affiliation {
                    r.affiliation_cluster = lookup
                        .iter()
                        .find(|(id, names)| *id != c.id && names.contains(a))
                        .map(|(id, _)| *id);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use newslens_core::Document;

    /// Role parsing may replace names inside an affiliation by one organisation; the persons
    /// after it must still be found (their indexes used to shift past the end and panic).
    #[test]
    fn roles_survive_an_affiliation_replacing_a_person_mention() {
        let text =
            "Harbour Free Courier editor-in-chief Anna Lenz met Olga Petrova and Ivan Sokol.";
        let mut a = Analysis::new(Document::from_text("t", text));
        newslens_text::segment(&mut a);
        let dt = DocTokens::from_analysis(&a);
        let stage = EntityStage::new().unwrap();
        let mut b = Builder::new(&dt, &stage.gaz, &stage.titles, &stage.model);
        let at = |w: &str| {
            dt.toks
                .iter()
                .position(|t| &text[t.span.start..t.span.end] == w)
                .unwrap()
        };
        // A place and a (wrong) person inside the affiliation run, then three persons: the
        // run's two mentions become one, so the mention list shrinks.
        b.add_name(at("Harbour"), at("Harbour") + 1, EntityType::Location, 0.9);
        b.add_name(at("Free"), at("Free") + 1, EntityType::Person, 0.9);
        b.add_name(at("Anna"), at("Lenz") + 1, EntityType::Person, 0.9);
        b.add_name(at("Olga"), at("Petrova") + 1, EntityType::Person, 0.9);
        b.add_name(at("Ivan"), at("Sokol") + 1, EntityType::Person, 0.9);
        b.parse_roles();
        assert_eq!(b.roles.len(), 1, "one role: Anna Lenz's");
        assert_eq!(
            b.roles[0].affiliation.as_deref(),
            Some("Harbour Free Courier")
        );
        assert!(!b
            .men
            .iter()
            .any(|m| m.a == at("Harbour") && m.ty == EntityType::Person));
    }
}
