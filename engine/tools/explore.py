"""Explore: evaluate a case under every assignment of its open facts, and say which facts decide what.

Open facts that no rule can read (by the vocabulary registry's account of which
field feeds which predicate or attribute) are not enumerated.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

from engine.diagnostics import CasusError, Diagnostic, show
from engine.inputs.load import Case
from engine.inputs.rulebook import RuleSet
from engine.inputs.yamlpos import load_document
from engine.lang import ast
from engine.report import json as report_json
from engine.report import text as report_text
from engine.run.api import evaluate
from engine.tools.scenarios import parse_path, set_path, with_changes
from engine.vocabulary import ALWAYS_READ, PROCEDURE_PREDICATES, case_fields, reading


def _read_predicates(rules: RuleSet) -> set[str]:
    """The predicates and `X.attr` attributes some rule, definition, invariant or procedure reads
    (attributes as `.attr`)."""
    checked = rules.plan.checked
    read: set[str] = set()
    conds = [c for r in checked.rules for c in (r.when, r.until, r.unless, getattr(r.quantifier, "where", None))]
    conds += [d.when for defs in checked.definitions.values() for d in defs]
    conds += [i.cond for i in checked.invariants]
    for cond in conds:
        for node in ast.walk(cond):
            if isinstance(node, ast.Atom):
                read.add(node.pred)
            elif isinstance(node, ast.Attr):
                read.add("." + node.attr)
    if checked.procedures:
        read |= set(PROCEDURE_PREDICATES)
    return read


def relevant(rules: RuleSet, path: str, read: set[str] | None = None) -> bool:
    """Whether any rule, definition, invariant or procedure can read the fact at `path`."""
    steps = parse_path(path)
    if steps[0] in ALWAYS_READ:
        return True
    if steps[0] not in case_fields():
        return False
    if len(steps) <= 2:
        return True  # a whole incident or decision
    name = steps[2]  # steps[1] selects the item, by index or id
    if name == "content":
        if len(steps) <= 4:
            return True  # a whole content item
        name = f"content.{steps[4]}"
    preds, attrs = reading(steps[0], name)
    read = read if read is not None else _read_predicates(rules)
    return bool(preds & read) or any("." + a in read for a in attrs)


@dataclass
class Outcome:
    """A conclusion (or a decision's adoption) across the explored assignments."""

    label: str
    rule: str | None
    actor: str | None  # for grouping the same conclusion across actors
    follows_in: int
    total: int
    pivotal: tuple[str, ...]
    condition: str


@dataclass
class Exploration:
    open_facts: list[tuple[str, tuple]]  # explored
    ignored: list[str]  # open facts no rule reads
    space: int  # all assignments
    evaluated: int
    sampled: bool
    invalid: int
    outcomes: list[Outcome]

    def explain(self) -> str:
        return report_text.render_exploration(self)

    def to_json(self) -> dict:
        return report_json.exploration_json(self)


def explore(rules: RuleSet, case: Case, *, limit: int = 2048, samples: int = 512, seed: int = 0,
            unknown: list[tuple[str, tuple]] | None = None) -> Exploration:
    """Evaluate the case under every assignment of its open facts (or a sample), and say what decides what."""
    declared = unknown if unknown is not None else [(u.path, tuple(u.values)) for u in case.model.unknown]
    if not declared:
        raise CasusError([Diagnostic("E603", f"{case.file} leaves no fact open", None,
                                     hint="add `unknown: [{path: decisions[0].votes.RUS, values: [yes, no]}]`")])
    data, _ = load_document(case.text, case.file)
    for path, values in declared:  # a path that leads nowhere is bad input, not an invalid assignment
        set_path(data, path, values[0])
    open_facts, ignored = [], []
    read = _read_predicates(rules)
    for path, values in declared:
        (open_facts if relevant(rules, path, read) else ignored).append((path, tuple(values)))
    base = case.model.model_copy(update={"unknown": ()})
    base_case = Case(case.file, case.text, base, case.positions, case.key_positions)
    sizes = [len(v) for _, v in open_facts]
    space = 1
    for n in sizes:
        space *= n
    if space <= limit:
        assignments = list(itertools.product(*(range(n) for n in sizes)))
        sampled = False
    else:
        rng = random.Random(seed)
        chosen: set[tuple] = set()
        while len(chosen) < min(samples, space):
            chosen.add(tuple(rng.randrange(n) for n in sizes))
        assignments = sorted(chosen)
        sampled = True

    table: dict[tuple, set[str]] = {}
    rules_of: dict[str, str | None] = {}
    actors: dict[str, str] = {}
    invalid = 0
    for assignment in assignments:
        changes = [(path, values[i]) for (path, values), i in zip(open_facts, assignment)]
        try:
            variant = with_changes(base_case, rules, changes, label="unknown")
        except CasusError:
            invalid += 1
            continue
        result = evaluate(rules, variant)
        holding = set()
        for c in result.in_force():
            label = c.text()
            holding.add(f"{c.rule}|{label}")
            rules_of[f"{c.rule}|{label}"] = c.rule
            actors[f"{c.rule}|{label}"] = c.actor
        for d in result.decisions:
            if d.adopted:
                holding.add(f"|{d.decision} adopted")
                rules_of[f"|{d.decision} adopted"] = d.procedure
        table[assignment] = holding

    names = [path for path, _ in open_facts]
    outcomes = []
    everything = sorted(set().union(*table.values())) if table else []
    for key in everything:
        truth = {a: key in held for a, held in table.items()}
        follows = sum(truth.values())
        pivotal = _pivotal(truth, len(sizes))
        outcomes.append(Outcome(key.split("|", 1)[1], rules_of.get(key), actors.get(key), follows, len(truth),
                                tuple(names[i] for i in pivotal),
                                _condition(truth, pivotal, open_facts)))
    return Exploration(open_facts, [p for p, _ in ignored], space, len(table), sampled, invalid, outcomes)


def _pivotal(truth: dict[tuple, bool], n: int) -> list[int]:
    """Open facts whose value alone, the others fixed, can flip the outcome."""
    out = []
    for i in range(n):
        for a, value in truth.items():
            flipped = any(truth.get(a[:i] + (j,) + a[i + 1:], value) != value
                          for j in range(max(x[i] for x in truth) + 1) if j != a[i])
            if flipped:
                out.append(i)
                break
    return out


def _condition(truth: dict[tuple, bool], pivotal: list[int], open_facts) -> str:
    """A short sum of products over the pivotal facts, merging values where one fact's value does not matter."""
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
        # drop cubes contained in others
        cubes = {c for c in cubes if not any(o != c and all(c[k] <= o[k] for k in range(len(c))) for o in cubes)}
    parts = []
    for cube in sorted(cubes, key=repr):
        terms = []
        for k, i in enumerate(pivotal):
            path, values = open_facts[i]
            if len(cube[k]) == len(values):
                continue
            chosen = [show(values[j]) for j in sorted(cube[k])]
            terms.append(f"{path} = {chosen[0]}" if len(chosen) == 1 else f"{path} in {{{', '.join(chosen)}}}")
        parts.append(" and ".join(terms) or "always")
    return " or ".join(f"({p})" if " and " in p and len(parts) > 1 else p for p in parts)
