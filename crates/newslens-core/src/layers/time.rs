//! The time layer: TIMEX3-style expressions normalised against the dateline (`newslens-time`).

use serde::{Deserialize, Serialize};

use crate::Span;

/// TIMEX3 type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TimexType {
    /// A calendar date or period ("on Tuesday", "in June", "the 1990s").
    Date,
    /// A time of day ("at 3 p.m.").
    Time,
    /// A length of time ("two years").
    Duration,
    /// A recurrence ("every week").
    Set,
}

/// One time expression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timex {
    /// Index in [`TimeLayer::timexes`].
    pub id: usize,
    /// Extent.
    #[serde(flatten)]
    pub span: Span,
    /// TIMEX3 type.
    #[serde(rename = "type")]
    pub timex_type: TimexType,
    /// ISO-style value (`2024-10-22`, `2024-W42`, `P2Y`, `PRESENT_REF`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// TIMEX3 `mod` (`BEFORE`, `AFTER`, `APPROX`, `START`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "mod")]
    pub modifier: Option<String>,
    /// True when the value is relative and there was no dateline to resolve it against.
    #[serde(default)]
    pub unresolved: bool,
    /// Name of the rule that matched (for debugging the grammar).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub rule: String,
}

/// The time layer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TimeLayer {
    /// Expressions in text order.
    pub timexes: Vec<Timex>,
}
