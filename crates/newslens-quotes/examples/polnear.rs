//! Train or evaluate the quotes stage on PolNeAR without the CLI:
//! `cargo run --release -p newslens-quotes --example polnear -- train TRAIN DEV OUT`
//! `cargo run --release -p newslens-quotes --example polnear -- eval DIR [MODEL]`

use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("train") if args.len() >= 4 => {
            let t = newslens_quotes::train::train(
                Path::new(&args[1]),
                Some(Path::new(&args[2])),
                &mut |m| eprintln!("{m}"),
            )?;
            std::fs::write(&args[3], t.model.to_bytes()?)?;
            std::fs::write("resources/quotes/cue-lexicon.tsv", &t.lexicon_tsv)?;
            if let Some(r) = t.dev {
                println!("{}", r.table());
            }
        }
        Some("eval") if args.len() >= 2 => {
            let stage = match args.get(2) {
                Some(m) => newslens_quotes::QuoteStage::from_path(Path::new(m))?,
                None => newslens_quotes::QuoteStage::new(),
            };
            let r = newslens_quotes::train::evaluate(&stage, Path::new(&args[1]), &[])?;
            println!("{}", r.table());
        }
        _ => eprintln!("usage: polnear train TRAIN DEV OUT | polnear eval DIR [MODEL]"),
    }
    Ok(())
}
