"""casus: rule-based reasoning about the law of collective security.

    from engine import load_rules, load_case, evaluate
    result = evaluate(load_rules(), load_case("cases/estonia_2026.yaml"))
    for c in result.in_force():
        print(c.text(), c.citation)
"""

from __future__ import annotations

from pathlib import Path

from engine.inputs.load import Case, load_case_text
from engine.inputs.load import load_case as _load_case
from engine.diagnostics import CasusError, Diagnostic
from engine.run.evaluate import run
from engine.inputs.facts import build_facts
from engine.lang.parse import parse_query
from engine.run.results import Conclusion, Result
from engine.inputs.rulebook import RuleSet, load_rules

__all__ = [
    "load_rules", "load_case", "load_case_text", "evaluate", "parse_query",
    "RuleSet", "Case", "Result", "Conclusion", "CasusError", "Diagnostic",
]


def load_case(path: str | Path, rules: RuleSet | None = None) -> Case:
    """Validate a case file; with `rules`, state codes of their reference data are accepted too."""
    return _load_case(path, extra_states=set(rules.extra_states) if rules else frozenset())


def evaluate(rules: RuleSet, case: Case, *, assume: dict[str, bool] | None = None) -> Result:
    """What the rules conclude for the case, as of its date. Pure: no shared state is touched.

    `assume` switches disputed points of law (`assumption` declarations) on or off,
    overriding the case's own `assumptions:`.
    """
    store, notes = build_facts(case, rules, assume)
    result = run(rules.plan, store, case.model.case, case.model.title)
    result.diagnostics[:0] = notes
    return result
