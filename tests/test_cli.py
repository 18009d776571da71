"""End to end through the `casus` command line (engine/cli.py)."""

from __future__ import annotations

import json
import re

import pytest

from conftest import ESTONIA, REGIME, ROOT, dedent

CONFLICT_RULES = REGIME + dedent('''
    rule sing cites "Art. 1" when state(S) then obliged S to sing
    rule hush cites "Art. 2" when state(S) then forbidden S to sing
''')
SMALL_CASE = "case: small\nas_of: 2020-01-01\nstates: [EST]\n"


@pytest.fixture
def tiny(rules_dir):
    """A one-rule rule set: bad-input tests need not load the standard library."""
    return rules_dir(REGIME + 'rule go cites "Art. 1" when state(S) then obliged S to go\n', name="tiny.casus")


def no_traceback(*streams: str) -> None:
    for s in streams:
        assert "Traceback" not in s
        assert "internal error" not in s


def bad_input(code: int, out: str, err: str) -> str:
    """Bad input: exit 2, a diagnostic on stderr, nothing on stdout, no traceback."""
    assert code == 2, (out, err)
    no_traceback(out, err)
    assert err.strip()
    return err


# ------------------------------------------------------------------ evaluate


def test_evaluate_text(run_cli):
    code, out, err = run_cli(["evaluate", ESTONIA])
    assert code == 0, err
    no_traceback(out, err)
    assert out.startswith("Case estonia_2026: Hypothetical")
    assert "As of 2026-03-05" in out
    assert "obliged DEU to assist EST" in out
    assert "North Atlantic Treaty, art. 5" in out
    assert re.search(r"S/2026/150.*not adopted.*vetoed by RUS", out)
    assert "permitted EST to use_force against RUS" in out


def test_evaluate_json(run_cli, estonia_result):
    code, out, err = run_cli(["evaluate", ESTONIA, "--format", "json"])
    assert code == 0, err
    data = json.loads(out)
    assert data["case"] == "estonia_2026"
    assert isinstance(data["conclusions"], list) and data["conclusions"]
    texts = {(c["text"], c["status"]) for c in data["conclusions"]}
    assert ("obliged DEU to assist EST", "in force") in texts
    assert ("forbidden EST to use_force against RUS", "defeated") in texts
    # the CLI reports what the library computes
    assert data == json.loads(json.dumps(estonia_result.to_json()))


def test_evaluate_json_in_force_only(run_cli):
    code, out, _ = run_cli(["evaluate", ESTONIA, "-f", "json", "--in-force"])
    assert code == 0
    statuses = {c["status"] for c in json.loads(out)["conclusions"]}
    assert statuses == {"in force"}


def test_evaluate_text_in_force_only(run_cli):
    code, out, _ = run_cli(["evaluate", ESTONIA, "--in-force"])
    assert code == 0
    assert "[defeated" not in out and "[ended" not in out
    assert "obliged DEU to assist EST" in out


def test_evaluate_with_own_rules(run_cli, rules_dir, case_file):
    rules = rules_dir(REGIME + 'rule go cites "Art. 1" when state(S) then obliged S to go\n')
    code, out, err = run_cli(["evaluate", case_file(SMALL_CASE), "--rules", rules, "-f", "json"])
    assert code == 0, err
    data = json.loads(out)
    assert [c["text"] for c in data["conclusions"]] == ["obliged EST to go"]
    assert data["conclusions"][0]["citation"] == "Art. 1"


def test_evaluate_output_writes_the_file(run_cli, tmp_path):
    target = tmp_path / "out.json"
    code, out, err = run_cli(["evaluate", ESTONIA, "--format", "json", "--output", target])
    assert code == 0, err
    assert out.strip() == ""
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["conclusions"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]  # no temporary left behind


def test_failing_run_leaves_no_output_file(run_cli, tmp_path, case_file, tiny):
    bad = case_file("case: x\nas_of: 2020-01-01\nstatez: [EST]\n", name="bad.yaml")
    target = tmp_path / "out" / "result.json"
    target.parent.mkdir()
    code, out, err = run_cli(["evaluate", bad, "-f", "json", "-o", target, "-r", tiny])
    bad_input(code, out, err)
    assert list(target.parent.iterdir()) == []


def test_failing_run_keeps_an_existing_output_file(run_cli, tmp_path, tiny):
    target = tmp_path / "result.txt"
    target.write_text("previous result\n")
    code, out, err = run_cli(["evaluate", tmp_path / "missing.yaml", "-o", target, "-r", tiny])
    bad_input(code, out, err)
    assert target.read_text() == "previous result\n"
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".result.txt")]  # no temporary


def test_output_into_a_missing_directory(run_cli, tmp_path, tiny, case_file):
    code, out, err = run_cli(["evaluate", case_file(SMALL_CASE), "-o", tmp_path / "nowhere" / "out.txt", "-r", tiny])
    bad_input(code, out, err)
    assert not (tmp_path / "nowhere").exists()


def test_fail_on_conflict(run_cli, rules_dir, case_file):
    rules = rules_dir(CONFLICT_RULES)
    case = case_file(SMALL_CASE)
    code, out, _ = run_cli(["evaluate", case, "-r", rules])
    assert code == 0
    assert "Conflicts" in out and "obliged EST to sing" in out
    code, out, _ = run_cli(["evaluate", case, "-r", rules, "--fail-on-conflict"])
    assert code == 1
    assert "in conflict" in out


def test_fail_on_conflict_without_conflict(run_cli):
    code, _, _ = run_cli(["evaluate", ESTONIA, "--fail-on-conflict"])
    assert code == 0


# ------------------------------------------------------------------- explain


def test_explain_a_conclusion(run_cli):
    code, out, err = run_cli(["explain", ESTONIA, "obliged DEU to assist EST"])
    assert code == 0, err
    assert out.startswith("obliged DEU to assist EST  [in force]")
    assert "by rule nato.collective_defence" in out
    assert "cites North Atlantic Treaty, art. 5" in out
    assert "estonia_2026.yaml:" in out  # the facts it rests on, with their place
    assert "DEU is a member of nato" in out


def test_explain_a_defeated_conclusion(run_cli):
    code, out, _ = run_cli(["explain", ESTONIA, "forbidden EST to use_force against RUS"])
    assert code == 0
    assert "does not follow in force" in out
    assert "[defeated]" in out
    assert "defeated by permitted EST to use_force against RUS" in out
    assert "UN Charter, art. 51" in out


def test_explain_a_non_conclusion_names_the_failing_premise(run_cli):
    code, out, err = run_cli(["explain", ESTONIA, "obliged SWE to comply_with draft_s_2026_150"])
    assert code == 0, err
    assert "does not follow" in out
    assert "un_charter.carry_out_decisions" in out
    assert "fails at: sc_decision(draft_s_2026_150)" in out


def test_explain_an_unknown_action_suggests_one(run_cli):
    code, out, _ = run_cli(["explain", ESTONIA, "obliged DEU to asist EST"])
    assert code == 0
    assert "No rule concludes" in out
    assert "Did you mean 'assist'?" in out


def test_explain_json(run_cli):
    code, out, _ = run_cli(["explain", ESTONIA, "obliged _ to assist EST", "--format", "json"])
    assert code == 0
    data = json.loads(out)
    assert data["follows"] is True
    assert {c["actor"] for c in data["conclusions"]} >= {"DEU", "USA"}
    code, out, _ = run_cli(["explain", ESTONIA, "obliged RUS to assist EST", "-f", "json"])
    data = json.loads(out)
    assert data["follows"] is False and data["conclusions"] == []
    why = data["why_not"]  # structured: for each rule that could conclude it, where it stops
    assert why["query"] == "obliged RUS to assist EST" and why["as_of"] == "2026-03-05"
    failing = {c["rule"]: c for c in why["candidates"] if c["reason"] == "fails"}
    assert "member(RUS, nato" in failing["nato.collective_defence"]["fails_at"]


def test_explain_malformed_query(run_cli):
    err = bad_input(*run_cli(["explain", ESTONIA, "obliged DEU assist EST"]))
    assert "E001" in err
    assert "<query>:1:13" in err


# --------------------------------------------------------------------- check


def test_check_standard_library(run_cli):
    code, out, err = run_cli(["check"])
    assert code == 0, err
    assert re.match(r"ok: \d+ regimes, \d+ rules, \d+ definitions, \d+ procedures, \d+ membership lists", out)


def test_check_rules_and_a_case(run_cli):
    code, out, err = run_cli(["check", ROOT / "rules", ESTONIA])
    assert code == 0, err
    assert "1 case file(s) valid" in out


def test_check_broken_rule_file(run_cli, rules_dir):
    d = rules_dir(REGIME + 'rule a cites "x" when stat(S) then obliged S to go\n', name="broken.casus")
    err = bad_input(*run_cli(["check", d / "broken.casus"]))
    assert re.search(r"broken\.casus:2:23: error E101: unknown predicate 'stat'", err)
    assert "did you mean 'state'?" in err
    assert "^" in err


def test_check_syntax_error(run_cli, rules_dir):
    d = rules_dir(REGIME + "rule a cites \"x\" when state(S) then obligd S to go\n", name="syntax.casus")
    err = bad_input(*run_cli(["check", d]))
    assert re.search(r"syntax\.casus:2:\d+: error E001", err)
    assert "did you mean 'obliged'?" in err


def test_check_invalid_case_file(run_cli, case_file, tiny):
    bad = case_file("case: x\nas_of: 2020-01-01\nstates: [EST, XYZ]\n")
    err = bad_input(*run_cli(["check", tiny, bad]))
    assert "case.yaml:3:15" in err and "XYZ" in err


def test_check_strict_turns_warnings_into_failure(run_cli, rules_dir):
    d = rules_dir(REGIME + 'define unused(state: S) cites "c" when state(S)\n'
                           'rule a cites "x" when state(S) then obliged S to go\n')
    code, out, err = run_cli(["check", d])
    assert code == 0
    assert "W201" in err and "1 warning(s)" in out
    code, _, err = run_cli(["check", d, "--strict"])
    assert code == 2
    no_traceback(err)


def test_check_rule_file_with_a_bad_escape(run_cli, rules_dir):
    d = rules_dir('regime r "T" cites "c\\x"\n', name="esc.casus")
    err = bad_input(*run_cli(["check", d]))
    assert "esc.casus:1:" in err


# ---------------------------------------------------------------------- test


def test_test_command_on_the_cases_folder(run_cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out, err = run_cli(["test", "cases/"])
    assert code == 0, out + err
    last = out.strip().splitlines()[-1]
    m = re.fullmatch(r"(\d+) passed, 0 failed", last)
    assert m and int(m.group(1)) > 0
    assert "FAIL" not in out


def test_test_command_defaults_to_cases(run_cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out, _ = run_cli(["test"])
    assert code == 0
    assert re.search(r"\d+ passed, 0 failed$", out.strip())


def test_failing_expectation_exits_1(run_cli, write):
    text = ESTONIA.read_text(encoding="utf-8").rstrip("\n") + '\n  - "obliged RUS to assist EST"\n'
    path = write("failing.yaml", text)
    code, out, err = run_cli(["test", path])
    assert code == 1
    no_traceback(out, err)
    assert "FAIL: obliged RUS to assist EST (no such conclusion)" in out
    assert re.search(r"\d+ passed, 1 failed$", out.strip())


def test_failing_status_and_adoption_expectations(run_cli, write):
    text = ESTONIA.read_text(encoding="utf-8").rstrip("\n") + (
        '\n  - {conclusion: "obliged DEU to assist EST", status: ended}'
        '\n  - {adopted: draft_s_2026_150, value: true}\n')
    path = write("failing2.yaml", text)
    code, out, _ = run_cli(["test", path, "-v"])
    assert code == 1
    assert "(found: in force)" in out
    assert "draft_s_2026_150 adopted (got: not adopted)" in out
    assert "pass: obliged DEU to assist EST" in out  # --verbose lists passing ones
    assert re.search(r"\d+ passed, 2 failed$", out.strip())


def test_test_command_with_an_invalid_case_exits_2(run_cli, case_file):
    bad = case_file("case: x\nas_of: 2020-01-01\nincidents: 3\n", name="bad.yaml")
    code, out, err = run_cli(["test", bad, ESTONIA])
    assert code == 2
    no_traceback(out, err)
    assert "bad.yaml:3" in err
    assert "1 invalid case file(s)" in out


def test_test_command_without_case_files(run_cli, tmp_path):
    (tmp_path / "empty").mkdir()
    err = bad_input(*run_cli(["test", tmp_path / "empty"]))
    assert "no case files" in err


# -------------------------------------------------------------------- schema


def test_schema(run_cli):
    code, out, err = run_cli(["schema"])
    assert code == 0, err
    schema = json.loads(out)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["type"] == "object"
    assert {"case", "as_of"} <= set(schema["required"])
    assert {"incidents", "decisions", "requests", "expect"} <= set(schema["properties"])


def test_schema_output_file(run_cli, tmp_path):
    target = tmp_path / "schema.json"
    code, out, _ = run_cli(["schema", "-o", target])
    assert code == 0 and out.strip() == ""
    assert json.loads(target.read_text())["type"] == "object"


# ----------------------------------------------------------------- bad input


def test_missing_case_file(run_cli, tmp_path, tiny):
    err = bad_input(*run_cli(["evaluate", tmp_path / "nope.yaml", "-r", tiny]))
    assert "E300" in err and "no such case file" in err and "nope.yaml" in err


def test_missing_case_file_suggests_a_neighbour(run_cli, tmp_path, case_file, tiny):
    case_file(SMALL_CASE, name="estonia.yaml")
    err = bad_input(*run_cli(["evaluate", tmp_path / "estonai.yaml", "-r", tiny]))
    assert "estonia.yaml" in err


def test_case_with_a_yaml_syntax_error(run_cli, case_file, tiny):
    bad = case_file("case: x\nas_of: 2020-01-01\nstates: [EST\n", name="syntax.yaml")
    err = bad_input(*run_cli(["evaluate", bad, "-r", tiny]))
    assert re.search(r"syntax\.yaml:\d+:\d+: error E301", err)


def test_case_with_an_unknown_field(run_cli, case_file, tiny):
    bad = case_file("case: x\nas_of: 2020-01-01\nstatez: [EST]\n", name="field.yaml")
    err = bad_input(*run_cli(["evaluate", bad, "-r", tiny]))
    assert "field.yaml:3:1" in err
    assert "unknown field 'statez'" in err
    assert "did you mean 'states'?" in err


def test_case_with_a_bad_state_code(run_cli, case_file, tiny):
    bad = case_file("case: x\nas_of: 2020-01-01\nstates: [EST, UK]\n", name="state.yaml")
    err = bad_input(*run_cli(["evaluate", bad, "-r", tiny]))
    assert "state.yaml:3:15" in err
    assert "unknown state code 'UK'" in err and "GBR" in err
    assert "states[1]" in err


def test_case_with_a_bad_date(run_cli, case_file, tiny):
    bad = case_file("case: x\nas_of: 2020-02-30\n", name="date.yaml")
    err = bad_input(*run_cli(["evaluate", bad, "-r", tiny]))
    assert "date.yaml:2:" in err and "as_of" in err


def test_non_existent_rules_path(run_cli, tmp_path):
    err = bad_input(*run_cli(["evaluate", ESTONIA, "--rules", tmp_path / "no_rules"]))
    assert "E003" in err and "no_rules" in err


def test_rules_path_that_is_not_a_rule_file(run_cli):
    err = bad_input(*run_cli(["evaluate", ESTONIA, "--rules", ESTONIA]))
    assert "E003" in err


def test_broken_rules_when_evaluating(run_cli, rules_dir):
    d = rules_dir(REGIME + 'rule a when state(S) then obliged S to go\n')
    err = bad_input(*run_cli(["evaluate", ESTONIA, "-r", d]))
    assert "E110" in err and "main.casus:2:1" in err


def test_explain_missing_case(run_cli, tmp_path, tiny):
    bad_input(*run_cli(["explain", tmp_path / "nope.yaml", "obliged DEU to assist EST", "-r", tiny]))


def test_unknown_cli_option(run_cli):
    code, out, err = run_cli(["evaluate", ESTONIA, "--bogus"])
    assert code == 2
    no_traceback(out, err)
    assert "--bogus" in err


def test_unknown_command(run_cli):
    code, out, err = run_cli(["evalute", ESTONIA])
    assert code == 2
    no_traceback(out, err)


def test_bad_format_value(run_cli):
    code, out, err = run_cli(["evaluate", ESTONIA, "--format", "xml"])
    assert code == 2
    no_traceback(out, err)
