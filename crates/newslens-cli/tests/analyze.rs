//! End-to-end tests of `newslens analyze`: every reader, stdin, directories, bad input, exit codes,
//! the span invariant on every output, and snapshots of the bundled examples.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_newslens"))
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = bin();
    cmd.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn newslens");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    child.wait_with_output().unwrap()
}

/// Checks `text[start:end] == span.text` (code points) for every span object in an analysis.
fn check_spans(doc: &Value) -> usize {
    let chars: Vec<char> = doc["text"].as_str().expect("text").chars().collect();
    fn walk(v: &Value, chars: &[char], n: &mut usize) {
        match v {
            Value::Object(o) => {
                if let (Some(s), Some(e), Some(Value::String(t))) = (
                    o.get("start").and_then(Value::as_u64),
                    o.get("end").and_then(Value::as_u64),
                    o.get("text"),
                ) {
                    let (s, e) = (s as usize, e as usize);
                    assert!(s <= e && e <= chars.len(), "span {s}..{e} out of range");
                    let got: String = chars[s..e].iter().collect();
                    assert_eq!(&got, t, "span {s}..{e}");
                    *n += 1;
                }
                for x in o.values() {
                    walk(x, chars, n);
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, chars, n)),
            _ => {}
        }
    }
    let mut n = 0;
    walk(doc, &chars, &mut n);
    n
}

fn jsonl(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

#[test]
fn seed_article_acceptance() {
    let seed = repo().join("../shared/examples/seed-article.txt");
    if !seed.exists() {
        eprintln!("skipping: {} is absent", seed.display());
        return;
    }
    let out = run(
        &["analyze", seed.to_str().unwrap(), "--format", "json"],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["schema_version"], "1.0");
    assert_eq!(v["dateline"], "2024-10-16");
    assert_eq!(
        v["title"],
        "Putin in North Korea: Support against Treacherous West"
    );
    assert_eq!(v["byline"], "Staff, Agencies");
    assert_eq!(v["language"], "en");
    assert_eq!(v["paragraphs"].as_array().unwrap().len(), 9);
    let sentences = v["sentences"].as_array().unwrap();
    assert!(sentences.len() >= 11, "{} sentences", sentences.len());
    assert!(check_spans(&v) > 300);
}

#[test]
fn stdin_text_and_jsonl() {
    let out = run(
        &["analyze", "-", "--format", "json"],
        Some("A Title\n\nBody one. Body two.".as_bytes()),
    );
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["title"], "A Title");
    assert_eq!(v["sentences"].as_array().unwrap().len(), 3);
    // Piped with no path and no --format: stdin, JSON Lines.
    let out = run(
        &["analyze"],
        Some(b"{\"id\":\"x\",\"text\":\"One.\"}\n{\"id\":\"y\",\"text\":\"Two.\"}\n"),
    );
    assert!(out.status.success());
    let docs = jsonl(&out);
    assert_eq!(
        docs.iter()
            .map(|d| d["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["x", "y"]
    );
}

#[test]
fn thousand_article_jsonl_keeps_order() {
    let mut f = tempfile::Builder::new()
        .suffix(".jsonl")
        .tempfile()
        .unwrap();
    for i in 0..1000 {
        writeln!(
            f,
            "{{\"id\":\"a{i}\",\"date\":\"2024-05-01\",\"title\":\"T{i}\",\"text\":\"Minister Ana Lee said on Monday that talks number {i} went well. “We agree,” she said.\"}}"
        )
        .unwrap();
    }
    let out = run(
        &[
            "analyze",
            f.path().to_str().unwrap(),
            "--threads",
            "2",
            "--no-tokens",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docs = jsonl(&out);
    assert_eq!(docs.len(), 1000);
    for (i, d) in docs.iter().enumerate() {
        assert_eq!(d["id"], format!("a{i}"));
        check_spans(d);
    }
}

#[test]
fn directory_of_mixed_formats() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("page.html"),
        "<html><head><meta property=\"og:title\" content=\"Port Reopens\"><meta name=\"date\" content=\"2025-02-03\"></head><body><nav>Menu</nav><article><p>The port reopened on Monday after a strike.</p><p>“Work resumes,” the mayor said.</p></article></body></html>",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.txt"),
        "Second title\n\nÉmile Zola wrote “J’accuse” 🙂. Then more.",
    )
    .unwrap();
    std::fs::write(dir.path().join("c.jsonl"), "{\"text\":\"Third.\"}\n").unwrap();
    let out = run(
        &["analyze", dir.path().to_str().unwrap(), "--format", "jsonl"],
        None,
    );
    assert!(out.status.success());
    let docs = jsonl(&out);
    assert_eq!(docs.len(), 3);
    assert_eq!(docs[2]["title"], "Port Reopens");
    assert_eq!(docs[2]["dateline"], "2025-02-03");
    assert_eq!(docs[2]["format"], "html");
    for d in &docs {
        check_spans(d);
    }
}

#[test]
fn bad_inputs_get_clear_errors_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let bin_file = dir.path().join("blob.txt");
    std::fs::write(&bin_file, [0x7f, b'E', b'L', b'F', 0, 0, 1, 2]).unwrap();
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let big = dir.path().join("big.txt");
    std::fs::write(&big, "word ".repeat(1000)).unwrap();
    let latin1 = dir.path().join("latin1.txt");
    std::fs::write(&latin1, b"Caf\xe9\n\nThe caf\xe9 opened.").unwrap();
    let bad_jsonl = dir.path().join("bad.jsonl");
    std::fs::write(
        &bad_jsonl,
        "{\"text\":\"Fine.\"}\n{broken\n{\"title\":\"no text\"}\n",
    )
    .unwrap();

    // Binary alone: nothing read → exit 1 with a clear message.
    let out = run(
        &["analyze", bin_file.to_str().unwrap(), "--format", "json"],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("binary"), "{err}");
    assert!(err.contains("nothing could be read"), "{err}");

    let out = run(
        &["analyze", empty.to_str().unwrap(), "--format", "json"],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("empty"));

    let out = run(
        &[
            "analyze",
            big.to_str().unwrap(),
            "--format",
            "json",
            "--max-bytes",
            "100",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--max-bytes"));

    // Invalid UTF-8 is decoded lossily, with a warning in the output.
    let out = run(
        &["analyze", latin1.to_str().unwrap(), "--format", "json"],
        None,
    );
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["warnings"][0].as_str().unwrap().contains("invalid UTF-8"));
    check_spans(&v);

    // Bad JSON lines become error records in order; the good line is analysed; exit 0.
    let out = run(
        &["analyze", bad_jsonl.to_str().unwrap(), "--format", "jsonl"],
        None,
    );
    assert!(out.status.success());
    let recs = jsonl(&out);
    assert_eq!(recs.len(), 3);
    assert_eq!(recs[0]["text"], "Fine.");
    assert_eq!(recs[1]["error"]["line"], 2);
    assert_eq!(recs[2]["error"]["line"], 3);
    assert!(recs[2]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("text"));

    // A mix of good and bad files: exit 0, warnings on stderr.
    let out = run(
        &[
            "analyze",
            bin_file.to_str().unwrap(),
            latin1.to_str().unwrap(),
            "--format",
            "jsonl",
        ],
        None,
    );
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning"));

    // Usage errors exit 2.
    let out = run(&["analyze", "--format", "yaml"], None);
    assert_eq!(out.status.code(), Some(2));
    let out = run(
        &["analyze", "--only", "nonsense", latin1.to_str().unwrap()],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown stage"));
}

#[test]
fn pretty_report_when_asked() {
    let ex = repo().join("examples/grain-corridor.txt");
    let out = run(
        &["analyze", ex.to_str().unwrap(), "--format", "pretty"],
        None,
    );
    assert!(out.status.success());
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.starts_with("Ankara Talks: Grain Corridor Deal Within Reach, Minister Says"));
    assert!(s.contains("2025-06-03"));
    assert!(!s.contains("\u{1b}["), "no colours when not a terminal");
    // Technique spans: one entry per extent, its labels on one line.
    let rhetoric = s
        .split("How it persuades")
        .nth(1)
        .expect("rhetoric section");
    let shown: Vec<&str> = rhetoric.lines().filter(|l| l.contains("[[")).collect();
    assert!(!shown.is_empty(), "{rhetoric}");
    let mut unique = shown.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        shown.len(),
        "a span listed twice:\n{rhetoric}"
    );
}

/// The bundled example articles, sorted.
fn example_files() -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(repo().join("examples"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    files
}

/// Runs `analyze` on one example as JSON, checks its spans, drops the checkout-dependent `source`.
fn example_json(f: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "analyze",
        f.to_str().unwrap(),
        "--format",
        "json",
        "--no-tokens",
    ];
    args.extend_from_slice(extra);
    let out = run(&args, None);
    assert!(out.status.success());
    let mut v: Value = serde_json::from_slice(&out.stdout).unwrap();
    check_spans(&v);
    v.as_object_mut().unwrap().remove("source");
    v
}

/// Text layer of every bundled example, snapshotted (tokens left out to keep snapshots readable).
#[test]
fn snapshot_examples_text_layer() {
    let files = example_files();
    assert!(files.len() >= 3);
    for f in files {
        let v = example_json(&f, &["--only", "text"]);
        let name = f.file_stem().unwrap().to_string_lossy().to_string();
        insta::assert_json_snapshot!(format!("text_{name}"), v);
    }
}

/// Every layer of every bundled example, snapshotted (tokens left out): a change in any model
/// or rule shows up here as a reviewable diff.
#[test]
fn snapshot_examples_all_layers() {
    for f in example_files() {
        let v = example_json(&f, &[]);
        let name = f.file_stem().unwrap().to_string_lossy().to_string();
        insta::assert_json_snapshot!(format!("all_{name}"), v);
    }
}

/// Batch commands turn transparent huge pages off for themselves (kernel time of an ingest
/// fell by two thirds): `analyze` waiting on its stdin already shows it in its status.
#[cfg(target_os = "linux")]
#[test]
fn batch_commands_take_small_pages() {
    let mut child = bin()
        .args(["analyze", "-", "--format", "jsonl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn newslens");
    let status = format!("/proc/{}/status", child.id());
    let thp = |s: &str| {
        s.lines()
            .find_map(|l| l.strip_prefix("THP_enabled:"))
            .map(|v| v.trim().to_string())
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut seen = None;
    while std::time::Instant::now() < deadline {
        let s = std::fs::read_to_string(&status).unwrap_or_default();
        seen = thp(&s);
        if seen.as_deref() == Some("0") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"A short text.\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let own = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if thp(&own).is_none() {
        eprintln!("this kernel does not report THP_enabled in /proc/PID/status; nothing to check");
        return;
    }
    assert_eq!(
        seen.as_deref(),
        Some("0"),
        "analyze kept transparent huge pages"
    );
}
