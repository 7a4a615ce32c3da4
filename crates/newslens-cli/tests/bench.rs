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

#[test]
fn ingest_rounds_report_every_round_and_the_median_one() {
    let out = bench(&["--articles", "12", "--ingest", "--rounds", "3", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rounds = &r["ingest_rounds"];
    let rates: Vec<f64> = rounds["articles_per_cpu_s"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(rates.len(), 3);
    let mut sorted = rates.clone();
    sorted.sort_by(f64::total_cmp);
    assert_eq!(rounds["min"].as_f64(), Some(sorted[0]));
    assert_eq!(rounds["median"].as_f64(), Some(sorted[1]));
    assert_eq!(rounds["max"].as_f64(), Some(sorted[2]));
    // `ingest` is the median round itself, every article stored in it.
    assert_eq!(r["ingest"]["articles_per_cpu_s"].as_f64(), Some(sorted[1]));
    assert_eq!(r["ingest"]["articles"], 12);

    // One round (the default) reports no rounds; zero rounds is a usage error.
    let one = bench(&["--articles", "5", "--ingest", "--json"]);
    let one: Value = serde_json::from_slice(&one.stdout).unwrap();
    assert!(one.get("ingest_rounds").is_none());
    assert_eq!(one["ingest"]["articles"], 5);
    let zero = bench(&["--articles", "5", "--ingest", "--rounds", "0"]);
    assert_eq!(zero.status.code(), Some(2));
}
