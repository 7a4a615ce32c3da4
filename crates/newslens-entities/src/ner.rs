//! The NER model: an averaged structured perceptron over [`crate::features`], BIO labels for
//! PER/ORG/LOC/MISC, constrained Viterbi decoding; training from CoNLL-2003 files.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use newslens_core::layers::entities::EntityType;
use newslens_learn::hash::SplitMix64;
use newslens_learn::io;
use newslens_learn::sequence::{
    FeatureSeq, SequenceModel, SequenceTrainer, StoredSequenceModel, Viterbi,
};
use newslens_learn::weights::WeightsPair;

use crate::features::{DocContext, Extractor, WordCache};
use crate::gazetteer::{Gazetteer, PhraseTable};
use crate::lexicon::Lexicon;
use crate::{wordtok, EntitiesError};

const MAGIC: &[u8; 8] = b"NLNER004";

/// BILOU labels, in label-id order: `O`, then for PER, ORG, LOC, MISC the Begin, Inside,
/// Last and Unit-length labels (id = 1 + 4·type + prefix).
pub const LABELS: [&str; 17] = [
    "O", "B-PER", "I-PER", "L-PER", "U-PER", "B-ORG", "I-ORG", "L-ORG", "U-ORG", "B-LOC", "I-LOC",
    "L-LOC", "U-LOC", "B-MISC", "I-MISC", "L-MISC", "U-MISC",
];

const TYPES: [EntityType; 4] = [
    EntityType::Person,
    EntityType::Organisation,
    EntityType::Location,
    EntityType::Misc,
];
const P_B: usize = 0;
const P_I: usize = 1;
const P_L: usize = 2;
const P_U: usize = 3;

fn split(id: usize) -> Option<(usize, usize)> {
    (id > 0).then(|| ((id - 1) / 4, (id - 1) % 4))
}

/// Entity type of a label id (`None` for `O`).
pub fn label_type(id: usize) -> Option<EntityType> {
    split(id).and_then(|(t, _)| TYPES.get(t).copied())
}

/// The CoNLL (IOB2) tag of a label id: `L-` becomes `I-`, `U-` becomes `B-`.
pub fn bio_tag(id: usize) -> String {
    match split(id) {
        None => "O".into(),
        Some((t, p)) => {
            let pre = if p == P_I || p == P_L { "I" } else { "B" };
            format!("{pre}-{}", TYPES[t].as_str())
        }
    }
}

/// BILOU label ids of one sentence from its CoNLL tags (chunks read as conlleval reads them).
fn bilou_ids<S: AsRef<str>>(tags: &[S]) -> Vec<usize> {
    let mut out = vec![0; tags.len()];
    for c in newslens_eval::conll::chunks(tags) {
        let Some(t) = TYPES.iter().position(|x| x.as_str() == c.kind) else {
            continue;
        };
        let id = |p: usize| 1 + 4 * t + p;
        if c.end - c.start == 1 {
            out[c.start] = id(P_U);
        } else {
            out[c.start] = id(P_B);
            for o in &mut out[c.start + 1..c.end - 1] {
                *o = id(P_I);
            }
            out[c.end - 1] = id(P_L);
        }
    }
    out
}

/// BILOU constraints: I/L continue a B/I of the same type; B/U/O may not follow an open B/I.
fn allowed(prev: Option<usize>, next: usize) -> bool {
    let open = prev.and_then(split).filter(|(_, p)| *p == P_B || *p == P_I);
    match (open, split(next)) {
        (Some((t, _)), Some((u, p))) if p == P_I || p == P_L => t == u,
        (None, Some((_, p))) if p == P_I || p == P_L => false,
        (Some(_), _) => false,
        (None, _) => true,
    }
}

/// Entity spans `[start, end)` in token indexes from label ids.
pub fn spans(labels: &[usize]) -> Vec<(usize, usize, EntityType)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < labels.len() {
        match split(labels[i]) {
            Some((t, p)) if p == P_B || p == P_U => {
                let mut j = i + 1;
                if p == P_B {
                    while j < labels.len() {
                        match split(labels[j]) {
                            Some((u, q)) if u == t && (q == P_I || q == P_L) => {
                                j += 1;
                                if q == P_L {
                                    break;
                                }
                            }
                            _ => break,
                        }
                    }
                }
                out.push((i, j, TYPES[t]));
                i = j;
            }
            _ => i += 1,
        }
    }
    out
}

/// Facts about how a model was trained, stored in the model file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ModelInfo {
    /// Training sentences.
    pub train_sentences: usize,
    /// Epochs run (the best on the dev set is kept).
    pub epochs: usize,
    /// Best dev F1, when a dev file was given.
    pub dev_f1: Option<f64>,
    /// Words of unlabelled text the lexicon was learned from.
    pub unlabelled_words: usize,
    /// Clustered words.
    pub lexicon_words: usize,
    /// Random seed.
    pub seed: u64,
}

#[derive(Serialize, Deserialize)]
struct StoredNer {
    seq: StoredSequenceModel,
    second: Option<StoredSequenceModel>,
    lexicon: Lexicon,
    phrases: PhraseTable,
    info: ModelInfo,
}

/// A loaded NER model.
#[derive(Debug, Clone)]
pub struct NerModel {
    seq: SequenceModel,
    /// Second pass, with first-pass label history of the document as extra features.
    second: Option<SequenceModel>,
    lexicon: Lexicon,
    phrases: PhraseTable,
    info: ModelInfo,
    /// Tells models apart for the word caches of [`Scratch`] (clones share it: same weights).
    id: u64,
    /// Both passes' emission tables side by side (see [`WeightsPair`]): the first-pass rows
    /// are scored by both passes in one sweep. `None` for dense (training-time) tables.
    pair: Option<Arc<WeightsPair>>,
}

/// The [`WeightsPair`] of a model's passes, when it has two with sparse tables.
fn pair_of(seq: &SequenceModel, second: Option<&SequenceModel>) -> Option<Arc<WeightsPair>> {
    WeightsPair::new(seq.emissions(), second?.emissions()).map(Arc::new)
}

/// A fresh [`NerModel::id`].
fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Scratch buffers for tagging without allocation, and a cache of the words seen (their
/// features and the emission sums of their word-only features, per pass) that carries over
/// from one document to the next.
#[derive(Debug, Default)]
pub struct Scratch {
    extractor: Extractor,
    feats: FeatureSeq,
    base: Vec<FeatureSeq>,
    viterbi: Viterbi,
    words: WordCache,
    idx: Vec<usize>,
    emit: Vec<f32>,
    /// Second-pass emission scores of the whole document (token-major).
    emit2: Vec<f32>,
}

thread_local! {
    /// The scratch of [`NerModel::tag_document`], kept per thread so that its word cache
    /// serves every document the thread tags.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl NerModel {
    /// Decodes a model from bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, EntitiesError> {
        let s: StoredNer = io::from_bytes(MAGIC, bytes)?;
        let seq = SequenceModel::from_stored(&s.seq)?;
        let second = s
            .second
            .as_ref()
            .map(SequenceModel::from_stored)
            .transpose()?;
        Ok(Self {
            pair: pair_of(&seq, second.as_ref()),
            seq,
            second,
            lexicon: s.lexicon,
            phrases: s.phrases,
            info: s.info,
            id: next_id(),
        })
    }

    /// Loads a model file.
    pub fn load(path: &Path) -> Result<Self, EntitiesError> {
        Self::from_bytes(&std::fs::read(path).map_err(|e| EntitiesError::Io {
            path: path.display().to_string(),
            source: e,
        })?)
    }

    /// Writes the model file.
    pub fn save(&self, path: &Path) -> Result<(), EntitiesError> {
        let s = StoredNer {
            seq: self.seq.to_stored(),
            second: self.second.as_ref().map(SequenceModel::to_stored),
            lexicon: self.lexicon.clone(),
            phrases: self.phrases.clone(),
            info: self.info.clone(),
        };
        io::save(path, MAGIC, &s)?;
        Ok(())
    }

    /// Case profile of a lowercase word in the unlabelled text (see [`Lexicon::case_bucket`]).
    pub fn case_bucket(&self, lower: &str) -> u8 {
        self.lexicon.case_bucket(lower)
    }

    /// How the model was trained.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// Labels one sentence with the first-pass model only; `doc` adds document-level case
    /// evidence (see [`DocContext`]).
    pub fn tag_sentence<S: AsRef<str>>(
        &self,
        words: &[S],
        doc: Option<&DocContext>,
        scratch: &mut Scratch,
        out: &mut Vec<usize>,
    ) {
        self.tag_with(&self.seq, words, doc, scratch, out);
    }

    fn tag_with<S: AsRef<str>>(
        &self,
        model: &SequenceModel,
        words: &[S],
        doc: Option<&DocContext>,
        scratch: &mut Scratch,
        out: &mut Vec<usize>,
    ) {
        scratch.extractor.extract(
            words,
            &self.lexicon,
            &self.phrases,
            doc,
            model.bits(),
            &mut scratch.feats,
        );
        model.decode_with(&mut scratch.viterbi, &scratch.feats, out);
    }

    /// Labels every sentence of a document (both passes when the model has a second one).
    /// Uses a per-thread [`Scratch`], so words seen in earlier documents are cached.
    pub fn tag_document<S: AsRef<str>>(&self, sentences: &[Vec<S>]) -> Vec<Vec<usize>> {
        SCRATCH.with(|s| match s.try_borrow_mut() {
            Ok(mut scratch) => self.tag_document_with(sentences, &mut scratch),
            Err(_) => self.tag_document_with(sentences, &mut Scratch::default()),
        })
    }

    /// [`NerModel::tag_document`] with the given scratch buffers.
    ///
    /// The labels are those of extracting each sentence's features
    /// ([`Extractor::extract`]), decoding with the first pass, then adding the label history
    /// ([`Extractor::add_history`]) and decoding with the second pass — the way the model was
    /// trained — with the same scores bit for bit, computed with less work:
    /// * the rows of the templates that read only the word itself come first among a token's
    ///   rows, so the partial emission sums of both passes over them are cached per word
    ///   ([`WordCache`]), and frequent words cost one hash lookup instead of a dozen weight
    ///   rows;
    /// * the second pass's sums over the first-pass rows are computed in the first sweep
    ///   (they do not depend on the first pass's labels); the second sweep adds only the
    ///   history rows.
    pub fn tag_document_with<S: AsRef<str>>(
        &self,
        sentences: &[Vec<S>],
        scratch: &mut Scratch,
    ) -> Vec<Vec<usize>> {
        let Scratch {
            extractor,
            feats,
            viterbi,
            words: cache,
            idx,
            emit,
            emit2,
            ..
        } = scratch;
        let bits = self.seq.bits();
        let l1 = self.seq.labels().len();
        let l2 = self.second.as_ref().map_or(0, |m| m.labels().len());
        cache.reset_for(self.id.rotate_left(8) ^ u64::from(bits), l1 + l2);
        let mut doc = DocContext::new(sentences);
        let total: usize = sentences.iter().map(Vec::len).sum();
        emit2.clear();
        emit2.resize(total * l2, 0.0);
        let mut first = Vec::with_capacity(sentences.len());
        let mut at = 0;
        for s in sentences {
            let n = s.len();
            cache.make_room(n);
            idx.clear();
            for w in s {
                idx.push(
                    cache.get_or_insert(w.as_ref(), &self.lexicon, bits, |wf, sums| {
                        let (a, b) = sums.split_at_mut(l1);
                        match (&self.pair, &self.second) {
                            (Some(pair), _) => pair.add_scores(wf.local_rows(), a, b),
                            (None, second) => {
                                self.seq.add_token_emissions(wf.local_rows(), a);
                                if let Some(m) = second {
                                    m.add_token_emissions(wf.local_rows(), b);
                                }
                            }
                        }
                    }),
                );
            }
            let cache = &*cache;
            extractor.extract_context(
                s,
                |i| cache.entry(idx[i]),
                &self.phrases,
                Some(&doc),
                bits,
                feats,
            );
            emit.clear();
            emit.resize(n * l1, 0.0);
            if l1 > 0 {
                for (dst, &k) in emit.chunks_mut(l1).zip(idx.iter()) {
                    copy_labels(dst, &cache.sums(k)[..l1]);
                }
            }
            let e2 = &mut emit2[at * l2..(at + n) * l2];
            if l2 > 0 {
                for (dst, &k) in e2.chunks_mut(l2).zip(idx.iter()) {
                    copy_labels(dst, &cache.sums(k)[l1..]);
                }
            }
            match (&self.pair, &self.second) {
                (Some(pair), _) => pair.add_emissions(feats, emit, e2, viterbi),
                (None, second) => {
                    self.seq.add_emissions(feats, emit, viterbi);
                    if let Some(m) = second {
                        m.add_emissions(feats, e2, viterbi);
                    }
                }
            }
            let mut out = Vec::new();
            self.seq.decode_scores(viterbi, emit, &mut out);
            first.push(out);
            at += n;
        }
        let Some(second) = &self.second else {
            return first;
        };
        doc.set_history(sentences, &types_of(&first));
        let mut at = 0;
        sentences
            .iter()
            .zip(first)
            .map(|(s, mut out)| {
                let n = s.len();
                extractor.history(s, &doc, second.bits(), feats);
                let e2 = &mut emit2[at * l2..(at + n) * l2];
                second.add_emissions(feats, e2, viterbi);
                second.decode_scores(viterbi, e2, &mut out);
                at += n;
                out
            })
            .collect()
    }

    /// [`NerModel::tag_document`] without any caching or sharing of sums: every token's rows
    /// extracted and scored in full for each pass (the reference the fast path must match).
    pub fn tag_document_uncached<S: AsRef<str>>(&self, sentences: &[Vec<S>]) -> Vec<Vec<usize>> {
        let mut scratch = Scratch::default();
        let mut doc = DocContext::new(sentences);
        scratch.base.resize_with(sentences.len(), FeatureSeq::new);
        let mut first = Vec::with_capacity(sentences.len());
        for (s, base) in sentences.iter().zip(scratch.base.iter_mut()) {
            scratch.extractor.extract(
                s,
                &self.lexicon,
                &self.phrases,
                Some(&doc),
                self.seq.bits(),
                base,
            );
            let mut out = Vec::new();
            self.seq.decode_with(&mut scratch.viterbi, base, &mut out);
            first.push(out);
        }
        let Some(second) = &self.second else {
            return first;
        };
        doc.set_history(sentences, &types_of(&first));
        sentences
            .iter()
            .zip(&scratch.base)
            .zip(first)
            .map(|((s, base), mut out)| {
                scratch
                    .extractor
                    .add_history(s, &doc, base, second.bits(), &mut scratch.feats);
                second.decode_with(&mut scratch.viterbi, &scratch.feats, &mut out);
                out
            })
            .collect()
    }
}

/// `dst.copy_from_slice(src)` (same lengths), for [`LABELS`]' length as a fixed-size copy:
/// a few vector moves instead of a `memmove` call per token and pass.
#[inline]
fn copy_labels(dst: &mut [f32], src: &[f32]) {
    const L: usize = LABELS.len();
    if let (Ok(d), Ok(s)) = (
        <&mut [f32; L]>::try_from(&mut *dst),
        <&[f32; L]>::try_from(src),
    ) {
        *d = *s;
        return;
    }
    dst.copy_from_slice(src);
}

/// Entity type index per token (0 = O, 1..=4 = PER/ORG/LOC/MISC) from label ids.
fn types_of(labels: &[Vec<usize>]) -> Vec<Vec<u8>> {
    labels
        .iter()
        .map(|s| {
            s.iter()
                .map(|l| split(*l).map_or(0, |(t, _)| t as u8 + 1))
                .collect()
        })
        .collect()
}

/// Settings of `newslens train ner`.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    /// CoNLL-2003 training file.
    pub train: PathBuf,
    /// More labelled files appended to the training documents (the final model adds the
    /// development file here and trains fixed epochs, since nothing is left to stop on).
    pub more_train: Vec<PathBuf>,
    /// Development file (best epoch is kept).
    pub dev: Option<PathBuf>,
    /// Epochs of the second pass (`epochs` when `None`); without a dev file both are fixed.
    pub epochs2: Option<usize>,
    /// A model whose gazetteer phrase table is reused, so that edits of the gazetteer files
    /// (made for the stage's rules) do not silently change the features of a retrained model.
    pub phrases_from: Option<PathBuf>,
    /// Folder of unlabelled article text (`*.txt` under folders named like `*articles*`,
    /// `text`, `*documents*`), e.g. `../shared/data`; `None` uses only the training words.
    pub unlabelled: Option<PathBuf>,
    /// Maximum epochs.
    pub epochs: usize,
    /// Hash bits of the emission table.
    pub bits: u32,
    /// Random seed.
    pub seed: u64,
    /// Models (shuffling seeds) averaged per pass.
    pub seeds: usize,
}

impl TrainConfig {
    /// Defaults for the given training file.
    pub fn new(train: PathBuf) -> Self {
        Self {
            train,
            more_train: Vec::new(),
            dev: None,
            epochs2: None,
            phrases_from: None,
            unlabelled: None,
            epochs: 25,
            bits: 20,
            seed: 20_240_616,
            seeds: 3,
        }
    }
}

/// Article files under `dir` used as unlabelled text, sorted, duplicates (same bytes) removed.
pub fn unlabelled_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                if !p.ends_with("conll2003-en") {
                    stack.push(p);
                }
            } else if p.extension().is_some_and(|x| x == "txt") {
                let parent = p
                    .parent()
                    .and_then(|x| x.file_name())
                    .map(|x| x.to_string_lossy().to_lowercase())
                    .unwrap_or_default();
                let textual =
                    parent.contains("articles") || parent == "text" || parent.contains("documents");
                if textual && !parent.contains("label") {
                    files.push(p);
                }
            }
        }
    }
    files.sort();
    let mut seen = std::collections::HashSet::new();
    files.retain(|p| {
        std::fs::read(p)
            .map(|b| seen.insert(*blake3::hash(&b).as_bytes()))
            .unwrap_or(false)
    });
    files
}

/// Progress messages and the final figures of a training run.
#[derive(Debug, Clone, Default)]
pub struct TrainReport {
    /// One line per epoch.
    pub log: Vec<String>,
    /// Best epoch (1-based).
    pub best_epoch: usize,
    /// Dev scores of the kept model.
    pub dev: Option<newslens_eval::conll::NerScores>,
}

fn doc_sentences(doc: &newslens_eval::conll::ConllDocument) -> Vec<Vec<&str>> {
    doc.sentences
        .iter()
        .map(|s| s.iter().map(|t| t.word.as_str()).collect())
        .collect()
}

/// Scores `model` on CoNLL documents.
pub fn evaluate(
    model: &NerModel,
    docs: &[newslens_eval::conll::ConllDocument],
) -> newslens_eval::conll::NerScores {
    let mut gold = Vec::new();
    let mut pred = Vec::new();
    for d in docs {
        let sents = doc_sentences(d);
        for (s, labels) in d.sentences.iter().zip(model.tag_document(&sents)) {
            gold.push(s.iter().map(|t| t.tag.clone()).collect::<Vec<_>>());
            pred.push(labels.iter().map(|l| bio_tag(*l)).collect::<Vec<_>>());
        }
    }
    newslens_eval::conll::score(&gold, &pred)
}

type Data = Vec<(FeatureSeq, Vec<usize>)>;

/// Features of every sentence of `docs`; `history` gives first-pass types per document.
fn featurize(
    docs: &[newslens_eval::conll::ConllDocument],
    lexicon: &Lexicon,
    phrases: &PhraseTable,
    bits: u32,
) -> Vec<Data> {
    let mut ex = Extractor::default();
    docs.iter()
        .map(|d| {
            let sents = doc_sentences(d);
            let ctx = DocContext::new(&sents);
            d.sentences
                .iter()
                .zip(&sents)
                .map(|(s, words)| {
                    let mut f = FeatureSeq::new();
                    ex.extract(words, lexicon, phrases, Some(&ctx), bits, &mut f);
                    let tags: Vec<&str> = s.iter().map(|t| t.tag.as_str()).collect();
                    (f, bilou_ids(&tags))
                })
                .collect()
        })
        .collect()
}

/// Second-pass training data: first-pass features plus label history per document.
fn with_history(
    docs: &[newslens_eval::conll::ConllDocument],
    base: &[Data],
    history: &[Vec<Vec<u8>>],
    bits: u32,
) -> Data {
    let mut ex = Extractor::default();
    let mut out = Vec::new();
    for ((d, data), h) in docs.iter().zip(base).zip(history) {
        let sents = doc_sentences(d);
        let mut ctx = DocContext::new(&sents);
        ctx.set_history(&sents, h);
        for (words, (f, gold)) in sents.iter().zip(data) {
            let mut g = FeatureSeq::new();
            ex.add_history(words, &ctx, f, bits, &mut g);
            out.push((g, gold.clone()));
        }
    }
    out
}

fn new_trainer(bits: u32) -> SequenceTrainer {
    let labels: Vec<String> = LABELS.iter().map(|s| s.to_string()).collect();
    SequenceTrainer::new(bits, labels, allowed)
}

/// Trains one pass with `cfg.seeds` shuffling seeds (early stopping on the dev set per
/// seed) and returns the mean of the models, with the largest best epoch.
#[allow(clippy::too_many_arguments)]
fn train_pass_averaged(
    data: &Data,
    cfg: &TrainConfig,
    epochs: usize,
    dev_f1: &mut dyn FnMut(SequenceModel) -> Option<(f64, String)>,
    name: &str,
    report: &mut TrainReport,
    progress: &mut dyn FnMut(&str),
) -> (SequenceModel, usize) {
    let mut models = Vec::new();
    let mut best_epoch = 0;
    for k in 0..cfg.seeds.max(1) {
        let c = TrainConfig {
            seed: cfg.seed.wrapping_add(k as u64 * 7919),
            ..cfg.clone()
        };
        let (m, e) = train_pass(
            data,
            &c,
            epochs,
            &mut *dev_f1,
            &format!("{name} seed {}", k + 1),
            report,
            progress,
        );
        models.push(m);
        best_epoch = best_epoch.max(e);
    }
    let m = SequenceModel::mean(&models).unwrap_or_else(|| models.swap_remove(0));
    if let Some((_, msg)) = dev_f1(m.clone()) {
        let line = format!("{name} mean of {} seeds: dev {msg}", models.len().max(1));
        progress(&line);
        report.log.push(line);
    }
    (m, best_epoch)
}

/// Trains one pass with early stopping on `dev_f1` (when given) and returns the best model.
fn train_pass(
    data: &Data,
    cfg: &TrainConfig,
    epochs: usize,
    dev_f1: &mut dyn FnMut(SequenceModel) -> Option<(f64, String)>,
    name: &str,
    report: &mut TrainReport,
    progress: &mut dyn FnMut(&str),
) -> (SequenceModel, usize) {
    let mut trainer = new_trainer(cfg.bits);
    let mut rng = SplitMix64::new(cfg.seed);
    let mut best: Option<(f64, SequenceModel, usize)> = None;
    let mut since_best = 0;
    for epoch in 1..=epochs {
        let errors = trainer.epoch(data, &mut rng);
        let model = trainer.model();
        let mut line = format!("{name} epoch {epoch}: {errors} token errors");
        let f1 = match dev_f1(model.clone()) {
            Some((f1, msg)) => {
                line += &format!("; dev {msg}");
                f1
            }
            None => epoch as f64,
        };
        if best.as_ref().is_none_or(|(b, _, _)| f1 > *b) {
            best = Some((f1, model, epoch));
            since_best = 0;
        } else {
            since_best += 1;
        }
        progress(&line);
        report.log.push(line);
        if since_best >= 8 {
            break;
        }
    }
    match best {
        Some((_, m, e)) => (m, e),
        None => (trainer.model(), 0),
    }
}

/// Trains a model. `progress` receives one line per step.
///
/// Two passes: the first uses local and document-case features; the second adds the first
/// pass's label history of each word in the document. The second pass is trained on first-pass
/// labels of the training set produced by 4-fold jackknifing, so it sees realistic first-pass
/// mistakes.
pub fn train(
    cfg: &TrainConfig,
    mut progress: impl FnMut(&str),
) -> Result<(NerModel, TrainReport), EntitiesError> {
    let progress: &mut dyn FnMut(&str) = &mut progress;
    let read = |p: &Path| {
        newslens_eval::conll::read_path(p).map_err(|e| EntitiesError::Data(e.to_string()))
    };
    let mut train_docs = read(&cfg.train)?;
    for p in &cfg.more_train {
        train_docs.extend(read(p)?);
    }
    let dev_docs = match &cfg.dev {
        Some(p) => Some(read(p)?),
        None => None,
    };
    let mut report = TrainReport::default();

    // Unlabelled text: the articles plus the training words (not the dev words).
    let texts: Vec<String> = cfg
        .unlabelled
        .as_deref()
        .map(unlabelled_files)
        .unwrap_or_default()
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    let mut unl: Vec<Vec<&str>> = texts.iter().flat_map(|t| wordtok::sentences(t)).collect();
    for d in &train_docs {
        unl.extend(doc_sentences(d));
    }
    let unlabelled_words: usize = unl.iter().map(Vec::len).sum();
    progress(&format!(
        "lexicon: {} articles, {} sentences, {} words",
        texts.len(),
        unl.len(),
        unlabelled_words
    ));
    let lexicon = Lexicon::build(&unl, cfg.seed);
    drop(unl);
    progress(&format!("lexicon: {} clustered words", lexicon.len()));
    let phrases = match &cfg.phrases_from {
        Some(p) => NerModel::load(p)?.phrases,
        None => Gazetteer::embedded().phrase_table(),
    };
    let info = ModelInfo {
        train_sentences: train_docs.iter().map(|d| d.sentences.len()).sum(),
        epochs: 0,
        dev_f1: None,
        unlabelled_words,
        lexicon_words: lexicon.len(),
        seed: cfg.seed,
    };
    let make = |seq: SequenceModel, second: Option<SequenceModel>| NerModel {
        pair: pair_of(&seq, second.as_ref()),
        seq,
        second,
        lexicon: lexicon.clone(),
        phrases: phrases.clone(),
        info: info.clone(),
        id: next_id(),
    };

    // Pass 1.
    let per_doc = featurize(&train_docs, &lexicon, &phrases, cfg.bits);
    let data1: Data = per_doc.iter().flatten().cloned().collect();
    let mut dev_eval1 = |m: SequenceModel| {
        let s = evaluate(&make(m, None), dev_docs.as_deref()?);
        Some((
            s.f1,
            format!("P {:.4} R {:.4} F1 {:.4}", s.precision, s.recall, s.f1),
        ))
    };
    let (first, best1) = train_pass_averaged(
        &data1,
        cfg,
        cfg.epochs,
        &mut dev_eval1,
        "pass 1",
        &mut report,
        progress,
    );
    drop(data1);

    // Jackknifed first-pass labels of the training documents.
    const FOLDS: usize = 4;
    let mut history: Vec<Vec<Vec<u8>>> = vec![Vec::new(); train_docs.len()];
    for fold in 0..FOLDS {
        let data: Data = per_doc
            .iter()
            .enumerate()
            .filter(|(k, _)| k % FOLDS != fold)
            .flat_map(|(_, d)| d.iter().cloned())
            .collect();
        let (m, _) = train_pass(
            &data,
            cfg,
            best1.max(1),
            &mut |_| None,
            &format!("fold {}", fold + 1),
            &mut report,
            progress,
        );
        let fold_model = make(m, None);
        for (k, d) in train_docs.iter().enumerate() {
            if k % FOLDS == fold {
                history[k] = types_of(&fold_model.tag_document(&doc_sentences(d)));
            }
        }
    }
    let data2 = with_history(&train_docs, &per_doc, &history, cfg.bits);
    drop(per_doc);
    let mut dev_eval2 = |m: SequenceModel| {
        let s = evaluate(&make(first.clone(), Some(m)), dev_docs.as_deref()?);
        Some((
            s.f1,
            format!("P {:.4} R {:.4} F1 {:.4}", s.precision, s.recall, s.f1),
        ))
    };
    let (second, best2) = train_pass_averaged(
        &data2,
        cfg,
        cfg.epochs2.unwrap_or(cfg.epochs),
        &mut dev_eval2,
        "pass 2",
        &mut report,
        progress,
    );
    let mut model = make(first, Some(second));
    model.info.epochs = best2;
    report.best_epoch = best2;
    if let Some(dev) = &dev_docs {
        let s = evaluate(&model, dev);
        model.info.dev_f1 = Some(s.f1);
        report.dev = Some(s);
    }
    Ok((model, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sentences written for this test in the style of the seed article (headline included).
    fn document() -> Vec<Vec<String>> {
        let text = "KREMLIN HOSTS TALKS ON GRAIN CORRIDOR\n\
            Russian Foreign Minister Pavel Orlov met his Turkish counterpart Selin Aydin in \
            Moscow on Tuesday, the ministry said. Orlov told reporters that the United Nations \
            would send observers to Odesa. \"We are ready to talk,\" Aydin said after the \
            meeting, adding that Ankara and the UN had agreed on a timetable. The Russian \
            minister said the corridor would reopen in May 2026 if shipping insurers in London \
            agreed. Dr. Ines McDonald-Kerr, an economist at the World Bank, said prices of \
            wheat rose 4.5% after the announcement.";
        crate::wordtok::sentences(text)
            .into_iter()
            .map(|s| s.into_iter().map(str::to_string).collect())
            .collect()
    }

    fn model() -> std::sync::Arc<NerModel> {
        crate::stage::default_model().expect("embedded model")
    }

    #[test]
    fn cached_emissions_are_the_full_sums_bit_for_bit() {
        let m = model();
        let doc = document();
        let ctx = DocContext::new(&doc);
        let (l1, l2) = (m.seq.labels().len(), 17);
        let second = m.second.as_ref().expect("two-pass model");
        let mut ex = Extractor::default();
        let mut cache = WordCache::default();
        cache.reset_for(1, l1 + l2);
        let (mut full, mut ctx_rows, mut vit) =
            (FeatureSeq::new(), FeatureSeq::new(), Viterbi::default());
        let mut compared = 0;
        for s in &doc {
            ex.extract(
                s,
                &m.lexicon,
                &m.phrases,
                Some(&ctx),
                m.seq.bits(),
                &mut full,
            );
            let idx: Vec<usize> = s
                .iter()
                .map(|w| {
                    cache.get_or_insert(w, &m.lexicon, m.seq.bits(), |wf, sums| {
                        let (a, b) = sums.split_at_mut(l1);
                        m.seq.add_token_emissions(wf.local_rows(), a);
                        second.add_token_emissions(wf.local_rows(), b);
                    })
                })
                .collect();
            ex.extract_context(
                s,
                |i| cache.entry(idx[i]),
                &m.phrases,
                Some(&ctx),
                m.seq.bits(),
                &mut ctx_rows,
            );
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            let mut wants = Vec::new();
            for (model, range) in [(&m.seq, 0..l1), (second, l1..l1 + l2)] {
                let mut want = vec![0.0f32; s.len() * range.len()];
                model.add_emissions(&full, &mut want, &mut vit);
                let mut got: Vec<f32> = idx
                    .iter()
                    .flat_map(|&k| cache.sums(k)[range.clone()].to_vec())
                    .collect();
                model.add_emissions(&ctx_rows, &mut got, &mut vit);
                assert_eq!(bits(&got), bits(&want));
                assert!(want.iter().any(|x| *x != 0.0));
                compared += want.len();
                wants.push(want);
            }
            // Both passes at once from the paired tables, word sums included.
            let pair = m.pair.as_ref().expect("paired tables");
            let (mut a, mut b) = (vec![0.0f32; s.len() * l1], vec![0.0f32; s.len() * l2]);
            for ((k, a), b) in idx.iter().zip(a.chunks_mut(l1)).zip(b.chunks_mut(l2)) {
                pair.add_scores(cache.entry(*k).local_rows(), a, b);
            }
            pair.add_emissions(&ctx_rows, &mut a, &mut b, &mut vit);
            assert_eq!(bits(&a), bits(&wants[0]));
            assert_eq!(bits(&b), bits(&wants[1]));
            // Local rows first, then the context rows, token by token.
            for (i, &k) in idx.iter().enumerate() {
                let wf = cache.entry(k);
                assert_eq!(
                    [wf.local_rows(), ctx_rows.token(i)].concat(),
                    full.token(i),
                    "token {i} of {s:?}"
                );
            }
        }
        assert!(compared > 1000);
    }

    #[test]
    fn cached_tagging_matches_the_uncached_reference() {
        let m = model();
        let doc = document();
        let want = m.tag_document_uncached(&doc);
        assert!(
            want.iter().flatten().any(|l| *l != 0),
            "some entities found"
        );
        let mut scratch = Scratch::default();
        // Cold cache, then warm (every word cached), then another model's cache.
        assert_eq!(m.tag_document_with(&doc, &mut scratch), want);
        assert_eq!(m.tag_document_with(&doc, &mut scratch), want);
        assert_eq!(m.tag_document(&doc), want);
        assert!(m.pair.is_some(), "the embedded model's passes are paired");
        let first_pass_only = NerModel {
            second: None,
            id: next_id(),
            pair: None,
            ..(*m).clone()
        };
        let want1 = first_pass_only.tag_document_uncached(&doc);
        assert_eq!(first_pass_only.tag_document_with(&doc, &mut scratch), want1);
        assert_eq!(m.tag_document_with(&doc, &mut scratch), want);
        // More distinct words than the cache holds: it is emptied between sentences.
        let mut big = doc.clone();
        for k in 0..(WordCache::CAPACITY / 20 + 10) {
            big.push(
                (0..25)
                    .map(|j| format!("Word{k}x{j}"))
                    .chain(["said".to_string(), ".".to_string()])
                    .collect(),
            );
            big.push(doc[1].clone());
        }
        assert_eq!(
            m.tag_document_with(&big, &mut scratch),
            m.tag_document_uncached(&big)
        );
    }

    #[test]
    fn bilou_constraints_spans_and_tags() {
        let ids = bilou_ids(&["B-PER", "I-PER", "I-PER", "O", "B-LOC", "B-ORG", "I-ORG"]);
        assert_eq!(ids, vec![1, 2, 3, 0, 12, 5, 7]);
        assert!(allowed(None, 1));
        assert!(!allowed(None, 2));
        assert!(allowed(Some(1), 2));
        assert!(allowed(Some(2), 3));
        assert!(!allowed(Some(1), 7), "L-ORG cannot close B-PER");
        assert!(!allowed(Some(1), 0), "B-PER must be closed");
        assert!(allowed(Some(3), 12));
        assert_eq!(
            spans(&ids),
            vec![
                (0, 3, EntityType::Person),
                (4, 5, EntityType::Location),
                (5, 7, EntityType::Organisation)
            ]
        );
        let tags: Vec<String> = ids.iter().map(|i| bio_tag(*i)).collect();
        assert_eq!(
            tags,
            ["B-PER", "I-PER", "I-PER", "O", "B-LOC", "B-ORG", "I-ORG"]
        );
    }
}
