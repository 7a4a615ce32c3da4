//! `newslens analyze --format rows` (the Spark driver's flat tables) against `--format jsonl` on
//! the same input: one `documents`/`errors` row per record in input order, layer rows that
//! match the analysis (counts and offsets), exactly the documented columns, error rows for bad
//! lines.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `newslens analyze --format FORMAT --no-tokens --threads 2 ARGS` with `stdin`.
fn run(format: &str, args: &[&str], stdin: &[u8]) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_newslens"))
        .args([
            "analyze",
            "--format",
            format,
            "--no-tokens",
            "--threads",
            "2",
        ])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn newslens");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn analyze(format: &str, args: &[&str], stdin: &[u8]) -> (Vec<Value>, i32) {
    let out = run(format, args, stdin);
    let text = String::from_utf8(out.stdout).expect("UTF-8 output");
    let lines = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    (lines, out.status.code().unwrap_or(-1))
}

/// The columns of each table (integrations/spark/README.md), without the `table` tag.
fn columns(table: &str) -> &'static [&'static str] {
    match table {
        "documents" => &[
            "input_index",
            "input_file",
            "content_hash",
            "doc_id",
            "url",
            "outlet",
            "format",
            "dateline",
            "title",
            "byline",
            "language",
            "schema_version",
            "stages",
            "chars",
            "paragraphs",
            "sentences",
            "tokens",
            "mentions",
            "entity_clusters",
            "quotes",
            "timexes",
            "events",
            "techniques",
            "tone",
            "genre",
            "frames",
            "warnings",
            "analysis",
        ],
        "entities" => &[
            "input_index",
            "content_hash",
            "doc_id",
            "mention",
            "cluster",
            "start",
            "end",
            "text",
            "type",
            "kind",
            "score",
            "canonical",
        ],
        "quotes" => &[
            "input_index",
            "content_hash",
            "doc_id",
            "quote",
            "kind",
            "start",
            "end",
            "text",
            "content_spans",
            "cue_start",
            "cue_end",
            "cue",
            "cue_lemma",
            "source_start",
            "source_end",
            "source_text",
            "speaker",
            "speaker_name",
            "score",
        ],
        "techniques" => &[
            "input_index",
            "content_hash",
            "doc_id",
            "technique_id",
            "start",
            "end",
            "text",
            "technique",
            "technique_2023",
            "score",
            "sentence",
        ],
        "events" => &[
            "input_index",
            "content_hash",
            "doc_id",
            "event",
            "actor",
            "actor_name",
            "actor_start",
            "actor_end",
            "actor_text",
            "action_start",
            "action_end",
            "action",
            "target",
            "target_name",
            "target_start",
            "target_end",
            "target_text",
            "cameo",
            "cameo_root",
            "cameo_label",
            "goldstein",
            "timex",
            "date",
            "modality",
            "sentence",
        ],
        "errors" => &[
            "input_index",
            "input_file",
            "kind",
            "message",
            "line",
            "raw",
        ],
        other => panic!("unknown table {other}"),
    }
}

/// A JSON Lines input from the bundled examples (our own text), with a bad line in the middle,
/// a blank line, and an article without text at the end.
fn input() -> (Vec<u8>, usize) {
    let mut names: Vec<_> = std::fs::read_dir(repo().join("examples"))
        .expect("examples/")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    names.sort();
    assert!(names.len() >= 2, "need the bundled examples");
    let mut lines = Vec::new();
    for (k, p) in names.iter().enumerate() {
        let text = std::fs::read_to_string(p).unwrap();
        lines.push(
            json!({"id": format!("ex-{k}"), "title": "Example", "date": "2025-03-25", "text": text})
                .to_string(),
        );
        if k == 0 {
            lines.push("{\"id\": \"broken\", \"text\": ".to_string()); // invalid JSON
            lines.push(String::new()); // blank: skipped, no record
        }
    }
    lines.push(r#"{"id":"no-text"}"#.to_string());
    let n_docs = names.len();
    (format!("{}\n", lines.join("\n")).into_bytes(), n_docs)
}

fn int(v: &Value, k: &str) -> i64 {
    v[k].as_i64()
        .unwrap_or_else(|| panic!("{k} is not an integer in {v}"))
}

#[test]
fn rows_match_the_jsonl_analysis() {
    let (stdin, n_docs) = input();
    let (records, code_jsonl) = analyze("jsonl", &["-"], &stdin);
    let (rows, code_rows) = analyze("rows", &["-"], &stdin);
    assert_eq!(code_jsonl, 0);
    assert_eq!(
        code_rows, 0,
        "some documents were fine, so the exit code is 0"
    );
    assert_eq!(
        records.len(),
        n_docs + 2,
        "every non-blank line is one record"
    );

    // Split the rows into records: each starts with its documents or errors row; a documents
    // row is followed by its analysis line (the `documents.analysis` column, raw).
    let mut groups: Vec<Vec<&Value>> = Vec::new();
    let mut analyses: Vec<Option<&Value>> = Vec::new();
    for row in &rows {
        let Some(table) = row["table"].as_str() else {
            assert!(
                row.get("schema_version").is_some(),
                "an analysis line: {row}"
            );
            let group = groups.last().expect("an analysis after its documents row");
            assert!(
                group.len() == 1 && group[0]["table"] == "documents",
                "the analysis line directly follows its documents row"
            );
            let slot = analyses.last_mut().unwrap();
            assert!(slot.is_none(), "one analysis line per document");
            *slot = Some(row);
            continue;
        };
        let obj = row.as_object().unwrap();
        let keys: BTreeSet<&str> = obj
            .keys()
            .map(String::as_str)
            .filter(|k| *k != "table")
            .collect();
        let want: BTreeSet<&str> = columns(table)
            .iter()
            .copied()
            .filter(|c| !(table == "documents" && *c == "analysis"))
            .filter(|c| {
                matches!(table, "documents" | "errors") || !matches!(*c, "content_hash" | "doc_id")
            })
            .collect();
        assert_eq!(keys, want, "{table} row has exactly the table's columns");
        if matches!(table, "documents" | "errors") {
            analyses.push(None);
        }
        match table {
            "documents" | "errors" => groups.push(vec![row]),
            _ => groups
                .last_mut()
                .expect("a layer row after its document")
                .push(row),
        }
    }
    assert_eq!(
        groups.len(),
        records.len(),
        "one documents/errors row per record"
    );

    let mut checked_spans = 0;
    for (k, ((group, analysis), rec)) in groups.iter().zip(&analyses).zip(&records).enumerate() {
        let head = group[0];
        for row in group {
            assert_eq!(int(row, "input_index"), k as i64, "input order is kept");
        }
        if let Some(err) = rec.get("error") {
            assert_eq!(head["table"], "errors", "record {k}");
            assert_eq!(group.len(), 1, "an error has no layer rows");
            assert_eq!(head["kind"], err["kind"]);
            assert_eq!(head["message"], err["message"]);
            assert_eq!(head["line"], err["line"]);
            assert_eq!(head["input_file"], "-");
            continue;
        }
        assert_eq!(head["table"], "documents", "record {k}");
        // The analysis line is the JSONL line itself.
        assert_eq!(
            *analysis,
            Some(rec),
            "documents.analysis equals the --format jsonl record"
        );
        assert_eq!(head["doc_id"], rec["id"]);
        assert_eq!(head["content_hash"], rec["content_hash"]);
        assert_eq!(head["dateline"], "2025-03-25");
        let text: Vec<char> = rec["text"].as_str().unwrap().chars().collect();
        assert_eq!(int(head, "chars"), text.len() as i64);

        let layer = |t: &str| {
            group
                .iter()
                .filter(|r| r["table"] == t)
                .copied()
                .collect::<Vec<_>>()
        };
        let mentions = rec["entities"]["mentions"].as_array().unwrap();
        let quotes = rec["quotes"].as_array().unwrap();
        let techniques = rec["techniques"].as_array().unwrap();
        let events = rec["events"].as_array().unwrap();
        assert!(
            !mentions.is_empty() && !quotes.is_empty(),
            "the examples have entities and quotes"
        );
        for (table, col, n) in [
            ("entities", "mentions", mentions.len()),
            ("quotes", "quotes", quotes.len()),
            ("techniques", "techniques", techniques.len()),
            ("events", "events", events.len()),
        ] {
            assert_eq!(layer(table).len(), n, "{table} rows");
            assert_eq!(int(head, col), n as i64, "documents.{col}");
        }
        // Offsets: the same code point spans as the analysis, and they slice the text.
        let span_text = |s: i64, e: i64| text[s as usize..e as usize].iter().collect::<String>();
        for (row, m) in layer("entities").iter().zip(mentions) {
            assert_eq!(
                (row["start"].clone(), row["end"].clone()),
                (m["start"].clone(), m["end"].clone())
            );
            assert_eq!(
                row["text"].as_str().unwrap(),
                span_text(int(row, "start"), int(row, "end"))
            );
            checked_spans += 1;
        }
        for (row, q) in layer("quotes").iter().zip(quotes) {
            let content = q["content"].as_array().unwrap();
            let start = content.iter().map(|c| int(c, "start")).min().unwrap();
            let end = content.iter().map(|c| int(c, "end")).max().unwrap();
            assert_eq!(
                (int(row, "start"), int(row, "end")),
                (start, end),
                "quote cover"
            );
            if let Some(cue) = q.get("cue").filter(|c| c.is_object()) {
                assert_eq!(int(row, "cue_start"), int(cue, "start"));
                assert_eq!(
                    row["cue"].as_str().unwrap(),
                    span_text(int(cue, "start"), int(cue, "end"))
                );
            }
            checked_spans += 1;
        }
        for (row, t) in layer("techniques").iter().zip(techniques) {
            assert_eq!(
                (int(row, "start"), int(row, "end")),
                (int(t, "start"), int(t, "end"))
            );
            assert_eq!(
                row["text"].as_str().unwrap(),
                span_text(int(row, "start"), int(row, "end"))
            );
            checked_spans += 1;
        }
        for (row, e) in layer("events").iter().zip(events) {
            assert_eq!(int(row, "action_start"), int(&e["action"], "start"));
            assert_eq!(int(row, "action_end"), int(&e["action"], "end"));
            assert_eq!(row["cameo"], e["cameo"]);
            checked_spans += 1;
        }
    }
    assert!(checked_spans > 10, "only {checked_spans} spans checked");
}

#[test]
fn a_bad_line_is_an_error_row_not_a_failure() {
    let (rows, code) = analyze("rows", &["-"], b"{\"id\": 1, \"text\": \n");
    assert_eq!(code, 1, "nothing could be read");
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(r["table"], "errors");
    assert_eq!(r["kind"], "json");
    assert_eq!(r["line"], 1);
    assert_eq!(r["input_index"], 0);
    assert!(
        r["message"].as_str().unwrap().contains("invalid JSON"),
        "{r}"
    );
}

#[test]
fn files_name_their_input() {
    let ex = repo().join("examples");
    let (rows, code) = analyze("rows", &[ex.to_str().unwrap()], b"");
    assert_eq!(code, 0);
    let docs: Vec<&Value> = rows.iter().filter(|r| r["table"] == "documents").collect();
    assert!(docs.len() >= 2);
    for (k, d) in docs.iter().enumerate() {
        assert_eq!(int(d, "input_index"), k as i64);
        let f = d["input_file"].as_str().unwrap();
        assert!(
            f.ends_with(".txt") && Path::new(f).exists(),
            "input_file {f}"
        );
    }
}

/// `--format arrow` decoded into one JSON object per row (null columns left out, `table` from
/// the stream's metadata), and how many groups of streams there were.
fn arrow_rows(args: &[&str], stdin: &[u8]) -> (Vec<serde_json::Map<String, Value>>, usize, i32) {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Date32Type, Float32Type, Float64Type, Int32Type, Int64Type};
    use arrow_array::Array;
    use arrow_schema::DataType;

    let out = run("arrow", args, stdin);
    let mut rest: &[u8] = &out.stdout;
    let (mut rows, mut groups, mut order) = (Vec::new(), 0, Vec::new());
    while !rest.is_empty() {
        let reader = arrow_ipc::reader::StreamReader::try_new(&mut rest, None)
            .expect("a complete Arrow IPC stream");
        let table = reader.schema().metadata()["newslens.table"].clone();
        if table == "documents" {
            groups += 1;
        }
        order.push(table.clone());
        for batch in reader {
            let batch = batch.expect("a complete stream");
            assert!(batch.num_rows() > 0, "an empty batch in {table}");
            for i in 0..batch.num_rows() {
                let mut row = serde_json::Map::new();
                row.insert("table".into(), json!(table));
                for (f, col) in batch.schema().fields().iter().zip(batch.columns()) {
                    if col.is_null(i) {
                        continue;
                    }
                    let v = match f.data_type() {
                        DataType::Utf8 => json!(col.as_string::<i32>().value(i)),
                        DataType::Int64 => json!(col.as_primitive::<Int64Type>().value(i)),
                        DataType::Int32 => json!(col.as_primitive::<Int32Type>().value(i)),
                        DataType::Float64 => json!(col.as_primitive::<Float64Type>().value(i)),
                        DataType::Float32 => {
                            json!(col.as_primitive::<Float32Type>().value(i) as f64)
                        }
                        DataType::Date32 => {
                            let days = col.as_primitive::<Date32Type>().value(i);
                            let d = chrono::NaiveDate::default()
                                + chrono::Duration::days(i64::from(days));
                            json!(d.format("%Y-%m-%d").to_string())
                        }
                        t => panic!("unexpected column type {t} for {}", f.name()),
                    };
                    row.insert(f.name().clone(), v);
                }
                rows.push(row);
            }
        }
    }
    // Every group: documents, errors, then layer tables.
    let mut k = 0;
    while k < order.len() {
        assert_eq!(order[k], "documents", "streams: {order:?}");
        assert_eq!(order.get(k + 1).map(String::as_str), Some("errors"));
        k += 2;
        while k < order.len() && order[k] != "documents" {
            assert!(!matches!(order[k].as_str(), "errors"), "streams: {order:?}");
            k += 1;
        }
    }
    (rows, groups, out.status.code().unwrap_or(-1))
}

/// Floats at 32-bit precision (the `score` and `goldstein` columns are float32).
fn f32_values(row: &mut serde_json::Map<String, Value>) {
    for v in row.values_mut() {
        if let Some(f) = v.as_f64().filter(|_| !v.is_i64() && !v.is_u64()) {
            *v = json!(f as f32);
        }
    }
}

/// Rows per table, in their order.
fn by_table(
    rows: Vec<serde_json::Map<String, Value>>,
) -> std::collections::BTreeMap<String, Vec<serde_json::Map<String, Value>>> {
    let mut out: std::collections::BTreeMap<String, Vec<_>> = Default::default();
    for r in rows {
        out.entry(r["table"].as_str().unwrap().to_string())
            .or_default()
            .push(r);
    }
    out
}

#[test]
fn arrow_streams_hold_the_same_rows() {
    let (stdin, n_docs) = input();
    let (lines, code_rows) = analyze("rows", &["-"], &stdin);
    let (got, groups, code_arrow) = arrow_rows(&["-"], &stdin);
    assert_eq!((code_rows, code_arrow), (0, 0));
    assert!(groups >= 1);
    // The rows format, with each analysis line put back into its documents row.
    let mut want: Vec<serde_json::Map<String, Value>> = Vec::new();
    for line in lines {
        let Value::Object(mut row) = line else {
            panic!("not an object")
        };
        if row.contains_key("schema_version") && !row.contains_key("table") {
            let doc = want
                .last_mut()
                .expect("an analysis after its documents row");
            let text = serde_json::to_string(&row).unwrap();
            doc.insert("analysis".into(), Value::String(text));
            continue;
        }
        row.retain(|_, v| !v.is_null());
        want.push(row);
    }
    let (mut got, mut want) = (by_table(got), by_table(want));
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    assert_eq!(got["documents"].len(), n_docs);
    assert!(got.contains_key("errors"));
    for (table, g) in got.iter_mut() {
        let w = want.get_mut(table).unwrap();
        assert_eq!(g.len(), w.len(), "{table}: row counts differ");
        for (g, w) in g.iter_mut().zip(w.iter_mut()) {
            // The analysis is compared as JSON (the rows side was re-serialised above).
            for r in [&mut *g, &mut *w] {
                if let Some(a) = r.get_mut("analysis") {
                    *a = serde_json::from_str(a.as_str().unwrap()).unwrap();
                }
                f32_values(r);
            }
            assert_eq!(g, w, "{table}");
        }
    }
}

#[test]
fn arrow_streams_are_complete_when_every_line_is_bad() {
    let (rows, groups, code) = arrow_rows(&["-"], b"{\"id\": 1, \"text\": \n");
    assert_eq!(code, 1, "nothing could be read");
    assert_eq!((rows.len(), groups), (1, 1));
    assert_eq!(rows[0]["table"], "errors");
    assert_eq!(rows[0]["kind"], "json");
}
