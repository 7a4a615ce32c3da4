//! CoNLL-2003 NER data: a reader for the 4-column format and a scorer that computes exact-span
//! precision, recall and F1 overall and per type exactly as the `conlleval` script does.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// One token line: `word POS chunk NER`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConllToken {
    /// The word.
    pub word: String,
    /// Part-of-speech tag (second column; empty when the file has only two columns).
    pub pos: String,
    /// Chunk tag (third column; empty when absent).
    pub chunk: String,
    /// NER tag (last column), e.g. `B-PER`.
    pub tag: String,
}

/// A document: the sentences between two `-DOCSTART-` lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConllDocument {
    /// Sentences, each a list of tokens.
    pub sentences: Vec<Vec<ConllToken>>,
}

/// Errors of the CoNLL reader.
#[derive(Debug, thiserror::Error)]
pub enum ConllError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A token line has fewer than two columns.
    #[error("line {line}: expected `word ... TAG`, found {text:?}")]
    BadLine {
        /// 1-based line number.
        line: usize,
        /// The line.
        text: String,
    },
}

/// Reads a CoNLL-2003 file.
pub fn read_path(path: &Path) -> Result<Vec<ConllDocument>, ConllError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConllError::Io {
        path: path.display().to_string(),
        source,
    })?;
    parse(&text)
}

/// Parses CoNLL-2003 text: whitespace-separated columns, the first is the word and the last the
/// NER tag; blank lines end sentences; `-DOCSTART-` lines start documents.
pub fn parse(text: &str) -> Result<Vec<ConllDocument>, ConllError> {
    let mut docs = vec![ConllDocument::default()];
    let mut sent: Vec<ConllToken> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.is_empty() {
            if !sent.is_empty() {
                docs.last_mut().into_iter().for_each(|d| {
                    d.sentences.push(std::mem::take(&mut sent));
                });
            }
            continue;
        }
        if cols[0] == "-DOCSTART-" {
            if !sent.is_empty() {
                if let Some(d) = docs.last_mut() {
                    d.sentences.push(std::mem::take(&mut sent));
                }
            }
            if docs.last().is_some_and(|d| !d.sentences.is_empty()) {
                docs.push(ConllDocument::default());
            }
            continue;
        }
        if cols.len() < 2 {
            return Err(ConllError::BadLine {
                line: i + 1,
                text: line.to_string(),
            });
        }
        let n = cols.len();
        sent.push(ConllToken {
            word: cols[0].to_string(),
            pos: if n >= 3 {
                cols[1].to_string()
            } else {
                String::new()
            },
            chunk: if n >= 4 {
                cols[2].to_string()
            } else {
                String::new()
            },
            tag: cols[n - 1].to_string(),
        });
    }
    if !sent.is_empty() {
        if let Some(d) = docs.last_mut() {
            d.sentences.push(sent);
        }
    }
    docs.retain(|d| !d.sentences.is_empty());
    Ok(docs)
}

/// Precision, recall and F1 (0–1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Prf {
    /// Correct / predicted.
    pub precision: f64,
    /// Correct / gold.
    pub recall: f64,
    /// Harmonic mean.
    pub f1: f64,
}

/// Scores as printed by `newslens eval ner --json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NerScores {
    /// Overall precision.
    pub precision: f64,
    /// Overall recall.
    pub recall: f64,
    /// Overall F1.
    pub f1: f64,
    /// Per entity type.
    pub per_type: BTreeMap<String, Prf>,
    /// Gold chunks.
    pub gold_chunks: usize,
    /// Predicted chunks.
    pub predicted_chunks: usize,
    /// Exactly matching chunks.
    pub correct_chunks: usize,
    /// Tokens scored.
    pub tokens: usize,
    /// Token accuracy (tag equality, as conlleval reports it).
    pub accuracy: f64,
}

/// A chunk: `[start, end)` token range and type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Chunk {
    /// First token.
    pub start: usize,
    /// One past the last token.
    pub end: usize,
    /// Entity type.
    pub kind: String,
}

fn split_tag(t: &str) -> (&str, &str) {
    match t.split_once('-') {
        Some((a, b)) => (a, b),
        None => (t, ""),
    }
}

// conlleval's endOfChunk.
fn end_of_chunk(prev_tag: &str, tag: &str, prev_type: &str, typ: &str) -> bool {
    matches!(
        (prev_tag, tag),
        ("B", "B") | ("B", "O") | ("I", "B") | ("I", "O") | ("E", "E") | ("E", "I") | ("E", "O")
    ) || (prev_tag != "O" && prev_tag != "." && prev_type != typ)
        || prev_tag == "]"
        || prev_tag == "["
}

// conlleval's startOfChunk.
fn start_of_chunk(prev_tag: &str, tag: &str, prev_type: &str, typ: &str) -> bool {
    matches!(
        (prev_tag, tag),
        ("B", "B") | ("I", "B") | ("O", "B") | ("O", "I") | ("E", "E") | ("E", "I") | ("O", "E")
    ) || (tag != "O" && tag != "." && prev_type != typ)
        || tag == "["
        || tag == "]"
}

/// Extracts chunks from one sentence's tags with conlleval's rules (IOB1, IOB2, IOE and brackets
/// all work as in the script).
pub fn chunks<S: AsRef<str>>(tags: &[S]) -> Vec<Chunk> {
    let mut out = Vec::new();
    let (mut prev_tag, mut prev_type) = ("O", "");
    let mut open: Option<(usize, &str)> = None;
    for (i, t) in tags.iter().enumerate() {
        let (tag, typ) = split_tag(t.as_ref());
        if let Some((s, k)) = open {
            if end_of_chunk(prev_tag, tag, prev_type, typ) {
                out.push(Chunk {
                    start: s,
                    end: i,
                    kind: k.to_string(),
                });
                open = None;
            }
        }
        if start_of_chunk(prev_tag, tag, prev_type, typ) {
            open = Some((i, typ));
        }
        prev_tag = tag;
        prev_type = typ;
    }
    if let Some((s, k)) = open {
        out.push(Chunk {
            start: s,
            end: tags.len(),
            kind: k.to_string(),
        });
    }
    out
}

fn prf(correct: usize, found: usize, gold: usize) -> Prf {
    let precision = if found > 0 {
        correct as f64 / found as f64
    } else {
        0.0
    };
    let recall = if gold > 0 {
        correct as f64 / gold as f64
    } else {
        0.0
    };
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    Prf {
        precision,
        recall,
        f1,
    }
}

/// Scores predicted tags against gold tags, sentence by sentence (the two must align).
pub fn score<S: AsRef<str>, T: AsRef<str>>(gold: &[Vec<S>], predicted: &[Vec<T>]) -> NerScores {
    let mut per: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let (mut correct, mut found, mut total, mut tokens, mut same) = (0, 0, 0, 0, 0);
    for (g, p) in gold.iter().zip(predicted) {
        tokens += g.len();
        same += g
            .iter()
            .zip(p.iter())
            .filter(|(a, b)| a.as_ref() == b.as_ref())
            .count();
        let gc = chunks(g);
        let pc = chunks(p);
        for c in &gc {
            per.entry(c.kind.clone()).or_default().2 += 1;
        }
        for c in &pc {
            per.entry(c.kind.clone()).or_default().1 += 1;
            if gc.binary_search(c).is_ok() {
                per.entry(c.kind.clone()).or_default().0 += 1;
                correct += 1;
            }
        }
        found += pc.len();
        total += gc.len();
    }
    let overall = prf(correct, found, total);
    NerScores {
        precision: overall.precision,
        recall: overall.recall,
        f1: overall.f1,
        per_type: per
            .into_iter()
            .map(|(k, (c, f, g))| (k, prf(c, f, g)))
            .collect(),
        gold_chunks: total,
        predicted_chunks: found,
        correct_chunks: correct,
        tokens,
        accuracy: if tokens > 0 {
            same as f64 / tokens as f64
        } else {
            0.0
        },
    }
}

/// A conlleval-style table (percentages).
pub fn format_table(s: &NerScores) -> String {
    let mut out = format!(
        "processed {} tokens with {} phrases; found: {} phrases; correct: {}.\n",
        s.tokens, s.gold_chunks, s.predicted_chunks, s.correct_chunks
    );
    out += &format!(
        "accuracy: {:6.2}%; precision: {:6.2}%; recall: {:6.2}%; FB1: {:6.2}\n",
        100.0 * s.accuracy,
        100.0 * s.precision,
        100.0 * s.recall,
        100.0 * s.f1
    );
    for (k, p) in &s.per_type {
        out += &format!(
            "{:>17}: precision: {:6.2}%; recall: {:6.2}%; FB1: {:6.2}\n",
            k,
            100.0 * p.precision,
            100.0 * p.recall,
            100.0 * p.f1
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_documents_and_sentences() {
        let text = "-DOCSTART- -X- -X- O\n\nAnn NNP B-NP B-PER\nran VBD B-VP O\n\n\
                    Oslo NNP B-NP B-LOC\n\n-DOCSTART- -X- -X- O\n\nHi UH O O\n";
        let docs = parse(text).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].sentences.len(), 2);
        assert_eq!(docs[0].sentences[0][0].tag, "B-PER");
        assert_eq!(docs[0].sentences[0][0].pos, "NNP");
        assert_eq!(docs[1].sentences[0][0].word, "Hi");
        assert!(parse("lonely\n").is_err());
    }

    #[test]
    fn chunks_follow_conlleval_rules() {
        // IOB2, IOB1-style I after O, and a type change inside I- tags.
        let tags = ["B-PER", "I-PER", "O", "I-LOC", "I-ORG", "B-ORG", "O"];
        let c = chunks(&tags);
        let spans: Vec<(usize, usize, &str)> = c
            .iter()
            .map(|c| (c.start, c.end, c.kind.as_str()))
            .collect();
        assert_eq!(
            spans,
            vec![(0, 2, "PER"), (3, 4, "LOC"), (4, 5, "ORG"), (5, 6, "ORG")]
        );
    }

    #[test]
    fn scores_exact_spans_only() {
        let gold = vec![vec!["B-PER", "I-PER", "O", "B-LOC"]];
        let pred = vec![vec!["B-PER", "O", "O", "B-LOC"]];
        let s = score(&gold, &pred);
        assert_eq!(s.correct_chunks, 1);
        assert!((s.precision - 0.5).abs() < 1e-12);
        assert!((s.recall - 0.5).abs() < 1e-12);
        assert_eq!(s.per_type["LOC"].f1, 1.0);
        assert_eq!(s.per_type["PER"].f1, 0.0);
        assert!((s.accuracy - 0.75).abs() < 1e-12);
    }
}
