"""casus: rule-based reasoning about the law of collective security.

    from engine import load_rules, load_case, evaluate
    result = evaluate(load_rules(), load_case("cases/estonia_2026.yaml"))
    for c in result.in_force():
        print(c.text(), c.citation)
"""

from __future__ import annotations

from pathlib import Path

from engine.diagnostics import CasusError, Diagnostic
from engine.inputs.load import Case, load_case_text
from engine.inputs.load import load_case as _load_case
from engine.inputs.rulebook import RuleSet, load_rules
from engine.lang.parse import parse_query
from engine.run.api import evaluate, why_not
from engine.run.results import Conclusion, Diff, Result, Status

__all__ = [
    "load_rules", "load_case", "load_case_text", "evaluate", "why_not", "parse_query",
    "RuleSet", "Case", "Result", "Conclusion", "Diff", "Status", "CasusError", "Diagnostic",
]


def load_case(path: str | Path, rules: RuleSet | None = None) -> Case:
    """Validate a case file; with `rules`, state codes of their reference data are accepted too."""
    return _load_case(path, extra_states=set(rules.extra_states) if rules else frozenset())
