//! Errors of the store.

use std::path::PathBuf;

use thiserror::Error;

/// Everything that can go wrong in a store.
#[derive(Debug, Error)]
pub enum StoreError {
    /// `--db` names something that is not a newslens store; it was left untouched.
    #[error("{path} is not a newslens store: {reason} (nothing was written to it)")]
    NotAStore {
        /// The offending path.
        path: PathBuf,
        /// Why it was refused.
        reason: String,
    },
    /// The store's database file is damaged; it was left untouched.
    #[error("{path} is corrupt: {reason} (nothing was written to it)")]
    Corrupt {
        /// The damaged file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The store was written by a newer newslens with a schema this build does not know.
    #[error("store schema version {found} is newer than this newslens supports ({supported}); upgrade newslens")]
    TooNew {
        /// Version found in the store.
        found: i64,
        /// Highest version this build knows.
        supported: i64,
    },
    /// Another process holds the store's write lock.
    #[error("another newslens process is writing to {path} (lock file {lock} is held); wait for it to finish")]
    Locked {
        /// Store directory.
        path: PathBuf,
        /// Lock file.
        lock: PathBuf,
    },
    /// A backend this build does not support (e.g. a `postgres://` URL before that backend exists).
    #[error("unsupported store location `{0}`")]
    Unsupported(String),
    /// A query the search engine could not parse or run.
    #[error("bad query: {0}")]
    Query(String),
    /// A malformed argument (date, id).
    #[error("invalid argument: {0}")]
    Invalid(String),
    /// SQLite failure.
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// tantivy failure.
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// tantivy could not open its directory.
    #[error("search index: {0}")]
    IndexDir(#[from] tantivy::directory::error::OpenDirectoryError),
    /// Filesystem failure.
    #[error("I/O on {path}: {source}")]
    Io {
        /// Path involved.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// JSON (de)serialisation of a stored analysis failed.
    #[error("stored analysis: {0}")]
    Json(String),
    /// The analysis callback failed for a document.
    #[error("analysis of {doc} failed: {message}")]
    Analysis {
        /// Document id or source.
        doc: String,
        /// The error.
        message: String,
    },
    /// The writer thread stopped unexpectedly.
    #[error("ingest writer stopped: {0}")]
    Writer(String),
}

impl StoreError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        StoreError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result alias of the store.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
