//! Prints each PETRARCH validation record with the expected codings and the events coded for it
//! (debugging aid for the verb dictionary; the figures come from `newslens eval events`).
//! Usage: cargo run -p newslens-events --example petrarch_debug -- FILE.xml
use newslens_core::{Analysis, Annotator, Document};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: petrarch_debug FILE.xml")?;
    let records = newslens_eval::petrarch::read(std::path::Path::new(&path))?;
    let entities = newslens_entities::EntityStage::new()?;
    let time = newslens_time::TimeStage::new();
    let quotes = newslens_quotes::QuoteStage::new();
    let events = newslens_events::EventStage::new()?;
    for r in &records {
        let mut doc = Document::from_text(r.id.clone(), r.text.clone());
        doc.dateline = r
            .date
            .as_deref()
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        let mut a = Analysis::new(doc);
        newslens_text::segment(&mut a);
        entities.annotate(&mut a)?;
        time.annotate(&mut a)?;
        quotes.annotate(&mut a)?;
        events.annotate(&mut a)?;
        println!("== {} [{}] {}", r.id, r.category, r.text);
        let want: Vec<String> = r
            .codings
            .iter()
            .map(|c| format!("{} -{}-> {}", c.source, c.event, c.target))
            .collect();
        println!(
            "   want {:?}{}",
            want,
            if r.noevents { " (no events)" } else { "" }
        );
        let t = a.text();
        let name = |c: Option<usize>| {
            c.and_then(|c| a.entities.as_ref().map(|e| e.clusters[c].canonical.clone()))
                .unwrap_or_else(|| "-".into())
        };
        for e in a.events.iter().flat_map(|l| &l.events) {
            println!(
                "   got  {}({:?}) -{} {}-> {}({:?}) {:?}",
                name(e.actor),
                e.actor_code,
                e.cameo,
                e.action.text(t),
                name(e.target),
                e.target_code,
                e.modality
            );
        }
    }
    Ok(())
}
