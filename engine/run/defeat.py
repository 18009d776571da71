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
        index = _Group(group)
        for a in group:
            # only conclusions of an overridden rule or of an incompatible modality can be attacked:
            # look those up instead of pairing every two conclusions of the act
            for b in index.candidates(a, overrides.get(a.rule, ())):
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
    standing = {id(c) for c in live if status.get(c.id) != "out"}  # by identity: comparing conclusions is slow
    conflicting: dict[int, set[str]] = {}
    for group in by_act.values():
        group = [c for c in group if id(c) in standing]
        index = _Group(group)
        attacked_by: dict[int, set[int]] = {}
        for b in group:
            for x, _ in attacks[b.id]:
                attacked_by.setdefault(id(x), set()).add(id(b))
        for a in group:
            targets = attacked_by.get(id(a), set())
            for b in index.candidates(a, (), targets):
                if a is not b and (incompatible(a, b) or (status.get(a.id) is None and status.get(b.id) is None
                                                          and id(b) in targets)):
                    a.status = Status.IN_CONFLICT
                    known = conflicting.get(id(a))
                    if known is None:
                        known = conflicting[id(a)] = {d.by for d in a.conflicts_with}
                    if b.id not in known:
                        known.add(b.id)
                        a.conflicts_with.append(Defeat(b.id, b.text(), b.rule, b.citation, "conflict"))
    live_ids = {id(c) for c in live}
    for c in conclusions:
        if c.status == Status.IN_FORCE and status.get(c.id) is None and id(c) in live_ids:
            c.status = Status.IN_CONFLICT


class _Group:
    """The conclusions of one act, indexed so that each conclusion finds the few it may attack or
    conflict with (an incompatible modality, an overridden rule) without pairing every two."""

    def __init__(self, group: list[Conclusion]):
        self.group = group
        self.by_modality: dict[str, list[int]] = {}
        self.by_rule: dict[str, list[int]] = {}
        self.position = {id(c): i for i, c in enumerate(group)}
        for i, c in enumerate(group):
            self.by_modality.setdefault(c.modality, []).append(i)
            self.by_rule.setdefault(c.rule, []).append(i)

    def candidates(self, a: Conclusion, rules=(), targets: set[int] = frozenset()) -> list[Conclusion]:
        """In the group's order: those of an incompatible modality, of one of `rules`, or in `targets`."""
        partners = {m for pair in _INCOMPATIBLE if a.modality in pair for m in pair} - {a.modality}
        found = {i for m in partners for i in self.by_modality.get(m, ())}
        found.update(i for r in rules for i in self.by_rule.get(r, ()))
        found.update(self.position[t] for t in targets if t in self.position)
        return [self.group[i] for i in sorted(found) if self.group[i] is not a]


def _prevails(checked, a: Conclusion, b: Conclusion) -> bool:
    if a.regime == b.regime:
        return False
    for p in checked.priorities:
        if p.regime == a.regime and (p.over is None or b.regime in p.over) and (
                not p.modalities or a.modality in p.modalities):
            return True
    return False
