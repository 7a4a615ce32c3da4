//! # newslens-learn
//!
//! Small, fast, deterministic learners shared by the newslens stages:
//!
//! * [`hash`]: feature hashing ([`hash::FeatureHash`]) straight to weight-table rows, and a seeded
//!   generator ([`hash::SplitMix64`]) for reproducible shuffling;
//! * [`multiclass`]: averaged perceptron classifier ([`multiclass::ClassifierTrainer`] →
//!   [`multiclass::Classifier`]);
//! * [`sequence`]: averaged structured perceptron with first-order Viterbi decoding and label
//!   transition constraints ([`sequence::SequenceTrainer`] → [`sequence::SequenceModel`]);
//! * [`weights`]: the hashed weight tables and their compact on-disk form (i16-quantised, zero
//!   rows dropped);
//! * [`io`]: model files (a magic tag + `postcard`).
//!
//! Typical use: extract features per token as `FeatureHash::new(template).str(..).row(bits)`
//! pushed into a [`sequence::FeatureSeq`], train for a few epochs with a fixed seed, then store the
//! model with `io::save(path, b"MYMODEL1", &model.to_stored())`.

pub mod hash;
pub mod io;
pub mod multiclass;
pub mod sequence;
pub mod weights;

use thiserror::Error;

/// Errors of model I/O.
#[derive(Debug, Error)]
pub enum LearnError {
    /// Reading or writing a file failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The bytes are not a valid model.
    #[error("bad model data: {0}")]
    Format(String),
}
