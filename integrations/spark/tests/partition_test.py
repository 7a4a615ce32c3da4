#!/usr/bin/env python3
"""Checks of one partition's run, without Spark: what a task hands the JVM.

usage: partition_test.py --bin NEWSLENS --corpus C.jsonl

* every non-blank input line gives exactly one record (a `documents` or an `errors` row) with
  its own `input_index` and `input_file`; lines that are not JSON objects never reach the binary
  and keep their raw text in the errors row, as do the binary's own error records;
* the Arrow batches decode with each table's schema, layer rows point at documents;
* `source` in `documents.analysis` is the input file, not the binary's stdin;
* a binary that dies mid-partition fails the task (`BinaryFailed`) instead of losing records.
Exits 1 on the first failed check.
"""

import argparse
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import newslens_spark as ns  # noqa: E402


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def _opts():
    return {"threads": 1, "max_bytes": 10 << 20, "keep_tokens": False, "only": None}


def run(binary, rows):
    import pyarrow as pa

    out = {t: [] for t in ns.TABLES}
    for groups in ns.analyse_jsonl_partition(iter(rows), binary, _opts()):
        for table, n, blob in groups:
            batch = pa.ipc.read_record_batch(pa.py_buffer(blob), ns.arrow_schema(table))
            if batch.num_rows != n:
                fail(f"{table}: group says {n} rows, its batch has {batch.num_rows}")
            out[table].extend(batch.to_pylist())
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--corpus", required=True)
    args = ap.parse_args()
    lines = [x for x in open(args.corpus, encoding="utf-8").read().splitlines() if x.strip()]
    lines = lines[:40] + [x for x in lines if not x.startswith('{"id"')][:4]
    src = "file:/corpus/part-1.jsonl"
    inputs = ["not json", ""] + lines + ["[1, 2]"]
    rows = [(7 << 33 | k, src, line) for k, line in enumerate(inputs)]
    want = {i for i, _, line in rows if line.strip()}
    out = run(args.bin, rows)
    got = [r["input_index"] for r in out["documents"]] + [r["input_index"] for r in out["errors"]]
    if sorted(got) != sorted(want):
        fail(f"records {sorted(got)} != non-blank input lines {sorted(want)}")
    by_index = {i: line for i, _, line in rows}
    for r in out["errors"]:
        if r["input_file"] != src or not r["raw"] or not by_index[r["input_index"]].startswith(
                r["raw"]):
            fail(f"errors row without its input line or file: {r}")
    kinds = {r["raw"][:8] for r in out["errors"]}
    if "not json" not in kinds or "[1, 2]" not in kinds:
        fail(f"lines that are not JSON objects are not reported: {out['errors']}")
    if len(out["errors"]) < 3:
        fail("the corpus's bad lines did not give the binary's error records")
    docs = {r["input_index"]: r for r in out["documents"]}
    for r in docs.values():
        a = json.loads(r["analysis"])
        if a.get("source") != src or r["input_file"] != src:
            fail(f"document {r['doc_id']}: source {a.get('source')!r}, not the input file")
        if r["mentions"] != sum(1 for e in out["entities"] if e["input_index"] == r["input_index"]):
            fail(f"document {r['doc_id']}: mentions count does not match its entities rows")
    for table in ("entities", "quotes", "techniques", "events"):
        stray = [e for e in out[table] if e["input_index"] not in docs]
        if not out[table] or stray:
            fail(f"{table}: {len(out[table])} rows, {len(stray)} not tied to a document")
    # A binary that dies after three records.
    with tempfile.TemporaryDirectory() as tmp:
        dying = os.path.join(tmp, "newslens")
        with open(dying, "w", encoding="utf-8") as fh:
            fh.write(f'#!/bin/sh\nhead -n 3 | "{os.path.abspath(args.bin)}" "$@"\nexit 3\n')
        os.chmod(dying, 0o755)
        try:
            run(dying, rows)
            fail("a binary that died mid-partition did not fail the task")
        except ns.BinaryFailed as e:
            if "exited with 3" not in str(e):
                fail(f"unexpected failure message: {e}")
    # The task-side writer and the driver's commit, without Spark.
    with tempfile.TemporaryDirectory() as tmp:
        out_dir, staging = os.path.join(tmp, "out"), os.path.join(tmp, "out", "_temporary-x")
        written = list(ns.write_groups(
            ns.analyse_jsonl_partition(iter(rows), os.path.abspath(args.bin), _opts()), staging))
        counts = ns.commit_written(written, out_dir, staging, "overwrite")
        if sorted(os.listdir(out_dir)) != sorted(ns.TABLES):
            fail(f"commit left {sorted(os.listdir(out_dir))}")
        for t in ns.TABLES:
            if counts[t] != len(out[t]):
                fail(f"{t}: {counts[t]} rows written, {len(out[t])} in the task's batches")
        try:
            ns.commit_written(written, out_dir, staging, "errorifexists")
            fail("errorifexists overwrote an existing output")
        except SystemExit:
            pass
    try:
        ns._prepare_output("nosuchscheme://bucket/out", "overwrite")
        fail("an output pyarrow cannot open was accepted")
    except SystemExit as e:
        if "--writer spark" not in str(e):
            fail(f"unhelpful message for an unopenable output: {e}")
    print(json.dumps({"partition_checks": "ok", "documents": len(docs),
                      "errors": len(out["errors"]),
                      "rows": {t: len(v) for t, v in out.items()}}))


if __name__ == "__main__":
    main()
