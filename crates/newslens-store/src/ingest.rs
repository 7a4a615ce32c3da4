//! Parallel, crash-safe, resumable ingest.
//!
//! Documents are hashed first (BLAKE3 of the text); texts already stored are not analysed again.
//! The rest are analysed in parallel (rayon) in chunks; one writer thread stores each chunk in
//! one SQLite transaction while the next chunk is analysed. A file is marked done only in the
//! transaction that stores its last document, so after a kill -9 a rerun skips exactly the
//! committed work and redoes the rest; `INSERT OR IGNORE` on the content hash guarantees every
//! text is stored once whatever happens.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::sync_channel;
use std::time::{Duration, Instant};

use newslens_core::{Analysis, Document};
use rayon::prelude::*;
use serde::Serialize;

pub use crate::embedded::FileKey;
use crate::model::DocSource;
use crate::prepare::{self, Prepared};
use crate::{EmbeddedStore, Result, Store, StoreError};

/// One input file's documents (or any group that succeeds or fails together).
#[derive(Debug, Clone, Default)]
pub struct SourceUnit {
    /// The file, when the unit is a file read without an error: it is recorded once its
    /// documents are stored, and later runs skip it unread while it is unchanged. Leave it
    /// `None` when reading failed in part, so that the next run reads the file again.
    pub file: Option<FileKey>,
    /// Its documents.
    pub documents: Vec<Document>,
}

/// Ingest tuning.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Analysis threads (default: all cores).
    pub threads: Option<usize>,
    /// Documents per transaction.
    pub batch: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        Self {
            threads: None,
            batch: 256,
        }
    }
}

/// Counters reported while ingesting.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestProgress {
    /// Documents read.
    pub seen: usize,
    /// Documents stored by this run.
    pub stored: usize,
    /// Documents whose text was already stored.
    pub unchanged: usize,
    /// Files skipped as unchanged since their last complete ingest.
    pub files_unchanged: usize,
    /// Documents or files that failed (read or analysis errors).
    pub failed: usize,
}

/// Outcome of an ingest.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestReport {
    /// Final counters.
    #[serde(flatten)]
    pub progress: IngestProgress,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// First errors met (at most 20).
    pub errors: Vec<String>,
}

struct Chunk {
    prepared: Vec<Prepared>,
    extra: Vec<(String, DocSource)>,
    files: Vec<(FileKey, usize)>,
}

/// Ingests `units` into `store` (opened for writing), analysing each new document with
/// `analyse`. `progress` is called from the calling thread as work advances.
pub fn ingest<U, F, P>(
    store: &EmbeddedStore,
    units: U,
    analyse: F,
    opts: &IngestOptions,
    mut progress: P,
) -> Result<IngestReport>
where
    U: IntoIterator<Item = std::result::Result<SourceUnit, String>>,
    F: Fn(Document) -> std::result::Result<Analysis, String> + Sync,
    P: FnMut(&IngestProgress),
{
    let t0 = Instant::now();
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = opts.threads {
        builder = builder.num_threads(n.max(1));
    }
    let pool = builder
        .build()
        .map_err(|e| StoreError::Writer(format!("thread pool: {e}")))?;
    let stored = AtomicUsize::new(0);
    let mut p = IngestProgress::default();
    let mut errors: Vec<String> = Vec::new();
    let batch = opts.batch.max(1);

    std::thread::scope(|scope| -> Result<()> {
        let (tx, rx) = sync_channel::<Chunk>(1);
        let stored_ref = &stored;
        let writer = scope.spawn(move || -> Result<()> {
            for chunk in rx {
                let out = store.write_batch(chunk.prepared, &chunk.extra, &chunk.files)?;
                stored_ref.fetch_add(out.iter().filter(|o| o.new).count(), Ordering::Relaxed);
            }
            store.flush_index()
        });

        let mut seen_now: HashSet<String> = HashSet::new();
        let mut docs: Vec<(usize, Document)> = Vec::new();
        let mut extra: Vec<(String, DocSource)> = Vec::new();
        let mut files: Vec<(usize, FileKey, usize)> = Vec::new();
        let mut unit_no = 0usize;
        let mut last_report = Instant::now();

        let flush = |docs: &mut Vec<(usize, Document)>,
                     extra: &mut Vec<(String, DocSource)>,
                     files: &mut Vec<(usize, FileKey, usize)>,
                     p: &mut IngestProgress,
                     errors: &mut Vec<String>|
         -> Result<()> {
            let work = std::mem::take(docs);
            let results: Vec<(usize, std::result::Result<Prepared, String>)> = pool.install(|| {
                work.into_par_iter()
                    .map(|(unit, d)| {
                        let name = d.source.clone().unwrap_or_else(|| d.id.clone());
                        let r = analyse(d)
                            .and_then(|a| prepare::prepare(&a).map_err(|e| e.to_string()))
                            .map_err(|e| format!("{name}: {e}"));
                        (unit, r)
                    })
                    .collect()
            });
            let mut failed_units = HashSet::new();
            let mut prepared = Vec::with_capacity(results.len());
            for (unit, r) in results {
                match r {
                    Ok(x) => prepared.push(x),
                    Err(e) => {
                        p.failed += 1;
                        failed_units.insert(unit);
                        if errors.len() < 20 {
                            errors.push(e);
                        }
                    }
                }
            }
            // A file with a failed document is not marked done: the next run retries it.
            let done = std::mem::take(files)
                .into_iter()
                .filter(|(u, _, _)| !failed_units.contains(u))
                .map(|(_, f, n)| (f, n))
                .collect();
            tx.send(Chunk {
                prepared,
                extra: std::mem::take(extra),
                files: done,
            })
            .map_err(|_| StoreError::Writer("the writer thread stopped".into()))
        };

        for unit in units {
            unit_no += 1;
            let unit = match unit {
                Ok(u) => u,
                Err(e) => {
                    p.failed += 1;
                    if errors.len() < 20 {
                        errors.push(e);
                    }
                    continue;
                }
            };
            if let Some(f) = &unit.file {
                if store.file_unchanged(f)? {
                    p.files_unchanged += 1;
                    continue;
                }
            }
            let n = unit.documents.len();
            for mut d in unit.documents {
                p.seen += 1;
                if d.content_hash.is_empty() {
                    d.content_hash = prepare::content_hash(&d.text);
                }
                if seen_now.contains(&d.content_hash) || store.contains(&d.content_hash)? {
                    p.unchanged += 1;
                    extra.push((
                        d.content_hash.clone(),
                        DocSource {
                            source: d.source.clone(),
                            outlet: d.outlet.clone(),
                            dateline: d.dateline,
                        },
                    ));
                    continue;
                }
                seen_now.insert(d.content_hash.clone());
                docs.push((unit_no, d));
                if docs.len() >= batch {
                    flush(&mut docs, &mut extra, &mut files, &mut p, &mut errors)?;
                    p.stored = stored.load(Ordering::Relaxed);
                    progress(&p);
                }
            }
            if let Some(f) = unit.file {
                files.push((unit_no, f, n));
            }
            if last_report.elapsed() > Duration::from_millis(200) {
                p.stored = stored.load(Ordering::Relaxed);
                progress(&p);
                last_report = Instant::now();
            }
        }
        if !docs.is_empty() || !files.is_empty() || !extra.is_empty() {
            flush(&mut docs, &mut extra, &mut files, &mut p, &mut errors)?;
        }
        drop(tx);
        writer
            .join()
            .map_err(|_| StoreError::Writer("the writer thread panicked".into()))??;
        Ok(())
    })?;
    p.stored = stored.load(Ordering::Relaxed);
    progress(&p);
    Ok(IngestReport {
        progress: p,
        seconds: t0.elapsed().as_secs_f64(),
        errors,
    })
}

/// A convenience for callers holding ready analyses (tests, the server's `POST /api/ingest`).
pub fn put_all(store: &EmbeddedStore, analyses: Vec<Analysis>) -> Result<usize> {
    let out = store.put(analyses)?;
    Ok(out.iter().filter(|o| o.new).count())
}
