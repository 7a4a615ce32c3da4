//! `cargo run --release -p newslens-rhetoric --example train [-- --cv] [OUT]`: trains every
//! rhetoric model (same as `newslens train rhetoric`).
fn main() {
    let cv = std::env::args().any(|a| a == "--cv");
    let out = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .unwrap_or_else(|| "models".into());
    let root = newslens_rhetoric::data::shared_data_root();
    let t0 = std::time::Instant::now();
    let (m, _) = newslens_rhetoric::train::train_all(&root, cv).expect("training failed");
    m.save(std::path::Path::new(&out)).expect("save");
    eprintln!("trained in {:?}", t0.elapsed());
}
