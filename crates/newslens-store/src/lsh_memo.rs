//! The writer's in-memory copy of the store's two LSH tables (`doc_lsh`, `quote_lsh`).
//!
//! Clustering a new document looks up its 42 story band keys, and each keyed quote its 33 quote
//! keys; in SQLite that is one B-tree descent per key, and on a 2,000-article ingest those reads
//! were ≈ 6 % of all CPU time (`perf record`, session 18). The writer is the store's only writer
//! (the lock file), so a copy it loads once and keeps up to date as it inserts rows is exact:
//! a look-up here returns the rows SQLite would, in the same order. A store whose tables are too
//! big to copy cheaply (more than [`LOAD_ROWS`] rows) keeps using SQLite.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rusqlite::Connection;

use crate::Result;

/// Most rows copied when a writer opens a store. Loading reads them in key order at a few
/// million rows per second, ≈ 0.2 s at this size, once per process.
pub(crate) const LOAD_ROWS: usize = 1_000_000;
/// Most rows kept (≈ 25 bytes each, ≈ 100 MB); past this the writer falls back to SQLite.
pub(crate) const KEEP_ROWS: usize = 4_000_000;

/// Hasher for keys that are already hashes (MinHash band keys, xxh3 of a wording): one
/// multiplication spreads any remaining structure. std's SipHash costs more than the look-up.
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

type KeyMap<V> = HashMap<i64, V, BuildHasherDefault<KeyHasher>>;

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
        // Every stored document has exactly `D::BANDS` rows in `doc_lsh`: a store that is
        // certainly too big is recognised without reading the tables.
        let last_doc: i64 =
            conn.query_row("SELECT COALESCE(MAX(id), 0) FROM documents", [], |r| {
                r.get(0)
            })?;
        if last_doc.max(0) as usize * crate::minhash::doc::BANDS > limit {
            return Ok(None);
        }
        let mut memo = Self::default();
        for (table, id) in [("doc_lsh", "doc"), ("quote_lsh", "quote")] {
            let mut st =
                conn.prepare(&format!("SELECT key, {id} FROM {table} ORDER BY key, {id}"))?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                if memo.rows() >= limit {
                    return Ok(None);
                }
                let buckets = if table == "doc_lsh" {
                    &mut memo.docs
                } else {
                    &mut memo.quotes
                };
                buckets.push(r.get(0)?, r.get(1)?);
            }
        }
        Ok(Some(memo))
    }

    /// Rows held in both tables.
    pub(crate) fn rows(&self) -> usize {
        self.docs.rows() + self.quotes.rows()
    }
}

/// Whether the writer has a copy.
#[derive(Default)]
pub(crate) enum LshState {
    /// Not read yet, or dropped after a failed batch (whose rows were rolled back).
    #[default]
    Unloaded,
    /// An exact copy of the committed tables.
    Loaded(LshMemo),
    /// Too big to copy, or turned off: look-ups go to SQLite.
    Off,
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE documents(id INTEGER PRIMARY KEY);
             INSERT INTO documents VALUES (1), (3), (8);
             CREATE TABLE doc_lsh(key INTEGER NOT NULL, doc INTEGER NOT NULL,
                PRIMARY KEY(key, doc)) WITHOUT ROWID;
             CREATE TABLE quote_lsh(key INTEGER NOT NULL, quote INTEGER NOT NULL,
                PRIMARY KEY(key, quote)) WITHOUT ROWID;
             INSERT INTO doc_lsh VALUES (5, 3), (5, 1), (-2, 8);
             INSERT INTO quote_lsh VALUES (5, 30), (5, 10), (5, 20);",
        )
        .unwrap();
        let m = LshMemo::load(&conn, 1000).unwrap().unwrap();
        assert_eq!(m.docs.get(5).collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!(m.docs.get(-2).collect::<Vec<_>>(), vec![8]);
        assert_eq!(m.quotes.get(5).collect::<Vec<_>>(), vec![10, 20, 30]);
        assert_eq!(m.rows(), 6);
        // Too many rows: found while reading them.
        conn.execute_batch("DELETE FROM documents").unwrap();
        assert!(LshMemo::load(&conn, 5).unwrap().is_none());
        assert!(LshMemo::load(&conn, 6).unwrap().is_some());
        // Too many documents (each has a row per band): refused before reading.
        conn.execute_batch("INSERT INTO documents VALUES (30)")
            .unwrap();
        assert!(LshMemo::load(&conn, 1000).unwrap().is_none());
    }
}
