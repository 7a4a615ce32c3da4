//! Hashed weight tables: a `rows × classes` matrix (dense while training, row-indexed sparse
//! once loaded from disk), an averaging accumulator at training time, and a compact quantised
//! sparse form on disk.

use serde::{Deserialize, Serialize};

use crate::LearnError;

/// A table of weights indexed by hashed feature row and class.
///
/// Tables built for training are dense. Tables loaded with [`Weights::from_stored`] keep only
/// their non-zero rows, still quantised, behind a bitmap-and-rank row index. A 2^20-row,
/// 17-class dense table is 71 MB and decoding spent most of its time waiting on cache misses;
/// the sparse form of a trained NER table is ~3 MB of values plus a 256 KB index that stays in
/// L2. Scores are bit-identical to the dense form rebuilt from the same stored table.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    bits: u32,
    n_classes: usize,
    table: Table,
}

#[derive(Debug, Clone, PartialEq)]
enum Table {
    /// `rows × n_classes` weights.
    Dense(Vec<f32>),
    /// Non-zero rows only, in row order, as `value * scale`.
    Sparse {
        /// One block per 64 rows: which rows are present, and how many present rows precede it.
        blocks: Vec<RankBlock>,
        values: Vec<i16>,
        scale: f32,
    },
}

/// 64 rows of a sparse table's index (16 bytes: one cache line holds four).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct RankBlock {
    present: u64,
    rank: u32,
}

impl RankBlock {
    /// Where row `row` sits among the present rows of `blocks`, `None` if absent.
    #[inline(always)]
    fn position(blocks: &[RankBlock], row: u32) -> Option<usize> {
        let b = blocks.get(row as usize / 64)?;
        let bit = 1u64 << (row % 64);
        (b.present & bit != 0)
            .then(|| b.rank as usize + (b.present & (bit - 1)).count_ones() as usize)
    }
}

impl Weights {
    /// A zero table of `1 << bits` rows.
    pub fn zeros(bits: u32, n_classes: usize) -> Self {
        Self::dense(bits, n_classes, vec![0.0; (1usize << bits) * n_classes])
    }

    fn dense(bits: u32, n_classes: usize, w: Vec<f32>) -> Self {
        Self {
            bits,
            n_classes,
            table: Table::Dense(w),
        }
    }

    /// Number of hash bits (rows = `1 << bits`).
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// Number of classes (columns).
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// Calls `f` with each weight of row `row` (nothing for an absent or out-of-range row).
    #[inline]
    fn for_row(&self, row: u32, mut f: impl FnMut(usize, f32)) {
        let n = self.n_classes;
        match &self.table {
            Table::Dense(w) => {
                let s = row as usize * n;
                // Rows are masked at hashing time; `get` keeps a bad row from panicking.
                if let Some(r) = w.get(s..s + n) {
                    r.iter().enumerate().for_each(|(c, v)| f(c, *v));
                }
            }
            Table::Sparse {
                blocks,
                values,
                scale,
            } => {
                let Some(k) = RankBlock::position(blocks, row) else {
                    return;
                };
                if let Some(r) = values.get(k * n..(k + 1) * n) {
                    r.iter()
                        .enumerate()
                        .for_each(|(c, v)| f(c, f32::from(*v) * *scale));
                }
            }
        }
    }

    /// The weights of one row (zeros for an absent row).
    pub fn row(&self, row: u32) -> Vec<f32> {
        let mut out = vec![0.0; self.n_classes];
        self.for_row(row, |c, v| out[c] = v);
        out
    }

    /// The same table, dense (a copy).
    fn to_dense(&self) -> Weights {
        if let Table::Dense(_) = self.table {
            return self.clone();
        }
        let rows = 1usize << self.bits;
        let mut w = vec![0.0; rows * self.n_classes];
        for (r, dst) in w.chunks_mut(self.n_classes).enumerate() {
            self.for_row(r as u32, |c, v| dst[c] = v);
        }
        Self::dense(self.bits, self.n_classes, w)
    }

    /// Adds the rows of `feats` to `scores` (`scores.len() == n_classes`).
    #[inline]
    pub fn add_scores(&self, feats: &[u32], scores: &mut [f32]) {
        let Table::Sparse {
            blocks,
            values,
            scale,
        } = &self.table
        else {
            for &f in feats {
                self.for_row(f, |c, v| {
                    if let Some(acc) = scores.get_mut(c) {
                        *acc += v;
                    }
                });
            }
            return;
        };
        let n = self.n_classes;
        // Two phases: find every row first, touching both ends of each, so that the cache misses
        // of all the features are in flight together; then add the (now cached) rows.
        const CHUNK: usize = 64;
        let mut starts = [0usize; CHUNK];
        for chunk in feats.chunks(CHUNK) {
            let mut m = 0;
            let mut touch = 0i16;
            for &f in chunk {
                let Some(k) = RankBlock::position(blocks, f) else {
                    continue;
                };
                if let (Some(first), Some(last)) = (values.get(k * n), values.get(k * n + n - 1)) {
                    touch ^= *first ^ *last;
                    starts[m] = k * n;
                    m += 1;
                }
            }
            std::hint::black_box(touch);
            for &s in &starts[..m] {
                for (acc, v) in scores.iter_mut().zip(&values[s..s + n]) {
                    *acc += f32::from(*v) * *scale;
                }
            }
        }
    }

    // The same sums bit for bit in every build (see `simd_builds`).
    crate::simd_builds! {
        /// Adds the rows of every token of a sequence to that token's scores: token `i` owns
        /// `rows[ends[i - 1]..ends[i]]` and `scores[i * n..(i + 1) * n]`. Each token's rows are
        /// added in order with the same arithmetic as [`Weights::add_scores`], so the sums are
        /// the same bit for bit, and a caller may start a token from the partial sum of its
        /// first rows.
        ///
        /// Sparse tables are read in a software pipeline: the index blocks of the rows one chunk
        /// ahead are prefetched while the rows of the current chunk are located and their
        /// values prefetched, and a token is added up one chunk later. Decoding used to wait on
        /// these random reads one row after another.
        pub(crate) fn add_seq_scores => add_seq_scores_any, add_seq_scores_avx512, add_seq_scores_avx2
            (rows: &[u32], ends: &[u32], scores: &mut [f32], offs: &mut Vec<usize>)
    }

    #[inline(always)]
    fn add_seq_scores_any(
        &self,
        rows: &[u32],
        ends: &[u32],
        scores: &mut [f32],
        offs: &mut Vec<usize>,
    ) {
        let n = self.n_classes;
        let token = |i: usize| {
            let start = if i == 0 { 0 } else { ends[i - 1] as usize };
            start..ends[i] as usize
        };
        let Table::Sparse {
            blocks,
            values,
            scale,
        } = &self.table
        else {
            for (i, acc) in scores.chunks_mut(n).enumerate().take(ends.len()) {
                self.add_scores(&rows[token(i)], acc);
            }
            return;
        };
        pipelined_rows(blocks, values, n, rows, ends, offs, |i, offs| {
            let Some(acc) = scores.get_mut(i * n..(i + 1) * n) else {
                return;
            };
            for &s in offs {
                if s != ABSENT {
                    for (a, v) in acc.iter_mut().zip(&values[s..s + n]) {
                        *a += f32::from(*v) * *scale;
                    }
                }
            }
        });
    }

    /// The element-wise mean of tables of the same shape (`None` if shapes differ or empty).
    /// Averaging perceptrons trained with different seeds reduces their variance.
    pub fn mean(tables: &[&Weights]) -> Option<Weights> {
        let first = tables.first()?;
        if tables
            .iter()
            .any(|t| t.bits != first.bits || t.n_classes != first.n_classes)
        {
            return None;
        }
        let k = tables.len() as f32;
        let mut w = first.to_dense().dense_slice().to_vec();
        for t in &tables[1..] {
            for (a, b) in w.iter_mut().zip(t.to_dense().dense_slice()) {
                *a += *b;
            }
        }
        w.iter_mut().for_each(|x| *x /= k);
        Some(Weights::dense(first.bits, first.n_classes, w))
    }

    /// Rows with at least one non-zero weight.
    pub fn nonzero_rows(&self) -> usize {
        match &self.table {
            Table::Dense(w) => w
                .chunks(self.n_classes)
                .filter(|r| r.iter().any(|w| *w != 0.0))
                .count(),
            Table::Sparse { values, .. } => values
                .chunks(self.n_classes)
                .filter(|r| r.iter().any(|w| *w != 0))
                .count(),
        }
    }

    /// The weights of a dense table (empty for a sparse one).
    fn dense_slice(&self) -> &[f32] {
        match &self.table {
            Table::Dense(w) => w,
            Table::Sparse { .. } => &[],
        }
    }

    /// Whether the table keeps only its non-zero rows (see [`Weights`]).
    pub fn is_sparse(&self) -> bool {
        matches!(self.table, Table::Sparse { .. })
    }

    /// The compact on-disk form: weights quantised to `i16` with one scale, zero rows dropped,
    /// row indexes delta-encoded (postcard writes them as small varints).
    pub fn to_stored(&self) -> StoredWeights {
        let dense = self.to_dense();
        let Table::Dense(all) = &dense.table else {
            unreachable!("to_dense returns a dense table")
        };
        let max = all.iter().fold(0f32, |m, w| m.max(w.abs()));
        let scale = if max > 0.0 { max / 32767.0 } else { 1.0 };
        let mut rows = Vec::new();
        let mut values = Vec::new();
        let mut last = 0u32;
        for (i, r) in all.chunks(self.n_classes).enumerate() {
            let q: Vec<i16> = r.iter().map(|w| (w / scale).round() as i16).collect();
            if q.iter().any(|v| *v != 0) {
                let i = i as u32;
                rows.push(i - last);
                last = i;
                values.extend(q);
            }
        }
        StoredWeights {
            bits: self.bits,
            n_classes: self.n_classes as u32,
            scale,
            row_deltas: rows,
            values,
        }
    }

    /// Rebuilds a dense table from [`StoredWeights`].
    pub fn from_stored(s: &StoredWeights) -> Result<Self, LearnError> {
        if s.bits > 28 || s.n_classes == 0 {
            return Err(LearnError::Format(format!(
                "implausible table shape: {} bits, {} classes",
                s.bits, s.n_classes
            )));
        }
        let n = s.n_classes as usize;
        if s.values.len() != s.row_deltas.len() * n {
            return Err(LearnError::Format("weight table is truncated".into()));
        }
        let rows = 1usize << s.bits;
        let mut blocks = vec![RankBlock::default(); rows.div_ceil(64)];
        let mut row = 0u64;
        for d in &s.row_deltas {
            row += u64::from(*d);
            let b = usize::try_from(row / 64)
                .ok()
                .and_then(|b| blocks.get_mut(b))
                .ok_or_else(|| LearnError::Format("row index out of range".into()))?;
            b.present |= 1 << (row % 64);
        }
        let mut rank = 0u32;
        for b in &mut blocks {
            b.rank = rank;
            rank += b.present.count_ones();
        }
        if rank as usize != s.row_deltas.len() {
            return Err(LearnError::Format("row indexes are not increasing".into()));
        }
        Ok(Self {
            bits: s.bits,
            n_classes: n,
            table: Table::Sparse {
                blocks,
                values: s.values.clone(),
                scale: s.scale,
            },
        })
    }
}

/// Two sparse tables with the same rows, read together. For every row present in either, the
/// values of the first table then of the second sit side by side (a row absent from one table
/// has zeros there), so one index lookup and two adjacent cache lines serve both tables. A
/// two-pass tagger that scores its first-pass features with both passes' tables in one sweep
/// waits on half as many random reads.
///
/// Sums are the same bit for bit as with the two tables apart: each table's values are added
/// in the same order with the same arithmetic, and a zero of an absent row adds `+0.0`, which
/// changes no sum (a sum is never `-0.0`: it starts at `+0.0`, products of non-zero values with
/// a positive scale are non-zero, and `x + (-x)` rounds to `+0.0`).
#[derive(Debug, Clone, PartialEq)]
pub struct WeightsPair {
    n: [usize; 2],
    blocks: Vec<RankBlock>,
    values: Vec<i16>,
    scales: [f32; 2],
}

impl WeightsPair {
    /// Pairs two sparse tables of the same number of rows (`None` otherwise).
    pub fn new(a: &Weights, b: &Weights) -> Option<Self> {
        let (
            Table::Sparse {
                blocks: ba,
                values: va,
                scale: sa,
            },
            Table::Sparse {
                blocks: bb,
                values: vb,
                scale: sb,
            },
        ) = (&a.table, &b.table)
        else {
            return None;
        };
        if a.bits != b.bits || ba.len() != bb.len() {
            return None;
        }
        let (na, nb) = (a.n_classes, b.n_classes);
        let mut blocks = Vec::with_capacity(ba.len());
        let mut values = Vec::new();
        let mut rank = 0u32;
        for (x, y) in ba.iter().zip(bb) {
            let present = x.present | y.present;
            blocks.push(RankBlock { present, rank });
            rank = rank.checked_add(present.count_ones())?;
            let mut bits = present;
            while bits != 0 {
                let bit = bits & bits.wrapping_neg();
                bits &= bits - 1;
                for (blk, vals, n) in [(x, va, na), (y, vb, nb)] {
                    if blk.present & bit != 0 {
                        let k = blk.rank as usize + (blk.present & (bit - 1)).count_ones() as usize;
                        values.extend_from_slice(vals.get(k * n..(k + 1) * n)?);
                    } else {
                        values.extend(std::iter::repeat_n(0i16, n));
                    }
                }
            }
        }
        Some(Self {
            n: [na, nb],
            blocks,
            values,
            scales: [*sa, *sb],
        })
    }

    /// Adds the rows of `rows` (one token) to the scores of each table.
    pub fn add_scores(&self, rows: &[u32], a: &mut [f32], b: &mut [f32]) {
        #[cfg(target_arch = "x86_64")]
        if has_avx2() {
            // SAFETY: the CPU supports AVX2 and POPCNT (checked at run time), which is all a
            // call of a function compiled for them requires.
            unsafe { self.add_scores_avx2(rows, a, b) };
            return;
        }
        self.add_scores_any(rows, a, b);
    }

    /// [`WeightsPair::add_scores`] compiled for AVX2 and POPCNT (the same sums bit for bit, see
    /// [`WeightsPair::add_seq_scores`]).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,popcnt")]
    unsafe fn add_scores_avx2(&self, rows: &[u32], a: &mut [f32], b: &mut [f32]) {
        self.add_scores_any(rows, a, b);
    }

    #[inline(always)]
    fn add_scores_any(&self, rows: &[u32], a: &mut [f32], b: &mut [f32]) {
        let w = self.n[0] + self.n[1];
        for &r in rows {
            if let Some(k) = RankBlock::position(&self.blocks, r) {
                if let Some(v) = self.values.get(k * w..(k + 1) * w) {
                    self.add_row(v, a, b);
                }
            }
        }
    }

    #[inline(always)]
    fn add_row(&self, v: &[i16], a: &mut [f32], b: &mut [f32]) {
        let (va, vb) = v.split_at(self.n[0]);
        for (acc, x) in a.iter_mut().zip(va) {
            *acc += f32::from(*x) * self.scales[0];
        }
        for (acc, x) in b.iter_mut().zip(vb) {
            *acc += f32::from(*x) * self.scales[1];
        }
    }

    crate::simd_builds! {
        /// [`Weights::add_seq_scores`] for both tables at once: token `i`'s rows are added to
        /// `a[i * na..]` and `b[i * nb..]`.
        pub(crate) fn add_seq_scores => add_seq_scores_any, add_seq_scores_avx512, add_seq_scores_avx2
            (rows: &[u32], ends: &[u32], a: &mut [f32], b: &mut [f32], offs: &mut Vec<usize>)
    }

    #[inline(always)]
    fn add_seq_scores_any(
        &self,
        rows: &[u32],
        ends: &[u32],
        a: &mut [f32],
        b: &mut [f32],
        offs: &mut Vec<usize>,
    ) {
        let [na, nb] = self.n;
        let w = na + nb;
        let values = &self.values;
        pipelined_rows(&self.blocks, values, w, rows, ends, offs, |i, offs| {
            let (Some(acc_a), Some(acc_b)) = (
                a.get_mut(i * na..(i + 1) * na),
                b.get_mut(i * nb..(i + 1) * nb),
            ) else {
                return;
            };
            for &s in offs {
                if s != ABSENT {
                    self.add_row(&values[s..s + w], acc_a, acc_b);
                }
            }
        });
    }
}

/// An offset of [`pipelined_rows`] for a row the table does not hold.
const ABSENT: usize = usize::MAX;

/// Locates the rows of a sequence of tokens (`rows`, token `i` ending at `ends[i]`) in a sparse
/// table of `width` values per row, and calls `add(i, offsets)` with token `i`'s offsets into
/// `values` ([`ABSENT`] for a missing row) once their values have had time to arrive: index
/// blocks are prefetched a chunk of rows ahead, values as soon as they are located, and a
/// token is handed over a chunk after its last row was located — the random reads are in
/// flight together instead of one after another.
#[inline(always)]
fn pipelined_rows(
    blocks: &[RankBlock],
    values: &[i16],
    width: usize,
    rows: &[u32],
    ends: &[u32],
    offs: &mut Vec<usize>,
    mut add: impl FnMut(usize, &[usize]),
) {
    const CHUNK: usize = 32;
    let token = |i: usize| {
        let start = if i == 0 { 0 } else { ends[i - 1] as usize };
        start..ends[i] as usize
    };
    let m = rows.len();
    offs.clear();
    offs.resize(m, ABSENT);
    let prefetch_blocks = |from: usize| {
        for &r in &rows[from.min(m)..(from + CHUNK).min(m)] {
            prefetch(blocks.as_ptr().wrapping_add(r as usize / 64));
        }
    };
    prefetch_blocks(0);
    let mut tok = 0;
    let mut from = 0;
    // One call site of `add` (so that it is inlined, into the AVX2 build too): the last pass,
    // with no rows left to locate, hands over the remaining tokens.
    loop {
        let done = from >= m;
        let to = (from + CHUNK).min(m);
        if !done {
            prefetch_blocks(from + CHUNK);
        }
        for (o, &r) in offs[from..to].iter_mut().zip(&rows[from..to]) {
            if let Some(k) = RankBlock::position(blocks, r) {
                let s = k * width;
                if s + width <= values.len() {
                    *o = s;
                    let p = values.as_ptr().wrapping_add(s);
                    prefetch(p);
                    prefetch(p.wrapping_add(width - 1));
                }
            }
        }
        // Tokens whose rows were all located a chunk ago: their values have had time to arrive.
        while tok < ends.len() && (done || ends[tok] as usize + CHUNK <= to) {
            add(tok, &offs[token(tok)]);
            tok += 1;
        }
        if done {
            break;
        }
        from = to;
    }
}

/// Serialised form of [`Weights`] (see [`Weights::to_stored`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredWeights {
    bits: u32,
    n_classes: u32,
    scale: f32,
    row_deltas: Vec<u32>,
    values: Vec<i16>,
}

/// Training-time weights with averaging (the "lazy" trick: keep `w` and `u = Σ c·Δ`; the average
/// over all `c` steps is `w − u / c`), so an update costs O(1) whatever the table size.
#[derive(Debug, Clone)]
pub struct AveragedWeights {
    current: Weights,
    acc: Vec<f64>,
    /// Number of examples seen so far (the averaging clock).
    step: u64,
}

impl AveragedWeights {
    /// A zero table.
    pub fn zeros(bits: u32, n_classes: usize) -> Self {
        let current = Weights::zeros(bits, n_classes);
        let acc = vec![0.0; current.dense_slice().len()];
        Self {
            current,
            acc,
            step: 1,
        }
    }

    /// The current (not averaged) weights, used for decoding during training.
    pub fn current(&self) -> &Weights {
        &self.current
    }

    /// Advances the averaging clock by one example.
    pub fn tick(&mut self) {
        self.step += 1;
    }

    /// Adds `delta` to weight (`row`, `class`).
    #[inline]
    pub fn update(&mut self, row: u32, class: usize, delta: f32) {
        let i = row as usize * self.current.n_classes + class;
        let Table::Dense(table) = &mut self.current.table else {
            return;
        };
        if let Some(w) = table.get_mut(i) {
            *w += delta;
            self.acc[i] += self.step as f64 * f64::from(delta);
        }
    }

    /// The averaged weights.
    pub fn averaged(&self) -> Weights {
        let c = self.step as f64;
        let w = self
            .current
            .dense_slice()
            .iter()
            .zip(&self.acc)
            .map(|(w, u)| (f64::from(*w) - u / c) as f32)
            .collect();
        Weights::dense(self.current.bits, self.current.n_classes, w)
    }
}

/// Whether the CPU has AVX2 and POPCNT (for the functions compiled for them; the other
/// stages' weight sums use it too).
#[cfg(target_arch = "x86_64")]
#[inline]
pub fn has_avx2() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("popcnt")
}

/// Whether the CPU has what the AVX-512 builds of the row sums are compiled for (AVX-512 F,
/// BW and VL, with AVX2 and POPCNT).
#[cfg(target_arch = "x86_64")]
pub fn has_avx512() -> bool {
    has_avx2()
        && std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512bw")
        && std::arch::is_x86_feature_detected!("avx512vl")
}

/// Defines method `$name` (no result) as `$any` run in the widest build the CPU has: `$avx512`,
/// the same body compiled for AVX-512 (F, BW, VL) with AVX2 and POPCNT ([`has_avx512`]),
/// `$avx2`, compiled for AVX2 and POPCNT ([`has_avx2`]), or `$any` itself (the release build
/// targets plain x86-64, whose vectors are 4 lanes and whose `count_ones` takes about twelve
/// instructions). `$any` must be `#[inline(always)]`, so that each build compiles its body.
/// The builds do the same operations on each value (Rust never fuses a multiply and an add),
/// so they give the same results bit for bit; tests call `$avx512` and `$avx2` directly.
/// A target feature can only be set on a function of its own, hence one wrapper per build.
#[macro_export]
macro_rules! simd_builds {
    (
        $(#[$attr:meta])*
        $vis:vis fn $name:ident => $any:ident, $avx512:ident, $avx2:ident
            ($($arg:ident: $ty:ty),* $(,)?)
    ) => {
        $(#[$attr])*
        $vis fn $name(&self, $($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            if $crate::weights::has_avx512() {
                // SAFETY: the CPU has every feature the build is compiled for (checked above).
                unsafe { self.$avx512($($arg),*) };
                return;
            }
            #[cfg(target_arch = "x86_64")]
            if $crate::weights::has_avx2() {
                // SAFETY: the CPU has AVX2 and POPCNT (checked above).
                unsafe { self.$avx2($($arg),*) };
                return;
            }
            self.$any($($arg),*)
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,popcnt")]
        unsafe fn $avx512(&self, $($arg: $ty),*) {
            self.$any($($arg),*)
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2,popcnt")]
        unsafe fn $avx2(&self, $($arg: $ty),*) {
            self.$any($($arg),*)
        }
    };
}

/// Asks the CPU to start loading the cache line of `p` (a hint: any address is fine, nothing
/// is read). Shared with the other stages' weight tables.
#[inline(always)]
pub fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint; it never faults and reads nothing, whatever the
    // address (the pointer is built with `wrapping_add` and never dereferenced).
    #[allow(unused_unsafe)]
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_round_trip_is_close() {
        let mut w = Weights::zeros(4, 3);
        if let Table::Dense(t) = &mut w.table {
            t[5] = 1.5;
            t[40] = -0.25;
        }
        let back = Weights::from_stored(&w.to_stored()).unwrap();
        assert!(back.is_sparse());
        // Row 1 holds weight 5 (class 2), row 13 weight 40 (class 1).
        assert!((back.row(1)[2] - 1.5).abs() < 1e-3);
        assert!((back.row(13)[1] + 0.25).abs() < 1e-3);
        assert_eq!(back.row(0), vec![0.0, 0.0, 0.0]);
        assert_eq!(back.nonzero_rows(), 2);
        assert_eq!(back.to_stored().row_deltas, w.to_stored().row_deltas);
    }

    #[test]
    fn sparse_tables_score_like_dense_ones() {
        let mut w = Weights::zeros(6, 4);
        if let Table::Dense(t) = &mut w.table {
            for (i, x) in t.iter_mut().enumerate() {
                if i % 7 == 0 {
                    *x = (i as f32 - 100.0) / 37.0;
                }
            }
        }
        let sparse = Weights::from_stored(&w.to_stored()).unwrap();
        let dense = sparse.to_dense();
        assert!(!dense.is_sparse());
        let feats = [0u32, 3, 7, 63, 12, 7, 1000];
        let (mut a, mut b) = (vec![0.0; 4], vec![0.0; 4]);
        sparse.add_scores(&feats, &mut a);
        dense.add_scores(&feats, &mut b);
        assert_eq!(a, b);
        assert!(a.iter().any(|x| *x != 0.0));
        let mean = Weights::mean(&[&sparse, &dense]).unwrap();
        assert_eq!(mean.row(7), dense.row(7));
    }

    #[test]
    fn sequence_scores_are_the_token_scores_bit_for_bit() {
        let mut w = Weights::zeros(12, 5);
        if let Table::Dense(t) = &mut w.table {
            for (i, x) in t.iter_mut().enumerate() {
                // Every fourth row stays zero (absent from the sparse table).
                if (i / 5) % 4 != 0 {
                    *x = ((i * 7919) % 1000) as f32 / 97.0 - 5.0;
                }
            }
        }
        let sparse = Weights::from_stored(&w.to_stored()).unwrap();
        assert_eq!(sparse.nonzero_rows(), 3 * (1 << 12) / 4);
        // Tokens of 0 to 80 rows (chunks of the pipeline end inside tokens), absent rows too.
        let mut rows = Vec::new();
        let mut ends = Vec::new();
        let mut x = 12345u32;
        for t in 0..40u32 {
            for _ in 0..(t * 37) % 81 {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                rows.push((x >> 8) % (1 << 12));
            }
            ends.push(rows.len() as u32);
        }
        // Every build: the dispatch (the widest the CPU has), the code for any CPU, and the
        // AVX2 and AVX-512 ones where the CPU has them.
        type Build = fn(&Weights, &[u32], &[u32], &mut [f32], &mut Vec<usize>);
        let mut builds: Vec<Build> = vec![
            |w, r, e, s, o| w.add_seq_scores(r, e, s, o),
            |w, r, e, s, o| w.add_seq_scores_any(r, e, s, o),
        ];
        #[cfg(target_arch = "x86_64")]
        {
            if has_avx2() {
                // SAFETY: AVX2 and POPCNT are present (checked just above).
                builds.push(|w, r, e, s, o| unsafe { w.add_seq_scores_avx2(r, e, s, o) });
            }
            if has_avx512() {
                // SAFETY: the AVX-512 features are present (checked just above).
                builds.push(|w, r, e, s, o| unsafe { w.add_seq_scores_avx512(r, e, s, o) });
            }
        }
        let dense = sparse.to_dense();
        let cases = builds
            .iter()
            .map(|b| (&sparse, *b))
            .chain([(&dense, builds[0])]);
        for (table, build) in cases {
            // Start every token from a partial sum, as a cache of its first rows would.
            let start: Vec<f32> = (0..40 * 5).map(|i| i as f32 / 3.0).collect();
            let mut got = start.clone();
            build(table, &rows, &ends, &mut got, &mut Vec::new());
            let mut want = start;
            for t in 0..40 {
                let from = if t == 0 { 0 } else { ends[t - 1] as usize };
                table.add_scores(&rows[from..ends[t] as usize], &mut want[t * 5..(t + 1) * 5]);
            }
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got), bits(&want));
        }
    }

    #[test]
    fn paired_tables_score_like_each_table() {
        // Three classes (scalar code) and 17 and 21 (the NER model's width: full vectors of 8
        // and 16 lanes and a remainder).
        for (na, nb) in [(3, 3), (17, 17), (17, 21)] {
            paired_tables_score_like_each_table_with(na, nb);
        }
    }

    fn paired_tables_score_like_each_table_with(na: usize, nb: usize) {
        let table = |skip: usize, k: f32, n: usize| {
            let mut w = Weights::zeros(10, n);
            if let Table::Dense(t) = &mut w.table {
                for (i, x) in t.iter_mut().enumerate() {
                    if !(i / n).is_multiple_of(skip) {
                        *x = ((i * 31) % 17) as f32 * k - 4.0;
                    }
                }
            }
            Weights::from_stored(&w.to_stored()).unwrap()
        };
        // Rows present in one table only, in both, in neither; different scales.
        let (a, b) = (table(3, 0.5, na), table(4, 1.7, nb));
        let pair = WeightsPair::new(&a, &b).unwrap();
        assert!(WeightsPair::new(&a, &a.to_dense()).is_none());
        let rows: Vec<u32> = (0..300).map(|i| (i * 7919) % 1024).collect();
        let ends: Vec<u32> = (1..=30).map(|t| t * 10).collect();
        let (mut pa, mut pb) = (vec![0.0; 30 * na], vec![0.0; 30 * nb]);
        pair.add_seq_scores(&rows, &ends, &mut pa, &mut pb, &mut Vec::new());
        let (mut wa, mut wb) = (vec![0.0; 30 * na], vec![0.0; 30 * nb]);
        a.add_seq_scores(&rows, &ends, &mut wa, &mut Vec::new());
        b.add_seq_scores(&rows, &ends, &mut wb, &mut Vec::new());
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&pa), bits(&wa));
        assert_eq!(bits(&pb), bits(&wb));
        // Every build: the code for any CPU, and the AVX2 and AVX-512 ones where the CPU has
        // them (the dispatch above takes the widest).
        let mut builds: Vec<(&str, SeqFn)> = vec![("any", |p, r, e, a, b, o| {
            p.add_seq_scores_any(r, e, a, b, o)
        })];
        #[cfg(target_arch = "x86_64")]
        {
            if has_avx2() {
                // SAFETY: AVX2 and POPCNT are present (checked just above).
                builds.push(("AVX2", |p, r, e, a, b, o| unsafe {
                    p.add_seq_scores_avx2(r, e, a, b, o)
                }));
            }
            if has_avx512() {
                // SAFETY: the AVX-512 features are present (checked just above).
                builds.push(("AVX-512", |p, r, e, a, b, o| unsafe {
                    p.add_seq_scores_avx512(r, e, a, b, o)
                }));
            } else {
                eprintln!("no AVX-512 here: its build of the row sums is not exercised");
            }
        }
        for (name, f) in builds {
            let (mut ga, mut gb) = (vec![0.0; 30 * na], vec![0.0; 30 * nb]);
            f(&pair, &rows, &ends, &mut ga, &mut gb, &mut Vec::new());
            assert_eq!(bits(&ga), bits(&wa), "{name}, {na} classes");
            assert_eq!(bits(&gb), bits(&wb), "{name}, {nb} classes");
        }
        let (mut ta, mut tb) = (vec![0.0; na], vec![0.0; nb]);
        pair.add_scores(&rows[..10], &mut ta, &mut tb);
        assert_eq!(bits(&ta), bits(&wa[..na]));
        assert_eq!(bits(&tb), bits(&wb[..nb]));
        let (mut ta, mut tb) = (vec![0.0; na], vec![0.0; nb]);
        pair.add_scores_any(&rows[..10], &mut ta, &mut tb);
        assert_eq!(bits(&ta), bits(&wa[..na]));
        assert_eq!(bits(&tb), bits(&wb[..nb]));
    }

    /// A build of [`WeightsPair::add_seq_scores`].
    type SeqFn = fn(&WeightsPair, &[u32], &[u32], &mut [f32], &mut [f32], &mut Vec<usize>);

    #[test]
    fn averaging_weights_early_updates_more() {
        let mut a = AveragedWeights::zeros(2, 2);
        a.update(0, 0, 1.0); // present for 4 of 4 steps
        a.tick();
        a.tick();
        a.tick();
        a.update(1, 1, 1.0); // present for the last step only
        a.tick();
        let avg = a.averaged();
        assert!(avg.row(0)[0] > avg.row(1)[1]);
        assert!(avg.row(1)[1] > 0.0);
    }
}
