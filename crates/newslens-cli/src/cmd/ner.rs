//! `newslens train ner` and `newslens eval ner` (owned by the entities stage).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;

use newslens_entities::ner::{self, NerModel, TrainConfig};

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

/// The shared data folder: `$NEWSLENS_SHARED_DATA`, else the folder two levels above the CoNLL
/// file (`../shared/data/conll2003-en/train.txt` → `../shared/data`).
fn shared_data(conll: &Path) -> Option<PathBuf> {
    if let Ok(d) = std::env::var("NEWSLENS_SHARED_DATA") {
        return Some(PathBuf::from(d));
    }
    conll
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .filter(|p| p.is_dir())
}

/// Runs `train ner`.
pub fn train(args: &TrainArgs) -> Result<()> {
    let mut cfg = TrainConfig::new(args.conll.clone());
    cfg.dev = args.dev.clone();
    cfg.unlabelled = shared_data(&args.conll);
    match &cfg.unlabelled {
        Some(d) => eprintln!("unlabelled text from {}", d.display()),
        None => {
            eprintln!("no shared data folder found: word clusters from the training words only")
        }
    }
    let t = std::time::Instant::now();
    let (model, report) = ner::train(&cfg, |line| {
        eprintln!("[{:>6.1}s] {line}", t.elapsed().as_secs_f64())
    })
    .map_err(anyhow::Error::from)?;
    model
        .save(&args.out)
        .with_context(|| format!("writing {}", args.out.display()))?;
    let size = std::fs::metadata(&args.out).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "wrote {} ({:.1} MB), best epoch {}",
        args.out.display(),
        size as f64 / 1e6,
        report.best_epoch
    );
    if let Some(d) = &report.dev {
        eprint!("{}", newslens_eval::conll::format_table(d));
    }
    Ok(())
}

/// Runs `eval ner`.
pub fn eval(args: &EvalArgs) -> Result<()> {
    let model = match &args.model {
        Some(p) => NerModel::load(p)?,
        None => newslens_entities::stage::default_model()?.as_ref().clone(),
    };
    let docs = newslens_eval::conll::read_path(&args.conll)?;
    let s = ner::evaluate(&model, &docs);
    if args.json {
        let per_type: serde_json::Map<String, serde_json::Value> = s
            .per_type
            .iter()
            .map(|(k, p)| {
                (
                    k.clone(),
                    serde_json::json!({"precision": p.precision, "recall": p.recall, "f1": p.f1}),
                )
            })
            .collect();
        let out = serde_json::json!({
            "precision": s.precision,
            "recall": s.recall,
            "f1": s.f1,
            "per_type": per_type,
        });
        println!("{out}");
    } else {
        print!("{}", newslens_eval::conll::format_table(&s));
    }
    Ok(())
}
