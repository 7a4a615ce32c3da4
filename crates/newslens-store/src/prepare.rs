//! Turning an [`Analysis`] into rows, off the writer thread (runs in the parallel workers).

use newslens_core::layers::text::{Paragraph, Sentence, Token};
use newslens_core::{Analysis, Document, OffsetMap, Span};

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
    /// Its words and their shingles (no shingles for indirect quotes, which do not spread).
    pub wording: Wording,
    pub keys: Vec<i64>,
}

impl QuoteRow {
    /// Whether a stored quote with normalised wording `norm` is the same quotation, exact or
    /// lightly mutated (the rule both store backends verify LSH candidates with): the same
    /// wording, or — both at least [`Q::MIN_TOKENS`] words — bigram Jaccard ≥ [`Q::JACCARD`]
    /// with at least [`Q::MIN_SHARED`] bigrams in common,
    /// or containment ≥ [`Q::CONTAINMENT`] when the shorter has at least [`Q::MIN_CONTAINED`]
    /// words (only then is a truncated quote distinctive).
    pub fn matches(&self, norm: &str) -> bool {
        norm == self.norm || self.wording.resembles(&Wording::of(norm))
    }
}

/// A quote's normalised wording as clustering compares it (a writer keeps the wordings of
/// stored quotes it verifies again and again).
#[derive(Debug, Clone)]
pub struct Wording {
    /// Number of words.
    pub words: usize,
    /// Sorted word-bigram hashes ([`minhash::shingles`]).
    pub shingles: Vec<u64>,
}

impl Wording {
    /// Counts the words and shingles of a normalised wording (words joined by single spaces).
    pub fn of(norm: &str) -> Self {
        let toks: Vec<&str> = norm.split(' ').collect();
        Self {
            words: toks.len(),
            shingles: minhash::shingles(&toks, Q::SHINGLE),
        }
    }

    /// The non-exact part of [`QuoteRow::matches`]: both at least [`Q::MIN_TOKENS`] words, and
    /// Jaccard or (for long enough quotes) containment of the shingles over the thresholds.
    pub fn resembles(&self, other: &Wording) -> bool {
        let shorter = self.words.min(other.words);
        if shorter < Q::MIN_TOKENS {
            return false;
        }
        let (j, c, shared) = minhash::jaccard_containment(&self.shingles, &other.shingles);
        (j >= Q::JACCARD && shared >= Q::MIN_SHARED)
            || (shorter >= Q::MIN_CONTAINED && c >= Q::CONTAINMENT)
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

/// Compresses the analysis JSON in the stored form: without its `text` (stored once, in its own
/// column), with `"tokens":[]` (derived again on read, [`derived_tokens`]) and spans without
/// their texts (put back on read by `restore_span_texts`).
pub fn compress_analysis(a: &Analysis) -> Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(10 * a.document.text.len() + 4096);
    a.write_json_stored(&mut bytes)
        .map_err(|e| StoreError::Json(e.to_string()))?;
    Ok(lz4_flex::compress_prepend_size(&bytes))
}

/// The tokens of a stored analysis: the text stage's segmentation of `text`, which is how they
/// were made. They are used only if that segmentation gives the stored paragraphs and sentences
/// (the token ranges of sentences must hold); an analysis stored by a build that tokenised
/// differently keeps no tokens rather than wrong ones. Analyses stored with their tokens (stores
/// written before the stored form left them out) and analyses without a text layer need none.
pub fn derived_tokens(
    text: &str,
    title_span: Option<Span>,
    byline_span: Option<Span>,
    paragraphs: &[Paragraph],
    sentences: &[Sentence],
) -> Vec<Token> {
    if sentences.is_empty() {
        return Vec::new();
    }
    let mut a = Analysis::new(Document {
        text: text.to_string(),
        title_span,
        byline_span,
        ..Document::default()
    });
    newslens_text::segment(&mut a);
    if a.paragraphs == paragraphs && a.sentences == sentences {
        a.tokens
    } else {
        Vec::new()
    }
}

/// Puts the derived tokens back into a stored analysis JSON whose `tokens` were left out (the
/// first `"tokens":` member is the top-level one: the members before it — document fields,
/// paragraphs, sentences — have no such key, and a key cannot occur inside a JSON string).
fn restore_tokens_json(json: &mut Vec<u8>, text: &str) -> Result<()> {
    const EMPTY: &[u8] = b"\"tokens\":[]";
    let Some(at) = memchr::memmem::find(json, b"\"tokens\":") else {
        return Ok(());
    };
    if !json[at..].starts_with(EMPTY) {
        return Ok(());
    }
    #[derive(serde::Deserialize)]
    struct TextLayer {
        #[serde(default)]
        title_span: Option<Span>,
        #[serde(default)]
        byline_span: Option<Span>,
        #[serde(default)]
        paragraphs: Vec<Paragraph>,
        #[serde(default)]
        sentences: Vec<Sentence>,
    }
    let err = |e: serde_json::Error| StoreError::Json(e.to_string());
    let layer: TextLayer =
        newslens_core::json::with_text(text, || serde_json::from_slice(json)).map_err(err)?;
    let tokens = derived_tokens(
        text,
        layer.title_span,
        layer.byline_span,
        &layer.paragraphs,
        &layer.sentences,
    );
    if tokens.is_empty() {
        return Ok(());
    }
    let mut list = Vec::with_capacity(tokens.len() * 48);
    newslens_core::json::with_text(text, || serde_json::to_writer(&mut list, &tokens))
        .map_err(err)?;
    let list_at = at + EMPTY.len() - 2;
    json.splice(list_at..list_at + 2, list);
    Ok(())
}

/// Puts the span texts back into a stored analysis JSON whose spans were written without them
/// (`"start":S,"end":E` with no `"text"` after: the stored form, [`compress_analysis`]); spans
/// that have their text (stores written before) are left as they are. The text is the document
/// text between the code point offsets, escaped as serde_json escapes it, and goes where a span
/// writes it (right after `end`), so the result is the JSON the analysis gives outside the
/// stored form. Only object keys can match `"start":`: inside a JSON string every `"` is
/// escaped, and a string's closing quote is never followed by a letter.
fn restore_span_texts(json: &mut Vec<u8>, text: &str) -> Result<()> {
    const START: &[u8] = b"\"start\":";
    const END: &[u8] = b",\"end\":";
    const TEXT: &[u8] = b",\"text\":";
    /// The decimal number at the start of `b`, and its length.
    fn number(b: &[u8]) -> Option<(usize, usize)> {
        let len = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let n = std::str::from_utf8(&b[..len]).ok()?.parse().ok()?;
        Some((n, len))
    }
    let map = OffsetMap::new(text);
    // Allocated at the first span to restore: older stores' JSON has none.
    let mut out: Vec<u8> = Vec::new();
    let mut copied = 0;
    for at in memchr::memmem::find_iter(json, START) {
        let Some((start, n1)) = number(&json[at + START.len()..]) else {
            continue;
        };
        let after_start = at + START.len() + n1;
        if !json[after_start..].starts_with(END) {
            continue;
        }
        let Some((end, n2)) = number(&json[after_start + END.len()..]) else {
            continue;
        };
        let after_end = after_start + END.len() + n2;
        if json[after_end..].starts_with(TEXT) || start > end {
            continue;
        }
        if out.capacity() == 0 {
            out.reserve(json.len() + json.len() / 2);
        }
        out.extend_from_slice(&json[copied..after_end]);
        out.extend_from_slice(TEXT);
        let span = text
            .get(map.to_byte(start)..map.to_byte(end))
            .unwrap_or_default();
        serde_json::to_writer(&mut out, span).map_err(|e| StoreError::Json(e.to_string()))?;
        copied = after_end;
    }
    if copied > 0 {
        out.extend_from_slice(&json[copied..]);
        *json = out;
    }
    Ok(())
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
    restore_span_texts(&mut raw.analysis_json, &raw.text)?;
    restore_tokens_json(&mut raw.analysis_json, &raw.text)?;
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
    let mut a = Analysis::from_json_value(v).map_err(|e| StoreError::Json(e.to_string()))?;
    if a.tokens.is_empty() {
        let d = &a.document;
        a.tokens = derived_tokens(
            text,
            d.title_span,
            d.byline_span,
            &a.paragraphs,
            &a.sentences,
        );
    }
    Ok(a)
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
    let minhash = minhash::signature(&minhash::text_shingles(text, D::SHINGLE), D::HASHES);
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
                wording: Wording {
                    words: toks.len(),
                    shingles,
                },
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

#[cfg(test)]
mod tests {
    use super::*;

    fn segmented(text: &str) -> Analysis {
        let mut doc = Document::from_text("t", text.to_string());
        doc.title_span = Some(Span::new(0, text.find('\n').unwrap_or(text.len())));
        let mut a = Analysis::new(doc);
        newslens_text::segment(&mut a);
        a
    }

    #[test]
    fn short_quotes_one_word_apart_are_different_quotations() {
        let w = |s: &str| Wording::of(s);
        // Two of three bigrams shared: Jaccard 0.5, yet different things were said.
        assert!(!w("a lot of delegates").resembles(&w("a lot of emotion")));
        assert!(!w("a lot of people").resembles(&w("a lot of sacrifices")));
        // A word added at the end keeps the quotation (three of four bigrams shared).
        assert!(w("make the port great again").resembles(&w("make the port great again now")));
        // A longer quotation with one word changed still matches.
        assert!(w("we will never bow to blackmail from the hegemon")
            .resembles(&w("we will never bow to blackmail from any hegemon")));
    }

    const TEXT: &str = "Bridge opens at last\n\nThe minister said on Tuesday that the bridge \
                        would open. “It is done,” she said.\n\nCritics were not convinced. \
                        Its log read {\"start\":0,\"end\":3} twice.";

    #[test]
    fn stored_form_leaves_tokens_and_span_texts_out_and_reading_derives_them() {
        let mut a = segmented(TEXT);
        assert!(a.tokens.len() > 10);
        let quoted = TEXT.find("It is done").unwrap();
        a.quotes = Some(newslens_core::layers::quotes::QuoteLayer {
            quotes: vec![newslens_core::layers::quotes::Quote {
                id: 0,
                kind: newslens_core::layers::quotes::QuoteKind::Direct,
                content: vec![Span::new(quoted, quoted + "It is done,".len())],
                cue: Some(Span::new(quoted + 16, quoted + 20)),
                cue_lemma: Some("say".into()),
                source: None,
                speaker: None,
                speaker_name: None,
                score: 1.0,
            }],
            scare_quotes: Vec::new(),
        });
        let blob = compress_analysis(&a).unwrap();
        let json = String::from_utf8(decompress_json(&blob).unwrap()).unwrap();
        assert!(json.contains("\"tokens\":[]"), "{json}");
        assert!(!json.contains("\"text\":"), "{json}");
        let back = decompress_analysis(&blob, TEXT).unwrap();
        assert_eq!(back.tokens, a.tokens);
        assert_eq!(back.to_json_value().unwrap(), a.to_json_value().unwrap());

        // The raw path puts back the same span texts and tokens: the JSON outside the stored
        // form, byte for byte (code point offsets after the curly quotes, the log's braces
        // escaped inside its sentence's text).
        let mut raw = json.into_bytes();
        restore_span_texts(&mut raw, TEXT).unwrap();
        restore_tokens_json(&mut raw, TEXT).unwrap();
        let mut full = Vec::new();
        a.write_json_without_text(&mut full).unwrap();
        assert_eq!(
            String::from_utf8(raw).unwrap(),
            String::from_utf8(full).unwrap()
        );
    }

    #[test]
    fn analyses_stored_with_tokens_read_back_unchanged() {
        // The form of stores written before tokens were left out.
        let a = segmented(TEXT);
        let mut json = Vec::new();
        a.write_json_without_text(&mut json).unwrap();
        let blob = lz4_flex::compress_prepend_size(&json);
        let back = decompress_analysis(&blob, TEXT).unwrap();
        assert_eq!(back.tokens, a.tokens);
        let mut raw = decompress_json(&blob).unwrap();
        restore_span_texts(&mut raw, TEXT).unwrap();
        restore_tokens_json(&mut raw, TEXT).unwrap();
        assert_eq!(raw, json);
    }

    #[test]
    fn tokens_are_not_derived_when_the_segmentation_disagrees() {
        // Stored sentences that this build's segmentation does not produce (another tokenizer):
        // no tokens rather than tokens that do not fit the sentences.
        let mut a = segmented(TEXT);
        a.sentences.truncate(1);
        let blob = compress_analysis(&a).unwrap();
        assert!(decompress_analysis(&blob, TEXT).unwrap().tokens.is_empty());
        // Without a text layer there is nothing to derive.
        let bare = Analysis::new(Document::from_text("t", TEXT.to_string()));
        let blob = compress_analysis(&bare).unwrap();
        assert!(decompress_analysis(&blob, TEXT).unwrap().tokens.is_empty());
    }
}
