//! `newslens analyze --format arrow`: the rows of `--format rows` as an Arrow IPC stream.
//!
//! Same tables, columns and values as `--format rows` (see `rows.rs`), but columnar and binary,
//! so the Spark driver reads them with no parsing at all (`pyarrow.ipc.open_stream`). The stream
//! has one schema, the union of all tables' columns: `table` (which table a row belongs to)
//! first, then every column of [`TABLES`] in order of first appearance (a column name has one
//! type in every table; `date` columns travel as `YYYY-MM-DD` strings). A row's columns that
//! its table lacks are null; as in `--format rows`, layer rows leave `content_hash` and
//! `doc_id` to their record's `documents` row, and `documents.analysis` holds the record's
//! `--format jsonl` line. Record batches of about 16k rows or 16 MB of text (whichever comes
//! first; whole records), each flushed as it is written: the stream is incremental, in steps
//! large enough that a reader's per-batch work stays small next to its per-row work.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::{
    ArrayBuilder, Float32Builder, Float64Builder, Int32Builder, Int64Builder, StringBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
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

/// The stream's columns: `table`, then the union of [`TABLES`]' columns by first appearance.
fn union_columns() -> Vec<(&'static str, Kind)> {
    let mut cols: Vec<(&'static str, Kind)> = vec![("table", Str)];
    for (_, table) in TABLES {
        for &(name, kind) in *table {
            if !cols.iter().any(|(n, _)| *n == name) {
                cols.push((name, kind));
            }
        }
    }
    cols
}

/// The Arrow schema of the stream.
pub fn schema() -> Schema {
    Schema::new(
        union_columns()
            .into_iter()
            .map(|(name, kind)| {
                let t = match kind {
                    Long => DataType::Int64,
                    Int => DataType::Int32,
                    Str | Date => DataType::Utf8,
                    Double => DataType::Float64,
                    Float => DataType::Float32,
                };
                Field::new(name, t, true)
            })
            .collect::<Vec<_>>(),
    )
}

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Str(String),
    Long(i64),
    Int(i32),
    Float(f64),
}

/// One record's rows, gathered on a worker thread and appended to the columns in input order by
/// [`ArrowRows::push`] (the columns themselves are built on one thread).
#[derive(Debug, Default, Clone)]
pub struct Cells {
    /// `(table, first cell)` of each row.
    rows: Vec<(&'static str, usize)>,
    /// `(column, value)`; a null is a column left out.
    cells: Vec<(&'static str, Cell)>,
}

impl Cells {
    fn put(&mut self, k: &'static str, v: Option<Cell>) {
        if let Some(v) = v {
            self.cells.push((k, v));
        }
    }
}

impl Sink for Cells {
    fn begin(&mut self, table: &'static str, input_index: i64) {
        self.rows.push((table, self.cells.len()));
        self.cells.push(("input_index", Cell::Long(input_index)));
    }

    fn str(&mut self, k: &'static str, v: Option<&str>) {
        self.put(k, v.map(|s| Cell::Str(s.to_owned())));
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
        if let Some(&(_, first)) = self.rows.get(mark) {
            self.cells.truncate(first);
        }
        self.rows.truncate(mark);
    }
}

/// A column being built.
enum Column {
    Str(StringBuilder),
    Long(Int64Builder),
    Int(Int32Builder),
    Double(Float64Builder),
    Float(Float32Builder),
}

impl Column {
    fn new(kind: Kind) -> Self {
        match kind {
            Long => Column::Long(Int64Builder::new()),
            Int => Column::Int(Int32Builder::new()),
            Str | Date => Column::Str(StringBuilder::new()),
            Double => Column::Double(Float64Builder::new()),
            Float => Column::Float(Float32Builder::new()),
        }
    }

    fn null(&mut self) {
        match self {
            Column::Str(b) => b.append_null(),
            Column::Long(b) => b.append_null(),
            Column::Int(b) => b.append_null(),
            Column::Double(b) => b.append_null(),
            Column::Float(b) => b.append_null(),
        }
    }

    /// Appends `v`; a value of another type than the column's (a bug in `rows.rs`) is an error.
    fn push(&mut self, name: &str, v: &Cell) -> Result<(), ArrowError> {
        match (self, v) {
            (Column::Str(b), Cell::Str(s)) => b.append_value(s),
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
            Column::Long(b) => Arc::new(b.finish()),
            Column::Int(b) => Arc::new(b.finish()),
            Column::Double(b) => Arc::new(b.finish()),
            Column::Float(b) => Arc::new(b.finish()),
        }
    }

    fn len(&self) -> usize {
        match self {
            Column::Str(b) => b.len(),
            Column::Long(b) => b.len(),
            Column::Int(b) => b.len(),
            Column::Double(b) => b.len(),
            Column::Float(b) => b.len(),
        }
    }
}

/// A batch is written once it holds this many rows…
const BATCH_ROWS: usize = 16 * 1024;
/// …or this many bytes of text (mostly analyses): a reader's per-batch work is then small
/// next to its per-row work, even for short articles, and memory stays bounded.
const BATCH_TEXT_BYTES: usize = 4 << 20;

/// Writes [`Cells`] to an Arrow IPC stream in record batches of about [`BATCH_ROWS`] rows.
pub struct ArrowRows<W: Write> {
    writer: StreamWriter<W>,
    schema: SchemaRef,
    columns: Vec<Column>,
    index: HashMap<&'static str, usize>,
    rows: usize,
    text_bytes: usize,
}

impl<W: Write> ArrowRows<W> {
    /// Starts the stream (its schema message is written at once).
    pub fn new(out: W) -> Result<Self, ArrowError> {
        let cols = union_columns();
        let schema = Arc::new(schema());
        let writer = StreamWriter::try_new(out, &schema)?;
        Ok(ArrowRows {
            writer,
            schema,
            columns: cols.iter().map(|&(_, k)| Column::new(k)).collect(),
            index: cols.iter().enumerate().map(|(i, &(n, _))| (n, i)).collect(),
            rows: 0,
            text_bytes: 0,
        })
    }

    /// Appends one record's rows.
    pub fn push(&mut self, cells: &Cells) -> Result<(), ArrowError> {
        for (r, &(table, first)) in cells.rows.iter().enumerate() {
            let last = cells.rows.get(r + 1).map_or(cells.cells.len(), |x| x.1);
            self.columns[0].push("table", &Cell::Str(table.to_owned()))?;
            for (name, v) in &cells.cells[first..last] {
                let at = *self
                    .index
                    .get(name)
                    .ok_or_else(|| ArrowError::InvalidArgumentError(format!("no column {name}")))?;
                if self.columns[at].len() > self.rows {
                    return Err(ArrowError::InvalidArgumentError(format!(
                        "column {name} given twice in a {table} row"
                    )));
                }
                self.columns[at].push(name, v)?;
                if let Cell::Str(s) = v {
                    self.text_bytes += s.len();
                }
            }
            self.rows += 1;
            for c in &mut self.columns {
                if c.len() < self.rows {
                    c.null();
                }
            }
        }
        Ok(())
    }

    /// Writes the rows pushed so far as one record batch, and flushes, if they are enough for
    /// a batch.
    pub fn write_full_batch(&mut self) -> Result<(), ArrowError> {
        if self.rows >= BATCH_ROWS || self.text_bytes >= BATCH_TEXT_BYTES {
            self.write_batch()?;
        }
        Ok(())
    }

    /// Writes the rows pushed since the last batch as one record batch, and flushes.
    pub fn write_batch(&mut self) -> Result<(), ArrowError> {
        if self.rows > 0 {
            let arrays = self.columns.iter_mut().map(Column::finish).collect();
            let batch = RecordBatch::try_new(self.schema.clone(), arrays)?;
            self.rows = 0;
            self.text_bytes = 0;
            self.writer.write(&batch)?;
        }
        self.writer.flush()
    }

    /// Writes the last batch and the end-of-stream marker.
    pub fn finish(mut self) -> Result<(), ArrowError> {
        self.write_batch()?;
        self.writer.finish()?;
        self.writer.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Array, Int32Array, Int64Array, StringArray};
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

    #[test]
    fn rows_round_trip_with_nulls_for_other_tables_columns() {
        let mut c = Cells::default();
        c.begin("documents", 7);
        c.str("doc_id", Some("a"));
        c.int("chars", Some(12)).unwrap();
        c.analysis("{\"schema_version\":\"x\"}");
        c.begin("entities", 7);
        c.int("start", Some(3)).unwrap();
        c.str("text", None);
        let mark = c.mark();
        c.begin("quotes", 7);
        c.int("quote", Some(0)).unwrap();
        c.rollback(mark);
        let mut buf = Vec::new();
        let mut w = ArrowRows::new(&mut buf).unwrap();
        w.push(&c).unwrap();
        w.finish().unwrap();
        let batches: Vec<RecordBatch> = StreamReader::try_new(&buf[..], None)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(batches.len(), 1);
        let b = &batches[0];
        assert_eq!(b.num_rows(), 2, "the rolled-back row is gone");
        let col = |n: &str| b.column(b.schema().index_of(n).unwrap()).clone();
        let table = col("table");
        let table = table.as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!((table.value(0), table.value(1)), ("documents", "entities"));
        let idx = col("input_index");
        let idx = idx.as_any().downcast_ref::<Int64Array>().unwrap();
        assert_eq!((idx.value(0), idx.value(1)), (7, 7));
        let chars = col("chars");
        let chars = chars.as_any().downcast_ref::<Int32Array>().unwrap();
        assert_eq!(chars.value(0), 12);
        assert!(chars.is_null(1));
        let start = col("start");
        assert!(start.is_null(0));
        assert!(col("text").is_null(1));
        let analysis = col("analysis");
        let analysis = analysis.as_any().downcast_ref::<StringArray>().unwrap();
        assert!(analysis.value(0).starts_with("{\"schema_version\""));
        assert!(analysis.is_null(1));
    }

    #[test]
    fn a_value_of_the_wrong_type_is_an_error_not_a_panic() {
        let mut c = Cells::default();
        c.begin("documents", 0);
        c.str("chars", Some("twelve"));
        let mut w = ArrowRows::new(Vec::new()).unwrap();
        assert!(w.push(&c).is_err());
    }
}
