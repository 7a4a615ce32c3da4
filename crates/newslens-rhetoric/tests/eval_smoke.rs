//! End-to-end check of the evaluation path on a few training articles (skipped without data):
//! predictions come back in code points, inside their articles, and score sensibly.

use std::collections::BTreeMap;

use newslens_eval::{ptc, semeval23};
use newslens_rhetoric::{data::shared_data_root, evaluate, RhetoricModel};

#[test]
fn ptc_and_semeval23_paths_work_on_train_articles() {
    let dir = shared_data_root().join("semeval2020-task11-ptc");
    let Ok(all) = ptc::read_articles(&dir.join("train-articles")) else {
        eprintln!("SKIPPED: {} not found", dir.display());
        return;
    };
    let arts: BTreeMap<String, String> = all.into_iter().take(20).collect();
    let gold: Vec<ptc::LabelledSpan> = ptc::read_labels(&dir.join("train-task2-TC.labels"))
        .expect("labels")
        .into_iter()
        .filter(|g| arts.contains_key(&g.article))
        .collect();
    let m = RhetoricModel::embedded().expect("model");
    let pred = evaluate::predict_spans(m, &arts);
    assert!(!pred.is_empty());
    for p in &pred {
        let n = arts[&p.article].chars().count();
        assert!(p.start < p.end && p.end <= n, "{p:?}");
    }
    // Seen articles: the models should fit them well (a broken offset path would score ~0).
    let si = ptc::score_si(&pred, &gold);
    assert!(si.f1 > 0.4, "{si:?}");
    let labels = evaluate::predict_tc(m, &arts, &gold);
    assert_eq!(labels.len(), gold.len());
    assert!(ptc::score_tc(&labels, &gold).micro_f1 > 0.6);

    let d23 = shared_data_root().join("semeval2023-task3-en");
    let arts23 = ptc::read_articles(&d23.join("train-articles-subtask-3")).expect("articles");
    let rows: Vec<semeval23::Example> =
        semeval23::read_labels(&d23.join("train-labels-subtask-3.txt"), 3)
            .expect("labels")
            .into_iter()
            .take(200)
            .collect();
    let pred = evaluate::predict_s23(m, &arts23, &rows, 3);
    let gold: Vec<Vec<String>> = rows.iter().map(|r| r.labels.clone()).collect();
    let s = semeval23::score(&pred, &gold, &semeval23::TECHNIQUES);
    assert!(s.micro_f1 > 0.3, "{s:?}");
}
