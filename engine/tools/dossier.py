"""Everything the HTML report of a case shows, computed: the result, the voting power of each
procedure the case's decisions were decided by, and when each conclusion holds (a timeline).
`engine.report.html` renders it."""

from __future__ import annotations

from engine.diagnostics import CasusError
from engine.inputs.load import Case
from engine.inputs.rulebook import RuleSet
from engine.report.html import render_report, render_view, report_view
from engine.run.api import evaluate
from engine.run.results import Result
from engine.tools.power import power
from engine.tools.timeline import timeline


def power_analyses(rules: RuleSet, result: Result) -> list[dict]:
    """The voting power of the body of each procedure used, as of the first decision it decided."""
    out: list[dict] = []
    seen: set[str] = set()
    for d in result.decisions:
        if not d.procedure or d.procedure in seen:
            continue
        seen.add(d.procedure)
        try:
            out.append({"procedure": d.procedure, "data": power(rules, d.procedure, d.date).to_json()})
        except CasusError as err:  # power is an aside: a procedure it cannot model is said, not fatal
            out.append({"procedure": d.procedure, "error": "; ".join(x.message for x in err.diagnostics)})
    return out


def view(rules: RuleSet, case: Case, *, assume: dict[str, bool] | None = None) -> dict:
    result = evaluate(rules, case, assume=assume)
    return report_view(rules, case, result, assume=assume, power=power_analyses(rules, result),
                       periods=timeline(rules, case, assume=assume).to_json())


def page(rules: RuleSet, case: Case, *, assume: dict[str, bool] | None = None, embedded: bool = False) -> str:
    """The case and what follows from it, as one self-contained HTML page."""
    result = evaluate(rules, case, assume=assume)
    return render_report(rules, case, result, assume=assume, power=power_analyses(rules, result),
                         periods=timeline(rules, case, assume=assume).to_json(), embedded=embedded)


__all__ = ["power_analyses", "view", "page", "render_view"]
