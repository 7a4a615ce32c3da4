//! Prints the quotes of a plain-text file: `cargo run -p newslens-quotes --example show -- FILE`.

use newslens_core::{Analysis, Annotator, Document};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: show FILE")?;
    let text = std::fs::read_to_string(&path)?;
    let mut a = Analysis::new(Document::from_text("x", text));
    newslens_text::segment(&mut a);
    if let Some(e) = &a.entities {
        for c in &e.clusters {
            let ms: Vec<&str> = c
                .mentions
                .iter()
                .map(|&m| a.slice(e.mentions[m].span))
                .collect();
            println!(
                "cluster {} {} {:?} {:?}",
                c.id, c.canonical, c.entity_type, ms
            );
        }
    }
    let stage = newslens_quotes::QuoteStage::new();
    stage.annotate(&mut a)?;
    if std::env::var("SHOW_CANDIDATES").is_ok() {
        let v = newslens_quotes::view::View::new(&a);
        let mut f = Vec::new();
        for c in stage.model().candidates(&v) {
            let s = stage.model().score(&v, &c, &mut f);
            println!(
                "cand {:?} {:.2}",
                newslens_quotes::extract::cue_form(&v, &c),
                s
            );
        }
        println!("threshold {}", stage.model().threshold);
    }
    if std::env::var("SHOW_REGIONS").is_ok() {
        let v = newslens_quotes::view::View::new(&a);
        for r in &v.regions {
            println!(
                "region open {} close {:?} last {} {:?}",
                r.open,
                r.close,
                r.last,
                a.slice(r.outer)
            );
        }
        for (i, w) in v.lw.iter().enumerate() {
            print!("{i}:{w} ");
        }
        println!();
    }
    let l = a.quotes.as_ref().ok_or("no layer")?;
    for q in &l.quotes {
        println!(
            "#{} {:?} src={:?} cue={:?} speaker={:?}\n    {:?}",
            q.id,
            q.kind,
            q.source.map(|s| a.slice(s)),
            q.cue.map(|s| a.slice(s)),
            q.speaker_name,
            q.content.iter().map(|s| a.slice(*s)).collect::<Vec<_>>()
        );
    }
    for s in &l.scare_quotes {
        println!("scare: {:?}", a.slice(s.span));
    }
    Ok(())
}
