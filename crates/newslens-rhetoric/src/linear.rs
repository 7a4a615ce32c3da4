//! Hashed linear models (softmax or one-vs-rest sigmoid) trained with AdaGrad, and their compact
//! binary storage (sparse, bfloat16 weights).
//!
//! Features are 32-bit hashes of strings masked to `bits` bits; every feature of an example has
//! the same value (`scale`), which covers binary indicators and length-normalised bags of words.

use newslens_learn::weights::prefetch;

use crate::RhetoricError;

/// FNV-1a over `tag` and `parts` (separated), masked later by the model. Deterministic across
/// platforms, so trained weights stay valid.
#[inline]
pub fn fh(tag: u32, parts: &[&str]) -> u32 {
    fh_finish(fh_state(tag, parts))
}

/// The 64-bit state of [`fh`] for `tag` and `parts`, before its final mix (a key with far fewer
/// collisions than the 32-bit feature, for sets of features already seen).
#[inline]
pub fn fh_state(tag: u32, parts: &[&str]) -> u64 {
    parts.iter().fold(fh_start(tag), |h, p| fh_part(h, p))
}

/// The state of [`fh`] for `tag` before any part: `fh(tag, [a, b])` is
/// `fh_finish(fh_part(fh_part(fh_start(tag), a), b))`, so a state after the first parts can be
/// kept and continued with different last parts.
#[inline]
pub fn fh_start(tag: u32) -> u64 {
    0xcbf2_9ce4_8422_2325 ^ u64::from(tag).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// The state of [`fh`] after one more part (its bytes, then the separator).
#[inline]
pub fn fh_part(mut h: u64, part: &str) -> u64 {
    for &b in part.as_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= 0xff;
    h.wrapping_mul(0x0100_0000_01b3)
}

/// The hash [`fh`] gives from a state after the last part.
#[inline]
pub fn fh_finish(mut h: u64) -> u32 {
    // Final avalanche so the low bits (used as the row) depend on every input byte.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h as u32
}

/// A linear model over hashed features with `k` outputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Linear {
    /// Hash space is `1 << bits` rows.
    pub bits: u32,
    /// Number of outputs.
    pub k: usize,
    /// Weights, row-major: `w[row * k + class]` (empty once the model is [`Linear::compact`]).
    pub w: Vec<f32>,
    /// The same weights as bfloat16, used for prediction by models read from a file: half the
    /// memory, rows aligned to cache lines (see [`HalfWeights`]).
    pub half: Option<HalfWeights>,
    /// Biases.
    pub b: Vec<f32>,
}

impl Linear {
    /// A zero model.
    pub fn new(bits: u32, k: usize) -> Self {
        Self {
            bits,
            k,
            w: vec![0.0; (1usize << bits) * k],
            half: None,
            b: vec![0.0; k],
        }
    }

    #[inline]
    fn mask(&self) -> u32 {
        ((1u64 << self.bits) - 1) as u32
    }

    /// Stores the weights as bfloat16 only (prediction only; see [`Linear::half`]).
    pub fn compact(&mut self) {
        if self.half.is_none() {
            let mut h = HalfWeights::new(1usize << self.bits, self.k);
            for (i, &x) in self.w.iter().enumerate() {
                h.set(i / self.k, i % self.k, to_bf16(x));
            }
            self.half = Some(h);
        }
        self.w = Vec::new();
    }

    /// Weight `i` (row-major index).
    #[inline]
    pub fn weight(&self, i: usize) -> f32 {
        match &self.half {
            None => self.w.get(i).copied().unwrap_or(0.0),
            Some(h) => from_bf16(h.row(i / self.k, self.k)[i % self.k]),
        }
    }

    /// Number of weights.
    pub fn len(&self) -> usize {
        (1usize << self.bits) * self.k
    }

    /// True when the model has no weights.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Raw scores (logits) of each output.
    pub fn scores(&self, feats: &[u32], scale: f32) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.k);
        self.scores_into(feats, scale, &mut out);
        out
    }

    newslens_learn::simd_builds! {
        /// Raw scores into a reused buffer.
        pub fn scores_into => scores_into_any, scores_into_avx512, scores_into_avx2
            (feats: &[u32], scale: f32, out: &mut Vec<f32>)
    }

    #[inline(always)]
    fn scores_into_any(&self, feats: &[u32], scale: f32, out: &mut Vec<f32>) {
        out.clear();
        out.extend_from_slice(&self.b);
        let m = self.mask();
        let k = self.k;
        match &self.half {
            None => {
                for &f in feats {
                    let row = (f & m) as usize * k;
                    for (o, w) in out.iter_mut().zip(&self.w[row..row + k]) {
                        *o += w * scale;
                    }
                }
            }
            Some(h) => {
                // Rows are random reads in a table far larger than the caches: each row is
                // prefetched `PREFETCH_AHEAD` rows before it is added, so the misses are in
                // flight while the rows before them are summed (an article's document features
                // are a thousand rows or more: touching them all first left the additions
                // waiting on rows fetched long before).
                for &f in feats.iter().take(PREFETCH_AHEAD) {
                    h.prefetch_row((f & m) as usize, k);
                }
                let rows = feats.iter().enumerate().map(|(j, &f)| {
                    if let Some(&g) = feats.get(j + PREFETCH_AHEAD) {
                        h.prefetch_row((g & m) as usize, k);
                    }
                    (f & m) as usize
                });
                h.add_rows(rows, scale, out);
            }
        }
    }

    // With AVX-512, a row of 16 bfloat16 weights is widened, scaled and added in one vector of
    // 16 lanes (four with the baseline's SSE2).
    newslens_learn::simd_builds! {
        /// Raw scores of many examples at once: example `e` has the features
        /// `feats[ends[e - 1]..ends[e]]` (from 0 for the first); its `k` scores are appended to
        /// `out` (cleared first). Each example's sum is formed exactly as [`Linear::scores_into`]
        /// forms it (same order, same operations), so the scores are bit for bit the same; the
        /// rows of the examples ahead are prefetched while one example is summed, so the random
        /// reads overlap the additions instead of stalling them.
        pub fn scores_batch => scores_batch_any, scores_batch_avx512, scores_batch_avx2
            (feats: &[u32], ends: &[u32], scale: f32, out: &mut Vec<f32>)
    }

    #[inline(always)]
    fn scores_batch_any(&self, feats: &[u32], ends: &[u32], scale: f32, out: &mut Vec<f32>) {
        out.clear();
        out.reserve(ends.len() * self.k);
        let m = self.mask();
        let k = self.k;
        let Some(h) = &self.half else {
            let mut v = Vec::with_capacity(k);
            let mut start = 0usize;
            for &e in ends {
                let e = (e as usize).clamp(start, feats.len());
                self.scores_into(&feats[start..e], scale, &mut v);
                out.extend_from_slice(&v);
                start = e;
            }
            return;
        };
        let n = feats.len();
        let mut ahead = 0usize;
        let mut start = 0usize;
        for &e in ends {
            let e = (e as usize).clamp(start, n);
            let want = (e + PREFETCH_AHEAD).min(n);
            for &f in &feats[ahead.min(want)..want] {
                h.prefetch_row((f & m) as usize, k);
            }
            ahead = ahead.max(want);
            // The example's sums start from the biases where they end up in `out`.
            let base = out.len();
            out.extend_from_slice(&self.b);
            h.add_rows(
                feats[start..e].iter().map(|&f| (f & m) as usize),
                scale,
                &mut out[base..],
            );
            start = e;
        }
    }

    /// The contribution of `feats` to output `c` (no bias), used to rank evidence.
    pub fn contribution(&self, feats: &[u32], scale: f32, c: usize) -> f32 {
        let m = self.mask();
        if let Some(h) = self.half.as_ref().filter(|_| c < self.k) {
            // The weight of row r, output c, read from the row (no division by k per feature to
            // split a row-major index): the same weights summed in the same order.
            let k = self.k;
            return feats
                .iter()
                .map(|&f| from_bf16(h.row((f & m) as usize, k)[c]) * scale)
                .sum();
        }
        feats
            .iter()
            .map(|&f| self.weight((f & m) as usize * self.k + c) * scale)
            .sum()
    }
}

/// bfloat16 weights whose rows are padded to a power-of-two stride (up to 32 outputs) and
/// start on a 64-byte boundary, so reading a row touches one cache line (two for k > 32):
/// prediction is bound by these random row reads.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HalfWeights {
    data: Vec<u16>,
    off: usize,
    stride: usize,
}

impl HalfWeights {
    /// Zero weights for `rows` rows of `k` outputs.
    pub fn new(rows: usize, k: usize) -> Self {
        let stride = if k <= 32 { k.next_power_of_two() } else { k };
        let data = vec![0u16; rows * stride + 32];
        // Offset (in u16) of the first 64-byte boundary; a clone may lose the alignment,
        // which only costs speed. (Huge pages for the tables were tried: no measurable gain.)
        let off = ((64 - data.as_ptr() as usize % 64) % 64) / 2;
        Self { data, off, stride }
    }

    /// The `k` weights of row `r`.
    #[inline]
    pub fn row(&self, r: usize, k: usize) -> &[u16] {
        let s = self.off + r * self.stride;
        &self.data[s..s + k]
    }

    /// Asks the CPU to start loading row `r` (a hint: nothing is read, any row is fine).
    #[inline(always)]
    pub fn prefetch_row(&self, r: usize, k: usize) {
        let s = self.off + r * self.stride;
        let p = self.data.as_ptr().wrapping_add(s);
        prefetch(p);
        if k > 32 {
            prefetch(p.wrapping_add(k - 1));
        }
    }

    /// Adds `scale` times each of `rows` (in order) to the `k = out.len()` sums in `out`.
    /// Per output the operations are those of the plain loop `o += w * scale`, row after row;
    /// strides 4 to 32 are summed in a fixed-width register block (the padding lanes, zero
    /// weights, are added to scratch lanes and dropped).
    // Always inlined, so that the AVX2 and AVX-512 builds of `scores_batch` get it too.
    #[inline(always)]
    pub fn add_rows(&self, rows: impl Iterator<Item = usize>, scale: f32, out: &mut [f32]) {
        match self.stride {
            16 if out.len() <= 16 => self.add_rows_n::<16>(rows, scale, out),
            32 if out.len() <= 32 => self.add_rows_n::<32>(rows, scale, out),
            8 if out.len() <= 8 => self.add_rows_n::<8>(rows, scale, out),
            4 if out.len() <= 4 => self.add_rows_n::<4>(rows, scale, out),
            _ => {
                let k = out.len();
                for r in rows {
                    for (o, &w) in out.iter_mut().zip(self.row(r, k)) {
                        *o += from_bf16(w) * scale;
                    }
                }
            }
        }
    }

    #[inline(always)]
    fn add_rows_n<const N: usize>(
        &self,
        rows: impl Iterator<Item = usize>,
        scale: f32,
        out: &mut [f32],
    ) {
        let k = out.len().min(N);
        let mut acc = [0.0f32; N];
        acc[..k].copy_from_slice(&out[..k]);
        for r in rows {
            let s = self.off + r * self.stride;
            let Some(row) = self.data.get(s..s + N) else {
                continue;
            };
            for (a, &w) in acc.iter_mut().zip(row) {
                *a += from_bf16(w) * scale;
            }
        }
        out[..k].copy_from_slice(&acc[..k]);
    }

    /// Sets weight `c` of row `r`; false when out of range.
    pub fn set(&mut self, r: usize, c: usize, v: u16) -> bool {
        if c >= self.stride {
            return false;
        }
        match self.data.get_mut(self.off + r * self.stride + c) {
            Some(x) => {
                *x = v;
                true
            }
            None => false,
        }
    }
}

/// Feature rows prefetched ahead of the example being summed by [`Linear::scores_batch`]
/// (about one SI token's worth: enough to cover a memory latency, few enough not to evict).
const PREFETCH_AHEAD: usize = 48;

/// Logistic sigmoid.
#[inline]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Softmax in place.
pub fn softmax(v: &mut [f32]) {
    let m = v.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    let mut s = 0.0;
    for x in v.iter_mut() {
        *x = (*x - m).exp();
        s += *x;
    }
    if s > 0.0 {
        for x in v.iter_mut() {
            *x /= s;
        }
    }
}

/// Training examples stored flat.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    feats: Vec<u32>,
    offs: Vec<usize>,
    scale: Vec<f32>,
    labels: Vec<Vec<u16>>,
    weight: Vec<f32>,
}

impl Dataset {
    /// Empty set.
    pub fn new() -> Self {
        Self {
            offs: vec![0],
            ..Self::default()
        }
    }

    /// Adds an example: features, their common value, the positive labels (softmax: exactly
    /// one), and an example weight.
    pub fn push(&mut self, feats: &[u32], scale: f32, labels: Vec<u16>, weight: f32) {
        self.feats.extend_from_slice(feats);
        self.offs.push(self.feats.len());
        self.scale.push(scale);
        self.labels.push(labels);
        self.weight.push(weight);
    }

    /// Number of examples.
    pub fn len(&self) -> usize {
        self.scale.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.scale.is_empty()
    }

    /// Features of example `i`.
    pub fn feats(&self, i: usize) -> &[u32] {
        &self.feats[self.offs[i]..self.offs[i + 1]]
    }

    /// Scale of example `i`.
    pub fn scale(&self, i: usize) -> f32 {
        self.scale[i]
    }

    /// Labels of example `i`.
    pub fn labels(&self, i: usize) -> &[u16] {
        &self.labels[i]
    }
}

/// Loss / output type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// One label per example.
    Softmax,
    /// Independent binary outputs (multi-label, or binary with `k = 1`).
    Sigmoid,
}

/// Training settings.
#[derive(Debug, Clone, Copy)]
pub struct TrainConfig {
    /// Hash bits.
    pub bits: u32,
    /// Passes over the data.
    pub epochs: usize,
    /// AdaGrad learning rate.
    pub lr: f32,
    /// Loss.
    pub loss: Loss,
    /// Shuffle seed.
    pub seed: u64,
    /// Weight of positive labels in sigmoid mode (class imbalance).
    pub pos_weight: f32,
}

/// Deterministic xorshift generator for shuffling.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeded generator.
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    /// Next value.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// Trains a model with `k` outputs on `data`.
pub fn train(data: &Dataset, k: usize, cfg: &TrainConfig) -> Linear {
    let mut model = Linear::new(cfg.bits, k);
    let mut g2 = vec![0.0f32; model.w.len()];
    let mut gb2 = vec![0.0f32; k];
    let mask = model.mask();
    let mut order: Vec<usize> = (0..data.len()).collect();
    let mut rng = Rng::new(cfg.seed);
    let mut grad = vec![0.0f32; k];
    let mut y = vec![0.0f32; k];
    for _ in 0..cfg.epochs {
        rng.shuffle(&mut order);
        for &i in &order {
            let feats = data.feats(i);
            let scale = data.scale(i);
            let mut p = model.scores(feats, scale);
            y.iter_mut().for_each(|v| *v = 0.0);
            for &l in data.labels(i) {
                if (l as usize) < k {
                    y[l as usize] = 1.0;
                }
            }
            match cfg.loss {
                Loss::Softmax => softmax(&mut p),
                Loss::Sigmoid => p.iter_mut().for_each(|v| *v = sigmoid(*v)),
            }
            let ew = data.weight[i];
            for c in 0..k {
                let mut g = p[c] - y[c];
                if cfg.loss == Loss::Sigmoid && y[c] > 0.0 {
                    g *= cfg.pos_weight;
                }
                grad[c] = g * ew;
            }
            for ((b, g2b), &g) in model.b.iter_mut().zip(gb2.iter_mut()).zip(&grad) {
                if g.abs() < 1e-4 {
                    continue;
                }
                *g2b += g * g;
                *b -= cfg.lr * g / (g2b.sqrt() + 1e-6);
            }
            for &f in feats {
                let row = (f & mask) as usize * k;
                let ws = &mut model.w[row..row + k];
                let gs = &mut g2[row..row + k];
                for ((w, acc), &gc) in ws.iter_mut().zip(gs.iter_mut()).zip(&grad) {
                    let g = gc * scale;
                    if g.abs() < 1e-5 {
                        continue;
                    }
                    *acc += g * g;
                    *w -= cfg.lr * g / (acc.sqrt() + 1e-6);
                }
            }
        }
    }
    model
}

// ---------------------------------------------------------------------------------------------
// Storage.

const MAGIC: &[u8; 8] = b"NLRHET01";

#[inline]
fn to_bf16(x: f32) -> u16 {
    let b = x.to_bits();
    let r = b.wrapping_add(0x7fff + ((b >> 16) & 1));
    (r >> 16) as u16
}

#[inline(always)]
fn from_bf16(x: u16) -> f32 {
    f32::from_bits(u32::from(x) << 16)
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], RhetoricError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.b.len())
            .ok_or_else(|| RhetoricError::Model("truncated model file".into()))?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32, RhetoricError> {
        let s = self.take(4)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn f32(&mut self) -> Result<f32, RhetoricError> {
        Ok(f32::from_bits(self.u32()?))
    }
    fn varint(&mut self) -> Result<u64, RhetoricError> {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let b = self.take(1)?[0];
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
            shift += 7;
            if shift > 63 {
                return Err(RhetoricError::Model("bad varint".into()));
            }
        }
    }
}

/// Serialises a JSON header and linear models: weights whose bfloat16 value is below `prune`
/// in magnitude are dropped.
pub fn write_models(header: &serde_json::Value, models: &[&Linear], prune: f32) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    let h = serde_json::to_vec(header).unwrap_or_default();
    out.extend_from_slice(&(h.len() as u32).to_le_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(&(models.len() as u32).to_le_bytes());
    for m in models {
        out.extend_from_slice(&m.bits.to_le_bytes());
        out.extend_from_slice(&(m.k as u32).to_le_bytes());
        for b in &m.b {
            out.extend_from_slice(&b.to_le_bytes());
        }
        let nz: Vec<(usize, u16)> = (0..m.len())
            .map(|i| (i, m.weight(i)))
            .filter(|(_, w)| w.abs() >= prune && to_bf16(*w) & 0x7fff != 0)
            .map(|(i, w)| (i, to_bf16(w)))
            .collect();
        out.extend_from_slice(&(nz.len() as u32).to_le_bytes());
        let mut last = 0usize;
        for (i, v) in nz {
            put_varint(&mut out, (i - last) as u64);
            last = i;
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

/// Reads what [`write_models`] wrote.
pub fn read_models(bytes: &[u8]) -> Result<(serde_json::Value, Vec<Linear>), RhetoricError> {
    let mut r = Reader { b: bytes, pos: 0 };
    if r.take(8)? != MAGIC {
        return Err(RhetoricError::Model("not a newslens rhetoric model".into()));
    }
    let hl = r.u32()? as usize;
    let header: serde_json::Value = serde_json::from_slice(r.take(hl)?)
        .map_err(|e| RhetoricError::Model(format!("bad header: {e}")))?;
    let n = r.u32()? as usize;
    let mut models = Vec::with_capacity(n.min(64));
    for _ in 0..n {
        let bits = r.u32()?;
        let k = r.u32()? as usize;
        if bits > 26 || k == 0 || k > 4096 {
            return Err(RhetoricError::Model("implausible model shape".into()));
        }
        let mut m = Linear {
            bits,
            k,
            w: Vec::new(),
            half: None,
            b: vec![0.0; k],
        };
        let mut h = HalfWeights::new(1usize << bits, k);
        for c in 0..k {
            m.b[c] = r.f32()?;
        }
        let nnz = r.u32()? as usize;
        let mut idx = 0usize;
        for j in 0..nnz {
            let d = r.varint()? as usize;
            idx = if j == 0 { d } else { idx + d };
            let s = r.take(2)?;
            if idx >= m.len() || !h.set(idx / k, idx % k, u16::from_le_bytes([s[0], s[1]])) {
                return Err(RhetoricError::Model("weight index out of range".into()));
            }
        }
        m.half = Some(h);
        models.push(m);
    }
    Ok((header, models))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_separable_problem_and_round_trips() {
        let mut d = Dataset::new();
        for i in 0..200u32 {
            let pos = i % 2 == 0;
            let f = [
                fh(1, &[if pos { "good" } else { "bad" }]),
                fh(2, &["noise"]),
            ];
            d.push(&f, 1.0, if pos { vec![0] } else { vec![] }, 1.0);
        }
        let cfg = TrainConfig {
            bits: 10,
            epochs: 3,
            lr: 0.5,
            loss: Loss::Sigmoid,
            seed: 1,
            pos_weight: 1.0,
        };
        let m = train(&d, 1, &cfg);
        let good = m.scores(&[fh(1, &["good"]), fh(2, &["noise"])], 1.0)[0];
        let bad = m.scores(&[fh(1, &["bad"]), fh(2, &["noise"])], 1.0)[0];
        assert!(good > 1.0 && bad < -1.0, "{good} {bad}");
        let bytes = write_models(&serde_json::json!({"x": 1}), &[&m], 0.0);
        let (h, ms) = read_models(&bytes).unwrap();
        assert_eq!(h["x"], 1);
        let good2 = ms[0].scores(&[fh(1, &["good"]), fh(2, &["noise"])], 1.0)[0];
        assert!((good - good2).abs() < 0.05 * good.abs());
        assert!(read_models(&bytes[..bytes.len() - 1]).is_err());
    }

    #[test]
    fn batched_scores_equal_one_by_one_bit_for_bit() {
        // Strides 1, 4 (k = 3), 16 (k = 15), 32 (k = 22, 32) and a wide one, dense and compact;
        // examples of up to 54 features (more than are prefetched ahead).
        for k in [1usize, 3, 15, 22, 32, 40] {
            let mut m = Linear::new(8, k);
            let mut rng = Rng::new(k as u64);
            for (i, w) in m.w.iter_mut().enumerate() {
                *w = (rng.next_u64() % 2001) as f32 / 1000.0 - 1.0 + i as f32 * 1e-7;
            }
            for (c, b) in m.b.iter_mut().enumerate() {
                *b = c as f32 * 0.3 - 1.0;
            }
            let mut feats = Vec::new();
            let mut ends = Vec::new();
            for e in 0..40u32 {
                for j in 0..(e % 7) * 9 {
                    feats.push(fh(e, &[&j.to_string()]));
                }
                ends.push(feats.len() as u32);
            }
            for compact in [false, true] {
                if compact {
                    m.compact();
                }
                let mut all = Vec::new();
                m.scores_batch(&feats, &ends, 0.7, &mut all);
                assert_eq!(all.len(), ends.len() * k);
                // Every build gives the dispatched one's scores (which are checked below).
                let mut builds: Vec<(&str, Vec<f32>)> = Vec::new();
                let mut any = Vec::new();
                m.scores_batch_any(&feats, &ends, 0.7, &mut any);
                builds.push(("any", any));
                #[cfg(target_arch = "x86_64")]
                {
                    if newslens_learn::weights::has_avx2() {
                        let mut v = Vec::new();
                        // SAFETY: AVX2 and POPCNT are present (checked just above).
                        unsafe { m.scores_batch_avx2(&feats, &ends, 0.7, &mut v) };
                        builds.push(("AVX2", v));
                    }
                    if newslens_learn::weights::has_avx512() {
                        let mut v = Vec::new();
                        // SAFETY: the AVX-512 features are present (checked just above).
                        unsafe { m.scores_batch_avx512(&feats, &ends, 0.7, &mut v) };
                        builds.push(("AVX-512", v));
                    }
                }
                for (name, v) in &builds {
                    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(v), bits(&all), "{name} build, k={k}");
                }
                let mut start = 0usize;
                for (e, &end) in ends.iter().enumerate() {
                    let one = m.scores(&feats[start..end as usize], 0.7);
                    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&all[e * k..(e + 1) * k]), bits(&one), "k={k} e={e}");
                    // Every build of the one-example sums gives the same scores.
                    let ex = &feats[start..end as usize];
                    let mut any = Vec::new();
                    m.scores_into_any(ex, 0.7, &mut any);
                    assert_eq!(bits(&any), bits(&one), "portable build, k={k} e={e}");
                    #[cfg(target_arch = "x86_64")]
                    {
                        let mut v = Vec::new();
                        if newslens_learn::weights::has_avx2() {
                            // SAFETY: AVX2 and POPCNT are present (checked just above).
                            unsafe { m.scores_into_avx2(ex, 0.7, &mut v) };
                            assert_eq!(bits(&v), bits(&one), "AVX2 build, k={k} e={e}");
                        }
                        if newslens_learn::weights::has_avx512() {
                            // SAFETY: the AVX-512 features are present (checked just above).
                            unsafe { m.scores_into_avx512(ex, 0.7, &mut v) };
                            assert_eq!(bits(&v), bits(&one), "AVX-512 build, k={k} e={e}");
                        }
                    }
                    // The plain loop, weight by weight, in feature order.
                    let naive: Vec<f32> = (0..k)
                        .map(|c| {
                            let mut o = m.b[c];
                            for &f in &feats[start..end as usize] {
                                o += m.weight((f & m.mask()) as usize * k + c) * 0.7;
                            }
                            o
                        })
                        .collect();
                    assert_eq!(bits(&one), bits(&naive), "k={k} e={e}");
                    for c in 0..k {
                        let by_index: f32 = feats[start..end as usize]
                            .iter()
                            .map(|&f| m.weight((f & m.mask()) as usize * k + c) * 0.7)
                            .sum();
                        let got = m.contribution(&feats[start..end as usize], 0.7, c);
                        assert_eq!(got.to_bits(), by_index.to_bits(), "k={k} e={e} c={c}");
                    }
                    start = end as usize;
                }
            }
        }
    }
}
