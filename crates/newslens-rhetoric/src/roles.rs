//! Entity roles (SemEval-2025 Task 10 subtask 1): main role (protagonist / antagonist /
//! innocent, softmax) and fine roles (one-vs-rest), from the mention and its context.

use crate::linear::{fh, sigmoid, softmax, Linear};
use crate::prep::Prepared;
use crate::text::Kind;
use newslens_core::Span;

/// Fine roles under each main role (organisers' taxonomy).
pub const ROLE_TAXONOMY: [(&str, &[&str]); 3] = [
    (
        "Protagonist",
        &[
            "Guardian",
            "Martyr",
            "Peacemaker",
            "Rebel",
            "Underdog",
            "Virtuous",
        ],
    ),
    (
        "Antagonist",
        &[
            "Instigator",
            "Conspirator",
            "Tyrant",
            "Foreign Adversary",
            "Traitor",
            "Spy",
            "Saboteur",
            "Corrupt",
            "Incompetent",
            "Terrorist",
            "Deceiver",
            "Bigot",
        ],
    ),
    (
        "Innocent",
        &["Forgotten", "Exploited", "Victim", "Scapegoat"],
    ),
];

/// All fine roles in taxonomy order.
pub fn fine_roles() -> Vec<&'static str> {
    ROLE_TAXONOMY
        .iter()
        .flat_map(|(_, f)| f.iter().copied())
        .collect()
}

/// Features of one mention (added to `out`, which is not cleared so several mentions of an
/// entity can be pooled).
pub fn mention_features(p: &Prepared, span: Span, out: &mut Vec<u32>) {
    let si = p.sentence_at(span.start);
    let Some(s) = p.sents.get(si) else {
        return;
    };
    out.push(fh(0, &[]));
    let first = s.toks.iter().position(|t| t.end > span.start).unwrap_or(0);
    let last = s
        .toks
        .iter()
        .rposition(|t| t.start < span.end)
        .unwrap_or(first)
        .max(first);
    for t in &s.toks[first..=last.min(s.toks.len().saturating_sub(1))] {
        out.push(fh(1, &[&t.lower]));
    }
    for d in 1..=3usize {
        if let Some(t) = first.checked_sub(d).and_then(|j| s.toks.get(j)) {
            out.push(fh(2 + d as u32, &[&t.lower]));
        }
        if let Some(t) = s.toks.get(last + d) {
            out.push(fh(6 + d as u32, &[&t.lower]));
        }
    }
    for (j, t) in s.toks.iter().enumerate() {
        if t.kind == Kind::Word && (j < first || j > last) {
            let side = if j < first { "l" } else { "r" };
            out.push(fh(10, &[&t.lower]));
            out.push(fh(11, &[side, &t.lower]));
        }
    }
    if s.title {
        out.push(fh(12, &[]));
    }
    let rel = ["0", "1", "2", "3"][(si * 4 / p.sents.len().max(1)).min(3)];
    out.push(fh(13, &[rel]));
}

/// The role model.
#[derive(Debug, Clone)]
pub struct RoleModel {
    /// Main-role softmax.
    pub main: Linear,
    /// Main labels.
    pub main_labels: Vec<String>,
    /// Fine-role one-vs-rest.
    pub fine: Linear,
    /// Fine labels.
    pub fine_labels: Vec<String>,
    /// Threshold for additional fine roles.
    pub threshold: f32,
}

impl RoleModel {
    /// Main role, its probability, and the fine roles (the best one within the main role, plus
    /// others of that role above the threshold).
    pub fn predict(&self, feats: &[u32], scale: f32) -> (String, f32, Vec<String>) {
        let mut pm = self.main.scores(feats, scale);
        softmax(&mut pm);
        let mi = (0..pm.len())
            .max_by(|a, b| pm[*a].total_cmp(&pm[*b]))
            .unwrap_or(0);
        let main = self.main_labels.get(mi).cloned().unwrap_or_default();
        let pf: Vec<f32> = self
            .fine
            .scores(feats, scale)
            .into_iter()
            .map(sigmoid)
            .collect();
        let allowed: &[&str] = ROLE_TAXONOMY
            .iter()
            .find(|(m, _)| *m == main)
            .map_or(&[], |(_, f)| *f);
        let mut cands: Vec<(usize, f32)> = self
            .fine_labels
            .iter()
            .enumerate()
            .filter(|(_, l)| allowed.contains(&l.as_str()))
            .map(|(i, _)| (i, pf[i]))
            .collect();
        cands.sort_by(|a, b| b.1.total_cmp(&a.1));
        let fine = cands
            .iter()
            .enumerate()
            .filter(|(r, (_, p))| *r == 0 || *p >= self.threshold)
            .map(|(_, (i, _))| self.fine_labels[*i].clone())
            .collect();
        (main, pm[mi], fine)
    }
}
