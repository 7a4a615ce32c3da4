//! Word valence from the VADER lexicon (crate `vader_sentiment`, MIT): loaded words are
//! strongly valenced, so the valence bucket is a feature for spans, paragraphs and articles.

use std::sync::OnceLock;

use crate::prep::FxHashMap;

/// VADER valence of a word (−4..4), if listed. Looked up per token, so the lexicon is copied
/// once into a lower-cased table with a fast hash (the crate's table hashes case-insensitively
/// with SipHash); words with capitals fall back to lower-casing.
pub fn valence(word: &str) -> Option<f32> {
    static TABLE: OnceLock<FxHashMap<String, f32>> = OnceLock::new();
    let t = TABLE.get_or_init(|| {
        vader_sentiment::LEXICON
            .iter()
            .map(|(k, v)| (k.to_lowercase(), *v as f32))
            .collect()
    });
    match t.get(word) {
        Some(v) => Some(*v),
        None if word.chars().any(char::is_uppercase) => t.get(&word.to_lowercase()).copied(),
        None => None,
    }
}

/// Bucket of a word's valence: `n2` (≤ −2), `n1`, `p1`, `p2` (≥ 2), or `-` when unlisted.
pub fn valence_bucket(word: &str) -> &'static str {
    match valence(word) {
        None => "-",
        Some(v) if v <= -2.0 => "n2",
        Some(v) if v < 0.0 => "n1",
        Some(v) if v >= 2.0 => "p2",
        Some(_) => "p1",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_loaded_words() {
        assert_eq!(valence_bucket("dangerous"), "n2");
        assert_eq!(valence_bucket("Heroic"), "p2");
        assert_eq!(valence_bucket("table"), "-");
    }
}
