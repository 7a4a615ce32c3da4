//! Development helper: TC probabilities of given phrases of a text file.
use newslens_core::Span;
use newslens_rhetoric::{data::line_sentences, prep::Prepared, RhetoricModel};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let text = std::fs::read_to_string(&args[1]).expect("file");
    let m = RhetoricModel::embedded().expect("model");
    let p = Prepared::new(&text, &line_sentences(&text));
    let mut spans = Vec::new();
    for ph in &args[2..] {
        if let Some(s) = text.find(ph.as_str()) {
            spans.push(Span::new(s, s + ph.len()));
        }
    }
    for (sp, pr) in spans.iter().zip(m.tc.classify(&p, &spans)) {
        let mut v: Vec<(f32, &String)> = pr.iter().cloned().zip(&m.tc.labels).collect();
        v.sort_by(|a, b| b.0.total_cmp(&a.0));
        println!("{:?} {:?}", sp.text(&text), &v[..3]);
    }
    let probs = m.si.token_probs(&p);
    for (s, pr) in p.sents.iter().zip(&probs) {
        if s.toks.iter().any(|t| t.lower == "neo-colonial") {
            for (t, x) in s.toks.iter().zip(pr) {
                print!("{}:{:.2} ", t.lower, x);
            }
            println!();
        }
    }
}
