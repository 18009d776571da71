"""Peace operations: the case fields (operations, consents, contributors, mandates), their facts,
and the Charter rules that read them (rules/un_charter/peace_operations.casus)."""

from __future__ import annotations

import json
import typing

import pytest

from engine import evaluate, load_case, load_case_text, load_rules
from engine.diagnostics import CasusError
from engine.inputs.casefile import MandateItem
from engine.tools.explore import relevant
from engine.tools.scenarios import with_changes
from engine.tools.timeline import events
from engine.vocabulary import OPERATION_MEANS, reading

from conftest import CASES, REGIME, dedent

BASE = """
case: op
as_of: 2026-05-01
states: [SLE, GHA]
decisions:
  - {id: est, organ: security_council, date: 2026-01-10, adopted: true}
"""

OPERATION = BASE + """
operations:
  - id: mission
    established_by: est
    host: SLE
    deployed: 2026-02-01
    contributors: [GHA]
    consent:
      - {by: SLE, given: 2026-01-20, withdrawn: 2026-04-01}
    mandate:
      - {by: est, task: protect_civilians, means: all_necessary_means, against: [{group: Armed Group}]}
"""


def test_the_mandate_means_come_from_the_registry():
    assert typing.get_args(MandateItem.model_fields["means"].annotation) == OPERATION_MEANS


def test_each_operation_field_feeds_its_predicate():
    assert reading("operations", "consent") == ({"consent_given", "consent_withdrawn"}, set())
    assert reading("operations", "ended") == ({"operation_ended"}, {"ended"})
    assert reading("operations", "contributors") == ({"contributor"}, set())
    assert reading("operations", "mandate") == ({"mandate"}, set())


def test_facts_of_an_operation(run_case):
    rules = REGIME + dedent("""
        rule consented "c" cites "x, art. 1"
          when consent_given(O, S) and consent_withdrawn(O, S) and contributor(O, C)
           and mandate(O, decision: D, task: protect_civilians, means: all_necessary_means, against: T)
           and operation(O, established_by: D, host: S)
          then obliged C to leave S
               permitted O to use_force against T
        """)
    result = run_case(rules, OPERATION)
    assert result.follows("obliged GHA to leave SLE")
    assert result.follows("permitted mission to use_force against armed_group")


def test_consent_withdrawn_after_the_date_is_not_yet_known(run_case):
    rules = REGIME + dedent("""
        rule withdrawn "w" cites "x, art. 1"
          when consent_withdrawn(O, S)
          then obliged O to leave S
        """)
    later = OPERATION.replace("withdrawn: 2026-04-01", "withdrawn: 2026-06-01")
    assert run_case(rules, OPERATION).follows("obliged mission to leave SLE")
    assert not run_case(rules, later).follows("obliged mission to leave SLE")


def test_an_operation_deployed_after_the_date_is_left_out(run_case):
    rules = REGIME + dedent("""
        rule deployed "d" cites "x, art. 1"
          when operation(O, host: S)
          then obliged O to leave S
        """)
    result = run_case(rules, OPERATION.replace("deployed: 2026-02-01", "deployed: 2026-06-01"))
    assert not result.follows("obliged mission to leave SLE")
    assert any(n.code == "I001" and "mission" in n.message for n in result.diagnostics)


@pytest.mark.parametrize("change,path,message", [
    ("established_by: est", "operations[0].established_by", "unknown decision 'estt'"),
    ("- {by: est, task", "operations[0].mandate[0].by", "unknown decision 'estt'"),
    ("means: all_necessary_means", "operations[0].mandate[0].means", "all_necessary_means"),
    ("host: SLE", "operations[0].host", "state"),
])
def test_bad_operations_are_located_errors(change, path, message):
    bad = {"established_by: est": "established_by: estt", "- {by: est, task": "- {by: estt, task",
           "means: all_necessary_means": "means: everything", "host: SLE": "host: XXQ"}[change]
    with pytest.raises(CasusError) as info:
        load_case_text(OPERATION.replace(change, bad), "op.yaml")
    found = [d for d in info.value.diagnostics if d.path == path]
    assert found and found[0].code == "E303" and message in found[0].message + (found[0].hint or "")
    assert found[0].span is not None


def test_the_schema_describes_operations(run_cli):
    code, out, _ = run_cli(["schema"])
    schema = json.loads(out)
    assert code == 0 and "operations" in schema["properties"]
    op = schema["$defs"]["Operation"]["properties"]
    assert {"established_by", "host", "deployed", "ended", "contributors", "consent", "mandate"} <= set(op)
    assert schema["$defs"]["MandateItem"]["properties"]["means"]["enum"] == list(OPERATION_MEANS)


def test_explore_and_whatif_read_operations(stdlib_rules):
    assert relevant(stdlib_rules, "operations[0].consent[0].withdrawn")
    assert relevant(stdlib_rules, "operations[unef].mandate")
    assert not relevant(stdlib_rules, "operations[0].description")
    case = load_case(CASES / "unef_1967.yaml", stdlib_rules)
    assert evaluate(stdlib_rules, case).follows("obliged unef to withdraw_from EGY")
    kept = with_changes(case, stdlib_rules, [("operations[unef].consent[0].withdrawn", None)])
    result = evaluate(stdlib_rules, kept)
    assert not result.follows("obliged unef to withdraw_from EGY")
    assert result.follows("obliged EGY to cooperate_with unef")


def test_whatif_cli_sets_a_consent(run_cli):
    code, out, _ = run_cli(["whatif", CASES / "unef_1967.yaml", "--set",
                            "operations[unef].consent[0].withdrawn=null"])
    assert code == 0
    assert "obliged unef to withdraw_from EGY" in out


def test_the_timeline_knows_consents_and_withdrawals(stdlib_rules):
    case = load_case(CASES / "unef_1967.yaml", stdlib_rules)
    what = {e.what for e in events(stdlib_rules, case)}
    assert "EGY withdraws its consent to operation unef" in what
    assert "operation unef deploys" in what


def test_good_faith_reading_keeps_unef_in_egypt(stdlib_rules):
    """Hammarskjöld's reading of the 1956 aide-mémoire, as an assumption: consent cannot be withdrawn
    while the mandate is in force."""
    case = load_case(CASES / "unef_1967.yaml", stdlib_rules)
    default = evaluate(stdlib_rules, case)
    good_faith = evaluate(stdlib_rules, case, assume={"consent_withdrawal_bound_by_good_faith": True})
    assert default.follows("obliged unef to withdraw_from EGY")
    assert not good_faith.follows("obliged unef to withdraw_from EGY")
    assert not good_faith.follows("obliged IND to withdraw_forces_from EGY")
    assert good_faith.follows("obliged EGY to cooperate_with unef")


def test_a_renewal_carries_the_mandate_and_its_expiry_ends_it(stdlib_rules):
    """MONUSCO: res. 1925 (2010) has run out, res. 2098 (2013) carries the mandate until 31 March 2014."""
    case = load_case(CASES / "monusco_2013.yaml", stdlib_rules)
    assert evaluate(stdlib_rules, case).follows("permitted monusco to use_force against m23")
    assert not evaluate(stdlib_rules, case).follows("obliged monusco to withdraw_from COD")
    after = with_changes(case, stdlib_rules, [("as_of", "2014-05-01")])
    result = evaluate(stdlib_rules, after)
    assert result.follows("obliged monusco to withdraw_from COD")
    assert not result.follows("permitted monusco to use_force against m23")
    assert not result.follows("obliged COD to cooperate_with monusco")


def test_without_a_chapter_vii_mandate_a_force_without_consent_must_leave(stdlib_rules):
    """The class of case behind UNEF 1967 and the hypothetical: a Council force established without
    Chapter VII and without the host's consent has no basis; with Chapter VII, the host must accept it."""
    text = dedent("""
        case: sc_force
        as_of: 2026-05-01
        states: [CAF, RWA]
        decisions:
          - {id: est, organ: security_council, date: 2026-01-10, adopted: true, under: [chapter_vi]}
        operations:
          - {id: force, established_by: est, host: CAF, deployed: 2026-02-01, contributors: [RWA]}
        """)
    rules = stdlib_rules
    plain = evaluate(rules, load_case_text(text, "sc_force.yaml"))
    assert plain.follows("obliged force to withdraw_from CAF")
    assert plain.follows("obliged RWA to withdraw_forces_from CAF")
    assert not plain.follows("obliged CAF to accept_deployment_of force")
    vii = evaluate(rules, load_case_text(text.replace("chapter_vi]", "chapter_vii]"), "sc_force.yaml"))
    assert vii.follows("obliged CAF to accept_deployment_of force")
    assert not vii.follows("obliged force to withdraw_from CAF")
    assert vii.follows("obliged RWA to assist_operation force")


def test_the_force_defends_itself_only_while_the_attack_lasts(stdlib_rules):
    case = load_case(CASES / "hypothetical_peace_operations.yaml", stdlib_rules)
    ended = with_changes(case, stdlib_rules, [("incidents[attack_on_car_force].ended", "2026-03-02"),
                                             ("operations[car_force].mandate[0].means", "self_defence")])
    result = evaluate(stdlib_rules, ended)
    assert not result.follows("permitted car_force to use_force against armed_group")
    assert result.follows("forbidden car_force to use_force against armed_group")


def test_counterfactual_varies_consents_and_the_end_of_an_operation(stdlib_rules):
    from engine.tools.counterfactual import counterfactual

    case = load_case(CASES / "unef_1967.yaml", stdlib_rules)
    found = counterfactual(stdlib_rules, case, "obliged unef to withdraw_from EGY", max_changes=1)
    text = found.explain()
    assert "operations[unef].consent[0].withdrawn=null" in text
    assert "operations[unef].ended=1967-05-19" in text


def test_a_regional_force_the_council_authorizes_under_chapter_vii_is_no_forbidden_enforcement(stdlib_rules):
    """Art. 53(1): the Council's mandate for the regional force (as for AMISOM or AFISMA) is the authorization."""
    text = dedent("""
        case: regional
        as_of: 2026-05-01
        states: [SSD, KEN]
        decisions:
          - {id: psc, organ: peace_and_security_council, date: 2026-01-25, adopted: true}
          - {id: sc, organ: security_council, date: 2026-02-10, adopted: true, under: [chapter_vii]}
        operations:
          - id: force
            established_by: psc
            host: SSD
            deployed: 2026-02-01
            contributors: [KEN]
            mandate: [{by: sc, task: stabilization}]
        """)
    authorized = evaluate(stdlib_rules, load_case_text(text, "regional.yaml"))
    assert not authorized.follows("forbidden peace_and_security_council to take_enforcement_action against SSD")
    assert not authorized.follows("obliged force to withdraw_from SSD")
    assert authorized.follows("obliged SSD to accept_deployment_of force")
    alone = evaluate(stdlib_rules, load_case_text(text.replace("by: sc,", "by: psc,"), "regional.yaml"))
    assert alone.follows("forbidden peace_and_security_council to take_enforcement_action against SSD")
    assert alone.follows("obliged KEN to withdraw_forces_from SSD")
