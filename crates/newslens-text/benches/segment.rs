//! Throughput of segmentation (paragraphs + sentences + tokens) on generated news-like text.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use newslens_core::{Analysis, Document};

fn corpus() -> String {
    let para =
        "Russian President Vladimir Putin said on Tuesday that Moscow \u{201c}will continue to \
support\u{201d} its partners, according to the Kremlin. Mr. Lavrov met U.S. envoys at 3.5 p.m. in \
Geneva; talks lasted two hours... Officials declined to comment.\n\n";
    para.repeat(2_000)
}

fn bench(c: &mut Criterion) {
    let text = corpus();
    let mut g = c.benchmark_group("segment");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("paragraphs+sentences+tokens", |b| {
        b.iter(|| {
            let mut a = Analysis::new(Document::from_text("bench", text.clone()));
            newslens_text::segment(&mut a);
            a.tokens.len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
