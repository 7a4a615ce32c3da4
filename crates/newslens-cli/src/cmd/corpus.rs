//! Corpus commands over a store: `ingest`, `search`, `stories`, `quotes`, `entities`, `timeline`,
//! `stats` (owned by the store).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use newslens_ingest::ReadOptions;
use newslens_pipeline::{Pipeline, PipelineOptions};
use newslens_store::{
    open_store, Bucket, EmbeddedStore, FileKey, IngestOptions, OpenMode, SearchQuery, SourceUnit,
    Store, StoreError,
};
use owo_colors::OwoColorize;
use serde::Serialize;

/// Output format of corpus listings.
#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum ListFormat {
    /// Human-readable.
    #[default]
    Pretty,
    /// One JSON document.
    Json,
    /// JSON Lines.
    Jsonl,
}

/// Store location shared by the corpus commands.
#[derive(Debug, Args, Clone)]
pub struct DbArg {
    /// Store: a directory for the embedded store (created if missing), or a `postgres://` URL.
    #[arg(long, default_value = "./newslens-data", env = "NEWSLENS_DB")]
    pub db: String,
}

/// `newslens ingest`
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Files, directories, or `-` for stdin.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub db: DbArg,
    /// Worker threads for analysis (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Largest input file accepted, in bytes.
    #[arg(long, default_value_t = 10 * 1024 * 1024)]
    pub max_bytes: u64,
}

/// `newslens search`
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Query (tantivy query syntax: words, "phrases", AND/OR, -exclusions).
    pub query: String,
    #[command(flatten)]
    pub db: DbArg,
    /// Only quotes by this speaker.
    #[arg(long)]
    pub speaker: Option<String>,
    /// Only articles mentioning this entity.
    #[arg(long)]
    pub entity: Option<String>,
    /// Only articles with this persuasion technique.
    #[arg(long)]
    pub technique: Option<String>,
    /// Published on or after (YYYY-MM-DD).
    #[arg(long)]
    pub from: Option<String>,
    /// Published on or before (YYYY-MM-DD).
    #[arg(long)]
    pub to: Option<String>,
    /// Only this outlet.
    #[arg(long)]
    pub source: Option<String>,
    /// Maximum hits.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: ListFormat,
}

/// `newslens stories`, `newslens entities`, `newslens stats` and similar listings.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub db: DbArg,
    /// Maximum rows.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: ListFormat,
    /// Shorthand for `--format json`.
    #[arg(long)]
    pub json: bool,
}

/// `newslens entities`
#[derive(Debug, Args)]
pub struct EntitiesArgs {
    /// Only entities of this type (the type most of their documents give them).
    #[arg(long = "type", value_parser = ["PER", "ORG", "LOC", "MISC", "per", "org", "loc", "misc"])]
    pub entity_type: Option<String>,
    #[command(flatten)]
    pub list: ListArgs,
}

/// `newslens quotes`
#[derive(Debug, Args)]
pub struct QuotesArgs {
    /// Only quotes by this speaker.
    #[arg(long)]
    pub speaker: Option<String>,
    #[command(flatten)]
    pub list: ListArgs,
}

/// `newslens timeline`
#[derive(Debug, Args)]
pub struct TimelineArgs {
    /// Entity name.
    pub entity: String,
    /// Bucket by day or week.
    #[arg(long, default_value = "day")]
    pub by: String,
    #[command(flatten)]
    pub list: ListArgs,
}

fn open_read(db: &DbArg) -> Result<Box<dyn Store>> {
    // `postgres://` URLs open the PostgreSQL backend (issue 9; a read replica serves searches).
    Ok(newslens_store::open_any(&db.db, OpenMode::Read)?)
}

/// Opens for writing; if another ingest holds the store, says so and waits for it (ingests
/// serialise rather than interleave).
fn open_write(db: &DbArg) -> Result<EmbeddedStore> {
    match open_store(&db.db, OpenMode::Write) {
        Err(StoreError::Locked { .. }) => {
            eprintln!(
                "another newslens ingest is writing to {}; waiting for it to finish…",
                db.db
            );
            Ok(open_store(&db.db, OpenMode::WriteWait)?)
        }
        other => Ok(other?),
    }
}

impl ListArgs {
    fn format(&self) -> ListFormat {
        if self.json {
            ListFormat::Json
        } else {
            self.format
        }
    }
}

fn color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Prints `items` as one JSON array, JSON lines, or with `pretty`.
fn emit<T: Serialize>(
    items: &[T],
    format: ListFormat,
    pretty: impl Fn(&mut dyn Write, usize, &T) -> std::io::Result<()>,
) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut out, items)?;
            writeln!(out)?;
        }
        ListFormat::Jsonl => {
            for it in items {
                serde_json::to_writer(&mut out, it)?;
                writeln!(out)?;
            }
        }
        ListFormat::Pretty => {
            if items.is_empty() {
                writeln!(out, "(nothing found)")?;
            }
            for (i, it) in items.iter().enumerate() {
                pretty(&mut out, i, it)?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

fn date_arg(s: &Option<String>, what: &str) -> Result<Option<NaiveDate>> {
    s.as_deref()
        .map(|d| {
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| crate::UsageError(format!("--{what} {d}: expected YYYY-MM-DD")).into())
        })
        .transpose()
}

/// A list of outlets for the pretty output; articles read from plain text often state none.
fn outlets(list: &[String]) -> String {
    if list.is_empty() {
        "none stated".into()
    } else {
        list.join(", ")
    }
}

fn opt(s: &Option<impl std::fmt::Display>) -> String {
    s.as_ref()
        .map_or_else(|| "-".to_string(), |v| v.to_string())
}

/// Runs `ingest`.
pub fn ingest(args: &IngestArgs) -> Result<()> {
    if newslens_store::postgres::is_postgres_url(&args.db.db) {
        return super::scale::ingest_postgres(args);
    }
    let pipeline = Pipeline::new(&PipelineOptions::default())?;
    let store = open_write(&args.db)?;
    let read_opts = ReadOptions {
        max_bytes: args.max_bytes,
    };
    let inputs = newslens_ingest::expand_inputs(&args.paths);
    let n_inputs = inputs.len();
    let pb = if std::io::stderr().is_terminal() {
        let pb = ProgressBar::new(n_inputs as u64);
        pb.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} files  {msg}  [{elapsed_precise}]")
                .context("progress template")?,
        );
        pb
    } else {
        ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden())
    };
    let store_ref = &store;
    let pb_ref = &pb;
    // Each input file is one unit; an unchanged file (same path, size and mtime as a completed
    // ingest) is not even read. Read errors become error items; the good documents still go in,
    // but the file is not recorded as done: an error can depend on the run (`--max-bytes`, a
    // permission since fixed — chmod keeps the mtime), so the next run reads it again (its
    // stored documents are then "already stored") and reports what is still wrong.
    let units = inputs.into_iter().flat_map(move |input| {
        pb_ref.inc(1);
        let path = match input {
            Ok(p) => p,
            Err(e) => return vec![Err(e.to_string())],
        };
        let key = if path.as_os_str() == "-" {
            None
        } else {
            FileKey::of(&path)
        };
        if let Some(k) = &key {
            if store_ref.file_unchanged(k).unwrap_or(false) {
                return vec![Ok(SourceUnit {
                    file: key,
                    documents: Vec::new(),
                })];
            }
        }
        let mut out = Vec::new();
        let mut documents = Vec::new();
        for r in newslens_ingest::read_input(&path, &read_opts) {
            match r {
                Ok(d) => documents.push(d),
                Err(e) => out.push(Err(e.to_string())),
            }
        }
        out.push(Ok(SourceUnit {
            file: if out.is_empty() { key } else { None },
            documents,
        }));
        out
    });
    let opts = IngestOptions {
        threads: args.threads,
        ..IngestOptions::default()
    };
    let report = newslens_store::ingest(
        &store,
        units,
        |d| pipeline.run(d).map_err(|e| e.to_string()),
        &opts,
        |p| {
            pb.set_message(format!(
                "{} stored, {} already stored, {} failed",
                p.stored, p.unchanged, p.failed
            ))
        },
    )?;
    pb.finish_and_clear();
    for e in &report.errors {
        eprintln!("warning: {e}");
    }
    let p = &report.progress;
    let rate = p.stored as f64 / report.seconds.max(1e-9);
    eprintln!(
        "ingested {} new documents into {} ({} already stored, {} unchanged files skipped, {} failed) in {:.1}s ({:.0} docs/s)",
        p.stored,
        args.db.db,
        p.unchanged,
        p.files_unchanged,
        p.failed,
        report.seconds,
        rate
    );
    if p.stored == 0 && p.unchanged == 0 && p.files_unchanged == 0 && p.failed > 0 {
        anyhow::bail!("nothing could be ingested");
    }
    Ok(())
}

/// Runs `search`.
pub fn search(args: &SearchArgs) -> Result<()> {
    let store = open_read(&args.db)?;
    let q = SearchQuery {
        text: args.query.clone(),
        speaker: args.speaker.clone(),
        entity: args.entity.clone(),
        technique: args.technique.clone(),
        from: date_arg(&args.from, "from")?,
        to: date_arg(&args.to, "to")?,
        source: args.source.clone(),
        limit: args.limit,
    };
    let hits = store.search(&q)?;
    let c = color();
    emit(&hits, args.format, |out, i, h| {
        let kind = match h.kind {
            newslens_store::HitKind::Article => "article",
            newslens_store::HitKind::Quote => "quote",
        };
        let title = h.title.clone().unwrap_or_else(|| h.doc_id.clone());
        let head = format!("{}. [{kind}] {title}", i + 1);
        writeln!(
            out,
            "{}  — {} {}  (doc {}, score {:.2})",
            if c { head.bold().to_string() } else { head },
            opt(&h.outlet),
            opt(&h.dateline),
            h.doc,
            h.score
        )?;
        if let Some(s) = &h.speaker {
            writeln!(out, "   speaker: {}", s.replace('\n', " "))?;
        }
        // Highlights are code point ranges inside the snippet.
        let chars: Vec<char> = h.snippet.chars().collect();
        let mut line = String::new();
        let mut at = 0usize;
        for [s, e] in &h.highlights {
            let (s, e) = ((*s).min(chars.len()), (*e).min(chars.len()));
            if s < at {
                continue;
            }
            line.extend(&chars[at..s]);
            let m: String = chars[s..e].iter().collect();
            if c {
                line.push_str(&m.yellow().bold().to_string());
            } else {
                line.push_str(&format!("[{m}]"));
            }
            at = e;
        }
        line.extend(&chars[at.min(chars.len())..]);
        writeln!(out, "   …{}…", line.replace('\n', " "))?;
        writeln!(
            out,
            "   {} match(es) at {}",
            h.spans.len(),
            h.spans
                .iter()
                .take(8)
                .map(|s| format!("{}..{}", s.start, s.end))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// Runs `stories`.
pub fn stories(args: &ListArgs) -> Result<()> {
    let store = open_read(&args.db)?;
    let stories = store.stories(args.limit)?;
    emit(&stories, args.format(), |out, _, s| {
        writeln!(
            out,
            "story {} — {} copies, outlets: {}",
            s.id,
            s.size,
            outlets(&s.outlets)
        )?;
        for (i, m) in s.members.iter().enumerate() {
            writeln!(
                out,
                "  {} {} {:<20} {} (doc {}, similarity {:.2})",
                if i == 0 { "origin" } else { "     -" },
                opt(&m.dateline),
                opt(&m.outlet),
                m.title.clone().unwrap_or_else(|| m.doc_id.clone()),
                m.doc,
                m.similarity
            )?;
        }
        writeln!(out)
    })
}

/// Runs `quotes`.
pub fn quotes(args: &QuotesArgs) -> Result<()> {
    let store = open_read(&args.list.db)?;
    let clusters = store.quote_clusters(args.speaker.as_deref(), args.list.limit)?;
    emit(&clusters, args.list.format(), |out, _, q| {
        writeln!(
            out,
            "“{}” — {}",
            q.first.text,
            if q.speakers.is_empty() {
                "(unattributed)".into()
            } else {
                q.speakers.join(" / ")
            }
        )?;
        let mut articles: Vec<i64> = q.occurrences.iter().map(|o| o.doc).collect();
        articles.sort_unstable();
        articles.dedup();
        writeln!(
            out,
            "  {} occurrence(s) in {} article(s); outlets: {}; first: {}{} (doc {}); cluster {}",
            q.size,
            articles.len(),
            outlets(&q.outlets),
            opt(&q.first.dateline),
            q.first
                .outlet
                .as_ref()
                .map_or_else(String::new, |o| format!(" {o}")),
            q.first.doc,
            q.id
        )?;
        writeln!(
            out,
            "  per day: {}",
            q.per_day
                .iter()
                .map(|p| format!("{} ×{}", p.period, p.count))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
        if q.variants.len() > 1 {
            for v in &q.variants {
                writeln!(out, "  variant ×{}: “{}”", v.count, v.text)?;
            }
        }
        writeln!(out)
    })
}

/// Runs `entities`.
pub fn entities(args: &EntitiesArgs) -> Result<()> {
    let store = open_read(&args.list.db)?;
    let ents = store.entities(args.list.limit, args.entity_type.as_deref())?;
    emit(&ents, args.list.format(), |out, i, e| {
        writeln!(
            out,
            "{:>3}. {:<30} {:<4} {:>5} docs {:>6} mentions {:>4} quotes  with: {}",
            i + 1,
            e.name,
            e.entity_type,
            e.documents,
            e.mentions,
            e.quotes,
            e.with
                .iter()
                .map(|w| format!("{} ({})", w.name, w.documents))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// Runs `timeline`.
pub fn timeline(args: &TimelineArgs) -> Result<()> {
    let store = open_read(&args.list.db)?;
    let bucket = Bucket::parse(&args.by).map_err(|e| crate::UsageError(format!("--by: {e}")))?;
    let t = store.timeline(&args.entity, bucket)?;
    // Written through a buffered writer: an error (a closed pipe, `| head`) ends the command
    // with a message instead of a panic.
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.list.format() {
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &t)?;
            writeln!(out)?;
        }
        ListFormat::Jsonl => {
            for p in &t.points {
                serde_json::to_writer(&mut out, p)?;
                writeln!(out)?;
            }
        }
        ListFormat::Pretty => {
            writeln!(
                out,
                "{}: {} articles, {} quotes (by {})",
                t.entity, t.articles, t.quotes, args.by
            )?;
            let max = t
                .points
                .iter()
                .map(|p| p.articles)
                .max()
                .unwrap_or(1)
                .max(1);
            for p in &t.points {
                let bar = "█".repeat((p.articles * 40).div_ceil(max));
                writeln!(
                    out,
                    "  {:<10} {:>5} {:>5}  {bar}",
                    p.period, p.articles, p.quotes
                )?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// Runs `stats`.
pub fn stats(args: &ListArgs) -> Result<()> {
    let store = open_read(&args.db)?;
    let s = store.stats()?;
    match args.format() {
        ListFormat::Json | ListFormat::Jsonl => println!("{}", serde_json::to_string(&s)?),
        ListFormat::Pretty => {
            println!("documents        {}", s.documents);
            println!("entity_clusters  {}", s.entity_clusters);
            println!("quotes           {}", s.quotes);
            println!("technique_spans  {}", s.technique_spans);
            println!("story_clusters   {}", s.story_clusters);
            println!("quote_clusters   {}", s.quote_clusters);
        }
    }
    Ok(())
}
