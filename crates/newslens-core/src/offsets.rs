//! Conversion between byte offsets (used inside Rust) and Unicode code point offsets (used in JSON,
//! so that Python's `text[start:end]` returns the span, as in the SemEval data sets).

/// Sampling interval of the checkpoint tables; a lookup scans at most this many bytes or chars.
const STEP: usize = 64;
const _: () = assert!(
    STEP < 256,
    "to_char sums a block's character starts in a u8"
);

/// Maps byte offsets to code point offsets and back for one text.
///
/// Pure ASCII texts (the common case for English news) take a zero-cost identity path; others keep
/// a checkpoint every 64 bytes/chars, so building the map is O(n) and each lookup O(64).
#[derive(Debug, Clone)]
pub struct OffsetMap {
    ascii: bool,
    len_bytes: usize,
    len_chars: usize,
    /// `char_at_block[i]` = number of chars before byte `i * STEP` (or before the next char boundary).
    char_at_block: Vec<usize>,
    /// `byte_at_char_block[i]` = byte offset of char `i * STEP`.
    byte_at_char_block: Vec<usize>,
    bytes: Vec<u8>,
}

impl OffsetMap {
    /// Builds the map for `text`.
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        if text.is_ascii() {
            return Self {
                ascii: true,
                len_bytes: bytes.len(),
                len_chars: bytes.len(),
                char_at_block: Vec::new(),
                byte_at_char_block: Vec::new(),
                bytes: Vec::new(),
            };
        }
        let mut char_at_block = Vec::with_capacity(bytes.len() / STEP + 1);
        let mut byte_at_char_block = Vec::with_capacity(bytes.len() / STEP + 1);
        let mut chars = 0usize;
        for (i, &b) in bytes.iter().enumerate() {
            if i.is_multiple_of(STEP) {
                char_at_block.push(chars);
            }
            if !is_continuation(b) {
                if chars.is_multiple_of(STEP) {
                    byte_at_char_block.push(i);
                }
                chars += 1;
            }
        }
        Self {
            ascii: false,
            len_bytes: bytes.len(),
            len_chars: chars,
            char_at_block,
            byte_at_char_block,
            bytes: bytes.to_vec(),
        }
    }

    /// Length of the text in code points.
    pub fn len_chars(&self) -> usize {
        self.len_chars
    }

    /// Code point offset of byte offset `byte` (clamped to the text; a byte inside a character maps
    /// to that character's index).
    pub fn to_char(&self, byte: usize) -> usize {
        if self.ascii {
            return byte.min(self.len_bytes);
        }
        if byte >= self.len_bytes {
            return self.len_chars;
        }
        let block = byte / STEP;
        // Summed in a byte (fewer than `STEP` < 256 bytes), which the compiler vectorises 16
        // bytes at a time: this runs twice for every span an analysis writes, and a byte-at-a-
        // time loop was 0.9 % of an ingest's instructions.
        let starts = self.bytes[block * STEP..byte]
            .iter()
            .fold(0u8, |n, &b| n + u8::from(!is_continuation(b)));
        let mut chars = self.char_at_block[block] + usize::from(starts);
        // A byte inside a multi-byte char counts the char it belongs to, not the next one.
        if is_continuation(self.bytes[byte]) && chars > 0 {
            chars -= 1;
        }
        chars
    }

    /// Byte offset of code point offset `ch` (clamped to the text).
    pub fn to_byte(&self, ch: usize) -> usize {
        if self.ascii {
            return ch.min(self.len_bytes);
        }
        if ch >= self.len_chars {
            return self.len_bytes;
        }
        let block = ch / STEP;
        let mut byte = self.byte_at_char_block[block];
        let mut remaining = ch - block * STEP;
        while remaining > 0 {
            byte += 1;
            while byte < self.len_bytes && is_continuation(self.bytes[byte]) {
                byte += 1;
            }
            remaining -= 1;
        }
        byte
    }
}

#[inline]
fn is_continuation(b: u8) -> bool {
    (b & 0b1100_0000) == 0b1000_0000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_boundary_in_mixed_text() {
        let text = "Путин said “hello” 👋🏽 to Kim — naïve café. ".repeat(20);
        let map = OffsetMap::new(&text);
        for (ci, (bi, _)) in text.char_indices().enumerate() {
            assert_eq!(map.to_char(bi), ci, "byte {bi}");
            assert_eq!(map.to_byte(ci), bi, "char {ci}");
        }
        assert_eq!(map.to_char(text.len()), text.chars().count());
        assert_eq!(map.to_byte(text.chars().count()), text.len());
    }

    /// Every byte offset, boundaries and bytes inside characters alike, against the definition:
    /// the number of characters that start before it, less one inside a character.
    #[test]
    fn to_char_of_every_byte_matches_the_definition() {
        let text = "Путин said “hello” 👋🏽 to Kim — naïve café. ".repeat(9);
        let map = OffsetMap::new(&text);
        let bytes = text.as_bytes();
        for b in 0..=text.len() {
            let starts = bytes[..b].iter().filter(|&&x| !is_continuation(x)).count();
            let inside = b < text.len() && !text.is_char_boundary(b);
            assert_eq!(map.to_char(b), starts - usize::from(inside), "byte {b}");
        }
        assert_eq!(map.to_char(text.len() + 7), text.chars().count());
    }

    #[test]
    fn ascii_is_identity() {
        let map = OffsetMap::new("plain text");
        assert_eq!(map.to_char(5), 5);
        assert_eq!(map.to_byte(5), 5);
        assert_eq!(map.to_char(500), 10);
    }
}
