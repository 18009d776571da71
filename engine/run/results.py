"""What evaluation returns: conclusions with their proofs, decisions, conflicts.

Everything here is plain data, so a result can be rendered, compared,
serialised or kept after the evaluation that made it is gone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any, Callable, Union

from engine.diagnostics import Diagnostic, Span, show
from engine.inputs.store import Origin, Tenure
from engine.lang.ast import Query
from engine.lang.parse import parse_query
from engine.report import json as report_json
from engine.report import text as report_text
from engine.vocabulary import Modality, Status

__all__ = ["Status", "Modality", "DerivationKind", "show", "FactPremise", "MemberPremise", "TestPremise",
           "TallyPremise", "ConclusionPremise", "Premise", "Derivation", "Defeat", "Conclusion",
           "DecisionOutcome", "Violation", "Result", "Diff", "diff"]



class DerivationKind(StrEnum):
    """How a fact, conclusion, decision outcome or violation came about."""

    RULE = "rule"  # a deontic rule fired
    DEFINITION = "definition"  # a derived predicate
    PROCEDURE = "procedure"  # a voting procedure decided a decision
    RECORDED = "recorded"  # the case file's recorded outcome, where no procedure applies
    UNTIL = "until"  # a rule's end condition held
    UNLESS = "unless"  # a rule's exception held
    INVARIANT = "invariant"  # an invariant's `never` condition held


# ----------------------------------------------------------------- premises


@dataclass(frozen=True)
class FactPremise:
    """A fact that held: stated in a file (origin) or derived (derivation)."""

    kind = "fact"  # for renderers, which read plain data without importing this module

    pred: str
    args: tuple
    names: tuple[str, ...]
    origin: Origin | None = None
    derivation: "Derivation | None" = None

    def text(self) -> str:
        shown = []
        for i, value in enumerate(self.args):
            if i == 0 or not self.names or i >= len(self.names):
                shown.append(show(value))
            else:
                shown.append(f"{self.names[i]}: {show(value)}")
        return f"{self.pred}({', '.join(shown)})"


@dataclass(frozen=True)
class MemberPremise:
    kind = "member"  # for renderers, which read plain data without importing this module

    state: str
    organization: str
    day: dt.date
    tenure: Tenure | None  # None: not a member on that day

    def text(self) -> str:
        if self.tenure is None:
            return f"{self.state} is not a member of {self.organization} on {show(self.day)}"
        since = f" since {show(self.tenure.start)}" if self.tenure.start else ""
        return f"{self.state} is a member of {self.organization} on {show(self.day)}{since}"


@dataclass(frozen=True)
class TestPremise:
    """A comparison, a negation or a count that held."""

    kind = "test"  # for renderers, which read plain data without importing this module

    description: str
    span: Span | None = None

    def text(self) -> str:
        return self.description


@dataclass(frozen=True)
class TallyPremise:
    """The vote count a procedure decided on."""

    kind = "tally"  # for renderers, which read plain data without importing this module

    decision: str
    procedure: str
    counts: tuple[tuple[str, int], ...]
    vetoes: tuple[str, ...]
    disregarded: tuple[str, ...]
    tests: tuple[tuple[str, bool], ...]

    def text(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in self.counts)
        out = f"tally of {self.decision}: {counts}"
        if self.vetoes:
            out += f"; negative vote of {', '.join(self.vetoes)} (veto)"
        if self.disregarded:
            out += f"; votes of {', '.join(self.disregarded)} disregarded as parties to the dispute"
        return out


@dataclass(frozen=True)
class ConclusionPremise:
    """A conclusion in force, as read by an invariant."""

    kind = "conclusion"  # for renderers, which read plain data without importing this module

    id: str
    conclusion: str
    rule: str
    citation: str | None

    def text(self) -> str:
        return f"{self.conclusion}  [in force by {self.rule}]"


Premise = Union[FactPremise, MemberPremise, TestPremise, TallyPremise, ConclusionPremise]


@dataclass(frozen=True)
class Derivation:
    """One application of a rule, definition or procedure."""

    kind: DerivationKind
    name: str
    title: str | None
    citation: str | None
    bindings: tuple[tuple[str, Any], ...]
    premises: tuple[Premise, ...]
    span: Span | None = None

    def sort_key(self) -> tuple:
        """A total order on derivations of the same thing, of primitive values only, computed once.

        Independent of the order of rules, files and facts; the smallest derivation wins.
        """
        return (self.name, self._bindings_key(), self._premises_key())

    def precedes(self, other: "Derivation") -> bool:
        """`self.sort_key() < other.sort_key()`, reading the premises only when all else is equal."""
        if self.name != other.name:
            return self.name < other.name
        a, b = self._bindings_key(), other._bindings_key()
        if a != b:
            return a < b
        return self._premises_key() < other._premises_key()

    def _bindings_key(self) -> tuple:
        key = self.__dict__.get("_bkey")
        if key is None:
            key = tuple((k, value_key(v)) for k, v in self.bindings)
            object.__setattr__(self, "_bkey", key)
        return key

    def _premises_key(self) -> tuple:
        key = self.__dict__.get("_pkey")
        if key is None:
            key = tuple(premise_key(p) for p in self.premises)
            object.__setattr__(self, "_pkey", key)
        return key

    def __getstate__(self) -> dict:  # the cached keys are not part of the data
        state = dict(self.__dict__)
        state.pop("_bkey", None)
        state.pop("_pkey", None)
        return state


def value_key(v: Any) -> tuple:
    """A sort key for a value of any type a fact or binding holds, comparable across types."""
    if isinstance(v, str):
        return (0, v)
    if isinstance(v, dt.date):
        return (1, v.toordinal())
    if isinstance(v, (int, Fraction)) and not isinstance(v, bool):
        return (2, v)
    if v is None:
        return (3, "")
    if isinstance(v, tuple):
        return (4, tuple(value_key(x) for x in v))
    return (5, repr(v))


def premise_key(p: Premise) -> tuple:
    """A premise's place in the order of derivations: what it states, not how (a fact has one derivation)."""
    kind = p.kind
    if kind == "fact":
        return (0, p.pred, tuple(value_key(a) for a in p.args))
    if kind == "member":
        t = p.tenure
        return (1, p.state, p.organization, p.day.toordinal(),
                () if t is None else (value_key(t.start), value_key(t.end)))
    if kind == "test":
        return (2, p.description)
    if kind == "tally":
        return (3, p.decision, p.procedure)
    if kind == "conclusion":
        return (4, p.id)
    return (5, repr(p))


# -------------------------------------------------------------- conclusions


@dataclass(frozen=True)
class Defeat:
    """Why one conclusion gives way to another."""

    by: str  # the other conclusion's id
    by_text: str
    by_rule: str
    by_citation: str | None
    reason: str  # override | priority | exception | conflict


@dataclass
class Conclusion:
    modality: Modality
    actor: str
    action: str
    object: str | None
    prep: str | None
    counterparty: str | None
    description: str | None
    rule: str
    regime: str
    title: str | None
    citation: str | None
    derivation: Derivation
    status: Status = Status.IN_FORCE
    ended_by: Derivation | None = None
    excepted_by: Derivation | None = None
    defeated_by: list[Defeat] = field(default_factory=list)
    defeats: list[Defeat] = field(default_factory=list)
    conflicts_with: list[Defeat] = field(default_factory=list)
    # the other derivations of the same conclusion (the status rests on `derivation`)
    alternatives: tuple[Derivation, ...] = field(default=(), repr=False, compare=False)

    @property
    def act(self) -> tuple:
        return (self.actor, self.action, self.object, self.counterparty)

    @property
    def id(self) -> str:
        return f"{self.rule}:{self.text()}"

    def text(self) -> str:
        parts = [self.modality, self.actor, "to", self.action]
        if self.object is not None:
            parts.append(self.object)
        if self.counterparty is not None:
            parts += [self.prep, self.counterparty] if self.prep else [self.counterparty]
        return " ".join(parts)

    def matches(self, query: "Query") -> bool:
        return (
            query.modality == self.modality
            and query.action == self.action
            and (query.actor is None or query.actor == self.actor)
            and (query.object is None or query.object == self.object)
            and (query.counterparty is None or query.counterparty == self.counterparty)
        )

    def explain(self) -> str:
        """The proof, as text."""
        return report_text.explain_conclusion(self)

    def to_json(self) -> dict:
        return report_json.conclusion_json(self)

    def sort_key(self) -> tuple:
        return (self.actor, self.modality, self.action, self.counterparty or "", self.object or "", self.rule)


@dataclass(frozen=True)
class DecisionOutcome:
    decision: str
    organ: str
    date: dt.date
    symbol: str | None
    procedure: str | None
    citation: str | None
    adopted: bool | None  # None: no procedure applies and no outcome recorded
    derivation: Derivation | None
    note: str | None = None


@dataclass(frozen=True)
class Violation:
    """A way in which an invariant's `never` condition holds."""

    invariant: str
    title: str | None
    citation: str | None
    derivation: Derivation

    def text(self) -> str:
        bindings = ", ".join(f"{k} = {show(v)}" for k, v in self.derivation.bindings)
        return f"invariant {self.invariant} violated" + (f" with {bindings}" if bindings else "")


WhyNot = Callable[[Query], str]


@dataclass
class Result:
    """What the rules conclude for one case as of its date: plain data, picklable, kept after evaluation.

    `why_not`, when `engine.evaluate` sets it, is the explicit re-evaluation that finds the premise a
    conclusion lacks: a function of the query over the same immutable rules and case, so that
    `explain` can answer "why not" without the result holding on to the evaluation's database.
    """

    case: str
    title: str | None
    as_of: dt.date
    conclusions: list[Conclusion]
    decisions: list[DecisionOutcome]
    derived: dict[tuple, Derivation]  # derived facts and how
    diagnostics: list[Diagnostic] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    why_not: WhyNot | None = field(default=None, repr=False, compare=False)

    @property
    def conflicts(self) -> list[tuple[Conclusion, Conclusion]]:
        by_id = {c.id: c for c in self.conclusions}
        pairs = []
        for c in self.conclusions:
            for d in c.conflicts_with:
                if c.id < d.by:
                    pairs.append((c, by_id[d.by]))
        return pairs

    def in_force(self) -> list[Conclusion]:
        return [c for c in self.conclusions if c.status == Status.IN_FORCE]

    def find(self, query: Query | str) -> list[Conclusion]:
        q = parse_query(query) if isinstance(query, str) else query
        return [c for c in self.conclusions if c.matches(q)]

    def follows(self, query: Query | str, status: str = Status.IN_FORCE) -> bool:
        return any(c.status == status for c in self.find(query))

    def decision(self, decision_id: str) -> DecisionOutcome | None:
        return next((d for d in self.decisions if d.decision == decision_id), None)

    def diff(self, other: Result) -> Diff:
        """What is gained, lost or otherwise changed in `other` (e.g. a what-if) compared with this result."""
        return diff(self, other)

    def explain(self, query: Query | str) -> str:
        """The proof of a conclusion, or why it does not follow."""
        q = parse_query(query) if isinstance(query, str) else query
        matches = self.find(q)
        if matches:
            return report_text.explain_matches(q, matches)
        reason = self.why_not(q) if self.why_not is not None else None
        return reason or f"'{q}' does not follow as of {show(self.as_of)}."

    def to_json(self) -> dict:
        return report_json.result_json(self)


# --------------------------------------------------------------------- diff


def _key(c: Conclusion) -> tuple:
    return (c.rule, c.modality, c.actor, c.action, c.object, c.counterparty)


@dataclass
class Diff:
    """What changes between two results of the same rules."""

    before: Result
    after: Result
    gained: list[Conclusion] = field(default_factory=list)  # in force after, not before
    lost: list[Conclusion] = field(default_factory=list)  # in force before, not after
    changed: list[tuple[Conclusion | None, Conclusion | None]] = field(default_factory=list)  # other status changes
    decisions: list[tuple[str, bool | None, bool | None]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.gained or self.lost or self.changed or self.decisions)

    def explain(self) -> str:
        return report_text.render_diff(self)

    def to_json(self) -> dict:
        return report_json.diff_json(self)


def diff(before: Result, after: Result) -> Diff:
    a = {_key(c): c for c in before.conclusions}
    b = {_key(c): c for c in after.conclusions}
    out = Diff(before, after)
    for key in sorted(set(a) | set(b), key=repr):
        x, y = a.get(key), b.get(key)
        was = x is not None and x.status == Status.IN_FORCE
        now = y is not None and y.status == Status.IN_FORCE
        if now and not was:
            out.gained.append(y)
        elif was and not now:
            out.lost.append(x)
        elif (x.status if x else None) != (y.status if y else None):
            out.changed.append((x, y))
    da = {d.decision: d.adopted for d in before.decisions}
    db = {d.decision: d.adopted for d in after.decisions}
    for d in sorted(set(da) | set(db)):
        if da.get(d) != db.get(d):
            out.decisions.append((d, da.get(d), db.get(d)))
    return out
