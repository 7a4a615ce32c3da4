//! `newslens`: turn news articles into structured, checkable evidence.
//!
//! Exit codes: 0 success, 1 failure (nothing could be read, a stage failed, ...), 2 usage error.

mod analyze;
mod arrow_rows;
mod bench;
mod bench_corpus;
mod cmd;
mod report;
mod rows;

use clap::{Parser, Subcommand};

use cmd::{accurate, corpus, events, ner, quotes, rhetoric, scale, serve, timex};

/// newslens — who said what, when, and how it persuades, with character offsets for every fact.
#[derive(Debug, Parser)]
#[command(name = "newslens", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Analyse articles and print every annotation layer (pretty on a terminal, JSON when piped).
    Analyze(analyze::AnalyzeArgs),
    /// Train a model from the shared data sets.
    #[command(subcommand)]
    Train(TrainCommand),
    /// Score a stage against a gold data set.
    #[command(subcommand)]
    Eval(EvalCommand),
    /// Analyse articles and store them in a corpus.
    Ingest(corpus::IngestArgs),
    /// Full-text search over stored articles and quotes.
    Search(corpus::SearchArgs),
    /// List republication clusters (the same story across outlets).
    Stories(corpus::ListArgs),
    /// List quotes and how they spread across articles.
    Quotes(corpus::QuotesArgs),
    /// List the entities that appear most, with whom.
    Entities(corpus::EntitiesArgs),
    /// Article and quote counts over time for one entity.
    Timeline(corpus::TimelineArgs),
    /// Counts of what a store holds.
    Stats(corpus::ListArgs),
    /// Load the Parquet output of the Spark driver into a store (`--db postgres://…` or a directory).
    LoadParquet(scale::LoadParquetArgs),
    /// Measure read + segmentation (and full pipeline) throughput on a generated corpus.
    Bench(bench::BenchArgs),
    /// Serve the JSON API and web UI over a store.
    Serve(serve::ServeArgs),
    /// Ingest the bundled example articles, then serve them and print the URL.
    Demo(serve::DemoArgs),
}

#[derive(Debug, Subcommand)]
enum TrainCommand {
    /// Named-entity recogniser from CoNLL-2003 files.
    Ner(ner::TrainArgs),
    /// Quote cue/attribution model from PolNeAR.
    Quotes(quotes::TrainArgs),
    /// Persuasion techniques, frames, genre and entity roles from the SemEval data sets.
    Rhetoric(rhetoric::TrainArgs),
    /// Accurate-mode heads over all-MiniLM-L6-v2 embeddings (needs scripts/fetch-minilm.sh).
    RhetoricAccurate(accurate::TrainArgs),
}

#[derive(Debug, Subcommand)]
enum EvalCommand {
    /// Entity recognition against a CoNLL-2003 file (conlleval figures).
    Ner(ner::EvalArgs),
    /// Attribution (source, cue, content) against a PolNeAR split.
    Quotes(quotes::EvalArgs),
    /// Time expressions against a folder of TimeML files (TempEval-3 Task A).
    Timex(timex::EvalArgs),
    /// Event coding against the PETRARCH records and MEANTIME.
    Events(events::EvalArgs),
    /// SemEval-2020 Task 11: span identification (si) or technique classification (tc).
    Ptc(rhetoric::EvalPtcArgs),
    /// SemEval-2023 Task 3 subtasks 1–3.
    Semeval23(rhetoric::EvalSemeval23Args),
}

// The stages allocate many small, short-lived vectors and strings per sentence; mimalloc's
// thread-local free lists make that measurably cheaper than glibc's malloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (15 in both its v2 and v3 option enums, which keep
/// retired options as placeholders so the numbers never move; the bindings name no constant).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Batch commands keep the memory they free instead of returning it to the OS a second later:
/// every batch of articles allocates about as much as the last, and memory given back came
/// back as fresh pages the kernel had to zero again (2 MiB at a time with transparent huge
/// pages): an eighth of an ingest's CPU time was in the kernel, half of it zeroing pages. The cost
/// is a peak resident size that is not handed back until the command ends; `serve` runs for
/// days and keeps mimalloc's default.
fn keep_freed_memory() {
    // SAFETY: sets a plain integer option; mimalloc allows it at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}

/// Batch commands take their memory in small pages. mimalloc asks for transparent huge pages,
/// and a huge page must be found (compacting memory if need be) and zeroed whole, 2 MiB at a
/// time, however little of it is used: on these virtual machines that was a sixth of an
/// ingest's CPU time (kernel time 1.1 s → 0.4 s on 2,000 seed-length articles; total CPU time
/// ≈ 11 % lower over six alternated runs, despite the extra TLB misses). Linux only; elsewhere, and if
/// the call fails, the default stays.
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: sets a per-process flag; takes no pointers.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// A batch command whose reader went away (`newslens eval ner … | head -1`) ends quietly, as
/// Unix tools do, instead of panicking in `println!` on the broken pipe: Rust ignores SIGPIPE,
/// so the write fails and `println!` panics. The server keeps Rust's setting (its sockets
/// report closed peers as errors, which it handles).
fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: resets one signal to its default action before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// SQLite allocates through mimalloc too, instead of the C library's malloc (about 1 % of an
/// ingest's CPU time went to glibc's `malloc` and `free`, almost all of it SQLite's). Must run
/// before SQLite starts, hence first thing in `main`; SQLite copies the table of functions.
fn sqlite_on_mimalloc() {
    use libmimalloc_sys as mi;
    use std::os::raw::{c_int, c_void};
    // SAFETY (all of them): thin wrappers over mimalloc with SQLite's signatures; sizes are
    // clamped to the `int` range SQLite works in (it never asks for more).
    unsafe extern "C" fn malloc(n: c_int) -> *mut c_void {
        unsafe { mi::mi_malloc(n.max(0) as usize) }
    }
    unsafe extern "C" fn free(p: *mut c_void) {
        unsafe { mi::mi_free(p) }
    }
    unsafe extern "C" fn realloc(p: *mut c_void, n: c_int) -> *mut c_void {
        unsafe { mi::mi_realloc(p, n.max(0) as usize) }
    }
    unsafe extern "C" fn size(p: *mut c_void) -> c_int {
        unsafe { mi::mi_usable_size(p) }.min(c_int::MAX as usize) as c_int
    }
    unsafe extern "C" fn roundup(n: c_int) -> c_int {
        unsafe { mi::mi_good_size(n.max(0) as usize) }.min(c_int::MAX as usize) as c_int
    }
    unsafe extern "C" fn init(_: *mut c_void) -> c_int {
        rusqlite::ffi::SQLITE_OK
    }
    unsafe extern "C" fn shutdown(_: *mut c_void) {}
    let methods = rusqlite::ffi::sqlite3_mem_methods {
        xMalloc: Some(malloc),
        xFree: Some(free),
        xRealloc: Some(realloc),
        xSize: Some(size),
        xRoundup: Some(roundup),
        xInit: Some(init),
        xShutdown: Some(shutdown),
        pAppData: std::ptr::null_mut(),
    };
    // SAFETY: SQLITE_CONFIG_MALLOC takes a pointer to this table and copies it before returning;
    // no connection is open yet. On failure SQLite keeps its default allocator, which is fine.
    unsafe {
        let table: *const rusqlite::ffi::sqlite3_mem_methods = &methods;
        rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_MALLOC, table);
    }
}

fn main() {
    sqlite_on_mimalloc();
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve(_) | Command::Demo(_)) {
        keep_freed_memory();
        no_transparent_huge_pages();
        quiet_on_closed_pipe();
    }
    let result = match &cli.command {
        Command::Analyze(a) => analyze::run(a),
        Command::Train(TrainCommand::Ner(a)) => ner::train(a),
        Command::Train(TrainCommand::Quotes(a)) => quotes::train(a),
        Command::Train(TrainCommand::Rhetoric(a)) => rhetoric::train(a),
        Command::Train(TrainCommand::RhetoricAccurate(a)) => accurate::train(a),
        Command::Eval(EvalCommand::Ner(a)) => ner::eval(a),
        Command::Eval(EvalCommand::Quotes(a)) => quotes::eval(a),
        Command::Eval(EvalCommand::Timex(a)) => timex::eval(a),
        Command::Eval(EvalCommand::Events(a)) => events::eval(a),
        Command::Eval(EvalCommand::Ptc(a)) => rhetoric::eval_ptc(a),
        Command::Eval(EvalCommand::Semeval23(a)) => rhetoric::eval_semeval23(a),
        Command::Ingest(a) => corpus::ingest(a),
        Command::Search(a) => corpus::search(a),
        Command::Stories(a) => corpus::stories(a),
        Command::Quotes(a) => corpus::quotes(a),
        Command::Entities(a) => corpus::entities(a),
        Command::Timeline(a) => corpus::timeline(a),
        Command::Stats(a) => corpus::stats(a),
        Command::Bench(a) => bench::run(a),
        Command::LoadParquet(a) => scale::load_parquet(a),
        Command::Serve(a) => serve::serve(a),
        Command::Demo(a) => serve::demo(a),
    };
    if let Err(e) = result {
        if let Some(usage) = e.downcast_ref::<UsageError>() {
            eprintln!("error: {usage}");
            std::process::exit(2);
        }
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

/// An error in how the command was called (exit code 2).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}
