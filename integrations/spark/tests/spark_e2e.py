#!/usr/bin/env python3
"""End-to-end check of the Spark driver against the plain binary.

Runs ``newslens_spark.run`` on MASTER over a JSON Lines corpus (and a folder of seed-format text
files), reads the Parquet tables back, and checks that

* every non-blank input line produced exactly one record (document or error), in input order;
* each document's analysis equals what ``newslens analyze --format jsonl`` prints locally for
  the same line (only ``source``, the provenance the driver rewrites, may differ);
* error records sit where the local run has them, with the same kind;
* the per-layer tables hold exactly the rows the analyses imply, with signed integer columns:
  every table, column by column, equals what ``reference_rows.flatten`` (an independent Python
  flattening of the local JSONL analysis) gives — the binary's ``--format rows`` and the driver
  must agree with it;
* text files give the annotations ``newslens analyze FILE`` gives.

usage: spark_e2e.py --master MASTER --bin NEWSLENS --corpus C.jsonl --text-dir DIR --work DIR
Prints one JSON line of timings; exits 1 on the first failed check.
"""

import argparse
import datetime
import json
import math
import os
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
# Executors run Python too and need this interpreter's pyarrow (ci.sh exports the same).
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

import newslens_spark as ns  # noqa: E402
import reference_rows  # noqa: E402


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def strip(rec):
    rec = dict(rec)
    rec.pop("source", None)
    return rec


def local_records(binary, args):
    out = subprocess.run([binary, "analyze", "--format", "jsonl", "--no-tokens",
                          "--threads", "2"] + args,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False)
    if out.returncode not in (0, 1):
        fail(f"local newslens analyze exited with {out.returncode}")
    return [json.loads(x) for x in out.stdout.decode("utf-8").splitlines() if x.strip()]


def check_tables(spark, out, expect_docs):
    from pyspark.sql import types as T

    for table in ns.TABLES:
        df = spark.read.parquet(os.path.join(out, table))
        got = {f.name: f.dataType for f in df.schema.fields}
        for name, kind in ns.TABLES[table]:
            if name not in got:
                fail(f"{table}.{name} missing from the Parquet output")
            if kind == "int" and not isinstance(got[name], T.IntegerType):
                fail(f"{table}.{name} is {got[name]}, expected a signed int32")
            if kind == "long" and not isinstance(got[name], T.LongType):
                fail(f"{table}.{name} is {got[name]}, expected a signed int64")
    docs = spark.read.parquet(os.path.join(out, "documents")).select(
        "input_index", "analysis", "mentions", "quotes", "techniques", "events",
        "input_file").collect()
    docs.sort(key=lambda r: r[0])
    if len(docs) != expect_docs:
        fail(f"documents table has {len(docs)} rows, expected {expect_docs}")
    # Layer tables: exactly the rows implied by the analyses.
    for table, col in (("entities", "mentions"), ("quotes", "quotes"),
                       ("techniques", "techniques"), ("events", "events")):
        n = spark.read.parquet(os.path.join(out, table)).count()
        want = sum(r[col] for r in docs)
        if n != want:
            fail(f"{table} has {n} rows, the documents imply {want}")
    errors = spark.read.parquet(os.path.join(out, "errors")).collect()
    return docs, errors


def _norm(kind, v):
    if v is None:
        return None
    if kind == "float":  # a float32 column: compare at float32 precision
        return struct.unpack("f", struct.pack("f", v))[0]
    if kind == "double":
        return float(v)
    if kind == "date" and isinstance(v, datetime.date):
        return v.isoformat()
    return v


def compare_tables(spark, out, pairs, what):
    """Every table, column by column, against ``reference_rows.flatten`` of the local analyses.

    ``pairs``: ``(input_index, input_file, spark analysis, local analysis)`` per document.
    """
    want = {t: [] for t in ns.TABLES}
    for idx, input_file, got, ref in pairs:
        ref = dict(ref)
        ref["source"] = got.get("source")  # the provenance the driver rewrites
        for table, row in reference_rows.flatten(idx, input_file, ref):
            want[table].append(row)
    n = 0
    for table, cols in ns.TABLES.items():
        if table == "errors":
            continue
        kinds = [k for _, k in cols]
        names = [c for c, _ in cols]
        got_rows = spark.read.parquet(os.path.join(out, table)).select(*names).collect()

        def key(r):
            return (r[0], r[3])  # input_index, then the row's own id (doc: content hash)

        def norm(r):
            vals = [_norm(k, v) for k, v in zip(kinds, r)]
            if table == "documents":  # compare the analysis as JSON, not as text
                vals[-1] = json.loads(vals[-1]) if vals[-1] is not None else None
            return vals

        g = sorted((norm(r) for r in got_rows), key=key)
        w = sorted((norm(r) for r in want[table]), key=key)
        if len(g) != len(w):
            fail(f"{what}: {table} has {len(g)} rows, the reference flattening {len(w)}")
        for a, b in zip(g, w):
            for name, x, y in zip(names, a, b):
                same = x == y or (isinstance(x, float) and isinstance(y, float)
                                  and math.isclose(x, y, rel_tol=1e-12))
                if not same:
                    fail(f"{what}: {table} row (input_index {a[0]}) column {name}: "
                         f"Spark {str(x)[:80]!r} != reference {str(y)[:80]!r}")
        n += len(g)
    return n


def compare(docs, errors, reference, what):
    merged = sorted([(r["input_index"], "doc", json.loads(r["analysis"])) for r in docs]
                    + [(e["input_index"], "err", e) for e in errors], key=lambda x: x[0])
    if len(merged) != len(reference):
        fail(f"{what}: Spark produced {len(merged)} records, local newslens {len(reference)}")
    seen = set()
    pairs = []
    for k, ((idx, kind, rec), ref) in enumerate(zip(merged, reference)):
        if idx in seen:
            fail(f"{what}: input_index {idx} appears twice")
        seen.add(idx)
        if "error" in ref:
            if kind != "err":
                fail(f"{what}: record {k}: local run reports an error, Spark a document")
            if rec["kind"] != ref["error"]["kind"]:
                fail(f"{what}: record {k}: error kind {rec['kind']} != {ref['error']['kind']}")
            if not rec["raw"]:
                fail(f"{what}: record {k}: the errors row does not keep the raw input line")
            continue
        if kind != "doc":
            fail(f"{what}: record {k} ({ref.get('id')}): Spark reports an error: {rec}")
        if strip(rec) != strip(ref):
            a, b = strip(rec), strip(ref)
            keys = sorted(k2 for k2 in set(a) | set(b) if a.get(k2) != b.get(k2))
            fail(f"{what}: record {k} ({ref.get('id')}) differs from the local run in {keys}")
        pairs.append((idx, rec, ref))
    return len(merged), pairs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--master", required=True)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--text-dir", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--partitions", type=int, default=None)
    args = ap.parse_args()

    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master(args.master).appName("newslens-e2e")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    try:
        lines = [x for x in open(args.corpus, encoding="utf-8").read().splitlines() if x.strip()]
        # The reference: the plain binary over the same file.
        t0 = time.time()
        reference = local_records(args.bin, [args.corpus])
        t_local = time.time() - t0
        if len(reference) != len(lines):
            fail(f"local newslens gave {len(reference)} records for {len(lines)} lines")
        n_ref_docs = sum(1 for r in reference if "error" not in r)
        n_ref_err = len(reference) - n_ref_docs
        if n_ref_err == 0:
            fail("the corpus has no bad lines: the error path is not exercised")

        out = os.path.join(args.work, "jsonl")
        res = ns.run(spark, [args.corpus], out, args.bin, partitions=args.partitions)
        docs, errors = check_tables(spark, out, n_ref_docs)
        n, pairs = compare(docs, errors, reference, f"{args.master} JSON Lines")
        files = {r["input_index"]: r["input_file"] for r in docs}
        n_rows = compare_tables(spark, out, [(i, files[i], got, ref) for i, got, ref in pairs],
                                f"{args.master} JSON Lines")
        if res["tables"]["errors"] != n_ref_err:
            fail(f"errors table has {res['tables']['errors']} rows, expected {n_ref_err}")
        # The default writer commits: one folder per table, no staging left behind.
        left = sorted(os.listdir(out))
        if left != sorted(ns.TABLES):
            fail(f"output folder holds {left}, expected exactly the tables")
        for t in ns.TABLES:
            if not os.path.exists(os.path.join(out, t, "_SUCCESS")):
                fail(f"{t}: no _SUCCESS marker")

        # Spark's own writer (`--writer spark`) must give the same tables.
        out_sw = os.path.join(args.work, "jsonl-spark-writer")
        res_sw = ns.run(spark, [args.corpus], out_sw, args.bin, partitions=args.partitions,
                        writer="spark")
        docs_sw, errors_sw = check_tables(spark, out_sw, n_ref_docs)
        _, pairs_sw = compare(docs_sw, errors_sw, reference, f"{args.master} --writer spark")
        files_sw = {r["input_index"]: r["input_file"] for r in docs_sw}
        compare_tables(spark, out_sw, [(i, files_sw[i], got, ref) for i, got, ref in pairs_sw],
                       f"{args.master} --writer spark")
        if res_sw["tables"] != res["tables"]:
            fail(f"--writer spark counted {res_sw['tables']}, --writer arrow {res['tables']}")

        # A line that is not a JSON object, first in its file, must not derail the partition.
        odd = os.path.join(args.work, "odd.jsonl")
        with open(odd, "w", encoding="utf-8") as fh:
            fh.write("not json at all\n\n" + "\n".join(lines[:5]) + "\n[1, 2]\n")
        out_odd = os.path.join(args.work, "odd")
        res_odd = ns.run(spark, [odd], out_odd, args.bin, partitions=1)
        want_docs = sum(1 for r in reference[:5] if "error" not in r)
        if res_odd["tables"]["documents"] != want_docs:
            fail(f"odd input: {res_odd['tables']['documents']} documents, expected {want_docs}")
        if res_odd["tables"]["errors"] != 2 + (5 - want_docs):
            fail(f"odd input: {res_odd['tables']['errors']} errors, expected {2 + 5 - want_docs}")

        # Text files: same annotations as `newslens analyze DIR`.
        text_ref = local_records(args.bin, [args.text_dir])
        out_txt = os.path.join(args.work, "text")
        res_txt = ns.run(spark, [args.text_dir], out_txt, args.bin, input_format="text")
        tdocs = spark.read.parquet(os.path.join(out_txt, "documents")).collect()
        by_id = {r["doc_id"]: json.loads(r["analysis"]) for r in tdocs}
        if len(by_id) != len(text_ref) or res_txt["tables"]["errors"] != 0:
            fail(f"text files: {len(by_id)} documents and {res_txt['tables']['errors']} errors, "
                 f"expected {len(text_ref)} and 0")
        for ref in text_ref:
            got = by_id.get(ref["id"])
            if got is None or strip(got) != strip(ref):
                fail(f"text file {ref['id']}: Spark output differs from the local run")
            if not str(got.get("source", "")).endswith(ref["id"] + ".txt"):
                fail(f"text file {ref['id']}: source {got.get('source')} is not the input path")
        print(json.dumps({"master": args.master, "records": n, "table_rows": n_rows,
                          "documents": n_ref_docs,
                          "errors": n_ref_err, "spark_job_seconds": res["seconds"],
                          "local_seconds": round(t_local, 3), "text_files": len(by_id)}))
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
