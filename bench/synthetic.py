"""Synthetic cases for scaling benchmarks: N armed attacks among the states ever in NATO or the EU.

The same seed gives the same case. Incidents are dated over three decades, so
membership is read by date (a state may be attacked before it joined), and
every attack is large enough to be an armed attack under art. 51.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 3, 5)
FIRST = dt.date(1995, 1, 1)


def pool() -> list[str]:
    """Every state ever a member of NATO or the EU, sorted."""
    states = set()
    for f in (ROOT / "rules" / "nato" / "nato.org.yaml", ROOT / "rules" / "eu" / "eu.org.yaml"):
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
        states |= {m["state"] for m in data["members"]}
    return sorted(states)


def synthetic_case(n: int, seed: int = 0, states: int | None = None) -> dict:
    """A case of `n` armed attacks between random pairs of the pool (or of `states` states drawn
    from it), as case-file data."""
    rng = random.Random(seed)
    states = pool() if states is None else sorted(rng.sample(pool(), states))
    span = (AS_OF - FIRST).days - 5
    incidents = []
    for i in range(n):
        author, victim = rng.sample(states, 2)
        day = FIRST + dt.timedelta(days=rng.randrange(span))
        incidents.append({"id": f"attack_{i}", "kind": "armed_attack", "date": day.isoformat(),
                          "author": author, "victim": victim, "location": victim,
                          "scale": rng.choice(["significant", "large"])})
    return {"case": f"synthetic_{n}", "title": f"{n} synthetic armed attacks", "as_of": AS_OF.isoformat(),
            "states": states, "incidents": incidents}


def synthetic_text(n: int, seed: int = 0, states: int | None = None) -> str:
    return yaml.safe_dump(synthetic_case(n, seed, states), sort_keys=False)
