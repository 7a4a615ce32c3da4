//! Development helper: token probabilities (and most likely technique) of the sentences of a
//! text file that contain one of the given words, and the decoded spans.
use newslens_rhetoric::{data::line_sentences, prep::Prepared, RhetoricModel};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let text = std::fs::read_to_string(&args[1]).expect("file");
    let owned = std::env::var("MODELS")
        .ok()
        .map(|d| RhetoricModel::from_dir(std::path::Path::new(&d)).expect("models"));
    let m = owned
        .as_ref()
        .unwrap_or_else(|| RhetoricModel::embedded().expect("model"));
    let p = Prepared::new(&text, &line_sentences(&text));
    let (probs, cls) = m.si.pass1(&p);
    for ((s, pr), cl) in p.sents.iter().zip(&probs).zip(&cls) {
        if args[2..]
            .iter()
            .any(|w| s.toks.iter().any(|t| &t.lower == w))
        {
            for ((t, x), c) in s.toks.iter().zip(pr).zip(cl) {
                print!("{}:{:.2}/{} ", t.lower, x, c);
            }
            println!();
        }
    }
    let phrases: Vec<newslens_core::Span> = args[2..]
        .iter()
        .filter_map(|ph| {
            text.find(ph.as_str())
                .map(|s| newslens_core::Span::new(s, s + ph.len()))
        })
        .collect();
    for (sp, pr) in phrases.iter().zip(m.tc.classify(&p, &phrases)) {
        let mut v: Vec<(f32, &String)> = pr.iter().cloned().zip(&m.tc.labels).collect();
        v.sort_by(|a, b| b.0.total_cmp(&a.0));
        println!("TC {:?} {:?}", sp.text(&text), &v[..3]);
    }
    let sc = m.si.scores(&p);
    for (si, a, b, q) in &sc.chunks {
        let s = &p.sents[*si];
        let t = &text[s.toks[*a].start..s.toks[*b].end];
        if *q >= 0.2 {
            println!("chunk {t:?} {q:.2}");
        }
    }
    for sp in m.si.predict(&p) {
        println!("{:?} {:.2} {}", sp.span.text(&text), sp.score, sp.nested);
    }
}
