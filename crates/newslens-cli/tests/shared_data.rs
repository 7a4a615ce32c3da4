//! Every article text under `../shared/data` goes through the whole pipeline into a store
//! without a failure (skipped, with a message, when the shared data are absent). A stage bug
//! that only some real article triggers was found this way once.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The article folders the README's all-data ingest names.
fn article_dirs(data: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let Ok(sets) = std::fs::read_dir(data) else {
        return dirs;
    };
    let mut sets: Vec<PathBuf> = sets.flatten().map(|e| e.path()).collect();
    sets.sort();
    for set in sets.iter().filter(|p| p.is_dir()) {
        let mut subs: Vec<PathBuf> = std::fs::read_dir(set)
            .map(|r| r.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        subs.sort();
        for sub in subs.iter().filter(|p| p.is_dir()) {
            let name = sub.file_name().unwrap().to_string_lossy().to_string();
            if name.contains("-articles") {
                dirs.push(sub.clone());
            }
            // polnear/{train,dev}/text; semeval2025-task10-en/{train,dev}/…documents
            for leaf in [
                "text",
                "raw-documents",
                "subtask-1-documents",
                "subtask-2-documents",
                "subtask-3-documents",
            ] {
                let p = sub.join(leaf);
                if p.is_dir() {
                    dirs.push(p);
                }
            }
        }
    }
    dirs
}

#[test]
fn every_shared_data_article_is_analysed_and_stored_without_a_failure() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    let dirs = article_dirs(&data);
    if dirs.is_empty() {
        eprintln!("skipping: no article folders under {}", data.display());
        return;
    }
    let db = std::env::temp_dir().join(format!("newslens-shared-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&db);
    let out = Command::new(env!("CARGO_BIN_EXE_newslens"))
        .arg("ingest")
        .args(&dirs)
        .args(["--db", db.to_str().unwrap(), "--threads", "2"])
        .output()
        .expect("spawn newslens");
    let err = String::from_utf8_lossy(&out.stderr);
    let _ = std::fs::remove_dir_all(&db);
    assert!(out.status.success(), "{err}");
    let summary = err
        .lines()
        .find(|l| l.starts_with("ingested "))
        .unwrap_or_else(|| panic!("no summary line in {err}"));
    assert!(summary.contains(" 0 failed"), "{summary}\n{err}");
    let new: usize = summary
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(new > 1000, "{summary}");
}
