//! Store benchmark: ingest throughput (store side: preparing rows, MinHash, SQLite, tantivy),
//! search latency p50/p99, and size on disk, on a generated corpus.
//!
//! `NEWSLENS_BENCH_DOCS=10000 cargo bench -p newslens-store --bench store`
//! (set `NEWSLENS_BENCH_DOCS=100000` for the large run). Figures go to docs/store.md.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use newslens_store::{EmbeddedStore, IngestOptions, OpenMode, SearchQuery, SourceUnit, Store};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let target: usize = std::env::var("NEWSLENS_BENCH_DOCS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let threads: usize = std::env::var("NEWSLENS_BENCH_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    // The generator yields ~1.7 documents per original story.
    let (mut docs, _) = common::corpus(target * 10 / 17 + 1, 42);
    docs.truncate(target);
    let n = docs.len();
    let analyses: Vec<_> = docs.iter().map(|d| d.analysis()).collect();
    let by_id: std::collections::HashMap<String, newslens_core::Analysis> = analyses
        .iter()
        .map(|a| (a.document.id.clone(), a.clone()))
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let store = EmbeddedStore::open(dir.path().join("db"), OpenMode::Write).expect("open");

    let t0 = Instant::now();
    let units = analyses.iter().map(|a| {
        Ok(SourceUnit {
            file: None,
            documents: vec![a.document.clone()],
        })
    });
    let report = newslens_store::ingest(
        &store,
        units,
        |d| Ok(by_id[&d.id].clone()),
        &IngestOptions {
            threads: Some(threads),
            batch: 512,
        },
        |_| {},
    )
    .expect("ingest");
    let secs = t0.elapsed().as_secs_f64();
    assert_eq!(report.progress.stored, n);
    drop(store);
    let store = EmbeddedStore::open(dir.path().join("db"), OpenMode::Read).expect("reopen");
    let segments = store.index_segments().expect("segments");

    // Queries: one and two words of the texts, and the same with filters.
    let mut rng = common::Rng::new(9);
    let mut queries = Vec::new();
    for i in 0..400 {
        let d = &docs[rng.below(n)];
        let ws: Vec<&str> = d.paragraphs[0].split(' ').filter(|w| w.len() > 3).collect();
        let w1 = ws[rng.below(ws.len())]
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        let w2 = ws[rng.below(ws.len())]
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        let mut q = SearchQuery {
            text: if i % 2 == 0 { w1 } else { format!("{w1} {w2}") },
            limit: 10,
            ..Default::default()
        };
        match i % 4 {
            1 => q.source = Some(d.outlet.clone()),
            3 => {
                q.from = Some(d.date);
                q.to = Some(d.date + chrono::Days::new(7));
            }
            _ => {}
        }
        queries.push(q);
    }
    // Warm-up (page cache, tantivy readers).
    for q in queries.iter().take(50) {
        store.search(q).expect("search");
    }
    let mut lat = Vec::new();
    let mut hits = 0usize;
    for q in &queries {
        let t = Instant::now();
        hits += store.search(q).expect("search").len();
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    lat.sort_by(|a, b| a.total_cmp(b));
    // The same words with an entity filter (a speaker of the generated corpus: each appears in
    // a large share of the articles, the costly case for the article-to-quote join).
    let mut ent_lat = Vec::new();
    for (i, q) in queries.iter().enumerate().take(200) {
        let q = SearchQuery {
            entity: Some(common::SPEAKERS[i % common::SPEAKERS.len()].to_string()),
            ..q.clone()
        };
        let t = Instant::now();
        store.search(&q).expect("search");
        ent_lat.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ent_lat.sort_by(|a, b| a.total_cmp(b));
    let (db, idx) = store.disk_usage();
    let stats = store.stats().expect("stats");
    println!("documents              {n}");
    println!(
        "ingest (store side)    {:.0} docs/s with {threads} analysis thread(s) + 1 writer ({secs:.1} s)",
        n as f64 / secs
    );
    println!("index segments         {segments} (when the searches started)");
    println!(
        "search latency         p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} queries, {:.1} hits avg, limit 10, snippets included)",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(0.0),
        lat.len(),
        hits as f64 / lat.len() as f64
    );
    println!(
        "  with --entity        p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} queries)",
        percentile(&ent_lat, 0.5),
        percentile(&ent_lat, 0.99),
        ent_lat.last().copied().unwrap_or(0.0),
        ent_lat.len()
    );
    println!(
        "size per 1k articles   database {:.2} MB, index {:.2} MB (total {:.1} MB)",
        db as f64 / n as f64 * 1000.0 / 1e6,
        idx as f64 / n as f64 * 1000.0 / 1e6,
        (db + idx) as f64 / 1e6
    );
    println!(
        "stats                  {}",
        serde_json::to_string(&stats).unwrap_or_default()
    );
}
