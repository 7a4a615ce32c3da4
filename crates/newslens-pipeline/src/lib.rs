//! # newslens-pipeline
//!
//! The one place where stages are assembled, so `newslens analyze --only entities,quotes`, `ingest`
//! and the server share a code path. The text layer always runs first; the other stages run in
//! dependency order, each adding its layer through [`Annotator`].

use std::path::PathBuf;

use newslens_core::{Analysis, Annotator, Document, StageError};
use thiserror::Error;

/// Stage names in the order they run.
pub const STAGE_ORDER: &[&str] = &["text", "entities", "quotes", "time", "events", "rhetoric"];

/// Errors building or running a pipeline.
#[derive(Debug, Error)]
pub enum PipelineError {
    /// `--only` named a stage that does not exist.
    #[error("unknown stage `{0}` (known: {known})", known = STAGE_ORDER.join(", "))]
    UnknownStage(String),
    /// A stage could not be loaded (bad model file, ...).
    #[error("cannot load stage `{stage}`: {message}")]
    Load {
        /// Stage name.
        stage: &'static str,
        /// What went wrong.
        message: String,
    },
    /// A stage failed on a document.
    #[error(transparent)]
    Stage(#[from] StageError),
}

/// What to build.
#[derive(Debug, Clone, Default)]
pub struct PipelineOptions {
    /// Only these stages (plus the ones they require); `None` = all.
    pub only: Option<Vec<String>>,
    /// NER model file overriding the embedded one.
    pub ner_model: Option<PathBuf>,
}

/// An assembled pipeline. Cheap to share across threads (`&Pipeline` is `Sync`).
pub struct Pipeline {
    stages: Vec<Box<dyn Annotator>>,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("stages", &self.stage_names())
            .finish()
    }
}

/// Which stages a request needs: the requested ones plus what they require, in run order.
fn wanted(only: &Option<Vec<String>>) -> Result<Vec<&'static str>, PipelineError> {
    let Some(only) = only else {
        return Ok(STAGE_ORDER.to_vec());
    };
    let mut want: Vec<&'static str> = vec!["text"];
    for name in only {
        let n = name.trim();
        if n.is_empty() {
            continue;
        }
        let s = STAGE_ORDER
            .iter()
            .find(|s| **s == n)
            .ok_or_else(|| PipelineError::UnknownStage(n.to_string()))?;
        want.push(s);
        for dep in requirements(s) {
            want.push(dep);
        }
    }
    Ok(STAGE_ORDER
        .iter()
        .copied()
        .filter(|s| want.contains(s))
        .collect())
}

/// Stages whose layers a stage reads (besides text).
fn requirements(stage: &str) -> &'static [&'static str] {
    match stage {
        "quotes" => &["entities"],
        "events" => &["entities", "time", "quotes"],
        "rhetoric" => &["entities"],
        _ => &[],
    }
}

impl Pipeline {
    /// Builds the pipeline, loading each requested stage's model.
    pub fn new(opts: &PipelineOptions) -> Result<Self, PipelineError> {
        let mut stages: Vec<Box<dyn Annotator>> = Vec::new();
        for name in wanted(&opts.only)? {
            if let Some(stage) = build_stage(name, opts)? {
                stages.push(stage);
            }
        }
        Ok(Self { stages })
    }

    /// Replaces the stage with the same name as `stage` (e.g. the rhetoric stage in accurate
    /// mode); returns `false`, leaving the pipeline unchanged, when no such stage runs.
    pub fn replace_stage(&mut self, stage: Box<dyn Annotator>) -> bool {
        match self.stages.iter_mut().find(|s| s.name() == stage.name()) {
            Some(slot) => {
                *slot = stage;
                true
            }
            None => false,
        }
    }

    /// Names of the stages that will run, text first.
    pub fn stage_names(&self) -> Vec<&'static str> {
        std::iter::once("text")
            .chain(self.stages.iter().map(|s| s.name()))
            .collect()
    }

    /// Runs every stage on `doc`.
    pub fn run(&self, doc: Document) -> Result<Analysis, PipelineError> {
        self.run_inner(doc, None)
    }

    /// Runs every stage on `doc`, adding each stage's wall time to `timings` (same order as
    /// [`Pipeline::stage_names`]); used by `newslens bench` to report the cost of each stage.
    pub fn run_profiled(
        &self,
        doc: Document,
        timings: &mut [std::time::Duration],
    ) -> Result<Analysis, PipelineError> {
        self.run_inner(doc, Some(timings))
    }

    fn run_inner(
        &self,
        doc: Document,
        mut timings: Option<&mut [std::time::Duration]>,
    ) -> Result<Analysis, PipelineError> {
        let mut clock = std::time::Instant::now();
        let mut tick = |i: usize, timings: &mut Option<&mut [std::time::Duration]>| {
            if let Some(t) = timings.as_deref_mut() {
                let now = std::time::Instant::now();
                if let Some(slot) = t.get_mut(i) {
                    *slot += now - clock;
                }
                clock = now;
            }
        };
        let mut analysis = Analysis::new(doc);
        newslens_text::segment(&mut analysis);
        analysis.stages.push("text".into());
        tick(0, &mut timings);
        for (i, stage) in self.stages.iter().enumerate() {
            // A bug in a stage fails its document, not the whole run: an ingest of 100,000
            // articles reports the one and goes on (the default hook still prints the panic).
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                stage.annotate(&mut analysis)
            }))
            .map_err(|payload| {
                let what = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                StageError::new(stage.name(), format!("internal error (a bug): {what}"))
            })??;
            analysis.stages.push(stage.name().into());
            tick(i + 1, &mut timings);
        }
        Ok(analysis)
    }
}

/// Builds one stage by name; `None` for stages without an implementation in this build.
fn build_stage(
    name: &'static str,
    opts: &PipelineOptions,
) -> Result<Option<Box<dyn Annotator>>, PipelineError> {
    let load = |e: &dyn std::fmt::Display| PipelineError::Load {
        stage: name,
        message: e.to_string(),
    };
    // Each arm constructs one stage with its embedded default model.
    let stage: Option<Box<dyn Annotator>> = match name {
        "entities" => Some(match &opts.ner_model {
            Some(path) => {
                Box::new(newslens_entities::EntityStage::from_path(path).map_err(|e| load(&e))?)
            }
            None => Box::new(newslens_entities::EntityStage::new().map_err(|e| load(&e))?),
        }),
        "quotes" => Some(Box::new(newslens_quotes::QuoteStage::new())),
        "time" => Some(Box::new(
            newslens_time::TimeStage::try_new().map_err(|e| load(&e))?,
        )),
        "events" => Some(Box::new(
            newslens_events::EventStage::new().map_err(|e| load(&e))?,
        )),
        "rhetoric" => Some(Box::new(
            newslens_rhetoric::RhetoricStage::new().map_err(|e| load(&e))?,
        )),
        _ => None,
    };
    Ok(stage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_adds_requirements_in_order() {
        let w = wanted(&Some(vec!["quotes".into()])).unwrap();
        assert_eq!(w, vec!["text", "entities", "quotes"]);
        assert!(matches!(
            wanted(&Some(vec!["nope".into()])),
            Err(PipelineError::UnknownStage(_))
        ));
    }

    struct Marker;
    impl Annotator for Marker {
        fn name(&self) -> &'static str {
            "rhetoric"
        }
        fn annotate(&self, a: &mut Analysis) -> Result<(), StageError> {
            a.rhetoric = Some(Default::default());
            Ok(())
        }
    }

    #[test]
    fn replace_stage_swaps_by_name() {
        let mut p = Pipeline::new(&PipelineOptions {
            only: Some(vec!["rhetoric".into()]),
            ..Default::default()
        })
        .unwrap();
        assert!(p.replace_stage(Box::new(Marker)));
        assert_eq!(p.stage_names(), vec!["text", "entities", "rhetoric"]);
        let a = p.run(Document::from_text("x", "One sentence.")).unwrap();
        assert_eq!(a.rhetoric, Some(Default::default()));
        let mut q = Pipeline::new(&PipelineOptions {
            only: Some(vec!["time".into()]),
            ..Default::default()
        })
        .unwrap();
        assert!(!q.replace_stage(Box::new(Marker)));
        assert_eq!(q.stage_names(), vec!["text", "time"]);
    }

    #[test]
    fn runs_text_layer() {
        let p = Pipeline::new(&PipelineOptions::default()).unwrap();
        let a = p
            .run(Document::from_text("x", "One sentence. Two sentences."))
            .unwrap();
        assert_eq!(a.sentences.len(), 2);
        assert_eq!(a.stages[0], "text");
    }

    struct Buggy;
    impl Annotator for Buggy {
        fn name(&self) -> &'static str {
            "rhetoric"
        }
        fn annotate(&self, a: &mut Analysis) -> Result<(), StageError> {
            let v: Vec<usize> = Vec::new();
            // An index past the end, as a stage bug would make.
            let _ = v[a.sentences.len()];
            Ok(())
        }
    }

    #[test]
    fn a_panicking_stage_fails_its_document_only() {
        let mut p = Pipeline::new(&PipelineOptions {
            only: Some(vec!["rhetoric".into()]),
            ..Default::default()
        })
        .unwrap();
        assert!(p.replace_stage(Box::new(Buggy)));
        let err = p
            .run(Document::from_text("x", "One sentence."))
            .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("rhetoric") && msg.contains("index out of bounds"),
            "{msg}"
        );
        // The pipeline is still usable for the next document.
        let err = p.run(Document::from_text("y", "Two. Three.")).unwrap_err();
        assert!(err.to_string().contains("internal error"), "{err}");
    }
}
