//! The web UI in a real browser: headless Chromium (Debian's `chromium` + `chromium-driver`)
//! driven over WebDriver with fantoccini.
//!
//! Without Chromium the test prints a skip message, unless `NEWSLENS_BROWSER_TESTS=1` (set by
//! `.ci/run`), where a missing browser is a failure. Screenshots go to `target/screenshots/`.

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

fn browser_paths() -> Option<(PathBuf, PathBuf)> {
    let chromium = std::env::var_os("NEWSLENS_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| "/usr/bin/chromium".into());
    let driver = std::env::var_os("NEWSLENS_CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| "/usr/bin/chromedriver".into());
    (chromium.exists() && driver.exists()).then_some((chromium, driver))
}

fn screenshots_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Kills chromedriver when the test ends, however it ends.
struct Driver(Child);
impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start_driver(
    driver: &PathBuf,
    chromium: &PathBuf,
    profile: &std::path::Path,
) -> (Driver, Client) {
    let port = free_port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let guard = Driver(child);
    let caps: serde_json::Map<String, Value> = serde_json::from_value(json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    }))
    .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut b = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
        b.capabilities(caps.clone());
        match b.connect(&url).await {
            Ok(c) => return (guard, c),
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("cannot start a Chromium session through chromedriver: {e}"),
        }
    }
}

/// Navigates to a route and waits until the app has rendered it.
async fn goto(c: &Client, base: &str, hash: &str) {
    c.goto(&format!("{base}/{hash}")).await.unwrap();
    wait_ready(c, hash).await;
    // A page that failed (API error or script exception) shows an error box.
    let errors = c.find_all(Locator::Css("#main .error")).await.unwrap();
    if let Some(e) = errors.first() {
        panic!("{hash}: {}", e.text().await.unwrap());
    }
}

async fn wait_ready(c: &Client, hash: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let v = c
            .execute("return document.body && document.body.dataset.ready === location.hash && location.hash;", vec![])
            .await
            .unwrap();
        if v.as_str()
            .is_some_and(|h| hash.is_empty() || h == hash || h.starts_with(hash))
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "page {hash} never finished rendering (got {v})"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    std::fs::write(screenshots_dir().join(format!("{name}.png")), png).unwrap();
}

async fn no_xss(c: &Client, page: &str) {
    let flag = c
        .execute(
            "return window.__xss === undefined ? null : String(window.__xss);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(flag, Value::Null, "a payload executed on {page}");
    assert!(
        c.get_alert_text().await.is_err(),
        "an alert dialog opened on {page}"
    );
    // Nothing from the payloads became an element, and every link is internal or http(s).
    let bad = c
        .execute(
            r#"const m = document.getElementById('main');
               const els = m.querySelectorAll('script, img, iframe, style, object, embed, b');
               const links = [...m.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))
                 .filter(h => !(h.startsWith('#/') || /^https?:\/\//i.test(h) || h.startsWith('/api/')));
               return {elements: els.length, links};"#,
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        bad["elements"], 0,
        "payload markup became elements on {page}: {bad}"
    );
    assert_eq!(bad["links"], json!([]), "unsafe links on {page}");
}

/// The DOM text of every annotation key (segments carrying the key, in document order).
async fn dom_annotations(c: &Client) -> serde_json::Map<String, Value> {
    let v = c
        .execute(
            r#"const out = {};
               for (const n of document.querySelectorAll('.doc [data-ann]'))
                 for (const k of n.dataset.ann.split(' ')) out[k] = (out[k] || '') + n.textContent;
               return out;"#,
            vec![],
        )
        .await
        .unwrap();
    v.as_object().unwrap().clone()
}

/// What the API says each annotation key covers (the `text` the server cut at the span's
/// code point offsets).
fn api_annotations(a: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for m in a["entities"]["mentions"].as_array().unwrap() {
        out.push((
            format!("e{}", m["id"]),
            m["text"].as_str().unwrap().to_string(),
        ));
    }
    for q in a["quotes"].as_array().unwrap() {
        for (i, s) in q["content"].as_array().unwrap().iter().enumerate() {
            out.push((
                format!("q{}.{i}", q["id"]),
                s["text"].as_str().unwrap().to_string(),
            ));
        }
        if q["cue"].is_object() {
            out.push((
                format!("c{}", q["id"]),
                q["cue"]["text"].as_str().unwrap().to_string(),
            ));
        }
    }
    for t in a["timexes"].as_array().unwrap() {
        out.push((
            format!("t{}", t["id"]),
            t["text"].as_str().unwrap().to_string(),
        ));
    }
    for t in a["techniques"].as_array().unwrap() {
        out.push((
            format!("p{}", t["id"]),
            t["text"].as_str().unwrap().to_string(),
        ));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_ui_in_chromium() {
    let Some((chromium, driver)) = browser_paths() else {
        let msg =
            "chromium and chromedriver not found (apt-get install -y chromium chromium-driver)";
        if std::env::var("NEWSLENS_BROWSER_TESTS").as_deref() == Ok("1") {
            panic!("NEWSLENS_BROWSER_TESTS=1 but {msg}");
        }
        eprintln!("SKIPPED web_ui_in_chromium: {msg}; set NEWSLENS_BROWSER_TESTS=1 to require it");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    build_store(&db);
    let srv = TestServer::start(&db, None).await;
    let base = srv.url("");
    let (_driver, c) = start_driver(&driver, &chromium, &dir.path().join("profile")).await;

    // Home.
    goto(&c, &base, "#/").await;
    shot(&c, "home").await;

    // Search, with facets; follow the first hit.
    goto(&c, &base, "#/search?q=harbours").await;
    let hits = c.find_all(Locator::Css(".hit a.hittitle")).await.unwrap();
    assert!(hits.len() >= 3, "search shows {} hits", hits.len());
    let facets = c.find_all(Locator::Css(".facets li a")).await.unwrap();
    assert!(!facets.is_empty(), "no facets");
    shot(&c, "search").await;
    // A facet narrows the search.
    let valley = c.find(Locator::LinkText("Valley Times")).await.unwrap();
    valley.click().await.unwrap();
    wait_ready(&c, "#/search?").await;
    let url = c.current_url().await.unwrap();
    assert!(url.as_str().contains("source=Valley"), "{url}");
    let outlets = c
        .execute(
            "return [...document.querySelectorAll('.hit .meta')].map(m => m.textContent);",
            vec![],
        )
        .await
        .unwrap();
    for m in outlets.as_array().unwrap() {
        assert!(m.as_str().unwrap().contains("Valley Times"), "{m}");
    }

    // Open the article with the astral character and check every highlight against the API.
    let (_, found) = get_json(&srv.url("/api/search?q=mayor&kind=article")).await;
    let doc = found["hits"][0]["doc"].as_i64().unwrap();
    goto(&c, &base, "#/search?q=mayor").await;
    c.find(Locator::Css(".hit a.hittitle"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_ready(&c, &format!("#/article/{doc}")).await;
    let (_, a) = get_json(&srv.url(&format!("/api/articles/{doc}"))).await;
    assert!(a["text"].as_str().unwrap().contains('🚢'));
    let dom = dom_annotations(&c).await;
    let want = api_annotations(&a);
    assert!(
        want.len() >= 10,
        "too few planted annotations: {}",
        want.len()
    );
    for (key, text) in &want {
        assert_eq!(
            dom.get(key).and_then(|v| v.as_str()),
            Some(text.as_str()),
            "annotation {key}"
        );
    }
    // Technique legend and colours.
    let legend = c
        .find(Locator::Css(".techlegend"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(legend.contains("Loaded Language"), "{legend}");
    // Clicking a quote shows its speaker.
    let q = c.find(Locator::Css(".doc span.ann.quote")).await.unwrap();
    q.click().await.unwrap();
    let panel = c
        .find(Locator::Css(".panel"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(panel.contains("speaker"), "{panel}");
    shot(&c, "article").await;

    // Follow an entity link from the text.
    let link = c
        .find(Locator::Css(".doc a.ann.ent[title^='Maria Olsen']"))
        .await
        .unwrap();
    link.click().await.unwrap();
    wait_ready(&c, "#/entity/").await;
    let h1 = c
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(h1.starts_with("Maria Olsen"), "{h1}");
    let bars = c
        .find_all(Locator::Css("svg.chart rect.bar"))
        .await
        .unwrap();
    assert!(bars.len() >= 3, "timeline chart has {} bars", bars.len());
    let roles = c
        .find(Locator::Css(".roles"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(roles.contains("Harbour Minister"));
    shot(&c, "entity").await;

    // The entity list filtered to people: every row's type is PER, and the filter is shown.
    goto(&c, &base, "#/entities?type=PER").await;
    let types = c
        .find_all(Locator::Css("table.tbl tbody tr td:nth-child(2)"))
        .await
        .unwrap();
    assert!(!types.is_empty(), "no people listed");
    for t in &types {
        assert_eq!(t.text().await.unwrap().trim(), "PER");
    }
    let current = c
        .find(Locator::Css("p.filters strong"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(current, "People");

    // Stories (origin first) and quote spread.
    goto(&c, &base, "#/stories").await;
    let main_text = c
        .find(Locator::Id("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(main_text.contains("copies"), "stories page: {main_text}");
    let first = c
        .find(Locator::Css(".story li.origin"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(first.contains("Harbour Ledger"), "{first}");
    shot(&c, "stories").await;
    let (_, quotes) = get_json(&srv.url("/api/quotes?limit=1")).await;
    let qid = quotes[0]["id"].as_i64().unwrap();
    goto(&c, &base, &format!("#/quote/{qid}")).await;
    let occ = c.find_all(Locator::Css("ol.members li")).await.unwrap();
    assert!(occ.len() >= 3);
    shot(&c, "quote-spread").await;

    // Hostile article: its payloads are shown as text and never run.
    let (_, x) = get_json(&srv.url("/api/search?q=reader&kind=article")).await;
    let xdoc = x["hits"][0]["doc"].as_i64().unwrap();
    goto(&c, &base, &format!("#/article/{xdoc}")).await;
    let text = c
        .find(Locator::Css(".doc"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("<script>window.__xss=1;alert(1)</script>"),
        "{text}"
    );
    assert!(text.contains(XSS_ENTITY));
    no_xss(&c, "hostile article").await;
    // Click every link on the page that stays on it, then check again.
    shot(&c, "xss-article").await;
    let ent = c
        .find(Locator::Css(".doc a.ann.ent[title^='<img']"))
        .await
        .unwrap();
    ent.click().await.unwrap();
    wait_ready(&c, "#/entity/").await;
    no_xss(&c, "hostile entity page").await;
    goto(&c, &base, "#/search?q=reader").await;
    no_xss(&c, "hostile search").await;
    goto(&c, &base, "#/entities").await;
    no_xss(&c, "entity list").await;
    // The analyze page renders a pasted hostile text the same way.
    goto(&c, &base, "#/analyze").await;
    let ta = c.find(Locator::Id("analyze-text")).await.unwrap();
    ta.send_keys(&format!(
        "date 2025-05-05 {XSS_TITLE}\n\nBy {XSS_ENTITY}\n\n{XSS_LINK} on Monday."
    ))
    .await
    .unwrap();
    c.find(Locator::Css("form.analyze button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(".analysis-out .doc"))
        .await
        .unwrap();
    no_xss(&c, "analyze").await;

    // Phone-sized screenshot of the article.
    c.set_window_size(390, 844).await.unwrap();
    goto(&c, &base, &format!("#/article/{doc}")).await;
    let overflow = c
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        overflow,
        Value::Bool(true),
        "the article page scrolls sideways on a phone"
    );
    shot(&c, "article-phone").await;

    c.close().await.unwrap();
    srv.stop().await;
}
