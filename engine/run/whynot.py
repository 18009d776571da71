"""Why a conclusion does not follow: for each rule that could conclude it, the premise where it stops.

An explicit re-evaluation: the case's facts are evaluated again and each
candidate rule's conditions are searched depth-first with the query's values
bound, remembering the furthest premise reached. The answer is plain data,
rendered by `engine.report`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from engine.diagnostics import did_you_mean
from engine.inputs.store import FactStore
from engine.lang import ast
from engine.lang.compile import Conj, Plan
from engine.run.database import Database
from engine.run.evaluate import evaluate_database, in_force
from engine.run.match import render, solve


@dataclass(frozen=True)
class Candidate:
    """A rule that concludes the queried modality and action, and how far it got."""

    rule: str
    title: str | None
    citation: str | None
    reason: str  # not in force | other parties | no counterparty | holds | fails
    held: tuple[str, ...] = ()  # the conditions that held, rendered with their values
    failing: str | None = None  # the first condition that did not
    bindings: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class WhyNot:
    query: ast.Query
    as_of: dt.date
    candidates: tuple[Candidate, ...]
    actions: tuple[str, ...] = ()  # when no rule concludes the action: the actions rules do conclude
    hint: str | None = None


def why_not(plan: Plan, store: FactStore, q: ast.Query) -> WhyNot:
    """Evaluate the facts again and search each candidate rule for the premise that fails."""
    db = evaluate_database(plan, store)
    candidates = [(compiled, template) for compiled in plan.rules for template in compiled.rule.conclusions
                  if template.modality == q.modality and template.action == q.action]
    if not candidates:
        actions = tuple(sorted({t.action for r in plan.rules for t in r.rule.conclusions if t.modality == q.modality}))
        return WhyNot(q, store.as_of, (), actions, did_you_mean(q.action, actions))
    return WhyNot(q, store.as_of, tuple(_candidate(db, compiled, template, q) for compiled, template in candidates))


def _candidate(db: Database, compiled, template, q: ast.Query) -> Candidate:
    rule = compiled.rule

    def found(reason: str, **more) -> Candidate:
        return Candidate(rule.qualname, rule.title, rule.citation, reason, **more)

    if not in_force(rule, db.plan.checked.regimes.get(rule.regime), db.as_of):
        return found("not in force")
    env: dict[str, Any] = {}
    for term, wanted in ((template.actor, q.actor), (template.object, q.object),
                         (template.counterparty, q.counterparty)):
        if wanted is None or term is None:
            continue
        if isinstance(term, ast.Var):
            if term.name in env and env[term.name] != wanted:
                return found("other parties")
            env[term.name] = wanted
        elif isinstance(term, ast.Const) and term.value != wanted:
            return found("other parties")
    if template.counterparty is None and q.counterparty is not None:
        return found("no counterparty")
    nodes = compiled.body.nodes if isinstance(compiled.body, Conj) else (compiled.body,)
    best: dict[str, Any] = {"depth": -1, "env": env}
    # depth-first over partial solutions, remembering the furthest premise reached
    stack = [(0, env, iter(solve(nodes[0], env, db)) if nodes else iter(()))]
    if not nodes:
        return found("holds")
    while stack:
        i, e, solutions = stack[-1]
        nxt = next(solutions, None)
        if nxt is None:
            stack.pop()
            if i > best["depth"]:
                best.update(depth=i, env=e)
            continue
        e2 = nxt[0]
        if i + 1 == len(nodes):
            return found("holds")
        stack.append((i + 1, e2, iter(solve(nodes[i + 1], e2, db))))
    i, e = best["depth"], best["env"]
    return found("fails", held=tuple(render(n, e) for n in nodes[:i]), failing=render(nodes[i], e),
                 bindings=tuple(sorted(e.items())))
