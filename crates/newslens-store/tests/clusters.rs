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
}
