#!/usr/bin/env python3
"""Run newslens as a Spark stage: articles in, flat Parquet tables out.

    spark-submit integrations/spark/newslens_spark.py \
        --binary /path/to/newslens  INPUT... --out OUTDIR

* Input: JSON Lines (one article per line: ``{"id", "text", "title", "date", "source", "url",
  "byline"}``, optionally compressed) or plain/seed-format text files; any path Spark reads
  (local, ``hdfs://``, ``s3a://``, ``gs://`` ...). ``--input-format auto`` decides by extension
  (``.jsonl``/``.ndjson``/``.json`` with an optional compression suffix = JSON Lines).
* The ``newslens`` binary is shipped to every executor with ``sc.addFile`` and located there with
  ``SparkFiles.get``; each partition is piped through ``newslens analyze --format rows -``: a
  feeder thread writes the partition's lines to the binary's stdin while the task reads its
  stdout, so memory stays bounded whatever the partition size. The binary keeps input order,
  turns a bad line into an error record (one bad article never fails a partition) and prints
  the flat table rows itself; this side only groups them and hands them to the JVM, which parses
  them against the tables' schemas (Python never parses an analysis).
* Output: one Parquet table per directory under ``--out``: ``documents``, ``entities``,
  ``quotes``, ``techniques``, ``events``, ``errors`` (schema in README.md next to this file and
  in ``docs/scale-out.md``). Integer columns are signed (int32 offsets, int64 ``input_index``).
  ``documents.analysis`` holds the complete analysis JSON, which ``newslens load-parquet`` loads
  into a PostgreSQL store.

The same script runs unchanged with ``--master local[2]``, a standalone master, YARN or
Kubernetes: it only uses ``sc.addFile``/``SparkFiles`` and Spark's own readers and writers.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time

# Partition-local position bits: input_index = partition << 33 | position (as Spark's
# monotonically_increasing_id does), so input order is kept without an extra counting pass.
_POS_BITS = 33
_RAW_HEAD = 500  # characters of a bad input line kept in the errors table
_JSONL_EXT = (".jsonl", ".ndjson", ".json")
_COMPRESSED = (".gz", ".bz2", ".zst", ".lz4", ".snappy", ".deflate", ".xz")

# --------------------------------------------------------------------------------------------
# Table schemas (kept as plain data so the docs and the tests can print them).
# --------------------------------------------------------------------------------------------

#: column name -> Spark type name, per table, in column order.
TABLES: dict[str, list[tuple[str, str]]] = {
    "documents": [
        ("input_index", "long"), ("input_file", "string"), ("content_hash", "string"),
        ("doc_id", "string"), ("url", "string"), ("outlet", "string"), ("format", "string"),
        ("dateline", "date"), ("title", "string"), ("byline", "string"), ("language", "string"),
        ("schema_version", "string"), ("stages", "string"), ("chars", "int"),
        ("paragraphs", "int"), ("sentences", "int"), ("tokens", "int"), ("mentions", "int"),
        ("entity_clusters", "int"), ("quotes", "int"), ("timexes", "int"), ("events", "int"),
        ("techniques", "int"), ("tone", "double"), ("genre", "string"), ("frames", "string"),
        ("warnings", "string"), ("analysis", "string"),
    ],
    "entities": [
        ("input_index", "long"), ("content_hash", "string"), ("doc_id", "string"),
        ("mention", "int"), ("cluster", "int"), ("start", "int"), ("end", "int"),
        ("text", "string"), ("type", "string"), ("kind", "string"), ("score", "float"),
        ("canonical", "string"),
    ],
    "quotes": [
        ("input_index", "long"), ("content_hash", "string"), ("doc_id", "string"),
        ("quote", "int"), ("kind", "string"), ("start", "int"), ("end", "int"),
        ("text", "string"), ("content_spans", "int"), ("cue_start", "int"), ("cue_end", "int"),
        ("cue", "string"), ("cue_lemma", "string"), ("source_start", "int"),
        ("source_end", "int"), ("source_text", "string"), ("speaker", "int"),
        ("speaker_name", "string"), ("score", "float"),
    ],
    "techniques": [
        ("input_index", "long"), ("content_hash", "string"), ("doc_id", "string"),
        ("technique_id", "int"), ("start", "int"), ("end", "int"), ("text", "string"),
        ("technique", "string"), ("technique_2023", "string"), ("score", "float"),
        ("sentence", "int"),
    ],
    "events": [
        ("input_index", "long"), ("content_hash", "string"), ("doc_id", "string"),
        ("event", "int"), ("actor", "int"), ("actor_name", "string"), ("actor_start", "int"),
        ("actor_end", "int"), ("actor_text", "string"), ("action_start", "int"),
        ("action_end", "int"), ("action", "string"), ("target", "int"),
        ("target_name", "string"), ("target_start", "int"), ("target_end", "int"),
        ("target_text", "string"), ("cameo", "string"), ("cameo_root", "string"),
        ("cameo_label", "string"), ("goldstein", "float"), ("timex", "int"),
        ("date", "string"), ("modality", "string"), ("sentence", "int"),
    ],
    "errors": [
        ("input_index", "long"), ("input_file", "string"), ("kind", "string"),
        ("message", "string"), ("line", "long"), ("raw", "string"),
    ],
}


def _spark_type(kind: str):
    from pyspark.sql import types as T

    return {
        "long": T.LongType(), "int": T.IntegerType(), "string": T.StringType(),
        "double": T.DoubleType(), "float": T.FloatType(), "date": T.DateType(),
    }[kind]


def spark_schema(table: str):
    """The Spark StructType of one output table."""
    from pyspark.sql import types as T

    return T.StructType([T.StructField(n, _spark_type(k), True) for n, k in TABLES[table]])


# --------------------------------------------------------------------------------------------
# Rows: the binary flattens (`newslens analyze --format rows`); this side only routes lines.
# --------------------------------------------------------------------------------------------
#
# Each line the binary prints is one table row, a flat JSON object `{"table": T, <T's columns>}`;
# a record's rows are contiguous, grouped by table, and start with its `documents` or `errors`
# row. The Python side does not parse rows: it joins each record's rows of one table, unparsed,
# into one string `{"i": input_index, "f": input_file, "rows": [row, ...]}` (the binary only
# knows its own stdin) and hands `(table, row count, that string, analysis)` to the JVM, which
# caches these few large strings and parses each table's own strings against that table's schema
# when it writes the table. Per row, Python does a readline and an append. Two things are
# decoded here: error records (rare), to attach the raw input line, and the `analysis` column,
# the last of a `documents` row: a single JSON string literal, which Python's C decoder
# unescapes faster than the JVM's parser would (it is most of the bytes), and which then travels
# as a plain column.

_DOC = '{"table":"documents"'
_ERR = '{"table":"errors"'
#: Columns that come from the wrapper (``i``, ``f``), not from the binary's rows.
_WRAPPER = {"input_index": "i", "input_file": "f"}
#: Columns that come with the group (the documents row's analysis), not inside the payload.
_GROUP = {"analysis"}
#: The JVM-side view of the Python output: one row per (record, table).
GROUPS_DDL = "table string, n long, payload string, analysis string"
_ANALYSIS = ',"analysis":'


def payload_schema(table: str):
    """Schema of one ``payload``: ``i`` (input_index), ``f`` (input_file), ``rows``."""
    from pyspark.sql import types as T

    row = T.StructType([T.StructField(n, _spark_type(k), True)
                        for n, k in TABLES[table] if n not in _WRAPPER and n not in _GROUP])
    return T.StructType([T.StructField("i", T.LongType(), False),
                         T.StructField("f", T.StringType(), True),
                         T.StructField("rows", T.ArrayType(row, False), True)])


def _js(s: str | None) -> str:
    return json.dumps(s, ensure_ascii=False)


def _head(idx: int, f: str | None) -> str:
    return f'{{"i":{idx},"f":{_js(f)},"rows":['


def error_group(input_index, input_file, kind, message, line=None, raw=None):
    """The ``errors`` group of a bad record (made here, or re-made from the binary's row)."""
    row = {"table": "errors", "kind": kind, "message": message, "line": line,
           "raw": None if raw is None else raw[:_RAW_HEAD]}
    return ("errors", 1, _head(input_index, input_file) + json.dumps(row, ensure_ascii=False)
            + "]}", None)


def _error_from_binary(row: str, idx: int, f: str | None, raw: str | None, keep_line: bool):
    rec = json.loads(row)
    return error_group(idx, f, rec.get("kind") or "unknown", rec.get("message"),
                       rec.get("line") if keep_line else None, raw)


class _Record:
    """Collects one record's rows (memory: one record) as one string per table."""

    __slots__ = ("head", "table", "rows", "done", "analysis")

    def __init__(self, idx: int, f: str | None, doc_row: str, src_old: str, src_new: str):
        self.head = _head(idx, f)
        self.table = "documents"
        # `analysis` is the row's last column (its value is escaped, so it holds no bare `"`
        # and the last `,"analysis":` is the key).
        cut = doc_row.rindex(_ANALYSIS)
        analysis = json.loads(doc_row[cut + len(_ANALYSIS):doc_row.rindex("}")])
        # `source` in the analysis is where the binary read it (its stdin, a spooled file);
        # provenance is the original input. The first match is the top-level field (a
        # `"source":"` inside the article text is escaped, `\"source\"`, so it cannot match).
        self.analysis = analysis.replace(src_old, src_new, 1)
        self.rows = [doc_row[:cut] + "}"]
        self.done = []

    def add(self, row: str):
        table = row[10:row.index('"', 10)]  # after `{"table":"`
        if table != self.table:
            self.done.append(self._group())
            self.table, self.rows = table, []
        self.rows.append(row)

    def _group(self):
        # Rows keep their newlines: whitespace between array elements is valid JSON.
        analysis = self.analysis if self.table == "documents" else None
        return self.table, len(self.rows), self.head + ",".join(self.rows) + "]}", analysis

    def groups(self):
        return self.done + [self._group()]


# --------------------------------------------------------------------------------------------
# Running the binary over one partition.
# --------------------------------------------------------------------------------------------


def _executable(binary_name: str) -> str:
    from pyspark import SparkFiles

    path = SparkFiles.get(binary_name)
    mode = os.stat(path).st_mode
    if not mode & stat.S_IXUSR:
        try:
            os.chmod(path, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        except OSError:
            pass  # another task on this executor won the race
    return path


def _command(exe: str, opts: dict) -> list[str]:
    cmd = [exe, "analyze", "--format", "rows", "--threads", str(opts["threads"]),
           "--max-bytes", str(opts["max_bytes"])]
    if not opts["keep_tokens"]:
        cmd.append("--no-tokens")
    if opts.get("only"):
        cmd += ["--only", opts["only"]]
    return cmd


class BinaryFailed(RuntimeError):
    """The binary died or its output did not match its input one to one (the task is retried)."""


def _stderr_tail(f) -> str:
    try:
        f.seek(0)
        return f.read()[-2000:].decode("utf-8", "replace")
    except OSError:
        return ""


def _text_lines(stream):
    """The binary's stdout as ``str`` lines (decoded in C, in large reads)."""
    return io.TextIOWrapper(stream, encoding="utf-8", newline="\n")


def number_lines(pidx: int, rows):
    """``(input_file, line)`` rows of partition ``pidx`` -> ``(input_index, input_file, line)``."""
    for pos, (input_file, line) in enumerate(rows):
        yield (pidx << _POS_BITS) | pos, input_file, line


def analyse_jsonl_partition(rows, exe: str, opts: dict):
    """Pipes ``(input_index, input_file, line)`` rows through the binary; yields ``(table, n, payload)`` groups.

    A feeder thread writes lines to stdin while this generator reads stdout, so at most the
    pipes' buffers plus the binary's current chunk are in flight. Lines that are not JSON
    objects at all are reported here (the binary sniffs the stream's first byte to pick its
    reader, so it must only see object lines); blank lines are skipped like the binary does.
    """
    inflight: collections.deque = collections.deque()
    state = {"sent": 0, "feed_error": None}
    errf = tempfile.TemporaryFile()
    bad = "expected a JSON object with a \"text\" field"

    def entries():
        for idx, input_file, line in rows:
            if line is None or not line.strip():
                continue
            yield idx, input_file, line

    it = entries()
    first = None
    for e in it:
        if e[2].lstrip().startswith("{"):
            first = e
            break
        yield error_group(e[0], e[1], "json", bad, None, e[2])
    if first is None:
        errf.close()
        return

    proc = subprocess.Popen(_command(exe, opts) + ["-"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=errf, bufsize=1 << 16)

    def feed():
        try:
            for idx, f, line in _chain(first, it):
                if not line.lstrip().startswith("{"):
                    inflight.append((idx, f, line, 0))
                    continue
                # Register before writing: the reader may see the answer right after the write.
                state["sent"] += 1
                inflight.append((idx, f, line[:_RAW_HEAD], state["sent"]))
                proc.stdin.write(line.encode("utf-8"))
                proc.stdin.write(b"\n")
        except (BrokenPipeError, OSError) as ex:  # the binary died; the reader reports it
            state["feed_error"] = ex
        finally:
            try:
                proc.stdin.close()
            except OSError:
                pass

    feeder = threading.Thread(target=feed, name="newslens-feeder", daemon=True)
    feeder.start()
    received = 0
    rec = None
    new_src = {}  # input_file -> its `source` text inside an analysis
    try:
        for row in _text_lines(proc.stdout):
            is_doc = row.startswith(_DOC)
            if not is_doc and not row.startswith(_ERR):
                if rec is None:
                    raise BinaryFailed("newslens printed a layer row before any record")
                rec.add(row)
                continue
            if rec is not None:
                yield from rec.groups()
                rec = None
            received += 1
            entry = None
            while inflight:
                entry = inflight.popleft()
                if entry[3]:
                    break
                yield error_group(entry[0], entry[1], "json", bad, None, entry[2])
                entry = None
            if entry is None:
                raise BinaryFailed("newslens printed more records than it was given lines")
            idx, f, head, n = entry
            if not is_doc:
                yield _error_from_binary(row, idx, f, head, keep_line=False)
                continue
            src = new_src.get(f)
            if src is None:
                src = new_src[f] = '"source":' + _js(f or "")
            rec = _Record(idx, f, row, f'"source":"-:{n}"', src)
        if rec is not None:
            yield from rec.groups()
        feeder.join()
        proc.wait()
        while inflight and not inflight[0][3]:
            idx, f, line, _ = inflight.popleft()
            yield error_group(idx, f, "json", bad, None, line)
        # Success is judged by the one-to-one correspondence, not the exit code: newslens exits
        # 1 when every line of its input was bad, which is still a complete answer.
        if inflight or received != state["sent"] or state["feed_error"] is not None:
            raise BinaryFailed(
                f"newslens exited with {proc.returncode} after {received} of {state['sent']} "
                f"records ({state['feed_error'] or 'no feed error'}): {_stderr_tail(errf)}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        errf.close()


def _chain(first, rest):
    yield first
    yield from rest


def analyse_files_partition(pidx: int, files, exe: str, opts: dict):
    """Runs the binary over one partition of whole files (``(path, bytes)``).

    Files are spooled to a local temporary directory (``NNNNNNNN/<original name>``, so the
    binary's sorted directory walk keeps input order and its readers see exactly the bytes and
    file name a local ``newslens analyze FILE`` would), then analysed by one process.
    """
    tmp = tempfile.mkdtemp(prefix="newslens-spark-")
    try:
        names = {}
        for k, (path, data) in enumerate(files):
            d = os.path.join(tmp, f"{k:08d}")
            os.mkdir(d)
            base = os.path.basename(path.rstrip("/")) or "document"
            with open(os.path.join(d, base), "wb") as fh:
                fh.write(data)
            names[f"{k:08d}"] = (path, base)
        if not names:
            return
        # Rows name their input as `<tmp>/<NNNNNNNN>/<name>` (plus `:line` in a document's
        # source when the file is JSON Lines); the number maps back to the original path.
        marker = json.dumps(os.path.join(tmp, ""), ensure_ascii=False)[1:-1]
        errf = tempfile.TemporaryFile()
        proc = subprocess.Popen(_command(exe, opts) + [tmp], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=errf, bufsize=1 << 16)
        rec = None
        try:
            for row in _text_lines(proc.stdout):
                is_doc = row.startswith(_DOC)
                if not is_doc and not row.startswith(_ERR):
                    if rec is None:
                        raise BinaryFailed("newslens printed a layer row before any record")
                    rec.add(row)
                    continue
                if rec is not None:
                    yield from rec.groups()
                    rec = None
                at = row.find(marker, 0, 4096)
                rel = row[at + len(marker):at + len(marker) + 8] if at >= 0 else ""
                path, base = names.get(rel, (None, ""))
                k = int(rel) if rel.isdigit() else 0
                idx = (pidx << _POS_BITS) | k
                if not is_doc:
                    yield _error_from_binary(row, idx, path, None, keep_line=True)
                    continue
                # Prefix rewrite (no closing quote): a JSON Lines file keeps its `:line`.
                old = '"source":' + _js(os.path.join(tmp, rel, base))[:-1]
                rec = _Record(idx, path, row, old, '"source":' + _js(path or "")[:-1])
            if rec is not None:
                yield from rec.groups()
            proc.wait()
            if proc.returncode not in (0, 1):
                raise BinaryFailed(f"newslens exited with {proc.returncode}: "
                                   f"{_stderr_tail(errf)}")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            errf.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# The job.
# --------------------------------------------------------------------------------------------


def is_jsonl_path(p: str) -> bool:
    p = p.lower().rstrip("/")
    for c in _COMPRESSED:
        if p.endswith(c):
            p = p[: -len(c)]
    return p.endswith(_JSONL_EXT)


def table_columns(table: str):
    """Column expressions selecting ``table``'s columns from a parsed, exploded payload."""
    from pyspark.sql import functions as F

    return [F.col(_WRAPPER.get(name, name if name in _GROUP else "r." + name)).alias(name)
            for name, _ in TABLES[table]]


def run(spark, inputs, out, binary, input_format="auto", partitions=None, threads=1,
        max_bytes=10 * 1024 * 1024, keep_tokens=False, only=None, mode="overwrite"):
    """Runs the job; returns a dict of row counts per table and timings."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    sc = spark.sparkContext
    t0 = time.time()
    binary = os.path.abspath(binary) if "://" not in binary else binary
    sc.addFile(binary)
    if __name__ != "__main__":
        # Imported as a module (tests, notebooks): executors need the module to unpickle tasks.
        sc.addPyFile(os.path.abspath(__file__))
    binary_name = os.path.basename(binary)
    opts = {"threads": threads, "max_bytes": max_bytes, "keep_tokens": keep_tokens,
            "only": only}
    fmt = input_format
    if fmt == "auto":
        kinds = {is_jsonl_path(p) for p in inputs}
        if len(kinds) != 1:
            raise SystemExit("mixing JSON Lines and text inputs: run them separately or pass "
                             "--input-format")
        fmt = "jsonl" if kinds.pop() else "text"
    want = partitions or max(2, sc.defaultParallelism)

    if fmt == "jsonl":
        # Split the input into `want` partitions at read time (no shuffle) when its size is known.
        size = _input_bytes(sc, inputs)
        if size > 0:
            split = max(64 * 1024, size // want + 1)
            spark.conf.set("spark.sql.files.maxPartitionBytes", str(split))
            spark.conf.set("spark.sql.files.openCostInBytes", str(min(split, 4 * 1024 * 1024)))
        df = spark.read.text(list(inputs)).select(F.input_file_name().alias("f"), "value")
        rdd = df.rdd.map(lambda r: (r[0], r[1])).mapPartitionsWithIndex(number_lines)
        if rdd.getNumPartitions() < want:
            # Rows carry their input_index, so a round-robin shuffle loses nothing.
            rdd = rdd.repartition(want)
        lines = rdd.mapPartitions(
            lambda it: analyse_jsonl_partition(it, _executable(binary_name), opts))
    elif fmt == "text":
        files = sc.binaryFiles(",".join(inputs), minPartitions=want)
        lines = files.mapPartitionsWithIndex(
            lambda p, it: analyse_files_partition(p, it, _executable(binary_name), opts))
    else:
        raise SystemExit(f"unknown --input-format {fmt}")

    # One row per (record, table) crosses into the JVM: a few large strings rather than many
    # small rows (no Python row objects per table row). They are cached there as plain strings,
    # sorted by table within each partition and in small column batches, so that a table's
    # write skips the other tables' batches by their statistics instead of copying every
    # payload. The first job fills the cache and sums the row counts; then the six tables are
    # written from it concurrently (small jobs whose fixed costs would add up one after
    # another), each parsing only its own strings against its own schema.
    # Cache settings are read when the cache is defined (by persist()), so they apply to this
    # cache only: small batches (see above), and no compression (its encoders would hash every
    # payload string to size a dictionary; the strings are read once or twice, then dropped).
    cache_conf = {"spark.sql.inMemoryColumnarStorage.batchSize": "64",
                  "spark.sql.inMemoryColumnarStorage.compressed": "false"}
    saved = {k: spark.conf.get(k, None) for k in cache_conf}
    for k, v in cache_conf.items():
        spark.conf.set(k, v)
    try:
        groups = (spark.createDataFrame(lines, GROUPS_DDL).sortWithinPartitions("table")
                  .persist(StorageLevel.MEMORY_AND_DISK))
    finally:
        for k, v in saved.items():
            if v is None:
                spark.conf.unset(k)
            else:
                spark.conf.set(k, v)
    try:
        counts = {r[0]: r[1] for r in groups.groupBy("table").agg(F.sum("n")).collect()}
        t_analysed = time.time()

        def write(table):
            dest = (os.path.join(out, table) if "://" not in out
                    else out.rstrip("/") + "/" + table)
            p = F.from_json("payload", payload_schema(table)).alias("p")
            (groups.where(F.col("table") == table).select(p, "analysis")
             .select("p.i", "p.f", F.explode("p.rows").alias("r"), "analysis")
             .select(*table_columns(table))
             # Dictionary encoding cannot help a column of whole analyses; skip the attempt.
             .write.mode(mode).option("parquet.enable.dictionary#analysis", "false")
             .parquet(dest))

        with concurrent.futures.ThreadPoolExecutor(len(TABLES)) as pool:
            for fut in [pool.submit(write, t) for t in TABLES]:
                fut.result()
        t_done = time.time()
    finally:
        groups.unpersist()
    return {"tables": {t: int(counts.get(t, 0) or 0) for t in TABLES},
            "seconds": round(t_done - t0, 3),
            "seconds_analyse": round(t_analysed - t0, 3),  # read, analyse, cache, count
            "seconds_write": round(t_done - t_analysed, 3),  # the six Parquet tables
            "format": fmt}


def _input_bytes(sc, inputs) -> int:
    """Total size of the inputs through Hadoop's FileSystem (0 if it cannot tell)."""
    try:
        jvm = sc._jvm
        conf = sc._jsc.hadoopConfiguration()
        total = 0
        for p in inputs:
            path = jvm.org.apache.hadoop.fs.Path(p)
            fs = path.getFileSystem(conf)
            for st in fs.globStatus(path) or []:
                total += fs.getContentSummary(st.getPath()).getLength()
        return int(total)
    except Exception:  # noqa: BLE001 - sizing is an optimisation only
        return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("inputs", nargs="+", help="JSON Lines or text files/directories/globs")
    ap.add_argument("--out", required=True, help="output directory (one folder per table)")
    ap.add_argument("--binary", default=os.environ.get("NEWSLENS_BIN", "newslens"),
                    help="path or URL of the newslens binary (built for the executors' OS)")
    ap.add_argument("--input-format", choices=["auto", "jsonl", "text"], default="auto")
    ap.add_argument("--partitions", type=int,
                    help="minimum partitions (default: 2 x default parallelism)")
    ap.add_argument("--threads", type=int, default=None,
                    help="analysis threads per task (default: spark.task.cpus)")
    ap.add_argument("--max-bytes", type=int, default=10 * 1024 * 1024)
    ap.add_argument("--keep-tokens", action="store_true",
                    help="keep the token list in documents.analysis (large)")
    ap.add_argument("--only", help="run only these stages (comma-separated)")
    ap.add_argument("--master", help="Spark master (default: from spark-submit)")
    ap.add_argument("--mode", default="overwrite", choices=["overwrite", "errorifexists"])
    ap.add_argument("--report", help="write counts and timings as JSON here")
    args = ap.parse_args(argv)

    from pyspark.sql import SparkSession

    b = SparkSession.builder.appName("newslens")
    if args.master:
        b = b.master(args.master)
    spark = b.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    threads = args.threads or int(spark.conf.get("spark.task.cpus", "1"))
    try:
        res = run(spark, args.inputs, args.out, args.binary, args.input_format,
                  args.partitions, threads, args.max_bytes, args.keep_tokens, args.only,
                  args.mode)
    finally:
        spark.stop()
    res["master"] = args.master
    text = json.dumps(res, indent=2)
    print(text)
    if args.report:
        with open(args.report, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
