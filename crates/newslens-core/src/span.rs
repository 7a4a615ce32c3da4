//! [`Span`]: a byte range into a document's text.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::json;

/// A half-open byte range `[start, end)` into [`crate::Document::text`].
///
/// Inside Rust spans are byte offsets (cheap slicing). In JSON a span is written as
/// `{"start": .., "end": .., "text": ..}` with **code point** offsets, using the text of the
/// document being serialised (see [`crate::json`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// Builds a span; `start <= end` is expected.
    pub const fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    /// Length in bytes.
    pub const fn len(&self) -> usize {
        self.end - self.start
    }

    /// True for an empty span.
    pub const fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// The covered text, or `""` if the span is not valid for `text`.
    pub fn text<'a>(&self, text: &'a str) -> &'a str {
        text.get(self.start..self.end).unwrap_or("")
    }

    /// True if the two spans share at least one byte.
    pub const fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// True if `other` lies inside `self`.
    pub const fn contains(&self, other: &Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    /// Smallest span covering both.
    pub fn cover(&self, other: &Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// Shrinks the span so it does not start or end with whitespace.
    pub fn trim(&self, text: &str) -> Span {
        let s = self.text(text);
        let lead = s.len() - s.trim_start().len();
        let trail = s.len() - s.trim_end().len();
        if lead == s.len() {
            return Span::new(self.start, self.start);
        }
        Span::new(self.start + lead, self.end - trail)
    }
}

#[derive(Serialize, Deserialize)]
struct SpanJson<'a> {
    start: usize,
    end: usize,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    text: Option<std::borrow::Cow<'a, str>>,
}

impl Serialize for Span {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Serialised inside the context, so the text is borrowed from it, not copied.
        json::with_context(|ctx| match ctx {
            Some(ctx) => SpanJson {
                start: ctx.map.to_char(self.start),
                end: ctx.map.to_char(self.end),
                text: (!json::omitting_span_text())
                    .then(|| std::borrow::Cow::Borrowed(self.text(&ctx.text))),
            }
            .serialize(serializer),
            None => Err(serde::ser::Error::custom(
                "a Span was serialised outside newslens_core::json::with_text",
            )),
        })
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let j = SpanJson::deserialize(deserializer)?;
        if j.start > j.end {
            return Err(serde::de::Error::custom(format!(
                "span start {} is after end {}",
                j.start, j.end
            )));
        }
        let mapped = json::with_context(|ctx| {
            ctx.map(|ctx| Span::new(ctx.map.to_byte(j.start), ctx.map.to_byte(j.end)))
        });
        mapped.ok_or_else(|| {
            serde::de::Error::custom(
                "a Span was deserialised outside newslens_core::json::with_text",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_removes_outer_whitespace() {
        let t = "  hello  ";
        assert_eq!(Span::new(0, t.len()).trim(t).text(t), "hello");
        assert!(Span::new(0, 2).trim(t).is_empty());
    }

    #[test]
    fn span_serialises_with_code_points() {
        let text = "Путин said";
        let span = Span::new(text.find("said").unwrap(), text.len());
        let v = json::with_text(text, || serde_json::to_value(span)).unwrap();
        assert_eq!(v["start"], 6);
        assert_eq!(v["end"], 10);
        assert_eq!(v["text"], "said");
        let back: Span = json::with_text(text, || serde_json::from_value(v)).unwrap();
        assert_eq!(back, span);
    }

    #[test]
    fn span_outside_context_is_an_error() {
        assert!(serde_json::to_string(&Span::new(0, 1)).is_err());
    }
}
