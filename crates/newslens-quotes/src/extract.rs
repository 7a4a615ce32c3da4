//! Rules that turn accepted cues and quote regions into attributions (source, cue, content),
//! following PolNeAR's span conventions: sources include determiners and appositions, contents of
//! direct quotes include the quote marks (the layer stores them without; see [`Attr::content`]),
//! reported contents include a leading "that" and exclude the sentence's final period.

use newslens_core::layers::quotes::QuoteKind;
use newslens_core::Span;

use crate::model::{is_subject_pronoun, Candidate, Scorer, BITS};
use crate::view::View;
use newslens_learn::hash::FeatureHash;

/// One attribution found by the rules (token indexes into the view).
#[derive(Debug, Clone)]
pub struct Attr {
    /// Direct or indirect (partials are derived later).
    pub kind: QuoteKind,
    /// Cue tokens (inclusive).
    pub cue: (usize, usize),
    /// Source tokens (inclusive), if any.
    pub source: Option<(usize, usize)>,
    /// Content spans for the layer (without quote marks for direct quotes).
    pub content: Vec<Span>,
    /// Content spans in PolNeAR convention (quote marks included).
    pub eval_content: Vec<Span>,
    /// Quote regions used as direct content.
    pub regions: Vec<usize>,
    /// Cue classifier margin.
    pub score: f32,
}

impl Attr {
    /// A reported (not directly quoted) content span: the layer and PolNeAR give it alike.
    fn push_reported(&mut self, span: Span) {
        self.content.push(span);
        self.eval_content.push(span);
    }
}

/// "Theresa May said": a capitalised "May" or "Will" after a capitalised word is part of a
/// name, not a modal verb.
fn name_modal(v: &View, k: usize) -> bool {
    matches!(&*v.lw[k], "may" | "will") && k > 0 && v.is_cap(k) && v.is_cap(k - 1)
}

/// A subject pronoun that opens a clause of its own ("told the series it is clear …").
fn opens_clause(w: &str) -> bool {
    matches!(w, "it" | "he" | "she" | "they" | "we")
}

/// A determiner or possessive that opens a noun phrase ("the", "his").
fn is_determiner(w: &str) -> bool {
    matches!(
        w,
        "the" | "a" | "an" | "his" | "her" | "their" | "its" | "our" | "my"
    )
}

/// An adverb (or auxiliary) between a subject and its verb: the list, or a lower-case "-ly"
/// word that is not one of the nouns and adjectives ending so ("Mr. Trump hardly", "Mr.
/// Schultz generally", but "the family said").
fn is_adverb(v: &View, k: usize) -> bool {
    let w = &*v.lw[k];
    if name_modal(v, k) {
        return false;
    }
    ADVERBS.contains(&w)
        || (w.len() > 4
            && w.ends_with("ly")
            && !v.is_cap(k)
            && !matches!(
                w,
                "family"
                    | "assembly"
                    | "supply"
                    | "rally"
                    | "daily"
                    | "weekly"
                    | "monthly"
                    | "quarterly"
                    | "yearly"
                    | "anomaly"
                    | "monopoly"
                    | "italy"
                    | "july"
                    | "reply"
                    | "ally"
                    | "bully"
                    | "elderly"
                    | "friendly"
                    | "lonely"
                    | "early"
                    | "holy"
                    | "belly"
                    | "jelly"
            ))
}

const WEEKDAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// How many tokens ending at `j` are a time adjunct ("in 2001", "this month", "last week",
/// "on Monday"); 0 when none.
fn time_adjunct_before(v: &View, ss: usize, j: isize) -> usize {
    if j < ss as isize + 2 {
        return 0;
    }
    let (j, w) = (j as usize, &*v.lw[j as usize]);
    let before = &*v.lw[j - 1];
    let year = w.len() == 4 && w.starts_with(['1', '2']) && w.bytes().all(|b| b.is_ascii_digit());
    let day = WEEKDAYS.contains(&w);
    let period = matches!(w, "week" | "weekend" | "month" | "year");
    if (year && before == "in")
        || (day && before == "on")
        || (period && matches!(before, "this" | "last"))
    {
        2
    } else {
        0
    }
}

/// Adverbs and auxiliaries that may stand between a subject and its verb ("-ly" adverbs are
/// recognised by [`is_adverb`]).
const ADVERBS: &[&str] = &[
    "also", "later", "then", "once", "often", "never", "just", "again", "still", "even", "already",
    "has", "had", "have", "will", "would", "could", "should", "may", "might", "did", "does", "do",
    "is", "was", "were", "are", "not", "n't", "only", "ever", "first", "further", "perhaps",
];

const NP_STOP: &[&str] = &[
    "that", "and", "but", "or", "because", "while", "when", "as", "if", "after", "before", "since",
    "so", "than", "where", "whom", "whose", "has", "have", "had", "is", "was", "were", "are", "be",
    "been", "will", "would", "could", "should", "can", "may", "might", "did", "does", "do", "to",
    "said", "says", "say", "told", "in", "on", "at", "with", "by", "about", "from", "into",
    "during", "also", "not", "then", "though", "although", "yet", "said.", "however", "why", "how",
    "what",
];

/// Cues whose object is the addressee, not the content ("told reporters (that) …").
const TELL: &[&str] = &[
    "told",
    "tells",
    "tell",
    "telling",
    "warned",
    "warns",
    "warning",
    "reminded",
    "assured",
    "informed",
    "notified",
    "promised",
    "urged",
    "urges",
    "urging",
    "encouraged",
    "encourages",
    "encouraging",
    "asked",
    "asks",
    "asking",
    "pressed",
    "pressing",
    "invited",
    "challenged",
    "begged",
    "implored",
    "ordered",
    "directed",
    "reminding",
    "assuring",
];

fn is_terminal(w: &str) -> bool {
    matches!(w, "." | "!" | "?" | "..." | "\u{2026}")
}

fn is_clause_punct(w: &str) -> bool {
    matches!(
        w,
        "," | ";" | ":" | "\u{2014}" | "\u{2013}" | "--" | "-" | "(" | ")"
    )
}

/// Trims trailing punctuation from a content token range, keeping a final closing quote mark
/// (PolNeAR keeps `wraps.”`). Returns `None` when nothing is left.
fn content_range(v: &View, a: usize, mut b: usize) -> Option<(usize, usize)> {
    if a > b {
        return None;
    }
    while b > a && !v.is_mark(b) && (is_terminal(&v.lw[b]) || is_clause_punct(&v.lw[b])) {
        b -= 1;
    }
    // Leading punctuation, and a wire dateline opening the paragraph.
    let mut a = dateline_end(v, a).unwrap_or(a);
    while a < b && (v.lw[a] == "," || v.lw[a] == ":" || v.lw[a] == "\u{2014}") {
        a += 1;
    }
    if a == b && !v.is_word(a) {
        return None;
    }
    Some((a, b))
}

/// A wire dateline opening a paragraph at token `a` ("WASHINGTON —", "Minsk, December 2
/// (BelTA) --", "ROME, February 6, 2018 (LifeSiteNews) –"): returns the first token after its
/// dash. It tells where and when the story was filed; nobody said it.
fn dateline_end(v: &View, a: usize) -> Option<usize> {
    if (a > 0 && v.para_of(a - 1) == v.para_of(a)) || !v.is_cap(a) {
        return None;
    }
    let mut in_brackets = false;
    // A name before a dash ("John Bolton – …") is not a dateline: it needs a place in capitals,
    // a date or an agency in brackets.
    let mut marked = false;
    for k in a..(a + 12).min(v.len()) {
        let w = &*v.lw[k];
        if is_dash(w) && !in_brackets {
            let next = k + 1;
            return (marked
                && k > a
                && next < v.len()
                && v.para_of(next) == v.para_of(a)
                && v.is_word(next))
            .then_some(next);
        }
        let t = v.tok(k);
        marked |= w == "("
            || w.bytes().all(|b| b.is_ascii_digit())
            || (t.len() > 1 && t.chars().all(|c| c.is_uppercase() || !c.is_alphabetic()));
        let ok = match w {
            "(" => {
                in_brackets = true;
                true
            }
            ")" => {
                in_brackets = false;
                true
            }
            "," | "." | "/" => true,
            _ => {
                v.is_word(k)
                    && (in_brackets
                        || v.is_cap(k)
                        || w.bytes().all(|b| b.is_ascii_digit())
                        || w == "of")
            }
        };
        if !ok {
            return None;
        }
    }
    None
}

/// Walks left from token `j` (inclusive) over a noun phrase; returns its token range.
fn np_left(v: &View, ss: usize, j: usize) -> Option<(usize, usize)> {
    let mut j = j as isize;
    // Skip adverbs and auxiliaries between subject and verb.
    // And a time adjunct ("an arbitration panel in 2001 found", "Wells Fargo just this month
    // announced").
    loop {
        while j >= ss as isize && is_adverb(v, j as usize) {
            j -= 1;
        }
        let t = time_adjunct_before(v, ss, j);
        if t == 0 {
            break;
        }
        j -= t as isize;
    }
    if j < ss as isize {
        return None;
    }
    let end = j as usize;
    if v.lw[end] == "," {
        return apposition_left(v, ss, end);
    }
    if v.lw[end] == ")" {
        // "Sen. Chuck Grassley (R-Iowa)": include the bracket.
        let open = (ss..end).rev().find(|&k| v.lw[k] == "(")?;
        let inner = np_left(v, ss, open.checked_sub(1)?)?;
        return Some((inner.0, end));
    }
    if !v.is_word(end) || (NP_STOP.contains(&&*v.lw[end]) && !name_modal(v, end)) {
        return None;
    }
    let mut start = end;
    let mut k = end as isize - 1;
    let mut n = 1;
    while k >= ss as isize && n < 9 {
        let ku = k as usize;
        let w = &*v.lw[ku];
        let ok = (v.is_word(ku) && !NP_STOP.contains(&w))
            || w == "'s"
            || w == "'"
            || w == "-"
            || w == "&";
        if !ok || v.is_mark(ku) {
            break;
        }
        // A lowercase word directly before a capitalised name is usually a verb or preposition
        // ("met Putin"); keep determiners, possessives and title-like modifiers.
        start = ku;
        n += 1;
        k -= 1;
    }
    // A subject pronoun never has modifiers before it.
    if is_subject_pronoun(&v.lw[end]) || v.lw[end] == "i" {
        return Some((end, end));
    }
    // "Surety companies that had insured the mines' obligations agreed": a relative clause
    // inside the subject; the subject starts with the noun it qualifies.
    let mut k = start;
    while k > ss && matches!(&*v.lw[k - 1], "had" | "has" | "have") {
        k -= 1;
    }
    if k > ss + 1 && k < start && matches!(&*v.lw[k - 1], "that" | "who") {
        if let Some(head) = np_left(v, ss, k - 2).filter(|h| h.0 == ss) {
            return Some((head.0, end));
        }
    }
    Some((start, end))
}

/// `“…,” Michael McFaul, a senior fellow at the Hoover Institution and a former ambassador,
/// said`: right after a quotation, a name and its apposition up to the comma before the cue are
/// the source, however long the apposition ([`apposition_left`] caps it for open text).
fn named_apposition(v: &View, a: usize, comma: usize) -> Option<(usize, usize)> {
    if v.lw[comma] != "," || !v.is_cap(a) || comma - a > 40 {
        return None;
    }
    // The name: up to five capitalised words or initials, then its comma.
    let name_end = (a..comma).find(|&k| v.lw[k] == ",")?;
    let name_ok = name_end > a
        && name_end - a <= 5
        && (a..name_end).all(|k| v.is_word(k) && (v.is_cap(k) || v.lw[k] == "."));
    let inner_ok = (name_end + 1..comma).all(|k| !v.is_mark(k) && !is_terminal(&v.lw[k]));
    (name_ok && inner_ok && comma - name_end >= 2).then_some((a, comma))
}

/// `NAME, APPOSITION, said`: the source covers the name, the apposition and the trailing comma.
fn apposition_left(v: &View, ss: usize, comma: usize) -> Option<(usize, usize)> {
    if let Some(s) = residence_apposition(v, ss, comma) {
        return Some(s);
    }
    let prev_comma = (ss..comma)
        .rev()
        .find(|&k| v.lw[k] == "," || v.is_mark(k))?;
    if v.is_mark(prev_comma) || comma - prev_comma > 30 || comma - prev_comma < 2 {
        return None;
    }
    // "Michael Mulgrew, president of the teachers' union, which represents …, said": a
    // "which" clause after an apposition qualifies the apposition's noun, and the source is
    // the name and its apposition; a "who" clause describes the person and stays in it
    // ("Willie Minor, an actor in Dallas, who runs a small theater company, said").
    if matches!(&*v.lw[prev_comma + 1], "who" | "which" | "whose") {
        if let Some(inner) = apposition_left(v, ss, prev_comma) {
            return Some(if v.lw[prev_comma + 1] == "which" {
                inner
            } else {
                (inner.0, comma)
            });
        }
    }
    // "His former business partner at Lenox, Lawrence B. Cummings, said": a description
    // opening the sentence, then the name.
    let name_between = comma - prev_comma <= 6
        && (prev_comma + 1..comma).all(|k| v.is_word(k) && (v.is_cap(k) || v.lw[k] == "."));
    let description = prev_comma > ss
        && prev_comma - ss <= 10
        && (ss..prev_comma).all(|k| {
            v.is_word(k)
                && !matches!(
                    &*v.lw[k],
                    "that"
                        | "and"
                        | "but"
                        | "or"
                        | "said"
                        | "says"
                        | "is"
                        | "was"
                        | "has"
                        | "had"
                        | "will"
                        | "would"
                        | "when"
                        | "if"
                        | "as"
                        | "while"
                )
        });
    if name_between && description && !v.is_cap(ss + usize::from(prev_comma > ss + 1)) {
        return Some((ss, comma));
    }
    // The name before the first comma must reach the clause start and look like a name.
    let name = np_left(v, ss, prev_comma.checked_sub(1)?)?;
    // "Trump, speaking to a veterans group in Virginia, said": a participle clause between
    // the commas says where or how, and the source is the name alone.
    // So is a comparison or an aside ("Clinton, like Obama, has said", "Trump, in
    // particular, called for").
    if (is_participle(&v.lw[prev_comma + 1])
        || matches!(
            &*v.lw[prev_comma + 1],
            "like" | "unlike" | "in" | "too" | "however"
        ))
        && name.0 == ss
        && v.is_cap(name.0)
        && name.1 + 1 == prev_comma
    {
        return Some(name);
    }
    // A long apposition only after a name opening the sentence ("Angelique Brunner, a
    // Washington-based developer and spokeswoman for the EB-5 Investment Coalition, said").
    // Not a relative clause ("Christie, who has campaigned …, said": the source is Christie).
    if comma - prev_comma > 14
        && (name.0 != ss
            || !v.is_cap(name.0)
            || matches!(&*v.lw[prev_comma + 1], "who" | "which" | "whose" | "that"))
    {
        // A long relative clause after a name opening the sentence: the name alone.
        let relative = matches!(&*v.lw[prev_comma + 1], "who" | "which" | "whose");
        return (relative && name.0 == ss && v.is_cap(name.0) && name.1 + 1 == prev_comma)
            .then_some(name);
    }
    let clause_start = name.0 == ss
        || v.is_mark(name.0 - 1)
        || matches!(&*v.lw[name.0 - 1], "," | "and" | "but" | ":" | ";");
    if !clause_start || !(name.0..=name.1).any(|k| v.is_cap(k)) {
        return None;
    }
    Some((name.0, comma))
}

/// `NAME, 59, of Ashton, Md., said`: a name followed by an age and a place of residence (each
/// set off by commas, the state abbreviation too) is the source with all of them.
fn residence_apposition(v: &View, ss: usize, comma: usize) -> Option<(usize, usize)> {
    let mut end = comma;
    let mut seen_of = false;
    for _ in 0..4 {
        let prev = (ss..end).rev().find(|&k| v.lw[k] == "," || v.is_mark(k))?;
        if v.is_mark(prev) {
            return None;
        }
        let seg = prev + 1..end;
        let len = seg.len();
        let age = len == 1 && v.lw[prev + 1].bytes().all(|b| b.is_ascii_digit());
        let of_place = (2..=5).contains(&len)
            && v.lw[prev + 1] == "of"
            && (prev + 2..end).all(|k| v.is_cap(k) || v.lw[k] == ".");
        let state = len <= 2 && (prev + 1..end).all(|k| v.is_cap(k) || v.lw[k] == ".");
        if !(age || of_place || (state && !seen_of)) {
            return None;
        }
        seen_of |= of_place;
        // The segment before: the name, reaching the clause start.
        let before = (ss..prev).rev().find(|&k| v.lw[k] == "," || v.is_mark(k));
        let name_start = before.map_or(ss, |b| b + 1);
        let name_ok = prev > name_start
            && prev - name_start <= 5
            && (name_start..prev).all(|k| v.is_cap(k) || v.lw[k] == ".")
            && (name_start == ss || before.is_some_and(|b| v.is_mark(b)));
        if name_ok && seen_of {
            return Some((name_start, comma));
        }
        end = prev;
    }
    None
}

/// Noun phrase right after the cue ("said Smith, ..."), up to punctuation or a clause word.
fn np_right(v: &View, i: usize, se: usize) -> Option<(usize, usize)> {
    if i >= se || !v.is_word(i) || NP_STOP.contains(&&*v.lw[i]) {
        return None;
    }
    let mut end = i;
    let mut k = i + 1;
    while k < se && k - i < 8 {
        let w = &*v.lw[k];
        let ok = (v.is_word(k) && !NP_STOP.contains(&w) && w != "who") || w == "'s" || w == "-";
        if !ok {
            break;
        }
        end = k;
        k += 1;
    }
    // "said Dr. Harold Varmus, the former NIH director.": PolNeAR's inverted sources keep an
    // apposition that runs to the end of the sentence.
    // An adjunct after the comma is not an apposition ("said O'Neill, on what was his first
    // full day …", "said Lenz, speaking to reporters").
    let adjunct = end + 2 < se && {
        let w = &*v.lw[end + 2];
        opens_adjunct(w) || is_participle(w) || matches!(w, "as" | "after" | "before" | "while")
    };
    if end + 2 < se && v.lw[end + 1] == "," && v.is_cap(i) && !adjunct {
        let mut last = se - 1;
        while last > end && (is_terminal(&v.lw[last]) || v.lw[last] == ",") {
            last -= 1;
        }
        let clean = (end + 1..=last).all(|j| !v.is_mark(j) && v.lw[j] != ";" && v.lw[j] != ":");
        if clean && last > end + 1 && last - end <= 30 {
            return Some((i, last));
        }
    }
    Some((i, end))
}

/// Regions whose closing mark lies in `lo..hi`.
fn region_closing_in(v: &View, lo: usize, hi: usize) -> Option<usize> {
    (lo..hi).rev().find_map(|k| {
        let r = v.region_of[k]?;
        (v.regions[r].close == Some(k)).then_some(r)
    })
}

/// Region opening at token `k`.
fn region_opening_at(v: &View, k: usize) -> Option<usize> {
    let r = v.region_of.get(k).copied().flatten()?;
    (v.regions[r].open == k).then_some(r)
}

/// True if a region starts its sentence (or paragraph): a quote standing on its own.
fn region_starts_clause(v: &View, r: usize) -> bool {
    let o = v.regions[r].open;
    let (ss, _) = v.sent_range[v.sent_of[o]];
    o == ss || (o > ss && matches!(&*v.lw[o - 1], ":" | "(" | "\u{2014}"))
}

/// Builds attributions for the accepted cues.
pub fn attributions(v: &View, cues: &[(Candidate, f32)], src: Option<Scorer>) -> Vec<Attr> {
    let mut out: Vec<Attr> = Vec::new();
    let cue_starts: Vec<usize> = cues.iter().map(|(c, _)| c.first).collect();
    for (idx, (c, score)) in cues.iter().enumerate() {
        let (ss, se) = v.sent_range[v.sent_of[c.first]];
        // Cues inside a quotation are the quoted speaker's words, not attributions.
        if let Some(r) = v.region_of[c.first] {
            let reg = &v.regions[r];
            if c.first > reg.open && reg.close.is_some_and(|cl| c.first < cl) {
                continue;
            }
        }
        let form = cue_form(v, c);
        let mut a = Attr {
            kind: QuoteKind::Indirect,
            cue: (c.first, c.last),
            source: None,
            content: Vec::new(),
            eval_content: Vec::new(),
            regions: Vec::new(),
            score: *score,
        };
        if form.starts_with("according to") {
            according_to(v, c, ss, se, &mut a);
        } else if let Some(r) = quote_before(v, c, ss, &cue_starts) {
            let reg = &v.regions[r];
            let close = reg.close.unwrap_or(reg.last);
            // Source between the quote and the cue, else after the cue (inversion).
            a.source = if close + 1 < c.first {
                named_apposition(v, close + 1, c.first - 1)
                    .or_else(|| left_np(v, close + 1, c.first - 1, src))
            } else {
                None
            }
            .or_else(|| np_right(v, c.last + 1, se));
            // "“You squeezed employees to the breaking point” to drive up the stock price, she
            // said": words run on after the quotation up to the comma before the source, and
            // the content is the whole mixed sentence (the quotation becomes a partial quote).
            let run_on = a
                .source
                .filter(|s| s.0 > close + 2 && s.1 < c.first && v.lw[s.0 - 1] == ",")
                .map(|s| s.0 - 2);
            if let Some(y) = run_on.filter(|_| region_starts_clause(v, r)) {
                if let Some((x, y)) = content_range(v, v.regions[r].open, y) {
                    a.push_reported(v.span(x, y));
                }
            } else if region_starts_clause(v, r) {
                push_direct(v, r, &mut a);
            } else if let Some((x, y)) = content_range(v, ss, run_on.unwrap_or(close)) {
                a.push_reported(v.span(x, y));
            }
            // A quote split by the attribution: “…,” Putin wrote, “…” — or continued right
            // after it: “…,” she said, clapping. “…”
            let after = a.source.map_or(c.last, |s| s.1.max(c.last)) + 1;
            // A quotation with its own attribution in its paragraph ("“…,” Lenz said") is
            // that speaker's, not a continuation.
            let own = |r2: usize| {
                v.regions[r2].close.is_some_and(|cl| {
                    cue_starts.iter().any(|&n| {
                        n > cl
                            && n <= cl + 12
                            && v.para_of(n) == v.para_of(cl)
                            && (cl + 1..n).all(|k| !is_terminal(&v.lw[k]) && !v.is_mark(k))
                    })
                })
            };
            let para = v.para_of(c.first);
            let next = if after < v.len() && matches!(&*v.lw[after], "," | ":" | ".") {
                // Right after the attribution, a quotation in the next paragraph continues
                // unless it has its own (the newspaper convention).
                region_opening_at(v, after + 1)
                    .filter(|&r2| v.para_of(v.regions[r2].open) == para || !own(r2))
            } else {
                None
            }
            .or_else(|| {
                let free = (after..se).all(|k| !v.is_mark(k));
                let r2 = if free {
                    region_opening_at(v, se)?
                } else {
                    return None;
                };
                (v.para_of(se) == para && !own(r2)).then_some(r2)
            })
            .or_else(|| {
                // “…,” Tester said, referring to the excuse, “you give …”: an aside after
                // the attribution, then the quotation goes on in lower case.
                let k = (after..se.min(after + 16))
                    .take_while(|&k| !v.is_mark(k) && !is_terminal(&v.lw[k]))
                    .filter(|&k| v.lw[k] == ",")
                    .last()?;
                let r2 = region_opening_at(v, k + 1)?;
                let first = v.regions[r2].open + 1;
                (first < v.len() && v.is_word(first) && !v.is_cap(first)).then_some(r2)
            });
            if let Some(r2) = next.filter(|&r2| r2 != r) {
                push_direct(v, r2, &mut a);
            }
        } else if let Some(r) = quote_after(v, c) {
            a.source = source_left(v, ss, c, &out, src);
            push_direct(v, r, &mut a);
        } else if let Some(comma) = content_before(v, c, ss, se) {
            a.source = if comma + 1 < c.first {
                left_np(v, comma + 1, c.first - 1, src)
            } else {
                None
            }
            .or_else(|| np_right(v, c.last + 1, se));
            if let Some((x, y)) = content_range(v, ss, comma) {
                if let Some(r) = v.region_of[x].filter(|&r| {
                    let reg = &v.regions[r];
                    reg.open == x && reg.close == Some(y)
                }) {
                    push_direct(v, r, &mut a);
                } else {
                    a.push_reported(v.span(x, y));
                }
            }
            // "But to prevent problems, he said, local officials should be vigilant."
            let after = a.source.map_or(c.last, |s| s.1.max(c.last)) + 1;
            let after = if after == c.last + 1 {
                aside_comma(v, c, se).unwrap_or(after)
            } else {
                after
            };
            if after + 1 < se && v.lw[after] == "," && !v.is_mark(after + 1) {
                if let Some((x, y)) = content_range(v, after + 1, se - 1) {
                    a.push_reported(v.span(x, y));
                }
            }
        } else {
            // "The plan was announced by the ministry", "The talks are expected to resume":
            // in the passive the subject is what was said and the agent, if any, the source.
            if let Some((subject, agent, complement)) = passive(v, c, ss, se) {
                a.source = agent;
                for (x, y) in std::iter::once(subject).chain(complement) {
                    a.push_reported(v.span(x, y));
                }
                out.push(a);
                continue;
            }
            // "the measures announced last Friday would …": what was announced is the noun
            // phrase (PolNeAR's convention), by the agent if one is named.
            if let Some((np, agent)) = reduced_relative(v, c, ss, se) {
                a.source = agent;
                a.push_reported(v.span(np.0, np.1));
                out.push(a);
                continue;
            }
            a.source = source_left(v, ss, c, &out, src);
            // "after what she called a “rant”", "a strategy, which the bank detailed in its
            // filings", "what the senators said was gerrymandering": the relative pronoun before
            // the source is what was said; the words after the cue are part of it only as a
            // predicate or the name given ("was …", "called X"), not as an adjunct ("in its
            // filings", "when she resigned").
            // "about which Eisenhower warned", "in which she admitted that …": after a
            // preposition "which" is an adjunct, and what was said follows the cue as usual.
            if let Some(w) = a
                .source
                .filter(|s| s.0 > ss && matches!(&*v.lw[s.0 - 1], "what" | "which"))
                .map(|s| s.0 - 1)
                .filter(|&w| v.lw[w] == "what" || w == ss || !is_preposition(&v.lw[w - 1]))
            {
                a.push_reported(v.span(w, w));
                let x = c.last + 1;
                let names = matches!(&*v.lw[c.last], "called" | "calls" | "call" | "dubbed")
                    || (x < se && v.lw[x] == "as");
                // "which he called for might include …": after a prepositional verb the
                // predicate is the relative clause's host's, not what was said.
                let clausal = !is_preposition(&v.lw[c.last]);
                if x < se && ((clausal && is_auxiliary(&v.lw[x])) || names) {
                    let y = (x..se)
                        .find(|&k| {
                            matches!(&*v.lw[k], "," | ";" | "." | "?" | "!") && !v.is_mark(k)
                        })
                        .unwrap_or(se);
                    if let Some((x, y)) = content_range(v, x, y.max(x + 1) - 1) {
                        a.push_reported(v.span(x, y));
                    }
                }
                out.push(a);
                continue;
            }
            let mut x = c.last + 1;
            if TELL.contains(&&*v.lw[c.last]) {
                x = skip_object(v, x, se);
            } else {
                x = skip_adjunct(v, x, se);
            }
            // Stop before the next cue in the sentence: at the comma, "and" or closing quote mark
            // that ends this content ("… and “…,” Putin wrote" / "…, adding that …").
            // A later cue with no such break before it is inside the content ("says Machado
            // promised to … and said she …"): the one after it may still end the content.
            // An "and" inside a quotation ("“unmistakably and wrongfully” suggests") is no break.
            let mut y = se;
            let closing = |k: usize| {
                v.is_mark(k)
                    && v.region_of[k].is_some_and(|r| v.regions[r].close == Some(k))
                    && inside_mark(v, k).is_some_and(|j| v.lw[j] == ",")
            };
            let boundary = cue_starts
                .iter()
                .skip(idx + 1)
                .filter(|&&n| n > x && n < se && v.region_of[n].is_none())
                .find_map(|&n| {
                    (x + 1..n).rev().find(|&k| {
                        matches!(&*v.lw[k], "," | ";")
                            || (v.lw[k] == "and" && n - k <= 3 && v.region_of[k].is_none())
                            || (closing(k) && n - k >= 2)
                    })
                });
            if let Some(k) = boundary {
                // A comma inside a closing mark keeps the mark ("… as a “rehearsal for
                // invasion,” warning …"), so the content's quotation stays closed.
                y = if v.is_mark(k) || (v.lw[k] == "," && k + 1 < se && closing(k + 1)) {
                    k + 2 - usize::from(v.is_mark(k))
                } else {
                    k
                };
            }
            // A trailing relative or contrastive clause is not part of what was said
            // ("…pardon Hillary Clinton, who has not been charged").
            // The comma may close a quotation first: "promising “jobs, jobs, jobs,” but he …".
            // Returns where the content ends: at the comma, or after the closing mark.
            // After an object ("likened RT to the BBC, which receives …, in an interview"),
            // the clause is cut even when more commas follow; a reported clause may go on.
            let object_cue = x < y
                && !matches!(&*v.lw[x], "that" | "\"")
                && !matches!(
                    &*v.lw[c.last],
                    "said" | "says" | "say" | "told" | "tells" | "added" | "adds"
                );
            if let Some(end) = (x + 1..y.saturating_sub(1)).find_map(|k| {
                let (w, end) = if closing(k + 1) {
                    (k + 2, k + 2)
                } else {
                    (k + 1, k)
                };
                (v.lw[k] == ","
                    && w < y
                    && matches!(&*v.lw[w], "who" | "which" | "but" | "while")
                    // "…, but could not bear to …": a second predicate of what was said.
                    && !(v.lw[w] == "but" && w + 1 < y && is_auxiliary(&v.lw[w + 1]))
                    && !(w..y).any(|j| (v.lw[j] == "," && !object_cue) || v.is_mark(j)))
                .then_some(end)
            }) {
                y = end;
            }
            // "declined that assignment and has since left the network", "praised his work but
            // also had to …": after an object, a second predicate is not what was said.
            if object_cue {
                if let Some(k) = (x + 2..y.saturating_sub(1)).find(|&k| {
                    matches!(&*v.lw[k], "and" | "but")
                        && matches!(
                            &*v.lw[k + 1],
                            "has" | "have" | "had" | "also" | "then" | "later" | "is" | "was"
                        )
                }) {
                    y = k;
                }
            }
            if let Some(k) = (x..y)
                .find(|&k| v.lw[k] == "," && v.lw.get(k + 1).is_some_and(|w| w == "according"))
            {
                y = k;
            }
            if let Some(k) = channel_adjunct(v, x, y) {
                y = k;
            }
            // "While Kim and the leadership have offered to resolve differences …, the US has
            // refused …": a cue in an opening subordinate clause reports up to that clause's end.
            if matches!(&*v.lw[ss], "while" | "although" | "though" | "whereas") {
                if let Some(k) = (x + 1..y).find(|&k| v.lw[k] == ",") {
                    y = k;
                }
            }
            // "Giuliani's claims were confirmed", "the reports were false": after a possessive
            // or a determiner the cue word is a noun, and a verb right after it is that noun's.
            let noun_cue = x < y
                && is_auxiliary(&v.lw[x])
                && c.first > ss
                && matches!(
                    &*v.lw[c.first - 1],
                    "'s" | "the"
                        | "his"
                        | "her"
                        | "their"
                        | "its"
                        | "these"
                        | "those"
                        | "such"
                        | "separate"
                        | "other"
                        | "similar"
                        | "new"
                        | "recent"
                        | "earlier"
                        | "many"
                        | "some"
                        | "further"
                );
            if noun_cue {
                continue;
            }
            if y > x {
                if let Some((x, y)) = content_range(v, x, y - 1) {
                    match region_opening_at(v, x).filter(|&r| v.regions[r].close == Some(y)) {
                        Some(r) => push_direct(v, r, &mut a),
                        None => {
                            a.push_reported(v.span(x, y));
                        }
                    }
                }
            }
        }
        if a.content.is_empty() {
            continue;
        }
        out.push(a);
    }
    colon_attributions(v, &mut out);
    dash_attributions(v, &mut out);
    out.sort_by_key(|a| a.cue.0);
    out
}

/// Headline and transcript attributions: `Paul Ryan: FBI Decision … ‘Defies Explanation’`,
/// `"PENCE: Well, …`. The speaker is a short capitalised prefix ending in a colon.
fn colon_attributions(v: &View, out: &mut Vec<Attr>) {
    const NOT_SPEAKERS: &[&str] = &[
        "update",
        "updated",
        "watch",
        "exclusive",
        "breaking",
        "video",
        "photos",
        "photo",
        "note",
        "related",
        "read",
        "also",
        "source",
        "sources",
        "editor's",
        "correction",
        "live",
        "listen",
        "warning",
        "q",
        "question",
        "answer",
        "transcript",
        "full",
        "here",
        "more",
        "bottom",
        "the",
        "why",
        "what",
        "how",
        "who",
        "when",
        "where",
        "and",
        "but",
        "so",
        "then",
        "now",
    ];
    for (si, &(ss, se)) in v.sent_range.iter().enumerate() {
        let mut first = ss;
        if first < se && v.is_mark(first) {
            first += 1;
        }
        let Some(p) = (first..(first + 6).min(se)).find(|&k| v.lw[k] == ":") else {
            continue;
        };
        if p == first || p + 1 >= se || (first == ss && v.region_of[p].is_some()) {
            continue;
        }
        let all_cap = (first..p).all(|k| v.is_word(k) && (v.is_cap(k) || v.lw[k] == "'s"));
        if !all_cap || NOT_SPEAKERS.contains(&&*v.lw[first]) {
            continue;
        }
        if out
            .iter()
            .any(|a| a.cue.0 <= p && p <= a.cue.1 || v.sent_of[a.cue.0] == si && a.cue.0 < p)
        {
            continue;
        }
        let transcript = (first..p).all(|k| v.tok(k).chars().all(|c| !c.is_lowercase()));
        let end = if transcript {
            // The rest of the paragraph.
            let para = v.para_of(p);
            let mut e = se;
            while e < v.len() && v.para_of(e) == para {
                e += 1;
            }
            e
        } else {
            se
        };
        let mut end = end - 1;
        // A trailing closing mark that belongs to a paragraph-wide quote opened before the name.
        if transcript && first > ss && v.is_mark(end) {
            end -= 1;
        }
        let Some((x, mut y)) = content_range(v, p + 1, end) else {
            continue;
        };
        // Transcript turns keep their final punctuation ("… be there?").
        if transcript && y < end && is_terminal(&v.lw[y + 1]) {
            y += 1;
        }
        let mut a = Attr {
            kind: QuoteKind::Indirect,
            cue: (p, p),
            source: Some((first, p - 1)),
            content: Vec::new(),
            eval_content: Vec::new(),
            regions: Vec::new(),
            score: 0.0,
        };
        match region_opening_at(v, x).filter(|&r| v.regions[r].close == Some(y)) {
            Some(r) => push_direct(v, r, &mut a),
            None => {
                a.push_reported(v.span(x, y));
            }
        }
        out.push(a);
    }
}

/// True for a dash that can sign a quotation (`“…” ― Sonya Herridge`).
fn is_dash(w: &str) -> bool {
    matches!(w, "\u{2015}" | "\u{2014}" | "\u{2013}" | "-" | "--")
}

/// Signed quotations: a quotation closed and followed by a dash and a name that ends its
/// paragraph (`“…” ― Sonya Herridge`, `“…” — Carla Sanchez.`), the way readers' comments, vox
/// pops and epigraphs are printed. The dash is the cue (PolNeAR annotates it so) and the name
/// the source; a name followed by an affiliation after a comma or in brackets
/// (`— Rudy Giuliani (@RudyGiuliani)`) keeps only the name.
fn dash_attributions(v: &View, out: &mut Vec<Attr>) {
    const MAX_NAME: usize = 5;
    for (r, reg) in v.regions.iter().enumerate() {
        let Some(close) = reg.close else { continue };
        if reg.words < 3 || close + 2 >= v.len() {
            continue;
        }
        let para = v.para_of(close);
        let mut d = close + 1;
        if !is_dash(&v.lw[d]) {
            continue;
        }
        let dash = d;
        // "--" may come as two hyphen tokens.
        if v.lw[d] == "-" && v.lw.get(d + 1).is_some_and(|w| w == "-") {
            d += 1;
        }
        let first = d + 1;
        let mut last = first;
        while last < v.len()
            && last - first < MAX_NAME
            && v.para_of(last) == para
            && v.is_word(last)
            && (v.is_cap(last) || v.tok(last).starts_with('@'))
        {
            last += 1;
        }
        // `last` is one past the name; the name must end its line, or be followed by a full
        // stop, a comma or a bracket opening an affiliation.
        let line_ends = last >= v.len()
            || v.para_of(last) != para
            || v.text[v.toks[last - 1].span.end..v.toks[last].span.start].contains('\n');
        if last == first || !line_ends && !matches!(&*v.lw[last], "." | "," | "(") {
            continue;
        }
        if out
            .iter()
            .any(|a| a.regions.contains(&r) || (reg.open..last).contains(&a.cue.0))
        {
            continue;
        }
        let mut a = Attr {
            kind: QuoteKind::Direct,
            cue: (dash, d),
            source: Some((first, last - 1)),
            content: Vec::new(),
            eval_content: Vec::new(),
            regions: Vec::new(),
            score: 0.0,
        };
        push_direct(v, r, &mut a);
        out.push(a);
    }
}

/// The cue's lowercased words.
pub fn cue_form(v: &View, c: &Candidate) -> String {
    let mut s = String::new();
    for k in c.first..=c.last {
        if k > c.first {
            s.push(' ');
        }
        s.push_str(&v.lw[k]);
    }
    s
}

fn push_direct(v: &View, r: usize, a: &mut Attr) {
    let reg = &v.regions[r];
    a.kind = QuoteKind::Direct;
    a.regions.push(r);
    a.eval_content.push(reg.outer);
    // Layer content: between the marks, without a trailing comma.
    let mut inner = reg.inner.trim(v.text);
    let t = inner.text(v.text);
    if let Some(stripped) = t.strip_suffix(',') {
        inner = Span::new(inner.start, inner.start + stripped.len());
    }
    a.content.push(inner);
}

/// The last token inside the closing mark at `close` (a `''` mark is two tokens).
fn inside_mark(v: &View, close: usize) -> Option<usize> {
    let k = close.checked_sub(1)?;
    if v.lw[k] == "\"" && v.toks[k].span.end == v.toks[close].span.start {
        k.checked_sub(1)
    } else {
        Some(k)
    }
}

/// A quote closing within a few tokens before the cue, in the same paragraph, with only a source
/// (and commas) between.
fn quote_before(v: &View, c: &Candidate, ss: usize, cue_starts: &[usize]) -> Option<usize> {
    let lo = c.first.saturating_sub(25).max(ss.saturating_sub(3));
    let r = region_closing_in(v, lo, c.first)?;
    let close = v.regions[r].close?;
    if v.para_of(close) != v.para_of(c.first) {
        return None;
    }
    // A full stop inside the closing mark ends the sentence: what follows ("“…promises.” The
    // strike continued.") is not its attribution, which would take a comma, "?" or "!".
    let inside = inside_mark(v, close);
    if inside.is_some_and(|k| v.lw[k] == ".") {
        return None;
    }
    // "“…,” he said, adding …": the quote belongs to the nearer cue.
    if cue_starts.iter().any(|&n| n > close && n < c.first) {
        return None;
    }
    // "Peskov told reporters that Moscow “stands shoulder to shoulder” with Minsk, adding
    // that …": a quotation inside an earlier cue's reported content is that cue's partial
    // quote, unless it ends right before this cue and the cue is no participle ("… as a
    // “rehearsal for invasion,” warning that …" reports what follows it).
    let open = v.regions[r].open;
    if (close + 2 < c.first || participle_cue(v, c))
        && cue_starts
            .iter()
            .any(|&n| n >= ss && n < open && v.region_of[n].is_none())
    {
        return None;
    }
    // "… admires Putin as a “strong leader,” comparing him to …": a participle reports what
    // follows it; only a quotation opening its clause may come before it.
    if participle_cue(v, c) && !region_starts_clause(v, r) {
        return None;
    }
    // "the advertisement “unmistakably and wrongfully” suggests that …": a quotation inside
    // its clause, with no comma after it, is a phrase of the subject, not what was said.
    if close + 1 == c.first
        && inside.is_none_or(|k| v.lw[k] != ",")
        && !region_starts_clause(v, r)
        && !matches!(&*v.lw[open - 1], "," | ";")
    {
        return None;
    }
    // A full stop inside brackets ends no sentence: "Rep. Gwen Moore (D-Wis.) said".
    let mut depth = 0usize;
    for k in close + 1..c.first {
        match &*v.lw[k] {
            "(" => depth += 1,
            ")" => depth = depth.saturating_sub(1),
            _ => {}
        }
        if (is_terminal(&v.lw[k]) && depth == 0) || v.is_mark(k) {
            return None;
        }
    }
    // "…was “a con” and encouraged Americans to …": a coordinated verb, with the subject
    // before the quotation; an attribution sits right after the quote, not after "and".
    // So is a relative clause: "calls to his “Keepin' It Real” radio program who said …"
    // names a title, and the cue reports what follows it.
    if inside.is_none_or(|k| v.lw[k] != ",")
        && (close + 1..c.first)
            .any(|k| matches!(&*v.lw[k], "and" | "but" | "or" | "who" | "which" | "that"))
    {
        return None;
    }
    Some(r)
}

/// A quote opening right after the cue (`said: “…”`, `said, “…”`, `said “…”`), possibly at the
/// start of the next paragraph after a colon.
fn quote_after(v: &View, c: &Candidate) -> Option<usize> {
    let mut k = c.last + 1;
    // A short time or place adjunct before the colon or comma (`said on Tuesday: “…”`), which
    // otherwise became the start of an indirect quote ("on Tuesday: “…”").
    if k < v.len() && opens_adjunct(&v.lw[k]) {
        let mut j = k;
        while j < v.len() && j < k + 5 && v.is_word(j) && v.lw[j] != "that" {
            j += 1;
        }
        if j > k && j + 1 < v.len() && matches!(&*v.lw[j], "," | ":") {
            let r = region_opening_at(v, j + 1)?;
            return (v.para_of(j + 1) == v.para_of(c.last)).then_some(r);
        }
    }
    // Allow a short source or "in a statement" between cue and colon: only punctuation here.
    while k < v.len() && k <= c.last + 2 && matches!(&*v.lw[k], "," | ":") {
        k += 1;
    }
    let r = region_opening_at(v, k)?;
    if v.para_of(k) != v.para_of(c.last) && v.lw[k - 1] != ":" {
        return None;
    }
    Some(r)
}

/// The comma closing a parenthetical attribution right after its cue, maybe after a short
/// addressee or time ("he said,", "he told me on Friday,"), with words after it.
fn aside_comma(v: &View, c: &Candidate, se: usize) -> Option<usize> {
    let k = (c.last + 1..(c.last + 5).min(se)).find(|&k| {
        !matches!(
            &*v.lw[k],
            "me" | "us"
                | "him"
                | "her"
                | "them"
                | "reporters"
                | "on"
                | "last"
                | "this"
                | "week"
                | "yesterday"
                | "today"
        ) && !WEEKDAYS.contains(&&*v.lw[k])
    })?;
    (v.lw[k] == "," && k + 2 < se).then_some(k)
}

/// `CONTENT, SOURCE CUE.` / `CONTENT, CUE SOURCE.`: the comma closing the content, when the cue
/// stands at the end of its sentence.
fn content_before(v: &View, c: &Candidate, ss: usize, se: usize) -> Option<usize> {
    // "Acts of protest, Mr. Obama said, are acts of patriotism": an attribution set off by
    // commas inside its content, which goes on after it.
    // The cue may take a short aside before its comma ("…, he told me on Friday, is …").
    let parenthetical = aside_comma(v, c, se).is_some();
    // Else the tokens after the cue until the sentence end must be few (source, "in a
    // statement", date).
    let tail = se.saturating_sub(c.last + 1);
    // "…, said Brian Baker, a longtime adviser to the family who oversees …": an inverted
    // source whose apposition runs to the end of the sentence may be long.
    let inverted_apposition = c.first > ss
        && v.lw[c.first - 1] == ","
        && c.last + 1 < se
        && v.is_cap(c.last + 1)
        && np_right(v, c.last + 1, se)
            .is_some_and(|(_, e)| e + 2 >= se && (c.last + 1..=e).any(|k| v.lw[k] == ","));
    if !parenthetical
        && !inverted_apposition
        && (tail > 12 || (c.last + 1..se).any(|k| v.lw[k] == "that" || v.is_mark(k)))
    {
        return None;
    }
    // A participle is never inverted ("…, calling it a provocation", "…, promising to …"):
    // what follows it is the content.
    if participle_cue(v, c) {
        return None;
    }
    // "…, even suggested he may have been sabotaged.": the words after the cue are a clause
    // of its own (a subject and a verb), so the cue looks forward, not back.
    if let Some((_, e)) = np_right(v, c.last + 1, se) {
        if e + 1 < se && is_verb_after_subject(&v.lw[e + 1]) {
            return None;
        }
    }
    let lo = c.first.saturating_sub(10).max(ss + 1);
    let comma = (lo..c.first)
        .rev()
        .find(|&k| v.lw[k] == "," || is_terminal(&v.lw[k]))?;
    // One word before the comma is said only around a parenthetical attribution, and not
    // when it links to the previous sentence ("However, he said, …") or opens a clause
    // ("If, as I have suggested, …").
    let one_word_said = parenthetical
        && !matches!(
            &*v.lw[ss],
            "however"
                | "meanwhile"
                | "still"
                | "yet"
                | "instead"
                | "now"
                | "but"
                | "and"
                | "so"
                | "then"
                | "also"
                | "indeed"
                | "nevertheless"
                | "moreover"
                | "today"
                | "later"
                | "if"
                | "when"
                | "while"
                | "although"
                | "though"
                | "because"
                | "as"
                | "since"
                | "unless"
                | "whether"
        );
    if v.lw[comma] != "," || comma <= ss || (comma == ss + 1 && !one_word_said) {
        return None;
    }
    // "Megan Hester, senior associate at …, said parents …": the comma closes an apposition of
    // the subject, and what follows the cue is the content.
    let tail_words = (c.last + 1..se).filter(|&k| v.is_word(k)).count();
    if comma + 1 == c.first && tail_words >= 3 && apposition_left(v, ss, comma).is_some() {
        return None;
    }
    // "His partner at Lenox, Lawrence B. Cummings, called him a master …": an inverted
    // source is never an object pronoun, so the comma closes an apposition of the subject.
    if comma + 1 == c.first
        && v.lw
            .get(c.last + 1)
            .is_some_and(|w| matches!(&**w, "him" | "her" | "them" | "me" | "us"))
    {
        return None;
    }
    // Between comma and cue: a subject (no verbs of its own); a second comma means apposition.
    // Nor a clause of its own ("…, was powerfully emotional as she called for …").
    if (comma + 1..c.first).any(|k| {
        matches!(
            &*v.lw[k],
            "that" | "and" | "but" | "which" | "when" | "because" | "while" | "if"
        ) || (v.lw[k] == "as" && k > comma + 1)
    }) {
        return None;
    }
    // "Ahead of the trip, the Russian leader wrote an article": a short opening adjunct is not
    // what was said.
    let opening = (ss..comma).filter(|&k| v.is_word(k)).count() <= 5
        && matches!(
            &*v.lw[ss],
            "ahead"
                | "according"
                | "after"
                | "before"
                | "during"
                | "in"
                | "on"
                | "at"
                | "since"
                | "following"
                | "despite"
                | "amid"
                | "for"
                | "with"
                | "by"
                | "earlier"
                | "later"
        );
    if opening && !parenthetical {
        return None;
    }
    Some(comma)
}

/// An auxiliary, modal or infinitive marker: after a noun phrase, it makes that phrase the
/// subject of a clause ("he may have been", "Americans to check").
fn is_verb_after_subject(w: &str) -> bool {
    w == "to" || is_auxiliary(w)
}

/// Prepositions that can govern a relative "which".
fn is_preposition(w: &str) -> bool {
    matches!(
        w,
        "in" | "about"
            | "of"
            | "on"
            | "for"
            | "with"
            | "to"
            | "by"
            | "from"
            | "under"
            | "through"
            | "during"
            | "after"
            | "before"
            | "at"
            | "against"
            | "over"
            | "upon"
            | "into"
            | "without"
    )
}

/// An auxiliary or modal verb ("may", "was", "has", "did").
fn is_auxiliary(w: &str) -> bool {
    matches!(
        w,
        "may"
            | "might"
            | "will"
            | "would"
            | "could"
            | "should"
            | "can"
            | "must"
            | "is"
            | "was"
            | "were"
            | "are"
            | "has"
            | "have"
            | "had"
            | "did"
            | "does"
            | "do"
    )
}

/// A cue opening or ending with a present participle ("calling for", "promising").
fn participle_cue(v: &View, c: &Candidate) -> bool {
    is_participle(&v.lw[c.first]) || is_participle(&v.lw[c.last])
}

/// A present participle ("promising", "calling"; not "sing" or "king").
fn is_participle(w: &str) -> bool {
    w.len() > 4 && w.ends_with("ing")
}

/// Subject of the cue: the noun phrase before it, or — after "and" — the previous attribution's
/// source in the same sentence ("He said … and added …").
fn source_left(
    v: &View,
    ss: usize,
    c: &Candidate,
    prev: &[Attr],
    src: Option<Scorer>,
) -> Option<(usize, usize)> {
    if c.first == ss {
        return None;
    }
    let mut j = c.first - 1;
    while j > ss && is_adverb(v, j) {
        j -= 1;
    }
    // "The GOP nominee complained …, even suggesting he …": a participle after a comma shares
    // the main clause's subject (or the previous attribution's, when there is one).
    // The comma may sit inside a closing mark: "… as a “rehearsal for invasion,” warning …".
    let comma = if v.is_mark(j) && j > ss && v.lw[j - 1] == "," {
        j - 1
    } else {
        j
    };
    if participle_cue(v, c) && v.lw[comma] == "," {
        let j = comma;
        if let Some(s) = prev.last().and_then(|p| p.source) {
            if v.sent_of[s.0] == v.sent_of[c.first] && s.1 < j {
                return Some(s);
            }
        }
        return main_subject(v, ss, j);
    }
    if v.lw[j] == "and" || v.lw[j] == "but" {
        if let Some(p) = prev.last() {
            if let Some(s) = p.source {
                if v.sent_of[s.0] == v.sent_of[c.first] {
                    return Some(s);
                }
            }
        }
        // "He has promoted unproven therapies and downplayed the risks": a coordinated verb
        // shares the clause's subject.
        return main_subject(v, ss, j);
    }
    left_np(v, ss, c.first - 1, src)
}

/// Nouns naming where or how something was said ("in a statement", "on Twitter").
const CHANNELS: &[&str] = &[
    "statement",
    "statements",
    "interview",
    "interviews",
    "tweet",
    "tweets",
    "twitter",
    "facebook",
    "remarks",
    "speech",
    "letter",
    "post",
    "website",
    "email",
    "e-mail",
    "release",
    "conference",
    "video",
    "op-ed",
    "blog",
    "briefing",
    "radio",
    "television",
    "podcast",
];

/// Where a trailing adjunct naming the channel of the statement starts in the content tokens
/// `x..y` ("…more school investment in a statement on Thursday"): it tells how the words were
/// said, not what was said (PolNeAR leaves it out of the content).
fn channel_adjunct(v: &View, x: usize, y: usize) -> Option<usize> {
    let from = (x + 1).max(y.saturating_sub(9));
    (from..y).find(|&k| {
        matches!(&*v.lw[k], "in" | "on" | "via" | "during" | "through")
            && v.region_of[k].is_none()
            && (k + 1..(k + 4).min(y)).any(|j| CHANNELS.contains(&&*v.lw[j]))
            && (k..y).all(|j| !v.is_mark(j) && v.lw[j] != ",")
    })
}

/// Words that open a sentence-initial adjunct ("On Thursday, …", "However, …").
const OPENERS: &[&str] = &[
    "on",
    "in",
    "at",
    "after",
    "before",
    "during",
    "however",
    "meanwhile",
    "earlier",
    "later",
    "last",
    "yesterday",
    "today",
    "still",
    "instead",
    "now",
    "then",
    "since",
    "for",
    "but",
    "and",
    "also",
    "so",
];

/// Past forms that do not end in "-ed", for [`main_subject`]'s verb test.
const IRREGULAR_PAST: &[&str] = &[
    "said", "told", "spoke", "went", "took", "made", "gave", "came", "got", "met", "sent", "wrote",
    "saw", "held", "left", "led", "ran", "won", "lost", "put", "set", "began", "became", "brought",
    "thought", "stood", "kept", "paid", "found", "felt", "heard", "knew", "built", "sought",
    "struck", "drew", "threw", "rose", "fell", "hit", "cut", "spent",
];

/// The subject of the main clause of the sentence starting at `ss`, before `end`: the words
/// from the start (after an opening adjunct such as "On Thursday, however,") up to the first
/// word that looks like the finite verb — an auxiliary, a past form, or an "-s" form after a
/// name or pronoun. `None` when no such verb is found or the words do not look like a subject.
fn main_subject(v: &View, ss: usize, end: usize) -> Option<(usize, usize)> {
    let mut s0 = ss;
    if s0 < end && v.is_mark(s0) {
        s0 += 1;
    }
    // Opening adjuncts end at a comma within a few words; several may follow each other.
    while s0 < end && OPENERS.contains(&&*v.lw[s0]) {
        let comma = (s0 + 1..(s0 + 8).min(end)).find(|&k| v.lw[k] == ",")?;
        s0 = comma + 1;
    }
    let verb = (s0 + 1..end.min(s0 + 14)).find(|&k| {
        let w = &*v.lw[k];
        if !v.is_word(k) || v.is_cap(k) {
            return false;
        }
        let after_name = v.is_cap(k - 1) || is_subject_pronoun(&v.lw[k - 1]);
        is_auxiliary(w)
            || IRREGULAR_PAST.contains(&w)
            || w.len() > 3 && w.ends_with("ed")
            || after_name && w.len() > 3 && w.ends_with('s') && !w.ends_with("ss")
    })?;
    let (x, y) = (s0, verb - 1);
    let mut y = y;
    while y > x && is_adverb(v, y) {
        y -= 1;
    }
    let looks_like_subject = (x..=y).all(|k| !v.is_mark(k) && v.lw[k] != ";")
        && ((x..=y).any(|k| v.is_cap(k)) || is_subject_pronoun(&v.lw[x]));
    looks_like_subject.then_some((x, y))
}

/// Whether `w` opens an adjunct between a cue and what follows it: one of [`ADJUNCT`] or a
/// weekday ("said Friday that").
fn opens_adjunct(w: &str) -> bool {
    ADJUNCT.contains(&w) || WEEKDAYS.contains(&w)
}

/// Words that open an adjunct between a cue and its "that"-clause ("said on Friday that",
/// "said in a statement that", "said via email that"); weekdays are in [`WEEKDAYS`].
const ADJUNCT: &[&str] = &[
    "on",
    "in",
    "at",
    "during",
    "via",
    "through",
    "after",
    "before",
    "last",
    "this",
    "earlier",
    "later",
    "yesterday",
    "today",
    "tonight",
    "recently",
    "previously",
    "repeatedly",
    "publicly",
    "privately",
    "again",
    "also",
    "then",
    ",",
    "to",
    "late",
    "early",
    "separately",
    "afterward",
    "afterwards",
    "over",
    "while",
    "when",
    "shortly",
    "in",
    "from",
    "of",
];

/// An inclusive token range.
type Range = (usize, usize);

/// "the measures announced last Friday would hurt …", "The sanctions announced by the ministry
/// on Friday will …": a past participle after its noun, then only an agent or a time, then an
/// auxiliary, modifies the noun. Returns the noun phrase and the agent.
fn reduced_relative(
    v: &View,
    c: &Candidate,
    ss: usize,
    se: usize,
) -> Option<(Range, Option<Range>)> {
    if c.first != c.last || c.first <= ss || !v.lw[c.first].ends_with("ed") {
        return None;
    }
    // A common noun right before ("Sullivan responded by …" has a name, "When pressed" none).
    let noun = c.first - 1;
    if !v.is_word(noun) || v.is_cap(noun) || NP_STOP.contains(&&*v.lw[noun]) {
        return None;
    }
    let np = np_left(v, ss, noun).filter(|np| np.1 == noun)?;
    let mut k = c.last + 1;
    let mut agent = None;
    // An agent: "by" and a few words (no clause of their own) up to a time or the auxiliary.
    if k < se && v.lw[k] == "by" {
        let a = k + 1;
        k = a;
        let lim = (a + 6).min(se);
        while k < lim
            && v.is_word(k)
            && !is_auxiliary(&v.lw[k])
            && !opens_time(&v.lw[k])
            && !NP_STOP.contains(&&*v.lw[k])
        {
            k += 1;
        }
        if k == a || is_participle(&v.lw[a]) || is_subject_pronoun(&v.lw[k - 1]) {
            return None;
        }
        agent = Some((a, k - 1));
    }
    // A time: "last Friday", "on Friday", "this week", "in March", "Friday", "yesterday".
    if k < se && opens_time(&v.lw[k]) {
        let day = skip_day(v, k, se);
        k = if day > k {
            day
        } else if k + 1 < se && v.is_word(k + 1) {
            k + 2
        } else {
            k
        };
    }
    (k > c.last + 1 && k < se && is_auxiliary(&v.lw[k])).then_some((np, agent))
}

/// A passive cue ("was announced", "are expected"): the subject before it, the agent after
/// "by" (not a time: "by the end of the year") and a "to"-complement ("to resume in May").
/// A "that"-clause or a quotation after the cue, or a subject "it", leaves the active rules
/// in charge ("It was announced that …").
fn passive(
    v: &View,
    c: &Candidate,
    ss: usize,
    se: usize,
) -> Option<(Range, Option<Range>, Option<Range>)> {
    let is_be = |k: usize| {
        matches!(
            &*v.lw[k],
            "is" | "are" | "was" | "were" | "be" | "been" | "being"
        )
    };
    // The auxiliary is part of the cue ("was announced") or stands before it, maybe with
    // adverbs between ("was widely criticized").
    let mut first = c.first;
    if !(c.first..c.last).any(is_be) {
        let mut k = c.first;
        while k > ss && is_adverb(v, k - 1) {
            k -= 1;
        }
        if k > ss && is_be(k - 1) {
            first = k - 1;
        } else {
            return None;
        }
    }
    let part = &*v.lw[c.last];
    if first <= ss
        || !(part.ends_with("ed")
            || matches!(
                part,
                "told" | "said" | "known" | "seen" | "shown" | "thought" | "held"
            ))
    {
        return None;
    }
    let next = c.last + 1;
    if next < se && (v.lw[next] == "that" || v.is_mark(next) || v.lw[next] == ":") {
        return None;
    }
    let subject = np_left(v, ss, first - 1).filter(|np| np.1 + 1 == first)?;
    if matches!(&*v.lw[subject.0], "it" | "this" | "that" | "there") {
        return None;
    }
    let mut k = next;
    let mut agent = None;
    if k + 1 < se && v.lw[k] == "by" {
        let a = k + 1;
        let mut e = a;
        while e < se
            && e < a + 12
            && v.is_word(e)
            && !matches!(
                &*v.lw[e],
                "to" | "as" | "that" | "on" | "in" | "at" | "after" | "before" | "during" | "for"
            )
        {
            e += 1;
        }
        let time = (a..e).any(|j| {
            matches!(
                &*v.lw[j],
                "end"
                    | "beginning"
                    | "start"
                    | "middle"
                    | "close"
                    | "time"
                    | "then"
                    | "now"
                    | "next"
                    | "week"
                    | "month"
                    | "year"
                    | "weekend"
                    | "tomorrow"
                    | "tonight"
            ) || WEEKDAYS.contains(&&*v.lw[j])
        });
        if e > a && !time {
            agent = Some((a, e - 1));
        }
        k = e;
    }
    let complement = (k < se && v.lw[k] == "to")
        .then(|| {
            let end = (k..se)
                .find(|&j| matches!(&*v.lw[j], "," | ";") || v.is_mark(j))
                .unwrap_or(se);
            content_range(v, k, end - 1)
        })
        .flatten();
    Some((subject, agent, complement))
}

/// A word that opens a time adjunct after a participle ("last Friday", "in March").
fn opens_time(w: &str) -> bool {
    WEEKDAYS.contains(&w)
        || matches!(
            w,
            "last" | "this" | "on" | "in" | "earlier" | "yesterday" | "today" | "next"
        )
}

/// Skips an adjunct before a "that"-clause; returns where the content starts.
fn skip_adjunct(v: &View, x: usize, se: usize) -> usize {
    if x >= se || !opens_adjunct(&v.lw[x]) || infinitive_at(v, x) {
        return skip_day(v, x, se);
    }
    // "said in a statement carried by the Korean Central News Agency (KCNA) that …": a
    // channel's adjunct may run longer.
    let channel = (x..(x + 4).min(se)).any(|k| CHANNELS.contains(&&*v.lw[k]));
    (x..(x + if channel { 20 } else { 12 }).min(se))
        .take_while(|&k| !v.is_mark(k) && !is_terminal(&v.lw[k]))
        .find(|&k| v.lw[k] == "that")
        .unwrap_or_else(|| skip_day(v, x, se))
}

/// "agreed to clean up the mines that …", unlike "said to reporters that …": "to" before a
/// verb opens what was said, not an adjunct before a "that"-clause.
fn infinitive_at(v: &View, x: usize) -> bool {
    let Some(w) = v.lw.get(x + 1).filter(|_| v.lw[x] == "to") else {
        return false;
    };
    v.is_word(x + 1)
        && !v.is_cap(x + 1)
        && !is_determiner(w)
        && !matches!(
            &**w,
            "your"
                | "this"
                | "that"
                | "these"
                | "those"
                | "me"
                | "him"
                | "them"
                | "us"
                | "you"
                | "some"
                | "all"
                | "both"
                | "each"
                | "other"
                | "others"
                | "one"
                | "reporters"
        )
        && (!w.ends_with('s') || w.ends_with("ss") || w.ends_with("us"))
        && !w.ends_with("ers")
}

/// "said on Thursday it stood by …", "said Monday the talks …": the day is when it was said,
/// not part of what was.
fn skip_day(v: &View, x: usize, se: usize) -> usize {
    let is_day = |w: &str| WEEKDAYS.contains(&w) || w == "yesterday" || w == "today";
    let day = if x + 1 < se && v.lw[x] == "on" && WEEKDAYS.contains(&&*v.lw[x + 1]) {
        x + 2
    } else if x < se && is_day(&v.lw[x]) {
        x + 1
    } else {
        return x;
    };
    // "Friday's decision" is what was spoken of; "Friday afternoon" is still the day.
    let day = match v.lw.get(day).map(|w| &**w) {
        Some("'s" | "’s") => return x,
        Some("morning" | "afternoon" | "evening" | "night") => day + 1,
        _ => day,
    };
    // Something must follow that can be said: a word (not a clause break).
    if day < se && v.is_word(day) && !is_terminal(&v.lw[day]) {
        day
    } else {
        x
    }
}

/// After "told"/"asked"…: skip the addressee ("told reporters (that) …").
fn skip_object(v: &View, x: usize, se: usize) -> usize {
    // A quoted title may stand in the addressee ("told MSNBC's “Morning Joe” (on Friday)
    // that"): the scan goes over a quotation closed before "that".
    let title_mark = |k: usize| {
        v.region_of[k].is_some_and(|r| {
            let reg = &v.regions[r];
            (reg.open == k || reg.close == Some(k))
                && reg.close.is_some_and(|cl| {
                    cl < x + 12
                        && v.lw
                            .get(skip_day(v, cl + 1, se))
                            .is_some_and(|w| w == "that")
                })
        })
    };
    // The addressee may be long ("told one of his young John Birch Society protégés on a
    // regular basis that …"): 16 tokens (12 lost 0.05 content F1 on PolNeAR dev).
    // A subject pronoun after the addressee opens what was said ("told the series it is
    // clear … that …"): the scan for "that" stops there.
    if let Some(k) = (x..(x + 16).min(se))
        .take_while(|&k| !is_terminal(&v.lw[k]) && (!v.is_mark(k) || title_mark(k)))
        .take_while(|&k| k == x || !opens_clause(&v.lw[k]))
        .find(|&k| {
            matches!(
                &*v.lw[k],
                "that" | "how" | "why" | "whether" | "what" | "if"
            ) || (k > x
                && v.lw[k] == "to"
                && (v.is_word(k + 1) && !v.is_cap(k + 1) || v.is_mark(k + 1)))
        })
    {
        // "urged Republicans to join …": before an infinitive the addressee is part of what
        // was said (PolNeAR), unless a quotation follows ("tells his supporters to “go …”").
        if k > x && v.lw[k] == "to" && !v.is_mark(k + 1) {
            return x;
        }
        // "warned Manila not to …": the negation belongs to what was said.
        return if k > x && v.lw[k] == "to" && v.lw[k - 1] == "not" {
            k - 1
        } else {
            k
        };
    }
    // A determiner or possessive plus up to three words, or one capitalised name.
    let mut k = x;
    if k < se && is_determiner(&v.lw[k]) {
        k += 1;
    }
    let mut n = 0;
    while k < se
        && n < 3
        && v.is_word(k)
        && (v.is_cap(k) || n == 0)
        && !NP_STOP.contains(&&*v.lw[k])
    {
        k += 1;
        n += 1;
    }
    // "told USA TODAY's weekly video series it is clear …": a possessive addressee runs to
    // the subject pronoun that opens what was said.
    if n > 0 && k < se && matches!(&*v.lw[k], "'s" | "’s") {
        if let Some(p) = (k + 1..(k + 7).min(se))
            .take_while(|&j| v.is_word(j) && !v.is_cap(j) || opens_clause(&v.lw[j]))
            .find(|&j| opens_clause(&v.lw[j]))
        {
            return p;
        }
    }
    if k < se && (v.lw[k] == "," || v.lw[k] == ":") {
        k += 1;
    }
    if k >= se {
        x
    } else {
        k
    }
}

/// `according to SOURCE, CONTENT` or `CONTENT, according to SOURCE`.
fn according_to(v: &View, c: &Candidate, ss: usize, se: usize, a: &mut Attr) {
    let s0 = c.last + 1;
    let mut s1 = s0;
    while s1 < se && !is_clause_punct(&v.lw[s1]) && !is_terminal(&v.lw[s1]) && !v.is_mark(s1) {
        s1 += 1;
    }
    if s1 > s0 {
        a.source = Some((s0, s1 - 1));
    }
    let starts_clause =
        c.first == ss || matches!(&*v.lw[c.first - 1], "," | ":" | "\u{2014}" | "(");
    if c.first == ss
        || (starts_clause && s1 < se && v.lw[s1] == "," && c.first > ss && c.first - ss <= 3)
    {
        // Content after the source's comma.
        if s1 < se && v.lw[s1] == "," {
            if let Some((x, y)) = content_range(v, s1 + 1, se - 1) {
                a.push_reported(v.span(x, y));
            }
        }
    } else if c.first > ss + 1 {
        let end = if v.lw[c.first - 1] == "," {
            c.first - 1
        } else {
            c.first
        };
        if let Some((x, y)) = content_range(v, ss, end.saturating_sub(1)) {
            a.push_reported(v.span(x, y));
        }
    }
}

/// The subject noun phrase ending at token `j` (after skipping adverbs), with its start chosen by
/// the learned source-start ranker when there is one (the rule's start is one of its features).
fn left_np(v: &View, ss: usize, j: usize, src: Option<Scorer>) -> Option<(usize, usize)> {
    let rule = np_left(v, ss, j)?;
    let Some(m) = src else {
        return Some(rule);
    };
    let e = rule.1;
    let mut best = (f32::MIN, rule.0);
    let mut f = Vec::with_capacity(24);
    // Starts come right to left: the counts over `k..=e` grow by the tokens left of the
    // previous start instead of being recounted for every start.
    let mut counts = SpanCounts::default();
    let mut counted = e + 1;
    for k in start_candidates(v, ss, e) {
        while counted > k {
            counted -= 1;
            counts.add(v, counted);
        }
        source_features_with(v, ss, k, e, rule.0, &counts, &mut f);
        let margin = m.margin(&f);
        if margin > best.0 {
            best = (margin, k);
        }
    }
    Some((best.1, e))
}

/// Possible source starts for a source ending at `e`: up to 24 tokens back, not across sentence
/// punctuation or quote marks.
pub fn start_candidates<'a>(
    v: &'a View<'a>,
    ss: usize,
    e: usize,
) -> impl Iterator<Item = usize> + 'a {
    let lo = e.saturating_sub(24).max(ss);
    let mut stop = lo;
    // A period attached to a word inside the sentence ends an abbreviation, not the sentence
    // ("Rep. Ann Lowe (D-Md.), head of …, said").
    let abbreviation_period =
        |k: usize| v.lw[k] == "." && k > ss && v.toks[k - 1].span.end == v.toks[k].span.start;
    for k in (lo..=e).rev() {
        if v.is_mark(k)
            || (is_terminal(&v.lw[k]) && !abbreviation_period(k))
            || v.lw[k] == ";"
            || v.lw[k] == ":"
        {
            stop = k + 1;
            break;
        }
    }
    (stop..=e)
        .rev()
        .filter(move |&k| v.is_word(k) || v.lw[k] == "(")
}

/// Token index where the subject before a cue ends (adverbs and auxiliaries skipped).
pub fn subject_end(v: &View, ss: usize, cue_first: usize) -> Option<usize> {
    np_left(v, ss, cue_first.checked_sub(1)?).map(|r| r.1)
}

/// The rule's start for a source ending before `cue_first`.
pub fn rule_start(v: &View, ss: usize, cue_first: usize) -> Option<usize> {
    np_left(v, ss, cue_first.checked_sub(1)?).map(|r| r.0)
}

fn tok_class<'a>(v: &'a View<'a>, k: Option<usize>) -> &'a str {
    let Some(k) = k else { return "<s>" };
    let w = &*v.lw[k];
    if v.is_mark(k) {
        return "Q";
    }
    match w {
        "," | "and" | "that" | "but" | "said" | "says" | "(" | ")" | "the" | "a" | "of" | "in"
        | "on" | "at" | "for" | "by" | "with" | "as" | "when" | "while" | "who" | "which" => w,
        _ if v.is_cap(k) => "Aa",
        _ if v.is_word(k) => "a",
        _ => "p",
    }
}

/// What the features of a source need to know about its tokens.
#[derive(Debug, Clone, Copy, Default)]
struct SpanCounts {
    commas: usize,
    lower_words: usize,
    /// A "who", "which" or "that".
    has_rel: bool,
    /// One of "of", "for", "at", "in", "on", "from".
    prep_inside: bool,
}

impl SpanCounts {
    /// Counts token `j` too.
    fn add(&mut self, v: &View, j: usize) {
        let w = &*v.lw[j];
        self.commas += usize::from(w == ",");
        self.lower_words += usize::from(v.is_word(j) && !v.is_cap(j));
        self.has_rel |= matches!(w, "who" | "which" | "that");
        self.prep_inside |= matches!(w, "of" | "for" | "at" | "in" | "on" | "from");
    }
}

/// Features of a source starting at `k` and ending at `e`.
pub fn source_features(v: &View, ss: usize, k: usize, e: usize, rule: usize, out: &mut Vec<u32>) {
    let mut counts = SpanCounts::default();
    for j in k..=e {
        counts.add(v, j);
    }
    source_features_with(v, ss, k, e, rule, &counts, out);
}

/// [`source_features`] given the counts over the tokens `k..=e`.
fn source_features_with(
    v: &View,
    ss: usize,
    k: usize,
    e: usize,
    rule: usize,
    counts: &SpanCounts,
    out: &mut Vec<u32>,
) {
    out.clear();
    let prev = (k > ss).then(|| k - 1);
    let len = (e + 1 - k).min(12) as u64;
    let is_rule = (k == rule) as u64;
    let commas = counts.commas.min(3) as u64;
    let lower_words = counts.lower_words.min(6) as u64;
    let mut push = |h: FeatureHash| out.push(h.row(BITS));
    push(FeatureHash::new(100));
    push(FeatureHash::new(101).u64(is_rule));
    push(FeatureHash::new(102).u64(is_rule).u64(len));
    push(FeatureHash::new(103).str(&v.lw[k]));
    push(FeatureHash::new(104).str(tok_class(v, prev)));
    push(
        FeatureHash::new(105)
            .str(tok_class(v, Some(k)))
            .str(tok_class(v, prev)),
    );
    push(FeatureHash::new(106).u64(len));
    push(FeatureHash::new(107).u64(commas).u64(is_rule));
    push(FeatureHash::new(108).u64(lower_words).u64(len));
    push(FeatureHash::new(109).str(prev.map_or("<s>", |p| &*v.lw[p])));
    push(FeatureHash::new(110).str(&v.lw[k]).str(tok_class(v, prev)));
    push(FeatureHash::new(111).u64((k == ss) as u64).u64(is_rule));
    push(FeatureHash::new(112).str(&v.lw[e]).u64(len.min(4)));
    let has_rel = counts.has_rel;
    push(FeatureHash::new(113).u64(has_rel as u64).u64(commas));
    push(FeatureHash::new(114).u64((k as i64 - rule as i64).clamp(-6, 6) as u64));
    let prep_inside = counts.prep_inside;
    push(FeatureHash::new(115).u64(prep_inside as u64).u64(is_rule));
}
