#!/usr/bin/env python3
"""Run newslens as a Spark stage: articles in, flat Parquet tables out.

    spark-submit integrations/spark/newslens_spark.py \
        --binary /path/to/newslens  INPUT... --out OUTDIR

* Input: JSON Lines (one article per line: ``{"id", "text", "title", "date", "source", "url",
  "byline"}``, optionally compressed) or plain/seed-format text files; any path Spark reads
  (local, ``hdfs://``, ``s3a://``, ``gs://`` ...). ``--input-format auto`` decides by extension
  (``.jsonl``/``.ndjson``/``.json`` with an optional compression suffix = JSON Lines).
* The ``newslens`` binary is shipped to every executor with ``sc.addFile`` and located there with
  ``SparkFiles.get``; each partition is piped through ``newslens analyze --format arrow -``:
  a feeder thread writes the partition's lines to the binary's stdin while the task reads its
  stdout, so memory stays bounded whatever the partition size. The binary keeps input order,
  turns a bad line into an error record (one bad article never fails a partition) and prints
  the flat table rows itself, as Arrow IPC streams (one per table and group of about 16k rows
  or 4 MB of text: nothing is parsed in Python); the task matches the records with its input
  lines and writes the Parquet files with pyarrow (default) or hands the batches to the JVM
  (``mapInArrow``: no pickling, no JSON parsing). Executors need ``pyarrow``; the driver also ``pandas`` (PySpark
  checks for it).
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
import contextlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
import uuid

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


#: Column kind -> (Spark type class, Arrow type factory): one table for both type systems.
_TYPES = {
    "long": ("LongType", "int64"), "int": ("IntegerType", "int32"),
    "string": ("StringType", "string"), "double": ("DoubleType", "float64"),
    "float": ("FloatType", "float32"), "date": ("DateType", "date32"),
}


def _spark_type(kind: str):
    from pyspark.sql import types as T

    return getattr(T, _TYPES[kind][0])()


def spark_schema(table: str):
    """The Spark StructType of one output table."""
    from pyspark.sql import types as T

    return T.StructType([T.StructField(n, _spark_type(k), True) for n, k in TABLES[table]])


def _js(s: str | None) -> str:
    return json.dumps(s, ensure_ascii=False)


def _arrow_type(kind: str):
    import pyarrow as pa

    return getattr(pa, _TYPES[kind][1])()


def arrow_schema(table: str):
    """The Arrow schema of one output table (what the executors hand the JVM)."""
    import pyarrow as pa

    return pa.schema([pa.field(n, _arrow_type(k), True) for n, k in TABLES[table]])


# --------------------------------------------------------------------------------------------
# Rows: the binary flattens and writes Arrow (`newslens analyze --format arrow`).
# --------------------------------------------------------------------------------------------
#
# The binary prints a sequence of Arrow IPC streams, one per table and group of records (about
# 16k rows or 4 MB of text), each with that table's schema (its name in the schema metadata)
# and at most one record batch. A group is a `documents` stream, an `errors` stream (both
# possibly empty), then one stream per layer table with rows. Layer rows leave `content_hash`
# and `doc_id` to their record's `documents` row (found through `input_index`, which counts the
# binary's input), and `documents.analysis` is the record's `--format jsonl` line. Per group
# the task matches the records with its input lines, sets `input_index` and `input_file` from
# the input (the binary only knows its stdin), rewrites the provenance in
# `documents.analysis`, and serialises each table's batch as Arrow IPC: what crosses into the
# JVM (or into pyarrow's Parquet writer) is one row per (group, table): `(table, row count,
# Arrow batch)`. Nothing is parsed: Python does per-record work only; per-row and per-value
# work is in Arrow's C++.

#: The JVM-side view of the executors' output: one row per (group of records, table).
GROUPS_DDL = "table string, n long, batch binary"
_BAD_LINE = "expected a JSON object with a \"text\" field"


#: Columns a layer table's rows leave to their record's `documents` row in the binary's output.
_PER_RECORD = ("content_hash", "doc_id")

_SCHEMAS: dict = {}
_BINARY_SCHEMAS: dict = {}


def _schemas():
    if not _SCHEMAS:
        _SCHEMAS.update({t: arrow_schema(t) for t in TABLES})
    return _SCHEMAS


def _binary_schemas():
    """The schema of each table's streams in the binary's output."""
    import pyarrow as pa

    if not _BINARY_SCHEMAS:
        for t in TABLES:
            keep = [f for f in arrow_schema(t)
                    if t in ("documents", "errors") or f.name not in _PER_RECORD]
            _BINARY_SCHEMAS[t] = pa.schema(keep)
    return _BINARY_SCHEMAS


def _replace_source(analysis, files, old_regex: str, new_of):
    """``analysis`` with its first ``"source":"…`` (matching ``old_regex``) rewritten per file.

    ``files`` holds each document's input file; ``new_of(file)`` is its replacement. The first
    match is the top-level field: a ``"source":"`` inside the article text is escaped.
    """
    import pyarrow.compute as pc

    out = None
    for f in set(files.to_pylist()):
        # RE2 rewrite strings treat a backslash as an escape.
        new = new_of(f).replace("\\", "\\\\")
        fixed = pc.replace_substring_regex(analysis, old_regex, new, max_replacements=1)
        if out is None:
            out = fixed
        else:
            mine = pc.is_null(files) if f is None else pc.fill_null(pc.equal(files, f), False)
            out = pc.if_else(mine, fixed, out)
    return analysis if out is None else out


def _tuples_batch(rows, schema):
    """Non-empty ``rows`` (tuples in ``schema``'s column order) as one Arrow batch."""
    import pyarrow as pa

    cols = list(zip(*rows))
    return pa.RecordBatch.from_arrays(
        [pa.array(list(c), type=f.type) for c, f in zip(cols, schema)], schema=schema)


def _error_batch(rows):
    """``errors`` rows ``(input_index, input_file, kind, message, line, raw)`` as a batch."""
    return _tuples_batch(rows, _schemas()["errors"])


def _group(table: str, batch):
    return table, batch.num_rows, batch.serialize().to_pybytes()


class BinaryFailed(RuntimeError):
    """The binary died or its output did not match its input one to one (the task is retried)."""


class _Groups:
    """Turns the binary's streams into groups ``(table, n, Arrow batch bytes)``, group by group.

    ``records(first, n, lead_files, bad)`` gives the next ``n`` records' inputs as
    ``(input_index list, input_file list, errors rows list)``, from the binary's ``input_file``
    of each record and its ``errors`` rows as dicts (per-record work, in Python);
    ``source_fix(analysis, files)`` rewrites the provenance in the documents' analyses.
    """

    def __init__(self, records, source_fix):
        self.records = records
        self.source_fix = source_fix
        self.received = 0  # records of the groups seen so far
        self.docs = None  # the current group's documents batch, until its errors arrive
        self.group = None  # the current group's per-record columns, once its leads are known

    def add(self, table: str, batch):
        """One stream's batch (or ``None`` for an empty stream); returns the groups it makes."""
        import pyarrow as pa

        if batch is None:
            batch = pa.RecordBatch.from_pylist([], schema=_binary_schemas()[table])
        if table == "documents":
            if self.docs is not None:
                raise BinaryFailed("newslens printed a documents stream without its errors")
            self.docs = batch
            return []
        if table == "errors":
            if self.docs is None:
                raise BinaryFailed("newslens printed an errors stream before its documents")
            docs, self.docs = self.docs, None
            return self._leads(docs, batch)
        if self.group is None or self.docs is not None:
            raise BinaryFailed(f"newslens printed {table} rows outside a group")
        return self._layer(table, batch)

    def _leads(self, docs, errs):
        import pyarrow as pa
        import pyarrow.compute as pc

        first = self.received
        n = docs.num_rows + errs.num_rows
        bad = errs.to_pylist()
        doc_pos = [self._pos(i, n) for i in docs.column("input_index").to_pylist()]
        err_pos = [self._pos(r["input_index"], n) for r in bad]
        if len(set(doc_pos + err_pos)) != n:
            raise BinaryFailed(f"newslens printed one record twice in {first}..{first + n - 1}")
        lead_files = [None] * n
        row_of_pos = [None] * n
        for k, (p, f) in enumerate(zip(doc_pos, docs.column("input_file").to_pylist())):
            lead_files[p] = f
            row_of_pos[p] = k
        for p, r in zip(err_pos, bad):
            lead_files[p] = r.get("input_file")
        idx, files, errors = self.records(first, n, lead_files, bad)
        idx = pa.array(idx, pa.int64())
        files = pa.array(files, pa.string())
        rows = pa.array(row_of_pos, pa.int64())
        self.group = {"first": first, "n": n, "idx": idx, "files": files,
                      **{c: pc.take(docs.column(c), rows) for c in _PER_RECORD}}
        self.received += n
        out = []
        if docs.num_rows:
            pos = pc.subtract(docs.column("input_index"), first)
            cols = []
            for name, _ in TABLES["documents"]:
                if name == "input_index":
                    cols.append(pc.take(idx, pos))
                elif name == "input_file":
                    cols.append(pc.take(files, pos))
                elif name == "analysis":
                    cols.append(self.source_fix(docs.column(name), pc.take(files, pos)))
                else:
                    cols.append(docs.column(name))
            out.append(_group("documents", pa.RecordBatch.from_arrays(
                cols, schema=_schemas()["documents"])))
        if errors:
            out.append(_group("errors", _error_batch(errors)))
        return out

    def _pos(self, i, n):
        p = (i if isinstance(i, int) else -1) - self.received
        if not 0 <= p < n:
            raise BinaryFailed(f"newslens printed record {i}, expected "
                               f"{self.received}..{self.received + n - 1}")
        return p

    def _layer(self, table, batch):
        import pyarrow as pa
        import pyarrow.compute as pc

        g = self.group
        if not batch.num_rows:
            return []
        pos = pc.subtract(batch.column("input_index"), g["first"])
        lo, hi = pc.min_max(pos).values()
        if lo.as_py() is None or lo.as_py() < 0 or hi.as_py() >= g["n"]:
            raise BinaryFailed(f"newslens printed {table} rows of records outside its group")
        cols = []
        for name, _ in TABLES[table]:
            if name == "input_index":
                cols.append(pc.take(g["idx"], pos))
            elif name in _PER_RECORD:
                cols.append(pc.take(g[name], pos))
            else:
                cols.append(batch.column(name))
        return [_group(table, pa.RecordBatch.from_arrays(cols, schema=_schemas()[table]))]


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
    cmd = [exe, "analyze", "--format", "arrow", "--threads", str(opts["threads"]),
           "--max-bytes", str(opts["max_bytes"])]
    if not opts["keep_tokens"]:
        cmd.append("--no-tokens")
    if opts.get("only"):
        cmd += ["--only", opts["only"]]
    return cmd


def _stderr_tail(f) -> str:
    try:
        f.seek(0)
        return f.read()[-2000:].decode("utf-8", "replace")
    except OSError:
        return ""


def _input_lines(batches):
    """``(input_index, input_file, line)`` of each row of the input's Arrow batches."""
    for b in batches:
        yield from zip(b.column(0).to_pylist(), b.column(1).to_pylist(), b.column(2).to_pylist())


def _as_arrow(groups):
    """Groups ``(table, n, bytes)`` -> one Arrow batch per call (what ``mapInArrow`` yields)."""
    import pyarrow as pa

    schema = pa.schema([("table", pa.string()), ("n", pa.int64()), ("batch", pa.binary())])
    for gs in groups:
        if gs:
            yield _tuples_batch(gs, schema)


def _chain(first, rest):
    yield first
    yield from rest


def _streams(f):
    """``(table, batch or None)`` of each Arrow IPC stream the binary printed, in order."""
    import pyarrow as pa

    while f.peek(1):  # a buffered reader: b"" only at the end of the output
        reader = pa.ipc.open_stream(f)
        table = (reader.schema.metadata or {}).get(b"newslens.table", b"").decode()
        want = _binary_schemas().get(table)
        if want is None or not reader.schema.equals(want):
            raise BinaryFailed(f"newslens printed an Arrow stream this driver does not know "
                               f"(a binary of another version?): {table!r} {reader.schema}")
        batches = list(reader)
        if len(batches) > 1:
            raise BinaryFailed(f"newslens printed {len(batches)} batches in one {table} stream")
        yield table, batches[0] if batches else None


def _run_rows(proc, records, source_fix, errf):
    """Reads the binary's Arrow streams; yields lists of groups; returns the number of records
    read."""
    import pyarrow as pa

    groups = _Groups(records, source_fix)
    try:
        for table, batch in _streams(proc.stdout):
            out = groups.add(table, batch)
            if out:
                yield out
    except (pa.ArrowInvalid, OSError) as e:  # the binary died mid-stream
        proc.wait()
        raise BinaryFailed(f"newslens (exit {proc.returncode}) stopped its Arrow output after "
                           f"{groups.received} records ({e}): {_stderr_tail(errf)}") from e
    if groups.docs is not None:
        raise BinaryFailed("newslens stopped between a documents and an errors stream")
    return groups.received


def analyse_jsonl_partition(rows, exe: str, opts: dict):
    """Pipes ``(input_index, input_file, line)`` rows through the binary; yields lists of groups.

    A feeder thread writes lines to stdin while this generator reads stdout, so at most the
    pipes' buffers, the binary's current chunk and one parse chunk are in flight. Lines that
    are not JSON objects at all are reported here (the binary sniffs the stream's first byte to
    pick its reader, so it must only see object lines); blank lines are skipped like the binary
    does.
    """
    inflight: collections.deque = collections.deque()
    state = {"sent": 0, "feed_error": None}

    def entries():
        for idx, input_file, line in rows:
            if line is None or not line.strip():
                continue
            yield idx, input_file, line

    it = entries()
    first = None
    early = []
    for e in it:
        if e[2].lstrip().startswith("{"):
            first = e
            break
        early.append((e[0], e[1], "json", _BAD_LINE, None, e[2][:_RAW_HEAD]))
    if early:
        yield [_group("errors", _error_batch(early))]
    if first is None:
        return

    errf = tempfile.TemporaryFile()
    # Buffered pipes: few writes to stdin; Arrow's reader wants whole messages from stdout.
    proc = subprocess.Popen(_command(exe, opts) + ["-"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=errf, bufsize=1 << 16)

    def feed():
        try:
            out = proc.stdin
            for idx, f, line in _chain(first, it):
                if not line.lstrip().startswith("{"):
                    inflight.append((idx, f, line[:_RAW_HEAD], False))
                    continue
                # Register before writing: the reader may see the answer right after the write.
                state["sent"] += 1
                inflight.append((idx, f, line[:_RAW_HEAD], True))
                out.write(line.encode("utf-8") + b"\n")
        except (BrokenPipeError, OSError, ValueError) as ex:  # the binary died
            state["feed_error"] = ex
        finally:
            try:
                proc.stdin.close()
            except OSError:
                pass

    def records(first_record, n, _lead_files, bad):
        """The next ``n`` records' inputs; lines the binary never saw become errors here."""
        idx, files, heads, errors = [], [], [], []
        while len(idx) < n:
            if not inflight:
                raise BinaryFailed("newslens printed more records than it was given lines")
            i, f, head, sent = inflight.popleft()
            if not sent:
                errors.append((i, f, "json", _BAD_LINE, None, head))
                continue
            idx.append(i)
            files.append(f)
            heads.append(head)
        # The binary's error records: attach the input line's head (the binary does not keep
        # it) and the input file; the binary's `line` counts its stdin, meaningless here.
        for r in bad:
            k = r["input_index"] - first_record
            errors.append((idx[k], files[k], r.get("kind") or "unknown", r.get("message"),
                           None, heads[k]))
        return idx, files, errors

    def source_fix(analysis, files):
        # The binary read the line from its stdin (`"source":"-:<line>"`); provenance is the
        # input file.
        return _replace_source(analysis, files, r'"source":"-:\d+"',
                               lambda f: '"source":' + _js(f or ""))

    feeder = threading.Thread(target=feed, name="newslens-feeder", daemon=True)
    feeder.start()
    try:
        received = yield from _run_rows(proc, records, source_fix, errf)
        feeder.join()
        proc.wait()
        tail = []
        while inflight and not inflight[0][3]:
            i, f, head, _ = inflight.popleft()
            tail.append((i, f, "json", _BAD_LINE, None, head))
        if tail:
            yield [_group("errors", _error_batch(tail))]
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


def analyse_files_partition(pidx: int, files, exe: str, opts: dict):
    """Runs the binary over one partition of whole files (``(path, bytes)``); yields groups.

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
        # The binary names its input `<tmp>/<NNNNNNNN>/<name>` (in a document's source too,
        # plus `:line` when the file is JSON Lines); the number maps back to the original path.
        marker = os.path.join(tmp, "")

        def which(input_file):
            rel = input_file[len(marker):len(marker) + 8] if input_file.startswith(marker) else ""
            path, _ = names.get(rel, (None, ""))
            return (pidx << _POS_BITS) | (int(rel) if rel.isdigit() else 0), path

        def records(first_record, n, lead_files, bad):
            got = [which(f or "") for f in lead_files]
            errors = []
            for r in bad:
                i, path = got[r["input_index"] - first_record]
                errors.append((i, path, r.get("kind") or "unknown", r.get("message"),
                               r.get("line"), None))
            return [g[0] for g in got], [g[1] for g in got], errors

        def source_fix(analysis, files):
            import pyarrow as pa

            # Prefix rewrite (no closing quote): a JSON Lines file keeps its `:line`.
            fixed = []
            for a, path in zip(analysis.to_pylist(), files.to_pylist()):
                if a is not None:
                    at = a.find('"source":' + _js(marker)[:-1])
                    if at >= 0:
                        rel = a[at + len('"source":' + _js(marker)[:-1]):][:8]
                        old = '"source":' + _js(os.path.join(tmp, rel, names.get(
                            rel, (None, ""))[1]))[:-1]
                        a = a.replace(old, '"source":' + _js(path or "")[:-1], 1)
                fixed.append(a)
            return pa.array(fixed, pa.string())

        errf = tempfile.TemporaryFile()
        proc = subprocess.Popen(_command(exe, opts) + [tmp], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=errf, bufsize=1 << 16)
        try:
            yield from _run_rows(proc, records, source_fix, errf)
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


def _decode(table: str):
    """``mapInArrow`` function: the cached Arrow batches of ``table`` -> that table's rows."""

    def decode(batches):
        import pyarrow as pa

        schema = _schemas()[table]
        for b in batches:
            for blob in b.column(0):
                yield pa.ipc.read_record_batch(blob.as_buffer(), schema)

    return decode



# --------------------------------------------------------------------------------------------
# Direct Parquet writing (the default writer): each task writes its tables' Parquet files with
# pyarrow into a staging directory and reports them; the driver commits the reported files.
# --------------------------------------------------------------------------------------------
#
# Handing the tables to the JVM to have Spark's writer encode them costs more CPU than the
# parsing itself (Arrow -> cache -> Arrow -> rows -> Parquet); pyarrow writes the batches it
# already holds. Commit protocol: a task attempt writes `<out>/_temporary-<job>/<table>/
# part-<partition>-<attempt>-<random>.parquet` and returns `(table, rows, path)`; Spark keeps the
# result of exactly one successful attempt per partition, so the driver moves exactly those
# files into `<out>/<table>/` and deletes the staging directory (with any files of failed or
# speculative attempts). A table no task wrote gets one empty file with its schema.

#: Bytes of a table buffered before they are written as one Parquet row group.
_ROW_GROUP_BYTES = 32 << 20

#: What a writing task returns per file.
WRITTEN_DDL = "table string, n long, path string"


def _filesystem(uri: str):
    """``(pyarrow FileSystem, path inside it)`` of an output location (Hadoop's ``s3a://`` is
    pyarrow's ``s3://``)."""
    import pyarrow.fs as pafs

    if "://" not in uri:
        return pafs.LocalFileSystem(), os.path.abspath(uri)
    for hadoop in ("s3a://", "s3n://"):
        if uri.startswith(hadoop):
            uri = "s3://" + uri[len(hadoop):]
    fs, path = pafs.FileSystem.from_uri(uri)
    return fs, path


def _qualified(sc, out: str) -> str:
    """``out`` as Spark would resolve it: a path without a scheme is on the cluster's default
    filesystem (``fs.defaultFS``: HDFS on YARN), not on each executor's local disk."""
    try:
        path = sc._jvm.org.apache.hadoop.fs.Path(out)
        uri = path.getFileSystem(sc._jsc.hadoopConfiguration()).makeQualified(path).toUri()
        if uri.getScheme() in (None, "file"):
            return uri.getPath()
        return uri.toString()
    except Exception:  # noqa: BLE001 - no JVM at hand (tests): take the path as given
        return out


def _parquet_writer(fs, path: str, table: str):
    import pyarrow.parquet as pq

    schema = _schemas()[table]
    # Dictionary encoding cannot help a column of whole analyses; skip the attempt.
    dictionary = [f.name for f in schema if f.name != "analysis"]
    return pq.ParquetWriter(path, schema, filesystem=fs, compression="snappy",
                            use_dictionary=dictionary)


def write_groups(group_lists, staging: str):
    """Writes a task's groups (lists of ``(table, n, Arrow IPC batch)``) as Parquet files under
    ``staging``; yields ``(table, rows, path)`` per file written."""
    import pyarrow as pa

    try:
        from pyspark import TaskContext

        ctx = TaskContext.get()
    except ImportError:  # outside Spark (tests)
        ctx = None
    tag = (f"{ctx.partitionId():05d}-{ctx.attemptNumber()}" if ctx is not None else "local")
    tag += "-" + uuid.uuid4().hex[:12]
    fs, root = _filesystem(staging)
    writers: dict = {}
    written: dict = {}
    # The binary's batches are small (one per ~32 articles); row groups that small would make
    # poor Parquet, so batches are buffered per table, up to _ROW_GROUP_BYTES, and written as one.
    pending: dict = collections.defaultdict(list)
    pending_bytes: collections.Counter = collections.Counter()

    def path(table):
        return f"{root}/{table}/part-{tag}.parquet"

    def flush(table):
        w = writers.get(table)
        if w is None:
            fs.create_dir(f"{root}/{table}", recursive=True)
            w = writers[table] = _parquet_writer(fs, path(table), table)
        batches = pending.pop(table, [])
        pending_bytes.pop(table, None)
        if batches:
            w.write_table(pa.Table.from_batches(batches), row_group_size=1 << 30)

    try:
        for gs in group_lists:
            for table, n, blob in gs:
                batch = pa.ipc.read_record_batch(pa.py_buffer(blob), _schemas()[table])
                pending[table].append(batch)
                pending_bytes[table] += batch.nbytes
                written.setdefault(table, [path(table), 0])[1] += n
                if pending_bytes[table] >= _ROW_GROUP_BYTES:
                    flush(table)
        for table in list(pending):
            flush(table)
    finally:
        for w in writers.values():
            w.close()
    for table, (path, n) in written.items():
        yield table, n, path


def _written_batches(rows):
    """``(table, rows, path)`` tuples -> one Arrow batch (what ``mapInArrow`` yields)."""
    import pyarrow as pa

    rows = list(rows)
    if rows:
        yield _tuples_batch(rows, pa.schema(
            [("table", pa.string()), ("n", pa.int64()), ("path", pa.string())]))


def _prepare_output(out: str, mode: str):
    """Checks, before any work is done, that pyarrow can open the output and that it does not
    exist in ``errorifexists`` mode."""
    import pyarrow.fs as pafs

    try:
        fs, root = _filesystem(out)
        fs.get_file_info(root)
    except Exception as e:  # noqa: BLE001 - any failure to open means: use Spark's writer
        raise SystemExit(f"pyarrow cannot write to {out} ({e}); pass --writer spark to use "
                         "Spark's own Parquet writer") from e

    if mode == "errorifexists":
        for table in TABLES:
            if fs.get_file_info(f"{root}/{table}").type != pafs.FileType.NotFound:
                raise SystemExit(f"{out}/{table} exists (mode errorifexists)")


def commit_written(written, out: str, staging: str, mode: str) -> dict:
    """Moves the reported files into ``<out>/<table>/``; returns row counts per table."""
    import pyarrow.fs as pafs

    fs, root = _filesystem(out)
    _, stage_root = _filesystem(staging)
    counts = collections.Counter()
    by_table: dict = collections.defaultdict(list)
    for table, n, path in written:
        counts[table] += n
        by_table[table].append(path)
    for table in TABLES:
        dest = f"{root}/{table}"
        if fs.get_file_info(dest).type != pafs.FileType.NotFound:
            if mode != "overwrite":
                raise SystemExit(f"{out}/{table} exists (mode {mode})")
            fs.delete_dir(dest)
        fs.create_dir(dest, recursive=True)
        # Part files numbered in partition order (the tag starts with the partition id).
        for k, path in enumerate(sorted(by_table.get(table, []))):
            fs.move(path, f"{dest}/part-{k:05d}.parquet")
        if not by_table.get(table):
            _parquet_writer(fs, f"{dest}/part-00000.parquet", table).close()
        with fs.open_output_stream(f"{dest}/_SUCCESS"):
            pass
    if fs.get_file_info(stage_root).type != pafs.FileType.NotFound:
        fs.delete_dir(stage_root)
    return counts


def run(spark, inputs, out, binary, input_format="auto", partitions=None, threads=1,
        max_bytes=10 * 1024 * 1024, keep_tokens=False, only=None, mode="overwrite",
        write_bytes=128 * 1024 * 1024, writer="arrow"):
    """Runs the job; returns a dict of row counts per table and timings.

    ``writer``: ``arrow`` (default) writes the Parquet files from the tasks with pyarrow (the
    output location must be one pyarrow can open: a local or shared path, ``s3://``,
    ``gs://``, ``hdfs://`` with libhdfs); ``spark`` hands the tables to Spark's own writer
    (anything Spark writes to, more CPU). ``write_bytes``: Arrow bytes per Parquet file written
    by the ``spark`` writer (fewer, larger files for small tables).
    """
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
    if writer not in ("arrow", "spark"):
        raise SystemExit(f"unknown writer {writer}")
    staging = None
    if writer == "arrow":
        out = _qualified(sc, out)
        staging = f"{out.rstrip('/')}/_temporary-{uuid.uuid4().hex}"
        _prepare_output(out, mode)

    if fmt == "jsonl":
        # Split the input into `want` partitions at read time (no shuffle) when its size is known.
        size = _input_bytes(sc, inputs)
        if size > 0:
            split = max(64 * 1024, size // want + 1)
            spark.conf.set("spark.sql.files.maxPartitionBytes", str(split))
            spark.conf.set("spark.sql.files.openCostInBytes", str(min(split, 4 * 1024 * 1024)))
        # input_index = partition << 33 | position, numbered at read time (before any shuffle):
        # exactly what monotonically_increasing_id computes.
        lines = spark.read.text(list(inputs)).select(
            F.monotonically_increasing_id().alias("i"), F.input_file_name().alias("f"),
            F.col("value").alias("v"))
        if lines.rdd.getNumPartitions() < want:
            # Rows carry their input_index, so a round-robin shuffle loses nothing.
            lines = lines.repartition(want)

        if writer == "arrow":
            def analyse_write(batches):
                return _written_batches(write_groups(
                    analyse_jsonl_partition(_input_lines(batches), _executable(binary_name),
                                            opts), staging))

            with _session_conf(spark, {_ARROW_BATCH: "1024"}):
                written = [tuple(r) for r in
                           lines.mapInArrow(analyse_write, WRITTEN_DDL).collect()]
            return _finish(written, out, staging, mode, t0, fmt)

        def analyse(batches):
            return _as_arrow(analyse_jsonl_partition(_input_lines(batches),
                                                     _executable(binary_name), opts))

        groups = lines.mapInArrow(analyse, GROUPS_DDL)
    elif fmt == "text":
        files = sc.binaryFiles(",".join(inputs), minPartitions=want)
        if writer == "arrow":
            written = files.mapPartitionsWithIndex(
                lambda p, it: write_groups(
                    analyse_files_partition(p, it, _executable(binary_name), opts),
                    staging)).collect()
            return _finish(written, out, staging, mode, t0, fmt)
        rdd = files.mapPartitionsWithIndex(
            lambda p, it: (g for gs in analyse_files_partition(p, it, _executable(binary_name),
                                                               opts) for g in gs))
        groups = spark.createDataFrame(rdd, GROUPS_DDL)
    else:
        raise SystemExit(f"unknown --input-format {fmt}")

    # The groups are cached in the JVM (a few large binary values per chunk of articles): the
    # first job runs the binary, fills the cache and sums the row counts; then the six tables
    # are written from it concurrently (small jobs whose fixed costs would add up one after
    # another), each reading only its own batches and handing them back to Arrow. Cache
    # settings are read when the cache is defined (by persist()), so they apply to this cache
    # only: one row per cached batch, so that a table's scan skips the other tables' batches by
    # their statistics without copying them, and no compression (its encoders would scan every
    # value; the batches are read once, then dropped).
    # Arrow batches of at most 1,024 input lines reach the tasks (memory stays bounded with long
    # lines); the cached plan is made here, so the setting must be in force now.
    cache_conf = {"spark.sql.inMemoryColumnarStorage.batchSize": "1",
                  "spark.sql.inMemoryColumnarStorage.compressed": "false",
                  _ARROW_BATCH: "1024"}
    with _session_conf(spark, cache_conf):
        groups = groups.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        # A plain collect of the small columns (a few rows per chunk of articles): no shuffle.
        counts = collections.Counter()
        size = collections.Counter()
        with _session_conf(spark, {_ARROW_BATCH: "1024"}):
            for table, n, nbytes in groups.select("table", "n", F.length("batch")).collect():
                counts[table] += n
                size[table] += nbytes
        t_analysed = time.time()
        parts = groups.rdd.getNumPartitions()

        def write(table):
            dest = (os.path.join(out, table) if "://" not in out
                    else out.rstrip("/") + "/" + table)
            # About `write_bytes` of Arrow data per Parquet file: small tables are written by
            # one task (each task and file has a fixed cost), large ones by as many as there are
            # partitions.
            k = max(1, min(parts, -(-size[table] // write_bytes)))
            (groups.where(F.col("table") == table).select("batch").coalesce(k)
             .mapInArrow(_decode(table), spark_schema(table))
             # Dictionary encoding cannot help a column of whole analyses; skip the attempt.
             .write.mode(mode).option("parquet.enable.dictionary#analysis", "false")
             .parquet(dest))

        # One cached value (a chunk's batch of one table, a few MB) per Arrow batch handed to
        # the writing tasks, not a partition's worth.
        with _session_conf(spark, {_ARROW_BATCH: "1"}), \
                concurrent.futures.ThreadPoolExecutor(len(TABLES)) as pool:
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


def _finish(written, out, staging, mode, t0, fmt):
    """Commits the tasks' files (the ``arrow`` writer) and makes ``run``'s report."""
    t_analysed = time.time()
    counts = commit_written(written, out, staging, mode)
    t_done = time.time()
    return {"tables": {t: int(counts.get(t, 0) or 0) for t in TABLES},
            "seconds": round(t_done - t0, 3),
            "seconds_analyse": round(t_analysed - t0, 3),  # read, analyse, write the files
            "seconds_write": round(t_done - t_analysed, 3),  # commit: move the files
            "format": fmt, "writer": "arrow"}


_ARROW_BATCH = "spark.sql.execution.arrow.maxRecordsPerBatch"


@contextlib.contextmanager
def _session_conf(spark, conf: dict):
    """Sets SQL settings for the jobs started inside the block, then restores them."""
    saved = {k: spark.conf.get(k, None) for k in conf}
    for k, v in conf.items():
        spark.conf.set(k, v)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                spark.conf.unset(k)
            else:
                spark.conf.set(k, v)


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
    ap.add_argument("--writer", default="arrow", choices=["arrow", "spark"],
                    help="arrow: tasks write Parquet with pyarrow (less CPU; the output must be "
                         "a path pyarrow opens: local/shared, s3://, gs://, hdfs://); spark: "
                         "Spark's own writer (any Spark output)")
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
                  args.mode, writer=args.writer)
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
