"""Timelines: when each conclusion of a case begins and stops holding.

The case is evaluated as of every date on which something it says happens
(incidents and their end, decisions, terminations and expiries, requests,
reports and claims) and as of every accession to or withdrawal from an
organization by a state the case names. Between two such dates nothing the
rules read changes, so a conclusion that holds on one date holds until the next
date on which it does not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from engine.diagnostics import CasusError, Diagnostic
from engine.inputs.load import Case
from engine.inputs.rulebook import RuleSet
from engine.report import json as report_json
from engine.report import text as report_text
from engine.run.api import evaluate
from engine.vocabulary import Status

MAX_DATES = 400  # dates evaluated at most; a longer span is cut, and the timeline says so


@dataclass(frozen=True)
class Event:
    day: dt.date
    what: str  # e.g. "incident invasion", "decision draft", "USA joins nato"


@dataclass
class Line:
    """One conclusion and the periods in which it holds (`until` exclusive; None: still on the last date)."""

    conclusion: str
    rule: str
    actor: str
    periods: list[tuple[dt.date, dt.date | None]] = field(default_factory=list)


@dataclass
class Timeline:
    case: str
    start: dt.date
    end: dt.date
    events: list[Event]
    dates: list[dt.date]  # evaluated
    lines: list[Line]
    cut: bool = False  # more dates than MAX_DATES: the last ones were not evaluated

    def explain(self) -> str:
        return report_text.render_timeline(self)

    def to_json(self) -> dict:
        return report_json.timeline_json(self)


def events(rules: RuleSet, case: Case) -> list[Event]:
    """The dates that matter to the case, with what happens on each."""
    m = case.model
    out: list[Event] = []
    for x in m.incidents:
        out.append(Event(x.date, f"incident {x.id}"))
        if x.ended is not None:
            out.append(Event(x.ended, f"incident {x.id} ends"))
    for d in m.decisions:
        out.append(Event(d.date, f"decision {d.id}"))
        if getattr(d, "expires", None) is not None:
            out.append(Event(d.expires, f"decision {d.id} expires"))
    for section in ("requests", "responses", "reports", "claims", "disputes"):
        for r in getattr(m, section):
            out.append(Event(r.date, f"{section[:-1]} {r.id}"))
    for o in m.operations:
        out.append(Event(o.deployed, f"operation {o.id} deploys"))
        if o.ended is not None:
            out.append(Event(o.ended, f"operation {o.id} ends"))
        for c in o.consent:
            out.append(Event(c.given, f"{c.by} consents to operation {o.id}"))
            if c.withdrawn is not None:
                out.append(Event(c.withdrawn, f"{c.by} withdraws its consent to operation {o.id}"))
    for r in m.settlement:
        out.append(Event(r.date, f"settlement step {r.id}"))
    for r in m.requests:
        if r.withdrawn is not None:
            out.append(Event(r.withdrawn, f"request {r.id} withdrawn"))
        if r.expires is not None:
            out.append(Event(r.expires, f"request {r.id} expires"))
    states = set(m.involved_states())
    spans = {org: [(t.state, t.start, t.end) for t in ts] for org, ts in rules.tenures.items()}
    for o in m.organizations:  # the case's own membership lists replace or add to the bundled ones
        mine = [(mm.state, mm.from_, mm.until) for mm in o.members]
        kept = [p for p in spans.get(o.id, []) if p[0] not in o.without]
        spans[o.id] = mine if o.replace else kept + mine
    for org, periods in sorted(spans.items()):
        for state, start, until in periods:
            if state not in states:
                continue
            if start is not None:
                out.append(Event(start, f"{state} joins {org}"))
            if until is not None:
                out.append(Event(until, f"{state} leaves {org}"))
    return sorted(set(out), key=lambda e: (e.day, e.what))


def timeline(rules: RuleSet, case: Case, *, start: dt.date | None = None, end: dt.date | None = None,
             assume: dict[str, bool] | None = None) -> Timeline:
    """Evaluate the case as of every date that matters between `start` and `end` (default: its first
    event and its own date) and say when each conclusion in force begins and stops."""
    everything = events(rules, case)
    own = [e for e in everything if " joins " not in e.what and " leaves " not in e.what]
    first = start or (min(e.day for e in own) if own else case.model.as_of)
    last = end or case.model.as_of
    if last < first:
        raise CasusError([Diagnostic("E605", f"the timeline ends ({last}) before it starts ({first})", None,
                                     hint="give --from before --to")])
    shown = [e for e in everything if first <= e.day <= last]
    dates = sorted({first, *(e.day for e in shown), last})
    cut = len(dates) > MAX_DATES
    dates = dates[:MAX_DATES]
    holding: dict[tuple[str, str], Line] = {}
    previous: set[tuple[str, str]] = set()
    for day in dates:
        as_of = Case(case.file, case.text, case.model.model_copy(update={"as_of": day}), case.positions,
                     case.key_positions)
        result = evaluate(rules, as_of, assume=assume)
        now = set()
        for c in result.conclusions:
            if c.status != Status.IN_FORCE:
                continue
            key = (c.rule, c.text())
            now.add(key)
            line = holding.setdefault(key, Line(c.text(), c.rule, c.actor))
            if key not in previous:
                line.periods.append((day, None))
        for key in previous - now:
            begun, _ = holding[key].periods[-1]
            holding[key].periods[-1] = (begun, day)
        previous = now
    lines = sorted(holding.values(), key=lambda x: (x.actor, x.periods[0][0], x.conclusion, x.rule))
    return Timeline(case.model.case, first, dates[-1], shown, dates, lines, cut)
