//! HTML pages: metadata from meta tags, `<time>` and JSON-LD `NewsArticle`; main text by removing
//! boilerplate elements and picking the block with the most paragraph text (a simplified
//! readability / text-density approach; see the README).

use std::sync::LazyLock;

use newslens_core::{Document, DocumentFormat, Span};
use scraper::{ElementRef, Html, Selector};

use crate::{IngestError, ReadResult};

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("valid selector")
}

static META: LazyLock<Selector> = LazyLock::new(|| sel("meta"));
static TITLE: LazyLock<Selector> = LazyLock::new(|| sel("title"));
static H1: LazyLock<Selector> = LazyLock::new(|| sel("h1"));
static TIME: LazyLock<Selector> = LazyLock::new(|| sel("time[datetime]"));
static LD: LazyLock<Selector> = LazyLock::new(|| sel(r#"script[type="application/ld+json"]"#));
static CANONICAL: LazyLock<Selector> = LazyLock::new(|| sel(r#"link[rel="canonical"]"#));
static BLOCKS: LazyLock<Selector> =
    LazyLock::new(|| sel("article, main, [role=main], div, section, body"));
static PARAS: LazyLock<Selector> = LazyLock::new(|| sel("p, h2, h3, blockquote, li"));
static AUTHOR_LINK: LazyLock<Selector> =
    LazyLock::new(|| sel(r#"[rel="author"], .byline, .author"#));

/// Tags whose content is never article text.
const SKIP_TAGS: &[&str] = &[
    "script",
    "style",
    "noscript",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "button",
    "svg",
    "iframe",
    "template",
    "select",
    "figure",
    "figcaption",
];

/// Class/id words that mark boilerplate blocks.
const BOILERPLATE: &[&str] = &[
    "nav",
    "menu",
    "footer",
    "header",
    "sidebar",
    "advert",
    "ads",
    "ad-",
    "promo",
    "share",
    "social",
    "cookie",
    "related",
    "comment",
    "subscribe",
    "newsletter",
    "breadcrumb",
    "banner",
    "popup",
    "sponsor",
    "recommend",
    "masthead",
    "toolbar",
];

fn is_boilerplate(el: &ElementRef) -> bool {
    let v = el.value();
    if SKIP_TAGS.contains(&v.name()) {
        return true;
    }
    let mut attrs = String::new();
    for a in ["class", "id", "role"] {
        if let Some(x) = v.attr(a) {
            attrs.push_str(&x.to_ascii_lowercase());
            attrs.push(' ');
        }
    }
    if attrs.is_empty() {
        return false;
    }
    attrs
        .split(|c: char| c.is_whitespace() || c == '_')
        .any(|w| {
            BOILERPLATE.iter().any(|b| {
                w == *b || (b.ends_with('-') && w.starts_with(b)) || w.starts_with(&format!("{b}-"))
            })
        })
        || attrs.contains("navigation")
}

/// Visible text of `el`, skipping boilerplate descendants, whitespace collapsed.
fn clean_text(el: ElementRef) -> String {
    let mut out = String::new();
    collect(el, &mut out);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn collect(el: ElementRef, out: &mut String) {
    for child in el.children() {
        if let Some(t) = child.value().as_text() {
            out.push_str(t);
        } else if let Some(c) = ElementRef::wrap(child) {
            if !is_boilerplate(&c) {
                let block = matches!(c.value().name(), "br" | "p" | "div" | "li");
                if block {
                    out.push(' ');
                }
                collect(c, out);
                if block {
                    out.push(' ');
                }
            }
        }
    }
}

fn inside_boilerplate(el: ElementRef) -> bool {
    el.ancestors()
        .filter_map(ElementRef::wrap)
        .any(|a| is_boilerplate(&a))
        || is_boilerplate(&el)
}

fn meta(doc: &Html, keys: &[&str]) -> Option<String> {
    for key in keys {
        for m in doc.select(&META) {
            let v = m.value();
            let name = v
                .attr("property")
                .or_else(|| v.attr("name"))
                .or_else(|| v.attr("itemprop"));
            if name.is_some_and(|n| n.eq_ignore_ascii_case(key)) {
                if let Some(c) = v.attr("content") {
                    let c = c.trim();
                    if !c.is_empty() {
                        return Some(c.to_string());
                    }
                }
            }
        }
    }
    None
}

/// Finds a `NewsArticle`-like object in the page's JSON-LD blocks.
fn json_ld(doc: &Html) -> Option<serde_json::Value> {
    fn find(v: &serde_json::Value) -> Option<&serde_json::Value> {
        match v {
            serde_json::Value::Array(a) => a.iter().find_map(find),
            serde_json::Value::Object(o) => {
                let ty = o.get("@type").map(|t| t.to_string()).unwrap_or_default();
                if ty.contains("Article") || ty.contains("Posting") {
                    return Some(v);
                }
                o.get("@graph").and_then(find)
            }
            _ => None,
        }
    }
    doc.select(&LD).find_map(|s| {
        let raw: String = s.text().collect();
        let v: serde_json::Value = serde_json::from_str(raw.trim()).ok()?;
        find(&v).cloned()
    })
}

fn ld_str(v: &serde_json::Value, key: &str) -> Option<String> {
    match v.get(key)? {
        serde_json::Value::String(s) => Some(s.trim().to_string()),
        serde_json::Value::Object(o) => o
            .get("name")
            .and_then(|n| n.as_str())
            .map(|s| s.to_string()),
        serde_json::Value::Array(a) => {
            let names: Vec<String> = a
                .iter()
                .filter_map(|x| match x {
                    serde_json::Value::String(s) => Some(s.clone()),
                    serde_json::Value::Object(o) => o
                        .get("name")
                        .and_then(|n| n.as_str())
                        .map(|s| s.to_string()),
                    _ => None,
                })
                .collect();
            (!names.is_empty()).then(|| names.join(", "))
        }
        _ => None,
    }
}

/// Reads an HTML page into a document whose text is the title, a blank line, then the main-text
/// paragraphs separated by blank lines.
pub(crate) fn read_html(html: &str, name: &str, stem: &str) -> ReadResult {
    let doc = Html::parse_document(html);
    let ld = json_ld(&doc);
    let title = ld
        .as_ref()
        .and_then(|v| ld_str(v, "headline"))
        .or_else(|| meta(&doc, &["og:title", "twitter:title"]))
        .or_else(|| doc.select(&H1).next().map(clean_text))
        .or_else(|| doc.select(&TITLE).next().map(clean_text))
        .filter(|t| !t.is_empty());
    let date_raw = ld
        .as_ref()
        .and_then(|v| ld_str(v, "datePublished"))
        .or_else(|| {
            meta(
                &doc,
                &[
                    "article:published_time",
                    "og:published_time",
                    "date",
                    "pubdate",
                    "publishdate",
                    "dc.date",
                    "datePublished",
                ],
            )
        })
        .or_else(|| {
            doc.select(&TIME)
                .next()
                .and_then(|t| t.value().attr("datetime").map(str::to_string))
        });
    let author = ld
        .as_ref()
        .and_then(|v| ld_str(v, "author"))
        .or_else(|| meta(&doc, &["author", "article:author", "byl"]))
        .or_else(|| {
            doc.select(&AUTHOR_LINK)
                .next()
                .map(clean_text)
                .map(|a| a.trim_start_matches("By ").to_string())
        })
        .filter(|a| !a.is_empty() && a.chars().count() < 200);
    let outlet = meta(&doc, &["og:site_name", "application-name"])
        .or_else(|| ld.as_ref().and_then(|v| ld_str(v, "publisher")));
    let url = doc
        .select(&CANONICAL)
        .next()
        .and_then(|l| l.value().attr("href").map(str::to_string))
        .or_else(|| meta(&doc, &["og:url"]));

    // Main text: the non-boilerplate block whose direct paragraphs hold the most text.
    let mut best: Option<(usize, Vec<String>)> = None;
    for block in doc.select(&BLOCKS) {
        if inside_boilerplate(block) {
            continue;
        }
        let paras: Vec<String> = block
            .select(&PARAS)
            .filter(|p| !inside_boilerplate(*p))
            // Keep only paragraphs that are not nested in another selected paragraph.
            .filter(|p| {
                !p.ancestors()
                    .filter_map(ElementRef::wrap)
                    .take_while(|a| a.id() != block.id())
                    .any(|a| matches!(a.value().name(), "p" | "li" | "blockquote"))
            })
            .map(clean_text)
            .filter(|t| !t.is_empty())
            .collect();
        let score: usize = paras.iter().map(|p| p.len()).sum::<usize>()
            + if block.value().name() == "article" {
                200
            } else {
                0
            };
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((score, paras));
        }
    }
    let mut paras = best.map(|(_, p)| p).unwrap_or_default();
    if let Some(t) = &title {
        paras.retain(|p| p != t);
    }
    if paras.is_empty() {
        return Err(IngestError::EmptyHtml {
            path: name.to_string(),
        });
    }
    let mut text = String::new();
    let mut title_span = None;
    if let Some(t) = &title {
        text.push_str(t);
        title_span = Some(Span::new(0, t.len()));
        text.push_str("\n\n");
    }
    text.push_str(&paras.join("\n\n"));
    let mut warnings = Vec::new();
    let dateline = date_raw.as_deref().and_then(|d| {
        let p = crate::jsonl::parse_date(d);
        if p.is_none() {
            warnings.push(format!("unrecognised date {d:?} in the page"));
        }
        p
    });
    Ok(crate::finish(Document {
        id: stem.to_string(),
        source: Some(name.to_string()),
        url,
        outlet,
        format: DocumentFormat::Html,
        dateline,
        title,
        title_span,
        byline: author,
        text,
        warnings,
        ..Document::default()
    }))
}
