//! Fuzz target: the streaming JSON Lines reader never panics and keeps going after bad lines.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newslens_core::Analysis;
use newslens_ingest::{JsonlReader, ReadOptions};

fuzz_target!(|data: &[u8]| {
    let opts = ReadOptions { max_bytes: 4096 };
    for doc in JsonlReader::new(data, "fuzz.jsonl".into(), "fuzz".into(), opts).flatten() {
        let mut a = Analysis::new(doc);
        newslens_text::segment(&mut a);
        a.validate().expect("span invariants hold");
    }
});
