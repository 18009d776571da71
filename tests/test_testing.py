"""Property-based testing of rule sets: strategies, `casus prove`, the pytest plugin."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from engine import evaluate, load_case, load_rules
from engine.cli import app
from engine.tools.testing import cases, dump_case, prove, to_case

ROOT = Path(__file__).resolve().parent.parent
QUICK = settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def rules():
    return load_rules()


CORE = ("un_charter", "nato", "custom")  # the regimes the planted faults live in; fewer regimes, faster search


def _faulty_copy(tmp_path: Path, file: str, old: str, new: str) -> Path:
    """The Charter and NATO rules with one planted fault."""
    target = tmp_path / "rules"
    for folder in CORE:
        shutil.copytree(ROOT / "rules" / folder, target / folder)
    for data in ("states.yaml", "places.yaml", "continuity.yaml"):
        shutil.copy(ROOT / "rules" / data, target / data)
    path = target / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fault site not found in {file}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return target


# ---------------------------------------------------------------- strategies


def test_generated_cases_are_valid_case_files(rules):
    @QUICK
    @given(cases(rules))
    def check(data):
        case = to_case(rules, data)  # raises on an invalid case
        assert case.model.as_of >= dt.date(1946, 1, 1)
        assert len(case.model.states) >= 2
        evaluate(rules, case)

    check()


def test_generation_reaches_deep_rules_adoptions_and_vetoes(rules):
    """Cases are shaped by what the rules read, so rules deep in the chain fire
    and Council drafts are both adopted and vetoed."""
    fired, outcomes, vetoed = set(), set(), False

    @settings(max_examples=600, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(cases(rules))
    def sweep(data):
        nonlocal vetoed
        result = evaluate(rules, to_case(rules, data))
        fired.update(c.rule for c in result.conclusions)
        outcomes.update(d.adopted for d in result.decisions if d.organ == "security_council")
        vetoed = vetoed or any(f[0] == "vetoed" for f in result.derived)

    sweep()
    assert {"nato.collective_defence", "un_charter.individual_self_defence", "un_charter.collective_self_defence",
            "un_charter.chapter_vii_authorization", "un_charter.apply_measures"} <= fired
    assert {True, False} <= outcomes
    assert vetoed


def test_parts_can_be_fixed_or_replaced(rules):
    day = dt.date(2026, 3, 5)
    attack = {"id": "attack", "kind": "invasion", "date": day, "author": "RUS", "victim": "EST", "scale": "large"}

    @QUICK
    @given(cases(rules, as_of=day, states=["EST", "RUS", "DEU"], incidents=[attack],
                 requests=st.just([]), decisions=[]))
    def check(data):
        assert data["as_of"] == day
        assert data["states"] == ["EST", "RUS", "DEU"]
        assert data["incidents"] == [attack]
        assert "decisions" not in data and "requests" not in data
        result = evaluate(rules, to_case(rules, data))
        assert result.follows("obliged DEU to assist EST")

    check()


def test_dumped_counterexample_is_an_ordinary_case_file(rules, tmp_path):
    @settings(max_examples=10, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(cases(rules))
    def roundtrip(data):
        path = tmp_path / "c.yaml"
        path.write_text(dump_case(data, "header line"), encoding="utf-8")
        case = load_case(path, rules)
        assert case.model.as_of == data["as_of"]
        assert len(case.model.incidents) == len(data["incidents"])
        assert path.read_text().startswith("# header line")

    roundtrip()


# --------------------------------------------------------------------- prove


def test_standard_library_invariants_hold_on_thousands_of_cases(rules):
    assert prove(rules, examples=2000, seed=1) is None


def test_prove_finds_a_missing_treaty_area_condition_and_shrinks_it(tmp_path):
    faulty = _faulty_copy(tmp_path, "nato/north_atlantic_treaty.casus",
                          " and sovereign(I.place, V, at: I.date)\n   and in_area(I.place, nato_art6_territory, at: I.date)\n",
                          "\n")
    rules = load_rules([faulty], stdlib=False)
    found = prove(rules, examples=1000, seed=0)
    assert found is not None
    assert found.invariants == ["nato.assistance_only_for_treaty_area_attacks"]
    model = found.case.model
    # shrunk: one incident outside the treaty area, nothing else needed
    assert len(model.incidents) == 1 and not model.decisions and not model.requests
    assert len(model.states) <= 3
    incident = model.incidents[0]
    def member(state, org, day):
        return state in rules.organizations[org].data.members_on(day)
    assert not rules.geography.in_area(incident.place, "nato_art6_territory", incident.date, member)


def test_prove_finds_a_procedure_that_treats_abstention_as_veto(tmp_path):
    faulty = _faulty_copy(tmp_path, "un_charter/voting.casus",
                          "  matter substantive\n  veto security_council_permanent\n  requires yes >= 9 and vetoes == 0\n",
                          "  matter substantive\n  veto security_council_permanent\n"
                          "  requires yes >= 9 and vetoes == 0 and abstain == 0\n")
    rules = load_rules([faulty], stdlib=False)
    # a post-1965 substantive draft with nine votes and an abstention: rarer than most, so a longer
    # search, among cases of incidents and decisions only (the parts the invariant reads)
    none = st.just([])
    decisions_only = cases(rules, requests=none, claims=none, reports=none, responses=none, operations=none,
                           disputes=none, settlement=none)
    found = prove(rules, examples=2000, seed=0, invariant="council_adopts_without_veto", strategy=decisions_only)
    assert found is not None
    (decision,) = found.case.model.decisions
    assert "abstain" in decision.votes.values()
    assert found.result.decision(decision.id).adopted is False


def test_cli_prove_writes_a_runnable_counterexample_reproducibly(tmp_path, monkeypatch):
    faulty = _faulty_copy(tmp_path, "nato/north_atlantic_treaty.casus",
                          " and sovereign(I.place, V, at: I.date)\n   and in_area(I.place, nato_art6_territory, at: I.date)\n",
                          "\n")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    first = runner.invoke(app, ["prove", str(faulty), "--examples", "500", "--seed", "7", "-d", "out1", "--no-stdlib"])
    second = runner.invoke(app, ["prove", str(faulty), "--examples", "500", "--seed", "7", "-d", "out2", "--no-stdlib"])
    assert second.exit_code == 1, second.output
    assert first.exit_code == 1, first.output
    assert "counterexample to nato.assistance_only_for_treaty_area_attacks" in first.output
    assert "by rule nato.collective_defence" in first.output  # the proof of the violating conclusion
    (written,) = (tmp_path / "out1").glob("*.yaml")
    (again,) = (tmp_path / "out2").glob("*.yaml")

    def body(path):  # the header names the output directory
        return [line for line in path.read_text().splitlines() if not line.startswith("#")]

    assert body(written) == body(again)
    replay = runner.invoke(app, ["evaluate", str(written), "--rules", str(faulty), "--no-stdlib"])
    assert replay.exit_code == 0
    assert "Invariant violations" in replay.output


def test_cli_prove_passes_on_the_standard_library():
    result = CliRunner().invoke(app, ["prove", "--examples", "100"])
    assert result.exit_code == 0, result.output
    assert "no counterexample in 100 cases" in result.output


def test_cli_prove_unknown_invariant_is_bad_input():
    result = CliRunner().invoke(app, ["prove", "--invariant", "no_duty_to_do_the_forbiden"])
    assert result.exit_code == 2
    assert "did you mean 'no_duty_to_do_the_forbidden'" in result.output


# -------------------------------------------------------------- pytest plugin

pytest_plugins = ["pytester"]


def test_pytest_plugin_collects_expectations_and_invariants(pytester):
    shutil.copytree(ROOT / "rules", pytester.path / "rules")
    shutil.copy(ROOT / "cases" / "estonia_2026.yaml", pytester.path / "estonia.yaml")
    pytester.makeini("[pytest]\ncasus_rules = rules\ncasus_stdlib = false\ncasus_examples = 30\n")
    result = pytester.runpytest("-q")
    outcomes = result.parseoutcomes()
    case = load_case(ROOT / "cases" / "estonia_2026.yaml")
    n_invariants = len(load_rules().plan.checked.invariants)
    assert outcomes.get("passed") == len(case.model.expect) + 1 + n_invariants
    assert "failed" not in outcomes


def test_pytest_plugin_reports_a_failing_expectation(pytester):
    text = (ROOT / "cases" / "estonia_2026.yaml").read_text().replace(
        '"obliged DEU to consult EST"', '"obliged DEU to consult RUS"')
    (pytester.path / "estonia.yaml").write_text(text)
    result = pytester.runpytest("-q")
    result.assert_outcomes(failed=1, passed=len(load_case(ROOT / "cases" / "estonia_2026.yaml").model.expect))
    result.stdout.fnmatch_lines(["*expectation failed: obliged DEU to consult RUS (no such conclusion)*"])


def test_pytest_plugin_reports_an_invalid_case_without_traceback(pytester):
    (pytester.path / "bad.yaml").write_text("case: bad\nas_off: 2020-01-01\nexpect: []\n")
    result = pytester.runpytest("-q")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*unknown field 'as_off'*"])
    assert "Traceback" not in result.stdout.str()
