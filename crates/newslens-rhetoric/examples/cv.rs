//! Development helper: cross-validation of SI and TC with settings from the command line.
use newslens_rhetoric::{
    data,
    si::{DecodeConfig, SiConfig},
    tc::TcConfig,
    train,
};

fn main() {
    let root = data::shared_data_root();
    let docs = train::load_ptc(&root).expect("data");
    let what = std::env::args().nth(1).unwrap_or_else(|| "si".into());
    let arg = |i: usize, d: f32| -> f32 {
        std::env::args()
            .nth(i)
            .and_then(|s| s.parse().ok())
            .unwrap_or(d)
    };
    let t0 = std::time::Instant::now();
    if what == "si" {
        let cfg = SiConfig {
            epochs: arg(2, 5.0) as usize,
            lr: arg(3, 0.05),
            bits: arg(4, 18.0) as u32,
            ..SiConfig::default()
        };
        let mut grid = Vec::new();
        for t in [0.1, 0.15] {
            for pk in [0.4, 0.45, 0.5] {
                for cn in [0.5, 0.6, 0.7, 0.8, 2.0] {
                    grid.push(DecodeConfig {
                        threshold: t,
                        min_peak: pk,
                        chunk_level: 0.4,
                        chunk_new: cn,
                    });
                }
            }
        }
        for (c, s) in train::cv_si(&docs, &cfg, &grid) {
            println!(
                "t={:.2} peak={:.2} new={:.2} P={:.4} R={:.4} F1={:.4}",
                c.threshold, c.min_peak, c.chunk_new, s.precision, s.recall, s.f1
            );
        }
    } else {
        let cfg = TcConfig {
            epochs: arg(2, 8.0) as usize,
            lr: arg(3, 0.1),
            ..TcConfig::default()
        };
        let s = train::cv_tc(&docs, &cfg);
        println!("TC micro-F1 {:.4}", s.micro_f1);
        for (k, v) in &s.per_technique {
            println!("  {k}: {v:.3}");
        }
    }
    eprintln!("{:?}", t0.elapsed());
}
