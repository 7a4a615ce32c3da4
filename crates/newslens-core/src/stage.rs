//! The seam between stages: each stage is an [`Annotator`] that reads the layers before it and adds
//! its own to the [`Analysis`].

use crate::{Analysis, StageError};

/// One stage of the pipeline.
///
/// A stage reads the document and any earlier layers from `analysis` and fills in its own layer.
/// It must not modify layers owned by other stages; the pipeline runs stages in dependency order.
pub trait Annotator: Send + Sync {
    /// Short, stable name used by `--only` and in error messages (e.g. `"entities"`).
    fn name(&self) -> &'static str;

    /// Names of the stages whose layers this one reads.
    fn requires(&self) -> &'static [&'static str] {
        &[]
    }

    /// Adds this stage's layer to `analysis`.
    fn annotate(&self, analysis: &mut Analysis) -> Result<(), StageError>;
}
