//! Loading the training corpora from the shared data folder (never the held-out splits).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use newslens_core::{OffsetMap, Span};
use newslens_eval::{ptc, semeval23};

use crate::taxonomy::nlp4if_to_2020;
use crate::RhetoricError;

/// Resolves the shared data root: `$NEWSLENS_SHARED_DATA`, else `<workspace>/../shared/data`.
pub fn shared_data_root() -> PathBuf {
    if let Ok(p) = std::env::var("NEWSLENS_SHARED_DATA") {
        return PathBuf::from(p);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

/// An article with labelled spans (byte offsets).
#[derive(Debug, Clone)]
pub struct SpanDoc {
    /// Article id.
    pub id: String,
    /// Text.
    pub text: String,
    /// `(span, label)`.
    pub spans: Vec<(Span, String)>,
}

fn to_bytes(map: &OffsetMap, s: usize, e: usize) -> Span {
    Span::new(map.to_byte(s), map.to_byte(e))
}

/// Attaches code point label spans to articles (converting to bytes, trimming whitespace).
pub fn attach(
    articles: &BTreeMap<String, String>,
    labels: &[ptc::LabelledSpan],
    map_label: impl Fn(&str) -> Option<String>,
) -> Vec<SpanDoc> {
    let mut by: BTreeMap<&str, Vec<&ptc::LabelledSpan>> = BTreeMap::new();
    for l in labels {
        by.entry(l.article.as_str()).or_default().push(l);
    }
    articles
        .iter()
        .map(|(id, text)| {
            let map = OffsetMap::new(text);
            let mut spans = Vec::new();
            for l in by.get(id.as_str()).map(Vec::as_slice).unwrap_or(&[]) {
                let Some(lab) = map_label(l.technique.as_deref().unwrap_or("")) else {
                    continue;
                };
                let sp = to_bytes(&map, l.start, l.end).trim(text);
                if !sp.is_empty() {
                    spans.push((sp, lab));
                }
            }
            SpanDoc {
                id: id.clone(),
                text: text.clone(),
                spans,
            }
        })
        .collect()
}

/// SemEval-2020 PTC train articles with their TC spans, plus the NLP4IF-2019 train articles that
/// are not in PTC (labels mapped to the 14 techniques).
pub fn load_ptc_train(root: &Path) -> Result<Vec<SpanDoc>, RhetoricError> {
    let dir = root.join("semeval2020-task11-ptc");
    let arts = ptc::read_articles(&dir.join("train-articles"))?;
    let labels = ptc::read_labels(&dir.join("train-task2-TC.labels"))?;
    let mut docs = attach(&arts, &labels, |t| Some(t.to_string()));
    let nd = root.join("nlp4if2019-fine-grained-propaganda");
    if nd.join("train-articles").is_dir() {
        let mut extra = ptc::read_articles(&nd.join("train-articles"))?;
        extra.retain(|id, _| !arts.contains_key(id));
        let fl = ptc::read_label_folder(&nd.join("train-labels-FLC"))?;
        docs.extend(attach(&extra, &fl, |t| nlp4if_to_2020(t).map(String::from)));
    }
    Ok(docs)
}

/// SemEval-2023 subtask-3 train articles with their span labels (2023 taxonomy).
pub fn load_s23_spans(root: &Path) -> Result<Vec<SpanDoc>, RhetoricError> {
    let dir = root.join("semeval2023-task3-en");
    let arts = ptc::read_articles(&dir.join("train-articles-subtask-3"))?;
    let mut labels = Vec::new();
    let sd = dir.join("train-labels-subtask-3-spans");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&sd)
        .map_err(|e| RhetoricError::Data(format!("{}: {e}", sd.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    paths.sort();
    for p in paths {
        labels.extend(ptc::read_labels(&p)?);
    }
    Ok(attach(&arts, &labels, |t| Some(t.to_string())))
}

/// An article with document-level labels.
#[derive(Debug, Clone)]
pub struct LabelledDoc {
    /// Id.
    pub id: String,
    /// Text.
    pub text: String,
    /// Labels.
    pub labels: Vec<String>,
}

/// SemEval-2023 subtask 1 (genre) or 2 (frames) train articles with labels.
pub fn load_s23_doc(root: &Path, subtask: u8) -> Result<Vec<LabelledDoc>, RhetoricError> {
    let dir = root.join("semeval2023-task3-en");
    let arts = ptc::read_articles(&dir.join(format!("train-articles-subtask-{subtask}")))?;
    let labels = semeval23::read_labels(
        &dir.join(format!("train-labels-subtask-{subtask}.txt")),
        subtask,
    )?;
    Ok(labels
        .into_iter()
        .filter_map(|ex| {
            arts.get(&ex.article).map(|t| LabelledDoc {
                id: ex.article,
                text: t.clone(),
                labels: ex.labels,
            })
        })
        .collect())
}

/// One SemEval-2023 subtask-3 article: id, text, and `(1-based line, labels)` rows.
pub type ParagraphArticle = (String, String, Vec<(usize, Vec<String>)>);

/// SemEval-2023 subtask 3 train: per article, text and `(line, labels)` rows.
pub fn load_s23_paragraphs(root: &Path) -> Result<Vec<ParagraphArticle>, RhetoricError> {
    let dir = root.join("semeval2023-task3-en");
    let arts = ptc::read_articles(&dir.join("train-articles-subtask-3"))?;
    let labels = semeval23::read_labels(&dir.join("train-labels-subtask-3.txt"), 3)?;
    let mut by: BTreeMap<String, Vec<(usize, Vec<String>)>> = BTreeMap::new();
    for ex in labels {
        by.entry(ex.article)
            .or_default()
            .push((ex.line.unwrap_or(0), ex.labels));
    }
    Ok(by
        .into_iter()
        .filter_map(|(id, rows)| arts.get(&id).map(|t| (id.clone(), t.clone(), rows)))
        .collect())
}

/// A SemEval-2025 entity mention with roles.
#[derive(Debug, Clone)]
pub struct RoleExample {
    /// Document index in the returned document list.
    pub doc: usize,
    /// Mention span (bytes).
    pub span: Span,
    /// Main role.
    pub main: String,
    /// Fine roles.
    pub fine: Vec<String>,
}

/// SemEval-2025 Task 10 train: documents (id, text, narratives) and subtask-1 mentions.
pub fn load_s25(root: &Path) -> Result<(Vec<LabelledDoc>, Vec<RoleExample>), RhetoricError> {
    let dir = root.join("semeval2025-task10-en/train");
    let mut docs = Vec::new();
    let mut index = BTreeMap::new();
    let rd = dir.join("raw-documents");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&rd)
        .map_err(|e| RhetoricError::Data(format!("{}: {e}", rd.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    for p in paths {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let bytes =
            std::fs::read(&p).map_err(|e| RhetoricError::Data(format!("{}: {e}", p.display())))?;
        index.insert(name.clone(), docs.len());
        docs.push(LabelledDoc {
            id: name,
            text: String::from_utf8_lossy(&bytes).into_owned(),
            labels: Vec::new(),
        });
    }
    let read = |f: &str| -> Result<String, RhetoricError> {
        std::fs::read_to_string(dir.join(f)).map_err(|e| RhetoricError::Data(format!("{f}: {e}")))
    };
    for line in read("subtask-2-annotations.txt")?.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() >= 2 {
            if let Some(&d) = index.get(cols[0].trim()) {
                docs[d].labels = cols[1]
                    .split(';')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
            }
        }
    }
    let mut roles = Vec::new();
    for line in read("subtask-1-annotations.txt")?.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 6 {
            continue;
        }
        let Some(&d) = index.get(cols[0].trim()) else {
            continue;
        };
        let (Ok(s), Ok(e)) = (
            cols[2].trim().parse::<usize>(),
            cols[3].trim().parse::<usize>(),
        ) else {
            continue;
        };
        let text = &docs[d].text;
        let map = OffsetMap::new(text);
        // End offsets are inclusive in this data set.
        let span = to_bytes(&map, s, e + 1);
        roles.push(RoleExample {
            doc: d,
            span,
            main: cols[4].trim().to_string(),
            fine: cols[5..]
                .iter()
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect(),
        });
    }
    Ok((docs, roles))
}

/// Sentences of a SemEval article file: lines, the first being the title.
pub fn line_sentences(text: &str) -> Vec<(Span, bool)> {
    crate::text::lines(text)
        .into_iter()
        .enumerate()
        .map(|(i, s)| (s, i == 0))
        .collect()
}
