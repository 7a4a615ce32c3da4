//! The tantivy full-text index: one tantivy document per article and per quote.
//!
//! The index is derived data. Its commit payload records the highest document store id it holds
//! (documents are indexed in id order), so on open the store re-indexes every SQLite row above
//! that watermark: a crash between a SQLite commit and a tantivy commit loses nothing, and
//! tantivy never holds a row SQLite rolled back (rows are indexed only after their commit).

use std::collections::HashMap;
use std::ops::Bound;
use std::path::Path;

use chrono::NaiveDate;
use tantivy::collector::{Collector, SegmentCollector, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, EmptyQuery, EnableScoring, Explanation, Occur, PhraseQuery, Query,
    QueryParser, RangeQuery, Scorer, TermQuery, Weight,
};
use tantivy::schema::{
    DateOptions, Field, IndexRecordOption, Schema, Value, FAST, INDEXED, STORED, STRING, TEXT,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DateTime, DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentReader,
    TantivyDocument, Term,
};

use crate::model::{HitKind, SearchQuery};
use crate::{Result, StoreError};

/// Field handles.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// `a<id>` or `q<id>`: unique key.
    pub uid: Field,
    /// `article` or `quote`.
    pub kind: Field,
    /// Article store id.
    pub doc: Field,
    /// Quote id (quotes only).
    pub quote: Field,
    /// Headline (articles).
    pub title: Field,
    /// Article text or quote text.
    pub body: Field,
    /// Speaker name (quotes).
    pub speaker: Field,
    /// Entity names of the article (canonical names and aliases); articles only.
    pub entity: Field,
    /// Technique labels of the article, lower-cased; articles only.
    pub technique: Field,
    /// Outlet, lower-cased.
    pub outlet: Field,
    /// Dateline.
    pub date: Field,
}

fn build_schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let f = Fields {
        uid: b.add_text_field("uid", STRING),
        kind: b.add_text_field("kind", STRING),
        doc: b.add_i64_field("doc", INDEXED | STORED | FAST),
        // Fast: ties are broken by quote id within an article (see [`SearchIndex::search`]).
        quote: b.add_i64_field("quote", STORED | FAST),
        title: b.add_text_field("title", TEXT),
        body: b.add_text_field("body", TEXT),
        speaker: b.add_text_field("speaker", TEXT),
        entity: b.add_text_field("entity", TEXT),
        technique: b.add_text_field("technique", STRING),
        outlet: b.add_text_field("outlet", STRING),
        date: b.add_date_field("date", DateOptions::default().set_indexed().set_fast()),
    };
    (b.build(), f)
}

/// What gets indexed for one article.
#[derive(Debug, Clone, Default)]
pub struct IndexDoc {
    /// Store id.
    pub id: i64,
    /// Headline.
    pub title: Option<String>,
    /// Full text.
    pub text: String,
    /// Outlet.
    pub outlet: Option<String>,
    /// Dateline.
    pub dateline: Option<NaiveDate>,
    /// Entity names.
    pub entities: Vec<String>,
    /// Technique labels.
    pub techniques: Vec<String>,
    /// Quotes: (quote id, text, speaker).
    pub quotes: Vec<(i64, String, Option<String>)>,
}

/// A raw hit before the store joins it with SQLite.
#[derive(Debug, Clone, Copy)]
pub struct RawHit {
    /// Article or quote.
    pub kind: HitKind,
    /// Article store id.
    pub doc: i64,
    /// Quote id.
    pub quote: Option<i64>,
    /// Score.
    pub score: f32,
}

/// Words a quote's length is compared with when its score is scaled ([`SearchIndex::search`]):
/// a one-word quote keeps a third of its score, a ten-word one five sixths.
const QUOTE_LENGTH_PRIOR: Score = 2.0;

/// The full-text index of a store.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    f: Fields,
}

fn date_of(d: NaiveDate) -> DateTime {
    let secs = d
        .and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp());
    DateTime::from_timestamp_secs(secs)
}

impl SearchIndex {
    /// True if `dir` holds an index with another schema than this build's (one written by an
    /// older build): it is derived data, and a writer rebuilds it.
    pub fn is_outdated(dir: &Path) -> bool {
        match Index::open_in_dir(dir) {
            Ok(index) => index.schema() != build_schema().0,
            Err(_) => false,
        }
    }

    /// Opens the index in `dir`, creating it if the directory is missing or empty.
    pub fn open(dir: &Path) -> Result<Self> {
        let (schema, f) = build_schema();
        let empty = match std::fs::read_dir(dir) {
            Ok(mut it) => it.next().is_none(),
            Err(_) => true,
        };
        let index = if empty {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
            Index::create_in_dir(dir, schema)?
        } else {
            let index = Index::open_in_dir(dir).map_err(|e| StoreError::Corrupt {
                path: dir.to_path_buf(),
                reason: format!(
                    "cannot open the search index ({e}); it is derived data: remove that \
                     directory and the next ingest rebuilds it from the database"
                ),
            })?;
            if index.schema() != schema {
                return Err(StoreError::Corrupt {
                    path: dir.to_path_buf(),
                    reason: "the search index was written by another version of newslens; the \
                         next ingest (or a search while no ingest runs) rebuilds it from the \
                         database"
                        .into(),
                });
            }
            index
        };
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()?;
        Ok(Self { index, reader, f })
    }

    /// Highest document store id whose article and quotes are committed to the index.
    pub fn watermark(&self) -> Result<i64> {
        let metas = self.index.load_metas()?;
        Ok(metas
            .payload
            .as_deref()
            .and_then(|p| p.strip_prefix("watermark="))
            .and_then(|p| p.parse().ok())
            .unwrap_or(0))
    }

    /// A writer (takes tantivy's own directory lock). One indexing thread: the store's writer
    /// feeds it from one thread anyway, and each extra thread wrote a segment of its own at every
    /// commit — twice the segments a search visits and twice the merges (6 → 3 segments after
    /// 2,000 varied articles; ingest CPU time the same or a few per cent lower, alternated runs).
    pub fn writer(&self) -> Result<IndexWriter> {
        Ok(self.index.writer_with_num_threads(1, 64 * 1024 * 1024)?)
    }

    /// Adds an article and its quotes.
    pub fn add(&self, w: &IndexWriter, d: &IndexDoc) -> Result<()> {
        let f = &self.f;
        let mut common = TantivyDocument::default();
        common.add_i64(f.doc, d.id);
        if let Some(o) = &d.outlet {
            common.add_text(f.outlet, o.to_lowercase());
        }
        if let Some(date) = d.dateline {
            common.add_date(f.date, date_of(date));
        }
        let mut art = common.clone();
        // Quote documents do not repeat their article's entity names and technique labels (on
        // quote-heavy articles those copies were two thirds of the tokens indexed): `--entity`
        // and `--technique` join quotes to their article through the store id instead
        // ([`SearchIndex::article_filter`]).
        for e in &d.entities {
            art.add_text(f.entity, e);
        }
        for t in &d.techniques {
            art.add_text(f.technique, t.to_lowercase());
        }
        art.add_text(f.uid, format!("a{}", d.id));
        art.add_text(f.kind, "article");
        if let Some(t) = &d.title {
            art.add_text(f.title, t);
        }
        art.add_text(f.body, &d.text);
        w.add_document(art)?;
        for (qid, text, speaker) in &d.quotes {
            let mut q = common.clone();
            q.add_text(f.uid, format!("q{qid}"));
            q.add_text(f.kind, "quote");
            q.add_i64(f.quote, *qid);
            q.add_text(f.body, text);
            if let Some(s) = speaker {
                q.add_text(f.speaker, s);
            }
            w.add_document(q)?;
        }
        Ok(())
    }

    /// Commits with `watermark` as the highest indexed store id, and reloads the reader.
    pub fn commit(&self, w: &mut IndexWriter, watermark: i64) -> Result<()> {
        let mut prepared = w.prepare_commit()?;
        prepared.set_payload(&format!("watermark={watermark}"));
        prepared.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Number of segments a search visits (each adds a fixed cost to every query).
    pub fn segments(&self) -> Result<usize> {
        Ok(self.index.searchable_segment_ids()?.len())
    }

    fn analyzer(&self) -> Result<TextAnalyzer> {
        Ok(self.index.tokenizer_for_field(self.f.body)?)
    }

    /// Tokens of `text` as the index sees them (lower-cased words).
    fn terms_of(&self, text: &str) -> Result<Vec<String>> {
        let mut a = self.analyzer()?;
        let mut out = Vec::new();
        let mut ts = a.token_stream(text);
        while ts.advance() {
            out.push(ts.token().text.clone());
        }
        Ok(out)
    }

    fn name_query(&self, field: Field, name: &str) -> Result<Box<dyn Query>> {
        let speaker = field == self.f.speaker;
        let terms: Vec<Term> = self
            .terms_of(name)?
            .into_iter()
            .map(|t| Term::from_field_text(field, &t))
            .collect();
        Ok(match terms.len() {
            0 => return Err(StoreError::Query(format!("empty name `{name}`"))),
            1 => Box::new(TermQuery::new(terms[0].clone(), IndexRecordOption::Basic)),
            // A speaker's first and last name also finds the name with a middle initial
            // ("Donald J. Trump"), as the entity listing merges the two. (A document's entity
            // field holds many names one after another: no slop there.)
            2 if speaker => {
                let mut p = PhraseQuery::new(terms);
                p.set_slop(1);
                Box::new(p)
            }
            _ => Box::new(PhraseQuery::new(terms)),
        })
    }

    /// The documents of the articles `articles` matches, and of those articles' quotes: the
    /// matching articles' store ids, then every document carrying one of them (indexes written
    /// when quote documents still copied their article's fields give the same ids).
    fn article_filter(&self, articles: &dyn Query) -> Result<Box<dyn Query>> {
        let ids = self.reader.searcher().search(articles, &StoreIds)?;
        if ids.is_empty() {
            return Ok(Box::new(EmptyQuery));
        }
        Ok(Box::new(StoreIdFilter::new(&ids)))
    }

    /// Builds the tantivy query of a search request.
    pub fn build_query(&self, q: &SearchQuery) -> Result<Box<dyn Query>> {
        let f = &self.f;
        let mut parts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if q.text.trim().is_empty() {
            parts.push((Occur::Must, Box::new(AllQuery)));
        } else {
            let mut parser = QueryParser::for_index(&self.index, vec![f.title, f.body]);
            parser.set_conjunction_by_default();
            parser.set_field_boost(f.title, 2.0);
            let parsed = parser
                .parse_query(&q.text)
                .map_err(|e| StoreError::Query(format!("{}: {e}", q.text)))?;
            parts.push((Occur::Must, parsed));
        }
        let filter = |p: &mut Vec<(Occur, Box<dyn Query>)>, query: Box<dyn Query>| {
            // Filters must not change the ranking: wrap them as constant-score clauses.
            p.push((
                Occur::Must,
                Box::new(tantivy::query::ConstScoreQuery::new(query, 0.0)),
            ));
        };
        if let Some(s) = &q.speaker {
            filter(&mut parts, self.name_query(f.speaker, s)?);
            filter(
                &mut parts,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.kind, "quote"),
                    IndexRecordOption::Basic,
                )),
            );
        }
        if let Some(e) = &q.entity {
            filter(
                &mut parts,
                self.article_filter(&*self.name_query(f.entity, e)?)?,
            );
        }
        if let Some(t) = &q.technique {
            let label = TermQuery::new(
                Term::from_field_text(f.technique, &t.to_lowercase()),
                IndexRecordOption::Basic,
            );
            filter(&mut parts, self.article_filter(&label)?);
        }
        if let Some(o) = &q.source {
            filter(
                &mut parts,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.outlet, &o.to_lowercase()),
                    IndexRecordOption::Basic,
                )),
            );
        }
        if q.from.is_some() || q.to.is_some() {
            let lo = q.from.map_or(Bound::Unbounded, |d| {
                Bound::Included(Term::from_field_date(f.date, date_of(d)))
            });
            let hi = q.to.map_or(Bound::Unbounded, |d| {
                Bound::Included(Term::from_field_date(f.date, date_of(d)))
            });
            filter(&mut parts, Box::new(RangeQuery::new(lo, hi)));
        }
        Ok(Box::new(BooleanQuery::new(parts)))
    }

    /// Runs a query; returns ranked raw hits.
    pub fn search(&self, query: &dyn Query, limit: usize) -> Result<Vec<RawHit>> {
        let searcher = self.reader.searcher();
        // Equal scores are common (short quotes, repeated copies of a story); tantivy breaks ties
        // by segment and position, which depend on how its indexing threads split the work, so
        // the same corpus could list tied hits in a different order (or cut a different one at
        // the limit) from one ingest to the next. The store id, then the quote id (an article
        // before its quotes), make the order reproducible.
        //
        // A quote's score is also scaled by its length: BM25 favours short fields, so a quote of
        // one word (a scare-quoted "sanctions") outranked every article and every full sentence
        // about sanctions. Scaling by n / (n + 2) words keeps such quotes findable, below the
        // sentences that say something.
        let body = self.f.body;
        let collector =
            TopDocs::with_limit(limit.max(1)).tweak_score(move |segment: &SegmentReader| {
                let fast = segment.fast_fields();
                let ids = fast.i64("doc").ok().map(|c| c.first_or_default_col(0));
                let quotes = fast.i64("quote").ok().map(|c| c.first_or_default_col(-1));
                let lengths = segment.get_fieldnorms_reader(body).ok();
                move |doc: DocId, score: Score| {
                    let id = ids.as_ref().map_or(0, |c| c.get_val(doc));
                    let quote = quotes.as_ref().map_or(-1, |c| c.get_val(doc));
                    let score = match (&lengths, quote) {
                        (Some(l), q) if q >= 0 => {
                            let words = l.fieldnorm(doc) as Score;
                            score * words / (words + QUOTE_LENGTH_PRIOR)
                        }
                        _ => score,
                    };
                    (score, std::cmp::Reverse((id, quote)))
                }
            });
        let top = searcher.search(query, &collector)?;
        let mut out = Vec::with_capacity(top.len());
        for ((score, _), addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let id = doc.get_first(self.f.doc).and_then(|v| v.as_i64());
            let quote = doc.get_first(self.f.quote).and_then(|v| v.as_i64());
            if let Some(id) = id {
                out.push(RawHit {
                    kind: if quote.is_some() {
                        HitKind::Quote
                    } else {
                        HitKind::Article
                    },
                    doc: id,
                    quote,
                    score,
                });
            }
        }
        Ok(out)
    }

    /// A [`Highlighter`] for `query`: its body/title words, weighted like tantivy's snippet
    /// generator (rarer words weigh more), ready to be located in any number of hit texts.
    pub fn highlighter(&self, query: &dyn Query) -> Result<Highlighter> {
        let searcher = self.reader.searcher();
        let (body, title) = (self.f.body, self.f.title);
        let mut terms: Vec<Term> = Vec::new();
        query.query_terms(&mut |term, _| {
            if (term.field() == body || term.field() == title) && !terms.contains(term) {
                terms.push(term.clone());
            }
        });
        let mut words: HashMap<String, f32> = HashMap::new();
        for t in &terms {
            let value = t.value();
            let Some(w) = value.as_str() else {
                continue;
            };
            let weight = if t.field() == body {
                let df = searcher.doc_freq(t)?;
                if df > 0 {
                    1.0 / (1.0 + df as f32)
                } else {
                    0.0
                }
            } else {
                0.0
            };
            let e = words.entry(w.to_string()).or_insert(0.0);
            *e = e.max(weight);
        }
        Highlighter::new(words, self.analyzer()?)
    }

    /// Number of tantivy documents (articles + quotes) visible to searches.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }
}

/// Longest snippet, in bytes (what tantivy's `SnippetGenerator::set_max_num_chars` counts).
pub const SNIPPET_BYTES: usize = 200;

/// A snippet chosen inside a text: byte range and highlighted byte ranges (relative to the text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnippetRange {
    /// Start of the snippet in the text (bytes).
    pub start: usize,
    /// End of the snippet in the text (bytes).
    pub end: usize,
    /// Matches inside the snippet, in text bytes.
    pub highlights: Vec<(usize, usize)>,
}

/// Finds a query's words in hit texts and picks a snippet, in one pass over each text.
///
/// tantivy's `SnippetGenerator` and a second tokenizer pass for the spans tokenised the whole
/// text of every hit twice (lower-casing and hashing every token): that was most of the cost of
/// a search. Here, when the query's words are ASCII (the usual case), the text is lower-cased
/// byte for byte (ASCII only, so offsets are unchanged) and each word is found with a SIMD
/// substring search; a match counts only where the index's tokenizer would have produced
/// exactly that token (no letter or digit on either side). Queries with non-ASCII words fall
/// back to the index's tokenizer, so the result is the same either way.
pub struct Highlighter {
    /// Lower-cased word -> snippet weight (`1 / (1 + doc_freq)` in the body field).
    words: HashMap<String, f32>,
    /// Substring finders of the ASCII words, with their weights.
    finders: Vec<(memchr::memmem::Finder<'static>, f32)>,
    analyzer: Option<TextAnalyzer>,
}

impl std::fmt::Debug for Highlighter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Highlighter")
            .field("words", &self.words)
            .field("ascii", &self.analyzer.is_none())
            .finish()
    }
}

impl Highlighter {
    /// A highlighter for lower-cased `words` and their weights; `analyzer` is the index's body
    /// tokenizer (used only when a word is not ASCII).
    pub fn new(words: HashMap<String, f32>, analyzer: TextAnalyzer) -> Result<Self> {
        if words.keys().all(|w| w.is_ascii()) {
            let finders = words
                .iter()
                .filter(|(w, _)| !w.is_empty())
                .map(|(w, s)| (memchr::memmem::Finder::new(w.as_bytes()).into_owned(), *s))
                .collect();
            Ok(Self {
                words,
                finders,
                analyzer: None,
            })
        } else {
            Ok(Self {
                words,
                finders: Vec::new(),
                analyzer: Some(analyzer),
            })
        }
    }

    /// Byte ranges (sorted, disjoint) of the tokens of `text` that are query words, with their
    /// snippet weights.
    pub fn matches(&self, text: &str) -> Vec<(usize, usize, f32)> {
        let mut out = Vec::new();
        if let Some(a) = &self.analyzer {
            let mut a = a.clone();
            let mut ts = a.token_stream(text);
            while ts.advance() {
                let t = ts.token();
                if let Some(w) = self.words.get(&t.text) {
                    out.push((t.offset_from, t.offset_to, *w));
                }
            }
            return out;
        }
        if self.finders.is_empty() {
            return out;
        }
        let lower = text.as_bytes().to_ascii_lowercase();
        for (f, weight) in &self.finders {
            let n = f.needle().len();
            for s in f.find_iter(&lower) {
                let e = s + n;
                // Only whole tokens: tantivy's SimpleTokenizer cuts at every non-alphanumeric
                // char, so a token is bounded by one (or by the ends of the text). The match is
                // ASCII, so `s` and `e` are char boundaries.
                let before = text[..s].chars().next_back();
                let after = text[e..].chars().next();
                if before.is_some_and(char::is_alphanumeric)
                    || after.is_some_and(char::is_alphanumeric)
                {
                    continue;
                }
                out.push((s, e, *weight));
            }
        }
        // Distinct words never match the same token: sorting by start keeps them disjoint.
        out.sort_by_key(|m| m.0);
        out
    }

    /// The snippet of `text` given its `matches` (from [`Highlighter::matches`]): the window
    /// of at most [`SNIPPET_BYTES`] bytes whose matches weigh most (the earliest on ties),
    /// widened to whole words around them. `None` without matches.
    pub fn snippet(text: &str, matches: &[(usize, usize, f32)]) -> Option<SnippetRange> {
        if matches.is_empty() {
            return None;
        }
        // Best window starting at a match: two pointers over the sorted matches.
        let (mut best, mut best_score, mut best_last) = (0usize, f32::MIN, 0usize);
        let (mut j, mut score) = (0usize, 0f32);
        for i in 0..matches.len() {
            if j < i {
                j = i;
                score = 0.0;
            }
            let limit = matches[i].0 + SNIPPET_BYTES;
            while j < matches.len() && matches[j].1 <= limit {
                score += matches[j].2;
                j += 1;
            }
            // A single match longer than the window still makes a snippet.
            let (s, last) = if j > i {
                (score, j - 1)
            } else {
                (matches[i].2, i)
            };
            if s > best_score {
                (best, best_score, best_last) = (i, s, last);
            }
            if j > i {
                score -= matches[i].2;
            }
        }
        let (first_s, last_e) = (matches[best].0, matches[best_last].1);
        let slack = SNIPPET_BYTES.saturating_sub(last_e - first_s);
        // A third of the spare room before the first match, the rest after, at word edges.
        let mut start = first_s.saturating_sub(slack / 3);
        while start < first_s && !word_start(text, start) {
            start += 1;
        }
        let mut end = (start + SNIPPET_BYTES).min(text.len()).max(last_e);
        while end > last_e && !word_end(text, end) {
            end -= 1;
        }
        while start < first_s && text[start..].starts_with(char::is_whitespace) {
            start += text[start..].chars().next().map_or(1, char::len_utf8);
        }
        let highlights = matches
            .iter()
            .filter(|m| m.0 >= start && m.1 <= end)
            .map(|m| (m.0, m.1))
            .collect();
        Some(SnippetRange {
            start,
            end,
            highlights,
        })
    }
}

/// True if a word starts at byte `i` of `text` (a char boundary after a non-alphanumeric char).
fn word_start(text: &str, i: usize) -> bool {
    text.is_char_boundary(i)
        && !text[..i]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
        && text[i..].chars().next().is_some_and(|c| !c.is_whitespace())
}

/// True if a word ends at byte `i` of `text` (a char boundary before a non-alphanumeric char).
fn word_end(text: &str, i: usize) -> bool {
    text.is_char_boundary(i)
        && !text[i..].chars().next().is_some_and(char::is_alphanumeric)
        && text[..i]
            .chars()
            .next_back()
            .is_some_and(|c| !c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::TokenizerManager;

    fn analyzer() -> TextAnalyzer {
        TokenizerManager::default()
            .get("default")
            .expect("default tokenizer")
    }

    fn hl(words: &[&str]) -> Highlighter {
        let w = words.iter().map(|w| (w.to_string(), 0.5)).collect();
        Highlighter::new(w, analyzer()).expect("highlighter")
    }

    /// What the index's tokenizer says the matches are.
    fn by_tokenizer(words: &[&str], text: &str) -> Vec<(usize, usize)> {
        let mut a = analyzer();
        let mut ts = a.token_stream(text);
        let mut out = Vec::new();
        while ts.advance() {
            let t = ts.token();
            if words.contains(&t.text.as_str()) {
                out.push((t.offset_from, t.offset_to));
            }
        }
        out
    }

    /// Tied hits of one article (its quotes share its store id) come article first, then in
    /// quote id order, whatever order tantivy stored them in.
    #[test]
    fn tied_quotes_of_one_article_are_listed_in_quote_order() {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(dir.path()).unwrap();
        let mut w = index.writer().unwrap();
        let same = "the quartzite talks will go on";
        index
            .add(
                &w,
                &IndexDoc {
                    id: 7,
                    text: "Nothing to see.".into(),
                    // Added in descending id order: tantivy's own order is the reverse.
                    quotes: (3..=5).rev().map(|q| (q, same.to_string(), None)).collect(),
                    ..IndexDoc::default()
                },
            )
            .unwrap();
        index.commit(&mut w, 7).unwrap();
        let query = index
            .build_query(&SearchQuery {
                text: "quartzite".into(),
                limit: 10,
                ..SearchQuery::default()
            })
            .unwrap();
        let hits = index.search(query.as_ref(), 10).unwrap();
        let quotes: Vec<Option<i64>> = hits.iter().map(|h| h.quote).collect();
        assert_eq!(quotes, vec![Some(3), Some(4), Some(5)]);
        assert!(hits.windows(2).all(|h| h[0].score == h[1].score));
        // The limit keeps the first of them.
        let top = index.search(query.as_ref(), 1).unwrap();
        assert_eq!(top[0].quote, Some(3));
    }

    #[test]
    fn ascii_matches_equal_the_tokenizer() {
        let text = "President's speech: the PRESIDENT, vice-president (presidential) \
                    président president2 «president» 🙂president x_president";
        let words = ["president", "speech", "vice"];
        let got: Vec<(usize, usize)> = hl(&words)
            .matches(text)
            .iter()
            .map(|m| (m.0, m.1))
            .collect();
        assert_eq!(got, by_tokenizer(&words, text));
        assert!(got.len() >= 5, "{got:?}");
    }

    #[test]
    fn non_ascii_words_use_the_tokenizer() {
        let text = "Selim Aydın met AYDIN and aydın in İzmir.";
        let words = ["aydın"];
        let h = hl(&words);
        assert!(h.analyzer.is_some());
        let got: Vec<(usize, usize)> = h.matches(text).iter().map(|m| (m.0, m.1)).collect();
        assert_eq!(got, by_tokenizer(&words, text));
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn snippet_is_short_on_word_edges_and_holds_the_best_matches() {
        let filler = "lorem ipsum dolor sit amet ".repeat(20);
        let text = format!(
            "{filler}the harbour strike {filler}harbour workers and the harbour board {filler}"
        );
        let h = hl(&["harbour"]);
        let m = h.matches(&text);
        assert_eq!(m.len(), 3);
        let s = Highlighter::snippet(&text, &m).expect("snippet");
        assert!(s.end - s.start <= SNIPPET_BYTES);
        assert_eq!(s.highlights.len(), 2, "the window with two matches wins");
        for (a, b) in &s.highlights {
            assert_eq!(&text[*a..*b], "harbour");
        }
        let snip = &text[s.start..s.end];
        assert!(!snip.starts_with(' ') && !snip.ends_with(' '), "{snip:?}");
        assert!(
            word_start(&text, s.start) && word_end(&text, s.end),
            "{snip:?}"
        );
        assert!(Highlighter::snippet(&text, &[]).is_none());
    }
}

/// Collects the store ids (`doc` fast field) of the matching documents.
struct StoreIds;

/// [`StoreIds`] for one segment.
struct SegmentStoreIds {
    column: std::sync::Arc<dyn tantivy::columnar::ColumnValues<i64>>,
    ids: Vec<i64>,
}

impl Collector for StoreIds {
    type Fruit = Vec<i64>;
    type Child = SegmentStoreIds;

    fn for_segment(
        &self,
        _segment: tantivy::SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentStoreIds> {
        Ok(SegmentStoreIds {
            column: reader.fast_fields().i64("doc")?.first_or_default_col(0),
            ids: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<i64>>) -> tantivy::Result<Vec<i64>> {
        Ok(fruits.concat())
    }
}

impl SegmentCollector for SegmentStoreIds {
    type Fruit = Vec<i64>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.ids.push(self.column.get_val(doc));
    }

    fn harvest(self) -> Vec<i64> {
        self.ids
    }
}

/// Matches the documents (articles and quotes) whose store id is in a set: the join behind
/// `--entity` and `--technique`. Hand-written because tantivy has no join, and its `TermSetQuery` over the ids
/// reads every posting of every id (an article with all its quotes) before the first hit.
/// This filter instead checks one fast-field value per document the rest of the query
/// proposes, so it costs nothing where the words of the query are selective.
#[derive(Clone)]
struct StoreIdFilter {
    /// Bit `id` is set for every store id in the set (store ids are small dense integers).
    bits: std::sync::Arc<Vec<u64>>,
}

impl StoreIdFilter {
    fn new(ids: &[i64]) -> Self {
        let max = ids.iter().copied().max().unwrap_or(0).max(0) as usize;
        let mut bits = vec![0u64; max / 64 + 1];
        for &id in ids {
            if id >= 0 {
                bits[id as usize / 64] |= 1 << (id as usize % 64);
            }
        }
        Self {
            bits: std::sync::Arc::new(bits),
        }
    }

    fn contains(bits: &[u64], id: i64) -> bool {
        id >= 0
            && bits
                .get(id as usize / 64)
                .is_some_and(|w| w & (1 << (id as usize % 64)) != 0)
    }
}

impl std::fmt::Debug for StoreIdFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreIdFilter").finish_non_exhaustive()
    }
}

impl Query for StoreIdFilter {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for StoreIdFilter {
    fn scorer(&self, reader: &SegmentReader, _boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut scorer = StoreIdScorer {
            column: reader.fast_fields().i64("doc")?.first_or_default_col(0),
            bits: self.bits.clone(),
            doc: 0,
            max_doc: reader.max_doc(),
        };
        scorer.seek_from(0);
        Ok(Box::new(scorer))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let column = reader.fast_fields().i64("doc")?.first_or_default_col(0);
        if doc < reader.max_doc() && Self::contains(&self.bits, column.get_val(doc)) {
            Ok(Explanation::new("store id in the set", 1.0))
        } else {
            Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )))
        }
    }
}

/// The documents of one segment that [`StoreIdFilter`] matches, found by a forward scan.
struct StoreIdScorer {
    column: std::sync::Arc<dyn tantivy::columnar::ColumnValues<i64>>,
    bits: std::sync::Arc<Vec<u64>>,
    doc: DocId,
    max_doc: DocId,
}

impl StoreIdScorer {
    /// Moves to the first matching document at or after `from`.
    fn seek_from(&mut self, from: DocId) -> DocId {
        let mut d = from;
        while d < self.max_doc && !StoreIdFilter::contains(&self.bits, self.column.get_val(d)) {
            d += 1;
        }
        self.doc = if d < self.max_doc {
            d
        } else {
            tantivy::TERMINATED
        };
        self.doc
    }
}

impl tantivy::DocSet for StoreIdScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == tantivy::TERMINATED {
            return self.doc;
        }
        self.seek_from(self.doc + 1)
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        self.seek_from(target)
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.max_doc
    }

    fn cost(&self) -> u64 {
        // A scan: let any posting list of the query lead the intersection.
        u64::from(self.max_doc) * 4
    }
}

impl Scorer for StoreIdScorer {
    fn score(&mut self) -> Score {
        1.0
    }
}
