//! Cheap checks on token text.

/// `(s.is_ascii(), s has an ASCII upper-case letter)`, a word at a time: the stages that look
/// words up lower-cased check every token once, and a byte loop was most of the cost of
/// lower-casing the ones already lower case (quotes and events use it).
/// For ASCII bytes `b`, `b + 0x3f` has its high bit set iff `b >= b'A'` and `b + 0x25` iff
/// `b > b'Z'` (no carry crosses a byte below 0x80).
#[inline]
pub fn ascii_and_upper(s: &str) -> (bool, bool) {
    const HI: u64 = 0x8080_8080_8080_8080;
    let upper64 = |w: u64| {
        w.wrapping_add(0x3f3f_3f3f_3f3f_3f3f) & !w.wrapping_add(0x2525_2525_2525_2525) & HI != 0
    };
    let b = s.as_bytes();
    let n = b.len();
    let word = |i: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[i..i + 8]);
        u64::from_le_bytes(w)
    };
    let half = |i: usize| u64::from(u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]));
    // Words covering every byte (the last one overlapping the previous when n is no multiple).
    let (mut any_hi, mut upper) = (0u64, false);
    if n >= 8 {
        let mut i = 0;
        while i + 8 <= n {
            let w = word(i);
            any_hi |= w;
            upper |= upper64(w);
            i += 8;
        }
        let w = word(n - 8);
        any_hi |= w;
        upper |= upper64(w);
    } else if n >= 4 {
        let w = half(0) | (half(n - 4) << 32);
        any_hi |= w;
        upper |= upper64(w);
    } else {
        for &c in b {
            any_hi |= u64::from(c);
            upper |= c.is_ascii_uppercase();
        }
    }
    if any_hi & HI != 0 {
        return (false, false);
    }
    (true, upper)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_and_upper_matches_the_byte_loop() {
        // The letters' ASCII neighbours ('@', '[', '`', '{') test the range arithmetic.
        let alphabet = [
            "a", "Z", "A", "z", "@", "[", "`", "{", "0", " ", "é", "’", "\u{7f}", "Σ",
        ];
        let mut x: u64 = 7;
        for len in 0..40 {
            for _ in 0..200 {
                let mut s = String::new();
                for _ in 0..len {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let k = (x >> 33) as usize % (alphabet.len() * 4);
                    s.push_str(
                        alphabet
                            .get(k)
                            .copied()
                            .unwrap_or(["b", "Q", "m", "."][k % 4]),
                    );
                }
                let ascii = s.is_ascii();
                let upper = ascii && s.bytes().any(|b| b.is_ascii_uppercase());
                assert_eq!(ascii_and_upper(&s), (ascii, upper), "{s:?}");
            }
        }
    }
}
