//! Error analysis on a PolNeAR split: `cargo run --release -p newslens-quotes --example errors -- DIR ROLE`.

use std::collections::HashMap;
use std::path::Path;

use newslens_eval::polnear::{read_split, Role};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let role = match args.get(1).map(String::as_str) {
        Some("source") => Role::Source,
        Some("content") => Role::Content,
        _ => Role::Cue,
    };
    let stage = newslens_quotes::QuoteStage::new();
    let arts = read_split(Path::new(&args[0]))?;
    let mut fnc: HashMap<String, usize> = HashMap::new();
    let mut fpc: HashMap<String, usize> = HashMap::new();
    let show = args.get(2).is_some();
    for art in &arts {
        let a = newslens_quotes::train::prepare(art, &[]);
        let pred = newslens_quotes::train::predicted_spans(&stage, &a);
        let empty = Default::default();
        let p = pred.get(&role).unwrap_or(&empty);
        let g = &art.spans[&role];
        for s in g.difference(p) {
            let t = art.text[s.0..s.1].to_lowercase();
            if show {
                let near: Vec<_> = p
                    .iter()
                    .filter(|x| x.0 < s.1 && s.0 < x.1)
                    .map(|x| &art.text[x.0..x.1])
                    .collect();
                println!("FN {:?}\n   pred {:?}", &art.text[s.0..s.1], near);
            }
            *fnc.entry(t).or_default() += 1;
        }
        for s in p.difference(g) {
            let t = art.text[s.0..s.1].to_lowercase();
            if show {
                let near: Vec<_> = g
                    .iter()
                    .filter(|x| x.0 < s.1 && s.0 < x.1)
                    .map(|x| &art.text[x.0..x.1])
                    .collect();
                println!("FP {:?}\n   gold {:?}", &art.text[s.0..s.1], near);
            }
            *fpc.entry(t).or_default() += 1;
        }
    }
    if !show {
        let mut v: Vec<_> = fnc.into_iter().collect();
        v.sort_by_key(|e| std::cmp::Reverse(e.1));
        println!("FN: {:?}", &v[..v.len().min(60)]);
        let mut v: Vec<_> = fpc.into_iter().collect();
        v.sort_by_key(|e| std::cmp::Reverse(e.1));
        println!("FP: {:?}", &v[..v.len().min(60)]);
    }
    Ok(())
}
