"""casus: rule-based reasoning about the law of collective security.

    from engine import load_rules, load_case, evaluate
    result = evaluate(load_rules(), load_case("cases/estonia_2026.yaml"))
    for c in result.in_force():
        print(c.text(), c.citation)

The names below are imported when first used, so that importing one part of the
package (the command line, a report) does not load all the others.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - for readers and type checkers
    from engine.diagnostics import CasusError, Diagnostic
    from engine.inputs.load import Case, load_case_text
    from engine.inputs.rulebook import RuleSet, load_rules
    from engine.lang.parse import parse_query
    from engine.run.api import evaluate, why_not
    from engine.run.results import Conclusion, Diff, Result, Status

__all__ = [
    "load_rules", "load_case", "load_case_text", "evaluate", "why_not", "parse_query",
    "RuleSet", "Case", "Result", "Conclusion", "Diff", "Status", "CasusError", "Diagnostic",
]

_WHERE = {
    "CasusError": "engine.diagnostics", "Diagnostic": "engine.diagnostics",
    "Case": "engine.inputs.load", "load_case_text": "engine.inputs.load",
    "RuleSet": "engine.inputs.rulebook", "load_rules": "engine.inputs.rulebook",
    "parse_query": "engine.lang.parse",
    "evaluate": "engine.run.api", "why_not": "engine.run.api",
    "Conclusion": "engine.run.results", "Diff": "engine.run.results", "Result": "engine.run.results",
    "Status": "engine.run.results",
}


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'engine' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def load_case(path: str | Path, rules: RuleSet | None = None) -> Case:
    """Validate a case file; with `rules`, state codes of their reference data are accepted too."""
    from engine.inputs.load import load_case as _load_case

    return _load_case(path, extra_states=set(rules.extra_states) if rules else frozenset())
