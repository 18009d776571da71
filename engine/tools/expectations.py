"""Checking cases' `expect:` entries against their results, for `casus test` and the pytest plugin."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine.diagnostics import CasusError, Diagnostic
from engine.lang.check import query_producible
from engine.inputs.casefile import AdoptionExpectation, Expectation
from engine.inputs.load import Case, load_case
from engine.inputs.rulebook import RuleSet
from engine.report import json as report_json
from engine.report import text as report_text
from engine.run.api import evaluate
from engine.run.results import Result, Status


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
    label = f"{'not ' if e.negated else ''}{e.conclusion}" + ("" if e.status == Status.IN_FORCE else f" [{e.status}]")
    if not ok:
        seen = sorted({c.status for c in matches})
        label += f" (found: {', '.join(seen)})" if seen else " (no such conclusion)"
    return ok, label


def unproducible_expectations(rules: RuleSet, case: Case) -> list[Diagnostic]:
    """W305 for each `expect:` entry naming a conclusion no rule can produce: it holds (or fails) vacuously."""
    out = []
    for i, e in enumerate(case.model.expect):
        if isinstance(e, Expectation) and not query_producible(rules.plan.checked.shapes, e.query):
            out.append(Diagnostic("W305", f"no rule can conclude '{e.conclusion}', so this expectation "
                                          f"{'cannot fail' if e.negated else 'cannot hold'}",
                                  case.locate(("expect", i)), severity="warning", path=f"expect[{i}]",
                                  hint="check the action's name, and that a lone party after the action is its "
                                       "object while a counter-party takes a preposition (to, against, for, towards)"))
    return out


def check_case(result: Result, case: Case, rules: RuleSet | None = None) -> list[tuple[bool, str]]:
    """Every expectation of the case, then every invariant it violates; with `rules`, an expectation
    that no rule can produce fails (W305)."""
    vacuous = ({d.path for d in unproducible_expectations(rules, case)} if rules is not None else set())
    out = []
    for i, e in enumerate(case.model.expect):
        ok, label = check_expectation(result, e)
        if f"expect[{i}]" in vacuous:
            ok, label = False, f"{label} (W305: no rule can conclude this; the check is vacuous)"
        out.append((ok, label))
    out += [(False, v.text()) for v in result.violations]
    return out


# ------------------------------------------------------------------- suite


@dataclass
class CaseReport:
    """One case file's expectations: each (holds, what was expected), or why the file is invalid."""

    file: str
    checks: list[tuple[bool, str]] = field(default_factory=list)
    error: CasusError | None = None

    @property
    def failed(self) -> int:
        return sum(1 for ok, _ in self.checks if not ok)


@dataclass
class TestReport:
    """What `casus test` found: per case file, and which rules and procedures fired anywhere."""

    cases: list[CaseReport]
    rules: list[str]  # every rule of the rule set, by qualname
    procedures: list[str]
    fired: set[str]

    @property
    def passed(self) -> int:
        return sum(len(c.checks) - c.failed for c in self.cases)

    @property
    def failed(self) -> int:
        return sum(c.failed for c in self.cases)

    @property
    def invalid(self) -> list[CaseReport]:
        return [c for c in self.cases if c.error is not None]

    @property
    def exit_code(self) -> int:
        return 2 if self.invalid else 1 if self.failed else 0

    def explain(self, *, verbose: bool = False, coverage: bool = False) -> str:
        return report_text.render_tests(self, verbose=verbose, coverage=coverage)

    def to_json(self, *, coverage: bool = False) -> dict:
        return report_json.tests_json(self, coverage=coverage)


def run_tests(rules: RuleSet, files: list[Path]) -> TestReport:
    """Evaluate every case file and check its expectations; invalid files are reported, not raised."""
    checked = rules.plan.checked
    out = TestReport([], [r.qualname for r in checked.rules], [p.qualname for p in checked.procedures], set())
    for f in files:
        try:
            case = load_case(f, extra_states=set(rules.extra_states))
        except CasusError as err:
            out.cases.append(CaseReport(str(f), error=err))
            continue
        result = evaluate(rules, case)
        out.fired.update(c.rule for c in result.conclusions)
        out.fired.update(d.procedure for d in result.decisions if d.procedure)
        out.cases.append(CaseReport(str(f), check_case(result, case, rules)))
    return out
