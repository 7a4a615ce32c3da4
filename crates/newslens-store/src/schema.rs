//! Versioned migrations of the SQLite schema.
//!
//! Each migration runs once, in its own transaction, and is recorded in `schema_migrations`
//! (and mirrored in `PRAGMA user_version`). Never edit a released migration: append a new one.

use rusqlite::{params, Connection};

use crate::{Result, StoreError};

/// Value of the marker row that tells a newslens store from any other SQLite file.
pub const MAGIC: &str = "newslens-store";

/// `(version, name, SQL)` in order.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "initial schema",
        r#"
CREATE TABLE documents(
    id INTEGER PRIMARY KEY,
    content_hash TEXT NOT NULL UNIQUE,
    doc_id TEXT NOT NULL,
    source TEXT,
    url TEXT,
    outlet TEXT,
    dateline TEXT,
    title TEXT,
    byline TEXT,
    language TEXT,
    text TEXT NOT NULL,
    analysis BLOB NOT NULL,          -- lz4(JSON of Analysis without "text")
    stages TEXT NOT NULL,
    ingested_at TEXT NOT NULL,
    story INTEGER NOT NULL,          -- story cluster id = smallest member id
    story_sim REAL NOT NULL DEFAULT 1,
    minhash BLOB NOT NULL
);
CREATE INDEX documents_story ON documents(story);
CREATE INDEX documents_dateline ON documents(dateline);
CREATE TABLE document_sources(
    doc INTEGER NOT NULL REFERENCES documents(id),
    source TEXT NOT NULL,
    outlet TEXT,
    dateline TEXT,
    PRIMARY KEY(doc, source)
) WITHOUT ROWID;
CREATE TABLE doc_lsh(key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY(key, doc)) WITHOUT ROWID;
CREATE TABLE entity_clusters(
    doc INTEGER NOT NULL REFERENCES documents(id),
    idx INTEGER NOT NULL,
    canonical TEXT NOT NULL,
    norm TEXT NOT NULL,              -- lower-cased canonical name
    type TEXT NOT NULL,
    mentions INTEGER NOT NULL,
    aliases TEXT NOT NULL,           -- JSON array
    PRIMARY KEY(doc, idx)
) WITHOUT ROWID;
CREATE INDEX entity_clusters_norm ON entity_clusters(norm, type);
CREATE TABLE mentions(
    doc INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    cluster INTEGER NOT NULL,
    start INTEGER NOT NULL,          -- code points
    end INTEGER NOT NULL,
    type TEXT NOT NULL,
    kind TEXT NOT NULL,
    PRIMARY KEY(doc, idx)
) WITHOUT ROWID;
CREATE TABLE quotes(
    id INTEGER PRIMARY KEY,
    doc INTEGER NOT NULL REFERENCES documents(id),
    idx INTEGER NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    norm TEXT NOT NULL,              -- normalised tokens joined by spaces
    start INTEGER NOT NULL,          -- code points, cover of the content spans
    end INTEGER NOT NULL,
    speaker_cluster INTEGER,
    speaker TEXT,
    speaker_norm TEXT,
    cluster INTEGER NOT NULL,        -- quote cluster id = smallest member id
    UNIQUE(doc, idx)
);
CREATE INDEX quotes_cluster ON quotes(cluster);
CREATE INDEX quotes_speaker ON quotes(speaker_norm);
CREATE TABLE quote_lsh(key INTEGER NOT NULL, quote INTEGER NOT NULL, PRIMARY KEY(key, quote)) WITHOUT ROWID;
CREATE TABLE techniques(
    doc INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    technique TEXT NOT NULL,
    technique_2023 TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    score REAL NOT NULL,
    PRIMARY KEY(doc, idx)
) WITHOUT ROWID;
CREATE INDEX techniques_label ON techniques(technique);
CREATE TABLE ingested_files(
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    documents INTEGER NOT NULL,
    ingested_at TEXT NOT NULL
);
"#,
    ),
    (
        2,
        "document signatures in their own table",
        // Story clustering reads a candidate's story and signature. The documents row keeps both
        // after the text and the analysis, on overflow pages (and a covering index's ~1 kB
        // entries would overflow too), so the signature moves to a table of small rows and the
        // story is read through an (id, story) index. `documents.minhash` is left empty.
        "CREATE TABLE doc_sketch(doc INTEGER PRIMARY KEY, minhash BLOB NOT NULL);
         INSERT INTO doc_sketch(doc, minhash) SELECT id, minhash FROM documents;
         UPDATE documents SET minhash = X'';
         CREATE INDEX documents_id_story ON documents(id, story);",
    ),
    (
        3,
        "no label index on technique spans",
        // Nothing in newslens reads technique rows by label (`search --technique` filters
        // through the full-text index), and the index cost every one of an article's ~45
        // technique rows a second B-tree insert.
        "DROP INDEX IF EXISTS techniques_label;",
    ),
];

/// Oldest schema version this build reads as it is. Readers never migrate (only a writer may),
/// so a migration that changes nothing they use leaves this alone: 3 only dropped an index
/// that no query reads.
pub const READABLE_FROM: i64 = 2;

/// Highest schema version this build knows.
pub fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}

/// Creates the marker and migration tables in a brand-new database.
pub fn init(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction()?;
    tx.execute_batch(
        "CREATE TABLE newslens_store(key TEXT PRIMARY KEY, value TEXT NOT NULL);
         CREATE TABLE schema_migrations(version INTEGER PRIMARY KEY, name TEXT NOT NULL,
                                        applied_at TEXT NOT NULL);",
    )?;
    tx.execute(
        "INSERT INTO newslens_store(key, value) VALUES ('magic', ?1), ('created_at', ?2)",
        params![MAGIC, chrono::Utc::now().to_rfc3339()],
    )?;
    tx.commit()?;
    Ok(())
}

/// Current schema version of an opened store.
pub fn current(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?)
}

/// Applies the pending migrations.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let have = current(conn)?;
    if have > latest() {
        return Err(StoreError::TooNew {
            found: have,
            supported: latest(),
        });
    }
    for &(version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > have) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?1, ?2, ?3)",
            params![version, name, chrono::Utc::now().to_rfc3339()],
        )?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}
