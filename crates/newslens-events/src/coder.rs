//! Shallow actor–action–target coding: verb phrases from the dictionary, the subject found left of
//! the verb group and the object right of it, passives, control verbs ("pledged to assist",
//! "is to visit", "refused to sign"), modality and event time.

use newslens_core::layers::entities::EntityType;
use newslens_core::layers::events::Modality;
use newslens_core::layers::time::{TimeLayer, TimexType};
use newslens_core::Span;

use crate::doc::DocView;
use crate::tables::{Control, Form, VerbDict};

/// An event found by the coder, before it is written to the layer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Coded {
    pub sentence: usize,
    /// The verb phrase.
    pub action: Span,
    /// Token index of the head verb (for ordering and cue matching).
    pub head_tok: usize,
    pub code: String,
    /// Actor mention index (into `DocView::mentions`), or a cluster and span given by a quote.
    pub actor: Option<Arg>,
    pub target: Option<Arg>,
    pub modality: Modality,
    /// Tokens of the head verb's form (used to let a future date turn it into a plan).
    pub past: bool,
    /// Quote id when the event was derived from a quote.
    pub quote: Option<usize>,
}

/// An argument: entity cluster plus where it is named.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Arg {
    pub cluster: usize,
    pub span: Span,
}

const DETERMINERS: &[&str] = &[
    "a", "an", "the", "its", "his", "her", "their", "our", "my", "your", "this", "that", "these",
    "those", "some", "any", "new", "full", "formal", "official", "further", "more",
];
const MODALS: &[&str] = &[
    "will", "would", "shall", "should", "can", "could", "may", "might", "must", "'ll",
];
const BE: &[&str] = &[
    "is", "are", "was", "were", "be", "been", "being", "am", "'s", "'re",
];
const AUX: &[&str] = &[
    "has", "have", "had", "do", "does", "did", "is", "are", "was", "were", "be", "been", "being",
    "am", "'s", "'re", "'ve", "'d", "get", "got", "gets",
];
const NEG: &[&str] = &["not", "n't", "never", "no", "neither", "nor", "cannot"];
const PREPS: &[&str] = &[
    "of",
    "for",
    "in",
    "to",
    "by",
    "with",
    "from",
    "against",
    "on",
    "at",
    "into",
    "over",
    "about",
    "toward",
    "towards",
    "between",
    "among",
    "during",
    "under",
    "than",
    "via",
    "including",
    "like",
    "through",
    "across",
    "upon",
    "within",
    "without",
    "near",
    "behind",
    "beyond",
    "despite",
    "amid",
    "onto",
    "off",
];
/// Words that end a clause when searching for an object.
const RIGHT_STOP: &[&str] = &[
    ".", ";", ":", ",", "that", "who", "which", "whom", "while", "because", "although", "though",
    "but", "whereas", "after", "before", "when", "since", "until", "if", "unless", "as", "said",
    "says", "where", "?", "!", "(", ")", "—", "–",
];
/// Words that end the search for a subject on the left.
const LEFT_STOP: &[&str] = &[";", ":", "(", ")", "—", "–"];
/// Lower-case words that may sit inside a title before a name ("Roscosmos chief Yuri Borisov").
const TITLE_WORDS: &[&str] = &[
    "chief",
    "head",
    "minister",
    "president",
    "leader",
    "spokesman",
    "spokeswoman",
    "envoy",
    "ambassador",
    "secretary",
    "general",
    "deputy",
    "prime",
    "foreign",
    "defense",
    "defence",
    "official",
    "officials",
    "commander",
    "director",
    "chairman",
    "governor",
    "mayor",
    "king",
    "queen",
    "prince",
    "senator",
    "lawmakers",
    "lawmaker",
    "representative",
    "counterpart",
    "and",
    "of",
    "the",
    "'s",
    "former",
    "then",
    "new",
];

/// Runs the coder over every sentence.
pub(crate) fn code_document(view: &DocView, dict: &VerbDict) -> Vec<Coded> {
    let mut out = Vec::new();
    for (si, &(s, e)) in view.sents.iter().enumerate() {
        code_sentence(view, dict, si, s, e, &mut out);
    }
    out
}

#[derive(Debug, Clone, Copy)]
struct VMatch {
    entry: usize,
    form: Form,
    head: usize,
    /// One past the last token of the phrase.
    end: usize,
}

/// Finds dictionary verb phrases in tokens `[s, e)`; at most one (the longest) per head token.
fn find_matches(view: &DocView, dict: &VerbDict, s: usize, e: usize) -> Vec<VMatch> {
    let mut out: Vec<VMatch> = Vec::new();
    for i in s..e {
        let cands = dict.lookup(view.w(i));
        if cands.is_empty() || view.men_at[i].is_some() {
            continue;
        }
        let mut best: Option<VMatch> = None;
        for &(ei, form) in cands {
            let entry = &dict.entries[ei];
            let Some(end) = match_rest(view, i + 1, e, &entry.rest) else {
                continue;
            };
            if best.is_none_or(|b| end > b.end) {
                best = Some(VMatch {
                    entry: ei,
                    form,
                    head: i,
                    end,
                });
            }
        }
        let Some(m) = best else { continue };
        if !verb_reading(view, s, m, &out) {
            continue;
        }
        out.push(m);
    }
    out
}

/// Matches the words after the head, allowing determiners in between; returns the end token.
fn match_rest(view: &DocView, mut i: usize, e: usize, rest: &[String]) -> Option<usize> {
    for w in rest {
        while i < e && DETERMINERS.contains(&view.w(i)) && view.w(i) != w {
            i += 1;
        }
        // Nouns of a phrase may follow up to two modifiers ("staged a dramatic protest");
        // particles and prepositions must follow directly ("meet with").
        let gaps = if PREPS.contains(&w.as_str()) || matches!(w.as_str(), "up" | "down" | "out") {
            0
        } else {
            2
        };
        let mut k = 0;
        while k < gaps
            && i + k < e
            && view.w(i + k) != w
            && view.toks[i + k].word
            && view.men_at[i + k].is_none()
        {
            k += 1;
        }
        if i + k >= e || view.w(i + k) != w {
            return None;
        }
        i += k + 1;
    }
    Some(i)
}

/// Is the head token read as a verb here (not "its support", "the visit")?
fn verb_reading(view: &DocView, s: usize, m: VMatch, earlier: &[VMatch]) -> bool {
    let Some(p) = prev_non_adverb(view, s, m.head) else {
        // Sentence-initial: only inflected forms ("Attacked by ..." is rare; "Visits" is a noun).
        return m.form == Form::Past;
    };
    let pw = view.w(p);
    // ("that" is mostly a complementiser or relative pronoun before a verb.)
    if (DETERMINERS.contains(&pw) && pw != "that") || pw == "'s" || pw == "’s" {
        return false;
    }
    // Right after another coded verb phrase it is its object ("supply arms").
    if earlier.last().is_some_and(|v| v.end == m.head) {
        return false;
    }
    let adjective_like = |w: &str| {
        ["ic", "al", "ary", "ive", "ous", "ful", "ian", "ese", "ish"]
            .iter()
            .any(|suf| w.len() > 4 && w.ends_with(suf))
    };
    let conjunct_of_verb =
        matches!(pw, "and" | "or") && earlier.last().is_some_and(|v| v.end + 3 >= p && v.end <= p);
    match m.form {
        Form::Past => true,
        // "-s" forms are plural nouns after modifiers and numbers ("economic sanctions", "two bans").
        Form::S => {
            !(PREPS.contains(&pw)
                || view.toks[p]
                    .lower
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b',')
                || (matches!(pw, "and" | "or") && !conjunct_of_verb)
                || (!view.toks[p].cap && adjective_like(pw)))
        }
        Form::Ing => !PREPS.contains(&pw) || pw == "to",
        Form::Base => {
            pw == "to"
                || MODALS.contains(&pw)
                || NEG.contains(&pw)
                || matches!(pw, "do" | "does" | "did" | "they" | "we" | "i" | "you")
                || conjunct_of_verb
        }
    }
}

/// The nearest token left of `i` (not before `s`) that is not an "-ly" adverb or a common adverb.
fn prev_non_adverb(view: &DocView, s: usize, i: usize) -> Option<usize> {
    let mut j = i;
    while j > s {
        j -= 1;
        let w = view.w(j);
        if is_adverb(w) {
            continue;
        }
        return Some(j);
    }
    None
}

fn is_adverb(w: &str) -> bool {
    (w.len() > 4 && w.ends_with("ly") && !matches!(w, "italy" | "family" | "ally" | "rally"))
        || matches!(
            w,
            "also"
                | "again"
                | "now"
                | "still"
                | "already"
                | "just"
                | "soon"
                | "then"
                | "once"
                | "jointly"
                | "recently"
                | "reportedly"
                | "allegedly"
                | "even"
        )
}

/// The start of the verb group of a head verb: auxiliaries, modals, negation, adverbs, "is to".
fn group_start(view: &DocView, s: usize, head: usize) -> usize {
    let mut g = head;
    while g > s {
        let w = view.w(g - 1);
        if AUX.contains(&w) || MODALS.contains(&w) || NEG.contains(&w) || is_adverb(w) {
            g -= 1;
        } else if w == "to"
            && g >= s + 2
            && (BE.contains(&view.w(g - 2)) || view.w(g - 2) == "about")
        {
            // "is to visit", "about to restore"
            g -= 1;
        } else if w == "about" && g >= s + 2 && BE.contains(&view.w(g - 2)) {
            g -= 1;
        } else {
            break;
        }
    }
    g
}

fn modality_of_group(view: &DocView, g: usize, head: usize) -> Modality {
    let words: Vec<&str> = (g..head).map(|i| view.w(i)).collect();
    if words.iter().any(|w| NEG.contains(w)) {
        return Modality::Denied;
    }
    let planned = words
        .iter()
        .any(|w| matches!(*w, "will" | "'ll" | "shall" | "would"))
        || words
            .windows(2)
            .any(|p| (BE.contains(&p[0]) || p[0] == "about") && p[1] == "to");
    if planned {
        Modality::Planned
    } else {
        Modality::Happened
    }
}

fn is_passive(view: &DocView, g: usize, m: VMatch) -> bool {
    m.form == Form::Past
        && (g..m.head).any(|i| {
            BE.contains(&view.w(i)) || matches!(view.w(i), "get" | "got" | "gets")
        })
        // "is scheduled to visit" is a control construction, not a passive event.
        && view.w(m.end) != "to"
}

/// Combines a control verb's code with the governed event's code.
fn control_code(control: Control, own: Option<&str>, embedded: &str) -> Option<String> {
    let root = &embedded[..embedded.len().min(2)];
    let c = match control {
        Control::Intent => match embedded {
            "051" => "032",
            "071" => "0331",
            "072" => "0332",
            "073" => "0333",
            "074" => "0334",
            "061" => "0311",
            "062" => "0312",
            "084" | "0841" | "0842" => "0354",
            "085" => "0355",
            "087" => "0357",
            _ => match root {
                "04" => "036",
                "05" => "030",
                "06" => "031",
                "07" => "033",
                "08" => "035",
                "01" | "02" | "03" => own.unwrap_or("030"),
                // Intent to do something hostile is coded as the act itself ("pledged to expel").
                _ => embedded,
            },
        },
        Control::Appeal => match root {
            "04" => "026",
            "06" => "021",
            "07" => "023",
            "08" => "025",
            _ => own.unwrap_or("020"),
        },
        Control::Demand => match root {
            "04" => "108",
            "07" => "103",
            "08" => "100",
            _ => own.unwrap_or("100"),
        },
        Control::Threat => match root {
            "18" | "19" | "20" => "138",
            "15" => "138",
            "16" => match embedded {
                "161" => "1313",
                "162" => "1311",
                "163" => "134",
                "166" => "1312",
                _ => "131",
            },
            "17" => "130",
            _ => own.unwrap_or("130"),
        },
        Control::Plan | Control::Deny | Control::None => embedded,
    };
    Some(c.to_string())
}

/// Codes one sentence `[s, e)` (sentence id `si`).
fn code_sentence(
    view: &DocView,
    dict: &VerbDict,
    si: usize,
    s: usize,
    e: usize,
    out: &mut Vec<Coded>,
) {
    let matches = find_matches(view, dict, s, e);
    if matches.is_empty() {
        return;
    }
    // Link control verbs to the verb they govern.
    let mut governed = vec![false; matches.len()];
    let mut embedded: Vec<Option<usize>> = vec![None; matches.len()];
    for (k, m) in matches.iter().enumerate() {
        let control = dict.entries[m.entry].control;
        if control == Control::None {
            continue;
        }
        let window = if control == Control::Appeal { 10 } else { 1 };
        let mut i = m.end;
        let lim = (m.end + window).min(e);
        while i < lim && view.w(i) != "to" {
            if matches!(view.w(i), "." | ";" | ":") {
                break;
            }
            i += 1;
        }
        if view.w(i) != "to" {
            continue;
        }
        let mut j = i + 1;
        while j < e && is_adverb(view.w(j)) {
            j += 1;
        }
        if let Some(k2) = matches
            .iter()
            .position(|x| x.head == j && x.form == Form::Base)
        {
            embedded[k] = Some(k2);
            governed[k2] = true;
        }
    }
    let first_new = out.len();
    for (k, m) in matches.iter().enumerate() {
        if governed[k] {
            continue;
        }
        let entry = &dict.entries[m.entry];
        if entry.say {
            continue;
        }
        // Follow the chain of governed verbs ("plans to pledge to visit").
        let mut modality_override: Option<Modality> = None;
        let mut code = entry.code.clone();
        let mut last = *m;
        let mut cur = k;
        let mut outer_control = Control::None;
        while let Some(k2) = embedded[cur] {
            let inner = &dict.entries[matches[k2].entry];
            let control = dict.entries[matches[cur].entry].control;
            match control {
                Control::Plan => {
                    if modality_override.is_none() {
                        modality_override = Some(Modality::Planned)
                    }
                }
                Control::Deny => modality_override = Some(Modality::Denied),
                c => {
                    if outer_control == Control::None {
                        outer_control = c;
                    }
                }
            }
            if let Some(ic) = &inner.code {
                code = if outer_control != Control::None {
                    control_code(outer_control, dict.entries[m.entry].code.as_deref(), ic)
                } else {
                    Some(ic.clone())
                };
            }
            last = matches[k2];
            cur = k2;
        }
        let Some(code) = code else { continue };
        let g = group_start(view, s, m.head);
        let mut modality = modality_of_group(view, g, m.head);
        if let Some(mo) = modality_override {
            if modality != Modality::Denied {
                modality = mo;
            }
        }
        // An infinitive after a noun or an uncoded verb ("willingness to defend") or a gerund is
        // only an event when it has an object.
        let infinitive = g == m.head && g > s && view.w(g - 1) == "to";
        if infinitive && modality == Modality::Happened {
            modality = Modality::Planned;
        }
        let has_aux = (g..m.head).any(|i| AUX.contains(&view.w(i)) || MODALS.contains(&view.w(i)));
        let needs_target = infinitive || m.form == Form::Ing && !has_aux;
        let passive = is_passive(view, g, *m);
        let action = Span::new(view.toks[g].span.start, view.toks[last.end - 1].span.end);
        // Subject (actor for actives, target for passives).
        let subjects = subject(view, s, g, out, first_new);
        let (actors, targets) = if passive {
            let by = by_agent(view, last.end, e);
            (by.into_iter().collect::<Vec<_>>(), subjects)
        } else {
            let mut objs = object(view, last.end, e);
            if objs.is_empty() && outer_control == Control::Appeal {
                objs = object(view, m.end, e);
            }
            (subjects, objs)
        };
        if needs_target && targets.is_empty() {
            continue;
        }
        // "A, B and C met": every ordered pair of the participants.
        if targets.is_empty() && actors.len() >= 2 && code.starts_with("04") {
            for a in &actors {
                for t in &actors {
                    if a.cluster != t.cluster {
                        out.push(Coded {
                            sentence: si,
                            action,
                            head_tok: m.head,
                            code: code.clone(),
                            actor: Some(*a),
                            target: Some(*t),
                            modality,
                            past: m.form == Form::Past,
                            quote: None,
                        });
                    }
                }
            }
            continue;
        }
        let actors: Vec<Option<Arg>> = if actors.is_empty() {
            vec![None]
        } else {
            actors.into_iter().map(Some).collect()
        };
        let targets: Vec<Option<Arg>> = if targets.is_empty() {
            vec![None]
        } else {
            targets.into_iter().map(Some).collect()
        };
        for a in &actors {
            for t in &targets {
                if a.is_none() && t.is_none() {
                    continue;
                }
                if let (Some(a), Some(t)) = (a, t) {
                    if a.cluster == t.cluster {
                        continue;
                    }
                }
                out.push(Coded {
                    sentence: si,
                    action,
                    head_tok: m.head,
                    code: code.clone(),
                    actor: *a,
                    target: *t,
                    modality,
                    past: m.form == Form::Past,
                    quote: None,
                });
            }
        }
    }
}

fn arg(view: &DocView, mi: usize) -> Arg {
    let m = &view.mentions[mi];
    Arg {
        cluster: m.cluster,
        span: m.span,
    }
}

/// The subject of a verb group starting at token `g`: the nearest mention on the left in subject
/// position, extended over a coordinated list ("A, B and C are to ..."); a conjoined verb phrase
/// ("thanked X ... and pledged") inherits the actors of the previous event in the sentence.
fn subject(view: &DocView, s: usize, g: usize, out: &[Coded], first_new: usize) -> Vec<Arg> {
    // A relative clause ("the group that has seized …", "Lavrov, who met …"): the
    // antecedent, if it is a name.
    if g > s && matches!(view.w(g - 1), "that" | "which" | "who") {
        let comma = usize::from(g >= s + 2 && view.w(g - 2) == ",");
        return match g
            .checked_sub(2 + comma)
            .filter(|&k| k >= s)
            .and_then(|k| view.men_at[k])
        {
            Some(mi) => vec![arg(view, mi)],
            None => Vec::new(),
        };
    }
    // A conjoined verb phrase or a purpose infinitive shares the previous event's actors.
    let infinitive = g > s && view.w(g - 1) == "to";
    if g > s
        && (matches!(view.w(g - 1), "and" | "but" | "or" | "then") || infinitive)
        && out.len() > first_new
    {
        if let Some(prev) = out[first_new..].last() {
            let same: Vec<Arg> = out[first_new..]
                .iter()
                .filter(|c| c.head_tok == prev.head_tok)
                .filter_map(|c| c.actor)
                .fold(Vec::new(), |mut v, a| {
                    if !v.contains(&a) {
                        v.push(a);
                    }
                    v
                });
            if !same.is_empty() {
                return same;
            }
        }
    }
    let mut j = g;
    while j > s {
        j -= 1;
        let w = view.w(j);
        if LEFT_STOP.contains(&w) {
            break;
        }
        if let Some(mi) = view.men_at[j] {
            let m = &view.mentions[mi];
            j = m.start;
            if !subject_position(view, s, m.start) {
                continue;
            }
            // "China, the North's main ally, urged …": a name inside an apposition set off by
            // commas is not the subject; the name before the apposition is.
            if let Some(head) = apposition_head(view, s, m.start, g) {
                return vec![arg(view, head)];
            }
            let mut list = vec![mi];
            extend_list_left(view, s, mi, &mut list);
            list.reverse();
            return list.into_iter().map(|mi| arg(view, mi)).collect();
        }
        if matches!(w, "he" | "she" | "it" | "they") && j + 1 == g {
            return pronoun(view, j).into_iter().collect();
        }
    }
    Vec::new()
}

/// The mention right before an apposition that holds the token `start` and closes with a
/// comma right before the verb group at `g` ("China, the North's main ally, urged").
fn apposition_head(view: &DocView, s: usize, start: usize, g: usize) -> Option<usize> {
    if g < 2 || view.w(g - 1) != "," {
        return None;
    }
    let mut k = start;
    while k > s && matches!(view.w(k - 1), "the" | "a" | "an") {
        k -= 1;
    }
    if k < s + 2 || view.w(k - 1) != "," || (k..g - 1).any(|j| view.w(j) == ",") {
        return None;
    }
    let head = view.men_at[k - 2]?;
    let m = &view.mentions[head];
    (m.end == k - 1 && subject_position(view, s, m.start)).then_some(head)
}

/// Is a mention starting at token `start` in subject position (not the object of a preposition or
/// of a verb)?
fn subject_position(view: &DocView, s: usize, start: usize) -> bool {
    let mut j = start;
    while j > s {
        j -= 1;
        let w = view.w(j);
        if DETERMINERS.contains(&w) && !matches!(w, "that" | "this") {
            continue;
        }
        if view.men_at[j].is_some_and(|mi| view.mentions[mi].etype == EntityType::Misc) {
            continue;
        }
        if view.toks[j].cap && view.toks[j].word && j > s {
            continue;
        }
        if TITLE_WORDS.contains(&w) && w != "and" && w != "of" {
            continue;
        }
        if PREPS.contains(&w) {
            return false;
        }
        return !view.toks[j].word
            || matches!(
                w,
                "and"
                    | "or"
                    | "but"
                    | "while"
                    | "that"
                    | "when"
                    | "as"
                    | "although"
                    | "because"
                    | "whereas"
                    | "if"
                    | "meanwhile"
                    | "then"
                    | "also"
                    | "where"
                    | "said"
                    | "says"
            )
            || is_adverb(w);
    }
    true
}

/// Extends a subject leftwards over a list of mentions joined by commas and "and".
fn extend_list_left(view: &DocView, s: usize, mi: usize, list: &mut Vec<usize>) {
    let mut cur = mi;
    loop {
        let start = view.mentions[cur].start;
        let mut j = start;
        let mut saw_sep = false;
        let mut found = None;
        while j > s {
            j -= 1;
            let w = view.w(j);
            if let Some(m2) = view.men_at[j] {
                let m = &view.mentions[m2];
                if m.etype == EntityType::Misc || m.cluster == view.mentions[cur].cluster {
                    j = m.start;
                    continue;
                }
                if m.etype == view.mentions[mi].etype || m.etype == EntityType::Person {
                    found = Some(m2);
                } else if view.mentions[mi].etype == EntityType::Person {
                    // An organisation in a title ("Roscosmos chief"): keep looking left.
                    j = m.start;
                    continue;
                }
                break;
            }
            if w == "," || w == "and" {
                saw_sep = true;
                continue;
            }
            if (view.toks[j].cap && view.toks[j].word) || TITLE_WORDS.contains(&w) {
                continue;
            }
            break;
        }
        match found {
            Some(m2) if saw_sep && subject_or_listed(view, s, m2) => {
                list.push(m2);
                cur = m2;
            }
            _ => return,
        }
    }
}

fn subject_or_listed(view: &DocView, s: usize, m2: usize) -> bool {
    subject_position(view, s, view.mentions[m2].start)
}

/// Resolves a subject pronoun to the nearest suitable mention before it (this or the previous
/// sentence).
fn pronoun(view: &DocView, at: usize) -> Option<Arg> {
    let w = view.w(at);
    let want_person = matches!(w, "he" | "she");
    let any = w == "they";
    let from = view
        .sents
        .iter()
        .position(|&(s, e)| s <= at && at < e)
        .map_or(0, |si| view.sents[si.saturating_sub(1)].0);
    view.mentions
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, m)| m.end <= at && m.start >= from)
        .find(|(_, m)| {
            if any {
                true
            } else if want_person {
                m.etype == EntityType::Person
            } else {
                matches!(m.etype, EntityType::Organisation | EntityType::Location)
            }
        })
        .map(|(i, _)| arg(view, i))
}

/// The object: the first mention right of the verb phrase in the same clause, plus mentions
/// coordinated with it by "and".
fn object(view: &DocView, from: usize, e: usize) -> Vec<Arg> {
    let mut i = from;
    let lim = (from + 15).min(e);
    while i < lim {
        let w = view.w(i);
        if let Some(mi) = view.men_at[i] {
            let mut m = &view.mentions[mi];
            // A demonym modifying a noun ("Palestinian prisoners") is the target only if
            // nothing better follows closely: "his Turkish counterpart Hakan Fidan" targets
            // the person named after the title.
            let mut mi = mi;
            if m.etype == EntityType::Misc {
                let mut k = m.end;
                while k < lim && k < m.end + 3 && view.toks[k].word && !view.toks[k].cap {
                    k += 1;
                }
                if let Some(p) = view
                    .men_at
                    .get(k)
                    .copied()
                    .flatten()
                    .filter(|&p| k > m.end && view.mentions[p].etype == EntityType::Person)
                {
                    mi = p;
                    m = &view.mentions[p];
                }
            }
            let mut out = vec![arg(view, mi)];
            let mut j = m.end;
            while j + 1 < e && matches!(view.w(j), "and" | "or") {
                let mut k = j + 1;
                while k < e && DETERMINERS.contains(&view.w(k)) {
                    k += 1;
                }
                match view.men_at.get(k).copied().flatten() {
                    Some(m2) => {
                        out.push(arg(view, m2));
                        j = view.mentions[m2].end;
                    }
                    None => break,
                }
            }
            return out;
        }
        if RIGHT_STOP.contains(&w) || view.toks[i].quote && i > from + 3 {
            break;
        }
        i += 1;
    }
    Vec::new()
}

/// The agent of a passive: the first mention within four tokens after "by" in the clause.
fn by_agent(view: &DocView, from: usize, e: usize) -> Option<Arg> {
    let lim = (from + 12).min(e);
    let by = (from..lim)
        .take_while(|&i| !matches!(view.w(i), "." | ";" | ":"))
        .find(|&i| view.w(i) == "by")?;
    (by + 1..(by + 5).min(e)).find_map(|k| view.men_at[k].map(|mi| arg(view, mi)))
}

/// Picks the time expression that dates an event: the nearest dated DATE/TIME expression in the
/// same sentence (expressions with a modifier such as "since 2000" only when nothing else is there).
pub(crate) fn event_timex(time: Option<&TimeLayer>, sentence: Span, action: Span) -> Option<usize> {
    let t = time?;
    t.timexes
        .iter()
        .enumerate()
        .filter(|(_, x)| sentence.contains(&x.span))
        .filter(|(_, x)| matches!(x.timex_type, TimexType::Date | TimexType::Time))
        .filter(|(_, x)| {
            x.value
                .as_deref()
                .is_some_and(|v| v.as_bytes().first().is_some_and(u8::is_ascii_digit))
        })
        .min_by_key(|(_, x)| {
            let d = if x.span.start >= action.end {
                x.span.start - action.end
            } else {
                action.start.saturating_sub(x.span.end)
            };
            d + if x.modifier.is_some() { 100_000 } else { 0 }
        })
        .map(|(i, _)| i)
}
