//! Multiclass averaged perceptron over hashed features (for classifiers: quote cues, techniques…).

use serde::{Deserialize, Serialize};

use crate::weights::{AveragedWeights, StoredWeights, Weights};
use crate::LearnError;

/// A trained multiclass linear classifier.
#[derive(Debug, Clone)]
pub struct Classifier {
    classes: Vec<String>,
    weights: Weights,
}

/// Serialised form of [`Classifier`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredClassifier {
    classes: Vec<String>,
    weights: StoredWeights,
}

impl Classifier {
    /// Class names, indexed by class id.
    pub fn classes(&self) -> &[String] {
        &self.classes
    }

    /// Hash bits of the table.
    pub fn bits(&self) -> u32 {
        self.weights.bits()
    }

    /// Scores of every class for the feature rows `feats`.
    pub fn scores(&self, feats: &[u32]) -> Vec<f32> {
        let mut s = vec![0.0; self.classes.len()];
        self.weights.add_scores(feats, &mut s);
        s
    }

    /// The best class id.
    pub fn predict(&self, feats: &[u32]) -> usize {
        argmax(&self.scores(feats))
    }

    /// The serialisable form.
    pub fn to_stored(&self) -> StoredClassifier {
        StoredClassifier {
            classes: self.classes.clone(),
            weights: self.weights.to_stored(),
        }
    }

    /// Rebuilds a classifier from its stored form.
    pub fn from_stored(s: &StoredClassifier) -> Result<Self, LearnError> {
        let weights = Weights::from_stored(&s.weights)?;
        if weights.n_classes() != s.classes.len() {
            return Err(LearnError::Format("class count disagrees".into()));
        }
        Ok(Self {
            classes: s.classes.clone(),
            weights,
        })
    }
}

/// Trains a [`Classifier`] one example at a time.
#[derive(Debug, Clone)]
pub struct ClassifierTrainer {
    classes: Vec<String>,
    weights: AveragedWeights,
}

impl ClassifierTrainer {
    /// A trainer for `classes` with `1 << bits` feature rows.
    pub fn new(bits: u32, classes: Vec<String>) -> Self {
        let n = classes.len();
        Self {
            classes,
            weights: AveragedWeights::zeros(bits, n),
        }
    }

    /// Predicts with the current weights and updates on a mistake. Returns the prediction.
    pub fn learn(&mut self, feats: &[u32], gold: usize) -> usize {
        let mut s = vec![0.0; self.classes.len()];
        self.weights.current().add_scores(feats, &mut s);
        let guess = argmax(&s);
        if guess != gold {
            for &f in feats {
                self.weights.update(f, gold, 1.0);
                self.weights.update(f, guess, -1.0);
            }
        }
        self.weights.tick();
        guess
    }

    /// The averaged classifier.
    pub fn model(&self) -> Classifier {
        Classifier {
            classes: self.classes.clone(),
            weights: self.weights.averaged(),
        }
    }
}

fn argmax(s: &[f32]) -> usize {
    let mut best = 0;
    for (i, v) in s.iter().enumerate() {
        if *v > s[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::FeatureHash;

    #[test]
    fn separates_two_classes() {
        let f = |w: &str| vec![FeatureHash::new(0).str(w).row(8)];
        let mut t = ClassifierTrainer::new(8, vec!["neg".into(), "pos".into()]);
        for _ in 0..5 {
            t.learn(&f("good"), 1);
            t.learn(&f("bad"), 0);
        }
        let m = t.model();
        assert_eq!(m.predict(&f("good")), 1);
        assert_eq!(m.predict(&f("bad")), 0);
        let back = Classifier::from_stored(&m.to_stored()).unwrap();
        assert_eq!(back.predict(&f("good")), 1);
    }
}
