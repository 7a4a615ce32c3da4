//! The learned part of the stage: a cue lexicon with corpus statistics and an averaged-perceptron
//! cue classifier over lexicon matches, both produced by `newslens train quotes`.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use newslens_learn::hash::{FeatureHash, WordState};
use newslens_learn::multiclass::{Classifier, StoredClassifier};
use serde::{Deserialize, Serialize};

use crate::view::View;
use crate::QuoteError;

/// Magic tag of quote model files.
pub const MAGIC: &[u8; 8] = b"NLQUOTE1";
/// Hash bits of the cue classifier.
pub const BITS: u32 = 18;

/// One cue form of the lexicon ("said", "according to", "has said").
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CueEntry {
    /// Lowercased words joined by single spaces.
    pub form: String,
    /// Times it was annotated as a cue in the training split.
    pub gold: u32,
    /// Times the word sequence occurs in the training split.
    pub occurrences: u32,
    /// A hand-written seed cue (`resources/quotes/cue-seeds.txt`): a speech verb. Features on
    /// this flag let the classifier handle seed verbs rare or absent in the training split.
    #[serde(default)]
    pub seed: bool,
}

/// Serialised model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredModel {
    /// Cue lexicon.
    pub lexicon: Vec<CueEntry>,
    /// Cue classifier (classes `no`, `cue`).
    pub cue: StoredClassifier,
    /// Score threshold (cue minus no) tuned on dev.
    pub threshold: f32,
    /// Words that may extend a cue to the left ("is", "also", "then"), learned from train.
    #[serde(default)]
    pub ext_words: Vec<String>,
    /// Source-start ranker (classes `no`, `start`).
    #[serde(default)]
    pub src: Option<StoredClassifier>,
}

/// A loaded model.
#[derive(Debug, Clone)]
pub struct Model {
    /// Lexicon entries.
    pub lexicon: Vec<CueEntry>,
    /// first word → the lexicon forms starting with it.
    index: HashMap<String, FirstWord, WordState>,
    /// Lemma of each lexicon entry's form (a feature of every candidate; computed once here).
    lemmas: Vec<String>,
    /// Feature rows of each lexicon entry that do not depend on the context.
    entry_rows: Vec<EntryRows>,
    /// The classifier.
    cue: Option<Classifier>,
    /// `cue`'s weights read straight from the model file (see [`MarginTable`]).
    cue_table: Option<MarginTable>,
    /// Acceptance threshold on `score(cue) - score(no)`.
    pub threshold: f32,
    /// Left-extension words ("is demanding", "also mentions").
    pub ext_words: HashSet<String, WordState>,
    /// Source-start ranker.
    src: Option<Classifier>,
    /// `src`'s weights read straight from the model file.
    src_table: Option<MarginTable>,
}

/// The layout of [`StoredModel`] as `newslens_learn` encodes it, down to the weight tables
/// (`StoredClassifier` keeps its fields private). Only read; the tests check that a table built
/// from it scores exactly as the `Classifier` decoded from the same bytes.
#[derive(Deserialize)]
struct RawModel {
    #[allow(dead_code)] // Decoded only to reach the fields after it.
    lexicon: Vec<CueEntry>,
    cue: RawClassifier,
    #[allow(dead_code)]
    threshold: f32,
    #[allow(dead_code)]
    #[serde(default)]
    ext_words: Vec<String>,
    #[serde(default)]
    src: Option<RawClassifier>,
}

#[derive(Deserialize)]
struct RawClassifier {
    classes: Vec<String>,
    weights: RawWeights,
}

#[derive(Deserialize)]
struct RawWeights {
    bits: u32,
    n_classes: u32,
    scale: f32,
    row_deltas: Vec<u32>,
    values: Vec<i16>,
}

/// A two-class weight table (`no`, `yes`) that gives the margin `yes - no` of a feature list.
///
/// Same rows, values and arithmetic as the sparse table of `newslens_learn::weights::Weights`
/// (present rows behind a bitmap-and-rank index, `i16` values times one scale, each class summed
/// in feature order), so the margins are the same bit for bit; but one pass with no
/// per-call allocation. The learner's version gathers every row first to overlap cache misses
/// of large tables, which for these small tables (64 KB of index) cost more than it saved: it
/// was a quarter of the stage's instructions.
#[derive(Debug, Clone)]
struct MarginTable {
    blocks: Vec<RankBlock>,
    values: Vec<[i16; 2]>,
    scale: f32,
}

/// 64 rows of a [`MarginTable`]'s index: which are present, and how many present rows precede.
#[derive(Debug, Clone, Copy, Default)]
struct RankBlock {
    present: u64,
    rank: u32,
}

impl MarginTable {
    /// The table of a stored two-class classifier; `None` for any other shape or an
    /// inconsistent table (the caller then scores with the `Classifier`).
    fn from_raw(c: &RawClassifier) -> Option<Self> {
        let w = &c.weights;
        if c.classes.len() != 2 || w.n_classes != 2 || w.bits > 28 {
            return None;
        }
        if w.values.len() != w.row_deltas.len() * 2 {
            return None;
        }
        let rows = 1usize << w.bits;
        let mut blocks = vec![RankBlock::default(); rows.div_ceil(64)];
        let mut row = 0u64;
        for d in &w.row_deltas {
            row += u64::from(*d);
            let b = blocks.get_mut(usize::try_from(row / 64).ok()?)?;
            b.present |= 1 << (row % 64);
        }
        let mut rank = 0u32;
        for b in &mut blocks {
            b.rank = rank;
            rank += b.present.count_ones();
        }
        if rank as usize != w.row_deltas.len() {
            return None;
        }
        let values = w.values.chunks_exact(2).map(|v| [v[0], v[1]]).collect();
        Some(Self {
            blocks,
            values,
            scale: w.scale,
        })
    }

    /// `score(yes) - score(no)` of the rows `feats`.
    #[inline]
    fn margin(&self, feats: &[u32]) -> f32 {
        let (mut no, mut yes) = (0f32, 0f32);
        for &f in feats {
            let Some(b) = self.blocks.get(f as usize / 64) else {
                continue;
            };
            let bit = 1u64 << (f % 64);
            if b.present & bit == 0 {
                continue;
            }
            let k = b.rank as usize + (b.present & (bit - 1)).count_ones() as usize;
            if let Some(v) = self.values.get(k) {
                no += f32::from(v[0]) * self.scale;
                yes += f32::from(v[1]) * self.scale;
            }
        }
        yes - no
    }
}

/// A two-class classifier of the stage (cue, source start) as it is scored: the margin of its
/// second class over its first.
#[derive(Debug, Clone, Copy)]
pub struct Scorer<'a> {
    classifier: &'a Classifier,
    table: Option<&'a MarginTable>,
}

impl<'a> Scorer<'a> {
    /// Scores with `classifier` itself.
    pub fn new(classifier: &'a Classifier) -> Self {
        Self {
            classifier,
            table: None,
        }
    }

    /// `score(class 1) - score(class 0)` of the feature rows `feats`.
    #[inline]
    pub fn margin(&self, feats: &[u32]) -> f32 {
        match self.table {
            Some(t) => t.margin(feats),
            None => {
                let s = self.classifier.scores(feats);
                s[1] - s[0]
            }
        }
    }
}

/// The lexicon forms that start with one word. Frequent words start dozens of forms ("has": 64,
/// "is": 48), and comparing each of them word by word at every occurrence was most of the
/// lexicon matching; keyed by their second word, only the few forms that can match are compared.
#[derive(Debug, Clone, Default)]
struct FirstWord {
    /// second word → (words, entry index) of the forms of two or more words, longest first
    /// (then by entry index).
    longer: HashMap<String, Vec<(Vec<String>, usize)>, WordState>,
    /// Entry indexes of the one-word forms, in entry order.
    single: Vec<usize>,
}

/// A lexicon match that may be a cue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// First token.
    pub first: usize,
    /// Last token (inclusive).
    pub last: usize,
    /// Lexicon entry.
    pub entry: usize,
    /// Extension words before the lexicon match (`first + ext` is where the match starts).
    pub ext: usize,
}

impl Model {
    /// Builds a model from a lexicon and an optional classifier.
    pub fn new(lexicon: Vec<CueEntry>, cue: Option<Classifier>, threshold: f32) -> Self {
        let mut index: HashMap<String, FirstWord, WordState> = HashMap::default();
        for (i, e) in lexicon.iter().enumerate() {
            let words: Vec<String> = e.form.split(' ').map(str::to_string).collect();
            let entry = index.entry(words[0].clone()).or_default();
            match words.get(1) {
                Some(second) => entry
                    .longer
                    .entry(second.clone())
                    .or_default()
                    .push((words, i)),
                None => entry.single.push(i),
            }
        }
        // Candidates of one token come longest form first, then in entry order (all the forms
        // that can match one position share their second word; one-word forms come last).
        for v in index.values_mut().flat_map(|f| f.longer.values_mut()) {
            v.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.1.cmp(&b.1)));
        }
        let lemmas: Vec<String> = lexicon.iter().map(|e| crate::lemma(&e.form)).collect();
        let entry_rows = lexicon
            .iter()
            .zip(&lemmas)
            .map(|(e, l)| EntryRows::new(e, l, e.seed && e.gold == 0))
            .collect();
        Self {
            lexicon,
            index,
            lemmas,
            entry_rows,
            cue,
            cue_table: None,
            threshold,
            ext_words: HashSet::default(),
            src: None,
            src_table: None,
        }
    }

    /// The cue classifier, if any.
    pub fn cue(&self) -> Option<&Classifier> {
        self.cue.as_ref()
    }

    /// The source-start ranker, if any.
    pub fn src(&self) -> Option<&Classifier> {
        self.src.as_ref()
    }

    /// Sets the source-start ranker.
    pub fn with_src(mut self, src: Option<Classifier>) -> Self {
        self.src = src;
        self.src_table = None;
        self
    }

    /// The source-start ranker as the stage scores it.
    pub fn src_scorer(&self) -> Option<Scorer<'_>> {
        self.src.as_ref().map(|classifier| Scorer {
            classifier,
            table: self.src_table.as_ref(),
        })
    }

    /// Sets the left-extension words.
    pub fn with_ext(mut self, words: impl IntoIterator<Item = String>) -> Self {
        self.ext_words = words.into_iter().collect();
        self
    }

    /// Decodes a model file's bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, QuoteError> {
        let s: StoredModel = newslens_learn::io::from_bytes(MAGIC, bytes)?;
        let cue = Classifier::from_stored(&s.cue)?;
        let src = s.src.as_ref().map(Classifier::from_stored).transpose()?;
        let mut m = Self::new(s.lexicon, Some(cue), s.threshold)
            .with_ext(s.ext_words)
            .with_src(src);
        // The same weights, read for the stage's scoring loops (`None` leaves the classifiers
        // to score).
        if let Ok(raw) = newslens_learn::io::from_bytes::<RawModel>(MAGIC, bytes) {
            m.cue_table = MarginTable::from_raw(&raw.cue);
            m.src_table = m
                .src
                .as_ref()
                .and(raw.src.as_ref())
                .and_then(MarginTable::from_raw);
        }
        Ok(m)
    }

    /// Reads a model file.
    pub fn load(path: &Path) -> Result<Self, QuoteError> {
        let bytes =
            std::fs::read(path).map_err(|e| QuoteError::Io(path.display().to_string(), e))?;
        Self::from_bytes(&bytes)
    }

    /// Encodes the model.
    pub fn to_bytes(&self) -> Result<Vec<u8>, QuoteError> {
        let cue = self
            .cue
            .as_ref()
            .ok_or_else(|| QuoteError::Model("no cue classifier to save".into()))?;
        let s = StoredModel {
            lexicon: self.lexicon.clone(),
            cue: cue.to_stored(),
            threshold: self.threshold,
            ext_words: {
                let mut w: Vec<String> = self.ext_words.iter().cloned().collect();
                w.sort();
                w
            },
            src: self.src.as_ref().map(Classifier::to_stored),
        };
        Ok(newslens_learn::io::to_bytes(MAGIC, &s)?)
    }

    /// All lexicon matches starting at word tokens, within sentences (overlapping allowed).
    pub fn candidates(&self, v: &View) -> Vec<Candidate> {
        let mut out = Vec::new();
        for i in 0..v.len() {
            if !v.is_word(i) {
                continue;
            }
            let Some(forms) = self.index.get(&*v.lw[i]) else {
                continue;
            };
            let (_, send) = v.sent_range[v.sent_of[i]];
            let longer = if i + 1 < send {
                forms.longer.get(&*v.lw[i + 1])
            } else {
                None
            };
            for (words, e) in longer.into_iter().flatten() {
                let n = words.len();
                if i + n > send {
                    continue;
                }
                if words.iter().enumerate().all(|(k, w)| v.lw[i + k] == **w) {
                    out.push(Candidate {
                        first: i,
                        last: i + n - 1,
                        entry: *e,
                        ext: 0,
                    });
                }
            }
            for &e in &forms.single {
                if i < send {
                    out.push(Candidate {
                        first: i,
                        last: i,
                        entry: e,
                        ext: 0,
                    });
                }
            }
        }
        if !self.ext_words.is_empty() {
            let base = out.len();
            for b in 0..base {
                let c = out[b];
                let ss = v.sent_range[v.sent_of[c.first]].0;
                let mut first = c.first;
                for ext in 1..=2 {
                    if first == ss || !self.ext_words.contains(&*v.lw[first - 1]) {
                        break;
                    }
                    first -= 1;
                    // The lexicon matches are in token order: look among those starting at
                    // `first` only (was a scan of every match of the document).
                    let from = out[..base].partition_point(|o| o.first < first);
                    if out[from..base]
                        .iter()
                        .take_while(|o| o.first == first)
                        .any(|o| o.last == c.last)
                    {
                        continue;
                    }
                    out.push(Candidate { first, ext, ..c });
                }
            }
        }
        out
    }

    /// Classifier margin of a candidate (cue minus no), or the lexicon prior when there is no
    /// classifier.
    pub fn score(&self, v: &View, c: &Candidate, feats: &mut Vec<u32>) -> f32 {
        match &self.cue {
            Some(classifier) => {
                let e = &self.lexicon[c.entry];
                let generic = e.seed && e.gold == 0;
                let rows = self.entry_rows.get(c.entry);
                features_with(v, c, e, &self.lemmas[c.entry], generic, rows, feats);
                Scorer {
                    classifier,
                    table: self.cue_table.as_ref(),
                }
                .margin(feats)
            }
            None => {
                let e = &self.lexicon[c.entry];
                e.gold as f32 / e.occurrences.max(1) as f32 - 0.5
            }
        }
    }

    /// Accepted cues: candidates above the threshold, overlaps resolved by score.
    pub fn cues(&self, v: &View) -> Vec<(Candidate, f32)> {
        let mut feats = Vec::with_capacity(64);
        let mut scored: Vec<(Candidate, f32)> = self
            .candidates(v)
            .into_iter()
            .map(|c| {
                let s = self.score(v, &c, &mut feats);
                (c, s)
            })
            .filter(|(_, s)| *s > self.threshold)
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1));
        let mut taken: Vec<(Candidate, f32)> = Vec::new();
        for (c, s) in scored {
            if taken
                .iter()
                .all(|(t, _)| c.last < t.first || t.last < c.first)
            {
                taken.push((c, s));
            }
        }
        taken.sort_by_key(|(c, _)| c.first);
        taken
    }
}

fn shape(v: &View, i: Option<usize>) -> &'static str {
    let Some(i) = i else { return "<s>" };
    if v.is_mark(i) {
        return "Q";
    }
    let t = v.tok(i);
    match t.chars().next() {
        Some(c) if c.is_uppercase() => "Aa",
        Some(c) if c.is_alphabetic() => "a",
        Some(c) if c.is_numeric() => "0",
        Some(',') => ",",
        Some(':') => ":",
        Some('.') | Some('!') | Some('?') => ".",
        _ => "p",
    }
}

/// Pronouns that are typical subjects of speech verbs.
pub fn is_subject_pronoun(w: &str) -> bool {
    matches!(
        w,
        "he" | "she" | "they" | "i" | "we" | "you" | "it" | "who" | "which"
    )
}

/// Feature rows of a candidate.
///
/// With `generic`, the form-specific features (the words of the cue, its lexicon prior) are left
/// out so the example teaches the context features; used for seed cues never seen in training and,
/// in training, for a share of the seed-cue examples.
pub fn features(v: &View, c: &Candidate, e: &CueEntry, generic: bool, out: &mut Vec<u32>) {
    let lemma = if generic {
        String::new()
    } else {
        crate::lemma(&e.form)
    };
    features_with(v, c, e, &lemma, generic, None, out);
}

/// The rows of a candidate's features that depend only on its lexicon entry, for the
/// entry's own `generic` setting (the form's words, its head, lemma, suffix and the form combined
/// with flags of few values), and the hashes of templates that start with the form; hashed once
/// per model instead of once per candidate. "Form" is the entry's form here: the candidates with
/// extension words (`ext > 0`) hash their longer form as before.
#[derive(Debug, Clone)]
struct EntryRows {
    generic: bool,
    form1: u32,
    head2: u32,
    /// Template 7 after the form; the next word is added per candidate.
    form7: FeatureHash,
    /// Template 10 after the form; the shapes are added per candidate.
    form10: FeatureHash,
    /// Template 12 by "inside a quote".
    in_q12: [u32; 2],
    /// Template 14 by "a quote closes before".
    close14: [u32; 2],
    /// Template 16 by position in the sentence.
    rel16: [u32; 3],
    /// Template 22 after the form; the comma flag is added per candidate.
    form22: FeatureHash,
    suffix24: u32,
    /// Template 31 by number of extension words.
    ext31: [u32; 3],
    lemma34: u32,
}

impl EntryRows {
    fn new(e: &CueEntry, lemma: &str, generic: bool) -> Self {
        let form: &str = if generic { "<seed>" } else { &e.form };
        // The match's last token is the form's last word (candidates match word for word).
        let last = e.form.rsplit(' ').next().unwrap_or("");
        let head = if generic { "<seed>" } else { last };
        let row = |h: FeatureHash| h.row(BITS);
        Self {
            generic,
            form1: row(FeatureHash::new(1).str(form)),
            head2: row(FeatureHash::new(2).str(head)),
            form7: FeatureHash::new(7).str(form),
            form10: FeatureHash::new(10).str(form),
            in_q12: [0, 1].map(|q| row(FeatureHash::new(12).u64(q).str(form))),
            close14: [0, 1].map(|b| row(FeatureHash::new(14).u64(b).str(form))),
            rel16: [0, 1, 2].map(|r| row(FeatureHash::new(16).u64(r).str(form))),
            form22: FeatureHash::new(22).str(form),
            suffix24: row(FeatureHash::new(24).str(if generic { "<seed>" } else { suffix(last) })),
            ext31: [0, 1, 2].map(|x| {
                row(FeatureHash::new(31)
                    .u64(x)
                    .str(if generic { "<seed>" } else { &e.form }))
            }),
            lemma34: row(FeatureHash::new(34).str(lemma)),
        }
    }
}

/// [`features`] with the lemma of `e.form` given (unused when `generic`).
fn features_with(
    v: &View,
    c: &Candidate,
    e: &CueEntry,
    lemma: &str,
    generic: bool,
    rows: Option<&EntryRows>,
    out: &mut Vec<u32>,
) {
    out.clear();
    // Rows hashed in advance serve when they were made for this setting; those of the form
    // only when the candidate's form is the entry's (no extension words).
    let rows = rows.filter(|r| r.generic == generic);
    let form_rows = rows.filter(|_| generic || c.ext == 0);
    let (ss, se) = v.sent_range[v.sent_of[c.first]];
    let at = |k: isize| -> Option<usize> {
        if k < ss as isize || k >= se as isize {
            None
        } else {
            Some(k as usize)
        }
    };
    let w = |k: Option<usize>| -> &str { k.map_or("<s>", |k| &*v.lw[k]) };
    let f = c.first as isize;
    let l = c.last as isize;
    let p1 = at(f - 1);
    let p2 = at(f - 2);
    let n1 = at(l + 1);
    let n2 = at(l + 2);
    let full;
    let form: &str = if generic {
        "<seed>"
    } else if c.ext > 0 {
        full = (c.first..=c.last)
            .map(|k| &*v.lw[k])
            .collect::<Vec<_>>()
            .join(" ");
        &full
    } else {
        &e.form
    };
    let head: &str = if generic { "<seed>" } else { &v.lw[c.last] };
    // Rows pushed by template order; `out` is passed so that precomputed rows can go in too.
    let push = |out: &mut Vec<u32>, h: FeatureHash| out.push(h.row(BITS));
    push(out, FeatureHash::new(0));
    match form_rows {
        Some(r) => out.push(r.form1),
        None => push(out, FeatureHash::new(1).str(form)),
    }
    match rows {
        Some(r) => out.push(r.head2),
        None => push(out, FeatureHash::new(2).str(head)),
    }
    push(out, FeatureHash::new(3).str(w(p1)));
    push(out, FeatureHash::new(4).str(w(p2)));
    push(out, FeatureHash::new(5).str(w(n1)));
    push(out, FeatureHash::new(6).str(w(n2)));
    let h7 = form_rows.map_or_else(|| FeatureHash::new(7).str(form), |r| r.form7.clone());
    push(out, h7.str(w(n1)));
    push(out, FeatureHash::new(8).str(w(p1)).str(form));
    push(out, FeatureHash::new(9).str(shape(v, p1)).str(shape(v, n1)));
    let h10 = form_rows.map_or_else(|| FeatureHash::new(10).str(form), |r| r.form10.clone());
    push(out, h10.str(shape(v, p1)).str(shape(v, n1)));
    push(
        out,
        FeatureHash::new(11).str(shape(v, p2)).str(shape(v, p1)),
    );
    let in_q = v.region_of[c.first].is_some();
    match form_rows {
        Some(r) => out.push(r.in_q12[usize::from(in_q)]),
        None => push(out, FeatureHash::new(12).u64(in_q as u64).str(form)),
    }
    // A quote closes just before / opens just after the candidate.
    let close_before = (1..=6).any(|d| {
        at(f - d).is_some_and(|k| {
            v.is_mark(k) && v.region_of[k].is_some_and(|r| v.regions[r].close == Some(k))
        })
    });
    let open_after = (1..=3).any(|d| {
        at(l + d)
            .is_some_and(|k| v.is_mark(k) && v.region_of[k].is_some_and(|r| v.regions[r].open == k))
    });
    push(
        out,
        FeatureHash::new(13)
            .u64(close_before as u64)
            .u64(open_after as u64),
    );
    match form_rows {
        Some(r) => out.push(r.close14[usize::from(close_before)]),
        None => push(out, FeatureHash::new(14).u64(close_before as u64).str(form)),
    }
    let rel = if c.first == ss {
        0
    } else if c.last + 2 >= se {
        2
    } else {
        1
    };
    push(out, FeatureHash::new(15).u64(rel));
    match form_rows {
        Some(r) => out.push(r.rel16[rel as usize]),
        None => push(out, FeatureHash::new(16).u64(rel).str(form)),
    }
    let prior = if generic {
        11
    } else {
        ((10 * e.gold) / e.occurrences.max(1)).min(10) as u64
    };
    push(out, FeatureHash::new(17).u64(prior));
    push(out, FeatureHash::new(18).u64((c.last - c.first) as u64));
    let cap_before = (1..=4).any(|d| at(f - d).is_some_and(|k| v.is_cap(k) && k != ss));
    push(out, FeatureHash::new(19).u64(cap_before as u64));
    let pron_before = p1.is_some_and(|k| is_subject_pronoun(&v.lw[k]));
    push(out, FeatureHash::new(20).u64(pron_before as u64));
    let comma_before = (1..=5).any(|d| at(f - d).is_some_and(|k| v.lw[k] == ","));
    push(out, FeatureHash::new(21).u64(comma_before as u64).u64(rel));
    let h22 = form_rows.map_or_else(|| FeatureHash::new(22).str(form), |r| r.form22.clone());
    push(out, h22.u64(comma_before as u64));
    // Sentence contains a quote region at all.
    let has_q = v.sent_has_region[v.sent_of[c.first]];
    push(out, FeatureHash::new(23).u64(has_q as u64));
    match rows {
        Some(r) => out.push(r.suffix24),
        None => push(
            out,
            FeatureHash::new(24).str(if generic {
                "<seed>"
            } else {
                suffix(&v.lw[c.last])
            }),
        ),
    }
    push(out, FeatureHash::new(25).str(w(p1)).str(w(n1)));
    let n_in_sent = (se - ss).min(60) / 10;
    push(out, FeatureHash::new(26).u64(n_in_sent as u64));
    match rows.and_then(|r| r.ext31.get(c.ext)) {
        Some(&row) => out.push(row),
        None => push(
            out,
            FeatureHash::new(31)
                .u64(c.ext as u64)
                .str(if generic { "<seed>" } else { &e.form }),
        ),
    }
    if c.ext > 0 {
        push(out, FeatureHash::new(32).str(&v.lw[c.first]));
        push(
            out,
            FeatureHash::new(33).str(&v.lw[c.first]).str(shape(v, p1)),
        );
    }
    if !generic {
        match rows {
            Some(r) => out.push(r.lemma34),
            None => push(out, FeatureHash::new(34).str(lemma)),
        }
    }
    if e.seed {
        push(out, FeatureHash::new(27));
        push(
            out,
            FeatureHash::new(28).str(shape(v, p1)).str(shape(v, n1)),
        );
        push(out, FeatureHash::new(29).u64(rel).u64(close_before as u64));
        push(
            out,
            FeatureHash::new(30)
                .u64(cap_before as u64)
                .u64(pron_before as u64),
        );
    }
}

fn suffix(w: &str) -> &str {
    let n = w.len();
    let mut k = n.saturating_sub(3);
    while !w.is_char_boundary(k) {
        k -= 1;
    }
    &w[k..]
}

#[cfg(test)]
mod margin_tests {
    use newslens_learn::hash::SplitMix64;

    use super::*;

    /// The tables read from the embedded model give the classifiers' margins bit for bit, on
    /// random rows (mostly absent), on present rows only, and on rows beyond the table.
    #[test]
    fn margin_tables_match_the_classifiers() {
        let m = Model::from_bytes(crate::EMBEDDED_MODEL).unwrap();
        let pairs = [
            (m.cue.as_ref().unwrap(), m.cue_table.as_ref().unwrap()),
            (m.src.as_ref().unwrap(), m.src_table.as_ref().unwrap()),
        ];
        let mut rng = SplitMix64::new(7);
        for (c, t) in pairs {
            let present: Vec<u32> = (0..1u32 << BITS)
                .filter(|&r| c.scores(&[r]) != [0.0, 0.0])
                .collect();
            assert!(present.len() > 100);
            for round in 0..3000 {
                let n = 1 + (rng.next_u64() % 60) as usize;
                let f: Vec<u32> = (0..n)
                    .map(|_| match round % 3 {
                        0 => (rng.next_u64() % (1 << BITS)) as u32,
                        1 => present[(rng.next_u64() % present.len() as u64) as usize],
                        _ => (rng.next_u64() % (1 << (BITS + 1))) as u32,
                    })
                    .collect();
                let s = c.scores(&f);
                assert_eq!(t.margin(&f).to_bits(), (s[1] - s[0]).to_bits(), "{f:?}");
            }
        }
    }

    #[test]
    fn models_built_in_memory_score_with_their_classifier() {
        let m = Model::from_bytes(crate::EMBEDDED_MODEL).unwrap();
        let src = m.src().cloned();
        let rebuilt = Model::new(m.lexicon.clone(), m.cue().cloned(), m.threshold).with_src(src);
        assert!(rebuilt.cue_table.is_none() && rebuilt.src_table.is_none());
        let f = [1, 2, 3, 70_000];
        assert_eq!(
            rebuilt.src_scorer().unwrap().margin(&f).to_bits(),
            m.src_scorer().unwrap().margin(&f).to_bits()
        );
    }
}

#[cfg(test)]
mod entry_rows_tests {
    use newslens_core::{Analysis, Document};

    use super::*;

    /// Features with the rows hashed per entry are the features hashed per candidate, for every
    /// candidate (with and without extension words, seed and generic entries).
    #[test]
    fn precomputed_rows_give_the_same_features() {
        let m = Model::from_bytes(crate::EMBEDDED_MODEL).unwrap();
        let text = "Putin said on Friday that the talks had failed. “We will not back down,” \
                    she also said, adding that he has repeatedly complimented the plan. \
                    According to officials, the deal is off. The minister has also described \
                    it as “a disaster”, and he is demanding answers. They told reporters \
                    they believe it, and Smith wrote: “No.” Critics have argued, noted, \
                    warned and insisted that it was wrong, he says.";
        let mut a = Analysis::new(Document::from_text("t", text));
        newslens_text::segment(&mut a);
        let v = View::new(&a);
        let cands = m.candidates(&v);
        assert!(cands.iter().any(|c| c.ext > 0));
        let (mut with, mut without) = (Vec::new(), Vec::new());
        for c in &cands {
            let e = &m.lexicon[c.entry];
            let generic = e.seed && e.gold == 0;
            let lemma = &m.lemmas[c.entry];
            features_with(
                &v,
                c,
                e,
                lemma,
                generic,
                m.entry_rows.get(c.entry),
                &mut with,
            );
            features(&v, c, e, generic, &mut without);
            assert_eq!(with, without, "{c:?} {}", e.form);
            // And the other setting, which the rows were not made for.
            features_with(
                &v,
                c,
                e,
                lemma,
                !generic,
                m.entry_rows.get(c.entry),
                &mut with,
            );
            features(&v, c, e, !generic, &mut without);
            assert_eq!(with, without, "{c:?} {} (generic flipped)", e.form);
        }
    }
}
