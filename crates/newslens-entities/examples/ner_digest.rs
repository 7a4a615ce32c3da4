//! Digest of the NER labels and of the whole entities layer over many files, to check that a
//! speed change leaves the output unchanged: run before and after, compare the printed lines.
//! Usage: cargo run --release -p newslens-entities --example ner_digest -- FILE... > digest.txt
//! Prints one line per file (`blake3 of the labels`, `blake3 of the entities layer JSON`, path)
//! and a last line with the digest of everything.
use newslens_core::{Analysis, Annotator, Document};
use newslens_entities::{stage::default_model, wordtok, EntityStage};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let model = default_model()?;
    let stage = EntityStage::new()?;
    let mut all = blake3::Hasher::new();
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path)?;
        let sents = wordtok::sentences(&text);
        let mut h = blake3::Hasher::new();
        for s in model.tag_document(&sents) {
            for l in s {
                h.update(&(l as u32).to_le_bytes());
            }
            h.update(b"|");
        }
        let labels = h.finalize();
        let mut a = Analysis::new(Document::from_text("d", text));
        newslens_text::segment(&mut a);
        stage.annotate(&mut a)?;
        let layer = newslens_core::json::with_text(a.text(), || serde_json::to_vec(&a.entities))?;
        let layer = blake3::hash(&layer);
        all.update(labels.as_bytes());
        all.update(layer.as_bytes());
        println!(
            "{} {} {path}",
            &labels.to_hex()[..16],
            &layer.to_hex()[..16]
        );
    }
    println!("all {}", all.finalize().to_hex());
    Ok(())
}
