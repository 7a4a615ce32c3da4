//! Prints the entities layer of a file or of text given on the command line (debugging aid).
//! Usage: cargo run -p newslens-entities --example entities_dump -- FILE | --text "..."
use newslens_core::{Analysis, Annotator};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    let doc = if a[1] == "--text" {
        newslens_core::Document::from_text("t", a[2].clone())
    } else {
        let raw = std::fs::read_to_string(&a[1])?;
        newslens_ingest::read_str(&raw, &a[1])
            .into_iter()
            .next()
            .ok_or("no document")??
    };
    let mut an = Analysis::new(doc);
    newslens_text::segment(&mut an);
    newslens_entities::EntityStage::new()?.annotate(&mut an)?;
    let e = an.entities.as_ref().ok_or("no layer")?;
    for c in &e.clusters {
        let forms: Vec<String> = c
            .mentions
            .iter()
            .map(|&m| {
                format!(
                    "{}[{:?}]",
                    e.mentions[m].span.text(an.text()),
                    e.mentions[m].kind
                )
            })
            .collect();
        println!("{} {} {:?}", c.entity_type.as_str(), c.canonical, forms);
        for r in &c.roles {
            println!(
                "    role {:?} aff {:?} cl {:?} ev {:?}",
                r.title,
                r.affiliation,
                r.affiliation_cluster,
                r.evidence.text(an.text())
            );
        }
    }
    Ok(())
}
