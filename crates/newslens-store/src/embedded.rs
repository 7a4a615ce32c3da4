//! The embedded store: a directory holding `newslens.sqlite` (source of truth), `index/` (tantivy,
//! derived) and `newslens.lock` (one writer at a time).

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::NaiveDate;
use fs4::fs_std::FileExt;
use newslens_core::{Analysis, OffsetMap};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Transaction};
use tantivy::IndexWriter;

use crate::index::{Highlighter, IndexDoc, RawHit, SearchIndex};
use crate::lsh_memo::{self, LshMemo, LshState};
use crate::minhash::{self, doc as D, quote as Q};
use crate::model::*;
use crate::prepare::{self, Prepared};
use crate::{schema, Result, Store, StoreError};

/// Name of the database file inside a store directory.
pub const DB_FILE: &str = "newslens.sqlite";
/// Name of the index directory inside a store directory.
pub const INDEX_DIR: &str = "index";
/// Name of the lock file inside a store directory.
pub const LOCK_FILE: &str = "newslens.lock";

/// Pending tantivy documents after which the writer commits the index.
const INDEX_COMMIT_EVERY: usize = 20_000;
/// Most LSH candidates examined per document (guards against boilerplate-heavy buckets).
const MAX_CANDIDATES: usize = 256;
/// Most quotes read from one quote LSH bucket.
const QUOTE_BUCKET_LIMIT: usize = 64;

/// How to open a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Queries only; the store must exist. Catches the index up if no writer is running.
    Read,
    /// Writing; creates the store if the directory is missing or empty. Fails with
    /// [`StoreError::Locked`] if another process is writing.
    Write,
    /// Like [`OpenMode::Write`], but waits for another writer to finish (ingests serialise).
    WriteWait,
}

/// A file already ingested, recognised by path, size and modification time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileKey {
    /// Path as given.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: i64,
}

impl FileKey {
    /// Reads a file's key from the filesystem.
    pub fn of(path: &Path) -> Option<Self> {
        let md = std::fs::metadata(path).ok()?;
        let mtime = md.modified().ok()?;
        let ns = mtime.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos() as i64;
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        Some(Self {
            path: canonical.to_string_lossy().into_owned(),
            size: md.len(),
            mtime_ns: ns,
        })
    }
}

struct WriteState {
    writer: IndexWriter,
    pending: usize,
    indexed_upto: i64,
}

/// Bytes of document text a store handle keeps for search hits (first in, first out).
const TEXT_CACHE_BYTES: usize = 32 << 20;

/// A cached document text with its offset map (quote hits convert code points to bytes).
struct CachedText {
    text: String,
    map: OffsetMap,
}

/// Recently searched document texts, bounded by [`TEXT_CACHE_BYTES`].
#[derive(Default)]
struct TextCache {
    map: HashMap<i64, Arc<CachedText>>,
    order: VecDeque<i64>,
    bytes: usize,
}

/// Most quotes a [`QuoteMemo`] holds before it starts afresh (≈ 300 bytes each).
const QUOTE_MEMO_LIMIT: usize = 1 << 18;

/// A keyed quote as clustering verifies it: its cluster when it was remembered, and its wording.
struct KnownQuote {
    cluster: i64,
    norm: Box<str>,
    wording: prepare::Wording,
}

/// The writer's memory of the keyed quotes (those in `quote_lsh`, the only possible clustering
/// candidates) it wrote or read, and of the quote clusters it merged since. Verifying a
/// candidate then needs no row read: on the generated corpus about 90 candidates per article,
/// a seventh of the store's CPU time. Exact because every change to a quote's cluster is a merge
/// by this writer (the store has one), recorded in `merged`; a batch that fails drops the memo
/// (its rows were rolled back), so it only ever holds committed quotes.
#[derive(Default)]
struct QuoteMemo {
    quotes: lsh_memo::KeyMap<KnownQuote>,
    /// Cluster → the cluster it was merged into (always a smaller id, so chains end).
    merged: lsh_memo::KeyMap<i64>,
}

impl QuoteMemo {
    /// The current cluster of one remembered as `cluster`.
    fn resolve(&self, mut cluster: i64) -> i64 {
        while let Some(&into) = self.merged.get(&cluster) {
            cluster = into;
        }
        cluster
    }

    /// Starts afresh once the memo holds [`QUOTE_MEMO_LIMIT`] quotes, keeping memory bounded
    /// (forgotten quotes are read again). Called between documents only: while a document is
    /// written its quote rows may still be held back ([`Batch::pending_quotes`]), readable
    /// nowhere but here, and its merges must stay known until they are written.
    fn trim(&mut self) {
        if self.quotes.len() >= QUOTE_MEMO_LIMIT {
            *self = Self::default();
        }
    }

    fn remember(&mut self, id: i64, cluster: i64, norm: &str, wording: prepare::Wording) {
        self.quotes.insert(
            id,
            KnownQuote {
                cluster,
                norm: norm.into(),
                wording,
            },
        );
    }
}

/// SQLite + tantivy store in a directory.
pub struct EmbeddedStore {
    dir: PathBuf,
    conn: Mutex<Connection>,
    reader: Mutex<Connection>,
    /// Texts of recently searched documents (search hits need the whole text for their spans).
    texts: Mutex<TextCache>,
    index: SearchIndex,
    write: Option<Mutex<WriteState>>,
    /// Clustering data of stored quotes (writers only; see [`QuoteMemo`]).
    quote_memo: Mutex<QuoteMemo>,
    /// Copy of the LSH tables (writers only; see [`lsh_memo`]).
    lsh_memo: Mutex<LshState>,
    _lock: Option<File>,
}

/// Locks `m`. A poisoned lock only means another thread panicked mid-call: SQLite rolled the
/// transaction back, and the quote memo is taken out of its mutex for a batch's duration.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Checks the SQLite header without opening the file through SQLite (which could write to it).
fn check_header(path: &Path) -> Result<()> {
    let mut f = File::open(path).map_err(|e| StoreError::io(path, e))?;
    let mut head = [0u8; 16];
    let n = f.read(&mut head).map_err(|e| StoreError::io(path, e))?;
    if n < 16 || &head != b"SQLite format 3\0" {
        return Err(StoreError::Corrupt {
            path: path.to_path_buf(),
            reason: "not a SQLite database (bad header)".into(),
        });
    }
    Ok(())
}

#[derive(Debug, PartialEq, Eq)]
enum DirState {
    Missing,
    Empty,
    Store,
}

/// Classifies a store location without writing to it; refuses anything foreign or damaged.
fn inspect(dir: &Path, db: &Path) -> Result<DirState> {
    let not_store = |reason: String| StoreError::NotAStore {
        path: dir.to_path_buf(),
        reason,
    };
    if !dir.exists() {
        return Ok(DirState::Missing);
    }
    if !dir.is_dir() {
        return Err(not_store("it is a file, not a store directory".into()));
    }
    if !db.exists() {
        // Only our own files may be there: the lock file (left by a store whose creation was
        // interrupted), or the database and its journal files, which another writer may have
        // created between the `exists` check above and this listing (step 3 of `open` looks
        // again under the lock).
        let others = std::fs::read_dir(dir)
            .map_err(|e| StoreError::io(dir, e))?
            .flatten()
            .any(|e| {
                let name = e.file_name();
                name != LOCK_FILE && !name.to_str().is_some_and(|n| n.starts_with(DB_FILE))
            });
        return if others {
            Err(not_store(format!(
                "the directory is not empty and has no {DB_FILE}"
            )))
        } else {
            Ok(DirState::Empty)
        };
    }
    let len = std::fs::metadata(db)
        .map_err(|e| StoreError::io(db, e))?
        .len();
    if len == 0 && dir.join(LOCK_FILE).exists() {
        // A store another process is creating right now (or whose creation was interrupted).
        return Ok(DirState::Empty);
    }
    // A checkpoint running in another process can make one read see a torn page: look again
    // before calling a store damaged.
    let mut last = None;
    for _ in 0..3 {
        match check_marker(db) {
            Ok(s) => return Ok(s),
            Err(e) => last = Some(e),
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Err(last.unwrap_or_else(|| StoreError::Corrupt {
        path: db.to_path_buf(),
        reason: "unreadable".into(),
    }))
}

/// Opens a SQLite connection, configuring the library first (once per process).
fn open_db<P: AsRef<Path>>(path: P, flags: OpenFlags) -> rusqlite::Result<Connection> {
    static CONFIGURE: std::sync::Once = std::sync::Once::new();
    CONFIGURE.call_once(|| {
        // Without memory statistics every SQLite allocation skips a global mutex and its
        // counters (newslens never asks SQLite for them). Only possible before SQLite starts:
        // if another part of the process opened a database first, this returns an error and
        // changes nothing, which is harmless.
        // SAFETY: `sqlite3_config` with an int argument, as SQLITE_CONFIG_MEMSTATUS takes.
        unsafe {
            rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS, 0);
        }
    });
    Connection::open_with_flags(path, flags)
}

/// A second connection for queries; `query_only` guards against accidental writes.
fn open_reader(db: &Path) -> Result<Connection> {
    let c = open_db(
        db,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    c.busy_timeout(std::time::Duration::from_secs(60))?;
    c.pragma_update(None, "query_only", true)?;
    // Read the database through a memory map: no pread and copy into a private page cache
    // per connection (a server holds one reader per core), pages shared with the OS cache.
    c.pragma_update(None, "mmap_size", 1i64 << 34)?;
    c.pragma_update(None, "cache_size", -16384)?;
    Ok(c)
}

/// Percent-encodes a path for a SQLite `file:` URI.
fn uri_path(p: &Path) -> String {
    let mut out = String::new();
    for b in p.to_string_lossy().bytes() {
        match b {
            b'?' | b'#' | b'%' => out.push_str(&format!("%{b:02X}")),
            _ => out.push(b as char),
        }
    }
    out
}

fn check_marker(db: &Path) -> Result<DirState> {
    check_header(db)?;
    // `immutable=1`: SQLite takes no locks and creates no -shm/-wal files, so nothing at all is
    // written next to a foreign file. The marker is written before WAL mode is switched on, so
    // it is always in the main file.
    let first = read_marker(db, true);
    // After a kill -9 our own store may have a WAL that the main file needs to be read
    // consistently (an interrupted checkpoint leaves pages that only the WAL makes whole);
    // `immutable` ignores the WAL, so read again through it before calling the store corrupt.
    let wal = db.with_file_name(format!(
        "{}-wal",
        db.file_name()
            .map(|f| f.to_string_lossy())
            .unwrap_or_default()
    ));
    let has_wal = std::fs::metadata(&wal)
        .map(|m| m.len() > 0)
        .unwrap_or(false);
    let magic = match first {
        Err(MarkerError::Corrupt(_)) if has_wal => read_marker(db, false),
        other => other,
    };
    match magic {
        Ok(Some(m)) if m == schema::MAGIC => Ok(DirState::Store),
        Ok(_) => Err(StoreError::NotAStore {
            path: db.to_path_buf(),
            reason: "a SQLite database with a foreign marker".into(),
        }),
        Err(MarkerError::NoTable) => Err(StoreError::NotAStore {
            path: db.to_path_buf(),
            reason: "a SQLite database that newslens did not create".into(),
        }),
        Err(MarkerError::Corrupt(reason)) => Err(StoreError::Corrupt {
            path: db.to_path_buf(),
            reason,
        }),
    }
}

enum MarkerError {
    NoTable,
    Corrupt(String),
}

/// Reads the store marker, either `immutable` (ignores any WAL, writes nothing) or read-only
/// through the WAL.
fn read_marker(db: &Path, immutable: bool) -> std::result::Result<Option<String>, MarkerError> {
    let uri = if immutable {
        format!("file:{}?immutable=1", uri_path(db))
    } else {
        format!("file:{}?mode=ro", uri_path(db))
    };
    let conn = open_db(
        uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )
    .map_err(|e| MarkerError::Corrupt(e.to_string()))?;
    conn.query_row(
        "SELECT value FROM newslens_store WHERE key = 'magic'",
        [],
        |r| r.get(0),
    )
    .optional()
    .map_err(|e| match e {
        rusqlite::Error::SqliteFailure(e, msg)
            if matches!(
                e.code,
                rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt
            ) =>
        {
            MarkerError::Corrupt(msg.unwrap_or_else(|| e.to_string()))
        }
        e if e.to_string().contains("no such table") => MarkerError::NoTable,
        e => MarkerError::Corrupt(e.to_string()),
    })
}

fn opt_date(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
}

impl EmbeddedStore {
    /// Opens (or, in a write mode, creates) the store in directory `dir`.
    ///
    /// Anything that is not a newslens store — a file, a non-empty directory without a store, a
    /// SQLite database without the newslens marker, a damaged database — is refused with a clear
    /// error and left untouched.
    pub fn open(dir: impl AsRef<Path>, mode: OpenMode) -> Result<Self> {
        let dir = dir.as_ref().to_path_buf();
        let db = dir.join(DB_FILE);
        let not_store = |reason: &str| StoreError::NotAStore {
            path: dir.clone(),
            reason: reason.to_string(),
        };
        // 1. Look without writing anything: refuse what is not a store before creating files.
        let state = inspect(&dir, &db)?;
        if state == DirState::Missing && mode == OpenMode::Read {
            return Err(not_store("no store here yet (run `newslens ingest` first)"));
        }
        if state == DirState::Missing {
            std::fs::create_dir_all(&dir).map_err(|e| StoreError::io(&dir, e))?;
        }

        // 2. One writer at a time: an advisory lock on a file inside the store.
        let lock_path = dir.join(LOCK_FILE);
        let lock = match mode {
            OpenMode::Read => None,
            OpenMode::Write | OpenMode::WriteWait => {
                let f = File::options()
                    .create(true)
                    .truncate(false)
                    .write(true)
                    .open(&lock_path)
                    .map_err(|e| StoreError::io(&lock_path, e))?;
                if mode == OpenMode::WriteWait {
                    f.lock_exclusive()
                        .map_err(|e| StoreError::io(&lock_path, e))?;
                } else if !f.try_lock_exclusive().unwrap_or(false) {
                    return Err(StoreError::Locked {
                        path: dir.clone(),
                        lock: lock_path,
                    });
                }
                Some(f)
            }
        };

        // 3. Under the lock, look again: another writer may have created the store meanwhile.
        let fresh = match inspect(&dir, &db)? {
            DirState::Store => false,
            DirState::Missing | DirState::Empty if lock.is_some() => true,
            _ => return Err(not_store("no store here yet (run `newslens ingest` first)")),
        };
        let flags = if fresh {
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
        } else {
            OpenFlags::SQLITE_OPEN_READ_WRITE
        } | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = open_db(&db, flags)?;
        conn.busy_timeout(std::time::Duration::from_secs(60))?;
        if fresh {
            schema::init(&mut conn)?;
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // NORMAL is safe against process crashes (kill -9) in WAL mode; only an OS crash can
        // lose the last transactions, never consistency.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "cache_size", -262_144)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        // Keep the WAL file from staying at its high-water mark after big batches.
        conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
        if lock.is_some() {
            schema::migrate(&mut conn)?;
        } else {
            let v = schema::current(&conn)?;
            if v > schema::latest() {
                return Err(StoreError::TooNew {
                    found: v,
                    supported: schema::latest(),
                });
            }
            if v < schema::READABLE_FROM {
                return Err(StoreError::Invalid(format!(
                    "store schema {v} is older than {}; run `newslens ingest` once to migrate",
                    schema::READABLE_FROM
                )));
            }
        }
        // The bundled SQLite enforces foreign keys by default. This connection is the store's
        // only writer and adds a document's rows in the transaction that inserts the document
        // (nothing is ever deleted), so the references hold by construction; a test checks them
        // with `PRAGMA foreign_key_check` after ingests. Enforced, every multi-row insert into a
        // referencing table could abort after its first rows, so SQLite copied each page it
        // touched into a statement journal, and looked each row's document up.
        conn.pragma_update(None, "foreign_keys", false)?;

        let index_dir = dir.join(INDEX_DIR);
        if SearchIndex::is_outdated(&index_dir) {
            if lock.is_some() {
                // Derived data: rebuilt from the database below (watermark 0, so `catch_up`
                // indexes every row).
                std::fs::remove_dir_all(&index_dir).map_err(|e| StoreError::io(&index_dir, e))?;
            } else if mode == OpenMode::Read {
                // A reader has a writer rebuild it when none is running, as for an index left
                // behind (below); otherwise the open reports it.
                drop(conn);
                return Self::open_after_a_writer(&dir);
            }
        }
        let index = SearchIndex::open(&index_dir)?;
        let mut store = Self {
            dir: dir.clone(),
            reader: Mutex::new(open_reader(&db)?),
            texts: Mutex::default(),
            conn: Mutex::new(conn),
            index,
            write: None,
            quote_memo: Mutex::default(),
            lsh_memo: Mutex::default(),
            _lock: lock,
        };
        if store._lock.is_some() {
            let writer = store.index.writer()?;
            let upto = store.index.watermark()?;
            store.write = Some(Mutex::new(WriteState {
                writer,
                pending: 0,
                indexed_upto: upto,
            }));
            store.catch_up()?;
        } else if store.index_lag()? > 0 {
            // A reader finding the index behind (a crashed ingest) catches it up when no writer
            // holds the store; otherwise it searches what is committed.
            drop(store);
            return Self::open_after_a_writer(&dir);
        }
        Ok(store)
    }

    /// Opens for reading after opening (and closing) the store for writing, which brings the
    /// index up to date, unless another writer holds the store (it does the same).
    fn open_after_a_writer(dir: &Path) -> Result<Self> {
        match Self::open(dir, OpenMode::Write) {
            Ok(w) => drop(w),
            Err(StoreError::Locked { .. }) => {}
            Err(e) => return Err(e),
        }
        Self::open_plain(dir)
    }

    /// Opens for reading without trying to catch the index up.
    fn open_plain(dir: &Path) -> Result<Self> {
        let db = dir.join(DB_FILE);
        if inspect(dir, &db)? != DirState::Store {
            return Err(StoreError::NotAStore {
                path: dir.to_path_buf(),
                reason: "no store here yet (run `newslens ingest` first)".into(),
            });
        }
        let conn = open_db(
            &db,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(60))?;
        let index = SearchIndex::open(&dir.join(INDEX_DIR))?;
        Ok(Self {
            dir: dir.to_path_buf(),
            reader: Mutex::new(open_reader(&db)?),
            texts: Mutex::default(),
            conn: Mutex::new(conn),
            index,
            write: None,
            quote_memo: Mutex::default(),
            lsh_memo: Mutex::default(),
            _lock: None,
        })
    }

    /// The store directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The read connection: queries never wait for the writer's open transaction (WAL).
    fn rconn(&self) -> MutexGuard<'_, Connection> {
        lock(&self.reader)
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        lock(&self.conn)
    }

    /// Documents stored but not yet in the committed index.
    pub fn index_lag(&self) -> Result<i64> {
        let w = self.index.watermark()?;
        Ok(self
            .rconn()
            .query_row("SELECT COUNT(*) FROM documents WHERE id > ?1", [w], |r| {
                r.get(0)
            })?)
    }

    /// True if this file was ingested completely with the same size and modification time.
    pub fn file_unchanged(&self, key: &FileKey) -> Result<bool> {
        let row: Option<(i64, i64)> = self
            .rconn()
            .query_row(
                "SELECT size, mtime_ns FROM ingested_files WHERE path = ?1",
                [&key.path],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(row == Some((key.size as i64, key.mtime_ns)))
    }

    /// Re-indexes every row above the index watermark (after a crash, or a deleted index).
    fn catch_up(&self) -> Result<()> {
        loop {
            let upto = self.write_state()?.indexed_upto;
            let ids: Vec<i64> = {
                let conn = self.conn();
                let mut st =
                    conn.prepare("SELECT id FROM documents WHERE id > ?1 ORDER BY id LIMIT 2000")?;
                let rows = st.query_map([upto], |r| r.get(0))?;
                rows.collect::<std::result::Result<_, _>>()?
            };
            if ids.is_empty() {
                return self.flush_index();
            }
            let docs = self.index_docs(&ids)?;
            let mut ws = self.write_state()?;
            for d in &docs {
                self.index.add(&ws.writer, d)?;
                ws.pending += 1 + d.quotes.len();
                ws.indexed_upto = d.id;
            }
            let upto = ws.indexed_upto;
            self.index.commit(&mut ws.writer, upto)?;
            ws.pending = 0;
        }
    }

    fn write_state(&self) -> Result<MutexGuard<'_, WriteState>> {
        match &self.write {
            Some(m) => Ok(lock(m)),
            None => Err(StoreError::Invalid("the store was opened read-only".into())),
        }
    }

    fn index_docs(&self, ids: &[i64]) -> Result<Vec<IndexDoc>> {
        let conn = self.conn();
        let mut doc_st = conn
            .prepare_cached("SELECT title, text, outlet, dateline FROM documents WHERE id = ?1")?;
        let mut ent_st =
            conn.prepare_cached("SELECT canonical, aliases FROM entity_clusters WHERE doc = ?1")?;
        let mut tech_st =
            conn.prepare_cached("SELECT DISTINCT technique FROM techniques WHERE doc = ?1")?;
        let mut q_st =
            conn.prepare_cached("SELECT id, text, speaker FROM quotes WHERE doc = ?1 ORDER BY id")?;
        let mut out = Vec::with_capacity(ids.len());
        for &id in ids {
            let (title, text, outlet, dateline): (
                Option<String>,
                String,
                Option<String>,
                Option<String>,
            ) = doc_st.query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
            let mut entities = Vec::new();
            for row in ent_st.query_map([id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })? {
                let (c, aliases) = row?;
                entities.push(c);
                let al: Vec<String> = serde_json::from_str(&aliases).unwrap_or_default();
                entities.extend(al);
            }
            let techniques = tech_st
                .query_map([id], |r| r.get(0))?
                .collect::<std::result::Result<Vec<String>, _>>()?;
            let quotes = q_st
                .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<std::result::Result<Vec<_>, _>>()?;
            out.push(IndexDoc {
                id,
                title,
                text,
                outlet,
                dateline: opt_date(dateline),
                entities,
                techniques,
                quotes,
            });
        }
        Ok(out)
    }

    /// Writes a batch of prepared documents in one transaction, records the extra sources of
    /// already-stored texts and marks completed files; then feeds the index.
    pub fn write_batch(
        &self,
        batch: Vec<Prepared>,
        extra_sources: &[(String, DocSource)],
        files: &[(FileKey, usize)],
    ) -> Result<Vec<PutOutcome>> {
        let mut outcomes = Vec::with_capacity(batch.len());
        let mut new_docs = Vec::new();
        {
            let mut conn = self.conn();
            let tx = conn.transaction()?;
            let now = chrono::Utc::now().to_rfc3339();
            // Taken out for the batch and put back only after the commit: an error leaves the
            // store with an empty memo, never with quotes that were rolled back.
            let mut memo = std::mem::take(&mut *lock(&self.quote_memo));
            // Likewise the LSH copy: a failed batch leaves it unloaded (read again next time).
            let mut lsh = std::mem::take(&mut *lock(&self.lsh_memo)).for_batch(&tx, batch.len())?;
            let mut statements = Batch::new(&tx)?;
            let mut quote_ids = Vec::new();
            for p in batch {
                quote_ids.clear();
                let out =
                    statements.insert_document(&p, &now, &mut quote_ids, &mut memo, lsh.copy())?;
                if out.new {
                    new_docs.push(index_doc(out.id, p, &quote_ids));
                }
                outcomes.push(out);
            }
            statements.write_lsh_rows()?;
            drop(statements);
            for (hash, src) in extra_sources {
                if let Some(source) = &src.source {
                    tx.execute(
                        "INSERT OR IGNORE INTO document_sources(doc, source, outlet, dateline)
                         SELECT id, ?2, ?3, ?4 FROM documents WHERE content_hash = ?1",
                        params![
                            hash,
                            source,
                            src.outlet,
                            src.dateline.map(|d| d.to_string())
                        ],
                    )?;
                }
            }
            for (f, n) in files {
                tx.execute(
                    "INSERT OR REPLACE INTO ingested_files(path, size, mtime_ns, documents, ingested_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![f.path, f.size as i64, f.mtime_ns, *n as i64, now],
                )?;
            }
            tx.commit()?;
            *lock(&self.quote_memo) = memo;
            *lock(&self.lsh_memo) = lsh.after_commit();
        }
        // Index only after the commit: the index never holds a row SQLite could roll back.
        if !new_docs.is_empty() {
            let mut ws = self.write_state()?;
            for d in &new_docs {
                if d.id <= ws.indexed_upto {
                    continue;
                }
                self.index.add(&ws.writer, d)?;
                ws.pending += 1 + d.quotes.len();
                ws.indexed_upto = d.id;
            }
            if ws.pending >= INDEX_COMMIT_EVERY {
                let upto = ws.indexed_upto;
                self.index.commit(&mut ws.writer, upto)?;
                ws.pending = 0;
            }
        }
        Ok(outcomes)
    }

    /// Whether this writer may cluster against an in-memory copy of the LSH tables (on by
    /// default; see the `lsh_memo` module). The clusters are the same either way — turning it
    /// off exists to test that, and to measure what the copy saves.
    pub fn set_lsh_copy(&self, enabled: bool) {
        *lock(&self.lsh_memo) = if enabled {
            LshState::default()
        } else {
            LshState::Off
        };
    }

    /// Commits pending index additions.
    pub fn flush_index(&self) -> Result<()> {
        let mut ws = self.write_state()?;
        let upto = ws.indexed_upto;
        if ws.pending > 0 || self.index.watermark()? != upto {
            self.index.commit(&mut ws.writer, upto)?;
            ws.pending = 0;
        }
        Ok(())
    }

    /// Number of full-text index segments a search visits (diagnostics: the store bench prints
    /// it, since query cost grows with it).
    pub fn index_segments(&self) -> Result<usize> {
        self.index.segments()
    }

    /// Sizes on disk in bytes: (database incl. WAL, index).
    pub fn disk_usage(&self) -> (u64, u64) {
        fn du(p: &Path) -> u64 {
            match std::fs::metadata(p) {
                Ok(m) if m.is_dir() => std::fs::read_dir(p)
                    .map(|it| it.flatten().map(|e| du(&e.path())).sum())
                    .unwrap_or(0),
                Ok(m) => m.len(),
                Err(_) => 0,
            }
        }
        let db = du(&self.dir.join(DB_FILE))
            + du(&self.dir.join(format!("{DB_FILE}-wal")))
            + du(&self.dir.join(format!("{DB_FILE}-shm")));
        (db, du(&self.dir.join(INDEX_DIR)))
    }

    /// A document's text and offset map, from the cache of recently searched texts or from
    /// SQLite. Stored texts never change (the content hash is their identity), so cached
    /// entries never go stale. `None` if there is no such document.
    fn cached_text(&self, conn: &Connection, doc: i64) -> Result<Option<Arc<CachedText>>> {
        let mut cache = lock(&self.texts);
        if let Some(t) = cache.map.get(&doc) {
            return Ok(Some(Arc::clone(t)));
        }
        let text: Option<String> = conn
            .prepare_cached("SELECT text FROM documents WHERE id = ?1")?
            .query_row([doc], |r| r.get(0))
            .optional()?;
        let Some(text) = text else {
            return Ok(None);
        };
        let t = Arc::new(CachedText {
            map: OffsetMap::new(&text),
            text,
        });
        // Counted twice: the offset map keeps a copy of non-ASCII texts.
        cache.bytes += 2 * t.text.len();
        cache.map.insert(doc, Arc::clone(&t));
        cache.order.push_back(doc);
        while cache.bytes > TEXT_CACHE_BYTES {
            let Some(old) = cache.order.pop_front() else {
                break;
            };
            if let Some(o) = cache.map.remove(&old) {
                cache.bytes -= 2 * o.text.len();
            }
        }
        Ok(Some(t))
    }

    /// A stored document's row and sources, and its compressed analysis (not yet in
    /// `analysis_json`).
    fn get_parts(&self, key: &str) -> Result<Option<(RawDocument, Vec<u8>)>> {
        let conn = self.rconn();
        let _snapshot = conn.unchecked_transaction()?;
        let sql = "SELECT id, story, ingested_at, text, analysis FROM documents WHERE ";
        let row = |r: &rusqlite::Row<'_>| -> rusqlite::Result<(i64, i64, String, String, Vec<u8>)> {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        };
        let row = if let Ok(id) = key.parse::<i64>() {
            conn.prepare_cached(&format!("{sql} id = ?1"))?
                .query_row([id], row)
        } else {
            conn.prepare_cached(&format!("{sql} content_hash = ?1"))?
                .query_row([key], row)
        }
        .optional()?;
        let Some((id, story, ingested_at, text, blob)) = row else {
            return Ok(None);
        };
        let mut st = conn.prepare_cached(
            "SELECT source, outlet, dateline FROM document_sources WHERE doc = ?1",
        )?;
        let sources = st
            .query_map([id], |r| {
                Ok(DocSource {
                    source: r.get(0)?,
                    outlet: r.get(1)?,
                    dateline: opt_date(r.get(2)?),
                })
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(Some((
            RawDocument {
                id,
                story,
                ingested_at,
                sources,
                text,
                analysis_json: Vec::new(),
            },
            blob,
        )))
    }

    fn occurrences(
        &self,
        conn: &Connection,
        cluster: i64,
    ) -> Result<Vec<(QuoteOccurrence, String)>> {
        let mut st = conn.prepare_cached(
            "SELECT q.id, q.doc, d.doc_id, d.outlet, d.dateline, q.speaker, q.text, q.start, q.end, q.norm
             FROM quotes q JOIN documents d ON d.id = q.doc WHERE q.cluster = ?1
             ORDER BY d.dateline IS NULL, d.dateline, q.id",
        )?;
        let rows = st.query_map([cluster], |r| {
            Ok((
                QuoteOccurrence {
                    quote: r.get(0)?,
                    doc: r.get(1)?,
                    doc_id: r.get(2)?,
                    outlet: r.get(3)?,
                    dateline: opt_date(r.get(4)?),
                    speaker: r.get(5)?,
                    text: r.get(6)?,
                    start: r.get::<_, i64>(7)? as usize,
                    end: r.get::<_, i64>(8)? as usize,
                },
                r.get::<_, String>(9)?,
            ))
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    fn quote_cluster(&self, conn: &Connection, cluster: i64) -> Result<Option<QuoteCluster>> {
        let occ = self.occurrences(conn, cluster)?;
        Ok(QuoteCluster::from_occurrences(cluster, occ))
    }

    fn story_of(&self, conn: &Connection, story: i64) -> Result<Option<Story>> {
        let mut st = conn.prepare_cached(
            "SELECT d.id, d.doc_id, d.title, d.outlet, d.dateline, d.source, s.minhash
             FROM documents d JOIN doc_sketch s ON s.doc = d.id
             WHERE d.story = ?1 ORDER BY d.dateline IS NULL, d.dateline, d.id",
        )?;
        let rows = st.query_map([story], |r| {
            Ok((
                StoryMember {
                    doc: r.get(0)?,
                    doc_id: r.get(1)?,
                    title: r.get(2)?,
                    outlet: r.get(3)?,
                    dateline: opt_date(r.get(4)?),
                    source: r.get(5)?,
                    similarity: 1.0,
                    copies: Vec::new(),
                },
                r.get::<_, Vec<u8>>(6)?,
            ))
        })?;
        let rows: Vec<_> = rows.collect::<std::result::Result<_, _>>()?;
        let Some(origin_sig) = rows.first().map(|r| minhash::from_bytes(&r.1)) else {
            return Ok(None);
        };
        let mut src_st = conn.prepare_cached(
            "SELECT source, outlet, dateline FROM document_sources WHERE doc = ?1",
        )?;
        let mut members = Vec::with_capacity(rows.len());
        let mut outlets = Vec::new();
        for (mut m, sig) in rows {
            m.similarity = minhash::estimate(&origin_sig, &minhash::from_bytes(&sig));
            m.copies = src_st
                .query_map([m.doc], |r| {
                    Ok(DocSource {
                        source: r.get(0)?,
                        outlet: r.get(1)?,
                        dateline: opt_date(r.get(2)?),
                    })
                })?
                .collect::<std::result::Result<Vec<_>, _>>()?
                .into_iter()
                .filter(|c| c.source != m.source)
                .collect();
            for o in m
                .outlet
                .iter()
                .chain(m.copies.iter().filter_map(|c| c.outlet.as_ref()))
            {
                if !outlets.contains(o) {
                    outlets.push(o.clone());
                }
            }
            members.push(m);
        }
        Ok(Some(Story {
            id: story,
            size: members.len(),
            outlets,
            origin: members[0].clone(),
            members,
        }))
    }
}

/// The statements of one write transaction, prepared once per batch: a document costs ~200 row
/// reads and writes, and `prepare_cached` hashes the SQL text on every call (it showed in
/// profiles).
struct Batch<'t> {
    conn: &'t Connection,
    insert_doc: rusqlite::Statement<'t>,
    doc_by_hash: rusqlite::Statement<'t>,
    insert_source: rusqlite::Statement<'t>,
    insert_sketch: rusqlite::Statement<'t>,
    doc_candidates: rusqlite::Statement<'t>,
    /// One candidate's story and signature (the candidates taken from an [`LshMemo`]).
    doc_candidate: rusqlite::Statement<'t>,
    set_story: rusqlite::Statement<'t>,
    merge_story: rusqlite::Statement<'t>,
    insert_doc_lsh: MultiInsert<'t>,
    insert_entity: MultiInsert<'t>,
    insert_mention: MultiInsert<'t>,
    insert_technique: MultiInsert<'t>,
    quote_twin: rusqlite::Statement<'t>,
    quote_lsh: rusqlite::Statement<'t>,
    quote_candidate: rusqlite::Statement<'t>,
    merge_quote_cluster: rusqlite::Statement<'t>,
    insert_quote_lsh: MultiInsert<'t>,
    /// Id of the next quote row: one more than the largest, as SQLite would choose (this
    /// transaction is the only writer).
    next_quote_id: i64,
    /// LSH rows not written yet, `(key, id)`: with an [`LshMemo`] nothing reads the tables
    /// during the batch, so their rows are written at its end in key order
    /// ([`Batch::write_lsh_rows`]), where each insert finds its B-tree page in cache; one at a
    /// time, random keys made every insert a descent through cold pages.
    pending_doc_lsh: Vec<(i64, i64)>,
    pending_quote_lsh: Vec<(i64, i64)>,
    /// A document's quote rows held back, `(id, cluster)` in the order of its quotes, when the
    /// LSH copy makes every clustering read independent of them: written together at the end
    /// of the document ([`Batch::write_quote_rows`]) by multi-row inserts instead of one
    /// execution per quote (28 per generated article), with their clusters as merged by then.
    pending_quotes: Vec<(i64, i64)>,
    /// Quote rows: a document's held-back rows together, or (without the copy) one at a time,
    /// as later look-ups in SQLite must see them.
    insert_quotes: MultiInsert<'t>,
}

/// Multi-row `INSERT`s for one table: a document's rows of a layer (≈ 50 mentions, 45
/// techniques, 42 story keys, 33 keys per new quote) are written by a few executions of
/// `INSERT … VALUES (…), (…), …` instead of one execution per row. Each execution opens the
/// table's and indexes' cursors and runs the program's prologue again, and for these small rows
/// that cost more than the B-tree work itself. Rows are inserted in the order given, so rowids
/// are the same as one row at a time. Plain rows are inserted `OR FAIL`: a multi-row statement
/// that may `ABORT` has SQLite copy every page it changes into a statement journal (to undo
/// just that statement), while an error here rolls the whole batch back anyway.
struct MultiInsert<'t> {
    conn: &'t Connection,
    /// `INSERT … INTO table(columns) VALUES ` (the row tuples are appended).
    head: &'static str,
    columns: usize,
    /// Statements for 1, 2, 4, … [`MultiInsert::MAX_ROWS`] rows, prepared on first use.
    by_size: [Option<rusqlite::Statement<'t>>; 7],
}

impl<'t> MultiInsert<'t> {
    /// Most rows per execution (a power of two; `by_size` has a slot for each smaller one).
    const MAX_ROWS: usize = 64;

    fn new(conn: &'t Connection, head: &'static str, columns: usize) -> Self {
        Self {
            conn,
            head,
            columns,
            by_size: Default::default(),
        }
    }

    /// Inserts `rows`: `bind(statement, first, row)` binds one row's values to parameters
    /// `first`, `first + 1`, … (1-based, `columns` of them).
    fn insert<T>(
        &mut self,
        rows: &[T],
        mut bind: impl FnMut(&mut rusqlite::Statement<'t>, usize, &T) -> rusqlite::Result<()>,
    ) -> Result<()> {
        let mut rest = rows;
        while !rest.is_empty() {
            // Largest power of two that fits: at most log2(MAX_ROWS) + 1 statement shapes.
            let n = 1usize << rest.len().min(Self::MAX_ROWS).ilog2();
            let (chunk, tail) = rest.split_at(n);
            let slot = n.trailing_zeros() as usize;
            let st = match &mut self.by_size[slot] {
                Some(st) => st,
                empty => {
                    let tuple = format!("({})", vec!["?"; self.columns].join(","));
                    let sql = format!("{}{}", self.head, vec![tuple; n].join(","));
                    empty.insert(self.conn.prepare(&sql)?)
                }
            };
            for (i, row) in chunk.iter().enumerate() {
                bind(st, i * self.columns + 1, row)?;
            }
            st.raw_execute()?;
            rest = tail;
        }
        Ok(())
    }
}

impl<'t> Batch<'t> {
    fn new(tx: &'t Transaction<'_>) -> Result<Self> {
        Ok(Self {
            conn: tx,
            insert_doc: tx.prepare(
                "INSERT OR IGNORE INTO documents(content_hash, doc_id, source, url, outlet,
                   dateline, title, byline, language, text, analysis, stages, ingested_at, story,
                   minhash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 0, X'')",
            )?,
            doc_by_hash: tx.prepare("SELECT id FROM documents WHERE content_hash = ?1")?,
            insert_source: tx.prepare(
                "INSERT OR IGNORE INTO document_sources(doc, source, outlet, dateline)
                 VALUES (?1, ?2, ?3, ?4)",
            )?,
            insert_sketch: tx.prepare("INSERT INTO doc_sketch(doc, minhash) VALUES (?1, ?2)")?,
            // One query for all of a document's band keys (their number is fixed): the
            // candidates with their story and signature. Neither read touches the documents
            // row itself (see migration 2).
            doc_candidates: tx.prepare(&format!(
                "SELECT d.story, s.minhash
                 FROM (SELECT DISTINCT doc FROM doc_lsh WHERE key IN ({}) LIMIT {MAX_CANDIDATES}) c
                 JOIN documents d INDEXED BY documents_id_story ON d.id = c.doc
                 JOIN doc_sketch s ON s.doc = c.doc
                 ORDER BY c.doc",
                (1..=D::BANDS)
                    .map(|i| format!("?{i}"))
                    .collect::<Vec<_>>()
                    .join(",")
            ))?,
            doc_candidate: tx.prepare(
                "SELECT d.story, s.minhash
                 FROM documents d INDEXED BY documents_id_story JOIN doc_sketch s ON s.doc = d.id
                 WHERE d.id = ?1",
            )?,
            set_story: tx
                .prepare("UPDATE documents SET story = ?1, story_sim = ?2 WHERE id = ?3")?,
            merge_story: tx.prepare("UPDATE documents SET story = ?1 WHERE story = ?2")?,
            insert_doc_lsh: MultiInsert::new(
                tx,
                "INSERT OR IGNORE INTO doc_lsh(key, doc) VALUES ",
                2,
            ),
            insert_entity: MultiInsert::new(
                tx,
                "INSERT OR FAIL INTO entity_clusters(doc, idx, canonical, norm, type, mentions, aliases)
                 VALUES ",
                7,
            ),
            insert_mention: MultiInsert::new(
                tx,
                "INSERT OR FAIL INTO mentions(doc, idx, cluster, start, end, type, kind) VALUES ",
                7,
            ),
            insert_technique: MultiInsert::new(
                tx,
                "INSERT OR FAIL INTO techniques(doc, idx, technique, technique_2023, start, end, score)
                 VALUES ",
                7,
            ),
            quote_twin: tx.prepare(
                "SELECT q.cluster FROM quote_lsh l JOIN quotes q ON q.id = l.quote
                 WHERE l.key = ?1 AND q.norm = ?2 LIMIT 1",
            )?,
            next_quote_id: tx.query_row(
                "SELECT COALESCE(MAX(id), 0) + 1 FROM quotes",
                [],
                |r| r.get(0),
            )?,
            // All of a quote's buckets in one execution (one arm per key, in key order, each
            // with its own limit), so the candidates are exactly those of one look-up per key.
            quote_lsh: tx.prepare(
                &(1..=1 + Q::BANDS)
                    .map(|i| {
                        format!(
                            "SELECT {i}, quote FROM (SELECT quote FROM quote_lsh WHERE key = ?{i}
                             ORDER BY quote LIMIT {QUOTE_BUCKET_LIMIT})"
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" UNION ALL "),
            )?,
            quote_candidate: tx.prepare("SELECT cluster, norm FROM quotes WHERE id = ?1")?,
            merge_quote_cluster: tx.prepare("UPDATE quotes SET cluster = ?1 WHERE cluster = ?2")?,
            insert_quote_lsh: MultiInsert::new(
                tx,
                "INSERT OR IGNORE INTO quote_lsh(key, quote) VALUES ",
                2,
            ),
            pending_doc_lsh: Vec::new(),
            pending_quote_lsh: Vec::new(),
            pending_quotes: Vec::new(),
            insert_quotes: MultiInsert::new(
                tx,
                "INSERT OR FAIL INTO quotes(id, doc, idx, kind, text, norm, start, end,
                   speaker_cluster, speaker, speaker_norm, cluster) VALUES ",
                12,
            ),
        })
    }

    /// Inserts one document and its layers; clusters it and its quotes. The ids of its quote
    /// rows, in order, are appended to `quote_ids`.
    fn insert_document(
        &mut self,
        p: &Prepared,
        now: &str,
        quote_ids: &mut Vec<i64>,
        memo: &mut QuoteMemo,
        mut lsh: Option<&mut LshMemo>,
    ) -> Result<PutOutcome> {
        memo.trim();
        let inserted = self.insert_doc.execute(params![
            p.content_hash,
            p.doc_id,
            p.source,
            p.url,
            p.outlet,
            p.dateline,
            p.title,
            p.byline,
            p.language,
            p.text,
            p.analysis,
            p.stages,
            now,
        ])?;
        let id: i64 = if inserted == 1 {
            self.conn.last_insert_rowid()
        } else {
            self.doc_by_hash
                .query_row([&p.content_hash], |r| r.get(0))?
        };
        if let Some(source) = &p.source {
            self.insert_source
                .execute(params![id, source, p.outlet, p.dateline])?;
        }
        if inserted == 0 {
            return Ok(PutOutcome {
                id,
                content_hash: p.content_hash.clone(),
                new: false,
            });
        }
        self.insert_sketch
            .execute(params![id, minhash::to_bytes(&p.minhash)])?;

        // Story clustering: LSH candidates, verified by the signature estimate.
        if p.doc_keys.len() != D::BANDS {
            return Err(StoreError::Invalid(format!(
                "a document has {} band keys, not {}",
                p.doc_keys.len(),
                D::BANDS
            )));
        }
        let mut stories: Vec<i64> = Vec::new();
        let mut best_seen = 0.0f32;
        let mut verify = |story: i64, sig: rusqlite::types::ValueRef<'_>| {
            let sig = match sig {
                rusqlite::types::ValueRef::Blob(b) => b,
                _ => &[],
            };
            let sim = minhash::estimate(&p.minhash, &minhash::from_bytes(sig));
            if sim >= D::THRESHOLD {
                if !stories.contains(&story) {
                    stories.push(story);
                }
                best_seen = best_seen.max(sim);
            }
        };
        match lsh.as_deref() {
            Some(copy) => {
                // The candidates `doc_candidates` would read: distinct documents of the
                // buckets in ascending key order, ascending within each, at most
                // MAX_CANDIDATES. Only their set matters below.
                let mut keys = p.doc_keys.clone();
                keys.sort_unstable();
                keys.dedup();
                let mut candidates: Vec<i64> = Vec::new();
                'keys: for k in keys {
                    for d in copy.docs.get(k) {
                        if !candidates.contains(&d) {
                            if candidates.len() == MAX_CANDIDATES {
                                break 'keys;
                            }
                            candidates.push(d);
                        }
                    }
                }
                for c in candidates {
                    let mut rows = self.doc_candidate.query([c])?;
                    while let Some(r) = rows.next()? {
                        verify(r.get(0)?, r.get_ref(1)?);
                    }
                }
            }
            None => {
                let mut rows = self
                    .doc_candidates
                    .query(rusqlite::params_from_iter(&p.doc_keys))?;
                while let Some(r) = rows.next()? {
                    verify(r.get(0)?, r.get_ref(1)?);
                }
            }
        }
        let best = if stories.is_empty() { 1.0 } else { best_seen };
        let story = stories.iter().copied().min().unwrap_or(id).min(id);
        self.set_story.execute(params![story, best, id])?;
        for s in stories.iter().filter(|&&s| s != story) {
            self.merge_story.execute(params![story, s])?;
        }
        add_lsh_rows(
            &p.doc_keys,
            id,
            lsh.as_deref_mut().map(|c| &mut c.docs),
            &mut self.pending_doc_lsh,
            &mut self.insert_doc_lsh,
        )?;
        self.insert_entity.insert(&p.entities, |st, i, e| {
            st.raw_bind_parameter(i, id)?;
            st.raw_bind_parameter(i + 1, e.idx as i64)?;
            st.raw_bind_parameter(i + 2, &e.canonical)?;
            st.raw_bind_parameter(i + 3, e.canonical.to_lowercase())?;
            st.raw_bind_parameter(i + 4, &e.entity_type)?;
            st.raw_bind_parameter(i + 5, e.mentions as i64)?;
            st.raw_bind_parameter(
                i + 6,
                serde_json::to_string(&e.aliases).unwrap_or_else(|_| "[]".into()),
            )
        })?;
        self.insert_mention.insert(&p.mentions, |st, i, m| {
            st.raw_bind_parameter(i, id)?;
            st.raw_bind_parameter(i + 1, m.idx as i64)?;
            st.raw_bind_parameter(i + 2, m.cluster as i64)?;
            st.raw_bind_parameter(i + 3, m.start as i64)?;
            st.raw_bind_parameter(i + 4, m.end as i64)?;
            st.raw_bind_parameter(i + 5, &m.entity_type)?;
            st.raw_bind_parameter(i + 6, &m.kind)
        })?;
        self.insert_technique.insert(&p.techniques, |st, i, t| {
            st.raw_bind_parameter(i, id)?;
            st.raw_bind_parameter(i + 1, t.idx as i64)?;
            st.raw_bind_parameter(i + 2, &t.technique)?;
            st.raw_bind_parameter(i + 3, &t.technique_2023)?;
            st.raw_bind_parameter(i + 4, t.start as i64)?;
            st.raw_bind_parameter(i + 5, t.end as i64)?;
            st.raw_bind_parameter(i + 6, t.score as f64)
        })?;
        for q in &p.quotes {
            quote_ids.push(self.insert_quote(id, q, memo, lsh.as_deref_mut())?);
        }
        self.write_quote_rows(id, &p.quotes, memo)?;
        Ok(PutOutcome {
            id,
            content_hash: p.content_hash.clone(),
            new: true,
        })
    }

    /// Inserts one quote row and clusters it; returns its id.
    fn insert_quote(
        &mut self,
        doc: i64,
        q: &prepare::QuoteRow,
        memo: &mut QuoteMemo,
        lsh: Option<&mut LshMemo>,
    ) -> Result<i64> {
        // An exact twin already stored (found through the exact-wording key, `keys[0]`): this
        // quote joins its cluster, and the twin's LSH rows already stand for this wording, so
        // none are added — repeated quotations (the common case of quote spread) cost two index
        // lookups and keep the LSH buckets small.
        let twin: Option<i64> = match (q.keys.first(), lsh.as_deref()) {
            (Some(&exact), Some(copy)) => {
                let mut found = None;
                for c in copy.quotes.get(exact) {
                    self.remember_quote(c, memo)?;
                    match memo.quotes.get(&c) {
                        Some(known) if *known.norm == *q.norm => {
                            found = Some(memo.resolve(known.cluster));
                            break;
                        }
                        _ => {}
                    }
                }
                found
            }
            (Some(exact), None) => self
                .quote_twin
                .query_row(params![exact, q.norm], |r| r.get(0))
                .optional()?,
            (None, _) => None,
        };
        let clusters = match twin {
            Some(_) => Vec::new(),
            None => self.matching_clusters(q, memo, lsh.as_deref())?,
        };
        // The row is written with its final cluster: the twin's, else the smallest cluster it
        // matches (older than the row), else its own id (most quotes are unkeyed and land
        // here: no second write of the row).
        let qid = self.next_quote_id;
        self.next_quote_id += 1;
        let cluster = twin
            .or_else(|| clusters.iter().copied().min())
            .unwrap_or(qid);
        if lsh.is_some() {
            self.pending_quotes.push((qid, cluster));
        } else {
            self.insert_quotes
                .insert(&[(qid, cluster, q)], |st, i, row| {
                    bind_quote_row(st, i, doc, row)
                })?;
        }
        if twin.is_some() {
            return Ok(qid);
        }
        for &c in clusters.iter().filter(|&&c| c != cluster) {
            self.merge_quote_cluster.execute(params![cluster, c])?;
            memo.merged.insert(c, cluster);
        }
        if !q.keys.is_empty() {
            memo.remember(qid, cluster, &q.norm, q.wording.clone());
        }
        add_lsh_rows(
            &q.keys,
            qid,
            lsh.map(|c| &mut c.quotes),
            &mut self.pending_quote_lsh,
            &mut self.insert_quote_lsh,
        )?;
        Ok(qid)
    }

    /// Writes the quote rows of document `doc` held back (see `pending_quotes`), each with its
    /// cluster as merged by now.
    fn write_quote_rows(
        &mut self,
        doc: i64,
        quotes: &[prepare::QuoteRow],
        memo: &QuoteMemo,
    ) -> Result<()> {
        if self.pending_quotes.is_empty() {
            return Ok(());
        }
        if self.pending_quotes.len() != quotes.len() {
            return Err(StoreError::Invalid(format!(
                "{} quote rows held back for {} quotes",
                self.pending_quotes.len(),
                quotes.len()
            )));
        }
        let rows: Vec<(i64, i64, &prepare::QuoteRow)> = self
            .pending_quotes
            .drain(..)
            .zip(quotes)
            .map(|((qid, cluster), q)| (qid, memo.resolve(cluster), q))
            .collect();
        self.insert_quotes
            .insert(&rows, |st, i, row| bind_quote_row(st, i, doc, row))
    }

    /// Writes the LSH rows held back during the batch, in key order (see `pending_doc_lsh`).
    fn write_lsh_rows(&mut self) -> Result<()> {
        let bind = |st: &mut rusqlite::Statement<'t>, i: usize, &(k, id): &(i64, i64)| {
            st.raw_bind_parameter(i, k)?;
            st.raw_bind_parameter(i + 1, id)
        };
        self.pending_doc_lsh.sort_unstable();
        self.insert_doc_lsh.insert(&self.pending_doc_lsh, bind)?;
        self.pending_doc_lsh.clear();
        self.pending_quote_lsh.sort_unstable();
        self.insert_quote_lsh
            .insert(&self.pending_quote_lsh, bind)?;
        self.pending_quote_lsh.clear();
        Ok(())
    }

    /// Reads stored quote `id` into `memo` unless it is there.
    fn remember_quote(&mut self, id: i64, memo: &mut QuoteMemo) -> Result<()> {
        if !memo.quotes.contains_key(&id) {
            let (cluster, norm) = self.quote_candidate.query_row([id], |r| {
                Ok((r.get::<_, i64>(0)?, r.get_ref(1)?.as_str()?.to_owned()))
            })?;
            memo.remember(id, cluster, &norm, prepare::Wording::of(&norm));
        }
        Ok(())
    }

    /// The clusters of the stored quotes that `q` matches: LSH candidates, verified.
    fn matching_clusters(
        &mut self,
        q: &prepare::QuoteRow,
        memo: &mut QuoteMemo,
        lsh: Option<&LshMemo>,
    ) -> Result<Vec<i64>> {
        if !q.keys.is_empty() && q.keys.len() != 1 + Q::BANDS {
            return Err(StoreError::Invalid(format!(
                "a quote has {} LSH keys, not {}",
                q.keys.len(),
                1 + Q::BANDS
            )));
        }
        let mut candidates: Vec<i64> = Vec::new();
        // Too many candidates stops the look-up after the bucket that crossed the limit.
        let full = |candidates: &mut Vec<i64>| {
            if candidates.len() >= MAX_CANDIDATES {
                candidates.sort_unstable();
                candidates.dedup();
            }
            candidates.len() >= MAX_CANDIDATES
        };
        if let (false, Some(copy)) = (q.keys.is_empty(), lsh) {
            // The rows `quote_lsh` reads below, in the same order.
            for &k in &q.keys {
                let mut bucket = copy.quotes.get(k).take(QUOTE_BUCKET_LIMIT).peekable();
                if bucket.peek().is_some() && full(&mut candidates) {
                    break;
                }
                candidates.extend(bucket);
            }
        } else if !q.keys.is_empty() {
            let mut rows = self.quote_lsh.query(rusqlite::params_from_iter(&q.keys))?;
            let mut bucket = 0i64;
            while let Some(r) = rows.next()? {
                let b: i64 = r.get(0)?;
                if b != bucket {
                    if full(&mut candidates) {
                        break;
                    }
                    bucket = b;
                }
                candidates.push(r.get(1)?);
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut clusters: Vec<i64> = Vec::new();
        for c in candidates {
            self.remember_quote(c, memo)?;
            let Some(known) = memo.quotes.get(&c) else {
                continue;
            };
            let cluster = memo.resolve(known.cluster);
            // A cluster already joined needs no second witness.
            if !clusters.contains(&cluster)
                && (*known.norm == *q.norm || q.wording.resembles(&known.wording))
            {
                clusters.push(cluster);
            }
        }
        Ok(clusters)
    }
}

/// Binds one quote row `(id, cluster, quote)` of document `doc` to parameters `i`, `i + 1`, …
/// of `insert_quotes` (its twelve columns). The id is given (the one SQLite would choose:
/// [`Batch::next_quote_id`]), so that a quote starting its own cluster can name itself.
fn bind_quote_row(
    st: &mut rusqlite::Statement<'_>,
    i: usize,
    doc: i64,
    &(qid, cluster, q): &(i64, i64, &prepare::QuoteRow),
) -> rusqlite::Result<()> {
    st.raw_bind_parameter(i, qid)?;
    st.raw_bind_parameter(i + 1, doc)?;
    st.raw_bind_parameter(i + 2, q.idx as i64)?;
    st.raw_bind_parameter(i + 3, &q.kind)?;
    st.raw_bind_parameter(i + 4, &q.text)?;
    st.raw_bind_parameter(i + 5, &q.norm)?;
    st.raw_bind_parameter(i + 6, q.start as i64)?;
    st.raw_bind_parameter(i + 7, q.end as i64)?;
    st.raw_bind_parameter(i + 8, q.speaker_cluster.map(|c| c as i64))?;
    st.raw_bind_parameter(i + 9, &q.speaker)?;
    st.raw_bind_parameter(i + 10, q.speaker.as_ref().map(|s| s.to_lowercase()))?;
    st.raw_bind_parameter(i + 11, cluster)
}

/// Adds the LSH rows of `id` under `keys`: with a copy, to it and to `pending` (written at the
/// batch's end, [`Batch::write_lsh_rows`]); without, straight into the table.
fn add_lsh_rows(
    keys: &[i64],
    id: i64,
    copy: Option<&mut lsh_memo::Buckets>,
    pending: &mut Vec<(i64, i64)>,
    table: &mut MultiInsert<'_>,
) -> Result<()> {
    match copy {
        Some(copy) => {
            for &k in keys {
                copy.push(k, id);
                pending.push((k, id));
            }
            Ok(())
        }
        None => table.insert(keys, |st, i, k| {
            st.raw_bind_parameter(i, k)?;
            st.raw_bind_parameter(i + 1, id)
        }),
    }
}

/// What the index holds of a document just written, taken from the rows as they were written:
/// the same values [`EmbeddedStore::index_docs`] reads back (which cost four queries per
/// document on the writer thread, about a tenth of an ingest's CPU time on short articles).
fn index_doc(id: i64, p: Prepared, quote_ids: &[i64]) -> IndexDoc {
    let mut entities = Vec::new();
    for e in p.entities {
        entities.push(e.canonical);
        entities.extend(e.aliases);
    }
    let mut techniques: Vec<String> = Vec::new();
    for t in p.techniques {
        if !techniques.contains(&t.technique) {
            techniques.push(t.technique);
        }
    }
    let quotes = quote_ids
        .iter()
        .zip(p.quotes)
        .map(|(&qid, q)| (qid, q.text, q.speaker))
        .collect();
    IndexDoc {
        id,
        title: p.title,
        text: p.text,
        outlet: p.outlet,
        dateline: opt_date(p.dateline),
        entities,
        techniques,
        quotes,
    }
}

/// The corpus entity listing's queries on SQLite ([`crate::corpus_entities::EntityRows`]).
struct SqliteEntityRows<'c>(&'c Connection);

/// `?1, ?2, …` for `n` values (SQLite has no array parameter).
/// The SQL condition on an `entity_clusters e` row that it belongs to the entity `m` (from
/// [`crate::corpus_entities::members_of`]), and its parameters: the cluster has one of the
/// names, or (only for [`Members::by_alias`]) the key among its aliases.
///
/// [`Members::by_alias`]: crate::corpus_entities::Members::by_alias
fn entity_clause(m: &crate::corpus_entities::Members) -> (String, Vec<String>) {
    let names = placeholders(1, m.names.len());
    let mut values = m.names.clone();
    if !m.by_alias {
        return (format!("e.norm IN ({names})"), values);
    }
    values.push(serde_json::to_string(&m.names[0]).unwrap_or_default());
    let clause = format!(
        "(e.norm IN ({names}) OR instr(lower(e.aliases), ?{}) > 0)",
        values.len()
    );
    (clause, values)
}

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl crate::corpus_entities::EntityRows for SqliteEntityRows<'_> {
    fn name_groups(&self) -> Result<Vec<(String, String, i64, i64)>> {
        let mut st = self.0.prepare_cached(
            "SELECT norm, type, COUNT(DISTINCT doc), SUM(mentions) FROM entity_clusters
             GROUP BY norm, type",
        )?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    fn word_aliases(&self) -> Result<Vec<(String, String, i64)>> {
        // Lower-cased here, not by SQLite's ASCII-only `lower`, to match `norm`.
        let mut st = self.0.prepare_cached(
            "SELECT j.value, e.norm, COUNT(DISTINCT e.doc) FROM entity_clusters e, json_each(e.aliases) j
             WHERE e.aliases <> '[]' AND instr(e.norm, ' ') > 0 AND instr(j.value, ' ') = 0
             GROUP BY j.value, e.norm",
        )?;
        let rows = st.query_map([], |r| {
            Ok((r.get::<_, String>(0)?.to_lowercase(), r.get(1)?, r.get(2)?))
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    fn initialled_names(&self) -> Result<Vec<String>> {
        let mut st = self
            .0
            .prepare_cached("SELECT DISTINCT norm FROM entity_clusters WHERE norm LIKE '% _.%'")?;
        let rows = st.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    fn documents_of(&self, norms: &[String]) -> Result<i64> {
        let sql = format!(
            "SELECT COUNT(DISTINCT doc) FROM entity_clusters WHERE norm IN ({})",
            placeholders(1, norms.len())
        );
        Ok(self
            .0
            .prepare_cached(&sql)?
            .query_row(rusqlite::params_from_iter(norms), |r| r.get(0))?)
    }

    fn own_documents(&self, norm: &str) -> Result<i64> {
        Ok(self.0.prepare_cached(
            "SELECT COALESCE(SUM(n), 0) FROM (SELECT COUNT(DISTINCT doc) AS n FROM entity_clusters
             WHERE norm = ?1 GROUP BY type)",
        )?
        .query_row([norm], |r| r.get(0))?)
    }

    fn canonical_of(&self, norm: &str) -> Result<String> {
        Ok(self
            .0
            .prepare_cached(
                "SELECT canonical FROM entity_clusters WHERE norm = ?1
             GROUP BY canonical ORDER BY COUNT(*) DESC, canonical LIMIT 1",
            )?
            .query_row([norm], |r| r.get(0))
            .optional()?
            .unwrap_or_else(|| norm.to_string()))
    }

    fn quotes_of(&self, norms: &[String]) -> Result<i64> {
        let list = placeholders(1, norms.len());
        let sql = format!(
            "SELECT COUNT(*) FROM (
               SELECT id FROM quotes WHERE speaker_norm IN ({list})
               UNION
               SELECT q.id FROM entity_clusters e
               JOIN quotes q ON q.doc = e.doc AND q.speaker_cluster = e.idx
               WHERE e.norm IN ({list}))"
        );
        Ok(self
            .0
            .prepare_cached(&sql)?
            .query_row(rusqlite::params_from_iter(norms), |r| r.get(0))?)
    }

    fn co_names(&self, norms: &[String], limit: usize) -> Result<Vec<(String, i64)>> {
        let list = placeholders(1, norms.len());
        let sql = format!(
            "SELECT e2.norm, COUNT(DISTINCT e2.doc) AS n
             FROM entity_clusters e1 JOIN entity_clusters e2 ON e2.doc = e1.doc
             WHERE e1.norm IN ({list}) AND e2.norm NOT IN ({list})
             GROUP BY e2.norm ORDER BY n DESC, e2.norm LIMIT {limit}"
        );
        let mut st = self.0.prepare_cached(&sql)?;
        let rows = st.query_map(rusqlite::params_from_iter(norms), |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    fn shared_documents(&self, a: &[String], b: &[String]) -> Result<i64> {
        let sql = format!(
            "SELECT COUNT(DISTINCT e1.doc)
             FROM entity_clusters e1 JOIN entity_clusters e2 ON e2.doc = e1.doc
             WHERE e1.norm IN ({}) AND e2.norm IN ({})",
            placeholders(1, a.len()),
            placeholders(1 + a.len(), b.len())
        );
        Ok(self
            .0
            .prepare_cached(&sql)?
            .query_row(rusqlite::params_from_iter(a.iter().chain(b)), |r| r.get(0))?)
    }
}

fn count(conn: &Connection, sql: &str) -> Result<u64> {
    Ok(conn.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64)
}

/// The document columns of a search hit (the first five columns of both hit queries).
struct HitMeta {
    doc_id: String,
    content_hash: String,
    title: Option<String>,
    outlet: Option<String>,
    dateline: Option<String>,
}

impl HitMeta {
    fn of(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            doc_id: r.get(0)?,
            content_hash: r.get(1)?,
            title: r.get(2)?,
            outlet: r.get(3)?,
            dateline: r.get(4)?,
        })
    }
}

/// Builds one hit from the text searched (`region`: the article, or the quote's stretch of it
/// starting at code point `region_start`): one pass finds the matches, the snippet is chosen
/// among them, and code point offsets are counted forward (no offset table of the whole text).
fn hit(
    hl: &Highlighter,
    h: RawHit,
    meta: HitMeta,
    region: &str,
    region_start: usize,
    speaker: Option<String>,
    quote_cluster: Option<i64>,
) -> SearchHit {
    let matches = hl.matches(region);
    let (snippet, snippet_start, highlights) = match Highlighter::snippet(region, &matches) {
        Some(sn) => {
            let fragment = &region[sn.start..sn.end];
            let mut c = CharCursor::new(fragment);
            let hl = sn
                .highlights
                .iter()
                .map(|(s, e)| [c.to(s - sn.start), c.to(e - sn.start)])
                .collect();
            let start = region_start + region[..sn.start].chars().count();
            (fragment.to_string(), start, hl)
        }
        None => {
            // No body word matched (a title-only or filter-only hit): show the start.
            let end = region
                .char_indices()
                .nth(200)
                .map_or(region.len(), |(i, _)| i);
            (region[..end].to_string(), region_start, Vec::new())
        }
    };
    let mut c = CharCursor::new(region);
    let spans = matches
        .iter()
        .map(|&(s, e, _)| TextSpan {
            start: region_start + c.to(s),
            end: region_start + c.to(e),
            text: region[s..e].to_string(),
        })
        .collect();
    SearchHit {
        kind: h.kind,
        score: h.score,
        doc: h.doc,
        doc_id: meta.doc_id,
        content_hash: meta.content_hash,
        title: meta.title,
        outlet: meta.outlet,
        dateline: opt_date(meta.dateline),
        quote: h.quote,
        quote_cluster,
        speaker,
        snippet,
        snippet_start,
        highlights,
        spans,
    }
}

/// Converts increasing byte offsets of a text to code point offsets in one forward pass.
struct CharCursor<'a> {
    text: &'a str,
    byte: usize,
    chars: usize,
}

impl<'a> CharCursor<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            byte: 0,
            chars: 0,
        }
    }

    /// Code point offset of byte offset `b` (a char boundary, not before the previous one).
    fn to(&mut self, b: usize) -> usize {
        if b >= self.byte {
            self.chars += self.text.get(self.byte..b).map_or(0, |s| s.chars().count());
        } else {
            self.chars -= self.text.get(b..self.byte).map_or(0, |s| s.chars().count());
        }
        self.byte = b;
        self.chars
    }
}

impl Store for EmbeddedStore {
    fn put(&self, batch: Vec<Analysis>) -> Result<Vec<PutOutcome>> {
        use rayon::prelude::*;
        let prepared = batch
            .par_iter()
            .map(prepare::prepare)
            .collect::<Result<Vec<_>>>()?;
        let out = self.write_batch(prepared, &[], &[])?;
        self.flush_index()?;
        Ok(out)
    }

    fn contains(&self, content_hash: &str) -> Result<bool> {
        Ok(self
            .rconn()
            .prepare_cached("SELECT 1 FROM documents WHERE content_hash = ?1")?
            .exists([content_hash])?)
    }

    fn get(&self, key: &str) -> Result<Option<StoredDocument>> {
        prepare::stored_from_parts(self.get_parts(key)?)
    }

    fn get_raw(&self, key: &str) -> Result<Option<RawDocument>> {
        prepare::raw_from_parts(self.get_parts(key)?)
    }

    fn search(&self, q: &SearchQuery) -> Result<Vec<SearchHit>> {
        let query = self.index.build_query(q)?;
        let raw = self.index.search(query.as_ref(), q.limit)?;
        if raw.is_empty() {
            return Ok(Vec::new());
        }
        let hl = self.index.highlighter(query.as_ref())?;
        let conn = self.rconn();
        // One read transaction for all the hits: one snapshot, and SQLite takes its file and
        // WAL locks once instead of once per statement. Read-only: dropping it ends it.
        let _snapshot = conn.unchecked_transaction()?;
        let mut doc_st = conn.prepare_cached(
            "SELECT doc_id, content_hash, title, outlet, dateline FROM documents WHERE id = ?1",
        )?;
        let mut q_st = conn.prepare_cached(
            "SELECT d.doc_id, d.content_hash, d.title, d.outlet, d.dateline,
                    q.start, q.end, q.speaker, q.cluster
             FROM quotes q JOIN documents d ON d.id = q.doc WHERE q.id = ?1 AND q.doc = ?2",
        )?;
        let mut out = Vec::with_capacity(raw.len());
        for h in raw {
            if let Some(qid) = h.quote {
                let row = q_st
                    .query_row(params![qid, h.doc], |r| {
                        Ok((
                            HitMeta::of(r)?,
                            r.get::<_, i64>(5)?.max(0) as usize,
                            r.get::<_, i64>(6)?.max(0) as usize,
                            r.get::<_, Option<String>>(7)?,
                            r.get::<_, i64>(8)?,
                        ))
                    })
                    .optional()?;
                if let Some((meta, start, end, speaker, cluster)) = row {
                    let Some(t) = self.cached_text(&conn, h.doc)? else {
                        continue;
                    };
                    let (a, b) = (t.map.to_byte(start), t.map.to_byte(end.max(start)));
                    let region = t.text.get(a..b).unwrap_or("");
                    out.push(hit(&hl, h, meta, region, start, speaker, Some(cluster)));
                    continue;
                }
            }
            let Some(meta) = doc_st.query_row([h.doc], HitMeta::of).optional()? else {
                continue;
            };
            let Some(t) = self.cached_text(&conn, h.doc)? else {
                continue;
            };
            out.push(hit(&hl, h, meta, &t.text, 0, None, None));
        }
        Ok(out)
    }

    fn document_quotes(&self, doc: i64) -> Result<Vec<DocumentQuote>> {
        let conn = self.rconn();
        let mut st =
            conn.prepare_cached("SELECT idx, id, cluster FROM quotes WHERE doc = ?1 ORDER BY idx")?;
        let rows = st.query_map([doc], |r| {
            Ok(DocumentQuote {
                idx: r.get::<_, i64>(0)? as usize,
                quote: r.get(1)?,
                cluster: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    fn stories(&self, limit: usize) -> Result<Vec<Story>> {
        let conn = self.rconn();
        let ids: Vec<i64> = conn
            .prepare(
                "SELECT story FROM documents GROUP BY story HAVING COUNT(*) > 1
                 ORDER BY COUNT(*) DESC, story LIMIT ?1",
            )?
            .query_map([limit as i64], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        let mut out = Vec::new();
        for id in ids {
            if let Some(s) = self.story_of(&conn, id)? {
                out.push(s);
            }
        }
        Ok(out)
    }

    fn story(&self, id: i64) -> Result<Option<Story>> {
        let conn = self.rconn();
        let story: Option<i64> = conn
            .query_row("SELECT story FROM documents WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        match story {
            Some(s) => self.story_of(&conn, s),
            None => Ok(None),
        }
    }

    fn quote_clusters(&self, speaker: Option<&str>, limit: usize) -> Result<Vec<QuoteCluster>> {
        let conn = self.rconn();
        let speaker = speaker.map(|s| s.trim().to_lowercase());
        let ids: Vec<i64> = match &speaker {
            Some(s) => conn
                .prepare(
                    "SELECT cluster FROM quotes WHERE cluster IN
                       (SELECT cluster FROM quotes WHERE instr(speaker_norm, ?1) > 0
                          OR speaker_norm LIKE ?3 ESCAPE '\\')
                     GROUP BY cluster ORDER BY COUNT(*) DESC, cluster LIMIT ?2",
                )?
                .query_map(
                    params![s, limit as i64, crate::corpus_entities::speaker_like(s)],
                    |r| r.get(0),
                )?
                .collect::<std::result::Result<_, _>>()?,
            None => conn
                .prepare(
                    "SELECT cluster FROM quotes GROUP BY cluster
                     ORDER BY COUNT(*) DESC, cluster LIMIT ?1",
                )?
                .query_map([limit as i64], |r| r.get(0))?
                .collect::<std::result::Result<_, _>>()?,
        };
        let mut out = Vec::new();
        for id in ids {
            if let Some(c) = self.quote_cluster(&conn, id)? {
                out.push(c);
            }
        }
        Ok(out)
    }

    fn quote_spread(&self, id: i64) -> Result<Option<QuoteCluster>> {
        let conn = self.rconn();
        let cluster: Option<i64> = conn
            .query_row("SELECT cluster FROM quotes WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        match cluster {
            Some(c) => self.quote_cluster(&conn, c),
            None => Ok(None),
        }
    }

    fn entities(&self, limit: usize, entity_type: Option<&str>) -> Result<Vec<EntitySummary>> {
        let conn = self.rconn();
        crate::corpus_entities::corpus_entities(&SqliteEntityRows(&conn), limit, entity_type)
    }

    fn entity_documents(&self, entity: &str, limit: usize) -> Result<EntityDocuments> {
        let conn = self.rconn();
        let m = crate::corpus_entities::members_of(&SqliteEntityRows(&conn), entity)?;
        let (clause, values) = entity_clause(&m);
        let docs: Vec<i64> = conn
            .prepare(&format!(
                "SELECT d.id FROM documents d WHERE EXISTS (
                   SELECT 1 FROM entity_clusters e WHERE e.doc = d.id AND {clause})
                 ORDER BY d.dateline IS NULL, d.dateline DESC, d.id DESC"
            ))?
            .query_map(rusqlite::params_from_iter(&values), |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        Ok(m.documents(docs, limit))
    }

    fn timeline(&self, entity: &str, bucket: Bucket) -> Result<Timeline> {
        let conn = self.rconn();
        // The names the `entities` listing counts as this entity's, so both agree.
        let m = crate::corpus_entities::members_of(&SqliteEntityRows(&conn), entity)?;
        let (clause, values) = entity_clause(&m);
        let list = placeholders(1, m.names.len());
        let dates: Vec<Option<String>> = conn
            .prepare(&format!(
                "SELECT d.dateline FROM documents d WHERE EXISTS (
                   SELECT 1 FROM entity_clusters e WHERE e.doc = d.id AND {clause})"
            ))?
            .query_map(rusqlite::params_from_iter(&values), |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        // Quotes credited to the entity: named with one of its names, or attributed to a
        // cluster of their article that counts as the entity's (as `entities` credits them).
        let qdates: Vec<Option<String>> = conn
            .prepare(&format!(
                "SELECT d.dateline FROM quotes q JOIN documents d ON d.id = q.doc
                 WHERE q.id IN (
                   SELECT id FROM quotes WHERE speaker_norm IN ({list})
                   UNION
                   SELECT q2.id FROM entity_clusters e
                   JOIN quotes q2 ON q2.doc = e.doc AND q2.speaker_cluster = e.idx
                   WHERE {clause})"
            ))?
            .query_map(rusqlite::params_from_iter(&values), |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        let dates = dates.into_iter().map(opt_date);
        let qdates = qdates.into_iter().map(opt_date);
        Ok(Timeline::from_dates(entity, bucket, dates, qdates))
    }

    fn stats(&self) -> Result<Stats> {
        let conn = self.rconn();
        Ok(Stats {
            documents: count(&conn, "SELECT COUNT(*) FROM documents")?,
            entity_clusters: crate::corpus_entities::corpus_entity_count(&SqliteEntityRows(
                &conn,
            ))?,
            quotes: count(&conn, "SELECT COUNT(*) FROM quotes")?,
            technique_spans: count(&conn, "SELECT COUNT(*) FROM techniques")?,
            story_clusters: count(
                &conn,
                "SELECT COUNT(*) FROM (SELECT story FROM documents GROUP BY story HAVING COUNT(*) > 1)",
            )?,
            quote_clusters: count(
                &conn,
                "SELECT COUNT(*) FROM (SELECT cluster FROM quotes GROUP BY cluster HAVING COUNT(*) > 1)",
            )?,
        })
    }
}

impl Drop for EmbeddedStore {
    fn drop(&mut self) {
        if self.write.is_some() {
            let _ = self.flush_index();
            // Fold the WAL back into the database so the store is one compact file at rest.
            let _ = self
                .conn()
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
    }
}

#[allow(dead_code)]
fn _assert_sync() {
    fn is<T: Send + Sync>() {}
    is::<EmbeddedStore>();
}

#[cfg(test)]
mod tests {
    use super::*;
    use newslens_core::layers::quotes::{Quote, QuoteKind, QuoteLayer};
    use newslens_core::{Document, Span};

    /// An article quoting each of `quotes` directly.
    fn quoting(id: &str, quotes: &[&str]) -> Analysis {
        let mut text = format!("Report {id}\n\n");
        let mut spans = Vec::new();
        for q in quotes {
            text.push_str("The minister said: “");
            let start = text.len();
            text.push_str(q);
            spans.push(Span::new(start, text.len()));
            text.push_str("”.\n\n");
        }
        let mut a = Analysis::new(Document::from_text(id, text));
        a.quotes = Some(QuoteLayer {
            quotes: spans
                .into_iter()
                .enumerate()
                .map(|(i, span)| Quote {
                    id: i,
                    kind: QuoteKind::Direct,
                    content: vec![span],
                    cue: None,
                    cue_lemma: None,
                    source: None,
                    speaker: None,
                    speaker_name: None,
                    score: 1.0,
                })
                .collect(),
            scare_quotes: Vec::new(),
        });
        a
    }

    /// Rows written by multi-row `INSERT OR FAIL`s (no statement journal) still fail the
    /// batch on a duplicate, and the batch is rolled back as a whole.
    #[test]
    fn a_duplicate_technique_row_fails_and_rolls_back_the_batch() {
        use newslens_core::layers::rhetoric::{RhetoricLayer, TechniqueSpan};
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(dir.path().join("db"), OpenMode::Write).unwrap();
        let mut bad = quoting("bad", &[W1]);
        let span = TechniqueSpan {
            id: 0,
            span: Span::new(0, 6),
            technique: "Loaded_Language".into(),
            technique_2023: "Loaded_Language".into(),
            score: 0.9,
            sentence: 0,
        };
        bad.rhetoric = Some(RhetoricLayer {
            techniques: vec![span.clone(), span],
            ..RhetoricLayer::default()
        });
        assert!(store.put(vec![quoting("good", &[W2]), bad]).is_err());
        let stats = store.stats().unwrap();
        assert_eq!(
            (stats.documents, stats.quotes, stats.technique_spans),
            (0, 0, 0)
        );
    }

    const W1: &str = "we will never accept these unjust sanctions against our people";
    const W2: &str = "the bridge across the river will be rebuilt before the winter";

    /// (doc id, cluster) of every quote row, in id order.
    fn clusters(store: &EmbeddedStore) -> Vec<(i64, i64)> {
        let conn = store.conn();
        let mut st = conn
            .prepare("SELECT doc, cluster FROM quotes ORDER BY id")
            .unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    /// With the LSH copy, a document's quote rows are written at its end: a row must carry the
    /// cluster its own document's later quotes merged it into, as the `UPDATE` does without.
    #[test]
    fn quote_rows_written_at_the_end_of_their_document_carry_its_merges() {
        let dir = tempfile::tempdir().unwrap();
        let both = format!("{W1} and {W2}");
        for copy in [true, false] {
            let store = EmbeddedStore::open(dir.path().join(format!("db-{copy}")), OpenMode::Write)
                .unwrap();
            store.set_lsh_copy(copy);
            store.put(vec![quoting("a", &[W2, W1, &both])]).unwrap();
            assert_eq!(
                clusters(&store),
                vec![(1, 1), (1, 1), (1, 1)],
                "copy {copy}"
            );
        }
    }

    #[test]
    fn the_quote_memo_follows_merges_and_forgets_failed_batches() {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(dir.path().join("db"), OpenMode::Write).unwrap();
        store.put(vec![quoting("a", &[W1])]).unwrap();
        store.put(vec![quoting("b", &[W2])]).unwrap();
        assert_eq!(lock(&store.quote_memo).quotes.len(), 2);
        // Both wordings inside one quote: it joins both clusters, which merge into the older.
        let both = format!("{W1} and {W2}");
        store.put(vec![quoting("c", &[&both])]).unwrap();
        assert_eq!(lock(&store.quote_memo).merged.get(&2), Some(&1));
        // A later variant of the second wording (close to quote 2, too far from quote 3, and
        // not the same words, so not an exact twin) is verified against the remembered quote 2
        // and joins the merged cluster, not the one quote 2 was remembered with.
        let variant = "the bridge across the lake shall be rebuilt before the winter";
        store.put(vec![quoting("d", &[variant])]).unwrap();
        assert_eq!(clusters(&store), vec![(1, 1), (2, 1), (3, 1), (4, 1)]);

        // A batch that fails half-way (a quote given twice breaks UNIQUE(doc, idx)) after a
        // merge of its own: its rows are rolled back and the memo forgets everything.
        let w3 = "our soldiers will hold the line in the east until spring";
        let w4 = "prices of bread and fuel have doubled since the summer began";
        let mut bad = quoting("bad", &[W1]);
        let q = &mut bad.quotes.as_mut().unwrap().quotes;
        q.push(q[0].clone());
        let failing = vec![
            quoting("e", &[w3]),
            quoting("f", &[w4]),
            quoting("g", &[&format!("{w3} while {w4}")]),
            bad,
        ];
        assert!(store.put(failing).is_err());
        {
            let memo = lock(&store.quote_memo);
            assert!(memo.quotes.is_empty() && memo.merged.is_empty());
        }
        assert_eq!(clusters(&store).len(), 4);
        // The same ids are given again; quotes read back from the database cluster as before.
        store
            .put(vec![quoting("h", &[variant]), quoting("i", &[w4])])
            .unwrap();
        assert_eq!(
            clusters(&store),
            vec![(1, 1), (2, 1), (3, 1), (4, 1), (5, 1), (6, 6)]
        );
    }
}
