//! Reader errors.

use thiserror::Error;

/// Why an input (a file or one JSON line) could not be read.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum IngestError {
    /// The file could not be opened or read.
    #[error("{path}: cannot read: {message}")]
    Io {
        /// Input path.
        path: String,
        /// OS message.
        message: String,
    },
    /// The file holds binary data.
    #[error("{path}: looks like a binary file ({reason}); skipped")]
    Binary {
        /// Input path.
        path: String,
        /// What gave it away.
        reason: String,
    },
    /// The file is empty or only whitespace.
    #[error("{path}: empty input; skipped")]
    Empty {
        /// Input path.
        path: String,
    },
    /// The input is over `--max-bytes`.
    #[error("{path}: {size} bytes is over the limit of {limit} bytes (raise it with --max-bytes); skipped")]
    TooLarge {
        /// Input path.
        path: String,
        /// Its size (at least).
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// One line of a JSON Lines input is not a valid article object.
    #[error("{path}:{line}: {message}")]
    JsonLine {
        /// Input path.
        path: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A JSON document is not a valid article (or array of articles).
    #[error("{path}: invalid JSON: {message}")]
    Json {
        /// Input path.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// An HTML page without any extractable text.
    #[error("{path}: no article text found in the HTML")]
    EmptyHtml {
        /// Input path.
        path: String,
    },
}

impl IngestError {
    pub(crate) fn io(path: &str, e: &std::io::Error) -> Self {
        IngestError::Io {
            path: path.to_string(),
            message: e.to_string(),
        }
    }

    /// The input the error is about.
    pub fn path(&self) -> &str {
        match self {
            IngestError::Io { path, .. }
            | IngestError::Binary { path, .. }
            | IngestError::Empty { path }
            | IngestError::TooLarge { path, .. }
            | IngestError::JsonLine { path, .. }
            | IngestError::Json { path, .. }
            | IngestError::EmptyHtml { path } => path,
        }
    }

    /// The 1-based line, for JSON Lines errors.
    pub fn line(&self) -> Option<usize> {
        match self {
            IngestError::JsonLine { line, .. } => Some(*line),
            _ => None,
        }
    }

    /// A short machine-readable kind (`io`, `binary`, `empty`, `too_large`, `json`, `html`).
    pub fn kind(&self) -> &'static str {
        match self {
            IngestError::Io { .. } => "io",
            IngestError::Binary { .. } => "binary",
            IngestError::Empty { .. } => "empty",
            IngestError::TooLarge { .. } => "too_large",
            IngestError::JsonLine { .. } | IngestError::Json { .. } => "json",
            IngestError::EmptyHtml { .. } => "html",
        }
    }
}
