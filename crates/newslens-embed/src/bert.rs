//! A BERT encoder forward pass (inference only) written with candle-nn, enough for
//! all-MiniLM-L6-v2: absolute positions, one token type, post-layer-norm blocks, erf GELU.
//! Hand-written (≈100 lines) rather than compiling candle-transformers for one model.

use candle_core::{DType, Module, Result, Tensor};
use candle_nn::{embedding, layer_norm, linear, Embedding, LayerNorm, Linear, VarBuilder};

/// The shape of the encoder (`config.json` of a Hugging Face BERT).
#[derive(Debug, Clone, PartialEq)]
pub struct BertConfig {
    /// Word-piece vocabulary size.
    pub vocab_size: usize,
    /// Hidden width.
    pub hidden_size: usize,
    /// Number of transformer blocks.
    pub num_hidden_layers: usize,
    /// Attention heads per block.
    pub num_attention_heads: usize,
    /// Feed-forward width.
    pub intermediate_size: usize,
    /// Position table size.
    pub max_position_embeddings: usize,
    /// Token type table size.
    pub type_vocab_size: usize,
    /// Layer-norm epsilon.
    pub layer_norm_eps: f64,
}

impl Default for BertConfig {
    /// all-MiniLM-L6-v2.
    fn default() -> Self {
        Self {
            vocab_size: 30522,
            hidden_size: 384,
            num_hidden_layers: 6,
            num_attention_heads: 12,
            intermediate_size: 1536,
            max_position_embeddings: 512,
            type_vocab_size: 2,
            layer_norm_eps: 1e-12,
        }
    }
}

impl BertConfig {
    /// Reads the fields above from a `config.json` (missing fields keep the MiniLM values).
    pub fn from_json(s: &str) -> std::result::Result<Self, serde_json::Error> {
        let v: serde_json::Value = serde_json::from_str(s)?;
        let d = Self::default();
        let u = |k: &str, x: usize| v[k].as_u64().map_or(x, |n| n as usize);
        Ok(Self {
            vocab_size: u("vocab_size", d.vocab_size),
            hidden_size: u("hidden_size", d.hidden_size),
            num_hidden_layers: u("num_hidden_layers", d.num_hidden_layers),
            num_attention_heads: u("num_attention_heads", d.num_attention_heads),
            intermediate_size: u("intermediate_size", d.intermediate_size),
            max_position_embeddings: u("max_position_embeddings", d.max_position_embeddings),
            type_vocab_size: u("type_vocab_size", d.type_vocab_size),
            layer_norm_eps: v["layer_norm_eps"].as_f64().unwrap_or(d.layer_norm_eps),
        })
    }
}

struct Block {
    q: Linear,
    k: Linear,
    v: Linear,
    attn_out: Linear,
    attn_ln: LayerNorm,
    inter: Linear,
    out: Linear,
    out_ln: LayerNorm,
    heads: usize,
}

impl Block {
    fn load(vb: VarBuilder, c: &BertConfig) -> Result<Self> {
        let h = c.hidden_size;
        let a = vb.pp("attention");
        Ok(Self {
            q: linear(h, h, a.pp("self").pp("query"))?,
            k: linear(h, h, a.pp("self").pp("key"))?,
            v: linear(h, h, a.pp("self").pp("value"))?,
            attn_out: linear(h, h, a.pp("output").pp("dense"))?,
            attn_ln: layer_norm(h, c.layer_norm_eps, a.pp("output").pp("LayerNorm"))?,
            inter: linear(h, c.intermediate_size, vb.pp("intermediate").pp("dense"))?,
            out: linear(c.intermediate_size, h, vb.pp("output").pp("dense"))?,
            out_ln: layer_norm(h, c.layer_norm_eps, vb.pp("output").pp("LayerNorm"))?,
            heads: c.num_attention_heads,
        })
    }

    /// `x`: (batch, len, hidden); `bias`: (batch, 1, 1, len), 0 for tokens, very negative for
    /// padding.
    fn forward(&self, x: &Tensor, bias: &Tensor) -> Result<Tensor> {
        let (b, l, h) = x.dims3()?;
        let hd = h / self.heads;
        let split = |t: Tensor| -> Result<Tensor> {
            t.reshape((b, l, self.heads, hd))?
                .transpose(1, 2)?
                .contiguous()
        };
        let q = split(self.q.forward(x)?)?;
        let k = split(self.k.forward(x)?)?;
        let v = split(self.v.forward(x)?)?;
        let scores =
            (q.matmul(&k.t()?.contiguous()?)? / (hd as f64).sqrt())?.broadcast_add(bias)?;
        let probs = candle_nn::ops::softmax_last_dim(&scores)?;
        let ctx = probs
            .matmul(&v)?
            .transpose(1, 2)?
            .contiguous()?
            .reshape((b, l, h))?;
        let x = self.attn_ln.forward(&(self.attn_out.forward(&ctx)? + x)?)?;
        let ff = self.inter.forward(&x)?.gelu_erf()?;
        self.out_ln.forward(&(self.out.forward(&ff)? + x)?)
    }
}

/// The encoder: embeddings and transformer blocks (no pooler; pooling is done by the caller).
pub(crate) struct Bert {
    words: Embedding,
    positions: Embedding,
    types: Embedding,
    ln: LayerNorm,
    blocks: Vec<Block>,
}

impl Bert {
    pub(crate) fn load(vb: VarBuilder, c: &BertConfig) -> Result<Self> {
        let e = vb.pp("embeddings");
        let h = c.hidden_size;
        let blocks = (0..c.num_hidden_layers)
            .map(|i| Block::load(vb.pp("encoder").pp("layer").pp(i.to_string()), c))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            words: embedding(c.vocab_size, h, e.pp("word_embeddings"))?,
            positions: embedding(c.max_position_embeddings, h, e.pp("position_embeddings"))?,
            types: embedding(c.type_vocab_size, h, e.pp("token_type_embeddings"))?,
            ln: layer_norm(h, c.layer_norm_eps, e.pp("LayerNorm"))?,
            blocks,
        })
    }

    /// Last hidden states (batch, len, hidden) of `ids` (batch, len; u32) under `mask`
    /// (batch, len; 1.0 for tokens, 0.0 for padding).
    pub(crate) fn forward(&self, ids: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let (b, l) = ids.dims2()?;
        let pos = Tensor::arange(0u32, l as u32, ids.device())?;
        let typ = Tensor::zeros((b, l), DType::U32, ids.device())?;
        let x = self
            .words
            .forward(ids)?
            .broadcast_add(&self.positions.forward(&pos)?)?
            .add(&self.types.forward(&typ)?)?;
        let mut x = self.ln.forward(&x)?;
        // (1 - mask) * -1e4 broadcast over heads and query positions (as BERT's extended mask;
        // exp(-1e4) is exactly 0 in f32, so padding gets no weight).
        let bias = ((mask.ones_like()? - mask)? * -1e4)?
            .reshape((b, 1, 1, l))?
            .to_dtype(DType::F32)?;
        for block in &self.blocks {
            x = block.forward(&x, &bias)?;
        }
        Ok(x)
    }
}
