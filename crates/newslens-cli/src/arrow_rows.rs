//! `newslens analyze --format arrow`: the rows of `--format rows` as Arrow IPC streams.
//!
//! Same tables, columns and values as `--format rows` (see `rows.rs`), but columnar and binary,
//! so the Spark driver reads them with no parsing at all (`pyarrow.ipc.open_stream`). The output
//! is a sequence of complete Arrow IPC streams, one per table and group of records, each with
//! the table's own schema (its name in the schema metadata under `newslens.table`) and at most
//! one record batch. A group is whole records (about 16k rows or 4 MB of text, whichever comes
//! first) and always starts with a `documents` stream then an `errors` stream (possibly empty:
//! a schema and no batch), followed by a stream for each layer table that has rows in it. Each
//! stream is flushed as it is written, so the output is incremental.
//!
//! Columns are those of [`TABLES`] with two exceptions that save bytes, as in `--format rows`:
//! layer tables leave out `content_hash` and `doc_id` (they are their record's, on its
//! `documents` row, found through `input_index`), and `documents.analysis` is the record's
//! `--format jsonl` line. Dates are `date32`; `input_index` counts the binary's own input.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::{
    ArrayBuilder, Date32Builder, Float32Builder, Float64Builder, Int32Builder, Int64Builder,
    StringBuilder,
};
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_ipc::writer::StreamWriter;
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};

use crate::rows::Sink;

/// A column's type in the Spark tables (`integrations/spark/README.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Signed 64-bit.
    Long,
    /// Signed 32-bit.
    Int,
    /// UTF-8 text.
    Str,
    /// 64-bit float.
    Double,
    /// 32-bit float.
    Float,
    /// A calendar date (a `YYYY-MM-DD` string in the stream).
    Date,
}

use Kind::{Date, Double, Float, Int, Long, Str};

/// The output tables and their columns, in order (the Spark driver's `TABLES`).
pub const TABLES: &[(&str, &[(&str, Kind)])] = &[
    (
        "documents",
        &[
            ("input_index", Long),
            ("input_file", Str),
            ("content_hash", Str),
            ("doc_id", Str),
            ("url", Str),
            ("outlet", Str),
            ("format", Str),
            ("dateline", Date),
            ("title", Str),
            ("byline", Str),
            ("language", Str),
            ("schema_version", Str),
            ("stages", Str),
            ("chars", Int),
            ("paragraphs", Int),
            ("sentences", Int),
            ("tokens", Int),
            ("mentions", Int),
            ("entity_clusters", Int),
            ("quotes", Int),
            ("timexes", Int),
            ("events", Int),
            ("techniques", Int),
            ("tone", Double),
            ("genre", Str),
            ("frames", Str),
            ("warnings", Str),
            ("analysis", Str),
        ],
    ),
    (
        "entities",
        &[
            ("input_index", Long),
            ("content_hash", Str),
            ("doc_id", Str),
            ("mention", Int),
            ("cluster", Int),
            ("start", Int),
            ("end", Int),
            ("text", Str),
            ("type", Str),
            ("kind", Str),
            ("score", Float),
            ("canonical", Str),
        ],
    ),
    (
        "quotes",
        &[
            ("input_index", Long),
            ("content_hash", Str),
            ("doc_id", Str),
            ("quote", Int),
            ("kind", Str),
            ("start", Int),
            ("end", Int),
            ("text", Str),
            ("content_spans", Int),
            ("cue_start", Int),
            ("cue_end", Int),
            ("cue", Str),
            ("cue_lemma", Str),
            ("source_start", Int),
            ("source_end", Int),
            ("source_text", Str),
            ("speaker", Int),
            ("speaker_name", Str),
            ("score", Float),
        ],
    ),
    (
        "techniques",
        &[
            ("input_index", Long),
            ("content_hash", Str),
            ("doc_id", Str),
            ("technique_id", Int),
            ("start", Int),
            ("end", Int),
            ("text", Str),
            ("technique", Str),
            ("technique_2023", Str),
            ("score", Float),
            ("sentence", Int),
        ],
    ),
    (
        "events",
        &[
            ("input_index", Long),
            ("content_hash", Str),
            ("doc_id", Str),
            ("event", Int),
            ("actor", Int),
            ("actor_name", Str),
            ("actor_start", Int),
            ("actor_end", Int),
            ("actor_text", Str),
            ("action_start", Int),
            ("action_end", Int),
            ("action", Str),
            ("target", Int),
            ("target_name", Str),
            ("target_start", Int),
            ("target_end", Int),
            ("target_text", Str),
            ("cameo", Str),
            ("cameo_root", Str),
            ("cameo_label", Str),
            ("goldstein", Float),
            ("timex", Int),
            ("date", Str),
            ("modality", Str),
            ("sentence", Int),
        ],
    ),
    (
        "errors",
        &[
            ("input_index", Long),
            ("input_file", Str),
            ("kind", Str),
            ("message", Str),
            ("line", Long),
            ("raw", Str),
        ],
    ),
];

/// Columns a layer table's rows leave to their record's `documents` row.
const PER_RECORD: [&str; 2] = ["content_hash", "doc_id"];

/// The columns `table` has in the stream.
fn stream_columns(table: &str) -> Vec<(&'static str, Kind)> {
    let cols = TABLES
        .iter()
        .find(|(t, _)| *t == table)
        .map_or(&[][..], |(_, c)| *c);
    cols.iter()
        .copied()
        .filter(|(name, _)| table == "documents" || !PER_RECORD.contains(name))
        .collect()
}

/// The Arrow schema of `table`'s streams.
pub fn schema(table: &str) -> Schema {
    let fields: Vec<Field> = stream_columns(table)
        .into_iter()
        .map(|(name, kind)| {
            let t = match kind {
                Long => DataType::Int64,
                Int => DataType::Int32,
                Str => DataType::Utf8,
                Date => DataType::Date32,
                Double => DataType::Float64,
                Float => DataType::Float32,
            };
            Field::new(name, t, true)
        })
        .collect();
    Schema::new_with_metadata(
        fields,
        HashMap::from([("newslens.table".to_string(), table.to_string())]),
    )
}

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    /// A byte range of [`Cells::text`].
    Str(u32, u32),
    Long(i64),
    Int(i32),
    Float(f64),
}

/// One record's rows, gathered on a worker thread and appended to the columns in input order by
/// [`ArrowRows::push`] (the columns themselves are built on one thread).
#[derive(Debug, Default, Clone)]
pub struct Cells {
    /// `(table, first cell, text length before the row)` of each row.
    rows: Vec<(&'static str, usize, usize)>,
    /// `(column, value)`; a null is a column left out.
    cells: Vec<(&'static str, Cell)>,
    /// The record's strings, end to end (one buffer rather than an allocation per value).
    text: String,
}

impl Cells {
    fn put(&mut self, k: &'static str, v: Option<Cell>) {
        if let Some(v) = v {
            self.cells.push((k, v));
        }
    }

    fn str_of(&self, v: &Cell) -> &str {
        match *v {
            Cell::Str(a, b) => self.text.get(a as usize..b as usize).unwrap_or(""),
            _ => "",
        }
    }
}

impl Sink for Cells {
    fn begin(&mut self, table: &'static str, input_index: i64) {
        self.rows.push((table, self.cells.len(), self.text.len()));
        self.cells.push(("input_index", Cell::Long(input_index)));
    }

    fn str(&mut self, k: &'static str, v: Option<&str>) {
        if let Some(v) = v {
            let start = self.text.len();
            self.text.push_str(v);
            // A record's text beyond 4 GiB cannot be addressed; such a record is refused by
            // `--max-bytes` long before (its analysis would be larger still).
            let (Ok(a), Ok(b)) = (u32::try_from(start), u32::try_from(self.text.len())) else {
                self.text.truncate(start);
                return;
            };
            self.cells.push((k, Cell::Str(a, b)));
        }
    }

    fn long(&mut self, k: &'static str, v: Option<i64>) {
        self.put(k, v.map(Cell::Long));
    }

    fn int32(&mut self, k: &'static str, v: Option<i32>) {
        self.put(k, v.map(Cell::Int));
    }

    fn float(&mut self, k: &'static str, v: Option<f64>) {
        self.put(k, v.filter(|f| f.is_finite()).map(Cell::Float));
    }

    fn analysis(&mut self, json: &str) {
        self.str("analysis", Some(json));
    }

    fn end(&mut self) {}

    fn mark(&self) -> usize {
        self.rows.len()
    }

    fn rollback(&mut self, mark: usize) {
        if let Some(&(_, first, text)) = self.rows.get(mark) {
            self.cells.truncate(first);
            self.text.truncate(text);
        }
        self.rows.truncate(mark);
    }
}

/// A column being built.
enum Column {
    Str(StringBuilder),
    Date(Date32Builder),
    Long(Int64Builder),
    Int(Int32Builder),
    Double(Float64Builder),
    Float(Float32Builder),
}

impl Column {
    fn new(kind: Kind) -> Self {
        Self::with_capacity(kind, 0, 0)
    }

    /// A column with room for `rows` values (`bytes` of text for a string column), so that a
    /// group about the size of the last one is built without growing its buffers.
    fn with_capacity(kind: Kind, rows: usize, bytes: usize) -> Self {
        match kind {
            Long => Column::Long(Int64Builder::with_capacity(rows)),
            Int => Column::Int(Int32Builder::with_capacity(rows)),
            Str => Column::Str(StringBuilder::with_capacity(rows, bytes)),
            Date => Column::Date(Date32Builder::with_capacity(rows)),
            Double => Column::Double(Float64Builder::with_capacity(rows)),
            Float => Column::Float(Float32Builder::with_capacity(rows)),
        }
    }

    fn null(&mut self) {
        match self {
            Column::Str(b) => b.append_null(),
            Column::Date(b) => b.append_null(),
            Column::Long(b) => b.append_null(),
            Column::Int(b) => b.append_null(),
            Column::Double(b) => b.append_null(),
            Column::Float(b) => b.append_null(),
        }
    }

    /// Appends `v`; a value of another type than the column's (a bug in `rows.rs`) is an error.
    fn push(&mut self, name: &str, v: &Cell, text: &str) -> Result<(), ArrowError> {
        match (self, v) {
            (Column::Str(b), Cell::Str(..)) => b.append_value(text),
            // `rows.rs` validated the date; anything else is null, as in `--format rows`.
            (Column::Date(b), Cell::Str(..)) => {
                match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                    Ok(d) => b.append_value(
                        i32::try_from((d - chrono::NaiveDate::default()).num_days()).unwrap_or(0),
                    ),
                    Err(_) => b.append_null(),
                }
            }
            (Column::Long(b), Cell::Long(n)) => b.append_value(*n),
            (Column::Long(b), Cell::Int(n)) => b.append_value(i64::from(*n)),
            (Column::Int(b), Cell::Int(n)) => b.append_value(*n),
            (Column::Double(b), Cell::Float(f)) => b.append_value(*f),
            // As Arrow's JSON reader would store the shortest-round-trip text of an f64.
            (Column::Float(b), Cell::Float(f)) => b.append_value(*f as f32),
            (_, v) => {
                return Err(ArrowError::InvalidArgumentError(format!(
                    "column {name} cannot hold {v:?}"
                )))
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Column::Str(b) => Arc::new(b.finish()),
            Column::Date(b) => Arc::new(b.finish()),
            Column::Long(b) => Arc::new(b.finish()),
            Column::Int(b) => Arc::new(b.finish()),
            Column::Double(b) => Arc::new(b.finish()),
            Column::Float(b) => Arc::new(b.finish()),
        }
    }

    fn len(&self) -> usize {
        match self {
            Column::Str(b) => b.len(),
            Column::Date(b) => b.len(),
            Column::Long(b) => b.len(),
            Column::Int(b) => b.len(),
            Column::Double(b) => b.len(),
            Column::Float(b) => b.len(),
        }
    }
}

/// A group is written once it holds this many rows…
const GROUP_ROWS: usize = 16 * 1024;
/// …or this many bytes of text (mostly analyses): a reader's per-group work is then small next
/// to its per-row work, even for short articles, while the buffers stay small enough for the
/// allocator to reuse rather than map afresh for every group.
const GROUP_TEXT_BYTES: usize = 4 << 20;

/// Stream order within a group: the records' lead tables first.
const ORDER: [&str; 6] = [
    "documents",
    "errors",
    "entities",
    "quotes",
    "techniques",
    "events",
];

/// One table's columns being built.
struct TableColumns {
    name: &'static str,
    schema: SchemaRef,
    names: Vec<&'static str>,
    kinds: Vec<Kind>,
    columns: Vec<Column>,
    rows: usize,
}

/// Writes [`Cells`] as Arrow IPC streams, one per table and group of records.
pub struct ArrowRows<W: Write> {
    out: W,
    tables: Vec<TableColumns>,
    rows: usize,
    text_bytes: usize,
}

impl<W: Write> ArrowRows<W> {
    /// A writer to `out` (nothing is written before the first group).
    pub fn new(out: W) -> Self {
        let tables = ORDER
            .iter()
            .map(|&name| {
                let cols = stream_columns(name);
                TableColumns {
                    name,
                    schema: Arc::new(schema(name)),
                    names: cols.iter().map(|&(n, _)| n).collect(),
                    kinds: cols.iter().map(|&(_, k)| k).collect(),
                    columns: cols.iter().map(|&(_, k)| Column::new(k)).collect(),
                    rows: 0,
                }
            })
            .collect();
        ArrowRows {
            out,
            tables,
            rows: 0,
            text_bytes: 0,
        }
    }

    /// Appends one record's rows.
    pub fn push(&mut self, cells: &Cells) -> Result<(), ArrowError> {
        for (r, &(table, first, _)) in cells.rows.iter().enumerate() {
            let last = cells.rows.get(r + 1).map_or(cells.cells.len(), |x| x.1);
            let t = self
                .tables
                .iter_mut()
                .find(|t| t.name == table)
                .ok_or_else(|| ArrowError::InvalidArgumentError(format!("no table {table}")))?;
            // `rows.rs` gives a row's columns in schema order: find each by scanning on from
            // the previous one, then from the start.
            let mut next = 0;
            for (name, v) in &cells.cells[first..last] {
                let at = match t.names[next.min(t.names.len())..]
                    .iter()
                    .position(|n| n == name)
                {
                    Some(k) => next + k,
                    None => match t.names.iter().position(|n| n == name) {
                        Some(at) => at,
                        None if PER_RECORD.contains(name) => continue, // on the documents row
                        None => {
                            return Err(ArrowError::InvalidArgumentError(format!(
                                "no column {name} in {table}"
                            )))
                        }
                    },
                };
                next = at + 1;
                if t.columns[at].len() > t.rows {
                    return Err(ArrowError::InvalidArgumentError(format!(
                        "column {name} given twice in a {table} row"
                    )));
                }
                let text = cells.str_of(v);
                t.columns[at].push(name, v, text)?;
                self.text_bytes += text.len();
            }
            t.rows += 1;
            for c in &mut t.columns {
                if c.len() < t.rows {
                    c.null();
                }
            }
            self.rows += 1;
        }
        Ok(())
    }

    /// Writes the records pushed so far as a group, if they are enough for one.
    pub fn write_full_group(&mut self) -> Result<(), ArrowError> {
        if self.rows >= GROUP_ROWS || self.text_bytes >= GROUP_TEXT_BYTES {
            self.write_group()?;
        }
        Ok(())
    }

    /// Writes the records pushed since the last group as one group (nothing when there are
    /// none), and flushes.
    pub fn write_group(&mut self) -> Result<(), ArrowError> {
        if self.rows == 0 {
            return Ok(());
        }
        for t in &mut self.tables {
            if t.rows == 0 && !matches!(t.name, "documents" | "errors") {
                continue;
            }
            let mut w = StreamWriter::try_new(&mut self.out, &t.schema)?;
            if t.rows > 0 {
                let arrays: Vec<ArrayRef> = t.columns.iter_mut().map(Column::finish).collect();
                let sizes: Vec<(usize, usize)> = arrays
                    .iter()
                    .map(|a| {
                        let bytes = a.as_string_opt::<i32>().map_or(0, |s| s.value_data().len());
                        (a.len(), bytes)
                    })
                    .collect();
                w.write(&RecordBatch::try_new(t.schema.clone(), arrays)?)?;
                // The batch is written and dropped: its memory is free for the next one's.
                for ((c, &kind), (rows, bytes)) in t.columns.iter_mut().zip(&t.kinds).zip(sizes) {
                    *c = Column::with_capacity(kind, rows, bytes);
                }
                t.rows = 0;
            }
            w.finish()?;
        }
        self.rows = 0;
        self.text_bytes = 0;
        self.out.flush()?;
        Ok(())
    }

    /// Writes the last group.
    pub fn finish(mut self) -> Result<(), ArrowError> {
        self.write_group()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Array, Date32Array, Int32Array, Int64Array, StringArray};
    use arrow_ipc::reader::StreamReader;

    #[test]
    fn a_column_name_has_one_type_in_every_table() {
        let mut seen: HashMap<&str, Kind> = HashMap::new();
        for (table, cols) in TABLES {
            for &(name, kind) in *cols {
                let k = *seen.entry(name).or_insert(kind);
                assert_eq!(k, kind, "{table}.{name}");
            }
        }
    }

    /// `(table, batches)` of each stream in `buf`.
    fn streams(buf: &[u8]) -> Vec<(String, Vec<RecordBatch>)> {
        let mut rest = buf;
        let mut out = Vec::new();
        while !rest.is_empty() {
            let r = StreamReader::try_new(&mut rest, None).unwrap();
            let table = r.schema().metadata()["newslens.table"].clone();
            out.push((table, r.map(Result::unwrap).collect()));
        }
        out
    }

    #[test]
    fn groups_are_streams_per_table_led_by_documents_and_errors() {
        let mut c = Cells::default();
        c.begin("documents", 7);
        c.str("content_hash", Some("h"));
        c.str("doc_id", Some("a"));
        c.str("dateline", Some("2025-03-25"));
        c.int("chars", Some(12)).unwrap();
        c.analysis("{\"schema_version\":\"x\"}");
        c.begin("entities", 7);
        c.str("content_hash", Some("h")); // left to the documents row
        c.int("start", Some(3)).unwrap();
        c.str("text", None);
        let mark = c.mark();
        c.begin("quotes", 7);
        c.int("quote", Some(0)).unwrap();
        c.rollback(mark);
        let mut buf = Vec::new();
        let mut w = ArrowRows::new(&mut buf);
        w.push(&c).unwrap();
        w.write_full_group().unwrap();
        assert!(w.out.is_empty(), "one record is not a full group");
        w.finish().unwrap();
        let got = streams(&buf);
        let names: Vec<&str> = got.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(
            names,
            ["documents", "errors", "entities"],
            "the rolled-back quote is gone"
        );
        assert!(got[1].1.is_empty(), "an empty errors stream has no batch");
        let docs = &got[0].1[0];
        let col = |b: &RecordBatch, n: &str| b.column(b.schema().index_of(n).unwrap()).clone();
        assert_eq!(docs.num_rows(), 1);
        let idx = col(docs, "input_index");
        assert_eq!(
            idx.as_any().downcast_ref::<Int64Array>().unwrap().value(0),
            7
        );
        let day = col(docs, "dateline");
        let day = day.as_any().downcast_ref::<Date32Array>().unwrap().value(0);
        assert_eq!(day, 20172, "2025-03-25 is day 20172 of the epoch");
        let chars = col(docs, "chars");
        assert_eq!(
            chars
                .as_any()
                .downcast_ref::<Int32Array>()
                .unwrap()
                .value(0),
            12
        );
        assert!(col(docs, "url").is_null(0));
        let analysis = col(docs, "analysis");
        let analysis = analysis.as_any().downcast_ref::<StringArray>().unwrap();
        assert!(analysis.value(0).starts_with("{\"schema_version\""));
        let ents = &got[2].1[0];
        assert!(ents.schema().index_of("content_hash").is_err());
        assert_eq!(
            col(ents, "start")
                .as_any()
                .downcast_ref::<Int32Array>()
                .unwrap()
                .value(0),
            3
        );
        assert!(col(ents, "text").is_null(0));
    }

    #[test]
    fn nothing_is_written_for_no_records() {
        let mut buf = Vec::new();
        ArrowRows::new(&mut buf).finish().unwrap();
        assert!(buf.is_empty());
    }

    #[test]
    fn a_value_of_the_wrong_type_is_an_error_not_a_panic() {
        let mut c = Cells::default();
        c.begin("documents", 0);
        c.str("chars", Some("twelve"));
        let mut w = ArrowRows::new(Vec::new());
        assert!(w.push(&c).is_err());
    }
}
