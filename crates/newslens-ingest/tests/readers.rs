//! Reader tests: every format, bad inputs, and the span invariant on every reader's output.

use std::io::Write;
use std::path::PathBuf;

use newslens_core::{Analysis, DocumentFormat};
use newslens_ingest::{read_bytes, read_input, read_paths, IngestError, ReadOptions};

fn analyse(doc: newslens_core::Document) -> Analysis {
    let mut a = Analysis::new(doc);
    newslens_text::segment(&mut a);
    a.validate().expect("invariants");
    // text[start:end] == span.text for every span in the JSON, counted in code points.
    let v = a.to_json_value().unwrap();
    let chars: Vec<char> = v["text"].as_str().unwrap().chars().collect();
    for key in ["paragraphs", "sentences", "tokens"] {
        for s in v[key].as_array().unwrap() {
            let (st, en) = (
                s["start"].as_u64().unwrap() as usize,
                s["end"].as_u64().unwrap() as usize,
            );
            let got: String = chars[st..en].iter().collect();
            assert_eq!(got, s["text"].as_str().unwrap(), "{key} span mismatch");
        }
    }
    a
}

const SEED_STYLE: &str = " date 2025-03-04 Minister in Hanoi: Talks on “Trade”\n\nBy Staff, Wires\n\nForeign Minister Anna Berg arrived in Hanoi on Monday. She met Mr. Tran.\n\n“We are friends. We stay friends,” Berg said.\n\nThe talks cost $3.5 million, officials said…\n";

#[test]
fn seed_format() {
    let docs = read_bytes(SEED_STYLE.as_bytes(), "hanoi.txt", "hanoi");
    let d = docs.into_iter().next().unwrap().unwrap();
    assert_eq!(d.format, DocumentFormat::Seed);
    assert_eq!(d.dateline.unwrap().to_string(), "2025-03-04");
    assert_eq!(d.byline.as_deref(), Some("Staff, Wires"));
    assert_eq!(d.language.as_deref(), Some("en"));
    let a = analyse(d);
    assert_eq!(a.paragraphs.len(), 3);
    let sents: Vec<&str> = a.sentences.iter().map(|s| a.slice(s.span)).collect();
    assert_eq!(sents[0], "Minister in Hanoi: Talks on “Trade”");
    assert!(sents.contains(&"She met Mr. Tran."));
}

#[test]
fn semeval_and_plain_text() {
    let body = "A headline\n\nFirst paragraph of the body. Second sentence.\nAnother paragraph.\n";
    let d = read_bytes(body.as_bytes(), "dir/article123.txt", "article123")
        .pop()
        .unwrap()
        .unwrap();
    assert_eq!(d.format, DocumentFormat::Semeval);
    assert_eq!(d.title.as_deref(), Some("A headline"));
    assert_eq!(d.id, "article123");
    let a = analyse(d);
    assert_eq!(a.paragraphs.len(), 2);
    let d = read_bytes(body.as_bytes(), "notes.txt", "notes")
        .pop()
        .unwrap()
        .unwrap();
    assert_eq!(d.format, DocumentFormat::Text);
}

#[test]
fn non_ascii_text_keeps_spans_exact() {
    let t = "Путин в Пхеньяне\n\n«Россия поддерживала и будет поддерживать своих друзей», — написал Путин в статье для газеты. Он улыбнулся 😀👋🏽.\n";
    let d = read_bytes(t.as_bytes(), "ru.txt", "ru")
        .pop()
        .unwrap()
        .unwrap();
    assert_eq!(d.language.as_deref(), Some("ru"));
    let a = analyse(d);
    assert_eq!(a.sentences.len(), 3);
}

#[test]
fn jsonl_bad_line_is_reported_and_rest_read() {
    let data = "{\"id\":\"a\",\"date\":\"2024-01-02\",\"source\":\"Daily\",\"title\":\"T\",\"text\":\"Alpha said yes.\"}\n\nnot json\n{\"title\":\"no text\"}\n{\"text\":\"Beta said no.\",\"date\":\"2024-01-03T10:00:00Z\"}\n";
    let mut f = tempfile::Builder::new()
        .suffix(".jsonl")
        .tempfile()
        .unwrap();
    f.write_all(data.as_bytes()).unwrap();
    let results: Vec<_> = read_input(f.path(), &ReadOptions::default()).collect();
    assert_eq!(results.len(), 4);
    let a = results[0].as_ref().unwrap();
    assert_eq!((a.id.as_str(), a.outlet.as_deref()), ("a", Some("Daily")));
    assert_eq!(a.dateline.unwrap().to_string(), "2024-01-02");
    match &results[1] {
        Err(e @ IngestError::JsonLine { line: 3, .. }) => assert!(e.to_string().contains(":3:")),
        other => panic!("expected an error on line 3, got {other:?}"),
    }
    assert!(
        matches!(&results[2], Err(IngestError::JsonLine { line: 4, message, .. }) if message.contains("text"))
    );
    let b = results[3].as_ref().unwrap();
    assert_eq!(b.dateline.unwrap().to_string(), "2024-01-03");
    analyse(b.clone());
}

#[test]
fn jsonl_thousand_articles_stream() {
    let mut f = tempfile::Builder::new()
        .suffix(".jsonl")
        .tempfile()
        .unwrap();
    for i in 0..1000 {
        writeln!(
            f,
            "{{\"id\":\"n{i}\",\"text\":\"Story number {i}. Officials said so.\"}}"
        )
        .unwrap();
    }
    let docs: Vec<_> = read_input(f.path(), &ReadOptions::default()).collect();
    assert_eq!(docs.len(), 1000);
    assert!(docs.iter().all(|d| d.is_ok()));
    assert_eq!(docs[999].as_ref().unwrap().id, "n999");
}

#[test]
fn json_line_over_limit_is_skipped() {
    let long = "x".repeat(500);
    let data = format!("{{\"text\":\"{long}\"}}\n{{\"text\":\"short one.\"}}\n");
    let results: Vec<_> = newslens_ingest::JsonlReader::new(
        data.as_bytes(),
        "big.jsonl".into(),
        "big".into(),
        ReadOptions { max_bytes: 100 },
    )
    .collect();
    assert_eq!(results.len(), 2);
    assert!(matches!(
        results[0],
        Err(IngestError::JsonLine { line: 1, .. })
    ));
    assert!(results[1].is_ok());
}

const PAGE: &str = r#"<!DOCTYPE html><html><head><title>Ignored | Site</title>
<meta property="og:site_name" content="The Courier">
<meta name="author" content="Jane Roe">
<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle","headline":"Ministers Meet in Oslo","datePublished":"2025-05-06T08:00:00Z"}</script>
</head><body><nav class="menu"><ul><li>Home</li><li>World</li></ul></nav>
<div class="ad-banner"><p>Buy now and save big on everything!</p></div>
<article><h1>Ministers Meet in Oslo</h1><time datetime="2025-05-06">May 6</time>
<p>Foreign ministers met in Oslo on Tuesday to discuss the Arctic.</p>
<p>“We agreed on a plan,” the Norwegian minister said &amp; smiled.</p>
<div class="share-tools"><p>Share on social media</p></div></article>
<footer><p>Copyright 2025 The Courier. All rights reserved.</p></footer></body></html>"#;

#[test]
fn html_main_text_and_metadata() {
    let d = read_bytes(PAGE.as_bytes(), "page.html", "page")
        .pop()
        .unwrap()
        .unwrap();
    assert_eq!(d.format, DocumentFormat::Html);
    assert_eq!(d.title.as_deref(), Some("Ministers Meet in Oslo"));
    assert_eq!(d.dateline.unwrap().to_string(), "2025-05-06");
    assert_eq!(d.byline.as_deref(), Some("Jane Roe"));
    assert_eq!(d.outlet.as_deref(), Some("The Courier"));
    assert!(d
        .text
        .contains("“We agreed on a plan,” the Norwegian minister said & smiled."));
    for junk in ["Buy now", "Share on", "Copyright", "Home"] {
        assert!(
            !d.text.contains(junk),
            "boilerplate {junk:?} kept: {}",
            d.text
        );
    }
    let a = analyse(d);
    assert_eq!(a.paragraphs.len(), 2);
}

#[test]
fn malformed_html_does_not_panic() {
    let r = read_bytes(
        b"<html><body><p>Unclosed <b>bold <i>text</p></div></span>",
        "bad.html",
        "bad",
    );
    let d = r.into_iter().next().unwrap().unwrap();
    assert!(d.text.contains("Unclosed bold text"));
    let r = read_bytes(
        b"<html><body><nav>only menu</nav></body></html>",
        "empty.html",
        "empty",
    );
    assert!(matches!(r[0], Err(IngestError::EmptyHtml { .. })));
}

#[test]
fn bad_inputs_give_clear_errors() {
    let r = read_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00binary", "prog", "prog");
    assert!(
        matches!(&r[0], Err(e @ IngestError::Binary { .. }) if e.to_string().contains("binary"))
    );
    let r = read_bytes(b"  \n\n ", "blank.txt", "blank");
    assert!(matches!(&r[0], Err(IngestError::Empty { .. })));
    let r = read_bytes(
        b"Title\n\nCaf\xe9 au lait is good.\n",
        "latin1.txt",
        "latin1",
    );
    let d = r[0].as_ref().unwrap();
    assert!(d.text.contains('\u{FFFD}'));
    assert!(d.warnings.iter().any(|w| w.contains("invalid UTF-8")));
    let r = read_bytes(b"[{\"text\": 5}]", "x.json", "x");
    assert!(matches!(&r[0], Err(IngestError::Json { .. })));
}

#[test]
fn size_limit_and_directories() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("a.txt"), "Alpha\n\nAlpha body.").unwrap();
    std::fs::write(dir.path().join("sub/b.html"), PAGE).unwrap();
    std::fs::write(
        dir.path().join("sub/c.jsonl"),
        "{\"text\":\"Gamma.\"}\n{\"text\":\"Delta.\"}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("big.txt"), "x".repeat(2000)).unwrap();
    std::fs::write(dir.path().join("skip.png"), [0u8, 1, 2]).unwrap();
    std::fs::write(dir.path().join(".hidden.txt"), "secret").unwrap();
    let opts = ReadOptions { max_bytes: 1000 };
    let results: Vec<_> = read_paths(&[dir.path().to_path_buf()], &opts).collect();
    let ok: Vec<&str> = results.iter().flatten().map(|d| d.id.as_str()).collect();
    assert_eq!(ok, vec!["a", "b", "c:1", "c:2"]);
    let errs: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(errs.len(), 1);
    assert!(matches!(errs[0], IngestError::TooLarge { size: 2000, .. }));
    let missing: Vec<_> = read_paths(&[PathBuf::from("/no/such/file.txt")], &opts).collect();
    assert!(matches!(&missing[0], Err(IngestError::Io { .. })));
}

/// A directory of links to articles kept elsewhere is read through the links; a link loop is
/// one error, not an endless walk.
#[cfg(unix)]
#[test]
fn symbolic_links_are_followed_and_loops_reported() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    std::fs::create_dir_all(store.join("more")).unwrap();
    std::fs::write(store.join("a.txt"), "Alpha\n\nAlpha body.").unwrap();
    std::fs::write(store.join("more/b.txt"), "Beta\n\nBeta body.").unwrap();
    let links = dir.path().join("links");
    std::fs::create_dir(&links).unwrap();
    symlink(store.join("a.txt"), links.join("a.txt")).unwrap();
    symlink(store.join("more"), links.join("more")).unwrap();
    symlink(&links, links.join("loop")).unwrap();
    let results: Vec<_> = read_paths(&[links], &ReadOptions::default()).collect();
    let ok: Vec<&str> = results.iter().flatten().map(|d| d.id.as_str()).collect();
    assert_eq!(ok, vec!["a", "b"]);
    let errs: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].to_string().contains("loop"), "{}", errs[0]);
}

#[test]
fn language_detection_is_not_fooled_by_the_english_fast_path() {
    let fr = "Le ministre a déclaré mardi que le gouvernement ne céderait pas aux menaces de ses voisins et que les négociations reprendraient la semaine prochaine à Genève, selon un communiqué.";
    let de = "Der Minister sagte am Dienstag, die Regierung werde den Drohungen ihrer Nachbarn nicht nachgeben und die Verhandlungen würden nächste Woche in Genf fortgesetzt.";
    let en = "The minister said on Tuesday that the government would not give in to threats from its neighbours and that the talks would resume in Geneva next week.";
    assert_eq!(newslens_ingest::detect_language(fr).as_deref(), Some("fr"));
    assert_eq!(newslens_ingest::detect_language(de).as_deref(), Some("de"));
    assert_eq!(newslens_ingest::detect_language(en).as_deref(), Some("en"));
}
