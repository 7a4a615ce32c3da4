//! Security: where the server may listen, who may write, and the headers every response carries.
//!
//! * Binding: loopback unless told otherwise; a non-loopback address needs a token.
//! * Writes (`POST /api/ingest`) need `Authorization: Bearer <token>` whenever a token is set,
//!   and must be `application/json` (a cross-site form cannot send that without a CORS
//!   preflight, which this server never grants).
//! * On a loopback binding, requests whose `Host` is not a loopback name are refused (DNS
//!   rebinding), and cross-origin `Origin` headers are refused on writes.
//! * Every response: a strict Content-Security-Policy (`default-src 'self'`, no inline script or
//!   style), `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`, `Referrer-Policy`, and
//!   `Cache-Control: no-store` on the API.
//! * A request body limit and a per-request timeout.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

use crate::{ApiError, AppState, ServerError};

/// The Content-Security-Policy of every response.
pub const CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
frame-ancestors 'none'";

/// Refuses to listen on a non-loopback address without a token.
pub fn check_bind(addr: &SocketAddr, token: Option<&str>) -> Result<(), ServerError> {
    if addr.ip().is_loopback() {
        return Ok(());
    }
    match token {
        Some(t) if t.len() >= 16 => Ok(()),
        Some(_) => Err(ServerError::Config(
            "the token must have at least 16 characters on a non-loopback address".into(),
        )),
        None => Err(ServerError::Config(format!(
            "refusing to listen on {addr} (not a loopback address) without a write token: \
             pass --token or set NEWSLENS_TOKEN"
        ))),
    }
}

/// Host names accepted on a loopback binding; `None` (any host) otherwise.
pub fn allowed_hosts(addr: &SocketAddr) -> Option<Vec<String>> {
    addr.ip().is_loopback().then(|| {
        ["127.0.0.1", "localhost", "[::1]"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    })
}

/// The host part of a `Host` header (`localhost:8080` → `localhost`, `[::1]:80` → `[::1]`).
fn host_name(host: &str) -> &str {
    if host.starts_with('[') {
        return host.split_inclusive(']').next().unwrap_or(host);
    }
    host.rsplit_once(':').map_or(host, |(h, _)| h)
}

/// Constant-time comparison, so the token cannot be guessed byte by byte from timings.
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Checks the write token and the request's origin for a write endpoint.
pub(crate) fn check_write(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    if let Some(token) = &state.token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !same(given.trim().as_bytes(), token.as_bytes()) {
            return Err(ApiError::Unauthorized(
                "this endpoint needs `Authorization: Bearer <token>`".into(),
            ));
        }
    }
    if let (Some(origin), Some(host)) = (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        let origin_host = origin.split_once("://").map_or(origin, |(_, h)| h);
        if origin_host != host {
            return Err(ApiError::Unauthorized(format!(
                "cross-origin write from {origin} refused"
            )));
        }
    }
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return Err(ApiError::UnsupportedMediaType(
            "send articles as application/json".into(),
        ));
    }
    Ok(())
}

async fn host_guard(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if let Some(allowed) = &state.allowed_hosts {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(host_name);
        // HTTP/1.1 clients always send Host; requests without one come from raw tools.
        if let Some(h) = host {
            if !allowed.iter().any(|a| a.eq_ignore_ascii_case(h)) {
                return (
                    StatusCode::MISDIRECTED_REQUEST,
                    axum::Json(serde_json::json!({
                        "error": format!("host `{h}` is not served here")
                    })),
                )
                    .into_response();
            }
        }
    }
    let api = req.uri().path().starts_with("/api/");
    let mut res = next.run(req).await;
    if api && !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Wraps the application in the security layers.
pub(crate) fn layer(
    app: Router,
    state: Arc<AppState>,
    body_limit: usize,
    timeout: Duration,
) -> Router {
    let set = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    app.layer(middleware::from_fn_with_state(state, host_guard))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        .layer(set(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(set(header::X_FRAME_OPTIONS, "DENY"))
        .layer(set(header::REFERRER_POLICY, "no-referrer"))
        .layer(set(
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ))
        .layer(set(
            HeaderName::from_static("cross-origin-resource-policy"),
            "same-origin",
        ))
        .layer(set(
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), interest-cohort=()",
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_address_needs_token() {
        let public: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        let local: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        assert!(check_bind(&local, None).is_ok());
        assert!(check_bind(&public, None).is_err());
        assert!(check_bind(&public, Some("short")).is_err());
        assert!(check_bind(&public, Some("0123456789abcdef0123")).is_ok());
    }

    #[test]
    fn host_names() {
        assert_eq!(host_name("localhost:8080"), "localhost");
        assert_eq!(host_name("[::1]:8080"), "[::1]");
        assert_eq!(host_name("127.0.0.1"), "127.0.0.1");
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"abcd"));
    }
}
