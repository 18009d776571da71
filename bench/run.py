"""Benchmarks, reported as ratios against a baseline measured in the same run.

Machines here are shared and noisy, so absolute times mean little; the ratio
of a measurement to `python -c pass` (a process start, measured alongside)
is what to compare between runs.

    python bench/run.py [--repeat N] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import evaluate, load_case, load_rules  # noqa: E402


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

    if args.json:
        print(json.dumps({"baseline_seconds": baseline,
                          "results": [{"name": n, "seconds": t, "ratio": t / baseline} for n, t in rows]}, indent=2))
        return
    print(f"baseline: python -c pass = {baseline * 1000:.1f} ms (median of {args.repeat})")
    width = max(len(n) for n, _ in rows)
    for name, t in rows:
        print(f"{name:<{width}}  {t * 1000:9.1f} ms  {t / baseline:7.2f} x baseline")


if __name__ == "__main__":
    main()
