//! The two technique taxonomies and the mapping between them (see `docs/rhetoric.md`).
//!
//! The mapping was read off the training data: of the 5,645 spans annotated identically in the
//! SemEval-2020 TC file and the SemEval-2023 span files (same articles), every 2020 label maps to
//! the 2023 labels listed here.

pub use newslens_eval::ptc::TECHNIQUES as TECHNIQUES_2020;
pub use newslens_eval::semeval23::{FRAMES, GENRES, TECHNIQUES as TECHNIQUES_2023};

/// SemEval-2020 label → the SemEval-2023 labels it splits into.
pub const MAP_2020_TO_2023: [(&str, &[&str]); 14] = [
    ("Appeal_to_Authority", &["Appeal_to_Authority"]),
    ("Appeal_to_fear-prejudice", &["Appeal_to_Fear-Prejudice"]),
    (
        "Bandwagon,Reductio_ad_hitlerum",
        &["Guilt_by_Association", "Appeal_to_Popularity"],
    ),
    ("Black-and-White_Fallacy", &["False_Dilemma-No_Choice"]),
    (
        "Causal_Oversimplification",
        &[
            "Causal_Oversimplification",
            "Consequential_Oversimplification",
        ],
    ),
    ("Doubt", &["Doubt", "Questioning_the_Reputation"]),
    ("Exaggeration,Minimisation", &["Exaggeration-Minimisation"]),
    ("Flag-Waving", &["Flag_Waving", "Appeal_to_Values"]),
    ("Loaded_Language", &["Loaded_Language"]),
    ("Name_Calling,Labeling", &["Name_Calling-Labeling"]),
    ("Repetition", &["Repetition"]),
    ("Slogans", &["Slogans", "Appeal_to_Time"]),
    ("Thought-terminating_Cliches", &["Conversation_Killer"]),
    (
        "Whataboutism,Straw_Men,Red_Herring",
        &[
            "Red_Herring",
            "Appeal_to_Hypocrisy",
            "Whataboutism",
            "Straw_Man",
        ],
    ),
];

/// The SemEval-2023 labels compatible with a SemEval-2020 label (first = default).
pub fn to_2023(label_2020: &str) -> &'static [&'static str] {
    MAP_2020_TO_2023
        .iter()
        .find(|(a, _)| *a == label_2020)
        .map_or(&[], |(_, b)| *b)
}

/// The SemEval-2020 label of a SemEval-2023 label (`None` for Obfuscation-Vagueness-Confusion,
/// which the 2020 task dropped).
pub fn to_2020(label_2023: &str) -> Option<&'static str> {
    MAP_2020_TO_2023
        .iter()
        .find(|(_, b)| b.contains(&label_2023))
        .map(|(a, _)| *a)
}

/// NLP4IF-2019 (18 techniques) → SemEval-2020 (14): the organisers' merges; Obfuscation dropped.
pub fn nlp4if_to_2020(label: &str) -> Option<&'static str> {
    Some(match label {
        "Bandwagon" | "Reductio_ad_hitlerum" => "Bandwagon,Reductio_ad_hitlerum",
        "Whataboutism" | "Straw_Men" | "Red_Herring" => "Whataboutism,Straw_Men,Red_Herring",
        "Obfuscation,Intentional_Vagueness,Confusion" => return None,
        other => return TECHNIQUES_2020.iter().find(|t| **t == other).copied(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_covers_both_taxonomies() {
        for t in TECHNIQUES_2020 {
            assert!(!to_2023(t).is_empty(), "{t}");
        }
        for t in TECHNIQUES_2023 {
            if t != "Obfuscation-Vagueness-Confusion" {
                let back = to_2020(t).unwrap_or_else(|| panic!("{t}"));
                assert!(to_2023(back).contains(&t));
            }
        }
        assert_eq!(
            nlp4if_to_2020("Straw_Men"),
            Some("Whataboutism,Straw_Men,Red_Herring")
        );
        assert_eq!(nlp4if_to_2020("Doubt"), Some("Doubt"));
    }
}
