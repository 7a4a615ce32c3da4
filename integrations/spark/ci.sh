#!/usr/bin/env bash
# CI for the scale-out integration (issue 9): Spark local[2], a standalone Spark master + worker,
# and PostgreSQL, all on 127.0.0.1, all stopped on exit (success or not).
#
#   NEWSLENS_BIN=target/release/newslens integrations/spark/ci.sh
#
# Installs what it needs on a clean machine: requirements.txt (pyspark, pyarrow, pandas) into a
# venv (a temp dir under CI=1 or when NEWSLENS_SPARK_FRESH_VENV=1; integrations/spark/.venv
# otherwise, reused between local runs), Java 17 and PostgreSQL 15 from Debian when missing. Exits non-zero on the first failure.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${NEWSLENS_BIN:-$ROOT/target/release/newslens}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
ARTICLES=${NEWSLENS_CI_ARTICLES:-600}
export SPARK_LOCAL_IP=127.0.0.1
export SPARK_LOCAL_HOSTNAME=localhost

log() { printf '\n== %s [%s]\n' "$*" "$(date -u +%H:%M:%S)"; }
die() { echo "FAIL: $*" >&2; exit 1; }

[ -x "$BIN" ] || die "NEWSLENS_BIN ($BIN) is not an executable newslens binary"

WORK=$(mktemp -d -t newslens-scale-ci.XXXXXX)
chmod 755 "$WORK"
SPARK_PIDS=()
PG_DATA=""
PG_USER=""
cleanup() {
  local rc=$?
  set +e
  for pid in "${SPARK_PIDS[@]:-}"; do
    [ -n "$pid" ] || continue
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  if [ -n "$PG_DATA" ] && [ -f "$PG_DATA/postmaster.pid" ]; then
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1
  fi
  if [ $rc -ne 0 ]; then
    for f in "$WORK"/*.log; do
      [ -f "$f" ] && { echo "--- $f (tail)"; tail -n 30 "$f"; }
    done
  fi
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { # port seconds
  for _ in $(seq 1 $(( $2 * 5 ))); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}
apt_install() {
  command -v apt-get >/dev/null || die "$* missing and no apt-get to install it"
  log "installing $* from Debian"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null; }
}

# ---------------------------------------------------------------- tools
command -v java >/dev/null || apt_install openjdk-17-jre-headless
command -v python3 >/dev/null || apt_install python3 python3-venv
if [ "${CI:-}" = "1" ] || [ "${CI:-}" = "true" ] || [ "${NEWSLENS_SPARK_FRESH_VENV:-}" = "1" ]; then
  VENV=$WORK/venv
else
  VENV=${NEWSLENS_SPARK_VENV:-$HERE/.venv}
fi
if [ ! -x "$VENV/bin/python" ]; then
  log "creating venv $VENV"
  python3 -m venv "$VENV" || { apt_install python3-venv; python3 -m venv "$VENV"; }
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$HERE/requirements.txt"
PY=$VENV/bin/python
export PYSPARK_PYTHON=$PY PYSPARK_DRIVER_PYTHON=$PY
SPARK_HOME=$("$PY" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')
export SPARK_HOME

# ---------------------------------------------------------------- corpus
log "generating the test corpus ($ARTICLES articles + bad lines)"
"$PY" "$HERE/tests/gen_corpus.py" "$WORK/corpus.jsonl" --articles "$ARTICLES" --bad 4 \
  --text-dir "$WORK/text"

# ---------------------------------------------------------------- one partition, no Spark
log "one partition's run: records, errors, provenance, a dying binary"
"$PY" "$HERE/tests/partition_test.py" --bin "$BIN" --corpus "$WORK/corpus.jsonl"

# ---------------------------------------------------------------- Spark local[2]
log "Spark local[2] vs the plain binary"
"$PY" "$HERE/tests/spark_e2e.py" --master 'local[2]' --bin "$BIN" --corpus "$WORK/corpus.jsonl" \
  --text-dir "$WORK/text" --work "$WORK/local" 2>"$WORK/spark-local.log" | tee "$WORK/local.json"

# ---------------------------------------------------------------- Spark standalone
log "Spark standalone master + worker on 127.0.0.1"
MPORT=$(free_port); MUI=$(free_port); WUI=$(free_port)
mkdir -p "$WORK/spark-worker"
"$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.master.Master \
  --host 127.0.0.1 --port "$MPORT" --webui-port "$MUI" >"$WORK/spark-master.log" 2>&1 &
SPARK_PIDS+=($!)
wait_port "$MPORT" 60 || die "the Spark master did not start"
SPARK_WORKER_DIR=$WORK/spark-worker "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.worker.Worker \
  --host 127.0.0.1 --cores 2 --memory 1g --webui-port "$WUI" --work-dir "$WORK/spark-worker" \
  "spark://127.0.0.1:$MPORT" >"$WORK/spark-worker.log" 2>&1 &
SPARK_PIDS+=($!)
for _ in $(seq 1 120); do
  grep -q "Registered with master\|Successfully registered with master" "$WORK/spark-worker.log" && break
  sleep 0.5
done
grep -q "egistered with master" "$WORK/spark-worker.log" || die "the Spark worker did not register"
"$PY" "$HERE/tests/spark_e2e.py" --master "spark://127.0.0.1:$MPORT" --bin "$BIN" \
  --corpus "$WORK/corpus.jsonl" --text-dir "$WORK/text" --work "$WORK/standalone" \
  --partitions 4 2>"$WORK/spark-standalone.log" | tee "$WORK/standalone.json"
for i in "${!SPARK_PIDS[@]}"; do kill "${SPARK_PIDS[$i]}" 2>/dev/null; wait "${SPARK_PIDS[$i]}" 2>/dev/null || true; done
SPARK_PIDS=()

# ---------------------------------------------------------------- PostgreSQL
if [ -f "$HERE/tests/pg.sh" ]; then
  PG_BIN=${PG_BIN:-}
  if [ -z "$PG_BIN" ]; then
    for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
      [ -x "$d/initdb" ] && { PG_BIN=$d; break; }
    done
  fi
  if [ -z "$PG_BIN" ]; then
    apt_install postgresql
    for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && PG_BIN=$d; done
  fi
  [ -n "$PG_BIN" ] || die "no PostgreSQL server binaries"
  # initdb refuses to run as root: run the server as the postgres (or nobody) user.
  if [ "$(id -u)" = "0" ]; then
    PG_USER=postgres; id "$PG_USER" >/dev/null 2>&1 || PG_USER=nobody
  fi
  pg_as() { if [ -n "$PG_USER" ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi; }
  PG_DATA=$WORK/pg
  mkdir -p "$PG_DATA"; [ -n "$PG_USER" ] && chown "$PG_USER" "$PG_DATA"
  PGPORT=$(free_port)
  log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT"
  pg_as "$PG_BIN/initdb" -D "$PG_DATA" -U newslens --auth=trust -E UTF8 >"$WORK/pg-initdb.log" 2>&1
  pg_as "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PG_DATA -c fsync=off" start >/dev/null
  export PG_BIN PGPORT
  export NEWSLENS_PG_ADMIN="postgres://newslens@127.0.0.1:$PGPORT/postgres"
  bash "$HERE/tests/pg.sh" "$BIN" "$WORK" "$PY"
  pg_as "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
fi

log "scale-out CI passed"
