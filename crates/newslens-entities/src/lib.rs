//! # newslens-entities
//!
//! Named-entity recognition (PER/ORG/LOC/MISC) with a model trained by the project itself
//! ([`ner`]), gazetteers written from facts ([`gazetteer`]), distributional word features
//! ([`lexicon`]), and the entity stage.

pub mod bench;
pub mod doc;
pub mod features;
pub mod gazetteer;
pub mod lexicon;
pub mod ner;
pub mod stage;
pub mod wordtok;

use thiserror::Error;

pub use stage::EntityStage;

/// Errors of the entities crate.
#[derive(Debug, Error)]
pub enum EntitiesError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A model file is invalid.
    #[error(transparent)]
    Model(#[from] newslens_learn::LearnError),
    /// Training or evaluation data is invalid.
    #[error("data: {0}")]
    Data(String),
}
