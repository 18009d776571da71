"""Explore: evaluate a case under every assignment of its open facts, and say which facts decide what.

Open facts that no rule can read (by the vocabulary registry's account of which
field feeds which predicate or attribute) are not enumerated.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import random
import typing
from dataclasses import dataclass

from engine.diagnostics import CasusError, Diagnostic, format_path, show
from engine.inputs.load import Case
from engine.inputs.rulebook import RuleSet
from engine.inputs.yamlpos import load_document
from engine.lang import ast
from engine.report import json as report_json
from engine.report import text as report_text
from pydantic import ValidationError

from engine.inputs.casefile import CaseFile
from engine.inputs.facts import build_facts
from engine.run.defeat import settle
from engine.run.evaluate import decided, evaluate_stratum, fire, fixpoint
from engine.run.results import Conclusion
from engine.tools.scenarios import _item_prefix, format_steps, parse_path, set_path
from engine.vocabulary import Status
from engine.vocabulary import ALWAYS_READ, PROCEDURE_PREDICATES, case_fields, reading


def _read_predicates(rules: RuleSet, procedures: bool = True) -> set[str]:
    """The predicates and `X.attr` attributes some rule, definition, invariant or (with `procedures`)
    procedure reads (attributes as `.attr`)."""
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
    if procedures and checked.procedures:
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
    variants = _Variants(base_case, rules, data)
    incremental = _Incremental(rules)
    for assignment in assignments:
        changes = [(path, values[i]) for (path, values), i in zip(open_facts, assignment)]
        try:
            variant = variants.variant(changes)
        except CasusError:
            invalid += 1
            continue
        store, _ = build_facts(variant, rules)
        db, conclusions = incremental.evaluate(store)
        holding = set()
        for c in conclusions:
            if c.status != Status.IN_FORCE:
                continue
            key = f"{c.rule}|{c.text()}"
            holding.add(key)
            rules_of[key] = c.rule
            actors[key] = c.actor
        for d in db.decisions:
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


class _Variants:
    """The case with open facts set, validated again, without reading its text again.

    The items an assignment changes (an incident, a decision, a top-level field) are changed in a
    copy of the case's data and validated again, each distinct variant of an item once; the items
    it does not change are passed to validation as the models already validated, which pydantic
    takes as they are; the case as a whole is then validated again (ids, references), without its
    `expect:` entries, which evaluation does not read.
    """

    def __init__(self, case: Case, rules: RuleSet, data: dict):
        self.case = case
        self.context = {"extra_states": frozenset(rules.extra_states)}
        self.data = {k: v for k, v in data.items() if k not in ("expect", "unknown")}
        model = case.model.model_copy(update={"expect": (), "unknown": ()})
        self.base = {k: (list(getattr(model, k)) if isinstance(getattr(model, k), tuple)
                         and k in self.data and isinstance(self.data[k], list) else self.data[k])
                     for k in self.data}
        self.items: dict[tuple, object] = {}
        self.prefixes: dict[str, tuple] = {}

    def variant(self, changes: list[tuple[str, object]]) -> Case:
        groups: dict[tuple, list[tuple[str, object]]] = {}
        for path, value in changes:
            prefix = self.prefixes.get(path)
            if prefix is None:
                prefix = self.prefixes[path] = _item_prefix(self.data, path)
            groups.setdefault(prefix, []).append((path, value))
        data = dict(self.base)
        for prefix, group in groups.items():
            if len(prefix) == 2 and isinstance(self.data.get(prefix[0]), list) and isinstance(prefix[1], int):
                section, index = prefix
                key = (prefix, tuple((p, repr(v)) for p, v in group))
                item = self.items.get(key)
                if item is None:
                    raw = {section: [copy.deepcopy(self.data[section][index])]}
                    for path, value in group:
                        steps = parse_path(path)
                        set_path(raw, format_steps([section, 0, *steps[2:]]), value)
                    item = self.items[key] = self._validate_item(section, raw[section][0], path)
                data[section] = list(data[section]) if data[section] is self.base[section] else data[section]
                data[section][index] = item
            else:
                top = prefix[0] if prefix else None
                raw = {top: copy.deepcopy(self.data.get(top))} if top is not None else {}
                for path, value in group:
                    set_path(raw, path, value)
                data.update(raw)
        try:
            model = CaseFile.model_validate(data, context=self.context)
        except ValidationError as err:
            raise CasusError([Diagnostic("E602", f"unknown: {format_path(e['loc'])}: {e['msg']}", None,
                                         path=format_path(e["loc"])) for e in err.errors()]) from None
        # what changed no longer stands where the file says: cite the item that holds it instead
        touched = list(groups)
        positions = {p: at for p, at in self.case.positions.items()
                     if not any(len(p) > len(t) and p[:len(t)] == t for t in touched)}
        return Case(self.case.file, self.case.text, model, positions, self.case.key_positions)

    def _validate_item(self, section: str, raw: dict, path: str):
        annotation = CaseFile.model_fields[section].annotation
        item_model = typing.get_args(annotation)[0]
        try:
            return item_model.model_validate(raw, context=self.context)
        except ValidationError as err:
            raise CasusError([Diagnostic("E602", f"unknown: {path}: {e['msg']}", None, path=path)
                              for e in err.errors()]) from None


class _Incremental:
    """Evaluation of many variants of one case, deriving again only what their changed facts reach.

    The first variant is evaluated in full and kept as the reference. For each later one, the
    case predicates and attributes whose facts differ from the reference's (after voting) are
    dirty. A stratum of definitions that reads nothing dirty is shared with the reference; one
    that does is derived again unless an earlier variant had the same facts in everything dirty
    it reads, whose derived facts it then shares; its predicates are dirty from then on. Deontic
    rules likewise: conclusions of a rule that reads nothing dirty, or the same dirty facts as an
    earlier variant, are copied, and defeat is settled again over all of them. Invariants are not
    checked: exploring reads only the conclusions in force and the decisions. A change to the
    memberships or to the evaluation date makes every variant a full evaluation.
    """

    def __init__(self, rules: RuleSet):
        self.plan = rules.plan
        self.reads, self.strata, self.rule_reads = _dependencies(self.plan)
        self.ref = None
        self.ref_fired: dict[str, list[Conclusion]] = {}
        self.strata_memo: dict[tuple, dict] = {}
        self.rules_memo: dict[tuple, list[Conclusion]] = {}
        self.settled: dict[tuple, list[Conclusion]] = {}

    def evaluate(self, store) -> tuple:
        db = decided(self.plan, store)
        if self.ref is None or db.store.tenures != self.ref.store.tenures or db.as_of != self.ref.as_of:
            first = self.ref is None
            fixpoint(db)
            fired = fire(db)
            if first:
                self.ref = db
                for c in fired:
                    self.ref_fired.setdefault(c.rule, []).append(_fresh(c))
            settle(db, fired)
            return db, fired
        dirty = self._changed(db)
        contents: dict[str, object] = {}

        def key(reads: set[str]) -> tuple:
            out = []
            for item in sorted(reads & dirty):
                if item not in contents:
                    contents[item] = _content(db, item)
                out.append((item, contents[item]))
            return tuple(out)

        for i, (clauses, preds, reads) in enumerate(self.strata):
            if not reads & dirty:
                for p in preds:
                    rel = self.ref.relations.get(p)
                    if rel is not None:
                        db.relations[p] = rel
                continue
            k = (i, key(reads))
            hit = self.strata_memo.get(k)
            if hit is None:
                evaluate_stratum(db, clauses)
                self.strata_memo[k] = {p: db.relations[p] for p in preds if p in db.relations}
            else:
                db.relations.update(hit)
            dirty |= preds
        by_rule: dict[str, list[Conclusion]] = {}  # as fired, before defeat: never changed
        missing: dict[str, tuple] = {}
        for name, reads in self.rule_reads.items():
            if not reads & dirty:
                by_rule[name] = self.ref_fired.get(name, [])
                continue
            k = (name, key(reads))
            hit = self.rules_memo.get(k)
            if hit is None:
                missing[name] = k
                by_rule[name] = []
            else:
                by_rule[name] = hit
        if missing:
            for c in fire(db, set(missing)):
                by_rule[c.rule].append(c)
            for name, k in missing.items():
                self.rules_memo[k] = by_rule[name]
        # defeat depends only on what fired: the same conclusions as an earlier variant, the same outcome
        outcome = tuple((name, _signature(conclusions)) for name, conclusions in sorted(by_rule.items())
                        if conclusions)
        settled = self.settled.get(outcome)
        if settled is None:
            fired = [_fresh(c) for conclusions in by_rule.values() for c in conclusions]
            settle(db, fired)
            settled = self.settled[outcome] = fired
        return db, settled

    def _changed(self, db) -> set[str]:
        """Case predicates (after voting) and attributes whose facts differ from the reference's."""
        ref = self.ref
        dirty: set[str] = set()
        for pred in set(db.relations) | {p for p in ref.relations if p not in self.reads}:
            if pred in self.reads:
                continue
            mine, theirs = db.relations.get(pred), ref.relations.get(pred)
            if (mine.rows if mine is not None else set()) != (theirs.rows if theirs is not None else set()):
                dirty.add(pred)
        mine, theirs = db.store.attributes, ref.store.attributes
        for entity in set(mine) | set(theirs):
            a, b = mine.get(entity, {}), theirs.get(entity, {})
            if a != b:
                dirty |= {"." + k for k in set(a) | set(b) if a.get(k) != b.get(k)}
        return dirty


def _signature(conclusions: list[Conclusion]) -> tuple:
    """What defeat reads of a rule's conclusions as fired."""
    return tuple((c.modality, c.act, c.prep, c.status) for c in conclusions)


def _content(db, item: str):
    """The facts of a predicate, or the values of an attribute, in a hashable form."""
    if item.startswith("."):
        attr = item[1:]
        return repr(sorted((e, repr(v[attr])) for e, v in db.store.attributes.items() if attr in v))
    rel = db.relations.get(item)
    return frozenset(rel.rows) if rel is not None else frozenset()


_DEPENDENCIES: dict[int, tuple] = {}  # id(plan) -> (plan, what its parts read), for a few plans


def _dependencies(plan) -> tuple:
    """What each definition, stratum and rule of a plan reads (computed once per plan)."""
    hit = _DEPENDENCIES.get(id(plan))
    if hit is not None and hit[0] is plan:
        return hit[1]
    checked = plan.checked
    reads: dict[str, set[str]] = {}  # defined predicate -> what its definitions read
    for name, defs in checked.definitions.items():
        reads[name] = set().union(*(_reads(d) for d in defs))
    strata = [(clauses, {c.definition.name for c in clauses},
               set().union(*(reads[c.definition.name] for c in clauses))) for clauses in plan.strata]
    rule_reads = {r.rule.qualname: _reads(r.rule) for r in plan.rules}
    if len(_DEPENDENCIES) >= 8:
        _DEPENDENCIES.clear()
    _DEPENDENCIES[id(plan)] = (plan, (reads, strata, rule_reads))
    return reads, strata, rule_reads


def _reads(node) -> set[str]:
    """The predicates and `.attr` attributes a declaration reads."""
    out: set[str] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Atom):
            out.add(n.pred)
        elif isinstance(n, ast.Attr):
            out.add("." + n.attr)
        elif isinstance(n, ast.Quantifier):
            out.add("member")
    return out


def _fresh(c: Conclusion) -> Conclusion:
    """A copy of a conclusion as fired, before defeat is settled."""
    return dataclasses.replace(c, defeated_by=list(c.defeated_by), defeats=list(c.defeats),
                               conflicts_with=list(c.conflicts_with))


def _pivotal(truth: dict[tuple, bool], n: int) -> list[int]:
    """Open facts whose value alone, the others fixed, can flip the outcome.

    Fact i is pivotal iff two assignments that differ only in fact i have different outcomes:
    grouping the assignments by their other facts finds that in one pass per fact.
    """
    out = []
    for i in range(n):
        seen: dict[tuple, bool] = {}
        for a, value in truth.items():
            rest = a[:i] + a[i + 1:]
            other = seen.setdefault(rest, value)
            if other != value:
                out.append(i)
                break
    return out


def _maximal(cubes: list[tuple], merged: set[tuple], masks: dict[tuple, int], bits: int) -> set[tuple]:
    """The cubes not contained in another (only a cube of `merged` can newly contain one).

    For each value bit, the set of cubes that have it, as an integer with one bit per cube: the
    cubes containing c are those that have every bit of c.
    """
    having = [0] * bits
    for i, c in enumerate(cubes):
        m = masks[c]
        while m:
            low = m & -m
            having[low.bit_length() - 1] |= 1 << i
            m ^= low
    fresh = 0
    for i, c in enumerate(cubes):
        if c in merged:
            fresh |= 1 << i
    out = set()
    for i, c in enumerate(cubes):
        candidates = (~0 if c in merged else fresh) & ~(1 << i)
        m = masks[c]
        while m and candidates:
            low = m & -m
            candidates &= having[low.bit_length() - 1]
            m ^= low
        if not candidates:
            out.add(c)
    return out


def _condition(truth: dict[tuple, bool], pivotal: list[int], open_facts) -> str:
    """A short sum of products over the pivotal facts, merging values where one fact's value does not matter.

    Each round merges every two cubes that differ in one fact only (found by grouping the cubes by
    their other facts), then drops the cubes contained in others (only a cube merged in this round
    can newly contain another).
    """
    if all(truth.values()):
        return "always"
    if not pivotal:
        return "never" if not any(truth.values()) else "(no single fact decides it in the sample)"
    cubes = {tuple(frozenset([a[i]]) for i in pivotal) for a, v in truth.items() if v}
    width = len(pivotal)
    offsets = list(itertools.accumulate((len(open_facts[i][1]) for i in pivotal), initial=0))
    masks: dict[tuple, int] = {}  # a cube as bits, one per value of each pivotal fact: subsets are masks
    while True:
        merged: set[tuple] = set()
        used: set[tuple] = set()
        for k in range(width):
            groups: dict[tuple, list[tuple]] = {}
            for c in cubes:
                groups.setdefault(c[:k] + c[k + 1:], []).append(c)
            for group in groups.values():
                for x, y in itertools.combinations(group, 2):
                    used.add(x)
                    used.add(y)
                    merged.add(x[:k] + (x[k] | y[k],) + x[k + 1:])
        if not merged:
            break
        cubes = (cubes - used) | merged
        for c in cubes:
            if c not in masks:
                masks[c] = sum(1 << (offsets[k] + v) for k in range(width) for v in c[k])
        cubes = _maximal(list(cubes), merged, masks, offsets[-1])
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
