//! A small generated corpus for the server tests: original seed-style articles (invented people
//! and places), a planted republication, a quote repeated across outlets, non-ASCII and astral
//! characters before annotated spans (to catch code point / UTF-16 mistakes), and one hostile
//! article full of HTML and `javascript:` payloads.
//!
//! Layers are planted by hand at known strings, so UI tests do not depend on model quality.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use newslens_core::layers::entities::{
    Cluster, EntityLayer, EntityType, Mention, MentionKind, Role,
};
use newslens_core::layers::quotes::{Quote, QuoteKind, QuoteLayer};
use newslens_core::layers::rhetoric::{RhetoricLayer, TechniqueSpan};
use newslens_core::layers::time::{TimeLayer, Timex, TimexType};
use newslens_core::{Analysis, Span};
use newslens_pipeline::{Pipeline, PipelineOptions};
use newslens_server::{AppState, ServerConfig};
use newslens_store::{open_store, OpenMode, Store};

/// The hostile article's payloads set `window.__xss` if they ever run.
pub const XSS_TITLE: &str = "Harbour board <script>window.__xss=1;alert(1)</script> meets";
pub const XSS_ENTITY: &str = "<img src=x onerror=\"window.__xss=2;alert(2)\">";
pub const XSS_LINK: &str = "<a href=\"javascript:window.__xss=3;alert(3)\">read more</a>";
pub const XSS_URL: &str = "javascript:window.__xss=4;alert(4)";

const REPEATED_QUOTE: &str = "We will not trade our harbours for promises";

struct Plan {
    date: &'static str,
    outlet: &'static str,
    url: Option<&'static str>,
    title: String,
    body: Vec<String>,
}

fn articles() -> Vec<Plan> {
    let p = |date, outlet, title: &str, body: &[&str]| Plan {
        date,
        outlet,
        url: None,
        title: title.to_string(),
        body: body.iter().map(|s| s.to_string()).collect(),
    };
    let origin_body = [
        "Harbour Minister Maria Olsen told reporters in Port Selden on Tuesday that the Coastal Alliance would resist what she called a treacherous scheme to sell the northern docks.",
        "“We will not trade our harbours for promises,” Olsen said, standing beside dock workers who had walked out last week. The union leader Tomasz Ørsted said the strike would continue until the board published its accounts.",
        "Critics of the plan say the board has ignored three independent audits since 2019, and that the buyers have never explained where their money comes from. Ørsted called the buyers enemies of the people.",
        "The board is expected to vote next month. Shipping firms warned that a long strike could empty the port for the whole season.",
    ];
    vec![
        p("2025-04-08", "Harbour Ledger", "Dock workers walk out as Port Selden sale looms", &origin_body),
        // A republication with a lightly edited ending.
        p("2025-04-09", "Northern Courier", "Port Selden dock strike widens", &[
            origin_body[0], origin_body[1], origin_body[2],
            "The board is expected to vote next month, and shipping firms warned that a long strike could empty the port for the season.",
        ]),
        p("2025-04-12", "Valley Times", "Zoë Ångström 🚢 backs the dock workers", &[
            "Zoë Ångström 🚢, the mayor of Port Selden, said on Friday that she stood with the strikers. “We will not trade our harbours for promises,” Maria Olsen said again at the rally, and the crowd repeated the line.",
            "Ångström said the treacherous sale would hand the waterfront to speculators. Tomasz Ørsted thanked the mayor for her support.",
        ]),
        p("2025-04-20", "Harbour Ledger", "Board delays the harbour vote", &[
            "The Coastal Alliance said on Monday that the board had delayed its vote until June. Maria Olsen welcomed the delay but warned that “we will not trade our harbours for promises”.",
            "Tomasz Ørsted said the strike would be suspended for two weeks.",
        ]),
        p("2025-05-02", "Valley Times", "Fishing season opens quietly in Brenmoor", &[
            "Boats left Brenmoor at dawn on Thursday as the fishing season opened with calm seas and modest catches.",
            "Harbour master Ilse Varga said the new quotas had been agreed without protest this year.",
        ]),
        Plan {
            date: "2025-05-05",
            outlet: "Pamphlet <b>Press</b>",
            url: Some(XSS_URL),
            title: XSS_TITLE.to_string(),
            body: vec![
                format!("A reader sent this text: {XSS_LINK} and the picture {XSS_ENTITY} which Maria Olsen rejected."),
                "<style>body{display:none}</style><iframe src=\"javascript:window.__xss=6\"></iframe> The board met on Monday.".to_string(),
            ],
        },
    ]
}

fn find_all(text: &str, needle: &str) -> Vec<Span> {
    text.match_indices(needle)
        .map(|(i, m)| Span::new(i, i + m.len()))
        .collect()
}

/// Plants entities, quotes, timexes and techniques at known strings.
fn plant(a: &mut Analysis) {
    let text = a.text().to_string();
    let ents: &[(&str, &[&str], EntityType)] = &[
        ("Maria Olsen", &["Maria Olsen", "Olsen"], EntityType::Person),
        (
            "Tomasz Ørsted",
            &["Tomasz Ørsted", "Ørsted"],
            EntityType::Person,
        ),
        (
            "Zoë Ångström",
            &["Zoë Ångström", "Ångström"],
            EntityType::Person,
        ),
        (
            "Coastal Alliance",
            &["Coastal Alliance"],
            EntityType::Organisation,
        ),
        ("Port Selden", &["Port Selden"], EntityType::Location),
        ("Brenmoor", &["Brenmoor"], EntityType::Location),
        ("Ilse Varga", &["Ilse Varga"], EntityType::Person),
        (XSS_ENTITY, &[XSS_ENTITY], EntityType::Misc),
    ];
    let mut layer = EntityLayer::default();
    for (canonical, forms, ty) in ents {
        let mut spans: Vec<Span> = Vec::new();
        for f in forms.iter() {
            for s in find_all(&text, f) {
                if !spans.iter().any(|x| x.overlaps(&s)) {
                    spans.push(s);
                }
            }
        }
        if spans.is_empty() {
            continue;
        }
        spans.sort();
        let cid = layer.clusters.len();
        let mut ids = Vec::new();
        for s in spans {
            ids.push(layer.mentions.len());
            layer.mentions.push(Mention {
                id: 0,
                span: s,
                entity_type: *ty,
                kind: MentionKind::Name,
                cluster: cid,
                score: 1.0,
            });
        }
        let roles = match (*canonical, text.find("Harbour Minister")) {
            ("Maria Olsen", Some(i)) => vec![Role {
                title: "Harbour Minister".into(),
                affiliation: Some("Port Selden".into()),
                affiliation_cluster: None,
                evidence: Span::new(i, i + "Harbour Minister".len()),
            }],
            _ => Vec::new(),
        };
        layer.clusters.push(Cluster {
            id: cid,
            canonical: canonical.to_string(),
            entity_type: *ty,
            mentions: ids,
            roles,
            affiliations: Vec::new(),
            aliases: forms.iter().skip(1).map(|s| s.to_string()).collect(),
        });
    }
    // Mentions must be in text order with ids = indexes; remap the clusters' mention lists.
    let mut order: Vec<usize> = (0..layer.mentions.len()).collect();
    order.sort_by_key(|&i| layer.mentions[i].span);
    let mut new_id = vec![0; order.len()];
    for (new, &old) in order.iter().enumerate() {
        new_id[old] = new;
    }
    let mut mentions: Vec<Mention> = order.iter().map(|&i| layer.mentions[i].clone()).collect();
    for (i, m) in mentions.iter_mut().enumerate() {
        m.id = i;
    }
    layer.mentions = mentions;
    for c in &mut layer.clusters {
        c.mentions = c.mentions.iter().map(|&m| new_id[m]).collect();
        c.mentions.sort();
    }
    let cluster_of = |name: &str| {
        layer
            .clusters
            .iter()
            .find(|c| c.canonical == name)
            .map(|c| c.id)
    };

    let mut quotes = Vec::new();
    let lower = text.to_lowercase();
    let rq = REPEATED_QUOTE.to_lowercase();
    if let Some(i) = lower.find(&rq) {
        let content = Span::new(i, i + rq.len());
        let cue = text[content.end..].find("said").map(|j| {
            let s = content.end + j;
            Span::new(s, s + 4)
        });
        quotes.push(Quote {
            id: 0,
            kind: QuoteKind::Direct,
            content: vec![content],
            cue,
            cue_lemma: cue.map(|_| "say".into()),
            source: None,
            speaker: cluster_of("Maria Olsen"),
            speaker_name: Some("Maria Olsen".into()),
            score: 1.0,
        });
    }
    // Indirect quotes: (content, speaker, score).
    let indirect: &[(&str, &str, f32)] = &[
        (
            "the strike would continue until the board published its accounts",
            "Tomasz Ørsted",
            0.9,
        ),
        // A quote about Maria Olsen's strikers said by the mayor mentions nobody; this one
        // mentions Olsen: "Tomasz Ørsted thanked the mayor" is not a quote. Keep it simple.
        ("she stood with the strikers", "Zoë Ångström", 0.9),
        ("which Maria Olsen rejected", XSS_ENTITY, 0.5),
    ];
    for &(phrase, speaker, score) in indirect {
        if let Some(i) = text.find(phrase) {
            quotes.push(Quote {
                id: 0,
                kind: QuoteKind::Indirect,
                content: vec![Span::new(i, i + phrase.len())],
                cue: None,
                cue_lemma: None,
                source: None,
                speaker: cluster_of(speaker),
                speaker_name: Some(speaker.into()),
                score,
            });
        }
    }
    quotes.sort_by_key(|q| q.content[0]);
    for (i, q) in quotes.iter_mut().enumerate() {
        q.id = i;
    }
    let time: &[(&str, TimexType, &str)] = &[
        ("on Tuesday", TimexType::Date, "2025-04-08"),
        ("last week", TimexType::Date, "2025-W14"),
        ("since 2019", TimexType::Date, "2019"),
        ("next month", TimexType::Date, "2025-05"),
        ("on Friday", TimexType::Date, "2025-04-11"),
        ("on Monday", TimexType::Date, "2025-04-14"),
        ("two weeks", TimexType::Duration, "P2W"),
    ];
    let mut timexes = Vec::new();
    for (s, ty, v) in time {
        for sp in find_all(&text, s) {
            timexes.push(Timex {
                id: 0,
                span: sp,
                timex_type: *ty,
                value: Some(v.to_string()),
                modifier: None,
                unresolved: false,
                rule: "test".into(),
            });
        }
    }
    timexes.sort_by_key(|t| t.span);
    for (i, t) in timexes.iter_mut().enumerate() {
        t.id = i;
    }
    let techs: &[(&str, &str)] = &[
        ("treacherous scheme", "Loaded_Language"),
        ("treacherous sale", "Loaded_Language"),
        ("enemies of the people", "Name_Calling,Labeling"),
        ("could empty the port", "Appeal_to_fear-prejudice"),
    ];
    let mut techniques = Vec::new();
    for (s, label) in techs {
        for sp in find_all(&text, s) {
            techniques.push(TechniqueSpan {
                id: 0,
                span: sp,
                technique: label.to_string(),
                technique_2023: label.to_string(),
                score: 0.8,
                sentence: 0,
            });
        }
    }
    techniques.sort_by_key(|t| t.span);
    for (i, t) in techniques.iter_mut().enumerate() {
        t.id = i;
    }
    a.entities = Some(layer);
    a.quotes = Some(QuoteLayer {
        quotes,
        scare_quotes: Vec::new(),
    });
    a.time = Some(TimeLayer { timexes });
    a.rhetoric = Some(RhetoricLayer {
        techniques,
        ..RhetoricLayer::default()
    });
    for s in ["entities", "quotes", "time", "rhetoric"] {
        a.stages.push(s.into());
    }
}

/// The corpus as JSON articles (what a client would POST to /api/ingest).
pub fn json_articles() -> Vec<serde_json::Value> {
    articles()
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let mut text = format!("{}\n\n", p.title);
            text.push_str(&p.body.join("\n\n"));
            serde_json::json!({
                "id": format!("test-{i}"),
                "url": p.url,
                "source": p.outlet,
                "date": p.date,
                "title": p.title,
                "text": text,
            })
        })
        .collect()
}

/// Analyses (text layer from the real pipeline, other layers planted).
pub fn analyses() -> Vec<Analysis> {
    let text_only = Pipeline::new(&PipelineOptions {
        only: Some(vec![]),
        ..PipelineOptions::default()
    })
    .expect("text pipeline");
    json_articles()
        .into_iter()
        .map(|j| {
            let body = serde_json::to_vec(&j).unwrap();
            let doc = newslens_ingest::read_bytes(&body, "corpus.json", "corpus")
                .pop()
                .unwrap()
                .unwrap();
            let mut a = text_only.run(doc).unwrap();
            plant(&mut a);
            a.validate().expect("planted analysis is valid");
            a
        })
        .collect()
}

/// Writes the corpus into a new store at `dir`.
pub fn build_store(dir: &Path) {
    let store = open_store(dir.to_str().unwrap(), OpenMode::Write).unwrap();
    let out = store.put(analyses()).unwrap();
    assert!(out.iter().all(|o| o.new));
}

/// A running server on an ephemeral loopback port.
pub struct TestServer {
    pub addr: SocketAddr,
    pub state: Arc<AppState>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub task: Option<tokio::task::JoinHandle<()>>,
}

impl TestServer {
    pub async fn start(db: &Path, token: Option<&str>) -> Self {
        let mut cfg = ServerConfig::new(db.to_str().unwrap(), "127.0.0.1:0".parse().unwrap());
        cfg.token = token.map(str::to_string);
        let state = Arc::new(AppState::open(&cfg).unwrap());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let st = Arc::clone(&state);
        let task = tokio::spawn(async move {
            newslens_server::serve_on(listener, st, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Self {
            addr,
            state,
            stop: Some(tx),
            task: Some(task),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

/// A minimal HTTP/1.1 client for the tests.
pub async fn http(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> (u16, hyper::HeaderMap, Vec<u8>) {
    use http_body_util::{BodyExt, Full};
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Full<hyper::body::Bytes>>();
    let mut req = hyper::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req.body(Full::new(hyper::body::Bytes::from(body))).unwrap();
    let res = client.request(req).await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, headers, body)
}

/// GET returning JSON.
pub async fn get_json(url: &str) -> (u16, serde_json::Value) {
    let (s, _, b) = http("GET", url, &[], Vec::new()).await;
    (
        s,
        serde_json::from_slice(&b).unwrap_or(serde_json::Value::Null),
    )
}
