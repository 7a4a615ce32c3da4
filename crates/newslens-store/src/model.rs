//! Plain data returned by [`crate::Store`] queries (all serialisable to the JSON the CLI prints
//! and the server returns). Offsets (`start`, `end`) are Unicode code point offsets into the
//! document text, like every newslens JSON output.

use chrono::NaiveDate;
use newslens_core::Analysis;
use serde::{Deserialize, Serialize};

/// What [`crate::Store::put`] did with one analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutOutcome {
    /// Store id of the document (new or already present).
    pub id: i64,
    /// Content hash (hex BLAKE3 of the text).
    pub content_hash: String,
    /// False when the text was already stored.
    pub new: bool,
}

/// Where a stored text was seen (a document may arrive from several files or outlets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocSource {
    /// Reader source (`path`, `path:line`).
    pub source: Option<String>,
    /// Outlet.
    pub outlet: Option<String>,
    /// Dateline.
    pub dateline: Option<NaiveDate>,
}

/// A stored document with its analysis.
#[derive(Debug, Clone)]
pub struct StoredDocument {
    /// Store id (ingest order).
    pub id: i64,
    /// Story cluster id.
    pub story: i64,
    /// When it was stored (RFC 3339).
    pub ingested_at: String,
    /// Every source it was seen at.
    pub sources: Vec<DocSource>,
    /// The analysis as stored.
    pub analysis: Analysis,
}

impl StoredDocument {
    /// The analysis JSON with a `store` object added (`id`, `story`, `ingested_at`, `sources`).
    pub fn to_json(&self) -> crate::Result<serde_json::Value> {
        let mut v = self
            .analysis
            .to_json_value()
            .map_err(|e| crate::StoreError::Json(e.to_string()))?;
        if let Some(obj) = v.as_object_mut() {
            obj.insert(
                "store".into(),
                serde_json::json!({
                    "id": self.id,
                    "story": self.story,
                    "ingested_at": self.ingested_at,
                    "sources": self.sources,
                }),
            );
        }
        Ok(v)
    }
}

/// A stored document as its parts, for answering with its JSON without parsing it:
/// see [`crate::Store::get_raw`].
#[derive(Debug, Clone)]
pub struct RawDocument {
    /// Store id (ingest order).
    pub id: i64,
    /// Story cluster id.
    pub story: i64,
    /// When it was stored (RFC 3339).
    pub ingested_at: String,
    /// Every source it was seen at.
    pub sources: Vec<DocSource>,
    /// The document text.
    pub text: String,
    /// The analysis JSON as stored: one JSON object, the analysis without its `text` member
    /// (spans already carry code point offsets and their text).
    pub analysis_json: Vec<u8>,
}

impl RawDocument {
    /// The JSON of [`StoredDocument::to_json`] (with `extra` members added to the `store`
    /// object), written by splicing `text` and `store` into the stored analysis JSON: no parse
    /// and re-serialisation of the (large) analysis.
    pub fn to_json_bytes(&self, extra: &[(&str, serde_json::Value)]) -> crate::Result<Vec<u8>> {
        let json = |e: serde_json::Error| crate::StoreError::Json(e.to_string());
        let mut store = serde_json::json!({
            "id": self.id,
            "story": self.story,
            "ingested_at": self.ingested_at,
            "sources": self.sources,
        });
        if let Some(o) = store.as_object_mut() {
            for (k, v) in extra {
                o.insert((*k).to_string(), v.clone());
            }
        }
        let body = self.analysis_json.trim_ascii();
        let rest = body.strip_prefix(b"{").ok_or_else(|| {
            crate::StoreError::Json("stored analysis is not a JSON object".into())
        })?;
        let mut out = Vec::with_capacity(body.len() + self.text.len() + 256);
        out.extend_from_slice(b"{\"text\":");
        serde_json::to_writer(&mut out, &self.text).map_err(json)?;
        out.extend_from_slice(b",\"store\":");
        serde_json::to_writer(&mut out, &store).map_err(json)?;
        if !rest.trim_ascii_start().starts_with(b"}") {
            out.push(b',');
        }
        out.extend_from_slice(rest);
        Ok(out)
    }
}

/// A search request.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SearchQuery {
    /// Query in tantivy syntax (words, "phrases", AND/OR, -exclusions). Empty matches everything.
    pub text: String,
    /// Only quotes whose speaker matches this name.
    #[serde(default)]
    pub speaker: Option<String>,
    /// Only documents mentioning this entity (canonical name or alias).
    #[serde(default)]
    pub entity: Option<String>,
    /// Only documents with this technique label.
    #[serde(default)]
    pub technique: Option<String>,
    /// Dateline on or after.
    #[serde(default)]
    pub from: Option<NaiveDate>,
    /// Dateline on or before.
    #[serde(default)]
    pub to: Option<NaiveDate>,
    /// Only this outlet.
    #[serde(default)]
    pub source: Option<String>,
    /// Maximum hits.
    pub limit: usize,
}

/// Kind of a search hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HitKind {
    /// A whole article.
    Article,
    /// One quote inside an article.
    Quote,
}

/// A highlighted range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextSpan {
    /// Start (code points).
    pub start: usize,
    /// End (code points).
    pub end: usize,
    /// Covered text.
    pub text: String,
}

/// One ranked search result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SearchHit {
    /// Article or quote.
    pub kind: HitKind,
    /// BM25 score.
    pub score: f32,
    /// Store id of the article.
    pub doc: i64,
    /// The document's own id.
    pub doc_id: String,
    /// Content hash.
    pub content_hash: String,
    /// Headline.
    pub title: Option<String>,
    /// Outlet.
    pub outlet: Option<String>,
    /// Dateline.
    pub dateline: Option<NaiveDate>,
    /// Quote id (quote hits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote: Option<i64>,
    /// Quote cluster id (quote hits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote_cluster: Option<i64>,
    /// Speaker (quote hits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speaker: Option<String>,
    /// The snippet (a fragment of the text around the best matches).
    pub snippet: String,
    /// Where the snippet is in the document text.
    pub snippet_start: usize,
    /// Highlighted ranges inside the snippet (code points relative to the snippet).
    pub highlights: Vec<[usize; 2]>,
    /// Every matching term occurrence in the document (or quote) text, document offsets.
    pub spans: Vec<TextSpan>,
}

/// A quote of a stored article: its index in the article's quotes layer and its store ids
/// (for the spread endpoints).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentQuote {
    /// The quote's `id` in the article's quotes layer.
    pub idx: usize,
    /// Store id of the quote.
    pub quote: i64,
    /// Its quote cluster id.
    pub cluster: i64,
}

/// A member of a story cluster.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoryMember {
    /// Store id.
    pub doc: i64,
    /// Document id.
    pub doc_id: String,
    /// Headline.
    pub title: Option<String>,
    /// Outlet.
    pub outlet: Option<String>,
    /// Dateline.
    pub dateline: Option<NaiveDate>,
    /// Reader source.
    pub source: Option<String>,
    /// Estimated Jaccard similarity of word shingles with the origin (1 for the origin).
    pub similarity: f32,
    /// Other places the identical text was seen.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub copies: Vec<DocSource>,
}

/// A republication cluster: near-duplicate copies of one story.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Story {
    /// Cluster id.
    pub id: i64,
    /// Number of documents.
    pub size: usize,
    /// Distinct outlets.
    pub outlets: Vec<String>,
    /// The earliest copy (dateline, then ingest order).
    pub origin: StoryMember,
    /// Every member, origin first, then by date.
    pub members: Vec<StoryMember>,
}

/// One occurrence of a quote.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QuoteOccurrence {
    /// Quote id.
    pub quote: i64,
    /// Store id of the article.
    pub doc: i64,
    /// Document id.
    pub doc_id: String,
    /// Outlet.
    pub outlet: Option<String>,
    /// Dateline.
    pub dateline: Option<NaiveDate>,
    /// Speaker's canonical name.
    pub speaker: Option<String>,
    /// Quote text.
    pub text: String,
    /// Start in the article (code points).
    pub start: usize,
    /// End in the article (code points).
    pub end: usize,
}

/// A distinct wording of a quote.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QuoteVariant {
    /// The wording (as first seen).
    pub text: String,
    /// How many occurrences use it (after normalising case and punctuation).
    pub count: usize,
}

/// Count for one period.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PeriodCount {
    /// `YYYY-MM-DD` (day) or `YYYY-Www` (ISO week); `undated` when articles have no dateline.
    pub period: String,
    /// Count.
    pub count: usize,
}

/// A quote cluster and its spread (the MemeTracker idea).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QuoteCluster {
    /// Cluster id.
    pub id: i64,
    /// Number of occurrences.
    pub size: usize,
    /// Speakers named for it.
    pub speakers: Vec<String>,
    /// Distinct outlets.
    pub outlets: Vec<String>,
    /// First appearance (dateline, then ingest order).
    pub first: QuoteOccurrence,
    /// Occurrences per day.
    pub per_day: Vec<PeriodCount>,
    /// Distinct wordings, most used first.
    pub variants: Vec<QuoteVariant>,
    /// Every occurrence in order of appearance.
    pub occurrences: Vec<QuoteOccurrence>,
}

/// An entity co-occurring with another.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CoEntity {
    /// Canonical name.
    pub name: String,
    /// Type (`PER`, `ORG`, `LOC`, `MISC`).
    #[serde(rename = "type")]
    pub entity_type: String,
    /// Documents mentioning both.
    pub documents: usize,
}

/// An entity across the corpus.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EntitySummary {
    /// Canonical name (most common spelling).
    pub name: String,
    /// Type.
    #[serde(rename = "type")]
    pub entity_type: String,
    /// Documents mentioning it.
    pub documents: usize,
    /// Mentions in all documents.
    pub mentions: usize,
    /// Quotes attributed to it.
    pub quotes: usize,
    /// Entities it appears with most.
    pub with: Vec<CoEntity>,
}

/// The documents of one corpus entity (an entry of the `entities` listing), newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityDocuments {
    /// The lower-cased names whose clusters make up the entity, its key first ("donald trump",
    /// then the one-word names the corpus joins to it, such as "trump").
    pub names: Vec<String>,
    /// Whether a cluster with the key among its aliases belongs to the entity too: only for a
    /// name that has no cluster of its own (see docs/store.md, "Entities and timelines").
    pub by_alias: bool,
    /// How many documents mention it (what the listing and the timeline count).
    pub total: usize,
    /// Store ids of its newest documents, newest dateline first (undated last), at most the
    /// limit asked for.
    pub docs: Vec<i64>,
}

/// Time bucket of a timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Bucket {
    /// Calendar day.
    Day,
    /// ISO week.
    Week,
}

impl Bucket {
    /// Parses `day` or `week`.
    pub fn parse(s: &str) -> crate::Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "day" | "d" => Ok(Bucket::Day),
            "week" | "w" => Ok(Bucket::Week),
            other => Err(crate::StoreError::Invalid(format!(
                "bucket `{other}` (expected day or week)"
            ))),
        }
    }

    /// The period label of a date.
    pub fn label(&self, d: NaiveDate) -> String {
        use chrono::Datelike;
        match self {
            Bucket::Day => d.format("%Y-%m-%d").to_string(),
            Bucket::Week => {
                let w = d.iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }
        }
    }
}

/// One period of a timeline.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TimelinePoint {
    /// Period label (see [`PeriodCount::period`]).
    pub period: String,
    /// Articles mentioning the entity.
    pub articles: usize,
    /// Quotes by the entity.
    pub quotes: usize,
}

/// An entity's presence over time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Timeline {
    /// The name asked for.
    pub entity: String,
    /// Bucket size.
    pub bucket: Bucket,
    /// Periods in order (`undated` last).
    pub points: Vec<TimelinePoint>,
    /// Totals.
    pub articles: usize,
    /// Total quotes by the entity.
    pub quotes: usize,
}

/// Row counts (`newslens stats --json`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Stored documents (distinct texts).
    pub documents: u64,
    /// Entities across the corpus, merged by canonical name and type.
    pub entity_clusters: u64,
    /// Stored quotes.
    pub quotes: u64,
    /// Stored technique spans.
    pub technique_spans: u64,
    /// Republication clusters with at least two documents.
    pub story_clusters: u64,
    /// Quote clusters with at least two occurrences.
    pub quote_clusters: u64,
}

impl QuoteCluster {
    /// Summarises a cluster from its occurrences in first-appearance order, each with its
    /// normalised text (variants are counted by it): speakers, outlets, counts per day, variants.
    /// Shared by every backend so they report spread identically. `None` for no occurrences.
    pub fn from_occurrences(id: i64, occ: Vec<(QuoteOccurrence, String)>) -> Option<QuoteCluster> {
        let first = occ.first().map(|o| o.0.clone())?;
        let mut speakers = Vec::new();
        let mut outlets = Vec::new();
        let mut per_day: std::collections::BTreeMap<String, usize> = Default::default();
        let mut variants: Vec<(String, String, usize)> = Vec::new();
        for (o, norm) in &occ {
            if let Some(s) = &o.speaker {
                if !speakers.contains(s) {
                    speakers.push(s.clone());
                }
            }
            if let Some(s) = &o.outlet {
                if !outlets.contains(s) {
                    outlets.push(s.clone());
                }
            }
            let day = o
                .dateline
                .map_or_else(|| "undated".to_string(), |d| d.to_string());
            *per_day.entry(day).or_default() += 1;
            match variants.iter_mut().find(|v| &v.0 == norm) {
                Some(v) => v.2 += 1,
                None => variants.push((norm.clone(), o.text.clone(), 1)),
            }
        }
        variants.sort_by_key(|v| std::cmp::Reverse(v.2));
        Some(QuoteCluster {
            id,
            size: occ.len(),
            speakers,
            outlets,
            first,
            per_day: per_day
                .into_iter()
                .map(|(period, count)| PeriodCount { period, count })
                .collect(),
            variants: variants
                .into_iter()
                .map(|(_, text, count)| QuoteVariant { text, count })
                .collect(),
            occurrences: occ.into_iter().map(|o| o.0).collect(),
        })
    }
}

impl Timeline {
    /// Buckets the datelines of the articles mentioning `entity` and of its quotes (undated last).
    /// Shared by every backend so they count identically.
    pub fn from_dates(
        entity: &str,
        bucket: Bucket,
        dates: impl IntoIterator<Item = Option<NaiveDate>>,
        qdates: impl IntoIterator<Item = Option<NaiveDate>>,
    ) -> Timeline {
        let mut points: std::collections::BTreeMap<(bool, String), (usize, usize)> =
            Default::default();
        let key = |d: Option<NaiveDate>| match d {
            Some(d) => (false, bucket.label(d)),
            None => (true, "undated".to_string()),
        };
        let (mut articles, mut quotes) = (0, 0);
        for d in dates {
            articles += 1;
            points.entry(key(d)).or_default().0 += 1;
        }
        for d in qdates {
            quotes += 1;
            points.entry(key(d)).or_default().1 += 1;
        }
        Timeline {
            entity: entity.to_string(),
            bucket,
            points: points
                .into_iter()
                .map(|((_, period), (a, q))| TimelinePoint {
                    period,
                    articles: a,
                    quotes: q,
                })
                .collect(),
            articles,
            quotes,
        }
    }
}
