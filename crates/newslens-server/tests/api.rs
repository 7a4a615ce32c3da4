//! The JSON API over a real socket: endpoints, OpenAPI, security headers and write rules.

mod common;

use common::*;
use newslens_server::{AppState, ServerConfig};

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoints_answer_from_the_store() {
    let dir = tempdir();
    let db = dir.path().join("db");
    build_store(&db);
    let srv = TestServer::start(&db, None).await;

    // Search: planted quote found, facets counted over the hits, spans are exact.
    let (s, v) = get_json(&srv.url("/api/search?q=harbours%20promises&limit=50")).await;
    assert_eq!(s, 200, "{v}");
    let hits = v["hits"].as_array().unwrap();
    assert!(hits.len() >= 3, "{v}");
    let kinds: usize = v["facets"]["kind"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["count"].as_u64().unwrap() as usize)
        .sum();
    assert_eq!(kinds, hits.len());
    for h in hits {
        for sp in h["spans"].as_array().unwrap() {
            let t = sp["text"].as_str().unwrap().to_lowercase();
            assert!(t == "harbours" || t == "promises", "{sp}");
        }
    }
    // Filters like the CLI's.
    let (_, v) = get_json(&srv.url("/api/search?q=strike&source=Valley%20Times&limit=50")).await;
    for h in v["hits"].as_array().unwrap() {
        assert_eq!(h["outlet"], "Valley Times");
    }
    let (_, v) = get_json(&srv.url("/api/search?q=&speaker=Maria%20Olsen&limit=50")).await;
    let hits = v["hits"].as_array().unwrap();
    assert!(!hits.is_empty());
    assert!(hits
        .iter()
        .all(|h| h["kind"] == "quote" && h["speaker"] == "Maria Olsen"));
    let (_, v) = get_json(&srv.url("/api/search?q=&technique=Loaded_Language&kind=article")).await;
    assert_eq!(v["hits"].as_array().unwrap().len(), 3, "{v}");
    let (s, v) = get_json(&srv.url("/api/search?q=x&from=2025-13-01")).await;
    assert_eq!(s, 400);
    assert!(v["error"].as_str().unwrap().contains("YYYY-MM-DD"));
    let (_, v) = get_json(&srv.url("/api/search?q=&from=2025-05-01&kind=article")).await;
    assert_eq!(v["hits"].as_array().unwrap().len(), 2);

    // Article: analysis with every planted layer and the store's quote ids.
    let (s, a) = get_json(&srv.url("/api/articles/1")).await;
    assert_eq!(s, 200);
    assert_eq!(a["store"]["id"], 1);
    let text: Vec<char> = a["text"].as_str().unwrap().chars().collect();
    for m in a["entities"]["mentions"].as_array().unwrap() {
        let (st, en) = (
            m["start"].as_u64().unwrap() as usize,
            m["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(
            text[st..en].iter().collect::<String>(),
            m["text"].as_str().unwrap()
        );
    }
    let links = a["store"]["quotes"].as_array().unwrap();
    assert_eq!(links.len(), a["quotes"].as_array().unwrap().len());
    let (s, _) = get_json(&srv.url("/api/articles/999")).await;
    assert_eq!(s, 404);

    // The repeated quote spreads over three articles and two outlets, first on 2025-04-08.
    let olsen_quote = links
        .iter()
        .find(|l| a["quotes"][l["idx"].as_u64().unwrap() as usize]["speaker_name"] == "Maria Olsen")
        .unwrap();
    let (s, spread) =
        get_json(&srv.url(&format!("/api/quotes/{}/spread", olsen_quote["quote"]))).await;
    assert_eq!(s, 200, "{spread}");
    assert!(spread["size"].as_u64().unwrap() >= 3, "{spread}");
    assert_eq!(spread["first"]["dateline"], "2025-04-08");

    // Stories: the planted republication, origin first.
    let (_, stories) = get_json(&srv.url("/api/stories")).await;
    let st = &stories.as_array().unwrap()[0];
    assert_eq!(st["origin"]["outlet"], "Harbour Ledger");
    assert_eq!(st["members"][1]["outlet"], "Northern Courier");
    let (s, one) = get_json(&srv.url("/api/stories/2")).await;
    assert_eq!(s, 200);
    assert_eq!(one["id"], st["id"]);

    // Entities and one entity's page: roles, quotes by and about, timeline.
    let (_, ents) = get_json(&srv.url("/api/entities?limit=5")).await;
    assert!(ents
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["name"] == "Maria Olsen"));
    let (s, people) = get_json(&srv.url("/api/entities?type=per&limit=50")).await;
    assert_eq!(s, 200, "{people}");
    let people = people.as_array().unwrap();
    assert!(people.iter().all(|e| e["type"] == "PER"), "{people:?}");
    assert!(people.iter().any(|e| e["name"] == "Maria Olsen"));
    let (_, orgs) = get_json(&srv.url("/api/entities?type=ORG&limit=50")).await;
    assert!(orgs.as_array().unwrap().iter().all(|e| e["type"] == "ORG"));
    assert!(!orgs
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["name"] == "Maria Olsen"));
    let (s, _) = get_json(&srv.url("/api/entities?type=people")).await;
    assert_eq!(s, 400);
    let (s, e) = get_json(&srv.url("/api/entities/maria%20olsen")).await;
    assert_eq!(s, 200, "{e}");
    assert_eq!(e["name"], "Maria Olsen");
    assert_eq!(e["type"], "PER");
    assert_eq!(e["roles"][0]["title"], "Harbour Minister");
    assert!(e["quotes_by"].as_array().unwrap().len() >= 3);
    // "which Maria Olsen rejected" is said by someone else and mentions her.
    assert!(e["quotes_about"]
        .as_array()
        .unwrap()
        .iter()
        .any(|q| q["text"] == "which Maria Olsen rejected"));
    assert!(e["timeline"]["points"].as_array().unwrap().len() >= 3);
    // The page counts the articles the listing and the timeline count, and lists them newest
    // first; the surname alone opens the same page.
    let listed = people.iter().find(|p| p["name"] == "Maria Olsen").unwrap();
    assert_eq!(e["documents"], listed["documents"], "{e}");
    let per_day: u64 = e["timeline"]["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["articles"].as_u64().unwrap())
        .sum();
    assert_eq!(e["documents"].as_u64(), Some(per_day));
    let dates: Vec<&str> = e["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["dateline"].as_str().unwrap())
        .collect();
    assert_eq!(dates.len() as u64, per_day);
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");
    let (s, by_surname) = get_json(&srv.url("/api/entities/Olsen")).await;
    assert_eq!(s, 200, "{by_surname}");
    assert_eq!(by_surname["name"], "Maria Olsen");
    assert_eq!(by_surname["documents"], e["documents"]);
    let (s, _) = get_json(&srv.url("/api/entities/Nobody%20Atall")).await;
    assert_eq!(s, 404);

    let (_, stats) = get_json(&srv.url("/api/stats")).await;
    assert_eq!(stats["documents"], 6);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analyze_and_ingest() {
    let dir = tempdir();
    let db = dir.path().join("db");
    let srv = TestServer::start(&db, None).await;
    let seed = "date 2025-04-08 Harbour vote delayed\n\nBy Desk\n\nThe board met on Tuesday. “We will wait,” Maria Olsen said.\n";
    let (s, _, b) = http(
        "POST",
        &srv.url("/api/analyze"),
        &[("content-type", "text/plain")],
        seed.into(),
    )
    .await;
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&b));
    let a: serde_json::Value = serde_json::from_slice(&b).unwrap();
    assert_eq!(a["dateline"], "2025-04-08");
    assert_eq!(a["title"], "Harbour vote delayed");
    assert!(!a["sentences"].as_array().unwrap().is_empty());
    let art = serde_json::to_vec(&json_articles()[0]).unwrap();
    let (s, _, b) = http(
        "POST",
        &srv.url("/api/analyze"),
        &[("content-type", "application/json")],
        art.clone(),
    )
    .await;
    assert_eq!(s, 200);
    let a: serde_json::Value = serde_json::from_slice(&b).unwrap();
    assert_eq!(a["outlet"], "Harbour Ledger");
    let (s, _, _) = http("POST", &srv.url("/api/analyze"), &[], b"   ".to_vec()).await;
    assert_eq!(s, 400);
    // Analysis stores nothing.
    let (_, stats) = get_json(&srv.url("/api/stats")).await;
    assert_eq!(stats["documents"], 0);

    // Ingest: JSON only; stored once; searchable shortly after.
    let (s, _, _) = http(
        "POST",
        &srv.url("/api/ingest"),
        &[("content-type", "text/plain")],
        seed.into(),
    )
    .await;
    assert_eq!(s, 415);
    let batch = serde_json::to_vec(&json_articles()).unwrap();
    let (s, _, b) = http(
        "POST",
        &srv.url("/api/ingest"),
        &[("content-type", "application/json")],
        batch.clone(),
    )
    .await;
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&b));
    let r: serde_json::Value = serde_json::from_slice(&b).unwrap();
    assert_eq!(r["stored"], 6);
    let (_, _, b) = http(
        "POST",
        &srv.url("/api/ingest"),
        &[("content-type", "application/json")],
        batch,
    )
    .await;
    let r: serde_json::Value = serde_json::from_slice(&b).unwrap();
    assert_eq!(r["stored"], 0);
    assert_eq!(r["unchanged"], 6);
    let mut found = 0;
    for _ in 0..50 {
        let (_, v) = get_json(&srv.url("/api/search?q=Brenmoor")).await;
        found = v["hits"].as_array().map_or(0, |h| h.len());
        if found > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(found > 0, "ingested article never became searchable");
    // A cross-site write is refused even on loopback.
    let (s, _, _) = http(
        "POST",
        &srv.url("/api/ingest"),
        &[
            ("content-type", "application/json"),
            ("origin", "http://evil.example"),
        ],
        art,
    )
    .await;
    assert_eq!(s, 401);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_headers_limits_and_tokens() {
    let dir = tempdir();
    let db = dir.path().join("db");
    let token = "s3cret-token-0123456789";
    let srv = TestServer::start(&db, Some(token)).await;
    for path in ["/", "/assets/app.js", "/api/health", "/api/nope"] {
        let (s, h, _) = http("GET", &srv.url(path), &[], Vec::new()).await;
        assert!(s == 200 || (path == "/api/nope" && s == 404), "{path}: {s}");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("default-src 'self'") && csp.contains("script-src 'self'"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["x-frame-options"], "DENY");
    }
    let (_, h, _) = http("GET", &srv.url("/assets/app.js"), &[], Vec::new()).await;
    assert!(h["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    // No inline script in the page: everything comes from /assets/app.js.
    let (_, _, page) = http("GET", &srv.url("/"), &[], Vec::new()).await;
    let page = String::from_utf8(page).unwrap();
    assert_eq!(page.matches("<script").count(), 1);
    assert!(page.contains("<script src=\"/assets/app.js\" defer></script>"));

    // DNS rebinding: a foreign Host is refused on a loopback binding.
    let (s, _, _) = http(
        "GET",
        &srv.url("/api/health"),
        &[("host", "attacker.example")],
        Vec::new(),
    )
    .await;
    assert_eq!(s, 421);

    // Token: required when set.
    let art = serde_json::to_vec(&json_articles()[4]).unwrap();
    let (s, _, _) = http(
        "POST",
        &srv.url("/api/ingest"),
        &[("content-type", "application/json")],
        art.clone(),
    )
    .await;
    assert_eq!(s, 401);
    let (s, _, _) = http(
        "POST",
        &srv.url("/api/ingest"),
        &[
            ("content-type", "application/json"),
            ("authorization", "Bearer wrong-token-0123456789"),
        ],
        art.clone(),
    )
    .await;
    assert_eq!(s, 401);
    let bearer = format!("Bearer {token}");
    let (s, _, b) = http(
        "POST",
        &srv.url("/api/ingest"),
        &[
            ("content-type", "application/json"),
            ("authorization", &bearer),
        ],
        art,
    )
    .await;
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&b));

    // Body limit (8 MiB default): an oversized Content-Length is refused before the body is
    // read (a raw socket, so the client does not race the server's early answer).
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut sock = tokio::net::TcpStream::connect(srv.addr).await.unwrap();
        let head = format!(
            "POST /api/analyze HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
            9 * 1024 * 1024
        );
        sock.write_all(head.as_bytes()).await.unwrap();
        sock.write_all(&[b'a'; 4096]).await.unwrap();
        let mut buf = vec![0u8; 512];
        let n = tokio::time::timeout(std::time::Duration::from_secs(10), sock.read(&mut buf))
            .await
            .expect("no answer to an oversized body")
            .unwrap();
        let answer = String::from_utf8_lossy(&buf[..n]);
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    }
    srv.stop().await;
}

#[test]
fn refuses_public_address_without_token() {
    let dir = tempdir();
    let cfg = ServerConfig::new(
        dir.path().join("db").to_str().unwrap(),
        "0.0.0.0:0".parse().unwrap(),
    );
    let err = AppState::open(&cfg).unwrap_err().to_string();
    assert!(err.contains("without a write token"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_documents_every_route_and_field() {
    let dir = tempdir();
    let db = dir.path().join("db");
    build_store(&db);
    let srv = TestServer::start(&db, None).await;
    let (s, doc) = get_json(&srv.url("/api/openapi.json")).await;
    assert_eq!(s, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for p in [
        "/api/analyze",
        "/api/search",
        "/api/articles/{id}",
        "/api/entities",
        "/api/entities/{id}",
        "/api/stories",
        "/api/quotes/{id}/spread",
        "/api/ingest",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} undocumented");
    }
    // Every field the store writes is a documented property of its schema.
    let schemas = &doc["components"]["schemas"];
    let check = |schema: &str, v: &serde_json::Value| {
        let props = schemas[schema]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{schema}"));
        for k in v.as_object().unwrap().keys() {
            assert!(props.contains_key(k), "{schema}.{k} is not documented");
        }
    };
    let (_, v) = get_json(&srv.url("/api/search?q=harbours&kind=quote")).await;
    check("SearchHit", &v["hits"][0]);
    check("SearchResponse", &v);
    let (_, v) = get_json(&srv.url("/api/stories")).await;
    check("Story", &v[0]);
    check("StoryMember", &v[0]["origin"]);
    let (_, v) = get_json(&srv.url("/api/quotes?limit=1")).await;
    check("QuoteCluster", &v[0]);
    check("QuoteOccurrence", &v[0]["first"]);
    let (_, v) = get_json(&srv.url("/api/entities?limit=1")).await;
    check("EntitySummary", &v[0]);
    let (_, v) = get_json(&srv.url("/api/entities/Maria%20Olsen")).await;
    check("EntityPage", &v);
    check("Timeline", &v["timeline"]);
    let (_, v) = get_json(&srv.url("/api/stats")).await;
    check("Stats", &v);
    let (_, v) = get_json(&srv.url("/api/articles/1")).await;
    check("StoreInfo", &v["store"]);
    srv.stop().await;
}
