"""Stage 1: rule text to AST (engine/parse.py, grammar/casus.lark)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from fractions import Fraction

import pytest

from engine.lang import ast
from engine.diagnostics import CasusError
from engine.lang.parse import parse_files, parse_query, parse_text

from conftest import dedent

FULL = dedent('''
    # A file exercising every declaration.
    regime nato "North Atlantic Treaty"
      cites "North Atlantic Treaty (1949)"  # trailing comment
      in force from 1949-08-24 before 2100-01-01
      parties nato

    define armed_attack(incident: I, attacker: A, victim: V)
      "An armed attack"
      cites "UN Charter, art. 51"
      when incident(I, author: A, victim: V, scale: S)
       and (S == significant or S == large)

    define involved(S)
      cites "x"
      when state(S)

    rule collective_defence "An attack against one is an attack against all"
      cites "North Atlantic Treaty, art. 5"
      cites "North Atlantic Treaty, art. 6"
      in force from 1951-01-01
      when armed_attack(I, attacker: A, victim: V)
       and member(V, nato, at: I.date)
       and not claim(_, by: V, kind: neutrality)
      then for every member S of nato at I.date where S != V:
           obliged S to assist V "by such action as it deems necessary"
           obliged S to report I to security_council
      until measures(D, kind: sanctions) and count(X where vote(D, X, yes)) >= 9
      unless affirmation(D, right: neutrality)
      overrides other_rule, un_charter.prohibition_of_force

    procedure nac "North Atlantic Council"
      cites "North Atlantic Treaty, art. 9"
      in force from 1949-08-24
      body nato
      organ north_atlantic_council
      matter substantive, procedural
      veto nato
      requires no == 0 and yes >= 2/3 * voting
      disregards votes of parties to the dispute

    priority nato over un_charter, custom for obliged, forbidden
      cites "art. 103"

    invariant no_conflict "never both" cites "logic"
      never obliged(X, A, _, _) and forbidden(X, A, _, _)
''')


@pytest.fixture(scope="module")
def module():
    return parse_text(FULL, "full.casus")


def decl(module, kind, name=None):
    found = [d for d in module.declarations if isinstance(d, kind) and (name is None or getattr(d, "name", None) == name)]
    assert len(found) == 1, found
    return found[0]


# ------------------------------------------------------------ declarations


def test_declarations_in_file_order(module):
    kinds = [type(d).__name__ for d in module.declarations]
    assert kinds == ["Regime", "Definition", "Definition", "Rule", "Procedure", "Priority", "Invariant"]
    assert module.file == "full.casus"


def test_regime_with_title_citation_in_force_and_parties(module):
    r = decl(module, ast.Regime)
    assert r.name == "nato"
    assert r.title == "North Atlantic Treaty"
    assert r.citation.text == "North Atlantic Treaty (1949)"
    assert r.in_force.start == dt.date(1949, 8, 24)
    assert r.in_force.end == dt.date(2100, 1, 1)
    assert r.parties == "nato"


def test_in_force_interval_is_half_open(module):
    f = decl(module, ast.Regime).in_force
    assert not f.covers(dt.date(1949, 8, 23))
    assert f.covers(dt.date(1949, 8, 24))
    assert f.covers(dt.date(2099, 12, 31))
    assert not f.covers(dt.date(2100, 1, 1))


def test_in_force_with_only_from_or_only_before():
    m = parse_text('regime a "A" cites "x" in force before 2000-01-01\nregime b "B" cites "y" in force from 1990-05-06\n')
    a, b = m.declarations
    assert (a.in_force.start, a.in_force.end) == (None, dt.date(2000, 1, 1))
    assert (b.in_force.start, b.in_force.end) == (dt.date(1990, 5, 6), None)


def test_declarations_take_the_regime_declared_above_them():
    m = parse_text(dedent('''
        regime a "A" cites "x"
        rule r1 cites "c" when state(S) then obliged S to go
        regime b "B" cites "y"
        rule r2 cites "c" when state(S) then obliged S to go
        define d(S) cites "c" when state(S)
    '''))
    rules = {d.name: d for d in m.declarations if not isinstance(d, ast.Regime)}
    assert rules["r1"].regime == "a" and rules["r1"].qualname == "a.r1"
    assert rules["r2"].regime == "b" and rules["r2"].qualname == "b.r2"
    assert rules["d"].regime == "b"


def test_definition_with_named_params(module):
    d = decl(module, ast.Definition, "armed_attack")
    assert [(p.name, p.var.name) for p in d.params] == [("incident", "I"), ("attacker", "A"), ("victim", "V")]
    assert d.citation == "UN Charter, art. 51"
    assert d.regime == "nato"
    assert isinstance(d.when, ast.And)
    first, second = d.when.items
    assert isinstance(first, ast.Atom) and first.pred == "incident"
    assert [a.name for a in first.args] == [None, "author", "victim", "scale"]
    assert isinstance(second, ast.Or)
    assert [c.right.value for c in second.items] == ["significant", "large"]


def test_definition_title(module):
    assert decl(module, ast.Definition, "armed_attack").title == "An armed attack"


def test_positional_param_is_named_after_its_variable(module):
    d = decl(module, ast.Definition, "involved")
    assert [(p.name, p.var.name) for p in d.params] == [("s", "S")]


def test_rule_clauses(module):
    r = decl(module, ast.Rule)
    assert r.name == "collective_defence"
    assert r.title == "An attack against one is an attack against all"
    assert [c.text for c in r.citations] == ["North Atlantic Treaty, art. 5", "North Atlantic Treaty, art. 6"]
    assert r.citation == "North Atlantic Treaty, art. 5; North Atlantic Treaty, art. 6"
    assert r.in_force.start == dt.date(1951, 1, 1) and r.in_force.end is None
    assert [name for name, _ in r.overrides] == ["other_rule", "un_charter.prohibition_of_force"]
    assert r.until is not None and r.unless is not None


def test_rule_when_with_member_attribute_and_negation(module):
    r = decl(module, ast.Rule)
    atom, member, negation = r.when.items
    assert atom.pred == "armed_attack"
    assert member.pred == "member"
    at = member.args[2]
    assert at.name == "at" and isinstance(at.term, ast.Attr)
    assert (at.term.var.name, at.term.attr) == ("I", "date")
    assert isinstance(negation, ast.Not)
    claim = negation.cond
    assert isinstance(claim.args[0].term, ast.Wildcard)


def test_rule_quantifier_and_conclusions(module):
    r = decl(module, ast.Rule)
    q = r.quantifier
    assert q.var.name == "S" and q.organization == "nato"
    assert isinstance(q.at, ast.Attr) and q.at.attr == "date"
    assert isinstance(q.where, ast.Comparison) and q.where.op == "!="
    assist, report = r.conclusions
    assert (assist.modality, assist.actor.name, assist.action, assist.counterparty, assist.prep) == (
        "obliged", "S", "assist", None, None)
    assert assist.object.name == "V"  # a lone party is the act's object; counter-parties take a preposition
    assert assist.description == "by such action as it deems necessary"
    assert (report.action, report.object.name, report.prep, report.counterparty.value) == (
        "report", "I", "to", "security_council")
    assert report.description is None


def test_count_in_until(module):
    until = decl(module, ast.Rule).until
    measures, comparison = until.items
    assert measures.pred == "measures"
    assert isinstance(comparison.left, ast.Count)
    assert [v.name for v in comparison.left.vars] == ["X"]
    assert comparison.left.cond.pred == "vote"
    assert comparison.op == ">=" and comparison.right.value == Fraction(9)


def test_procedure_clauses(module):
    p = decl(module, ast.Procedure)
    assert p.name == "nac" and p.title == "North Atlantic Council"
    assert p.citation == "North Atlantic Treaty, art. 9"
    assert p.in_force.start == dt.date(1949, 8, 24)
    assert (p.body, p.organ, p.veto) == ("nato", "north_atlantic_council", "nato")
    assert p.matters == ("substantive", "procedural")
    assert p.disregards_parties is True
    (req,) = p.requires
    no_votes, threshold = req.items
    assert (no_votes.left.value, no_votes.op, no_votes.right.value) == ("no", "==", 0)
    # 2/3 * voting: a fraction times a counter, parsed with the usual precedence
    mul = threshold.right
    assert isinstance(mul, ast.BinOp) and mul.op == "*"
    assert isinstance(mul.left, ast.BinOp) and mul.left.op == "/"
    assert mul.left.left.value / mul.left.right.value == Fraction(2, 3)
    assert mul.right.value == "voting"


def test_procedure_organ_defaults_to_body():
    m = parse_text('regime r "R" cites "x"\nprocedure p cites "c" body un requires yes > voting / 2\n')
    p = m.declarations[1]
    assert p.organ == "un" and p.matters == () and p.veto is None and p.disregards_parties is False


def test_priority(module):
    p = decl(module, ast.Priority)
    assert p.regime == "nato"
    assert p.over == ("un_charter", "custom")
    assert p.modalities == ("obliged", "forbidden")
    assert p.citation == "art. 103"


def test_priority_keeps_its_own_regime_name():
    m = parse_text('regime r "R" cites "x"\nregime q "Q" cites "y"\npriority r over q cites "z"\n')
    p = m.declarations[2]
    assert (p.regime, p.over) == ("r", ("q",))


def test_priority_over_all_for_every_modality():
    m = parse_text('regime r "R" cites "x"\npriority r over all cites "y"\n')
    p = m.declarations[1]
    assert p.over is None and p.modalities == ()


def test_invariant_reads_conclusions(module):
    inv = decl(module, ast.Invariant)
    assert inv.name == "no_conflict" and inv.title == "never both"
    assert [c.text for c in inv.citations] == ["logic"]
    assert [a.pred for a in inv.cond.items] == ["obliged", "forbidden"]


def test_comments_are_ignored_everywhere():
    text = dedent('''
        # leading comment
        regime r "R" # after the title
          # between clauses
          cites "x"   # after a citation
        # trailing comment''')
    (r,) = parse_text(text).declarations
    assert r.title == "R" and r.citation.text == "x"


def test_hash_inside_a_string_is_not_a_comment():
    (r,) = parse_text('regime r "A # not a comment" cites "x"\n').declarations
    assert r.title == "A # not a comment"


def test_empty_file_has_no_declarations():
    assert parse_text("").declarations == ()
    assert parse_text("# only a comment\n").declarations == ()


# ----------------------------------------------------------------- literals


@pytest.mark.parametrize("literal, expected", [
    (r'"a \"quoted\" word"', 'a "quoted" word'),
    (r'"tab\there"', "tab\there"),
    (r'"two\nlines"', "two\nlines"),
    (r'"back\\slash"', "back\\slash"),
    ('"Côte d\'Ivoire, São Tomé"', "Côte d'Ivoire, São Tomé"),
    (r'"Côte \"x\""', 'Côte "x"'),
])
def test_string_escapes(literal, expected):
    (r,) = parse_text(f"regime r {literal} cites \"x\"\n").declarations
    assert r.title == expected


def test_unicode_escape_in_string():
    (r,) = parse_text('regime r "caf\\u00e9" cites "x"\n').declarations
    assert r.title == "café"


def test_malformed_escape_is_a_diagnostic():
    with pytest.raises(CasusError) as info:
        parse_text('regime r "bad \\x escape" cites "x"\n', "esc.casus")
    assert info.value.diagnostics[0].span.line == 1


def test_literal_kinds_in_conditions():
    text = 'regime r "R" cites "x"\nrule a cites "c" when incident(I, date: D, scale: large) and D >= 2020-02-29 and 1.5 < 2 and I.kind != "x y"\n  then obliged I to go\n'
    rule = parse_text(text).declarations[1]
    atom, date_cmp, num_cmp, str_cmp = rule.when.items
    assert date_cmp.right.kind == "date" and date_cmp.right.value == dt.date(2020, 2, 29)
    assert num_cmp.left.kind == "number" and num_cmp.left.value == Fraction(3, 2)
    assert str_cmp.right.kind == "string" and str_cmp.right.value == "x y"
    assert atom.args[2].term.kind == "name" and atom.args[2].term.value == "large"


def test_invalid_calendar_date_is_reported():
    with pytest.raises(CasusError) as info:
        parse_text('regime r "R" cites "x" in force from 2020-02-30\n', "d.casus")
    (d,) = info.value.diagnostics
    assert d.code == "E002"
    assert (d.span.file, d.span.line, d.span.column) == ("d.casus", 1, 38)
    assert "2020-02-30" in d.message


# -------------------------------------------------------------------- spans


def test_spans_point_at_the_source(module):
    r = decl(module, ast.Rule)
    lines = FULL.splitlines()
    assert r.span.file == "full.casus"
    assert lines[r.span.line - 1].startswith("rule collective_defence")
    assert r.span.column == 1
    assert r.span.end_line > r.span.line
    # the first conclusion of the quantifier
    c = r.conclusions[0]
    assert lines[c.span.line - 1][c.span.column - 1:].startswith("obliged S to assist V")
    # an atom and one of its variables
    member = r.when.items[1]
    assert lines[member.span.line - 1][member.span.column - 1:].startswith("member(V, nato")
    v = member.args[0].term
    assert (v.span.line, v.span.column) == (member.span.line, member.span.column + len("member("))
    # a citation
    cite = r.citations[1]
    assert lines[cite.span.line - 1][cite.span.column - 1:].startswith('cites "North Atlantic Treaty, art. 6"')


def test_spans_of_overridden_names(module):
    r = decl(module, ast.Rule)
    lines = FULL.splitlines()
    for name, span in r.overrides:
        assert lines[span.line - 1][span.column - 1:].startswith(name)


def test_ast_is_frozen(module):
    r = decl(module, ast.Rule)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.name = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.conclusions[0].actor = None  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.span.line = 99  # type: ignore[misc]
    assert isinstance(r.conclusions, tuple) and isinstance(r.citations, tuple)


def test_ast_nodes_are_hashable_and_equal_by_value():
    a = parse_text(FULL, "full.casus")
    b = parse_text(FULL, "full.casus")
    assert a == b
    assert hash(a) == hash(b)


# ------------------------------------------------------------ syntax errors


MISSPELT = dedent('''
    regime r "T" cites "x"

    rule a "A"
      cites "c"
      when state(S)
      then obligd S to assist S
''')


def test_syntax_error_has_code_and_position():
    with pytest.raises(CasusError) as info:
        parse_text(MISSPELT, "bad.casus")
    (d,) = info.value.diagnostics
    assert d.code == "E001"
    assert d.is_error
    assert (d.span.file, d.span.line, d.span.column) == ("bad.casus", 6, 8)
    assert "obligd" in d.message


def test_syntax_error_suggests_the_keyword():
    with pytest.raises(CasusError) as info:
        parse_text(MISSPELT, "bad.casus")
    assert info.value.diagnostics[0].hint == "did you mean 'obliged'?"


def test_syntax_error_renders_a_caret_snippet():
    with pytest.raises(CasusError) as info:
        parse_text(MISSPELT, "bad.casus")
    text = info.value.render()
    lines = text.splitlines()
    assert lines[0].startswith("bad.casus:6:8: error E001:")
    source_line = next(i for i, line in enumerate(lines) if "then obligd S to assist S" in line)
    caret = lines[source_line + 1]
    # the carets sit under the misspelt word, one per character
    start = lines[source_line].index("obligd")
    assert caret[start:start + 6] == "^^^^^^"
    assert caret[:start].strip() == ""
    assert "did you mean 'obliged'?" in text


def test_single_quotes_get_a_hint():
    with pytest.raises(CasusError) as info:
        parse_text("regime r 'T'\n", "q.casus")
    (d,) = info.value.diagnostics
    assert d.code == "E001"
    assert (d.span.line, d.span.column) == (1, 10)
    assert "double quotes" in d.hint


def test_unexpected_end_of_input():
    with pytest.raises(CasusError) as info:
        parse_text('regime r "T" cites "x"\nrule a\n  when state(S) and\n', "eof.casus")
    (d,) = info.value.diagnostics
    assert d.code == "E001"
    assert d.span.line == 3
    assert "end of input" in d.message


def test_a_misspelt_declaration_keyword_is_suggested():
    with pytest.raises(CasusError) as info:
        parse_text('regime r "T" cites "x"\nrul a cites "c"\n', "k.casus")
    d = info.value.diagnostics[0]
    assert (d.span.line, d.span.column) == (2, 1)
    assert d.hint == "did you mean 'rule'?"


def test_syntax_errors_of_several_files_are_reported_together(tmp_path):
    (tmp_path / "a.casus").write_text('regime r "T" cites "x"\nrule a when\n')
    (tmp_path / "b.casus").write_text("regime q 'x'\n")
    with pytest.raises(CasusError) as info:
        parse_files([tmp_path])
    files = sorted(d.span.file.rsplit("/", 1)[-1] for d in info.value.diagnostics)
    assert files == ["a.casus", "b.casus"]
    assert all(d.code == "E001" for d in info.value.diagnostics)


def test_parse_files_reports_a_missing_file(tmp_path):
    with pytest.raises(CasusError) as info:
        parse_files([tmp_path / "nope.casus"])
    assert info.value.diagnostics[0].code == "E003"


def test_parse_files_reads_directories_in_sorted_order(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.casus").write_text('regime b "B" cites "x"\n')
    (tmp_path / "a.casus").write_text('regime a "A" cites "x"\n')
    (tmp_path / "ignored.txt").write_text("not rules")
    program = parse_files([tmp_path])
    assert [d.name for d in program.declarations()] == ["a", "b"]
    assert len(program.sources) == 2


# ------------------------------------------------------------------ queries


def test_query_with_a_lone_party_names_the_object():
    q = parse_query("obliged DEU to assist EST")
    assert (q.modality, q.actor, q.action, q.object, q.prep, q.counterparty) == (
        "obliged", "DEU", "assist", "EST", None, None)
    assert str(q) == "obliged DEU to assist EST"


def test_query_with_preposition():
    q = parse_query("  forbidden RUS to use_force against EST  ")
    assert (q.actor, q.action, q.prep, q.counterparty) == ("RUS", "use_force", "against", "EST")
    assert str(q) == "forbidden RUS to use_force against EST"


def test_query_wildcards():
    q = parse_query("permitted _ to use_force against _")
    assert q.actor is None and q.counterparty is None and q.prep == "against"
    assert str(q) == "permitted _ to use_force against _"


def test_query_with_object_and_counterparty():
    q = parse_query("obliged POL to report invasion to security_council")
    assert (q.actor, q.action, q.object, q.prep, q.counterparty) == (
        "POL", "report", "invasion", "to", "security_council")


def test_query_names_are_constants_even_when_capitalised():
    q = parse_query("obliged I to report I to security_council")
    assert q.actor == "I" and q.object == "I"


def test_query_without_counterparty():
    q = parse_query("permitted EST to rest")
    assert q.counterparty is None and q.prep is None and q.object is None


@pytest.mark.parametrize("text, column", [
    ("obliged DEU assist EST", 13),
    ("must DEU to assist EST", 1),
    ("obliged DEU to", 15),
])
def test_malformed_query(text, column):
    with pytest.raises(CasusError) as info:
        parse_query(text)
    (d,) = info.value.diagnostics
    assert d.code == "E001"
    assert d.span.file == "<query>"
    if "end of input" not in d.message:
        assert d.span.column == column
