//! Cost of the rhetoric stage per article:
//! `cargo run --release -p newslens-rhetoric --example bench [-- DIR]` (default: the SemEval-2020
//! train articles in the shared data folder). Single thread, embedded models, model load excluded.
use std::time::Instant;

use newslens_core::{Analysis, Annotator, Document};
use newslens_rhetoric::RhetoricStage;

fn main() {
    let dir = std::env::args().nth(1).map_or_else(
        || {
            newslens_rhetoric::data::shared_data_root()
                .join("semeval2020-task11-ptc/train-articles")
        },
        std::path::PathBuf::from,
    );
    let Ok(arts) = newslens_eval::ptc::read_articles(&dir) else {
        eprintln!("SKIPPED: no articles in {}", dir.display());
        return;
    };
    let t0 = Instant::now();
    let stage = RhetoricStage::new().expect("embedded models");
    let load = t0.elapsed();
    let bytes: usize = arts.values().map(String::len).sum();
    let t1 = Instant::now();
    let mut spans = 0usize;
    for (id, text) in &arts {
        let mut a = Analysis::new(Document::from_text(id.clone(), text.clone()));
        stage.annotate(&mut a).expect("annotate");
        spans += a.rhetoric.map_or(0, |r| r.techniques.len());
    }
    let el = t1.elapsed();
    println!(
        "rhetoric stage: {} articles, {:.1} KB avg, {:.2} ms/article, {:.2} MB/s, {} spans; model load {:.0} ms",
        arts.len(),
        bytes as f64 / arts.len().max(1) as f64 / 1e3,
        el.as_secs_f64() * 1e3 / arts.len().max(1) as f64,
        bytes as f64 / 1e6 / el.as_secs_f64(),
        spans,
        load.as_secs_f64() * 1e3
    );
}
