"""Stage 2: static checks (engine/check.py). One minimal program per diagnostic."""

from __future__ import annotations

import pytest

from engine import load_rules
from engine.lang import ast
from engine.lang.check import check
from engine.diagnostics import CasusError
from engine.lang.parse import parse_files, parse_text

from conftest import REGIME, dedent

ORGS = {"un", "nato", "security_council"}


def program(src: str, file: str = "t.casus") -> ast.Program:
    src = dedent(src)
    return ast.Program((parse_text(src, file),), ((file, src),))


def errors(src: str, organizations=ORGS) -> list:
    with pytest.raises(CasusError) as info:
        check(program(src), organizations=organizations)
    return info.value.diagnostics


def only(src: str, code: str):
    """The single error the program has, which must carry `code`."""
    diags = [d for d in errors(src) if d.is_error]
    assert [d.code for d in diags] == [code], [d.render() for d in diags]
    return diags[0]


def ok(src: str, organizations=ORGS):
    return check(program(src), organizations=organizations)


def at(d, line: int, column: int | None = None):
    assert d.span.file == "t.casus"
    assert d.span.line == line, d.render()
    if column is not None:
        assert d.span.column == column, d.render()


GOOD_RULE = 'rule a cites "c" when state(S) then obliged S to go\n'


def test_a_clean_program_checks():
    checked = ok(REGIME + GOOD_RULE)
    assert [r.qualname for r in checked.rules] == ["r.a"]
    assert checked.warnings == ()


def test_e101_unknown_predicate_with_did_you_mean():
    d = only(REGIME + 'rule a cites "c" when stat(S) then obliged S to go\n', "E101")
    at(d, 2, 23)
    assert "'stat'" in d.message
    assert d.hint == "did you mean 'state'?"


def test_e101_suggests_a_user_definition():
    d = only(REGIME + dedent('''
        define attacked(state: S) cites "c" when incident(_, victim: S)
        rule a cites "c" when atacked(S) then obliged S to go
    '''), "E101")
    assert d.hint == "did you mean 'attacked'?"


def test_e101_conclusions_are_not_readable_by_rules():
    d = only(REGIME + 'rule a cites "c" when obliged(S, go) then obliged S to stay\n', "E101")
    assert "invariant" in d.hint


def test_e102_too_many_arguments():
    d = only(REGIME + 'rule a cites "c" when state(S, T) then obliged S to go\n', "E102")
    at(d, 2, 23)
    assert "takes 1 argument" in d.message and "given 2" in d.message


def test_e102_unknown_named_argument_with_did_you_mean():
    d = only(REGIME + 'rule a cites "c" when incident(I, victm: V) then obliged V to go\n', "E102")
    at(d, 2, 35)
    assert "'victm'" in d.message
    assert d.hint == "did you mean 'victim'?"


def test_e102_argument_given_twice():
    d = only(REGIME + 'rule a cites "c" when incident(I, victim: V, victim: W) then obliged V to go\n', "E102")
    assert "twice" in d.message


def test_e102_arity_of_a_user_definition():
    d = only(REGIME + dedent('''
        define p(state: S) cites "c" when state(S)
        rule a cites "c" when p(S, T) then obliged S to go
    '''), "E102")
    at(d, 3)


def test_e103_unknown_regime_in_priority():
    d = only(REGIME + 'priority r over untied_nations cites "art. 103"\n', "E103")
    at(d, 2, 1)
    assert "'untied_nations'" in d.message


def test_e103_unknown_regime_that_claims_priority():
    d = only(REGIME + 'priority q over all cites "art. 103"\n', "E103")
    assert "'q'" in d.message


def test_e103_did_you_mean():
    d = only('regime un_charter "UN" cites "x"\nregime nato "N" cites "y"\npriority un_charter over nat cites "z"\n',
             "E103")
    assert d.hint == "did you mean 'nato'?"


def test_e104_unknown_overridden_rule():
    d = only(REGIME + dedent('''
        rule prohibition cites "c" when state(S) then forbidden S to go
        rule defence cites "c" when state(S) then permitted S to go
          overrides prohibiton
    '''), "E104")
    at(d, 4, 13)
    assert "prohibiton" in d.message
    assert d.hint == "did you mean 'r.prohibition'?"


def test_e104_rule_overriding_itself():
    d = only(REGIME + 'rule a cites "c" when state(S) then obliged S to go overrides a\n', "E104")
    assert "itself" in d.message


def test_overrides_across_regimes_resolve_by_qualified_name():
    checked = ok(dedent('''
        regime a "A" cites "x"
        rule p cites "c" when state(S) then forbidden S to go
        regime b "B" cites "y"
        rule q cites "c" when state(S) then permitted S to go overrides a.p
    '''))
    assert checked.overrides["b.q"] == ("a.p",)


def test_e105_unknown_attribute_in_a_comparison():
    d = only(REGIME + 'rule a cites "c" when incident(I, victim: V) and I.dat < 2000-01-01 then obliged V to go\n',
             "E105")
    at(d, 2, 50)
    assert d.hint == "did you mean 'date'?"


def test_e105_unknown_attribute_in_a_conclusion():
    d = only(REGIME + 'rule a cites "c" when incident(I, victim: V) then obliged I.victm to go\n', "E105")
    assert "'.victm'" in d.message


def test_known_attributes_are_accepted():
    ok(REGIME + 'rule a cites "c" when incident(I) and member(I.victim, nato, at: I.date) then obliged I.author to go\n')


def test_e107_unbound_conclusion_variable():
    d = only(REGIME + 'rule a cites "c" when state(S) then obliged T to go\n', "E107")
    at(d, 2, 45)
    assert "T" in d.message


def test_e107_variable_bound_only_under_negation_is_unbound():
    d = only(REGIME + 'rule a cites "c" when state(S) and not request(_, by: S, to: T) then obliged S to help T\n',
             "E107")
    assert "T" in d.message


def test_e107_variable_bound_in_one_branch_of_or_only():
    only(REGIME + 'rule a cites "c" when state(S) or request(_, by: T) then obliged S to go\n', "E107")


def test_e107_definition_parameter_not_bound():
    d = only(REGIME + dedent('''
        define p(state: S, other: T) cites "c" when state(S)
        rule a cites "c" when p(S, T) then obliged S to go
    '''), "E107")
    at(d, 2)


def test_quantifier_variable_is_bound():
    ok(REGIME + 'rule a cites "c" when state(V) then for every member S of nato where S != V: obliged S to help V\n')


def test_e108_unsafe_variable_in_a_comparison():
    d = only(REGIME + 'rule a cites "c" when state(S) and X > 3 then obliged S to go\n', "E108")
    at(d, 2, 36)
    assert "X" in d.message


def test_e108_equality_with_a_bound_variable_binds():
    ok(REGIME + 'rule a cites "c" when state(S) and X == S then obliged X to go\n')


def test_e108_wildcard_in_a_comparison():
    only(REGIME + 'rule a cites "c" when state(S) and _ == S then obliged S to go\n', "E108")


def test_e108_membership_date_must_be_bound():
    only(REGIME + 'rule a cites "c" when state(S) and member(S, nato, at: D) then obliged S to go\n', "E108")


def test_e109_cycle_through_negation():
    diags = errors(REGIME + dedent('''
        define p(state: S) cites "c" when state(S) and not q(S)
        define q(state: S) cites "c" when state(S) and not p(S)
        rule a cites "c" when p(S) then obliged S to go
    '''))
    assert {d.code for d in diags if d.is_error} == {"E109"}
    assert {d.span.line for d in diags if d.code == "E109"} <= {2, 3}


def test_e109_cycle_through_a_count():
    diags = errors(REGIME + dedent('''
        define p(state: S) cites "c" when state(S) and count(T where p(T)) < 3
        rule a cites "c" when p(S) then obliged S to go
    '''))
    assert [d.code for d in diags if d.is_error] == ["E109"]


def test_positive_recursion_is_allowed_and_stratified():
    checked = ok(REGIME + dedent('''
        define reach(from: A, to: B) cites "c" when request(_, by: A, to: B)
        define reach(from: A, to: B) cites "c" when reach(A, C) and request(_, by: C, to: B)
        define isolated(state: S) cites "c" when state(S) and not reach(S, _)
        rule a cites "c" when isolated(S) then obliged S to go
    '''))
    strata = list(checked.strata)
    assert strata.index(("reach",)) < strata.index(("isolated",))


def test_e110_rule_without_citation():
    d = only(REGIME + 'rule a when state(S) then obliged S to go\n', "E110")
    at(d, 2, 1)
    assert "cites" in d.hint


def test_e110_regime_without_citation():
    d = only('regime r "T"\n' + GOOD_RULE, "E110")
    at(d, 1, 1)


def test_e110_empty_citation():
    only(REGIME + 'rule a cites "  " when state(S) then obliged S to go\n', "E110")


def test_e110_procedure_and_priority_without_citation():
    diags = errors(REGIME + 'procedure p body un requires yes >= 9\npriority r over all\n')
    assert [d.code for d in diags if d.is_error] == ["E110", "E110"]


def test_e111_duplicate_rule():
    d = only(REGIME + GOOD_RULE + 'rule a cites "c" when state(S) then obliged S to stay\n', "E111")
    at(d, 3, 1)
    assert "t.casus:2:1" in d.hint


def test_same_rule_name_in_two_regimes_is_fine():
    checked = ok(REGIME + GOOD_RULE + 'regime q "Q" cites "y"\n' + GOOD_RULE)
    assert [r.qualname for r in checked.rules] == ["q.a", "r.a"]


def test_e112_rule_without_then():
    d = only(REGIME + 'rule a cites "c" when state(S)\n', "E112")
    at(d, 2, 1)


def test_e115_declaration_before_any_regime():
    d = only(GOOD_RULE + REGIME, "E115")
    at(d, 1, 1)
    assert "regime" in d.hint


def test_e117_redefining_an_engine_predicate():
    diags = errors(REGIME + 'define state(state: S) cites "c" when incident(_, victim: S)\n')
    assert [d.code for d in diags if d.is_error] == ["E117"]
    assert "'state'" in diags[0].message


@pytest.mark.parametrize("pred", ["member", "adopted", "obliged"])
def test_e117_builtin_procedure_and_deontic_predicates(pred):
    diags = errors(REGIME + f'define {pred}(state: S) cites "c" when incident(_, victim: S)\n')
    assert [d.code for d in diags if d.is_error] == ["E117"]


def test_e118_unknown_vote_counter_with_did_you_mean():
    d = only(REGIME + 'procedure p cites "c" body un requires yess >= 9\n', "E118")
    at(d, 2, 40)
    assert d.hint == "did you mean 'yes'?"


def test_e118_threshold_reading_a_predicate():
    d = only(REGIME + 'procedure p cites "c" body un requires state(X)\n', "E118")
    assert "yes" in d.hint


def test_procedure_counters_and_arithmetic_are_accepted():
    checked = ok(REGIME + 'procedure p cites "c" body un veto nato requires yes >= 2/3 * voting and vetoes == 0 '
                          'and present > members / 2 and abstain + absent + no < 10\n')
    assert checked.procedures[0].name == "p"


def test_e119_procedure_without_body_or_threshold():
    diags = errors(REGIME + 'procedure p cites "c"\n')
    assert [d.code for d in diags if d.is_error] == ["E119", "E119"]


def test_e120_regime_in_force_before_its_start():
    d = only('regime r "T" cites "x" in force from 2000-01-01 before 1999-01-01\n', "E120")
    at(d, 1, 24)


def test_e120_empty_rule_interval():
    only(REGIME + 'rule a cites "c" in force from 2000-01-01 before 2000-01-01 when state(S) then obliged S to go\n',
         "E120")


def test_e120_procedure_interval():
    only(REGIME + 'procedure p cites "c" in force from 2000-01-01 before 1990-01-01 body un requires yes > 1\n',
         "E120")


def test_w201_unused_definition_is_a_warning_only():
    checked = ok(REGIME + 'define p(state: S) cites "c" when state(S)\n' + GOOD_RULE)
    (w,) = checked.warnings
    assert w.code == "W201" and w.severity == "warning" and not w.is_error
    assert "'p'" in w.message
    assert (w.span.line, w.span.column) == (2, 1)


def test_w201_recursion_alone_is_not_a_use():
    checked = ok(REGIME + dedent('''
        define p(state: S) cites "c" when state(S)
        define p(state: S) cites "c" when p(S) and state(S)
    ''') + GOOD_RULE)
    assert [w.code for w in checked.warnings] == ["W201"]


def test_w106_organization_without_membership_data():
    checked = ok(REGIME + 'rule a cites "c" when state(V) then for every member S of natto: obliged S to help V\n')
    (w,) = checked.warnings
    assert w.code == "W106" and w.hint == "did you mean 'nato'?"


def test_errors_carry_a_rendered_snippet():
    with pytest.raises(CasusError) as info:
        check(program(REGIME + 'rule a cites "c" when stat(S) then obliged S to go\n'), organizations=ORGS)
    text = info.value.render()
    assert text.startswith("t.casus:2:23: error E101:")
    assert "rule a cites" in text and "^^^^" in text


def test_all_errors_of_one_file_are_reported_together():
    diags = errors(REGIME + dedent('''
        rule a when stat(S) then obliged S to go
        rule b cites "c" when state(S) then obliged T to go
        rule b cites "c" when state(S) then obliged S to go
    '''))
    assert {"E110", "E101", "E107", "E111"} <= {d.code for d in diags}


def test_all_errors_of_several_files_are_reported_together(tmp_path):
    (tmp_path / "a.casus").write_text(REGIME + 'rule a cites "c" when stat(S) then obliged S to go\n')
    (tmp_path / "b.casus").write_text('regime q "Q" cites "y"\nrule b cites "c" when state(S) then obliged T to go\n')
    (tmp_path / "c.casus").write_text('regime p "P" cites "z"\npriority p over nobody cites "x"\n')
    with pytest.raises(CasusError) as info:
        load_rules([tmp_path], stdlib=False)
    found = {(d.span.file.rsplit("/", 1)[-1], d.code) for d in info.value.diagnostics}
    assert {("a.casus", "E101"), ("b.casus", "E107"), ("c.casus", "E103")} <= found
    rendered = info.value.render()
    assert "a.casus:2:" in rendered and "b.casus:2:" in rendered and "c.casus:2:" in rendered


def test_diagnostics_are_sorted_by_position():
    diags = errors(REGIME + dedent('''
        rule b cites "c" when state(S) then obliged T to go
        rule a cites "c" when stat(S) then obliged S to go
    '''))
    positions = [(d.span.line, d.span.column) for d in diags]
    assert positions == sorted(positions)


def test_the_standard_library_checks_without_errors(stdlib_rules):
    checked = stdlib_rules.plan.checked
    assert not [w for w in checked.warnings if w.is_error]
    assert {"un_charter", "nato", "custom"} <= set(checked.regimes)
    assert all(r.citations for r in checked.rules)
    # every organization a rule or procedure names has membership data
    assert not [w for w in checked.warnings if w.code == "W106"]


def test_the_standard_library_parses_and_checks_directly(stdlib_rules):
    from engine.resources import standard_rules

    checked = check(parse_files([standard_rules()]), organizations=set(stdlib_rules.organizations))
    assert len(checked.rules) == len(stdlib_rules.plan.checked.rules) > 0


# ------------------------------------------- patterns no rule can produce


def test_e123_invariant_reading_a_slot_no_rule_fills():
    src = REGIME + ('rule a cites "c" when state(S) and state(D) then obliged S to comply_with D\n'
                    'invariant v cites "c" never obliged(_, comply_with, counterparty: D) and state(D)\n')
    d = only(src, "E123")
    at(d, 3)
    assert "can never be violated" in d.message
    assert "comply_with OBJECT" in d.hint


def test_e123_invariant_reading_an_unknown_action():
    src = REGIME + (GOOD_RULE + 'invariant v cites "c" never obliged(X, stay) and state(X)\n')
    only(src, "E123")


def test_an_invariant_reading_the_object_the_rules_fill_checks():
    src = REGIME + ('rule a cites "c" when state(S) and state(D) then obliged S to comply_with D\n'
                    'invariant v cites "c" never obliged(_, comply_with, D) and state(D) and not state(D)\n')
    checked = ok(src)
    assert checked.shapes[0].object == "?" and checked.shapes[0].counterparty is None


def test_queries_are_compared_with_the_shapes_of_conclusions():
    from engine.lang.check import query_producible
    from engine.lang.parse import parse_query
    shapes = ok(REGIME + 'rule a cites "c" when state(S) and state(T) then forbidden S to use_force against T\n'
                '  obliged S to report T to security_council\n').shapes
    assert query_producible(shapes, parse_query("forbidden RUS to use_force against EST"))
    assert query_producible(shapes, parse_query("obliged RUS to report x to security_council"))
    assert not query_producible(shapes, parse_query("forbidden RUS to use_force EST"))  # object: no rule fills it
    assert not query_producible(shapes, parse_query("obliged RUS to report x to general_assembly"))
    assert not query_producible(shapes, parse_query("permitted RUS to use_force against EST"))
