//! The bundle of rhetoric models: storage (four files under `models/`), the embedded defaults,
//! and article-level prediction.

use std::borrow::Borrow;
use std::path::Path;
use std::sync::OnceLock;

use newslens_core::layers::rhetoric::{RhetoricLayer, ScoredLabel, TechniqueSpan};
use newslens_core::Span;
use serde_json::{json, Value};

use crate::docmodel::{doc_features, para_evidence_features, DocModel};
use crate::linear::{read_models, write_models, Linear};
use crate::para::ParaModel;
use crate::prep::{Lexicon, Prepared};
use crate::roles::RoleModel;
use crate::si::SiModel;
use crate::taxonomy::to_2023;
use crate::tc::TcModel;
use crate::text::Tok;
use crate::RhetoricError;

/// File names of the four model files.
pub const FILES: [&str; 4] = [
    "rhetoric-spans.bin",
    "rhetoric-para.bin",
    "rhetoric-doc.bin",
    "rhetoric-roles.bin",
];

static EMBEDDED_SPANS: &[u8] = include_bytes!("../../../models/rhetoric-spans.bin");
static EMBEDDED_PARA: &[u8] = include_bytes!("../../../models/rhetoric-para.bin");
static EMBEDDED_DOC: &[u8] = include_bytes!("../../../models/rhetoric-doc.bin");
static EMBEDDED_ROLES: &[u8] = include_bytes!("../../../models/rhetoric-roles.bin");

/// Probability from which a span's second-best technique is also reported.
pub const SECOND_LABEL: f32 = 0.25;

/// All rhetoric models.
#[derive(Debug, Clone)]
pub struct RhetoricModel {
    /// Span identification.
    pub si: SiModel,
    /// Technique classification.
    pub tc: TcModel,
    /// Paragraph techniques.
    pub para: ParaModel,
    /// Frames.
    pub frames: DocModel,
    /// Genre.
    pub genre: DocModel,
    /// Narratives (SemEval-2025).
    pub narratives: DocModel,
    /// Entity roles.
    pub roles: RoleModel,
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn f(v: &Value, d: f32) -> f32 {
    v.as_f64().map_or(d, |x| x as f32)
}

fn take(models: &mut std::vec::IntoIter<Linear>) -> Result<Linear, RhetoricError> {
    models
        .next()
        .ok_or_else(|| RhetoricError::Model("missing weights".into()))
}

impl RhetoricModel {
    /// The models embedded in the binary (parsed once).
    pub fn embedded() -> Result<&'static RhetoricModel, RhetoricError> {
        static M: OnceLock<Result<RhetoricModel, String>> = OnceLock::new();
        M.get_or_init(|| {
            Self::from_bytes([EMBEDDED_SPANS, EMBEDDED_PARA, EMBEDDED_DOC, EMBEDDED_ROLES])
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| RhetoricError::Model(e.clone()))
    }

    /// Loads the four files from a folder (see [`FILES`]).
    pub fn from_dir(dir: &Path) -> Result<Self, RhetoricError> {
        let read = |f: &str| std::fs::read(dir.join(f));
        let b = [
            read(FILES[0])?,
            read(FILES[1])?,
            read(FILES[2])?,
            read(FILES[3])?,
        ];
        Self::from_bytes([&b[0], &b[1], &b[2], &b[3]])
    }

    /// Parses the four files' bytes.
    pub fn from_bytes(b: [&[u8]; 4]) -> Result<Self, RhetoricError> {
        let (h, m) = read_models(b[0])?;
        let mut m = m.into_iter();
        let lex: Lexicon = serde_json::from_value(h["lexicon"].clone())
            .map_err(|e| RhetoricError::Model(format!("lexicon: {e}")))?;
        let lin = take(&mut m)?;
        let mut si = SiModel {
            lin,
            lex,
            threshold: f(&h["threshold"], 0.35),
            min_peak: f(&h["min_peak"], 0.0),
            chunk: None,
            chunk_level: f(&h["chunk_level"], 1.1),
            chunk_new: f(&h["chunk_new"], 1.1),
        };
        let tc = TcModel {
            lin: take(&mut m)?,
            labels: strings(&h["labels"]),
            lin23: take(&mut m)?,
            labels23: strings(&h["labels23"]),
        };
        if h["chunk"].as_bool().unwrap_or(false) {
            si.chunk = Some(take(&mut m)?);
        }
        let (h, m) = read_models(b[1])?;
        let mut m = m.into_iter();
        let para = ParaModel {
            lin: take(&mut m)?,
            labels: strings(&h["labels"]),
            threshold: f(&h["threshold"], 0.3),
        };
        let (h, m) = read_models(b[2])?;
        let mut m = m.into_iter();
        let frames = DocModel {
            lin: take(&mut m)?,
            labels: strings(&h["frames"]["labels"]),
            multi: true,
            threshold: f(&h["frames"]["threshold"], 0.4),
        };
        let genre = DocModel {
            lin: take(&mut m)?,
            labels: strings(&h["genre"]["labels"]),
            multi: false,
            threshold: 0.0,
        };
        let narratives = DocModel {
            lin: take(&mut m)?,
            labels: strings(&h["narratives"]["labels"]),
            multi: true,
            threshold: f(&h["narratives"]["threshold"], 0.4),
        };
        let (h, m) = read_models(b[3])?;
        let mut m = m.into_iter();
        let roles = RoleModel {
            main: take(&mut m)?,
            main_labels: strings(&h["main_labels"]),
            fine: take(&mut m)?,
            fine_labels: strings(&h["fine_labels"]),
            threshold: f(&h["threshold"], 0.4),
        };
        Ok(Self {
            si,
            tc,
            para,
            frames,
            genre,
            narratives,
            roles,
        })
    }

    /// Serialises the four files (same order as [`FILES`]).
    pub fn to_bytes(&self) -> [Vec<u8>; 4] {
        let mut span_models: Vec<&Linear> = vec![&self.si.lin, &self.tc.lin, &self.tc.lin23];
        if let Some(c) = &self.si.chunk {
            span_models.push(c);
        }
        let spans = write_models(
            &json!({
                // Sorted, so the file is byte-identical across runs.
                "lexicon": self.si.lex.iter().collect::<std::collections::BTreeMap<_, _>>(),
                "threshold": self.si.threshold,
                "min_peak": self.si.min_peak,
                "chunk": self.si.chunk.is_some(),
                "chunk_level": self.si.chunk_level,
                "chunk_new": self.si.chunk_new,
                "labels": self.tc.labels,
                "labels23": self.tc.labels23,
            }),
            &span_models,
            1e-3,
        );
        let para = write_models(
            &json!({"labels": self.para.labels, "threshold": self.para.threshold}),
            &[&self.para.lin],
            1e-3,
        );
        let doc = write_models(
            &json!({
                "frames": {"labels": self.frames.labels, "threshold": self.frames.threshold},
                "genre": {"labels": self.genre.labels},
                "narratives": {"labels": self.narratives.labels, "threshold": self.narratives.threshold},
            }),
            &[&self.frames.lin, &self.genre.lin, &self.narratives.lin],
            1e-3,
        );
        let roles = write_models(
            &json!({
                "main_labels": self.roles.main_labels,
                "fine_labels": self.roles.fine_labels,
                "threshold": self.roles.threshold,
            }),
            &[&self.roles.main, &self.roles.fine],
            1e-3,
        );
        [spans, para, doc, roles]
    }

    /// Writes the four files to `dir`.
    pub fn save(&self, dir: &Path) -> Result<(), RhetoricError> {
        std::fs::create_dir_all(dir)?;
        for (name, bytes) in FILES.iter().zip(self.to_bytes()) {
            std::fs::write(dir.join(name), bytes)?;
        }
        Ok(())
    }

    /// Technique spans of a prepared document: `(span, 2020 label, 2023 label, score, sentence
    /// index in `p.sents`)`. A span whose second-best technique is also likely (probability at
    /// least [`SECOND_LABEL`]) is given twice, once per technique, as the corpora annotate it.
    pub fn techniques(&self, p: &Prepared) -> Vec<(Span, String, String, f32, usize)> {
        let preds = self.si.predict(p);
        let spans: Vec<Span> = preds.iter().map(|x| x.span).collect();
        let (probs, probs23) = self.tc.classify_both(p, &spans);
        let mut out = Vec::with_capacity(preds.len());
        for ((sp, pr), p23) in preds.iter().zip(&probs).zip(&probs23) {
            for c in labels_to_give(pr) {
                let label = self.tc.labels.get(c).cloned().unwrap_or_default();
                let l23 = self.to_2023_label(&label, p23);
                out.push((sp.span, label, l23, sp.score * pr[c].sqrt(), sp.sent));
            }
        }
        out
    }

    /// Labels given spans in both taxonomies, with the 2020 label's probability.
    pub fn label_spans(&self, p: &Prepared, spans: &[Span]) -> Vec<(String, String, f32)> {
        let (probs, probs23) = self.tc.classify_both(p, spans);
        probs
            .iter()
            .zip(&probs23)
            .map(|(pr, p23)| {
                let best = (0..pr.len())
                    .max_by(|a, b| pr[*a].total_cmp(&pr[*b]))
                    .unwrap_or(0);
                let label = self.tc.labels.get(best).cloned().unwrap_or_default();
                let l23 = self.to_2023_label(&label, p23);
                (label, l23, pr.get(best).copied().unwrap_or(0.0))
            })
            .collect()
    }

    /// The best 2023 label compatible with a 2020 label.
    fn to_2023_label(&self, label: &str, p23: &[f32]) -> String {
        let allowed = to_2023(label);
        self.tc
            .labels23
            .iter()
            .enumerate()
            .filter(|(_, l)| allowed.contains(&l.as_str()))
            .max_by(|a, b| p23[a.0].total_cmp(&p23[b.0]))
            .map(|(_, l)| l.clone())
            .or_else(|| allowed.first().map(|s| s.to_string()))
            .unwrap_or_default()
    }

    /// Document-level labels: frames (with evidence paragraphs), genre, narratives.
    /// `title` are the title tokens, `paras` the tokens of each paragraph (ids = indexes);
    /// tokens by value or by reference (`A`, `B` = [`Tok`] or `&Tok`).
    pub fn document_labels<A: Borrow<Tok>, B: Borrow<Tok>>(
        &self,
        title: &[A],
        paras: &[Vec<B>],
    ) -> (Vec<ScoredLabel>, Option<ScoredLabel>, Vec<ScoredLabel>) {
        let body: Vec<&[B]> = paras.iter().map(Vec::as_slice).collect();
        let mut feats = Vec::new();
        let scale = doc_features(title, &body, &mut feats);
        let mut pfeats: Vec<Vec<u32>> = Vec::with_capacity(paras.len());
        for p in paras {
            let mut v = Vec::new();
            para_evidence_features(p, &mut v);
            pfeats.push(v);
        }
        let evidence = |m: &DocModel, c: usize| -> Vec<usize> {
            let mut scored: Vec<(usize, f32)> = pfeats
                .iter()
                .enumerate()
                .map(|(i, v)| (i, m.lin.contribution(v, 1.0, c)))
                .filter(|(_, s)| *s > 0.0)
                .collect();
            scored.sort_by(|a, b| b.1.total_cmp(&a.1));
            scored.into_iter().take(2).map(|x| x.0).collect()
        };
        let frames = self
            .frames
            .predict(&feats, scale)
            .into_iter()
            .map(|(c, p)| ScoredLabel {
                label: self.frames.labels[c].clone(),
                score: p,
                evidence_paragraphs: evidence(&self.frames, c),
            })
            .collect();
        let genre = self
            .genre
            .predict(&feats, scale)
            .into_iter()
            .next()
            .map(|(c, p)| ScoredLabel {
                label: self.genre.labels[c].clone(),
                score: p,
                evidence_paragraphs: evidence(&self.genre, c),
            });
        let narratives = self
            .narratives
            .predict(&feats, scale)
            .into_iter()
            .filter(|(c, _)| self.narratives.labels[*c] != "Other")
            .filter(|(_, p)| *p >= self.narratives.threshold)
            .map(|(c, p)| ScoredLabel {
                label: self.narratives.labels[c].clone(),
                score: p,
                evidence_paragraphs: evidence(&self.narratives, c),
            })
            .collect();
        (frames, genre, narratives)
    }

    /// Builds the rhetoric layer of a prepared document (no entity roles; see the stage).
    /// `paras` are the tokens of each paragraph, by value or by reference (`T` = [`Tok`] or
    /// `&Tok`).
    pub fn layer<T: Borrow<Tok>>(
        &self,
        p: &Prepared,
        sentence_ids: &[usize],
        paras: &[Vec<T>],
    ) -> RhetoricLayer {
        let techniques = self
            .techniques(p)
            .into_iter()
            .enumerate()
            .map(|(id, (span, l, l23, score, s))| TechniqueSpan {
                id,
                span,
                technique: l,
                technique_2023: l23,
                score,
                sentence: sentence_ids.get(s).copied().unwrap_or(s),
            })
            .collect();
        let title: Vec<&Tok> = p
            .sents
            .iter()
            .filter(|s| s.title)
            .flat_map(|s| s.toks.iter())
            .collect();
        let (frames, genre, narratives) = self.document_labels(&title, paras);
        RhetoricLayer {
            techniques,
            frames,
            genre,
            entity_roles: Vec::new(),
            narratives,
        }
    }
}

/// The technique classes a span is given, best first: the best one, and the second best too
/// when its probability reaches [`SECOND_LABEL`] (as the corpora annotate such spans twice).
pub(crate) fn labels_to_give(probs: &[f32]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..probs.len()).collect();
    order.sort_by(|a, b| probs[*b].total_cmp(&probs[*a]));
    order.truncate(2);
    if order.len() == 2 && probs[order[1]] < SECOND_LABEL {
        order.truncate(1);
    }
    order
}
