"""Benchmarks, reported as ratios against baselines measured in the same run.

Machines here are shared and noisy, so absolute times mean little; what to compare between
runs is the ratio of a measurement to a baseline measured alongside it.

    python bench/run.py [--repeat N] [--json] [--batch-cases N] [--max-n N] [--quick]

Reports, each against its goal:
- start-up: `casus evaluate` end to end against `python -c "import lark, pydantic"`;
- in process: the median evaluation of the bundled cases, and small generated cases per second;
- scaling: synthetic cases of N armed attacks (bench/synthetic.py), time and peak memory, and
  the exponent of time in N; the same core derivation in clingo (bench/core.lp), if installed,
  with the counts of conclusions checked equal;
- batch: generated cases per second on 1 worker and on all cores against in process;
- explore: assignments per second, and 2,048 assignments of 11 open votes;
- prove: generated examples per second.

`bench/before.json` holds the same figures measured on the engine before the performance work;
they are printed alongside (`--save-before` writes that file from this run).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import asp  # noqa: E402
from bench.synthetic import synthetic_case, synthetic_text  # noqa: E402
from engine import evaluate, load_case, load_case_text, load_rules  # noqa: E402
from engine.limits import MAX_LIST_ENTRIES  # noqa: E402

BEFORE = Path(__file__).resolve().parent / "before.json"
OPEN_CASE = ROOT / "cases" / "hypothetical_council_vote_open.yaml"
COUNCIL = ["USA", "GBR", "FRA", "DNK", "GRC", "PAK", "PAN", "SOM", "BHR", "COL", "COD"]


def timed(fn, repeat: int) -> float:
    """Median wall time of `repeat` runs, after one warm-up."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def once(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bundled(rules) -> list:
    out = []
    for f in sorted((ROOT / "cases").glob("*.yaml")):
        try:
            out.append(load_case(f, rules))
        except Exception:  # noqa: BLE001 - a case being edited: leave it out
            continue
    return out


SMALL_STATES = 6  # states of a small generated case


def small_texts(n: int, incidents: int = 3) -> list[str]:
    """`n` small generated cases (3 armed attacks among 6 states each), as case-file text."""
    return [synthetic_text(incidents, seed=i, states=SMALL_STATES) for i in range(n)]


# ----------------------------------------------------------------- sections


def startup(repeat: int) -> dict:
    env = dict(os.environ)
    base = timed(lambda: subprocess.run([sys.executable, "-c", "import lark, pydantic"], check=True), repeat)
    cmd = [sys.executable, "-m", "engine.cli", "evaluate", "cases/estonia_2026.yaml", "--format", "json"]
    cli = timed(lambda: subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT, env=env), repeat)
    return {"import_lark_pydantic_s": base, "cli_evaluate_s": cli, "ratio": cli / base}


def in_process(rules, repeat: int, n_small: int) -> dict:
    cases = bundled(rules)
    evals, renders = [], []
    for case in cases:
        evals.append(timed(lambda: evaluate(rules, case), repeat))
        result = evaluate(rules, case)
        renders.append(timed(result.to_json, repeat))
    texts = small_texts(n_small)
    loaded = [load_case_text(t, f"small_{i}.yaml", extra_states=rules.extra_states) for i, t in enumerate(texts)]
    for case in loaded[:20]:
        evaluate(rules, case)
    seconds = once(lambda: [evaluate(rules, c) for c in loaded])
    return {"cases": len(cases), "median_evaluate_ms": statistics.median(evals) * 1000,
            "median_to_json_ms": statistics.median(renders) * 1000, "small_cases_per_s": n_small / seconds}


def scaling(rules, sizes: list[int]) -> dict:
    rows = []
    warm = load_case_text(synthetic_text(10), "warm.yaml", extra_states=rules.extra_states)
    evaluate(rules, warm)
    for n in sizes:
        case = load_case_text(synthetic_text(n), f"synthetic_{n}.yaml", extra_states=rules.extra_states)
        gc.collect()
        seconds = min(once(lambda: evaluate(rules, case)) for _ in range(2 if n <= 1000 else 1))
        tracemalloc.start()
        result = evaluate(rules, case)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        rows.append({"n": n, "seconds": seconds, "peak_mb": peak / 2**20, "conclusions": len(result.conclusions)})
    out = {"rows": rows}
    lo = next((r for r in rows if r["n"] == 100), rows[0])
    hi = rows[-1]
    if hi["n"] > lo["n"]:
        out["time_exponent"] = math.log(hi["seconds"] / lo["seconds"]) / math.log(hi["n"] / lo["n"])
        out["memory_exponent"] = math.log(hi["peak_mb"] / lo["peak_mb"]) / math.log(hi["n"] / lo["n"])
        out["exponent_range"] = [lo["n"], hi["n"]]
    return out


def clingo(rules, sizes=(10, 300)) -> dict:
    if not asp.available():
        return {"skipped": "clingo is not installed (pip install clingo, or the 'bench' extra)"}
    from collections import Counter

    rows = []
    for n in sizes:
        data = synthetic_case(n)
        case = load_case_text(synthetic_text(n), f"synthetic_{n}.yaml", extra_states=rules.extra_states)
        ours = timed(lambda: evaluate(rules, case), 3)
        counts = Counter(c.rule for c in evaluate(rules, case).conclusions)
        asp.solve(data, rules)
        theirs = statistics.median(asp.solve(data, rules)[0] for _ in range(3))
        _, expected = asp.solve(data, rules)
        mine = {rule: counts.get(rule, 0) for rule in expected}
        if mine != expected:
            raise SystemExit(f"the engine and clingo disagree at N = {n}: {mine} != {expected}")
        rows.append({"n": n, "casus_s": ours, "clingo_s": theirs, "ratio": ours / theirs, "counts": expected})
    return {"rows": rows}


def batch(rules, n_cases: int) -> dict:
    import logging

    from distributed import LocalCluster

    from engine.tools.batch import evaluate_text, run_batch, Task

    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="casus-bench-") as tmp:
        root = Path(tmp)
        src = root / "cases.jsonl"
        with open(src, "w", encoding="utf-8") as handle:
            for i in range(n_cases):
                data = synthetic_case(3, seed=i % 500, states=SMALL_STATES)
                data["case"] = f"generated_{i}"
                handle.write(json.dumps(data) + "\n")
        tasks = [Task(f"{src}:{i + 1}", str(src), line.strip(), i + 1)
                 for i, line in enumerate(src.read_text(encoding="utf-8").splitlines())]
        evaluate_text(tasks[0])
        start = time.perf_counter()
        for task in tasks:  # what a worker does per case, one after another in this process
            json.dumps(evaluate_text(task), ensure_ascii=False)
        base = n_cases / (time.perf_counter() - start)
        rates = {}
        for workers in sorted({1, cores}):
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                              dashboard_address=None, silence_logs=logging.ERROR) as cluster:
                start = time.perf_counter()
                summary = run_batch(src, scheduler=cluster.scheduler_address, output=root / "out.jsonl")
                rates[workers] = n_cases / (time.perf_counter() - start)
                assert summary.ok == n_cases, summary
    return {"cases": n_cases, "cores": cores, "in_process_per_s": base, "one_worker_per_s": rates[1],
            "all_cores_per_s": rates[cores], "one_worker_ratio": rates[1] / base,
            "all_cores_ratio": rates[cores] / base}


def explore(rules, big: bool) -> dict:
    from engine.tools.explore import explore as run_explore

    case = load_case(OPEN_CASE, rules)
    found = run_explore(rules, case)
    seconds = once(lambda: run_explore(rules, case))
    out = {"assignments": found.evaluated, "per_s": found.evaluated / seconds}
    if big:
        text = OPEN_CASE.read_text(encoding="utf-8")
        text = text[:text.index("unknown:")] + "unknown:\n" + "".join(
            f"  - {{path: 'decisions[draft].votes.{m}', values: [yes, no]}}\n" for m in COUNCIL)
        votes = load_case_text(text, "open_votes.yaml", extra_states=rules.extra_states)
        start = time.perf_counter()
        found = run_explore(rules, votes)
        out["votes_11_assignments"] = found.evaluated
        out["votes_11_seconds"] = time.perf_counter() - start
    return out


def prove(rules, examples: int) -> dict:
    from engine.tools.testing import prove as search

    seconds = once(lambda: search(rules, examples=examples, seed=0))
    return {"examples": examples, "per_s": examples / seconds}


# ------------------------------------------------------------------- report


def show(now: dict, before: dict | None) -> None:
    def get(d, *keys):
        for k in keys:
            if not isinstance(d, dict) or k not in d:
                return None
            d = d[k]
        return d

    def line(label, keys, fmt, goal=""):
        value = get(now, *keys)
        if value is None:
            return
        was = get(before, *keys) if before else None
        was_s = fmt.format(was) if isinstance(was, (int, float)) else (was if isinstance(was, str) else "-")
        print(f"  {label:<46} {was_s:>12}  {fmt.format(value):>12}   {goal}")

    print(f"  {'':<46} {'before':>12}  {'now':>12}   goal")
    print("start-up (ratio to python -c 'import lark, pydantic')")
    line("casus evaluate estonia_2026 (CLI)", ["startup", "ratio"], "{:.2f}x", "<= 2x")
    print("in process")
    line("median evaluation, bundled cases", ["in_process", "median_evaluate_ms"], "{:.2f} ms", "<= 2 ms")
    line("median JSON rendering, bundled cases", ["in_process", "median_to_json_ms"], "{:.2f} ms")
    line("small generated cases (3 attacks, 6 states)", ["in_process", "small_cases_per_s"], "{:.0f}/s", ">= 500/s")
    print("scaling: synthetic armed attacks among NATO and EU states")
    for row in get(now, "scaling", "rows") or []:
        n = row["n"]
        was = next((r for r in get(before, "scaling", "rows") or [] if r["n"] == n), None)
        was_s = f"{was['seconds']:.3f} s" if was else "-"
        print(f"  {'N = ' + str(n) + ' (' + str(row['conclusions']) + ' conclusions)':<46} {was_s:>12}  "
              f"{row['seconds']:>10.3f} s   peak {row['peak_mb']:.1f} MB")
    rng = get(now, "scaling", "exponent_range")
    if rng:
        line(f"time exponent, N = {rng[0]} to {rng[1]}", ["scaling", "time_exponent"], "{:.2f}", "<= 1.1")
        line(f"memory exponent, N = {rng[0]} to {rng[1]}", ["scaling", "memory_exponent"], "{:.2f}", "<= 1")
    if get(now, "clingo", "skipped"):
        print(f"  clingo comparison skipped: {now['clingo']['skipped']}")
    for row in get(now, "clingo", "rows") or []:
        was = next((r for r in get(before, "clingo", "rows") or [] if r["n"] == row["n"]), None)
        was_s = f"{was['ratio']:.1f}x" if was else "-"
        print(f"  {'casus / clingo, N = ' + str(row['n']) + ' (counts equal)':<46} {was_s:>12}  "
              f"{row['ratio']:>11.1f}x   <= 3x")
    if get(now, "batch"):
        print(f"batch: {now['batch']['cases']} generated cases, {now['batch']['cores']} cores "
              f"(ratio to in process, {now['batch']['in_process_per_s']:.0f}/s)")
        line("1 worker", ["batch", "one_worker_ratio"], "{:.2f}x", ">= 0.9x")
        line("all cores", ["batch", "all_cores_ratio"], "{:.2f}x", ">= 1.7x on 2 cores")
    print("explore")
    line(f"{OPEN_CASE.name}", ["explore", "per_s"], "{:.0f}/s", ">= 1000/s")
    line("2,048 assignments (11 open yes/no votes)", ["explore", "votes_11_seconds"], "{:.1f} s", "seconds")
    print("prove")
    line("standard library, examples", ["prove", "per_s"], "{:.0f}/s", ">= 300/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--batch-cases", type=int, default=10000, help="generated cases for batch; 0 skips it")
    parser.add_argument("--max-n", type=int, default=10000, help="the largest synthetic case")
    parser.add_argument("--small-cases", type=int, default=500)
    parser.add_argument("--examples", type=int, default=300, help="examples for prove")
    parser.add_argument("--quick", action="store_true", help="small sizes: a check that the benchmark runs")
    parser.add_argument("--no-big-explore", action="store_true", help="skip the 2,048 assignments")
    parser.add_argument("--save-before", action="store_true", help="write the figures to bench/before.json")
    args = parser.parse_args()
    if args.quick:
        args.repeat, args.batch_cases, args.max_n, args.small_cases, args.examples = 1, 0, 300, 50, 30

    rules = load_rules()
    # a case file holds at most MAX_LIST_ENTRIES incidents (E306): larger synthetic cases are not valid input
    sizes = [n for n in (10, 100, 300, MAX_LIST_ENTRIES, 1000, 3000, 10000) if n <= min(args.max_n, MAX_LIST_ENTRIES)]
    if args.max_n > MAX_LIST_ENTRIES:
        print(f"scaling: N is capped at {MAX_LIST_ENTRIES}, the most entries a list of a case file may hold",
              file=sys.stderr)
    now = {"startup": startup(args.repeat), "in_process": in_process(rules, args.repeat, args.small_cases),
           "scaling": scaling(rules, sizes), "clingo": clingo(rules),
           "batch": batch(rules, args.batch_cases) if args.batch_cases > 0 else None,
           "explore": explore(rules, big=not (args.quick or args.no_big_explore)), "prove": prove(rules, args.examples)}
    if args.save_before:
        BEFORE.write_text(json.dumps(now, indent=1) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(now, indent=2))
        return
    before = json.loads(BEFORE.read_text(encoding="utf-8")) if BEFORE.exists() else None
    show(now, before)


if __name__ == "__main__":
    main()
