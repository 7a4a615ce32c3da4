//! Entities across the corpus (`newslens entities`): the per-document clusters of the
//! `entities` stage grouped into one entry per real-world name, whichever backend stores them.
//!
//! A document's clusters already merge its aliases ("Vladimir Putin" = "Putin"), but across
//! documents two things split one entity into several entries when clusters are grouped by
//! (name, type), as the listing did before:
//!
//! * **types vary between documents**: the model may type a surname a person in one article and
//!   an organisation in the next. A name's entry takes the type most of its documents give it.
//! * **surnames stand alone**: an article that only says "Trump" has a cluster named "Trump".
//!   Where the corpus shows that one word mostly as an alias of one longer name ("Trump" inside
//!   the clusters of "Donald Trump"), the one-word clusters join that name's entry.
//!
//! * **middle initials come and go**: "Donald J. Trump" (a house style) and "Donald Trump" are
//!   one man. A name with middle initials joins the bare name when the corpus has the bare name
//!   and no other initialled form of it ([`initials_map`]): "George W. Bush" and
//!   "George H.W. Bush" both stand beside "George Bush", so neither joins it.
//!
//! The rule for the second point ([`surname_map`]) only merges a word into a name that holds at
//! least three quarters of the word's alias evidence, in at least two documents, and evidence
//! worth at least a fifth of the word's own clusters: "Washington" (a city in hundreds of
//! documents, George Washington's alias in a few) stays a city.

use std::collections::{BTreeMap, HashMap};

use crate::error::Result;
use crate::model::{CoEntity, EntityDocuments, EntitySummary};

/// What the corpus listing asks a backend (each answers with a few SQL queries).
pub(crate) trait EntityRows {
    /// Every (name, type) group of clusters: `(norm, type, documents, mentions)`.
    fn name_groups(&self) -> Result<Vec<(String, String, i64, i64)>>;
    /// One-word aliases (lower-cased) of clusters whose name has several words:
    /// `(alias, norm of the name, documents)`.
    fn word_aliases(&self) -> Result<Vec<(String, String, i64)>>;
    /// Distinct cluster names (norms) with a middle initial ("donald j. trump"), possibly
    /// with others: [`without_initials`] picks them.
    fn initialled_names(&self) -> Result<Vec<String>>;
    /// Documents with a cluster named one of `norms`.
    fn documents_of(&self, norms: &[String]) -> Result<i64>;
    /// A name's documents counted per type and summed (what [`EntityRows::name_groups`] gives
    /// for it): the measure [`surname_map`] compares alias evidence with.
    fn own_documents(&self, norm: &str) -> Result<i64>;
    /// The most common spelling of the clusters named `norm`.
    fn canonical_of(&self, norm: &str) -> Result<String>;
    /// Quotes credited to clusters named one of `norms`, or whose speaker is one of them.
    fn quotes_of(&self, norms: &[String]) -> Result<i64>;
    /// Names (other than `norms`) that share documents with `norms`, with how many, most
    /// shared first: at most `limit`.
    fn co_names(&self, norms: &[String], limit: usize) -> Result<Vec<(String, i64)>>;
    /// Documents with a cluster named one of `a` and one named one of `b`.
    fn shared_documents(&self, a: &[String], b: &[String]) -> Result<i64>;
}

/// Maps a one-word name to the longer name it is an alias of across the corpus (see the
/// module doc). `own_docs` is each name's document count as a cluster of its own.
pub(crate) fn surname_map(
    aliases: &[(String, String, i64)],
    own_docs: &HashMap<String, i64>,
) -> HashMap<String, String> {
    let mut by_word: BTreeMap<&str, Vec<(&str, i64)>> = BTreeMap::new();
    for (word, target, docs) in aliases {
        if word != target {
            by_word.entry(word).or_default().push((target, *docs));
        }
    }
    let mut map = HashMap::new();
    for (word, targets) in by_word {
        let total: i64 = targets.iter().map(|t| t.1).sum();
        let Some(&(best, docs)) = targets
            .iter()
            .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
        else {
            continue;
        };
        let own = own_docs.get(word).copied().unwrap_or(0);
        if docs >= 2 && docs * 4 >= total * 3 && docs * 5 >= own {
            map.insert(word.to_string(), best.to_string());
        }
    }
    map
}

/// The bare name of a name with middle initials: "donald j. trump" → "donald trump",
/// "george h.w. bush" → "george bush"; `None` for any other name. An initial is one letter and
/// a dot; a first or last name is a word of two letters or more without dots.
pub(crate) fn without_initials(norm: &str) -> Option<String> {
    let words: Vec<&str> = norm.split(' ').collect();
    let [first, middle @ .., last] = &words[..] else {
        return None;
    };
    let plain = |w: &str| w.chars().count() > 1 && !w.contains('.');
    let initials =
        |w: &str| w.split_terminator('.').all(|c| c.chars().count() == 1) && w.ends_with('.');
    (plain(first) && plain(last) && !middle.is_empty() && middle.len() <= 2)
        .then_some(())
        .filter(|()| middle.iter().all(|w| initials(w)))
        .map(|()| format!("{first} {last}"))
}

/// Maps each name with middle initials to its bare name (see the module doc) when `exists`
/// says the corpus has the bare name and `initialled` holds no other initialled form of it.
pub(crate) fn initials_map<'a>(
    initialled: impl IntoIterator<Item = &'a str>,
    mut exists: impl FnMut(&str) -> Result<bool>,
) -> Result<HashMap<String, String>> {
    let mut forms: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for n in initialled {
        if let Some(bare) = without_initials(n) {
            let f = forms.entry(bare).or_default();
            if !f.contains(&n) {
                f.push(n);
            }
        }
    }
    let mut map = HashMap::new();
    for (bare, f) in forms {
        if let [one] = f[..] {
            if exists(&bare)? {
                map.insert(one.to_string(), bare);
            }
        }
    }
    Ok(map)
}

/// A `LIKE` pattern (escape character `\`) that a quote's speaker name (lower-cased) matches
/// besides containing `needle`: for a first and last name, the name with middle initials
/// ("donald trump" → "donald j. trump"), as the listing merges them; else `needle` again.
pub(crate) fn speaker_like(needle: &str) -> String {
    let esc = |w: &str| {
        w.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    };
    match needle.split(' ').collect::<Vec<_>>()[..] {
        [first, last] if !needle.contains('.') => format!("%{} _.% {}%", esc(first), esc(last)),
        _ => format!("%{}%", esc(needle)),
    }
}

/// `aliases` with their names mapped through `initials`, evidence for one (word, name) summed.
fn aliases_through(
    aliases: Vec<(String, String, i64)>,
    initials: &HashMap<String, String>,
) -> Vec<(String, String, i64)> {
    if initials.is_empty() {
        return aliases;
    }
    let mut sum: BTreeMap<(String, String), i64> = BTreeMap::new();
    for (w, t, n) in aliases {
        let t = initials.get(&t).cloned().unwrap_or(t);
        *sum.entry((w, t)).or_default() += n;
    }
    sum.into_iter().map(|((w, t), n)| (w, t, n)).collect()
}

/// How the listing maps a name (norm) onto its entry: a name with middle initials to its bare
/// name ([`initials_map`]), a one-word name to the longer name it stands for ([`surname_map`]).
struct NameMaps {
    initials: HashMap<String, String>,
    surnames: HashMap<String, String>,
}

impl NameMaps {
    /// The maps over every name of the corpus; `own_docs` is each name's document count.
    fn new(rows: &dyn EntityRows, own_docs: &HashMap<String, i64>) -> Result<Self> {
        let initials = initials_map(own_docs.keys().map(String::as_str), |bare| {
            Ok(own_docs.contains_key(bare))
        })?;
        let surnames = surname_map(&aliases_through(rows.word_aliases()?, &initials), own_docs);
        Ok(Self { initials, surnames })
    }

    /// Whether `norm` joins another name's entry.
    fn merges(&self, norm: &str) -> bool {
        self.initials.contains_key(norm) || self.surnames.contains_key(norm)
    }

    /// The key of the entry `norm` belongs to.
    fn key_of(&self, norm: &str) -> String {
        self.initials
            .get(norm)
            .or_else(|| self.surnames.get(norm))
            .cloned()
            .unwrap_or_else(|| norm.to_string())
    }
}

/// One entry of the listing while it is built.
#[derive(Debug, Default)]
struct Entry {
    /// The names (norms) of its clusters.
    norms: Vec<String>,
    /// Documents per type (summed over names: an upper bound of the distinct count).
    type_docs: BTreeMap<String, i64>,
    docs: i64,
    mentions: i64,
}

impl Entry {
    /// The type most documents give it (ties: PER, ORG, LOC, MISC order, then by name).
    fn entity_type(&self) -> String {
        const ORDER: [&str; 4] = ["PER", "ORG", "LOC", "MISC"];
        let rank = |t: &str| ORDER.iter().position(|o| *o == t).unwrap_or(ORDER.len());
        self.type_docs
            .iter()
            .max_by(|a, b| {
                a.1.cmp(b.1)
                    .then_with(|| rank(b.0).cmp(&rank(a.0)))
                    .then_with(|| b.0.cmp(a.0))
            })
            .map(|(t, _)| t.clone())
            .unwrap_or_default()
    }
}

/// The `limit` entities in most documents (of `entity_type` only, when given, compared
/// case-insensitively with the entry's voted type), with their co-occurring entities.
pub(crate) fn corpus_entities(
    rows: &dyn EntityRows,
    limit: usize,
    entity_type: Option<&str>,
) -> Result<Vec<EntitySummary>> {
    let groups = rows.name_groups()?;
    let mut own_docs: HashMap<String, i64> = HashMap::new();
    for (norm, _, docs, _) in &groups {
        *own_docs.entry(norm.clone()).or_default() += docs;
    }
    let maps = NameMaps::new(rows, &own_docs)?;
    let mut entries: HashMap<String, Entry> = HashMap::new();
    for (norm, ty, docs, mentions) in groups {
        let e = entries.entry(maps.key_of(&norm)).or_default();
        if !e.norms.contains(&norm) {
            e.norms.push(norm);
        }
        *e.type_docs.entry(ty).or_default() += docs;
        e.docs += docs;
        e.mentions += mentions;
    }
    for e in entries.values_mut() {
        e.norms.sort();
    }
    // Rank by the summed counts, then count the distinct documents of the leaders exactly
    // (a document may hold clusters of two names of one entry): a margin of candidates keeps
    // an entry that the exact count moves up.
    let mut ranked: Vec<(&String, &Entry)> = entries
        .iter()
        .filter(|(_, e)| entity_type.is_none_or(|t| e.entity_type().eq_ignore_ascii_case(t.trim())))
        .collect();
    ranked.sort_by(|a, b| b.1.docs.cmp(&a.1.docs).then_with(|| a.0.cmp(b.0)));
    let mut top: Vec<(String, i64, i64)> = Vec::new();
    for (key, e) in ranked
        .into_iter()
        .take(limit.saturating_mul(2).saturating_add(10))
    {
        // Summed per name and type, a document counts twice when it holds clusters of two
        // of the entry's names, or of one name typed two ways.
        let docs = if e.norms.len() > 1 || e.type_docs.len() > 1 {
            rows.documents_of(&e.norms)?
        } else {
            e.docs
        };
        top.push((key.clone(), docs, e.mentions));
    }
    top.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| b.2.cmp(&a.2))
            .then_with(|| a.0.cmp(&b.0))
    });
    top.truncate(limit);
    let mut out = Vec::with_capacity(top.len());
    for (key, docs, mentions) in top {
        let e = &entries[&key];
        let mut co: HashMap<String, i64> = HashMap::new();
        for (norm, n) in rows.co_names(&e.norms, 50)? {
            let k = maps.key_of(&norm);
            if k != key {
                *co.entry(k).or_default() += n;
            }
        }
        let mut with: Vec<(String, i64)> = Vec::with_capacity(co.len());
        for (k, n) in co {
            let names = entries.get(&k).map_or(&[][..], |x| &x.norms[..]);
            let n = if names.len() > 1 {
                rows.shared_documents(&e.norms, names)?
            } else {
                n
            };
            with.push((k, n));
        }
        with.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        with.truncate(5);
        let mut co_entities = Vec::with_capacity(with.len());
        for (k, n) in with {
            co_entities.push(CoEntity {
                name: rows.canonical_of(&k)?,
                entity_type: entries.get(&k).map(Entry::entity_type).unwrap_or_default(),
                documents: n as usize,
            });
        }
        out.push(EntitySummary {
            name: rows.canonical_of(&key)?,
            entity_type: e.entity_type(),
            documents: docs as usize,
            mentions: mentions as usize,
            quotes: rows.quotes_of(&e.norms)? as usize,
            with: co_entities,
        });
    }
    Ok(out)
}

/// The clusters that count as one entity's (see [`members_of`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Members {
    /// Cluster names (norms), the entry's key first.
    pub names: Vec<String>,
    /// Whether clusters with the key among their aliases count too. Only for a name with no
    /// cluster of its own (a surname only ever used as an alias, in too few documents to be
    /// merged), which the listing does not show: aliases conflate ("Russia" is an alias of
    /// Moscow's clusters, "Obama" of Michelle Obama's), so a listed entry never uses them.
    pub by_alias: bool,
}

/// The clusters whose documents are `name`'s: those named like the entry `name` belongs to
/// (the longer name a one-word name stands for, else its own), or like every one-word name
/// merged into that entry. `timeline` and the server's entity page count these, so they agree
/// with `entities`. A name with no cluster of its own finds the clusters that have it as an
/// alias instead ([`Members::by_alias`]).
pub(crate) fn members_of(rows: &dyn EntityRows, name: &str) -> Result<Members> {
    let norm = name.trim().to_lowercase();
    // All of them, as the listing maps them: a surname's evidence sums over both forms.
    let initialled = rows.initialled_names()?;
    let initials = initials_map(initialled.iter().map(String::as_str), |b| {
        Ok(rows.own_documents(b)? > 0)
    })?;
    let aliases = aliases_through(rows.word_aliases()?, &initials);
    let map_for = |words: Vec<String>| -> Result<HashMap<String, String>> {
        let mut own = HashMap::new();
        for w in words {
            let n = rows.own_documents(&w)?;
            own.insert(w, n);
        }
        // Only the words asked about can map (the others have no own count here).
        let map = surname_map(&aliases, &own);
        Ok(map
            .into_iter()
            .filter(|(w, _)| own.contains_key(w))
            .collect())
    };
    let key = if norm.contains(' ') {
        initials.get(&norm).cloned().unwrap_or_else(|| norm.clone())
    } else {
        map_for(vec![norm.clone()])?
            .remove(&norm)
            .unwrap_or_else(|| norm.clone())
    };
    let mut words: Vec<String> = aliases
        .iter()
        .filter(|(w, t, _)| *t == key && !w.contains(' '))
        .map(|(w, _, _)| w.clone())
        .collect();
    words.sort();
    words.dedup();
    let mut members = vec![key.clone()];
    members.extend(
        initials
            .iter()
            .filter(|(_, b)| **b == key)
            .map(|(v, _)| v.clone()),
    );
    for (w, t) in map_for(words)? {
        if t == key && w != key {
            members.push(w);
        }
    }
    members[1..].sort();
    let by_alias = members.len() == 1 && rows.own_documents(&key)? == 0;
    Ok(Members {
        names: members,
        by_alias,
    })
}

impl Members {
    /// The answer of `Store::entity_documents`: these members with the documents they were
    /// found in (newest first), cut to `limit` and counted in full.
    pub(crate) fn documents(self, mut docs: Vec<i64>, limit: usize) -> EntityDocuments {
        let total = docs.len();
        docs.truncate(limit);
        EntityDocuments {
            names: self.names,
            by_alias: self.by_alias,
            total,
            docs,
        }
    }
}

/// How many entries the listing has: one per name, less the one-word names merged into a
/// longer one ([`surname_map`]).
pub(crate) fn corpus_entity_count(rows: &dyn EntityRows) -> Result<u64> {
    let mut own_docs: HashMap<String, i64> = HashMap::new();
    for (norm, _, docs, _) in rows.name_groups()? {
        *own_docs.entry(norm).or_default() += docs;
    }
    let maps = NameMaps::new(rows, &own_docs)?;
    let merged = own_docs.keys().filter(|n| maps.merges(n)).count();
    Ok((own_docs.len() - merged) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aliases(rows: &[(&str, &str, i64)]) -> Vec<(String, String, i64)> {
        rows.iter()
            .map(|(a, b, n)| (a.to_string(), b.to_string(), *n))
            .collect()
    }

    #[test]
    fn a_surname_joins_the_name_it_mostly_abbreviates() {
        let own = HashMap::from([("trump".to_string(), 40), ("washington".to_string(), 300)]);
        let map = surname_map(
            &aliases(&[
                ("trump", "donald trump", 30),
                ("trump", "melania trump", 3),
                ("washington", "george washington", 4),
            ]),
            &own,
        );
        assert_eq!(map.get("trump").map(String::as_str), Some("donald trump"));
        // A city in 300 documents, an alias in 4: not merged.
        assert!(!map.contains_key("washington"));
    }

    #[test]
    fn an_ambiguous_surname_stays_apart() {
        let own = HashMap::from([("clinton".to_string(), 10)]);
        let map = surname_map(
            &aliases(&[
                ("clinton", "hillary clinton", 6),
                ("clinton", "bill clinton", 5),
            ]),
            &own,
        );
        assert!(map.is_empty(), "{map:?}");
        // One document of evidence is not enough either.
        let map = surname_map(&aliases(&[("clinton", "hillary clinton", 1)]), &own);
        assert!(map.is_empty());
    }

    #[test]
    fn middle_initials_are_read_off_a_name() {
        assert_eq!(
            without_initials("donald j. trump").as_deref(),
            Some("donald trump")
        );
        assert_eq!(
            without_initials("george h.w. bush").as_deref(),
            Some("george bush")
        );
        assert_eq!(
            without_initials("george h. w. bush").as_deref(),
            Some("george bush")
        );
        for n in [
            "donald trump",
            "j. trump",
            "donald j.",
            "u.s. army",
            "st. louis",
            "a b. c",
        ] {
            assert_eq!(without_initials(n), None, "{n}");
        }
        assert_eq!(without_initials("washington d.c."), None);
        assert_eq!(without_initials("donald jj. trump"), None);
    }

    #[test]
    fn an_initialled_name_joins_its_bare_name_when_it_is_the_only_one() {
        let norms = [
            "donald j. trump",
            "donald trump",
            "george w. bush",
            "george h.w. bush",
            "george bush",
            "james b. comey",
        ];
        let map = initials_map(norms, |b| Ok(norms.contains(&b))).unwrap();
        assert_eq!(
            map.get("donald j. trump").map(String::as_str),
            Some("donald trump")
        );
        // Two initialled forms of "george bush": two men, neither joins it.
        assert!(!map.contains_key("george w. bush"));
        assert!(!map.contains_key("george h.w. bush"));
        // No bare "james comey" in the corpus: the name stays as written.
        assert!(!map.contains_key("james b. comey"));
        assert_eq!(map.len(), 1);
    }

    #[test]
    fn a_speaker_pattern_allows_middle_initials() {
        assert_eq!(speaker_like("donald trump"), "%donald _.% trump%");
        assert_eq!(speaker_like("trump"), "%trump%");
        assert_eq!(speaker_like("donald j. trump"), "%donald j. trump%");
        assert_eq!(speaker_like("50%_x y"), "%50\\%\\_x _.% y%");
    }

    #[test]
    fn the_type_is_the_one_most_documents_give() {
        let mut e = Entry::default();
        e.type_docs.insert("ORG".into(), 30);
        e.type_docs.insert("PER".into(), 45);
        e.type_docs.insert("MISC".into(), 20);
        assert_eq!(e.entity_type(), "PER");
        e.type_docs.insert("ORG".into(), 45);
        assert_eq!(e.entity_type(), "PER", "ties go to PER");
    }
}
