//! The tantivy full-text index: one tantivy document per article and per quote.
//!
//! The index is derived data. Its commit payload records the highest document store id it holds
//! (documents are indexed in id order), so on open the store re-indexes every SQLite row above
//! that watermark: a crash between a SQLite commit and a tantivy commit loses nothing, and
//! tantivy never holds a row SQLite rolled back (rows are indexed only after their commit).

use std::collections::HashSet;
use std::ops::Bound;
use std::path::Path;

use chrono::NaiveDate;
use tantivy::collector::TopDocs;
use tantivy::query::{
    AllQuery, BooleanQuery, Occur, PhraseQuery, Query, QueryParser, RangeQuery, TermQuery,
};
use tantivy::schema::{
    DateOptions, Field, IndexRecordOption, Schema, Value, FAST, INDEXED, STORED, STRING, TEXT,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DateTime, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

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
    /// Entity names of the article (canonical names and aliases).
    pub entity: Field,
    /// Technique labels of the article, lower-cased.
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
        quote: b.add_i64_field("quote", STORED),
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
                    reason: "the search index has an unexpected schema; remove that directory \
                             and the next ingest rebuilds it"
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

    /// A writer (takes tantivy's own directory lock).
    pub fn writer(&self) -> Result<IndexWriter> {
        Ok(self.index.writer(64 * 1024 * 1024)?)
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
        for e in &d.entities {
            common.add_text(f.entity, e);
        }
        for t in &d.techniques {
            common.add_text(f.technique, t.to_lowercase());
        }
        let mut art = common.clone();
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
        let terms: Vec<Term> = self
            .terms_of(name)?
            .into_iter()
            .map(|t| Term::from_field_text(field, &t))
            .collect();
        Ok(match terms.len() {
            0 => return Err(StoreError::Query(format!("empty name `{name}`"))),
            1 => Box::new(TermQuery::new(terms[0].clone(), IndexRecordOption::Basic)),
            _ => Box::new(PhraseQuery::new(terms)),
        })
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
            filter(&mut parts, self.name_query(f.entity, e)?);
        }
        if let Some(t) = &q.technique {
            filter(
                &mut parts,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.technique, &t.to_lowercase()),
                    IndexRecordOption::Basic,
                )),
            );
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
        let top = searcher.search(query, &TopDocs::with_limit(limit.max(1)).order_by_score())?;
        let mut out = Vec::with_capacity(top.len());
        for (score, addr) in top {
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

    /// A snippet generator for `query` over the body field.
    pub fn snippets(&self, query: &dyn Query) -> Result<SnippetGenerator> {
        let searcher = self.reader.searcher();
        let mut g = SnippetGenerator::create(&searcher, query, self.f.body)?;
        g.set_max_num_chars(200);
        Ok(g)
    }

    /// The body-field words of `query` (lower-cased), for highlighting every occurrence.
    pub fn query_words(&self, query: &dyn Query) -> HashSet<String> {
        let mut out = HashSet::new();
        let body = self.f.body;
        let title = self.f.title;
        query.query_terms(&mut |term, _| {
            if term.field() == body || term.field() == title {
                if let Some(s) = term.value().as_str() {
                    out.insert(s.to_string());
                }
            }
        });
        out
    }

    /// Byte ranges of the tokens of `text` that are among `words`.
    pub fn match_ranges(&self, text: &str, words: &HashSet<String>) -> Result<Vec<(usize, usize)>> {
        let mut out = Vec::new();
        if words.is_empty() {
            return Ok(out);
        }
        let mut a = self.analyzer()?;
        let mut ts = a.token_stream(text);
        while ts.advance() {
            let t = ts.token();
            if words.contains(&t.text) {
                out.push((t.offset_from, t.offset_to));
            }
        }
        Ok(out)
    }

    /// Number of tantivy documents (articles + quotes) visible to searches.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }
}
