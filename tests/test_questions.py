"""Questions analysts ask of a crisis: which conclusions rest on contested doctrine, what is the
smallest change that would flip one, can the rules collide unsettled, and when does each hold."""

from __future__ import annotations

import datetime as dt
import json

from conftest import CASES, ESTONIA, REGIME

from engine import evaluate, load_case, load_case_text, load_rules
from engine.tools.counterfactual import counterfactual
from engine.tools.doctrine import relevant_assumptions, sensitivity
from engine.tools.scenarios import parse_settings, with_changes
from engine.tools.testing import prove
from engine.tools.timeline import timeline

KOSOVO = CASES / "kosovo_1999.yaml"
IRAQ_KUWAIT = CASES / "iraq_kuwait_1990.yaml"


# ------------------------------------------------------------ sensitivity


def test_kosovo_enforcement_by_nato_depends_on_whether_alliances_are_regional_arrangements(stdlib_rules):
    found = sensitivity(stdlib_rules, load_case(KOSOVO, stdlib_rules))
    dependent = {o.label: o for o in found.dependent()}
    o = dependent["forbidden north_atlantic_council to take_enforcement_action against YUG"]
    assert o.pivotal == ("assumptions.alliances_are_regional_arrangements",)
    assert o.condition == "assumptions.alliances_are_regional_arrangements = true"
    robust = {o.label for o in found.robust()}
    assert "forbidden USA to use_force against YUG" in robust
    info = {a.name: a for a in found.assumptions}
    assert info["alliances_are_regional_arrangements"].explored and info["alliances_are_regional_arrangements"].citation
    assert not info["anticipatory_self_defence"].explored  # read by rules, changes nothing here


def test_an_assumption_that_changes_nothing_is_not_enumerated(stdlib_rules):
    case = load_case(ESTONIA, stdlib_rules)
    assert "league_breach_without_finding" not in relevant_assumptions(stdlib_rules, case,
                                                                       ["league_breach_without_finding"])


def test_sensitivity_json_names_each_assumption_with_its_sources(run_cli):
    code, out, err = run_cli(["explore", KOSOVO, "--assumptions", "--format", "json"])
    assert code == 0, err
    data = json.loads(out)
    named = {a["name"]: a for a in data["assumptions"]}
    assert named["alliances_are_regional_arrangements"]["sources"].startswith("Disputed")
    rows = {c["conclusion"]: c for c in data["conclusions"]}
    row = rows["forbidden north_atlantic_council to take_enforcement_action against YUG"]
    assert row["robust"] is False and row["depends_on"] == ["alliances_are_regional_arrangements"]


# --------------------------------------------------------- counterfactual


def test_minimal_counterfactuals_are_verified_and_minimal(stdlib_rules):
    case = load_case(ESTONIA, stdlib_rules)
    query = "permitted DEU to use_force against RUS"
    found = counterfactual(stdlib_rules, case, query, max_changes=1)
    assert found.follows and found.found and found.exhausted
    assert (("incidents[invasion].scale", "minimal"),) in found.found
    for changes in found.found:  # each, as --set arguments, makes the conclusion stop following
        variant = with_changes(case, stdlib_rules, parse_settings(found.settings(changes)))
        assert not evaluate(stdlib_rules, variant).follows(query)


def test_a_vetoed_draft_is_flipped_by_the_veto(stdlib_rules):
    case = load_case(ESTONIA, stdlib_rules)
    found = counterfactual(stdlib_rules, case, "permitted _ to use_force against RUS", max_changes=1)
    assert found.follows  # self-defence; but no single change makes the draft an authorization
    changed = counterfactual(stdlib_rules, case, "obliged RUS to comply_with draft_s_2026_150", max_changes=1)
    assert not changed.follows
    settings = {s for c in changed.found for s in changed.settings(c)}
    assert {"decisions[draft_s_2026_150].votes.RUS=abstain", "decisions[draft_s_2026_150].votes.RUS=yes"} <= settings


def test_no_counterfactual_within_the_bound_is_said_plainly(stdlib_rules):
    case = load_case(ESTONIA, stdlib_rules)
    found = counterfactual(stdlib_rules, case, "obliged FRA to assist RUS", max_changes=1)
    assert not found.found and found.exhausted
    assert "none with at most 1 change(s)" in found.explain()


def test_counterfactual_on_the_command_line_prints_whatif_arguments(run_cli):
    code, out, err = run_cli(["explain", ESTONIA, "obliged RUS to comply_with draft_s_2026_150",
                              "--counterfactual", "--max-changes", "1"])
    assert code == 0, err
    assert '--set "decisions[draft_s_2026_150].votes.RUS=abstain"' in out


def _verified(rules, case, found, query) -> set[str]:
    """The settings of every set found, each checked again through `whatif --set`'s own reader."""
    settings = set()
    for changes in found.found:
        variant = with_changes(case, rules, parse_settings(found.settings(changes)))
        assert evaluate(rules, variant).follows(query) != found.follows
        settings |= set(found.settings(changes))
    return settings


def test_counterfactuals_move_an_incident_to_another_place(stdlib_rules):
    case = load_case(CASES / "hypothetical_hawaii_strike.yaml", stdlib_rules)
    query = "obliged DEU to assist USA"
    found = counterfactual(stdlib_rules, case, query, max_changes=1)
    assert not found.follows and found.exhausted
    assert "incidents[strike].place=USA" in _verified(stdlib_rules, case, found, query)  # into NATO's art. 6 area


def test_counterfactuals_change_dates_and_leave_out_decision_contents(stdlib_rules):
    case = load_case(CASES / "hypothetical_council_acts_reach.yaml", stdlib_rules)
    query = "obliged DEU to apply_measures res_armenia against AZE"
    found = counterfactual(stdlib_rules, case, query, max_changes=1)
    assert found.follows and found.exhausted
    settings = _verified(stdlib_rules, case, found, query)
    assert any(s.startswith("decisions[res_armenia].expires=") for s in settings)  # the measures expire
    assert any(s.startswith("decisions[res_armenia].content=") and "arms_embargo" not in s for s in settings)


def test_counterfactuals_change_memberships_through_the_case_overrides(stdlib_rules):
    case = load_case_text(
        "case: membership\nas_of: 2022-03-01\n"
        "incidents:\n  - {id: invasion, kind: invasion, date: 2022-02-24, author: RUS, victim: UKR, scale: large}\n",
        "membership.yaml")
    query = "obliged DEU to assist UKR"
    found = counterfactual(stdlib_rules, case, query, max_changes=1)
    assert not found.follows
    settings = _verified(stdlib_rules, case, found, query)
    assert 'organizations[nato].members=[{"state": "UKR", "from": "2022-02-23"}]' in settings
    # and the other way: Estonia's membership of both NATO and the EU left out ends the duty to assist it
    estonia = load_case_text(
        "case: membership\nas_of: 2026-03-01\n"
        "incidents:\n  - {id: invasion, kind: invasion, date: 2026-02-24, author: RUS, victim: EST, scale: large}\n",
        "estonia.yaml")
    gone = counterfactual(stdlib_rules, estonia, "obliged DEU to assist EST", max_changes=2)
    assert gone.follows and gone.exhausted
    assert {"organizations[eu].without=[EST]", "organizations[nato].without=[EST]"} in [
        set(gone.settings(c)) for c in gone.found]


# -------------------------------------------------------------- conflicts


CONFLICTING = REGIME + """
rule duty "A duty to act"
  cites "Test Treaty, art. 1"
  when incident(I, author: A, victim: V)
  then obliged V to retaliate_against A

rule ban "A ban on the same act"
  cites "Test Treaty, art. 2"
  when incident(I, author: A, victim: V, scale: large)
  then forbidden V to retaliate_against A
"""


def test_conflict_hunting_finds_and_shrinks_an_unsettled_conflict(tmp_path):
    (tmp_path / "r.casus").write_text(CONFLICTING, encoding="utf-8")
    rules = load_rules([tmp_path], stdlib=False)
    found = prove(rules, examples=200, seed=0, conflicts=True)
    assert found is not None and found.result.conflicts
    (incident,) = found.data["incidents"]  # shrunk to the one incident that matters
    assert incident["scale"] == "large"


def test_conflict_hunting_on_the_command_line_writes_a_case_file(run_cli, tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "r.casus").write_text(CONFLICTING, encoding="utf-8")
    out_dir = tmp_path / "found"
    code, out, err = run_cli(["prove", rules, "--no-stdlib", "--conflicts", "--examples", "200", "-d", out_dir])
    assert code == 1, err
    (written,) = out_dir.glob("conflict_seed0.yaml")
    case = load_case(written, load_rules([rules], stdlib=False))
    assert evaluate(load_rules([rules], stdlib=False), case).conflicts
    assert "obliged" in out and "forbidden" in out


def test_settled_rules_have_no_conflict(tmp_path):
    (tmp_path / "r.casus").write_text(CONFLICTING.replace('then forbidden V to retaliate_against A',
                                                          'then forbidden V to retaliate_against A\n  overrides duty'),
                                      encoding="utf-8")
    assert prove(load_rules([tmp_path], stdlib=False), examples=100, seed=0, conflicts=True) is None


# --------------------------------------------------------------- timeline


def test_iraq_kuwait_timeline(stdlib_rules):
    t = timeline(stdlib_rules, load_case(IRAQ_KUWAIT, stdlib_rules))
    lines = {(x.conclusion, x.rule): x.periods for x in t.lines}
    # the prohibition on force against Iraq gives way to the authorization of res. 678 (29 November 1990)
    assert lines[("forbidden GBR to use_force against IRQ", "un_charter.prohibition_of_force")] == [
        (dt.date(1990, 8, 2), dt.date(1990, 11, 29))]
    assert lines[("permitted GBR to use_force against IRQ", "un_charter.chapter_vii_authorization")] == [
        (dt.date(1990, 11, 29), None)]
    assert any(e.what == "decision res_678" and e.day == dt.date(1990, 11, 29) for e in t.events)


def test_timeline_ends_a_right_when_the_attack_ends(stdlib_rules):
    text = ESTONIA.read_text(encoding="utf-8").replace("    scale: large\n", "    scale: large\n    ended: 2026-03-04\n", 1)
    assert "ended: 2026-03-04" in text
    case = load_case_text(text, "estonia_ended.yaml", extra_states=set(stdlib_rules.extra_states))
    t = timeline(stdlib_rules, case)
    periods = {x.conclusion: x.periods for x in t.lines if x.rule == "un_charter.individual_self_defence"}
    assert periods["permitted EST to use_force against RUS"] == [(dt.date(2026, 3, 1), dt.date(2026, 3, 4))]


def test_timeline_json_and_bad_dates(run_cli):
    code, out, err = run_cli(["timeline", IRAQ_KUWAIT, "--from", "1990-08-01", "--to", "1990-12-31", "-f", "json"])
    assert code == 0, err
    data = json.loads(out)
    assert data["from"] == "1990-08-01" and data["to"] == "1990-12-31"
    assert all(p["from"] >= "1990-08-01" for c in data["conclusions"] for p in c["periods"])
    code, out, err = run_cli(["timeline", IRAQ_KUWAIT, "--from", "1990-13-01"])
    assert code == 2 and "E605" in err
    code, out, err = run_cli(["timeline", IRAQ_KUWAIT, "--from", "1991-01-01", "--to", "1990-01-01"])
    assert code == 2 and "E605" in err


# ------------------------------------------------- several derivations


TWO_ATTACKS = """
case: two_attacks
as_of: 2026-03-10
states: [EST, RUS]
incidents:
  - {id: first, kind: invasion, date: 2026-03-01, author: RUS, victim: EST, scale: large, ended: 2026-03-02}
  - {id: second, kind: invasion, date: 2026-03-05, author: RUS, victim: EST, scale: large}
"""


def test_a_conclusion_stands_if_any_derivation_stands(stdlib_rules):
    """Regression: the smallest derivation (the first, ended attack) used to decide the status alone."""
    result = evaluate(stdlib_rules, load_case_text(TWO_ATTACKS, "two_attacks.yaml",
                                                  extra_states=set(stdlib_rules.extra_states)))
    (c,) = [c for c in result.find("permitted EST to use_force against RUS")
            if c.rule == "un_charter.individual_self_defence"]
    assert c.status == "in force"
    assert dict(c.derivation.bindings)["I"] == "second"  # the status rests on the attack still going on
    assert c.alternatives and dict(c.alternatives[0].bindings)["I"] == "first"
    assert c.to_json()["derivations"] == 2


def test_adding_an_ended_incident_never_removes_a_conclusion_in_force(stdlib_rules):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from engine.tools.testing import cases, to_case

    @settings(max_examples=60, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(cases(stdlib_rules), st.data())
    def check(data, extra):
        before = evaluate(stdlib_rules, to_case(stdlib_rules, data))
        copy = dict(data, incidents=list(data["incidents"]))
        model = dict(extra.draw(st.sampled_from(data["incidents"])))
        model.update(id="extra_ended", ended=model["date"])
        copy["incidents"].append(model)
        after = evaluate(stdlib_rules, to_case(stdlib_rules, copy))
        kept = {(c.rule, c.text()) for c in after.in_force()}
        assert {(c.rule, c.text()) for c in before.in_force()} <= kept

    check()
