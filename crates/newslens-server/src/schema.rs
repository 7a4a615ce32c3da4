//! OpenAPI schemas of the JSON the API returns.
//!
//! The store's types (in `newslens-store`) are plain serde types; these mirrors describe them for
//! the OpenAPI document (a test checks that every field the store writes is documented here).

#![allow(missing_docs)]

use serde::Serialize;
use utoipa::ToSchema;

/// An error: `{"error": "..."}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: String,
}

/// An article to analyse or ingest (all fields but `text` optional). `text/plain` bodies are read
/// as seed-format or plain text instead.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleIn {
    /// Document id (string or number).
    pub id: Option<String>,
    /// Canonical URL.
    pub url: Option<String>,
    /// Outlet name.
    pub source: Option<String>,
    /// Publication date `YYYY-MM-DD` (anchors relative dates).
    pub date: Option<String>,
    /// Headline.
    pub title: Option<String>,
    /// Byline.
    pub byline: Option<String>,
    /// Article text.
    pub text: String,
}

/// A span in the JSON output: code point offsets plus the covered text.
#[derive(Debug, Serialize, ToSchema)]
pub struct Span {
    /// Start (Unicode code points).
    pub start: usize,
    /// End (Unicode code points, exclusive).
    pub end: usize,
    /// Covered text.
    pub text: String,
}

/// The full analysis of one article (see `docs/schema.md`): document fields at the top level,
/// then `paragraphs`, `sentences`, `tokens`, `entities`, `quotes`, `scare_quotes`, `timexes`,
/// `events`, `stances`, `tone`, `techniques`, `frames`, `genre`, ... as far as the stages ran.
/// Every span is `{start, end, text}` in code points.
#[derive(Debug, Serialize, ToSchema)]
pub struct Analysis {
    /// Schema version of the output.
    pub schema_version: String,
    /// Document id.
    pub id: String,
    /// The text all spans point into.
    pub text: String,
    /// Stages that ran.
    pub stages: Vec<String>,
}

/// A stored article: the analysis plus a `store` object.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoredArticle {
    /// The analysis fields (flattened).
    #[serde(flatten)]
    pub analysis: Analysis,
    /// Store metadata.
    pub store: StoreInfo,
}

/// Where and when an article was stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoreInfo {
    /// Store id.
    pub id: i64,
    /// Story (republication cluster) id.
    pub story: i64,
    /// When it was stored (RFC 3339).
    pub ingested_at: String,
    /// Every place the text was seen.
    pub sources: Vec<DocSource>,
    /// Store ids of the article's quotes (for `/api/quotes/{id}/spread`), by quote index.
    pub quotes: Vec<QuoteLink>,
}

/// Links a quote of an analysis to its store id and quote cluster.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteLink {
    /// Quote index in the analysis (`quotes[idx]`).
    pub idx: usize,
    /// Store quote id.
    pub quote: i64,
    /// Quote cluster id.
    pub cluster: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocSource {
    pub source: Option<String>,
    pub outlet: Option<String>,
    pub dateline: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TextSpan {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// One ranked search result (an article or a quote).
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHit {
    /// `article` or `quote`.
    pub kind: String,
    pub score: f32,
    /// Store id of the article.
    pub doc: i64,
    pub doc_id: String,
    pub content_hash: String,
    pub title: Option<String>,
    pub outlet: Option<String>,
    pub dateline: Option<String>,
    pub quote: Option<i64>,
    pub quote_cluster: Option<i64>,
    pub speaker: Option<String>,
    /// A fragment of the text around the best matches.
    pub snippet: String,
    /// Where the snippet starts in the article (code points).
    pub snippet_start: usize,
    /// Highlighted `[start, end]` ranges inside the snippet (code points).
    pub highlights: Vec<[usize; 2]>,
    /// Every matching term occurrence, article offsets.
    pub spans: Vec<TextSpan>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StoryMember {
    pub doc: i64,
    pub doc_id: String,
    pub title: Option<String>,
    pub outlet: Option<String>,
    pub dateline: Option<String>,
    pub source: Option<String>,
    /// Estimated Jaccard similarity with the origin.
    pub similarity: f32,
    pub copies: Vec<DocSource>,
}

/// A republication cluster, origin first.
#[derive(Debug, Serialize, ToSchema)]
pub struct Story {
    pub id: i64,
    pub size: usize,
    pub outlets: Vec<String>,
    pub origin: StoryMember,
    pub members: Vec<StoryMember>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteOccurrence {
    pub quote: i64,
    pub doc: i64,
    pub doc_id: String,
    pub outlet: Option<String>,
    pub dateline: Option<String>,
    pub speaker: Option<String>,
    pub text: String,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteVariant {
    pub text: String,
    pub count: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodCount {
    pub period: String,
    pub count: usize,
}

/// A quote cluster and its spread over articles, outlets and time.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteCluster {
    pub id: i64,
    pub size: usize,
    pub speakers: Vec<String>,
    pub outlets: Vec<String>,
    pub first: QuoteOccurrence,
    pub per_day: Vec<PeriodCount>,
    pub variants: Vec<QuoteVariant>,
    pub occurrences: Vec<QuoteOccurrence>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CoEntity {
    pub name: String,
    #[serde(rename = "type")]
    pub entity_type: String,
    pub documents: usize,
}

/// An entity across the corpus.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntitySummary {
    pub name: String,
    #[serde(rename = "type")]
    pub entity_type: String,
    pub documents: usize,
    pub mentions: usize,
    pub quotes: usize,
    pub with: Vec<CoEntity>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimelinePoint {
    pub period: String,
    pub articles: usize,
    pub quotes: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Timeline {
    pub entity: String,
    /// `day` or `week`.
    pub bucket: String,
    pub points: Vec<TimelinePoint>,
    pub articles: usize,
    pub quotes: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Stats {
    pub documents: u64,
    pub entity_clusters: u64,
    pub quotes: u64,
    pub technique_spans: u64,
    pub story_clusters: u64,
    pub quote_clusters: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PutOutcome {
    pub id: i64,
    pub content_hash: String,
    pub new: bool,
}
