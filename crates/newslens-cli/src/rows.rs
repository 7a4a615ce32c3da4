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

use std::borrow::Cow;

use serde::de::IgnoredAny;
use serde::Deserialize;
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

/// Where rows go: JSON lines text ([`JsonRows`]) or cells for Arrow columns
/// ([`Cells`](crate::arrow_rows::Cells)).
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

// The analysis, as far as the rows need it: read with borrowed strings, skipping everything
// else (the paragraphs, sentences and tokens are only counted), which costs a fraction of a
// `serde_json::Value` tree of the whole analysis.

/// A string borrowed from the analysis text (copied only when it had escapes to undo; serde's
/// own `Cow<str>` always copies unless it is a field's whole type).
struct Text<'a>(Cow<'a, str>);

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// A string field.
type Str<'a> = Option<Text<'a>>;

/// An array whose elements are only counted.
#[derive(Default)]
struct Count(usize);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Count;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an array or null")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Count, A::Error> {
                let mut n = 0;
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    n += 1;
                }
                Ok(Count(n))
            }
            fn visit_unit<E>(self) -> Result<Count, E> {
                Ok(Count(0))
            }
        }
        d.deserialize_any(V)
    }
}

/// A list that may be `null`.
fn list<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Doc<'a> {
    #[serde(borrow)]
    content_hash: Str<'a>,
    #[serde(borrow)]
    id: Str<'a>,
    #[serde(borrow)]
    source: Str<'a>,
    #[serde(borrow)]
    format: Str<'a>,
    #[serde(borrow)]
    url: Str<'a>,
    #[serde(borrow)]
    outlet: Str<'a>,
    #[serde(borrow)]
    dateline: Str<'a>,
    #[serde(borrow)]
    title: Str<'a>,
    #[serde(borrow)]
    byline: Str<'a>,
    #[serde(borrow)]
    language: Str<'a>,
    #[serde(borrow)]
    schema_version: Str<'a>,
    #[serde(borrow, deserialize_with = "list")]
    stages: Vec<Text<'a>>,
    #[serde(borrow)]
    text: Str<'a>,
    paragraphs: Count,
    sentences: Count,
    tokens: Count,
    timexes: Count,
    #[serde(borrow)]
    entities: Option<Entities<'a>>,
    #[serde(borrow, deserialize_with = "list")]
    quotes: Vec<Quote<'a>>,
    #[serde(borrow, deserialize_with = "list")]
    techniques: Vec<Technique<'a>>,
    #[serde(borrow, deserialize_with = "list")]
    events: Vec<Event<'a>>,
    tone: Option<Tone>,
    #[serde(borrow)]
    genre: Option<Labelled<'a>>,
    #[serde(borrow, deserialize_with = "list")]
    frames: Vec<Labelled<'a>>,
    #[serde(borrow, deserialize_with = "list")]
    warnings: Vec<Text<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Entities<'a> {
    #[serde(borrow, deserialize_with = "list")]
    mentions: Vec<Mention<'a>>,
    #[serde(borrow, deserialize_with = "list")]
    clusters: Vec<Cluster<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Mention<'a> {
    id: Option<i64>,
    cluster: Option<i64>,
    start: Option<i64>,
    end: Option<i64>,
    #[serde(borrow)]
    text: Str<'a>,
    #[serde(borrow, rename = "type")]
    typ: Str<'a>,
    #[serde(borrow)]
    kind: Str<'a>,
    score: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Cluster<'a> {
    id: Option<i64>,
    #[serde(borrow)]
    canonical: Str<'a>,
}

/// A span object: `{start, end, text}`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct SpanJ<'a> {
    start: Option<i64>,
    end: Option<i64>,
    #[serde(borrow)]
    text: Str<'a>,
}

impl<'a> SpanJ<'a> {
    fn parts(s: &'a Option<SpanJ<'a>>) -> (Option<i64>, Option<i64>, Option<&'a str>) {
        match s {
            Some(s) => (s.start, s.end, s.text.as_deref()),
            None => (None, None, None),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Quote<'a> {
    id: Option<i64>,
    #[serde(borrow)]
    kind: Str<'a>,
    #[serde(borrow, deserialize_with = "list")]
    content: Vec<SpanJ<'a>>,
    #[serde(borrow)]
    cue: Option<SpanJ<'a>>,
    #[serde(borrow)]
    cue_lemma: Str<'a>,
    #[serde(borrow)]
    source: Option<SpanJ<'a>>,
    speaker: Option<i64>,
    #[serde(borrow)]
    speaker_name: Str<'a>,
    score: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Technique<'a> {
    id: Option<i64>,
    start: Option<i64>,
    end: Option<i64>,
    #[serde(borrow)]
    text: Str<'a>,
    #[serde(borrow)]
    technique: Str<'a>,
    #[serde(borrow)]
    technique_2023: Str<'a>,
    score: Option<f64>,
    sentence: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Event<'a> {
    id: Option<i64>,
    actor: Option<i64>,
    #[serde(borrow)]
    actor_span: Option<SpanJ<'a>>,
    #[serde(borrow)]
    action: Option<SpanJ<'a>>,
    target: Option<i64>,
    #[serde(borrow)]
    target_span: Option<SpanJ<'a>>,
    #[serde(borrow)]
    cameo: Str<'a>,
    #[serde(borrow)]
    cameo_root: Str<'a>,
    #[serde(borrow)]
    cameo_label: Str<'a>,
    goldstein: Option<f64>,
    timex: Option<i64>,
    #[serde(borrow)]
    date: Str<'a>,
    #[serde(borrow)]
    modality: Str<'a>,
    sentence: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Tone {
    tone: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Labelled<'a> {
    #[serde(borrow)]
    label: Str<'a>,
}

fn count(n: usize) -> Option<i64> {
    Some(i64::try_from(n).unwrap_or(i64::MAX))
}

/// The file part of a document's `source` (JSON Lines sources end in `:<line>`).
fn input_file<'a>(source: Option<&'a str>, format: Option<&str>) -> Option<&'a str> {
    let src = source?;
    if format == Some("jsonl") {
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
    let a: Doc = serde_json::from_str(analysis_json)?;
    let start = out.mark();
    let r = write_analysis(input_index, &a, analysis_json, out);
    if r.is_err() {
        out.rollback(start); // no half-written record
    }
    r
}

fn joined<'a>(parts: impl Iterator<Item = &'a str>, sep: &str) -> Option<String> {
    let parts: Vec<&str> = parts.collect();
    (!parts.is_empty()).then(|| parts.join(sep))
}

fn write_analysis(
    idx: i64,
    a: &Doc,
    analysis_json: &str,
    r: &mut (impl Sink + ?Sized),
) -> Result<(), RowsError> {
    let h = a.content_hash.as_deref().unwrap_or("");
    let ents = a.entities.as_ref();
    let mentions = ents.map_or(&[][..], |e| &e.mentions[..]);
    let clusters = ents.map_or(&[][..], |e| &e.clusters[..]);
    let canonical: HashMap<i64, &str> = clusters
        .iter()
        .filter_map(|c| Some((c.id?, c.canonical.as_deref()?)))
        .collect();
    let name = |id: Option<i64>| id.and_then(|id| canonical.get(&id).copied());

    r.begin("documents", idx);
    r.str(
        "input_file",
        input_file(a.source.as_deref(), a.format.as_deref()),
    );
    r.str("content_hash", Some(h));
    r.str("doc_id", a.id.as_deref());
    r.str("url", a.url.as_deref());
    r.str("outlet", a.outlet.as_deref());
    r.str("format", a.format.as_deref());
    r.str("dateline", date(a.dateline.as_deref()).as_deref());
    r.str("title", a.title.as_deref());
    r.str("byline", a.byline.as_deref());
    r.str("language", a.language.as_deref());
    r.str("schema_version", a.schema_version.as_deref());
    let stages: Vec<&str> = a.stages.iter().map(|t| &**t).collect();
    r.str("stages", Some(&stages.join(",")));
    r.int(
        "chars",
        count(a.text.as_deref().map_or(0, |t| t.chars().count())),
    )?;
    r.int("paragraphs", count(a.paragraphs.0))?;
    r.int("sentences", count(a.sentences.0))?;
    r.int("tokens", count(a.tokens.0))?;
    r.int("mentions", count(mentions.len()))?;
    r.int("entity_clusters", count(clusters.len()))?;
    r.int("quotes", count(a.quotes.len()))?;
    r.int("timexes", count(a.timexes.0))?;
    r.int("events", count(a.events.len()))?;
    r.int("techniques", count(a.techniques.len()))?;
    r.float("tone", a.tone.as_ref().and_then(|t| t.tone));
    r.str("genre", a.genre.as_ref().and_then(|g| g.label.as_deref()));
    r.str(
        "frames",
        joined(a.frames.iter().filter_map(|f| f.label.as_deref()), ",").as_deref(),
    );
    r.str(
        "warnings",
        joined(a.warnings.iter().map(|w| &**w), "\n").as_deref(),
    );
    r.end();
    r.analysis(analysis_json);

    for m in mentions {
        r.begin("entities", idx);
        r.int("mention", m.id)?;
        r.int("cluster", m.cluster)?;
        r.int("start", m.start)?;
        r.int("end", m.end)?;
        r.str("text", m.text.as_deref());
        r.str("type", m.typ.as_deref());
        r.str("kind", m.kind.as_deref());
        r.float("score", m.score);
        r.str("canonical", name(m.cluster));
        r.end();
    }
    for q in &a.quotes {
        let text = q
            .content
            .iter()
            .map(|c| c.text.as_deref().unwrap_or("").trim())
            .collect::<Vec<_>>()
            .join(" … ");
        let (cs, ce, ct) = SpanJ::parts(&q.cue);
        let (ss, se, st) = SpanJ::parts(&q.source);
        r.begin("quotes", idx);
        r.int("quote", q.id)?;
        r.str("kind", q.kind.as_deref());
        r.int("start", q.content.iter().filter_map(|c| c.start).min())?;
        r.int("end", q.content.iter().filter_map(|c| c.end).max())?;
        r.str("text", Some(&text));
        r.int("content_spans", count(q.content.len()))?;
        r.int("cue_start", cs)?;
        r.int("cue_end", ce)?;
        r.str("cue", ct);
        r.str("cue_lemma", q.cue_lemma.as_deref());
        r.int("source_start", ss)?;
        r.int("source_end", se)?;
        r.str("source_text", st);
        r.int("speaker", q.speaker)?;
        let speaker_name = q.speaker_name.as_deref().filter(|n| !n.is_empty());
        r.str("speaker_name", speaker_name.or_else(|| name(q.speaker)));
        r.float("score", q.score);
        r.end();
    }
    for t in &a.techniques {
        r.begin("techniques", idx);
        r.int("technique_id", t.id)?;
        r.int("start", t.start)?;
        r.int("end", t.end)?;
        r.str("text", t.text.as_deref());
        r.str("technique", t.technique.as_deref());
        r.str("technique_2023", t.technique_2023.as_deref());
        r.float("score", t.score);
        r.int("sentence", t.sentence)?;
        r.end();
    }
    for e in &a.events {
        let (as_, ae, at) = SpanJ::parts(&e.actor_span);
        let (cs, ce, ct) = SpanJ::parts(&e.action);
        let (ts, te, tt) = SpanJ::parts(&e.target_span);
        r.begin("events", idx);
        r.int("event", e.id)?;
        r.int("actor", e.actor)?;
        r.str("actor_name", name(e.actor));
        r.int("actor_start", as_)?;
        r.int("actor_end", ae)?;
        r.str("actor_text", at);
        r.int("action_start", cs)?;
        r.int("action_end", ce)?;
        r.str("action", ct);
        r.int("target", e.target)?;
        r.str("target_name", name(e.target));
        r.int("target_start", ts)?;
        r.int("target_end", te)?;
        r.str("target_text", tt);
        r.str("cameo", e.cameo.as_deref());
        r.str("cameo_root", e.cameo_root.as_deref());
        r.str("cameo_label", e.cameo_label.as_deref());
        r.float("goldstein", e.goldstein);
        r.int("timex", e.timex)?;
        r.str("date", e.date.as_deref());
        r.str("modality", e.modality.as_deref());
        r.int("sentence", e.sentence)?;
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
        assert_eq!(
            input_file(Some("dir/a:b.jsonl:12"), Some("jsonl")),
            Some("dir/a:b.jsonl")
        );
        assert_eq!(input_file(Some("notes:12"), Some("text")), Some("notes:12"));
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
