"""Stage 3: checked program to executable plan.

Atoms get positional arguments, conjunctions a join order (bound arguments
first, filters as soon as their variables are bound), and each definition's
recursive atoms are marked for semi-naive evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from engine.lang import ast
from engine.lang.check import Checked, bound_vars
from engine.slots import fast_pickle
from engine.vocabulary import BUILTIN_PREDICATES, DEONTIC_PREDICATES


@fast_pickle
@dataclass(frozen=True, slots=True)
class Scan:
    pred: str
    terms: tuple  # positional; Wildcard where an argument is left out
    names: tuple[str, ...]  # parameter names, for rendering
    recursive: bool  # reads a predicate of its own stratum (semi-naive delta)
    slot: int  # which recursive occurrence this is, for the delta variant
    span: object


@fast_pickle
@dataclass(frozen=True, slots=True)
class Member:
    state: object
    organization: object
    at: object | None
    span: object


@fast_pickle
@dataclass(frozen=True, slots=True)
class Place:
    """`in_area(place, area, at)` or `sovereign(place, state, at)`, read from the places reference data."""

    pred: str
    place: object
    other: object  # the area or the state
    at: object | None
    span: object


@fast_pickle
@dataclass(frozen=True, slots=True)
class Compare:
    left: object
    op: str
    right: object
    span: object


@fast_pickle
@dataclass(frozen=True, slots=True)
class Negate:
    node: "Node"
    span: object


@fast_pickle
@dataclass(frozen=True, slots=True)
class Conj:
    nodes: tuple["Node", ...]


@fast_pickle
@dataclass(frozen=True, slots=True)
class Disj:
    nodes: tuple["Node", ...]
    span: object


@fast_pickle
@dataclass(frozen=True, slots=True)
class CountOf:
    vars: tuple[str, ...]
    node: "Node"
    span: object


@fast_pickle
@dataclass(frozen=True, slots=True)
class ConclusionScan:
    """For invariants: reads conclusions in force."""

    modality: str
    terms: tuple
    span: object


Node = Union[Scan, Member, Place, Compare, Negate, Conj, Disj, ConclusionScan]


@dataclass(frozen=True)
class Clause:
    """One clause of a definition: head terms and the planned body."""

    definition: ast.Definition
    head: tuple[ast.Var, ...]
    body: Node
    recursive_slots: int


@dataclass(frozen=True)
class CompiledRule:
    rule: ast.Rule
    body: Node  # when + quantifier, planned
    until: Node | None
    unless: Node | None
    overrides: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    checked: Checked
    strata: tuple[tuple[Clause, ...], ...]
    rules: tuple[CompiledRule, ...]
    invariants: tuple[tuple[ast.Invariant, Node], ...]


class _Planner:
    def __init__(self, checked: Checked, recursive: frozenset[str] = frozenset(),
                 outer_vars: frozenset[str] = frozenset()):
        self.checked = checked
        self.recursive = recursive
        self.outer_vars = outer_vars  # every variable of the declaration
        self.slots = 0

    def plan(self, cond, bound: frozenset[str]) -> Node:
        if cond is None:
            return Conj(())
        if isinstance(cond, ast.And):
            return self.conj(list(cond.items), bound)
        return self.conj([cond], bound)

    def conj(self, items: list, bound: frozenset[str]) -> Node:
        """Greedy join order: cheap filters once ready, then the most-bound atom."""
        flat: list = []
        for item in items:
            flat.extend(item.items if isinstance(item, ast.And) else [item])
        remaining = list(enumerate(flat))
        ordered: list[Node] = []
        while remaining:
            best = min(remaining, key=lambda p: (self.cost(p[1], bound), p[0]))
            remaining.remove(best)
            item = best[1]
            ordered.append(self.node(item, bound))
            bound = bound_vars(item, bound)
        return ordered[0] if len(ordered) == 1 else Conj(tuple(ordered))

    def cost(self, item, bound: frozenset[str]) -> tuple:
        needed = self.needs(item)
        ready = needed <= bound
        if isinstance(item, ast.Comparison):
            binds = item.op == "==" and bound_vars(item, bound) != bound
            return (0, 0) if ready else ((1, 0) if binds else (9, 0))
        if isinstance(item, ast.Not):
            return (2, 0) if ready else (9, 0)
        if isinstance(item, ast.Atom):
            if not ready:
                return (9, 0)
            args = [a.term for a in item.args]
            free = sum(1 for t in args if isinstance(t, ast.Var) and t.name not in bound)
            bound_args = len(args) - free
            builtin = 1 if item.pred in BUILTIN_PREDICATES else 0
            return (3 + builtin, free - bound_args)
        if isinstance(item, ast.Or):
            return (5, 0) if ready else (9, 0)
        return (6, 0)

    def needs(self, item) -> frozenset[str]:
        """Variables that must be bound before this item can run."""
        if isinstance(item, ast.Atom):
            from engine.lang.check import input_args

            inputs = input_args(item)
            return frozenset(v.name for a in item.args if isinstance(a.term, ast.Attr) or a in inputs
                             for v in ast.term_vars(a.term))
        if isinstance(item, ast.Comparison):
            sides = (item.left, item.right)
            names = [frozenset(v.name for v in ast.term_vars(s)) if not isinstance(s, ast.Count) else frozenset()
                     for s in sides]
            if item.op == "==":
                # one plain variable side may be bound by the comparison itself
                for (side, other) in ((0, 1), (1, 0)):
                    if isinstance(sides[side], ast.Var):
                        return names[other] | self.count_needs(sides[other])
            return names[0] | names[1] | self.count_needs(item.left) | self.count_needs(item.right)
        if isinstance(item, ast.Not):
            return self.free_outer(item.cond)
        if isinstance(item, ast.Or):
            return frozenset().union(*(self.needs(i) for i in item.items)) if item.items else frozenset()
        if isinstance(item, ast.And):
            return frozenset().union(*(self.needs(i) for i in item.items))
        return frozenset()

    def count_needs(self, expr) -> frozenset[str]:
        if isinstance(expr, ast.Count):
            return self.free_outer(expr.cond) - {v.name for v in expr.vars}
        if isinstance(expr, ast.BinOp):
            return self.count_needs(expr.left) | self.count_needs(expr.right)
        return frozenset()

    def free_outer(self, cond) -> frozenset[str]:
        """Under a negation, variables are shared with the outside only if bound there; be conservative."""
        names = set()
        for atom, _ in ast.atoms(cond):
            names |= {a.term.name for a in atom.args if isinstance(a.term, ast.Var)}
            names |= {v.name for a in atom.args if isinstance(a.term, ast.Attr) for v in ast.term_vars(a.term)}
        # a comparison under the negation reads its variables too (`not R.withdrawn <= D`): without them
        # bound it would compare nothing, fail, and the negation would hold
        for node in ast.walk(cond):
            if isinstance(node, ast.Comparison):
                names |= {v.name for side in (node.left, node.right) for v in ast.term_vars(side)}
        return frozenset(names) & self.outer_vars

    def node(self, item, bound: frozenset[str]) -> Node:
        if isinstance(item, ast.Atom):
            return self.atom(item)
        if isinstance(item, ast.Comparison):
            return Compare(self.expr(item.left, bound), item.op, self.expr(item.right, bound), item.span)
        if isinstance(item, ast.Not):
            return Negate(self.plan(item.cond, bound), item.span)
        if isinstance(item, ast.Or):
            return Disj(tuple(self.plan(i, bound) for i in item.items), item.span)
        if isinstance(item, ast.And):
            return self.conj(list(item.items), bound)
        raise TypeError(item)

    def expr(self, expr, bound):
        if isinstance(expr, ast.Count):
            return CountOf(tuple(v.name for v in expr.vars), self.plan(expr.cond, bound), expr.span)
        if isinstance(expr, ast.BinOp):
            return ast.BinOp(expr.op, self.expr(expr.left, bound), self.expr(expr.right, bound), expr.span)
        return expr

    def atom(self, atom: ast.Atom) -> Node:
        params = self.checked.signatures.get(atom.pred) or DEONTIC_PREDICATES[atom.pred]
        terms = [ast.Wildcard(atom.span)] * len(params)
        position = 0
        for arg in atom.args:
            if arg.name is None:
                terms[position] = arg.term
                position += 1
            else:
                terms[params.index(arg.name)] = arg.term
        if atom.pred == "member":
            return Member(terms[0], terms[1], None if isinstance(terms[2], ast.Wildcard) else terms[2], atom.span)
        if atom.pred in ("in_area", "sovereign"):
            return Place(atom.pred, terms[0], terms[1], None if isinstance(terms[2], ast.Wildcard) else terms[2],
                         atom.span)
        if atom.pred in DEONTIC_PREDICATES and atom.pred not in self.checked.signatures:
            return ConclusionScan(atom.pred, tuple(terms), atom.span)
        recursive = atom.pred in self.recursive
        slot = -1
        if recursive:
            slot = self.slots
            self.slots += 1
        return Scan(atom.pred, tuple(terms), params, recursive, slot, atom.span)


def _all_vars(cond) -> frozenset[str]:
    names = set()
    for atom, _ in ast.atoms(cond):
        for a in atom.args:
            names |= {v.name for v in ast.term_vars(a.term)}
    return frozenset(names)


def compile_program(checked: Checked) -> Plan:
    strata = []
    for preds in checked.strata:
        recursive = frozenset(preds)
        clauses = []
        for pred in preds:
            for d in checked.definitions[pred]:
                planner = _Planner(checked, recursive, _all_vars(d.when))
                body = planner.plan(d.when, frozenset())
                clauses.append(Clause(d, tuple(p.var for p in d.params), body, planner.slots))
        strata.append(tuple(clauses))

    rules = []
    for rule in checked.rules:
        when = rule.when
        q = rule.quantifier
        items = [when] if when is not None else []
        if q is not None:
            member_args = [ast.Arg(None, q.var, q.span), ast.Arg(None, ast.Const(q.organization, "name", q.span), q.span)]
            if q.at is not None:
                member_args.append(ast.Arg("at", q.at, q.span))
            items.append(ast.Atom("member", tuple(member_args), q.span))
            if q.where is not None:
                items.append(q.where)
        whole = ast.And(tuple(items), rule.span) if items else None
        planner = _Planner(checked, outer_vars=_all_vars(whole) | _all_vars(rule.until) | _all_vars(rule.unless))
        body = planner.plan(whole, frozenset())
        bound = bound_vars(whole)
        until = planner.plan(rule.until, bound) if rule.until is not None else None
        unless = planner.plan(rule.unless, bound) if rule.unless is not None else None
        rules.append(CompiledRule(rule, body, until, unless, checked.overrides.get(rule.qualname, ())))

    invariants = []
    for inv in checked.invariants:
        planner = _Planner(checked, outer_vars=_all_vars(inv.cond))
        invariants.append((inv, planner.plan(inv.cond, frozenset())))
    return Plan(checked, tuple(strata), tuple(rules), tuple(invariants))
