"""Case files and reference-data files: loading, positions and diagnostics."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import yaml

from engine.inputs.casefile import AdoptionExpectation, Authorization, Determination, Expectation, NonStateActor
from engine.inputs.schema import case_schema
from engine.inputs.load import load_case, load_case_text, load_organization
from engine.inputs.states import state_name
from engine.diagnostics import CasusError
from engine.inputs.yamlpos import load_document

FULL = """\
case: estonia_2026
title: "Hypothetical: armed attack on Estonia (2026)"
as_of: 2026-03-05
description: An invented scenario.
sources: ["invented"]
states: [EST, RUS, no]
organizations:
  - id: nato
    replace: false
    members: [{state: SWE, from: 2024-03-07, until: null, source: "accession", note: "32nd"}]
incidents:
  - id: attack
    kind: armed_attack
    date: 2026-03-01
    author: RUS
    victim: EST
    scale: large
    effects: [casualties, territorial_occupation]
    description: "Invasion across the border"
    source: "invented"
  - id: bombing
    kind: terrorist_attack
    date: 2026-02-20
    author: {group: "al-Qaida"}
    victim: est
    location: LVA
decisions:
  - id: draft_s_2026_100
    organ: security_council
    date: 2026-03-02
    symbol: "S/2026/100"
    concerns: [attack, EST]
    votes:
      USA: yes
      RUS: no
      CHN: abstain
      NO: yes
    content:
      - determination: breach_of_peace
        about: attack
      - measures: sanctions
        against: [RUS]
      - authorization: use_of_force
        to: member_states
        against: [RUS]
        article: 42
      - demand: withdrawal
        addressee: [RUS]
      - affirmation: self_defence
        of: [EST]
      - recommendation: assistance
        to: [USA, GBR]
        text: "Recommends ..."
  - id: ga_res
    organ: general_assembly
    date: 2026-03-04
    matter: substantive
    votes:
      yes: [USA, FRA]
      no: [RUS, BLR]
      abstain: [CHN]
  - id: nac
    organ: north_atlantic_council
    date: 2026-03-02
    adopted: true
requests:
  - id: est_request
    by: EST
    to: [nato, USA]
    kind: collective_self_defence
    date: 2026-03-01
    about: attack
reports:
  - id: usa_report
    by: USA
    to: security_council
    date: 2026-03-03
    article: "51"
    about: attack
    symbol: "S/2026/120"
claims:
  - id: claim1
    by: RUS
    kind: self_defence
    date: 2026-03-01
    about: attack
expect:
  - "obliged DEU to assist EST"
  - "not permitted RUS to use_force against EST"
  - {conclusion: "forbidden RUS to use_force against EST", status: in force}
  - {adopted: draft_s_2026_100, value: false}
"""


def _errors(text: str, file: str = "case.yaml"):
    with pytest.raises(CasusError) as info:
        load_case_text(text, file)
    return info.value.diagnostics


def _one(text: str, file: str = "case.yaml"):
    diags = _errors(text, file)
    assert len(diags) == 1, [d.render() for d in diags]
    return diags[0]


BASE = "case: t\nas_of: 2026-03-05\n"


# --- valid files -----------------------------------------------------------


def test_full_case_yaml(tmp_path):
    path = tmp_path / "estonia.yaml"
    path.write_text(FULL, encoding="utf-8")
    case = load_case(path)
    m = case.model
    assert case.file == str(path) and case.text == FULL
    assert m.case == "estonia_2026" and m.as_of == dt.date(2026, 3, 5)
    assert m.states == ("EST", "RUS", "NOR")  # `no` is Norway, not false
    attack, bombing = m.incidents
    assert attack.location == "EST" and attack.attribution == "state" and attack.scale == "large"
    assert bombing.author == NonStateActor(group="al-Qaida")
    assert bombing.attribution == "non_state" and bombing.victim == "EST" and bombing.location == "LVA"
    sc, ga, nac = m.decisions
    assert sc.votes == {"USA": "yes", "RUS": "no", "CHN": "abstain", "NOR": "yes"}
    assert ga.votes == {"USA": "yes", "FRA": "yes", "RUS": "no", "BLR": "no", "CHN": "abstain"}
    assert nac.votes is None and nac.adopted is True
    assert sc.concerns == ("attack", "EST") and sc.matter == "substantive"
    assert isinstance(sc.content[0], Determination) and sc.content[0].kind == "determination"
    auth = sc.content[2]
    assert isinstance(auth, Authorization) and auth.to == "member_states" and auth.article == "42"
    assert sc.content[5].to == ("USA", "GBR")
    assert m.requests[0].to == ("nato", "USA")
    assert m.reports[0].article == "51"
    assert m.organizations[0].members[0].from_ == dt.date(2024, 3, 7)
    e0, e1, e2, e3 = m.expect
    assert isinstance(e0, Expectation) and not e0.negated and e0.status == "in force"
    assert e1.negated and e1.conclusion == "permitted RUS to use_force against EST"
    assert e1.query.modality == "permitted" and e1.query.counterparty == "EST"
    assert e2.query.modality == "forbidden"
    assert isinstance(e3, AdoptionExpectation) and e3.adopted == "draft_s_2026_100" and e3.value is False
    assert "GBR" in m.involved_states() and "SWE" in m.involved_states()
    assert m.find("claim1") is m.claims[0]


def test_json_gives_the_same_model(tmp_path):
    data, _ = load_document(FULL, "x.yaml")
    path = tmp_path / "estonia.json"
    path.write_text(json.dumps(data, indent="\t"), encoding="utf-8")
    assert load_case(path).model == load_case_text(FULL, "estonia.yaml").model


def test_yaml_12_scalars():
    data, _ = load_document(
        "a: no\nb: NO\nc: yes\nd: on\ne: off\nf: 2026-03-01\ng: True\nh: ~\ni:\nj: 0x1F\n"
        "k: 1.5e3\nl: '12'\nm: 012\nn: FALSE\n", "x.yaml")
    assert data == {"a": "no", "b": "NO", "c": "yes", "d": "on", "e": "off", "f": "2026-03-01",
                    "g": True, "h": None, "i": None, "j": 31, "k": 1500.0, "l": "12", "m": 12, "n": False}


def test_norway_votes_no():
    text = BASE + "decisions:\n  - {id: d, organ: security_council, date: 2026-01-01, votes: {NO: no, no: yes}}\n"
    with pytest.raises(CasusError) as info:  # NO and no are both Norway
        load_case_text(text, "c.yaml")
    assert "NOR votes more than once" in info.value.diagnostics[0].message
    case = load_case_text(BASE + "decisions:\n  - {id: d, organ: x, date: 2026-01-01, votes: {NO: no}}\n", "c.yaml")
    assert case.model.decisions[0].votes == {"NOR": "no"}


def test_state_codes():
    case = load_case_text(BASE + "states: [de, usa, SUN, suhh, YUG, XKX, ddr]\n", "c.yaml")
    assert case.model.states == ("DEU", "USA", "SUN", "SUN", "YUG", "XKX", "DDR")
    assert state_name("SUN") == "Soviet Union" and state_name("de") == "Germany"
    extra = load_case_text(BASE + "states: [ABC]\n", "c.yaml", extra_states={"ABC"})
    assert extra.model.states == ("ABC",)


# --- positions -------------------------------------------------------------


def test_positions_of_nested_votes():
    case = load_case_text(FULL, "estonia.yaml")
    lines = FULL.splitlines()
    line, col = case.positions[("decisions", 0, "votes", "RUS")]
    assert lines[line - 1] == "      RUS: no" and lines[line - 1][col - 1:] == "no"
    assert case.positions[()] == (1, 1)
    assert case.positions[("decisions", 1, "votes", "no", 1)][0] == lines.index("      no: [RUS, BLR]") + 1
    span = case.locate(("decisions", 0, "votes", "RUS"))
    assert (span.file, span.line, span.column, span.end_column) == ("estonia.yaml", line, col, col + 1)
    # a path that does not exist falls back to its nearest ancestor
    assert case.locate(("decisions", 0, "votes", "FRA")).line == case.positions[("decisions", 0, "votes")][0]


def test_json_positions_with_tabs():
    text = '{\n\t"case": "t",\n\t"states": [\n\t\t"EST",\n\t\t"RUS"\n\t]\n}'
    data, positions = load_document(text, "c.json")
    assert data["states"] == ["EST", "RUS"]
    assert positions[("states", 1)] == (5, 3)


# --- syntax errors ---------------------------------------------------------


def test_yaml_syntax_error_has_line_and_column():
    d = _one(BASE + "states: [EST\nfoo: : bar\n")
    assert d.code == "E301" and "syntax error" in d.message
    assert (d.span.file, d.span.line, d.span.column) == ("case.yaml", 4, 4)


def test_json_syntax_error_has_line_and_column():
    d = _one('{"case": "t",\n "as_of": "2026-01-01",,\n}', "case.json")
    assert d.code == "E301" and d.message.startswith("JSON syntax error")
    assert (d.span.line, d.span.column) == (2, 24)


def test_duplicate_key():
    d = _one(BASE + "case: u\n")
    assert d.code == "E301" and "duplicate key 'case'" in d.message and d.span.line == 3


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", ""])
def test_top_level_must_be_mapping(text):
    assert _one(text).code == "E302"


def test_json_top_level_list():
    assert _one("[1, 2]", "c.json").code == "E302"


# --- validation errors -----------------------------------------------------


def test_unknown_field_suggests():
    d = _one(BASE + "as_off: 2026-01-01\n")
    assert d.code == "E303" and d.path == "as_off" and "unknown field 'as_off'" in d.message
    assert d.hint == "did you mean 'as_of'?" and (d.span.line, d.span.column) == (3, 1)


def test_unknown_nested_field_suggests():
    text = BASE + "decisions:\n  - {id: d, organ: x, date: 2026-01-01, content: [{measures: arms, agains: [IRQ]}]}\n"
    d = _one(text)
    assert d.path == "decisions[0].content[0].agains" and d.hint == "did you mean 'against'?"


def test_invalid_state_code_suggests():
    text = BASE + "decisions:\n  - id: d\n    organ: security_council\n    date: 2026-01-01\n" \
                  "    votes:\n      USA: yes\n      RUSS: no\n"
    d = _one(text)
    assert d.code == "E303" and d.path == "decisions[0].votes.RUSS"
    assert d.message == "unknown state code 'RUSS'; did you mean 'RUS'?"
    assert (d.span.line, d.span.column) == (9, 7)


def test_state_name_suggests_code():
    d = _one(BASE + "states: [Germany]\n")
    assert "did you mean 'DEU'" in d.message


@pytest.mark.parametrize("value, text", [("2026-02-30", "day is out of range"),
                                         ("2026-3-1", "YYYY-MM-DD"), ("20260301", "YYYY-MM-DD")])
def test_bad_date(value, text):
    d = _one(f"case: t\nas_of: {value}\n")
    assert d.path == "as_of" and text in d.message and d.span.line == 2


def test_missing_required_field():
    d = _one("case: t\n")
    assert d.path == "as_of" and "missing required field 'as_of'" in d.message and d.span.line == 1


def test_mixed_vote_forms():
    text = BASE + "decisions:\n  - id: d\n    organ: x\n    date: 2026-01-01\n    votes: {yes: [USA], RUS: no}\n"
    d = _one(text)
    assert d.path == "decisions[0].votes" and "not both" in d.message and d.span.line == 7


def test_state_votes_twice_in_lists():
    text = BASE + "decisions:\n  - id: d\n    organ: x\n    date: 2026-01-01\n    votes: {yes: [USA], no: [us]}\n"
    assert "USA votes more than once" in _one(text).message


def test_duplicate_ids():
    text = BASE + ("incidents:\n  - {id: a, kind: invasion, date: 2026-01-01, victim: UKR}\n"
                   "claims:\n  - {id: a, by: RUS, kind: self_defence, date: 2026-01-01}\n")
    d = _one(text)
    assert d.path == "claims[0].id" and "duplicate id 'a'" in d.message and d.span.line == 6


def test_dangling_about():
    text = BASE + ("incidents:\n  - {id: attack, kind: invasion, date: 2026-01-01, victim: UKR}\n"
                   "reports:\n  - {id: r, by: UKR, date: 2026-01-01, about: atack}\n"
                   "decisions:\n  - {id: d, organ: x, date: 2026-01-01, concerns: [attack, ukr]}\n")
    diags = _errors(text)
    assert [d.path for d in diags] == ["reports[0].about", "decisions[0].concerns[1]"]
    assert "unknown incident 'atack'; did you mean 'attack'?" == diags[0].message
    assert "upper case" in diags[1].message


def test_events_after_as_of_are_allowed():
    text = BASE + "incidents:\n  - {id: later, kind: invasion, date: 2030-01-01, victim: UKR}\n"
    assert load_case_text(text, "c.yaml").model.incidents[0].date.year == 2030


def test_bad_expect_query():
    d = _one(BASE + "expect:\n  - obliged DEU assist\n")
    assert d.path.startswith("expect[0]") and "invalid conclusion" in d.message and d.span.line == 4


def test_expect_unknown_decision():
    d = _one(BASE + "expect:\n  - {adopted: nothing, value: true}\n")
    assert d.path == "expect[0].adopted" and "unknown decision" in d.message


def test_content_needs_exactly_one_kind():
    text = BASE + "decisions:\n  - {id: d, organ: x, date: 2026-01-01, content: [{measures: x, demand: y}]}\n"
    assert "exactly one of" in _one(text).message


def test_all_problems_are_reported():
    diags = _errors("case: Bad Id\nas_of: yesterday\nstates: [XYZQ]\nincidents: 5\n")
    assert [d.path for d in diags] == ["case", "as_of", "states[0]", "incidents"]
    assert all(d.code == "E303" for d in diags)


def test_bool_fields_are_strict():
    text = BASE + "organizations:\n  - {id: nato, replace: yes, members: []}\n"
    assert "true or false" in _one(text).message


# --- files -----------------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(CasusError) as info:
        load_case(tmp_path / "nope.yaml")
    d = info.value.diagnostics[0]
    assert d.code == "E300" and "no such case file" in d.message and d.hint
    assert (d.span.line, d.span.column) == (1, 1)


def test_wrong_extension(tmp_path):
    path = tmp_path / "case.txt"
    path.write_text(BASE, encoding="utf-8")
    with pytest.raises(CasusError) as info:
        load_case(path)
    d = info.value.diagnostics[0]
    assert d.code == "E300" and ".yaml" in d.hint


def test_not_utf8(tmp_path):
    path = tmp_path / "case.yaml"
    path.write_bytes(b"case: t\nas_of: \xff\n")
    with pytest.raises(CasusError) as info:
        load_case(path)
    assert info.value.diagnostics[0].code == "E300"


def test_errors_render_with_source():
    with pytest.raises(CasusError) as info:
        load_case_text(BASE + "states: [RUSS]\n", "c.yaml")
    out = info.value.render()
    assert "c.yaml:3:10" in out and "states: [RUSS]" in out and "^" in out


def test_schema():
    schema = case_schema()
    assert isinstance(schema, dict) and schema["title"] and "$schema" in schema
    assert {"case", "as_of", "incidents", "decisions", "expect"} <= set(schema["properties"])
    assert set(schema["required"]) == {"case", "as_of"}
    json.dumps(schema)


# --- organization data -----------------------------------------------------

ORG = """\
organization: nato
name: North Atlantic Treaty Organization
source: "North Atlantic Treaty"
members:
  - state: USA
    from: 1949-08-24
  - state: FRA
    from: 1949-08-24
    note: "founding"
"""


def test_organization_file(tmp_path):
    path = tmp_path / "nato.org.yaml"
    path.write_text(ORG, encoding="utf-8")
    org, positions, text = load_organization(path)
    assert org.organization == "nato" and [m.state for m in org.members] == ["USA", "FRA"]
    assert positions[("members", 1)] == (7, 5) and text == ORG
    assert org.members_on(dt.date(2000, 1, 1)) == {"USA", "FRA"}


@pytest.mark.parametrize("until", ["1949-08-24", "1940-01-01"])
def test_organization_until_must_follow_from(tmp_path, until):
    path = tmp_path / "nato.org.yaml"
    path.write_text(ORG + f"    until: {until}\n", encoding="utf-8")
    with pytest.raises(CasusError) as info:
        load_organization(path)
    d = info.value.diagnostics[0]
    assert d.code == "E303" and d.path == "members[1].until" and "must be after" in d.message
    assert d.span.line == 10


def test_organization_overlapping_periods(tmp_path):
    path = tmp_path / "nato.org.yaml"
    path.write_text(ORG + "  - state: USA\n    from: 1960-01-01\n", encoding="utf-8")
    with pytest.raises(CasusError) as info:
        load_organization(path)
    assert info.value.diagnostics[0].path == "members[2].state"


def test_organization_forbids_extra_fields(tmp_path):
    path = tmp_path / "x.org.yaml"
    path.write_text(ORG.replace("name:", "nmae:"), encoding="utf-8")
    with pytest.raises(CasusError) as info:
        load_organization(path)
    assert {d.hint for d in info.value.diagnostics} >= {"did you mean 'name'?"}


def test_yaml_dump_of_model_round_trips():
    m = load_case_text(FULL, "a.yaml").model
    again = load_case_text(yaml.safe_dump(json.loads(m.model_dump_json(by_alias=True))), "b.yaml").model
    assert again.decisions == m.decisions and again.incidents == m.incidents


def test_an_expectation_no_rule_can_produce_fails_with_w305(tmp_path):
    from engine import load_case, load_rules
    from engine.tools.expectations import run_tests, unproducible_expectations
    rules = load_rules()
    f = tmp_path / "c.yaml"
    f.write_text("case: c\nas_of: 2026-03-05\nstates: [EST]\nexpect:\n"
                 "  - \"not obliged EST to comply_with_recommendation x\"\n  - \"not obliged EST to assist LVA\"\n")
    case = load_case(f, rules)
    (w,) = unproducible_expectations(rules, case)
    assert w.code == "W305" and w.path == "expect[0]" and w.span.line == 5
    report = run_tests(rules, [f])
    assert report.failed == 1 and "W305" in report.cases[0].checks[0][1]


def test_lower_case_actors_are_not_shown_as_states():
    from engine.report.text import _actor_name
    assert _actor_name("au") == "au"          # the African Union, not Australia
    assert _actor_name("AUS") == "AUS — Australia"
