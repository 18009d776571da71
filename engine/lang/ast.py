"""The immutable syntax tree of the rule language.

Every node keeps its source span so that diagnostics and proofs can point at
the exact rule text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from fractions import Fraction
from typing import Callable, Iterator, TypeVar, Union

from engine.diagnostics import Span
from engine.slots import fast_pickle
from engine.vocabulary import MODALITIES

__all__ = ["MODALITIES"]  # re-exported for the grammar glue


# ------------------------------------------------------------------- terms


@fast_pickle
@dataclass(frozen=True, slots=True)
class Var:
    name: str
    span: Span


@fast_pickle
@dataclass(frozen=True, slots=True)
class Wildcard:
    span: Span


@fast_pickle
@dataclass(frozen=True, slots=True)
class Const:
    """A symbol, string, number or date."""

    value: str | Fraction | dt.date
    kind: str  # name | string | number | date
    span: Span


@fast_pickle
@dataclass(frozen=True, slots=True)
class Attr:
    """`I.date`: an attribute of the entity bound to a variable."""

    var: Var
    attr: str
    span: Span


Term = Union[Var, Wildcard, Const, Attr]


@fast_pickle
@dataclass(frozen=True, slots=True)
class BinOp:
    op: str  # + - * /
    left: "Expr"
    right: "Expr"
    span: Span


@fast_pickle
@dataclass(frozen=True, slots=True)
class Count:
    vars: tuple[Var, ...]
    cond: "Cond"
    span: Span


Expr = Union[Term, BinOp, Count]


# -------------------------------------------------------------- conditions


@fast_pickle
@dataclass(frozen=True, slots=True)
class Arg:
    name: str | None  # None for a positional argument
    term: Term
    span: Span


@fast_pickle
@dataclass(frozen=True, slots=True)
class Atom:
    pred: str
    args: tuple[Arg, ...]
    span: Span


@fast_pickle
@dataclass(frozen=True, slots=True)
class Comparison:
    left: Expr
    op: str
    right: Expr
    span: Span


@fast_pickle
@dataclass(frozen=True, slots=True)
class Not:
    cond: "Cond"
    span: Span


@fast_pickle
@dataclass(frozen=True, slots=True)
class And:
    items: tuple["Cond", ...]
    span: Span


@fast_pickle
@dataclass(frozen=True, slots=True)
class Or:
    items: tuple["Cond", ...]
    span: Span


Cond = Union[Atom, Comparison, Not, And, Or]


# ------------------------------------------------------------ declarations


@fast_pickle
@dataclass(frozen=True, slots=True)
class Citation:
    text: str
    span: Span


@fast_pickle
@dataclass(frozen=True, slots=True)
class InForce:
    start: dt.date | None
    end: dt.date | None  # exclusive: `before DATE`
    span: Span

    def covers(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day < self.end)


@fast_pickle
@dataclass(frozen=True, slots=True)
class Deontic:
    modality: str
    actor: Term
    action: str
    object: Term | None
    prep: str | None
    counterparty: Term | None
    description: str | None
    span: Span


@fast_pickle
@dataclass(frozen=True, slots=True)
class Quantifier:
    """`for every member S of nato [at T] [where C]`."""

    var: Var
    organization: str
    at: Term | None
    where: Cond | None
    span: Span


class _Cited:
    """Declarations that cite their sources; several `cites` read as one."""

    __slots__ = ()

    @property
    def citation(self) -> str | None:
        return "; ".join(c.text for c in self.citations) or None


class _Named(_Cited):
    """Declarations named within their regime: `regime.name` is unique across a rule set."""

    __slots__ = ()

    @property
    def qualname(self) -> str:
        return f"{self.regime}.{self.name}"


@fast_pickle
@dataclass(frozen=True, slots=True)
class Regime:
    name: str
    title: str | None
    citation: Citation | None
    in_force: InForce | None
    parties: str | None
    span: Span


@fast_pickle
@dataclass(frozen=True, slots=True)
class Rule(_Named):
    name: str
    title: str | None
    regime: str
    citations: tuple[Citation, ...]
    in_force: InForce | None
    when: Cond | None
    quantifier: Quantifier | None
    conclusions: tuple[Deontic, ...]
    until: Cond | None
    unless: Cond | None
    overrides: tuple[tuple[str, Span], ...]
    span: Span


@fast_pickle
@dataclass(frozen=True, slots=True)
class Param:
    name: str
    var: Var
    span: Span


@fast_pickle
@dataclass(frozen=True, slots=True)
class Definition(_Named):
    name: str
    title: str | None
    regime: str
    citations: tuple[Citation, ...]
    params: tuple[Param, ...]
    when: Cond | None
    span: Span


@fast_pickle
@dataclass(frozen=True, slots=True)
class Procedure(_Named):
    name: str
    title: str | None
    regime: str
    citations: tuple[Citation, ...]
    in_force: InForce | None
    body: str | None  # the organization whose members vote
    organ: str | None  # the organ whose decisions it governs; defaults to the body
    matters: tuple[str, ...]
    veto: str | None
    requires: tuple[Cond, ...]
    disregards_parties: bool
    span: Span


@fast_pickle
@dataclass(frozen=True, slots=True)
class Priority(_Cited):
    regime: str
    over: tuple[str, ...] | None  # None: over every other regime
    modalities: tuple[str, ...]  # empty: all
    citations: tuple[Citation, ...]
    span: Span


@fast_pickle
@dataclass(frozen=True, slots=True)
class Invariant(_Named):
    name: str
    title: str | None
    regime: str
    citations: tuple[Citation, ...]
    cond: Cond
    span: Span


@fast_pickle
@dataclass(frozen=True, slots=True)
class Assumption(_Named):
    name: str
    title: str | None
    regime: str
    citations: tuple[Citation, ...]
    default: bool
    span: Span


Declaration = Union[Regime, Rule, Definition, Procedure, Priority, Invariant, Assumption]


@fast_pickle
@dataclass(frozen=True, slots=True)
class Module:
    """One rule file."""

    file: str
    declarations: tuple[Declaration, ...]


@fast_pickle
@dataclass(frozen=True, slots=True)
class Program:
    modules: tuple[Module, ...]
    sources: tuple[tuple[str, str], ...]  # (file, text) pairs, for diagnostics

    def declarations(self):
        for module in self.modules:
            yield from module.declarations


@fast_pickle
@dataclass(frozen=True, slots=True)
class Query:
    """A conclusion pattern: `obliged DEU to assist EST`; None is a wildcard."""

    modality: str
    actor: str | None
    action: str
    object: str | None
    prep: str | None
    counterparty: str | None

    def __str__(self) -> str:
        parts = [self.modality, self.actor or "_", "to", self.action]
        if self.object is not None:
            parts.append(self.object)
        if self.prep or self.counterparty is not None:
            parts += [p for p in (self.prep, self.counterparty or "_") if p]
        return " ".join(parts)


# --------------------------------------------------------------- traversal
#
# One generic walk over any node, so that passes which look for atoms,
# variables or names need not spell out every node type. The walks use an
# explicit stack: rule text nested thousands deep must not exhaust Python's.


_LEAVES = (str, int, float, bool, Fraction, dt.date, type(None), Span, Citation, InForce)


def children(node) -> Iterator:
    """The direct sub-nodes of a node (any field of a declaration or expression), in field order."""
    if isinstance(node, tuple):
        for item in node:
            if not isinstance(item, _LEAVES):
                yield item
        return
    for f in fields(node):
        if f.name == "span":
            continue
        value = getattr(node, f.name)
        if isinstance(value, _LEAVES):
            continue
        if isinstance(value, tuple):
            for item in value:
                if not isinstance(item, _LEAVES) and not (isinstance(item, tuple) and item and isinstance(item[0], str)):
                    yield item
        else:
            yield value


def walk(node) -> Iterator:
    """Every node below and including `node`, pre-order; tuples are looked through."""
    if node is None:
        return
    stack = [node]
    while stack:
        current = stack.pop()
        if not isinstance(current, tuple):
            yield current
        stack.extend(reversed(list(children(current))))


T = TypeVar("T")


def fold(node, combine: Callable[[object, list[T]], T]) -> T:
    """Bottom-up: `combine(node, results of its children)` for every node, without recursion."""
    results: dict[int, T] = {}
    stack: list[tuple[object, bool]] = [(node, False)]
    while stack:
        current, expanded = stack.pop()
        kids = list(children(current))
        if expanded:
            results[id(current)] = combine(current, [results.pop(id(k)) for k in kids])
        else:
            stack.append((current, True))
            stack.extend((k, False) for k in kids)
    return results[id(node)]


def atoms(cond, negated: bool = False) -> Iterator[tuple[Atom, bool]]:
    """Every atom with whether it sits under a negation or a count."""
    if cond is None:
        return
    stack = [(cond, negated)]
    while stack:
        node, neg = stack.pop()
        if isinstance(node, Atom):
            yield node, neg
            continue
        inner = neg or isinstance(node, (Not, Count))
        stack.extend((k, inner) for k in reversed(list(children(node))) if not isinstance(k, (Var, Wildcard, Const)))


def term_vars(term) -> Iterator[Var]:
    """The variables a term or arithmetic expression reads (not those bound inside a count)."""
    stack = [term]
    while stack:
        node = stack.pop()
        if isinstance(node, Var):
            yield node
        elif node is not None and not isinstance(node, (Count, Const, Wildcard)):
            stack.extend(reversed(list(children(node))))
