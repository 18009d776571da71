"""pytest plugin: a rule repository is tested with plain `pytest`.

Case files with `expect:` entries become test items, one per expectation
(plus one that the rules' invariants hold on the case), and every
`invariant` declared in a rule file becomes a property test that searches
generated cases for a counterexample.

Configure in pytest.ini / pyproject.toml:

    [tool.pytest.ini_options]
    casus_rules = ["rules"]     # rule paths, relative to the rootdir; default: the standard library
    casus_examples = 200         # generated cases per invariant

Disable with `-p no:casus`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.diagnostics import CasusError

_CASE_KEYS = re.compile(r'^(?:case|"case")\s*:', re.MULTILINE)
_EXPECT_KEYS = re.compile(r'^(?:expect|"expect")\s*:', re.MULTILINE)
_RULES_KEY = pytest.StashKey[object]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("casus_rules", "casus rule files or directories, added to the standard library",
                  type="args", default=[])
    parser.addini("casus_stdlib", "load the standard library under casus_rules (default: true)",
                  type="bool", default=True)
    parser.addini("casus_examples", "generated cases per casus invariant", default="200")
    group = parser.getgroup("casus")
    group.addoption("--casus-rules", action="append", default=None,
                    help="casus rule file or directory (repeatable); overrides the casus_rules ini option")
    group.addoption("--casus-examples", type=int, default=None, help="generated cases per casus invariant")


def _rules(config: pytest.Config):
    """The rule set, loaded once per session; a load error is kept and reported by each item."""
    if _RULES_KEY not in config.stash:
        from engine import load_rules

        paths = config.getoption("casus_rules") or config.getini("casus_rules")
        root = Path(str(config.rootpath))
        resolved = [p if Path(p).is_absolute() else root / p for p in paths] or None
        try:
            config.stash[_RULES_KEY] = load_rules(resolved, stdlib=config.getini("casus_stdlib"))
        except CasusError as err:
            config.stash[_RULES_KEY] = err
    return config.stash[_RULES_KEY]


def _loaded_rules(config: pytest.Config):
    rules = _rules(config)
    if isinstance(rules, CasusError):
        raise CasusFailure(rules.render())
    return rules


class CasusFailure(Exception):
    """A failure whose message is the whole report."""


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    suffix = file_path.suffix.lower()
    if suffix in (".yaml", ".yml", ".json") and not file_path.name.endswith(".org.yaml"):
        try:
            text = file_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        if _CASE_KEYS.search(text) and _EXPECT_KEYS.search(text):
            return CaseCollector.from_parent(parent, path=file_path)
    if suffix == ".casus":
        try:
            text = file_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        if re.search(r"^\s*invariant\s", text, re.MULTILINE):
            return InvariantCollector.from_parent(parent, path=file_path)
    return None


class CaseCollector(pytest.File):
    def collect(self):
        from engine import evaluate, load_case

        try:
            rules = _loaded_rules(self.config)
            case = load_case(self.path, rules)
        except CasusError as err:
            yield BrokenItem.from_parent(self, name="load", message=err.render())
            return
        except CasusFailure as err:
            yield BrokenItem.from_parent(self, name="load", message=str(err))
            return
        result = evaluate(rules, case)
        from engine.tools.expectations import unproducible_expectations
        vacuous = {d.path: d for d in unproducible_expectations(rules, case)}
        for index, expectation in enumerate(case.model.expect):
            label = getattr(expectation, "conclusion", None) or f"adopted {expectation.adopted}"
            if getattr(expectation, "negated", False):
                label = "not " + label
            yield ExpectationItem.from_parent(self, name=f"expect[{index}] {label}", result=result, case=case,
                                              index=index, vacuous=vacuous.get(f"expect[{index}]"))
        yield InvariantsHoldItem.from_parent(self, name="invariants", result=result)


class BrokenItem(pytest.Item):
    def __init__(self, *, message: str, **kwargs):
        super().__init__(**kwargs)
        self.message = message

    def runtest(self):
        raise CasusFailure(self.message)

    def repr_failure(self, excinfo):
        return str(excinfo.value)

    def reportinfo(self):
        return self.path, None, f"casus: {self.name}"


class ExpectationItem(pytest.Item):
    def __init__(self, *, result, case, index: int, vacuous=None, **kwargs):
        super().__init__(**kwargs)
        self.result, self.case, self.index, self.vacuous = result, case, index, vacuous

    def runtest(self):
        from engine.tools.expectations import check_expectation

        if self.vacuous is not None:
            raise CasusFailure(f"{self.case.file}: {self.vacuous.code}: {self.vacuous.message}")
        ok, label = check_expectation(self.result, self.case.model.expect[self.index])
        if not ok:
            raise CasusFailure(f"{self.case.file}: expectation failed: {label}")

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, CasusFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"casus: {self.name}"


class InvariantsHoldItem(pytest.Item):
    def __init__(self, *, result, **kwargs):
        super().__init__(**kwargs)
        self.result = result

    def runtest(self):
        from engine.report.text import explain_violation

        if self.result.violations:
            raise CasusFailure("\n\n".join(explain_violation(v) for v in self.result.violations))

    def repr_failure(self, excinfo):
        return str(excinfo.value) if isinstance(excinfo.value, CasusFailure) else super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, "casus: invariants hold"


class InvariantCollector(pytest.File):
    def collect(self):
        try:
            rules = _loaded_rules(self.config)
        except CasusFailure as err:
            yield BrokenItem.from_parent(self, name="load", message=str(err))
            return
        mine = self.path.resolve()
        for inv in rules.plan.checked.invariants:
            if _same_file(inv.span.file, mine):
                yield InvariantItem.from_parent(self, name=f"invariant {inv.qualname}", rules=rules,
                                                invariant=inv.qualname)


def _same_file(name: str, path: Path) -> bool:
    try:
        return Path(name).resolve() == path
    except OSError:
        return False


class InvariantItem(pytest.Item):
    def __init__(self, *, rules, invariant: str, **kwargs):
        super().__init__(**kwargs)
        self.rules, self.invariant = rules, invariant

    def runtest(self):
        from engine.report.text import explain_violation
        from engine.tools.testing import dump_case, prove

        examples = self.config.getoption("casus_examples") or int(self.config.getini("casus_examples"))
        found = prove(self.rules, examples=examples, seed=0, invariant=self.invariant)
        if found is not None:
            mine = [v for v in found.result.violations if v.invariant == self.invariant]
            raise CasusFailure(
                f"counterexample to {self.invariant}:\n\n{dump_case(found.data)}\n"
                + "\n\n".join(explain_violation(v) for v in mine))

    def repr_failure(self, excinfo):
        return str(excinfo.value) if isinstance(excinfo.value, CasusFailure) else super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"casus: {self.name}"
