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

fn analyse() -> Option<Analysis> {
    let path = seed_path();
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("SKIPPED: seed article not found at {}", path.display());
        return None;
    };
    let mut a = Analysis::new(Document::from_text("seed", text));
    RhetoricStage::new()
        .expect("embedded model")
        .annotate(&mut a)
        .expect("annotate");
    Some(a)
}

fn labels_over(a: &Analysis, phrase: &str) -> Vec<String> {
    let start = a.text().find(phrase).expect("phrase in seed");
    let target = newslens_core::Span::new(start, start + phrase.len());
    a.rhetoric
        .as_ref()
        .expect("layer")
        .techniques
        .iter()
        .filter(|t| t.span.overlaps(&target))
        .map(|t| t.technique.clone())
        .collect()
}

#[test]
fn seed_techniques_and_frames() {
    let Some(a) = analyse() else { return };
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
    let l = labels_over(&a, "treacherous, dangerous and aggressive enemy");
    assert!(l.iter().any(|x| ll_nc.contains(&x.as_str())), "{l:?}");
    let l = labels_over(&a, "global neo-colonial dictatorship");
    assert!(l.iter().any(|x| ll_nc.contains(&x.as_str())), "{l:?}");
    let l = labels_over(&a, "heroic Korean people");
    assert!(
        l.iter()
            .any(|x| x == "Loaded_Language" || x == "Flag-Waving"),
        "{l:?}"
    );
    assert!(!labels_over(&a, "Treacherous West").is_empty());
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
