"""Checking a case's `expect:` entries against its result, for `casus test` and the pytest plugin."""

from __future__ import annotations

from engine.inputs.casefile import AdoptionExpectation, Expectation
from engine.inputs.load import Case
from engine.run.results import IN_FORCE, Result


def check_expectation(result: Result, e: Expectation | AdoptionExpectation) -> tuple[bool, str]:
    """Whether one expectation holds, and a line saying what was expected (and found, if not)."""
    if isinstance(e, AdoptionExpectation):
        outcome = result.decision(e.adopted)
        got = None if outcome is None else outcome.adopted
        label = f"{e.adopted} {'adopted' if e.value else 'not adopted'}"
        if got != e.value:
            label += f" (got: {'unknown' if got is None else 'adopted' if got else 'not adopted'})"
        return got == e.value, label
    matches = result.find(e.query)
    ok = any(c.status == e.status for c in matches) != e.negated
    label = f"{'not ' if e.negated else ''}{e.conclusion}" + ("" if e.status == IN_FORCE else f" [{e.status}]")
    if not ok:
        seen = sorted({c.status for c in matches})
        label += f" (found: {', '.join(seen)})" if seen else " (no such conclusion)"
    return ok, label


def check_case(result: Result, case: Case) -> list[tuple[bool, str]]:
    """Every expectation of the case, then every invariant it violates."""
    out = [check_expectation(result, e) for e in case.model.expect]
    out += [(False, v.text()) for v in result.violations]
    return out
