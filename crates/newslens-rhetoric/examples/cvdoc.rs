//! Development helper: CV of genre and roles with settings from the command line.
use newslens_rhetoric::{data, train};

fn main() {
    let root = data::shared_data_root();
    let arg = |i: usize, d: f32| -> f32 {
        std::env::args()
            .nth(i)
            .and_then(|s| s.parse().ok())
            .unwrap_or(d)
    };
    let what = std::env::args().nth(1).unwrap_or_default();
    let (e, lr) = (arg(2, 10.0) as usize, arg(3, 0.1));
    if what == "genre" {
        let docs = data::load_s23_doc(&root, 1).expect("data");
        let g = newslens_eval::semeval23::GENRES;
        for (_, mi, ma, _) in train::cv_doc(&docs, &g, false, &[0.0], e, lr) {
            println!("genre micro {mi:.4} macro {ma:.4}");
        }
    } else if what == "frames" {
        let docs = data::load_s23_doc(&root, 2).expect("data");
        let g = newslens_eval::semeval23::FRAMES;
        for (t, mi, ma, _) in train::cv_doc(&docs, &g, true, &[0.3, 0.35, 0.4], e, lr) {
            println!("frames t={t} micro {mi:.4} macro {ma:.4}");
        }
    } else if what == "para" {
        let raw = data::load_s23_paragraphs(&root).expect("data");
        let sp = data::load_s23_spans(&root).expect("data");
        let ptc = train::load_ptc(&root).expect("data");
        let mut rows = train::para_rows(&raw);
        train::oof_evidence(&ptc, &sp, &raw, &mut rows, &train::Tuned::default());
        for (e, lr) in [(e, lr), (3, 0.1), (5, 0.05), (5, 0.1), (8, 0.05), (2, 0.05)] {
            for (t, mi, ma) in train::cv_para(&raw, &rows, &sp, &[0.15, 0.2, 0.25], e, lr) {
                println!("para e={e} lr={lr} t={t} micro {mi:.4} macro {ma:.4}");
            }
        }
    } else {
        let (docs, roles) = data::load_s25(&root).expect("data");
        let r = train::cv_roles(&docs, &roles, e, lr);
        println!("roles {r:?}");
    }
}
