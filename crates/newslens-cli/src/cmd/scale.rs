//! Scale-out commands (issue 9): `newslens ingest --db postgres://…` and
//! `newslens load-parquet DIR --db …` (the Spark driver's output into a store).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use newslens_core::Analysis;
use newslens_ingest::ReadOptions;
use newslens_pipeline::{Pipeline, PipelineOptions};
use newslens_store::{open_any, OpenMode};

use super::corpus::{DbArg, IngestArgs};

/// `newslens load-parquet`
#[derive(Debug, Args)]
pub struct LoadParquetArgs {
    /// Output directory of `integrations/spark/newslens_spark.py` (its `documents/` table is
    /// read), or the `documents` directory itself, or one Parquet file.
    pub dir: PathBuf,
    #[command(flatten)]
    pub db: DbArg,
    /// Documents per transaction.
    #[arg(long, default_value_t = 500)]
    pub batch: usize,
}

/// `newslens ingest --db postgres://…`: parallel analysis, one transaction per batch,
/// idempotent and safe with several workers on one database.
pub fn ingest_postgres(args: &IngestArgs) -> Result<()> {
    let store = newslens_store::postgres::PgStore::open(&args.db.db, true)?;
    let pipeline = Pipeline::new(&PipelineOptions::default())?;
    let read_opts = ReadOptions {
        max_bytes: args.max_bytes,
    };
    let docs = newslens_ingest::expand_inputs(&args.paths)
        .into_iter()
        .flat_map(move |input| -> Box<dyn Iterator<Item = _>> {
            match input {
                Err(e) => Box::new(std::iter::once(Err(e.to_string()))),
                Ok(path) => Box::new(
                    newslens_ingest::read_input(&path, &read_opts)
                        .map(|r| r.map_err(|e| e.to_string())),
                ),
            }
        });
    let tty = std::io::stderr().is_terminal();
    let report = newslens_store::postgres::ingest(
        &store,
        docs,
        |d| pipeline.run(d).map_err(|e| e.to_string()),
        256,
        args.threads,
        |p| {
            if tty {
                eprint!(
                    "\r{} stored, {} already stored, {} failed",
                    p.stored, p.unchanged, p.failed
                );
            }
        },
    )?;
    if tty {
        eprintln!();
    }
    for e in &report.errors {
        eprintln!("warning: {e}");
    }
    eprintln!(
        "ingested {} new documents into {} ({} already stored, {} failed) in {:.1}s ({:.0} docs/s)",
        report.stored,
        newslens_store::postgres::redact(&args.db.db),
        report.unchanged,
        report.failed,
        report.seconds,
        report.stored as f64 / report.seconds.max(1e-9)
    );
    if report.stored == 0 && report.unchanged == 0 && report.failed > 0 {
        anyhow::bail!("nothing could be ingested");
    }
    Ok(())
}

/// The Parquet files of the `documents` table under `dir`.
fn parquet_files(dir: &Path) -> Result<Vec<PathBuf>> {
    if dir.is_file() {
        return Ok(vec![dir.to_path_buf()]);
    }
    let docs = if dir.join("documents").is_dir() {
        dir.join("documents")
    } else {
        dir.to_path_buf()
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&docs)
        .with_context(|| format!("cannot read {}", docs.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "parquet")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(['.', '_']))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        anyhow::bail!(
            "no Parquet files in {} (expected the `documents` table written by newslens_spark.py)",
            docs.display()
        );
    }
    Ok(files)
}

/// `newslens load-parquet DIR --db …`: loads the analyses of a Spark run into a store (any
/// backend; idempotent like `ingest`, so a rerun or an overlapping load adds nothing twice).
pub fn load_parquet(args: &LoadParquetArgs) -> Result<()> {
    if !parquet::SUPPORTED {
        anyhow::bail!(
            "this newslens was built without Parquet support; rebuild it with \
             `cargo build --release -p newslens-cli --features parquet`"
        );
    }
    let files = parquet_files(&args.dir)?;
    let store = open_any(&args.db.db, OpenMode::WriteWait)?;
    let t0 = std::time::Instant::now();
    let (mut read, mut stored, mut present) = (0usize, 0usize, 0usize);
    let mut batch: Vec<Analysis> = Vec::with_capacity(args.batch);
    let mut flush = |batch: &mut Vec<Analysis>| -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        for o in store.put(std::mem::take(batch))? {
            if o.new {
                stored += 1;
            } else {
                present += 1;
            }
        }
        Ok(())
    };
    for f in &files {
        for json in parquet::analysis_column(f)? {
            let json = json?;
            let a = Analysis::from_json(&json)
                .with_context(|| format!("{}: row {read}: not a newslens analysis", f.display()))?;
            read += 1;
            batch.push(a);
            if batch.len() >= args.batch.max(1) {
                flush(&mut batch)?;
            }
        }
    }
    flush(&mut batch)?;
    let secs = t0.elapsed().as_secs_f64();
    eprintln!(
        "loaded {read} analyses from {} file(s): {stored} new, {present} already stored, in {secs:.1}s",
        files.len()
    );
    Ok(())
}

#[cfg(feature = "parquet")]
mod parquet {
    //! Reading the `analysis` column with the `parquet` crate (record API, no arrow).
    use std::fs::File;
    use std::path::Path;

    use anyhow::{Context, Result};
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::RowAccessor;
    use parquet::schema::types::Type;

    /// This build reads Parquet.
    pub const SUPPORTED: bool = true;

    /// The `analysis` strings of one Parquet file, streamed row by row.
    pub fn analysis_column(path: &Path) -> Result<Box<dyn Iterator<Item = Result<String>>>> {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let reader = SerializedFileReader::new(file)
            .with_context(|| format!("{} is not a Parquet file", path.display()))?;
        // Project onto the file's own `analysis` field (the root's name and the field's
        // annotations must match the file's schema exactly).
        let root = reader.metadata().file_metadata().schema();
        let fields: Vec<_> = root
            .get_fields()
            .iter()
            .filter(|f| f.name() == "analysis")
            .cloned()
            .collect();
        if fields.is_empty() {
            anyhow::bail!("{} has no `analysis` column", path.display());
        }
        let projection = Type::group_type_builder(root.name())
            .with_fields(fields)
            .build()
            .context("projection schema")?;
        let name = path.display().to_string();
        let rows = reader
            .into_iter()
            .project(Some(projection))
            .with_context(|| format!("{name}: cannot read the `analysis` column"))?;
        Ok(Box::new(rows.map(move |r| {
            let row = r.with_context(|| format!("{name}: bad row"))?;
            Ok(row
                .get_string(0)
                .with_context(|| format!("{name}: `analysis` is null"))?
                .clone())
        })))
    }
}

#[cfg(not(feature = "parquet"))]
mod parquet {
    use std::path::Path;

    use anyhow::Result;

    /// This build does not read Parquet.
    pub const SUPPORTED: bool = false;

    /// Without the `parquet` feature there is no reader: say how to get one.
    pub fn analysis_column(_path: &Path) -> Result<Box<dyn Iterator<Item = Result<String>>>> {
        anyhow::bail!(
            "this newslens was built without Parquet support; rebuild it with \
             `cargo build --release -p newslens-cli --features parquet`"
        )
    }
}
