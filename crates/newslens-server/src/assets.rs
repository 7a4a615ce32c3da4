//! The web UI: static files written for newslens, embedded in the binary (no CDN, no build step).

use std::sync::Arc;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::AppState;

/// `(path, content type, body)` of every embedded asset.
pub const ASSETS: &[(&str, &str, &str)] = &[
    (
        "/",
        "text/html; charset=utf-8",
        include_str!("../web/index.html"),
    ),
    (
        "/assets/app.js",
        "text/javascript; charset=utf-8",
        include_str!("../web/app.js"),
    ),
    (
        "/assets/app.css",
        "text/css; charset=utf-8",
        include_str!("../web/app.css"),
    ),
    (
        "/favicon.svg",
        "image/svg+xml",
        include_str!("../web/favicon.svg"),
    ),
];

fn asset(path: &'static str) -> Response {
    match ASSETS.iter().find(|a| a.0 == path) {
        Some((_, ty, body)) => (
            [
                (header::CONTENT_TYPE, *ty),
                // Assets change with the binary; revalidate so an upgrade shows at once.
                (header::CACHE_CONTROL, "no-cache"),
            ],
            *body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Routes of the UI.
pub fn routes() -> Router<Arc<AppState>> {
    let mut r = Router::new();
    for (path, _, _) in ASSETS {
        r = r.route(path, get(move || async move { asset(path) }));
    }
    r.route("/favicon.ico", get(|| async { asset("/favicon.svg") }))
}
