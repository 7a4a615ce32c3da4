//! Subcommands owned by the stages and the store, one file each.

pub mod accurate;
pub mod corpus;
pub mod events;
pub mod ner;
pub mod quotes;
pub mod rhetoric;
pub mod scale;
pub mod serve;
pub mod timex;
