//! A read-only view of the text layer tuned for attribution: lowercased words, sentence and
//! paragraph of each token, and quotation regions (paired double quote marks).

use std::borrow::Cow;

use newslens_core::layers::text::{Token, TokenKind};
use newslens_core::{Analysis, Span};
use newslens_text::ascii_and_upper;

/// A paired (or paragraph-terminated) double-quote region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// Token index of the opening mark.
    pub open: usize,
    /// Token index of the closing mark, `None` when the quote runs to the end of its paragraph.
    pub close: Option<usize>,
    /// Last token inside (exclusive end of the inner token range is `last + 1`).
    pub last: usize,
    /// From the opening mark to the closing mark (or paragraph end), bytes.
    pub outer: Span,
    /// Between the marks, bytes.
    pub inner: Span,
    /// Number of word tokens inside.
    pub words: usize,
}

/// Token-level view of an analysis.
pub struct View<'a> {
    /// Document text.
    pub text: &'a str,
    /// Tokens of the text layer.
    pub toks: &'a [Token],
    /// Lowercased token text (typographic apostrophes folded to `'`; double quote marks to `"`).
    /// Borrowed from the text when the token is already in that form (most tokens), so building
    /// the view allocates only for capitalised or non-ASCII words.
    pub lw: Vec<Cow<'a, str>>,
    /// Sentence id of each token.
    pub sent_of: Vec<usize>,
    /// Token range of each sentence.
    pub sent_range: Vec<(usize, usize)>,
    /// Paragraph key of each sentence (title sentences get their own key).
    pub para_of_sent: Vec<usize>,
    /// Quote regions in text order.
    pub regions: Vec<Region>,
    /// Region id containing each token (marks included).
    pub region_of: Vec<Option<usize>>,
    /// Whether each sentence has a token inside a quote region (a cue feature; computed once
    /// here instead of scanning the sentence for every cue candidate).
    pub sent_has_region: Vec<bool>,
}

/// `span.text(text)`, inlined: the view slices every token once or more (`Span::text` is an
/// out-of-line call from this crate).
#[inline]
fn span_text(text: &str, span: Span) -> &str {
    text.get(span.start..span.end).unwrap_or("")
}

/// Lower-cased text of a token with non-ASCII bytes, typographic apostrophes folded to `'`:
/// borrowed when lower-casing maps every character to itself (so `str::to_lowercase`, whose one
/// context rule is for the upper-case 'Σ', returns the same text) and there is no '’' or '‘'.
fn lower_non_ascii(s: &str) -> Cow<'_, str> {
    let unchanged = s.chars().all(|c| {
        let mut l = c.to_lowercase();
        c != '\u{2019}' && c != '\u{2018}' && l.next() == Some(c) && l.next().is_none()
    });
    if unchanged {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.to_lowercase().replace(['\u{2019}', '\u{2018}'], "'"))
    }
}

/// True for a double quotation mark (straight or typographic).
fn is_double_mark(s: &str) -> bool {
    matches!(
        s,
        "\"" | "\u{201C}"
            | "\u{201D}"
            | "\u{201E}"
            | "\u{201F}"
            | "\u{00AB}"
            | "\u{00BB}"
            | "''"
            | "``"
    )
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mark {
    Open,
    Close,
}

impl<'a> View<'a> {
    /// Builds the view; cheap (one pass over the tokens).
    pub fn new(a: &'a Analysis) -> Self {
        let text = a.text();
        let toks = &a.tokens[..];
        let mut lw = Vec::with_capacity(toks.len());
        for t in toks {
            let s = span_text(text, t.span);
            let l = if t.kind == TokenKind::Quote && is_double_mark(s) {
                Cow::Borrowed("\"")
            } else {
                match ascii_and_upper(s) {
                    (true, true) => Cow::Owned(s.to_ascii_lowercase()),
                    (true, false) => Cow::Borrowed(s),
                    _ => lower_non_ascii(s),
                }
            };
            lw.push(l);
        }
        let mut sent_of = vec![0; toks.len()];
        let mut sent_range = Vec::with_capacity(a.sentences.len());
        let mut para_of_sent = Vec::with_capacity(a.sentences.len());
        for (i, s) in a.sentences.iter().enumerate() {
            let (x, y) = (
                s.first_token,
                (s.first_token + s.token_count).min(toks.len()),
            );
            for v in sent_of.iter_mut().take(y).skip(x) {
                *v = i;
            }
            sent_range.push((x, y));
            // Title sentences (paragraph None) each count as their own paragraph.
            para_of_sent.push(s.paragraph.map_or(usize::MAX - i, |p| p));
        }
        let mut v = View {
            text,
            toks,
            lw,
            sent_of,
            sent_range,
            para_of_sent,
            regions: Vec::new(),
            region_of: vec![None; toks.len()],
            sent_has_region: Vec::new(),
        };
        v.find_regions();
        v.sent_has_region = v
            .sent_range
            .iter()
            .map(|&(x, y)| {
                v.region_of
                    .get(x..y)
                    .is_some_and(|r| r.iter().any(Option::is_some))
            })
            .collect();
        v
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.toks.len()
    }

    /// True when there are no tokens.
    pub fn is_empty(&self) -> bool {
        self.toks.is_empty()
    }

    /// Original text of token `i`.
    pub fn tok(&self, i: usize) -> &'a str {
        span_text(self.text, self.toks[i].span)
    }

    /// True if token `i` is a word.
    pub fn is_word(&self, i: usize) -> bool {
        matches!(self.toks[i].kind, TokenKind::Word | TokenKind::Number)
    }

    /// True if token `i` starts with an uppercase letter.
    pub fn is_cap(&self, i: usize) -> bool {
        self.tok(i).chars().next().is_some_and(|c| c.is_uppercase())
    }

    /// True if token `i` is a double quote mark.
    pub fn is_mark(&self, i: usize) -> bool {
        self.lw[i] == "\""
    }

    /// Paragraph key of token `i`.
    pub fn para_of(&self, i: usize) -> usize {
        self.para_of_sent[self.sent_of[i]]
    }

    /// Span from token `a` to token `b` inclusive.
    pub fn span(&self, a: usize, b: usize) -> Span {
        Span::new(self.toks[a].span.start, self.toks[b].span.end)
    }

    fn mark_kind(&self, i: usize) -> Option<Mark> {
        if self.toks[i].kind != TokenKind::Quote {
            return None;
        }
        let s = self.tok(i);
        match s {
            "\u{201C}" | "\u{201E}" | "\u{00AB}" | "``" => Some(Mark::Open),
            "\u{201D}" | "\u{00BB}" => {
                // A right mark at the start of a line and against a word opens: a misprinted
                // opening mark (`\n”Mr. Trump embodies …” ― Sonya Herridge`).
                let start = self.toks[i].span.start;
                let end = self.toks[i].span.end;
                let line_start = self.text[..start]
                    .chars()
                    .next_back()
                    .is_none_or(|c| c == '\n');
                let word_after = self.text[end..]
                    .chars()
                    .next()
                    .is_some_and(char::is_alphanumeric);
                Some(if line_start && word_after {
                    Mark::Open
                } else {
                    Mark::Close
                })
            }
            "\"" | "''" | "\u{201F}" => {
                // Straight marks: attached to the previous token and not to the next → closing.
                let start = self.toks[i].span.start;
                let end = self.toks[i].span.end;
                let before = self.text[..start].chars().next_back();
                let after = self.text[end..].chars().next();
                let space_before = before.is_none_or(|c| c.is_whitespace() || "([{—–-".contains(c));
                let space_after =
                    after.is_none_or(|c| c.is_whitespace() || ",.;:!?)]}—–".contains(c));
                if space_before && !space_after {
                    Some(Mark::Open)
                } else if space_after && !space_before {
                    Some(Mark::Close)
                } else if space_before {
                    Some(Mark::Open)
                } else {
                    Some(Mark::Close)
                }
            }
            _ => None,
        }
    }

    /// Pairs double quote marks within paragraphs. An opening mark left open at the end of a
    /// paragraph continues into the next paragraph when that one starts with an opening mark
    /// (the newspaper convention for multi-paragraph quotes); otherwise the region ends with its
    /// paragraph.
    fn find_regions(&mut self) {
        // Merge `''` written as two apostrophe tokens into one logical mark: treat the pair as a
        // straight mark at the second token.
        let n = self.toks.len();
        let mut marks: Vec<(usize, Mark)> = Vec::new();
        let mut i = 0;
        while i < n {
            if self.toks[i].kind == TokenKind::Quote {
                let s = self.tok(i);
                if (s == "'" || s == "\u{2019}" || s == "`" || s == "\u{2018}")
                    && i + 1 < n
                    && self.tok(i + 1) == s
                    && self.toks[i].span.end == self.toks[i + 1].span.start
                {
                    // `''` / ``` `` ```: decide direction by surroundings of the pair.
                    let start = self.toks[i].span.start;
                    let end = self.toks[i + 1].span.end;
                    let before = self.text[..start].chars().next_back();
                    let after = self.text[end..].chars().next();
                    let sb = before.is_none_or(|c| c.is_whitespace() || "([{—-".contains(c));
                    let sa = after.is_none_or(|c| c.is_whitespace() || ",.;:!?)]}—".contains(c));
                    let m = if sb && !sa {
                        Mark::Open
                    } else if sa && !sb {
                        Mark::Close
                    } else if sb {
                        Mark::Open
                    } else {
                        Mark::Close
                    };
                    self.lw[i] = "\"".into();
                    self.lw[i + 1] = "\"".into();
                    marks.push((if m == Mark::Open { i } else { i + 1 }, m));
                    i += 2;
                    continue;
                }
                if is_double_mark(s) {
                    if let Some(m) = self.mark_kind(i) {
                        marks.push((i, m));
                    }
                }
            }
            i += 1;
        }
        let mut open: Option<usize> = None;
        // Last paragraph the open quote has reached (it may continue over several).
        let mut open_para = 0usize;
        // A quotation inside a quotation in the same marks (`“… what he calls “hell” than …”`):
        // an opening mark, while one is open, followed in its paragraph by two closing marks
        // and no other opening mark is a nested pair, not a new quotation; it is skipped so that
        // the outer quotation keeps its words (PolNeAR annotates the outer one).
        let mut nested = vec![false; marks.len()];
        // The opening mark of the quotation open at this point, if any.
        let mut open_mark: Option<usize> = None;
        for k in 0..marks.len() {
            let (t, m) = marks[k];
            if nested[k] {
                continue;
            }
            match m {
                Mark::Open => {
                    let para = self.para_of(t);
                    let inside = open_mark.is_some_and(|o| self.para_of(o) == para);
                    let mut next = marks[k + 1..]
                        .iter()
                        .take_while(|(u, _)| self.para_of(*u) == para)
                        .map(|&(_, m)| m);
                    if inside
                        && self.tok(t) != "\""
                        && next.next() == Some(Mark::Close)
                        && next.next() == Some(Mark::Close)
                    {
                        nested[k] = true;
                        nested[k + 1] = true;
                    } else {
                        open_mark = Some(t);
                    }
                }
                Mark::Close => open_mark = None,
            }
        }
        let marks: Vec<(usize, Mark)> = marks
            .into_iter()
            .zip(nested)
            .filter(|(_, n)| !n)
            .map(|(m, _)| m)
            .collect();
        for &(t, m) in &marks {
            match (open, m) {
                (None, Mark::Open) => {
                    open = Some(t);
                    open_para = self.para_of(t);
                }
                (None, Mark::Close) => {}
                (Some(o), _) if open_para != self.para_of(t) => {
                    // The open quote reached the end of its paragraph without a closing mark.
                    // Same mark style too: a straight quote is not continued by a curly one.
                    let continues = m == Mark::Open
                        && t > 0
                        && self.para_first_token(self.para_of(t)) == Some(t)
                        && self.para_of(t - 1) == open_para
                        && (self.tok(t) == "\"") == (self.tok(o) == "\"");
                    if continues {
                        open_para = self.para_of(t);
                    } else {
                        let last = self.para_last_token(o, open_para);
                        self.push_region(o, None, last);
                        open = if m == Mark::Open { Some(t) } else { None };
                        open_para = self.para_of(t);
                    }
                }
                (Some(o), Mark::Close) => {
                    self.push_region(o, Some(t), t.saturating_sub(1));
                    open = None;
                }
                (Some(o), Mark::Open) => {
                    // A second opening mark: close the first at the token before.
                    if t > o + 1 {
                        self.push_region(o, None, t - 1);
                    }
                    open = Some(t);
                }
            }
        }
        if let Some(o) = open {
            let last = self.para_last_token(o, open_para);
            self.push_region(o, None, last);
        }
        for (r, reg) in self.regions.iter().enumerate() {
            let end = reg.close.unwrap_or(reg.last);
            for v in self.region_of.iter_mut().take(end + 1).skip(reg.open) {
                *v = Some(r);
            }
        }
    }

    fn para_first_token(&self, para: usize) -> Option<usize> {
        self.sent_range
            .iter()
            .zip(&self.para_of_sent)
            .find(|(_, p)| **p == para)
            .map(|(r, _)| r.0)
    }

    /// Last token of paragraph `para`, searching forward from token `t`.
    fn para_last_token(&self, t: usize, para: usize) -> usize {
        let mut s = self.sent_of[t];
        while s + 1 < self.sent_range.len() && self.para_of_sent[s] != para {
            s += 1;
        }
        while s + 1 < self.sent_range.len() && self.para_of_sent[s + 1] == para {
            s += 1;
        }
        self.sent_range[s].1.saturating_sub(1).max(t)
    }

    /// Tokens `a` and `a + 1` are the two halves of one `''` (or ``` `` ```) mark.
    fn mark_pair(&self, a: usize) -> bool {
        a + 1 < self.toks.len()
            && self.lw[a] == "\""
            && self.lw[a + 1] == "\""
            && self.tok(a) != "\""
            && self.toks[a].span.end == self.toks[a + 1].span.start
    }

    fn push_region(&mut self, open: usize, close: Option<usize>, last: usize) {
        // Inside a `''` mark's two halves, not between them.
        let last = match close {
            Some(c) if c >= 2 && last + 1 == c && self.mark_pair(c - 1) => c - 2,
            _ => last,
        };
        let last = last.max(open);
        let inner_start = if self.mark_pair(open) {
            self.toks[open + 1].span.end
        } else {
            self.toks[open].span.end
        };
        let inner_end = if last > open {
            self.toks[last].span.end
        } else {
            inner_start
        };
        let outer_end = close.map_or(inner_end, |c| self.toks[c].span.end);
        let words = (open + 1..=last)
            .filter(|&i| i < self.toks.len() && self.is_word(i))
            .count();
        self.regions.push(Region {
            open,
            close,
            last,
            outer: Span::new(self.toks[open].span.start, outer_end),
            inner: Span::new(inner_start, inner_end.max(inner_start)),
            words,
        });
    }
}

#[cfg(test)]
mod lower_tests {
    use super::*;

    #[test]
    fn token_lower_casing_is_to_lowercase_with_straight_apostrophes() {
        for s in [
            "",
            "a",
            "The",
            "USA",
            "n't",
            "’s",
            "‘",
            "“",
            "—",
            "é",
            "É",
            "Zürich",
            "straße",
            "ΣΑΣ",
            "σας",
            "ǅ",
            "İstanbul",
            "Ⅻ",
            "Don’t",
            "日本",
            "CAFÉ",
            "ﬁ",
            "K",
            "Å",
            "ABCDEFGHIJ",
            "abcdefghij",
            "abcdefgH",
            "Habcdefgh",
            "abcdeFgh",
            "abcdéfgh",
        ] {
            let expected = s.to_lowercase().replace(['\u{2019}', '\u{2018}'], "'");
            let got = match ascii_and_upper(s) {
                (true, true) => Cow::Owned(s.to_ascii_lowercase()),
                (true, false) => Cow::Borrowed(s),
                _ => lower_non_ascii(s),
            };
            assert_eq!(got, expected, "{s}");
            assert_eq!(ascii_and_upper(s).0, s.is_ascii(), "{s}");
        }
    }
}
