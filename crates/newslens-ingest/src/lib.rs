//! # newslens-ingest
//!
//! Readers that turn bytes into [`Document`]s. The format is chosen by content first, then by
//! extension:
//!
//! | format | recognised by |
//! |---|---|
//! | seed (`date YYYY-MM-DD <title>`, `By ...`, paragraphs) | first line starts with `date YYYY-MM-DD` |
//! | JSON Lines (`{"id","url","source","date","title","byline","text"}`) | first byte `{`/`[`, or `.jsonl`/`.ndjson`/`.json` |
//! | HTML | `<!doctype html`/`<html` or `.html`/`.htm` |
//! | SemEval article (title, blank line, body) | file name `article<digits>.txt` |
//! | plain text (first non-empty line = title) | anything else that is text |
//!
//! Bad input never panics: binary files, empty files and files over the size limit give an
//! [`IngestError`]; invalid UTF-8 is decoded lossily with a warning on the document; a bad JSON
//! line gives an error naming the line, and the other lines are still read.

mod detect;
mod error;
mod html;
mod jsonl;
mod text;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

pub use detect::{detect_format, detect_language};
pub use error::IngestError;
pub use jsonl::JsonlReader;
use newslens_core::{Document, DocumentFormat};

/// Reader options.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Largest document accepted, in bytes (a whole file, or one JSON line).
    pub max_bytes: u64,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            max_bytes: 10 * 1024 * 1024,
        }
    }
}

/// One result of reading: a document or an error about one input (file or line).
pub type ReadResult = Result<Document, IngestError>;

/// File extensions picked up when walking a directory.
pub const ARTICLE_EXTENSIONS: &[&str] = &["txt", "text", "html", "htm", "jsonl", "ndjson", "json"];

/// Expands `paths` (files, directories walked recursively in sorted order, following symbolic
/// links, `-` for stdin) into the list of inputs to read. Directory entries are filtered by
/// [`ARTICLE_EXTENSIONS`]; hidden files are skipped. Paths that do not exist, and link loops,
/// are returned as errors.
pub fn expand_inputs(paths: &[PathBuf]) -> Vec<Result<PathBuf, IngestError>> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(Ok(p.clone()));
        } else if p.is_dir() {
            // Symbolic links are followed (a corpus assembled from links to files kept
            // elsewhere is common); walkdir reports a link loop as an error entry.
            let walker = walkdir::WalkDir::new(p)
                .follow_links(true)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| {
                    e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')
                });
            for entry in walker {
                match entry {
                    Ok(e) if e.file_type().is_file() => {
                        let ext = e
                            .path()
                            .extension()
                            .map(|x| x.to_string_lossy().to_ascii_lowercase())
                            .unwrap_or_default();
                        if ARTICLE_EXTENSIONS.contains(&ext.as_str()) {
                            out.push(Ok(e.into_path()));
                        }
                    }
                    Ok(_) => {}
                    Err(err) => out.push(Err(IngestError::Io {
                        path: err.path().unwrap_or(p).display().to_string(),
                        message: err.to_string(),
                    })),
                }
            }
        } else if p.exists() {
            out.push(Ok(p.clone()));
        } else {
            out.push(Err(IngestError::Io {
                path: p.display().to_string(),
                message: "no such file or directory".into(),
            }));
        }
    }
    out
}

/// Reads one input (a file, or `-` for stdin) as a stream of documents. JSON Lines inputs are
/// read lazily line by line (bounded memory); other formats are read whole, within
/// `opts.max_bytes`.
pub fn read_input(path: &Path, opts: &ReadOptions) -> Box<dyn Iterator<Item = ReadResult> + Send> {
    let name = path.display().to_string();
    if path.as_os_str() == "-" {
        return read_stream(Box::new(std::io::stdin()), "-", "stdin", opts);
    }
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return one(Err(IngestError::io(&name, &e))),
    };
    if path.is_dir() {
        return one(Err(IngestError::Io {
            path: name,
            message: "is a directory".into(),
        }));
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| name.clone());
    let ext = path
        .extension()
        .map(|x| x.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if matches!(ext.as_str(), "jsonl" | "ndjson") {
        let reader = BufReader::new(file);
        return Box::new(JsonlReader::new(reader, name, stem, opts.clone()));
    }
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > opts.max_bytes {
        return one(Err(IngestError::TooLarge {
            path: name,
            size,
            limit: opts.max_bytes,
        }));
    }
    read_stream(Box::new(file), &name, &stem, opts)
}

/// Reads a stream: peeks at its start to choose JSON Lines (streamed) or a whole-document format.
fn read_stream(
    input: Box<dyn Read + Send>,
    name: &str,
    stem: &str,
    opts: &ReadOptions,
) -> Box<dyn Iterator<Item = ReadResult> + Send> {
    let mut reader = BufReader::with_capacity(64 * 1024, input);
    let head = match reader.fill_buf() {
        Ok(h) => h,
        Err(e) => return one(Err(IngestError::io(name, &e))),
    };
    let first = head
        .iter()
        .copied()
        .find(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF);
    let ext_json = name.ends_with(".json");
    if first == Some(b'{') && !ext_json {
        return Box::new(JsonlReader::new(
            reader,
            name.to_string(),
            stem.to_string(),
            opts.clone(),
        ));
    }
    let mut bytes = Vec::new();
    if let Err(e) = reader
        .by_ref()
        .take(opts.max_bytes + 1)
        .read_to_end(&mut bytes)
    {
        return one(Err(IngestError::io(name, &e)));
    }
    if bytes.len() as u64 > opts.max_bytes {
        return one(Err(IngestError::TooLarge {
            path: name.to_string(),
            size: bytes.len() as u64,
            limit: opts.max_bytes,
        }));
    }
    Box::new(read_bytes(&bytes, name, stem).into_iter())
}

fn one(r: ReadResult) -> Box<dyn Iterator<Item = ReadResult> + Send> {
    Box::new(std::iter::once(r))
}

/// Reads a whole input held in memory. `name` is its path (used for messages and format
/// detection), `stem` the default document id.
pub fn read_bytes(bytes: &[u8], name: &str, stem: &str) -> Vec<ReadResult> {
    if let Err(e) = detect::check_binary(bytes, name) {
        return vec![Err(e)];
    }
    let (text, warning) = detect::decode(bytes);
    if text.trim().is_empty() {
        return vec![Err(IngestError::Empty {
            path: name.to_string(),
        })];
    }
    let format = detect_format(Some(name), &text);
    let mut results = match format {
        DocumentFormat::Jsonl => jsonl::read_json_text(&text, name, stem),
        DocumentFormat::Html => vec![html::read_html(&text, name, stem)],
        other => vec![Ok(text::read_text(text.into_owned(), other, name, stem))],
    };
    if let Some(w) = warning {
        for d in results.iter_mut().flatten() {
            d.warnings.push(w.clone());
        }
    }
    results
}

/// Reads a string of known or detected format (used by the API and tests).
pub fn read_str(text: &str, name: &str) -> Vec<ReadResult> {
    let stem = Path::new(name)
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| name.to_string());
    read_bytes(text.as_bytes(), name, &stem)
}

/// Reads every input in `paths` (see [`expand_inputs`]) into one iterator of results.
pub fn read_paths(paths: &[PathBuf], opts: &ReadOptions) -> impl Iterator<Item = ReadResult> {
    let opts = opts.clone();
    expand_inputs(paths).into_iter().flat_map(move |p| match p {
        Ok(p) => read_input(&p, &opts),
        Err(e) => one(Err(e)),
    })
}

/// Fills the fields every reader shares: content hash, language, and a default id.
pub(crate) fn finish(mut doc: Document) -> Document {
    doc.content_hash = blake3::hash(doc.text.as_bytes()).to_hex().to_string();
    if doc.language.is_none() {
        doc.language = detect_language(&doc.text);
    }
    if doc.id.is_empty() {
        doc.id = doc.content_hash[..16].to_string();
    }
    doc
}
