//! Subcommands owned by the stages and the store, one file each.

pub mod corpus;
pub mod events;
pub mod ner;
pub mod quotes;
pub mod rhetoric;
pub mod timex;
