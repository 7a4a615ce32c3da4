//! Development driver for NER training (the CLI's `newslens train ner` does the same).
//! Usage: cargo run --release -p newslens-entities --example train_ner -- TRAIN DEV OUT [DATA_DIR]
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    let mut cfg = newslens_entities::ner::TrainConfig::new(PathBuf::from(&a[1]));
    cfg.dev = Some(PathBuf::from(&a[2]));
    cfg.unlabelled = a.get(4).map(PathBuf::from);
    if let Ok(e) = std::env::var("EPOCHS") {
        cfg.epochs = e.parse()?;
    }
    if let Ok(b) = std::env::var("BITS") {
        cfg.bits = b.parse()?;
    }
    let t = std::time::Instant::now();
    let (model, report) =
        newslens_entities::ner::train(&cfg, |l| eprintln!("{l} [{:.0?}]", t.elapsed()))?;
    model.save(std::path::Path::new(&a[3]))?;
    if let Some(d) = report.dev {
        eprintln!("{}", newslens_eval::conll::format_table(&d));
    }
    Ok(())
}
