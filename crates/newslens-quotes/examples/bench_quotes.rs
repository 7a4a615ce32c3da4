//! Throughput of the quotes stage next to segmentation (and NER, when linked), over the texts of
//! a PolNeAR split:
//! `cargo run --release -p newslens-quotes --example bench_quotes -- ../shared/data/polnear/train`

use std::time::Instant;

use newslens_core::{Analysis, Annotator, Document};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: bench_quotes SPLIT_DIR")?;
    let arts = newslens_eval::polnear::read_split(std::path::Path::new(&dir))?;
    let bytes: usize = arts.iter().map(|a| a.text.len()).sum();
    let mut docs: Vec<Analysis> = arts
        .iter()
        .map(|a| Analysis::new(Document::from_text(a.name.clone(), a.text.clone())))
        .collect();
    let t = Instant::now();
    for a in docs.iter_mut() {
        newslens_text::segment(a);
    }
    let seg = t.elapsed().as_secs_f64();
    let ents = newslens_entities::EntityStage::new()?;
    let t = Instant::now();
    for a in docs.iter_mut() {
        ents.annotate(a)?;
    }
    let ner = t.elapsed().as_secs_f64();
    let stage = newslens_quotes::QuoteStage::new();
    let t = Instant::now();
    let mut n = 0;
    for a in docs.iter_mut() {
        stage.annotate(a)?;
        n += a.quotes.as_ref().map_or(0, |q| q.quotes.len());
    }
    let quotes = t.elapsed().as_secs_f64();
    let k = docs.len() as f64;
    println!(
        "{} articles, {:.1} MB, one thread: segment {:.0} articles/s, entities {:.0} articles/s, quotes {:.0} articles/s ({} quotes)",
        docs.len(),
        bytes as f64 / 1e6,
        k / seg,
        k / ner,
        k / quotes,
        n
    );
    Ok(())
}
