//! Word valence from the VADER lexicon (crate `vader_sentiment`, MIT): loaded words are
//! strongly valenced, so the valence bucket is a feature for spans, paragraphs and articles.

use unicase::UniCase;

/// VADER valence of a word (−4..4), if listed.
pub fn valence(word: &str) -> Option<f32> {
    vader_sentiment::LEXICON
        .get(&UniCase::new(word))
        .map(|v| *v as f32)
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
