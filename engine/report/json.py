"""Results as JSON for programs: one stable shape per kind of result.

Like the text renderers, these read plain data and dispatch on a premise's
`kind`, so they depend on no stage after the language.
"""

from __future__ import annotations

from engine.diagnostics import show
from engine.report.text import condition_text


def _json_value(v):
    return show(v) if v is not None else None


def derivation_json(d, depth: int = 0) -> dict | None:
    if d is None:
        return None
    return {
        "kind": d.kind,
        "name": d.name,
        "title": d.title,
        "citation": d.citation,
        "location": str(d.span) if d.span else None,
        "bindings": {k: _json_value(v) for k, v in d.bindings},
        "premises": [premise_json(p, depth + 1) for p in d.premises],
    }


def premise_json(p, depth: int) -> dict:
    if p.kind == "fact":
        out = {"fact": p.text(), "predicate": p.pred, "args": [_json_value(a) for a in p.args]}
        if p.origin is not None:
            out["origin"] = {"file": p.origin.file, "line": p.origin.line, "column": p.origin.column,
                             "path": p.origin.path, "source": p.origin.source}
        if p.derivation is not None and depth < 40:
            out["derivation"] = derivation_json(p.derivation, depth)
        return out
    if p.kind == "member":
        out = {"membership": p.text(), "state": p.state, "organization": p.organization, "on": show(p.day),
               "member": p.tenure is not None}
        if p.tenure is not None:
            out["since"] = _json_value(p.tenure.start)
            if p.tenure.origin is not None:
                out["origin"] = {"file": p.tenure.origin.file, "line": p.tenure.origin.line,
                                 "source": p.tenure.origin.source}
        return out
    if p.kind == "conclusion":
        return {"conclusion": p.conclusion, "id": p.id, "rule": p.rule, "citation": p.citation}
    if p.kind == "tally":
        return {"tally": p.text(), "counts": dict(p.counts), "vetoes": list(p.vetoes),
                "disregarded": list(p.disregarded), "tests": [{"test": t, "holds": ok} for t, ok in p.tests]}
    return {"test": p.text()}


def conclusion_json(c) -> dict:
    return {
        "modality": c.modality,
        "actor": c.actor,
        "action": c.action,
        "object": c.object,
        "counterparty": c.counterparty,
        "description": c.description,
        "text": c.text(),
        "rule": c.rule,
        "title": c.title,
        "citation": c.citation,
        "regime": c.regime,
        "status": c.status,
        "defeated_by": [d.by for d in c.defeated_by if d.by] + (["exception"] if c.excepted_by else []),
        "defeats": [d.by for d in c.defeats],
        "conflicts_with": [d.by for d in c.conflicts_with],
        "proof": derivation_json(c.derivation),
        "derivations": 1 + len(c.alternatives),  # the status rests on `proof`; the others also derive it
        "ended_by": derivation_json(c.ended_by),
        "excepted_by": derivation_json(c.excepted_by),
    }


def result_json(result) -> dict:
    return {
        "case": result.case,
        "title": result.title,
        "as_of": show(result.as_of),
        "decisions": [
            {"decision": d.decision, "organ": d.organ, "date": show(d.date), "symbol": d.symbol,
             "procedure": d.procedure, "citation": d.citation, "adopted": d.adopted, "note": d.note,
             "proof": derivation_json(d.derivation)}
            for d in result.decisions
        ],
        "conclusions": [conclusion_json(c) for c in result.conclusions],
        "conflicts": [[a.id, b.id] for a, b in result.conflicts],
        "violations": [{"invariant": v.invariant, "title": v.title, "citation": v.citation,
                        "proof": derivation_json(v.derivation)} for v in result.violations],
        "diagnostics": [d.to_json() for d in result.diagnostics],
    }


def diff_json(d) -> dict:
    return {
        "decisions": [{"decision": x, "before": a, "after": b} for x, a, b in d.decisions],
        "gained": [conclusion_json(c) for c in d.gained],
        "lost": [conclusion_json(c) for c in d.lost],
        "changed": [{"conclusion": (a or b).text(), "rule": (a or b).rule,
                     "before": a.status if a else None, "after": b.status if b else None}
                    for a, b in d.changed],
    }


def why_not_json(w) -> dict:
    return {
        "query": str(w.query), "follows": False, "as_of": show(w.as_of), "hint": w.hint,
        "candidates": [{"rule": c.rule, "title": c.title, "citation": c.citation, "reason": c.reason,
                        "held": list(c.held), "fails_at": c.failing,
                        "bindings": {k: show(v) for k, v in c.bindings}} for c in w.candidates],
    }


def exploration_json(e) -> dict:
    return {
        "open_facts": [{"path": p, "values": [show(v) for v in vals]} for p, vals in e.open_facts],
        "ignored": e.ignored, "space": e.space, "evaluated": e.evaluated, "sampled": e.sampled,
        "invalid": e.invalid,
        "outcomes": [{"conclusion": o.label, "rule": o.rule, "follows_in": o.follows_in, "of": o.total,
                      "pivotal": list(o.pivotal), "condition": o.condition} for o in e.outcomes],
    }


# -------------------------------------------------------------------- power


def _num(x) -> dict | None:
    return None if x is None else {"exact": show(x), "value": float(x)}


def power_json(a, list_coalitions: bool = False) -> dict:
    """A voting-power analysis (`engine.tools.power.Analysis`)."""
    g = a.game
    p = g.procedure
    out = {
        "procedure": g.qualname,
        "title": p.title,
        "citation": p.citation,
        "body": g.body,
        "declared_veto": p.veto,
        "as_of": g.as_of.isoformat(),
        "requires": [condition_text(c) for c in p.requires],
        "model": a.model,
        "notes": list(a.notes),
        "members": g.n,
        "coalitions": a.coalitions,
        "winning_coalitions": a.winning,
        "monotone": a.monotone,
        "veto_players": list(a.veto_players),
        "total_swings": a.total_swings,
        "types": [{
            "type": pw.type.name, "veto_clause": pw.type.veto_clause, "size": pw.type.size,
            "members": list(pw.type.members), "veto_player": pw.veto_player, "swings": pw.swings,
            "banzhaf": _num(pw.banzhaf), "penrose_banzhaf": _num(pw.penrose_banzhaf),
            "shapley_shubik": _num(pw.shapley_shubik),
        } for pw in a.powers],
        "players": [{
            "state": s, "type": pw.type.name, "veto_player": pw.veto_player, "swings": pw.swings,
            "banzhaf": _num(pw.banzhaf), "penrose_banzhaf": _num(pw.penrose_banzhaf),
            "shapley_shubik": _num(pw.shapley_shubik),
        } for s in sorted(g.players) for pw in [a.power_of(s)]],
        "minimal_winning_coalitions": {
            "count": a.minimal_count,
            "classes": [{"counts": dict(zip((t.name for t in g.types), m.counts)), "coalitions": m.coalitions,
                         "description": m.description} for m in a.minimal],
        },
    }
    if list_coalitions:
        out["minimal_winning_coalitions"]["list"] = (
            [list(c) for c in a.minimal_coalitions()] if a.minimal_count <= a.list_limit else None)
    return out


# -------------------------------------------------------------------- tests


def tests_json(t, *, coverage: bool = False) -> dict:
    out = {
        "passed": t.passed, "failed": t.failed, "invalid": len(t.invalid),
        "cases": [{"file": c.file, "ok": c.error is None and not c.failed,
                   "checks": [{"ok": ok, "expectation": label} for ok, label in c.checks],
                   "diagnostics": [d.to_json() for d in c.error.diagnostics] if c.error else []}
                  for c in t.cases],
    }
    if coverage:
        out["coverage"] = {kind: {"fired": [n for n in names if n in t.fired],
                                  "never_fired": [n for n in names if n not in t.fired]}
                           for kind, names in (("rules", t.rules), ("procedures", t.procedures))}
    return out


def sensitivity_json(s) -> dict:
    prefix = "assumptions."
    e = s.exploration
    return {
        "assumptions": [{"name": a.name, "title": a.title, "sources": a.citation, "default": a.default,
                         "explored": a.explored} for a in s.assumptions],
        "open_facts": [p for p, _ in e.open_facts if not p.startswith(prefix)],
        "space": e.space, "evaluated": e.evaluated, "sampled": e.sampled,
        "conclusions": [{"conclusion": o.label, "rule": o.rule, "follows_in": o.follows_in, "of": o.total,
                         "robust": o.follows_in == o.total,
                         "depends_on": [p[len(prefix):] if p.startswith(prefix) else p for p in o.pivotal],
                         "condition": o.condition.replace(prefix, "")} for o in e.outcomes],
    }


def timeline_json(t) -> dict:
    return {
        "case": t.case, "from": show(t.start), "to": show(t.end), "cut": t.cut,
        "dates": [show(d) for d in t.dates],
        "events": [{"date": show(e.day), "event": e.what} for e in t.events],
        "conclusions": [{"conclusion": x.conclusion, "rule": x.rule, "actor": x.actor,
                         "periods": [{"from": show(a), "until": show(b) if b else None} for a, b in x.periods]}
                        for x in t.lines],
    }


def counterfactual_json(cf) -> dict:
    return {
        "query": cf.query, "follows": cf.follows, "goal": cf.goal, "max_changes": cf.max_changes,
        "candidates": cf.candidates, "evaluated": cf.evaluated, "exhausted": cf.exhausted,
        "changes": [{"set": cf.settings(c), "changes": [{"path": p, "value": show(v) if v is not None else None}
                                                       for p, v in c]} for c in cf.found],
    }
