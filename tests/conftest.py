"""Shared fixtures for the casus test suite.

Small rule sets and cases are written into `tmp_path` so that each test states
exactly the rules and facts it depends on.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Callable, Sequence

import pytest
from typer.testing import CliRunner

from engine import evaluate, load_case, load_rules
from engine.cli import app

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "cases"
ESTONIA = CASES / "estonia_2026.yaml"

# A regime header most small rule files start with.
REGIME = 'regime r "Test regime" cites "Test Treaty (2000)"\n'


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


@pytest.fixture(scope="session", autouse=True)
def _private_rule_cache(tmp_path_factory):
    """The command line caches rule sets; tests keep theirs out of the user's home."""
    mp = pytest.MonkeyPatch()
    mp.setenv("CASUS_CACHE_DIR", str(tmp_path_factory.mktemp("casus-cache")))
    yield
    mp.undo()


@pytest.fixture(scope="session")
def stdlib_rules():
    """The standard library, loaded once: rule sets are immutable and reusable."""
    return load_rules()


@pytest.fixture(scope="session")
def estonia_result(stdlib_rules):
    return evaluate(stdlib_rules, load_case(ESTONIA, stdlib_rules))


@pytest.fixture
def write(tmp_path) -> Callable[[str, str], Path]:
    """write("rules/a.casus", text) -> the path; parents are created, text dedented."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text), encoding="utf-8")
        return path

    return _write


@pytest.fixture
def rules_dir(tmp_path, write):
    """rules_dir(text, name="main.casus", files={"x.org.yaml": ...}) -> a directory of rule files."""

    def _rules(text: str | None = None, name: str = "main.casus", files: dict[str, str] | None = None) -> Path:
        d = tmp_path / "rules"
        d.mkdir(exist_ok=True)
        if text is not None:
            write(f"rules/{name}", text)
        for fname, body in (files or {}).items():
            write(f"rules/{fname}", body)
        return d

    return _rules


@pytest.fixture
def case_file(write):
    """case_file(yaml_text, name="case.yaml") -> path of the written case file."""

    def _case(text: str, name: str = "case.yaml") -> Path:
        return write(name, text)

    return _case


@pytest.fixture
def run_case(rules_dir, case_file):
    """run_case(rules_text, case_yaml, files={...}) -> Result, through the library API."""

    def _run(rules_text: str, case_yaml: str, files: dict[str, str] | None = None):
        rules = load_rules([rules_dir(rules_text, files=files)], stdlib=False)
        return evaluate(rules, load_case(case_file(case_yaml), rules))

    return _run


def org_yaml(org: str, members: Sequence[tuple[str, str | None, str | None]], name: str = "Test organization") -> str:
    """An organization data file: members as (state, from, until)."""
    lines = [f"organization: {org}", f"name: {name}", "source: test data", "members:"]
    for state, start, end in members:
        lines.append(f"  - state: {state}")
        if start:
            lines.append(f"    from: {start}")
        if end:
            lines.append(f"    until: {end}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="session")
def runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        return CliRunner()  # stderr is captured separately by default


def _stream(result, name: str) -> str:
    try:
        return getattr(result, name) or ""
    except (ValueError, AttributeError):
        return result.output if name == "stdout" else ""


@pytest.fixture
def run_cli(runner):
    """run_cli([...]) -> (exit_code, stdout, stderr); exceptions are caught by the runner and re-raised
    only if they are not SystemExit, so that a traceback fails the test loudly."""

    def _run(args: Sequence[str]):
        result = runner.invoke(app, [str(a) for a in args], catch_exceptions=True)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"unexpected exception from casus {list(args)}") from result.exception
        return result.exit_code, _stream(result, "stdout"), _stream(result, "stderr")

    return _run


def conclusion_set(result) -> set[tuple]:
    return {(c.modality, c.actor, c.action, c.object, c.counterparty, c.rule, c.status) for c in result.conclusions}


def find_one(result, text: str, rule: str | None = None):
    found = [c for c in result.find(text) if rule is None or c.rule == rule]
    assert len(found) == 1, f"expected exactly one conclusion matching {text!r}, got {[c.text() for c in found]}"
    return found[0]
