//! Training and evaluation on PolNeAR (`newslens train quotes`, `newslens eval quotes`).
//!
//! Training is deterministic: the lexicon is counted from the training split, the cue classifier
//! is an averaged perceptron trained for a fixed number of epochs over candidates shuffled with a
//! fixed seed, and the acceptance threshold is chosen on the dev split.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use newslens_core::layers::quotes::QuoteKind;
use newslens_core::{Analysis, Annotator, Document};
use newslens_eval::polnear::{self, Article, Report, Role, Scorer};
use newslens_learn::hash::SplitMix64;
use newslens_learn::multiclass::ClassifierTrainer;

use crate::model::{self, CueEntry, Model};
use crate::view::View;
use crate::{seed_entries, QuoteError, QuoteStage};

/// Builds the analysis the stage sees for a PolNeAR text: segmentation, then `extra` stages
/// (e.g. entities) if given.
pub fn prepare(article: &Article, extra: &[&dyn Annotator]) -> Analysis {
    let mut a = Analysis::new(Document::from_text(
        article.name.clone(),
        article.text.clone(),
    ));
    newslens_text::segment(&mut a);
    for s in extra {
        // A failing optional stage only loses speaker links; attribution spans do not need it.
        let _ = s.annotate(&mut a);
    }
    a
}

/// Predicted spans per role in PolNeAR convention (quote marks included in direct contents).
pub fn predicted_spans(
    stage: &QuoteStage,
    a: &Analysis,
) -> BTreeMap<Role, BTreeSet<(usize, usize)>> {
    let (layer, eval_content) = stage.compute(a);
    let mut out: BTreeMap<Role, BTreeSet<(usize, usize)>> = BTreeMap::new();
    for (q, content) in layer.quotes.iter().zip(&eval_content) {
        if q.kind == QuoteKind::Partial || q.cue.is_none() {
            continue;
        }
        if let Some(s) = q.source {
            out.entry(Role::Source)
                .or_default()
                .insert((s.start, s.end));
        }
        if let Some(c) = q.cue {
            out.entry(Role::Cue).or_default().insert((c.start, c.end));
        }
        for c in content {
            out.entry(Role::Content)
                .or_default()
                .insert((c.start, c.end));
        }
    }
    out
}

/// Scores the stage on prepared articles.
pub fn score(stage: &QuoteStage, articles: &[Article], analyses: &[Analysis]) -> Report {
    let mut scorer = Scorer::default();
    for (art, a) in articles.iter().zip(analyses) {
        scorer.add_article(art, &predicted_spans(stage, a));
    }
    scorer.report()
}

/// Reads a split and scores the stage on it.
pub fn evaluate(
    stage: &QuoteStage,
    dir: &Path,
    extra: &[&dyn Annotator],
) -> Result<Report, QuoteError> {
    let articles = polnear::read_split(dir)?;
    let analyses: Vec<Analysis> = articles.iter().map(|a| prepare(a, extra)).collect();
    Ok(score(stage, &articles, &analyses))
}

/// What training produced.
pub struct Trained {
    /// The model.
    pub model: Model,
    /// Dev scores with the chosen threshold, if a dev split was given.
    pub dev: Option<Report>,
    /// Lexicon as TSV (`form`, `gold`, `occurrences`), for `resources/quotes/cue-lexicon.tsv`.
    pub lexicon_tsv: String,
}

/// Minimum number of annotated occurrences for a cue form to enter the lexicon.
const MIN_GOLD: u32 = 2;
/// Number of perceptron epochs.
const EPOCHS: usize = 6;
/// Shuffling seed.
const SEED: u64 = 0x5155_4f54_4553;

/// Trains the lexicon and the cue classifier on `train`; tunes the threshold on `dev`.
pub fn train(
    train_dir: &Path,
    dev_dir: Option<&Path>,
    log: &mut dyn FnMut(&str),
) -> Result<Trained, QuoteError> {
    let articles = polnear::read_split(train_dir)?;
    log(&format!("read {} training articles", articles.len()));
    let analyses: Vec<Analysis> = articles.iter().map(|a| prepare(a, &[])).collect();

    // 1. Gold cue forms: the tokens exactly covering each gold cue fragment.
    let mut gold_forms: HashMap<String, u32> = HashMap::new();
    for (art, a) in articles.iter().zip(&analyses) {
        let v = View::new(a);
        for &(s, e) in &art.spans[&Role::Cue] {
            if let Some(form) = form_of(&v, s, e) {
                *gold_forms.entry(form).or_default() += 1;
            }
        }
    }
    let mut lexicon: Vec<CueEntry> = gold_forms
        .iter()
        .filter(|(f, n)| **n >= MIN_GOLD && f.split(' ').count() <= 5)
        .map(|(f, n)| CueEntry {
            form: f.clone(),
            gold: *n,
            occurrences: 0,
            seed: false,
        })
        .collect();
    for s in seed_entries() {
        if !lexicon.iter().any(|e| e.form == s.form) {
            let gold = gold_forms.get(&s.form).copied().unwrap_or(0);
            lexicon.push(CueEntry {
                form: s.form,
                gold,
                occurrences: 0,
                seed: true,
            });
        }
    }
    let seeds: BTreeSet<String> = seed_entries().into_iter().map(|e| e.form).collect();
    for e in lexicon.iter_mut() {
        e.seed = seeds.contains(&e.form);
    }
    lexicon.sort_by(|a, b| b.gold.cmp(&a.gold).then(a.form.cmp(&b.form)));
    // 2. Inflections of frequent cue verbs seen in the training text ("demanding" from
    //    "demanded"), so the lexicon generalises beyond the exact annotated forms.
    let heads: BTreeSet<String> = lexicon
        .iter()
        .filter(|e| e.gold >= 3 && !e.form.contains(' '))
        .map(|e| crate::lemma(&e.form))
        .collect();
    let mut known: BTreeSet<String> = lexicon.iter().map(|e| e.form.clone()).collect();
    let mut inflected: BTreeSet<String> = BTreeSet::new();
    for a in &analyses {
        let v = View::new(a);
        for i in 0..v.len() {
            let w: &str = &v.lw[i];
            if v.is_word(i)
                && w.chars().all(|c| c.is_alphabetic())
                && !known.contains(w)
                && heads.contains(&crate::lemma(w))
            {
                known.insert(w.to_string());
                inflected.insert(w.to_string());
                lexicon.push(CueEntry {
                    form: w.to_string(),
                    gold: gold_forms.get(w).copied().unwrap_or(0),
                    occurrences: 0,
                    seed: false,
                });
            }
        }
    }
    // 3. Occurrences of each form in the training text.
    let counter = Model::new(lexicon.clone(), None, 0.0);
    for a in &analyses {
        let v = View::new(a);
        for c in counter.candidates(&v) {
            lexicon[c.entry].occurrences += 1;
        }
    }
    // Lemma-level cue rates decide whether an unannotated inflection is worth a candidate.
    let mut lemma_rate: HashMap<String, (u32, u32)> = HashMap::new();
    for e in lexicon.iter().filter(|e| !e.form.contains(' ')) {
        let r = lemma_rate.entry(crate::lemma(&e.form)).or_default();
        r.0 += e.gold;
        r.1 += e.occurrences;
    }
    lexicon.retain(|e| {
        if e.seed || (e.gold as f32) >= 0.02 * e.occurrences as f32 && e.gold >= MIN_GOLD {
            return true;
        }
        inflected.contains(&e.form)
            && lemma_rate
                .get(&crate::lemma(&e.form))
                .is_some_and(|(g, o)| *g as f32 >= 0.1 * *o as f32)
    });
    log(&format!(
        "cue lexicon: {} forms ({} inflections)",
        lexicon.len(),
        lexicon
            .iter()
            .filter(|e| inflected.contains(&e.form))
            .count()
    ));
    // 4. Left-extension words: first words of annotated multi-word cues whose rest is a cue.
    let forms: BTreeSet<&str> = lexicon.iter().map(|e| e.form.as_str()).collect();
    let mut ext_count: HashMap<String, u32> = HashMap::new();
    for (f, n) in &gold_forms {
        if let Some((w, rest)) = f.split_once(' ') {
            if forms.contains(rest) && w.chars().all(|c| c.is_alphabetic() || c == '\'') {
                *ext_count.entry(w.to_string()).or_default() += n;
            }
        }
    }
    let mut ext_words: Vec<String> = ext_count
        .into_iter()
        .filter(|(_, n)| *n >= 3)
        .map(|(w, _)| w)
        .collect();
    ext_words.sort();
    log(&format!("left-extension words: {}", ext_words.join(" ")));
    let base = Model::new(lexicon.clone(), None, 0.0).with_ext(ext_words.clone());

    // 5. Candidate examples.
    let mut examples: Vec<(Vec<u32>, usize)> = Vec::new();
    for (art, a) in articles.iter().zip(&analyses) {
        let v = View::new(a);
        let gold = &art.spans[&Role::Cue];
        for c in base.candidates(&v) {
            let e = &base.lexicon[c.entry];
            let span = v.span(c.first, c.last);
            let y = gold.contains(&(span.start, span.end)) as usize;
            let mut f = Vec::new();
            model::features(&v, &c, e, e.seed && e.gold == 0, &mut f);
            examples.push((f, y));
            // Seed cues also teach the generic (form-free) features, so that seed verbs absent
            // from the training split ("complimented") are judged by their context.
            if e.seed && e.gold > 0 {
                let mut g = Vec::new();
                model::features(&v, &c, e, true, &mut g);
                examples.push((g, y));
            }
        }
    }
    log(&format!(
        "{} cue candidates, {} positive",
        examples.len(),
        examples.iter().filter(|e| e.1 == 1).count()
    ));
    let mut trainer = ClassifierTrainer::new(model::BITS, vec!["no".into(), "cue".into()]);
    let mut rng = SplitMix64::new(SEED);
    let mut order: Vec<usize> = (0..examples.len()).collect();
    for epoch in 0..EPOCHS {
        rng.shuffle(&mut order);
        let mut errors = 0;
        for &i in &order {
            let (f, y) = &examples[i];
            if trainer.learn(f, *y) != *y {
                errors += 1;
            }
        }
        log(&format!("epoch {}: {} training errors", epoch + 1, errors));
    }
    let classifier = trainer.model();

    // Source-start ranker: for gold attributions whose source ends right before the cue (the
    // subject), every possible start is an example; the gold start is the positive one.
    let mut src_examples: Vec<(Vec<u32>, usize)> = Vec::new();
    for (art, a) in articles.iter().zip(&analyses) {
        let v = View::new(a);
        for at in &art.attributions {
            let (Some(cue), [src]) = (at.cue.first(), at.source.as_slice()) else {
                continue;
            };
            let t0 = v.toks.partition_point(|t| t.span.start < cue.start);
            if t0 >= v.len() || v.toks[t0].span.start != cue.start {
                continue;
            }
            let ss = v.sent_range[v.sent_of[t0]].0;
            let (Some(e), Some(rule)) = (
                crate::extract::subject_end(&v, ss, t0),
                crate::extract::rule_start(&v, ss, t0),
            ) else {
                continue;
            };
            if v.toks[e].span.end != src.end {
                continue;
            }
            let cands: Vec<usize> = crate::extract::start_candidates(&v, ss, e).collect();
            if !cands.iter().any(|&k| v.toks[k].span.start == src.start) {
                continue;
            }
            for k in cands {
                let mut f = Vec::new();
                crate::extract::source_features(&v, ss, k, e, rule, &mut f);
                src_examples.push((f, (v.toks[k].span.start == src.start) as usize));
            }
        }
    }
    log(&format!("{} source-start candidates", src_examples.len()));
    let mut src_trainer = ClassifierTrainer::new(model::BITS, vec!["no".into(), "start".into()]);
    let mut order: Vec<usize> = (0..src_examples.len()).collect();
    for _ in 0..EPOCHS {
        rng.shuffle(&mut order);
        for &i in &order {
            let (f, y) = &src_examples[i];
            src_trainer.learn(f, *y);
        }
    }
    let mut model = Model::new(lexicon.clone(), Some(classifier), 0.0)
        .with_ext(ext_words.clone())
        .with_src(Some(src_trainer.model()));

    // 6. Threshold on dev: best mean exact F1 of source, cue and content.
    let mut dev_report = None;
    if let Some(dev) = dev_dir {
        let dev_articles = polnear::read_split(dev)?;
        let dev_analyses: Vec<Analysis> = dev_articles.iter().map(|a| prepare(a, &[])).collect();
        let mut best = (f64::MIN, 0.0f32, Report::default());
        for k in -8..=8 {
            let t = k as f32 * 2.0;
            model.threshold = t;
            let stage = QuoteStage::with_model(model.clone());
            let r = score(&stage, &dev_articles, &dev_analyses);
            let m = (r.exact.source.f1 + r.exact.cue.f1 + r.exact.content.f1) / 3.0;
            log(&format!(
                "threshold {t:>6.1}: source {:.3} cue {:.3} content {:.3}",
                r.exact.source.f1, r.exact.cue.f1, r.exact.content.f1
            ));
            if m > best.0 {
                best = (m, t, r);
            }
        }
        model.threshold = best.1;
        log(&format!("chosen threshold {:.1}", best.1));
        dev_report = Some(best.2);
    }
    let mut lexicon_tsv =
        String::from("# form\tgold\toccurrences  (PolNeAR train; newslens train quotes)\n");
    for e in &lexicon {
        lexicon_tsv.push_str(&format!("{}\t{}\t{}\n", e.form, e.gold, e.occurrences));
    }
    Ok(Trained {
        model,
        dev: dev_report,
        lexicon_tsv,
    })
}

/// Lowercased words of the tokens exactly covering `[s, e)`, if any.
fn form_of(v: &View, s: usize, e: usize) -> Option<String> {
    let first = v.toks.partition_point(|t| t.span.start < s);
    if first >= v.len() || v.toks[first].span.start != s || !v.is_word(first) {
        return None;
    }
    let mut k = first;
    let mut form = String::new();
    while k < v.len() && v.toks[k].span.end <= e {
        if !form.is_empty() {
            form.push(' ');
        }
        form.push_str(&v.lw[k]);
        if v.toks[k].span.end == e {
            return Some(form);
        }
        k += 1;
    }
    None
}
