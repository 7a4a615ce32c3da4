//! [`RhetoricStage`]: the pipeline stage that fills `analysis.rhetoric`.

use newslens_core::layers::rhetoric::EntityRole;
use newslens_core::{Analysis, Annotator, Span, StageError};

use crate::model::RhetoricModel;
use crate::prep::Prepared;
use crate::roles::mention_features;
use crate::text::{lines, tokenize, Tok};
use crate::RhetoricError;

/// Largest number of entity clusters given a role per article (the data annotate the main
/// actors only).
const MAX_ROLE_CLUSTERS: usize = 6;

/// The rhetoric stage: technique spans (both taxonomies), frames with evidence paragraphs, genre,
/// narratives, and entity roles for the clusters of `analysis.entities` when present.
///
/// Reads `analysis.sentences` and `analysis.paragraphs` (the text layer); without them it falls
/// back to one sentence per line, the first line being the title. Tokens are re-derived with the
/// stage's own tokenizer inside each sentence, exactly as at training time.
pub struct RhetoricStage {
    model: ModelRef,
}

enum ModelRef {
    Static(&'static RhetoricModel),
    Owned(Box<RhetoricModel>),
}

impl RhetoricStage {
    /// The stage with the models embedded in the binary.
    pub fn new() -> Result<Self, RhetoricError> {
        Ok(Self {
            model: ModelRef::Static(RhetoricModel::embedded()?),
        })
    }

    /// The stage with models loaded from a folder holding the four `rhetoric-*.bin` files.
    pub fn from_path(dir: &std::path::Path) -> Result<Self, RhetoricError> {
        Ok(Self::with_model(RhetoricModel::from_dir(dir)?))
    }

    /// The stage with the given models.
    pub fn with_model(model: RhetoricModel) -> Self {
        Self {
            model: ModelRef::Owned(Box::new(model)),
        }
    }

    /// The models.
    pub fn model(&self) -> &RhetoricModel {
        match &self.model {
            ModelRef::Static(m) => m,
            ModelRef::Owned(m) => m,
        }
    }
}

/// Sentences `(span, is_title)` and their ids, and paragraph spans, from the text layer or
/// (without one) from the lines of the text.
pub(crate) fn units(analysis: &Analysis) -> (Vec<(Span, bool)>, Vec<usize>, Vec<Span>) {
    let text = analysis.text();
    if !analysis.sentences.is_empty() {
        let sents = analysis
            .sentences
            .iter()
            .map(|s| {
                let title = s.paragraph.is_none()
                    && analysis
                        .document
                        .title_span
                        .is_none_or(|t| t.overlaps(&s.span));
                (s.span, title)
            })
            .collect();
        let ids = analysis.sentences.iter().map(|s| s.id).collect();
        let paras = analysis.paragraphs.iter().map(|p| p.span).collect();
        return (sents, ids, paras);
    }
    let ls = lines(text);
    let title_span = analysis.document.title_span;
    let sents: Vec<(Span, bool)> = ls
        .iter()
        .enumerate()
        .map(|(i, s)| (*s, title_span.map_or(i == 0, |t| t.overlaps(s))))
        .collect();
    let paras = sents.iter().filter(|(_, t)| !t).map(|(s, _)| *s).collect();
    let ids = (0..sents.len()).collect();
    (sents, ids, paras)
}

impl Annotator for RhetoricStage {
    fn name(&self) -> &'static str {
        "rhetoric"
    }

    fn annotate(&self, analysis: &mut Analysis) -> Result<(), StageError> {
        let model = self.model();
        let (sents, ids, para_spans) = units(analysis);
        let text = analysis.text();
        let prep = Prepared::new(text, &sents);
        let paras: Vec<Vec<Tok>> = para_spans.iter().map(|s| tokenize(text, *s)).collect();
        let mut layer = model.layer(&prep, &ids, &paras);
        if let Some(ent) = &analysis.entities {
            let mut clusters: Vec<(usize, usize)> = ent
                .clusters
                .iter()
                .map(|c| (c.id, c.mentions.len()))
                .filter(|(_, n)| *n >= 2)
                .collect();
            clusters.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            for (cid, _) in clusters.into_iter().take(MAX_ROLE_CLUSTERS) {
                let mut feats = Vec::new();
                let mut n = 0usize;
                for &m in ent.clusters[cid].mentions.iter().take(3) {
                    if let Some(mention) = ent.mentions.get(m) {
                        mention_features(&prep, mention.span, &mut feats);
                        n += 1;
                    }
                }
                if n == 0 {
                    continue;
                }
                let (main, score, fine) = model.roles.predict(&feats, 1.0 / n as f32);
                layer.entity_roles.push(EntityRole {
                    cluster: cid,
                    main_role: main,
                    fine_roles: fine,
                    score,
                });
            }
        }
        analysis.rhetoric = Some(layer);
        Ok(())
    }
}
