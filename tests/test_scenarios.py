"""What-if and explore: hypotheticals over the bundled cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine import evaluate, load_case, load_rules
from engine.cli import app
from engine.diagnostics import CasusError
from engine.tools.explore import explore
from engine.tools.scenarios import parse_path, parse_value, with_changes

ROOT = Path(__file__).resolve().parent.parent
ESTONIA = ROOT / "cases" / "estonia_2026.yaml"
OPEN = ROOT / "cases" / "hypothetical_council_vote_open.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def test_paths_and_values():
    assert parse_path("decisions[draft].votes.RUS") == ["decisions", "draft", "votes", "RUS"]
    assert parse_path("incidents[0].scale") == ["incidents", 0, "scale"]
    assert parse_value("no") == "no"  # a vote, not a boolean
    assert parse_value("[USA, GBR]") == ["USA", "GBR"]
    assert parse_value("null") is None


def test_whatif_a_permanent_member_abstains(rules):
    case = load_case(ESTONIA, rules)
    before = evaluate(rules, case)
    after = evaluate(rules, with_changes(case, rules, [("decisions[draft_s_2026_150].votes.RUS", "abstain")]))
    delta = before.diff(after)
    assert ("draft_s_2026_150", False, True) in delta.decisions
    gained = {c.text() for c in delta.gained}
    assert "obliged RUS to comply_with draft_s_2026_150" in gained
    # the proof of a new conclusion rests on the changed vote, cited at its decision
    new = next(c for c in delta.gained if c.text() == "obliged RUS to comply_with draft_s_2026_150")
    assert "adopted(draft_s_2026_150)" in new.explain()
    assert delta.explain().startswith("decision draft_s_2026_150: not adopted -> adopted")


def test_whatif_lost_conclusions_carry_their_old_proof(rules):
    case = load_case(ESTONIA, rules)
    before = evaluate(rules, case)
    after = evaluate(rules, with_changes(case, rules, [("incidents[invasion].scale", "limited")]))
    delta = before.diff(after)
    lost = {c.text() for c in delta.lost}
    assert "permitted EST to use_force against RUS" in lost
    assert "obliged DEU to assist EST" in lost
    assert not delta.gained or all(c.status == "in force" for c in delta.gained)
    assert "does not follow" in delta.explain()  # why not, after the change


def test_whatif_changes_nothing_when_the_fact_is_irrelevant(rules):
    case = load_case(ESTONIA, rules)
    delta = evaluate(rules, case).diff(
        evaluate(rules, with_changes(case, rules, [("incidents[invasion].description", "other words")])))
    assert delta.empty
    assert delta.explain() == "No conclusion changes."


@pytest.mark.parametrize("setting, message", [
    ("decisions[draft_s_2026_15].votes.RUS=abstain", "did you mean 'draft_s_2026_150'"),
    ("incidents[invasion].scale=enormous", "incidents[0].scale"),
    ("nonsense", "--set takes PATH=VALUE"),
])
def test_whatif_bad_settings_are_bad_input(setting, message):
    result = runner.invoke(app, ["whatif", str(ESTONIA), "--set", setting])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_whatif_cli_text_and_json():
    text = runner.invoke(app, ["whatif", str(ESTONIA), "--set", "decisions[draft_s_2026_150].votes.RUS=abstain"])
    assert text.exit_code == 0, text.output
    assert "What if decisions[draft_s_2026_150].votes.RUS = abstain?" in text.output
    assert "New conclusions" in text.output
    data = json.loads(runner.invoke(app, ["whatif", str(ESTONIA), "-s", "decisions[draft_s_2026_150].votes.RUS=abstain",
                                          "--format", "json"]).output)
    assert data["decisions"] == [{"decision": "draft_s_2026_150", "before": False, "after": True}]
    assert any(c["text"] == "obliged RUS to comply_with draft_s_2026_150" for c in data["gained"])


def test_explore_finds_the_pivotal_votes(rules):
    found = explore(rules, load_case(OPEN, rules))
    assert found.space == 4 * 4 * 3 * 2 and not found.sampled
    assert found.ignored == ["incidents[incursion].description"]  # no rule reads it
    by_label = {(o.label, o.rule): o for o in found.outcomes}
    authorization = by_label[("permitted USA to use_force against RUS", "un_charter.chapter_vii_authorization")]
    assert set(authorization.pivotal) == {"decisions[draft].votes.RUS", "decisions[draft].votes.CHN"}
    assert authorization.condition == ("decisions[draft].votes.RUS in {yes, abstain, absent} and "
                                       "decisions[draft].votes.CHN in {yes, abstain, absent}")
    adopted = by_label[("draft adopted", "un_charter.sc_substantive")]
    assert "decisions[draft].votes.PAK" not in adopted.pivotal  # 12 votes still carry it
    self_defence = by_label[("permitted EST to use_force against RUS", "un_charter.individual_self_defence")]
    assert "incidents[incursion].scale" in self_defence.pivotal


def test_explore_samples_a_large_space_and_says_so(rules):
    found = explore(rules, load_case(OPEN, rules), limit=10, samples=20, seed=3)
    assert found.sampled and found.evaluated == 20
    assert "sampled 20 at random" in found.explain()
    again = explore(rules, load_case(OPEN, rules), limit=10, samples=20, seed=3)
    assert again.to_json() == found.to_json()


def test_explore_cli():
    result = runner.invoke(app, ["explore", str(OPEN)])
    assert result.exit_code == 0, result.output
    assert "pivotal: decisions[draft].votes.RUS, decisions[draft].votes.CHN" in result.output
    data = json.loads(runner.invoke(app, ["explore", str(OPEN), "--format", "json"]).output)
    assert data["space"] == 96 and data["evaluated"] == 96


def test_explore_a_case_without_open_facts_is_bad_input():
    result = runner.invoke(app, ["explore", str(ESTONIA)])
    assert result.exit_code == 2
    assert "leaves no fact open" in result.output


def test_explore_rejects_an_unknown_path(rules):
    case = load_case(OPEN, rules)
    with pytest.raises(CasusError, match="has no 'votez'"):
        explore(rules, case, unknown=[("decisions[draft].votez.RUS", ("yes", "no"))])


def test_a_later_decision_ends_measures_and_authorizations(rules, tmp_path):
    """Res. 1483 (2003) ended res. 661's sanctions; an express termination ends both kinds of Council act."""
    case = ROOT / "cases" / "iraq_kuwait_1990.yaml"
    text = case.read_text().replace("as_of: 1991-01-17", "as_of: 2003-06-01")
    members_2003 = ["CHN", "FRA", "GBR", "RUS", "USA", "AGO", "BGR", "CMR", "CHL", "DEU", "GIN", "MEX", "PAK",
                    "ESP", "SYR"]
    text = text.replace("\nrequests:\n", "\n" + _termination(members_2003) + "\nrequests:\n", 1)
    text = text[: text.index("\nexpect:\n")] + "\n"  # the 1991 expectations no longer apply
    path = tmp_path / "iraq_later.yaml"
    path.write_text(text)
    evaluated = evaluate(rules, load_case(path, rules))
    assert {c.status for c in evaluated.find("obliged USA to apply_measures res_661 against IRQ")} == {"ended"}
    (ended,) = [c for c in evaluated.find("permitted USA to use_force against IRQ")
                if c.rule == "un_charter.chapter_vii_authorization"]
    assert ended.status == "ended"
    assert "terminated(res_678)" in ended.explain()
    # Kuwait's own right of self-defence outlives the Council's acts, until the attack is over
    assert evaluated.follows("permitted KWT to use_force against IRQ")
    liberated = text.replace("    date: 1990-08-02\n", "    date: 1990-08-02\n    ended: 1991-02-28\n", 1)
    path.write_text(liberated)
    later = evaluate(rules, load_case(path, rules))
    assert {c.status for c in later.find("permitted KWT to use_force against IRQ")} == {"ended"}
    assert "incident_ended(invasion)" in later.find("permitted KWT to use_force against IRQ")[0].explain()


def _termination(members: list[str]) -> str:
    votes = ", ".join(f"{m}: yes" for m in members)
    return ("  - id: res_later\n"
            "    organ: security_council\n"
            "    date: 2003-05-22\n"
            "    concerns: [invasion]\n"
            f"    votes: {{{votes}}}\n"
            "    content:\n"
            "      - terminates: res_661\n"
            "      - terminates: res_678\n")
