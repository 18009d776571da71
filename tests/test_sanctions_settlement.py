"""Sanctions regimes and the peaceful settlement of disputes: the case fields that describe
them (targets by kind, committees, exemptions, designations, renewal, suspension, mandates;
disputes and settlement steps), their validation, their facts, and what the standard library
concludes from them."""

from __future__ import annotations

import json

import pytest

from engine import evaluate
from engine.diagnostics import CasusError
from engine.inputs.facts import actor_id, build_facts
from engine.inputs.load import load_case_text
from engine.tools.explore import relevant
from engine.tools.scenarios import with_changes

from conftest import dedent

COUNCIL_2025 = "[CHN, DNK, DZA, FRA, GBR, GRC, GUY, KOR, PAK, PAN, RUS, SLE, SOM, SVN, USA]"

REGIME = dedent(f"""
    case: regime
    as_of: 2026-03-01
    states: [FRA, USA, VAT]
    incidents:
      - {{id: raid, kind: terrorist_attack, date: 2025-01-02, author: {{group: Front}}, victim: NER}}
    decisions:
      - id: res_a
        organ: security_council
        date: 2025-01-10
        concerns: [raid]
        under: [chapter_vii]
        expires: 2026-01-10
        votes: {{yes: {COUNCIL_2025}}}
        content:
          - measures: asset_freeze
            against: [{{group: Front}}]
            committee: committee_a
            exemptions: [foodstuffs]
      - id: listing
        organ: committee_a
        date: 2025-02-01
        adopted: true
        content:
          - {{designates: [{{individual: "A. Person"}}, {{entity: Acme Ltd}}], regime: res_a}}
      - id: res_b
        organ: security_council
        date: 2025-12-20
        under: [chapter_vii]
        expires: 2026-12-20
        votes: {{yes: {COUNCIL_2025}}}
        content:
          - {{renews: res_a}}
""")


def _case(text: str, rules, name: str = "case.yaml"):
    return load_case_text(text, name, extra_states=rules.extra_states)


def _result(text: str, rules, changes=()):
    case = _case(text, rules)
    if changes:
        case = with_changes(case, rules, list(changes))
    return evaluate(rules, case)


# ------------------------------------------------------------------ the case file


def test_targets_of_every_kind_validate_and_get_identifiers(stdlib_rules):
    case = _case(REGIME, stdlib_rules)
    listing = case.model.decisions[1].content[0]
    assert [actor_id(t) for t in listing.designates] == ["a_person", "acme_ltd"]
    store, _ = build_facts(case, stdlib_rules)
    kinds = store.relations["target_kind"]
    assert {("acme_ltd", "entity"), ("a_person", "individual"), ("front", "group")} <= kinds
    assert ("res_a", "committee_a") in store.relations["sanctions_committee"]
    assert ("res_a", "foodstuffs") in store.relations["exemption"]
    assert ("listing", "acme_ltd", "res_a") in store.relations["designation"]
    assert ("res_b", "res_a") in store.relations["renewal"]
    assert evaluate(stdlib_rules, case).follows("obliged USA to apply_measures res_a against acme_ltd")


@pytest.mark.parametrize("field,value,message", [
    ("decisions[2].content[0].renews", "res_z", "unknown decision 'res_z'"),
    ("decisions[1].content[0].regime", "res_c", "unknown decision 'res_c'"),
])
def test_references_to_unknown_decisions_are_located_errors(stdlib_rules, field, value, message):
    text = REGIME.replace("renews: res_a", "renews: res_z") if "renews" in field else \
        REGIME.replace("regime: res_a", "regime: res_c")
    with pytest.raises(CasusError) as err:
        _case(text, stdlib_rules)
    d = err.value.diagnostics[0]
    assert d.code == "E303" and message in d.message and d.path == field and d.span.line > 1


def test_a_target_with_two_kinds_is_an_error(stdlib_rules):
    text = REGIME.replace("[{individual: \"A. Person\"}, {entity: Acme Ltd}]", "[{individual: X, entity: Y}]")
    with pytest.raises(CasusError) as err:
        _case(text, stdlib_rules)
    assert err.value.diagnostics[0].code == "E303"


SETTLEMENT = dedent(f"""
    case: settlement
    as_of: 2025-07-15
    disputes:
      - {{id: river, parties: [URY, PRY], date: 2025-02-01, endangers_peace: true}}
    settlement:
      - {{id: talks, dispute: river, means: negotiation, by: URY, date: 2025-03-01, outcome: failed}}
    decisions:
      - id: rec
        organ: security_council
        date: 2025-06-20
        matter: pacific_settlement
        concerns: [river]
        votes: {{yes: {COUNCIL_2025}}}
        content:
          - {{entrusts: good_offices, to: secretary_general}}
""")


def test_settlement_steps_name_a_known_dispute(stdlib_rules):
    with pytest.raises(CasusError) as err:
        _case(SETTLEMENT.replace("dispute: river", "dispute: rivr"), stdlib_rules)
    d = err.value.diagnostics[0]
    assert d.path == "settlement[0].dispute" and "unknown dispute 'rivr'" in d.message
    assert "river" in f"{d.message} {d.hint or ''}"


def test_a_decision_may_concern_a_dispute_but_not_an_unknown_id(stdlib_rules):
    _case(SETTLEMENT, stdlib_rules)  # concerns: [river] is accepted
    with pytest.raises(CasusError) as err:
        _case(SETTLEMENT.replace("concerns: [river]", "concerns: [lake]"), stdlib_rules)
    assert err.value.diagnostics[0].path == "decisions[0].concerns[0]"


def test_the_parties_to_a_dispute_are_states_of_the_case(stdlib_rules):
    assert {"URY", "PRY"} <= set(_case(SETTLEMENT, stdlib_rules).model.involved_states())


def test_the_schema_describes_the_new_fields():
    from engine.inputs.schema import case_schema

    text = json.dumps(case_schema())
    for name in ("disputes", "settlement", "endangers_peace", "accepts_obligations", "designates", "delists",
                 "renews", "suspends", "entrusts", "committee", "exemptions", "individual", "entity", "territory"):
        assert f'"{name}"' in text, name


# ------------------------------------------------------------------ sanctions


def test_renewal_keeps_measures_beyond_their_sunset(stdlib_rules):
    query = "obliged FRA to apply_measures res_a against front"
    assert _result(REGIME, stdlib_rules).follows(query)
    lapsed = _result(REGIME, stdlib_rules, [("decisions[res_b].content", [])])
    assert not lapsed.follows(query)
    assert not lapsed.follows("obliged USA to apply_measures res_a against acme_ltd")


def test_a_renewal_that_has_itself_expired_renews_nothing(stdlib_rules):
    later = _result(REGIME, stdlib_rules, [("as_of", "2027-01-01")])
    assert not later.follows("obliged FRA to apply_measures res_a against front")


def test_suspension_ends_the_duty_to_apply_the_measures(stdlib_rules):
    suspended = _result(REGIME, stdlib_rules, [("decisions[res_b].content", [{"suspends": "res_a"}]),
                                              ("decisions[res_b].expires", None)])
    assert not suspended.follows("obliged FRA to apply_measures res_a against front")
    assert not suspended.follows("permitted FRA to supply foodstuffs to front")


def test_designation_counts_only_until_delisting_and_only_by_the_regimes_committee(stdlib_rules):
    delisting = {"id": "delisting", "organ": "committee_a", "date": "2025-06-01", "adopted": True,
                 "content": [{"delists": [{"entity": "Acme Ltd"}], "regime": "res_a"}]}
    delisted = _result(REGIME.replace("decisions:\n", "decisions:\n  - " + json.dumps(delisting) + "\n", 1),
                       stdlib_rules)
    assert not delisted.follows("obliged USA to apply_measures res_a against acme_ltd")
    assert delisted.follows("obliged USA to apply_measures res_a against a_person")
    other = _result(REGIME, stdlib_rules, [("decisions[listing].organ", "committee_b")])
    assert not other.follows("obliged USA to apply_measures res_a against acme_ltd")


def test_non_members_are_bound_only_on_the_disputed_reading(stdlib_rules):
    default = _result(REGIME, stdlib_rules)
    assert not default.follows("obliged VAT to apply_measures res_a against front")
    assert default.follows("obliged un to ensure_compliance res_a towards VAT")
    assumed = _result(REGIME + "assumptions: {charter_binds_non_members: true}\n", stdlib_rules)
    assert assumed.follows("obliged VAT to apply_measures res_a against front")


def test_measures_of_another_organ_bind_no_member_of_the_un(stdlib_rules):
    text = REGIME.replace("organ: security_council\n    date: 2025-01-10", "organ: arab_league_council\n    date: "
                                                                            "2025-01-10")
    result = _result(text, stdlib_rules)
    assert not result.follows("obliged FRA to apply_measures res_a against front")


# ------------------------------------------------------------------ settlement


def test_a_failed_negotiation_obliges_the_parties_to_refer_the_dispute(stdlib_rules):
    result = _result(SETTLEMENT, stdlib_rules)
    assert result.follows("obliged PRY to refer river to security_council")
    assert result.follows("obliged URY to seek_pacific_settlement towards PRY")
    assert result.follows("obliged secretary_general to carry_out_mandate rec")
    referral = {"id": "referral", "dispute": "river", "means": "referral", "by": "URY", "to": "security_council",
                "date": "2025-06-01"}
    referred = _result(SETTLEMENT, stdlib_rules, [("settlement", [
        {"id": "talks", "dispute": "river", "means": "negotiation", "by": "URY", "date": "2025-03-01",
         "outcome": "failed"}, referral])])
    assert not referred.follows("obliged PRY to refer river to security_council")
    assert referred.follows("obliged security_council_president to convene_meeting river", status="ended")


def test_settlement_ends_the_duty_to_seek_it(stdlib_rules):
    settled = _result(SETTLEMENT, stdlib_rules, [("settlement[talks].outcome", "settled")])
    assert not settled.follows("obliged URY to seek_pacific_settlement towards PRY")
    assert not settled.follows("obliged PRY to refer river to security_council")


def test_a_dispute_not_endangering_peace_raises_no_art_33_or_37_duty(stdlib_rules):
    calm = _result(SETTLEMENT, stdlib_rules, [("disputes[river].endangers_peace", False)])
    assert not calm.follows("obliged PRY to refer river to security_council")
    assert calm.follows("obliged URY to settle_peacefully towards PRY")  # art. 2(3) still binds Members


def test_a_non_member_party_is_bound_once_it_accepts_the_obligations(stdlib_rules):
    text = SETTLEMENT.replace("URY, PRY], date: 2025-02-01", "URY, VAT], date: 2025-02-01")
    assert not _result(text, stdlib_rules).follows("obliged VAT to settle_peacefully towards URY")
    accepted = _result(text, stdlib_rules, [("disputes[river].accepts_obligations", ["VAT"])])
    assert accepted.follows("obliged VAT to settle_peacefully towards URY")
    assert accepted.follows("permitted VAT to bring_to_attention river to security_council")


def test_the_new_fields_are_explorable(stdlib_rules):
    for path in ("disputes[0].endangers_peace", "disputes[0].accepts_obligations", "settlement[0].outcome",
                 "settlement[0].means", "decisions[0].content[0].designates", "decisions[0].content[0].renews",
                 "decisions[0].content[0].suspends", "decisions[0].content[0].exemptions",
                 "decisions[0].content[0].committee"):
        assert relevant(stdlib_rules, path), path
