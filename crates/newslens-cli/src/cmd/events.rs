//! `newslens eval events` (owned by the events stage): PETRARCH regression and MEANTIME figures.

use anyhow::Result;
use clap::Args;

/// `newslens eval events`
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// PETRARCH validation XML file.
    #[arg(long)]
    pub petrarch: Option<std::path::PathBuf>,
    /// MEANTIME folder.
    #[arg(long)]
    pub meantime: Option<std::path::PathBuf>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Runs `eval events`.
pub fn eval(_args: &EvalArgs) -> Result<()> {
    anyhow::bail!("`eval events` is not implemented yet")
}
