//! Runs all-MiniLM-L6-v2 when its weights are installed (`scripts/fetch-minilm.sh`); prints SKIP
//! otherwise.

use newslens_embed::{cosine, resolve_model_dir, Embedder, DIM};

fn embedder() -> Option<Embedder> {
    match resolve_model_dir(None) {
        Ok(dir) => Some(Embedder::load(&dir).expect("weights present but not loadable")),
        Err(e) => {
            eprintln!("SKIP newslens-embed weight tests: {e}");
            None
        }
    }
}

#[test]
fn matches_the_reference_implementation() {
    let Some(emb) = embedder() else { return };
    // First values printed by sentence-transformers for this model on its model card.
    let v = emb.embed(&["This is an example sentence"]).unwrap();
    let reference = [
        0.067657f32,
        0.063496,
        0.048713,
        0.079305,
        0.037448,
        0.0026528,
        0.039375,
        -0.0070985,
    ];
    for (a, b) in v[0].iter().zip(reference) {
        assert!((a - b).abs() < 2e-5, "{:?} vs {reference:?}", &v[0][..8]);
    }
}

#[test]
fn sentence_vectors_are_normalised_and_semantic() {
    let Some(emb) = embedder() else { return };
    let texts = [
        "The minister praised the heroic soldiers defending the nation.",
        "The official lauded the brave troops who protect the country.",
        "Preheat the oven and bake the bread for forty minutes.",
        "",
    ];
    let v = emb.embed(&texts).unwrap();
    assert_eq!(v.len(), 4);
    for x in &v {
        assert_eq!(x.len(), DIM);
        let n: f32 = x.iter().map(|a| a * a).sum::<f32>().sqrt();
        assert!((n - 1.0).abs() < 1e-4, "norm {n}");
    }
    let para = cosine(&v[0], &v[1]);
    let other = cosine(&v[0], &v[2]);
    assert!(para > 0.6, "paraphrase cosine {para}");
    assert!(other < 0.3, "unrelated cosine {other}");
    // Batching and padding do not change a text's vector.
    let alone = emb.embed(&texts[..1]).unwrap();
    let d: f32 = alone[0]
        .iter()
        .zip(&v[0])
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    assert!(d < 1e-4, "batch vs alone max diff {d}");
}

#[test]
fn span_vectors_depend_on_the_span_and_long_texts_truncate() {
    let Some(emb) = embedder() else { return };
    let text = "They called him a treacherous enemy of the people, then went home for dinner.";
    let a = text.find("treacherous enemy").unwrap();
    let b = text.find("went home").unwrap();
    let out = emb
        .embed_spans(&[(text, &[(a, a + 17), (b, b + 9)][..])])
        .unwrap();
    assert_eq!(out[0].spans.len(), 2);
    let c = cosine(&out[0].spans[0], &out[0].spans[1]);
    assert!(c < 0.95, "different spans should differ: {c}");
    assert!(emb
        .embed_spans(&[(text, &[(0, text.len() + 1)][..])])
        .is_err());
    let long = "word ".repeat(2000);
    let v = emb.embed(&[long.as_str()]).unwrap();
    assert_eq!(v[0].len(), DIM);
}
