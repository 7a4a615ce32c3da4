//! Throughput of the events stage alone: the upstream layers (text, entities, time, quotes) are
//! computed once for every MEANTIME article, then the events stage is timed over all of them.
//! Usage: cargo run --release -p newslens-events --example events_bench -- ../shared/data/meantime-en/intra-doc_annotation [ROUNDS]
use std::time::Instant;

use newslens_core::{Analysis, Annotator, Document};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .ok_or("usage: events_bench MEANTIME_DIR [ROUNDS]")?;
    let rounds: usize = args.next().map_or(Ok(20), |r| r.parse())?;
    let docs = newslens_eval::meantime::read_dir(std::path::Path::new(&dir))?;
    let entities = newslens_entities::EntityStage::new()?;
    let time = newslens_time::TimeStage::new();
    let quotes = newslens_quotes::QuoteStage::new();
    let events = newslens_events::EventStage::new()?;
    let mut analyses = Vec::new();
    for d in &docs {
        let mut a = Analysis::new(Document::from_text(d.name.clone(), d.text.clone()));
        newslens_text::segment(&mut a);
        entities.annotate(&mut a)?;
        time.annotate(&mut a)?;
        quotes.annotate(&mut a)?;
        analyses.push(a);
    }
    let tokens: usize = analyses.iter().map(|a| a.tokens.len()).sum();
    let mut n_events = 0;
    let start = Instant::now();
    for _ in 0..rounds {
        for a in &analyses {
            n_events += events.analyze(a).events.len();
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let articles = (analyses.len() * rounds) as f64;
    println!(
        "events stage: {} articles x {} rounds, {} events/round: {:.0} articles/s, {:.0} tokens/s (one core)",
        analyses.len(),
        rounds,
        n_events / rounds.max(1),
        articles / secs,
        (tokens * rounds) as f64 / secs
    );
    Ok(())
}
