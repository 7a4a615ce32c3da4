//! Crash safety of `newslens ingest`: kill -9 the real binary mid-ingest, rerun, and every
//! article is stored (and indexed) exactly once. Also: two concurrent ingests on one store
//! serialise, a foreign `--db` is refused and left untouched, and a file that could not be read
//! in full is read again by the next run.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_newslens");

const WORDS: &[&str] = &[
    "ministry",
    "officials",
    "harbour",
    "council",
    "budget",
    "agreement",
    "talks",
    "border",
    "minister",
    "spokesperson",
    "energy",
    "grain",
    "shipping",
    "delegation",
    "summit",
    "reform",
    "court",
    "election",
    "province",
    "workers",
    "prices",
    "exports",
    "coalition",
    "envoy",
];
const NAMES: &[&str] = &[
    "Anna Keller",
    "Tomas Reyes",
    "Mira Olsen",
    "Jonas Brandt",
    "Leila Haddad",
];

/// Writes `n` original seed-format articles (unique texts) into `dir`.
fn write_corpus(dir: &Path, n: usize) {
    std::fs::create_dir_all(dir).unwrap();
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for i in 0..n {
        let mut body = String::new();
        for p in 0..4 {
            for s in 0..3 {
                let mut words: Vec<&str> = (0..12)
                    .map(|_| WORDS[(next() % WORDS.len() as u64) as usize])
                    .collect();
                words[0] = "The";
                body.push_str(&words.join(" "));
                body.push_str(&format!(" in case {i}-{p}-{s}. "));
            }
            let name = NAMES[(next() % NAMES.len() as u64) as usize];
            body.push_str(&format!(
                "“We will publish the report on item {i} next week,” {name} said.\n\n"
            ));
        }
        let text = format!(
            "date 2024-{:02}-{:02} Council debates budget item {i}\n\nBy Staff Reporter\n\n{body}",
            1 + i % 12,
            1 + i % 28
        );
        std::fs::write(dir.join(format!("a{i:05}.txt")), text).unwrap();
    }
}

fn stats(db: &Path) -> Option<serde_json::Value> {
    let out = Command::new(BIN)
        .args(["stats", "--json", "--db"])
        .arg(db)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    serde_json::from_slice(&out.stdout).ok()
}

fn ingest(corpus: &Path, db: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.arg("ingest").arg(corpus).arg("--db").arg(db);
    c.stdout(Stdio::null()).stderr(Stdio::piped());
    c
}

/// Every stored article appears once in the search index.
fn indexed_articles(db: &Path) -> Vec<String> {
    let out = Command::new(BIN)
        .args([
            "search", "", "--limit", "1000000", "--format", "jsonl", "--db",
        ])
        .arg(db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|h| h["kind"] == "article")
        .map(|h| h["content_hash"].as_str().unwrap_or("").to_string())
        .collect()
}

fn check_exactly_once(db: &Path, n: usize) {
    let s = stats(db).expect("stats");
    assert_eq!(s["documents"].as_u64(), Some(n as u64), "documents: {s}");
    let mut hashes = indexed_articles(db);
    assert_eq!(hashes.len(), n, "indexed articles");
    hashes.sort();
    hashes.dedup();
    assert_eq!(hashes.len(), n, "an article is indexed twice");
}

#[test]
fn kill_9_mid_ingest_then_rerun_stores_every_article_once() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    let db: PathBuf = tmp.path().join("store");
    let n = 1200;
    write_corpus(&corpus, n);

    let mut killed_at = Vec::new();
    // Kill twice at different points, then let a run finish.
    for round in 0..2 {
        let base = stats(&db).map_or(0, |s| s["documents"].as_u64().unwrap_or(0) as usize);
        let mut child = ingest(&corpus, &db).spawn().unwrap();
        let start = Instant::now();
        let target = base + 1 + round * 100;
        loop {
            if let Some(s) = stats(&db) {
                let d = s["documents"].as_u64().unwrap_or(0) as usize;
                if d >= target {
                    break;
                }
            }
            if child.try_wait().unwrap().is_some() || start.elapsed() > Duration::from_secs(120) {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // SIGKILL: no destructor, no flush, no commit of the search index.
        let _ = child.kill();
        let status = child.wait().unwrap();
        let d = stats(&db).map_or(0, |s| s["documents"].as_u64().unwrap_or(0) as usize);
        killed_at.push((d, status.success()));
    }
    assert!(
        killed_at.iter().any(|(d, finished)| !finished && *d < n),
        "no run was killed mid-ingest: {killed_at:?}"
    );
    let out = ingest(&corpus, &db).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    check_exactly_once(&db, n);

    // Re-ingesting unchanged files is a no-op.
    let out = ingest(&corpus, &db).output().unwrap();
    assert!(out.status.success());
    let msg = String::from_utf8_lossy(&out.stderr);
    assert!(msg.contains("ingested 0 new documents"), "{msg}");
    check_exactly_once(&db, n);
    eprintln!("killed at {killed_at:?}");
}

#[test]
fn concurrent_ingests_serialise() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    let db = tmp.path().join("store");
    let n = 300;
    write_corpus(&corpus, n);
    let a = ingest(&corpus, &db).spawn().unwrap();
    let b = ingest(&corpus, &db).spawn().unwrap();
    let (ra, rb) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(
        ra.status.success(),
        "{}",
        String::from_utf8_lossy(&ra.stderr)
    );
    assert!(
        rb.status.success(),
        "{}",
        String::from_utf8_lossy(&rb.stderr)
    );
    check_exactly_once(&db, n);
}

#[test]
fn foreign_db_is_refused_and_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    write_corpus(&corpus, 3);
    let file = tmp.path().join("precious.db");
    std::fs::write(&file, b"not a newslens store, do not touch").unwrap();
    let out = ingest(&corpus, &file).output().unwrap();
    assert!(!out.status.success());
    let msg = String::from_utf8_lossy(&out.stderr);
    assert!(msg.contains("not a newslens store"), "{msg}");
    assert_eq!(
        std::fs::read(&file).unwrap(),
        b"not a newslens store, do not touch"
    );
    let dir = tmp.path().join("dir");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("newslens.sqlite"),
        b"corrupt corrupt corrupt corrupt",
    )
    .unwrap();
    let out = ingest(&corpus, &dir).output().unwrap();
    assert!(!out.status.success());
    let msg = String::from_utf8_lossy(&out.stderr);
    assert!(msg.contains("corrupt"), "{msg}");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
}

/// Runs `newslens ingest DIR --db DB ARGS…` to completion: (success, stderr).
fn ingest_with(corpus: &Path, db: &Path, args: &[&str]) -> (bool, String) {
    let out = ingest(corpus, db).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_file_read_with_errors_is_read_again_by_the_next_run() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    let db = tmp.path().join("store");
    std::fs::create_dir(&corpus).unwrap();
    // One article over a small `--max-bytes`, and a JSON Lines file with a good and a bad line.
    let mut long = String::from("date 2025-02-03 Harbour Talks Resume in Vantor\n\n");
    for i in 0..40 {
        long.push_str(&format!(
            "Minister Anna Keller said on Monday that round {i} of the harbour talks would go on. "
        ));
    }
    std::fs::write(corpus.join("long.txt"), &long).unwrap();
    std::fs::write(
        corpus.join("feed.jsonl"),
        "{\"text\":\"Envoy Tomas Reyes said the border agreement was close.\"}\n{not json}\n",
    )
    .unwrap();
    let documents = |db: &Path| stats(db).expect("stats")["documents"].as_u64();

    let (ok, msg) = ingest_with(&corpus, &db, &["--max-bytes", "1000"]);
    assert!(ok, "{msg}");
    assert!(msg.contains("--max-bytes"), "{msg}");
    assert!(msg.contains("feed.jsonl:2"), "{msg}");
    assert_eq!(documents(&db), Some(1));

    // Neither file was recorded as done: both are read again, the stored record is found
    // already stored, and both problems are reported again.
    let (ok, msg) = ingest_with(&corpus, &db, &["--max-bytes", "1000"]);
    assert!(ok, "{msg}");
    assert!(msg.contains("--max-bytes"), "{msg}");
    assert!(msg.contains("feed.jsonl:2"), "{msg}");
    assert!(
        msg.contains("1 already stored, 0 unchanged files skipped"),
        "{msg}"
    );

    // With the limit raised, the long article goes in; read in full, it is then done.
    let (ok, msg) = ingest_with(&corpus, &db, &[]);
    assert!(ok, "{msg}");
    assert!(msg.contains("ingested 1 new documents"), "{msg}");
    assert_eq!(documents(&db), Some(2));
    let (ok, msg) = ingest_with(&corpus, &db, &[]);
    assert!(ok, "{msg}");
    assert!(msg.contains("1 unchanged files skipped"), "{msg}");
    assert!(msg.contains("feed.jsonl:2"), "{msg}");
    assert_eq!(documents(&db), Some(2));
}
