//! The PostgreSQL backend (issue 9): the same [`Store`] behaviour as the embedded store, in a
//! database several ingest workers and analysts share.
//!
//! * **Identity and idempotence**: a document is its content hash (`documents.content_hash
//!   UNIQUE`); rows go in with `INSERT … ON CONFLICT DO NOTHING`, and a document's layer rows are
//!   written only by the transaction that inserted the document, in that transaction. A worker
//!   killed mid-batch leaves nothing behind (its transaction rolls back); rerunning it stores
//!   exactly what is missing.
//! * **Concurrent workers**: analysis runs in parallel in every worker; each batch is written in
//!   one transaction that first takes a transaction-scoped advisory lock, so story and quote
//!   clustering (which reads and rewrites cluster ids across documents) sees every committed
//!   batch and never deadlocks. Writes serialise per batch; they are a small part of the cost.
//! * **Full-text search**: generated `tsvector` columns (title weighted above body) with GIN
//!   indexes, `websearch_to_tsquery` queries (words, "phrases", `or`, `-exclusions`),
//!   `ts_rank_cd` ranking and `ts_headline` highlights.
//! * **Migrations**: `schema_migrations(version, name, applied_at)`; pending migrations run under
//!   a session advisory lock, each in its own transaction. A read-only connection (for example to
//!   a streaming read replica, the way to scale search) never migrates, it only checks versions.

use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard};

use chrono::NaiveDate;
use newslens_core::{Analysis, OffsetMap};
use postgres::{Client, NoTls, Transaction};

use crate::minhash::{self, doc as D};
use crate::model::*;
use crate::prepare::{self, Prepared};
use crate::{Result, Store, StoreError};

/// Advisory lock key guarding migrations and batch writes ("newslens" in ASCII).
const LOCK_KEY: i64 = 0x6e65_7773_6c65_6e73;
/// Most LSH candidates examined per document or quote.
const MAX_CANDIDATES: usize = 256;
/// Text search configuration.
const TS_CONFIG: &str = "english";

/// `(version, name, SQL)` in order. Never edit a released migration: append a new one.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "initial schema",
    r#"
CREATE TABLE newslens_store(key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO newslens_store(key, value) VALUES ('magic', 'newslens-store');
CREATE TABLE documents(
    id BIGSERIAL PRIMARY KEY,
    content_hash TEXT NOT NULL UNIQUE,
    doc_id TEXT NOT NULL,
    source TEXT,
    url TEXT,
    outlet TEXT,
    dateline DATE,
    title TEXT,
    byline TEXT,
    language TEXT,
    text TEXT NOT NULL,
    analysis BYTEA NOT NULL,
    stages TEXT NOT NULL,
    ingested_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    story BIGINT NOT NULL DEFAULT 0,
    story_sim REAL NOT NULL DEFAULT 1,
    minhash BYTEA NOT NULL,
    tsv TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(title, '')), 'A')
        || setweight(to_tsvector('english', text), 'B')) STORED
);
CREATE INDEX documents_tsv ON documents USING GIN (tsv);
CREATE INDEX documents_story ON documents(story);
CREATE INDEX documents_dateline ON documents(dateline);
CREATE INDEX documents_outlet ON documents(lower(outlet));
CREATE TABLE document_sources(
    doc BIGINT NOT NULL REFERENCES documents(id),
    source TEXT NOT NULL,
    outlet TEXT,
    dateline DATE,
    PRIMARY KEY(doc, source)
);
CREATE TABLE doc_lsh(key BIGINT NOT NULL, doc BIGINT NOT NULL REFERENCES documents(id));
CREATE INDEX doc_lsh_key ON doc_lsh(key);
CREATE TABLE entity_clusters(
    doc BIGINT NOT NULL REFERENCES documents(id),
    idx INTEGER NOT NULL,
    canonical TEXT NOT NULL,
    norm TEXT NOT NULL,
    type TEXT NOT NULL,
    mentions INTEGER NOT NULL,
    aliases JSONB NOT NULL,
    PRIMARY KEY(doc, idx)
);
CREATE INDEX entity_clusters_norm ON entity_clusters(norm, type);
CREATE TABLE mentions(
    doc BIGINT NOT NULL REFERENCES documents(id),
    idx INTEGER NOT NULL,
    cluster INTEGER NOT NULL,
    start_char INTEGER NOT NULL,
    end_char INTEGER NOT NULL,
    type TEXT NOT NULL,
    kind TEXT NOT NULL,
    PRIMARY KEY(doc, idx)
);
CREATE TABLE quotes(
    id BIGSERIAL PRIMARY KEY,
    doc BIGINT NOT NULL REFERENCES documents(id),
    idx INTEGER NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    norm TEXT NOT NULL,
    start_char INTEGER NOT NULL,
    end_char INTEGER NOT NULL,
    speaker_cluster INTEGER,
    speaker TEXT,
    speaker_norm TEXT,
    cluster BIGINT NOT NULL DEFAULT 0,
    tsv TSVECTOR GENERATED ALWAYS AS (to_tsvector('english', text)) STORED,
    UNIQUE(doc, idx)
);
CREATE INDEX quotes_tsv ON quotes USING GIN (tsv);
CREATE INDEX quotes_cluster ON quotes(cluster);
CREATE INDEX quotes_speaker ON quotes(speaker_norm);
CREATE TABLE quote_lsh(key BIGINT NOT NULL, quote BIGINT NOT NULL REFERENCES quotes(id));
CREATE INDEX quote_lsh_key ON quote_lsh(key);
CREATE TABLE techniques(
    doc BIGINT NOT NULL REFERENCES documents(id),
    idx INTEGER NOT NULL,
    technique TEXT NOT NULL,
    technique_2023 TEXT NOT NULL,
    start_char INTEGER NOT NULL,
    end_char INTEGER NOT NULL,
    score REAL NOT NULL,
    PRIMARY KEY(doc, idx)
);
CREATE INDEX techniques_label ON techniques(lower(technique));
"#,
)];

/// True if `location` names a PostgreSQL database rather than an embedded store directory.
pub fn is_postgres_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

fn pg(e: postgres::Error) -> StoreError {
    // The database's own message (with its detail) is what a user needs to act.
    let msg = match e.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => e.to_string(),
    };
    StoreError::Invalid(format!("PostgreSQL: {msg}"))
}

fn i32_of(v: usize, what: &str) -> Result<i32> {
    i32::try_from(v).map_err(|_| StoreError::Invalid(format!("{what} {v} exceeds a 32-bit column")))
}

fn parse_date(s: &Option<String>) -> Option<NaiveDate> {
    s.as_deref()
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
}

/// A newslens store in a PostgreSQL database.
pub struct PgStore {
    url: String,
    client: Mutex<Client>,
    writable: bool,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("url", &redact(&self.url))
            .field("writable", &self.writable)
            .finish()
    }
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let cred = &url[s + 3..at];
            match cred.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &cred[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl PgStore {
    /// Connects to `url`. With `writable`, creates or migrates the schema (under an advisory
    /// lock, so workers starting together do not race); otherwise only checks that the schema is
    /// there and current (a read replica can serve searches).
    pub fn open(url: &str, writable: bool) -> Result<Self> {
        let mut client = Client::connect(url, NoTls)
            .map_err(|e| StoreError::Invalid(format!("cannot connect to {}: {e}", redact(url))))?;
        if writable {
            migrate(&mut client)?;
        } else {
            let v = current_version(&mut client)?;
            let latest = latest();
            if v == 0 {
                return Err(StoreError::NotAStore {
                    path: redact(url).into(),
                    reason: "no newslens schema in this database (run `newslens ingest` first)"
                        .into(),
                });
            }
            if v > latest {
                return Err(StoreError::TooNew {
                    found: v,
                    supported: latest,
                });
            }
            if v < latest {
                return Err(StoreError::Invalid(format!(
                    "database schema {v} is older than {latest}; run `newslens ingest` once to migrate"
                )));
            }
        }
        Ok(Self {
            url: url.to_string(),
            client: Mutex::new(client),
            writable,
        })
    }

    fn client(&self) -> MutexGuard<'_, Client> {
        // A poisoned lock only means another thread panicked mid-call; the server rolled back.
        self.client.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Schema version of the database.
    pub fn schema_version(&self) -> Result<i64> {
        current_version(&mut self.client())
    }

    /// Writes prepared documents in one transaction; also records extra sources of texts already
    /// stored. Returns what happened to each document.
    pub fn write_batch(
        &self,
        batch: &[Prepared],
        extra_sources: &[(String, DocSource)],
    ) -> Result<Vec<PutOutcome>> {
        if !self.writable {
            return Err(StoreError::Invalid("the store was opened read-only".into()));
        }
        let mut client = self.client();
        let mut tx = client.transaction().map_err(pg)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])
            .map_err(pg)?;
        let mut out = Vec::with_capacity(batch.len());
        for p in batch {
            out.push(insert_document(&mut tx, p)?);
        }
        for (hash, src) in extra_sources {
            if let Some(source) = &src.source {
                tx.execute(
                    "INSERT INTO document_sources(doc, source, outlet, dateline)
                     SELECT id, $2, $3, $4 FROM documents WHERE content_hash = $1
                     ON CONFLICT DO NOTHING",
                    &[hash, source, &src.outlet, &src.dateline],
                )
                .map_err(pg)?;
            }
        }
        tx.commit().map_err(pg)?;
        Ok(out)
    }

    /// Which of `hashes` are stored already (one round trip).
    pub fn contains_many(&self, hashes: &[String]) -> Result<HashSet<String>> {
        let rows = self
            .client()
            .query(
                "SELECT content_hash FROM documents WHERE content_hash = ANY($1)",
                &[&hashes],
            )
            .map_err(pg)?;
        Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
    }

    /// A stored document's row and sources, and its compressed analysis.
    fn get_parts(&self, key: &str) -> Result<Option<(RawDocument, Vec<u8>)>> {
        let mut c = self.client();
        let sql = "SELECT id, story, to_char(ingested_at AT TIME ZONE 'UTC',
                          'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"'), text, analysis
                   FROM documents WHERE ";
        let row = match key.parse::<i64>() {
            Ok(id) => c.query_opt(&format!("{sql} id = $1"), &[&id]),
            Err(_) => c.query_opt(&format!("{sql} content_hash = $1"), &[&key]),
        }
        .map_err(pg)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let id: i64 = row.get(0);
        let sources = c
            .query(
                "SELECT source, outlet, dateline FROM document_sources WHERE doc = $1 ORDER BY source",
                &[&id],
            )
            .map_err(pg)?
            .iter()
            .map(|r| DocSource {
                source: r.get(0),
                outlet: r.get(1),
                dateline: r.get(2),
            })
            .collect();
        Ok(Some((
            RawDocument {
                id,
                story: row.get(1),
                ingested_at: row.get(2),
                sources,
                text: row.get(3),
                analysis_json: Vec::new(),
            },
            row.get::<_, Vec<u8>>(4),
        )))
    }

    fn occurrences(c: &mut Client, cluster: i64) -> Result<Vec<(QuoteOccurrence, String)>> {
        let rows = c
            .query(
                "SELECT q.id, q.doc, d.doc_id, d.outlet, d.dateline, q.speaker, q.text,
                        q.start_char, q.end_char, q.norm
                 FROM quotes q JOIN documents d ON d.id = q.doc WHERE q.cluster = $1
                 ORDER BY d.dateline IS NULL, d.dateline, q.id",
                &[&cluster],
            )
            .map_err(pg)?;
        Ok(rows
            .iter()
            .map(|r| {
                (
                    QuoteOccurrence {
                        quote: r.get(0),
                        doc: r.get(1),
                        doc_id: r.get(2),
                        outlet: r.get(3),
                        dateline: r.get(4),
                        speaker: r.get(5),
                        text: r.get(6),
                        start: r.get::<_, i32>(7).max(0) as usize,
                        end: r.get::<_, i32>(8).max(0) as usize,
                    },
                    r.get::<_, String>(9),
                )
            })
            .collect())
    }

    fn quote_cluster(c: &mut Client, cluster: i64) -> Result<Option<QuoteCluster>> {
        let occ = Self::occurrences(c, cluster)?;
        Ok(QuoteCluster::from_occurrences(cluster, occ))
    }

    fn story_of(c: &mut Client, story: i64) -> Result<Option<Story>> {
        let rows = c
            .query(
                "SELECT id, doc_id, title, outlet, dateline, source, minhash FROM documents
                 WHERE story = $1 ORDER BY dateline IS NULL, dateline, id",
                &[&story],
            )
            .map_err(pg)?;
        let Some(origin_sig) = rows
            .first()
            .map(|r| minhash::from_bytes(r.get::<_, &[u8]>(6)))
        else {
            return Ok(None);
        };
        let mut members = Vec::with_capacity(rows.len());
        let mut outlets: Vec<String> = Vec::new();
        for r in &rows {
            let mut m = StoryMember {
                doc: r.get(0),
                doc_id: r.get(1),
                title: r.get(2),
                outlet: r.get(3),
                dateline: r.get(4),
                source: r.get(5),
                similarity: minhash::estimate(&origin_sig, &minhash::from_bytes(r.get(6))),
                copies: Vec::new(),
            };
            m.copies = c
                .query(
                    "SELECT source, outlet, dateline FROM document_sources WHERE doc = $1
                     ORDER BY source",
                    &[&m.doc],
                )
                .map_err(pg)?
                .iter()
                .map(|s| DocSource {
                    source: s.get(0),
                    outlet: s.get(1),
                    dateline: s.get(2),
                })
                .filter(|s| s.source != m.source)
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

/// Highest schema version this build knows.
pub fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}

fn current_version(c: &mut Client) -> Result<i64> {
    let exists: bool = c
        .query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[])
        .map_err(pg)?
        .get(0);
    if !exists {
        return Ok(0);
    }
    Ok(c.query_one(
        "SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_migrations",
        &[],
    )
    .map_err(pg)?
    .get(0))
}

/// Applies pending migrations under a session advisory lock.
fn migrate(c: &mut Client) -> Result<()> {
    c.execute("SELECT pg_advisory_lock($1)", &[&LOCK_KEY])
        .map_err(pg)?;
    let r = (|| -> Result<()> {
        let has_marker: bool = c
            .query_one("SELECT to_regclass('newslens_store') IS NOT NULL", &[])
            .map_err(pg)?
            .get(0);
        let has_docs: bool = c
            .query_one("SELECT to_regclass('documents') IS NOT NULL", &[])
            .map_err(pg)?
            .get(0);
        if has_docs && !has_marker {
            return Err(StoreError::NotAStore {
                path: "PostgreSQL database".into(),
                reason: "it has a `documents` table that newslens did not create".into(),
            });
        }
        c.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations(
                version BIGINT PRIMARY KEY, name TEXT NOT NULL,
                applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
        )
        .map_err(pg)?;
        let have = current_version(c)?;
        if have > latest() {
            return Err(StoreError::TooNew {
                found: have,
                supported: latest(),
            });
        }
        for &(version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > have) {
            let mut tx = c.transaction().map_err(pg)?;
            tx.batch_execute(sql).map_err(pg)?;
            tx.execute(
                "INSERT INTO schema_migrations(version, name) VALUES ($1, $2)",
                &[&version, &name],
            )
            .map_err(pg)?;
            tx.commit().map_err(pg)?;
        }
        Ok(())
    })();
    let unlock = c
        .execute("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY])
        .map_err(pg);
    r.and(unlock.map(|_| ()))
}

/// Inserts one document with its layers and clusters it (inside the batch transaction).
fn insert_document(tx: &mut Transaction<'_>, p: &Prepared) -> Result<PutOutcome> {
    let dateline = parse_date(&p.dateline);
    let inserted = tx
        .query_opt(
            "INSERT INTO documents(content_hash, doc_id, source, url, outlet, dateline, title,
                 byline, language, text, analysis, stages, minhash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
             ON CONFLICT (content_hash) DO NOTHING RETURNING id",
            &[
                &p.content_hash,
                &p.doc_id,
                &p.source,
                &p.url,
                &p.outlet,
                &dateline,
                &p.title,
                &p.byline,
                &p.language,
                &p.text,
                &p.analysis,
                &p.stages,
                &minhash::to_bytes(&p.minhash),
            ],
        )
        .map_err(pg)?;
    let (id, new) = match inserted {
        Some(r) => (r.get::<_, i64>(0), true),
        None => (
            tx.query_one(
                "SELECT id FROM documents WHERE content_hash = $1",
                &[&p.content_hash],
            )
            .map_err(pg)?
            .get::<_, i64>(0),
            false,
        ),
    };
    if let Some(source) = &p.source {
        tx.execute(
            "INSERT INTO document_sources(doc, source, outlet, dateline) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
            &[&id, source, &p.outlet, &dateline],
        )
        .map_err(pg)?;
    }
    if !new {
        return Ok(PutOutcome {
            id,
            content_hash: p.content_hash.clone(),
            new: false,
        });
    }

    // Story clustering: LSH candidates verified by the signature estimate (as embedded).
    let keys: Vec<i64> = p.doc_keys.clone();
    let cands = tx
        .query(
            "SELECT DISTINCT l.doc, d.story, d.minhash FROM doc_lsh l JOIN documents d ON d.id = l.doc
             WHERE l.key = ANY($1) LIMIT $2",
            &[&keys, &(MAX_CANDIDATES as i64)],
        )
        .map_err(pg)?;
    let mut stories: HashSet<i64> = HashSet::new();
    let mut best = 0.0f32;
    for r in &cands {
        let sim = minhash::estimate(&p.minhash, &minhash::from_bytes(r.get::<_, &[u8]>(2)));
        if sim >= D::THRESHOLD {
            stories.insert(r.get(1));
            best = best.max(sim);
        }
    }
    let story = stories.iter().copied().min().unwrap_or(id).min(id);
    let sim = if stories.is_empty() { 1.0f32 } else { best };
    tx.execute(
        "UPDATE documents SET story = $1, story_sim = $2 WHERE id = $3",
        &[&story, &sim, &id],
    )
    .map_err(pg)?;
    for s in stories.iter().filter(|&&s| s != story) {
        tx.execute(
            "UPDATE documents SET story = $1 WHERE story = $2",
            &[&story, s],
        )
        .map_err(pg)?;
    }
    tx.execute(
        "INSERT INTO doc_lsh(key, doc) SELECT unnest($1::BIGINT[]), $2",
        &[&keys, &id],
    )
    .map_err(pg)?;

    if !p.entities.is_empty() {
        let mut idx = Vec::with_capacity(p.entities.len());
        let mut mentions = Vec::with_capacity(p.entities.len());
        let mut aliases = Vec::with_capacity(p.entities.len());
        let mut norm = Vec::with_capacity(p.entities.len());
        for e in &p.entities {
            idx.push(i32_of(e.idx, "entity id")?);
            mentions.push(i32_of(e.mentions, "mention count")?);
            aliases.push(
                serde_json::to_value(&e.aliases).map_err(|e| StoreError::Json(e.to_string()))?,
            );
            norm.push(e.canonical.to_lowercase());
        }
        let canonical: Vec<&str> = p.entities.iter().map(|e| e.canonical.as_str()).collect();
        let ty: Vec<&str> = p.entities.iter().map(|e| e.entity_type.as_str()).collect();
        tx.execute(
            "INSERT INTO entity_clusters(doc, idx, canonical, norm, type, mentions, aliases)
             SELECT $1, * FROM unnest($2::INT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::INT[],
                                      $7::JSONB[])",
            &[&id, &idx, &canonical, &norm, &ty, &mentions, &aliases],
        )
        .map_err(pg)?;
    }
    if !p.mentions.is_empty() {
        let n = p.mentions.len();
        let (mut idx, mut cluster, mut start, mut end) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let (mut ty, mut kind): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
        for m in &p.mentions {
            idx.push(i32_of(m.idx, "mention id")?);
            cluster.push(i32_of(m.cluster, "cluster id")?);
            start.push(i32_of(m.start, "offset")?);
            end.push(i32_of(m.end, "offset")?);
            ty.push(&m.entity_type);
            kind.push(&m.kind);
        }
        tx.execute(
            "INSERT INTO mentions(doc, idx, cluster, start_char, end_char, type, kind)
             SELECT $1, * FROM unnest($2::INT[], $3::INT[], $4::INT[], $5::INT[], $6::TEXT[], $7::TEXT[])",
            &[&id, &idx, &cluster, &start, &end, &ty, &kind],
        )
        .map_err(pg)?;
    }
    if !p.techniques.is_empty() {
        let mut idx = Vec::new();
        let mut start = Vec::new();
        let mut end = Vec::new();
        for t in &p.techniques {
            idx.push(i32_of(t.idx, "technique id")?);
            start.push(i32_of(t.start, "offset")?);
            end.push(i32_of(t.end, "offset")?);
        }
        let label: Vec<&str> = p.techniques.iter().map(|t| t.technique.as_str()).collect();
        let label23: Vec<&str> = p
            .techniques
            .iter()
            .map(|t| t.technique_2023.as_str())
            .collect();
        let score: Vec<f32> = p.techniques.iter().map(|t| t.score).collect();
        tx.execute(
            "INSERT INTO techniques(doc, idx, technique, technique_2023, start_char, end_char, score)
             SELECT $1, * FROM unnest($2::INT[], $3::TEXT[], $4::TEXT[], $5::INT[], $6::INT[],
                                      $7::REAL[])",
            &[&id, &idx, &label, &label23, &start, &end, &score],
        )
        .map_err(pg)?;
    }
    insert_quotes(tx, id, &p.quotes)?;
    Ok(PutOutcome {
        id,
        content_hash: p.content_hash.clone(),
        new: true,
    })
}

/// Inserts a document's quotes and clusters them (the same rules as the embedded store: exact
/// normalised wording, or Jaccard/containment of word shingles among LSH candidates), in a
/// fixed number of round trips per document.
fn insert_quotes(tx: &mut Transaction<'_>, doc: i64, quotes: &[prepare::QuoteRow]) -> Result<()> {
    use std::collections::HashMap;
    if quotes.is_empty() {
        return Ok(());
    }
    let mut idx = Vec::with_capacity(quotes.len());
    let mut start = Vec::with_capacity(quotes.len());
    let mut end = Vec::with_capacity(quotes.len());
    let mut spk_cluster = Vec::with_capacity(quotes.len());
    for q in quotes {
        idx.push(i32_of(q.idx, "quote id")?);
        start.push(i32_of(q.start, "offset")?);
        end.push(i32_of(q.end, "offset")?);
        spk_cluster.push(
            q.speaker_cluster
                .map(|c| i32_of(c, "speaker cluster"))
                .transpose()?,
        );
    }
    let kind: Vec<&str> = quotes.iter().map(|q| q.kind.as_str()).collect();
    let text: Vec<&str> = quotes.iter().map(|q| q.text.as_str()).collect();
    let norm: Vec<&str> = quotes.iter().map(|q| q.norm.as_str()).collect();
    let speaker: Vec<Option<&str>> = quotes.iter().map(|q| q.speaker.as_deref()).collect();
    let speaker_norm: Vec<Option<String>> = quotes
        .iter()
        .map(|q| q.speaker.as_ref().map(|s| s.to_lowercase()))
        .collect();
    let rows = tx
        .query(
            "INSERT INTO quotes(doc, idx, kind, text, norm, start_char, end_char, speaker_cluster,
                                speaker, speaker_norm)
             SELECT $1, * FROM unnest($2::INT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::INT[],
                                      $7::INT[], $8::INT[], $9::TEXT[], $10::TEXT[])
             RETURNING id, idx",
            &[
                &doc,
                &idx,
                &kind,
                &text,
                &norm,
                &start,
                &end,
                &spk_cluster,
                &speaker,
                &speaker_norm,
            ],
        )
        .map_err(pg)?;
    let id_of: HashMap<i32, i64> = rows.iter().map(|r| (r.get(1), r.get(0))).collect();

    // Candidates already stored: at most 64 per key, as the embedded store reads them.
    let all_keys: Vec<i64> = quotes.iter().flat_map(|q| q.keys.iter().copied()).collect();
    let cands = tx
        .query(
            "SELECT k.key, q.id, q.cluster, q.norm FROM unnest($1::BIGINT[]) AS k(key)
             CROSS JOIN LATERAL (SELECT quote FROM quote_lsh WHERE key = k.key LIMIT 64) l
             JOIN quotes q ON q.id = l.quote",
            &[&all_keys],
        )
        .map_err(pg)?;
    let mut by_key: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut info: HashMap<i64, (i64, String)> = HashMap::new();
    for r in &cands {
        let (key, qid): (i64, i64) = (r.get(0), r.get(1));
        let list = by_key.entry(key).or_default();
        if !list.contains(&qid) {
            list.push(qid);
        }
        info.insert(qid, (r.get(2), r.get(3)));
    }
    // Cluster merges as a union-find over cluster ids; the smallest id wins, as embedded.
    let mut parent: HashMap<i64, i64> = HashMap::new();
    fn find(parent: &HashMap<i64, i64>, mut c: i64) -> i64 {
        while let Some(&p) = parent.get(&c) {
            if p == c {
                break;
            }
            c = p;
        }
        c
    }
    let mut merges: Vec<i64> = Vec::new();
    let mut new_ids = Vec::with_capacity(quotes.len());
    for (q, &qidx) in quotes.iter().zip(&idx) {
        let qid = *id_of
            .get(&qidx)
            .ok_or_else(|| StoreError::Invalid(format!("quote {qidx} was not inserted")))?;
        let mut seen: HashSet<i64> = HashSet::new();
        let mut clusters: HashSet<i64> = HashSet::new();
        'keys: for k in &q.keys {
            for &c in by_key.get(k).map(Vec::as_slice).unwrap_or(&[]) {
                if !seen.insert(c) {
                    continue;
                }
                if seen.len() > MAX_CANDIDATES {
                    break 'keys;
                }
                let Some((cluster, cnorm)) = info.get(&c) else {
                    continue;
                };
                let same = q.matches(cnorm);
                if same {
                    clusters.insert(find(&parent, *cluster));
                }
            }
        }
        let cluster = clusters.iter().copied().min().unwrap_or(qid).min(qid);
        for &c in clusters.iter().filter(|&&c| c != cluster) {
            parent.insert(c, cluster);
            merges.push(c);
        }
        info.insert(qid, (cluster, q.norm.clone()));
        for k in &q.keys {
            by_key.entry(*k).or_default().push(qid);
        }
        new_ids.push(qid);
    }
    let new_clusters: Vec<i64> = new_ids
        .iter()
        .map(|q| find(&parent, info.get(q).map_or(*q, |i| i.0)))
        .collect();
    tx.execute(
        "UPDATE quotes SET cluster = v.c FROM unnest($1::BIGINT[], $2::BIGINT[]) AS v(id, c)
         WHERE quotes.id = v.id",
        &[&new_ids, &new_clusters],
    )
    .map_err(pg)?;
    for old in merges {
        let to = find(&parent, old);
        tx.execute(
            "UPDATE quotes SET cluster = $1 WHERE cluster = $2",
            &[&to, &old],
        )
        .map_err(pg)?;
    }
    let mut lsh_keys = Vec::new();
    let mut lsh_quotes = Vec::new();
    for (q, qid) in quotes.iter().zip(&new_ids) {
        for k in &q.keys {
            lsh_keys.push(*k);
            lsh_quotes.push(*qid);
        }
    }
    tx.execute(
        "INSERT INTO quote_lsh(key, quote) SELECT * FROM unnest($1::BIGINT[], $2::BIGINT[])",
        &[&lsh_keys, &lsh_quotes],
    )
    .map_err(pg)?;
    Ok(())
}

/// Highlight markers handed to `ts_headline` (control characters never found in stored text).
const START_SEL: char = '\u{1}';
const STOP_SEL: char = '\u{2}';

/// Parses `ts_headline(..., HighlightAll=true)` output: the plain text and the marked ranges
/// (code points). `None` if the plain text is not `expected` (then offsets would be wrong).
fn parse_marked(marked: &str, expected: &str) -> Option<Vec<(usize, usize)>> {
    let mut plain = String::with_capacity(marked.len());
    let mut spans = Vec::new();
    let mut at = 0usize;
    let mut open = None;
    for ch in marked.chars() {
        match ch {
            START_SEL => open = Some(at),
            STOP_SEL => {
                if let Some(s) = open.take() {
                    spans.push((s, at));
                }
            }
            c => {
                plain.push(c);
                at += 1;
            }
        }
    }
    (plain == expected).then_some(spans)
}

struct RawPgHit {
    kind: HitKind,
    score: f32,
    doc: i64,
    quote: Option<i64>,
}

/// Splits the `kind:article` / `kind:quote` clause the server adds to a query (tantivy syntax,
/// which PostgreSQL's web search syntax lacks: it would search for the words) from the rest:
/// `kind:quote`, `(words) AND kind:article`, `kind:quote AND words`.
fn kind_filter(text: &str) -> (String, Option<HitKind>) {
    let kind_of = |s: &str| match s.trim() {
        "kind:article" => Some(HitKind::Article),
        "kind:quote" => Some(HitKind::Quote),
        _ => None,
    };
    let unwrap = |s: &str| {
        let s = s.trim();
        s.strip_prefix('(')
            .and_then(|r| r.strip_suffix(')'))
            .unwrap_or(s)
            .trim()
            .to_string()
    };
    if let Some(k) = kind_of(text) {
        return (String::new(), Some(k));
    }
    if let Some((rest, tail)) = text.rsplit_once(" AND ") {
        if let Some(k) = kind_of(tail) {
            return (unwrap(rest), Some(k));
        }
    }
    if let Some((head, rest)) = text.split_once(" AND ") {
        if let Some(k) = kind_of(head) {
            return (unwrap(rest), Some(k));
        }
    }
    (text.to_string(), None)
}

/// The SQL condition on an `entity_clusters e` row that it belongs to the entity `m` (from
/// [`crate::corpus_entities::members_of`]) and the JSON its `$2` takes, if any: the cluster
/// has one of the names (`$1`), or (only for [`Members::by_alias`]) the key among its aliases,
/// as in the embedded store.
///
/// [`Members::by_alias`]: crate::corpus_entities::Members::by_alias
fn entity_clause(m: &crate::corpus_entities::Members) -> (&'static str, Option<serde_json::Value>) {
    if m.by_alias {
        let key = serde_json::Value::Array(vec![serde_json::Value::String(m.names[0].clone())]);
        (
            "(e.norm = ANY($1) OR lower(e.aliases::TEXT)::JSONB @> $2::JSONB)",
            Some(key),
        )
    } else {
        ("e.norm = ANY($1)", None)
    }
}

/// The members of the entity `entity` stands for, with their [`entity_clause`].
fn entity_members(
    c: &mut MutexGuard<'_, Client>,
    entity: &str,
) -> Result<(
    crate::corpus_entities::Members,
    &'static str,
    Option<serde_json::Value>,
)> {
    let m = crate::corpus_entities::members_of(&PgEntityRows(std::cell::RefCell::new(c)), entity)?;
    let (clause, alias) = entity_clause(&m);
    Ok((m, clause, alias))
}

/// The parameters of a query on [`entity_clause`].
// A `Vec` because `ToSql` is implemented for it, not for the unsized slice.
#[allow(clippy::ptr_arg)]
fn entity_params<'a>(
    names: &'a Vec<String>,
    alias: &'a Option<serde_json::Value>,
) -> Vec<&'a (dyn postgres::types::ToSql + Sync)> {
    match alias {
        Some(a) => vec![names, a],
        None => vec![names],
    }
}

impl Store for PgStore {
    fn put(&self, batch: Vec<Analysis>) -> Result<Vec<PutOutcome>> {
        use rayon::prelude::*;
        let prepared = batch
            .par_iter()
            .map(prepare::prepare)
            .collect::<Result<Vec<_>>>()?;
        self.write_batch(&prepared, &[])
    }

    fn contains(&self, content_hash: &str) -> Result<bool> {
        Ok(self
            .client()
            .query_opt(
                "SELECT 1 FROM documents WHERE content_hash = $1",
                &[&content_hash],
            )
            .map_err(pg)?
            .is_some())
    }

    fn get(&self, key: &str) -> Result<Option<StoredDocument>> {
        prepare::stored_from_parts(self.get_parts(key)?)
    }

    fn get_raw(&self, key: &str) -> Result<Option<RawDocument>> {
        prepare::raw_from_parts(self.get_parts(key)?)
    }

    fn search(&self, q: &SearchQuery) -> Result<Vec<SearchHit>> {
        let mut c = self.client();
        let (text, kind) = kind_filter(q.text.trim());
        let limit = q.limit.max(1) as i64;
        let entity = q.entity.as_ref().map(|s| s.trim().to_lowercase());
        let alias = entity
            .as_ref()
            .map(|e| serde_json::Value::Array(vec![serde_json::Value::String(e.clone())]));
        let technique = q.technique.as_ref().map(|s| s.trim().to_lowercase());
        let outlet = q.source.as_ref().map(|s| s.trim().to_lowercase());
        let speaker = q.speaker.as_ref().map(|s| s.trim().to_lowercase());
        // One filter clause for both kinds of hits ($1 query, $2..$7 filters, $8 limit).
        let filters = "($2::TEXT IS NULL OR EXISTS (SELECT 1 FROM entity_clusters e WHERE e.doc = d.id
                           AND (e.norm = $2 OR lower(e.aliases::TEXT)::JSONB @> $3::JSONB)))
                       AND ($4::TEXT IS NULL OR EXISTS (SELECT 1 FROM techniques t WHERE t.doc = d.id
                           AND lower(t.technique) = $4))
                       AND ($5::DATE IS NULL OR d.dateline >= $5)
                       AND ($6::DATE IS NULL OR d.dateline <= $6)
                       AND ($7::TEXT IS NULL OR lower(d.outlet) = $7)";
        let tsq = format!("websearch_to_tsquery('{TS_CONFIG}', $1)");
        let mut raw: Vec<RawPgHit> = Vec::new();
        let params: [&(dyn postgres::types::ToSql + Sync); 8] = [
            &text, &entity, &alias, &technique, &q.from, &q.to, &outlet, &limit,
        ];
        if speaker.is_none() && kind != Some(HitKind::Quote) {
            let sql = if text.is_empty() {
                format!(
                    "SELECT d.id, 0::REAL FROM documents d WHERE $1 = '' AND {filters}
                     ORDER BY d.dateline DESC NULLS LAST, d.id LIMIT $8"
                )
            } else {
                format!(
                    "SELECT d.id, ts_rank_cd(d.tsv, {tsq}, 1)::REAL AS score FROM documents d
                     WHERE d.tsv @@ {tsq} AND {filters} ORDER BY score DESC, d.id LIMIT $8"
                )
            };
            for r in c.query(&sql, &params).map_err(pg)? {
                raw.push(RawPgHit {
                    kind: HitKind::Article,
                    score: r.get(1),
                    doc: r.get(0),
                    quote: None,
                });
            }
        }
        {
            let quote_match = if text.is_empty() {
                "$1 = ''".to_string()
            } else {
                format!("q.tsv @@ {tsq}")
            };
            let score = if text.is_empty() {
                "0::REAL".to_string()
            } else {
                // Scaled by length as the embedded index scales quote scores (a one-word quote
                // below the sentences), lexemes standing in for words.
                format!(
                    "(ts_rank_cd(q.tsv, {tsq}, 1) * length(q.tsv) / (length(q.tsv) + 2.0))::REAL"
                )
            };
            let sql = format!(
                "SELECT q.doc, {score} AS score, q.id FROM quotes q JOIN documents d ON d.id = q.doc
                 WHERE {quote_match} AND {filters}
                   AND ($9::TEXT IS NULL OR strpos(q.speaker_norm, $9) > 0
                        OR q.speaker_norm LIKE $10 ESCAPE '\\')
                 ORDER BY score DESC, q.id LIMIT $8"
            );
            let like = speaker.as_deref().map(crate::corpus_entities::speaker_like);
            let mut p: Vec<&(dyn postgres::types::ToSql + Sync)> = params.to_vec();
            p.push(&speaker);
            p.push(&like);
            let wanted = kind != Some(HitKind::Article)
                && (speaker.is_some() || !text.is_empty() || kind == Some(HitKind::Quote));
            if wanted {
                for r in c.query(&sql, &p).map_err(pg)? {
                    raw.push(RawPgHit {
                        kind: HitKind::Quote,
                        score: r.get(1),
                        doc: r.get(0),
                        quote: Some(r.get(2)),
                    });
                }
            }
        }
        // Article and quote ranks are on different scales (long bodies vs one sentence): each
        // kind is scaled to its best hit so both kinds surface, then merged.
        for kind in [HitKind::Article, HitKind::Quote] {
            let best = raw
                .iter()
                .filter(|h| h.kind == kind)
                .map(|h| h.score)
                .fold(0.0f32, f32::max);
            if best > 0.0 {
                for h in raw.iter_mut().filter(|h| h.kind == kind) {
                    h.score /= best;
                }
            }
        }
        raw.sort_by(|a, b| {
            b.score
                .partial_cmp(&a.score)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.doc.cmp(&b.doc))
        });
        raw.truncate(q.limit.max(1));

        let mut out = Vec::with_capacity(raw.len());
        for h in raw {
            let Some(d) = c
                .query_opt(
                    "SELECT doc_id, content_hash, title, outlet, dateline, text FROM documents
                     WHERE id = $1",
                    &[&h.doc],
                )
                .map_err(pg)?
            else {
                continue;
            };
            let doc_text: String = d.get(5);
            let map = OffsetMap::new(&doc_text);
            let (mut lo, mut hi) = (0usize, doc_text.chars().count());
            let (mut speaker_name, mut quote_cluster) = (None, None);
            if let Some(qid) = h.quote {
                if let Some(r) = c
                    .query_opt(
                        "SELECT start_char, end_char, speaker, cluster FROM quotes WHERE id = $1",
                        &[&qid],
                    )
                    .map_err(pg)?
                {
                    lo = r.get::<_, i32>(0).max(0) as usize;
                    hi = (r.get::<_, i32>(1).max(0) as usize).max(lo);
                    speaker_name = r.get(2);
                    quote_cluster = Some(r.get(3));
                }
            }
            let (blo, bhi) = (map.to_byte(lo), map.to_byte(hi));
            let region = doc_text.get(blo..bhi).unwrap_or("");
            let spans: Vec<(usize, usize)> = if text.is_empty() {
                Vec::new()
            } else {
                let marked: String = c
                    .query_one(
                        &format!(
                            "SELECT ts_headline('{TS_CONFIG}', $2, {tsq},
                               'HighlightAll=true, StartSel=\"{START_SEL}\", StopSel=\"{STOP_SEL}\"')"
                        ),
                        &[&text, &region],
                    )
                    .map_err(pg)?
                    .get(0);
                parse_marked(&marked, region).unwrap_or_default()
            };
            let rmap = OffsetMap::new(region);
            // Snippet: ~200 characters around the first match (the region's start otherwise).
            let n = region.chars().count();
            let first = spans.first().map_or(0, |s| s.0);
            let s0 = first.saturating_sub(60);
            let s1 = (s0 + 200).min(n);
            let snippet = region
                .get(rmap.to_byte(s0)..rmap.to_byte(s1))
                .unwrap_or("")
                .to_string();
            let highlights = spans
                .iter()
                .filter(|(s, e)| *s >= s0 && *e <= s1)
                .map(|(s, e)| [s - s0, e - s0])
                .collect();
            let spans = spans
                .iter()
                .map(|&(s, e)| TextSpan {
                    start: lo + s,
                    end: lo + e,
                    text: region
                        .get(rmap.to_byte(s)..rmap.to_byte(e))
                        .unwrap_or("")
                        .to_string(),
                })
                .collect();
            out.push(SearchHit {
                kind: h.kind,
                score: h.score,
                doc: h.doc,
                doc_id: d.get(0),
                content_hash: d.get(1),
                title: d.get(2),
                outlet: d.get(3),
                dateline: d.get(4),
                quote: h.quote,
                quote_cluster,
                speaker: speaker_name,
                snippet,
                snippet_start: lo + s0,
                highlights,
                spans,
            });
        }
        Ok(out)
    }

    fn document_quotes(&self, doc: i64) -> Result<Vec<DocumentQuote>> {
        let mut c = self.client();
        Ok(c.query(
            "SELECT idx, id, cluster FROM quotes WHERE doc = $1 ORDER BY idx",
            &[&doc],
        )
        .map_err(pg)?
        .iter()
        .map(|r| DocumentQuote {
            idx: r.get::<_, i32>(0).max(0) as usize,
            quote: r.get(1),
            cluster: r.get(2),
        })
        .collect())
    }

    fn stories(&self, limit: usize) -> Result<Vec<Story>> {
        let mut c = self.client();
        let ids: Vec<i64> = c
            .query(
                "SELECT story FROM documents GROUP BY story HAVING COUNT(*) > 1
                 ORDER BY COUNT(*) DESC, story LIMIT $1",
                &[&(limit as i64)],
            )
            .map_err(pg)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut out = Vec::new();
        for id in ids {
            if let Some(s) = Self::story_of(&mut c, id)? {
                out.push(s);
            }
        }
        Ok(out)
    }

    fn story(&self, id: i64) -> Result<Option<Story>> {
        let mut c = self.client();
        let story = c
            .query_opt("SELECT story FROM documents WHERE id = $1", &[&id])
            .map_err(pg)?;
        match story {
            Some(r) => Self::story_of(&mut c, r.get(0)),
            None => Ok(None),
        }
    }

    fn quote_clusters(&self, speaker: Option<&str>, limit: usize) -> Result<Vec<QuoteCluster>> {
        let mut c = self.client();
        let speaker = speaker.map(|s| s.trim().to_lowercase());
        let like = speaker.as_deref().map(crate::corpus_entities::speaker_like);
        let ids: Vec<i64> = c
            .query(
                "SELECT cluster FROM quotes WHERE $1::TEXT IS NULL OR cluster IN
                   (SELECT cluster FROM quotes WHERE strpos(speaker_norm, $1) > 0
                      OR speaker_norm LIKE $3 ESCAPE '\\')
                 GROUP BY cluster ORDER BY COUNT(*) DESC, cluster LIMIT $2",
                &[&speaker, &(limit as i64), &like],
            )
            .map_err(pg)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut out = Vec::new();
        for id in ids {
            if let Some(q) = Self::quote_cluster(&mut c, id)? {
                out.push(q);
            }
        }
        Ok(out)
    }

    fn quote_spread(&self, id: i64) -> Result<Option<QuoteCluster>> {
        let mut c = self.client();
        let cluster = c
            .query_opt("SELECT cluster FROM quotes WHERE id = $1", &[&id])
            .map_err(pg)?;
        match cluster {
            Some(r) => Self::quote_cluster(&mut c, r.get(0)),
            None => Ok(None),
        }
    }

    fn entities(&self, limit: usize, entity_type: Option<&str>) -> Result<Vec<EntitySummary>> {
        let mut c = self.client();
        crate::corpus_entities::corpus_entities(
            &PgEntityRows(std::cell::RefCell::new(&mut c)),
            limit,
            entity_type,
        )
    }

    fn entity_documents(&self, entity: &str, limit: usize) -> Result<EntityDocuments> {
        let mut c = self.client();
        let (m, clause, alias) = entity_members(&mut c, entity)?;
        // Ordered as the embedded store orders them (ties on the date by id).
        let docs: Vec<i64> = c
            .query(
                &format!(
                    "SELECT d.id FROM documents d WHERE EXISTS (
                       SELECT 1 FROM entity_clusters e WHERE e.doc = d.id AND {clause})
                     ORDER BY d.dateline DESC NULLS LAST, d.id DESC"
                ),
                &entity_params(&m.names, &alias),
            )
            .map_err(pg)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        Ok(m.documents(docs, limit))
    }

    fn timeline(&self, entity: &str, bucket: Bucket) -> Result<Timeline> {
        let mut c = self.client();
        // The clusters the `entities` listing counts as this entity's, so both agree.
        let (m, clause, alias) = entity_members(&mut c, entity)?;
        let params = entity_params(&m.names, &alias);
        let dates: Vec<Option<NaiveDate>> = c
            .query(
                &format!(
                    "SELECT d.dateline FROM documents d WHERE EXISTS (
                       SELECT 1 FROM entity_clusters e WHERE e.doc = d.id AND {clause})"
                ),
                &params,
            )
            .map_err(pg)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let qdates: Vec<Option<NaiveDate>> = c
            .query(
                // Named with one of its names, or attributed to a cluster of the article that
                // counts as the entity's (as the embedded store credits them).
                &format!(
                    "SELECT d.dateline FROM quotes q JOIN documents d ON d.id = q.doc
                     WHERE q.id IN (
                       SELECT id FROM quotes WHERE speaker_norm = ANY($1)
                       UNION
                       SELECT q2.id FROM entity_clusters e
                       JOIN quotes q2 ON q2.doc = e.doc AND q2.speaker_cluster = e.idx
                       WHERE {clause})"
                ),
                &params,
            )
            .map_err(pg)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        Ok(Timeline::from_dates(entity, bucket, dates, qdates))
    }

    fn stats(&self) -> Result<Stats> {
        let entities = {
            let mut c = self.client();
            crate::corpus_entities::corpus_entity_count(&PgEntityRows(std::cell::RefCell::new(
                &mut c,
            )))?
        };
        let mut c = self.client();
        let mut count = |sql: &str| -> Result<u64> {
            Ok(c.query_one(sql, &[]).map_err(pg)?.get::<_, i64>(0).max(0) as u64)
        };
        Ok(Stats {
            documents: count("SELECT COUNT(*) FROM documents")?,
            entity_clusters: entities,
            quotes: count("SELECT COUNT(*) FROM quotes")?,
            technique_spans: count("SELECT COUNT(*) FROM techniques")?,
            story_clusters: count(
                "SELECT COUNT(*) FROM (SELECT story FROM documents GROUP BY story HAVING COUNT(*) > 1) x",
            )?,
            quote_clusters: count(
                "SELECT COUNT(*) FROM (SELECT cluster FROM quotes GROUP BY cluster HAVING COUNT(*) > 1) x",
            )?,
        })
    }
}

/// The corpus entity listing's queries on PostgreSQL ([`crate::corpus_entities::EntityRows`]);
/// the client sits in a `RefCell` because queries need `&mut Client` and the trait takes `&self`.
struct PgEntityRows<'c, 'g>(std::cell::RefCell<&'c mut MutexGuard<'g, Client>>);

impl PgEntityRows<'_, '_> {
    fn query(
        &self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<postgres::Row>> {
        self.0.borrow_mut().query(sql, params).map_err(pg)
    }

    fn count(&self, sql: &str, params: &[&(dyn postgres::types::ToSql + Sync)]) -> Result<i64> {
        Ok(self
            .query(sql, params)?
            .first()
            .map_or(0, |r| r.get::<_, i64>(0)))
    }
}

impl crate::corpus_entities::EntityRows for PgEntityRows<'_, '_> {
    fn name_groups(&self) -> Result<Vec<(String, String, i64, i64)>> {
        Ok(self
            .query(
                "SELECT norm, type, COUNT(DISTINCT doc), SUM(mentions)::BIGINT FROM entity_clusters
                 GROUP BY norm, type",
                &[],
            )?
            .into_iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect())
    }

    fn word_aliases(&self) -> Result<Vec<(String, String, i64)>> {
        Ok(self
            .query(
                "SELECT j.value, e.norm, COUNT(DISTINCT e.doc)
                 FROM entity_clusters e, jsonb_array_elements_text(e.aliases) j(value)
                 WHERE e.aliases <> '[]'::JSONB AND strpos(e.norm, ' ') > 0
                   AND strpos(j.value, ' ') = 0
                 GROUP BY j.value, e.norm",
                &[],
            )?
            .into_iter()
            .map(|r| (r.get::<_, String>(0).to_lowercase(), r.get(1), r.get(2)))
            .collect())
    }

    fn initialled_names(&self) -> Result<Vec<String>> {
        Ok(self
            .query(
                "SELECT DISTINCT norm FROM entity_clusters WHERE norm LIKE '% _.%'",
                &[],
            )?
            .into_iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn documents_of(&self, norms: &[String]) -> Result<i64> {
        self.count(
            "SELECT COUNT(DISTINCT doc) FROM entity_clusters WHERE norm = ANY($1)",
            &[&norms],
        )
    }

    fn own_documents(&self, norm: &str) -> Result<i64> {
        self.count(
            "SELECT COALESCE(SUM(n), 0)::BIGINT FROM (SELECT COUNT(DISTINCT doc) AS n
             FROM entity_clusters WHERE norm = $1 GROUP BY type) x",
            &[&norm],
        )
    }

    fn canonical_of(&self, norm: &str) -> Result<String> {
        Ok(self
            .query(
                // Byte order, as SQLite sorts, whatever the database's collation.
                "SELECT canonical FROM entity_clusters WHERE norm = $1
                 GROUP BY canonical ORDER BY COUNT(*) DESC, canonical COLLATE \"C\" LIMIT 1",
                &[&norm],
            )?
            .first()
            .map_or_else(|| norm.to_string(), |r| r.get(0)))
    }

    fn quotes_of(&self, norms: &[String]) -> Result<i64> {
        self.count(
            "SELECT COUNT(*) FROM (
               SELECT id FROM quotes WHERE speaker_norm = ANY($1)
               UNION
               SELECT q.id FROM entity_clusters e
               JOIN quotes q ON q.doc = e.doc AND q.speaker_cluster = e.idx
               WHERE e.norm = ANY($1)) c",
            &[&norms],
        )
    }

    fn co_names(&self, norms: &[String], limit: usize) -> Result<Vec<(String, i64)>> {
        Ok(self
            .query(
                "SELECT e2.norm, COUNT(DISTINCT e2.doc) AS n
                 FROM entity_clusters e1 JOIN entity_clusters e2 ON e2.doc = e1.doc
                 WHERE e1.norm = ANY($1) AND NOT (e2.norm = ANY($1))
                 GROUP BY e2.norm ORDER BY n DESC, e2.norm COLLATE \"C\" LIMIT $2",
                &[&norms, &(limit as i64)],
            )?
            .into_iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    fn shared_documents(&self, a: &[String], b: &[String]) -> Result<i64> {
        self.count(
            "SELECT COUNT(DISTINCT e1.doc)
             FROM entity_clusters e1 JOIN entity_clusters e2 ON e2.doc = e1.doc
             WHERE e1.norm = ANY($1) AND e2.norm = ANY($2)",
            &[&a, &b],
        )
    }
}

/// Counters of a PostgreSQL ingest run.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PgIngestReport {
    /// Documents read.
    pub seen: usize,
    /// Documents this run stored.
    pub stored: usize,
    /// Documents whose text was already stored (by an earlier run or another worker).
    pub unchanged: usize,
    /// Documents that failed (read or analysis errors).
    pub failed: usize,
    /// First errors met (at most 20).
    pub errors: Vec<String>,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// Ingests documents into PostgreSQL: skips stored texts (one query per batch), analyses the
/// rest in parallel with `analyse`, and writes each batch in one transaction. Safe to run in
/// several processes at once and to rerun after a crash.
pub fn ingest<I, F, P>(
    store: &PgStore,
    docs: I,
    analyse: F,
    batch: usize,
    threads: Option<usize>,
    mut progress: P,
) -> Result<PgIngestReport>
where
    I: IntoIterator<Item = std::result::Result<newslens_core::Document, String>>,
    F: Fn(newslens_core::Document) -> std::result::Result<Analysis, String> + Sync,
    P: FnMut(&PgIngestReport),
{
    use rayon::prelude::*;
    let t0 = std::time::Instant::now();
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        builder = builder.num_threads(n.max(1));
    }
    let pool = builder
        .build()
        .map_err(|e| StoreError::Writer(format!("thread pool: {e}")))?;
    let mut rep = PgIngestReport::default();
    let mut pending: Vec<newslens_core::Document> = Vec::new();
    let batch = batch.max(1);
    let mut seen_now: HashSet<String> = HashSet::new();
    let mut dup_sources: Vec<(String, DocSource)> = Vec::new();

    let flush = |pending: &mut Vec<newslens_core::Document>,
                 dups: &mut Vec<(String, DocSource)>,
                 rep: &mut PgIngestReport|
     -> Result<()> {
        if pending.is_empty() && dups.is_empty() {
            return Ok(());
        }
        let docs = std::mem::take(pending);
        let hashes: Vec<String> = docs.iter().map(|d| d.content_hash.clone()).collect();
        let stored = store.contains_many(&hashes)?;
        let (old, todo): (Vec<_>, Vec<_>) = docs
            .into_iter()
            .partition(|d| stored.contains(&d.content_hash));
        let mut extra: Vec<(String, DocSource)> = std::mem::take(dups);
        extra.extend(old.iter().map(|d| {
            (
                d.content_hash.clone(),
                DocSource {
                    source: d.source.clone(),
                    outlet: d.outlet.clone(),
                    dateline: d.dateline,
                },
            )
        }));
        rep.unchanged += old.len();
        let results: Vec<std::result::Result<Prepared, String>> = pool.install(|| {
            todo.into_par_iter()
                .map(|d| {
                    let name = d.source.clone().unwrap_or_else(|| d.id.clone());
                    analyse(d)
                        .and_then(|a| prepare::prepare(&a).map_err(|e| e.to_string()))
                        .map_err(|e| format!("{name}: {e}"))
                })
                .collect()
        });
        let mut prepared = Vec::with_capacity(results.len());
        for r in results {
            match r {
                Ok(p) => prepared.push(p),
                Err(e) => {
                    rep.failed += 1;
                    if rep.errors.len() < 20 {
                        rep.errors.push(e);
                    }
                }
            }
        }
        let out = store.write_batch(&prepared, &extra)?;
        for o in out {
            if o.new {
                rep.stored += 1;
            } else {
                // Another worker stored it between our check and our write.
                rep.unchanged += 1;
            }
        }
        Ok(())
    };

    for d in docs {
        match d {
            Err(e) => {
                rep.failed += 1;
                if rep.errors.len() < 20 {
                    rep.errors.push(e);
                }
            }
            Ok(mut d) => {
                rep.seen += 1;
                if d.content_hash.is_empty() {
                    d.content_hash = prepare::content_hash(&d.text);
                }
                if !seen_now.insert(d.content_hash.clone()) {
                    // Seen earlier in this run: stored with (or before) the next batch; only
                    // its extra source is recorded.
                    rep.unchanged += 1;
                    dup_sources.push((
                        d.content_hash.clone(),
                        DocSource {
                            source: d.source.clone(),
                            outlet: d.outlet.clone(),
                            dateline: d.dateline,
                        },
                    ));
                    continue;
                }
                pending.push(d);
                if pending.len() >= batch {
                    flush(&mut pending, &mut dup_sources, &mut rep)?;
                    rep.seconds = t0.elapsed().as_secs_f64();
                    progress(&rep);
                }
            }
        }
    }
    flush(&mut pending, &mut dup_sources, &mut rep)?;
    rep.seconds = t0.elapsed().as_secs_f64();
    progress(&rep);
    Ok(rep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marked_text_gives_code_point_spans() {
        let s = format!("Le {START_SEL}café{STOP_SEL} et {START_SEL}thé{STOP_SEL}.");
        assert_eq!(
            parse_marked(&s, "Le café et thé."),
            Some(vec![(3, 7), (11, 14)])
        );
        assert_eq!(parse_marked(&s, "Le cafe et the."), None);
    }

    #[test]
    fn kind_clauses_become_filters() {
        assert_eq!(
            kind_filter("kind:article"),
            (String::new(), Some(HitKind::Article))
        );
        assert_eq!(
            kind_filter("(grain corridor) AND kind:quote"),
            ("grain corridor".to_string(), Some(HitKind::Quote))
        );
        assert_eq!(
            kind_filter("kind:quote AND harbour"),
            ("harbour".to_string(), Some(HitKind::Quote))
        );
        assert_eq!(
            kind_filter("grain AND corn"),
            ("grain AND corn".to_string(), None)
        );
    }

    #[test]
    fn urls_are_recognised_and_redacted() {
        assert!(is_postgres_url("postgres://u@h/db"));
        assert!(is_postgres_url("postgresql://h/db"));
        assert!(!is_postgres_url("./newslens-data"));
        assert_eq!(
            redact("postgres://ann:secret@db:5432/news"),
            "postgres://ann:***@db:5432/news"
        );
        assert_eq!(redact("postgres://db/news"), "postgres://db/news");
    }

    #[test]
    fn migrations_are_ordered() {
        let v: Vec<i64> = MIGRATIONS.iter().map(|m| m.0).collect();
        assert!(v.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(latest(), *v.last().unwrap());
    }
}
