"""What evaluation returns: conclusions with their proofs, decisions, conflicts.

Everything here is plain data, so a result can be rendered, compared,
serialised or kept after the evaluation that made it is gone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Union

from engine.diagnostics import Diagnostic, Span
from engine.inputs.store import Origin, Tenure

if TYPE_CHECKING:  # pragma: no cover
    from engine.lang.ast import Query

IN_FORCE, DEFEATED, IN_CONFLICT, ENDED = "in force", "defeated", "in conflict", "ended"
STATUSES = (IN_FORCE, DEFEATED, IN_CONFLICT, ENDED)


def show(value: Any) -> str:
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# ----------------------------------------------------------------- premises


@dataclass(frozen=True)
class FactPremise:
    """A fact that held: stated in a file (origin) or derived (derivation)."""

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

    description: str
    span: Span | None = None

    def text(self) -> str:
        return self.description


@dataclass(frozen=True)
class TallyPremise:
    """The vote count a procedure decided on."""

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

    kind: str  # rule | definition | procedure | recorded
    name: str
    title: str | None
    citation: str | None
    bindings: tuple[tuple[str, Any], ...]
    premises: tuple[Premise, ...]
    span: Span | None = None

    def sort_key(self) -> tuple:
        return (self.name, tuple((k, repr(v)) for k, v in self.bindings), repr(self.premises))


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
    modality: str
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
    status: str = IN_FORCE
    ended_by: Derivation | None = None
    excepted_by: Derivation | None = None
    defeated_by: list[Defeat] = field(default_factory=list)
    defeats: list[Defeat] = field(default_factory=list)
    conflicts_with: list[Defeat] = field(default_factory=list)

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
        from engine.report.text import explain_conclusion

        return explain_conclusion(self)

    def to_json(self) -> dict:
        from engine.report.text import conclusion_json

        return conclusion_json(self)

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


@dataclass
class Result:
    case: str
    title: str | None
    as_of: dt.date
    conclusions: list[Conclusion]
    decisions: list[DecisionOutcome]
    derived: dict[tuple, Derivation]  # derived facts and how
    diagnostics: list[Diagnostic] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    _context: Any = field(default=None, repr=False, compare=False)

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
        return [c for c in self.conclusions if c.status == IN_FORCE]

    def find(self, query: "Query | str") -> list[Conclusion]:
        from engine.lang.parse import parse_query

        q = parse_query(query) if isinstance(query, str) else query
        return [c for c in self.conclusions if c.matches(q)]

    def follows(self, query: "Query | str", status: str = IN_FORCE) -> bool:
        return any(c.status == status for c in self.find(query))

    def decision(self, decision_id: str) -> DecisionOutcome | None:
        return next((d for d in self.decisions if d.decision == decision_id), None)

    def diff(self, other: "Result"):
        """What is gained, lost or otherwise changed in `other` (e.g. a what-if) compared with this result."""
        from engine.tools.scenarios import diff

        return diff(self, other)

    def explain(self, query: "Query | str") -> str:
        """The proof of a conclusion, or why it does not follow."""
        from engine.report.text import explain_query

        return explain_query(self, query)

    def to_json(self) -> dict:
        from engine.report.text import result_json

        return result_json(self)
