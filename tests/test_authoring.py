"""Tools for rule authors: own regimes on the standard library, silent-mistake warnings,
the text of the cited provisions, coverage by article, editor grammar."""

from __future__ import annotations

import json
import re

import pytest

from engine import evaluate, load_case, load_rules
from engine.diagnostics import CasusError
from engine.inputs.rulebook import rule_roots
from engine.inputs.texts import parse_citation
from engine.lang.check import check
from engine.lang.parse import KEYWORDS, parse_text
from engine.lang import ast
from engine.resources import standard_rules

from conftest import ESTONIA, ROOT, dedent

QUAD = '''
    regime quad "Quadrilateral Security Treaty (hypothetical)"
      cites "Quadrilateral Security Treaty (2030)"

    rule quad_support "Each party will support a party under armed attack"
      cites "Quadrilateral Security Treaty, art. 3"
      when armed_attack(I, attacker: A, victim: V) and member(V, nato) and state(S) and S != V and S != A
      then obliged S to support V
'''

CASE = '''
    case: quad_case
    as_of: 2026-03-05
    states: [EST, RUS, DEU]
    incidents:
      - {id: invasion, kind: invasion, date: 2026-03-01, author: RUS, victim: EST, scale: large}
'''


@pytest.fixture
def my_rules(write):
    return write("my_rules/quad.casus", QUAD).parent


# --------------------------------------------------------- own regimes on the standard library


def test_check_own_rules_on_top_of_the_standard_library(run_cli, my_rules):
    code, out, err = run_cli(["check", my_rules])
    assert code == 0, err
    stdlib_regimes = len(load_rules().plan.checked.regimes)
    assert out.startswith(f"ok: {stdlib_regimes + 1} regimes")


def test_evaluate_with_own_rules_adds_to_the_standard_library(run_cli, my_rules, case_file):
    case = case_file(CASE)
    code, out, err = run_cli(["evaluate", case, "--rules", my_rules, "-f", "json"])
    assert code == 0, err
    found = {(c["rule"], c["actor"], c["action"], c["object"]) for c in json.loads(out)["conclusions"]}
    assert ("quad.quad_support", "DEU", "support", "EST") in found
    assert ("nato.collective_defence", "DEU", "assist", "EST") in found


def test_no_stdlib_uses_only_the_given_rules(run_cli, my_rules, case_file):
    code, out, err = run_cli(["evaluate", case_file(CASE), "--rules", my_rules, "--no-stdlib"])
    assert code == 2
    assert "E101" in err and "armed_attack" in err and "Traceback" not in err
    code, out, err = run_cli(["evaluate", case_file(CASE), "--no-stdlib"])
    assert code == 2 and "E523" in err


def test_giving_the_standard_library_again_loads_it_once(run_cli, case_file):
    assert rule_roots([ROOT / "rules", ROOT / "rules" / "nato"]) == [standard_rules()]
    code, out, err = run_cli(["check", ROOT / "rules"])
    assert code == 0 and "E111" not in err
    code, out, err = run_cli(["evaluate", ESTONIA, "--rules", ROOT / "rules" / "nato", "--in-force"])
    assert code == 0 and "obliged DEU to assist EST" in out


def test_library_load_rules_adds_to_the_standard_library(my_rules, case_file):
    rules = load_rules([my_rules])
    assert "quad" in rules.plan.checked.regimes and "un_charter" in rules.plan.checked.regimes
    result = evaluate(rules, load_case(case_file(CASE), rules))
    assert result.follows("obliged DEU to support EST")
    with pytest.raises(CasusError) as err:
        load_rules([my_rules], stdlib=False)
    assert err.value.diagnostics[0].code == "E101"


# ------------------------------------------------------------------ silent mistakes


def _warnings(text: str, organizations=("nato",)) -> list:
    program = ast.Program((parse_text(dedent(text), "r.casus"),), (("r.casus", dedent(text)),))
    return check(program, organizations=set(organizations)).warnings


HEAD = 'regime r "R" cites "R Treaty (2000)"\n'


def test_a_misspelt_action_is_a_warning_with_a_did_you_mean():
    warnings = _warnings(HEAD + dedent('''
        rule a cites "x" when state(S) and state(V) then obliged S to assist V
        rule b cites "x" when state(S) and state(V) then obliged S to assist V
        rule c cites "x" when state(S) and state(V) then obliged S to asist V
    '''))
    (w,) = [w for w in warnings if w.code == "W203"]
    assert "'asist'" in w.message and "rule r.c" in w.message and w.hint.startswith("did you mean 'assist'")
    assert w.span.line == 4


def test_an_action_used_by_several_rules_or_far_from_others_is_fine():
    warnings = _warnings(HEAD + dedent('''
        rule a cites "x" when state(S) and state(V) then obliged S to assist V
        rule b cites "x" when state(S) and state(V) then obliged S to consult V
    '''))
    assert not [w for w in warnings if w.code == "W203"]


def test_a_misspelt_organization_is_a_warning():
    warnings = _warnings(HEAD + 'rule a cites "x" when request(R, by: V, to: natto) and member(V, nato) '
                                'then obliged V to consult V\n')
    (w,) = [w for w in warnings if w.code == "W204"]
    assert "'natto'" in w.message and w.hint == "did you mean 'nato'?"


def test_an_assumption_no_rule_reads_is_a_warning():
    warnings = _warnings(HEAD + dedent('''
        assumption cyber_attacks_count "Cyber" cites "Disputed" default false
        assumption cyber_attack_counts "Cyber" cites "Disputed" default false
        rule a cites "x" when state(S) and assumed(cyber_attacks_count) then obliged S to report S
    '''))
    (w,) = [w for w in warnings if w.code == "W205"]
    assert "'cyber_attack_counts'" in w.message and "did you mean 'cyber_attacks_count'" in w.hint


def test_the_standard_library_has_no_such_warnings(stdlib_rules):
    assert not [w for w in stdlib_rules.warnings if w.code in ("W203", "W204", "W205")]


# ------------------------------------------------------------------ texts of provisions


@pytest.mark.parametrize("citation, expected", [
    ("UN Charter, art. 2(4)", [("UN Charter", "art. 2(4)")]),
    ("UN Charter, arts. 25, 41 and 48(1)", [("UN Charter", "art. 25"), ("UN Charter", "art. 41"),
                                            ("UN Charter", "art. 48(1)")]),
    ("UN Charter, arts. 39-42", [("UN Charter", f"art. {n}") for n in range(39, 43)]),
    ("North Atlantic Treaty, art. 6, as amended by the Protocol (1951)", [("North Atlantic Treaty", "art. 6")]),
    ("ANZUS Treaty, art. IV; art. IV(2)", [("ANZUS Treaty", "art. IV"), ("ANZUS Treaty", "art. IV(2)")]),
    ("UN Charter, art. 51; ICJ, Nicaragua, Merits, 1986, para. 195", [("UN Charter", "art. 51")]),
    ("UN Charter, art. 39 (recommendations); SC res. 83 (1950)", [("UN Charter", "art. 39")]),
    ("Customary international law; the text of art. 51", []),
    ("Higgins, 'The Advisory Opinion on Namibia: Which UN Resolutions are Binding under Article 25 of the "
     "Charter?', 21 ICLQ 270 (1972); Simma et al. (eds.), The Charter of the United Nations (3rd ed. 2012), art. 25",
     []),
])
def test_citations_name_their_provisions(citation, expected):
    assert [(c.instrument_name, c.key) for c in parse_citation(citation)] == expected


def test_stored_texts_are_real_and_sourced(stdlib_rules):
    texts = stdlib_rules.texts
    charter = texts.instruments["un_charter"]
    assert charter.provisions["art. 51"].text.startswith(
        "Nothing in the present Charter shall impair the inherent right of individual or collective self-defense")
    assert charter.provisions["art. 2(4)"].text.startswith("All Members shall refrain in their international relations")
    assert texts.instruments["north_atlantic_treaty"].provisions["art. 5"].text.startswith(
        "The Parties agree that an armed attack against one or more of them in Europe or North America")
    for inst in texts.instruments.values():
        assert inst.source
        for p in inst.provisions.values():
            assert p.source and p.text
    # a paragraph not stored falls back to its article; a stored one is found itself
    (cited,) = parse_citation("UN Charter, art. 2(4)")
    assert texts.lookup(cited).key == "art. 2(4)"
    (cited,) = parse_citation("UN Charter, art. 51(1)")
    assert texts.lookup(cited).key == "art. 51"


def test_every_stored_provision_of_the_standard_library_is_cited(stdlib_rules):
    from engine.lang.parse import parse_files

    cited = {(c.instrument_name, c.key) for d in parse_files([standard_rules()]).declarations()
             for cit in getattr(d, "citations", ()) or () for c in parse_citation(cit.text)}
    for inst in stdlib_rules.texts.instruments.values():
        used = {key for name, key in cited if stdlib_rules.texts.instrument_for(name) is inst}
        articles = {k.split("(")[0] for k in used}
        for key in inst.provisions:
            assert key in used or key.split("(")[0] in articles, f"{inst.key} {key} is stored but not cited"


def test_a_citation_without_stored_text_is_a_warning(run_cli, my_rules):
    code, out, err = run_cli(["check", my_rules])
    assert code == 0
    assert re.search(r"quad\.casus:5:\d+: warning W206: no stored text for Quadrilateral Security Treaty, art\. 3", err)
    assert "UN Charter, art. 51" not in err  # stored


def test_own_texts_are_read_and_bad_ones_located(run_cli, my_rules, write):
    write("my_rules/texts.yaml", '''
        instruments:
          quad:
            title: Quadrilateral Security Treaty
            source: test text
            provisions:
              "art. 3": {text: "Each Party will act to meet the common danger."}
    ''')
    code, out, err = run_cli(["check", my_rules])
    assert code == 0 and not re.search("W206: no stored text for Quadrilateral", err)
    write("my_rules/texts.yaml", '''
        instruments:
          quad:
            title: Quadrilateral Security Treaty
            source: test text
            provisions:
              "article three": {text: "x"}
    ''')
    code, out, err = run_cli(["check", my_rules])
    assert code == 2 and "texts.yaml:6:" in err and "E303" in err and "Traceback" not in err


def test_an_instrument_without_an_authentic_english_text_says_why(run_cli, my_rules, write):
    write("my_rules/texts.yaml", '''
        instruments:
          quad:
            title: Quadrilateral Security Treaty
            source: its final clause
            no_english_text: done in French and Spanish only
    ''')
    code, out, err = run_cli(["check", my_rules])
    assert code == 0 and "no stored text for Quadrilateral" not in err  # a translation is not the law's text
    write("my_rules/texts.yaml", '''
        instruments:
          quad:
            title: Quadrilateral Security Treaty
            source: its final clause
            no_english_text: ""
    ''')
    code, out, err = run_cli(["check", my_rules])
    assert code == 2 and "E303" in err and "must say why" in err


def test_explain_shows_the_text_of_the_cited_articles(run_cli):
    code, out, err = run_cli(["explain", ESTONIA, "obliged DEU to assist EST"])
    assert code == 0
    assert "The provisions cited:" in out
    assert "North Atlantic Treaty, art. 5\n    The Parties agree that an armed attack" in out
    code, out, err = run_cli(["explain", ESTONIA, "permitted EST to use_force against RUS", "-f", "json"])
    provisions = json.loads(out)["provisions"]
    assert any(p["provision"] == "art. 51" and p["text"].startswith("Nothing in the present Charter")
               and "BWBV0004143" in p["source"] for p in provisions)


# ------------------------------------------------------------------ coverage by article


def test_coverage_by_article(run_cli, write):
    rules = write("r/r.casus", '''
        regime r "R" cites "R Treaty (2000)"
        rule fires "fires" cites "R Treaty, art. 1" when state(S) then obliged S to report S
        rule never "never" cites "R Treaty, arts. 2 and 3(1)" when state(S) and S == nobody then obliged S to pay S
    ''').parent
    case = write("c/case.yaml", "case: c\nas_of: 2020-01-01\nstates: [EST]\nexpect: [\"obliged EST to report EST\"]\n")
    code, out, err = run_cli(["test", case, "--rules", rules, "--no-stdlib", "--coverage"])
    assert code == 0, err
    assert "R Treaty: 1/3 cited provisions exercised" in out
    assert "never exercised: art. 3(1)  (cited by r.never)" in out
    code, out, err = run_cli(["test", case, "--rules", rules, "--no-stdlib", "--coverage", "--format", "json"])
    data = json.loads(out)
    assert data["passed"] == 1 and data["failed"] == 0
    provisions = data["coverage"]["provisions"]["R Treaty"]
    assert provisions["exercised"] == ["art. 1"]
    assert [p["provision"] for p in provisions["never_exercised"]] == ["art. 2", "art. 3(1)"]
    assert data["coverage"]["rules"]["never_fired"] == ["r.never"]


def test_coverage_of_the_standard_library_by_article(run_cli):
    code, out, err = run_cli(["test", ESTONIA, "--coverage"])
    assert "Coverage by article" in out
    assert re.search(r"Charter of the United Nations: \d+/\d+ cited provisions exercised", out)


# ------------------------------------------------------------------ editors


def test_the_textmate_grammar_knows_every_keyword():
    grammar = json.loads((ROOT / "editors" / "vscode" / "syntaxes" / "casus.tmLanguage.json").read_text())
    assert grammar["scopeName"] == "source.casus"
    text = json.dumps(grammar["repository"])
    for kw in KEYWORDS:
        assert re.search(rf"\b{kw}\b", text), kw
    package = json.loads((ROOT / "editors" / "vscode" / "package.json").read_text())
    assert package["contributes"]["grammars"][0]["path"] == "./syntaxes/casus.tmLanguage.json"
    for pattern in grammar["repository"].values():
        if "match" in pattern:
            re.compile(pattern["match"])
