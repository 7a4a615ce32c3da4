//! The JSON API. Every handler is documented with `#[utoipa::path]`; [`ApiDoc`] collects them into
//! the OpenAPI document served at `/api/openapi.json`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use newslens_core::layers::entities::Cluster;
use newslens_core::{Analysis, Span};
use newslens_store::{
    open_any, Bucket, EntityDocuments, EntitySummary, HitKind, OpenMode, PutOutcome, QuoteCluster,
    SearchHit, SearchQuery, Stats, Store, StoreError, Story, Timeline,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::{schema, security, ApiError, AppState};

type AppResult<T> = Result<T, ApiError>;
type St = State<Arc<AppState>>;

/// Largest `limit` accepted by listing endpoints.
pub const MAX_LIMIT: usize = 200;
/// Articles read to build an entity page.
const ENTITY_ARTICLES: usize = 40;
/// Quote clusters an entity page shows.
const ENTITY_QUOTE_CLUSTERS: usize = 20;

/// The API routes (without the security layers; see [`crate::router`]).
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/openapi.json", get(openapi))
        .route("/api/analyze", post(analyze))
        .route("/api/search", get(search))
        .route("/api/articles/{id}", get(article))
        .route("/api/entities", get(entities))
        .route("/api/entities/{id}", get(entity))
        .route("/api/stories", get(stories))
        .route("/api/stories/{id}", get(story))
        .route("/api/quotes", get(quotes))
        .route("/api/quotes/{id}/spread", get(quote_spread))
        .route("/api/stats", get(stats))
        .route("/api/ingest", post(ingest))
        .fallback(|| async { ApiError::NotFound("no such endpoint".into()) })
}

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "newslens API",
        description = "Analyse news articles and query a corpus: every fact carries code point \
                       offsets into the article text."
    ),
    paths(
        health,
        analyze,
        search,
        article,
        entities,
        entity,
        stories,
        story,
        quotes,
        quote_spread,
        stats,
        ingest
    ),
    components(schemas(
        schema::ErrorBody,
        schema::ArticleIn,
        schema::Analysis,
        schema::StoredArticle,
        schema::StoreInfo,
        schema::QuoteLink,
        schema::Span,
        schema::SearchHit,
        schema::TextSpan,
        schema::Story,
        schema::StoryMember,
        schema::DocSource,
        schema::QuoteCluster,
        schema::QuoteOccurrence,
        schema::QuoteVariant,
        schema::PeriodCount,
        schema::EntitySummary,
        schema::CoEntity,
        schema::Timeline,
        schema::TimelinePoint,
        schema::Stats,
        schema::PutOutcome,
        SearchResponse,
        Facets,
        FacetCount,
        EntityPage,
        EntityRoleCount,
        EntityQuote,
        EntityArticle,
        IngestResponse,
        Health
    ))
)]
pub struct ApiDoc;

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        ApiDoc::openapi().to_pretty_json().unwrap_or_default(),
    )
        .into_response()
}

/// Server status.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: &'static str,
    /// newslens version.
    pub version: &'static str,
    /// Analysis stages this server runs.
    pub stages: Vec<&'static str>,
}

/// Liveness and version.
#[utoipa::path(get, path = "/api/health", responses((status = 200, body = Health)))]
async fn health(State(state): St) -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        stages: state.pipeline.stage_names(),
    })
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// Reads request bodies into documents: JSON articles (`application/json`) or seed/plain text.
fn read_documents(
    headers: &HeaderMap,
    body: &[u8],
) -> AppResult<(Vec<newslens_core::Document>, Vec<String>)> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadRequest("empty body".into()));
    }
    // The name steers format detection: JSON for JSON bodies, text otherwise.
    let name = if is_json(headers) {
        "api.json"
    } else {
        "api.txt"
    };
    let mut docs = Vec::new();
    let mut errors = Vec::new();
    for r in newslens_ingest::read_bytes(body, name, "api") {
        match r {
            Ok(d) => docs.push(d),
            Err(e) => errors.push(e.to_string()),
        }
    }
    Ok((docs, errors))
}

async fn run_pipeline(
    state: &Arc<AppState>,
    docs: Vec<newslens_core::Document>,
) -> AppResult<Vec<Result<Analysis, String>>> {
    let _permit = state
        .analyze_permits
        .acquire()
        .await
        .map_err(|_| ApiError::Internal("shutting down".into()))?;
    let st = Arc::clone(state);
    tokio::task::spawn_blocking(move || {
        docs.into_iter()
            .map(|d| {
                let name = d.id.clone();
                st.pipeline.run(d).map_err(|e| format!("{name}: {e}"))
            })
            .collect()
    })
    .await
    .map_err(|e| ApiError::Internal(format!("analysis task failed: {e}")))
}

/// Analyses one article without storing it.
///
/// Body: a JSON article (`application/json`) or text (seed format `date YYYY-MM-DD Title` or
/// plain text, any other content type). Returns the full analysis, spans in code points.
#[utoipa::path(
    post, path = "/api/analyze",
    request_body(content(
        (schema::ArticleIn = "application/json"),
        (String = "text/plain")
    )),
    responses(
        (status = 200, description = "The analysis", body = schema::Analysis),
        (status = 400, description = "Unreadable body", body = schema::ErrorBody),
        (status = 413, description = "Body over the limit")
    )
)]
async fn analyze(State(state): St, headers: HeaderMap, body: Bytes) -> AppResult<Response> {
    let (docs, errors) = read_documents(&headers, &body)?;
    if let Some(e) = errors.into_iter().next() {
        return Err(ApiError::BadRequest(e));
    }
    if docs.len() != 1 {
        return Err(ApiError::BadRequest(format!(
            "expected one article, got {}; use /api/ingest for batches",
            docs.len()
        )));
    }
    let analysis = run_pipeline(&state, docs)
        .await?
        .pop()
        .ok_or_else(|| ApiError::Internal("no analysis".into()))?
        .map_err(ApiError::Internal)?;
    let v = analysis
        .to_json_value()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Json(v).into_response())
}

/// Search filters (the same as `newslens search`).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Query (tantivy syntax: words, "phrases", AND/OR, -exclusions); empty matches everything.
    #[serde(default)]
    pub q: String,
    /// Only quotes by this speaker.
    pub speaker: Option<String>,
    /// Only articles mentioning this entity.
    pub entity: Option<String>,
    /// Only articles with this persuasion technique label (e.g. `Loaded_Language`).
    pub technique: Option<String>,
    /// Published on or after (YYYY-MM-DD).
    pub from: Option<String>,
    /// Published on or before (YYYY-MM-DD).
    pub to: Option<String>,
    /// Only this outlet.
    pub source: Option<String>,
    /// `article` or `quote` hits only.
    pub kind: Option<String>,
    /// Maximum hits (default 20, at most 200).
    pub limit: Option<usize>,
}

/// A value of a facet and how many hits carry it.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacetCount {
    /// Value.
    pub value: String,
    /// Hits with that value.
    pub count: usize,
}

/// Facets over the returned hits.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct Facets {
    /// `article` / `quote`.
    pub kind: Vec<FacetCount>,
    /// Outlets.
    pub outlet: Vec<FacetCount>,
    /// Speakers of quote hits.
    pub speaker: Vec<FacetCount>,
    /// Publication months (`YYYY-MM`).
    pub month: Vec<FacetCount>,
}

/// Search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResponse {
    /// Ranked hits.
    #[schema(value_type = Vec<schema::SearchHit>)]
    pub hits: Vec<SearchHit>,
    /// Facets counted over `hits`.
    pub facets: Facets,
}

fn date_param(s: &Option<String>, what: &str) -> AppResult<Option<NaiveDate>> {
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| ApiError::BadRequest(format!("{what}={d}: expected YYYY-MM-DD"))),
    }
}

fn nonempty(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn facet(counts: BTreeMap<String, usize>) -> Vec<FacetCount> {
    let mut v: Vec<FacetCount> = counts
        .into_iter()
        .map(|(value, count)| FacetCount { value, count })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    v
}

fn facets_of(hits: &[SearchHit]) -> Facets {
    let (mut kind, mut outlet, mut speaker, mut month) = (
        BTreeMap::new(),
        BTreeMap::new(),
        BTreeMap::new(),
        BTreeMap::new(),
    );
    for h in hits {
        let k = match h.kind {
            HitKind::Article => "article",
            HitKind::Quote => "quote",
        };
        *kind.entry(k.to_string()).or_insert(0) += 1;
        if let Some(o) = &h.outlet {
            *outlet.entry(o.clone()).or_insert(0) += 1;
        }
        if let Some(s) = &h.speaker {
            *speaker.entry(s.clone()).or_insert(0) += 1;
        }
        if let Some(d) = h.dateline {
            *month.entry(d.format("%Y-%m").to_string()).or_insert(0) += 1;
        }
    }
    Facets {
        kind: facet(kind),
        outlet: facet(outlet),
        speaker: facet(speaker),
        month: facet(month),
    }
}

/// Builds the store query of a search request.
pub fn search_query(p: &SearchParams) -> AppResult<SearchQuery> {
    let mut text = p.q.trim().to_string();
    if let Some(kind) = nonempty(&p.kind) {
        let k = match kind.as_str() {
            "article" | "quote" => kind,
            other => {
                return Err(ApiError::BadRequest(format!(
                    "kind={other}: expected article or quote"
                )))
            }
        };
        text = if text.is_empty() {
            format!("kind:{k}")
        } else {
            format!("({text}) AND kind:{k}")
        };
    }
    Ok(SearchQuery {
        text,
        speaker: nonempty(&p.speaker),
        entity: nonempty(&p.entity),
        technique: nonempty(&p.technique),
        from: date_param(&p.from, "from")?,
        to: date_param(&p.to, "to")?,
        source: nonempty(&p.source),
        limit: p.limit.unwrap_or(20).clamp(1, MAX_LIMIT),
    })
}

/// Ranked full-text search over articles and quotes, with highlighted snippets and facets.
#[utoipa::path(
    get, path = "/api/search", params(SearchParams),
    responses(
        (status = 200, body = SearchResponse),
        (status = 400, description = "Bad query or filter", body = schema::ErrorBody)
    )
)]
async fn search(
    State(state): St,
    Query(p): Query<SearchParams>,
) -> AppResult<Json<SearchResponse>> {
    let q = search_query(&p)?;
    let hits = state.read_fast(move |s| Ok(s.search(&q)?)).await?;
    let facets = facets_of(&hits);
    Ok(Json(SearchResponse { hits, facets }))
}

/// A stored article with every layer and a `store` object (id, story, sources, quote ids).
///
/// The answer is the stored analysis JSON with `text` and `store` spliced in (see
/// [`newslens_store::RawDocument::to_json_bytes`]): parsing and re-serialising the analysis
/// (tokens and all) cost milliseconds per article.
#[utoipa::path(
    get, path = "/api/articles/{id}",
    params(("id" = String, Path, description = "Store id or content hash")),
    responses(
        (status = 200, body = schema::StoredArticle),
        (status = 404, body = schema::ErrorBody)
    )
)]
async fn article(State(state): St, Path(id): Path<String>) -> AppResult<Response> {
    let body = state
        .read_fast(move |s| {
            let doc = s
                .get_raw(&id)?
                .ok_or_else(|| ApiError::NotFound(format!("no article {id}")))?;
            // Quote links: the store ids of the article's quotes, by quote index.
            let links: Vec<serde_json::Value> = s
                .document_quotes(doc.id)?
                .into_iter()
                .map(|q| serde_json::json!({"idx": q.idx, "quote": q.quote, "cluster": q.cluster}))
                .collect();
            Ok(doc.to_json_bytes(&[("quotes", serde_json::Value::Array(links))])?)
        })
        .await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// `limit` of listing endpoints.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LimitParams {
    /// Maximum rows (default 20, at most 200).
    pub limit: Option<usize>,
}

impl LimitParams {
    fn get(&self) -> usize {
        self.limit.unwrap_or(20).clamp(1, MAX_LIMIT)
    }
}

/// Query of `/api/entities`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntitiesParams {
    /// Maximum rows (default 20, at most 200).
    pub limit: Option<usize>,
    /// Only entities of this type: `PER`, `ORG`, `LOC` or `MISC`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub entity_type: Option<String>,
}

/// The entities that appear in most articles, with the entities they appear with.
#[utoipa::path(
    get, path = "/api/entities", params(EntitiesParams),
    responses(
        (status = 200, body = Vec<schema::EntitySummary>),
        (status = 400, description = "unknown type")
    )
)]
async fn entities(
    State(state): St,
    Query(p): Query<EntitiesParams>,
) -> AppResult<Json<Vec<EntitySummary>>> {
    let n = LimitParams { limit: p.limit }.get();
    let ty = p.entity_type.map(|t| t.trim().to_uppercase());
    if let Some(t) = &ty {
        if !["PER", "ORG", "LOC", "MISC"].contains(&t.as_str()) {
            return Err(ApiError::BadRequest(format!(
                "type={t}: expected PER, ORG, LOC or MISC"
            )));
        }
    }
    Ok(Json(
        state
            .read(move |s| Ok(s.entities(n, ty.as_deref())?))
            .await?,
    ))
}

/// A role or title of an entity and how often it is stated.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntityRoleCount {
    /// Role words ("Foreign Minister").
    pub title: String,
    /// Affiliation, if stated.
    pub affiliation: Option<String>,
    /// Articles stating it.
    pub count: usize,
    /// One article that states it (store id).
    pub doc: i64,
}

/// A quote by or about an entity.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntityQuote {
    /// Article store id.
    pub doc: i64,
    /// Headline.
    pub title: Option<String>,
    /// Outlet.
    pub outlet: Option<String>,
    /// Dateline.
    pub dateline: Option<String>,
    /// Quote index in the article's analysis.
    pub idx: usize,
    /// `direct`, `partial`, `indirect`.
    pub kind: String,
    /// Speaker's name (canonical), if resolved.
    pub speaker: Option<String>,
    /// Quote text (content spans joined).
    pub text: String,
    /// Start of the first content span (code points).
    pub start: usize,
    /// End of the last content span (code points).
    pub end: usize,
}

/// An article mentioning the entity.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntityArticle {
    /// Store id.
    pub doc: i64,
    /// Headline.
    pub title: Option<String>,
    /// Outlet.
    pub outlet: Option<String>,
    /// Dateline.
    pub dateline: Option<String>,
    /// Mentions of the entity in it.
    pub mentions: usize,
}

/// Everything known about one entity.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntityPage {
    /// Canonical name (most common spelling).
    pub name: String,
    /// Entity type (`PER`, `ORG`, `LOC`, `MISC`).
    #[serde(rename = "type")]
    pub entity_type: String,
    /// Other surface forms.
    pub aliases: Vec<String>,
    /// Roles and titles, most stated first.
    pub roles: Vec<EntityRoleCount>,
    /// How many articles mention it (all of them, as the listing and the timeline count).
    pub documents: usize,
    /// The newest articles mentioning it (newest dateline first, at most 40).
    pub articles: Vec<EntityArticle>,
    /// Quotes it said (from those articles).
    pub quotes_by: Vec<EntityQuote>,
    /// Quotes by others whose content mentions it.
    pub quotes_about: Vec<EntityQuote>,
    /// Its quote clusters across the whole corpus, with spread.
    #[schema(value_type = Vec<schema::QuoteCluster>)]
    pub quote_clusters: Vec<QuoteCluster>,
    /// Article and quote counts per day.
    #[schema(value_type = schema::Timeline)]
    pub timeline: Timeline,
}

/// Whether a document's cluster is one of the entity's, as the store counts them: named with
/// one of its names, or (for a name without clusters of its own) with the key among its aliases.
fn cluster_matches(c: &Cluster, found: &EntityDocuments) -> bool {
    found.names.contains(&c.canonical.to_lowercase())
        || (found.by_alias && c.aliases.iter().any(|a| a.to_lowercase() == found.names[0]))
}

/// Builds an entity page from the newest articles of the corpus entity the name stands for
/// (the entry of the `entities` listing, whose timeline the page shows too).
fn entity_page(store: &dyn Store, name: &str) -> AppResult<EntityPage> {
    let found = store.entity_documents(name, ENTITY_ARTICLES)?;
    let names = &found.names;
    let mut spellings: HashMap<String, usize> = HashMap::new();
    let mut key_spellings: HashMap<String, usize> = HashMap::new();
    let mut types: HashMap<String, usize> = HashMap::new();
    let mut aliases: BTreeMap<String, ()> = BTreeMap::new();
    let mut roles: Vec<EntityRoleCount> = Vec::new();
    let mut articles = Vec::new();
    let mut quotes_by = Vec::new();
    let mut quotes_about = Vec::new();
    for &id in &found.docs {
        let Some(doc) = store.get(&id.to_string())? else {
            continue;
        };
        let a = &doc.analysis;
        let Some(ents) = &a.entities else { continue };
        let mine: Vec<&Cluster> = ents
            .clusters
            .iter()
            .filter(|c| cluster_matches(c, &found))
            .collect();
        if mine.is_empty() {
            continue;
        }
        let ids: Vec<usize> = mine.iter().map(|c| c.id).collect();
        let mut mentions = 0;
        for c in &mine {
            *spellings.entry(c.canonical.clone()).or_insert(0) += 1;
            if c.canonical.to_lowercase() == names[0] {
                *key_spellings.entry(c.canonical.clone()).or_insert(0) += 1;
            }
            *types.entry(c.entity_type.as_str().to_string()).or_insert(0) += 1;
            mentions += c.mentions.len();
            for al in &c.aliases {
                aliases.insert(al.clone(), ());
            }
            for r in &c.roles {
                match roles
                    .iter_mut()
                    .find(|x| x.title == r.title && x.affiliation == r.affiliation)
                {
                    Some(x) => x.count += 1,
                    None => roles.push(EntityRoleCount {
                        title: r.title.clone(),
                        affiliation: r.affiliation.clone(),
                        count: 1,
                        doc: doc.id,
                    }),
                }
            }
        }
        let dateline = a.document.dateline.map(|d| d.to_string());
        articles.push(EntityArticle {
            doc: doc.id,
            title: a.document.title.clone(),
            outlet: a.document.outlet.clone(),
            dateline: dateline.clone(),
            mentions,
        });
        let map = newslens_core::OffsetMap::new(a.text());
        let mention_spans: Vec<Span> = ents
            .mentions
            .iter()
            .filter(|m| ids.contains(&m.cluster))
            .map(|m| m.span)
            .collect();
        if let Some(ql) = &a.quotes {
            for q in &ql.quotes {
                let (Some(first), Some(last)) = (q.content.first(), q.content.last()) else {
                    continue;
                };
                let eq = EntityQuote {
                    doc: doc.id,
                    title: a.document.title.clone(),
                    outlet: a.document.outlet.clone(),
                    dateline: dateline.clone(),
                    idx: q.id,
                    kind: format!("{:?}", q.kind).to_lowercase(),
                    speaker: q.speaker_name.clone().or_else(|| {
                        q.speaker
                            .and_then(|c| ents.clusters.get(c))
                            .map(|c| c.canonical.clone())
                    }),
                    text: q
                        .content
                        .iter()
                        .map(|s| a.slice(*s))
                        .collect::<Vec<_>>()
                        .join(" … "),
                    start: map.to_char(first.start),
                    end: map.to_char(last.end),
                };
                if q.speaker.is_some_and(|s| ids.contains(&s)) {
                    quotes_by.push(eq);
                } else if q
                    .content
                    .iter()
                    .any(|c| mention_spans.iter().any(|m| c.contains(m)))
                {
                    quotes_about.push(eq);
                }
            }
        }
    }
    if articles.is_empty() {
        return Err(ApiError::NotFound(format!("no entity named `{name}`")));
    }
    roles.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.title.cmp(&b.title)));
    let best = |m: HashMap<String, usize>| {
        m.into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
            .map(|x| x.0)
            .unwrap_or_default()
    };
    // Named as the listing names the entry: by its key ("Donald Trump" for "Trump").
    let canonical = if key_spellings.is_empty() {
        best(spellings)
    } else {
        best(key_spellings)
    };
    aliases.remove(&canonical);
    let timeline = store.timeline(name, Bucket::Day)?;
    let mut quote_clusters: Vec<QuoteCluster> = Vec::new();
    for n in names {
        for c in store.quote_clusters(Some(n), ENTITY_QUOTE_CLUSTERS)? {
            if quote_clusters.iter().all(|x| x.id != c.id) {
                quote_clusters.push(c);
            }
        }
    }
    quote_clusters.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.id.cmp(&b.id)));
    quote_clusters.truncate(ENTITY_QUOTE_CLUSTERS);
    Ok(EntityPage {
        name: canonical,
        entity_type: best(types),
        aliases: aliases.into_keys().collect(),
        roles,
        documents: found.total,
        articles,
        quotes_by,
        quotes_about,
        quote_clusters,
        timeline,
    })
}

/// One entity: roles, articles, quotes by and about it, its quote clusters and its timeline.
#[utoipa::path(
    get, path = "/api/entities/{id}",
    params(("id" = String, Path, description = "Entity name (canonical name or alias, any case)")),
    responses((status = 200, body = EntityPage), (status = 404, body = schema::ErrorBody))
)]
async fn entity(State(state): St, Path(id): Path<String>) -> AppResult<Json<EntityPage>> {
    Ok(Json(state.read(move |s| entity_page(s, &id)).await?))
}

/// Republication clusters (the same story across outlets), largest first, origin first.
#[utoipa::path(
    get, path = "/api/stories", params(LimitParams),
    responses((status = 200, body = Vec<schema::Story>))
)]
async fn stories(State(state): St, Query(p): Query<LimitParams>) -> AppResult<Json<Vec<Story>>> {
    let n = p.get();
    Ok(Json(state.read(move |s| Ok(s.stories(n)?)).await?))
}

/// One story cluster, by the store id of any member article.
#[utoipa::path(
    get, path = "/api/stories/{id}",
    params(("id" = i64, Path, description = "Store id of any member article")),
    responses((status = 200, body = schema::Story), (status = 404, body = schema::ErrorBody))
)]
async fn story(State(state): St, Path(id): Path<i64>) -> AppResult<Json<Story>> {
    let s = state.read(move |s| Ok(s.story(id)?)).await?;
    s.map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no story with article {id}")))
}

/// Quote-cluster filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuotesParams {
    /// Only clusters with a quote by this speaker.
    pub speaker: Option<String>,
    /// Maximum clusters (default 20, at most 200).
    pub limit: Option<usize>,
}

/// Quote clusters, most widespread first.
#[utoipa::path(
    get, path = "/api/quotes", params(QuotesParams),
    responses((status = 200, body = Vec<schema::QuoteCluster>))
)]
async fn quotes(
    State(state): St,
    Query(p): Query<QuotesParams>,
) -> AppResult<Json<Vec<QuoteCluster>>> {
    let n = p.limit.unwrap_or(20).clamp(1, MAX_LIMIT);
    let speaker = nonempty(&p.speaker);
    Ok(Json(
        state
            .read(move |s| Ok(s.quote_clusters(speaker.as_deref(), n)?))
            .await?,
    ))
}

/// How one quote spread: first appearance, outlets, count per day, wordings, every occurrence.
#[utoipa::path(
    get, path = "/api/quotes/{id}/spread",
    params(("id" = i64, Path, description = "Quote id or quote cluster id")),
    responses((status = 200, body = schema::QuoteCluster), (status = 404, body = schema::ErrorBody))
)]
async fn quote_spread(State(state): St, Path(id): Path<i64>) -> AppResult<Json<QuoteCluster>> {
    let c = state.read(move |s| Ok(s.quote_spread(id)?)).await?;
    c.map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no quote {id}")))
}

/// Counts of what the store holds.
#[utoipa::path(get, path = "/api/stats", responses((status = 200, body = schema::Stats)))]
async fn stats(State(state): St) -> AppResult<Json<Stats>> {
    Ok(Json(state.read(|s| Ok(s.stats()?)).await?))
}

/// What `/api/ingest` did.
#[derive(Debug, Serialize, ToSchema)]
pub struct IngestResponse {
    /// Documents newly stored.
    pub stored: usize,
    /// Documents whose text was already stored.
    pub unchanged: usize,
    /// Per document: store id, content hash, whether it is new.
    #[schema(value_type = Vec<schema::PutOutcome>)]
    pub documents: Vec<PutOutcome>,
    /// Articles that could not be read or analysed.
    pub errors: Vec<String>,
}

/// Analyses and stores articles.
///
/// Body: `application/json`, one article or an array of articles. Needs
/// `Authorization: Bearer <token>` when the server has a token (always on a non-loopback address).
/// New articles are searchable within about a second.
#[utoipa::path(
    post, path = "/api/ingest",
    request_body(content = Vec<schema::ArticleIn>, content_type = "application/json"),
    responses(
        (status = 200, body = IngestResponse),
        (status = 400, body = schema::ErrorBody),
        (status = 401, description = "Missing or wrong token", body = schema::ErrorBody),
        (status = 409, description = "Another writer holds the store", body = schema::ErrorBody),
        (status = 415, description = "Not JSON", body = schema::ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn ingest(
    State(state): St,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Json<IngestResponse>> {
    security::check_write(&state, &headers)?;
    let _guard = state
        .ingest_lock
        .try_lock()
        .map_err(|_| ApiError::Conflict("another ingest is running".into()))?;
    let (docs, mut errors) = read_documents(&headers, &body)?;
    if docs.is_empty() {
        return Err(ApiError::BadRequest(
            errors
                .into_iter()
                .next()
                .unwrap_or_else(|| "no article in the body".into()),
        ));
    }
    let mut analyses = Vec::new();
    for r in run_pipeline(&state, docs).await? {
        match r {
            Ok(a) => analyses.push(a),
            Err(e) => errors.push(e),
        }
    }
    let db = state.db.clone();
    let documents = tokio::task::spawn_blocking(move || -> AppResult<Vec<PutOutcome>> {
        let store = open_any(&db, OpenMode::Write).map_err(|e| match e {
            StoreError::Locked { .. } => {
                ApiError::Conflict("another process (an ingest) is writing to the store".into())
            }
            e => e.into(),
        })?;
        Ok(store.put(analyses)?)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("ingest task failed: {e}")))??;
    let stored = documents.iter().filter(|d| d.new).count();
    Ok(Json(IngestResponse {
        stored,
        unchanged: documents.len() - stored,
        documents,
        errors,
    }))
}
