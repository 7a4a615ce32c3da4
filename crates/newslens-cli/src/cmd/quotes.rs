//! `newslens train quotes` and `newslens eval quotes` (owned by the quotes stage).

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use newslens_quotes::QuoteStage;

/// `newslens train quotes`
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// PolNeAR training split folder (`text/`, `attributions/`).
    #[arg(long)]
    pub polnear: PathBuf,
    /// PolNeAR dev split folder, for tuning.
    #[arg(long)]
    pub dev: Option<PathBuf>,
    /// Where to write the model.
    #[arg(long, default_value = "models/quotes-en.bin")]
    pub out: PathBuf,
}

/// `newslens eval quotes`
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// A PolNeAR split folder (`text/`, `attributions/`).
    #[arg(long)]
    pub polnear: PathBuf,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Model file (default: the embedded model).
    #[arg(long)]
    pub model: Option<PathBuf>,
}

/// Runs `train quotes`: derives the cue lexicon from the training split, trains the cue
/// classifier, picks its threshold on `--dev`, and writes the model (plus the lexicon as TSV to
/// `resources/quotes/cue-lexicon.tsv` when that folder exists).
pub fn train(args: &TrainArgs) -> Result<()> {
    let trained = newslens_quotes::train::train(&args.polnear, args.dev.as_deref(), &mut |m| {
        eprintln!("{m}")
    })
    .context("training the quotes model")?;
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&args.out, trained.model.to_bytes()?)
        .with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!("wrote {}", args.out.display());
    let lex = PathBuf::from("resources/quotes");
    if lex.is_dir() {
        std::fs::write(lex.join("cue-lexicon.tsv"), &trained.lexicon_tsv)?;
        eprintln!("wrote resources/quotes/cue-lexicon.tsv");
    }
    if let Some(r) = trained.dev {
        println!(
            "dev ({}):",
            args.dev
                .as_ref()
                .map_or(String::new(), |d| d.display().to_string())
        );
        print!("{}", r.table());
    }
    Ok(())
}

/// Runs `eval quotes`: segments every article of the split, runs the quotes stage and prints
/// exact and overlap P/R/F1 for source, cue and content.
pub fn eval(args: &EvalArgs) -> Result<()> {
    let stage = match &args.model {
        Some(p) => QuoteStage::from_path(p).with_context(|| format!("loading {}", p.display()))?,
        None => QuoteStage::new(),
    };
    let report = newslens_quotes::train::evaluate(&stage, &args.polnear, &[])
        .with_context(|| format!("evaluating on {}", args.polnear.display()))?;
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print!("{}", report.table());
    }
    Ok(())
}
