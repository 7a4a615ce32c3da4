//! Unit tests on sentences written for them (entity layer built by hand) and the seed article.

use std::path::PathBuf;

use newslens_core::layers::entities::{Cluster, EntityLayer, EntityType, Mention, MentionKind};
use newslens_core::layers::events::{EventLayer, Modality};
use newslens_core::{Analysis, Annotator, Document, Span};

use crate::EventStage;

/// Builds an analysis of `text` whose entity layer marks every occurrence of each name.
/// `names`: (surface form, type, cluster name).
fn hand_built(text: &str, names: &[(&str, EntityType, &str)]) -> Analysis {
    let mut a = Analysis::new(Document::from_text("t", text));
    newslens_text::segment(&mut a);
    let mut layer = EntityLayer::default();
    let mut found: Vec<(Span, EntityType, String)> = Vec::new();
    for (surface, ty, cluster) in names {
        for (at, _) in text.match_indices(surface) {
            let span = Span::new(at, at + surface.len());
            let boundary = |i: usize| {
                text[i..]
                    .chars()
                    .next()
                    .is_none_or(|c| !c.is_alphanumeric())
            };
            let before_ok = at == 0
                || text[..at]
                    .chars()
                    .last()
                    .is_some_and(|c| !c.is_alphanumeric());
            if before_ok && boundary(span.end) && !found.iter().any(|f| f.0.overlaps(&span)) {
                found.push((span, *ty, cluster.to_string()));
            }
        }
    }
    found.sort_by_key(|f| f.0);
    for (span, ty, name) in found {
        let cid = match layer.clusters.iter().position(|c| c.canonical == name) {
            Some(c) => c,
            None => {
                layer.clusters.push(Cluster {
                    id: layer.clusters.len(),
                    canonical: name.clone(),
                    entity_type: ty,
                    mentions: Vec::new(),
                    roles: Vec::new(),
                    affiliations: Vec::new(),
                    aliases: Vec::new(),
                });
                layer.clusters.len() - 1
            }
        };
        let id = layer.mentions.len();
        layer.clusters[cid].mentions.push(id);
        layer.mentions.push(Mention {
            id,
            span,
            entity_type: ty,
            kind: MentionKind::Name,
            cluster: cid,
            score: 1.0,
        });
    }
    a.entities = Some(layer);
    a
}

fn run(a: &mut Analysis) -> EventLayer {
    EventStage::new().unwrap().annotate(a).unwrap();
    a.validate().unwrap();
    a.events.clone().unwrap()
}

fn name(a: &Analysis, c: Option<usize>) -> String {
    c.map_or("-".into(), |c| {
        a.entities.as_ref().unwrap().clusters[c].canonical.clone()
    })
}

/// (actor, code, target, modality) of every event.
fn triples(a: &Analysis, l: &EventLayer) -> Vec<(String, String, String, Modality)> {
    l.events
        .iter()
        .map(|e| {
            (
                name(a, e.actor),
                e.cameo.clone(),
                name(a, e.target),
                e.modality,
            )
        })
        .collect()
}

const LOC: EntityType = EntityType::Location;
const PER: EntityType = EntityType::Person;

fn has(
    t: &[(String, String, String, Modality)],
    actor: &str,
    code: &str,
    target: &str,
    m: Modality,
) -> bool {
    t.iter()
        .any(|x| x.0 == actor && x.1 == code && x.2 == target && x.3 == m)
}

#[test]
fn active_passive_and_modality() {
    let text = "Arvania criticised Borduria on Monday. Borduria was accused by Cestia of spying. \
                Arvania is to visit Cestia next week. Borduria did not attack Cestia. \
                Cestia refused to sign the deal with Arvania.";
    let mut a = hand_built(
        text,
        &[
            ("Arvania", LOC, "Arvania"),
            ("Borduria", LOC, "Borduria"),
            ("Cestia", LOC, "Cestia"),
        ],
    );
    let l = run(&mut a);
    let t = triples(&a, &l);
    assert!(
        has(&t, "Arvania", "111", "Borduria", Modality::Happened),
        "{t:?}"
    );
    assert!(
        has(&t, "Cestia", "112", "Borduria", Modality::Happened),
        "passive: {t:?}"
    );
    assert!(
        has(&t, "Arvania", "042", "Cestia", Modality::Planned),
        "{t:?}"
    );
    assert!(
        has(&t, "Borduria", "190", "Cestia", Modality::Denied),
        "{t:?}"
    );
    assert!(
        has(&t, "Cestia", "057", "Arvania", Modality::Denied),
        "refused to: {t:?}"
    );
    let visit = l.events.iter().find(|e| e.cameo == "042").unwrap();
    assert_eq!(visit.action.text(a.text()), "is to visit");
    assert_eq!(visit.cameo_root, "04");
    assert_eq!(visit.goldstein, Some(1.9));
}

#[test]
fn control_verbs_combine_codes() {
    let text = "Arvania pledged to assist Borduria. Cestia urged Borduria to negotiate. \
                Arvania threatened to attack Cestia.";
    let mut a = hand_built(
        text,
        &[
            ("Arvania", LOC, "Arvania"),
            ("Borduria", LOC, "Borduria"),
            ("Cestia", LOC, "Cestia"),
        ],
    );
    let l = run(&mut a);
    let t = triples(&a, &l);
    assert!(
        has(&t, "Arvania", "033", "Borduria", Modality::Happened),
        "{t:?}"
    );
    assert!(
        has(&t, "Cestia", "026", "Borduria", Modality::Happened),
        "{t:?}"
    );
    assert!(
        has(&t, "Arvania", "138", "Cestia", Modality::Happened),
        "{t:?}"
    );
    // The governed verbs are not coded twice.
    assert_eq!(l.events.len(), 3, "{t:?}");
}

#[test]
fn lists_and_conjoined_verbs_share_actors() {
    let text =
        "Minister Ana Lind, envoy Bo Kask and Carl Mets will accompany Dora Vaht on the trip. \
                Dora Vaht thanked Arvania for its help and pledged to support Arvania.";
    let mut a = hand_built(
        text,
        &[
            ("Ana Lind", PER, "Ana Lind"),
            ("Bo Kask", PER, "Bo Kask"),
            ("Carl Mets", PER, "Carl Mets"),
            ("Dora Vaht", PER, "Dora Vaht"),
            ("Arvania", LOC, "Arvania"),
        ],
    );
    let l = run(&mut a);
    let t = triples(&a, &l);
    for who in ["Ana Lind", "Bo Kask", "Carl Mets"] {
        assert!(
            has(&t, who, "040", "Dora Vaht", Modality::Planned),
            "{who}: {t:?}"
        );
    }
    assert!(
        has(&t, "Dora Vaht", "051", "Arvania", Modality::Happened),
        "{t:?}"
    );
    assert!(
        has(&t, "Dora Vaht", "032", "Arvania", Modality::Happened),
        "conjoined: {t:?}"
    );
}

#[test]
fn nouns_are_not_verbs() {
    let text = "Arvania praised the visit and its support for Borduria.";
    let mut a = hand_built(
        text,
        &[("Arvania", LOC, "Arvania"), ("Borduria", LOC, "Borduria")],
    );
    let l = run(&mut a);
    let codes: Vec<&str> = l.events.iter().map(|e| e.cameo.as_str()).collect();
    assert_eq!(codes, vec!["051"], "{:?}", triples(&a, &l));
}

#[test]
fn stance_and_tone_handle_negation() {
    let text =
        "Arvania condemned Borduria. Arvania said Borduria was a brutal and dangerous enemy. \
                Cestia is not a friend.";
    let mut a = hand_built(
        text,
        &[("Arvania", LOC, "Arvania"), ("Borduria", LOC, "Borduria")],
    );
    let l = run(&mut a);
    let s = l
        .stances
        .iter()
        .find(|s| name(&a, Some(s.source)) == "Arvania")
        .unwrap();
    assert_eq!(name(&a, Some(s.target)), "Borduria");
    assert!(s.polarity < -0.3, "{s:?}");
    assert!(s.evidence.iter().any(|e| e.text(a.text()) == "condemned"));
    // brutal, dangerous, enemy, condemned negative; "not a friend" flips to negative.
    assert_eq!(l.tone.positive, 0.0);
    assert!(l.tone.negative > 0.0 && l.tone.tone < 0.0);
    assert_eq!(l.tone.word_count, 17);
}

#[test]
fn works_without_entities_time_or_quotes() {
    let mut a = Analysis::new(Document::from_text(
        "t",
        "They attacked the town. Peace is good.",
    ));
    newslens_text::segment(&mut a);
    let l = run(&mut a);
    assert!(l.events.is_empty());
    assert!(l.stances.is_empty());
    assert!(l.tone.positive > 0.0);
    let mut empty = Analysis::new(Document::from_text("t", ""));
    newslens_text::segment(&mut empty);
    let l = run(&mut empty);
    assert_eq!(l.tone.word_count, 0);
}

fn shared(rel: &str) -> Option<PathBuf> {
    let root = std::env::var_os("NEWSLENS_SHARED_DATA")
        .map(PathBuf::from)
        .map(|p| p.join(".."))
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let p = root.join(rel);
    p.exists().then_some(p)
}

#[test]
fn seed_article_acceptance() {
    let Some(path) = shared("examples/seed-article.txt") else {
        eprintln!("SKIPPED: ../shared/examples/seed-article.txt is absent");
        return;
    };
    let raw = std::fs::read_to_string(&path).unwrap();
    let doc = newslens_ingest::read_str(&raw, &path.display().to_string())
        .into_iter()
        .next()
        .unwrap()
        .unwrap();
    let mut a = Analysis::new(doc);
    newslens_text::segment(&mut a);
    newslens_entities::EntityStage::new()
        .unwrap()
        .annotate(&mut a)
        .unwrap();
    newslens_time::TimeStage::new().annotate(&mut a).unwrap();
    newslens_quotes::QuoteStage::new().annotate(&mut a).unwrap();
    let l = run(&mut a);
    let ents = a.entities.as_ref().unwrap();
    let cluster_of = |needle: &str| {
        ents.mentions
            .iter()
            .find(|m| m.span.text(a.text()) == needle)
            .map(|m| m.cluster)
            .unwrap_or_else(|| panic!("no mention {needle}"))
    };
    let putin = cluster_of("Putin");
    let dprk = cluster_of("North Korea");
    let us = cluster_of("US");
    let root = |e: &newslens_core::layers::events::Event| e.cameo_root.clone();
    let visit = l
        .events
        .iter()
        .find(|e| e.actor == Some(putin) && e.target == Some(dprk) && root(e) == "04")
        .expect("Putin visits North Korea");
    assert_eq!(visit.modality, Modality::Planned);
    assert_eq!(visit.date.as_deref(), Some("2024-10-22"));
    assert!(l
        .events
        .iter()
        .any(|e| e.actor == Some(putin) && e.target == Some(dprk) && root(e) == "05"));
    assert!(l.events.iter().any(|e| e.actor == Some(putin)
        && e.target == Some(us)
        && (root(e) == "11" || root(e) == "12")));
    // The ministers accompany Putin.
    for minister in ["Sergey Lavrov", "Oleg Belozyorov", "Yuri Borisov"] {
        let c = cluster_of(minister);
        assert!(
            l.events
                .iter()
                .any(|e| e.actor == Some(c) && e.target == Some(putin)),
            "{minister} accompanies Putin"
        );
    }
    let stance = |t: usize| {
        l.stances
            .iter()
            .find(|s| s.source == putin && s.target == t)
            .unwrap()
    };
    assert!(stance(dprk).polarity > 0.2, "{:?}", stance(dprk));
    assert!(stance(us).polarity < -0.2, "{:?}", stance(us));
    assert!(!stance(dprk).evidence.is_empty() && !stance(us).evidence.is_empty());
    assert!(l.tone.word_count > 250);
}

#[test]
fn plural_nouns_relative_clauses_and_reciprocal_meetings() {
    let text = "Arvania announced economic sanctions against Borduria. \
                The militia that attacked Cestia fled. \
                Arvania, Borduria and Cestia met on Friday. \
                Arvania and Borduria said they will attack Cestia.";
    let mut a = hand_built(
        text,
        &[
            ("Arvania", LOC, "Arvania"),
            ("Borduria", LOC, "Borduria"),
            ("Cestia", LOC, "Cestia"),
        ],
    );
    let l = run(&mut a);
    let t = triples(&a, &l);
    // "sanctions" after an adjective is a noun, not a 166 event.
    assert!(!t.iter().any(|x| x.1 == "166"), "{t:?}");
    // The relative clause's subject is "the militia" (no entity), not Borduria.
    assert!(
        t.iter()
            .any(|x| x.0 == "-" && x.1 == "190" && x.2 == "Cestia"),
        "{t:?}"
    );
    // Every ordered pair of the meeting's participants.
    let met = t.iter().filter(|x| x.1 == "040").count();
    assert_eq!(met, 6, "{t:?}");
    // "they" goes back to the coordinated subject's nearest member.
    assert!(
        t.iter()
            .any(|x| x.1 == "190" && x.2 == "Cestia" && x.3 == Modality::Planned && x.0 != "-"),
        "{t:?}"
    );
}

#[test]
fn petrarch_regression() {
    let Some(dir) = shared("data/petrarch-validation-en") else {
        eprintln!("SKIPPED: ../shared/data/petrarch-validation-en is absent");
        return;
    };
    let records = newslens_eval::petrarch::read(&dir.join("PETR2_GSR_validation.xml")).unwrap();
    let entities = newslens_entities::EntityStage::new().unwrap();
    let time = newslens_time::TimeStage::new();
    let quotes = newslens_quotes::QuoteStage::new();
    let stage = EventStage::new().unwrap();
    let mut score = newslens_eval::petrarch::PetrarchScore::default();
    // Unknown actors get the first three letters of their name, as `newslens eval events` does.
    let code = |a: &Analysis, c: Option<usize>, given: &Option<String>| {
        given.clone().or_else(|| {
            let name = &a.entities.as_ref()?.clusters.get(c?)?.canonical;
            let l: String = name
                .chars()
                .filter(|ch| ch.is_alphabetic())
                .take(3)
                .collect();
            (l.chars().count() == 3).then(|| l.to_uppercase())
        })
    };
    for r in &records {
        let mut doc = Document::from_text(r.id.clone(), r.text.clone());
        doc.dateline = r
            .date
            .as_deref()
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        let mut a = Analysis::new(doc);
        newslens_text::segment(&mut a);
        entities.annotate(&mut a).unwrap();
        time.annotate(&mut a).unwrap();
        quotes.annotate(&mut a).unwrap();
        stage.annotate(&mut a).unwrap();
        a.validate().unwrap();
        let system: Vec<newslens_eval::petrarch::SystemCoding> = a
            .events
            .iter()
            .flat_map(|l| &l.events)
            .map(|e| newslens_eval::petrarch::SystemCoding {
                source: code(&a, e.actor, &e.actor_code),
                target: code(&a, e.target, &e.target_code),
                event: e.cameo.clone(),
            })
            .collect();
        score.add(r, &system);
    }
    eprintln!("PETRARCH GSR: {score:?}");
    // Floors a little under the figures in docs/events.md: a drop means a regression.
    assert_eq!(score.records, 77);
    assert!(score.root_correct >= 27, "{score:?}");
    assert!(score.dyad_correct >= 20, "{score:?}");
    assert!(score.noevent_correct >= 7, "{score:?}");
}

#[test]
fn a_name_inside_an_apposition_of_the_subject_is_not_an_actor() {
    let text = "Cestia, Borduria's main ally, urged Arvania to exercise restraint.";
    let mut a = hand_built(
        text,
        &[
            ("Arvania", LOC, "Arvania"),
            ("Borduria", LOC, "Borduria"),
            ("Cestia", LOC, "Cestia"),
        ],
    );
    let l = run(&mut a);
    let t = triples(&a, &l);
    assert!(
        t.iter().any(|x| x.0 == "Cestia" && x.1.starts_with("02")),
        "{t:?}"
    );
    assert!(t.iter().all(|x| x.0 != "Borduria"), "{t:?}");
}

#[test]
fn the_channel_between_a_cue_and_its_content_is_not_spoken_of() {
    let text = "The Arvanian army said in a statement carried by Borduria Radio that the drills were a brutal, dangerous and reckless provocation by Cestia.";
    let mut a = hand_built(
        text,
        &[
            ("Arvanian army", EntityType::Organisation, "Arvanian army"),
            ("Borduria Radio", EntityType::Organisation, "Borduria Radio"),
            ("Cestia", LOC, "Cestia"),
        ],
    );
    newslens_quotes::QuoteStage::new().annotate(&mut a).unwrap();
    let l = run(&mut a);
    let targets: Vec<String> = l.stances.iter().map(|s| name(&a, Some(s.target))).collect();
    assert!(targets.iter().any(|t| t == "Cestia"), "{targets:?}");
    assert!(targets.iter().all(|t| t != "Borduria Radio"), "{targets:?}");
}

#[test]
fn a_relative_clause_after_a_comma_and_a_title_before_a_name() {
    let text = "Ivo Marek, who met his Cestian counterpart Ana Lind in Arvania on Monday, left.";
    let mut a = hand_built(
        text,
        &[
            ("Ivo Marek", PER, "Ivo Marek"),
            ("Cestian", EntityType::Misc, "Cestian"),
            ("Ana Lind", PER, "Ana Lind"),
            ("Arvania", LOC, "Arvania"),
        ],
    );
    let l = run(&mut a);
    let t = triples(&a, &l);
    assert!(
        has(&t, "Ivo Marek", "040", "Ana Lind", Modality::Happened),
        "{t:?}"
    );
}
