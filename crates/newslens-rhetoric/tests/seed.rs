//! Acceptance on the seed article (read from the shared folder at run time; skipped when absent).

use std::path::PathBuf;

use newslens_core::{Analysis, Annotator, Document};
use newslens_rhetoric::RhetoricStage;

fn seed_path() -> PathBuf {
    if let Ok(p) = std::env::var("NEWSLENS_SHARED_DATA") {
        return PathBuf::from(p).join("../examples/seed-article.txt");
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/examples/seed-article.txt")
}

/// The seed analysed twice: from the bare text (one sentence per line), and as the pipeline
/// does (reader, then the text layer's paragraphs and sentences).
fn analyse() -> Option<Vec<Analysis>> {
    let path = seed_path();
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("SKIPPED: seed article not found at {}", path.display());
        return None;
    };
    let stage = RhetoricStage::new().expect("embedded model");
    let mut bare = Analysis::new(Document::from_text("seed", text.clone()));
    stage.annotate(&mut bare).expect("annotate");
    let doc = newslens_ingest::read_str(&text, "seed-article.txt")
        .into_iter()
        .next()
        .expect("one document")
        .expect("readable");
    let mut full = Analysis::new(doc);
    newslens_text::segment(&mut full);
    stage.annotate(&mut full).expect("annotate");
    Some(vec![bare, full])
}

/// Labels of the technique spans that are the phrase's own: inside the phrase (give or take a
/// short word such as "the" on either side) and covering at least half of it. A long span
/// that merely contains the phrase does not count.
fn own_labels(a: &Analysis, phrase: &str) -> Vec<String> {
    let start = a.text().find(phrase).expect("phrase in seed");
    let end = start + phrase.len();
    a.rhetoric
        .as_ref()
        .expect("layer")
        .techniques
        .iter()
        .filter(|t| {
            let inter = t.span.end.min(end).saturating_sub(t.span.start.max(start));
            t.span.start + 4 >= start && t.span.end <= end + 4 && 2 * inter >= phrase.len()
        })
        .map(|t| t.technique.clone())
        .collect()
}

#[test]
fn seed_techniques_and_frames() {
    let Some(all) = analyse() else { return };
    for a in &all {
        check(a);
    }
}

fn check(a: &Analysis) {
    a.validate().expect("valid analysis");
    let r = a.rhetoric.as_ref().expect("layer");
    for t in &r.techniques {
        eprintln!(
            "{:?} {} / {} {:.2}",
            a.slice(t.span),
            t.technique,
            t.technique_2023,
            t.score
        );
    }
    eprintln!(
        "frames {:?}",
        r.frames
            .iter()
            .map(|f| (&f.label, f.score))
            .collect::<Vec<_>>()
    );
    eprintln!("genre {:?}", r.genre);
    let ll_nc = ["Loaded_Language", "Name_Calling,Labeling"];
    for phrase in [
        "treacherous, dangerous and aggressive enemy",
        "global neo-colonial dictatorship",
        "Treacherous West",
    ] {
        let l = own_labels(a, phrase);
        assert!(
            l.iter().any(|x| ll_nc.contains(&x.as_str())),
            "{phrase}: {l:?}"
        );
    }
    let l = own_labels(a, "heroic Korean people");
    assert!(
        l.iter()
            .any(|x| x == "Loaded_Language" || x == "Flag-Waving"),
        "heroic Korean people: {l:?}"
    );
    let frames: Vec<&str> = r.frames.iter().map(|f| f.label.as_str()).collect();
    assert!(
        frames.iter().any(|f| [
            "Security_and_defense",
            "External_regulation_and_reputation",
            "Political"
        ]
        .contains(f)),
        "{frames:?}"
    );
    // Every technique carries labels of both taxonomies and a sentence id.
    for t in &r.techniques {
        assert!(!t.technique_2023.is_empty());
        assert!(
            newslens_rhetoric::taxonomy::to_2023(&t.technique).contains(&t.technique_2023.as_str())
        );
    }
}
