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

/// A wire dateline opening a paragraph: a place, a date with its year, an optional agency in
/// brackets and a dash ("ROME, February 6, 2018 (LifeSiteNews) –", "KYIV, Dec. 2, 2026 —").
static WIRE_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\A[A-Z][\p{L}.' ]{1,40}, ((?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*)\.? (\d{1,2}),? (\d{4})[ \t]*(?:\([^()\n]{1,40}\))?[ \t]*(?:--|—|–|-)[ \t]",
    )
    .expect("valid regex")
});

/// The date of a wire dateline opening `line`, if it gives the year.
fn wire_date(line: &str) -> Option<NaiveDate> {
    let caps = WIRE_DATE.captures(line)?;
    let month = &caps[1][..3];
    let date = format!("{month} {} {}", &caps[2], &caps[3]);
    NaiveDate::parse_from_str(&date, "%b %d %Y").ok()
}

/// Whether the first line of a plain-text article is its headline. A very long line is a
/// paragraph, and so is a long sentence ending in a full stop or a line opening with a wire
/// dateline ("Minsk, December 2 (BelTA) -- Belarus will …"): headlines are short and seldom
/// end in a full stop.
fn is_headline(line: &str) -> bool {
    if line.chars().count() > 300 || WIRE_DATE.is_match(line) {
        return false;
    }
    let words = line.split_whitespace().count();
    let body = line.trim_end_matches(['"', '\'', '”', '’', ')']);
    let sentence = words >= 25 && body.ends_with(['.', '!']);
    let dateline = words >= 8
        && line
            .split_whitespace()
            .take(10)
            .any(|w| matches!(w, "--" | "—" | "–" | "-"))
        && line
            .split_whitespace()
            .take(10)
            .any(|w| w.starts_with('(') || (w.len() > 2 && w.chars().all(|c| c.is_uppercase())));
    !sentence && !dateline
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
        // A SemEval file's first line is its title, whatever it looks like.
        let line = first.text(&text);
        let title = if format == DocumentFormat::Semeval {
            line.chars().count() <= 300
        } else {
            is_headline(line)
        };
        if title {
            doc.title_span = Some(first);
            header_end = first.end;
        }
    }
    // "ROME, February 6, 2018 (LifeSiteNews) –": a wire dateline with a year dates the article
    // when no header did. It opens the first paragraph, maybe after a line of site furniture
    // ("News › Church"), so the first three lines are tried.
    let mut from = header_end;
    for _ in 0..3 {
        if doc.dateline.is_some() {
            break;
        }
        let Some(line) = next_line(&text, from) else {
            break;
        };
        doc.dateline = wire_date(line.text(&text));
        from = line.end;
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

    fn plain(text: &str) -> Document {
        read_text(text.into(), DocumentFormat::Text, "a.txt", "a")
    }

    #[test]
    fn a_lead_paragraph_is_not_a_headline() {
        let lead = "Minsk, December 2 (BelTA) -- Belarus will not bow to the blackmail of \
                    Brussels, the president said.\n\nMore text.";
        assert_eq!(plain(lead).title, None);
        let long = "The president said on Wednesday that the country would answer the new \
                    sanctions firmly and without hesitation, and that the farmers of Europe \
                    would pay for them first.\n\nMore text.";
        assert_eq!(plain(long).title, None);
        let headline = "Putin in North Korea: Support against Treacherous West\n\nBody.";
        assert!(plain(headline).title.is_some());
    }

    #[test]
    fn a_wire_dateline_with_a_year_dates_the_article() {
        let d = plain("Talks resume\n\nROME, February 6, 2018 (LifeSiteNews) – The talks resumed.");
        assert_eq!(d.dateline, NaiveDate::from_ymd_opt(2018, 2, 6));
        let d = plain("KYIV, Dec. 2, 2026 — Officials met.");
        assert_eq!(d.dateline, NaiveDate::from_ymd_opt(2026, 12, 2));
        // After a line of site furniture.
        let d = read_text(
            "Talks resume\n\nNews, Church\nROME, February 6, 2018 (LifeSiteNews) – They met."
                .into(),
            DocumentFormat::Semeval,
            "a.txt",
            "a",
        );
        assert_eq!(d.dateline, NaiveDate::from_ymd_opt(2018, 2, 6));
        // Without a year there is nothing to date it by.
        assert_eq!(
            plain("Minsk, December 2 (BelTA) -- Officials met.").dateline,
            None
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
