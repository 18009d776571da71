"""What-if: a case with some of its facts set to other values, validated again as a case.

A scenario is the case file's own data with some field paths set to other
values, validated again as a case; so a what-if is exactly a case the user
could have written, and every conclusion keeps its proof.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from pydantic import ValidationError

from engine.diagnostics import CasusError, Diagnostic, did_you_mean, format_path
from engine.inputs.casefile import CaseFile
from engine.inputs.load import Case
from engine.diagnostics import clip_message
from engine.limits import clip
from engine.inputs.rulebook import RuleSet
from engine.inputs.states import normalize_state
from engine.inputs.yamlpos import load_document
from engine.run.results import Diff, diff

__all__ = ["parse_path", "set_path", "parse_value", "with_changes", "changed_case", "parse_settings", "Diff", "diff"]

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


_MAPPINGS = ("assumptions",)  # top-level fields that are mappings a path may add keys to
_GROWING = ("organizations",)  # top-level lists a path may add an item to, by its id


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
        if key is None and i == 0 and step in _MAPPINGS and isinstance(node, dict):
            node[step] = {}  # a case without `assumptions:` takes one
            key = step
        if key is None and i == 0 and step in _GROWING and isinstance(node, dict) and not last:
            node[step] = []  # a case without `organizations:` takes them
            key = step
        if key is None and i == 1 and steps[0] in _GROWING and isinstance(node, list) and isinstance(step, str) \
                and not last:
            node.append({"id": step})  # organizations[nato].members=...: an override of NATO's membership
            key = len(node) - 1
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
    return changed_case(case, rules, data, changes, label)


def changed_case(case: Case, rules: RuleSet, data: dict, changes: Iterable[tuple[str, Any]],
                 label: str = "--set") -> Case:
    """`with_changes` on the case's data already read (which this changes in place)."""
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


def format_steps(steps: list) -> str:
    """The path of parsed steps: ['decisions', 0, 'votes', 'RUS'] -> decisions[0].votes.RUS."""
    out = ""
    for step in steps:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


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


