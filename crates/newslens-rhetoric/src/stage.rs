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

/// The tokens of paragraph `para` taken from the prepared sentences, when that gives exactly
/// `tokenize(text, para)`: the sentences inside the paragraph cover it with only whitespace
/// around and between them, and at least one whitespace character between two sentences.
/// The tokenizer never joins across whitespace and starts afresh after it, so tokenizing the
/// paragraph then yields each sentence's tokens in turn. `None` when that does not hold.
fn sentence_tokens<'p>(p: &'p Prepared, para: Span) -> Option<Vec<&'p Tok>> {
    let text = p.text;
    let blank = |a: usize, b: usize| {
        text.get(a..b)
            .is_some_and(|g| g.chars().all(char::is_whitespace))
    };
    text.get(para.start..para.end)?;
    let first = p.sents.partition_point(|s| s.span.start < para.start);
    let mut out = Vec::new();
    let mut pos = para.start;
    for s in p.sents[first..]
        .iter()
        .take_while(|s| s.span.start < para.end)
    {
        let (a, b) = (s.span.start, s.span.end);
        let gap_ok = a >= pos && blank(pos, a) && (pos == para.start || a > pos);
        if !gap_ok || b > para.end || text.get(a..b).is_none() {
            return None;
        }
        out.extend(s.toks.iter());
        pos = b;
    }
    blank(pos, para.end).then_some(out)
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
        // A paragraph's tokens are its sentences' tokens when the sentences tile it (see
        // `sentence_tokens`: no second tokenization); otherwise it is tokenized on its own.
        let tiled: Vec<Option<Vec<&Tok>>> = para_spans
            .iter()
            .map(|s| sentence_tokens(&prep, *s))
            .collect();
        let own: Vec<Vec<Tok>> = para_spans
            .iter()
            .zip(&tiled)
            .map(|(s, t)| match t {
                Some(_) => Vec::new(),
                None => tokenize(text, *s),
            })
            .collect();
        let paras: Vec<Vec<&Tok>> = tiled
            .into_iter()
            .zip(&own)
            .map(|(t, o)| t.unwrap_or_else(|| o.iter().collect()))
            .collect();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraph_tokens_from_tiling_sentences_equal_its_own_tokens() {
        let t = "Title here\n\n  U.S. aid rose.  Then x- fell 3.5%!\nSecond one.Next\n";
        let sp = |a: &str| {
            let i = t.find(a).unwrap_or(0);
            Span::new(i, i + a.len())
        };
        let sents = [
            (sp("Title here"), true),
            (sp("U.S. aid rose."), false),
            (sp("Then x- fell 3.5%!"), false),
            (sp("Second one."), false),
            (sp("Next"), false),
        ];
        let p = Prepared::new(t, &sents);
        // Whitespace around and between the sentences: the sentences' tokens.
        let para = Span::new(sp("Title here").end, sp("3.5%!").end + 1);
        let toks = sentence_tokens(&p, para).expect("tiled");
        let own = tokenize(t, para);
        assert_eq!(toks.len(), own.len());
        assert!(toks.iter().zip(&own).all(|(a, b)| *a == b));
        // Two sentences without a space between them could be one token ("one.Next").
        let para = Span::new(sp("Second one.").start, sp("Next").end);
        assert!(sentence_tokens(&p, para).is_none());
        // Text outside every sentence.
        let para = Span::new(sp("Title here").start, sp("aid").end);
        assert!(sentence_tokens(&p, para).is_none());
    }
}
