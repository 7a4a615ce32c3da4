//! `newslens train ner` and `newslens eval ner` (owned by the entities stage).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

/// `newslens train ner`
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// CoNLL-2003 training file.
    #[arg(long)]
    pub conll: PathBuf,
    /// CoNLL-2003 development file (for early stopping / tuning).
    #[arg(long)]
    pub dev: Option<PathBuf>,
    /// Where to write the model.
    #[arg(long, default_value = "models/ner-en.bin")]
    pub out: PathBuf,
}

/// `newslens eval ner`
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Any file in the CoNLL-2003 4-column format.
    #[arg(long)]
    pub conll: PathBuf,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Model file (default: the embedded model).
    #[arg(long)]
    pub model: Option<PathBuf>,
}

/// Runs `train ner`.
pub fn train(_args: &TrainArgs) -> Result<()> {
    anyhow::bail!("`train ner` is not implemented yet")
}

/// Runs `eval ner`.
pub fn eval(_args: &EvalArgs) -> Result<()> {
    anyhow::bail!("`eval ner` is not implemented yet")
}
