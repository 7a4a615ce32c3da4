#!/usr/bin/env python3
"""Throughput of the Spark driver in local[N] against the plain binary on the same input.

usage: bench.py --bin NEWSLENS [--articles 3000] [--master local[2]] [--work DIR]
       bench.py --bin NEWSLENS --input DIR_OR_FILE... [--articles CAP] ...

Without `--input` the corpus is generated (gen_corpus.py: short synthetic articles, ~600
characters, so per-article overheads weigh heavily). With `--input`, real articles are used
instead: every file under the given directories (or JSON Lines files, one article per line) is
read at run time into one JSON Lines corpus in the work directory (nothing is copied into the
repository), at most `--articles` of them when that is given.

Prints one JSON object. Fairness: both sides get the same generated corpus, the same stages and
`--no-tokens`; the plain binary runs `newslens analyze --format jsonl --threads N` (N = the
master's cores; it analyses each chunk of 32 x N documents on N rayon threads, in input order)
with its output to /dev/null, after a warm-up run (binary and corpus in the page cache), twice:
before and after the Spark runs, so slow drift in the machine's load hits both sides; the
faster run counts. The Spark job (read, analyse, six Parquet tables written) runs twice in one
session: `spark_cold` is the first job of a fresh JVM (class loading and JIT compilation
included), `spark_warm` the same job again, what every later job of a long-lived session
costs. `spark_vs_plain` compares the warm job with the plain binary.

Where the time goes: CPU seconds of each side, from /proc (the JVM with everything below it:
Python workers and the `newslens` processes they ran), with the binary's own share measured by
running it under `/usr/bin/time` (a wrapper shipped in its place; skipped when `/usr/bin/time`
is missing). On a machine shared with other work, wall-clock figures move with the load; CPU
seconds move much less, so both are printed (and the load average).
"""

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
# Executors run Python too and need this interpreter's pyarrow (ci.sh exports the same).
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

import newslens_spark as ns  # noqa: E402

_TCK = os.sysconf("SC_CLK_TCK")


def _procs():
    """pid -> (ppid, comm, cpu seconds incl. reaped children) for every process."""
    out = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat", encoding="utf-8", errors="replace") as fh:
                st = fh.read()
        except OSError:
            continue
        comm = st[st.index("(") + 1:st.rindex(")")]
        rest = st[st.rindex(")") + 2:].split()
        out[int(p)] = (int(rest[1]), comm, sum(int(x) for x in rest[11:15]) / _TCK)
    return out


def tree_cpu(root: int) -> dict:
    """CPU seconds of ``root`` and its live descendants (each with its reaped children)."""
    procs = _procs()
    kids: dict = {}
    for pid, (ppid, _, _) in procs.items():
        kids.setdefault(ppid, []).append(pid)
    by_comm: dict = {}
    stack = [root]
    while stack:
        pid = stack.pop()
        if pid not in procs:
            continue
        _, comm, cpu = procs[pid]
        kind = "jvm" if comm == "java" else "python+binary"
        by_comm[kind] = by_comm.get(kind, 0.0) + cpu
        stack.extend(kids.get(pid, []))
    return by_comm


def plain(binary, corpus, cores, fmt="jsonl"):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    with open(os.devnull, "wb") as null:
        subprocess.run([binary, "analyze", "--format", fmt, "--no-tokens", "--threads",
                        str(cores), corpus], stdout=null, check=True)
    wall = time.time() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def binary_cpu(log):
    """Sum of the `%U %S` lines /usr/bin/time appended to ``log``."""
    total = 0.0
    try:
        with open(log, encoding="utf-8") as fh:
            for line in fh:
                parts = line.split()
                if len(parts) == 2:
                    total += float(parts[0]) + float(parts[1])
    except OSError:
        pass
    return total


def real_corpus(inputs, out, cap):
    """Writes the articles under ``inputs`` as JSON Lines to ``out``; returns how many."""
    files = []
    for p in inputs:
        if os.path.isdir(p):
            for root, _, names in os.walk(p):
                files.extend(os.path.join(root, f) for f in names)
        else:
            files.append(p)
    n = 0
    with open(out, "w", encoding="utf-8") as fh:
        for path in sorted(files):
            if cap is not None and n >= cap:
                break
            with open(path, encoding="utf-8", errors="replace") as src:
                if path.endswith((".jsonl", ".ndjson")):
                    lines = [line for line in src if line.strip()]
                else:
                    text = src.read()
                    if not text.strip():
                        continue
                    lines = [json.dumps({"id": os.path.basename(path), "text": text},
                                        ensure_ascii=False) + "\n"]
            for line in lines:
                if cap is not None and n >= cap:
                    break
                fh.write(line if line.endswith("\n") else line + "\n")
                n += 1
    if n == 0:
        sys.exit(f"no articles under {inputs}")
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--articles", type=int, default=3000)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--work")
    ap.add_argument("--task-cpus", type=int, default=1,
                    help="spark.task.cpus: cores per task, and analysis threads per binary")
    ap.add_argument("--input", nargs="+",
                    help="real articles (text files, directories of them, or JSON Lines)")
    args = ap.parse_args()
    binary = os.path.abspath(args.bin)
    cores = int(re.search(r"\[(\d+)\]", args.master).group(1)) if "[" in args.master else 2
    work = args.work or tempfile.mkdtemp(prefix="newslens-bench-")
    os.makedirs(work, exist_ok=True)
    corpus = os.path.join(work, "bench.jsonl")
    if args.input:
        n = real_corpus(args.input, corpus, args.articles if "--articles" in sys.argv else None)
    else:
        subprocess.run([sys.executable, os.path.join(HERE, "gen_corpus.py"), corpus,
                        "--articles", str(args.articles), "--bad", "0", "--seed", "99"],
                       check=True)
        n = args.articles
    load = [os.getloadavg()[0]]

    # The binary the executors run: the real one, under /usr/bin/time when there is one.
    timer = os.path.exists("/usr/bin/time")
    timelog = os.path.join(work, "binary-cpu.log")
    shipped = binary
    if timer:
        os.makedirs(os.path.join(work, "wrap"), exist_ok=True)
        shipped = os.path.join(work, "wrap", os.path.basename(binary))
        with open(shipped, "w", encoding="utf-8") as fh:
            fh.write(f'#!/bin/sh\nexec /usr/bin/time -a -o "{timelog}" -f "%U %S" '
                     f'"{binary}" "$@"\n')
        os.chmod(shipped, 0o755)

    plain(binary, corpus, cores)  # warm-up: binary and corpus in the page cache
    p1 = plain(binary, corpus, cores)
    rows = plain(binary, corpus, cores, fmt="rows")

    from pyspark.sql import SparkSession

    t1 = time.time()
    spark = (SparkSession.builder.master(args.master).appName("newslens-bench")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.task.cpus", str(args.task_cpus)).getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    jvm = spark.sparkContext._gateway.proc.pid
    runs = []
    try:
        for k in range(2):
            if os.path.exists(timelog):
                os.remove(timelog)
            c0 = tree_cpu(jvm)
            res = ns.run(spark, [corpus], os.path.join(work, f"out{k}"), shipped,
                         threads=args.task_cpus)
            c1 = tree_cpu(jvm)
            if res["tables"]["documents"] != n:
                sys.exit(f"Spark stored {res['tables']['documents']} documents for {n} articles")
            cpu = {key: c1.get(key, 0.0) - c0.get(key, 0.0) for key in c1}
            b = binary_cpu(timelog) if timer else None
            runs.append({
                "seconds": res["seconds"], "articles_per_s": round(n / res["seconds"], 1),
                "seconds_analyse": res["seconds_analyse"],
                "seconds_write": res["seconds_write"],
                "cpu_s": round(sum(cpu.values()), 2),
                "cpu_s_jvm": round(cpu.get("jvm", 0.0), 2),
                "cpu_s_binary": None if b is None else round(b, 2),
                "cpu_s_python": None if b is None else round(cpu.get("python+binary", 0) - b, 2),
            })
            if k == 0:
                startup_wall = time.time() - t1
    finally:
        spark.stop()
    p2 = plain(binary, corpus, cores)
    load.append(os.getloadavg()[0])
    best = min(p1[0], p2[0])
    cold, warm = runs
    out = {
        "articles": n,
        "master": args.master,
        "task_cpus": args.task_cpus,
        "load_average_1m": [round(x, 2) for x in load],
        "plain_seconds": [round(p1[0], 2), round(p2[0], 2)],
        "plain_articles_per_s": round(n / best, 1),
        "plain_cpu_s": round(min(p1[1], p2[1]), 2),
        "plain_cpu_s_per_article": round(min(p1[1], p2[1]) / n, 5),
        "plain_rows_format_seconds": round(rows[0], 2),
        "plain_rows_format_cpu_s": round(rows[1], 2),
        "spark_cold": cold,
        "spark_cold_with_session_start_seconds": round(startup_wall, 2),
        "spark_warm": warm,
        "spark_vs_plain": round(best / warm["seconds"], 3),
        "spark_cold_vs_plain": round(best / cold["seconds"], 3),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
