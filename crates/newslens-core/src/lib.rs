//! # newslens-core
//!
//! The small data model every newslens stage shares:
//!
//! * [`Document`]: one article (metadata plus its text);
//! * [`Span`]: a byte range into [`Document::text`], serialised in JSON as Unicode code point
//!   offsets plus the covered text (see [`json`]);
//! * the annotation layers in [`layers`], one module per stage;
//! * [`Analysis`]: a document plus every layer computed so far — the unit of output;
//! * [`Annotator`]: the seam through which a stage adds its layer.
//!
//! This crate has no heavy dependencies on purpose: readers, models and stores build on it.

pub mod analysis;
pub mod case;
pub mod document;
pub mod error;
pub mod json;
pub mod layers;
pub mod offsets;
pub mod span;
pub mod stage;

pub use analysis::Analysis;
pub use document::{Document, DocumentFormat};
pub use error::{CoreError, StageError};
pub use offsets::OffsetMap;
pub use span::Span;
pub use stage::Annotator;

/// Version of the JSON schema written by every newslens output (see `docs/schema.md`).
///
/// Additive changes keep it; breaking ones bump the major number.
pub const SCHEMA_VERSION: &str = "1.0";
