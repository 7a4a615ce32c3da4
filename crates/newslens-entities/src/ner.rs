//! The NER model: an averaged structured perceptron over [`crate::features`], BIO labels for
//! PER/ORG/LOC/MISC, constrained Viterbi decoding; training from CoNLL-2003 files.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use newslens_core::layers::entities::EntityType;
use newslens_learn::hash::SplitMix64;
use newslens_learn::io;
use newslens_learn::sequence::{
    FeatureSeq, SequenceModel, SequenceTrainer, StoredSequenceModel, Viterbi,
};

use crate::features::{DocContext, Extractor};
use crate::gazetteer::{Gazetteer, PhraseTable};
use crate::lexicon::Lexicon;
use crate::{wordtok, EntitiesError};

const MAGIC: &[u8; 8] = b"NLNER001";

/// BIO labels, in label-id order.
pub const LABELS: [&str; 9] = [
    "O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC",
];

/// Entity type of a label id (`None` for `O`).
pub fn label_type(id: usize) -> Option<EntityType> {
    match id {
        1 | 2 => Some(EntityType::Person),
        3 | 4 => Some(EntityType::Organisation),
        5 | 6 => Some(EntityType::Location),
        7 | 8 => Some(EntityType::Misc),
        _ => None,
    }
}

fn is_inside(id: usize) -> bool {
    id > 0 && id & 1 == 0
}

fn label_id(tag: &str) -> usize {
    // IOB1 files use I- at entity starts; treat B/I by the tag itself, unknown as O.
    LABELS.iter().position(|l| *l == tag).unwrap_or(0)
}

/// BIO constraint: I-X only after B-X or I-X.
fn allowed(prev: Option<usize>, next: usize) -> bool {
    if !is_inside(next) {
        return true;
    }
    matches!(prev, Some(p) if p != 0 && (p + 1) >> 1 == (next + 1) >> 1)
}

/// Entity spans `[start, end)` in token indexes from label ids.
pub fn spans(labels: &[usize]) -> Vec<(usize, usize, EntityType)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < labels.len() {
        match label_type(labels[i]) {
            Some(t) => {
                let mut j = i + 1;
                while j < labels.len() && is_inside(labels[j]) && label_type(labels[j]) == Some(t) {
                    j += 1;
                }
                out.push((i, j, t));
                i = j;
            }
            None => i += 1,
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
    lexicon: Lexicon,
    phrases: PhraseTable,
    info: ModelInfo,
}

/// A loaded NER model.
#[derive(Debug, Clone)]
pub struct NerModel {
    seq: SequenceModel,
    lexicon: Lexicon,
    phrases: PhraseTable,
    info: ModelInfo,
}

/// Scratch buffers for tagging without allocation.
#[derive(Debug, Default)]
pub struct Scratch {
    extractor: Extractor,
    feats: FeatureSeq,
    viterbi: Viterbi,
}

impl NerModel {
    /// Decodes a model from bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, EntitiesError> {
        let s: StoredNer = io::from_bytes(MAGIC, bytes)?;
        Ok(Self {
            seq: SequenceModel::from_stored(&s.seq)?,
            lexicon: s.lexicon,
            phrases: s.phrases,
            info: s.info,
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

    /// Labels one sentence; `doc` adds document-level evidence (see [`DocContext`]).
    pub fn tag_sentence<S: AsRef<str>>(
        &self,
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
            self.seq.bits(),
            &mut scratch.feats,
        );
        self.seq
            .decode_with(&mut scratch.viterbi, &scratch.feats, out);
    }

    /// Labels every sentence of a document.
    pub fn tag_document<S: AsRef<str>>(&self, sentences: &[Vec<S>]) -> Vec<Vec<usize>> {
        let doc = DocContext::new(sentences);
        let mut scratch = Scratch::default();
        sentences
            .iter()
            .map(|s| {
                let mut out = Vec::new();
                self.tag_sentence(s, Some(&doc), &mut scratch, &mut out);
                out
            })
            .collect()
    }
}

/// Settings of `newslens train ner`.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    /// CoNLL-2003 training file.
    pub train: PathBuf,
    /// Development file (best epoch is kept).
    pub dev: Option<PathBuf>,
    /// Folder of unlabelled article text (`*.txt` under folders named like `*articles*`,
    /// `text`, `*documents*`), e.g. `../shared/data`; `None` uses only the training words.
    pub unlabelled: Option<PathBuf>,
    /// Maximum epochs.
    pub epochs: usize,
    /// Hash bits of the emission table.
    pub bits: u32,
    /// Random seed.
    pub seed: u64,
}

impl TrainConfig {
    /// Defaults for the given training file.
    pub fn new(train: PathBuf) -> Self {
        Self {
            train,
            dev: None,
            unlabelled: None,
            epochs: 20,
            bits: 20,
            seed: 20_240_616,
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
            pred.push(labels.iter().map(|l| LABELS[*l]).collect::<Vec<_>>());
        }
    }
    newslens_eval::conll::score(&gold, &pred)
}

/// Trains a model. `progress` receives one line per step.
pub fn train(
    cfg: &TrainConfig,
    mut progress: impl FnMut(&str),
) -> Result<(NerModel, TrainReport), EntitiesError> {
    let read = |p: &Path| {
        newslens_eval::conll::read_path(p).map_err(|e| EntitiesError::Data(e.to_string()))
    };
    let train_docs = read(&cfg.train)?;
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
    let phrases = Gazetteer::embedded().phrase_table();

    let mut ex = Extractor::default();
    let mut data = Vec::new();
    for d in &train_docs {
        let sents = doc_sentences(d);
        let ctx = DocContext::new(&sents);
        for (s, words) in d.sentences.iter().zip(&sents) {
            let mut f = FeatureSeq::new();
            ex.extract(words, &lexicon, &phrases, Some(&ctx), cfg.bits, &mut f);
            data.push((f, s.iter().map(|t| label_id(&t.tag)).collect::<Vec<_>>()));
        }
    }
    let labels: Vec<String> = LABELS.iter().map(|s| s.to_string()).collect();
    let mut trainer = SequenceTrainer::new(cfg.bits, labels, allowed);
    let mut rng = SplitMix64::new(cfg.seed);
    let info = ModelInfo {
        train_sentences: data.len(),
        epochs: 0,
        dev_f1: None,
        unlabelled_words,
        lexicon_words: lexicon.len(),
        seed: cfg.seed,
    };
    let mut best: Option<(f64, NerModel)> = None;
    let mut since_best = 0;
    for epoch in 1..=cfg.epochs {
        let errors = trainer.epoch(&data, &mut rng);
        let model = NerModel {
            seq: trainer.model(),
            lexicon: lexicon.clone(),
            phrases: phrases.clone(),
            info: ModelInfo {
                epochs: epoch,
                ..info.clone()
            },
        };
        let line = match &dev_docs {
            Some(dev) => {
                let s = evaluate(&model, dev);
                let line = format!(
                    "epoch {epoch}: {errors} token errors; dev P {:.4} R {:.4} F1 {:.4}",
                    s.precision, s.recall, s.f1
                );
                if best.as_ref().is_none_or(|(f, _)| s.f1 > *f) {
                    report.best_epoch = epoch;
                    report.dev = Some(s.clone());
                    best = Some((s.f1, model));
                    since_best = 0;
                } else {
                    since_best += 1;
                }
                line
            }
            None => {
                report.best_epoch = epoch;
                best = Some((0.0, model));
                format!("epoch {epoch}: {errors} token errors")
            }
        };
        progress(&line);
        report.log.push(line);
        if since_best >= 4 {
            break;
        }
    }
    let (f1, mut model) = best.ok_or_else(|| EntitiesError::Data("no epochs run".into()))?;
    if dev_docs.is_some() {
        model.info.dev_f1 = Some(f1);
    }
    Ok((model, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bio_constraints_and_spans() {
        assert!(allowed(None, 1));
        assert!(!allowed(None, 2));
        assert!(allowed(Some(1), 2));
        assert!(!allowed(Some(3), 2));
        assert!(allowed(Some(4), 4));
        let s = spans(&[1, 2, 0, 5, 3, 4]);
        assert_eq!(
            s,
            vec![
                (0, 2, EntityType::Person),
                (3, 4, EntityType::Location),
                (4, 6, EntityType::Organisation)
            ]
        );
    }
}
