//! Cost of `TimeStage::extract` alone: `cargo run --release -p newslens-time --example tprof --
//! DIR [REPS]`. Reads the articles under `DIR` (any reader's format), runs the text layer once,
//! then times `extract` over all of them `REPS` times (default 1) and prints µs per article for
//! each pass (the first pays the lazy DFAs' warm-up) and a checksum of the expressions found.

use std::time::Instant;

use newslens_core::{Analysis, Span};
use newslens_time::TimeStage;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: tprof DIR [REPS]");
        std::process::exit(2);
    };
    let reps: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1);
    let paths = vec![std::path::PathBuf::from(dir)];
    let prepared: Vec<(String, Option<chrono::NaiveDate>, Vec<Span>)> =
        newslens_ingest::read_paths(&paths, &Default::default())
            .filter_map(Result::ok)
            .map(|d| {
                let date = d.dateline;
                let mut a = Analysis::new(d);
                newslens_text::segment(&mut a);
                let s = a.sentences.iter().map(|s| s.span).collect();
                (a.text().to_string(), date, s)
            })
            .collect();
    let stage = TimeStage::new();
    let t0 = Instant::now();
    let (mut n, mut h) = (0usize, 0u64);
    for r in 0..reps {
        let t = Instant::now();
        for (text, date, s) in &prepared {
            let out = stage.extract(text, *date, s);
            n += out.len();
            for x in &out {
                let v = x.value.as_ref().map_or(0, |v| v.len() as u64);
                h = h.wrapping_mul(31).wrapping_add(x.span.start as u64 ^ v);
            }
        }
        let per = t.elapsed().as_secs_f64() * 1e6 / prepared.len().max(1) as f64;
        eprintln!("rep {r}: {per:.1} us/article");
    }
    eprintln!(
        "{} docs, {n} timexes, hash {h:x}, total {:.3}s",
        prepared.len(),
        t0.elapsed().as_secs_f64()
    );
}
