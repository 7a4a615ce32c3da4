//! Fuzz target: the reader chosen for "notes.txt" never panics, and every document it returns keeps the
//! span invariants after segmentation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newslens_core::Analysis;

fuzz_target!(|data: &[u8]| {
    for doc in newslens_ingest::read_bytes(data, "notes.txt", "fuzz").into_iter().flatten() {
        let mut a = Analysis::new(doc);
        newslens_text::segment(&mut a);
        a.validate().expect("span invariants hold");
        a.to_json_value().expect("serialises");
    }
});
