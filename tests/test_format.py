"""`casus fmt`: the canonical layout of rule files (engine/lang/format.py)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from engine.diagnostics import CasusError
from engine.lang.format import comments, format_text, strip_spans
from engine.lang.parse import parse_text, rule_files
from engine.resources import standard_rules

from conftest import ROOT, dedent

STDLIB = rule_files([standard_rules()])


def _same_program(a: str, b: str) -> bool:
    return strip_spans(parse_text(a, "f.casus")) == strip_spans(parse_text(b, "f.casus"))


def _comment_texts(text: str) -> list[str]:
    return sorted(c.text for c in comments(text))


# ------------------------------------------------------------ the standard library


@pytest.mark.parametrize("path", STDLIB, ids=lambda p: str(p.relative_to(standard_rules())))
def test_standard_library_is_formatted_and_formatting_keeps_its_meaning(path: Path):
    text = path.read_text(encoding="utf-8")
    formatted = format_text(text, str(path))
    assert formatted == text, f"run `casus fmt {path}`"
    assert _same_program(text, formatted)


def test_fmt_check_passes_on_the_standard_library(run_cli):
    code, out, err = run_cli(["fmt", "--check", ROOT / "rules"])
    assert code == 0, out + err
    assert "0 file(s) would be reformatted" in err


# ------------------------------------------------------------------ the layout

MESSY = dedent('''
    # header comment

    # about the regime
    regime   r "Test"   cites "T (2000)"  in force from 2000-01-01 parties org   # trailing
    define p(X, by: Y) "A predicate" cites "T, art. 1" when q(X) and
        r(Y)
    rule one "First" cites "T, art. 2" when p(X, by: Y) and (X == a or X == b) then obliged X to assist Y "help"
        permitted X to use_force against Y
      until q(X) # ends
      overrides two
    rule two "Second" cites "T, art. 3" when p(X, by: Y)
      then for every member S of org at 2001-01-01 where S != X : forbidden S to use_force against X
''')


def test_a_messy_file_gets_the_canonical_layout():
    assert format_text(MESSY) == dedent('''
        # header comment

        # about the regime
        regime r "Test"
          cites "T (2000)"
          in force from 2000-01-01
          parties org  # trailing

        define p(X, by: Y)
          "A predicate"
          cites "T, art. 1"
          when q(X) and r(Y)

        rule one "First"
          cites "T, art. 2"
          when p(X, by: Y) and (X == a or X == b)
          then obliged X to assist Y "help"
               permitted X to use_force against Y
          until q(X)  # ends
          overrides two

        rule two "Second"
          cites "T, art. 3"
          when p(X, by: Y)
          then for every member S of org at 2001-01-01 where S != X:
               forbidden S to use_force against X
    ''')


def test_long_conditions_break_before_and_inside_parentheses():
    items = " or ".join(f"K == kind_number_{i}" for i in range(8))
    text = f'rule r cites "x" when incident(I, kind: K, author: A, victim: V) and A != V and ({items})\n'
    out = format_text(text)
    lines = out.splitlines()
    assert all(len(line) <= 100 for line in lines)
    assert lines[2].startswith("  when incident(")
    assert any(line.startswith("   and (K == kind_number_0") for line in lines)
    assert any(line.startswith("        or K == kind_number_") for line in lines)
    assert _same_program(text, out)
    assert format_text(out) == out


def test_nested_groups_keep_their_parentheses():
    text = 'rule r cites "x" when (a(X) and b(X)) and (c(X) or (d(X) or e(X))) and not (f(X) or g(X))\n'
    out = format_text(text)
    assert "when (a(X) and b(X)) and (c(X) or (d(X) or e(X))) and not (f(X) or g(X))" in out
    assert _same_program(text, out)


def test_redundant_parentheses_go():
    out = format_text('rule r cites "x" when ((a(X))) and (X == b)\n')
    assert "when a(X) and X == b" in out


def test_strings_keep_their_escapes_and_a_hash_inside_a_string_is_not_a_comment():
    text = 'rule r "A \\"quoted\\" # title" cites "x\\u00e9" when a(X)  # real\n'
    out = format_text(text)
    assert 'rule r "A \\"quoted\\" # title"\n' in out and 'when a(X)  # real' in out
    assert 'cites "x\\u00e9"' in out
    assert _comment_texts(out) == ["# real"]


def test_two_trailing_comments_that_meet_on_one_line_stay_apart():
    text = 'rule r cites "x" when a(X) # one\n  and b(X) # two\n'
    out = format_text(text)
    assert _comment_texts(out) == ["# one", "# two"]
    assert "# one  # two" not in out
    assert format_text(out) == out


def test_comment_inside_parentheses_survives():
    text = 'rule r cites "x" when ( # why\n a(X) or b(X))\n'
    out = format_text(text)
    assert _comment_texts(out) == ["# why"]
    assert _same_program(text, out)


def test_every_declaration_kind():
    text = (ROOT / "tests" / "test_parse.py").read_text(encoding="utf-8")
    full = text.split("FULL = dedent('''", 1)[1].split("''')", 1)[0]
    source = dedent(full)
    out = format_text(source)
    assert _same_program(source, out)
    assert format_text(out) == out
    assert _comment_texts(out) == _comment_texts(source)


def test_empty_and_comment_only_files():
    assert format_text("") == ""
    assert format_text("\n\n# only a comment\n\n") == "# only a comment\n"


def test_a_syntax_error_is_a_diagnostic():
    with pytest.raises(CasusError) as err:
        format_text('rule r cites "x" when a(X) andd b(X)\n', "bad.casus")
    assert err.value.diagnostics[0].code == "E001"


# ------------------------------------------------------------- generated files

NAMES = st.sampled_from(["alpha", "beta", "gamma_2", "org", "delta"])
VARS = st.sampled_from(["X", "Y", "Var_1"])
STRINGS = st.sampled_from(['"s"', '"with # hash"', '"esc \\" q"', '""'])
COMMENT_TEXT = st.sampled_from(["# note", '# "quoted" # twice', "#", "# UNCERTAIN: date"])


@st.composite
def separators(draw):
    """Whitespace between two tokens: blanks, newlines, blank lines and comments."""
    kind = draw(st.integers(0, 9))
    if kind <= 4:
        return " " * draw(st.integers(1, 3))
    if kind <= 6:
        return "\n" + " " * draw(st.integers(0, 6))
    if kind == 7:
        return "\n\n"
    comment = draw(COMMENT_TEXT)
    if kind == 8:
        return f"  {comment}\n  "
    return f"\n{' ' * draw(st.integers(0, 4))}{comment}\n "


def term():
    return st.one_of(VARS, NAMES, STRINGS, st.just("_"), st.sampled_from(["3", "1.5", "2001-02-03"]),
                     VARS.map(lambda v: [v, ".", "date"]))


def atom():
    arg = st.one_of(term(), st.tuples(NAMES, term()).map(lambda t: [t[0], ":", t[1]]))
    return st.tuples(NAMES, st.lists(arg, max_size=3)).map(
        lambda t: [t[0], "(", *_interleave(t[1], ","), ")"])


def _interleave(items, sep):
    out = []
    for i, item in enumerate(items):
        if i:
            out.append(sep)
        out.append(item)
    return out


def comparison():
    op = st.sampled_from(["==", "!=", "<", ">=", "<="])
    simple = st.tuples(term(), op, term()).map(list)
    arithmetic = st.tuples(VARS, op, VARS).map(lambda t: [t[0], t[1], "2", "/", "3", "*", t[2], "+", "1"])
    counted = st.tuples(VARS, atom()).map(lambda t: ["count", "(", t[0], "where", t[1], ")", ">=", "9"])
    return st.one_of(simple, arithmetic, counted)


def conditions():
    """Trees ("atom", tokens) | ("not", c) | ("and"/"or", [c, ...])."""
    leaves = st.one_of(atom(), comparison()).map(lambda toks: ("leaf", toks))
    return st.recursive(leaves, lambda inner: st.one_of(
        inner.map(lambda c: ("not", c)),
        st.tuples(st.sampled_from(["and", "or"]), st.lists(inner, min_size=2, max_size=4)).map(tuple),
    ), max_leaves=8)


_RANK = {"or": 1, "and": 2, "not": 3, "leaf": 4}


def render_cond(cond, redundant) -> list:
    kind, body = cond
    if kind == "leaf":
        return body
    if kind == "not":
        inner = render_cond(body, redundant)
        return ["not", *(["(", inner, ")"] if _RANK[body[0]] < 3 else [inner])]
    out = []
    for i, item in enumerate(body):
        if i:
            out.append(kind)
        rendered = render_cond(item, redundant)
        if _RANK[item[0]] <= _RANK[kind] or next(redundant):
            rendered = ["(", rendered, ")"]
        out.append(rendered)
    return out


def deontic():
    party = st.one_of(VARS, NAMES)
    return st.tuples(st.sampled_from(["obliged", "permitted", "forbidden"]), party, NAMES,
                     st.one_of(party.map(lambda p: [p]),
                               st.tuples(st.sampled_from(["to", "against", "for", "towards"]), party).map(list)),
                     st.one_of(st.just([]), STRINGS.map(lambda s: [s]))).map(
        lambda t: [t[0], t[1], "to", t[2], *t[3], *t[4]])


@st.composite
def declaration(draw, redundant):
    kind = draw(st.sampled_from(["regime", "rule", "define", "procedure", "priority", "assumption", "invariant"]))
    name = draw(NAMES)
    title = draw(st.one_of(st.just([]), STRINGS.map(lambda s: [s])))
    cites = draw(st.lists(STRINGS.map(lambda s: ["cites", s]), max_size=2))
    in_force = draw(st.one_of(st.just([]), st.just(["in", "force", "from", "1945-10-24"]),
                              st.just(["in", "force", "from", "1945-10-24", "before", "1991-07-01"])))
    cond = lambda: render_cond(draw(conditions()), redundant)  # noqa: E731
    if kind == "regime":
        return ["regime", name, *title, *sum(cites[:1], []), *in_force, *(["parties", "org"] if draw(st.booleans()) else [])]
    if kind == "rule":
        if draw(st.booleans()):
            then = ["then", *sum(draw(st.lists(deontic(), min_size=1, max_size=3)), [])]
        else:
            where = ["where", cond()] if draw(st.booleans()) else []
            then = ["then", "for", "every", "member", "S", "of", "org", *where, ":",
                    *sum(draw(st.lists(deontic(), min_size=1, max_size=2)), [])]
        extra = []
        for clause in draw(st.lists(st.sampled_from(["until", "unless"]), max_size=2, unique=True)):
            extra += [clause, cond()]
        if draw(st.booleans()):
            extra += ["overrides", "alpha", ",", "un", ".", "beta"]
        return ["rule", name, *title, *sum(cites, []), *in_force, "when", cond(), *then, *extra]
    if kind == "define":
        params = draw(st.lists(st.one_of(VARS, st.tuples(NAMES, VARS).map(lambda t: [t[0], ":", t[1]])), max_size=3))
        return ["define", name, "(", *_interleave(params, ","), ")", *title, *sum(cites, []), "when", cond()]
    if kind == "procedure":
        return ["procedure", name, *title, *sum(cites, []), *in_force, "body", "org", "organ", "council",
                "matter", "substantive", ",", "procedural", "veto", "org", "requires", cond(),
                *(["disregards", "votes", "of", "parties", "to", "the", "dispute"] if draw(st.booleans()) else [])]
    if kind == "priority":
        over = draw(st.one_of(st.just(["all"]), st.just(["alpha", ",", "beta"])))
        modalities = ["for", "obliged", ",", "forbidden"] if draw(st.booleans()) else []
        return ["priority", name, "over", *over, *modalities, *sum(cites[:1], [])]
    if kind == "assumption":
        return ["assumption", name, *title, *sum(cites[:1], []), "default", draw(st.sampled_from(["true", "false"]))]
    return ["invariant", name, *title, *sum(cites[:1], []), "never", cond()]


def _flatten(tokens):
    for t in tokens:
        if isinstance(t, list):
            yield from _flatten(t)
        else:
            yield t


@st.composite
def rule_files_text(draw):
    chance = random.Random(draw(st.integers(0, 2**16)))
    flags = iter(lambda: chance.random() < 0.2, None)  # redundant parentheses, now and then
    decls = draw(st.lists(declaration(flags), min_size=1, max_size=4))
    tokens = list(_flatten(decls))
    out = [draw(st.sampled_from(["", "# leading\n", "\n\n"]))]
    for i, tok in enumerate(tokens):
        if i:
            out.append(draw(separators()))
        out.append(tok)
    out.append(draw(st.sampled_from(["", "\n", "  # end\n", "\n# last\n\n"])))
    return "".join(out)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(rule_files_text())
def test_formatting_generated_files_keeps_their_meaning_and_comments(text):
    formatted = format_text(text)
    assert _same_program(text, formatted)
    assert _comment_texts(formatted) == _comment_texts(text)
    assert format_text(formatted) == formatted


# -------------------------------------------------------------- the command


def test_fmt_rewrites_checks_and_diffs(run_cli, tmp_path):
    f = tmp_path / "a.casus"
    f.write_text(MESSY, encoding="utf-8")
    code, out, err = run_cli(["fmt", "--check", f])
    assert code == 1 and "would reformat" in out
    code, out, err = run_cli(["fmt", "--diff", f])
    assert code == 1 and out.startswith("---") and "+  parties org" in out
    assert f.read_text(encoding="utf-8") == MESSY  # --check and --diff change nothing
    code, out, err = run_cli(["fmt", tmp_path])
    assert code == 0 and "reformatted" in out
    assert f.read_text(encoding="utf-8") == format_text(MESSY)
    assert run_cli(["fmt", "--check", f])[0] == 0


def test_fmt_reports_a_syntax_error_with_its_location(run_cli, tmp_path):
    f = tmp_path / "bad.casus"
    f.write_text('rule r cites "x"\n  when a(X) andd b(X)\n', encoding="utf-8")
    code, out, err = run_cli(["fmt", f])
    assert code == 2
    assert "bad.casus:2:" in err and "E001" in err and "Traceback" not in err
    assert run_cli(["fmt", tmp_path / "missing.casus"])[0] == 2
