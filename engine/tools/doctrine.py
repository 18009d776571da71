"""Doctrinal sensitivity: which conclusions of a case hold whatever the contested doctrines, and
which depend on declared assumptions (with a minimal condition over them and their sources).

The assumptions are explored as open facts of the case (`assumptions.NAME` in {false, true}),
together with the case's own `unknown:` facts, by the same enumeration as `casus explore`; an
assumption that no rule reads, or whose value changes nothing in the case (tried from the
defaults, from all true and from all false), is not enumerated but listed as irrelevant.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.diagnostics import CasusError, Diagnostic
from engine.inputs.load import Case
from engine.inputs.rulebook import RuleSet
from engine.lang import ast
from engine.report import json as report_json
from engine.report import text as report_text
from engine.run.api import evaluate
from engine.tools.explore import Exploration, explore

PREFIX = "assumptions."


@dataclass(frozen=True)
class AssumptionInfo:
    name: str
    title: str | None
    citation: str | None
    default: bool
    explored: bool  # False: read by some rule but changes nothing in this case


@dataclass
class Sensitivity:
    """An exploration over assumptions (and open facts), with what each assumption is."""

    exploration: Exploration
    assumptions: list[AssumptionInfo]

    def robust(self) -> list:
        return [o for o in self.exploration.outcomes if o.follows_in == o.total]

    def dependent(self) -> list:
        return [o for o in self.exploration.outcomes if 0 < o.follows_in < o.total]

    def explain(self) -> str:
        return report_text.render_sensitivity(self)

    def to_json(self) -> dict:
        return report_json.sensitivity_json(self)


def read_assumptions(rules: RuleSet) -> list[str]:
    """The assumptions some rule, definition or invariant reads with `assumed(NAME)`."""
    checked = rules.plan.checked
    decls = [*checked.rules, *(d for defs in checked.definitions.values() for d in defs), *checked.invariants]
    names = set()
    for decl in decls:
        for atom, _ in ast.atoms(getattr(decl, "when", None) or getattr(decl, "cond", None)):
            if atom.pred == "assumed" and atom.args and isinstance(atom.args[0].term, ast.Const):
                names.add(str(atom.args[0].term.value))
        if isinstance(decl, ast.Rule):
            for cond in (decl.until, decl.unless):
                for atom, _ in ast.atoms(cond):
                    if atom.pred == "assumed" and atom.args and isinstance(atom.args[0].term, ast.Const):
                        names.add(str(atom.args[0].term.value))
    return sorted(n for n in names if n in checked.assumptions)


def _signature(rules: RuleSet, case: Case, assume: dict[str, bool]) -> tuple:
    result = evaluate(rules, case, assume=assume)
    return (tuple(sorted((c.rule, c.text()) for c in result.in_force())),
            tuple(sorted((d.decision, d.adopted) for d in result.decisions)))


def relevant_assumptions(rules: RuleSet, case: Case, names: list[str]) -> list[str]:
    """Those of `names` whose value, flipped alone, changes the case's result from some baseline."""
    declared = rules.plan.checked.assumptions
    baselines = [{n: declared[n].default for n in names}, {n: True for n in names}, {n: False for n in names}]
    out = []
    for name in names:
        for base in baselines:
            if _signature(rules, case, base) != _signature(rules, case, {**base, name: not base[name]}):
                out.append(name)
                break
    return out


def sensitivity(rules: RuleSet, case: Case, *, limit: int = 2048, samples: int = 512, seed: int = 0) -> Sensitivity:
    """Every conclusion of the case, robust or dependent on named assumptions (and open facts)."""
    declared = rules.plan.checked.assumptions
    read = read_assumptions(rules)
    chosen = relevant_assumptions(rules, case, read)
    unknown = [(u.path, tuple(u.values)) for u in case.model.unknown]
    unknown += [(PREFIX + n, (False, True)) for n in chosen]
    if not unknown:
        raise CasusError([Diagnostic("E604", f"{case.file}: no assumption changes anything in this case, "
                                             "and it leaves no fact open", None,
                                     hint="every conclusion is robust; `casus evaluate` shows them")])
    found = explore(rules, case, limit=limit, samples=samples, seed=seed, unknown=unknown)
    info = [AssumptionInfo(n, declared[n].title, declared[n].citation, declared[n].default, n in chosen)
            for n in read]
    return Sensitivity(found, info)
