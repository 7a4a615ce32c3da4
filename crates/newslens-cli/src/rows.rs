//! `newslens analyze --format rows`: the Spark driver's flat tables, one JSON line per row.
//!
//! Every input record (a document or a bad input) becomes one `documents` or `errors` row
//! followed by its layer rows (`entities`, `quotes`, `techniques`, `events`), all contiguous
//! and in input order. A row is a flat JSON object: `"table"` first, then exactly that table's
//! columns in schema order (absent values are `null`), so a consumer that knows the schema
//! (Spark's JSON reader with `spark.read.schema(...)`, DuckDB, `jq`) needs little other code.
//! Two exceptions keep the bytes down: a layer row carries neither `content_hash` nor `doc_id`
//! (they are its record's, on the `documents` row it follows), and the `documents.analysis`
//! column is the next line after its `documents` row, raw (the `--format jsonl` line itself, an object that starts with
//! `{"schema_version"`), not a string escaped inside the row — that would double the bytes to
//! write and to parse, and it is most of them:
//!
//! ```text
//! {"table":"documents","input_index":0,"input_file":"a.jsonl","content_hash":"…",…,"warnings":null}
//! {"schema_version":"…","id":"a1",…}
//! {"table":"entities","input_index":0,"mention":0,"cluster":0,…}
//! {"table":"errors","input_index":1,"input_file":"a.jsonl","kind":"json","message":"…","line":2,"raw":null}
//! ```
//!
//! The tables and columns are those of `integrations/spark/README.md`. Integer columns are
//! signed (`input_index`, `line`: 64-bit; everything else 32-bit; a value outside that range
//! makes the record an error row rather than a silently wrapped number). Offsets are code
//! points, as in every newslens JSON. The analysis line is byte for byte the line
//! `--format jsonl` prints for the document, and every other column is derived from that same
//! text, so the rows and the JSONL analysis can never disagree.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde_json::Value;

/// Why a record could not be turned into rows.
#[derive(Debug)]
pub enum RowsError {
    /// The analysis JSON did not parse (a bug: it was just written by `write_json`).
    Json(serde_json::Error),
    /// A value does not fit its signed column.
    Range {
        /// The column.
        column: &'static str,
        /// The value.
        value: i64,
    },
}

impl std::fmt::Display for RowsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RowsError::Json(e) => write!(f, "analysis JSON does not parse: {e}"),
            RowsError::Range { column, value } => {
                write!(f, "{column} = {value} does not fit a signed 32-bit column")
            }
        }
    }
}

impl std::error::Error for RowsError {}

impl From<serde_json::Error> for RowsError {
    fn from(e: serde_json::Error) -> Self {
        RowsError::Json(e)
    }
}

/// Where rows go: JSON lines text ([`JsonRows`]) or cells for Arrow columns ([`Cells`]).
///
/// A row is `begin`, its columns in schema order, `end`; columns left out are null.
pub trait Sink {
    /// Starts a row of `table`.
    fn begin(&mut self, table: &'static str, input_index: i64);
    /// A string column.
    fn str(&mut self, k: &'static str, v: Option<&str>);
    /// A signed 64-bit column.
    fn long(&mut self, k: &'static str, v: Option<i64>);
    /// A signed 32-bit column whose value was range-checked.
    fn int32(&mut self, k: &'static str, v: Option<i32>);
    /// A float column (`None` for a non-finite value).
    fn float(&mut self, k: &'static str, v: Option<f64>);
    /// The `documents.analysis` column of the row just ended (see the module docs).
    fn analysis(&mut self, json: &str);
    /// Ends the row.
    fn end(&mut self);
    /// A position to roll back to.
    fn mark(&self) -> usize;
    /// Drops everything written since `mark`.
    fn rollback(&mut self, mark: usize);

    /// A signed 32-bit column.
    fn int(&mut self, k: &'static str, v: Option<i64>) -> Result<(), RowsError> {
        let v = match v {
            Some(n) => Some(i32::try_from(n).map_err(|_| RowsError::Range {
                column: k,
                value: n,
            })?),
            None => None,
        };
        self.int32(k, v);
        Ok(())
    }
}

/// `--format rows`: each row one JSON line, `{"table":…` then its columns.
pub struct JsonRows<'a> {
    /// The text written to.
    pub out: &'a mut String,
}

impl JsonRows<'_> {
    fn key(&mut self, k: &str) {
        self.out.push_str(",\"");
        self.out.push_str(k);
        self.out.push_str("\":");
    }
}

impl Sink for JsonRows<'_> {
    fn begin(&mut self, table: &'static str, input_index: i64) {
        self.out.push_str("{\"table\":\"");
        self.out.push_str(table);
        self.out.push('"');
        self.long("input_index", Some(input_index));
    }

    fn str(&mut self, k: &'static str, v: Option<&str>) {
        self.key(k);
        match v {
            // Serialising a &str into a String cannot fail.
            Some(s) => self
                .out
                .push_str(&serde_json::to_string(s).unwrap_or_else(|_| "null".into())),
            None => self.out.push_str("null"),
        }
    }

    fn long(&mut self, k: &'static str, v: Option<i64>) {
        self.key(k);
        match v {
            Some(n) => {
                let _ = write!(self.out, "{n}");
            }
            None => self.out.push_str("null"),
        }
    }

    fn int32(&mut self, k: &'static str, v: Option<i32>) {
        self.long(k, v.map(i64::from));
    }

    fn float(&mut self, k: &'static str, v: Option<f64>) {
        self.key(k);
        match v.filter(|f| f.is_finite()) {
            // `Value`'s formatting: shortest round-trip text, as the JSONL analysis has it.
            Some(f) => self.out.push_str(&Value::from(f).to_string()),
            None => self.out.push_str("null"),
        }
    }

    fn analysis(&mut self, json: &str) {
        self.out.push_str(json);
        self.out.push('\n');
    }

    fn end(&mut self) {
        self.out.push_str("}\n");
    }

    fn mark(&self) -> usize {
        self.out.len()
    }

    fn rollback(&mut self, mark: usize) {
        self.out.truncate(mark);
    }
}

fn get<'v>(v: &'v Value, k: &str) -> Option<&'v Value> {
    v.get(k).filter(|x| !x.is_null())
}

fn s<'v>(v: &'v Value, k: &str) -> Option<&'v str> {
    get(v, k).and_then(Value::as_str)
}

/// An integer field (a float with an integral value counts; booleans do not).
fn i(v: &Value, k: &str) -> Option<i64> {
    let x = get(v, k)?;
    x.as_i64()
        .or_else(|| x.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
}

fn f(v: &Value, k: &str) -> Option<f64> {
    get(v, k).and_then(Value::as_f64)
}

fn arr<'v>(v: &'v Value, k: &str) -> &'v [Value] {
    get(v, k)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn count(n: usize) -> Option<i64> {
    Some(i64::try_from(n).unwrap_or(i64::MAX))
}

/// A span object's `(start, end, text)`.
fn span(v: &Value, k: &str) -> (Option<i64>, Option<i64>, Option<String>) {
    match get(v, k) {
        Some(sp) if sp.is_object() => (i(sp, "start"), i(sp, "end"), s(sp, "text").map(Into::into)),
        _ => (None, None, None),
    }
}

/// The file part of a document's `source` (JSON Lines sources end in `:<line>`).
fn input_file(a: &Value) -> Option<&str> {
    let src = s(a, "source")?;
    if s(a, "format") == Some("jsonl") {
        if let Some((file, line)) = src.rsplit_once(':') {
            if !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()) {
                return Some(file);
            }
        }
    }
    Some(src)
}

/// `YYYY-MM-DD` when `v` starts with a valid date (Spark's `date` column), else `None`.
fn date(v: Option<&str>) -> Option<String> {
    let head = v?.get(..10)?;
    chrono::NaiveDate::parse_from_str(head, "%Y-%m-%d")
        .ok()
        .map(|d| d.format("%Y-%m-%d").to_string())
}

/// Appends the rows of one analysed document: `analysis_json` is the document's `--format jsonl`
/// line (without the newline), `input_index` its position in the input.
pub fn analysis_rows(
    input_index: i64,
    analysis_json: &str,
    out: &mut (impl Sink + ?Sized),
) -> Result<(), RowsError> {
    let a: Value = serde_json::from_str(analysis_json)?;
    let start = out.mark();
    let r = write_analysis(input_index, &a, analysis_json, out);
    if r.is_err() {
        out.rollback(start); // no half-written record
    }
    r
}

fn write_analysis(
    idx: i64,
    a: &Value,
    analysis_json: &str,
    r: &mut (impl Sink + ?Sized),
) -> Result<(), RowsError> {
    let h = s(a, "content_hash").unwrap_or("");
    let doc_id = s(a, "id");
    let empty = Value::Null;
    let ents = get(a, "entities").unwrap_or(&empty);
    let mentions = arr(ents, "mentions");
    let clusters = arr(ents, "clusters");
    let canonical: HashMap<i64, &str> = clusters
        .iter()
        .filter_map(|c| Some((i(c, "id")?, s(c, "canonical")?)))
        .collect();
    let name = |id: Option<i64>| id.and_then(|id| canonical.get(&id).copied());
    let quotes = arr(a, "quotes");
    let techniques = arr(a, "techniques");
    let events = arr(a, "events");
    let join = |k: &str, sep: &str, field: Option<&str>| -> Option<String> {
        let parts: Vec<String> = arr(a, k)
            .iter()
            .filter_map(|x| match field {
                Some(fk) => get(x, fk).map(|l| l.as_str().map_or(l.to_string(), Into::into)),
                None => x.as_str().map(Into::into),
            })
            .collect();
        (!parts.is_empty()).then(|| parts.join(sep))
    };

    r.begin("documents", idx);
    r.str("input_file", input_file(a));
    r.str("content_hash", Some(h));
    r.str("doc_id", doc_id);
    r.str("url", s(a, "url"));
    r.str("outlet", s(a, "outlet"));
    r.str("format", s(a, "format"));
    r.str("dateline", date(s(a, "dateline")).as_deref());
    r.str("title", s(a, "title"));
    r.str("byline", s(a, "byline"));
    r.str("language", s(a, "language"));
    r.str("schema_version", s(a, "schema_version"));
    r.str(
        "stages",
        Some(&join("stages", ",", None).unwrap_or_default()),
    );
    r.int(
        "chars",
        count(s(a, "text").map_or(0, |t| t.chars().count())),
    )?;
    r.int("paragraphs", count(arr(a, "paragraphs").len()))?;
    r.int("sentences", count(arr(a, "sentences").len()))?;
    r.int("tokens", count(arr(a, "tokens").len()))?;
    r.int("mentions", count(mentions.len()))?;
    r.int("entity_clusters", count(clusters.len()))?;
    r.int("quotes", count(quotes.len()))?;
    r.int("timexes", count(arr(a, "timexes").len()))?;
    r.int("events", count(events.len()))?;
    r.int("techniques", count(techniques.len()))?;
    r.float("tone", get(a, "tone").and_then(|t| f(t, "tone")));
    r.str("genre", get(a, "genre").and_then(|g| s(g, "label")));
    r.str("frames", join("frames", ",", Some("label")).as_deref());
    r.str("warnings", join("warnings", "\n", None).as_deref());
    r.end();
    r.analysis(analysis_json);

    for m in mentions {
        r.begin("entities", idx);
        r.int("mention", i(m, "id"))?;
        r.int("cluster", i(m, "cluster"))?;
        r.int("start", i(m, "start"))?;
        r.int("end", i(m, "end"))?;
        r.str("text", s(m, "text"));
        r.str("type", s(m, "type"));
        r.str("kind", s(m, "kind"));
        r.float("score", f(m, "score"));
        r.str("canonical", name(i(m, "cluster")));
        r.end();
    }
    for q in quotes {
        let content: Vec<&Value> = arr(q, "content").iter().filter(|c| c.is_object()).collect();
        let text = content
            .iter()
            .map(|c| s(c, "text").unwrap_or("").trim())
            .collect::<Vec<_>>()
            .join(" … ");
        let (cs, ce, ct) = span(q, "cue");
        let (ss, se, st) = span(q, "source");
        let speaker = i(q, "speaker");
        r.begin("quotes", idx);
        r.int("quote", i(q, "id"))?;
        r.str("kind", s(q, "kind"));
        r.int("start", content.iter().filter_map(|c| i(c, "start")).min())?;
        r.int("end", content.iter().filter_map(|c| i(c, "end")).max())?;
        r.str("text", Some(&text));
        r.int("content_spans", count(content.len()))?;
        r.int("cue_start", cs)?;
        r.int("cue_end", ce)?;
        r.str("cue", ct.as_deref());
        r.str("cue_lemma", s(q, "cue_lemma"));
        r.int("source_start", ss)?;
        r.int("source_end", se)?;
        r.str("source_text", st.as_deref());
        r.int("speaker", speaker)?;
        let speaker_name = s(q, "speaker_name").filter(|n| !n.is_empty());
        r.str("speaker_name", speaker_name.or_else(|| name(speaker)));
        r.float("score", f(q, "score"));
        r.end();
    }
    for t in techniques {
        r.begin("techniques", idx);
        r.int("technique_id", i(t, "id"))?;
        r.int("start", i(t, "start"))?;
        r.int("end", i(t, "end"))?;
        r.str("text", s(t, "text"));
        r.str("technique", s(t, "technique"));
        r.str("technique_2023", s(t, "technique_2023"));
        r.float("score", f(t, "score"));
        r.int("sentence", i(t, "sentence"))?;
        r.end();
    }
    for e in events {
        let (as_, ae, at) = span(e, "actor_span");
        let (cs, ce, ct) = span(e, "action");
        let (ts, te, tt) = span(e, "target_span");
        let (actor, target) = (i(e, "actor"), i(e, "target"));
        r.begin("events", idx);
        r.int("event", i(e, "id"))?;
        r.int("actor", actor)?;
        r.str("actor_name", name(actor));
        r.int("actor_start", as_)?;
        r.int("actor_end", ae)?;
        r.str("actor_text", at.as_deref());
        r.int("action_start", cs)?;
        r.int("action_end", ce)?;
        r.str("action", ct.as_deref());
        r.int("target", target)?;
        r.str("target_name", name(target));
        r.int("target_start", ts)?;
        r.int("target_end", te)?;
        r.str("target_text", tt.as_deref());
        r.str("cameo", s(e, "cameo"));
        r.str("cameo_root", s(e, "cameo_root"));
        r.str("cameo_label", s(e, "cameo_label"));
        r.float("goldstein", f(e, "goldstein"));
        r.int("timex", i(e, "timex"))?;
        r.str("date", s(e, "date"));
        r.str("modality", s(e, "modality"));
        r.int("sentence", i(e, "sentence"))?;
        r.end();
    }
    Ok(())
}

/// Appends the `errors` row of a record that could not be analysed.
pub fn error_row(
    input_index: i64,
    input_file: &str,
    kind: &str,
    message: &str,
    line: Option<usize>,
    r: &mut (impl Sink + ?Sized),
) {
    r.begin("errors", input_index);
    r.str("input_file", Some(input_file));
    r.str("kind", Some(kind));
    r.str("message", Some(message));
    r.long("line", line.and_then(|l| i64::try_from(l).ok()));
    // The raw line is not kept by the readers; the Spark driver fills it from its input.
    r.str("raw", None);
    r.end();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_offsets_are_refused_not_wrapped() {
        let a = r#"{"id":"x","content_hash":"h","text":"t","entities":{"mentions":[{"id":0,"start":3000000000,"end":1,"text":"t"}],"clusters":[]}}"#;
        let mut out = String::new();
        let e = analysis_rows(0, a, &mut JsonRows { out: &mut out }).unwrap_err();
        assert!(
            matches!(
                e,
                RowsError::Range {
                    column: "start",
                    ..
                }
            ),
            "{e}"
        );
        assert!(out.is_empty(), "half a record was written: {out}");
    }

    #[test]
    fn jsonl_line_suffix_is_not_part_of_the_file() {
        let a: Value =
            serde_json::from_str(r#"{"source":"dir/a:b.jsonl:12","format":"jsonl"}"#).unwrap();
        assert_eq!(input_file(&a), Some("dir/a:b.jsonl"));
        let a: Value = serde_json::from_str(r#"{"source":"notes:12","format":"text"}"#).unwrap();
        assert_eq!(input_file(&a), Some("notes:12"));
    }

    #[test]
    fn dates_are_validated() {
        assert_eq!(
            date(Some("2025-03-25T10:00:00Z")).as_deref(),
            Some("2025-03-25")
        );
        assert_eq!(date(Some("2025-13-01")), None);
        assert_eq!(date(Some("soon")), None);
    }
}
