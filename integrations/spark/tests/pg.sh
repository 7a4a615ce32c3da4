#!/usr/bin/env bash
# PostgreSQL backend tests (issue 9), run by ci.sh against a server it started:
#   pg.sh NEWSLENS_BIN WORKDIR PYTHON      (env: PG_BIN, NEWSLENS_PG_ADMIN = URL of an admin db)
#
# 1. two concurrent `newslens ingest --db postgres://…` workers on overlapping inputs: every
#    distinct text stored exactly once, and the same rows as one worker ingesting everything;
# 2. kill -9 one of two concurrent workers mid-run, rerun it: every article exactly once;
# 3. search (tsvector + GIN) returns ranked hits whose spans point at the query words;
# 4. `newslens load-parquet` of the Spark output equals `newslens ingest` of the same corpus,
#    and a second load adds nothing.
set -euo pipefail
BIN=$1; WORK=$2; PY=$3
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ADMIN=${NEWSLENS_PG_ADMIN:?}
BASE=${ADMIN%/*}
PSQL=${PG_BIN:+$PG_BIN/}psql
fail() { echo "FAIL: $*" >&2; exit 1; }
export PGOPTIONS="-c client_min_messages=warning"
sql() { "$PSQL" -X -q -A -t -v ON_ERROR_STOP=1 "$1" -c "$2"; }
newdb() { sql "$ADMIN" "DROP DATABASE IF EXISTS $1" >/dev/null; sql "$ADMIN" "CREATE DATABASE $1" >/dev/null; echo "$BASE/$1"; }
# Row counts that must match between two stores holding the same corpus.
fingerprint() {
  sql "$1" "SELECT (SELECT COUNT(*) FROM documents) || ' docs, ' ||
                   (SELECT COUNT(*) FROM entity_clusters) || ' entity clusters, ' ||
                   (SELECT COUNT(*) FROM mentions) || ' mentions, ' ||
                   (SELECT COUNT(*) FROM quotes) || ' quotes, ' ||
                   (SELECT COUNT(*) FROM techniques) || ' techniques, ' ||
                   (SELECT md5(string_agg(content_hash, ',' ORDER BY content_hash)) FROM documents)"
}
no_duplicates() {
  local d
  d=$(sql "$1" "SELECT COUNT(*) FROM (SELECT content_hash FROM documents GROUP BY 1 HAVING COUNT(*) > 1) x")
  [ "$d" = 0 ] || fail "$2: $d content hashes stored more than once"
  d=$(sql "$1" "SELECT COUNT(*) FROM (SELECT doc, idx FROM quotes GROUP BY 1, 2 HAVING COUNT(*) > 1) x")
  [ "$d" = 0 ] || fail "$2: $d quotes stored more than once"
}

P=$WORK/pg-corpus
mkdir -p "$P"
N=${NEWSLENS_PG_ARTICLES:-1200}
"$PY" "$HERE/gen_corpus.py" "$P/all.jsonl" --articles "$N" --bad 0 --seed 7
# Two overlapping halves (a third of the articles in both) plus exact copies under new ids:
# identity is the content hash, so copies must be stored once.
"$PY" - "$P" <<'EOF'
import json, sys
p = sys.argv[1]
lines = open(f"{p}/all.jsonl", encoding="utf-8").read().splitlines()
n = len(lines)
a, b = lines[: 2 * n // 3], lines[n // 3 :]
copies = []
for raw in lines[:25]:
    d = json.loads(raw); d["id"] += "-copy"; d["source"] = "Copy Desk"
    copies.append(json.dumps(d, ensure_ascii=False))
open(f"{p}/a.jsonl", "w", encoding="utf-8").write("\n".join(a + copies[:12]) + "\n")
open(f"{p}/b.jsonl", "w", encoding="utf-8").write("\n".join(b + copies[12:]) + "\n")
texts = {json.loads(x)["text"] for x in lines}
open(f"{p}/expected", "w").write(str(len(texts)))
EOF
EXPECTED=$(cat "$P/expected")

echo "-- reference: one worker ingests everything"
REF=$(newdb nl_ref)
"$BIN" ingest "$P/a.jsonl" "$P/b.jsonl" --db "$REF" 2>"$WORK/pg-ref.log" || fail "reference ingest"
REF_FP=$(fingerprint "$REF")
echo "   $REF_FP"
[ "$(sql "$REF" "SELECT COUNT(*) FROM documents")" = "$EXPECTED" ] \
  || fail "reference store has $(sql "$REF" "SELECT COUNT(*) FROM documents") documents, expected $EXPECTED distinct texts"
[ "$(sql "$REF" "SELECT COUNT(*) FROM document_sources WHERE source LIKE '%b.jsonl%' OR source LIKE '%a.jsonl%'")" -gt "$EXPECTED" ] \
  || fail "copies' extra sources were not recorded"

echo "-- two concurrent workers on overlapping inputs"
CON=$(newdb nl_concurrent)
"$BIN" ingest "$P/a.jsonl" --db "$CON" --threads 1 2>"$WORK/pg-w1.log" & W1=$!
"$BIN" ingest "$P/b.jsonl" --db "$CON" --threads 1 2>"$WORK/pg-w2.log" & W2=$!
wait $W1 || fail "worker 1 failed: $(tail -3 "$WORK/pg-w1.log")"
wait $W2 || fail "worker 2 failed: $(tail -3 "$WORK/pg-w2.log")"
no_duplicates "$CON" "concurrent"
CON_FP=$(fingerprint "$CON")
[ "$CON_FP" = "$REF_FP" ] || fail "concurrent workers stored [$CON_FP], one worker [$REF_FP]"
echo "   $CON_FP (same as one worker)"

echo "-- kill -9 one of two concurrent workers mid-run, then rerun it"
KIL=$(newdb nl_kill)
"$BIN" ingest "$P/a.jsonl" --db "$KIL" --threads 1 2>"$WORK/pg-k1.log" & K1=$!
"$BIN" ingest "$P/b.jsonl" --db "$KIL" --threads 1 2>"$WORK/pg-k2.log" & K2=$!
for _ in $(seq 1 600); do
  n=$(sql "$KIL" "SELECT COUNT(*) FROM documents" 2>/dev/null || echo 0)
  [ "${n:-0}" -ge 300 ] && break
  sleep 0.05
done
kill -9 $K1 2>/dev/null || true
set +e; wait $K1; rc1=$?; set -e
[ $rc1 -eq 137 ] || fail "worker 1 was not killed mid-run (exit $rc1): make the corpus larger"
wait $K2 || fail "surviving worker failed: $(tail -3 "$WORK/pg-k2.log")"
partial=$(sql "$KIL" "SELECT COUNT(*) FROM documents")
[ "$partial" -lt "$EXPECTED" ] || fail "nothing was missing after the kill ($partial documents)"
no_duplicates "$KIL" "after kill"
"$BIN" ingest "$P/a.jsonl" --db "$KIL" 2>"$WORK/pg-k1b.log" || fail "rerun failed"
no_duplicates "$KIL" "after rerun"
KIL_FP=$(fingerprint "$KIL")
[ "$KIL_FP" = "$REF_FP" ] || fail "after kill + rerun [$KIL_FP], expected [$REF_FP]"
echo "   killed at $partial/$EXPECTED documents; after the rerun: $KIL_FP"

echo "-- full-text search"
"$BIN" search "grain corridor" --db "$REF" --format json --limit 5 >"$WORK/pg-search.json"
"$BIN" search "\"nothing more than a cover\"" --db "$REF" --format json --limit 5 >"$WORK/pg-search-phrase.json"
"$BIN" search "grain" --source "Capital Wire" --db "$REF" --format json --limit 50 >"$WORK/pg-search-outlet.json"
"$BIN" stats --db "$REF" --json >"$WORK/pg-stats.json"
"$PY" - "$WORK" "$EXPECTED" <<'EOF'
import json, sys
w, expected = sys.argv[1], int(sys.argv[2])
hits = json.load(open(f"{w}/pg-search.json"))
assert hits, "no hits for 'grain corridor'"
assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True), "not ranked"
for h in hits:
    assert h["spans"], f"hit {h['doc']} has no match spans"
    for s in h["spans"]:
        assert s["text"].lower().startswith(("grain", "corridor")), s
        assert s["end"] - s["start"] == len(s["text"]), s
    for a, b in h["highlights"]:
        assert h["snippet"][a:b].lower().startswith(("grain", "corridor")), (h["snippet"], a, b)
phrase = json.load(open(f"{w}/pg-search-phrase.json"))
assert phrase, "no hits for the phrase"
assert any(h["kind"] == "quote" for h in phrase), "phrase search found no quote hits"
outlet = json.load(open(f"{w}/pg-search-outlet.json"))
assert outlet and all(h["outlet"] == "Capital Wire" for h in outlet), "--source filter leaked"
stats = json.load(open(f"{w}/pg-stats.json"))
assert stats["documents"] == expected, stats
print(f"   {len(hits)} ranked hits, phrase and outlet filters ok; stats {stats}")
EOF

echo "-- entities, timeline and stats agree with the embedded store"
EMB=$WORK/pg-embedded-ref
rm -rf "$EMB"
"$BIN" ingest "$P/a.jsonl" "$P/b.jsonl" --db "$EMB" 2>"$WORK/pg-emb.log" || fail "embedded reference ingest"
for db in "$REF" "$EMB"; do
  tag=$([ "$db" = "$REF" ] && echo pg || echo emb)
  "$BIN" entities --db "$db" --json --limit 40 >"$WORK/ent-$tag.json"
  "$BIN" entities --db "$db" --json --limit 40 --type PER >"$WORK/per-$tag.json"
  "$BIN" stats --db "$db" --json >"$WORK/stats-$tag.json"
done
TOP=$("$PY" -c 'import json,sys; e=[x for x in json.load(open(sys.argv[1])) if x["type"]=="PER"]; print(e[0]["name"] if e else "")' "$WORK/ent-emb.json")
[ -n "$TOP" ] || fail "no person among the embedded store's entities"
SURNAME=${TOP##* }
for db in "$REF" "$EMB"; do
  tag=$([ "$db" = "$REF" ] && echo pg || echo emb)
  "$BIN" timeline "$TOP" --db "$db" --json >"$WORK/tl-full-$tag.json"
  "$BIN" timeline "$SURNAME" --db "$db" --json >"$WORK/tl-short-$tag.json"
done
for f in ent per stats tl-full tl-short; do
  cmp -s "$WORK/$f-pg.json" "$WORK/$f-emb.json" || fail "$f differs between PostgreSQL and the embedded store: $(diff "$WORK/$f-pg.json" "$WORK/$f-emb.json" | head -5)"
done
echo "   entities (top 40), timelines of \"$TOP\" and \"$SURNAME\", stats: identical"

echo "-- serve --db postgres:// (the API reads the same store)"
PORT=$((20000 + RANDOM % 20000))
# Fetches URL into FILE once the server answers (10 s at most); ok=1 when it did.
fetch_when_up() {
  ok=""
  for _ in $(seq 1 50); do
    if curl -fsS "$1" -o "$2" 2>/dev/null; then ok=1; break; fi
    sleep 0.2
  done
}
"$BIN" serve --db "$REF" --addr "127.0.0.1:$PORT" 2>"$WORK/pg-serve.log" & SRV=$!
fetch_when_up "http://127.0.0.1:$PORT/api/stats" "$WORK/pg-serve-stats.json"
curl -fsS "http://127.0.0.1:$PORT/api/search?q=grain" -o "$WORK/pg-serve-search.json" || ok=""
TOP_URL=$("$PY" -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$TOP")
curl -fsS "http://127.0.0.1:$PORT/api/entities/$TOP_URL" -o "$WORK/page-pg.json" || ok=""
kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null || true
[ -n "$ok" ] || { cat "$WORK/pg-serve.log" >&2; fail "serve --db postgres:// did not answer"; }
# The same entity page from the embedded reference store.
"$BIN" serve --db "$EMB" --addr "127.0.0.1:$((PORT + 1))" 2>"$WORK/emb-serve.log" & SRV=$!
fetch_when_up "http://127.0.0.1:$((PORT + 1))/api/entities/$TOP_URL" "$WORK/page-emb.json"
kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null || true
[ -n "$ok" ] || { cat "$WORK/emb-serve.log" >&2; fail "serve over the embedded store did not answer"; }
"$PY" - "$WORK" <<'EOF2'
import json, sys
w = sys.argv[1]
pg, emb = (json.load(open(f"{w}/page-{t}.json")) for t in ("pg", "emb"))
# Store ids differ between the stores; names, counts and the newest datelines do not.
view = lambda p: (p["name"], p["type"], p["documents"], [a["dateline"] for a in p["articles"]],
                  sorted(a["title"] or "" for a in p["articles"]) if p["documents"] <= len(p["articles"]) else None)
assert view(pg) == view(emb), (view(pg), view(emb))
assert pg["documents"] >= len(pg["articles"]) > 0, pg["documents"]
print(f"   entity page of {pg['name']!r}: {pg['documents']} articles, the same on both stores")
EOF2
"$PY" - "$WORK" "$EXPECTED" <<'EOF'
import json, sys
w, expected = sys.argv[1], int(sys.argv[2])
stats = json.load(open(f"{w}/pg-serve-stats.json"))
assert stats["documents"] == expected, stats
hits = json.load(open(f"{w}/pg-serve-search.json"))
assert hits["hits"], "no search results from the server"
print(f"   server over PostgreSQL: {stats['documents']} documents, search answers")
EOF

SPARK_OUT=$WORK/local/jsonl
if [ -d "$SPARK_OUT/documents" ]; then
  echo "-- load-parquet of the Spark output"
  LB=$BIN
  LP=$(newdb nl_parquet)
  IN=$(newdb nl_ingested)
  if ! "$LB" load-parquet "$SPARK_OUT" --db "$LP" 2>"$WORK/pg-load.log"; then
    grep -q "without Parquet support" "$WORK/pg-load.log" || fail "load-parquet: $(tail -3 "$WORK/pg-load.log")"
    # This binary has no Parquet reader: build one with the feature (same target dir).
    ROOT=$(cd "$HERE/../../.." && pwd)
    command -v cargo >/dev/null || fail "the binary lacks --features parquet and cargo is not available"
    echo "   building newslens with --features parquet"
    (cd "$ROOT" && cargo build --release -q -p newslens-cli --features parquet) >"$WORK/pg-build.log" 2>&1 \
      || fail "cargo build --features parquet: $(tail -5 "$WORK/pg-build.log")"
    LB=$ROOT/target/release/newslens
    "$LB" load-parquet "$SPARK_OUT" --db "$LP" 2>"$WORK/pg-load.log" || fail "load-parquet: $(tail -3 "$WORK/pg-load.log")"
  fi
  "$BIN" ingest "$WORK/corpus.jsonl" --db "$IN" 2>"$WORK/pg-ingest-corpus.log" || fail "ingest of the Spark corpus"
  LP_FP=$(fingerprint "$LP"); IN_FP=$(fingerprint "$IN")
  [ "$LP_FP" = "$IN_FP" ] || fail "load-parquet stored [$LP_FP], ingest [$IN_FP]"
  "$LB" load-parquet "$SPARK_OUT" --db "$LP" 2>"$WORK/pg-load2.log"
  grep -q " 0 new" "$WORK/pg-load2.log" || fail "a second load-parquet added rows: $(cat "$WORK/pg-load2.log")"
  [ "$(fingerprint "$LP")" = "$LP_FP" ] || fail "a second load-parquet changed the store"
  echo "   $LP_FP (same as ingest; reload adds nothing)"
fi
echo "PostgreSQL tests passed"
