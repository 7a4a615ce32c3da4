//! Annotation layers, one module per stage. Every item points into the text with [`crate::Span`]s
//! and has an `id` equal to its index in its list; cross-references use those ids.

pub mod entities;
pub mod events;
pub mod quotes;
pub mod rhetoric;
pub mod text;
pub mod time;
