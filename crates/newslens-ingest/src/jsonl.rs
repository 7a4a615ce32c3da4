//! JSON Lines (one article per line) and JSON (an article or an array of articles).

use std::io::{BufRead, Read};

use chrono::NaiveDate;
use newslens_core::{Document, DocumentFormat};
use serde::Deserialize;

use crate::{IngestError, ReadOptions, ReadResult};

/// One article as it appears on a JSON line. All fields but `text` are optional.
#[derive(Debug, Deserialize)]
struct Article {
    #[serde(default)]
    id: Option<serde_json::Value>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    byline: Option<String>,
    #[serde(default)]
    text: Option<String>,
}

/// Parses `YYYY-MM-DD`, or the date part of an RFC 3339 timestamp.
pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let head = s.get(..10).unwrap_or(s);
    NaiveDate::parse_from_str(head, "%Y-%m-%d").ok()
}

fn to_document(
    value: serde_json::Value,
    path: &str,
    line: Option<usize>,
    default_id: String,
) -> ReadResult {
    let err = |message: String| match line {
        Some(line) => IngestError::JsonLine {
            path: path.to_string(),
            line,
            message,
        },
        None => IngestError::Json {
            path: path.to_string(),
            message,
        },
    };
    if !value.is_object() {
        return Err(err("expected a JSON object with a \"text\" field".into()));
    }
    let a: Article = serde_json::from_value(value).map_err(|e| err(e.to_string()))?;
    let text = match a.text {
        Some(t) if !t.trim().is_empty() => t,
        Some(_) => return Err(err("the \"text\" field is empty".into())),
        None => return Err(err("missing the \"text\" field".into())),
    };
    let mut warnings = Vec::new();
    let dateline = match &a.date {
        Some(d) => {
            let parsed = parse_date(d);
            if parsed.is_none() {
                warnings.push(format!("unrecognised date {d:?}; expected YYYY-MM-DD"));
            }
            parsed
        }
        None => None,
    };
    let id = match a.id {
        Some(serde_json::Value::String(s)) if !s.is_empty() => s,
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => default_id,
    };
    let source = match line {
        Some(l) => format!("{path}:{l}"),
        None => path.to_string(),
    };
    Ok(crate::finish(Document {
        id,
        source: Some(source),
        url: a.url,
        outlet: a.source,
        format: DocumentFormat::Jsonl,
        dateline,
        title: a.title,
        byline: a.byline,
        text,
        warnings,
        ..Document::default()
    }))
}

/// Streams documents from a JSON Lines reader, one line at a time (memory is bounded by the
/// longest accepted line). Blank lines are skipped; a bad line yields an error naming it and
/// reading goes on.
pub struct JsonlReader<R: BufRead> {
    reader: R,
    path: String,
    stem: String,
    opts: ReadOptions,
    line: usize,
    buf: Vec<u8>,
    done: bool,
}

impl<R: BufRead> JsonlReader<R> {
    /// Wraps `reader`; `path` names it in messages, `stem` prefixes default ids (`stem:line`).
    pub fn new(reader: R, path: String, stem: String, opts: ReadOptions) -> Self {
        Self {
            reader,
            path,
            stem,
            opts,
            line: 0,
            buf: Vec::new(),
            done: false,
        }
    }
}

impl<R: BufRead> Iterator for JsonlReader<R> {
    type Item = ReadResult;

    fn next(&mut self) -> Option<ReadResult> {
        loop {
            if self.done {
                return None;
            }
            self.buf.clear();
            self.line += 1;
            let limit = self.opts.max_bytes + 1;
            let n = match self
                .reader
                .by_ref()
                .take(limit)
                .read_until(b'\n', &mut self.buf)
            {
                Ok(n) => n,
                Err(e) => {
                    self.done = true;
                    return Some(Err(IngestError::io(&self.path, &e)));
                }
            };
            if n == 0 {
                self.done = true;
                return None;
            }
            if self.buf.len() as u64 >= limit && self.buf.last() != Some(&b'\n') {
                // Skip the rest of the oversized line so the next one starts cleanly.
                if let Err(e) = self.reader.skip_until(b'\n') {
                    self.done = true;
                    return Some(Err(IngestError::io(&self.path, &e)));
                }
                return Some(Err(IngestError::JsonLine {
                    path: self.path.clone(),
                    line: self.line,
                    message: format!(
                        "line is over the limit of {} bytes (raise it with --max-bytes)",
                        self.opts.max_bytes
                    ),
                }));
            }
            let bytes = self.buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&self.buf);
            let (text, warning) = crate::detect::decode(bytes);
            if text.trim().is_empty() {
                continue;
            }
            let value: serde_json::Value = match serde_json::from_str(&text) {
                Ok(v) => v,
                Err(e) => {
                    return Some(Err(IngestError::JsonLine {
                        path: self.path.clone(),
                        line: self.line,
                        message: format!("invalid JSON: {e}"),
                    }))
                }
            };
            let id = format!("{}:{}", self.stem, self.line);
            let mut r = to_document(value, &self.path, Some(self.line), id);
            if let (Ok(d), Some(w)) = (&mut r, warning) {
                d.warnings.push(w);
            }
            return Some(r);
        }
    }
}

/// Reads JSON text held in memory: a single article object, an array of them, or JSON Lines.
pub(crate) fn read_json_text(text: &str, path: &str, stem: &str) -> Vec<ReadResult> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        return match serde_json::from_str::<Vec<serde_json::Value>>(text) {
            Ok(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| {
                    to_document(v, path, None, format!("{stem}:{}", i + 1)).map_err(|e| {
                        IngestError::Json {
                            path: path.to_string(),
                            message: format!("item {}: {e}", i + 1),
                        }
                    })
                })
                .collect(),
            Err(e) => vec![Err(IngestError::Json {
                path: path.to_string(),
                message: e.to_string(),
            })],
        };
    }
    // A single pretty-printed object is JSON, not JSON Lines.
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
        return vec![to_document(v, path, None, stem.to_string())];
    }
    JsonlReader::new(
        text.as_bytes(),
        path.to_string(),
        stem.to_string(),
        ReadOptions::default(),
    )
    .collect()
}
