#!/usr/bin/env python3
"""Run newslens as a Spark stage: articles in, flat Parquet tables out.

    spark-submit integrations/spark/newslens_spark.py \
        --binary /path/to/newslens  INPUT... --out OUTDIR

* Input: JSON Lines (one article per line: ``{"id", "text", "title", "date", "source", "url",
  "byline"}``, optionally compressed) or plain/seed-format text files; any path Spark reads
  (local, ``hdfs://``, ``s3a://``, ``gs://`` ...). ``--input-format auto`` decides by extension
  (``.jsonl``/``.ndjson``/``.json`` with an optional compression suffix = JSON Lines).
* The ``newslens`` binary is shipped to every executor with ``sc.addFile`` and located there with
  ``SparkFiles.get``; each partition is piped through ``newslens analyze --format jsonl -``: a
  feeder thread writes the partition's lines to the binary's stdin while the task reads its
  stdout, so memory stays bounded whatever the partition size. The binary keeps input order and
  turns a bad line into an error record, so one bad article never fails a partition.
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
import datetime as _dt
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


def spark_schema(table: str):
    """The Spark StructType of one output table."""
    from pyspark.sql import types as T

    kinds = {
        "long": T.LongType(), "int": T.IntegerType(), "string": T.StringType(),
        "double": T.DoubleType(), "float": T.FloatType(), "date": T.DateType(),
    }
    return T.StructType([T.StructField(n, kinds[k], True) for n, k in TABLES[table]])


# --------------------------------------------------------------------------------------------
# Flattening one analysis into table rows (pure Python; unit-testable without Spark).
# --------------------------------------------------------------------------------------------

_INT32 = (-(2**31), 2**31 - 1)


def _i(v):
    """A signed 32-bit value or None (anything else is a bug in the input, not silently cut)."""
    if v is None or isinstance(v, bool):
        return None
    v = int(v)
    if not _INT32[0] <= v <= _INT32[1]:
        raise ValueError(f"{v} does not fit a signed 32-bit column")
    return v


def _f(v):
    return None if v is None else float(v)


def _span(s):
    if not isinstance(s, dict):
        return (None, None, None)
    return (_i(s.get("start")), _i(s.get("end")), s.get("text"))


def _date(s):
    if not s:
        return None
    try:
        return _dt.date.fromisoformat(str(s)[:10])
    except ValueError:
        return None


def flatten(input_index: int, input_file: str | None, a: dict):
    """Yields ``(table, tuple)`` rows for one analysis JSON object."""
    h = a.get("content_hash") or ""
    doc_id = a.get("id")
    ents = a.get("entities") or {}
    mentions = ents.get("mentions") or []
    clusters = ents.get("clusters") or []
    canonical = {c.get("id"): c.get("canonical") for c in clusters}
    quotes = a.get("quotes") or []
    techniques = a.get("techniques") or []
    events = a.get("events") or []
    tone = a.get("tone") or {}
    genre = a.get("genre") or {}
    frames = a.get("frames") or []
    doc = (
        input_index, input_file, h, doc_id, a.get("url"), a.get("outlet"), a.get("format"),
        _date(a.get("dateline")), a.get("title"), a.get("byline"), a.get("language"),
        a.get("schema_version"), ",".join(a.get("stages") or []), _i(len(a.get("text") or "")),
        _i(len(a.get("paragraphs") or [])), _i(len(a.get("sentences") or [])),
        _i(len(a.get("tokens") or [])), _i(len(mentions)), _i(len(clusters)), _i(len(quotes)),
        _i(len(a.get("timexes") or [])), _i(len(events)), _i(len(techniques)),
        _f(tone.get("tone")), genre.get("label"),
        ",".join(str(f.get("label")) for f in frames if isinstance(f, dict)) or None,
        "\n".join(a.get("warnings") or []) or None,
        json.dumps(a, ensure_ascii=False, separators=(",", ":")),
    )
    yield "documents", doc
    for m in mentions:
        yield "entities", (
            input_index, h, doc_id, _i(m.get("id")), _i(m.get("cluster")), _i(m.get("start")),
            _i(m.get("end")), m.get("text"), m.get("type"), m.get("kind"), _f(m.get("score")),
            canonical.get(m.get("cluster")),
        )
    for q in quotes:
        content = [c for c in (q.get("content") or []) if isinstance(c, dict)]
        start = min((c["start"] for c in content), default=None)
        end = max((c["end"] for c in content), default=None)
        text = " … ".join((c.get("text") or "").strip() for c in content)
        cs, ce, ct = _span(q.get("cue"))
        ss, se, st = _span(q.get("source"))
        speaker = q.get("speaker")
        yield "quotes", (
            input_index, h, doc_id, _i(q.get("id")), q.get("kind"), _i(start), _i(end), text,
            _i(len(content)), cs, ce, ct, q.get("cue_lemma"), ss, se, st, _i(speaker),
            q.get("speaker_name") or canonical.get(speaker), _f(q.get("score")),
        )
    for t in techniques:
        yield "techniques", (
            input_index, h, doc_id, _i(t.get("id")), _i(t.get("start")), _i(t.get("end")),
            t.get("text"), t.get("technique"), t.get("technique_2023"), _f(t.get("score")),
            _i(t.get("sentence")),
        )
    for e in events:
        as_, ae, at = _span(e.get("actor_span"))
        cs, ce, ct = _span(e.get("action"))
        ts, te, tt = _span(e.get("target_span"))
        yield "events", (
            input_index, h, doc_id, _i(e.get("id")), _i(e.get("actor")),
            canonical.get(e.get("actor")), as_, ae, at, cs, ce, ct, _i(e.get("target")),
            canonical.get(e.get("target")), ts, te, tt, e.get("cameo"), e.get("cameo_root"),
            e.get("cameo_label"), _f(e.get("goldstein")), _i(e.get("timex")), e.get("date"),
            e.get("modality"), _i(e.get("sentence")),
        )


def error_row(input_index, input_file, kind, message, line=None, raw=None):
    """An ``errors`` table row."""
    return "errors", (
        input_index, input_file, kind, message, line,
        None if raw is None else raw[:_RAW_HEAD],
    )


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
    cmd = [exe, "analyze", "--format", "jsonl", "--threads", str(opts["threads"]),
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


def number_lines(pidx: int, rows):
    """``(input_file, line)`` rows of partition ``pidx`` -> ``(input_index, input_file, line)``."""
    for pos, (input_file, line) in enumerate(rows):
        yield (pidx << _POS_BITS) | pos, input_file, line


def analyse_jsonl_partition(rows, exe: str, opts: dict):
    """Pipes ``(input_index, input_file, line)`` rows through the binary; yields table rows.

    A feeder thread writes lines to stdin while this generator reads stdout, so at most the
    pipes' buffers plus the binary's current chunk are in flight. Lines that are not JSON
    objects at all are reported by the driver (the binary sniffs the stream's first byte to pick
    its reader, so it must only see object lines); blank lines are skipped like the binary does.
    """
    inflight: collections.deque = collections.deque()
    state = {"sent": 0, "feed_error": None}
    errf = tempfile.TemporaryFile()
    proc = None

    def entries():
        for idx, input_file, line in rows:
            if line is None or not line.strip():
                continue
            yield idx, input_file, line

    it = entries()
    local_errors = []
    first = None
    for e in it:
        if e[2].lstrip().startswith("{"):
            first = e
            break
        local_errors.append(e)
    for idx, f, line in local_errors:
        yield error_row(idx, f, "json", "expected a JSON object with a \"text\" field", None, line)
    if first is None:
        errf.close()
        return

    proc = subprocess.Popen(_command(exe, opts) + ["-"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=errf, bufsize=1 << 16)

    def feed():
        try:
            for idx, f, line in _chain(first, it):
                if not line.lstrip().startswith("{"):
                    inflight.append((idx, f, line, True))
                    continue
                # Register before writing: the reader may see the answer right after the write.
                inflight.append((idx, f, line[:_RAW_HEAD], False))
                proc.stdin.write(line.encode("utf-8"))
                proc.stdin.write(b"\n")
                state["sent"] += 1
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
    try:
        for raw in proc.stdout:
            received += 1
            entry = None
            while inflight:
                entry = inflight.popleft()
                if not entry[3]:
                    break
                idx, f, line, _ = entry
                yield error_row(idx, f, "json", "expected a JSON object with a \"text\" field",
                                None, line)
                entry = None
            if entry is None:
                raise BinaryFailed("newslens printed more records than it was given lines")
            idx, f, head, _ = entry
            rec = json.loads(raw)
            err = rec.get("error") if isinstance(rec, dict) else None
            if err is not None:
                yield error_row(idx, f, err.get("kind") or "unknown", err.get("message"), None,
                                head)
                continue
            rec["source"] = f  # provenance: the original file, not the partition's stdin
            yield from flatten(idx, f, rec)
        feeder.join()
        proc.wait()
        while inflight and inflight[0][3]:
            idx, f, line, _ = inflight.popleft()
            yield error_row(idx, f, "json", "expected a JSON object with a \"text\" field",
                            None, line)
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
            names[f"{k:08d}"] = path
        if not names:
            return
        errf = tempfile.TemporaryFile()
        proc = subprocess.Popen(_command(exe, opts) + [tmp], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=errf, bufsize=1 << 16)
        try:
            for raw in proc.stdout:
                rec = json.loads(raw)
                err = rec.get("error") if isinstance(rec, dict) else None
                src = (err or {}).get("source") if err is not None else rec.get("source")
                rel = os.path.relpath(str(src or ""), tmp).split(os.sep)[0]
                path = names.get(rel)
                k = int(rel) if rel.isdigit() else 0
                idx = (pidx << _POS_BITS) | k
                if err is not None:
                    yield error_row(idx, path, err.get("kind") or "unknown", err.get("message"),
                                    err.get("line"))
                    continue
                src = str(rec.get("source") or "")
                suffix = src[len(os.path.join(tmp, rel, os.path.basename(path or ""))):]
                rec["source"] = (path or "") + suffix  # keep `:line` of a JSON Lines file
                yield from flatten(idx, path, rec)
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
        rows = rdd.mapPartitions(
            lambda it: analyse_jsonl_partition(it, _executable(binary_name), opts))
    elif fmt == "text":
        files = sc.binaryFiles(",".join(inputs), minPartitions=want)
        rows = files.mapPartitionsWithIndex(
            lambda p, it: analyse_files_partition(p, it, _executable(binary_name), opts))
    else:
        raise SystemExit(f"unknown --input-format {fmt}")

    # Rows cross from Python to the JVM once, as JSON text of a tagged union (one struct per
    # table, only the row's own set), which the JVM parses against the schema far faster than it
    # converts pickled tuples; the union is cached in the JVM and each table is selected and
    # written from there without going back through Python.
    union = spark.read.schema(union_schema()).json(rows.map(_union_json))
    union = union.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        for table in TABLES:
            (union.where(F.col("table") == table).select(f"{table}.*")
             .write.mode(mode).parquet(os.path.join(out, table) if "://" not in out
                                       else out.rstrip("/") + "/" + table))
        t_done = time.time()
        counts = {r[0]: r[1] for r in union.groupBy("table").count().collect()}
    finally:
        union.unpersist()
    return {"tables": {t: int(counts.get(t, 0)) for t in TABLES},
            "seconds": round(t_done - t0, 3), "format": fmt}


_COLUMNS = {t: [c for c, _ in cols] for t, cols in TABLES.items()}


def _union_json(tr) -> str:
    table, row = tr
    d = dict(zip(_COLUMNS[table], row))
    for k, v in d.items():
        if isinstance(v, _dt.date):
            d[k] = v.isoformat()
    return json.dumps({"table": table, table: d}, ensure_ascii=False, separators=(",", ":"))


def union_schema():
    """``table`` plus one struct column per table (the tagged union the job caches)."""
    from pyspark.sql import types as T

    return T.StructType([T.StructField("table", T.StringType(), False)]
                        + [T.StructField(t, spark_schema(t), True) for t in TABLES])


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
