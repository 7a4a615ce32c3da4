//! Embedded (SQLite + tantivy) and PostgreSQL stores for newslens.
