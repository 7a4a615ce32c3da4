//! `newslens analyze`: read, run the pipeline in parallel, print in input order.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use newslens_core::{Analysis, SCHEMA_VERSION};
use newslens_ingest::{IngestError, ReadOptions};
use newslens_pipeline::{Pipeline, PipelineOptions};
use rayon::prelude::*;

use crate::UsageError;

/// Output format of `analyze`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Coloured report for people (default on a terminal).
    Pretty,
    /// One JSON object (an array when there are several documents).
    Json,
    /// One JSON object per line, streamed (default when piped with several inputs).
    Jsonl,
    /// The Spark driver's flat tables: one JSON line per table row, tagged with its table, each
    /// `documents` row followed by its analysis line; streamed (see `rows.rs`).
    Rows,
    /// The same rows as Arrow IPC streams (one per table and group of about 16k rows; see
    /// `arrow_rows.rs`): what the Spark driver reads.
    Arrow,
}

impl Format {
    /// The flat-table formats (a bad input is an `errors` row).
    fn is_rows(self) -> bool {
        matches!(self, Format::Rows | Format::Arrow)
    }

    /// Formats that print each chunk as soon as it is analysed.
    fn streams(self) -> bool {
        matches!(self, Format::Jsonl | Format::Rows | Format::Arrow)
    }
}

/// `newslens analyze`
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Files, directories (read recursively) or `-` for stdin; stdin when omitted and piped.
    pub paths: Vec<PathBuf>,
    /// Output format (default: pretty on a terminal; json for one file, jsonl otherwise, when piped).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Largest document accepted, in bytes (a file, or one JSON line).
    #[arg(long, default_value_t = 10 * 1024 * 1024)]
    pub max_bytes: u64,
    /// Run only these stages (comma-separated; the stages they need are added).
    #[arg(long, value_delimiter = ',')]
    pub only: Option<Vec<String>>,
    /// NER model file (default: the embedded model).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Leave tokens out of JSON output (they are most of its size).
    #[arg(long)]
    pub no_tokens: bool,
    /// Rhetoric in accurate mode: technique labels, frames and genre from heads over
    /// all-MiniLM-L6-v2 embeddings (slower; needs `scripts/fetch-minilm.sh`, see docs/accurate.md).
    #[arg(long)]
    pub accurate: bool,
    /// Folder with the all-MiniLM-L6-v2 weights (default: $NEWSLENS_MINILM, then
    /// ~/.cache/newslens/minilm).
    #[arg(long, env = "NEWSLENS_MINILM")]
    pub accurate_model: Option<PathBuf>,
}

/// One record's output.
enum Output {
    Text(String),
    Cells(crate::arrow_rows::Cells),
}

/// One document's outcome, rendered.
enum Rendered {
    Ok(Output),
    /// The message for stderr, and the error record.
    Err(String, Output),
}

/// A record's rows, written by `f` in the flat-table `format`.
fn rows_of(
    format: Format,
    f: impl FnOnce(&mut dyn crate::rows::Sink) -> Result<(), crate::rows::RowsError>,
) -> Result<Output, crate::rows::RowsError> {
    if format == Format::Arrow {
        let mut cells = crate::arrow_rows::Cells::default();
        f(&mut cells)?;
        Ok(Output::Cells(cells))
    } else {
        let mut out = String::new();
        f(&mut crate::rows::JsonRows { out: &mut out })?;
        Ok(Output::Text(out))
    }
}

/// The `errors` row of a record, in the flat-table `format`.
fn error_rows(
    format: Format,
    input_index: i64,
    file: &str,
    kind: &str,
    msg: &str,
    line: Option<usize>,
) -> Output {
    rows_of(format, |sink| {
        crate::rows::error_row(input_index, file, kind, msg, line, sink);
        Ok(())
    })
    .unwrap_or_else(|_| Output::Text(String::new())) // error_row cannot fail
}

fn error_record(e: &IngestError) -> String {
    let v = serde_json::json!({
        "schema_version": SCHEMA_VERSION,
        "error": {
            "kind": e.kind(),
            "message": e.to_string(),
            "source": e.path(),
            "line": e.line(),
        }
    });
    v.to_string()
}

pub(crate) fn render_json(a: &Analysis, pretty: bool, no_tokens: bool) -> Result<String> {
    let mut buf = Vec::with_capacity(a.text().len() * 4);
    if no_tokens {
        let mut a = a.clone();
        a.tokens.clear();
        a.write_json(&mut buf, pretty)?;
    } else {
        a.write_json(&mut buf, pretty)?;
    }
    Ok(String::from_utf8(buf)?)
}

/// Runs `analyze`.
pub fn run(args: &AnalyzeArgs) -> Result<()> {
    let mut paths = args.paths.clone();
    if paths.is_empty() {
        if std::io::stdin().is_terminal() {
            return Err(UsageError(
                "no input: give files or directories, or pipe text into `newslens analyze -`"
                    .into(),
            )
            .into());
        }
        paths.push(PathBuf::from("-"));
    }
    let stdout_tty = std::io::stdout().is_terminal();
    let single_file = paths.len() == 1
        && paths[0].is_file()
        && !matches!(
            paths[0].extension().and_then(|e| e.to_str()),
            Some("jsonl" | "ndjson")
        );
    let format = args.format.unwrap_or(if stdout_tty {
        Format::Pretty
    } else if single_file {
        Format::Json
    } else {
        Format::Jsonl
    });
    let color = stdout_tty && std::env::var_os("NO_COLOR").is_none();
    let mut pipeline = Pipeline::new(&PipelineOptions {
        only: args.only.clone(),
        ner_model: args.model.clone(),
    })?;
    if args.accurate {
        let stage = crate::cmd::accurate::stage(args.accurate_model.as_deref())?;
        if !pipeline.replace_stage(Box::new(stage)) {
            eprintln!("note: --accurate only changes the rhetoric stage, which --only left out");
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .context("cannot start worker threads")?;
    let opts = ReadOptions {
        max_bytes: args.max_bytes,
    };

    let progress = if std::io::stderr().is_terminal() && !single_file {
        let pb = ProgressBar::new_spinner();
        pb.set_style(
            ProgressStyle::with_template("{spinner} {pos} documents analysed ({per_sec}) {msg}")
                .expect("valid template"),
        );
        pb
    } else {
        ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden())
    };

    if format == Format::Arrow && stdout_tty {
        return Err(UsageError(
            "--format arrow writes a binary Arrow IPC stream: redirect or pipe standard output"
                .into(),
        )
        .into());
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut arrow = (format == Format::Arrow).then(|| {
        crate::arrow_rows::ArrowRows::new(std::io::BufWriter::new(std::io::stdout().lock()))
    });
    let mut docs = newslens_ingest::read_paths(&paths, &opts);
    let chunk_size = 32 * pool.current_num_threads().max(1);
    let (mut ok, mut failed) = (0usize, 0usize);
    let mut json_items: Vec<String> = Vec::new();
    // Position of the chunk's first record in the input (`--format rows` numbers records).
    let mut base = 0i64;
    loop {
        let chunk: Vec<_> = docs.by_ref().take(chunk_size).collect();
        if chunk.is_empty() {
            break;
        }
        let chunk_base = base;
        base += chunk.len() as i64;
        let rendered: Vec<Rendered> = pool.install(|| {
            chunk
                .into_par_iter()
                .enumerate()
                .map(|(k, r)| match r {
                    Err(e) if format.is_rows() => {
                        let msg = e.to_string();
                        let row = error_rows(
                            format,
                            chunk_base + k as i64,
                            e.path(),
                            e.kind(),
                            &msg,
                            e.line(),
                        );
                        Rendered::Err(msg, row)
                    }
                    Err(e) => Rendered::Err(e.to_string(), Output::Text(error_record(&e))),
                    Ok(doc) => {
                        let source = doc.source.clone().unwrap_or_default();
                        let analysed = pipeline.run(doc).map_err(anyhow::Error::from).and_then(
                            |a| match format {
                                Format::Pretty => {
                                    Ok(Output::Text(crate::report::render(&a, color)))
                                }
                                Format::Json => {
                                    render_json(&a, true, args.no_tokens).map(Output::Text)
                                }
                                Format::Jsonl => {
                                    render_json(&a, false, args.no_tokens).map(Output::Text)
                                }
                                Format::Rows | Format::Arrow => {
                                    let json = render_json(&a, false, args.no_tokens)?;
                                    Ok(rows_of(format, |sink| {
                                        crate::rows::analysis_rows(
                                            chunk_base + k as i64,
                                            &json,
                                            sink,
                                        )
                                    })?)
                                }
                            },
                        );
                        match analysed {
                            Ok(s) => Rendered::Ok(s),
                            Err(e) if format.is_rows() => {
                                let msg = format!("{source}: {e:#}");
                                let row = error_rows(
                                    format,
                                    chunk_base + k as i64,
                                    &source,
                                    "stage",
                                    &msg,
                                    None,
                                );
                                Rendered::Err(msg, row)
                            }
                            Err(e) => {
                                let msg = format!("{source}: {e:#}");
                                let rec = serde_json::json!({
                                    "schema_version": SCHEMA_VERSION,
                                    "error": {"kind": "stage", "message": msg, "source": source}
                                })
                                .to_string();
                                Rendered::Err(msg, Output::Text(rec))
                            }
                        }
                    }
                })
                .collect()
        });
        for r in rendered {
            progress.inc(1);
            let (record, keep) = match r {
                Rendered::Ok(o) => {
                    ok += 1;
                    (o, true)
                }
                Rendered::Err(msg, o) => {
                    failed += 1;
                    progress.suspend(|| eprintln!("warning: {msg}"));
                    (o, format.streams())
                }
            };
            match record {
                Output::Cells(cells) => {
                    if let Some(w) = arrow.as_mut() {
                        w.push(&cells).context("cannot build the Arrow rows")?;
                    }
                }
                Output::Text(s) if keep => match format {
                    Format::Json => json_items.push(s),
                    // Rows end in newlines already.
                    Format::Rows => out.write_all(s.as_bytes())?,
                    _ => writeln!(out, "{s}")?,
                },
                Output::Text(_) => {}
            }
        }
        if let Some(w) = arrow.as_mut() {
            w.write_full_group()
                .context("cannot write the Arrow stream")?;
        } else if format.streams() {
            out.flush()?;
        }
    }
    progress.finish_and_clear();
    if let Some(w) = arrow.take() {
        w.finish().context("cannot write the Arrow stream")?;
    }
    if format == Format::Json {
        if json_items.len() == 1 {
            writeln!(out, "{}", json_items[0])?;
        } else {
            writeln!(out, "[{}]", json_items.join(",\n"))?;
        }
    }
    out.flush()?;
    if ok == 0 {
        if failed > 0 {
            anyhow::bail!(
                "nothing could be read ({failed} input(s) failed; see the warnings above)"
            );
        }
        anyhow::bail!("no documents found in the given inputs");
    }
    Ok(())
}
