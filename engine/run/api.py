"""Evaluation as the library offers it: a rule set and a case in, a plain result out.

Pure: no shared state is touched, so one loaded rule set can serve many threads.
"""

from __future__ import annotations

from functools import partial

from engine.inputs.facts import build_facts
from engine.inputs.load import Case
from engine.inputs.rulebook import RuleSet
from engine.lang import ast
from engine.lang.parse import parse_query
from engine.report.text import render_why_not
from engine.run.evaluate import run
from engine.run.results import Result
from engine.run.whynot import WhyNot
from engine.run.whynot import why_not as _why_not


def evaluate(rules: RuleSet, case: Case, *, assume: dict[str, bool] | None = None) -> Result:
    """What the rules conclude for the case, as of its date.

    `assume` switches disputed points of law (`assumption` declarations) on or off,
    overriding the case's own `assumptions:`.
    """
    store, notes = build_facts(case, rules, assume)
    result = run(rules.plan, store, case.model.case, case.model.title)
    result.diagnostics[:0] = notes
    result.why_not = partial(_explain_why_not, rules, case, assume)
    return result


def why_not(rules: RuleSet, case: Case, query: ast.Query | str, *,
            assume: dict[str, bool] | None = None) -> WhyNot:
    """For each rule that could conclude `query`, the premise where it stops (plain data)."""
    store, _ = build_facts(case, rules, assume)
    return _why_not(rules.plan, store, parse_query(query) if isinstance(query, str) else query)


def _explain_why_not(rules: RuleSet, case: Case, assume: dict[str, bool] | None, query: ast.Query) -> str:
    return render_why_not(why_not(rules, case, query, assume=assume))
