"""Defeat: overriding and regime priority as attacks between conclusions about the same act.

Grounded semantics decides which stand; incompatible conclusions that nothing
settles are reported as a conflict, with both proofs, never silently resolved.
"""

from __future__ import annotations

from engine.run.database import Database
from engine.run.results import Conclusion, Defeat, Status


_INCOMPATIBLE = {frozenset({"obliged", "forbidden"}), frozenset({"permitted", "forbidden"})}


def incompatible(a: Conclusion, b: Conclusion) -> bool:
    return a.act == b.act and frozenset({a.modality, b.modality}) in _INCOMPATIBLE


def settle(db: Database, conclusions: list[Conclusion]) -> None:
    """Overriding and regime priority as attacks; grounded semantics decides; the rest conflicts."""
    checked = db.plan.checked
    live = [c for c in conclusions if c.status == Status.IN_FORCE]
    by_act: dict[tuple, list[Conclusion]] = {}
    for c in live:
        by_act.setdefault(c.act, []).append(c)
    overrides = {r.rule.qualname: set(r.overrides) for r in db.plan.rules}
    attacks: dict[str, list[tuple[Conclusion, str]]] = {c.id: [] for c in live}
    for group in by_act.values():
        for a in group:
            for b in group:
                if a is b:
                    continue
                if b.rule in overrides.get(a.rule, ()):
                    attacks[b.id].append((a, "override"))
                elif incompatible(a, b) and _prevails(checked, a, b):
                    attacks[b.id].append((a, "priority"))
    status: dict[str, str] = {}
    changed = True
    while changed:
        changed = False
        for c in live:
            if c.id in status:
                continue
            attackers = attacks[c.id]
            if any(status.get(a.id) == "in" for a, _ in attackers):
                status[c.id] = "out"
                changed = True
            elif all(status.get(a.id) == "out" for a, _ in attackers):
                status[c.id] = "in"
                changed = True
    for c in live:
        for a, reason in attacks[c.id]:
            if status.get(a.id) == "in":
                c.defeated_by.append(Defeat(a.id, a.text(), a.rule, a.citation, reason))
                a.defeats.append(Defeat(c.id, c.text(), c.rule, c.citation, reason))
        if status.get(c.id) == "out":
            c.status = Status.DEFEATED
    standing = [c for c in live if status.get(c.id) != "out"]
    for group in by_act.values():
        group = [c for c in group if c in standing]
        for a in group:
            for b in group:
                if a is not b and (incompatible(a, b) or (status.get(a.id) is None and status.get(b.id) is None
                                                          and any(x is a for x, _ in attacks[b.id]))):
                    a.status = Status.IN_CONFLICT
                    if all(d.by != b.id for d in a.conflicts_with):
                        a.conflicts_with.append(Defeat(b.id, b.text(), b.rule, b.citation, "conflict"))
    for c in conclusions:
        if c.status == Status.IN_FORCE and status.get(c.id) is None and c in live:
            c.status = Status.IN_CONFLICT


def _prevails(checked, a: Conclusion, b: Conclusion) -> bool:
    if a.regime == b.regime:
        return False
    for p in checked.priorities:
        if p.regime == a.regime and (p.over is None or b.regime in p.over) and (
                not p.modalities or a.modality in p.modalities):
            return True
    return False
