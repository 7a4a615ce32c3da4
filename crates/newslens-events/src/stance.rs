//! Sentiment hits, evaluative statements in quotes, stance between actors and document tone.

use std::collections::BTreeMap;

use newslens_core::layers::events::{Modality, Stance, Tone};
use newslens_core::{Analysis, Span};

use crate::coder::{Arg, Coded};
use crate::doc::DocView;
use crate::tables::Lexicon;

/// A lexicon word found in the text, with its weight after negation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    pub tok: usize,
    pub span: Span,
    pub weight: f32,
}

const NEGATORS: &[&str] = &[
    "not", "n't", "no", "never", "neither", "nor", "without", "hardly", "cannot", "lack", "lacks",
    "lacked",
];

/// Finds every lexicon word and phrase in the document. A negator up to three tokens before a word
/// flips it and halves it ("not a friend" is mildly negative, not the opposite of "friend").
pub(crate) fn find_hits(view: &DocView, lex: &Lexicon) -> Vec<Hit> {
    let mut out = Vec::new();
    for &(s, e) in &view.sents {
        let mut i = s;
        while i < e {
            if !view.toks[i].word {
                i += 1;
                continue;
            }
            // One probe answers the word's weight and whether a phrase may start here (most
            // tokens start none; the next words are read only then).
            let (weight, starts_phrase) = lex.word_and_phrase_start(view.w(i));
            let phrase = if starts_phrase {
                let n = (e - i).min(3);
                let words = [view.w(i), view.w(i + 1), view.w(i + 2)];
                lex.phrase(&words[..n])
            } else {
                None
            };
            let (len, w) = match phrase {
                Some((n, w)) => (n, Some(w)),
                None => (1, weight),
            };
            if let Some(mut w) = w {
                let negated =
                    (i.saturating_sub(3).max(s)..i).any(|k| NEGATORS.contains(&view.w(k)));
                if negated {
                    w = -w * 0.5;
                }
                out.push(Hit {
                    tok: i,
                    span: Span::new(view.toks[i].span.start, view.toks[i + len - 1].span.end),
                    weight: w,
                });
            }
            i += len;
        }
    }
    out
}

/// GDELT-style tone: percentages of positive and negative words among all words.
pub(crate) fn tone(view: &DocView, hits: &[Hit]) -> Tone {
    let words = view.toks.iter().filter(|t| t.word).count();
    if words == 0 {
        return Tone::default();
    }
    let pos = hits.iter().filter(|h| h.weight > 0.0).count() as f32;
    let neg = hits.iter().filter(|h| h.weight < 0.0).count() as f32;
    let n = words as f32;
    let round = |x: f32| (x * 1000.0).round() / 1000.0;
    Tone {
        tone: round((pos - neg) / n * 100.0),
        positive: round(pos / n * 100.0),
        negative: round(neg / n * 100.0),
        polarity: round((pos + neg) / n * 100.0),
        word_count: words,
    }
}

/// Evidence gathered for one (source, target) pair.
#[derive(Debug, Default, Clone)]
struct PairAcc {
    score: f32,
    norm: f32,
    evidence: Vec<Span>,
}

/// What a quote says about one entity it sits next to.
#[derive(Debug, Clone)]
pub(crate) struct QuoteJudgement {
    pub quote: usize,
    pub speaker: Arg,
    pub cue: Option<Span>,
    pub target: Arg,
    pub polarity: f32,
    pub evidence: Vec<Span>,
    pub sentence: usize,
}

impl QuoteJudgement {
    /// Number of distinct evaluative words behind the judgement.
    pub fn words(&self) -> usize {
        self.evidence.len()
    }
}

/// Judges each quote (grouped by cue, so a partial quote inside reported speech counts once):
/// for each other entity in the quote's sentences, the sentiment of the quoted words weighted by
/// their distance to that entity.
pub(crate) fn judge_quotes(a: &Analysis, view: &DocView, hits: &[Hit]) -> Vec<QuoteJudgement> {
    let Some(q) = &a.quotes else {
        return Vec::new();
    };
    let Some(ents) = &a.entities else {
        return Vec::new();
    };
    // Group by cue span (or by quote when there is no cue).
    let mut groups: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    // Indexes, not ids, so a malformed upstream layer cannot make this stage panic.
    for (qi, quote) in q.quotes.iter().enumerate() {
        if quote.speaker.is_none_or(|c| c >= ents.clusters.len()) {
            continue;
        }
        let key = quote.cue.map_or((usize::MAX, qi), |c| (c.start, c.end));
        groups.entry(key).or_default().push(qi);
    }
    let mut out = Vec::new();
    for ids in groups.values() {
        let first = &q.quotes[ids[0]];
        let Some(speaker) = first.speaker else {
            continue;
        };
        let contents: Vec<Span> = ids
            .iter()
            .flat_map(|&i| q.quotes[i].content.iter().copied())
            .collect();
        let (Some(lo), Some(hi)) = (
            contents.iter().map(|c| c.start).min(),
            contents.iter().map(|c| c.end).max(),
        ) else {
            continue;
        };
        let content_lo = lo;
        let lo = first.cue.map_or(lo, |c| lo.min(c.start));
        let hi = first.cue.map_or(hi, |c| hi.max(c.end));
        // Token range of the sentences the quote touches.
        let Some(s0) = view
            .sents
            .iter()
            .position(|&(s, e)| s < e && view.toks[e - 1].span.end > lo)
        else {
            continue;
        };
        let s1 = view
            .sents
            .iter()
            .rposition(|&(s, e)| s < e && view.toks[s].span.start < hi)
            .unwrap_or(s0)
            .max(s0);
        let (ts, te) = (view.sents[s0].0, view.sents[s1].1);
        let qhits: Vec<&Hit> = hits
            .iter()
            .filter(|h| h.tok >= ts && h.tok < te && contents.iter().any(|c| c.contains(&h.span)))
            .collect();
        if qhits.is_empty() {
            continue;
        }
        // The speaker's own side: its cluster and the clusters of its affiliations.
        let own: Vec<usize> = std::iter::once(speaker)
            .chain(
                ents.clusters[speaker]
                    .roles
                    .iter()
                    .filter_map(|r| r.affiliation_cluster),
            )
            .chain(ents.clusters.iter().filter_map(|c| {
                ents.clusters[speaker]
                    .affiliations
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(&c.canonical))
                    .then_some(c.id)
            }))
            .collect();
        // Candidate targets: other entities in the sentences, except where a speaker is named
        // and between the cue and what was said ("said in a statement carried by KCNA that",
        // "told a briefing in Beijing that": the channel and the venue are not spoken of).
        let adjunct = first
            .cue
            .filter(|c| c.end <= content_lo)
            .map(|c| Span::new(c.end, content_lo));
        let cands: Vec<usize> = (0..view.mentions.len())
            .filter(|&mi| {
                let m = &view.mentions[mi];
                m.start >= ts
                    && m.end <= te
                    && !own.contains(&m.cluster)
                    && !adjunct.is_some_and(|z| z.contains(&m.span))
                    && !q
                        .quotes
                        .iter()
                        .any(|x| x.source.is_some_and(|s| s.overlaps(&m.span)))
            })
            .collect();
        let mut clusters: Vec<usize> = cands.iter().map(|&mi| view.mentions[mi].cluster).collect();
        clusters.sort_unstable();
        clusters.dedup();
        // Each evaluative word is about the nearest candidate, preferring the one on its left
        // (subjects precede what is said of them); with several candidates, far words count for none.
        let cap = if clusters.len() > 1 {
            12.0
        } else {
            f32::INFINITY
        };
        let mut acc: BTreeMap<usize, (f32, f32, Vec<Span>, usize, usize)> = BTreeMap::new();
        for h in &qhits {
            let best = cands
                .iter()
                .map(|&mi| {
                    let m = &view.mentions[mi];
                    let (d, cost) = if h.tok >= m.end {
                        let d = h.tok - m.end + 1;
                        (d, d as f32)
                    } else if h.tok < m.start {
                        let d = m.start - h.tok;
                        (d, d as f32 * 1.5)
                    } else {
                        // The word is part of the name ("Free Tibet").
                        (0, 0.0)
                    };
                    (cost, d, mi)
                })
                .min_by(|x, y| x.0.total_cmp(&y.0));
            let Some((cost, d, mi)) = best else { continue };
            if cost > cap {
                continue;
            }
            let w = 1.0 / (1.0 + d as f32 / 6.0);
            let e = acc.entry(view.mentions[mi].cluster).or_insert((
                0.0,
                0.0,
                Vec::new(),
                usize::MAX,
                mi,
            ));
            e.0 += h.weight * w;
            e.1 += w;
            e.2.push(h.span);
            if d < e.3 {
                e.3 = d;
                e.4 = mi;
            }
        }
        let source_span = first
            .source
            .unwrap_or_else(|| first.cue.unwrap_or_default());
        for (cluster, (score, norm, evidence, _, mi)) in acc {
            let m = &view.mentions[mi];
            out.push(QuoteJudgement {
                quote: first.id,
                speaker: Arg {
                    cluster: speaker,
                    span: source_span,
                },
                cue: first.cue,
                target: Arg {
                    cluster,
                    span: m.span,
                },
                polarity: (score / (norm + 0.5)).clamp(-1.0, 1.0),
                evidence,
                sentence: s0,
            });
        }
    }
    out
}

/// Events for evaluative statements made with a neutral cue ("… a dictatorship," Putin noted):
/// 111 (criticize or denounce) when the quoted words are clearly negative about an entity, 051
/// (praise or endorse) when clearly positive.
pub(crate) fn quote_events(
    judgements: &[QuoteJudgement],
    coded: &[Coded],
    view: &DocView,
) -> Vec<Coded> {
    const THRESHOLD: f32 = 0.3;
    let mut out = Vec::new();
    for (k, j) in judgements.iter().enumerate() {
        let Some(cue) = j.cue else { continue };
        if !view.toks.iter().any(|t| cue.contains(&t.span) && t.word) {
            continue;
        }
        // A single evaluative word ("enjoyed support") is not a statement about someone.
        if j.polarity.abs() < THRESHOLD || j.words() < 2 {
            continue;
        }
        // Only the entity the statement is most clearly about.
        let stronger = judgements.iter().enumerate().any(|(k2, o)| {
            o.quote == j.quote
                && k2 != k
                && (o.polarity.abs() > j.polarity.abs()
                    || o.polarity.abs() == j.polarity.abs() && k2 < k)
        });
        if stronger {
            continue;
        }
        // The cue is itself a coded verb ("thanked", "accused"): that event already says it.
        if coded.iter().any(|c| {
            view.toks
                .get(c.head_tok)
                .is_some_and(|t| cue.contains(&t.span))
        }) {
            continue;
        }
        let head_tok = view.toks.partition_point(|t| t.span.end <= cue.start);
        out.push(Coded {
            sentence: j.sentence,
            action: cue,
            head_tok,
            code: if j.polarity < 0.0 { "111" } else { "051" }.to_string(),
            actor: Some(j.speaker),
            target: Some(j.target),
            modality: Modality::Happened,
            past: true,
            quote: Some(j.quote),
        });
    }
    out
}

/// Stance per (source, target) pair from events (the sign of the code's Goldstein value for
/// evaluative codes) and from quotes (the lexicon words near the target).
pub(crate) fn stances(
    events: &[(Coded, Option<f32>)],
    judgements: &[QuoteJudgement],
) -> Vec<Stance> {
    let mut pairs: BTreeMap<(usize, usize), PairAcc> = BTreeMap::new();
    for (e, goldstein) in events {
        let (Some(a), Some(t)) = (e.actor, e.target) else {
            continue;
        };
        let acc = pairs.entry((a.cluster, t.cluster)).or_default();
        if e.quote.is_some() {
            // Its evidence comes from the quote judgement below.
            continue;
        }
        let root = &e.code[..2.min(e.code.len())];
        let evaluative = matches!(
            root,
            "02" | "03"
                | "05"
                | "06"
                | "07"
                | "10"
                | "11"
                | "12"
                | "13"
                | "14"
                | "15"
                | "16"
                | "17"
                | "18"
                | "19"
                | "20"
        );
        if let (true, Some(g)) = (evaluative, goldstein) {
            let mut p = (g / 5.0).clamp(-1.0, 1.0);
            if e.modality == Modality::Denied {
                p *= -0.5;
            }
            acc.score += p;
            acc.norm += 1.0;
            acc.evidence.push(e.action);
        }
    }
    for j in judgements {
        let acc = pairs
            .entry((j.speaker.cluster, j.target.cluster))
            .or_default();
        let w = 1.0;
        acc.score += j.polarity * w;
        acc.norm += w;
        acc.evidence.extend(j.evidence.iter().copied());
    }
    pairs
        .into_iter()
        .filter(|((s, t), _)| s != t)
        .map(|((source, target), mut acc)| {
            acc.evidence.sort();
            acc.evidence.dedup();
            let polarity = if acc.norm > 0.0 {
                (acc.score / acc.norm).clamp(-1.0, 1.0)
            } else {
                0.0
            };
            Stance {
                source,
                target,
                polarity: (polarity * 1000.0).round() / 1000.0,
                evidence: acc.evidence,
            }
        })
        .collect()
}
