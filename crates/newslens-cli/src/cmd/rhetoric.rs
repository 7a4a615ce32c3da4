//! `newslens train rhetoric`, `newslens eval ptc`, `newslens eval semeval23` (owned by the rhetoric
//! stage).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use newslens_eval::{ptc, semeval23};
use newslens_rhetoric::{evaluate, RhetoricModel};
use serde_json::json;

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
    /// Accurate mode: labels from the heads over all-MiniLM-L6-v2 embeddings (docs/accurate.md).
    #[arg(long)]
    pub accurate: bool,
    /// Folder with the all-MiniLM-L6-v2 weights (default: $NEWSLENS_MINILM, then
    /// ~/.cache/newslens/minilm).
    #[arg(long, env = "NEWSLENS_MINILM")]
    pub accurate_model: Option<PathBuf>,
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
    /// Accurate mode: labels from the heads over all-MiniLM-L6-v2 embeddings (docs/accurate.md).
    #[arg(long)]
    pub accurate: bool,
    /// Folder with the all-MiniLM-L6-v2 weights (default: $NEWSLENS_MINILM, then
    /// ~/.cache/newslens/minilm).
    #[arg(long, env = "NEWSLENS_MINILM")]
    pub accurate_model: Option<PathBuf>,
}

/// Runs `train rhetoric`.
pub fn train(args: &TrainArgs) -> Result<()> {
    let t0 = Instant::now();
    let (model, report) = newslens_rhetoric::train::train_all(&args.data, args.cv)
        .with_context(|| format!("training from {}", args.data.display()))?;
    if args.cv {
        print!("{report}");
    }
    model
        .save(&args.out)
        .with_context(|| format!("writing models to {}", args.out.display()))?;
    for f in newslens_rhetoric::model::FILES {
        let p = args.out.join(f);
        let size = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
        eprintln!("wrote {} ({:.1} MB)", p.display(), size as f64 / 1e6);
    }
    eprintln!("trained in {:.1} s", t0.elapsed().as_secs_f64());
    Ok(())
}

fn model() -> Result<&'static RhetoricModel> {
    RhetoricModel::embedded().context("loading the embedded rhetoric models")
}

/// Runs `eval ptc`.
pub fn eval_ptc(args: &EvalPtcArgs) -> Result<()> {
    let articles = ptc::read_articles(&args.articles)?;
    if articles.is_empty() {
        bail!("no article<ID>.txt files in {}", args.articles.display());
    }
    let gold = ptc::read_labels(&args.labels)?;
    let t0 = Instant::now();
    if args.accurate && matches!(args.task, PtcTask::Si) {
        eprintln!("note: --accurate changes technique labels only; SI spans are the fast ones");
    }
    match args.task {
        PtcTask::Si => {
            let pred = evaluate::predict_spans(model()?, &articles);
            let s = ptc::score_si(&pred, &gold);
            if args.json {
                println!(
                    "{}",
                    json!({"precision": s.precision, "recall": s.recall, "f1": s.f1})
                );
            } else {
                println!(
                    "SemEval-2020 Task 11 SI ({} articles, {} gold spans, {} predicted)",
                    articles.len(),
                    gold.len(),
                    pred.len()
                );
                println!(
                    "  precision {:.4}\n  recall    {:.4}\n  F1        {:.4}",
                    s.precision, s.recall, s.f1
                );
            }
        }
        PtcTask::Tc => {
            if gold.iter().any(|g| g.technique.is_none()) {
                bail!(
                    "{}: TC needs 4 columns with a technique",
                    args.labels.display()
                );
            }
            let pred = if args.accurate {
                crate::cmd::accurate::with_accurate(args.accurate_model.as_deref(), |acc| {
                    Ok(newslens_rhetoric::accurate::predict_tc(
                        acc, &articles, &gold,
                    )?)
                })?
            } else {
                evaluate::predict_tc(model()?, &articles, &gold)
            };
            let s = ptc::score_tc(&pred, &gold);
            if args.json {
                println!(
                    "{}",
                    json!({"micro_f1": s.micro_f1, "per_technique": s.per_technique})
                );
            } else {
                println!("SemEval-2020 Task 11 TC ({} spans)", gold.len());
                println!("  micro-F1 {:.4}", s.micro_f1);
                for (k, v) in &s.per_technique {
                    println!("  {k:<40} {v:.4}");
                }
            }
        }
    }
    eprintln!("scored in {:.2} s", t0.elapsed().as_secs_f64());
    Ok(())
}

/// Runs `eval semeval23`.
pub fn eval_semeval23(args: &EvalSemeval23Args) -> Result<()> {
    let articles = ptc::read_articles(&args.articles)?;
    if articles.is_empty() {
        bail!("no article<ID>.txt files in {}", args.articles.display());
    }
    let rows = semeval23::read_labels(&args.labels, args.subtask)?;
    let pred = if args.accurate {
        crate::cmd::accurate::with_accurate(args.accurate_model.as_deref(), |acc| {
            Ok(newslens_rhetoric::accurate::predict_s23(
                acc,
                &articles,
                &rows,
                args.subtask,
            )?)
        })?
    } else {
        evaluate::predict_s23(model()?, &articles, &rows, args.subtask)
    };
    let gold: Vec<Vec<String>> = rows.iter().map(|r| r.labels.clone()).collect();
    let s = semeval23::score(&pred, &gold, semeval23::classes(args.subtask));
    if args.json {
        println!(
            "{}",
            json!({"micro_f1": s.micro_f1, "macro_f1": s.macro_f1})
        );
    } else {
        let what = ["genre", "frames", "paragraph techniques"][usize::from(args.subtask - 1)];
        println!(
            "SemEval-2023 Task 3 subtask {} ({what}, {} rows)",
            args.subtask,
            rows.len()
        );
        println!("  micro-F1 {:.4}\n  macro-F1 {:.4}", s.micro_f1, s.macro_f1);
    }
    Ok(())
}
