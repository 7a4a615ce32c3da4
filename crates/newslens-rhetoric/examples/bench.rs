//! Cost of the rhetoric stage per article:
//! `cargo run --release -p newslens-rhetoric --example bench [-- [--short] [DIR]]` (default: the
//! SemEval-2020 train articles in the shared data folder). `--short` cuts every article after
//! the line that passes 1,100 bytes (the size of the generated articles of `newslens bench`).
//! Single thread, embedded models, model load excluded; the best of three passes.
use std::time::Instant;

use newslens_core::{Analysis, Annotator, Document};
use newslens_rhetoric::RhetoricStage;

fn main() {
    let short = std::env::args().any(|a| a == "--short");
    let dir = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .map_or_else(
            || {
                newslens_rhetoric::data::shared_data_root()
                    .join("semeval2020-task11-ptc/train-articles")
            },
            std::path::PathBuf::from,
        );
    let Ok(mut arts) = newslens_eval::ptc::read_articles(&dir) else {
        eprintln!("SKIPPED: no articles in {}", dir.display());
        return;
    };
    if short {
        for text in arts.values_mut() {
            if let Some(i) = text.get(1100..).and_then(|t| t.find('\n')) {
                text.truncate(1100 + i);
            }
        }
    }
    let t0 = Instant::now();
    let stage = RhetoricStage::new().expect("embedded models");
    let load = t0.elapsed();
    let bytes: usize = arts.values().map(String::len).sum();
    let mut best = f64::MAX;
    let mut spans = 0usize;
    for _ in 0..3 {
        let t1 = Instant::now();
        spans = 0;
        for (id, text) in &arts {
            let mut a = Analysis::new(Document::from_text(id.clone(), text.clone()));
            stage.annotate(&mut a).expect("annotate");
            spans += a.rhetoric.map_or(0, |r| r.techniques.len());
        }
        best = best.min(t1.elapsed().as_secs_f64());
    }
    println!(
        "rhetoric stage: {} articles, {:.1} KB avg, {:.0} µs/article, {:.2} MB/s, {} spans; model load {:.0} ms",
        arts.len(),
        bytes as f64 / arts.len().max(1) as f64 / 1e3,
        best * 1e6 / arts.len().max(1) as f64,
        bytes as f64 / 1e6 / best,
        spans,
        load.as_secs_f64() * 1e3
    );
}
