//! Republication and quote clusters against the plants of a generated corpus.

mod common;

use std::collections::HashMap;

use newslens_store::{EmbeddedStore, IngestOptions, OpenMode, SourceUnit, Store};

#[test]
fn planted_stories_and_quotes_are_found_with_high_precision_and_recall() {
    let (docs, _pool) = common::corpus(400, 7);
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path().join("db"), OpenMode::Write).unwrap();
    let by_id: HashMap<String, common::GenDoc> =
        docs.iter().map(|d| (d.doc_id.clone(), d.clone())).collect();
    let units = docs.iter().map(|d| {
        Ok(SourceUnit {
            file: None,
            documents: vec![d.analysis().document],
        })
    });
    let report = newslens_store::ingest(
        &store,
        units,
        |doc| {
            let a = by_id[&doc.id].analysis();
            a.validate()?;
            Ok(a)
        },
        &IngestOptions {
            threads: Some(2),
            batch: 64,
        },
        |_| {},
    )
    .unwrap();
    assert_eq!(report.progress.failed, 0, "{:?}", report.errors);
    assert_eq!(report.progress.stored, docs.len());

    // Stories: every document gets a predicted cluster (singletons are their own).
    let stories = store.stories(100_000).unwrap();
    let mut pred_of: HashMap<String, usize> = HashMap::new();
    for s in &stories {
        for m in &s.members {
            pred_of.insert(m.doc_id.clone(), s.id as usize);
        }
        // The origin is the earliest copy.
        let min_date = s.members.iter().filter_map(|m| m.dateline).min();
        assert_eq!(s.origin.dateline, min_date, "story {}", s.id);
    }
    let mut pred = Vec::new();
    let mut truth = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        pred.push(pred_of.get(&d.doc_id).copied().unwrap_or(1_000_000 + i));
        truth.push(d.story);
    }
    let (p, r) = common::pairwise(&pred, &truth);
    let planted = docs.len()
        - docs
            .iter()
            .map(|d| d.story)
            .collect::<std::collections::HashSet<_>>()
            .len();
    eprintln!(
        "stories: {} clusters, {planted} planted copies, precision {p:.3} recall {r:.3}",
        stories.len()
    );
    assert!(planted > 50, "the generator must plant copies");
    assert!(p >= 0.95 && r >= 0.95, "story precision {p} recall {r}");

    // Quotes: every occurrence gets its cluster; truth is the planted pool id.
    let truth_of: HashMap<(String, String), usize> = docs
        .iter()
        .flat_map(|d| {
            d.quotes
                .iter()
                .map(move |(q, _, t)| ((d.doc_id.clone(), t.clone()), *q))
        })
        .collect();
    let clusters = store.quote_clusters(None, 1_000_000).unwrap();
    let (mut qp, mut qt) = (Vec::new(), Vec::new());
    for c in &clusters {
        for o in &c.occurrences {
            let t = truth_of[&(o.doc_id.clone(), o.text.clone())];
            qp.push(c.id as usize);
            qt.push(t);
        }
    }
    let (p, r) = common::pairwise(&qp, &qt);
    let multi = clusters.iter().filter(|c| c.size > 1).count();
    eprintln!(
        "quotes: {} occurrences, {multi} clusters with >1, precision {p:.3} recall {r:.3}",
        qp.len()
    );
    assert!(qp.len() > 400);
    assert!(p >= 0.95 && r >= 0.95, "quote precision {p} recall {r}");

    // Spread facts are consistent with the occurrences.
    let big = &clusters[0];
    assert!(big.size >= 3);
    assert_eq!(big.per_day.iter().map(|d| d.count).sum::<usize>(), big.size);
    assert_eq!(
        big.variants.iter().map(|v| v.count).sum::<usize>(),
        big.size
    );
    let first = big.occurrences.iter().filter_map(|o| o.dateline).min();
    assert_eq!(big.first.dateline, first);

    let stats = store.stats().unwrap();
    assert_eq!(stats.documents as usize, docs.len());
    assert_eq!(stats.story_clusters as usize, stories.len());
    assert_eq!(stats.quote_clusters as usize, multi);
    assert_eq!(stats.quotes as usize, qp.len());

    // The writer does not have SQLite enforce the foreign keys (it inserts a document's rows
    // in the transaction that inserts the document): every reference holds all the same.
    drop(store);
    let conn = rusqlite::Connection::open(dir.path().join("db").join("newslens.sqlite")).unwrap();
    let violations = |conn: &rusqlite::Connection| -> usize {
        let mut st = conn.prepare("PRAGMA foreign_key_check").unwrap();
        st.query_map([], |_| Ok(())).unwrap().count()
    };
    assert_eq!(violations(&conn), 0, "rows that reference no document");
    // The check sees a row that does (so the zero above is not vacuous); this connection
    // enforces the keys, as the bundled SQLite does by default, so it must be told not to.
    let orphan = "INSERT INTO entity_clusters(doc, idx, canonical, norm, type, mentions, aliases)
                  VALUES (987654, 0, 'X', 'x', 'PER', 1, '[]')";
    assert!(
        conn.execute(orphan, []).is_err(),
        "foreign keys enforced by default"
    );
    conn.pragma_update(None, "foreign_keys", false).unwrap();
    conn.execute(orphan, []).unwrap();
    assert_eq!(violations(&conn), 1);
}

/// Quote clusters as groups of (document, start) occurrences, in a canonical order.
fn quote_partition(store: &EmbeddedStore) -> Vec<Vec<(String, usize)>> {
    common::partition(
        store
            .quote_clusters(None, 1_000_000)
            .unwrap()
            .into_iter()
            .map(|c| {
                c.occurrences
                    .iter()
                    .map(|o| (o.doc_id.clone(), o.start))
                    .collect()
            }),
    )
}

/// The writer remembers the quotes it wrote (and the clusters it merged) across batches, so
/// that verifying a candidate needs no row read. The clusters must not depend on that: the
/// same documents written in one batch, in many small ones, through a reopened store (whose
/// memory starts empty and reads the quotes back) and after a batch that failed half-way
/// (whose rows were rolled back and must be forgotten) give the same quote clusters.
#[test]
fn quote_clusters_do_not_depend_on_batches_reopening_or_failed_batches() {
    let (docs, _) = common::corpus(120, 3);
    let analyses: Vec<_> = docs.iter().map(|d| d.analysis()).collect();
    let dir = tempfile::tempdir().unwrap();

    let one = EmbeddedStore::open(dir.path().join("one"), OpenMode::Write).unwrap();
    one.put(analyses.clone()).unwrap();
    let expect = quote_partition(&one);
    assert!(
        expect.iter().filter(|g| g.len() > 1).count() > 20,
        "the corpus plants repeated quotes"
    );

    let small = EmbeddedStore::open(dir.path().join("small"), OpenMode::Write).unwrap();
    for chunk in analyses.chunks(7) {
        small.put(chunk.to_vec()).unwrap();
    }
    assert_eq!(quote_partition(&small), expect);

    let third = analyses.len() / 3;
    let path = dir.path().join("reopened");
    let store = EmbeddedStore::open(&path, OpenMode::Write).unwrap();
    store.put(analyses[..third].to_vec()).unwrap();
    drop(store);
    let store = EmbeddedStore::open(&path, OpenMode::Write).unwrap();
    store.put(analyses[third..].to_vec()).unwrap();
    assert_eq!(quote_partition(&store), expect);
    drop(store);

    // A batch of the second third that fails on its last document (a quote given twice breaks
    // the quotes table's UNIQUE(doc, idx)) after its other documents were written.
    let path = dir.path().join("failed");
    let store = EmbeddedStore::open(&path, OpenMode::Write).unwrap();
    store.put(analyses[..third].to_vec()).unwrap();
    let mut bad = analyses[2 * third..]
        .iter()
        .find(|a| a.quotes.as_ref().is_some_and(|q| !q.quotes.is_empty()))
        .expect("a document with a quote")
        .clone();
    let quotes = &mut bad.quotes.as_mut().unwrap().quotes;
    quotes.push(quotes[0].clone());
    let mut failing = analyses[third..2 * third].to_vec();
    failing.push(bad);
    assert!(store.put(failing).is_err());
    assert_eq!(store.stats().unwrap().documents as usize, third);
    store.put(analyses[third..].to_vec()).unwrap();
    assert_eq!(quote_partition(&store), expect);
}

/// Story members as groups of document ids, in a canonical order.
fn story_partition(store: &EmbeddedStore) -> Vec<Vec<String>> {
    common::partition(
        store
            .stories(1_000_000)
            .unwrap()
            .into_iter()
            .map(|s| s.members.iter().map(|m| m.doc_id.clone()).collect()),
    )
}

/// The writer clusters against an in-memory copy of the LSH tables when they are small; the
/// story and quote clusters must be exactly those of the look-ups in SQLite, including when
/// the copy is turned on half-way (it is then read from the tables) or off again.
#[test]
fn clusters_are_the_same_with_and_without_the_in_memory_lsh_copy() {
    let (docs, _) = common::corpus(150, 11);
    let analyses: Vec<_> = docs.iter().map(|d| d.analysis()).collect();
    let dir = tempfile::tempdir().unwrap();

    let sql = EmbeddedStore::open(dir.path().join("sql"), OpenMode::Write).unwrap();
    sql.set_lsh_copy(false);
    for chunk in analyses.chunks(16) {
        sql.put(chunk.to_vec()).unwrap();
    }
    let (stories, quotes) = (story_partition(&sql), quote_partition(&sql));
    assert!(stories.iter().filter(|g| g.len() > 1).count() > 20);
    assert!(quotes.iter().filter(|g| g.len() > 1).count() > 20);

    let copy = EmbeddedStore::open(dir.path().join("copy"), OpenMode::Write).unwrap();
    for chunk in analyses.chunks(16) {
        copy.put(chunk.to_vec()).unwrap();
    }
    assert_eq!(story_partition(&copy), stories);
    assert_eq!(quote_partition(&copy), quotes);

    let mixed = EmbeddedStore::open(dir.path().join("mixed"), OpenMode::Write).unwrap();
    for (i, chunk) in analyses.chunks(16).enumerate() {
        mixed.set_lsh_copy(i % 3 != 1);
        mixed.put(chunk.to_vec()).unwrap();
    }
    assert_eq!(story_partition(&mixed), stories);
    assert_eq!(quote_partition(&mixed), quotes);
    assert_eq!(mixed.stats().unwrap(), sql.stats().unwrap());
}
