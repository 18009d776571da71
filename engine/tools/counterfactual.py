"""Minimal counterfactuals: the smallest sets of changes to a case's facts that make a conclusion
follow (or stop following, if it does), each verified by evaluating the changed case.

The changes tried are read off the case models, so a new kind of fact is varied as soon as it is
declared: every field of an incident, decision, request, response, report, claim, operation,
dispute or settlement step (and of their nested items) that some rule reads and whose values form
a small set — a literal such as a vote, a scale or a kind to each other value, a yes/no to the
other, a date to just before or after each other date of the case or to the case's own date (or
to none, where a field may be left out), a state or place to each other state of the case, a list
of literals with one added or removed — and each content item of a decision left out.
Memberships change through the case's organization overrides: each state of the case joins (from
before the case's first event), or has its membership left out of (`without:`), each
organization that a state of the case or a request names.
Sets are searched by size, smallest first, up to `max_changes`; a set containing one already found
is not minimal and is skipped. The search is bounded by `limit` evaluations and says so when it
stops there, or when no set of the allowed size exists.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from engine.diagnostics import CasusError, Diagnostic, show
from engine.inputs.casefile import Authors, CaseFile
from engine.inputs.load import Case
from engine.inputs.states import normalize_state
from engine.inputs.values import IDENT, Bool, Date, Place, StateCode
from engine.inputs.yamlpos import load_document
from engine.inputs.rulebook import RuleSet
from engine.lang import ast
from engine.lang.parse import parse_query
from engine.report import json as report_json
from engine.report import text as report_text
from engine.run.api import evaluate
from engine.tools.explore import relevant
from engine.tools.scenarios import changed_case
from engine.vocabulary import FIELD_ALIASES, VOTE_VALUES, Status

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
    if isinstance(value, (list, tuple)) and not any(isinstance(v, (list, dict)) for v in value):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, (list, dict)):
        return json.dumps(value, default=str)  # JSON is YAML's flow style: `whatif --set` reads it back
    return show(value)


# Sections of a case whose items are varied field by field.
_SECTIONS = ("incidents", "decisions", "requests", "responses", "reports", "claims", "operations", "disputes",
             "settlement")
# Fields that name or describe an item rather than state a fact about it.
_NOT_FACTS = frozenset({"id", "description", "source", "symbol", "text", "title", "note"})
_ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class _Context:
    states: tuple[str, ...]
    places: tuple[str, ...]
    dates: tuple[dt.date, ...]  # just before and just after each date of the case, and the case's date


def _hints(model: type[BaseModel]) -> dict[str, Any]:
    hints = typing.get_type_hints(model, include_extras=True)
    return {name: hints[name] for name in model.model_fields if name not in _NOT_FACTS}


def _alternatives(hint: Any, value: Any, ctx: _Context) -> list[Any]:
    """Other values the field could have had: by its declared type, within the case's own world."""
    args = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,)
    optional = type(None) in args
    base = [a for a in args if a is not type(None)]
    if len(base) != 1:
        return []
    kind = base[0]
    out: list[Any]
    if typing.get_origin(kind) is Literal:
        out = list(typing.get_args(kind))
    elif kind == Bool or kind is bool:
        out = [True, False]
    elif kind == Date:
        out = list(ctx.dates)
    elif kind == StateCode or kind == Authors:
        out = list(ctx.states)
    elif kind == Place:
        out = list(ctx.places)
    elif typing.get_origin(kind) is tuple and typing.get_origin(typing.get_args(kind)[0]) is Literal:
        have = list(value or ())
        return [[*have, v] if v not in have else [h for h in have if h != v]
                for v in typing.get_args(typing.get_args(kind)[0])]
    else:
        return []
    if optional:
        out.append(None)
    shown = value.isoformat() if isinstance(value, dt.date) else value
    return [v for v in out if v != value and v != shown]


def _fields(prefix: str, item: BaseModel, ctx: _Context) -> list[Change]:
    out: list[Change] = []
    for name, hint in _hints(type(item)).items():
        value = getattr(item, name)
        if isinstance(value, BaseModel):
            out += _fields(f"{prefix}.{name}", value, ctx)
            continue
        if isinstance(value, tuple) and value and all(isinstance(v, BaseModel) for v in value):
            for j, v in enumerate(value):  # an operation's consents, a decision's content items, ...
                out += _fields(f"{prefix}.{name}[{j}]", v, ctx)
            continue
        out += [(f"{prefix}.{name}", v.isoformat() if isinstance(v, dt.date) else v)
                for v in _alternatives(hint, value, ctx)]
    return out


def _parties(m: CaseFile) -> tuple[str, ...]:
    """The states the case is about: declared, or authors, victims, requesters and claimants, not
    every state that merely voted (varying those would swamp the search with the Council's roll)."""
    found = set(m.states)
    for x in m.incidents:
        found |= {a for a in x.authors if isinstance(a, str)} | {x.victim} | ({x.forces.of} if x.forces else set())
    for r in m.requests:
        found |= {r.by, *(t for t in r.to if not IDENT.match(t))}
    found |= {r.by for r in (*m.reports, *m.claims)}
    return tuple(sorted(found))


def _context(m: CaseFile, also: typing.Iterable[str] = ()) -> _Context:
    states = tuple(sorted({*_parties(m), *also}))
    places = {*states, *(x.place for x in m.incidents if x.place), *(x.forces.at for x in m.incidents if x.forces)}
    days = {m.as_of}

    def dates(item: BaseModel) -> None:
        for v in item.__dict__.values():
            for x in (v if isinstance(v, tuple) else (v,)):
                if isinstance(x, dt.date):
                    days.add(x)
                elif isinstance(x, BaseModel):
                    dates(x)

    for section in _SECTIONS:
        for item in getattr(m, section):
            dates(item)
    around = {d + delta for d in days for delta in (-_ONE_DAY, _ONE_DAY)} - days | {m.as_of}  # as_of: "by now"
    return _Context(states, tuple(sorted(places)), tuple(sorted(d for d in around if d <= m.as_of)))


def _memberships(rules: RuleSet, case: Case, ctx: _Context) -> list[Change]:
    """Each state of the case joining, or leaving out its membership of, each organization that
    matters to the case, written as the case's own `organizations:` overrides."""
    m = case.model
    first = min([m.as_of, *(d + _ONE_DAY for d in ctx.dates)]) - _ONE_DAY
    orgs = {t.organization for ts in rules.tenures.values() for t in ts
            if t.state in ctx.states and t.covers(m.as_of)}
    orgs |= {to for r in m.requests for to in r.to if to in rules.tenures}
    orgs |= {o.id for o in m.organizations}
    out: list[Change] = []
    for org in sorted(orgs):
        override = next((o for o in m.organizations if o.id == org), None)
        added = [mm.model_dump(mode="json", by_alias=True, exclude_none=True) for mm in override.members] \
            if override else []
        without = list(override.without) if override else []
        members = {t.state for t in rules.tenures.get(org, ()) if t.covers(m.as_of) and t.state not in without}
        members |= {mm.state for mm in (override.members if override else ()) if mm.covers(m.as_of)}
        for state in ctx.states:
            if state in members:
                out.append((f"organizations[{org}].without", [*without, state]))
            else:
                out.append((f"organizations[{org}].members", [*added, {"state": state, "from": first.isoformat()}]))
    return out


def candidate_changes(rules: RuleSet, case: Case, also: typing.Iterable[str] = ()) -> list[Change]:
    """Single changes to the facts the case states that some rule can read; `also`: more states to
    try in the parts and memberships (the states a question names)."""
    m = case.model
    raw, _ = load_document(case.text, case.file)
    ctx = _context(m, also)
    aliases = {f"{section}.{old}" for section, old in FIELD_ALIASES}
    out: list[Change] = []
    for section in _SECTIONS:
        for index, item in enumerate(getattr(m, section)):
            prefix = f"{section}[{item.id}]"
            out += [(path, value) for path, value in _fields(prefix, item, ctx)
                    if f"{section}.{path[len(prefix) + 1:]}" not in aliases]
            if section == "decisions":
                for state, vote in sorted((item.votes or {}).items()):
                    out += [(f"{prefix}.votes.{state}", v) for v in VOTE_VALUES if v != vote]
                content = list(raw["decisions"][index].get("content") or ())
                out += [(f"{prefix}.content", content[:i] + content[i + 1:]) for i in range(len(content))]
    out = [(path, value) for path, value in out if relevant(rules, path)]
    return out + _memberships(rules, case, ctx)


def _holds(rules: RuleSet, case: Case, q: ast.Query, assume) -> bool:
    return any(c.status == Status.IN_FORCE for c in evaluate(rules, case, assume=assume).find(q))


def counterfactual(rules: RuleSet, case: Case, query: ast.Query | str, *, max_changes: int = 2,
                   limit: int = 5000, assume: dict[str, bool] | None = None) -> Counterfactual:
    q = parse_query(query) if isinstance(query, str) else query
    if max_changes < 1:
        raise CasusError([Diagnostic("E606", "--max-changes takes a whole number of at least 1", None)])
    follows = _holds(rules, case, q, assume)
    raw, _ = load_document(case.text, case.file)  # read once; each variant changes a copy
    named = (x for x in (q.actor, q.object, q.counterparty) if x and normalize_state(x) == x)
    singles = candidate_changes(rules, case, named)
    found: list[tuple[Change, ...]] = []
    minimal: list[set[int]] = []  # the index sets of the changes found
    evaluated = 0
    exhausted = True
    for size in range(1, max_changes + 1):
        for combo in itertools.combinations(range(len(singles)), size):
            changes = tuple(singles[i] for i in combo)
            if len({path for path, _ in changes}) < size:
                continue  # two values for one fact
            if any(f <= set(combo) for f in minimal):
                continue  # contains a smaller set that works: not minimal
            if evaluated >= limit:
                exhausted = False
                break
            evaluated += 1
            try:
                variant = changed_case(case, rules, copy.deepcopy(raw), changes, label="counterfactual")
            except CasusError:
                continue  # the changed case is not valid (e.g. an attribution its author contradicts)
            if _holds(rules, variant, q, assume) != follows:
                found.append(changes)
                minimal.append(set(combo))
        if not exhausted:
            break
    return Counterfactual(str(q), follows, len(singles), evaluated, max_changes, exhausted, found)
