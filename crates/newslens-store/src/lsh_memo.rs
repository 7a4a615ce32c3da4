//! The writer's in-memory copy of the store's two LSH tables (`doc_lsh`, `quote_lsh`).
//!
//! Clustering a new document looks up its 42 story band keys, and each keyed quote its 33 quote
//! keys; in SQLite that is one B-tree descent per key, and on a 2,000-article ingest those reads
//! were ≈ 6 % of all CPU time (`perf record`, session 18). The writer is the store's only writer
//! (the lock file), so a copy it loads once and keeps up to date as it inserts rows is exact:
//! a look-up here returns the rows SQLite would, in the same order. With it nothing reads the
//! tables during a batch, so their rows are written at the batch's end in key order (and a
//! document's quote rows at its end): that, more than the look-ups themselves, is the saving —
//! the look-ups had been warming the B-tree pages the random-key inserts then needed, and
//! without them the inserts were as slow. The copy is read when the
//! documents being written are worth it ([`LshState::for_batch`]: at once for a new store, not
//! for one article added to a big one); a store whose tables are too big to copy cheaply (more
//! than [`LOAD_ROWS`] rows) keeps using SQLite.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rusqlite::Connection;

use crate::Result;

/// Most rows copied when a writer opens a store. Loading reads them in key order at a few
/// million rows per second, ≈ 0.2 s at this size, once per process.
pub(crate) const LOAD_ROWS: usize = 1_000_000;
/// Most rows kept; past this the writer falls back to SQLite. A row costs ≈ 50 bytes with the
/// hash tables' slack (peak RSS +16 MB for the 313,000 rows of 2,000 generated articles), so
/// the copy stays under ≈ 100 MB.
pub(crate) const KEEP_ROWS: usize = 2_000_000;

/// Hasher for integer keys: hashes (MinHash band keys, xxh3 of a wording) and row ids. One
/// multiplication by an odd constant spreads them (sequential ids stay distinct in the low
/// bits); std's SipHash costs more than the look-up.
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_i64(&mut self, v: i64) {
        self.0 = (v as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// A map from integer keys with [`KeyHasher`].
pub(crate) type KeyMap<V> = HashMap<i64, V, BuildHasherDefault<KeyHasher>>;

/// Key → ids, ascending (rows are loaded in primary-key order, and new ids only grow), with no
/// repeated pair (the tables' `INSERT OR IGNORE`). Most keys hold one id, kept in `first`
/// without a `Vec` of its own.
#[derive(Default)]
pub(crate) struct Buckets {
    first: KeyMap<i64>,
    more: KeyMap<Vec<i64>>,
    rows: usize,
}

impl Buckets {
    /// Adds `(key, id)`; `id` must not be smaller than the ids already under `key`.
    pub(crate) fn push(&mut self, key: i64, id: i64) {
        match self.first.entry(key) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(id);
            }
            std::collections::hash_map::Entry::Occupied(f) => {
                if *f.get() == id {
                    return;
                }
                let rest = self.more.entry(key).or_default();
                if rest.last() == Some(&id) {
                    return;
                }
                debug_assert!(rest.last().is_none_or(|&l| l < id) && *f.get() < id);
                rest.push(id);
            }
        }
        self.rows += 1;
    }

    /// The ids under `key`, ascending.
    pub(crate) fn get(&self, key: i64) -> impl Iterator<Item = i64> + '_ {
        let first = self.first.get(&key).copied();
        let rest = first
            .and_then(|_| self.more.get(&key))
            .map(|v| v.as_slice())
            .unwrap_or(&[]);
        first.into_iter().chain(rest.iter().copied())
    }

    /// Rows held.
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    /// Reads `SELECT key, {id} FROM {table}` in key order, or `None` past `limit` rows.
    fn load(conn: &Connection, table: &str, id: &str, limit: usize) -> Result<Option<Self>> {
        let mut buckets = Self::default();
        let mut st = conn.prepare(&format!("SELECT key, {id} FROM {table} ORDER BY key, {id}"))?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            if buckets.rows() >= limit {
                return Ok(None);
            }
            buckets.push(r.get(0)?, r.get(1)?);
        }
        Ok(Some(buckets))
    }
}

/// Copies of both tables.
#[derive(Default)]
pub(crate) struct LshMemo {
    /// `doc_lsh`: story band key → document ids.
    pub(crate) docs: Buckets,
    /// `quote_lsh`: quote key → quote ids.
    pub(crate) quotes: Buckets,
}

impl LshMemo {
    /// Reads both tables, or `None` when they hold more than `limit` rows together.
    pub(crate) fn load(conn: &Connection, limit: usize) -> Result<Option<Self>> {
        let Some(docs) = Buckets::load(conn, "doc_lsh", "doc", limit)? else {
            return Ok(None);
        };
        let Some(quotes) = Buckets::load(conn, "quote_lsh", "quote", limit - docs.rows())? else {
            return Ok(None);
        };
        Ok(Some(Self { docs, quotes }))
    }

    /// Rows held in both tables.
    pub(crate) fn rows(&self) -> usize {
        self.docs.rows() + self.quotes.rows()
    }
}

/// Stored documents per document to be written, at most, for the copy to be read: reading a
/// stored document's ≈ 115 rows costs about a third of what the copy saves on one new
/// document (its ≈ 75 look-ups, and its rows inserted in key order), so a copy read for a
/// one-article ingest into a big store would cost more than it saves.
const LOAD_RATIO: usize = 8;

/// Whether the writer has a copy.
pub(crate) enum LshState {
    /// Not read (yet): this writer has written `written` documents without it. Also the state
    /// after a failed batch, whose rows were rolled back.
    Unloaded { written: usize },
    /// An exact copy of the committed tables.
    Loaded(LshMemo),
    /// Too big to copy, or turned off: look-ups go to SQLite.
    Off,
}

impl Default for LshState {
    fn default() -> Self {
        Self::Unloaded { written: 0 }
    }
}

impl LshState {
    /// The state for a batch of `batch` documents about to be written in `conn`'s transaction:
    /// the copy is read once the documents this writer writes (this batch included) are worth
    /// it ([`LOAD_RATIO`]), and if the tables are small enough ([`LOAD_ROWS`]).
    pub(crate) fn for_batch(self, conn: &Connection, batch: usize) -> Result<Self> {
        let Self::Unloaded { written } = self else {
            return Ok(self);
        };
        let coming = written + batch;
        let stored: i64 =
            conn.query_row("SELECT COALESCE(MAX(id), 0) FROM documents", [], |r| {
                r.get(0)
            })?;
        let stored = stored.max(0) as usize;
        // Every stored document has exactly `D::BANDS` rows in `doc_lsh`: a store that is
        // certainly too big is recognised without reading the tables.
        if stored * crate::minhash::doc::BANDS > LOAD_ROWS {
            return Ok(Self::Off);
        }
        if stored > LOAD_RATIO * coming {
            return Ok(Self::Unloaded { written: coming });
        }
        Ok(match LshMemo::load(conn, LOAD_ROWS)? {
            Some(m) => Self::Loaded(m),
            None => Self::Off,
        })
    }

    /// The state after a batch was committed: a copy grown too big is dropped ([`KEEP_ROWS`]).
    pub(crate) fn after_commit(self) -> Self {
        match self {
            Self::Loaded(m) if m.rows() > KEEP_ROWS => Self::Off,
            state => state,
        }
    }

    /// The copy, when there is one.
    pub(crate) fn copy(&mut self) -> Option<&mut LshMemo> {
        match self {
            Self::Loaded(m) => Some(m),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An empty database with the tables the copy reads.
    fn tables() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE documents(id INTEGER PRIMARY KEY);
             CREATE TABLE doc_lsh(key INTEGER NOT NULL, doc INTEGER NOT NULL,
                PRIMARY KEY(key, doc)) WITHOUT ROWID;
             CREATE TABLE quote_lsh(key INTEGER NOT NULL, quote INTEGER NOT NULL,
                PRIMARY KEY(key, quote)) WITHOUT ROWID;",
        )
        .unwrap();
        conn
    }

    #[test]
    fn buckets_keep_ids_ascending_and_ignore_repeated_pairs() {
        let mut b = Buckets::default();
        b.push(7, 1);
        b.push(7, 1);
        b.push(7, 4);
        b.push(7, 4);
        b.push(7, 9);
        b.push(-3, 2);
        assert_eq!(b.get(7).collect::<Vec<_>>(), vec![1, 4, 9]);
        assert_eq!(b.get(-3).collect::<Vec<_>>(), vec![2]);
        assert_eq!(b.get(5).count(), 0);
        assert_eq!(b.rows(), 4);
    }

    #[test]
    fn load_copies_both_tables_in_key_order_or_refuses_when_too_big() {
        let conn = tables();
        conn.execute_batch(
            "INSERT INTO doc_lsh VALUES (5, 3), (5, 1), (-2, 8);
             INSERT INTO quote_lsh VALUES (5, 30), (5, 10), (5, 20);",
        )
        .unwrap();
        let m = LshMemo::load(&conn, 1000).unwrap().unwrap();
        assert_eq!(m.docs.get(5).collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!(m.docs.get(-2).collect::<Vec<_>>(), vec![8]);
        assert_eq!(m.quotes.get(5).collect::<Vec<_>>(), vec![10, 20, 30]);
        assert_eq!(m.rows(), 6);
        assert!(LshMemo::load(&conn, 5).unwrap().is_none());
        assert!(LshMemo::load(&conn, 6).unwrap().is_some());
    }

    #[test]
    fn the_copy_is_read_when_the_documents_written_are_worth_it() {
        let conn = tables();
        let state = |s: &LshState| match s {
            LshState::Unloaded { written } => format!("unloaded {written}"),
            LshState::Loaded(_) => "loaded".into(),
            LshState::Off => "off".into(),
        };
        // An empty store: read at once (there is nothing to read).
        let s = LshState::default().for_batch(&conn, 1).unwrap();
        assert_eq!(state(&s), "loaded");
        // 100 stored documents: not for one or two new ones, but once 13 have come.
        conn.execute_batch("INSERT INTO documents VALUES (100)")
            .unwrap();
        let s = LshState::default().for_batch(&conn, 1).unwrap();
        assert_eq!(state(&s), "unloaded 1");
        let s = s.for_batch(&conn, 11).unwrap();
        assert_eq!(state(&s), "unloaded 12");
        let s = s.for_batch(&conn, 1).unwrap();
        assert_eq!(state(&s), "loaded");
        // Too many stored documents for a copy, however many come.
        conn.execute_batch("INSERT INTO documents VALUES (1000000)")
            .unwrap();
        let s = LshState::default().for_batch(&conn, 1_000_000).unwrap();
        assert_eq!(state(&s), "off");
        assert_eq!(state(&s.for_batch(&conn, 1).unwrap()), "off");
    }
}
