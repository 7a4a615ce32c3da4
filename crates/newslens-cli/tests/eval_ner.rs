//! `newslens eval ner --stage`: the whole entities stage scored on a CoNLL file written here.

use std::process::Command;

/// Two documents of sentences whose names the stage gets right (tokens as CoNLL writes them).
const CONLL: &str = "-DOCSTART- -X- -X- O

French NNP B-NP B-MISC
Foreign NNP I-NP O
Minister NNP I-NP O
Jean NNP I-NP B-PER
Dupont NNP I-NP I-PER
met VBD B-VP O
officials NNS B-NP O
in IN B-PP O
Rome NNP B-NP B-LOC
on IN B-PP O
Monday NNP B-NP O
. . O O

Dupont NNP B-NP B-PER
later RB B-ADVP O
flew VBD B-VP O
to TO B-PP O
Paris NNP B-NP B-LOC
. . O O

-DOCSTART- -X- -X- O

The DT B-NP O
United NNP I-NP B-ORG
Nations NNP I-NP I-ORG
said VBD B-VP O
on IN B-PP O
Tuesday NNP B-NP O
that IN B-SBAR O
talks NNS B-NP O
in IN B-PP O
Geneva NNP B-NP B-LOC
would MD B-VP O
resume VB I-VP O
. . O O
";

fn eval(file: &std::path::Path, extra: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_newslens"))
        .args(["eval", "ner", "--json", "--conll", file.to_str().unwrap()])
        .args(extra)
        .output()
        .expect("spawn newslens");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn the_stage_is_scored_on_the_files_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tiny.txt");
    std::fs::write(&file, CONLL).unwrap();
    let stage = eval(&file, &["--stage"]);
    // Every name found with its type: the stage's character spans were mapped back onto the
    // file's tokens (a wrong mapping loses or shifts chunks and the figure drops).
    assert_eq!(stage["f1"].as_f64(), Some(1.0), "{stage}");
    for t in ["PER", "LOC", "ORG", "MISC"] {
        assert_eq!(
            stage["per_type"][t]["f1"].as_f64(),
            Some(1.0),
            "{t}: {stage}"
        );
    }
    let model = eval(&file, &[]);
    assert!(model["f1"].as_f64().is_some_and(|f| f > 0.5), "{model}");
}

#[test]
fn a_reader_that_goes_away_ends_the_command_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tiny.txt");
    std::fs::write(&file, CONLL).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_newslens"))
        .args(["eval", "ner", "--stage", "--conll", file.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn newslens");
    // Close the read end before the model has loaded: the first write meets a closed pipe
    // (`newslens … | head -0`). It used to panic in `println!`.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "{stderr}");
}
