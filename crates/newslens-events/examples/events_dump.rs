//! Runs text, entities, time, quotes and events on a file and prints every layer the events stage
//! reads and writes (debugging aid).
//! Usage: cargo run -p newslens-events --example events_dump -- FILE
use newslens_core::{Analysis, Annotator};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: events_dump FILE")?;
    let raw = std::fs::read_to_string(&path)?;
    let doc = newslens_ingest::read_str(&raw, &path)
        .into_iter()
        .next()
        .ok_or("no document")??;
    let mut an = Analysis::new(doc);
    newslens_text::segment(&mut an);
    newslens_entities::EntityStage::new()?.annotate(&mut an)?;
    newslens_time::TimeStage::new().annotate(&mut an)?;
    newslens_quotes::QuoteStage::new().annotate(&mut an)?;
    newslens_events::EventStage::new()?.annotate(&mut an)?;
    an.validate()?;
    let t = an.text();
    if let Some(e) = &an.entities {
        for m in &e.mentions {
            println!(
                "M{} {:?} {:?} c{} {}",
                m.id,
                m.kind,
                m.entity_type,
                m.cluster,
                m.span.text(t)
            );
        }
        for c in &e.clusters {
            println!("C{} {} {:?}", c.id, c.canonical, c.entity_type);
        }
    }
    if let Some(x) = &an.time {
        for x in &x.timexes {
            println!(
                "T{} {:?} {:?} {}",
                x.id,
                x.timex_type,
                x.value,
                x.span.text(t)
            );
        }
    }
    if let Some(q) = &an.quotes {
        for q in &q.quotes {
            println!(
                "Q{} {:?} spk {:?} cue {:?} src {:?} :: {:?}",
                q.id,
                q.kind,
                q.speaker,
                q.cue.map(|c| c.text(t)),
                q.source.map(|c| c.text(t)),
                q.content.iter().map(|c| c.text(t)).collect::<Vec<_>>()
            );
        }
    }
    let name = |c: Option<usize>| {
        c.and_then(|c| {
            an.entities
                .as_ref()
                .map(|e| e.clusters[c].canonical.clone())
        })
        .unwrap_or_else(|| "-".into())
    };
    if let Some(ev) = &an.events {
        for e in &ev.events {
            println!(
                "E{} {} --{} [{} {}] {:?}--> {} ({:?} {:?} {:?}/{:?}) q{:?}",
                e.id,
                name(e.actor),
                e.action.text(t),
                e.cameo,
                e.cameo_label,
                e.modality,
                name(e.target),
                e.date,
                e.timex,
                e.actor_code,
                e.target_code,
                e.quote
            );
        }
        for s in &ev.stances {
            println!(
                "S {} -> {} {:.2} {:?}",
                name(Some(s.source)),
                name(Some(s.target)),
                s.polarity,
                s.evidence.iter().map(|x| x.text(t)).collect::<Vec<_>>()
            );
        }
        println!("tone {:?}", ev.tone);
    }
    Ok(())
}
