//! Text readers: the seed format, SemEval article files and plain text.

use std::sync::LazyLock;

use chrono::NaiveDate;
use newslens_core::{Document, DocumentFormat, Span};
use regex::Regex;

static SEED_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\A\s*date[ \t]+(\d{4}-\d{2}-\d{2})[ \t]+([^\r\n]*)").expect("valid regex")
});

/// Parses the seed header line: returns (date, title span) when the text starts with
/// `date YYYY-MM-DD <title>`.
pub(crate) fn seed_header(text: &str) -> Option<(Option<NaiveDate>, Span)> {
    let caps = SEED_HEADER.captures(text)?;
    let date = NaiveDate::parse_from_str(&caps[1], "%Y-%m-%d").ok();
    let t = caps.get(2)?;
    Some((date, Span::new(t.start(), t.end()).trim(text)))
}

/// Span of the first non-empty line at or after `from`.
fn next_line(text: &str, from: usize) -> Option<Span> {
    let mut pos = from;
    while pos < text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |n| pos + n);
        let line = Span::new(pos, end).trim(text);
        if !line.is_empty() {
            return Some(line);
        }
        pos = end + 1;
    }
    None
}

/// Reads a seed, SemEval or plain-text article. The text is kept byte for byte, so spans index
/// the original file (as the SemEval gold offsets do).
pub(crate) fn read_text(text: String, format: DocumentFormat, name: &str, stem: &str) -> Document {
    let mut doc = Document {
        id: stem.to_string(),
        source: Some(name.to_string()),
        format,
        ..Document::default()
    };
    let mut header_end = 0;
    if format == DocumentFormat::Seed {
        if let Some((date, title)) = seed_header(&text) {
            doc.dateline = date;
            if date.is_none() {
                doc.warnings
                    .push("the `date` line holds an invalid date".into());
            }
            if !title.is_empty() {
                doc.title_span = Some(title);
            }
            header_end = title.end;
        }
    } else if let Some(first) = next_line(&text, 0) {
        // A very long first line is a paragraph, not a headline.
        if first.text(&text).chars().count() <= 300 {
            doc.title_span = Some(first);
            header_end = first.end;
        }
    }
    if let Some(line) = next_line(&text, header_end) {
        let l = line.text(&text);
        if let Some(rest) = l.strip_prefix("By ").or_else(|| l.strip_prefix("BY ")) {
            // Bylines are short; a long "By ..." line is body text.
            if rest.chars().count() <= 120 && !rest.trim().is_empty() {
                let start = line.start + (l.len() - rest.len());
                doc.byline_span = Some(Span::new(start, line.end).trim(&text));
            }
        }
    }
    doc.title = doc.title_span.map(|s| s.text(&text).to_string());
    doc.byline = doc.byline_span.map(|s| s.text(&text).to_string());
    doc.text = text;
    crate::finish(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_LIKE: &str = " date 2025-03-04 Minister in Hanoi: Talks on Trade\n\nBy Staff, Wires\n\nForeign Minister Anna Berg arrived in Hanoi on Monday.\n\n“We are friends,” Berg said.\n";

    #[test]
    fn seed_header_title_byline() {
        let d = read_text(SEED_LIKE.to_string(), DocumentFormat::Seed, "x.txt", "x");
        assert_eq!(d.dateline, NaiveDate::from_ymd_opt(2025, 3, 4));
        assert_eq!(
            d.title.as_deref(),
            Some("Minister in Hanoi: Talks on Trade")
        );
        assert_eq!(d.byline.as_deref(), Some("Staff, Wires"));
        assert_eq!(
            d.title_span.unwrap().text(&d.text),
            "Minister in Hanoi: Talks on Trade"
        );
    }

    #[test]
    fn plain_text_first_line_is_title() {
        let d = read_text(
            "\n\nHeadline here\n\nBody text.".into(),
            DocumentFormat::Text,
            "a.txt",
            "a",
        );
        assert_eq!(d.title.as_deref(), Some("Headline here"));
        assert_eq!(d.byline, None);
    }
}
