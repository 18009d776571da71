"""Matching planned conditions against the database: every way a condition holds, with its premises.

Also renders a planned condition with the values bound so far, for proofs and why-nots.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any, Iterator

from engine.lang import ast
from engine.lang.compile import Compare, ConclusionScan, Conj, CountOf, Disj, Member, Negate, Place, Scan
from engine.run.database import MISSING as _MISSING
from engine.run.database import Database
from engine.inputs.store import Origin
from engine.run.results import ConclusionPremise, FactPremise, MemberPremise, TestPremise, show
from engine.vocabulary import NONE


_Var, _Const, _Attr, _Wildcard = ast.Var, ast.Const, ast.Attr, ast.Wildcard  # final classes: tested with `is`


def value_of(term, env: dict, db: Database) -> Any:
    """The value of a term under bindings; _MISSING if unbound or absent."""
    kind = type(term)
    if kind is _Var:
        return env.get(term.name, _MISSING)
    if kind is _Const:
        return term.value
    if kind is _Attr:
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
    try:
        run = _SOLVERS[type(node)]
    except KeyError:  # pragma: no cover - the planner emits only the nodes below
        raise TypeError(node) from None
    return run(node, env, db, delta, slot)


def _conj(node: Conj, env, db, delta, slot):
    if not node.nodes:
        return iter(((env, ()),))
    return _solve_conj(node.nodes, 0, env, (), db, delta, slot)


def _negate(node: Negate, env, db, delta, slot):
    for _ in solve(node.node, env, db, delta, slot):
        return
    yield env, (_NegationPremise(node, env),)


def _disj(node: Disj, env, db, delta, slot):
    for branch in node.nodes:
        yield from solve(branch, env, db, delta, slot)


def _solve_conj(nodes, i, env, premises, db, delta, slot):
    node = nodes[i]
    if i == len(nodes) - 1:
        for env2, prem in _SOLVERS[type(node)](node, env, db, delta, slot):
            yield env2, premises + prem
        return
    for env2, prem in _SOLVERS[type(node)](node, env, db, delta, slot):
        yield from _solve_conj(nodes, i + 1, env2, premises + prem, db, delta, slot)


def _scan(node: Scan, env, db: Database, delta, slot):
    rel = delta.get(node.pred) if (delta is not None and node.slot == slot and node.recursive) else None
    if rel is None:
        if delta is not None and node.slot == slot and node.recursive:
            return
        rel = db.relations.get(node.pred)
        if rel is None:
            return
    lookup = _lookup(node.terms, env, db)
    if lookup is None:
        return
    positions, key, free = lookup
    for row in rel.lookup(positions, key):
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


def _lookup(terms, env: dict, db: Database) -> tuple[tuple, tuple, list] | None:
    """For a scan of `terms`: the positions bound and their values (an index key), and the free
    variables with their positions; None if a bound term has no value."""
    positions, key, free = [], [], []
    for i, term in enumerate(terms):
        kind = type(term)
        if kind is _Var:
            value = env.get(term.name, _MISSING)
            if value is _MISSING:
                free.append((i, term.name))
                continue
        elif kind is _Wildcard:
            continue
        elif kind is _Const:
            value = term.value
        else:
            value = value_of(term, env, db)
            if value is _MISSING:
                return None
        positions.append(i)
        key.append(value)
    return tuple(positions), tuple(key), free


def _member(node: Member, env, db: Database, delta=None, slot=-1):
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


def _place(node: Place, env, db: Database, delta=None, slot=-1):
    """`in_area` and `sovereign`: the place must be bound; the area or state may be."""
    day = db.as_of if node.at is None else value_of(node.at, env, db)
    place = value_of(node.place, env, db)
    if not isinstance(day, dt.date) or not isinstance(place, str) or place == NONE:
        return
    geo = db.store.geography
    other = value_of(node.other, env, db)
    if node.pred == "sovereign":
        found = geo.sovereign(place, day)
        if found is None or (other is not _MISSING and other != found[0]):
            return
        state, where = found
        new = env if other is not _MISSING else {**env, node.other.name: state}
        if where is None:  # a state code: the state's own territory, nothing to look up
            yield new, (TestPremise(f"{place} is the territory of {state}", node.span),)
        else:
            yield new, (_place_premise(node.pred, (place, state, day), where),)
        return
    def member(state, org, d):
        return db.store.tenure(state, org, d) is not None
    areas = [other] if other is not _MISSING else sorted(geo.areas)
    for area in areas:
        where = geo.in_area(place, area, day, member)
        if where is None:
            continue
        new = env if other is not _MISSING else {**env, node.other.name: area}
        yield new, (_place_premise(node.pred, (place, area, day), where),)


def _place_premise(pred: str, row: tuple, where) -> FactPremise:
    names = ("place", "area", "at") if pred == "in_area" else ("place", "state", "at")
    origin = None if where is None else Origin(where.file, where.line, where.column, where.path, where.source)
    return FactPremise(pred, row, names, origin, None)


def _compare(node: Compare, env, db: Database, delta=None, slot=-1):
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
    yield env, (*premises, _ComparisonPremise(node, env, left, right))


def _comparison_text(node: Compare, env: dict, left, right) -> str:
    text = f"{render_expr(node.left, env)} {node.op} {render_expr(node.right, env)}"
    if not (isinstance(node.left, ast.Const) and isinstance(node.right, ast.Const)):
        text += f"  ({show(left)} {node.op} {show(right)})" if text != f"{show(left)} {node.op} {show(right)}" else ""
    return text


class _LazyPremise(TestPremise):
    """A test that held, rendered as text only when read: most are never shown.

    The bindings it renders are never changed after a solution is yielded. It equals, hashes
    and pickles as the TestPremise of its text.
    """

    __slots__ = ("_node", "_env")

    def __init__(self, node, env: dict):  # noqa: D107 - bypasses the frozen init
        object.__setattr__(self, "_node", node)
        object.__setattr__(self, "_env", env)
        object.__setattr__(self, "span", node.span)

    def _text(self) -> str:  # pragma: no cover - each kind renders its own
        raise NotImplementedError

    @property
    def description(self) -> str:  # type: ignore[override]
        text = self.__dict__.get("description")
        if text is None:
            text = self._text()
            self.__dict__["description"] = text
        return text

    def __reduce__(self):
        return TestPremise, (self.description, self.span)

    def __eq__(self, other) -> bool:
        if isinstance(other, TestPremise):
            return (self.description, self.span) == (other.description, other.span)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.description, self.span))

    def __repr__(self) -> str:
        return repr(TestPremise(self.description, self.span))


class _ComparisonPremise(_LazyPremise):
    """A comparison that held."""

    __slots__ = ("_left", "_right")

    def __init__(self, node: Compare, env: dict, left, right):  # noqa: D107
        super().__init__(node, env)
        object.__setattr__(self, "_left", left)
        object.__setattr__(self, "_right", right)

    def _text(self) -> str:
        return _comparison_text(self._node, self._env, self._left, self._right)


class _NegationPremise(_LazyPremise):
    """A condition that does not hold: `not ...`, with the bindings of the moment."""

    __slots__ = ()

    def _text(self) -> str:
        return f"not {render(self._node.node, self._env)}"


def _conclusion_scan(node: ConclusionScan, env, db: Database, delta=None, slot=-1):
    lookup = _lookup(node.terms, env, db)
    if lookup is None:
        return
    positions, key, free = lookup
    for fields, c in db.conclusions_in_force(node.modality, positions, key):
        new = env
        ok = True
        for i, name in free:
            bound = new.get(name, _MISSING)
            if bound is _MISSING:
                if new is env:
                    new = dict(env)
                new[name] = fields[i]
            elif bound != fields[i]:
                ok = False
                break
        if ok:
            yield new, (ConclusionPremise(c.id, c.text(), c.rule, c.citation),)


_SOLVERS = {Conj: _conj, Scan: _scan, Member: _member, Compare: _compare, Negate: _negate, Disj: _disj,
            ConclusionScan: _conclusion_scan, Place: _place}


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
    if isinstance(node, Place):
        at = f", at: {render_term(node.at, env)}" if node.at is not None else ""
        return f"{node.pred}({render_term(node.place, env)}, {render_term(node.other, env)}{at})"
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
