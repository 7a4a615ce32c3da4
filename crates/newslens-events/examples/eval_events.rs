//! The same figures as `newslens eval events`, without the CLI (for working on the coder alone).
//! Usage: cargo run --release -p newslens-events --example eval_events -- [--petrarch FILE] [--meantime DIR]
use newslens_core::{Analysis, Annotator, Document};
use newslens_eval::meantime::{MeantimeScore, SystemEvent};
use newslens_eval::petrarch::{PetrarchScore, SystemCoding};

struct Stages {
    entities: newslens_entities::EntityStage,
    time: newslens_time::TimeStage,
    quotes: newslens_quotes::QuoteStage,
    events: newslens_events::EventStage,
}

impl Stages {
    fn run(&self, doc: Document) -> Result<Analysis, Box<dyn std::error::Error>> {
        let mut a = Analysis::new(doc);
        newslens_text::segment(&mut a);
        self.entities.annotate(&mut a)?;
        self.time.annotate(&mut a)?;
        self.quotes.annotate(&mut a)?;
        self.events.annotate(&mut a)?;
        Ok(a)
    }
}

fn date(s: Option<&str>) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s?, "%Y-%m-%d").ok()
}

fn code_for(a: &Analysis, cluster: Option<usize>, given: &Option<String>) -> Option<String> {
    if given.is_some() {
        return given.clone();
    }
    let c = a.entities.as_ref()?.clusters.get(cluster?)?;
    let letters: String = c
        .canonical
        .chars()
        .filter(|ch| ch.is_alphabetic())
        .take(3)
        .collect();
    (letters.chars().count() == 3).then(|| letters.to_uppercase())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let st = Stages {
        entities: newslens_entities::EntityStage::new()?,
        time: newslens_time::TimeStage::new(),
        quotes: newslens_quotes::QuoteStage::new(),
        events: newslens_events::EventStage::new()?,
    };
    let mut i = 0;
    while i + 1 < args.len() {
        let path = std::path::Path::new(&args[i + 1]);
        match args[i].as_str() {
            "--petrarch" => {
                let mut s = PetrarchScore::default();
                for r in newslens_eval::petrarch::read(path)? {
                    let mut doc = Document::from_text(r.id.clone(), r.text.clone());
                    doc.dateline = date(r.date.as_deref());
                    let a = st.run(doc)?;
                    let sys: Vec<SystemCoding> = a
                        .events
                        .iter()
                        .flat_map(|l| &l.events)
                        .map(|e| SystemCoding {
                            source: code_for(&a, e.actor, &e.actor_code),
                            target: code_for(&a, e.target, &e.target_code),
                            event: e.cameo.clone(),
                        })
                        .collect();
                    s.add(&r, &sys);
                }
                println!("{}", serde_json::to_string(&s)?);
            }
            "--meantime" => {
                let mut s = MeantimeScore::default();
                for d in newslens_eval::meantime::read_dir(path)? {
                    let mut doc = Document::from_text(d.name.clone(), d.text.clone());
                    doc.dateline = date(d.dct.as_deref());
                    let a = st.run(doc)?;
                    let sys: Vec<SystemEvent> = a
                        .events
                        .iter()
                        .flat_map(|l| &l.events)
                        .map(|e| SystemEvent {
                            action: (e.action.start, e.action.end),
                            actor: e.actor_span.map(|s| (s.start, s.end)),
                            target: e.target_span.map(|s| (s.start, s.end)),
                        })
                        .collect();
                    s.add(&d, &sys);
                }
                println!("{}", serde_json::to_string(&s)?);
            }
            other => return Err(format!("unknown option {other}").into()),
        }
        i += 2;
    }
    Ok(())
}
