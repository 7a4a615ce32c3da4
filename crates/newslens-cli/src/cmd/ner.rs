//! `newslens train ner` and `newslens eval ner` (owned by the entities stage).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;

use newslens_entities::ner::{self, NerModel, TrainConfig};

/// `newslens train ner`
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// CoNLL-2003 training file; repeat to train on several (e.g. train and valid for a final
    /// model with `--epochs` fixed).
    #[arg(long, required = true)]
    pub conll: Vec<PathBuf>,
    /// CoNLL-2003 development file (for early stopping / tuning).
    #[arg(long)]
    pub dev: Option<PathBuf>,
    /// Epochs of the first pass: the most tried with `--dev`, exactly these without.
    #[arg(long, default_value_t = 25)]
    pub epochs: usize,
    /// Epochs of the second pass (default: `--epochs`).
    #[arg(long)]
    pub epochs2: Option<usize>,
    /// Reuse the gazetteer phrase table stored in this model instead of the embedded
    /// gazetteer's, so a retrained model keeps the features it was tuned with.
    #[arg(long)]
    pub phrases_from: Option<PathBuf>,
    /// Where to write the model.
    #[arg(long, default_value = "models/ner-en.bin")]
    pub out: PathBuf,
}

/// `newslens eval ner`
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Any file in the CoNLL-2003 4-column format.
    #[arg(
        long,
        required_unless_present = "meantime",
        conflicts_with = "meantime"
    )]
    pub conll: Option<PathBuf>,
    /// Instead of a CoNLL file: a MEANTIME folder (`.xml` files, searched recursively). Scores
    /// the `entities` stage's type for each gold proper name of a person, organisation or
    /// place (2004–2011 news, names the CoNLL-2003 model never saw).
    #[arg(long)]
    pub meantime: Option<PathBuf>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Model file (default: the embedded model, which was trained on CoNLL-2003 train and
    /// valid: score valid with a train-only model, see docs/entities.md).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Score the whole `entities` stage (the model, then gazetteer names, honorifics, roles and
    /// alias clusters, whose types can override the model's) instead of the model alone. The
    /// stage reads the tokens as text (words joined by spaces, one paragraph per sentence), so
    /// its tokeniser may cut a few names differently from the file.
    #[arg(long)]
    pub stage: bool,
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
    let (first, more) = args
        .conll
        .split_first()
        .context("give at least one --conll FILE")?;
    let mut cfg = TrainConfig::new(first.clone());
    cfg.more_train = more.to_vec();
    cfg.dev = args.dev.clone();
    cfg.epochs = args.epochs;
    cfg.epochs2 = args.epochs2;
    cfg.phrases_from = args.phrases_from.clone();
    cfg.unlabelled = shared_data(first);
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
    let conll = match (&args.conll, &args.meantime) {
        (Some(conll), _) => conll,
        (None, Some(dir)) => return eval_meantime_types(model, dir, args.json),
        // clap requires one of the two.
        (None, None) => anyhow::bail!("give --conll FILE or --meantime DIR"),
    };
    let docs = newslens_eval::conll::read_path(conll)?;
    let s = if args.stage {
        evaluate_stage(model, &docs)?
    } else {
        ner::evaluate(&model, &docs)
    };
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

/// The `entities` stage run on plain text (the text layer first), as `analyze` runs it.
struct StageOnText {
    text: newslens_pipeline::Pipeline,
    entities: newslens_entities::EntityStage,
}

impl StageOnText {
    fn new(model: NerModel) -> Result<Self> {
        Ok(Self {
            text: newslens_pipeline::Pipeline::new(&newslens_pipeline::PipelineOptions {
                only: Some(Vec::new()),
                ner_model: None,
            })?,
            entities: newslens_entities::EntityStage::with_model(std::sync::Arc::new(model)),
        })
    }

    fn layer(
        &self,
        id: &str,
        text: String,
    ) -> Result<newslens_core::layers::entities::EntityLayer> {
        use newslens_core::{Annotator, Document};
        let mut a = self.text.run(Document::from_text(id, text))?;
        self.entities
            .annotate(&mut a)
            .with_context(|| format!("entities stage on {id}"))?;
        Ok(a.entities.unwrap_or_default())
    }
}

/// `eval ner --meantime DIR`: for each gold proper name of a person, organisation or place,
/// whether the `entities` stage found a name overlapping it, and with which type.
fn eval_meantime_types(model: NerModel, dir: &Path, json: bool) -> Result<()> {
    use newslens_core::layers::entities::MentionKind;
    let docs = newslens_eval::meantime::read_dir(dir)
        .with_context(|| format!("reading MEANTIME files under {}", dir.display()))?;
    let stage = StageOnText::new(model)?;
    const TYPES: [&str; 3] = ["PER", "ORG", "LOC"];
    // Per gold type: names, found (any type), found with the gold type; and the confusions.
    let mut counts = [[0usize; 3]; 3];
    let mut confusion: std::collections::BTreeMap<(String, String), usize> = Default::default();
    for d in &docs {
        let layer = stage.layer(&d.name, d.text.clone())?;
        for ((s, e), ty) in &d.names {
            let Some(k) = TYPES.iter().position(|t| t == ty) else {
                continue;
            };
            // The name overlapping most of the gold span (a gold name may take in a title and
            // an employer: "Chrysler Chief Executive Robert Nardelli" is the person).
            let overlap = |m: &newslens_core::layers::entities::Mention| {
                m.span.end.min(*e).saturating_sub(m.span.start.max(*s))
            };
            let found = layer
                .mentions
                .iter()
                .filter(|m| m.kind == MentionKind::Name && overlap(m) > 0)
                .max_by_key(|m| (overlap(m), std::cmp::Reverse(m.span.start)))
                .map(|m| m.entity_type.as_str());
            counts[k][0] += 1;
            if let Some(f) = found {
                counts[k][1] += 1;
                counts[k][2] += usize::from(f == ty.as_str());
            }
            *confusion
                .entry((ty.clone(), found.unwrap_or("none").to_string()))
                .or_default() += 1;
        }
    }
    let share = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let total: usize = counts.iter().map(|c| c[0]).sum();
    let right: usize = counts.iter().map(|c| c[2]).sum();
    if json {
        let per_type: serde_json::Map<String, serde_json::Value> = TYPES
            .iter()
            .zip(&counts)
            .map(|(t, c)| {
                let predicted: serde_json::Map<String, serde_json::Value> = confusion
                    .iter()
                    .filter(|((g, _), _)| g == t)
                    .map(|((_, p), n)| (p.clone(), serde_json::json!(n)))
                    .collect();
                (
                    t.to_string(),
                    serde_json::json!({"names": c[0], "found": share(c[1], c[0]),
                        "type_accuracy": share(c[2], c[0]), "predicted": predicted}),
                )
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({"documents": docs.len(), "names": total,
                "type_accuracy": share(right, total), "per_type": per_type})
        );
    } else {
        println!(
            "{} documents, {total} gold names; type right for {right} ({:.1} %)",
            docs.len(),
            100.0 * share(right, total)
        );
        println!("gold   names  found  type right  predicted as");
        for (t, c) in TYPES.iter().zip(&counts) {
            let predicted: Vec<String> = confusion
                .iter()
                .filter(|((g, _), _)| g == t)
                .map(|((_, p), n)| format!("{p} {n}"))
                .collect();
            println!(
                "{t:<5} {:>6} {:>5.1} % {:>8.1} %  {}",
                c[0],
                100.0 * share(c[1], c[0]),
                100.0 * share(c[2], c[0]),
                predicted.join(", ")
            );
        }
    }
    Ok(())
}

/// Scores the `entities` stage's name mentions against the file's tags (see `--stage`).
fn evaluate_stage(
    model: NerModel,
    docs: &[newslens_eval::conll::ConllDocument],
) -> Result<newslens_eval::conll::NerScores> {
    use newslens_core::layers::entities::MentionKind;
    let stage = StageOnText::new(model)?;
    let (mut gold, mut pred) = (Vec::new(), Vec::new());
    for (di, d) in docs.iter().enumerate() {
        // Byte range of every token in the text the stage reads.
        let mut text = String::new();
        let mut ranges: Vec<Vec<(usize, usize)>> = Vec::new();
        for s in &d.sentences {
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            let mut r = Vec::with_capacity(s.len());
            for (i, t) in s.iter().enumerate() {
                if i > 0 {
                    text.push(' ');
                }
                r.push((text.len(), text.len() + t.word.len()));
                text.push_str(&t.word);
            }
            ranges.push(r);
        }
        let layer = stage.layer(&format!("document {di}"), text)?;
        for (s, r) in d.sentences.iter().zip(&ranges) {
            let mut tags = vec!["O".to_string(); s.len()];
            for m in layer
                .mentions
                .iter()
                .filter(|m| m.kind == MentionKind::Name)
            {
                let inside: Vec<usize> = (0..r.len())
                    .filter(|&i| r[i].0 >= m.span.start && r[i].1 <= m.span.end)
                    .collect();
                for (k, &i) in inside.iter().enumerate() {
                    let prefix = if k == 0 { "B" } else { "I" };
                    tags[i] = format!("{prefix}-{}", m.entity_type.as_str());
                }
            }
            gold.push(s.iter().map(|t| t.tag.clone()).collect::<Vec<_>>());
            pred.push(tags);
        }
    }
    Ok(newslens_eval::conll::score(&gold, &pred))
}
