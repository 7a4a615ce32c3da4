//! HTTP API and web UI for newslens.
