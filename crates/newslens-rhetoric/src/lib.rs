//! Persuasion techniques, framing, genre and entity roles for newslens.
//!
//! * [`si`]: span identification (token classifier → spans);
//! * [`tc`]: technique classification of spans, in the SemEval-2020 (14) and SemEval-2023 (23)
//!   taxonomies ([`taxonomy`] documents the mapping);
//! * [`para`]: paragraph-level techniques (SemEval-2023 subtask 3);
//! * [`docmodel`]: frames, genre and narratives per article, with evidence paragraphs;
//! * [`roles`]: entity roles (SemEval-2025 Task 10);
//! * [`stage::RhetoricStage`]: the pipeline stage filling `analysis.rhetoric`;
//! * [`train`]: deterministic training and cross-validation from the shared data.
//!
//! All models are hashed linear models ([`linear`]) trained by the project; the defaults are
//! embedded in the binary.

pub mod accurate;
pub mod data;
pub mod docmodel;
pub mod evaluate;
pub mod linear;
pub mod model;
pub mod para;
pub mod prep;
pub mod roles;
pub mod senti;
pub mod si;
pub mod stage;
pub mod taxonomy;
pub mod tc;
pub mod text;
pub mod train;

pub use model::RhetoricModel;
pub use stage::RhetoricStage;

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum RhetoricError {
    /// A model file could not be read.
    #[error("rhetoric model: {0}")]
    Model(String),
    /// Training data could not be read.
    #[error("rhetoric data: {0}")]
    Data(String),
    /// Reader error.
    #[error(transparent)]
    Eval(#[from] newslens_eval::ptc::DataError),
    /// I/O.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}
