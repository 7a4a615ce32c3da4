//! Error types shared by the stages.

use thiserror::Error;

/// Errors raised by the data model itself.
#[derive(Debug, Error)]
pub enum CoreError {
    /// A span was outside the text or not on a character boundary.
    #[error("span {start}..{end} is not valid in a text of {len} bytes")]
    BadSpan {
        /// Start byte.
        start: usize,
        /// End byte.
        end: usize,
        /// Length of the text in bytes.
        len: usize,
    },
    /// JSON (de)serialisation failed.
    #[error("JSON error: {0}")]
    Json(#[from] serde_json::Error),
}

/// An error raised by an annotation stage.
#[derive(Debug, Error)]
#[error("stage `{stage}` failed: {message}")]
pub struct StageError {
    /// Name of the stage ([`crate::Annotator::name`]).
    pub stage: &'static str,
    /// What went wrong.
    pub message: String,
}

impl StageError {
    /// Builds a stage error.
    pub fn new(stage: &'static str, message: impl Into<String>) -> Self {
        Self {
            stage,
            message: message.into(),
        }
    }
}
