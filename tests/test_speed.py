"""The performance work keeps results the same: explore's incremental re-evaluation against
evaluating every assignment afresh, its pivotal facts and conditions against the direct
definitions, and evaluation of large synthetic cases independent of the order of facts."""

from __future__ import annotations

import importlib.util
import itertools
import pickle
import random

import pytest
from hypothesis import given, settings, strategies as st

from conftest import CASES, ROOT
from engine import evaluate, load_case, load_case_text
from engine.tools import explore as explore_module
from engine.tools.explore import explore
from engine.tools.scenarios import with_changes


def _bench_module(name: str):
    """A module of bench/, loaded from its file (bench/ is not a package on the path)."""
    spec = importlib.util.spec_from_file_location(f"casus_bench_{name}", ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_synthetic = _bench_module("synthetic")
synthetic_case, synthetic_text = _synthetic.synthetic_case, _synthetic.synthetic_text

OPEN = CASES / "hypothetical_council_vote_open.yaml"


def _naive_table(rules, case, open_facts):
    """Every assignment evaluated from the case text, as explore did before it became incremental."""
    base = case.model.model_copy(update={"unknown": ()})
    base_case = type(case)(case.file, case.text, base, case.positions, case.key_positions)
    table = {}
    for assignment in itertools.product(*(range(len(v)) for _, v in open_facts)):
        changes = [(path, values[i]) for (path, values), i in zip(open_facts, assignment)]
        result = evaluate(rules, with_changes(base_case, rules, changes, label="unknown"))
        held = {f"{c.rule}|{c.text()}" for c in result.in_force()}
        held |= {f"|{d.decision} adopted" for d in result.decisions if d.adopted}
        table[assignment] = held
    return table


def _variant(text: str, unknown: str) -> str:
    return text[:text.index("unknown:")] + "unknown:\n" + unknown


@pytest.mark.parametrize("unknown", [
    None,  # the case as written: votes and the scale of the incursion
    "  - {path: 'decisions[draft].votes.USA', values: [yes, no]}\n"
    "  - {path: 'incidents[incursion].victim', values: [EST, LVA, DEU]}\n"
    "  - {path: 'decisions[draft].content[1].against', values: [[RUS], [EST]]}\n"
    "  - {path: 'as_of', values: [2026-03-05, 2026-03-01]}\n",
])
def test_incremental_explore_equals_evaluating_every_assignment(stdlib_rules, unknown):
    text = OPEN.read_text(encoding="utf-8")
    case = load_case(OPEN, stdlib_rules) if unknown is None else load_case_text(
        _variant(text, unknown), "variant.yaml", extra_states=stdlib_rules.extra_states)
    found = explore(stdlib_rules, case)
    table = _naive_table(stdlib_rules, case, found.open_facts)
    labels = sorted(set().union(*table.values()))
    assert [o.label for o in found.outcomes] == [k.split("|", 1)[1] for k in labels]
    for outcome, key in zip(found.outcomes, labels):
        truth = {a: key in held for a, held in table.items()}
        assert outcome.follows_in == sum(truth.values()), key
        pivotal = _reference_pivotal(truth, len(found.open_facts))
        assert outcome.pivotal == tuple(found.open_facts[i][0] for i in pivotal), key


def _reference_pivotal(truth, n):
    out = []
    for i in range(n):
        for a, value in truth.items():
            if any(truth.get(a[:i] + (j,) + a[i + 1:], value) != value
                   for j in range(max(x[i] for x in truth) + 1) if j != a[i]):
                out.append(i)
                break
    return out


def _reference_condition(truth, pivotal, open_facts):
    """The merging as first written: every pair of cubes compared, in every round."""
    if all(truth.values()):
        return "always"
    if not pivotal:
        return "never" if not any(truth.values()) else "(no single fact decides it in the sample)"
    cubes = {tuple(frozenset([a[i]]) for i in pivotal) for a, v in truth.items() if v}
    changed = True
    while changed:
        changed = False
        merged = set()
        for x, y in itertools.combinations(sorted(cubes, key=repr), 2):
            diffs = [k for k in range(len(pivotal)) if x[k] != y[k]]
            if len(diffs) == 1:
                k = diffs[0]
                merged.add((x, y, x[:k] + (x[k] | y[k],) + x[k + 1:]))
        for x, y, z in merged:
            cubes.discard(x)
            cubes.discard(y)
            cubes.add(z)
            changed = True
        cubes = {c for c in cubes if not any(o != c and all(c[k] <= o[k] for k in range(len(c))) for o in cubes)}
    parts = []
    for cube in sorted(cubes, key=repr):
        terms = []
        for k, i in enumerate(pivotal):
            path, values = open_facts[i]
            if len(cube[k]) == len(values):
                continue
            chosen = [str(values[j]) for j in sorted(cube[k])]
            terms.append(f"{path} = {chosen[0]}" if len(chosen) == 1 else f"{path} in {{{', '.join(chosen)}}}")
        parts.append(" and ".join(terms) or "always")
    return " or ".join(f"({p})" if " and " in p and len(parts) > 1 else p for p in parts)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(2, 3), min_size=1, max_size=4), st.randoms(use_true_random=False),
       st.floats(0, 1), st.booleans())
def test_pivotal_facts_and_conditions_match_their_definitions(sizes, rnd, p, sampled):
    space = list(itertools.product(*(range(k) for k in sizes)))
    if sampled:
        space = rnd.sample(space, max(1, len(space) // 2))
    truth = {a: rnd.random() < p for a in space}
    open_facts = [(f"f{i}", tuple(f"v{j}" for j in range(k))) for i, k in enumerate(sizes)]
    pivotal = explore_module._pivotal(truth, len(sizes))
    assert pivotal == _reference_pivotal(truth, len(sizes))
    assert explore_module._condition(truth, pivotal, open_facts) == _reference_condition(truth, pivotal, open_facts)


def test_a_large_synthetic_case_does_not_depend_on_the_order_of_its_facts(stdlib_rules):
    data = synthetic_case(60, seed=3)
    first = evaluate(stdlib_rules, load_case_text(synthetic_text(60, seed=3), "a.yaml",
                                                  extra_states=stdlib_rules.extra_states)).to_json()
    random.Random(1).shuffle(data["incidents"])
    random.Random(2).shuffle(data["states"])
    import yaml

    shuffled = load_case_text(yaml.safe_dump(data, sort_keys=False), "a.yaml", extra_states=stdlib_rules.extra_states)
    second = evaluate(stdlib_rules, shuffled).to_json()
    strip = lambda r: [{k: v for k, v in c.items() if k != "proof"} for c in r["conclusions"]]  # noqa: E731
    assert strip(first) == strip(second)  # proofs cite other lines of the file


def test_results_pickle_without_cached_sort_keys(stdlib_rules):
    result = evaluate(stdlib_rules, load_case(CASES / "estonia_2026.yaml", stdlib_rules))
    for c in result.conclusions:
        c.derivation.sort_key()
    result.why_not = None
    again = pickle.loads(pickle.dumps(result))
    assert again == result
    assert all("_pkey" not in c.derivation.__dict__ for c in again.conclusions)


def test_state_registry_reads_the_same_entries_as_pycountry():
    """The state codes are read from pycountry's data files without importing it (its import
    reads the installed metadata, which is slow); they must be the entries its API gives."""
    from engine.inputs import states

    assert states._iso_records() == states._iso_records_from_api()
