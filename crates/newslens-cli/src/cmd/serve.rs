//! `newslens serve` (the JSON API and web UI over a store) and `newslens demo` (ingest the bundled
//! example articles, then serve them). Owned by the server.

use std::net::SocketAddr;

use anyhow::{Context, Result};
use clap::Args;
use newslens_pipeline::{Pipeline, PipelineOptions};
use newslens_server::ServerConfig;
use newslens_store::{open_store, OpenMode, Store, StoreError};

/// The example articles shipped in the binary (original texts in the repository's `examples/`).
pub const EXAMPLES: &[(&str, &str)] = &[
    (
        "examples/harbour-summit.txt",
        include_str!("../../../../examples/harbour-summit.txt"),
    ),
    (
        "examples/border-incident.txt",
        include_str!("../../../../examples/border-incident.txt"),
    ),
    (
        "examples/grain-corridor.txt",
        include_str!("../../../../examples/grain-corridor.txt"),
    ),
];

/// `newslens serve`
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Store directory (created empty if missing).
    #[arg(long, default_value = "./newslens-data", env = "NEWSLENS_DB")]
    pub db: String,
    /// Address to listen on. Anything but a loopback address needs --token.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Token required by write endpoints (`Authorization: Bearer <token>`); mandatory on a
    /// non-loopback address.
    #[arg(long, env = "NEWSLENS_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Largest request body, in bytes.
    #[arg(long, default_value_t = 8 * 1024 * 1024)]
    pub body_limit: usize,
    /// Time limit of one request, in seconds.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
}

/// `newslens demo`
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Store directory to ingest the examples into.
    #[arg(long, default_value = "./newslens-data", env = "NEWSLENS_DB")]
    pub db: String,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Only ingest the examples and print where to look; do not start the server.
    #[arg(long)]
    pub no_serve: bool,
}

fn config(args: &ServeArgs) -> ServerConfig {
    let mut c = ServerConfig::new(args.db.clone(), args.addr);
    c.token = args.token.clone().filter(|t| !t.is_empty());
    c.body_limit = args.body_limit;
    c.timeout = std::time::Duration::from_secs(args.timeout.max(1));
    c
}

/// Runs `serve` until Ctrl-C.
pub fn serve(args: &ServeArgs) -> Result<()> {
    let db = args.db.clone();
    newslens_server::run(config(args), |addr| {
        eprintln!("newslens: serving {db} at http://{addr}/  (API: http://{addr}/api/openapi.json; Ctrl-C stops)");
    })?;
    Ok(())
}

/// Ingests the bundled examples into `db`; returns the store id of the first one.
fn ingest_examples(db: &str) -> Result<i64> {
    let pipeline = Pipeline::new(&PipelineOptions::default())?;
    let mut analyses = Vec::new();
    for (name, text) in EXAMPLES {
        for doc in newslens_ingest::read_str(text, name) {
            let doc = doc.with_context(|| format!("reading {name}"))?;
            analyses.push(pipeline.run(doc)?);
        }
    }
    let store = match open_store(db, OpenMode::Write) {
        Err(StoreError::Locked { .. }) => {
            anyhow::bail!("another newslens process is writing to {db}; try again when it is done")
        }
        other => other?,
    };
    let out = store.put(analyses)?;
    let new = out.iter().filter(|o| o.new).count();
    eprintln!(
        "demo: {} example articles in {db} ({new} newly analysed)",
        out.len()
    );
    out.first()
        .map(|o| o.id)
        .context("no example article was stored")
}

/// Runs `demo`: ingest the examples, then serve them and print the URL.
pub fn demo(args: &DemoArgs) -> Result<()> {
    let first = ingest_examples(&args.db)?;
    if args.no_serve {
        println!(
            "ingested; run `newslens serve --db {}` and open http://{}/#/article/{first}",
            args.db, args.addr
        );
        return Ok(());
    }
    let serve_args = ServeArgs {
        db: args.db.clone(),
        addr: args.addr,
        token: None,
        body_limit: 8 * 1024 * 1024,
        timeout: 30,
    };
    newslens_server::run(config(&serve_args), |addr| {
        println!("newslens demo: open http://{addr}/#/article/{first}  (Ctrl-C stops)");
    })?;
    Ok(())
}
