//! Training on a tiny CoNLL file written for the test: deterministic bytes, learns the data.

use std::path::PathBuf;

use newslens_entities::ner::{self, NerModel, TrainConfig};

fn tiny_conll() -> String {
    let mut s = String::from("-DOCSTART- -X- -X- O\n\n");
    let people = [
        ("Ann", "Lee"),
        ("Bob", "Marsh"),
        ("Cara", "Diaz"),
        ("Dan", "Olsen"),
    ];
    let places = ["Oslo", "Lima", "Quito", "Hanoi"];
    for round in 0..6 {
        for (k, (f, l)) in people.iter().enumerate() {
            let p = places[(k + round) % places.len()];
            s += &format!(
                "{f} NNP B-NP B-PER\n{l} NNP I-NP I-PER\nflew VBD B-VP O\nto TO B-PP O\n{p} NNP B-NP B-LOC\n. . O O\n\n"
            );
            s += &format!("Acme NNP B-NP B-ORG\nhired VBD B-VP O\n{l} NNP B-NP B-PER\n. . O O\n\n");
        }
        s += "-DOCSTART- -X- -X- O\n\n";
    }
    s
}

#[test]
fn training_is_deterministic_and_learns() {
    let dir = std::env::temp_dir().join(format!("newslens-ner-train-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let train = dir.join("train.txt");
    std::fs::write(&train, tiny_conll()).unwrap();
    let mut cfg = TrainConfig::new(train.clone());
    cfg.dev = Some(train);
    cfg.epochs = 4;
    cfg.bits = 14;
    let paths: Vec<PathBuf> = (0..2).map(|i| dir.join(format!("m{i}.bin"))).collect();
    for p in &paths {
        let (model, report) = ner::train(&cfg, |_| {}).unwrap();
        assert!(report.dev.as_ref().unwrap().f1 > 0.9, "{:?}", report.dev);
        model.save(p).unwrap();
    }
    let a = std::fs::read(&paths[0]).unwrap();
    let b = std::fs::read(&paths[1]).unwrap();
    assert_eq!(a, b, "same inputs and seed give the same model bytes");
    let model = NerModel::from_bytes(&a).unwrap();
    let labels = model.tag_document(&[vec!["Cara", "Diaz", "flew", "to", "Lima", "."]]);
    let spans = ner::spans(&labels[0]);
    assert_eq!(spans.len(), 2, "{labels:?}");
    assert_eq!(spans[0].0..spans[0].1, 0..2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_final_model_trains_fixed_epochs_on_several_files_and_reuses_a_phrase_table() {
    let dir = std::env::temp_dir().join(format!("newslens-ner-final-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (train, more) = (dir.join("train.txt"), dir.join("more.txt"));
    std::fs::write(&train, tiny_conll()).unwrap();
    std::fs::write(
        &more,
        "-DOCSTART- -X- -X- O\n\nEve NNP B-NP B-PER\nWong NNP I-NP I-PER\nflew VBD B-VP O\nto TO B-PP O\nRiga NNP B-NP B-LOC\n. . O O\n\n",
    )
    .unwrap();
    let base = {
        let mut c = TrainConfig::new(train.clone());
        c.epochs = 3;
        c.bits = 14;
        c
    };
    let (one, _) = ner::train(&base, |_| {}).unwrap();
    let first = dir.join("first.bin");
    one.save(&first).unwrap();
    let mut cfg = base.clone();
    cfg.more_train = vec![more];
    cfg.epochs2 = Some(2);
    cfg.phrases_from = Some(first.clone());
    let mut lines = Vec::new();
    let (two, report) = ner::train(&cfg, |l| lines.push(l.to_string())).unwrap();
    assert_eq!(two.info().train_sentences, one.info().train_sentences + 1);
    assert!(report.dev.is_none());
    // Without a dev file the epochs are fixed: 3 in pass 1, 2 in pass 2, per seed.
    assert!(lines
        .iter()
        .any(|l| l.starts_with("pass 1 seed 1 epoch 3:")));
    assert!(!lines
        .iter()
        .any(|l| l.starts_with("pass 1 seed 1 epoch 4:")));
    assert!(lines
        .iter()
        .any(|l| l.starts_with("pass 2 seed 1 epoch 2:")));
    assert!(!lines
        .iter()
        .any(|l| l.starts_with("pass 2 seed 1 epoch 3:")));
    // A model whose phrase table came from a file saves to the same bytes when retrained.
    let (a, b) = (dir.join("a.bin"), dir.join("b.bin"));
    two.save(&a).unwrap();
    ner::train(&cfg, |_| {}).unwrap().0.save(&b).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    // Loading and saving again keeps the bytes (the phrase table is written in key order).
    NerModel::load(&a).unwrap().save(&b).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}
