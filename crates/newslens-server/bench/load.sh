#!/usr/bin/env bash
# Bounded load test of `newslens serve` on 127.0.0.1 with wrk (Debian: apt-get install -y wrk).
# Usage: bench/load.sh NEWSLENS_BINARY STORE_DIR [SECONDS]
# Prints wrk's report for search, article pages and analyze, the server's resident memory before
# and after, and the server's CPU time per request (user + system, from /proc: the figure that
# does not depend on what else the machine is running).
set -euo pipefail
bin=${1:?newslens binary}; db=${2:?store dir}; secs=${3:-20}
here=$(cd "$(dirname "$0")" && pwd)
port=$(( 20000 + RANDOM % 20000 ))
"$bin" serve --db "$db" --addr "127.0.0.1:$port" 2>/dev/null &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/api/health" >/dev/null && break; sleep 0.1; done
rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$pid/status"; }
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
# wrk with the server's CPU time per request appended.
run() { # name connections script [path]
  local t0 t1 out n
  echo "== $1: wrk -t1 -c$2 -d${secs}s --latency -s $3"
  t0=$(ticks)
  out=$(wrk -t1 -c"$2" -d"${secs}s" --latency -s "$here/$3" "http://127.0.0.1:$port${4:-}")
  t1=$(ticks)
  echo "$out"
  n=$(echo "$out" | awk '/requests in/ {print $1}')
  echo "server CPU per request: $(( (t1 - t0) * 1000000 / $(getconf CLK_TCK) / n )) us; load average $(cut -d' ' -f1-3 /proc/loadavg)"
}
echo "server pid $pid on 127.0.0.1:$port, cores: $(nproc)"
echo "RSS before: $(rss)"
# Warm-up (page cache, SQLite statement caches).
wrk -t1 -c8 -d2s -s "$here/search.lua" "http://127.0.0.1:$port" >/dev/null
run search 32 search.lua
echo "RSS after search: $(rss)"
run article 8 article.lua
echo "RSS after article: $(rss)"
run analyze 4 analyze.lua /api/analyze
echo "RSS after analyze: $(rss)"
