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
        if std::env::var("CUEDIAG").is_ok() {
            let v = newslens_quotes::view::View::new(&a);
            let m = stage.model();
            let cands = m.candidates(&v);
            let acc = m.cues(&v);
            let pc = pred.get(&Role::Cue).unwrap_or(&empty);
            for g in &art.spans[&Role::Cue] {
                if pc.contains(g) {
                    *fnc.entry("found".into()).or_default() += 1;
                    continue;
                }
                let is = |c: &newslens_quotes::model::Candidate| {
                    let sp = v.span(c.first, c.last);
                    (sp.start, sp.end) == *g
                };
                let in_q = v
                    .toks
                    .iter()
                    .position(|t| t.span.start == g.0)
                    .is_some_and(|k| v.region_of[k].is_some());
                let k = if acc.iter().any(|(c, _)| is(c)) {
                    if in_q {
                        "accepted, dropped (in quote)"
                    } else {
                        "accepted, dropped"
                    }
                } else if cands.iter().any(is) {
                    "candidate rejected"
                } else {
                    "not a candidate"
                };
                if std::env::var("CUEDIAG").is_ok_and(|w| w == "2") && k == "not a candidate" {
                    println!("NC {:?}", art.text[g.0..g.1].to_lowercase());
                }
                *fnc.entry(k.into()).or_default() += 1;
            }
            continue;
        }
        if std::env::var("ATTR").is_ok() {
            // Gold attributions whose cue was found: is the content right?
            let pc = pred.get(&Role::Cue).unwrap_or(&empty);
            let pk = pred.get(&Role::Content).unwrap_or(&empty);
            let ps = pred.get(&Role::Source).unwrap_or(&empty);
            for at in &art.attributions {
                let Some(cue) = at.cue.first() else { continue };
                if !pc.contains(&(cue.start, cue.end)) {
                    continue;
                }
                let c_ok = at.content.iter().all(|c| pk.contains(&(c.start, c.end)));
                let s_ok = at.source.iter().all(|c| ps.contains(&(c.start, c.end)));
                *fnc.entry(format!("content_ok={c_ok} source_ok={s_ok}"))
                    .or_default() += 1;
                let want = std::env::var("ATTR").unwrap();
                if (want == "content" && !c_ok) || (want == "source" && !s_ok) {
                    let ctx_a = at
                        .content
                        .iter()
                        .chain(&at.source)
                        .chain(&at.cue)
                        .map(|s| s.start)
                        .min()
                        .unwrap_or(0);
                    let ctx_b = at
                        .content
                        .iter()
                        .chain(&at.source)
                        .chain(&at.cue)
                        .map(|s| s.end)
                        .max()
                        .unwrap_or(0);
                    println!("CTX {:?}", &art.text[ctx_a..ctx_b]);
                    println!(
                        "  cue {:?} gold content {:?} source {:?}",
                        &art.text[cue.start..cue.end],
                        at.content
                            .iter()
                            .map(|s| &art.text[s.start..s.end])
                            .collect::<Vec<_>>(),
                        at.source
                            .iter()
                            .map(|s| &art.text[s.start..s.end])
                            .collect::<Vec<_>>()
                    );
                    let near: Vec<_> = pk
                        .iter()
                        .filter(|x| at.content.iter().any(|c| x.0 < c.end && c.start < x.1))
                        .map(|x| &art.text[x.0..x.1])
                        .collect();
                    let nears: Vec<_> = ps
                        .iter()
                        .filter(|x| x.0 < ctx_b && ctx_a < x.1)
                        .map(|x| &art.text[x.0..x.1])
                        .collect();
                    println!("  pred content {near:?} sources {nears:?}");
                }
            }
            continue;
        }
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
                let (a, b) = (s.0.saturating_sub(100), (s.1 + 100).min(art.text.len()));
                let (a, b) = (
                    (0..=a)
                        .rev()
                        .find(|&i| art.text.is_char_boundary(i))
                        .unwrap_or(0),
                    (b..=art.text.len())
                        .find(|&i| art.text.is_char_boundary(i))
                        .unwrap_or(b),
                );
                println!(
                    "FN {:?}\n   pred {:?}\n   ctx {:?}",
                    &art.text[s.0..s.1],
                    near,
                    &art.text[a..b]
                );
            }
            *fnc.entry(t).or_default() += 1;
        }
        for s in p.difference(g) {
            if let Some(x) = g.iter().find(|x| x.0 < s.1 && s.0 < x.1) {
                let k = match (x.0 == s.0, x.1 == s.1) {
                    (true, false) => "<start ok, end wrong>",
                    (false, true) => "<start wrong, end ok>",
                    _ => "<both wrong>",
                };
                *fpc.entry(k.to_string()).or_default() += 1;
                if std::env::var("KIND").is_ok_and(|w| w == k) {
                    println!(
                        "PRED {:?}\nGOLD {:?}\n",
                        &art.text[s.0..s.1],
                        &art.text[x.0..x.1]
                    );
                }
            }
            let t = art.text[s.0..s.1].to_lowercase();
            if show {
                let near: Vec<_> = g
                    .iter()
                    .filter(|x| x.0 < s.1 && s.0 < x.1)
                    .map(|x| &art.text[x.0..x.1])
                    .collect();
                let (a, b) = (
                    art.text.floor_char_boundary(s.0.saturating_sub(120)),
                    art.text.ceil_char_boundary((s.1 + 120).min(art.text.len())),
                );
                println!(
                    "FP {:?}\n   gold {:?}\n   ctx {:?}",
                    &art.text[s.0..s.1],
                    near,
                    &art.text[a..b]
                );
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
