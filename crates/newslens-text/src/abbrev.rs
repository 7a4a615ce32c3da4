//! Abbreviations that keep their period (so they do not end a sentence).

/// Titles and other abbreviations that are never sentence-final in news text.
const NON_FINAL: &[&str] = &[
    "adm", "apr", "aug", "brig", "capt", "cmdr", "col", "dec", "dept", "dr", "feb", "fig", "gen",
    "gov", "hon", "jan", "jul", "jun", "lt", "maj", "mar", "messrs", "mme", "mr", "mrs", "ms",
    "mt", "no", "nos", "nov", "oct", "pres", "prof", "rep", "reps", "rev", "sen", "sens", "sep",
    "sept", "sgt", "st", "supt", "vs", "approx", "cf", "e.g", "i.e", "ft", "gov", "pp", "vol",
    "ave", "blvd",
];

/// Abbreviations that may also end a sentence ("... in the U.S. The ...").
const MAYBE_FINAL: &[&str] = &[
    "co", "corp", "etc", "inc", "jr", "ltd", "plc", "sr", "bros", "a.m", "p.m", "u.s", "u.k",
    "u.n", "e.u", "u.s.a", "d.c", "llc", "n.y", "l.a",
    // "Del. Stacey Plaskett" (a delegate) but also "Wilmington, Del." (Delaware).
    "del", "atty",
];

fn lookup(list: &[&str], word: &str) -> bool {
    if word.len() > 6 {
        return false;
    }
    let mut buf = [0u8; 6];
    for (i, b) in word.bytes().enumerate() {
        buf[i] = b.to_ascii_lowercase();
    }
    let lower = &buf[..word.len()];
    list.iter().any(|a| a.as_bytes() == lower)
}

/// True if `word` (without its final period) is an abbreviation that keeps the period.
pub fn is_abbreviation(word: &str) -> bool {
    lookup(NON_FINAL, word) || lookup(MAYBE_FINAL, word)
}

/// True if `word` (without its final period) is an abbreviation that never ends a sentence.
pub fn never_final(word: &str) -> bool {
    lookup(NON_FINAL, word) || (word.chars().count() == 1 && word.chars().all(char::is_uppercase))
}

/// Words that commonly start a sentence; after an abbreviation that may be final ("U.S."), one of
/// these makes a boundary likely.
pub fn common_sentence_start(word: &str) -> bool {
    const STARTS: &[&str] = &[
        "The",
        "A",
        "An",
        "He",
        "She",
        "It",
        "They",
        "We",
        "I",
        "In",
        "But",
        "This",
        "That",
        "These",
        "Those",
        "His",
        "Her",
        "Its",
        "Their",
        "On",
        "At",
        "As",
        "And",
        "However",
        "Meanwhile",
        "There",
        "After",
        "Before",
        "When",
        "While",
        "If",
        "According",
        "Some",
        "Many",
        "One",
    ];
    STARTS.contains(&word)
}
