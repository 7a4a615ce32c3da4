//! `newslens eval events` (owned by the events stage): PETRARCH regression and MEANTIME figures.

use std::path::Path;

use anyhow::{Context, Result};
use clap::Args;
use newslens_core::{Analysis, Annotator, Document};
use newslens_eval::meantime::{self, MeantimeScore, SystemEvent};
use newslens_eval::petrarch::{self, PetrarchScore, SystemCoding};
use serde_json::json;

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

/// The stages the events stage reads, built once.
struct Stages {
    entities: newslens_entities::EntityStage,
    time: newslens_time::TimeStage,
    quotes: newslens_quotes::QuoteStage,
    events: newslens_events::EventStage,
}

impl Stages {
    fn new() -> Result<Self> {
        Ok(Self {
            entities: newslens_entities::EntityStage::new()?,
            time: newslens_time::TimeStage::new(),
            quotes: newslens_quotes::QuoteStage::new(),
            events: newslens_events::EventStage::new()?,
        })
    }

    fn run(&self, doc: Document) -> Result<Analysis> {
        let mut a = Analysis::new(doc);
        newslens_text::segment(&mut a);
        self.entities.annotate(&mut a)?;
        self.time.annotate(&mut a)?;
        self.quotes.annotate(&mut a)?;
        self.events.annotate(&mut a)?;
        Ok(a)
    }
}

fn date(s: Option<&str>) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s?, "%Y-%m-%d").ok()
}

/// Actor code of a cluster for scoring: the stage's country code, else the first three letters of
/// the canonical name (the convention of the PETRARCH test dictionaries for invented countries).
fn code_for(a: &Analysis, cluster: Option<usize>, given: &Option<String>) -> Option<String> {
    if given.is_some() {
        return given.clone();
    }
    let c = a.entities.as_ref()?.clusters.get(cluster?)?;
    let letters: String = c
        .canonical
        .chars()
        .filter(|ch| ch.is_alphabetic())
        .take(3)
        .collect();
    (letters.chars().count() == 3).then(|| letters.to_uppercase())
}

fn eval_petrarch(stages: &Stages, path: &Path) -> Result<PetrarchScore> {
    let records = petrarch::read(path).with_context(|| format!("reading {}", path.display()))?;
    anyhow::ensure!(!records.is_empty(), "no records in {}", path.display());
    let mut score = PetrarchScore::default();
    for r in &records {
        let mut doc = Document::from_text(r.id.clone(), r.text.clone());
        doc.dateline = date(r.date.as_deref());
        let a = stages.run(doc)?;
        let system: Vec<SystemCoding> = a
            .events
            .iter()
            .flat_map(|l| &l.events)
            .map(|e| SystemCoding {
                source: code_for(&a, e.actor, &e.actor_code),
                target: code_for(&a, e.target, &e.target_code),
                event: e.cameo.clone(),
            })
            .collect();
        score.add(r, &system);
    }
    Ok(score)
}

fn eval_meantime(stages: &Stages, dir: &Path) -> Result<MeantimeScore> {
    let docs = meantime::read_dir(dir)
        .with_context(|| format!("reading MEANTIME files under {}", dir.display()))?;
    let mut score = MeantimeScore::default();
    for d in &docs {
        let mut doc = Document::from_text(d.name.clone(), d.text.clone());
        doc.dateline = date(d.dct.as_deref());
        let a = stages.run(doc)?;
        let system: Vec<SystemEvent> = a
            .events
            .iter()
            .flat_map(|l| &l.events)
            .map(|e| SystemEvent {
                action: (e.action.start, e.action.end),
                actor: e.actor_span.map(|s| (s.start, s.end)),
                target: e.target_span.map(|s| (s.start, s.end)),
            })
            .collect();
        score.add(d, &system);
    }
    Ok(score)
}

/// Runs `eval events`: the full pipeline up to events over the PETRARCH validation records
/// (regression counts) and/or the MEANTIME articles (actor/target precision).
pub fn eval(args: &EvalArgs) -> Result<()> {
    anyhow::ensure!(
        args.petrarch.is_some() || args.meantime.is_some(),
        "give --petrarch FILE and/or --meantime DIR"
    );
    let stages = Stages::new()?;
    let p = args
        .petrarch
        .as_ref()
        .map(|p| eval_petrarch(&stages, p))
        .transpose()?;
    let m = args
        .meantime
        .as_ref()
        .map(|d| eval_meantime(&stages, d))
        .transpose()?;
    if args.json {
        println!("{}", json!({"petrarch": p, "meantime": m}));
        return Ok(());
    }
    if let Some(p) = p {
        println!("PETRARCH validation records: {}", p.records);
        let pct = |x: usize| 100.0 * x as f64 / p.records.max(1) as f64;
        println!(
            "  root code correct   {:>4}  ({:.1}%)",
            p.root_correct,
            pct(p.root_correct)
        );
        println!(
            "  root + actors       {:>4}  ({:.1}%)",
            p.dyad_correct,
            pct(p.dyad_correct)
        );
        println!(
            "  exact code + actors {:>4}  ({:.1}%)",
            p.exact_correct,
            pct(p.exact_correct)
        );
        println!(
            "  no-event records    {:>4} of {} correctly left uncoded",
            p.noevent_correct, p.noevent_records
        );
    }
    if let Some(m) = m {
        println!(
            "MEANTIME: {} documents, {} gold event mentions, {} system events, {} aligned",
            m.documents, m.gold_events, m.system_events, m.aligned
        );
        println!(
            "  actor precision (Arg0)          {:.3}  ({}/{})",
            m.actor_precision, m.actor_correct, m.actor_judged
        );
        println!(
            "  target precision (Arg1)         {:.3}  ({}/{})",
            m.target_precision, m.target_correct, m.target_judged
        );
        println!(
            "  target precision (Arg1 or Arg2) {:.3}  ({}/{})",
            m.target_precision_lenient, m.target_correct_lenient, m.target_judged_lenient
        );
    }
    Ok(())
}
