//! Errors: [`ServerError`] for starting the server, [`ApiError`] for one request (rendered as
//! `{"error": "..."}` with a fitting status code).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use newslens_store::StoreError;
use thiserror::Error;

/// Why the server could not start.
#[derive(Debug, Error)]
pub enum ServerError {
    /// Refused configuration (e.g. a public address without a token).
    #[error("{0}")]
    Config(String),
    /// The store could not be opened or created.
    #[error("cannot open the store {db}: {source}")]
    Store {
        /// `--db` value.
        db: String,
        /// Underlying error.
        #[source]
        source: StoreError,
    },
    /// The analysis pipeline could not be built.
    #[error("cannot build the analysis pipeline: {0}")]
    Pipeline(String),
    /// Binding or serving failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// An error answering one API request.
#[derive(Debug, Error)]
pub enum ApiError {
    /// Malformed request (bad date, bad query syntax, unreadable body).
    #[error("{0}")]
    BadRequest(String),
    /// Missing or wrong token.
    #[error("{0}")]
    Unauthorized(String),
    /// Nothing with that id.
    #[error("{0}")]
    NotFound(String),
    /// The store is busy with another writer.
    #[error("{0}")]
    Conflict(String),
    /// Unsupported content type.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Anything else.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    /// HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Query(m) => ApiError::BadRequest(format!("bad query: {m}")),
            StoreError::Invalid(m) => ApiError::BadRequest(m),
            e @ StoreError::Locked { .. } => ApiError::Conflict(e.to_string()),
            e => ApiError::Internal(e.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        (
            status,
            Json(serde_json::json!({ "error": self.to_string() })),
        )
            .into_response()
    }
}
