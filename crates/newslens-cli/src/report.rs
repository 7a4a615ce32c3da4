//! The pretty report: a terminal summary of every layer, grouped for reading.

use std::collections::BTreeMap;
use std::fmt::Write;

use newslens_core::layers::entities::EntityType;
use newslens_core::{Analysis, Span};
use owo_colors::OwoColorize;

struct Painter {
    color: bool,
}

impl Painter {
    fn bold(&self, s: &str) -> String {
        if self.color {
            s.bold().to_string()
        } else {
            s.to_string()
        }
    }
    fn dim(&self, s: &str) -> String {
        if self.color {
            s.dimmed().to_string()
        } else {
            s.to_string()
        }
    }
    fn head(&self, s: &str) -> String {
        if self.color {
            s.cyan().bold().to_string()
        } else {
            format!("== {s}")
        }
    }
    fn hl(&self, s: &str) -> String {
        if self.color {
            s.red().bold().to_string()
        } else {
            format!("[[{s}]]")
        }
    }
    fn warn(&self, s: &str) -> String {
        if self.color {
            s.yellow().to_string()
        } else {
            s.to_string()
        }
    }
}

fn clip(s: &str, max: usize) -> String {
    let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= max {
        s
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}

/// A technique span of the report: extent, sentence id, labels with scores.
type LabelledSpan<'a> = (newslens_core::Span, usize, Vec<(&'a str, f32)>);

/// The last `max` characters of `s` (whitespace collapsed): the context just before a span.
fn clip_left(s: &str, max: usize) -> String {
    let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let n = s.chars().count();
    if n <= max {
        s
    } else {
        format!("…{}", s.chars().skip(n - max).collect::<String>())
    }
}

/// Renders `a` as a human-readable report (ANSI colours when `color`).
pub fn render(a: &Analysis, color: bool) -> String {
    let p = Painter { color };
    let d = &a.document;
    let mut o = String::new();
    let title = d.title.as_deref().unwrap_or("(untitled)");
    let _ = writeln!(o, "{}", p.bold(title));
    let mut meta = vec![format!("id {}", d.id)];
    if let Some(date) = d.dateline {
        meta.push(date.to_string());
    }
    if let Some(b) = &d.byline {
        meta.push(format!("by {b}"));
    }
    if let Some(o) = &d.outlet {
        meta.push(o.clone());
    }
    meta.push(format!("lang {}", d.language.as_deref().unwrap_or("?")));
    if let Some(s) = &d.source {
        meta.push(s.clone());
    }
    let _ = writeln!(o, "{}", p.dim(&meta.join(" · ")));
    for w in &d.warnings {
        let _ = writeln!(o, "{}", p.warn(&format!("warning: {w}")));
    }
    let _ = writeln!(
        o,
        "{}",
        p.dim(&format!(
            "{} paragraphs · {} sentences · {} tokens · stages: {}",
            a.paragraphs.len(),
            a.sentences.len(),
            a.tokens.len(),
            a.stages.join(", ")
        ))
    );

    if let Some(e) = &a.entities {
        let _ = writeln!(o, "\n{}", p.head("Who appears"));
        let mut by_type: BTreeMap<EntityType, Vec<_>> = BTreeMap::new();
        for c in &e.clusters {
            by_type.entry(c.entity_type).or_default().push(c);
        }
        for (ty, mut cs) in by_type {
            cs.sort_by_key(|c| std::cmp::Reverse(c.mentions.len()));
            let label = match ty {
                EntityType::Person => "People",
                EntityType::Organisation => "Organisations",
                EntityType::Location => "Places",
                EntityType::Misc => "Other",
            };
            let _ = writeln!(o, "  {}", p.bold(label));
            for c in cs {
                let roles: Vec<String> = c
                    .roles
                    .iter()
                    .map(|r| match &r.affiliation {
                        Some(aff) => format!("{} ({aff})", r.title),
                        None => r.title.clone(),
                    })
                    .collect();
                let mut line = format!("    {} ×{}", c.canonical, c.mentions.len());
                if !roles.is_empty() {
                    let _ = write!(line, " — {}", roles.join("; "));
                }
                let aliases: Vec<&String> =
                    c.aliases.iter().filter(|x| **x != c.canonical).collect();
                if !aliases.is_empty() {
                    let _ = write!(
                        line,
                        " {}",
                        p.dim(&format!(
                            "aka {}",
                            aliases
                                .iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    );
                }
                let _ = writeln!(o, "{line}");
            }
        }
    }

    if let Some(q) = &a.quotes {
        if !q.quotes.is_empty() {
            let _ = writeln!(o, "\n{}", p.head("Who said what"));
            let mut by_speaker: BTreeMap<String, Vec<_>> = BTreeMap::new();
            for quote in &q.quotes {
                let who = quote
                    .speaker_name
                    .clone()
                    .or_else(|| quote.source.map(|s| format!("{} (unresolved)", a.slice(s))))
                    .unwrap_or_else(|| "unknown speaker".into());
                by_speaker.entry(who).or_default().push(quote);
            }
            for (who, quotes) in by_speaker {
                let _ = writeln!(o, "  {}", p.bold(&who));
                for quote in quotes {
                    let content: Vec<&str> = quote.content.iter().map(|s| a.slice(*s)).collect();
                    let cue = quote.cue.map(|c| a.slice(c)).unwrap_or("-");
                    let _ = writeln!(
                        o,
                        "    {} {} “{}”",
                        p.dim(&format!("{:?}", quote.kind).to_lowercase()),
                        p.dim(&format!("[{cue}]")),
                        clip(&content.join(" … "), 160)
                    );
                }
            }
        }
        if !q.scare_quotes.is_empty() {
            let terms: Vec<String> = q
                .scare_quotes
                .iter()
                .map(|s| format!("“{}”", a.slice(s.span)))
                .collect();
            let _ = writeln!(o, "  {} {}", p.dim("scare quotes:"), terms.join(", "));
        }
    }

    if let Some(t) = &a.time {
        if !t.timexes.is_empty() {
            let _ = writeln!(o, "\n{}", p.head("When"));
            for x in &t.timexes {
                let value = x.value.as_deref().unwrap_or("?");
                let unresolved = if x.unresolved {
                    " (no dateline to resolve against)"
                } else {
                    ""
                };
                let _ = writeln!(
                    o,
                    "  {} → {} {}{}",
                    a.slice(x.span),
                    p.bold(value),
                    p.dim(&format!("{:?}", x.timex_type).to_uppercase()),
                    unresolved
                );
            }
        }
    }

    if let Some(ev) = &a.events {
        let name = |c: Option<usize>, s: Option<Span>| -> String {
            c.and_then(|c| a.entities.as_ref().and_then(|e| e.clusters.get(c)))
                .map(|c| c.canonical.clone())
                .or_else(|| s.map(|s| a.slice(s).to_string()))
                .unwrap_or_else(|| "?".into())
        };
        if !ev.events.is_empty() {
            let _ = writeln!(o, "\n{}", p.head("What happened"));
            for e in &ev.events {
                let _ = writeln!(
                    o,
                    "  {} —{}→ {}  {} {}",
                    name(e.actor, e.actor_span),
                    a.slice(e.action),
                    name(e.target, e.target_span),
                    p.dim(&format!("CAMEO {} {}", e.cameo, e.cameo_label)),
                    p.dim(&format!(
                        "[{:?}{}]",
                        e.modality,
                        e.date
                            .as_deref()
                            .map(|d| format!(", {d}"))
                            .unwrap_or_default()
                    ))
                );
            }
        }
        if !ev.stances.is_empty() {
            let _ = writeln!(o, "  {}", p.bold("Stance"));
            for s in &ev.stances {
                let _ = writeln!(
                    o,
                    "    {} → {}: {:+.2}",
                    name(Some(s.source), None),
                    name(Some(s.target), None),
                    s.polarity
                );
            }
        }
        let _ = writeln!(
            o,
            "  {}",
            p.dim(&format!(
                "tone {:+.2} (positive {:.1}%, negative {:.1}%)",
                ev.tone.tone, ev.tone.positive, ev.tone.negative
            ))
        );
    }

    if let Some(r) = &a.rhetoric {
        let _ = writeln!(o, "\n{}", p.head("How it persuades"));
        if let Some(g) = &r.genre {
            let _ = writeln!(o, "  genre: {} ({:.2})", p.bold(&g.label), g.score);
        }
        if !r.frames.is_empty() {
            let frames: Vec<String> = r
                .frames
                .iter()
                .map(|f| format!("{} ({:.2})", f.label, f.score))
                .collect();
            let _ = writeln!(o, "  frames: {}", frames.join(", "));
        }
        // One entry per span: a span given once per technique reads as one line of labels.
        let mut spans: Vec<LabelledSpan> = Vec::new();
        for t in &r.techniques {
            match spans.iter_mut().find(|(s, _, _)| *s == t.span) {
                Some((_, _, labels)) => labels.push((&t.technique, t.score)),
                None => spans.push((t.span, t.sentence, vec![(&t.technique, t.score)])),
            }
        }
        spans.sort_by_key(|(s, _, _)| (s.start, std::cmp::Reverse(s.end)));
        for (span, sentence, labels) in spans {
            let sentence = a.sentences.get(sentence).map(|s| s.span).unwrap_or(span);
            let before = clip_left(
                &a.text()[sentence.start..span.start.max(sentence.start)],
                50,
            );
            let after = clip(&a.text()[span.end.min(sentence.end)..sentence.end], 50);
            let labels: Vec<String> = labels
                .iter()
                .map(|(l, sc)| format!("{} {}", p.bold(l), p.dim(&format!("{sc:.2}"))))
                .collect();
            let _ = writeln!(
                o,
                "  {}\n      {} {} {}",
                labels.join(" · "),
                before,
                p.hl(a.slice(span)),
                after
            );
        }
    }
    o
}
