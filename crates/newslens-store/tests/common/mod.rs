//! A generated corpus with planted republications and repeated quotes (original synthetic text:
//! no data set is copied). Shared by the store tests and the bench.
#![allow(dead_code)]

use chrono::NaiveDate;
use newslens_core::layers::entities::{Cluster, EntityLayer, EntityType, Mention, MentionKind};
use newslens_core::layers::quotes::{Quote, QuoteKind, QuoteLayer};
use newslens_core::layers::rhetoric::{RhetoricLayer, TechniqueSpan};
use newslens_core::{Analysis, Document, Span};

/// xorshift64*: deterministic, dependency-free.
pub struct Rng(u64);
impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

const SYL: &[&str] = &[
    "ka", "lo", "ver", "mi", "dan", "sor", "el", "tu", "ran", "pe", "is", "mon", "gal", "ri", "bo",
    "set", "na", "cor", "fi", "lum", "tor", "ak", "ven", "sa", "pol", "di", "mar", "gen",
];
pub const SPEAKERS: &[&str] = &[
    "Anna Keller",
    "Tomas Reyes",
    "Mira Olsen",
    "Jonas Brandt",
    "Leila Haddad",
    "Victor Lang",
    "Ines Duarte",
    "Pavel Novak",
    "Sara Lindqvist",
    "Omar Farouk",
];
pub const OUTLETS: &[&str] = &[
    "Daily Ledger",
    "Harbor Times",
    "Northern Post",
    "Civic Wire",
    "Evening Courier",
    "Metro Gazette",
];
const TECHNIQUES: &[&str] = &["Loaded_Language", "Doubt", "Flag_Waving", "Repetition"];

/// A pseudo-word (a fresh vocabulary keeps unrelated articles unrelated).
pub fn word(r: &mut Rng) -> String {
    let n = 1 + r.below(3);
    (0..n).map(|_| *r.pick(SYL)).collect()
}

pub fn sentence(r: &mut Rng, words: usize) -> String {
    let mut w: Vec<String> = (0..words).map(|_| word(r)).collect();
    let mut first = w[0].chars();
    let cap = first
        .next()
        .map(|c| c.to_uppercase().collect::<String>())
        .unwrap_or_default();
    w[0] = cap + first.as_str();
    w.join(" ") + "."
}

/// One planted quote (truth label = `id`).
#[derive(Clone)]
pub struct PlantedQuote {
    pub id: usize,
    pub speaker: usize,
    pub words: Vec<String>,
}

/// A generated article with its truth labels.
#[derive(Clone)]
pub struct GenDoc {
    pub doc_id: String,
    pub outlet: String,
    pub date: NaiveDate,
    pub title: String,
    pub paragraphs: Vec<String>,
    /// (quote truth id, speaker idx, quote text as written)
    pub quotes: Vec<(usize, usize, String)>,
    pub story: usize,
    pub entities: Vec<usize>,
    pub technique: Option<usize>,
}

impl GenDoc {
    pub fn text(&self) -> String {
        let mut t = self.title.clone();
        t.push_str("\n\n");
        t.push_str(&self.paragraphs.join("\n\n"));
        t
    }

    /// A hand-built analysis: entities (speakers), quotes with spans, one technique span.
    pub fn analysis(&self) -> Analysis {
        let text = self.text();
        let mut doc = Document::from_text(&self.doc_id, text.clone());
        doc.outlet = Some(self.outlet.clone());
        doc.dateline = Some(self.date);
        doc.title = Some(self.title.clone());
        doc.title_span = Some(Span::new(0, self.title.len()));
        doc.source = Some(format!("gen/{}.txt", self.doc_id));
        let mut a = Analysis::new(doc);
        a.stages = vec!["text".into()];
        // A real text layer: stores keep no tokens and derive them again on read.
        newslens_text::segment(&mut a);
        let mut ents = EntityLayer::default();
        for (ci, &sp) in self.entities.iter().enumerate() {
            let name = SPEAKERS[sp];
            let mut mids = Vec::new();
            let mut from = 0;
            while let Some(pos) = text[from..].find(name) {
                let s = from + pos;
                let id = ents.mentions.len();
                ents.mentions.push(Mention {
                    id,
                    span: Span::new(s, s + name.len()),
                    entity_type: EntityType::Person,
                    kind: MentionKind::Name,
                    cluster: ci,
                    score: 1.0,
                });
                mids.push(id);
                from = s + name.len();
            }
            ents.clusters.push(Cluster {
                id: ci,
                canonical: name.to_string(),
                entity_type: EntityType::Person,
                mentions: mids,
                roles: vec![],
                affiliations: vec![],
                aliases: vec![name.split(' ').next_back().unwrap_or(name).to_string()],
            });
        }
        // Mentions must be in text order with ids = indexes.
        ents.mentions.sort_by_key(|m| m.span.start);
        let mut remap = vec![0; ents.mentions.len()];
        for (i, m) in ents.mentions.iter_mut().enumerate() {
            remap[m.id] = i;
            m.id = i;
        }
        for c in &mut ents.clusters {
            for m in &mut c.mentions {
                *m = remap[*m];
            }
            c.mentions.sort();
        }
        let mut ql = QuoteLayer::default();
        let mut from = 0;
        for (_, sp, qt) in &self.quotes {
            let Some(pos) = text[from..].find(qt.as_str()) else {
                continue;
            };
            let s = from + pos;
            from = s + qt.len();
            let cluster = self.entities.iter().position(|e| e == sp);
            ql.quotes.push(Quote {
                id: ql.quotes.len(),
                kind: QuoteKind::Direct,
                content: vec![Span::new(s, s + qt.len())],
                cue: None,
                cue_lemma: Some("say".into()),
                source: None,
                speaker: cluster,
                speaker_name: Some(SPEAKERS[*sp].to_string()),
                score: 1.0,
            });
        }
        a.entities = Some(ents);
        a.quotes = Some(ql);
        if let Some(t) = self.technique {
            let start = self.title.len() + 2;
            let end = start + self.paragraphs[0].len().min(40);
            let end = (end..=text.len())
                .find(|&e| text.is_char_boundary(e))
                .unwrap_or(start);
            a.rhetoric = Some(RhetoricLayer {
                techniques: vec![TechniqueSpan {
                    id: 0,
                    span: Span::new(start, end),
                    technique: TECHNIQUES[t].into(),
                    technique_2023: TECHNIQUES[t].into(),
                    score: 0.9,
                    sentence: 0,
                }],
                ..Default::default()
            });
        }
        a
    }
}

/// Mutates a quote lightly: one word replaced, the last words dropped, or only case changed.
fn mutate(r: &mut Rng, words: &[String]) -> Vec<String> {
    let mut w = words.to_vec();
    match r.below(3) {
        0 => {
            let i = 1 + r.below(w.len() - 2);
            w[i] = word(r);
        }
        1 => {
            let cut = 1 + r.below(3);
            w.truncate(w.len() - cut);
        }
        _ => w[0] = w[0].to_uppercase(),
    }
    w
}

/// The whole generated corpus: `originals` stories, about a third republished 1–3 times (exact
/// body with a new headline, or lightly edited), quotes drawn from a pool so each is repeated
/// across unrelated stories, often mutated.
pub fn corpus(originals: usize, seed: u64) -> (Vec<GenDoc>, Vec<PlantedQuote>) {
    let mut r = Rng::new(seed);
    let pool: Vec<PlantedQuote> = (0..(originals / 3).max(4))
        .map(|id| PlantedQuote {
            id,
            speaker: r.below(SPEAKERS.len()),
            words: (0..10 + r.below(10)).map(|_| word(&mut r)).collect(),
        })
        .collect();
    let base = NaiveDate::from_ymd_opt(2024, 3, 1).expect("date");
    let mut docs = Vec::new();
    for s in 0..originals {
        let date = base + chrono::Days::new(r.below(60) as u64);
        let mut paragraphs: Vec<String> = (0..4 + r.below(4))
            .map(|_| {
                (0..2 + r.below(3))
                    .map(|_| {
                        let n = 8 + r.below(12);
                        sentence(&mut r, n)
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let mut quotes = Vec::new();
        let mut entities = Vec::new();
        for _ in 0..1 + r.below(2) {
            let q = r.pick(&pool).clone();
            let words = if r.below(2) == 0 {
                q.words.clone()
            } else {
                mutate(&mut r, &q.words)
            };
            let qt = words.join(" ");
            let name = SPEAKERS[q.speaker];
            let p = r.below(paragraphs.len());
            paragraphs[p].push_str(&format!(" “{qt},” {name} said."));
            quotes.push((q.id, q.speaker, qt));
            if !entities.contains(&q.speaker) {
                entities.push(q.speaker);
            }
        }
        let title = sentence(&mut r, 6).trim_end_matches('.').to_string();
        let orig = GenDoc {
            doc_id: format!("s{s}-0"),
            outlet: r.pick(OUTLETS).to_string(),
            date,
            title,
            paragraphs,
            quotes,
            story: s,
            entities,
            technique: if r.below(3) == 0 {
                Some(r.below(TECHNIQUES.len()))
            } else {
                None
            },
        };
        docs.push(orig.clone());
        if r.below(3) == 0 {
            for c in 0..1 + r.below(3) {
                let mut copy = orig.clone();
                copy.doc_id = format!("s{s}-{}", c + 1);
                copy.outlet = r.pick(OUTLETS).to_string();
                copy.date = date + chrono::Days::new(1 + r.below(5) as u64);
                copy.title = format!("{} ({})", orig.title, copy.outlet);
                if r.below(2) == 0 {
                    // Lightly edited: a few words changed, a sentence added at the end.
                    for p in copy.paragraphs.iter_mut().skip(1) {
                        let mut ws: Vec<String> = p.split(' ').map(str::to_string).collect();
                        let i = r.below(ws.len());
                        if !ws[i].contains('“') && !ws[i].contains('”') {
                            ws[i] = word(&mut r);
                        }
                        *p = ws.join(" ");
                    }
                    let n = 10;
                    copy.paragraphs.push(sentence(&mut r, n));
                }
                docs.push(copy);
            }
        }
    }
    // Identical texts are one document (content-hash identity): keep the first.
    let mut seen = std::collections::HashSet::new();
    docs.retain(|d| seen.insert(d.text()));
    // Shuffle so copies do not always follow their origin (ingest order ≠ date order).
    for i in (1..docs.len()).rev() {
        let j = r.below(i + 1);
        docs.swap(i, j);
    }
    (docs, pool)
}

/// A clustering as comparable data: each group's members sorted, then the groups.
#[allow(dead_code)] // each test crate uses a part of this module
pub fn partition<T: Ord>(groups: impl IntoIterator<Item = Vec<T>>) -> Vec<Vec<T>> {
    let mut groups: Vec<Vec<T>> = groups
        .into_iter()
        .map(|mut g| {
            g.sort();
            g
        })
        .collect();
    groups.sort();
    groups
}

/// Pairwise precision and recall of a predicted clustering against truth labels.
pub fn pairwise(pred: &[usize], truth: &[usize]) -> (f64, f64) {
    let (mut tp, mut fp, mut fn_) = (0u64, 0u64, 0u64);
    for i in 0..pred.len() {
        for j in i + 1..pred.len() {
            match (pred[i] == pred[j], truth[i] == truth[j]) {
                (true, true) => tp += 1,
                (true, false) => fp += 1,
                (false, true) => fn_ += 1,
                _ => {}
            }
        }
    }
    let p = if tp + fp == 0 {
        1.0
    } else {
        tp as f64 / (tp + fp) as f64
    };
    let r = if tp + fn_ == 0 {
        1.0
    } else {
        tp as f64 / (tp + fn_) as f64
    };
    (p, r)
}
