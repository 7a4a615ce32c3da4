//! The accurate mode (`--accurate`): `newslens train rhetoric-accurate`, and the encoder behind
//! `analyze --accurate`, `eval ptc --task tc --accurate`, `eval semeval23 --accurate`.
//! See `docs/accurate.md`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;
use newslens_embed::Embedder;
use newslens_rhetoric::accurate::{
    build_train_set, cross_validate, train_heads, Accurate, AccurateModel, AccurateStage,
    AccurateTuned, Cache, Encoded, Encoder, FILES,
};
use newslens_rhetoric::RhetoricModel;

/// all-MiniLM-L6-v2 as the rhetoric heads' encoder.
pub struct MiniLm(Embedder);

impl Encoder for MiniLm {
    fn encode(&self, items: &[(&str, &[(usize, usize)])]) -> Result<Vec<Encoded>, String> {
        self.0
            .embed_spans(items)
            .map(|v| v.into_iter().map(|p| (p.text, p.spans)).collect())
            .map_err(|e| e.to_string())
    }

    fn name(&self) -> &str {
        // Keys the training cache: model, pooling and truncation.
        "all-MiniLM-L6-v2/mean/l2/256"
    }
}

/// Loads the encoder from `--accurate-model DIR`, `$NEWSLENS_MINILM` or the default cache
/// folder; the error names the set-up command.
pub fn encoder(dir: Option<&Path>) -> Result<MiniLm> {
    let t0 = Instant::now();
    let e = Embedder::from_env(dir).context("--accurate needs the all-MiniLM-L6-v2 weights")?;
    eprintln!(
        "accurate mode: all-MiniLM-L6-v2 loaded in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    Ok(MiniLm(e))
}

/// The rhetoric stage in accurate mode (for `analyze --accurate`).
pub fn stage(dir: Option<&Path>) -> Result<AccurateStage> {
    AccurateStage::new(Box::new(encoder(dir)?)).context("loading the accurate rhetoric heads")
}

/// Runs `f` with the fast models, the embedded heads and the encoder.
pub fn with_accurate<T>(dir: Option<&Path>, f: impl FnOnce(&Accurate) -> Result<T>) -> Result<T> {
    let enc = encoder(dir)?;
    let fast = RhetoricModel::embedded().context("loading the embedded rhetoric models")?;
    let heads = AccurateModel::embedded().context("loading the accurate rhetoric heads")?;
    f(&Accurate {
        fast,
        heads,
        enc: &enc,
    })
}

/// `newslens train rhetoric-accurate`
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Root of the shared data sets (default: `../shared/data`).
    #[arg(long, default_value = "../shared/data")]
    pub data: PathBuf,
    /// Folder to write the heads to.
    #[arg(long, default_value = "models")]
    pub out: PathBuf,
    /// Also run 5-fold cross-validation on train and print the figures.
    #[arg(long)]
    pub cv: bool,
    /// Cross-validate alternative head settings (the tuning grid) and stop.
    #[arg(long)]
    pub grid: bool,
    /// Embedding cache file (embedding the training data takes minutes; kept across runs).
    #[arg(long)]
    pub cache: Option<PathBuf>,
    /// Folder with model.safetensors + tokenizer.json (default: $NEWSLENS_MINILM, then
    /// ~/.cache/newslens/minilm; `scripts/fetch-minilm.sh` installs them).
    #[arg(long, env = "NEWSLENS_MINILM")]
    pub accurate_model: Option<PathBuf>,
}

/// Runs `train rhetoric-accurate`.
pub fn train(args: &TrainArgs) -> Result<()> {
    let t0 = Instant::now();
    let enc = encoder(args.accurate_model.as_deref())?;
    let cache_path = args.cache.clone().unwrap_or_else(|| {
        newslens_embed::default_model_dir()
            .with_file_name("accurate-train")
            .join("embeddings.bin")
    });
    let mut cache = Cache::open(&cache_path)?;
    if args.grid && std::env::var_os("NEWSLENS_GRID_ROLES").is_some() {
        print!(
            "{}",
            newslens_rhetoric::accurate::roles_cv(&args.data, &enc, &mut cache)?
        );
        return Ok(());
    }
    let ts = build_train_set(&args.data, &enc, &mut cache)
        .with_context(|| format!("building the training set from {}", args.data.display()))?;
    let tuned = AccurateTuned::default();
    if args.grid {
        print!("{}", newslens_rhetoric::accurate::grid(&ts));
        return Ok(());
    }
    if args.cv {
        let t1 = Instant::now();
        print!("{}", cross_validate(&ts, &tuned));
        eprintln!("cross-validated in {:.0} s", t1.elapsed().as_secs_f64());
    }
    let heads = train_heads(&ts, &tuned);
    heads
        .save(&args.out)
        .with_context(|| format!("writing heads to {}", args.out.display()))?;
    for f in FILES {
        let p = args.out.join(f);
        let size = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
        eprintln!("wrote {} ({:.2} MB)", p.display(), size as f64 / 1e6);
    }
    eprintln!(
        "trained in {:.0} s (embedding cache: {})",
        t0.elapsed().as_secs_f64(),
        cache_path.display()
    );
    Ok(())
}
