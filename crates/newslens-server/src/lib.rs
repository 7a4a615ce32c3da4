//! # newslens-server
//!
//! `newslens serve`: a JSON API over a corpus store plus a web UI, in one binary.
//!
//! * [`api`]: the handlers (`/api/analyze`, `/api/search`, `/api/articles/{id}`, `/api/entities`,
//!   `/api/entities/{id}`, `/api/stories`, `/api/quotes/{id}/spread`, `/api/ingest`, ...), documented
//!   by the OpenAPI document at `/api/openapi.json` (generated from the code with utoipa).
//! * [`assets`]: the web UI (plain HTML/CSS/JS written for newslens, embedded in the binary).
//! * [`security`]: loopback-by-default binding, the write token, Host/Origin checks, strict
//!   Content-Security-Policy and the other response headers, body limit and timeouts.
//!
//! The embedded store serialises queries on one SQLite connection per store handle, so the server
//! keeps a small pool of read handles (one per core by default) and runs every store call on
//! tokio's blocking pool with a free handle; writes (`/api/ingest`) open a short-lived writer.

pub mod api;
pub mod assets;
mod error;
pub mod schema;
pub mod security;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use newslens_pipeline::{Pipeline, PipelineOptions};
use newslens_store::{open_any, open_store, OpenMode, Store, StoreError};
use tokio::sync::Semaphore;

pub use error::{ApiError, ServerError};

/// How to run the server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Store location (`--db`).
    pub db: String,
    /// Address to bind.
    pub addr: SocketAddr,
    /// Token required by write endpoints (always when set; mandatory on non-loopback addresses).
    pub token: Option<String>,
    /// Read handles on the store (default: number of cores, at least 2).
    pub readers: usize,
    /// Largest request body in bytes.
    pub body_limit: usize,
    /// Time limit of one request.
    pub timeout: Duration,
}

impl ServerConfig {
    /// Defaults for a store and an address.
    pub fn new(db: impl Into<String>, addr: SocketAddr) -> Self {
        Self {
            db: db.into(),
            addr,
            token: None,
            readers: std::thread::available_parallelism()
                .map_or(2, |n| n.get())
                .max(2),
            body_limit: 8 * 1024 * 1024,
            timeout: Duration::from_secs(30),
        }
    }
}

/// A pool of read handles: a semaphore counts free handles, a stack holds their indexes.
struct ReadPool {
    stores: Vec<Box<dyn Store>>,
    free: Mutex<Vec<usize>>,
    permits: Semaphore,
}

impl ReadPool {
    /// Takes a free handle's index (the caller holds a permit).
    fn take(&self) -> Option<usize> {
        self.free.lock().unwrap_or_else(|e| e.into_inner()).pop()
    }

    /// Returns a handle's index.
    fn put(&self, i: usize) {
        self.free.lock().unwrap_or_else(|e| e.into_inner()).push(i);
    }
}

/// Shared state of all handlers.
pub struct AppState {
    db: String,
    pool: ReadPool,
    pipeline: Pipeline,
    token: Option<String>,
    /// Host header values accepted (loopback binding only; `None` accepts any host).
    allowed_hosts: Option<Vec<String>>,
    /// Short reads may run on the calling worker thread (embedded store; not PostgreSQL, whose
    /// synchronous client runs a runtime of its own).
    inline_reads: bool,
    /// Bounds concurrent analyses (CPU-bound) to the number of cores.
    analyze_permits: Semaphore,
    /// One `/api/ingest` at a time in this process.
    ingest_lock: tokio::sync::Mutex<()>,
    body_limit: usize,
    timeout: Duration,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("db", &self.db)
            .field("readers", &self.pool.stores.len())
            .finish()
    }
}

impl AppState {
    /// Opens the store (creating an empty one if `config.db` does not exist yet), the read pool
    /// and the analysis pipeline. Refuses a non-loopback address without a token.
    pub fn open(config: &ServerConfig) -> Result<Self, ServerError> {
        security::check_bind(&config.addr, config.token.as_deref())?;
        let store_err = |source| ServerError::Store {
            db: config.db.clone(),
            source,
        };
        // Create the embedded store if needed; if an ingest holds it, it already exists.
        // (A PostgreSQL store is created by its migrations when first opened for writing.)
        let postgres =
            config.db.starts_with("postgres://") || config.db.starts_with("postgresql://");
        match open_store(&config.db, OpenMode::Read) {
            _ if postgres => {}
            Ok(s) => drop(s),
            Err(StoreError::NotAStore { reason, .. }) if reason.contains("no store here yet") => {
                match open_store(&config.db, OpenMode::Write) {
                    Ok(w) => drop(w),
                    Err(StoreError::Locked { .. }) => {}
                    Err(e) => return Err(store_err(e)),
                }
            }
            Err(e) => return Err(store_err(e)),
        }
        let n = config.readers.max(1);
        let mut stores = Vec::with_capacity(n);
        for _ in 0..n {
            stores.push(open_any(&config.db, OpenMode::Read).map_err(store_err)?);
        }
        let pipeline = Pipeline::new(&PipelineOptions::default())
            .map_err(|e| ServerError::Pipeline(e.to_string()))?;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(Self {
            db: config.db.clone(),
            pool: ReadPool {
                stores,
                free: Mutex::new((0..n).collect()),
                permits: Semaphore::new(n),
            },
            pipeline,
            token: config.token.clone(),
            inline_reads: !postgres,
            allowed_hosts: security::allowed_hosts(&config.addr),
            analyze_permits: Semaphore::new(cores),
            ingest_lock: tokio::sync::Mutex::new(()),
            body_limit: config.body_limit,
            timeout: config.timeout,
        })
    }

    /// Runs a short store call (a search, one article: well under a millisecond of CPU) with a
    /// free read handle right on the calling worker thread, and falls back to [`Self::read`]
    /// when every handle is busy. Handing each request to the blocking pool cost two thread
    /// switches per request, a large share of a search's time on two cores.
    pub(crate) async fn read_fast<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Store) -> Result<T, ApiError> + Send + 'static,
    {
        // The PostgreSQL client blocks on its own runtime: never on a tokio worker thread.
        if !self.inline_reads {
            return self.read(f).await;
        }
        let Ok(_permit) = self.pool.permits.try_acquire() else {
            return self.read(f).await;
        };
        // A permit guarantees a free index.
        let Some(i) = self.pool.take() else {
            return Err(ApiError::Internal("read pool exhausted".into()));
        };
        // Give the handle back even if `f` panics.
        struct Back<'a>(&'a ReadPool, usize);
        impl Drop for Back<'_> {
            fn drop(&mut self) {
                self.0.put(self.1);
            }
        }
        let _back = Back(&self.pool, i);
        f(self.pool.stores[i].as_ref())
    }

    /// Runs `f` with a free read handle on the blocking pool.
    pub(crate) async fn read<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Store) -> Result<T, ApiError> + Send + 'static,
    {
        let _permit = self
            .pool
            .permits
            .acquire()
            .await
            .map_err(|_| ApiError::Internal("the server is shutting down".into()))?;
        let state = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            // A permit guarantees a free index.
            let i = state
                .pool
                .take()
                .ok_or_else(|| ApiError::Internal("read pool exhausted".into()))?;
            let out = f(state.pool.stores[i].as_ref());
            state.pool.put(i);
            out
        })
        .await
        .map_err(|e| ApiError::Internal(format!("store task failed: {e}")))?
    }
}

/// The whole application: API, OpenAPI document, web UI, security layers.
pub fn router(state: Arc<AppState>) -> Router {
    let body_limit = state.body_limit;
    let timeout = state.timeout;
    let app = api::routes()
        .merge(assets::routes())
        .with_state(Arc::clone(&state));
    security::layer(app, state, body_limit, timeout)
}

/// Serves `router(state)` on an already bound listener until `shutdown` resolves.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|source| ServerError::Io {
            context: "serving".into(),
            source,
        })
}

/// Opens everything, binds `config.addr`, calls `ready` with the bound address, and serves until
/// Ctrl-C. Builds its own tokio runtime (for the CLI).
pub fn run(config: ServerConfig, ready: impl FnOnce(SocketAddr)) -> Result<(), ServerError> {
    let state = Arc::new(AppState::open(&config)?);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| ServerError::Io {
            context: "starting the runtime".into(),
            source,
        })?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|source| ServerError::Io {
                context: format!("cannot listen on {}", config.addr),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| ServerError::Io {
            context: "local address".into(),
            source,
        })?;
        ready(addr);
        serve_on(listener, state, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
    })
}
