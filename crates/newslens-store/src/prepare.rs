//! Turning an [`Analysis`] into rows, off the writer thread (runs in the parallel workers).

use newslens_core::{Analysis, OffsetMap, Span};

use crate::minhash::{self, doc as D, quote as Q};
use crate::{Result, StoreError};

/// An entity cluster row.
#[derive(Debug, Clone)]
pub struct EntityRow {
    pub idx: usize,
    pub canonical: String,
    pub entity_type: String,
    pub mentions: usize,
    pub aliases: Vec<String>,
}

/// A mention row (code point offsets).
#[derive(Debug, Clone)]
pub struct MentionRow {
    pub idx: usize,
    pub cluster: usize,
    pub start: usize,
    pub end: usize,
    pub entity_type: String,
    pub kind: String,
}

/// A quote row with its clustering keys.
#[derive(Debug, Clone)]
pub struct QuoteRow {
    pub idx: usize,
    pub kind: String,
    pub text: String,
    pub norm: String,
    pub start: usize,
    pub end: usize,
    pub speaker_cluster: Option<usize>,
    pub speaker: Option<String>,
    /// Sorted word-bigram hashes of `norm` ([`minhash::shingles`]).
    pub shingles: Vec<u64>,
    pub keys: Vec<i64>,
}

impl QuoteRow {
    /// Whether a stored quote with normalised wording `norm` is the same quotation, exact or
    /// lightly mutated (the rule both store backends verify LSH candidates with): the same
    /// wording, or — both at least [`Q::MIN_TOKENS`] words — bigram Jaccard ≥ [`Q::JACCARD`],
    /// or containment ≥ [`Q::CONTAINMENT`] when the shorter has at least [`Q::MIN_CONTAINED`]
    /// words (only then is a truncated quote distinctive).
    pub fn matches(&self, norm: &str) -> bool {
        if norm == self.norm {
            return true;
        }
        let toks: Vec<&str> = norm.split(' ').collect();
        let shorter = toks.len().min(self.norm.split(' ').count());
        if shorter < Q::MIN_TOKENS {
            return false;
        }
        let (j, c) =
            minhash::jaccard_containment(&self.shingles, &minhash::shingles(&toks, Q::SHINGLE));
        j >= Q::JACCARD || (shorter >= Q::MIN_CONTAINED && c >= Q::CONTAINMENT)
    }
}

/// A technique row.
#[derive(Debug, Clone)]
pub struct TechniqueRow {
    pub idx: usize,
    pub technique: String,
    pub technique_2023: String,
    pub start: usize,
    pub end: usize,
    pub score: f32,
}

/// Everything the writer needs for one document.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub content_hash: String,
    pub doc_id: String,
    pub source: Option<String>,
    pub url: Option<String>,
    pub outlet: Option<String>,
    pub dateline: Option<String>,
    pub title: Option<String>,
    pub byline: Option<String>,
    pub language: Option<String>,
    pub text: String,
    pub analysis: Vec<u8>,
    pub stages: String,
    pub minhash: Vec<u64>,
    pub doc_keys: Vec<i64>,
    pub entities: Vec<EntityRow>,
    pub mentions: Vec<MentionRow>,
    pub quotes: Vec<QuoteRow>,
    pub techniques: Vec<TechniqueRow>,
}

/// Hex BLAKE3 of a text: a document's identity.
pub fn content_hash(text: &str) -> String {
    blake3::hash(text.as_bytes()).to_hex().to_string()
}

/// Key of a quote's exact normalised wording (a pseudo band, so exact repeats always meet).
pub fn exact_key(norm: &str) -> i64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(norm.as_bytes(), 0x5157) as i64
}

/// Quote shingles and LSH keys from normalised tokens. Quotes shorter than
/// [`Q::MIN_TOKENS`] words get no keys: like MemeTracker, short phrases ("it", "I don't know")
/// are too common to say that one quotation travelled.
pub fn quote_keys(tokens: &[String]) -> (Vec<u64>, Vec<i64>) {
    let norm = tokens.join(" ");
    let sh = minhash::shingles(tokens, Q::SHINGLE);
    let mut keys = Vec::new();
    if tokens.len() >= Q::MIN_TOKENS {
        keys.push(exact_key(&norm));
        let sig = minhash::signature(&sh, Q::HASHES);
        keys.extend(minhash::band_keys(&sig, Q::BANDS, Q::ROWS));
    }
    (sh, keys)
}

/// Compresses the analysis JSON without its `text` (stored once, in its own column).
pub fn compress_analysis(a: &Analysis) -> Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(16 * a.document.text.len() + 4096);
    a.write_json_without_text(&mut bytes)
        .map_err(|e| StoreError::Json(e.to_string()))?;
    Ok(lz4_flex::compress_prepend_size(&bytes))
}

/// A stored document from a backend's row (metadata + compressed analysis), analysis parsed.
pub fn stored_from_parts(
    parts: Option<(crate::RawDocument, Vec<u8>)>,
) -> Result<Option<crate::StoredDocument>> {
    let Some((raw, blob)) = parts else {
        return Ok(None);
    };
    let analysis = decompress_analysis(&blob, &raw.text)?;
    Ok(Some(crate::StoredDocument {
        id: raw.id,
        story: raw.story,
        ingested_at: raw.ingested_at,
        sources: raw.sources,
        analysis,
    }))
}

/// A backend's row with the analysis JSON decompressed but not parsed.
pub fn raw_from_parts(
    parts: Option<(crate::RawDocument, Vec<u8>)>,
) -> Result<Option<crate::RawDocument>> {
    let Some((mut raw, blob)) = parts else {
        return Ok(None);
    };
    raw.analysis_json = decompress_json(&blob)?;
    Ok(Some(raw))
}

/// The stored analysis JSON (without `text`), decompressed.
pub fn decompress_json(blob: &[u8]) -> Result<Vec<u8>> {
    lz4_flex::decompress_size_prepended(blob).map_err(|e| StoreError::Json(format!("lz4: {e}")))
}

/// Inverse of [`compress_analysis`].
pub fn decompress_analysis(blob: &[u8], text: &str) -> Result<Analysis> {
    let bytes = decompress_json(blob)?;
    let mut v: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| StoreError::Json(e.to_string()))?;
    if let Some(o) = v.as_object_mut() {
        o.insert("text".into(), serde_json::Value::String(text.to_string()));
    }
    Analysis::from_json_value(v).map_err(|e| StoreError::Json(e.to_string()))
}

/// Prepares the rows of one analysis.
pub fn prepare(a: &Analysis) -> Result<Prepared> {
    let doc = &a.document;
    let text = &doc.text;
    let map = OffsetMap::new(text);
    let ch = |s: &Span| (map.to_char(s.start), map.to_char(s.end));
    let content_hash = if doc.content_hash.is_empty() {
        content_hash(text)
    } else {
        doc.content_hash.clone()
    };
    let tokens = minhash::normalise_tokens(text);
    let minhash = minhash::signature(&minhash::shingles(&tokens, D::SHINGLE), D::HASHES);
    let doc_keys = minhash::band_keys(&minhash, D::BANDS, D::ROWS);

    let mut entities = Vec::new();
    let mut mentions = Vec::new();
    if let Some(e) = &a.entities {
        for c in &e.clusters {
            entities.push(EntityRow {
                idx: c.id,
                canonical: c.canonical.clone(),
                entity_type: c.entity_type.as_str().to_string(),
                mentions: c.mentions.len(),
                aliases: c.aliases.clone(),
            });
        }
        for m in &e.mentions {
            let (start, end) = ch(&m.span);
            mentions.push(MentionRow {
                idx: m.id,
                cluster: m.cluster,
                start,
                end,
                entity_type: m.entity_type.as_str().to_string(),
                kind: format!("{:?}", m.kind).to_lowercase(),
            });
        }
    }
    let mut quotes = Vec::new();
    if let Some(q) = &a.quotes {
        for quote in &q.quotes {
            let Some(first) = quote.content.first() else {
                continue;
            };
            let cover = quote
                .content
                .iter()
                .fold(*first, |acc: Span, s| acc.cover(s));
            let qtext = quote
                .content
                .iter()
                .map(|s| s.text(text).trim())
                .collect::<Vec<_>>()
                .join(" … ");
            let toks = minhash::normalise_tokens(&qtext);
            if toks.is_empty() {
                continue;
            }
            // Reported speech (indirect) is a paraphrase, not a quotation that can spread.
            let (shingles, keys) =
                if quote.kind == newslens_core::layers::quotes::QuoteKind::Indirect {
                    (Vec::new(), Vec::new())
                } else {
                    quote_keys(&toks)
                };
            let speaker = quote.speaker_name.clone().or_else(|| {
                quote
                    .speaker
                    .and_then(|c| a.entities.as_ref()?.clusters.get(c))
                    .map(|c| c.canonical.clone())
            });
            let (start, end) = ch(&cover);
            quotes.push(QuoteRow {
                idx: quote.id,
                kind: format!("{:?}", quote.kind).to_lowercase(),
                text: qtext,
                norm: toks.join(" "),
                start,
                end,
                speaker_cluster: quote.speaker,
                speaker,
                shingles,
                keys,
            });
        }
    }
    let mut techniques = Vec::new();
    if let Some(r) = &a.rhetoric {
        for t in &r.techniques {
            let (start, end) = ch(&t.span);
            techniques.push(TechniqueRow {
                idx: t.id,
                technique: t.technique.clone(),
                technique_2023: t.technique_2023.clone(),
                start,
                end,
                score: t.score,
            });
        }
    }
    Ok(Prepared {
        content_hash,
        doc_id: doc.id.clone(),
        source: doc.source.clone(),
        url: doc.url.clone(),
        outlet: doc.outlet.clone(),
        dateline: doc.dateline.map(|d| d.format("%Y-%m-%d").to_string()),
        title: doc.title.clone(),
        byline: doc.byline.clone(),
        language: doc.language.clone(),
        text: text.clone(),
        analysis: compress_analysis(a)?,
        stages: a.stages.join(","),
        minhash,
        doc_keys,
        entities,
        mentions,
        quotes,
        techniques,
    })
}
