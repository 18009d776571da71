"""Benchmarks, reported as ratios against a baseline measured in the same run.

Machines here are shared and noisy, so absolute times mean little; the ratio
of a measurement to `python -c pass` (a process start, measured alongside)
is what to compare between runs.

    python bench/run.py [--repeat N] [--json] [--batch-cases N]

Reports: per-case evaluation in process and the CLI end to end (against `python -c pass`),
batch throughput on 1 worker and on all cores (against evaluating the same cases in process),
and the enumeration rate of `explore` (against evaluating the case once).

Batch throughput (cases/s on a Dask LocalCluster of 1 worker and of all cores) is reported
against evaluating the same cases one after another in this process.
"""

from __future__ import annotations

import argparse
import json
import statistics
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import evaluate, load_case, load_rules  # noqa: E402


def batch_throughput(n_cases: int) -> dict:
    """Cases/s in process (the baseline) and on local clusters of 1 and of all cores."""
    import logging

    from distributed import LocalCluster

    from engine import load_case_text
    from engine.tools.batch import run_batch

    rules = load_rules()
    corpus = []
    for f in sorted((ROOT / "cases").glob("*.yaml")):
        try:
            load_case(f, rules)
        except Exception:  # noqa: BLE001 - a case being edited: leave it out
            continue
        corpus.append(f)
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="casus-bench-") as tmp:
        root = Path(tmp)
        inputs, warm = root / "cases", root / "warm"
        inputs.mkdir()
        warm.mkdir()
        texts = []
        for i in range(n_cases):
            src = corpus[i % len(corpus)]
            texts.append((f"{i:06d}_{src.name}", src.read_text(encoding="utf-8")))
            (inputs / texts[-1][0]).write_text(texts[-1][1], encoding="utf-8")
        for src in corpus[:cores]:
            (warm / src.name).write_text(src.read_text(encoding="utf-8"), encoding="utf-8")

        start = time.perf_counter()
        for name, text in texts:  # the same work a worker does per case
            evaluate(rules, load_case_text(text, name, extra_states=rules.extra_states)).to_json()
        in_process = n_cases / (time.perf_counter() - start)

        rates = {}
        for workers in sorted({1, cores}):
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                              dashboard_address=None, silence_logs=logging.ERROR) as cluster:
                run_batch(warm, scheduler=cluster.scheduler_address, output=root / "warm.jsonl")  # rules loaded
                start = time.perf_counter()
                summary = run_batch(inputs, scheduler=cluster.scheduler_address, output=root / "out.jsonl")
                rates[workers] = n_cases / (time.perf_counter() - start)
                assert summary.ok == n_cases, summary
    return {"cases": n_cases, "distinct_cases": len(corpus), "cores": cores, "in_process": in_process,
            "one_worker": rates[1], "all_cores": rates[cores], "per_core": rates[cores] / cores,
            "speed_up": rates[cores] / rates[1]}


def explore_rate(rules, repeat: int) -> dict:
    """Assignments of open facts evaluated per second, against plain evaluations of the same case."""
    from engine.tools.scenarios import explore

    case_file = ROOT / "cases" / "hypothetical_council_vote_open.yaml"
    case = load_case(case_file, rules)
    found = explore(rules, case)
    seconds = timed(lambda: explore(rules, case), max(1, repeat // 2))
    once = timed(lambda: evaluate(rules, case), repeat)
    return {"case": case_file.stem, "assignments": found.evaluated, "rate": found.evaluated / seconds,
            "baseline_rate": 1 / once}


def timed(fn, repeat: int) -> float:
    """Median wall time of `repeat` runs, after one warm-up."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--batch-cases", type=int, default=200,
                        help="cases per batch-throughput run (copies of the bundled cases); 0 skips it")
    args = parser.parse_args()

    cases = sorted((ROOT / "cases").glob("*.yaml"))
    casus = [sys.executable, "-m", "engine.cli"]
    baseline = timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), args.repeat)

    rows = []
    rules = load_rules()
    rows.append(("load standard rules (in process)", timed(load_rules, args.repeat)))
    for case_file in cases:
        case = load_case(case_file, rules)
        rows.append((f"evaluate {case_file.stem} (in process)", timed(lambda: evaluate(rules, case), args.repeat)))
    for case_file in cases[:2]:
        cmd = [*casus, "evaluate", str(case_file), "--format", "json"]
        rows.append((f"casus evaluate {case_file.stem} (CLI, end to end)",
                     timed(lambda: subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT), args.repeat)))

    batch = batch_throughput(args.batch_cases) if args.batch_cases > 0 else None
    enumeration = explore_rate(rules, args.repeat)

    if args.json:
        print(json.dumps({"baseline_seconds": baseline,
                          "results": [{"name": n, "seconds": t, "ratio": t / baseline} for n, t in rows],
                          "batch": batch, "explore": enumeration}, indent=2))
        return
    print(f"baseline: python -c pass = {baseline * 1000:.1f} ms (median of {args.repeat})")
    width = max(len(n) for n, _ in rows)
    for name, t in rows:
        print(f"{name:<{width}}  {t * 1000:9.1f} ms  {t / baseline:7.2f} x baseline")
    if batch:
        base = batch["in_process"]
        print(f"\nbatch throughput, {batch['cases']} cases ({batch['distinct_cases']} distinct); "
              f"baseline: one after another in process = {base:.1f} cases/s")
        cores = batch["cores"]
        for label, rate in (("in process (baseline)", base), ("casus batch, 1 worker", batch["one_worker"]),
                            (f"casus batch, {cores} workers", batch["all_cores"]),
                            (f"casus batch, {cores} workers, per core", batch["per_core"])):
            print(f"{label:<{width}}  {rate:9.1f} /s  {rate / base:7.2f} x baseline")
        print(f"{'speed-up 1 -> ' + str(cores) + ' workers':<{width}}  {batch['speed_up']:9.2f} x")
    e = enumeration
    print(f"\nexplore {e['case']}: {e['assignments']} assignments, {e['rate']:.1f} assignments/s; "
          f"baseline: evaluating the case once = {e['baseline_rate']:.1f} /s")
    print(f"{'explore enumeration rate':<{width}}  {e['rate']:9.1f} /s  {e['rate'] / e['baseline_rate']:7.2f} x baseline")


if __name__ == "__main__":
    main()
