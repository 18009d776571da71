"""Minimal counterfactuals: the smallest sets of changes to a case's facts that make a conclusion
follow (or stop following, if it does), each verified by evaluating the changed case.

The changes tried are the facts a case states that some rule reads (by the vocabulary
registry): each recorded vote to each other value, each incident's scale, kind, attribution and
end, each request's kind and each decision's recorded outcome. (Memberships are not varied: a
change of membership is not a single fact of the case but a new membership list.)
Sets are searched by size, smallest first, up to `max_changes`; a set containing one already found
is not minimal and is skipped. The search is bounded by `limit` evaluations and says so when it
stops there, or when no set of the allowed size exists.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from engine.diagnostics import CasusError, Diagnostic, show
from engine.inputs.load import Case
from engine.inputs.rulebook import RuleSet
from engine.lang import ast
from engine.lang.parse import parse_query
from engine.report import json as report_json
from engine.report import text as report_text
from engine.run.api import evaluate
from engine.tools.explore import relevant
from engine.tools.scenarios import with_changes
from engine.vocabulary import ATTRIBUTIONS, INCIDENT_KINDS, REQUEST_KINDS, SCALES, SETTLEMENT_OUTCOMES, VOTE_VALUES, Status

Change = tuple[str, Any]


@dataclass
class Counterfactual:
    query: str
    follows: bool  # in the case as it is; the changes found make it stop following if so
    candidates: int  # single changes considered
    evaluated: int
    max_changes: int
    exhausted: bool  # every set up to max_changes was tried
    found: list[tuple[Change, ...]]

    @property
    def goal(self) -> str:
        return "stop following" if self.follows else "follow"

    def settings(self, changes: tuple[Change, ...]) -> list[str]:
        """The changes as `casus whatif --set` arguments."""
        return [f"{path}={_value(value)}" for path, value in changes]

    def explain(self) -> str:
        return report_text.render_counterfactual(self)

    def to_json(self) -> dict:
        return report_json.counterfactual_json(self)


def _value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return show(value)


def candidate_changes(rules: RuleSet, case: Case) -> list[Change]:
    """Single changes to the facts the case states that some rule can read."""
    m = case.model
    out: list[Change] = []
    for d in m.decisions:
        for state, vote in sorted((d.votes or {}).items()):
            out += [(f"decisions[{d.id}].votes.{state}", v) for v in VOTE_VALUES if v != vote]
        if d.adopted is not None:
            out.append((f"decisions[{d.id}].adopted", not d.adopted))
    for x in m.incidents:
        out += [(f"incidents[{x.id}].scale", v) for v in SCALES if v != x.scale]
        out += [(f"incidents[{x.id}].kind", v) for v in INCIDENT_KINDS if v != x.kind]
        out += [(f"incidents[{x.id}].attribution", v) for v in ATTRIBUTIONS if v != x.attribution]
        out.append((f"incidents[{x.id}].ended", None if x.ended is not None else m.as_of))
    for r in m.requests:
        out += [(f"requests[{r.id}].kind", v) for v in REQUEST_KINDS if v != r.kind]
    for x in m.disputes:
        out.append((f"disputes[{x.id}].endangers_peace", not x.endangers_peace))
    for x in m.settlement:
        out += [(f"settlement[{x.id}].outcome", v) for v in SETTLEMENT_OUTCOMES if v != x.outcome]
    return [(path, value) for path, value in out if relevant(rules, path)]


def _holds(rules: RuleSet, case: Case, q: ast.Query, assume) -> bool:
    return any(c.status == Status.IN_FORCE for c in evaluate(rules, case, assume=assume).find(q))


def counterfactual(rules: RuleSet, case: Case, query: ast.Query | str, *, max_changes: int = 2,
                   limit: int = 5000, assume: dict[str, bool] | None = None) -> Counterfactual:
    q = parse_query(query) if isinstance(query, str) else query
    if max_changes < 1:
        raise CasusError([Diagnostic("E606", "--max-changes takes a whole number of at least 1", None)])
    follows = _holds(rules, case, q, assume)
    singles = candidate_changes(rules, case)
    found: list[tuple[Change, ...]] = []
    evaluated = 0
    exhausted = True
    for size in range(1, max_changes + 1):
        for combo in itertools.combinations(range(len(singles)), size):
            changes = tuple(singles[i] for i in combo)
            if len({path for path, _ in changes}) < size:
                continue  # two values for one fact
            if any(set(f) <= set(changes) for f in found):
                continue  # contains a smaller set that works: not minimal
            if evaluated >= limit:
                exhausted = False
                break
            evaluated += 1
            try:
                variant = with_changes(case, rules, list(changes), label="counterfactual")
            except CasusError:
                continue  # the changed case is not valid (e.g. an attribution its author contradicts)
            if _holds(rules, variant, q, assume) != follows:
                found.append(changes)
        if not exhausted:
            break
    return Counterfactual(str(q), follows, len(singles), evaluated, max_changes, exhausted, found)
