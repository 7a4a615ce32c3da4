//! `newslens bench`: read + segmentation throughput (and the full pipeline's) on a generated
//! corpus, so the README figures can be reproduced with one command.

use std::time::Instant;

use anyhow::Result;
use clap::Args;
use newslens_core::Analysis;
use newslens_pipeline::{Pipeline, PipelineOptions};

/// `newslens bench`
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Number of generated articles.
    #[arg(long, default_value_t = 2000)]
    pub articles: usize,
    /// Which generated corpus: `varied` (seed-length articles, no two alike) or `rotating`
    /// (1.1 kB articles cut from five fixed paragraphs: the figures of sessions 1-5).
    #[arg(long, value_enum, default_value_t = Corpus::Varied)]
    pub corpus: Corpus,
    /// Also time the full pipeline (all stages).
    #[arg(long)]
    pub pipeline: bool,
    /// Stages for `--pipeline` (comma-separated; default: all).
    #[arg(long, value_delimiter = ',')]
    pub only: Option<Vec<String>>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Also time a full ingest (all stages + SQLite + tantivy + clusters) into a fresh temporary
    /// store, with one analysis thread.
    #[arg(long)]
    pub ingest: bool,
    /// Repeat the `--ingest` measurement this many times, each into a fresh store, and report
    /// every round with the median, lowest and highest: this machine's speed drifts by ±20 %
    /// from one minute to the next, so one round is one sample. `ingest` in the JSON is the
    /// median round.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub rounds: u32,
    /// Measure on these articles (files or directories, any reader's format) instead of the
    /// generated corpus; `--articles` then caps how many files are used.
    #[arg(long, num_args = 1..)]
    pub input: Vec<std::path::PathBuf>,
    /// Write the generated corpus to this directory (one `.txt` file per article, e.g. to time
    /// `newslens ingest` on it) and exit without measuring.
    #[arg(long, value_name = "DIR", conflicts_with = "input")]
    pub write_corpus: Option<std::path::PathBuf>,
}

/// The generated corpora of `newslens bench`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Corpus {
    /// Five fixed paragraphs in rotation, ≈ 1.1 kB per article.
    Rotating,
    /// Seed-length articles from templates and word lists ([`crate::bench_corpus`]).
    Varied,
}

const PARAGRAPHS: &[&str] = &[
    "Foreign Minister Anna Berg said on Tuesday that her government “will not accept threats” from its neighbour, according to the ministry.",
    "The talks in Geneva, which lasted 3.5 hours, ended without agreement. Mr. Olsen, the U.S. envoy, told reporters the sides were “still far apart.”",
    "Officials in Moscow accused the West of hypocrisy. “They speak of rules but follow none,” the Kremlin spokesman said, calling the sanctions illegal.",
    "Since 2019, trade between the two countries has fallen by a third, the central bank said in a report published last week.",
    "Protesters gathered outside parliament on Friday evening; police said about 2,000 people took part… Dr. Lina Park, a historian, called it “the largest rally in a decade.”",
];

/// Builds `n` seed-format articles of ~5–9 paragraphs each (deterministic).
pub fn generate(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let mut s = format!(
                "date 2024-{:02}-{:02} Story {i}: Talks Stall as Tension Grows\n\nBy Staff, Agencies\n\n",
                1 + i % 12,
                1 + i % 28
            );
            for k in 0..(5 + i % 5) {
                s.push_str(PARAGRAPHS[(i + k) % PARAGRAPHS.len()]);
                s.push_str("\n\n");
            }
            s
        })
        .collect()
}

/// Runs `bench`.
pub fn run(args: &BenchArgs) -> Result<()> {
    let corpus = if !args.input.is_empty() {
        load_inputs(&args.input, args.articles)?
    } else if args.corpus == Corpus::Varied {
        crate::bench_corpus::varied(args.articles)
    } else {
        generate(args.articles)
    };
    if let Some(dir) = &args.write_corpus {
        return write_corpus(dir, &corpus);
    }
    let bytes: usize = corpus.iter().map(|s| s.len()).sum();
    let mb = bytes as f64 / 1e6;
    // Warm-up pass so the figures exclude first-touch costs.
    let _ = segment_all(&corpus[..corpus.len().min(50)]);
    let t = Instant::now();
    let tokens = segment_all(&corpus);
    let secs = t.elapsed().as_secs_f64();
    let corpus_name = match (args.input.is_empty(), args.corpus) {
        (false, _) => "input",
        (true, Corpus::Rotating) => "rotating",
        (true, Corpus::Varied) => "varied",
    };
    let mut report = serde_json::json!({
        "corpus": corpus_name,
        "articles": corpus.len(),
        "megabytes": mb,
        "read_segment": {
            "seconds": secs,
            "mb_per_s": mb / secs,
            "articles_per_s": corpus.len() as f64 / secs,
            "tokens": tokens,
            "threads": 1,
        }
    });
    if args.pipeline {
        let p = Pipeline::new(&PipelineOptions {
            only: args.only.clone(),
            ..PipelineOptions::default()
        })?;
        let names = p.stage_names();
        let mut timings = vec![std::time::Duration::ZERO; names.len()];
        let t = Instant::now();
        for (i, text) in corpus.iter().enumerate() {
            for doc in newslens_ingest::read_str(text, &format!("bench{i}.txt"))
                .into_iter()
                .flatten()
            {
                let _ = p.run_profiled(doc, &mut timings)?;
            }
        }
        let secs = t.elapsed().as_secs_f64();
        let per_stage: serde_json::Map<String, serde_json::Value> = names
            .iter()
            .zip(&timings)
            .map(|(n, d)| {
                let us = d.as_secs_f64() * 1e6 / corpus.len() as f64;
                (n.to_string(), serde_json::json!(us))
            })
            .collect();
        report["pipeline"] = serde_json::json!({
            "stages": names,
            "seconds": secs,
            "mb_per_s": mb / secs,
            "articles_per_s": corpus.len() as f64 / secs,
            "threads": 1,
            "microseconds_per_article": per_stage,
        });
    }
    if args.ingest {
        let mut rounds = Vec::with_capacity(args.rounds as usize);
        for _ in 0..args.rounds {
            rounds.push(bench_ingest(&corpus)?);
        }
        let rate = |r: &serde_json::Value| r["articles_per_cpu_s"].as_f64().unwrap_or(0.0);
        let mut order: Vec<usize> = (0..rounds.len()).collect();
        order.sort_by(|&a, &b| rate(&rounds[a]).total_cmp(&rate(&rounds[b])));
        // The lower median for an even count: a figure some round really gave.
        let median = order[(order.len() - 1) / 2];
        if rounds.len() > 1 {
            report["ingest_rounds"] = serde_json::json!({
                "articles_per_cpu_s": rounds.iter().map(rate).collect::<Vec<_>>(),
                "median": rate(&rounds[median]),
                "min": rate(&rounds[order[0]]),
                "max": rate(&rounds[order[order.len() - 1]]),
            });
        }
        report["ingest"] = rounds.swap_remove(median);
    }
    if args.json {
        println!("{report}");
    } else {
        let what = match corpus_name {
            "input" => "input".to_string(),
            name => format!("generated corpus ({name})"),
        };
        println!("{what}: {} articles, {:.2} MB", corpus.len(), mb);
        let rs = &report["read_segment"];
        println!(
            "read + paragraphs + sentences + tokens (1 thread): {:.1} MB/s, {:.0} articles/s",
            rs["mb_per_s"].as_f64().unwrap_or(0.0),
            rs["articles_per_s"].as_f64().unwrap_or(0.0)
        );
        if let Some(p) = report.get("pipeline") {
            println!(
                "full pipeline {} (1 thread): {:.2} MB/s, {:.0} articles/s",
                p["stages"],
                p["mb_per_s"].as_f64().unwrap_or(0.0),
                p["articles_per_s"].as_f64().unwrap_or(0.0)
            );
            if let Some(stages) = p["microseconds_per_article"].as_object() {
                for (name, us) in stages {
                    println!(
                        "  {name:<10} {:>9.1} µs/article",
                        us.as_f64().unwrap_or(0.0)
                    );
                }
            }
        }
        if let Some(r) = report.get("ingest_rounds") {
            let each: Vec<String> = r["articles_per_cpu_s"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| format!("{:.0}", v.as_f64().unwrap_or(0.0)))
                .collect();
            println!(
                "ingest rounds, articles per CPU-second: {}; median {:.0}, lowest {:.0}, highest {:.0} (the median round follows)",
                each.join(", "),
                r["median"].as_f64().unwrap_or(0.0),
                r["min"].as_f64().unwrap_or(0.0),
                r["max"].as_f64().unwrap_or(0.0)
            );
        }
        if let Some(i) = report.get("ingest") {
            println!(
                "ingest into a new embedded store (1 analysis thread): {:.0} articles/s, {:.0} articles per CPU-second; analysis {:.0} %, store {:.0} % of the time",
                i["articles_per_s"].as_f64().unwrap_or(0.0),
                i["articles_per_cpu_s"].as_f64().unwrap_or(0.0),
                i["analysis_share"].as_f64().unwrap_or(0.0) * 100.0,
                (1.0 - i["analysis_share"].as_f64().unwrap_or(0.0)) * 100.0
            );
            if let (Some(a), Some(s)) = (
                i["analysis_cpu_us_per_article"].as_f64(),
                i["store_cpu_us_per_article"].as_f64(),
            ) {
                println!(
                    "  CPU per article: analysis {a:.0} µs, store (rows, SQLite, index, clusters) {s:.0} µs"
                );
            }
        }
    }
    Ok(())
}

/// Ingests `corpus` into a fresh store in the temporary directory (removed afterwards), one
/// analysis thread, and reports articles/s and the share of time spent in analysis.
fn bench_ingest(corpus: &[String]) -> Result<serde_json::Value> {
    use std::sync::atomic::{AtomicU64, Ordering};
    let dir = std::env::temp_dir().join(format!("newslens-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let result = (|| -> Result<serde_json::Value> {
        let store = newslens_store::EmbeddedStore::open(&dir, newslens_store::OpenMode::Write)?;
        let pipeline = Pipeline::new(&PipelineOptions::default())?;
        let units = corpus.iter().enumerate().map(|(i, text)| {
            let documents = newslens_ingest::read_str(text, &format!("bench{i}.txt"))
                .into_iter()
                .flatten()
                .collect();
            Ok(newslens_store::SourceUnit {
                file: None,
                documents,
            })
        });
        let analysis_ns = AtomicU64::new(0);
        let analysis_cpu_ns = AtomicU64::new(0);
        let cpu0 = process_cpu_seconds();
        let t = Instant::now();
        let report = newslens_store::ingest(
            &store,
            units,
            |d| {
                let t = Instant::now();
                let c = thread_cpu_ns();
                let a = pipeline.run(d).map_err(|e| e.to_string());
                analysis_ns.fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
                if let (Some(c0), Some(c1)) = (c, thread_cpu_ns()) {
                    analysis_cpu_ns.fetch_add(c1.saturating_sub(c0), Ordering::Relaxed);
                }
                a
            },
            &newslens_store::IngestOptions {
                threads: Some(1),
                ..newslens_store::IngestOptions::default()
            },
            |_| {},
        )?;
        let secs = t.elapsed().as_secs_f64();
        let cpu = process_cpu_seconds().zip(cpu0).map(|(b, a)| b - a);
        let stored = report.progress.stored;
        // Thread CPU time does not grow while another process holds the core, so this split
        // stays meaningful on a busy machine (the wall-clock `analysis_share` does not).
        let analysis_cpu =
            thread_cpu_ns().map(|_| analysis_cpu_ns.load(Ordering::Relaxed) as f64 / 1e9);
        let store_cpu = cpu.zip(analysis_cpu).map(|(c, a)| (c - a).max(0.0));
        let per_article = |s: Option<f64>| s.map(|s| s * 1e6 / stored.max(1) as f64);
        Ok(serde_json::json!({
            "articles": stored,
            "seconds": secs,
            "articles_per_s": stored as f64 / secs,
            "cpu_seconds": cpu,
            "articles_per_cpu_s": cpu.map(|c| stored as f64 / c.max(1e-9)),
            "analysis_share": (analysis_ns.load(Ordering::Relaxed) as f64 / 1e9 / secs).min(1.0),
            "analysis_cpu_seconds": analysis_cpu,
            "store_cpu_seconds": store_cpu,
            "analysis_cpu_us_per_article": per_article(analysis_cpu),
            "store_cpu_us_per_article": per_article(store_cpu),
            "analysis_threads": 1,
        }))
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// CPU time of the calling thread in nanoseconds (`None` where there is no such clock).
#[cfg(unix)]
fn thread_cpu_ns() -> Option<u64> {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Some(t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64)
}

#[cfg(not(unix))]
fn thread_cpu_ns() -> Option<u64> {
    None
}

/// User + system CPU time of this process so far (Linux `/proc`; `None` elsewhere). The ingest
/// runs a writer and tantivy's indexing threads beside the analysis thread, so articles per
/// CPU-second is the honest "per core" figure.
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    // The kernel's USER_HZ is 100 on every Linux platform we build for.
    Some(ticks / 100.0)
}

/// Writes `corpus` as `DIR/article-NNNNNN.txt`.
fn write_corpus(dir: &std::path::Path, corpus: &[String]) -> Result<()> {
    use anyhow::Context;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (i, text) in corpus.iter().enumerate() {
        let path = dir.join(format!("article-{i:06}.txt"));
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    eprintln!("wrote {} articles to {}", corpus.len(), dir.display());
    Ok(())
}

/// Reads up to `cap` input files whole (lossy UTF-8: the readers' own decoding is measured later).
fn load_inputs(paths: &[std::path::PathBuf], cap: usize) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for p in newslens_ingest::expand_inputs(paths).into_iter().take(cap) {
        let p = p?;
        let bytes =
            std::fs::read(&p).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))?;
        out.push(String::from_utf8_lossy(&bytes).into_owned());
    }
    anyhow::ensure!(!out.is_empty(), "no articles found in the --input paths");
    Ok(out)
}

fn segment_all(corpus: &[String]) -> usize {
    let mut tokens = 0;
    for (i, text) in corpus.iter().enumerate() {
        for doc in newslens_ingest::read_bytes(text.as_bytes(), "bench.txt", &format!("b{i}"))
            .into_iter()
            .flatten()
        {
            let mut a = Analysis::new(doc);
            newslens_text::segment(&mut a);
            tokens += a.tokens.len();
        }
    }
    tokens
}
