//! The `varied` generated corpus of `newslens bench`: seed-length articles (≈ 2.3 kB, like
//! `../shared/examples/seed-article.txt`) assembled at random from sentence templates and word
//! lists written for this purpose — officials with titles, quotes with cue verbs, relative
//! dates, loaded rhetoric, figures. Unlike the `rotating` corpus (five fixed paragraphs), no
//! two articles share their text, names recur with a long tail as in real news, and word caches
//! meet new words throughout, so the figures are not a best case for the analysis nor a
//! one-story worst case for clustering.

/// xorshift64*: deterministic and dependency-free, so a given `--articles N` yields the same
/// corpus on every machine and every version (a crate's generator may change its stream).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len())]
    }
    /// Index with a long tail: small indices are picked far more often (news repeats a few
    /// leaders and capitals and mentions many others once).
    fn skewed(&mut self, n: usize) -> usize {
        let a = self.below(n);
        let b = self.below(n);
        a.min(b)
    }
}

const FIRST: &[&str] = &[
    "Anna", "Tomas", "Mira", "Jonas", "Leila", "Victor", "Ines", "Pavel", "Sara", "Omar", "Elena",
    "Dmitri", "Hana", "Kofi", "Lucia", "Marek", "Nadia", "Oleg", "Priya", "Rafael", "Sofia",
    "Tariq", "Ulla", "Yusuf", "Zara", "Bogdan", "Carmen", "Davit", "Emil", "Farida", "Goran",
    "Irina", "Jakub", "Katya", "Lars", "Mehmet", "Nikos", "Olga", "Piotr", "Rustam",
];
const LAST: &[&str] = &[
    "Berg",
    "Olsen",
    "Keller",
    "Reyes",
    "Brandt",
    "Haddad",
    "Lang",
    "Duarte",
    "Novak",
    "Lindqvist",
    "Farouk",
    "Petrov",
    "Kovalenko",
    "Mensah",
    "Ortega",
    "Wisniewski",
    "Sato",
    "Demir",
    "Karimov",
    "Ionescu",
    "Horvat",
    "Nguyen",
    "Albrecht",
    "Castillo",
    "Morozov",
    "Abiola",
    "Lindgren",
    "Rossi",
    "Kaplan",
    "Varga",
    "Mahmoud",
    "Jensen",
    "Sokolov",
    "Tanaka",
    "Weber",
    "Zeller",
    "Amari",
    "Bianchi",
    "Dubois",
    "Esposito",
];
const TITLES: &[&str] = &[
    "President",
    "Prime Minister",
    "Foreign Minister",
    "Defence Minister",
    "Finance Minister",
    "Deputy Foreign Minister",
    "Ambassador",
    "General",
    "Senator",
    "Speaker",
];
/// (country, adjective, capital)
const COUNTRIES: &[(&str, &str, &str)] = &[
    ("Russia", "Russian", "Moscow"),
    ("Ukraine", "Ukrainian", "Kyiv"),
    ("China", "Chinese", "Beijing"),
    ("the United States", "American", "Washington"),
    ("Iran", "Iranian", "Tehran"),
    ("Turkey", "Turkish", "Ankara"),
    ("Poland", "Polish", "Warsaw"),
    ("Belarus", "Belarusian", "Minsk"),
    ("Georgia", "Georgian", "Tbilisi"),
    ("Syria", "Syrian", "Damascus"),
    ("Venezuela", "Venezuelan", "Caracas"),
    ("Serbia", "Serbian", "Belgrade"),
    ("Hungary", "Hungarian", "Budapest"),
    ("Latvia", "Latvian", "Riga"),
    ("Azerbaijan", "Azerbaijani", "Baku"),
    ("Armenia", "Armenian", "Yerevan"),
    ("Kazakhstan", "Kazakh", "Astana"),
    ("Japan", "Japanese", "Tokyo"),
    ("North Korea", "North Korean", "Pyongyang"),
    ("India", "Indian", "New Delhi"),
    ("Pakistan", "Pakistani", "Islamabad"),
    ("Egypt", "Egyptian", "Cairo"),
    ("Saudi Arabia", "Saudi", "Riyadh"),
    ("Qatar", "Qatari", "Doha"),
    ("Germany", "German", "Berlin"),
    ("France", "French", "Paris"),
];
const ORGS: &[&str] = &[
    "NATO",
    "the United Nations",
    "the European Union",
    "the Security Council",
    "the Foreign Ministry",
    "the Defence Ministry",
    "the central bank",
    "the International Monetary Fund",
    "the World Health Organization",
    "the Red Cross",
    "the state news agency",
    "the Interior Ministry",
    "the Institute for Strategic Studies",
    "the Council of Europe",
    "the African Union",
];
const OUTLETS: &[&str] = &[
    "Staff, Agencies",
    "Capital Herald",
    "Baltic Observer",
    "Continental Review",
    "Morning Dispatch",
    "Frontier Chronicle",
    "Union Bulletin",
];
const WEEKDAYS: &[&str] = &[
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const WHEN: &[&str] = &[
    "on Tuesday",
    "last week",
    "earlier this month",
    "on Friday evening",
    "yesterday",
    "two days ago",
    "in March",
    "on 14 June",
    "this morning",
    "last year",
    "over the weekend",
    "next month",
];
const CUES: &[&str] = &[
    "said",
    "told reporters",
    "warned",
    "added",
    "insisted",
    "declared",
    "stressed",
    "wrote",
    "claimed",
];
const SUBJECTS: &[&str] = &[
    "The West",
    "The enemy",
    "This treacherous regime",
    "The sanctions policy",
    "Our nation",
    "The so-called international community",
    "Nobody",
    "This provocation",
    "History",
    "Our government",
    "The aggressor",
    "Every patriot",
];
const MODALS: &[&str] = &[
    "will never",
    "cannot",
    "must not",
    "will always",
    "has tried to",
    "is ready to",
    "refuses to",
    "wants to",
    "will not",
    "must",
];
const VERBS: &[&str] = &[
    "accept",
    "tolerate",
    "forget",
    "destroy",
    "defend",
    "betray",
    "respect",
    "ignore",
    "undermine",
    "protect",
    "abandon",
    "threaten",
    "support",
    "punish",
    "finance",
];
const ADJECTIVES: &[&str] = &[
    "honest",
    "peaceful",
    "historic",
    "sovereign",
    "fragile",
    "legitimate",
    "brutal",
    "shameful",
    "fair",
    "common",
    "sacred",
    "economic",
    "military",
    "western",
    "illegal",
    "ancient",
    "free",
    "stable",
    "difficult",
    "costly",
    "bloody",
    "open",
    "secret",
    "unjust",
    "lasting",
    "vital",
    "humanitarian",
    "nuclear",
    "regional",
    "strategic",
];
const NOUNS: &[&str] = &[
    "dialogue",
    "borders",
    "agreements",
    "alliance",
    "sanctions",
    "institutions",
    "elections",
    "traditions",
    "values",
    "interests",
    "territory",
    "negotiations",
    "security",
    "ceasefire",
    "markets",
    "resources",
    "neighbours",
    "partners",
    "victims",
    "soldiers",
    "children",
    "farmers",
    "workers",
    "veterans",
    "refugees",
    "pipelines",
    "ports",
    "treaties",
    "reforms",
    "promises",
];
const TAILS: &[&str] = &[
    " at any cost",
    " this winter",
    " ever again",
    " for decades",
    " right now",
    " behind closed doors",
    " without delay",
    " step by step",
    " in public",
    " overnight",
    " by force",
    " in silence",
];
const LOADED: &[&str] = &[
    "treacherous",
    "dangerous",
    "aggressive",
    "cynical",
    "reckless",
    "shameful",
    "hostile",
    "illegal",
    "barbaric",
    "hypocritical",
];
const ACTIONS: &[&str] = &[
    "accused",
    "condemned",
    "criticised",
    "praised",
    "thanked",
    "threatened",
    "urged",
    "warned",
];
const ISSUES: &[&str] = &[
    "the grain corridor",
    "the new sanctions package",
    "the gas pipeline",
    "the border incident",
    "the military exercises",
    "the peace plan",
    "the trade agreement",
    "the prisoner exchange",
    "the nuclear programme",
    "the election outcome",
];
const METRICS: &[&str] = &[
    "trade between the two countries",
    "the price of wheat",
    "gas exports",
    "inflation",
    "the number of refugees",
    "defence spending",
];

struct Person {
    title: &'static str,
    first: &'static str,
    last: &'static str,
    country: usize,
}

fn person(r: &mut Rng) -> Person {
    Person {
        title: r.pick(TITLES),
        first: FIRST[r.skewed(FIRST.len())],
        last: LAST[r.skewed(LAST.len())],
        country: r.skewed(COUNTRIES.len()),
    }
}

/// A quotation: seven slots of ten to thirty fillers each, so two quotes rarely share more
/// than a word pair or two by chance (fewer slots chained thousands of unrelated quotes into
/// one "lightly mutated" cluster); one in five is the speaker's signature line, repeated across articles
/// word for word (quote spread, what the store clusters).
fn quote(r: &mut Rng, speaker: &Person) -> String {
    let mut own;
    let r = if r.below(5) == 0 {
        let seed =
            speaker.first.len() as u64 * 131 + speaker.last.bytes().map(u64::from).sum::<u64>();
        own = Rng::new(seed);
        &mut own
    } else {
        r
    };
    format!(
        "{} {} {} the {} {} of {}{}",
        r.pick(SUBJECTS),
        r.pick(MODALS),
        r.pick(VERBS),
        r.pick(ADJECTIVES),
        r.pick(NOUNS),
        COUNTRIES[r.below(COUNTRIES.len())].0,
        // Most quotes end there: shared endings made unrelated quotes LSH candidates of each other.
        if r.below(3) == 0 { r.pick(TAILS) } else { "" }
    )
}

/// Number of sentence templates in [`sentence`].
const TEMPLATES: usize = 14;

/// One sentence from template number `template` (`p` = the article's main figure, `o` = another).
fn sentence(r: &mut Rng, template: usize, p: &Person, o: &Person) -> String {
    let (pc, padj, pcap) = COUNTRIES[p.country];
    let (oc, oadj, ocap) = COUNTRIES[o.country];
    let l1 = r.pick(LOADED);
    let l2 = r.pick(LOADED);
    let l3 = r.pick(LOADED);
    match template {
        0 => format!(
            "{} {} {} {} that {} was \u{201c}{l1} and {l2}\u{201d}.",
            p.title,
            p.first,
            p.last,
            r.pick(CUES),
            r.pick(ISSUES)
        ),
        1 => format!(
            "\u{201c}{},\u{201d} {} {} {}, the {oadj} {}, {} in {ocap}.",
            quote(r, o),
            o.title,
            o.first,
            o.last,
            o.title.to_lowercase(),
            r.pick(CUES)
        ),
        2 => format!(
            "{} {} {oadj} officials of {} and called the move {l1}, {l2} and {l3}.",
            capitalise(r.pick(ORGS)),
            r.pick(ACTIONS),
            r.pick(&[
                "spreading lies",
                "provoking a crisis",
                "blocking the talks",
                "funding extremists",
                "violating the ceasefire",
            ])
        ),
        3 => format!(
            "Since {}, {} has {} by {} percent, {} said in a report published {}.",
            2015 + r.below(10),
            r.pick(METRICS),
            r.pick(&["fallen", "risen", "dropped", "grown"]),
            3 + r.below(60),
            r.pick(ORGS),
            r.pick(WHEN)
        ),
        4 => format!(
            "The talks in {}, which lasted {}.{} hours, ended without agreement {}.",
            r.pick(&["Geneva", "Vienna", "Istanbul", "Doha", ocap]),
            1 + r.below(9),
            r.below(10),
            r.pick(WHEN)
        ),
        5 => format!(
            "{} warned that {} would {}, adding: \u{201c}{}.\u{201d}",
            p.last,
            r.pick(ISSUES),
            r.pick(&[
                "change nothing",
                "end in failure",
                "cost thousands of jobs",
                "open a new chapter",
            ]),
            quote(r, p)
        ),
        6 => format!(
            "The {padj} leader is expected to visit {ocap} {}, {} {} told the {}.",
            r.pick(&["next week", "on Thursday", "in the coming days", "before the summit"]),
            o.first,
            o.last,
            r.pick(&["state news agency", "parliament", "press", "local media"])
        ),
        7 => format!(
            "Protesters gathered outside the {} in {pcap} on {} evening; police said about {},{:03} people took part.",
            r.pick(&["parliament", "embassy", "presidential palace", "city hall"]),
            r.pick(WEEKDAYS),
            1 + r.below(40),
            r.below(1000)
        ),
        8 => format!(
            "Analysts said the decision could {} between {pc} and {oc}.",
            r.pick(&[
                "deepen the rift",
                "ease tensions",
                "reshape the balance of power",
                "trigger a new arms race",
            ])
        ),
        9 => format!(
            "\u{201c}{}\u{201d}, the {} added.",
            quote(r, p),
            r.pick(&["spokesman", "minister", "ambassador", "official"])
        ),
        10 => format!(
            "According to {}, {} {} {} {} over {}.",
            r.pick(ORGS),
            p.first,
            p.last,
            r.pick(ACTIONS),
            oc,
            r.pick(ISSUES)
        ),
        11 => format!(
            "{} also described {ocap} as a \u{201c}{l1} partner\u{201d} ready to {} the {} {}.",
            p.last,
            r.pick(VERBS),
            r.pick(ADJECTIVES),
            r.pick(NOUNS)
        ),
        12 => format!(
            "In a statement issued {}, {} said {} {} had {} {} to {} its troops.",
            r.pick(WHEN),
            r.pick(ORGS),
            padj,
            r.pick(&["forces", "diplomats", "officials"]),
            r.pick(&["asked", "told", "urged"]),
            oc,
            r.pick(&["withdraw", "reinforce", "move"])
        ),
        _ => format!(
            "Mr {} has held the post since {} and is widely seen as a {} figure in {pcap}.",
            p.last,
            1995 + r.below(29),
            r.pick(&["controversial", "moderate", "powerful", "divisive"])
        ),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Builds `n` varied seed-format articles (deterministic for a given `n` and index).
pub fn varied(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let mut r = Rng::new(i as u64 + 1);
            let p = person(&mut r);
            let o = person(&mut r);
            let (pc, padj, _) = COUNTRIES[p.country];
            let (oc, _, _) = COUNTRIES[o.country];
            let mut s = format!(
                "date 20{}-{:02}-{:02} {} {} {}: {} {} {}\n\nBy {}\n\n",
                20 + r.below(6),
                1 + r.below(12),
                1 + r.below(28),
                padj,
                p.title,
                p.last,
                r.pick(&["Slams", "Warns", "Courts", "Defies", "Thanks"]),
                oc,
                r.pick(&[
                    "Over Sanctions",
                    "Ahead of Talks",
                    "as Tension Grows",
                    "on Trade"
                ]),
                r.pick(OUTLETS)
            );
            s.push_str(&format!(
                "{padj} {} {} {} {} {} {} and pledged to {} {pc}'s {}.\n\n",
                p.title,
                p.first,
                p.last,
                r.pick(ACTIONS),
                oc,
                r.pick(WHEN),
                r.pick(&["defend", "support", "protect"]),
                r.pick(&["sovereignty", "economy", "borders", "independence"])
            ));
            // Templates in a shuffled cycle, so an article repeats one only after using them all.
            let mut order: Vec<usize> = (0..TEMPLATES).collect();
            for k in (1..order.len()).rev() {
                order.swap(k, r.below(k + 1));
            }
            let mut next = order.iter().copied().cycle();
            // ≈ 2.3 kB like the seed: paragraphs of one to three sentences.
            let target = 1900 + r.below(900);
            while s.len() < target {
                let k = 1 + r.below(3);
                let para: Vec<String> = (0..k)
                    .map(|_| sentence(&mut r, next.next().unwrap_or(0), &p, &o))
                    .collect();
                s.push_str(&para.join(" "));
                s.push_str("\n\n");
            }
            s
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn articles_are_seed_length_distinct_and_deterministic() {
        let a = varied(200);
        assert_eq!(a, varied(200));
        let mean = a.iter().map(String::len).sum::<usize>() / a.len();
        assert!((1900..3000).contains(&mean), "mean length {mean}");
        let distinct: std::collections::HashSet<&String> = a.iter().collect();
        assert_eq!(distinct.len(), a.len());
        // Not five paragraphs in rotation: most paragraphs occur once in the corpus.
        let paras: Vec<&str> = a.iter().flat_map(|s| s.split("\n\n")).collect();
        let unique: std::collections::HashSet<&str> = paras.iter().copied().collect();
        assert!(
            unique.len() * 10 > paras.len() * 8,
            "{} of {}",
            unique.len(),
            paras.len()
        );
        assert!(a.iter().all(|s| s.starts_with("date 20")));
    }
}
