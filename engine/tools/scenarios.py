"""Hypotheticals: what changes when a fact changes, and what open facts decide.

A scenario is the case file's own data with some field paths set to other
values, validated again as a case; so a what-if is exactly a case the user
could have written, and every conclusion keeps its proof.
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from pydantic import ValidationError

from engine.inputs.load import Case
from engine.inputs.casefile import CaseFile
from engine.diagnostics import format_path
from engine.inputs.states import normalize_state
from engine.lang.check import atoms
from engine.diagnostics import CasusError, Diagnostic, clip_message, did_you_mean
from engine.limits import clip
from engine.run.results import IN_FORCE, Conclusion, Result, show
from engine.inputs.rulebook import RuleSet
from engine.inputs.yamlpos import load_document

_STEP = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_\-]*)|\[([^\]]+)\]")


# -------------------------------------------------------------------- paths


def parse_path(text: str) -> list[str | int]:
    """`decisions[draft].votes.RUS` -> ['decisions', 'draft', 'votes', 'RUS']; `[0]` -> 0."""
    steps: list[str | int] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _STEP.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"cannot read the path at '{text[pos:]}'")
        key = m.group(1) if m.group(1) is not None else m.group(2).strip().strip("'\"")
        steps.append(int(key) if key.isdigit() else key)
        pos = m.end()
    if not steps:
        raise ValueError("empty path")
    return steps


def _locate_step(container, step):
    """The key or index of `step` in a mapping or list; list items may be named by id."""
    if isinstance(container, dict):
        if step in container:
            return step
        if isinstance(step, str):
            code = normalize_state(step)
            if code and code in container:
                return code
        return None
    if isinstance(container, list):
        if isinstance(step, int):
            return step if 0 <= step < len(container) else None
        for i, item in enumerate(container):
            if isinstance(item, dict) and item.get("id") == step:
                return i
    return None


def _votes_as_mapping(votes) -> dict | Any:
    """List-form votes (`yes: [USA]`) as a state -> vote mapping, so one vote can be set."""
    if isinstance(votes, dict) and votes and all(k in ("yes", "no", "abstain", "absent") and isinstance(v, list)
                                                 for k, v in votes.items()):
        return {(normalize_state(str(s)) or str(s)): k for k, v in votes.items() for s in v}
    return votes


def set_path(data: dict, path: str, value: Any) -> None:
    """Set (or, with None, remove) the value at a field path of raw case data."""
    try:
        steps = parse_path(path)
    except ValueError as err:
        raise _bad(path, str(err), "write a path like decisions[draft].votes.RUS or incidents[0].scale")
    node: Any = data
    for i, step in enumerate(steps):
        last = i == len(steps) - 1
        in_votes = i > 0 and steps[i - 1] == "votes"
        key = _locate_step(node, step)
        if key is None and isinstance(node, dict) and last:
            key = (normalize_state(step) or step) if in_votes and isinstance(step, str) else step
        if key is None:
            if isinstance(node, dict):
                options = [str(k) for k in node]
            elif isinstance(node, list):
                options = [str(x.get("id", j)) if isinstance(x, dict) else str(j) for j, x in enumerate(node)]
            else:
                options = []
            shown = format_path(steps[:i]) or "the case"
            raise _bad(path, f"{shown} has no '{step}'",
                       did_you_mean(str(step), options) or (f"it has: {', '.join(options)}" if options else None))
        if last:
            if value is None and isinstance(node, dict):
                node.pop(key, None)
            else:
                node[key] = value
            return
        if key == "votes":
            node[key] = _votes_as_mapping(node[key])
        node = node[key]


def _bad(path: str, message: str, hint: str | None = None) -> CasusError:
    return CasusError([Diagnostic("E601", f"--set {path}: {message}", None, hint=hint, path=path)])


def parse_value(text: str) -> Any:
    """A value as YAML would read it in a case file (`abstain`, `2026-04-01`, `[USA, GBR]`, `null`)."""
    try:
        data, _ = load_document(f"value: {text}", "<value>")
    except CasusError as err:
        d = err.diagnostics[0]
        column = max(1, (d.span.column if d.span else 1) - len("value: "))
        raise CasusError([Diagnostic("E600", f"invalid value {clip(text)!r} at column {column}: {d.message}", None,
                                     hint="quote a value that is meant as text, e.g. 'a: b'")]) from None
    return data["value"]


def with_changes(case: Case, rules: RuleSet, changes: Iterable[tuple[str, Any]], label: str = "--set") -> Case:
    """The case with field paths set to other values, validated again."""
    data, _ = load_document(case.text, case.file)
    touched: list[tuple] = []
    for path, value in changes:
        set_path(data, path, value)
        touched.append(_item_prefix(data, path))
    try:
        model = CaseFile.model_validate(data, context={"extra_states": frozenset(rules.extra_states)})
    except ValidationError as err:
        diags = [Diagnostic("E602", clip_message(f"{label}: {format_path(_shown(e['loc']))}: {e['msg']}"), None,
                            path=format_path(_shown(e["loc"]))) for e in err.errors()]
        raise CasusError(list(dict.fromkeys(diags))) from None
    # what changed no longer stands where the file says: cite the item that holds it instead
    positions = {p: at for p, at in case.positions.items()
                 if not any(len(p) > len(t) and p[:len(t)] == t for t in touched)}
    return Case(case.file, case.text, model, positions, case.key_positions)


def _shown(loc) -> tuple:
    """A validation error's field path without the internal tags of union branches (`_t_...`)."""
    return tuple(p for p in loc if not (isinstance(p, str) and p.startswith("_t_")))


def _item_prefix(data: dict, path: str) -> tuple:
    """The position key of the list item (or top-level field) a path changes, e.g. ('decisions', 0)."""
    steps = parse_path(path)
    node: Any = data
    out: list = []
    for step in steps[:2]:
        key = _locate_step(node, step)
        if key is None:
            break
        out.append(key)
        node = node[key]
    return tuple(out)


def parse_settings(items: Iterable[str]) -> list[tuple[str, Any]]:
    out = []
    for item in items:
        path, sep, value = item.partition("=")
        if not sep or not path.strip():
            raise CasusError([Diagnostic("E600", f"--set takes PATH=VALUE, got '{item}'", None,
                                         hint="e.g. --set decisions[draft].votes.RUS=abstain")])
        try:
            out.append((path.strip(), parse_value(value.strip())))
        except CasusError as err:
            d = err.diagnostics[0]
            raise CasusError([Diagnostic(d.code, f"--set {path.strip()}: {d.message}", None, hint=d.hint,
                                         path=path.strip())]) from None
    return out


# --------------------------------------------------------------------- diff


def _key(c: Conclusion) -> tuple:
    return (c.rule, c.modality, c.actor, c.action, c.object, c.counterparty)


@dataclass
class Diff:
    """What changes between two results of the same rules."""

    before: Result
    after: Result
    gained: list[Conclusion] = field(default_factory=list)  # in force after, not before
    lost: list[Conclusion] = field(default_factory=list)  # in force before, not after
    changed: list[tuple[Conclusion | None, Conclusion | None]] = field(default_factory=list)  # other status changes
    decisions: list[tuple[str, bool | None, bool | None]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.gained or self.lost or self.changed or self.decisions)

    def explain(self) -> str:
        from engine.report.text import explain_conclusion, explain_query

        lines = []
        for d, a, b in self.decisions:
            lines.append(f"decision {d}: {_adopted(a)} -> {_adopted(b)}")
        if self.decisions:
            lines.append("")
        for title, items, result in (("New conclusions", self.gained, self.after),
                                     ("Lost conclusions", self.lost, self.before)):
            if not items:
                continue
            lines.append(f"{title} ({len(items)})")
            for c in items:
                lines.append("")
                lines.append(explain_conclusion(c))
                if result is self.before:
                    lines.append("")
                    lines.append("  and now: " + explain_query(self.after, c.text()).replace("\n", "\n  "))
            lines.append("")
        if self.changed:
            lines.append(f"Other changes of status ({len(self.changed)})")
            for a, b in self.changed:
                c = a or b
                lines.append(f"  {c.text()}  [{c.rule}]: {a.status if a else 'absent'} -> {b.status if b else 'absent'}")
        return "\n".join(lines).rstrip() or "No conclusion changes."

    def to_json(self) -> dict:
        return {
            "decisions": [{"decision": d, "before": a, "after": b} for d, a, b in self.decisions],
            "gained": [c.to_json() for c in self.gained],
            "lost": [c.to_json() for c in self.lost],
            "changed": [{"conclusion": (a or b).text(), "rule": (a or b).rule,
                         "before": a.status if a else None, "after": b.status if b else None}
                        for a, b in self.changed],
        }


def _adopted(value: bool | None) -> str:
    return "unknown" if value is None else "adopted" if value else "not adopted"


def diff(before: Result, after: Result) -> Diff:
    a = {_key(c): c for c in before.conclusions}
    b = {_key(c): c for c in after.conclusions}
    out = Diff(before, after)
    for key in sorted(set(a) | set(b), key=repr):
        x, y = a.get(key), b.get(key)
        was, now = (x is not None and x.status == IN_FORCE), (y is not None and y.status == IN_FORCE)
        if now and not was:
            out.gained.append(y)
        elif was and not now:
            out.lost.append(x)
        elif (x.status if x else None) != (y.status if y else None):
            out.changed.append((x, y))
    da = {d.decision: d.adopted for d in before.decisions}
    db = {d.decision: d.adopted for d in after.decisions}
    for d in sorted(set(da) | set(db)):
        if da.get(d) != db.get(d):
            out.decisions.append((d, da.get(d), db.get(d)))
    return out


# ------------------------------------------------------------------ explore

# Which predicate each field of a case feeds, to skip open facts no rule reads.
_FIELD_PREDICATES = {
    "incidents": {"kind": "incident", "date": "incident", "author": "incident", "victim": "incident",
                  "location": "incident", "scale": "incident", "attribution": "incident", "effects": "effect"},
    "decisions": {"organ": "decision", "date": "decision", "matter": "decision", "votes": "vote",
                  "procedure": "decision", "adopted": "decision", "concerns": "concerns",
                  "parties_to_dispute": "vote", "content": "*"},
    "requests": {f: "request" for f in ("by", "to", "kind", "date", "about")},
    "reports": {f: "report" for f in ("by", "to", "date", "article", "about")},
    "claims": {f: "claim" for f in ("by", "kind", "date", "about")},
}


def _read_predicates(rules: RuleSet) -> set[str]:
    checked = rules.plan.checked
    read: set[str] = set()
    conds = [c for r in checked.rules for c in (r.when, r.until, r.unless, getattr(r.quantifier, "where", None))]
    conds += [d.when for defs in checked.definitions.values() for d in defs]
    conds += [i.cond for i in checked.invariants]
    for cond in conds:
        read |= {a.pred for a, _ in atoms(cond)}
    if checked.procedures:
        read |= {"vote", "decision"}
    return read


def relevant(rules: RuleSet, path: str, read: set[str] | None = None) -> bool:
    """Whether any rule, definition, invariant or procedure can read the fact at `path`."""
    steps = parse_path(path)
    if steps[0] in ("as_of", "states", "organizations", "assumptions"):
        return True
    fields = _FIELD_PREDICATES.get(steps[0])
    if fields is None:
        return False
    name = next((s for s in steps[1:] if isinstance(s, str) and s in fields), None)
    if name is None:
        return len(steps) <= 2  # a whole incident or decision
    pred = fields[name]
    return pred == "*" or pred in (read if read is not None else _read_predicates(rules))


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
        lines = [f"{len(self.open_facts)} open fact(s), {self.space} assignment(s); "
                 + (f"sampled {self.evaluated} at random (the space is larger than the limit)"
                    if self.sampled else f"all {self.evaluated} evaluated")]
        for path, values in self.open_facts:
            lines.append(f"  {path} in {{{', '.join(show(v) for v in values)}}}")
        for path in self.ignored:
            lines.append(f"  {path}: not read by any rule, not explored")
        if self.invalid:
            lines.append(f"  {self.invalid} assignment(s) gave an invalid case and were skipped")
        always = [o for o in self.outcomes if o.follows_in == o.total]
        contingent = [o for o in self.outcomes if 0 < o.follows_in < o.total]
        lines.append("")
        lines.append(f"Decided by the open facts ({len(contingent)})")
        for group in _grouped(contingent):
            o = group[0]
            rule = f"  [{o.rule}]" if o.rule else ""
            lines.append(f"  {_group_label(group)}{rule}: follows in {o.follows_in} of {o.total}")
            lines.append(f"    pivotal: {', '.join(o.pivotal) if o.pivotal else '(none found in the sample)'}")
            lines.append(f"    follows iff {o.condition}")
        lines.append("")
        lines.append(f"Follow whatever the open facts are ({len(always)})")
        for group in _grouped(always):
            lines.append(f"  {_group_label(group)}" + (f"  [{group[0].rule}]" if group[0].rule else ""))
        if self.sampled:
            lines.append("")
            lines.append("Sampled: pivotal facts and conditions describe the sampled assignments only.")
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {
            "open_facts": [{"path": p, "values": [show(v) for v in vals]} for p, vals in self.open_facts],
            "ignored": self.ignored, "space": self.space, "evaluated": self.evaluated, "sampled": self.sampled,
            "invalid": self.invalid,
            "outcomes": [{"conclusion": o.label, "rule": o.rule, "follows_in": o.follows_in, "of": o.total,
                          "pivotal": list(o.pivotal), "condition": o.condition} for o in self.outcomes],
        }


def _grouped(outcomes: list[Outcome]) -> list[list[Outcome]]:
    """The same conclusion for many actors, under the same condition, is one line."""
    groups: dict[tuple, list[Outcome]] = {}
    for o in outcomes:
        pattern = o.label.replace(f" {o.actor} ", " * ", 1) if o.actor else o.label
        groups.setdefault((o.rule or "", pattern, o.follows_in, o.pivotal, o.condition), []).append(o)
    return [groups[k] for k in sorted(groups)]


def _group_label(group: list[Outcome]) -> str:
    o = group[0]
    if len(group) == 1 or not o.actor:
        return o.label
    actors = ", ".join(sorted(g.actor for g in group))
    return o.label.replace(f" {o.actor} ", f" each of {actors} ", 1)


def explore(rules: RuleSet, case: Case, *, limit: int = 2048, samples: int = 512, seed: int = 0,
            unknown: list[tuple[str, tuple]] | None = None) -> Exploration:
    """Evaluate the case under every assignment of its open facts (or a sample), and say what decides what."""
    from engine import evaluate

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
