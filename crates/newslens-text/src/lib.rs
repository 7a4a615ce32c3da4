//! # newslens-text
//!
//! The text layer: paragraphs, sentences and tokens, each a byte [`Span`] into the document text,
//! plus normalisation of typographic quotes and dashes for matching (offsets never change: the
//! normalised forms are derived on demand, see [`normalize`] and [`NormText`]).
//!
//! Segmentation is hand-written rather than taken from `unicode-segmentation`: UAX #29 word and
//! sentence boundaries split "U.S." and "Mr. Putin" wrongly for news text and do not know
//! abbreviations, and a single pass that tokenises and splits sentences together is what makes the
//! 50 MB/s/core target reachable.

mod abbrev;
mod ascii;
mod normalize;
mod segment;
mod tokenize;

pub use ascii::ascii_and_upper;
pub use normalize::{
    is_closing_quote, is_opening_quote, is_quote_char, normalize, normalize_char, NormText,
};
pub use segment::{body_start, segment, segment_paragraphs, split_sentences};
pub use tokenize::tokenize;

#[doc(no_inline)]
pub use newslens_core::Span;
