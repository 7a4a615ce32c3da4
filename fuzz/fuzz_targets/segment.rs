//! Fuzz target: segmentation of arbitrary text never panics and yields valid spans.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newslens_core::{Analysis, Document};

fuzz_target!(|text: &str| {
    let mut a = Analysis::new(Document::from_text("fuzz", text));
    newslens_text::segment(&mut a);
    a.validate().expect("span invariants hold");
});
