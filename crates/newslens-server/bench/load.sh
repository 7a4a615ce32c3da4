#!/usr/bin/env bash
# Bounded load test of `newslens serve` on 127.0.0.1 with wrk (Debian: apt-get install -y wrk).
# Usage: bench/load.sh NEWSLENS_BINARY STORE_DIR [SECONDS]
# Prints wrk's report for search and analyze, and the server's resident memory before and after.
set -euo pipefail
bin=${1:?newslens binary}; db=${2:?store dir}; secs=${3:-20}
here=$(cd "$(dirname "$0")" && pwd)
port=$(( 20000 + RANDOM % 20000 ))
"$bin" serve --db "$db" --addr "127.0.0.1:$port" 2>/dev/null &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/api/health" >/dev/null && break; sleep 0.1; done
rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$pid/status"; }
echo "server pid $pid on 127.0.0.1:$port, cores: $(nproc)"
echo "RSS before: $(rss)"
# Warm-up (page cache, SQLite statement caches).
wrk -t1 -c8 -d2s -s "$here/search.lua" "http://127.0.0.1:$port" >/dev/null
echo "== search: wrk -t1 -c32 -d${secs}s --latency -s search.lua"
wrk -t1 -c32 -d"${secs}s" --latency -s "$here/search.lua" "http://127.0.0.1:$port"
echo "RSS after search: $(rss)"
echo "== analyze: wrk -t1 -c4 -d${secs}s --latency -s analyze.lua"
wrk -t1 -c4 -d"${secs}s" --latency -s "$here/analyze.lua" "http://127.0.0.1:$port/api/analyze"
echo "RSS after analyze: $(rss)"
