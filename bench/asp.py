"""The synthetic benchmark's core derivation in clingo (bench/core.lp), for comparison.

clingo is optional (`pip install clingo`, or the `bench` extra); without it the
comparison is skipped and says so.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

CORE = Path(__file__).resolve().parent / "core.lp"
FOREVER = dt.date.max.toordinal()
# the rules of the core derivation, as the engine names them
RULES = {"prohibition_of_force": "un_charter.prohibition_of_force",
         "individual_self_defence": "un_charter.individual_self_defence",
         "collective_defence": "nato.collective_defence",
         "mutual_assistance": "eu.mutual_assistance"}


def available() -> bool:
    try:
        import clingo  # noqa: F401
    except ImportError:
        return False
    return True


def facts(data: dict, rules) -> str:
    """The case data (as bench/synthetic.py makes it) and the membership data as ASP facts."""
    out = []
    as_of = dt.date.fromisoformat(str(data["as_of"]))
    out.append(f"asof({as_of.toordinal()}).")
    for s in data["states"]:
        out.append(f"state({s.lower()}).")
    for x in data["incidents"]:
        day = dt.date.fromisoformat(str(x["date"])).toordinal()
        out.append(f"incident({x['id']},{x['kind']},{x['author'].lower()},{x['victim'].lower()},"
                   f"{x['location'].lower()},{day},{x['scale']},state).")
    for org in ("un", "nato", "eu"):
        for t in rules.tenures.get(org, ()):
            start = t.start.toordinal() if t.start else 0
            end = t.end.toordinal() if t.end else FOREVER
            out.append(f"tenure({t.state.lower()},{org},{start},{end}).")
    regimes = rules.plan.checked.regimes
    for name in ("un_charter", "nato", "eu"):
        r = regimes[name]
        if r.in_force is None or r.in_force.covers(as_of):
            out.append(f"in_force({name}).")
    return "\n".join(out)


def solve(data: dict, rules) -> tuple[float, dict[str, int]]:
    """Seconds to ground and solve (facts included), and the count of conclusions per engine rule."""
    import clingo

    program = CORE.read_text(encoding="utf-8")
    start = time.perf_counter()
    text = facts(data, rules)
    ctl = clingo.Control(["--warn=none"])
    ctl.add("base", [], program + "\n" + text)
    ctl.ground([("base", [])])
    counts = {name: 0 for name in RULES.values()}
    with ctl.solve(yield_=True) as handle:
        for model in handle:
            for sym in model.symbols(shown=True):
                counts[RULES[sym.arguments[3].name]] += 1
            break
    return time.perf_counter() - start, counts
