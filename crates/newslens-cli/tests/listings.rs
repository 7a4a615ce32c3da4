//! The pretty listings of `newslens quotes` over a small ingested corpus: how many articles
//! and which outlets a quote spread to, and what is printed when an article states no outlet.

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_newslens");

/// Original articles: one quotation repeated by two outlets and an article without an outlet,
/// and a second quotation only in an article without an outlet.
const CORPUS: &str = r#"{"id":"one","source":"Harbour Ledger","date":"2025-04-08","title":"Dock strike widens","text":"Harbour Minister Maria Olsen said on Tuesday: “We will not trade our harbours for promises.” The strike continued."}
{"id":"two","source":"Valley Times","date":"2025-04-12","title":"Mayor backs the strikers","text":"“We will not trade our harbours for promises,” Maria Olsen said again at the rally on Friday."}
{"id":"three","date":"2025-04-20","title":"Board delays the vote","text":"Maria Olsen warned that “we will not trade our harbours for promises”, and the board delayed its vote."}
{"id":"four","date":"2025-04-21","title":"Minister restates her line","text":"Olsen said: “The port belongs to the town and its workers, not to the highest bidder.”"}
"#;

fn run(args: &[&str]) -> String {
    let out = Command::new(BIN).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn ingest(dir: &Path) -> String {
    let input = dir.join("corpus.jsonl");
    std::fs::write(&input, CORPUS).unwrap();
    let db = dir.join("db");
    run(&[
        "ingest",
        input.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ]);
    db.to_str().unwrap().to_string()
}

#[test]
fn quotes_list_articles_and_outlets_and_say_when_none_is_stated() {
    let dir = tempfile::tempdir().unwrap();
    let db = ingest(dir.path());
    let out = run(&["quotes", "--db", &db, "--limit", "20"]);
    // The repeated quotation: three articles, the two outlets that were stated, first seen in
    // the Harbour Ledger.
    assert!(
        out.lines().any(|l| l.starts_with("  3 occurrence(s) in 3 article(s); outlets: Harbour Ledger, Valley Times; first: 2025-04-08 Harbour Ledger (doc 1);")),
        "{out}"
    );
    // The article without an outlet: said so, not "0 outlet(s)" and a dash.
    assert!(
        out.lines().any(|l| l.starts_with(
            "  1 occurrence(s) in 1 article(s); outlets: none stated; first: 2025-04-21 (doc 4);"
        )),
        "{out}"
    );
    assert!(
        !out.contains("outlet(s)") && !out.contains(" - (doc"),
        "{out}"
    );
}
