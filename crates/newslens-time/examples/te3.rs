//! Tuning helper: `cargo run --release -p newslens-time --example te3 -- DIR [--errors] [--segment]`.
//! Prints TempEval-3 Task A figures for a folder of TimeML files and, with `--errors`, every
//! missed, spurious or wrongly valued expression.

use newslens_eval::timeml::{self, Counts, SystemTimex};
use newslens_time::TimeStage;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = args.first().expect("usage: te3 DIR [--errors]");
    let show = args.iter().any(|a| a == "--errors");
    let seg = args.iter().any(|a| a == "--segment");
    let docs = timeml::read_dir(std::path::Path::new(dir)).expect("read");
    let stage = TimeStage::new();
    let mut counts = Counts::default();
    for d in &docs {
        let dct = d.dct.as_deref().and_then(|s| {
            chrono::NaiveDate::parse_from_str(&s[..10.min(s.len())], "%Y-%m-%d").ok()
        });
        let sentences: Vec<newslens_core::Span> = if seg {
            let mut a = newslens_core::Analysis::new(newslens_core::Document::from_text(
                "x",
                d.text.clone(),
            ));
            newslens_text::segment(&mut a);
            a.sentences.iter().map(|s| s.span).collect()
        } else {
            Vec::new()
        };
        let sys: Vec<SystemTimex> = stage
            .extract(&d.text, dct, &sentences)
            .into_iter()
            .map(|t| SystemTimex {
                start: t.span.start,
                end: t.span.end,
                timex_type: format!("{:?}", t.timex_type).to_uppercase(),
                value: format!("{}\t{}", t.value.unwrap_or_default(), t.rule),
            })
            .collect();
        let plain: Vec<SystemTimex> = sys
            .iter()
            .map(|s| SystemTimex {
                value: s.value.split('\t').next().unwrap_or("").to_string(),
                ..s.clone()
            })
            .collect();
        counts.add(&d.timexes, &plain);
        if show {
            let pairs = timeml::match_relaxed(&d.timexes, &plain);
            let ctx = |s: usize, e: usize| {
                let a = d.text.floor_char_boundary(s.saturating_sub(50));
                let b = d.text.ceil_char_boundary((e + 30).min(d.text.len()));
                d.text[a..b].replace('\n', " ")
            };
            for (gi, g) in d.timexes.iter().enumerate() {
                match pairs.iter().find(|p| p.0 == gi) {
                    None => println!(
                        "MISS\t{}\t{}\t{}\t{:?}\t|{}",
                        d.id,
                        g.timex_type,
                        g.value,
                        &d.text[g.start..g.end],
                        ctx(g.start, g.end)
                    ),
                    Some(&(_, si)) => {
                        let s = &sys[si];
                        if (s.start, s.end) != (g.start, g.end) {
                            println!(
                                "SPAN\t{}\t{:?}\t{:?}",
                                d.id,
                                &d.text[g.start..g.end],
                                &d.text[s.start..s.end]
                            );
                        }
                        if s.timex_type != g.timex_type {
                            println!(
                                "TYPE\t{}\t{} {}\tgot {} {}\t{:?} / {:?}",
                                d.id,
                                g.timex_type,
                                g.value,
                                s.timex_type,
                                s.value,
                                &d.text[g.start..g.end],
                                &d.text[s.start..s.end]
                            );
                        }
                        if plain[si].value != g.value {
                            println!(
                                "VAL\t{}\t{} {}\tgot {}\t{:?} / {:?}\tdct {:?}\t|{}",
                                d.id,
                                g.timex_type,
                                g.value,
                                s.value,
                                &d.text[g.start..g.end],
                                &d.text[s.start..s.end],
                                d.dct,
                                ctx(g.start, g.end)
                            );
                        }
                    }
                }
            }
            for (si, s) in sys.iter().enumerate() {
                if !pairs.iter().any(|p| p.1 == si) {
                    println!(
                        "SPUR\t{}\t{}\t{}\t{:?}\t|{}",
                        d.id,
                        s.timex_type,
                        s.value,
                        &d.text[s.start..s.end],
                        ctx(s.start, s.end)
                    );
                }
            }
        }
    }
    let s = counts.scores();
    println!("docs {} gold {} sys {} | strict F1 {:.3} | relaxed P {:.3} R {:.3} F1 {:.3} | type F1 {:.3} | value F1 {:.3}",
        docs.len(), counts.gold, counts.system, s.strict.f1, s.relaxed.precision, s.relaxed.recall, s.relaxed.f1, s.type_attr.f1, s.value_attr.f1);
}
