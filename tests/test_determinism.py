"""Results do not depend on the order of rules, files or facts (property tests).

Rule declarations are redistributed over several files in random order, and the
lists of a case file are shuffled; the conclusions, their statuses, the
decisions and the proofs (minus the file positions, which legitimately move)
must stay the same.
"""

from __future__ import annotations

import json
import random
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import evaluate, load_case, load_case_text, load_rules
from engine.lang import ast
from engine.lang.parse import parse_text
from engine.resources import standard_rules
from engine.inputs.yamlpos import load_document

from conftest import ESTONIA, dedent

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                    derandomize=True)
POSITION_KEYS = {"location", "origin", "file", "line", "column", "path"}


def strip_positions(data):
    if isinstance(data, dict):
        return {k: strip_positions(v) for k, v in data.items() if k not in POSITION_KEYS}
    if isinstance(data, list):
        return [strip_positions(v) for v in data]
    return data


def projection(result) -> tuple:
    conclusions = frozenset(
        (c.modality, c.actor, c.action, c.object, c.counterparty, c.rule, c.status,
         tuple(sorted(d.by for d in c.defeated_by)), tuple(sorted(d.by for d in c.conflicts_with)))
        for c in result.conclusions)
    decisions = frozenset((d.decision, d.procedure, d.adopted) for d in result.decisions)
    derived = frozenset(result.derived)
    return conclusions, decisions, derived


def assert_same(result, baseline) -> None:
    assert projection(result) == projection(baseline)
    assert strip_positions(result.to_json()) == strip_positions(baseline.to_json())


# ------------------------------------------------------- rule declarations


def declaration_chunks(text: str, file: str) -> list[tuple[ast.Declaration, str]]:
    """Each declaration of a rule file with its exact source text (sliced by its span)."""
    lines = text.splitlines(keepends=True)
    out = []
    for d in parse_text(text, file).declarations:
        s = d.span
        if s.line == s.end_line:
            chunk = lines[s.line - 1][s.column - 1:s.end_column - 1]
        else:
            chunk = (lines[s.line - 1][s.column - 1:] + "".join(lines[s.line:s.end_line - 1])
                     + lines[s.end_line - 1][:s.end_column - 1])
        out.append((d, chunk))
    return out


class Layout:
    """Declarations grouped by regime, with one full header per regime."""

    def __init__(self, texts: dict[str, str]):
        self.headers: dict[str, str] = {}
        self.body: list[tuple[str, str]] = []  # (regime, declaration text)
        for file, text in sorted(texts.items()):
            for d, chunk in declaration_chunks(text, file):
                if isinstance(d, ast.Regime):
                    if d.citation is not None:
                        self.headers.setdefault(d.name, chunk)
                else:
                    self.body.append((getattr(d, "regime", ""), chunk))

    def write(self, root: Path, order: list[int], bins: list[int], names: list[int]) -> None:
        files: dict[tuple[str, int], list[str]] = {}
        for i in order:
            regime, chunk = self.body[i]
            files.setdefault((regime, bins[i]), []).append(chunk)
        for (regime, b), chunks in files.items():
            name = f"{names[b]:02d}_{regime}_{b}.casus"
            sub = root / f"d{names[(b + 1) % len(names)]}"
            sub.mkdir(exist_ok=True)
            (sub / name).write_text(self.headers[regime] + "\n\n" + "\n\n".join(chunks) + "\n", encoding="utf-8")


def layouts(n: int, n_files: int = 4):
    return st.tuples(st.permutations(range(n)),
                     st.lists(st.integers(0, n_files - 1), min_size=n, max_size=n),
                     st.permutations(range(n_files)))


STDLIB = standard_rules()
STDLIB_LAYOUT = Layout({str(p): p.read_text(encoding="utf-8") for p in sorted(STDLIB.rglob("*.casus"))})


def copy_reference_data(root: Path) -> None:
    for y in STDLIB.rglob("*.yaml"):
        target = root / "data" / y.relative_to(STDLIB)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(y, target)


def test_layout_reproduces_the_standard_library(stdlib_rules):
    """Sanity check of the harness: every declaration is redistributed, none lost."""
    n = len(STDLIB_LAYOUT.body)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        copy_reference_data(root)
        STDLIB_LAYOUT.write(root, list(range(n)), [0] * n, [0, 1, 2, 3])
        rules = load_rules([root], stdlib=False)
    got, want = rules.plan.checked, stdlib_rules.plan.checked
    assert [r.qualname for r in got.rules] == [r.qualname for r in want.rules]
    assert {k: len(v) for k, v in got.definitions.items()} == {k: len(v) for k, v in want.definitions.items()}
    assert [(p.regime, p.name) for p in got.procedures] == [(p.regime, p.name) for p in want.procedures]
    assert len(got.priorities) == len(want.priorities) > 0


@settings(SETTINGS, max_examples=8)  # each example loads the whole standard library
@given(layout=layouts(len(STDLIB_LAYOUT.body)))
def test_standard_library_split_and_shuffled_across_files(estonia_result, layout):
    order, bins, names = layout
    baseline = estonia_result
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        copy_reference_data(root)
        STDLIB_LAYOUT.write(root, list(order), bins, list(names))
        rules = load_rules([root], stdlib=False)
        result = evaluate(rules, load_case(ESTONIA, rules))
    assert_same(result, baseline)


SMALL_RULES = dedent('''
    regime a "A" cites "Treaty A"

    define reach(from: X, to: Y) cites "a1" when request(_, by: X, to: Y)
    define reach(from: X, to: Y) cites "a2" when reach(X, Z) and request(_, by: Z, to: Y)
    define unreachable(state: S) cites "a3" when state(S) and not reach(_, S)
    define popular(state: V) cites "a4" when state(V) and count(R where request(R, to: V)) >= 2

    rule help cites "A, art. 1" when reach(V, S) then obliged S to assist V
    rule alone cites "A, art. 2" when unreachable(S) then permitted S to stay_out
    rule answer cites "A, art. 3" when popular(V) then obliged V to answer
    rule no_force cites "A, art. 4" when state(S) and state(T) and S != T then forbidden S to use_force against T
    rule defence cites "A, art. 5" when incident(I, author: X, victim: V) then permitted V to use_force against X
      overrides no_force
    rule report cites "A, art. 6" when incident(I, victim: V) then obliged V to report I to security_council
      until report(_, by: V, about: I)
    rule trade cites "A, art. 7" when state(S) and state(T) and S != T then obliged S to trade_with T
    priority a over b for obliged, forbidden cites "A, art. 103"

    regime b "B" cites "Treaty B"

    rule embargo cites "B, art. 1" when state(S) and state(T) and S != T then forbidden S to trade_with T
    rule sing cites "B, art. 2" when request(_, by: S, to: T) then obliged S to sing_with T
    rule silence cites "B, art. 3" when request(_, by: S, to: T) then forbidden S to sing_with T
      unless claim(_, by: S, kind: neutrality)
''')

SMALL_CASE = {
    "case": "small",
    "as_of": "2020-01-01",
    "states": ["FIN", "EST", "LVA", "LTU", "POL"],
    "incidents": [
        {"id": "i1", "kind": "border_incident", "date": "2019-03-28", "victim": "EST", "author": "FIN"},
        {"id": "i2", "kind": "invasion", "date": "2019-04-01", "victim": "LVA", "author": "FIN"},
        {"id": "i3", "kind": "invasion", "date": "2021-04-01", "victim": "LTU", "author": "FIN"},
    ],
    "requests": [
        {"id": "r1", "by": "EST", "to": ["LVA"], "kind": "assistance", "date": "2019-01-01"},
        {"id": "r2", "by": "LVA", "to": ["LTU", "POL"], "kind": "assistance", "date": "2019-01-02"},
        {"id": "r3", "by": "LTU", "to": ["POL"], "kind": "assistance", "date": "2019-01-03"},
        {"id": "r4", "by": "POL", "to": ["LVA"], "kind": "consultation", "date": "2019-01-04"},
    ],
    "reports": [{"id": "rep", "by": "EST", "to": "security_council", "date": "2019-05-01", "about": "i1"}],
    "claims": [{"id": "cl", "by": "LTU", "kind": "neutrality", "date": "2019-05-01"}],
}

SMALL_LAYOUT = Layout({"small.casus": SMALL_RULES})


def _small_result(rules_root: Path, case: dict, tmp: Path):
    rules = load_rules([rules_root], stdlib=False)
    path = tmp / "case.json"
    path.write_text(json.dumps(case), encoding="utf-8")
    return evaluate(rules, load_case(path, rules))


def test_small_rule_set_exercises_every_status():
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "rules"
        root.mkdir()
        (root / "small.casus").write_text(SMALL_RULES, encoding="utf-8")
        result = _small_result(root, SMALL_CASE, Path(tmp))
    statuses = {c.status for c in result.conclusions}
    assert statuses == {"in force", "defeated", "in conflict", "ended"}
    assert result.derived


def _small_results(layout, case_text):
    """The small rule set in one file on the original case, and split as `layout` says on `case_text`."""
    order, bins, names = layout
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base_root = tmp / "base"
        base_root.mkdir()
        (base_root / "small.casus").write_text(SMALL_RULES, encoding="utf-8")
        baseline = _small_result(base_root, SMALL_CASE, tmp)
        root = tmp / "shuffled"
        root.mkdir()
        SMALL_LAYOUT.write(root, list(order), bins, list(names))
        return baseline, _small_result(root, case_text, tmp)


@SETTINGS
@given(layout=layouts(len(SMALL_LAYOUT.body), n_files=5))
def test_small_rule_set_split_and_shuffled_across_files(layout):
    baseline, result = _small_results(layout, SMALL_CASE)
    assert_same(result, baseline)


# -------------------------------------------------------------- case facts


def shuffled_case(data: dict, rnd: random.Random, vote_form: str) -> dict:
    d = json.loads(json.dumps(data))
    for key in ("states", "incidents", "decisions", "requests", "reports", "claims", "expect"):
        if key in d:
            rnd.shuffle(d[key])
    for section in ("incidents", "decisions", "requests", "reports", "claims"):
        for item in d.get(section, []):
            for field in ("to", "concerns", "effects", "parties_to_dispute"):
                if isinstance(item.get(field), list):
                    rnd.shuffle(item[field])
            keys = list(item.items())
            rnd.shuffle(keys)
            item.clear()
            item.update(keys)
    for decision in d.get("decisions", []):
        votes = decision.get("votes")
        if not votes:
            continue
        if vote_form == "mapping":
            pairs = [(state, vote) for vote, states in votes.items() for state in states]
            rnd.shuffle(pairs)
            decision["votes"] = dict(pairs)
        else:
            items = list(votes.items())
            rnd.shuffle(items)
            for _, states in items:
                rnd.shuffle(states)
            decision["votes"] = dict(items)
    top = list(d.items())
    rnd.shuffle(top)
    return dict(top)


ESTONIA_DATA = load_document(ESTONIA.read_text(encoding="utf-8"), str(ESTONIA))[0]


@SETTINGS
@given(rnd=st.randoms(use_true_random=False), vote_form=st.sampled_from(["lists", "mapping"]))
def test_estonia_case_with_its_facts_shuffled(stdlib_rules, estonia_result, rnd, vote_form):
    case = shuffled_case(ESTONIA_DATA, rnd, vote_form)
    result = evaluate(stdlib_rules, load_case_text(json.dumps(case), "shuffled.json"))
    assert_same(result, estonia_result)


@SETTINGS
@given(rnd=st.randoms(use_true_random=False), layout=layouts(len(SMALL_LAYOUT.body)))
def test_small_case_with_rules_and_facts_shuffled(rnd, layout):
    baseline, result = _small_results(layout, shuffled_case(SMALL_CASE, rnd, "lists"))
    assert projection(result) == projection(baseline)
    stripped, expected = strip_positions(result.to_json()), strip_positions(baseline.to_json())
    # the note about events after the case date names them in the order the case gives
    assert {d["code"] for d in stripped.pop("diagnostics")} == {d["code"] for d in expected.pop("diagnostics")}
    assert stripped == expected
