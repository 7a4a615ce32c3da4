#!/usr/bin/env python3
"""Throughput of the Spark driver in local[N] against the plain binary on the same input.

usage: bench.py --bin NEWSLENS [--articles 4000] [--master local[2]] [--work DIR]

Prints one JSON object: articles/s of `newslens analyze --format jsonl --no-tokens --threads N`
(output to /dev/null) and of the Spark job (input read, analysis, six Parquet tables written),
timed both without and with the Spark session start-up, plus per-article CPU seconds of the
binary (user + sys of the child process), the input of the cost model in docs/scale-out.md.
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

import newslens_spark as ns  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--articles", type=int, default=4000)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--work")
    args = ap.parse_args()
    cores = int(re.search(r"\[(\d+)\]", args.master).group(1)) if "[" in args.master else 2
    work = args.work or tempfile.mkdtemp(prefix="newslens-bench-")
    os.makedirs(work, exist_ok=True)
    corpus = os.path.join(work, "bench.jsonl")
    subprocess.run([sys.executable, os.path.join(HERE, "gen_corpus.py"), corpus,
                    "--articles", str(args.articles), "--bad", "0", "--seed", "99"], check=True)

    # Plain binary, same cores.
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    with open(os.devnull, "wb") as null:
        subprocess.run([args.bin, "analyze", "--format", "jsonl", "--no-tokens", "--threads",
                        str(cores), corpus], stdout=null, check=True)
    plain = time.time() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    from pyspark.sql import SparkSession

    t1 = time.time()
    spark = (SparkSession.builder.master(args.master).appName("newslens-bench")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    try:
        res = ns.run(spark, [corpus], os.path.join(work, "out"), args.bin,
                     partitions=2 * cores)
    finally:
        spark.stop()
    wall = time.time() - t1
    n = res["tables"]["documents"]
    if n != args.articles:
        sys.exit(f"Spark stored {n} documents for {args.articles} articles")
    out = {
        "articles": args.articles,
        "master": args.master,
        "plain_seconds": round(plain, 2),
        "plain_articles_per_s": round(args.articles / plain, 1),
        "plain_cpu_s_per_article": round(cpu / args.articles, 5),
        "spark_job_seconds": res["seconds"],
        "spark_articles_per_s": round(args.articles / res["seconds"], 1),
        "spark_with_startup_seconds": round(wall, 2),
        "spark_with_startup_articles_per_s": round(args.articles / wall, 1),
        "spark_vs_plain": round(plain / res["seconds"], 3),
        "spark_with_startup_vs_plain": round(plain / wall, 3),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
