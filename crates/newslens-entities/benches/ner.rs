//! Criterion bench: NER alone (features + Viterbi) on CoNLL-2003 valid.txt when the shared data
//! is present, else on sentences written for the bench. Throughput is in words.
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use newslens_entities::{ner::NerModel, stage::default_model};

fn corpus() -> Vec<Vec<Vec<String>>> {
    let dir = std::env::var("NEWSLENS_SHARED_DATA").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data").to_string()
    });
    let path = std::path::Path::new(&dir).join("conll2003-en/valid.txt");
    match newslens_eval::conll::read_path(&path) {
        Ok(docs) => docs
            .iter()
            .map(|d| {
                d.sentences
                    .iter()
                    .map(|s| s.iter().map(|t| t.word.clone()).collect())
                    .collect()
            })
            .collect(),
        Err(_) => {
            eprintln!("shared data absent: benchmarking on built-in sentences");
            let s = "Finance Minister Ana Costa told reporters in Lisbon on Friday that the \
                     European Union would review the plan , a spokesman for Costa said .";
            let sent: Vec<String> = s.split(' ').map(str::to_string).collect();
            vec![vec![sent; 200]]
        }
    }
}

fn bench(c: &mut Criterion) {
    let model: std::sync::Arc<NerModel> = default_model().expect("embedded model");
    let docs = corpus();
    let words: usize = docs.iter().flatten().map(Vec::len).sum();
    let mut g = c.benchmark_group("ner");
    g.throughput(Throughput::Elements(words as u64));
    g.sample_size(10);
    g.bench_function("tag_words", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for d in &docs {
                for l in model.tag_document(d) {
                    n += l.len();
                }
            }
            n
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
