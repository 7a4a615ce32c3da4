//! Prints embeddings of the arguments (first 8 values) and the throughput on generated
//! sentences: `cargo run --release -p newslens-embed --example embed -- [TEXT...]`.

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emb = newslens_embed::Embedder::from_env(None)?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    for (t, v) in refs.iter().zip(emb.embed(&refs)?) {
        println!("{t:?}: {:?}", &v[..8]);
    }
    // Throughput on news-like sentences (about 25 word pieces) and paragraphs (about 90).
    let sent = "The minister said on Tuesday that the new sanctions would hurt ordinary families \
                more than the government they are meant to punish.";
    let sents: Vec<String> = (0..256).map(|i| format!("{sent} ({i})")).collect();
    let paras: Vec<String> = (0..128)
        .map(|i| format!("{sent} {sent} {sent} ({i})"))
        .collect();
    for (name, texts) in [("sentences", &sents), ("paragraphs", &paras)] {
        let r: Vec<&str> = texts.iter().map(String::as_str).collect();
        let t0 = Instant::now();
        emb.embed(&r)?;
        let s = t0.elapsed().as_secs_f64();
        println!(
            "{} {name}: {:.1} s, {:.1} per second",
            r.len(),
            s,
            r.len() as f64 / s
        );
    }
    Ok(())
}
