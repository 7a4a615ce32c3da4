//! Store behaviour: round trips, idempotence, search and filters, refusing foreign files,
//! locking, index catch-up.

mod common;

use std::path::Path;

use newslens_store::{
    EmbeddedStore, HitKind, IngestOptions, OpenMode, SearchQuery, SourceUnit, Store, StoreError,
};

fn small_store(dir: &Path) -> (EmbeddedStore, Vec<common::GenDoc>) {
    let (docs, _) = common::corpus(60, 11);
    let store = EmbeddedStore::open(dir, OpenMode::Write).unwrap();
    let analyses: Vec<_> = docs.iter().map(|d| d.analysis()).collect();
    let out = store.put(analyses).unwrap();
    assert!(out.iter().all(|o| o.new));
    (store, docs)
}

/// The quote ids among `hits` whose article is one of the article hits of `articles`, sorted.
fn quotes_of(
    articles: &[newslens_store::SearchHit],
    hits: &[newslens_store::SearchHit],
) -> Vec<i64> {
    let docs: std::collections::HashSet<i64> = articles
        .iter()
        .filter(|h| h.kind == HitKind::Article)
        .map(|h| h.doc)
        .collect();
    let mut q: Vec<i64> = hits
        .iter()
        .filter(|h| h.kind == HitKind::Quote && docs.contains(&h.doc))
        .filter_map(|h| h.quote)
        .collect();
    q.sort_unstable();
    q
}

#[test]
fn analyses_round_trip_and_reingest_is_a_no_op() {
    let dir = tempfile::tempdir().unwrap();
    let (store, docs) = small_store(&dir.path().join("db"));
    let a = docs[3].analysis();
    let hash = newslens_store::prepare::content_hash(a.text());
    let got = store.get(&hash).unwrap().expect("stored");
    got.analysis.validate().unwrap();
    // The raw JSON (stored analysis with `text` and `store` spliced in) is the same document
    // as the parsed and re-serialised one, plus the extra `store` members.
    let raw = store.get_raw(&got.id.to_string()).unwrap().expect("stored");
    let extra = serde_json::json!([{"idx": 0}]);
    let spliced: serde_json::Value =
        serde_json::from_slice(&raw.to_json_bytes(&[("quotes", extra.clone())]).unwrap()).unwrap();
    let mut expect = got.to_json().unwrap();
    expect["store"]["quotes"] = extra;
    assert_eq!(spliced, expect);
    assert!(store.get_raw("no-such-hash").unwrap().is_none());
    assert_eq!(got.analysis.text(), a.text());
    assert_eq!(
        got.analysis.to_json_value().unwrap(),
        a.to_json_value().unwrap(),
        "the stored analysis must round-trip exactly"
    );
    assert!(store.get(&got.id.to_string()).unwrap().is_some());
    assert!(store.get("no-such").unwrap().is_none());

    let before = store.stats().unwrap();
    let again = store
        .put(docs.iter().map(|d| d.analysis()).collect())
        .unwrap();
    assert!(again.iter().all(|o| !o.new));
    assert_eq!(store.stats().unwrap(), before);

    // Through `ingest`: already-stored texts are not analysed again.
    let units = docs.iter().map(|d| {
        Ok(SourceUnit {
            file: None,
            documents: vec![d.analysis().document],
        })
    });
    let r = newslens_store::ingest(
        &store,
        units,
        |_| Err("must not be called".to_string()),
        &IngestOptions::default(),
        |_| {},
    )
    .unwrap();
    assert_eq!(r.progress.stored, 0);
    assert_eq!(r.progress.failed, 0);
    assert_eq!(r.progress.unchanged, docs.len());
}

#[test]
fn search_ranks_highlights_and_filters() {
    let dir = tempfile::tempdir().unwrap();
    let (store, docs) = small_store(&dir.path().join("db"));
    let d = &docs[5];
    // A rare word of the document: its first body word of length ≥ 6.
    let word = d.paragraphs[0]
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| w.len() >= 6)
        .unwrap()
        .to_lowercase();
    let hits = store
        .search(&SearchQuery {
            text: word.clone(),
            limit: 50,
            ..Default::default()
        })
        .unwrap();
    assert!(!hits.is_empty());
    assert!(hits.iter().any(|h| h.doc_id == d.doc_id));
    for h in &hits {
        let stored = store.get(&h.doc.to_string()).unwrap().unwrap();
        let chars: Vec<char> = stored.analysis.text().chars().collect();
        assert!(!h.spans.is_empty(), "every hit has its matches located");
        for s in &h.spans {
            let covered: String = chars[s.start..s.end].iter().collect();
            assert_eq!(covered, s.text);
            assert_eq!(covered.to_lowercase(), word);
        }
        let snip: Vec<char> = h.snippet.chars().collect();
        for [s, e] in &h.highlights {
            let m: String = snip[*s..*e].iter().collect();
            assert_eq!(m.to_lowercase(), word);
        }
        // The snippet sits where it says in the text.
        let at: String = chars[h.snippet_start..h.snippet_start + snip.len()]
            .iter()
            .collect();
        assert_eq!(at, h.snippet);
    }
    // Scores are ranked.
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));

    // Filters: speaker restricts to quotes by that speaker.
    let (_, sp, qt) = &d.quotes[0];
    let speaker = common::SPEAKERS[*sp];
    let qword = qt.split(' ').nth(2).unwrap().to_lowercase();
    let hits = store
        .search(&SearchQuery {
            text: qword.clone(),
            speaker: Some(speaker.split(' ').next_back().unwrap().to_string()),
            limit: 50,
            ..Default::default()
        })
        .unwrap();
    assert!(!hits.is_empty());
    for h in &hits {
        assert_eq!(h.kind, HitKind::Quote);
        assert_eq!(h.speaker.as_deref(), Some(speaker));
    }
    // Outlet and date filters.
    let all = store
        .search(&SearchQuery {
            text: String::new(),
            limit: 10_000,
            ..Default::default()
        })
        .unwrap();
    let outlet = d.outlet.clone();
    let by_outlet = store
        .search(&SearchQuery {
            text: String::new(),
            source: Some(outlet.to_uppercase()),
            limit: 10_000,
            ..Default::default()
        })
        .unwrap();
    assert!(!by_outlet.is_empty() && by_outlet.len() < all.len());
    assert!(by_outlet
        .iter()
        .all(|h| h.outlet.as_deref() == Some(outlet.as_str())));
    let from = d.date;
    let to = d.date + chrono::Days::new(3);
    let dated = store
        .search(&SearchQuery {
            text: String::new(),
            from: Some(from),
            to: Some(to),
            limit: 10_000,
            ..Default::default()
        })
        .unwrap();
    assert!(!dated.is_empty() && dated.len() < all.len());
    assert!(dated
        .iter()
        .all(|h| h.dateline.is_some_and(|x| x >= from && x <= to)));
    // Entity and technique filters.
    let ent = store
        .search(&SearchQuery {
            text: String::new(),
            entity: Some(speaker.to_string()),
            limit: 10_000,
            ..Default::default()
        })
        .unwrap();
    let expect = docs.iter().filter(|g| g.entities.contains(sp)).count();
    assert_eq!(
        ent.iter().filter(|h| h.kind == HitKind::Article).count(),
        expect
    );
    // ... and exactly the quotes of those articles (joined through the article's store id).
    let expect_quotes = quotes_of(&ent, &all);
    assert!(!expect_quotes.is_empty());
    assert!(expect_quotes.len() < all.iter().filter(|h| h.kind == HitKind::Quote).count());
    assert_eq!(quotes_of(&ent, &ent), expect_quotes);
    let nobody = store
        .search(&SearchQuery {
            text: String::new(),
            entity: Some("Nobody Atall".into()),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert!(nobody.is_empty());
    let with_tech = docs.iter().filter(|g| g.technique == Some(0)).count();
    let tech = store
        .search(&SearchQuery {
            text: String::new(),
            technique: Some("loaded_language".into()),
            limit: 10_000,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        tech.iter().filter(|h| h.kind == HitKind::Article).count(),
        with_tech
    );
    assert!(!quotes_of(&tech, &all).is_empty());
    assert_eq!(quotes_of(&tech, &tech), quotes_of(&tech, &all));
}

#[test]
fn entities_and_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let (store, docs) = small_store(&dir.path().join("db"));
    let ents = store.entities(5, None).unwrap();
    assert!(!ents.is_empty());
    let top = &ents[0];
    let sp = common::SPEAKERS
        .iter()
        .position(|s| *s == top.name)
        .unwrap();
    let expect = docs.iter().filter(|d| d.entities.contains(&sp)).count();
    assert_eq!(top.documents, expect);
    assert!(ents.windows(2).all(|w| w[0].documents >= w[1].documents));
    let t = store
        .timeline(&top.name, newslens_store::Bucket::Day)
        .unwrap();
    assert_eq!(t.articles, expect);
    assert_eq!(t.points.iter().map(|p| p.articles).sum::<usize>(), expect);
    let w = store
        .timeline(&top.name.to_lowercase(), newslens_store::Bucket::Week)
        .unwrap();
    assert_eq!(w.articles, expect);
    assert!(w.points.len() <= t.points.len());
    assert!(w.points.iter().all(|p| p.period.contains("-W")));
    // Quotes: the timeline credits what `entities` credits, by name and by alias (issue 7:
    // `timeline SURNAME` found the articles through the alias but 0 quotes).
    assert!(top.quotes > 0);
    assert_eq!(t.quotes, top.quotes);
    assert_eq!(t.points.iter().map(|p| p.quotes).sum::<usize>(), top.quotes);
    let surname = top.name.split(' ').next_back().unwrap();
    let by_alias = store
        .timeline(surname, newslens_store::Bucket::Day)
        .unwrap();
    assert!(by_alias.articles >= expect);
    assert!(
        by_alias.quotes > 0 && by_alias.quotes <= top.quotes,
        "{surname}: {} quotes, {} by the full name",
        by_alias.quotes,
        top.quotes
    );
    let quotes = store.quote_clusters(Some(&top.name), 100).unwrap();
    assert!(quotes
        .iter()
        .all(|c| c.speakers.iter().any(|s| s == &top.name)));
}

fn snapshot(p: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    if p.is_file() {
        out.push((p.display().to_string(), std::fs::read(p).unwrap()));
    } else {
        for e in std::fs::read_dir(p).unwrap() {
            out.extend(snapshot(&e.unwrap().path()));
        }
        out.sort();
    }
    out
}

#[test]
fn foreign_or_corrupt_locations_are_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    // A plain file.
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "my notes").unwrap();
    // A non-empty directory that is not a store.
    let other = dir.path().join("photos");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("a.jpg"), [0xff, 0xd8, 0xff]).unwrap();
    // A corrupt database file in a store-looking directory.
    let corrupt = dir.path().join("corrupt");
    std::fs::create_dir(&corrupt).unwrap();
    std::fs::write(
        corrupt.join("newslens.sqlite"),
        b"garbage garbage garbage garbage",
    )
    .unwrap();
    // A real SQLite database of someone else.
    let foreign = dir.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    {
        let c = sqlite(&foreign);
        c.execute_batch("CREATE TABLE accounts(id INTEGER PRIMARY KEY, owner TEXT); INSERT INTO accounts(owner) VALUES ('x');")
            .unwrap();
    }
    // A truncated copy of a real store.
    let truncated = dir.path().join("truncated");
    {
        let (s, _) = small_store(&dir.path().join("good"));
        drop(s);
        std::fs::create_dir(&truncated).unwrap();
        let bytes = std::fs::read(dir.path().join("good/newslens.sqlite")).unwrap();
        std::fs::write(truncated.join("newslens.sqlite"), &bytes[..50]).unwrap();
    }
    for (p, what) in [
        (&file, "file"),
        (&other, "foreign directory"),
        (&corrupt, "corrupt database"),
        (&foreign, "foreign database"),
        (&truncated, "truncated database"),
    ] {
        let before = snapshot(p);
        for mode in [OpenMode::Read, OpenMode::Write] {
            let err = match EmbeddedStore::open(p, mode) {
                Ok(_) => panic!("{what} opened in {mode:?}"),
                Err(e) => e,
            };
            assert!(
                matches!(
                    err,
                    StoreError::NotAStore { .. } | StoreError::Corrupt { .. }
                ),
                "{what}: {err}"
            );
            let msg = err.to_string();
            assert!(msg.contains("nothing was written"), "{what}: {msg}");
        }
        assert_eq!(snapshot(p), before, "{what} must be left untouched");
    }
    // A store directory that does not exist cannot be read.
    assert!(EmbeddedStore::open(dir.path().join("missing"), OpenMode::Read).is_err());
}

#[test]
fn second_writer_is_refused_or_waits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let (store, docs) = small_store(&path);
    match EmbeddedStore::open(&path, OpenMode::Write) {
        Err(StoreError::Locked { .. }) => {}
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("two writers on one store"),
    }
    // Readers are not blocked.
    let reader = EmbeddedStore::open(&path, OpenMode::Read).unwrap();
    assert_eq!(reader.stats().unwrap().documents as usize, docs.len());
    // A waiting writer gets in once the first one is gone.
    let p2 = path.clone();
    let waiter = std::thread::spawn(move || {
        let s = EmbeddedStore::open(&p2, OpenMode::WriteWait).unwrap();
        s.stats().unwrap().documents
    });
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(!waiter.is_finished(), "the second writer must wait");
    drop(store);
    assert_eq!(waiter.join().unwrap() as usize, docs.len());
}

#[test]
fn concurrent_ingests_store_every_document_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let (docs, _) = common::corpus(80, 3);
    let run = |docs: Vec<common::GenDoc>, path: std::path::PathBuf| {
        std::thread::spawn(move || {
            let store = EmbeddedStore::open(&path, OpenMode::WriteWait).unwrap();
            let by_id: std::collections::HashMap<String, common::GenDoc> =
                docs.iter().map(|d| (d.doc_id.clone(), d.clone())).collect();
            let units = docs.iter().map(|d| {
                Ok(SourceUnit {
                    file: None,
                    documents: vec![d.analysis().document],
                })
            });
            newslens_store::ingest(
                &store,
                units,
                |doc| Ok(by_id[&doc.id].analysis()),
                &IngestOptions::default(),
                |_| {},
            )
            .unwrap()
            .progress
            .stored
        })
    };
    let a = run(docs.clone(), path.clone());
    let b = run(docs.clone(), path.clone());
    let stored = a.join().unwrap() + b.join().unwrap();
    assert_eq!(
        stored,
        docs.len(),
        "each document stored by exactly one run"
    );
    let s = EmbeddedStore::open(&path, OpenMode::Read).unwrap();
    assert_eq!(s.stats().unwrap().documents as usize, docs.len());
    assert_eq!(
        indexed_articles(&s),
        docs.len(),
        "every document indexed once"
    );
}

/// Number of article hits of an empty query (every indexed article).
fn indexed_articles(s: &EmbeddedStore) -> usize {
    s.search(&SearchQuery {
        text: String::new(),
        limit: 100_000,
        ..Default::default()
    })
    .unwrap()
    .iter()
    .filter(|h| h.kind == HitKind::Article)
    .count()
}

#[test]
fn a_lost_index_is_rebuilt_from_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let (store, docs) = small_store(&path);
    drop(store);
    std::fs::remove_dir_all(path.join("index")).unwrap();
    // A reader finding the index behind catches it up (no writer is running).
    let s = EmbeddedStore::open(&path, OpenMode::Read).unwrap();
    assert_eq!(s.index_lag().unwrap(), 0);
    assert_eq!(indexed_articles(&s), docs.len());
}

/// An index another version wrote (another schema) is derived data: opening the store for
/// writing, or for reading while no writer runs, rebuilds it from the database.
#[test]
fn an_index_of_another_version_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let (store, docs) = small_store(&path);
    drop(store);
    let index_dir = path.join("index");
    for mode in [OpenMode::Read, OpenMode::Write] {
        std::fs::remove_dir_all(&index_dir).unwrap();
        std::fs::create_dir(&index_dir).unwrap();
        let mut schema = tantivy::schema::Schema::builder();
        schema.add_text_field("body", tantivy::schema::TEXT);
        drop(tantivy::Index::create_in_dir(&index_dir, schema.build()).unwrap());
        let s = EmbeddedStore::open(&path, mode).unwrap();
        assert_eq!(s.index_lag().unwrap(), 0, "{mode:?}");
        assert_eq!(indexed_articles(&s), docs.len(), "{mode:?}");
    }
}

#[test]
fn quote_hits_and_document_quotes() {
    let dir = tempfile::tempdir().unwrap();
    let (store, docs) = small_store(&dir.path().join("db"));
    let d = docs
        .iter()
        .find(|d| d.quotes.len() >= 2)
        .expect("a document with quotes");
    let a = d.analysis();
    let hash = newslens_store::prepare::content_hash(a.text());
    let stored = store.get(&hash).unwrap().expect("stored");
    // Every quote of the layer is listed, in layer order, with ids the spread endpoint knows.
    let dq = store.document_quotes(stored.id).unwrap();
    let layer: Vec<usize> = a
        .quotes
        .as_ref()
        .unwrap()
        .quotes
        .iter()
        .map(|q| q.id)
        .collect();
    assert_eq!(dq.iter().map(|q| q.idx).collect::<Vec<_>>(), layer);
    for q in &dq {
        let spread = store.quote_spread(q.quote).unwrap().expect("spread");
        assert_eq!(spread.id, q.cluster);
        assert!(spread
            .occurrences
            .iter()
            .any(|o| o.quote == q.quote && o.doc == stored.id));
    }
    assert!(store.document_quotes(-1).unwrap().is_empty());

    // Quote hits: spans and snippet located in the article text, inside the quote.
    let (_, _, qt) = &d.quotes[0];
    let word = qt
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| w.len() >= 4)
        .unwrap()
        .to_lowercase();
    let hits = store
        .search(&SearchQuery {
            text: format!("kind:quote AND {word}"),
            limit: 100,
            ..Default::default()
        })
        .unwrap();
    assert!(!hits.is_empty());
    for h in &hits {
        assert_eq!(h.kind, HitKind::Quote);
        let doc = store.get(&h.doc.to_string()).unwrap().unwrap();
        let chars: Vec<char> = doc.analysis.text().chars().collect();
        let occ = store.quote_spread(h.quote.unwrap()).unwrap().unwrap();
        let me = occ
            .occurrences
            .iter()
            .find(|o| Some(o.quote) == h.quote)
            .unwrap();
        assert!(!h.spans.is_empty());
        for s in &h.spans {
            assert!(
                s.start >= me.start && s.end <= me.end,
                "span inside the quote"
            );
            let covered: String = chars[s.start..s.end].iter().collect();
            assert_eq!(covered, s.text);
            assert_eq!(covered.to_lowercase(), word);
        }
        let snip: Vec<char> = h.snippet.chars().collect();
        let at: String = chars[h.snippet_start..h.snippet_start + snip.len()]
            .iter()
            .collect();
        assert_eq!(at, h.snippet);
        assert!(!h.highlights.is_empty());
        for [s, e] in &h.highlights {
            let m: String = snip[*s..*e].iter().collect();
            assert_eq!(m.to_lowercase(), word);
        }
    }
}

/// Story partition of a store: sorted groups of doc ids, plus each member's similarity.
fn story_partition(store: &EmbeddedStore) -> Vec<Vec<(String, u32)>> {
    common::partition(store.stories(100_000).unwrap().into_iter().map(|s| {
        s.members
            .iter()
            .map(|m| (m.doc_id.clone(), (m.similarity * 1000.0).round() as u32))
            .collect()
    }))
}

#[test]
fn a_version_1_store_is_migrated_and_clusters_as_a_new_one() {
    let (docs, _) = common::corpus(160, 5);
    let analyses: Vec<_> = docs.iter().map(|d| d.analysis()).collect();
    let (first, second) = analyses.split_at(analyses.len() / 2);
    let dir = tempfile::tempdir().unwrap();

    let fresh = EmbeddedStore::open(dir.path().join("fresh"), OpenMode::Write).unwrap();
    fresh.put(analyses.clone()).unwrap();
    let expect = story_partition(&fresh);
    assert!(
        expect.iter().any(|g| g.len() > 1),
        "the corpus plants copies"
    );

    // The first half, stored, then rewritten to the version-1 layout (signatures inside the
    // documents rows, no sketch table); reopening for writing migrates it.
    let old = dir.path().join("old");
    let store = EmbeddedStore::open(&old, OpenMode::Write).unwrap();
    store.put(first.to_vec()).unwrap();
    drop(store);
    sqlite(&old)
        .execute_batch(
        "UPDATE documents SET minhash = (SELECT minhash FROM doc_sketch WHERE doc = documents.id);
         DROP INDEX documents_id_story;
         DROP TABLE doc_sketch;
         CREATE INDEX techniques_label ON techniques(technique);
         DELETE FROM schema_migrations WHERE version >= 2;
         PRAGMA user_version = 1;",
    )
    .unwrap();
    assert!(
        EmbeddedStore::open(&old, OpenMode::Read).is_err(),
        "a reader must not use an unmigrated store"
    );
    let store = EmbeddedStore::open(&old, OpenMode::Write).unwrap();
    store.put(second.to_vec()).unwrap();
    assert_eq!(story_partition(&store), expect);
    assert_eq!(store.stats().unwrap(), fresh.stats().unwrap());
    drop(store);
    // Every later migration ran too: the same tables, indexes and version as a fresh store.
    drop(fresh);
    let migrated = schema(&old);
    assert!(!migrated.iter().any(|n| n == "techniques_label"));
    assert_eq!(migrated, schema(&dir.path().join("fresh")));
}

/// The SQLite database of the store in `dir`, opened directly (to age or inspect it).
fn sqlite(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("newslens.sqlite")).unwrap()
}

/// The integer that `query` gives on the database of the store in `dir`.
fn sql_int(dir: &Path, query: &str) -> i64 {
    sqlite(dir).query_row(query, [], |r| r.get(0)).unwrap()
}

/// The names of a store's tables and indexes, and its schema version.
fn schema(dir: &Path) -> Vec<String> {
    let conn = sqlite(dir);
    let mut objects: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'index') ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|n| n.unwrap())
        .collect();
    objects.push(format!(
        "user_version {}",
        sql_int(dir, "PRAGMA user_version")
    ));
    objects
}

/// A store of schema 2 (before the technique label index was dropped) is read as it is, and
/// migrated by the next writer.
#[test]
fn a_version_2_store_is_read_as_it_is_and_migrated_by_a_writer() {
    let (docs, _) = common::corpus(40, 3);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let store = EmbeddedStore::open(&db, OpenMode::Write).unwrap();
    store
        .put(docs.iter().map(|d| d.analysis()).collect())
        .unwrap();
    let stats = store.stats().unwrap();
    drop(store);
    let sql = |q: &str| sql_int(&db, q);
    let fresh = dir.path().join("fresh");
    drop(EmbeddedStore::open(&fresh, OpenMode::Write).unwrap());
    let latest = sql_int(&fresh, "PRAGMA user_version");
    assert!(latest > 2);
    sqlite(&db)
        .execute_batch(
            "CREATE INDEX techniques_label ON techniques(technique);
             DELETE FROM schema_migrations WHERE version >= 3;
             PRAGMA user_version = 2;",
        )
        .unwrap();
    let label_index = "SELECT COUNT(*) FROM sqlite_master WHERE name = 'techniques_label'";
    let reader = EmbeddedStore::open(&db, OpenMode::Read).unwrap();
    assert_eq!(reader.stats().unwrap(), stats);
    drop(reader);
    assert_eq!(sql(label_index), 1, "a reader changes nothing");
    let writer = EmbeddedStore::open(&db, OpenMode::Write).unwrap();
    assert_eq!(writer.stats().unwrap(), stats);
    drop(writer);
    assert_eq!(sql(label_index), 0);
    assert_eq!(sql("PRAGMA user_version"), latest);
}

/// Hits with equal scores come in store-id order, whichever index segments they landed in (each
/// `put` commits a segment; tantivy's own tie-break follows segment order, which is not the
/// order of ingestion), so repeated ingests of a corpus list them the same way.
#[test]
fn tied_hits_are_listed_in_store_order() {
    use newslens_core::{Analysis, Document};
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path().join("db"), OpenMode::Write).unwrap();
    // Same length, one shared rare word: every article scores the same for "zanzibarite".
    let words = [
        "amber", "basalt", "cobalt", "dolomite", "emerald", "feldspar", "garnet", "hematite",
    ];
    let mut ids = Vec::new();
    for w in words {
        let mut a = Analysis::new(Document::from_text(
            w,
            format!("The zanzibarite report mentions {w} twice: {w}."),
        ));
        a.stages = vec!["text".into()];
        let out = store.put(vec![a]).unwrap();
        ids.push(out[0].id);
    }
    let search = |limit| {
        store
            .search(&SearchQuery {
                text: "zanzibarite".into(),
                limit,
                ..Default::default()
            })
            .unwrap()
    };
    let all = search(100);
    let articles: Vec<_> = all.iter().filter(|h| h.kind == HitKind::Article).collect();
    assert_eq!(articles.len(), words.len());
    assert!(
        articles.windows(2).all(|w| w[0].score == w[1].score),
        "the fixture must tie: {articles:?}"
    );
    let got: Vec<i64> = articles.iter().map(|h| h.doc).collect();
    assert_eq!(got, ids, "tied hits in store order");
    // The limit keeps the first of the tied hits, not whichever segment came first.
    let top: Vec<i64> = search(3).iter().map(|h| h.doc).collect();
    assert_eq!(top, ids[..3].to_vec());
}

#[test]
fn a_one_word_quote_ranks_below_a_quoted_sentence() {
    use newslens_core::layers::quotes::{Quote, QuoteKind, QuoteLayer};
    use newslens_core::{Analysis, Document, Span};
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path().join("db"), OpenMode::Write).unwrap();
    // (text, the quoted part): a scare-quoted word, then a sentence saying something about it.
    let docs = [
        (
            "The minister dismissed what he called an “embargo” and left the hall early.",
            "embargo",
        ),
        (
            "The envoy said: “The embargo will starve the harbour towns and ruin the fleet.”",
            "The embargo will starve the harbour towns and ruin the fleet.",
        ),
    ];
    for (i, (text, quoted)) in docs.iter().enumerate() {
        let mut a = Analysis::new(Document::from_text(format!("q{i}"), text.to_string()));
        a.stages = vec!["text".into(), "quotes".into()];
        let start = text.find(quoted).unwrap();
        a.quotes = Some(QuoteLayer {
            quotes: vec![Quote {
                id: 0,
                kind: QuoteKind::Direct,
                content: vec![Span::new(start, start + quoted.len())],
                cue: None,
                cue_lemma: Some("say".into()),
                source: None,
                speaker: None,
                speaker_name: Some(format!("Speaker {i}")),
                score: 1.0,
            }],
            ..Default::default()
        });
        store.put(vec![a]).unwrap();
    }
    let hits = store
        .search(&SearchQuery {
            text: "embargo".into(),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    let quotes: Vec<i64> = hits
        .iter()
        .filter(|h| h.kind == HitKind::Quote)
        .map(|h| h.doc)
        .collect();
    // Plain BM25 put the one-word quote (doc 1) first: its field is the shortest.
    assert_eq!(quotes, [2, 1], "{hits:?}");
}

/// An analysis of `text` whose entity layer has one cluster per `(canonical, type, aliases)`,
/// with a mention at every occurrence of the canonical name and of each alias not inside it.
fn with_clusters(
    id: &str,
    text: &str,
    clusters: &[(&str, &str, &[&str])],
) -> newslens_core::Analysis {
    use newslens_core::layers::entities::{Cluster, EntityLayer, EntityType, Mention, MentionKind};
    let mut a = newslens_core::Analysis::new(newslens_core::Document::from_text(id, text));
    newslens_text::segment(&mut a);
    let mut spans: Vec<(usize, usize, usize)> = Vec::new();
    for (ci, (name, _, aliases)) in clusters.iter().enumerate() {
        for form in std::iter::once(name).chain(aliases.iter()) {
            for (s, _) in text.match_indices(form) {
                let e = s + form.len();
                if !spans.iter().any(|&(a, b, _)| a < e && s < b) {
                    spans.push((s, e, ci));
                }
            }
        }
    }
    spans.sort();
    let mut layer = EntityLayer::default();
    for (ci, (name, ty, aliases)) in clusters.iter().enumerate() {
        layer.clusters.push(Cluster {
            id: ci,
            canonical: name.to_string(),
            entity_type: EntityType::parse(ty).unwrap(),
            mentions: vec![],
            roles: vec![],
            affiliations: vec![],
            aliases: aliases.iter().map(|s| s.to_string()).collect(),
        });
    }
    for (i, &(s, e, ci)) in spans.iter().enumerate() {
        layer.mentions.push(Mention {
            id: i,
            span: newslens_core::Span::new(s, e),
            entity_type: layer.clusters[ci].entity_type,
            kind: MentionKind::Name,
            cluster: ci,
            score: 1.0,
        });
        layer.clusters[ci].mentions.push(i);
    }
    a.entities = Some(layer);
    a.stages = vec!["text".into(), "entities".into()];
    a.validate().unwrap();
    a
}

#[test]
fn corpus_entities_merge_types_and_surnames() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path().join("db"), OpenMode::Write).unwrap();
    let v: &[&str] = &["Voronin"];
    let k: &[&str] = &["Kessler", "Paulie"];
    store
        .put(vec![
            // The same man typed a person twice, an organisation once, and named by his
            // surname alone once (as the model may do across articles).
            with_clusters(
                "a",
                "Arkady Voronin spoke in Tver. Voronin left.",
                &[("Arkady Voronin", "PER", v)],
            ),
            with_clusters(
                "b",
                "Arkady Voronin arrived late. Voronin smiled.",
                &[("Arkady Voronin", "PER", v)],
            ),
            with_clusters(
                "c",
                "Arkady Voronin signed the decree. Voronin did.",
                &[("Arkady Voronin", "ORG", v)],
            ),
            with_clusters(
                "d",
                "Voronin spoke again on Friday.",
                &[("Voronin", "MISC", &[])],
            ),
            // One document of evidence for this surname: not enough to merge.
            with_clusters(
                "e",
                "Paul Kessler wrote. Kessler signed.",
                &[("Paul Kessler", "PER", k)],
            ),
            with_clusters(
                "f",
                "Kessler wrote back on Sunday.",
                &[("Kessler", "PER", &[])],
            ),
        ])
        .unwrap();
    let ents = store.entities(10, None).unwrap();
    let names: Vec<(&str, &str, usize)> = ents
        .iter()
        .map(|e| (e.name.as_str(), e.entity_type.as_str(), e.documents))
        .collect();
    assert_eq!(names[0], ("Arkady Voronin", "PER", 4), "{names:?}");
    assert!(names.contains(&("Paul Kessler", "PER", 1)), "{names:?}");
    assert!(names.contains(&("Kessler", "PER", 1)), "{names:?}");
    assert!(!names.iter().any(|n| n.0 == "Voronin"), "{names:?}");
    assert_eq!(ents.len(), 3);
    assert_eq!(store.stats().unwrap().entity_clusters, 3);
    // Filtered by the voted type: the merged entry is a person, so no organisation is left.
    assert_eq!(store.entities(10, Some("PER")).unwrap().len(), 3);
    assert!(store.entities(10, Some("org")).unwrap().is_empty());
    // The timeline reads the same entries, whichever name it is given.
    for name in ["Arkady Voronin", "Voronin", "voronin"] {
        let t = store.timeline(name, newslens_store::Bucket::Day).unwrap();
        assert_eq!(t.articles, 4, "{name}");
    }
    // "Kessler", an entry of its own, counts its own document only (as the listing does);
    // "Paulie", with no cluster of its own, finds the cluster that has it as an alias.
    let articles = |name| {
        store
            .timeline(name, newslens_store::Bucket::Day)
            .unwrap()
            .articles
    };
    assert_eq!(articles("Kessler"), 1);
    assert_eq!(articles("Paulie"), 1);
    assert_eq!(articles("Paul Kessler"), 1);
    // Every entry's timeline counts what the listing says, articles and quotes.
    for e in &ents {
        let t = store
            .timeline(&e.name, newslens_store::Bucket::Day)
            .unwrap();
        assert_eq!(
            (t.articles, t.quotes),
            (e.documents, e.quotes),
            "{}",
            e.name
        );
        let found = store.entity_documents(&e.name, 10).unwrap();
        assert_eq!(found.total, e.documents, "{}", e.name);
    }
    // An entity page reads the same documents: all four for the merged name, newest first
    // (no datelines here, so the last stored first), cut to the limit but counted in full.
    for name in ["Arkady Voronin", "voronin"] {
        let found = store.entity_documents(name, 10).unwrap();
        assert_eq!(found.names, ["arkady voronin", "voronin"], "{name}");
        assert_eq!(found.total, 4, "{name}");
        assert_eq!(found.docs, [4, 3, 2, 1], "{name}");
    }
    let two = store.entity_documents("Voronin", 2).unwrap();
    assert_eq!((two.total, two.docs), (4, vec![4, 3]));
    let kessler = store.entity_documents("Kessler", 10).unwrap();
    assert_eq!(kessler.names, ["kessler"]);
    assert!(!kessler.by_alias);
    assert_eq!(kessler.docs, [6]);
    let paulie = store.entity_documents("paulie", 10).unwrap();
    assert!(paulie.by_alias);
    assert_eq!(paulie.docs, [5]);
    let nobody = store.entity_documents("Nobody Atall", 10).unwrap();
    assert_eq!((nobody.total, nobody.docs.len()), (0, 0));
}

#[test]
fn a_name_with_a_middle_initial_joins_the_bare_name() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path().join("db"), OpenMode::Write).unwrap();
    let v: &[&str] = &["Voronin"];
    store
        .put(vec![
            with_clusters(
                "a",
                "Arkady P. Voronin spoke in Tver. Voronin left.",
                &[("Arkady P. Voronin", "PER", v)],
            ),
            with_clusters(
                "b",
                "Arkady Voronin arrived late. Voronin smiled.",
                &[("Arkady Voronin", "PER", v)],
            ),
            with_clusters(
                "c",
                "Arkady Voronin signed the decree. Voronin did.",
                &[("Arkady Voronin", "PER", v)],
            ),
            // Two initialled forms of one bare name: two people, kept apart.
            with_clusters("d", "Lena K. Moss wrote.", &[("Lena K. Moss", "PER", &[])]),
            with_clusters(
                "e",
                "Lena R.T. Moss wrote.",
                &[("Lena R.T. Moss", "PER", &[])],
            ),
            with_clusters("f", "Lena Moss wrote.", &[("Lena Moss", "PER", &[])]),
        ])
        .unwrap();
    let ents = store.entities(10, None).unwrap();
    let names: Vec<(&str, usize)> = ents
        .iter()
        .map(|e| (e.name.as_str(), e.documents))
        .collect();
    assert_eq!(names[0], ("Arkady Voronin", 3), "{names:?}");
    assert!(
        !names.iter().any(|n| n.0 == "Arkady P. Voronin"),
        "{names:?}"
    );
    for n in ["Lena K. Moss", "Lena R.T. Moss", "Lena Moss"] {
        assert!(names.contains(&(n, 1)), "{n}: {names:?}");
    }
    assert_eq!(ents.len(), 4);
    assert_eq!(store.stats().unwrap().entity_clusters, 4);
    // The timeline and the entity page count what the listing does, by any of the names.
    for name in ["Arkady Voronin", "Arkady P. Voronin", "Voronin"] {
        let t = store.timeline(name, newslens_store::Bucket::Day).unwrap();
        assert_eq!(t.articles, 3, "{name}");
        let found = store.entity_documents(name, 10).unwrap();
        assert_eq!(found.total, 3, "{name}");
        assert_eq!(found.names[0], "arkady voronin", "{name}");
    }
    assert_eq!(
        store.entity_documents("Lena K. Moss", 10).unwrap().docs,
        [4]
    );
}

/// `a` with one direct quote, `quote` (found in its text), credited to its first cluster.
fn with_quote(
    mut a: newslens_core::Analysis,
    speaker: &str,
    quote: &str,
) -> newslens_core::Analysis {
    use newslens_core::layers::quotes::{Quote, QuoteKind, QuoteLayer};
    let s = a.text().find(quote).expect("the quote is in the text");
    a.quotes = Some(QuoteLayer {
        quotes: vec![Quote {
            id: 0,
            kind: QuoteKind::Direct,
            content: vec![newslens_core::Span::new(s, s + quote.len())],
            cue: None,
            cue_lemma: Some("say".into()),
            source: None,
            speaker: Some(0),
            speaker_name: Some(speaker.into()),
            score: 1.0,
        }],
        ..Default::default()
    });
    a.stages.push("quotes".into());
    a.validate().unwrap();
    a
}

#[test]
fn a_speaker_is_found_under_a_middle_initial() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path().join("db"), OpenMode::Write).unwrap();
    let q1 = "The harbour will reopen before the winter storms arrive";
    let q2 = "Nobody in this council voted for the new tolls on fishing boats";
    store
        .put(vec![
            with_quote(
                with_clusters(
                    "a",
                    &format!("Arkady P. Voronin spoke in Tver. “{q1},” he said."),
                    &[("Arkady P. Voronin", "PER", &[])],
                ),
                "Arkady P. Voronin",
                q1,
            ),
            with_quote(
                with_clusters(
                    "b",
                    &format!("Arkady Voronin spoke in Pskov. “{q2},” he said."),
                    &[("Arkady Voronin", "PER", &[])],
                ),
                "Arkady Voronin",
                q2,
            ),
        ])
        .unwrap();
    let spoken = |speaker: &str| {
        let mut q: Vec<i64> = store
            .quote_clusters(Some(speaker), 10)
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        q.sort();
        q
    };
    assert_eq!(
        spoken("Arkady Voronin").len(),
        2,
        "{:?}",
        spoken("Arkady Voronin")
    );
    assert_eq!(spoken("Arkady P. Voronin").len(), 1);
    assert_eq!(spoken("Voronin").len(), 2);
    assert!(spoken("Arkady Kessler").is_empty());
    let hits = store
        .search(&SearchQuery {
            text: String::new(),
            speaker: Some("Arkady Voronin".into()),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(hits.len(), 2, "{hits:?}");
    assert!(hits.iter().all(|h| h.kind == HitKind::Quote));
}
