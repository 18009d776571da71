"""Stage 5: plan + facts to conclusions with proofs.

Order of work: voting procedures decide the case's decisions; definitions
reach a stratified, semi-naive fixpoint; deontic rules fire as of the case's
date; end conditions, exceptions, overriding and regime priority settle which
conclusions stand, and what cannot be settled is reported as a conflict.

Within a round, every rule reads only facts of earlier rounds and the
smallest derivation wins, so the result (proofs included) does not depend on
the order of rules, files or facts.
"""

from __future__ import annotations

import datetime as dt
import functools

from engine.inputs.store import FactStore, Relation
from engine.lang import ast
from engine.lang.compile import Clause, CompiledRule, Plan
from engine.run.database import MISSING, Database
from engine.run.defeat import settle
from engine.run.match import solve, value_of
from engine.run.results import Conclusion, Defeat, Derivation, DerivationKind, Modality, Result, Status, Violation, show
from engine.run.voting import decide


# -------------------------------------------------------------- definitions


def fixpoint(db: Database) -> None:
    """Stratified semi-naive evaluation of the definitions."""
    for clauses in db.plan.strata:
        evaluate_stratum(db, clauses)


def evaluate_stratum(db: Database, clauses: tuple[Clause, ...]) -> None:
    """The facts of one stratum's definitions, semi-naive, from the facts of the earlier strata."""
    new = _round(db, clauses, None)
    while new:
        delta = {}
        for fact, derivation in new.items():
            db.relation(fact[0]).add(fact[1:])
            db.derivations[fact] = derivation
            delta.setdefault(fact[0], Relation()).add(fact[1:])
        if not any(c.recursive_slots for c in clauses):
            break
        new = _round(db, clauses, delta)


def _round(db: Database, clauses: tuple[Clause, ...], delta: dict | None) -> dict[tuple, Derivation]:
    new: dict[tuple, Derivation] = {}
    for clause in clauses:
        slots = [-1] if delta is None else range(clause.recursive_slots)
        d = clause.definition
        name, title, citation, span = d.name, d.title, d.citation, d.span
        head = [v.name for v in clause.head]
        known = db.relation(name)
        for slot in slots:
            for env, premises in solve(clause.body, {}, db, delta, slot):
                args = tuple([env[v] for v in head])
                if args in known:
                    continue
                fact = (name, *args)
                derivation = Derivation(DerivationKind.DEFINITION, name, title, citation, _bindings(env), premises, span)
                best = new.get(fact)
                if best is None or derivation.precedes(best):
                    new[fact] = derivation
    return new


def _bindings(env: dict) -> tuple:
    return tuple(sorted(env.items()))


# ------------------------------------------------------------ deontic rules


def fire(db: Database, only: set[str] | None = None) -> list[Conclusion]:
    """The conclusions of the deontic rules (of those named in `only`), before defeat is settled."""
    checked = db.plan.checked
    found: dict[tuple, list[tuple[Derivation, dict, tuple]]] = {}  # every derivation of each conclusion
    for compiled in db.plan.rules:
        rule = compiled.rule
        if only is not None and rule.qualname not in only:
            continue
        regime = checked.regimes.get(rule.regime)
        if not in_force(rule, regime, db.as_of):
            continue
        citation = rule.citation
        templates = [(t, Modality(t.modality)) for t in rule.conclusions]
        for env, premises in solve(compiled.body, {}, db):
            derivation = Derivation(DerivationKind.RULE, rule.qualname, rule.title, citation, _bindings(env), premises,
                                    rule.span)
            for template, modality in templates:
                values = [value_of(t, env, db) if t is not None else None
                          for t in (template.actor, template.object, template.counterparty)]
                if any(v is MISSING for v in values):
                    continue
                actor, obj, counterparty = (None if v is None else str(show(v)) for v in values)
                key = (rule.qualname, modality, (actor, template.action, obj, counterparty))
                found.setdefault(key, []).append((derivation, env, (template, actor, obj, counterparty)))
    conclusions = []
    compiled_by_name = {r.rule.qualname: r for r in db.plan.rules}
    for key in sorted(found, key=repr):
        compiled = compiled_by_name[key[0]]
        conclusions.append(_conclusion(db, compiled, key[1], found[key]))
    return conclusions


def _conclusion(db: Database, compiled: CompiledRule, modality: Modality, derivations: list) -> Conclusion:
    """A conclusion stands if any of its derivations stands: the smallest derivation whose end condition
    and exception do not hold is the one its status rests on; only if none stands does it end (or give
    way to its exception), on the smallest derivation's account."""
    rule = compiled.rule
    # most conclusions have one derivation; others are ordered reading their premises only on a tie
    ordered = derivations if len(derivations) == 1 else sorted(derivations, key=_by_derivation)
    chosen = None
    for derivation, env, parts in ordered:
        ended = _side_condition(db, compiled, compiled.until, env, DerivationKind.UNTIL)
        excepted = None if ended is not None else _side_condition(db, compiled, compiled.unless, env,
                                                                  DerivationKind.UNLESS)
        if chosen is None:
            chosen = (derivation, parts, ended, excepted)
        if ended is None and excepted is None:
            chosen = (derivation, parts, None, None)
            break
    derivation, (template, actor, obj, counterparty), ended, excepted = chosen
    c = Conclusion(modality, actor, template.action, obj, template.prep, counterparty, template.description,
                   rule.qualname, rule.regime, rule.title, rule.citation, derivation)
    c.alternatives = tuple(d for d, _, _ in ordered if d is not derivation)
    c.ended_by, c.excepted_by = ended, excepted
    if ended is not None:
        c.status = Status.ENDED
    elif excepted is not None:
        c.status = Status.DEFEATED
        c.defeated_by.append(Defeat("", "an exception of its own rule", c.rule, c.citation, "exception"))
    return c


def _compare_derivations(a: tuple, b: tuple) -> int:
    return -1 if a[0].precedes(b[0]) else 1 if b[0].precedes(a[0]) else 0


_by_derivation = functools.cmp_to_key(_compare_derivations)


def in_force(rule: ast.Rule, regime: ast.Regime | None, day: dt.date) -> bool:
    return (rule.in_force is None or rule.in_force.covers(day)) and (
        regime is None or regime.in_force is None or regime.in_force.covers(day))


def _side_condition(db: Database, compiled: CompiledRule, node, env: dict, kind: DerivationKind) -> Derivation | None:
    if node is None:
        return None
    best = None
    for env2, premises in solve(node, env, db):
        derivation = Derivation(kind, compiled.rule.qualname, compiled.rule.title, compiled.rule.citation,
                                _bindings(env2), premises, compiled.rule.span)
        if best is None or derivation.precedes(best):
            best = derivation
    return best


# -------------------------------------------------------------------- entry


def evaluate_database(plan: Plan, store: FactStore) -> Database:
    """Every stage of evaluation on a fresh database; the database holds the conclusions at the end."""
    return conclude(decided(plan, store))


def decided(plan: Plan, store: FactStore) -> Database:
    """A fresh database with the case's decisions decided by the voting procedures: the first stage."""
    db = Database(store, plan)
    db.decisions = decide(db)
    return db


def conclude(db: Database) -> Database:
    """The stages after voting: definitions, deontic rules, defeat, invariants."""
    fixpoint(db)
    conclusions = fire(db)
    settle(db, conclusions)
    conclusions.sort(key=Conclusion.sort_key)
    db.conclusions = conclusions
    db.violations = check_invariants(db)
    return db


def run(plan: Plan, store: FactStore, case_id: str = "", title: str | None = None) -> Result:
    """The plain result of evaluating the facts: nothing of the database is kept."""
    db = evaluate_database(plan, store)
    return Result(case_id, title, store.as_of, db.conclusions, db.decisions, dict(db.derivations),
                  list(db.diagnostics), db.violations)


MAX_VIOLATIONS = 20  # per invariant: enough to see the pattern, bounded for generated cases


def check_invariants(db: Database) -> list[Violation]:
    out = []
    for inv, node in db.plan.invariants:
        found: dict[tuple, Derivation] = {}
        for env, premises in solve(node, {}, db):
            bindings = _bindings(env)
            derivation = Derivation(DerivationKind.INVARIANT, inv.qualname, inv.title,
                                    "; ".join(c.text for c in inv.citations) or None, bindings, premises, inv.span)
            best = found.get(bindings)
            if best is None or derivation.precedes(best):
                found[bindings] = derivation
        for bindings in sorted(found, key=repr)[:MAX_VIOLATIONS]:
            d = found[bindings]
            out.append(Violation(d.name, inv.title, d.citation, d))
    return out
