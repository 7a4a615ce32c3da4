//! Cost of the time stage per article: `cargo bench -p newslens-time --bench time`.
//!
//! Runs over the seed article when the shared data folder is present, else over a built-in
//! article-sized text written for this bench.

use std::path::PathBuf;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use newslens_time::TimeStage;

const FALLBACK: &str = "The minister is to visit the capital on Tuesday, for the first time since \
2000. Officials said on Monday that talks held last week had stalled, two years ago a similar \
round collapsed. The delegation arrives at 9 a.m. and will stay for three days. Trade rose \
in the third quarter, and every month since June exports have grown. In the 1990s the two \
countries signed a treaty; now they meet every year.\n\n";

fn article() -> String {
    let root = std::env::var_os("NEWSLENS_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
        });
    let seed = root.join("../examples/seed-article.txt");
    std::fs::read_to_string(seed).unwrap_or_else(|_| FALLBACK.repeat(6))
}

fn bench(c: &mut Criterion) {
    let stage = TimeStage::new();
    let text = article();
    let date = chrono::NaiveDate::from_ymd_opt(2024, 10, 16);
    eprintln!(
        "article: {} bytes, {} expressions",
        text.len(),
        stage.extract(&text, date, &[]).len()
    );
    c.bench_function("time_stage_per_article", |b| {
        b.iter(|| black_box(stage.extract(black_box(&text), date, &[])))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
