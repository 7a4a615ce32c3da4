//! Words per second of NER alone and of the whole entities stage on plain-text files, one thread.
//! Usage: cargo run --release -p newslens-entities --example bench_ner -- FILE...
//! Prints one JSON object (used by bench/compare_spacy.sh).
use newslens_core::{Analysis, Annotator, Document};
use newslens_entities::{bench, stage::default_model, wordtok, EntityStage};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    let texts: Vec<String> = paths
        .iter()
        .map(std::fs::read_to_string)
        .collect::<Result<_, _>>()?;
    let docs: Vec<Vec<Vec<&str>>> = texts.iter().map(|t| wordtok::sentences(t)).collect();
    let model = default_model()?;
    let ner = bench::ner_throughput(&model, &docs, 3.0);

    // Whole stage: segmentation (text layer) + NER + roles + clusters.
    let stage = EntityStage::new()?;
    let start = std::time::Instant::now();
    let mut words = 0usize;
    while start.elapsed().as_secs_f64() < 3.0 {
        for t in &texts {
            let mut a = Analysis::new(Document::from_text("b", t.clone()));
            newslens_text::segment(&mut a);
            words += a.tokens.len();
            stage.annotate(&mut a)?;
        }
    }
    let stage_wps = words as f64 / start.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "ner_words": ner.words,
            "ner_seconds": ner.seconds,
            "ner_words_per_sec": ner.words_per_sec,
            "stage_tokens_per_sec": stage_wps,
        })
    );
    Ok(())
}
