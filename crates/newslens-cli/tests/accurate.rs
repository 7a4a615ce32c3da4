//! `--accurate` end to end: a clear error without the all-MiniLM-L6-v2 weights (always), and
//! the accurate rhetoric layer when they are installed (`scripts/fetch-minilm.sh`; SKIP
//! otherwise).

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_newslens");

// Original text written for this test, in the style of the seed article.
const ARTICLE: &str = "Minister Slams Reckless Western Provocations\n\n\
By Staff Writer\n\n\
The foreign minister on Monday condemned what he called the reckless and shameful \
provocations of the Western bloc, accusing its leaders of pushing the region to the brink.\n\n\
\"Our brave people will never bow to blackmail,\" he told reporters in the capital, adding \
that the sanctions were nothing more than economic warfare against ordinary families.\n\n\
Officials said talks on trade and border security would resume next month.\n";

fn write_article() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("article.txt"), ARTICLE).unwrap();
    dir
}

#[test]
fn accurate_without_weights_fails_with_the_setup_command() {
    let dir = write_article();
    let missing = dir.path().join("no-model-here");
    let out = Command::new(BIN)
        .args([
            "analyze",
            "--accurate",
            "--only",
            "rhetoric",
            "--format",
            "json",
        ])
        .arg(dir.path().join("article.txt"))
        .env("NEWSLENS_MINILM", &missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("fetch-minilm.sh"), "{err}");
    // The default mode needs no weights.
    let out = Command::new(BIN)
        .args(["analyze", "--only", "rhetoric", "--format", "json"])
        .arg(dir.path().join("article.txt"))
        .env("NEWSLENS_MINILM", &missing)
        .output()
        .unwrap();
    assert!(out.status.success());
}

#[test]
fn accurate_rhetoric_layer_with_weights() {
    if let Err(e) = newslens_embed::resolve_model_dir(None) {
        eprintln!("SKIP accurate CLI test: {e}");
        return;
    }
    let dir = write_article();
    let run = |accurate: bool| {
        let mut c = Command::new(BIN);
        c.args([
            "analyze",
            "--only",
            "rhetoric",
            "--format",
            "json",
            "--no-tokens",
        ]);
        if accurate {
            c.arg("--accurate");
        }
        let out = c.arg(dir.path().join("article.txt")).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let fast = run(false);
    let acc = run(true);
    let labels = newslens_rhetoric::taxonomy::TECHNIQUES_2020;
    let techs = acc["techniques"].as_array().unwrap();
    assert!(!techs.is_empty());
    for t in techs {
        assert!(labels.contains(&t["technique"].as_str().unwrap()), "{t}");
    }
    // Same spans as the fast mode (SI is shared); labels come from the accurate head.
    let spans = |v: &serde_json::Value| {
        let mut s: Vec<(u64, u64)> = v["techniques"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["start"].as_u64().unwrap(), t["end"].as_u64().unwrap()))
            .collect();
        s.dedup();
        s
    };
    let (mut a, mut b) = (spans(&fast), spans(&acc));
    a.sort();
    a.dedup();
    b.sort();
    b.dedup();
    assert_eq!(a, b);
    assert!(acc["genre"]["label"].is_string());
    assert!(!acc["frames"].as_array().unwrap().is_empty());
}
