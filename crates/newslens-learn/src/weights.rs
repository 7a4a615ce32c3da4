//! Hashed weight tables: a dense `rows × classes` matrix at inference time, an averaging
//! accumulator at training time, and a compact quantised sparse form on disk.

use serde::{Deserialize, Serialize};

use crate::LearnError;

/// A dense table of weights indexed by hashed feature row and class.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    bits: u32,
    n_classes: usize,
    w: Vec<f32>,
}

impl Weights {
    /// A zero table of `1 << bits` rows.
    pub fn zeros(bits: u32, n_classes: usize) -> Self {
        Self {
            bits,
            n_classes,
            w: vec![0.0; (1usize << bits) * n_classes],
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

    /// The weights of one row.
    #[inline]
    pub fn row(&self, row: u32) -> &[f32] {
        let s = row as usize * self.n_classes;
        &self.w[s..s + self.n_classes]
    }

    /// Adds the rows of `feats` to `scores` (`scores.len() == n_classes`).
    #[inline]
    pub fn add_scores(&self, feats: &[u32], scores: &mut [f32]) {
        let n = self.n_classes;
        for &f in feats {
            let s = f as usize * n;
            // Rows are masked at hashing time; `get` keeps a bad row from panicking.
            if let Some(row) = self.w.get(s..s + n) {
                for (acc, w) in scores.iter_mut().zip(row) {
                    *acc += *w;
                }
            }
        }
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
        let mut w = first.w.clone();
        for t in &tables[1..] {
            for (a, b) in w.iter_mut().zip(&t.w) {
                *a += *b;
            }
        }
        w.iter_mut().for_each(|x| *x /= k);
        Some(Weights {
            bits: first.bits,
            n_classes: first.n_classes,
            w,
        })
    }

    /// Rows with at least one non-zero weight.
    pub fn nonzero_rows(&self) -> usize {
        self.w
            .chunks(self.n_classes)
            .filter(|r| r.iter().any(|w| *w != 0.0))
            .count()
    }

    /// The compact on-disk form: weights quantised to `i16` with one scale, zero rows dropped,
    /// row indexes delta-encoded (postcard writes them as small varints).
    pub fn to_stored(&self) -> StoredWeights {
        let max = self.w.iter().fold(0f32, |m, w| m.max(w.abs()));
        let scale = if max > 0.0 { max / 32767.0 } else { 1.0 };
        let mut rows = Vec::new();
        let mut values = Vec::new();
        let mut last = 0u32;
        for (i, r) in self.w.chunks(self.n_classes).enumerate() {
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
        let mut out = Self::zeros(s.bits, n);
        let mut row = 0u64;
        for (k, d) in s.row_deltas.iter().enumerate() {
            row += u64::from(*d);
            let start = row as usize * n;
            let dst = out
                .w
                .get_mut(start..start + n)
                .ok_or_else(|| LearnError::Format("row index out of range".into()))?;
            for (o, v) in dst.iter_mut().zip(&s.values[k * n..(k + 1) * n]) {
                *o = f32::from(*v) * s.scale;
            }
        }
        Ok(out)
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
        let acc = vec![0.0; current.w.len()];
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
        if let Some(w) = self.current.w.get_mut(i) {
            *w += delta;
            self.acc[i] += self.step as f64 * f64::from(delta);
        }
    }

    /// The averaged weights.
    pub fn averaged(&self) -> Weights {
        let c = self.step as f64;
        let w = self
            .current
            .w
            .iter()
            .zip(&self.acc)
            .map(|(w, u)| (f64::from(*w) - u / c) as f32)
            .collect();
        Weights {
            bits: self.current.bits,
            n_classes: self.current.n_classes,
            w,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_round_trip_is_close() {
        let mut w = Weights::zeros(4, 3);
        w.w[5] = 1.5;
        w.w[40] = -0.25;
        let back = Weights::from_stored(&w.to_stored()).unwrap();
        assert!((back.w[5] - 1.5).abs() < 1e-3);
        assert!((back.w[40] + 0.25).abs() < 1e-3);
        assert_eq!(back.nonzero_rows(), 2);
    }

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
