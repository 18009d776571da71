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
from fractions import Fraction
from typing import Any, Iterator

from engine.lang import ast
from engine.lang.compile import Clause, CompiledRule, Compare, Conj, ConclusionScan, CountOf, Disj, Member, Negate, Plan, Scan
from engine.diagnostics import Diagnostic
from engine.run.results import (
    DEFEATED,
    ENDED,
    IN_CONFLICT,
    IN_FORCE,
    Conclusion,
    ConclusionPremise,
    DecisionOutcome,
    Defeat,
    Derivation,
    FactPremise,
    MemberPremise,
    Result,
    TallyPremise,
    TestPremise,
    Violation,
    show,
)
from engine.inputs.store import FactStore, Relation
from engine.vocabulary import NONE, VOTE_VALUES

_MISSING = object()


class Database:
    """The facts one evaluation works on: a private copy, so that evaluations never share state."""

    def __init__(self, store: FactStore, plan: Plan):
        self.store = store
        self.plan = plan
        self.as_of = store.as_of
        self.relations: dict[str, Relation] = {p: Relation(rows) for p, rows in store.relations.items()}
        self.derivations: dict[tuple, Derivation] = {}
        self.signatures = plan.checked.signatures
        self.conclusions: list[Conclusion] = []
        self.diagnostics: list[Diagnostic] = []

    def relation(self, pred: str) -> Relation:
        rel = self.relations.get(pred)
        if rel is None:
            rel = self.relations[pred] = Relation()
        return rel

    def premise(self, pred: str, row: tuple) -> FactPremise:
        fact = (pred, *row)
        return FactPremise(pred, row, self.signatures.get(pred, ()), self.store.origins.get(fact),
                           self.derivations.get(fact))


# --------------------------------------------------------------- matching


def value_of(term, env: dict, db: Database) -> Any:
    """The value of a term under bindings; _MISSING if unbound or absent."""
    if isinstance(term, ast.Var):
        return env.get(term.name, _MISSING)
    if isinstance(term, ast.Const):
        return term.value
    if isinstance(term, ast.Attr):
        entity = env.get(term.var.name, _MISSING)
        if entity is _MISSING:
            return _MISSING
        value = db.store.attributes.get(entity, {}).get(term.attr, _MISSING)
        return _MISSING if value is None or value == NONE else value
    return _MISSING


def eval_expr(expr, env: dict, db: Database, premises: list) -> Any:
    if isinstance(expr, CountOf):
        seen = set()
        for sol, _ in solve(expr.node, env, db):
            seen.add(tuple(sol.get(v) for v in expr.vars))
        items = ", ".join(sorted(", ".join(show(x) for x in t) for t in seen))
        premises.append(TestPremise(f"count = {len(seen)}" + (f" ({items})" if items else ""), expr.span))
        return Fraction(len(seen))
    if isinstance(expr, ast.BinOp):
        left = eval_expr(expr.left, env, db, premises)
        right = eval_expr(expr.right, env, db, premises)
        if not (isinstance(left, (int, Fraction)) and isinstance(right, (int, Fraction))):
            return _MISSING
        if expr.op == "+":
            return left + right
        if expr.op == "-":
            return left - right
        if expr.op == "*":
            return left * right
        return left / right if right != 0 else _MISSING
    return value_of(expr, env, db)


def compare(left: Any, op: str, right: Any) -> bool:
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    comparable = (isinstance(left, (int, Fraction)) and isinstance(right, (int, Fraction))) or (
        type(left) is type(right) and isinstance(left, (dt.date, str))
    )
    if not comparable:
        return False
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]


def solve(node, env: dict, db: Database, delta: dict | None = None, slot: int = -1) -> Iterator[tuple[dict, tuple]]:
    """Every way the node holds under `env`: (extended bindings, premises)."""
    if isinstance(node, Conj):
        yield from _solve_conj(node.nodes, 0, env, (), db, delta, slot)
    elif isinstance(node, Scan):
        yield from _scan(node, env, db, delta, slot)
    elif isinstance(node, Member):
        yield from _member(node, env, db)
    elif isinstance(node, Compare):
        yield from _compare(node, env, db)
    elif isinstance(node, Negate):
        for _ in solve(node.node, env, db, delta, slot):
            return
        yield env, (TestPremise(f"not {render(node.node, env)}", node.span),)
    elif isinstance(node, Disj):
        for branch in node.nodes:
            yield from solve(branch, env, db, delta, slot)
    elif isinstance(node, ConclusionScan):
        yield from _conclusion_scan(node, env, db)
    else:  # pragma: no cover - the planner emits only the nodes above
        raise TypeError(node)


def _solve_conj(nodes, i, env, premises, db, delta, slot):
    if i == len(nodes):
        yield env, premises
        return
    for env2, prem in solve(nodes[i], env, db, delta, slot):
        yield from _solve_conj(nodes, i + 1, env2, premises + prem, db, delta, slot)


def _scan(node: Scan, env, db: Database, delta, slot):
    rel = delta.get(node.pred) if (delta is not None and node.slot == slot and node.recursive) else None
    if rel is None:
        if delta is not None and node.slot == slot and node.recursive:
            return
        rel = db.relations.get(node.pred)
        if rel is None:
            return
    positions, key, free = [], [], []
    for i, term in enumerate(node.terms):
        if isinstance(term, ast.Wildcard):
            continue
        if isinstance(term, ast.Var) and term.name not in env:
            free.append((i, term.name))
            continue
        value = value_of(term, env, db)
        if value is _MISSING:
            return
        positions.append(i)
        key.append(value)
    for row in rel.lookup(tuple(positions), tuple(key)):
        new = env
        ok = True
        for i, name in free:
            bound = new.get(name, _MISSING)
            if bound is _MISSING:
                if new is env:
                    new = dict(env)
                new[name] = row[i]
            elif bound != row[i]:
                ok = False
                break
        if ok:
            yield new, (db.premise(node.pred, row),)


def _member(node: Member, env, db: Database):
    day = db.as_of if node.at is None else value_of(node.at, env, db)
    if not isinstance(day, dt.date):
        return
    org = value_of(node.organization, env, db)
    orgs = [org] if org is not _MISSING else sorted(db.store.tenures)
    state = value_of(node.state, env, db)
    for o in orgs:
        if state is not _MISSING:
            tenure = db.store.tenure(state, o, day)
            if tenure is not None:
                new = env if org is not _MISSING else _bind(env, node.organization, o)
                yield new, (MemberPremise(state, o, day, tenure),)
            continue
        for tenure in db.store.members(o, day):
            new = _bind(env, node.state, tenure.state)
            if org is _MISSING:
                new = _bind(new, node.organization, o)
            yield new, (MemberPremise(tenure.state, o, day, tenure),)


def _bind(env: dict, term, value) -> dict:
    """`env` with a variable bound; `_` binds nothing."""
    return {**env, term.name: value} if isinstance(term, ast.Var) else env


def _compare(node: Compare, env, db: Database):
    premises: list = []
    if node.op == "==":
        for var_side, other in ((node.left, node.right), (node.right, node.left)):
            if isinstance(var_side, ast.Var) and var_side.name not in env:
                value = eval_expr(other, env, db, premises)
                if value is _MISSING:
                    return
                yield {**env, var_side.name: value}, tuple(premises)
                return
    left = eval_expr(node.left, env, db, premises)
    right = eval_expr(node.right, env, db, premises)
    if left is _MISSING or right is _MISSING or not compare(left, node.op, right):
        return
    text = f"{render_expr(node.left, env)} {node.op} {render_expr(node.right, env)}"
    if not (isinstance(node.left, ast.Const) and isinstance(node.right, ast.Const)):
        text += f"  ({show(left)} {node.op} {show(right)})" if text != f"{show(left)} {node.op} {show(right)}" else ""
    yield env, (*premises, TestPremise(text, node.span))


def _in_force_by_actor(db: Database) -> dict[tuple, list[Conclusion]]:
    """Conclusions in force by (modality,) and (modality, actor), built once the conclusions are settled
    (only invariants read them), so that a join of conclusions never rescans them all."""
    cached = getattr(db, "_in_force_index", None)
    key = len(db.conclusions)  # statuses are settled before any invariant reads them
    if cached is None or cached[0] != key:
        index: dict[tuple, list[Conclusion]] = {}
        for c in db.conclusions:
            if c.status == IN_FORCE:
                index.setdefault((c.modality,), []).append(c)
                index.setdefault((c.modality, c.actor), []).append(c)
        cached = db._in_force_index = (key, index)
    return cached[1]


def _conclusion_scan(node: ConclusionScan, env, db: Database):
    index = _in_force_by_actor(db)
    actor = node.terms[0] if node.terms else None
    known = actor is not None and not isinstance(actor, ast.Wildcard) and not (
        isinstance(actor, ast.Var) and actor.name not in env)
    candidates = index.get((node.modality, value_of(actor, env, db)) if known else (node.modality,), ())
    for c in candidates:
        if c.modality != node.modality or c.status != IN_FORCE:
            continue
        new = env
        ok = True
        for term, value in zip(node.terms, (c.actor, c.action, c.object, c.counterparty, c.regime, c.rule)):
            if isinstance(term, ast.Wildcard):
                continue
            if isinstance(term, ast.Var) and term.name not in new:
                new = {**new, term.name: value}
                continue
            if value_of(term, new, db) != value:
                ok = False
                break
        if ok:
            yield new, (ConclusionPremise(c.id, c.text(), c.rule, c.citation),)


# ---------------------------------------------------------------- rendering


def render_term(term, env: dict) -> str:
    if isinstance(term, ast.Var):
        return show(env[term.name]) if term.name in env else term.name
    if isinstance(term, ast.Const):
        return f'"{term.value}"' if term.kind == "string" else show(term.value)
    if isinstance(term, ast.Attr):
        base = env.get(term.var.name)
        return f"{show(base) if base is not None else term.var.name}.{term.attr}"
    if isinstance(term, ast.Wildcard):
        return "_"
    return str(term)


def render_expr(expr, env: dict) -> str:
    if isinstance(expr, CountOf):
        return f"count({', '.join(expr.vars)} where {render(expr.node, env)})"
    if isinstance(expr, ast.BinOp):
        return f"{render_expr(expr.left, env)} {expr.op} {render_expr(expr.right, env)}"
    return render_term(expr, env)


def render(node, env: dict) -> str:
    """A planned condition as text, with the variables bound so far filled in."""
    if isinstance(node, Scan):
        args = [render_term(t, env) for t in node.terms]
        while args and args[-1] == "_":
            args.pop()
        return f"{node.pred}({', '.join(args)})"
    if isinstance(node, Member):
        at = f", at: {render_term(node.at, env)}" if node.at is not None else ""
        return f"member({render_term(node.state, env)}, {render_term(node.organization, env)}{at})"
    if isinstance(node, Compare):
        return f"{render_expr(node.left, env)} {node.op} {render_expr(node.right, env)}"
    if isinstance(node, Negate):
        return f"not {render(node.node, env)}"
    if isinstance(node, Conj):
        return " and ".join(render(n, env) for n in node.nodes) if node.nodes else "true"
    if isinstance(node, Disj):
        return "(" + " or ".join(render(n, env) for n in node.nodes) + ")"
    if isinstance(node, ConclusionScan):
        return f"{node.modality}({', '.join(render_term(t, env) for t in node.terms)})"
    return str(node)


# --------------------------------------------------------------- procedures


def decide(db: Database) -> list[DecisionOutcome]:
    """Apply the voting procedures to every decision taken by the case's date."""
    checked = db.plan.checked
    outcomes = []
    votes: dict[str, dict[str, str]] = {}
    for d, s, v in db.relation("vote").rows:
        votes.setdefault(d, {})[s] = v
    parties: dict[str, set[str]] = {}
    for d, s in db.relation("party_to_dispute").rows:
        parties.setdefault(d, set()).add(s)

    for decision, organ, day, matter in sorted(db.relation("decision").rows, key=repr):
        attrs = db.store.attributes.get(decision, {})
        recorded = attrs.get("adopted")
        chosen = attrs.get("procedure")
        candidates = [
            p for p in checked.procedures
            if (chosen in (p.name, f"{p.regime}.{p.name}") if chosen else
                p.organ == organ and (matter in p.matters if p.matters else matter == "substantive"))
            and (p.in_force is None or p.in_force.covers(day))
        ]
        symbol = attrs.get("symbol")
        if isinstance(recorded, bool) and not votes.get(decision):
            # no vote record: the case's recorded outcome (e.g. a consensus decision) is the evidence
            candidates = []
        if not candidates:
            adopted = recorded if isinstance(recorded, bool) else None
            derivation = None
            if adopted is not None:
                derivation = Derivation("recorded", "recorded outcome", None, None, (("D", decision),),
                                        (db.premise("decision", (decision, organ, day, matter)),))
            note = None if chosen is None else f"no procedure named '{chosen}' is in force on {show(day)}"
            if adopted is None:
                note = note or f"no voting procedure of {organ} for {matter} matters is in force on {show(day)}"
                db.diagnostics.append(Diagnostic("W401", f"decision '{decision}': {note}; its outcome is unknown",
                                                 severity="warning"))
            outcomes.append(DecisionOutcome(decision, organ, day, symbol, None, None, adopted, derivation, note))
            _record_outcome(db, decision, adopted, derivation, ())
            continue
        proc = min(candidates, key=lambda p: (p.regime, p.name))
        if len(candidates) > 1:
            db.diagnostics.append(Diagnostic(
                "W402", f"decision '{decision}': several procedures apply ("
                f"{', '.join(sorted(p.regime + '.' + p.name for p in candidates))}); using {proc.regime}.{proc.name}",
                severity="warning"))
        outcome, derivation, vetoes = _tally(db, proc, decision, organ, day, matter, votes.get(decision, {}),
                                             parties.get(decision, set()))
        note = None
        if isinstance(recorded, bool) and recorded != outcome:
            note = f"the case records it as {'adopted' if recorded else 'not adopted'}, but {proc.name} says otherwise"
            db.diagnostics.append(Diagnostic("W403", f"decision '{decision}': {note}", severity="warning"))
        outcomes.append(DecisionOutcome(decision, organ, day, symbol, f"{proc.regime}.{proc.name}", proc.citation,
                                        outcome, derivation, note))
        _record_outcome(db, decision, outcome, derivation, vetoes)
    return outcomes


def _record_outcome(db: Database, decision: str, adopted: bool | None, derivation, vetoes) -> None:
    if adopted is None:
        return
    fact = ("adopted" if adopted else "rejected", decision)
    db.relation(fact[0]).add(fact[1:])
    db.derivations[fact] = derivation
    for state in vetoes:
        db.relation("vetoed").add((decision, state))
        db.derivations[("vetoed", decision, state)] = derivation


def _tally(db: Database, proc: ast.Procedure, decision, organ, day, matter, cast: dict[str, str], parties: set[str]):
    members = [t.state for t in db.store.members(proc.body, day)] if proc.body in db.store.tenures else sorted(cast)
    vetoers = {t.state for t in db.store.members(proc.veto, day)} if proc.veto else set()
    # parties to the dispute do not vote: they are left out of every count, the number of
    # members included (Art. 27(3) "shall abstain"; Rio Treaty art. 18 "excluded from the voting")
    disregarded = sorted(parties & set(members)) if proc.disregards_parties else []
    members = [m for m in members if m not in disregarded]
    counts = {v: 0 for v in VOTE_VALUES}
    vetoes = []
    premises: list = []
    for state in members:
        vote = cast.get(state, "absent")
        counts[vote] += 1
        if vote == "no" and state in vetoers:
            vetoes.append(state)
        if state in cast:
            premises.append(db.premise("vote", (decision, state, cast[state])))
    outsiders = sorted(set(cast) - set(members) - set(disregarded))
    if outsiders:
        db.diagnostics.append(Diagnostic(
            "W404", f"decision '{decision}': {', '.join(outsiders)} voted but "
            f"{'is' if len(outsiders) == 1 else 'are'} not member(s) of {proc.body} on {show(day)}; "
            "their votes are not counted", severity="warning"))
    env = {
        **{k: Fraction(v) for k, v in counts.items()},
        "members": Fraction(len(members)),
        "present": Fraction(counts["yes"] + counts["no"] + counts["abstain"]),
        "voting": Fraction(counts["yes"] + counts["no"]),
        "vetoes": Fraction(len(vetoes)),
    }
    tests = []
    for cond in proc.requires:
        tests.append((_render_threshold(cond, env), _threshold(cond, env)))
    adopted = all(ok for _, ok in tests)
    # a permanent member's negative vote is a veto only where it decides: the draft would
    # otherwise have passed (a draft short of nine votes fails for that, not for a veto)
    decisive = not adopted and all(_threshold(cond, {**env, "vetoes": Fraction(0)}) for cond in proc.requires)
    if not decisive:
        vetoes = []
    tally = TallyPremise(decision, f"{proc.regime}.{proc.name}",
                         tuple((k, int(v)) for k, v in env.items()), tuple(vetoes), tuple(disregarded), tuple(tests))
    premises = [db.premise("decision", (decision, organ, day, matter)), tally, *premises]
    premises += [TestPremise(f"{text}: {'holds' if ok else 'fails'}") for text, ok in tests]
    derivation = Derivation("procedure", f"{proc.regime}.{proc.name}", proc.title, proc.citation,
                            (("D", decision),), tuple(premises), proc.span)
    return adopted, derivation, vetoes


def _threshold(cond, env) -> bool:
    if isinstance(cond, ast.And):
        return all(_threshold(c, env) for c in cond.items)
    if isinstance(cond, ast.Or):
        return any(_threshold(c, env) for c in cond.items)
    if isinstance(cond, ast.Not):
        return not _threshold(cond.cond, env)
    if isinstance(cond, ast.Comparison):
        left, right = _arith(cond.left, env), _arith(cond.right, env)
        return left is not None and right is not None and compare(left, cond.op, right)
    return False


def _arith(expr, env):
    if isinstance(expr, ast.Const):
        return env.get(expr.value) if expr.kind == "name" else expr.value
    if isinstance(expr, ast.BinOp):
        left, right = _arith(expr.left, env), _arith(expr.right, env)
        if left is None or right is None or (expr.op == "/" and right == 0):
            return None
        return {"+": lambda: left + right, "-": lambda: left - right, "*": lambda: left * right,
                "/": lambda: left / right}[expr.op]()
    return None


def _render_threshold(cond, env) -> str:
    if isinstance(cond, (ast.And, ast.Or)):
        joiner = " and " if isinstance(cond, ast.And) else " or "
        return joiner.join(_render_threshold(c, env) for c in cond.items)
    if isinstance(cond, ast.Not):
        return f"not ({_render_threshold(cond.cond, env)})"
    if isinstance(cond, ast.Comparison):
        def side(e):
            if isinstance(e, ast.Const) and e.kind == "name":
                return f"{e.value} ({show(env.get(e.value))})"
            if isinstance(e, ast.BinOp):
                return f"{side(e.left)} {e.op} {side(e.right)}"
            return show(e.value) if isinstance(e, ast.Const) else "?"
        return f"{side(cond.left)} {cond.op} {side(cond.right)}"
    return "?"


# -------------------------------------------------------------- definitions


def fixpoint(db: Database) -> None:
    """Stratified semi-naive evaluation of the definitions."""
    for clauses in db.plan.strata:
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
        for slot in slots:
            for env, premises in solve(clause.body, {}, db, delta, slot):
                fact = (d.name, *(env[v.name] for v in clause.head))
                if fact[1:] in db.relation(d.name):
                    continue
                derivation = Derivation("definition", d.name, d.title, d.citation, _bindings(env), premises, d.span)
                best = new.get(fact)
                if best is None or derivation.sort_key() < best.sort_key():
                    new[fact] = derivation
    return new


def _bindings(env: dict) -> tuple:
    return tuple(sorted(env.items()))


# ------------------------------------------------------------ deontic rules


def fire(db: Database) -> list[Conclusion]:
    checked = db.plan.checked
    found: dict[tuple, tuple[Conclusion, dict]] = {}
    for compiled in db.plan.rules:
        rule = compiled.rule
        regime = checked.regimes.get(rule.regime)
        if not in_force(rule, regime, db.as_of):
            continue
        for env, premises in solve(compiled.body, {}, db):
            derivation = Derivation("rule", rule.qualname, rule.title, rule.citation, _bindings(env), premises,
                                    rule.span)
            for template in rule.conclusions:
                values = [value_of(t, env, db) if t is not None else None
                          for t in (template.actor, template.object, template.counterparty)]
                if any(v is _MISSING for v in values):
                    continue
                actor, obj, counterparty = (None if v is None else str(show(v)) for v in values)
                c = Conclusion(template.modality, actor, template.action, obj, template.prep, counterparty,
                               template.description, rule.qualname, rule.regime, rule.title, rule.citation,
                               derivation)
                key = (rule.qualname, c.modality, c.act)
                best = found.get(key)
                if best is None or derivation.sort_key() < best[0].derivation.sort_key():
                    found[key] = (c, env)
    conclusions = []
    compiled_by_name = {r.rule.qualname: r for r in db.plan.rules}
    for key in sorted(found, key=repr):
        c, env = found[key]
        compiled = compiled_by_name[c.rule]
        c.ended_by = _side_condition(db, compiled, compiled.until, env, "until")
        c.excepted_by = _side_condition(db, compiled, compiled.unless, env, "unless")
        if c.ended_by is not None:
            c.status = ENDED
        elif c.excepted_by is not None:
            c.status = DEFEATED
            c.defeated_by.append(Defeat("", "an exception of its own rule", c.rule, c.citation, "exception"))
        conclusions.append(c)
    return conclusions


def in_force(rule: ast.Rule, regime: ast.Regime | None, day: dt.date) -> bool:
    return (rule.in_force is None or rule.in_force.covers(day)) and (
        regime is None or regime.in_force is None or regime.in_force.covers(day))


def _side_condition(db: Database, compiled: CompiledRule, node, env: dict, kind: str) -> Derivation | None:
    if node is None:
        return None
    best = None
    for env2, premises in solve(node, env, db):
        derivation = Derivation(kind, compiled.rule.qualname, compiled.rule.title, compiled.rule.citation,
                                _bindings(env2), premises, compiled.rule.span)
        if best is None or derivation.sort_key() < best.sort_key():
            best = derivation
    return best


# ------------------------------------------------------------------ defeat


_INCOMPATIBLE = {frozenset({"obliged", "forbidden"}), frozenset({"permitted", "forbidden"})}


def incompatible(a: Conclusion, b: Conclusion) -> bool:
    return a.act == b.act and frozenset({a.modality, b.modality}) in _INCOMPATIBLE


def settle(db: Database, conclusions: list[Conclusion]) -> None:
    """Overriding and regime priority as attacks; grounded semantics decides; the rest conflicts."""
    checked = db.plan.checked
    live = [c for c in conclusions if c.status == IN_FORCE]
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
            c.status = DEFEATED
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
                    a.status = IN_CONFLICT
                    known = conflicting.get(id(a))
                    if known is None:
                        known = conflicting[id(a)] = {d.by for d in a.conflicts_with}
                    if b.id not in known:
                        known.add(b.id)
                        a.conflicts_with.append(Defeat(b.id, b.text(), b.rule, b.citation, "conflict"))
    live_ids = {id(c) for c in live}
    for c in conclusions:
        if c.status == IN_FORCE and status.get(c.id) is None and id(c) in live_ids:
            c.status = IN_CONFLICT


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


# -------------------------------------------------------------------- entry


def run(plan: Plan, store: FactStore, case_id: str = "", title: str | None = None) -> Result:
    db = Database(store, plan)
    decisions = decide(db)
    fixpoint(db)
    conclusions = fire(db)
    settle(db, conclusions)
    conclusions.sort(key=Conclusion.sort_key)
    db.conclusions = conclusions
    violations = check_invariants(db)
    return Result(case_id, title, store.as_of, conclusions, decisions, dict(db.derivations),
                  list(db.diagnostics), violations, _context=db)


MAX_VIOLATIONS = 20  # per invariant: enough to see the pattern, bounded for generated cases


def check_invariants(db: Database) -> list[Violation]:
    out = []
    for inv, node in db.plan.invariants:
        found: dict[tuple, Derivation] = {}
        for env, premises in solve(node, {}, db):
            bindings = _bindings(env)
            derivation = Derivation("invariant", f"{inv.regime}.{inv.name}", inv.title,
                                    "; ".join(c.text for c in inv.citations) or None, bindings, premises, inv.span)
            best = found.get(bindings)
            if best is None or derivation.sort_key() < best.sort_key():
                found[bindings] = derivation
        for bindings in sorted(found, key=repr)[:MAX_VIOLATIONS]:
            d = found[bindings]
            out.append(Violation(d.name, inv.title, d.citation, d))
    return out
