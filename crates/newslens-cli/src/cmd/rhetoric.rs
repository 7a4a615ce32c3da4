//! `newslens train rhetoric`, `newslens eval ptc`, `newslens eval semeval23` (owned by the rhetoric
//! stage).

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, ValueEnum};

/// `newslens train rhetoric`
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Root of the shared data sets (default: `../shared/data`).
    #[arg(long, default_value = "../shared/data")]
    pub data: PathBuf,
    /// Folder to write the models to.
    #[arg(long, default_value = "models")]
    pub out: PathBuf,
    /// Also run k-fold cross-validation on train and print the figures.
    #[arg(long)]
    pub cv: bool,
}

/// SemEval-2020 Task 11 subtask.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PtcTask {
    /// Span identification.
    Si,
    /// Technique classification.
    Tc,
}

/// `newslens eval ptc`
#[derive(Debug, Args)]
pub struct EvalPtcArgs {
    /// Folder of `article<ID>.txt` files.
    #[arg(long)]
    pub articles: PathBuf,
    /// Gold label file (same columns as the training label files).
    #[arg(long)]
    pub labels: PathBuf,
    /// `si` or `tc`.
    #[arg(long, value_enum)]
    pub task: PtcTask,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `newslens eval semeval23`
#[derive(Debug, Args)]
pub struct EvalSemeval23Args {
    /// Folder of article files.
    #[arg(long)]
    pub articles: PathBuf,
    /// Gold label file (same columns as the training label files).
    #[arg(long)]
    pub labels: PathBuf,
    /// 1 (genre), 2 (frames) or 3 (paragraph techniques).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=3))]
    pub subtask: u8,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Runs `train rhetoric`.
pub fn train(_args: &TrainArgs) -> Result<()> {
    anyhow::bail!("`train rhetoric` is not implemented yet")
}

/// Runs `eval ptc`.
pub fn eval_ptc(_args: &EvalPtcArgs) -> Result<()> {
    anyhow::bail!("`eval ptc` is not implemented yet")
}

/// Runs `eval semeval23`.
pub fn eval_semeval23(_args: &EvalSemeval23Args) -> Result<()> {
    anyhow::bail!("`eval semeval23` is not implemented yet")
}
