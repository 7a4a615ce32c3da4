//! Throughput measurement for NER alone (feature extraction + Viterbi on pre-tokenised
//! sentences, one thread), shared by the criterion bench, `examples/bench_ner.rs` and the CLI.

use std::time::Instant;

use crate::ner::NerModel;

/// What a throughput run measured.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Throughput {
    /// Words tagged (all passes).
    pub words: usize,
    /// Seconds spent.
    pub seconds: f64,
    /// Words per second on one core.
    pub words_per_sec: f64,
}

/// Tags `docs` (documents → sentences → words) repeatedly for at least `min_seconds` on the
/// calling thread and reports words per second.
pub fn ner_throughput<S: AsRef<str>>(
    model: &NerModel,
    docs: &[Vec<Vec<S>>],
    min_seconds: f64,
) -> Throughput {
    let per_pass: usize = docs.iter().flatten().map(Vec::len).sum();
    let start = Instant::now();
    let mut words = 0;
    let mut sink = 0usize;
    loop {
        for d in docs {
            for labels in model.tag_document(d) {
                sink = sink.wrapping_add(labels.iter().sum::<usize>());
            }
        }
        words += per_pass;
        if start.elapsed().as_secs_f64() >= min_seconds || per_pass == 0 {
            break;
        }
    }
    std::hint::black_box(sink);
    let seconds = start.elapsed().as_secs_f64();
    Throughput {
        words,
        seconds,
        words_per_sec: words as f64 / seconds.max(1e-9),
    }
}
