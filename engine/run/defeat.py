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
    """Overriding and regime priority as attacks; grounded semantics decides; the rest conflicts.

    Conclusions are keyed by id throughout (one dict and a few sets), so that settling is
    linear in the conclusions and the attacks between them, never a scan of a list per test.
    """
    checked = db.plan.checked
    live = [c for c in conclusions if c.status == Status.IN_FORCE]
    ids = {id(c): c.id for c in live}  # Conclusion.id renders text: once per conclusion
    by_act: dict[tuple, list[Conclusion]] = {}
    for c in live:
        by_act.setdefault(c.act, []).append(c)
    overrides = {r.rule.qualname: set(r.overrides) for r in db.plan.rules}
    attacks: dict[str, list[tuple[Conclusion, str]]] = {ids[id(c)]: [] for c in live}
    attacked_by: dict[str, set[str]] = {}  # conclusion -> its attackers
    attacking: dict[str, set[str]] = {}  # conclusion -> those it attacks
    prevails: dict[tuple, bool] = {}
    for group in by_act.values():
        index = _Group(group)
        for a in group:
            over = overrides.get(a.rule, ())
            # only conclusions of an overridden rule or of an incompatible modality can be attacked:
            # look those up instead of pairing every two conclusions of the act
            for b in index.candidates(a, over):
                if b.rule in over:
                    reason = "override"
                elif incompatible(a, b):
                    pair = (a.regime, b.regime, a.modality)
                    if pair not in prevails:
                        prevails[pair] = _prevails(checked, a, b)
                    if not prevails[pair]:
                        continue
                    reason = "priority"
                else:
                    continue
                attacks[ids[id(b)]].append((a, reason))
                attacked_by.setdefault(ids[id(b)], set()).add(ids[id(a)])
                attacking.setdefault(ids[id(a)], set()).add(ids[id(b)])
    status = _grounded(live, ids, attacks)
    for c in live:
        cid = ids[id(c)]
        for a, reason in attacks[cid]:
            aid = ids[id(a)]
            if status.get(aid) == "in":
                c.defeated_by.append(Defeat(aid, a.text(), a.rule, a.citation, reason))
                a.defeats.append(Defeat(cid, c.text(), c.rule, c.citation, reason))
        if status.get(cid) == "out":
            c.status = Status.DEFEATED
    conflicting: dict[int, set[str]] = {}
    for group in by_act.values():
        group = [c for c in group if status.get(ids[id(c)]) != "out"]
        if len(group) < 2:
            continue
        index = _Group(group)
        position = {ids[id(c)]: id(c) for c in group}
        for a in group:
            aid = ids[id(a)]
            targets = {position[t] for t in attacking.get(aid, ()) if t in position}
            for b in index.candidates(a, (), targets):
                bid = ids[id(b)]
                if incompatible(a, b) or (status.get(aid) is None and status.get(bid) is None
                                          and aid in attacked_by.get(bid, ())):
                    a.status = Status.IN_CONFLICT
                    known = conflicting.get(id(a))
                    if known is None:
                        known = conflicting[id(a)] = {d.by for d in a.conflicts_with}
                    if bid not in known:
                        known.add(bid)
                        a.conflicts_with.append(Defeat(bid, b.text(), b.rule, b.citation, "conflict"))
    for c in live:
        if c.status == Status.IN_FORCE and status.get(ids[id(c)]) is None:
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


def _grounded(live: list[Conclusion], ids: dict[int, str], attacks: dict) -> dict[str, str]:
    """The grounded labelling ("in", "out", or undecided: absent), by propagation from the unattacked.

    A conclusion is in once every attacker is out, out once some attacker is in; each
    conclusion is visited again only when one of its attackers is decided.
    """
    status: dict[str, str] = {}
    attackers: dict[str, list[str]] = {ids[id(c)]: [ids[id(a)] for a, _ in attacks[ids[id(c)]]] for c in live}
    targets: dict[str, list[str]] = {}
    for cid, xs in attackers.items():
        for x in xs:
            targets.setdefault(x, []).append(cid)
    waiting = {cid: len(set(xs)) for cid, xs in attackers.items()}  # attackers not yet out
    queue = [cid for cid, n in waiting.items() if n == 0]
    for cid in queue:
        status[cid] = "in"
    i = 0
    while i < len(queue):
        cid = queue[i]
        i += 1
        label = status[cid]
        for t in dict.fromkeys(targets.get(cid, ())):
            if t in status:
                continue
            if label == "in":
                status[t] = "out"
                queue.append(t)
            else:
                waiting[t] -= 1
                if waiting[t] == 0:
                    status[t] = "in"
                    queue.append(t)
    return status


def _prevails(checked, a: Conclusion, b: Conclusion) -> bool:
    if a.regime == b.regime:
        return False
    for p in checked.priorities:
        if p.regime == a.regime and (p.over is None or b.regime in p.over) and (
                not p.modalities or a.modality in p.modalities):
            return True
    return False
