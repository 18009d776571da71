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
    attacked_by: dict[str, set[str]] = {}
    prevails: dict[tuple, bool] = {}
    for group in by_act.values():
        if len(group) < 2:
            continue
        for a in group:
            over = overrides.get(a.rule, ())
            for b in group:
                if a is b:
                    continue
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
    for group in by_act.values():
        group = [c for c in group if status.get(ids[id(c)]) != "out"]
        if len(group) < 2:
            continue
        for a in group:
            aid = ids[id(a)]
            for b in group:
                if a is b:
                    continue
                bid = ids[id(b)]
                if incompatible(a, b) or (status.get(aid) is None and status.get(bid) is None
                                          and aid in attacked_by.get(bid, ())):
                    a.status = Status.IN_CONFLICT
                    if all(d.by != bid for d in a.conflicts_with):
                        a.conflicts_with.append(Defeat(bid, b.text(), b.rule, b.citation, "conflict"))
    for c in live:
        if c.status == Status.IN_FORCE and status.get(ids[id(c)]) is None:
            c.status = Status.IN_CONFLICT


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
