//! End-to-end tests of `newslens bench`'s generated corpora: `--write-corpus` writes what the
//! measurements read, and the varied corpus goes through every stage and the store.

use std::process::Command;

use serde_json::Value;

fn bench(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_newslens"))
        .arg("bench")
        .args(args)
        .output()
        .expect("spawn newslens")
}

#[test]
fn write_corpus_writes_one_readable_article_per_file() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("corpus");
    let out = bench(&[
        "--corpus",
        "varied",
        "--articles",
        "7",
        "--write-corpus",
        out_dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut files: Vec<_> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 7);
    let texts: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    assert!(texts
        .iter()
        .all(|t| t.starts_with("date 20") && t.len() > 1500));
    assert_ne!(texts[0], texts[1]);

    // The files are the corpus `--corpus varied` measures: the same bytes as `--input DIR`.
    let generated = bench(&["--corpus", "varied", "--articles", "7", "--json"]);
    let from_files = bench(&["--input", out_dir.to_str().unwrap(), "--json"]);
    let g: Value = serde_json::from_slice(&generated.stdout).unwrap();
    let f: Value = serde_json::from_slice(&from_files.stdout).unwrap();
    assert_eq!(g["corpus"], "varied");
    assert_eq!(f["corpus"], "input");
    assert_eq!(g["megabytes"], f["megabytes"]);
    assert_eq!(g["read_segment"]["tokens"], f["read_segment"]["tokens"]);
}

#[test]
fn varied_corpus_runs_every_stage_and_the_store() {
    let out = bench(&[
        "--corpus",
        "varied",
        "--articles",
        "30",
        "--pipeline",
        "--ingest",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["articles"], 30);
    let stages = r["pipeline"]["microseconds_per_article"]
        .as_object()
        .unwrap();
    for s in ["text", "entities", "quotes", "time", "events", "rhetoric"] {
        assert!(stages[s].as_f64().unwrap() > 0.0, "stage {s} did not run");
    }
    assert_eq!(r["ingest"]["articles"], 30);
}

#[test]
fn write_corpus_refuses_input() {
    let out = bench(&["--input", ".", "--write-corpus", "/nonexistent/x"]);
    assert_eq!(out.status.code(), Some(2));
}
