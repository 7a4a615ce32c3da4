//! Entity roles (SemEval-2025 Task 10 subtask 1): main role (protagonist / antagonist /
//! innocent, softmax) and fine roles (one-vs-rest), from the mention and its context.

use crate::linear::{fh, sigmoid, softmax, Linear};
use crate::prep::Prepared;
use crate::senti::valence;
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
    context_features(s, first, last, out);
    // The entity's other occurrences in the article (same words): what is said around them.
    // Its words as document-local ids (equal ids, equal lower-cased forms): every position of
    // the article is compared, so numbers rather than strings.
    let range = first..=last.min(s.toks.len().saturating_sub(1));
    let key: Vec<u32> = s.toks[range]
        .iter()
        .zip(s.wid.get(first..).unwrap_or_default())
        .filter(|(t, _)| t.kind == Kind::Word)
        .map(|(_, &w)| w)
        .collect();
    let mut occ = 0usize;
    if !key.is_empty() {
        for (j, o) in p.sents.iter().enumerate() {
            let n = key.len();
            if o.toks.len() < n {
                continue;
            }
            for a in 0..=o.toks.len() - n {
                // The first word decides at almost every position: no slice compare (a memcmp
                // call) for those.
                let same =
                    o.wid.get(a) == Some(&key[0]) && o.wid.get(a..a + n) == Some(key.as_slice());
                if (j == si && a == first) || !same {
                    continue;
                }
                occ += 1;
                if occ <= 8 {
                    context_features(o, a, a + n - 1, out);
                }
            }
        }
    }
    out.push(fh(30, &[crate::text::count_bucket(occ)]));
}

/// Context of the tokens `first..=last` of sentence `s`: the predicate-ish words next to it
/// (the verb after a subject, the verb or preposition before an object), its grammatical
/// position, and the evaluative (VADER-valenced) words around it.
fn context_features(s: &crate::prep::Sent, first: usize, last: usize, out: &mut Vec<u32>) {
    let t = &s.toks;
    // Subject-ish: the mention opens its clause and a word follows; object-ish otherwise.
    let clause_start = first == 0
        || t.get(first - 1).is_some_and(|x| {
            x.kind != Kind::Word
                || matches!(x.lower.as_str(), "the" | "and" | "but" | "that" | "which")
        });
    let role = if clause_start { "subj" } else { "obj" };
    out.push(fh(20, &[role]));
    // Up to three words after (subject) or before (object): the governing verb is there.
    let mut k = 0;
    if clause_start {
        for x in t.iter().skip(last + 1) {
            if x.kind != Kind::Word || k == 3 {
                break;
            }
            out.push(fh(21, &[role, &x.lower]));
            k += 1;
        }
    } else {
        for x in t[..first].iter().rev() {
            if x.kind != Kind::Word || k == 3 {
                break;
            }
            out.push(fh(21, &[role, &x.lower]));
            k += 1;
        }
    }
    // Evaluative words within five tokens, by side and sign.
    let (mut neg, mut pos) = (0usize, 0usize);
    let lo = first.saturating_sub(5);
    let hi = (last + 6).min(t.len());
    for (j, x) in t.iter().enumerate().take(hi).skip(lo) {
        if j >= first && j <= last {
            continue;
        }
        if let Some(v) = valence(&x.lower) {
            let side = if j < first { "l" } else { "r" };
            let sign = if v < 0.0 { "-" } else { "+" };
            out.push(fh(22, &[side, sign]));
            out.push(fh(23, &[sign, &x.lower]));
            if v < 0.0 {
                neg += 1;
            } else {
                pos += 1;
            }
        }
    }
    out.push(fh(
        24,
        &[
            crate::text::count_bucket(neg),
            crate::text::count_bucket(pos),
        ],
    ));
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
