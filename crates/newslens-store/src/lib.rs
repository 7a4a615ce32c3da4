//! # newslens-store
//!
//! Where analyses live after `newslens ingest`: documents (identified by the BLAKE3 hash of their
//! text), the full analysis JSON, entity clusters and mentions, quotes, technique spans,
//! republication ("story") clusters and quote-spread clusters, plus a full-text index.
//!
//! * [`Store`] is the backend-neutral API the CLI and the server use (the PostgreSQL backend of
//!   issue 9 implements it too).
//! * [`EmbeddedStore`] is the default backend: a directory with a SQLite database (the source of
//!   truth, WAL mode, versioned migrations) and a tantivy index (derived data, caught up from
//!   SQLite whenever it lags, e.g. after a crash).
//! * [`ingest()`] runs parallel analysis with one writer thread, batched transactions and
//!   crash-safe resumption.
//! * [`minhash`] holds the MinHash/LSH near-duplicate machinery used for stories and quotes.

mod corpus_entities;
pub mod embedded;
pub mod error;
pub mod index;
pub mod ingest;
mod lsh_memo;
pub mod minhash;
pub mod model;
#[cfg(feature = "postgres")]
pub mod postgres;
pub mod prepare;
mod schema;

pub use embedded::{EmbeddedStore, OpenMode};
pub use error::{Result, StoreError};
pub use ingest::{ingest, FileKey, IngestOptions, IngestProgress, IngestReport, SourceUnit};
pub use model::*;

use newslens_core::Analysis;

/// The store API shared by every backend (embedded SQLite + tantivy, PostgreSQL).
///
/// All methods take `&self`: implementations are `Send + Sync` and serialise writes internally,
/// so one value can back a server. Names in filters match case-insensitively.
pub trait Store: Send + Sync {
    /// Stores a batch of analyses in one transaction. Documents whose content hash is already
    /// stored are skipped (their extra source is recorded). Returns what happened to each.
    fn put(&self, batch: Vec<Analysis>) -> Result<Vec<PutOutcome>>;
    /// True if a document with this content hash (hex BLAKE3 of the text) is stored.
    fn contains(&self, content_hash: &str) -> Result<bool>;
    /// A stored analysis by store id (`"42"`) or content hash.
    fn get(&self, key: &str) -> Result<Option<StoredDocument>>;
    /// A stored document by store id or content hash, with its analysis JSON as stored (not
    /// parsed): for answering with the article's JSON at the cost of a copy.
    fn get_raw(&self, key: &str) -> Result<Option<RawDocument>>;
    /// Ranked full-text search over articles and quotes.
    fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>>;
    /// The stored quotes of one document (by store id), in quotes-layer order. Quotes the store
    /// does not keep (no content words) are absent.
    fn document_quotes(&self, doc: i64) -> Result<Vec<DocumentQuote>>;
    /// Republication clusters with at least two documents, largest first.
    fn stories(&self, limit: usize) -> Result<Vec<Story>>;
    /// One story cluster by id (the store id of any member).
    fn story(&self, id: i64) -> Result<Option<Story>>;
    /// Quote clusters, optionally only those with a quote by `speaker`, most widespread first.
    fn quote_clusters(&self, speaker: Option<&str>, limit: usize) -> Result<Vec<QuoteCluster>>;
    /// The spread of one quote cluster (by cluster id or the id of any member quote).
    fn quote_spread(&self, id: i64) -> Result<Option<QuoteCluster>>;
    /// The entities in most documents (one entry per name across the corpus, see
    /// docs/store.md), only those of `entity_type` (`PER`, `ORG`, `LOC`, `MISC`) when given.
    fn entities(&self, limit: usize, entity_type: Option<&str>) -> Result<Vec<EntitySummary>>;
    /// The documents of the listing entry an entity name stands for (see [`EntityDocuments`]):
    /// how many, and the newest `limit` of them.
    fn entity_documents(&self, entity: &str, limit: usize) -> Result<EntityDocuments>;
    /// Article and quote counts per day or week for an entity name.
    fn timeline(&self, entity: &str, bucket: Bucket) -> Result<Timeline>;
    /// Row counts.
    fn stats(&self) -> Result<Stats>;
}

/// Opens the store named by a `--db` value: a directory for the embedded store.
/// `postgres://` URLs are reserved for the PostgreSQL backend.
pub fn open_store(location: &str, mode: OpenMode) -> Result<EmbeddedStore> {
    if location.starts_with("postgres://") || location.starts_with("postgresql://") {
        return Err(StoreError::Unsupported(format!(
            "{location}: the PostgreSQL backend is not built into this newslens yet"
        )));
    }
    EmbeddedStore::open(location, mode)
}

/// Opens any backend named by a `--db` value: a `postgres://` URL (PostgreSQL backend, issue 9;
/// writable unless `mode` is [`OpenMode::Read`]) or a directory (embedded store).
pub fn open_any(location: &str, mode: OpenMode) -> Result<Box<dyn Store>> {
    #[cfg(feature = "postgres")]
    if postgres::is_postgres_url(location) {
        return Ok(Box::new(postgres::PgStore::open(
            location,
            mode != OpenMode::Read,
        )?));
    }
    Ok(Box::new(open_store(location, mode)?))
}
