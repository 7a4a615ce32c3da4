//! `newslens eval timex` (owned by the time stage).

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use newslens_core::{Analysis, Annotator, Document};
use newslens_eval::timeml::{self, Counts, SystemTimex, TaskAScores};
use newslens_time::TimeStage;

/// `newslens eval timex`
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// A folder of TimeML `.tml` files (each file's DCT is used as the dateline).
    #[arg(long)]
    pub tml: PathBuf,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Runs `eval timex`: the time stage over the text of every `.tml` file under `--tml` (dateline =
/// the file's DCT), scored with the TempEval-3 Task A measures.
pub fn eval(args: &EvalArgs) -> Result<()> {
    let docs = timeml::read_dir(&args.tml)
        .with_context(|| format!("reading TimeML files under {}", args.tml.display()))?;
    anyhow::ensure!(
        !docs.is_empty(),
        "no .tml files under {}",
        args.tml.display()
    );
    let stage = TimeStage::new();
    let mut counts = Counts::default();
    for d in &docs {
        let mut doc = Document::from_text(d.id.clone(), d.text.clone());
        doc.dateline = d.dct.as_deref().and_then(parse_dct);
        let mut analysis = Analysis::new(doc);
        newslens_text::segment(&mut analysis);
        stage.annotate(&mut analysis)?;
        let system: Vec<SystemTimex> = analysis
            .time
            .iter()
            .flat_map(|t| &t.timexes)
            .map(|t| SystemTimex {
                start: t.span.start,
                end: t.span.end,
                timex_type: type_name(t.timex_type).to_string(),
                value: t.value.clone().unwrap_or_default(),
            })
            .collect();
        counts.add(&d.timexes, &system);
    }
    let s = counts.scores();
    if args.json {
        println!("{}", serde_json::to_string(&json(&s))?);
    } else {
        print_table(docs.len(), &s);
    }
    Ok(())
}

/// The DCT's calendar date (`YYYY-MM-DD…` or `YYYYMMDD…`).
fn parse_dct(s: &str) -> Option<chrono::NaiveDate> {
    let digits: String = s
        .chars()
        .filter(|c| *c != '-')
        .take_while(char::is_ascii_digit)
        .take(8)
        .collect();
    chrono::NaiveDate::parse_from_str(&digits, "%Y%m%d").ok()
}

fn type_name(t: newslens_core::layers::time::TimexType) -> &'static str {
    use newslens_core::layers::time::TimexType::*;
    match t {
        Date => "DATE",
        Time => "TIME",
        Duration => "DURATION",
        Set => "SET",
    }
}

fn json(s: &TaskAScores) -> serde_json::Value {
    serde_json::json!({
        "strict_f1": s.strict.f1,
        "relaxed_f1": s.relaxed.f1,
        "type_f1": s.type_attr.f1,
        "value_f1": s.value_attr.f1,
        "strict_precision": s.strict.precision,
        "strict_recall": s.strict.recall,
        "relaxed_precision": s.relaxed.precision,
        "relaxed_recall": s.relaxed.recall,
        "type_accuracy": ratio(s.counts.type_correct, s.counts.relaxed),
        "value_accuracy": ratio(s.counts.value_correct, s.counts.relaxed),
        "gold": s.counts.gold,
        "system": s.counts.system,
    })
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn print_table(n_docs: usize, s: &TaskAScores) {
    let c = &s.counts;
    println!(
        "TempEval-3 Task A — {n_docs} documents, {} gold / {} system TIMEX3 (DCT not scored)",
        c.gold, c.system
    );
    println!("{:<18} {:>9} {:>9} {:>9}", "", "P", "R", "F1");
    for (name, prf) in [
        ("strict match", s.strict),
        ("relaxed match", s.relaxed),
        ("type (attribute)", s.type_attr),
        ("value (attribute)", s.value_attr),
    ] {
        println!(
            "{name:<18} {:>9.4} {:>9.4} {:>9.4}",
            prf.precision, prf.recall, prf.f1
        );
    }
    println!(
        "type accuracy {:.4}, value accuracy {:.4} (over {} relaxed matches)",
        ratio(c.type_correct, c.relaxed),
        ratio(c.value_correct, c.relaxed),
        c.relaxed
    );
}
