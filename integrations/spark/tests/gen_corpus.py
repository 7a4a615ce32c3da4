#!/usr/bin/env python3
"""Generates an original test corpus (JSON Lines) in the style of the newslens example articles.

Every article is written from templates with a fixed seed, so the corpus is reproducible; a few
deliberately bad lines (invalid JSON, a missing "text", an empty text) are mixed in so the
pipeline's error records are exercised. Nothing here is copied from any data set.

usage: gen_corpus.py OUT.jsonl [--articles N] [--bad N] [--seed S] [--text-dir DIR]
"""
import argparse
import json
import os
import random

LEADERS = [
    ("President", "Dmitry Volkov", "Russia", "Russian"),
    ("Prime Minister", "Amara Okafor", "Nigeria", "Nigerian"),
    ("Chancellor", "Lukas Brenner", "Germany", "German"),
    ("President", "Elena Marquez", "Chile", "Chilean"),
    ("Foreign Minister", "Pavel Sorin", "Russia", "Russian"),
    ("Prime Minister", "Hiroshi Tanabe", "Japan", "Japanese"),
    ("President", "Nadia Haddad", "Lebanon", "Lebanese"),
    ("Defence Minister", "Oksana Kovalenko", "Ukraine", "Ukrainian"),
    ("Secretary of State", "Daniel Whitmore", "the United States", "American"),
    ("President", "Kwame Asante", "Ghana", "Ghanaian"),
]
CITIES = ["Hanoi", "Lagos", "Berlin", "Santiago", "Osaka", "Beirut", "Kyiv", "Accra",
          "Geneva", "Jakarta", "Nairobi", "Lisbon", "Ankara", "Manila"]
OUTLETS = ["Harbour Gazette", "Northern Ledger", "Daily Meridian", "Capital Wire",
           "Evening Courier", "Coastal Times"]
TOPICS = [
    ("grain", "a new grain corridor across the Black Sea"),
    ("energy", "a pipeline deal worth billions of dollars"),
    ("border", "a border incident that left two soldiers wounded"),
    ("trade", "a trade pact that lowers tariffs on steel and rice"),
    ("summit", "a regional summit on water and security"),
    ("sanctions", "fresh sanctions on banks and shipping firms"),
]
ORGS = ["the United Nations", "NATO", "the African Union", "the European Commission",
        "the World Bank", "the International Monetary Fund", "Rosatom", "the Red Cross"]
ADJ = ["reckless", "arrogant", "dangerous", "principled", "historic", "shameful",
       "courageous", "cynical", "unprecedented", "steadfast"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
CUES = ["said", "wrote", "told reporters", "insisted", "warned", "noted", "claimed"]
QUOTES = [
    "We will never bow to blackmail, and our partners know it",
    "This agreement opens a new chapter for both our peoples",
    "The so-called rules-based order is nothing more than a cover for double standards",
    "Nobody can dictate to a sovereign nation how it should choose its friends",
    "Every delay costs lives, and history will judge those who stood aside",
    "Our doors remain open to anyone who respects international law",
    "The sanctions have failed, and the people paying the price are ordinary families",
    "We expect a full and transparent investigation before any talks resume",
]


def article(rng, i):
    title_, leader, country, demonym = rng.choice(LEADERS)
    other = rng.choice([l for l in LEADERS if l[1] != leader])
    city = rng.choice(CITIES)
    topic_key, topic = rng.choice(TOPICS)
    org = rng.choice(ORGS)
    day = rng.choice(DAYS)
    year = rng.randint(2015, 2025)
    date = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    q1, q2 = rng.sample(QUOTES, 2)
    a1, a2 = rng.sample(ADJ, 2)
    surname = leader.split()[-1]
    osurname = other[1].split()[-1]
    # One article in four names the leader in a house style with a middle initial ("Dmitry
    # V. Volkov"): the stores' entity listings must count both forms as one person alike.
    named = leader
    if i % 4 == 1:
        first, last = leader.split(" ", 1)
        named = f"{first} {last[0]}. {last}"
    paras = [
        f"{demonym} {title_} {named} arrived in {city} on {day} to discuss {topic}, "
        f"his first visit since {year}.",
        f"\u201c{q1},\u201d {surname} {rng.choice(CUES)} after meeting {other[0]} {other[1]} "
        f"of {other[2]}.",
        f"Officials from {org} described the talks as {a1}, while critics called the plan "
        f"{a2} and warned that it could deepen divisions in the region.",
        f"{osurname} {rng.choice(CUES)} that the two governments would meet again within "
        f"{rng.randint(2, 9)} weeks. \u201c{q2},\u201d {osurname} added.",
        f"According to {org}, at least {rng.randint(3, 900)} people attended the talks in "
        f"{city} on {rng.choice(DAYS)}, and the next round is planned for {date[:4]}.",
    ]
    rng.shuffle(paras[2:])
    n = rng.randint(3, len(paras))
    text = "\n\n".join(paras[:n])
    title = f"{surname} in {city}: {topic_key.capitalize()} talks with {osurname}"
    return {
        "id": f"art-{i:06d}",
        "url": f"https://news.example.invalid/{topic_key}/{i}",
        "source": rng.choice(OUTLETS),
        "date": date,
        "title": title,
        "byline": "By Staff, Agencies",
        "text": text,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--bad", type=int, default=4)
    ap.add_argument("--seed", type=int, default=20251129)
    ap.add_argument("--text-dir", help="also write the first 20 articles as seed-format .txt files")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    lines = [json.dumps(article(rng, i), ensure_ascii=False) for i in range(args.articles)]
    bad = [
        '{"id": "bad-json", "text": "unterminated',
        '{"id": "bad-missing-text", "title": "No body here"}',
        '{"id": "bad-empty-text", "text": "   "}',
        '["not", "an", "object"]',
    ]
    for k in range(args.bad):
        pos = rng.randint(1, len(lines))  # never first: keeps the happy path first in the file
        lines.insert(pos, bad[k % len(bad)])
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    if args.text_dir:
        os.makedirs(args.text_dir, exist_ok=True)
        for raw in lines[:40]:
            try:
                a = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(a, dict) or not str(a.get("text", "")).strip():
                continue
            body = f" date {a['date']} {a['title']}\n\n{a['byline']}\n\n{a['text']}\n"
            with open(os.path.join(args.text_dir, a["id"] + ".txt"), "w", encoding="utf-8") as f:
                f.write(body)


if __name__ == "__main__":
    main()
