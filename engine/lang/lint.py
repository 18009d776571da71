"""Warnings for mistakes that are not errors: a misspelt name that still parses and checks.

`obliged S to asist V` is a valid rule: it concludes a duty to `asist` that no
query and no invariant ever reads. A name that occurs once in the whole rule
set and is close to a name used elsewhere is most likely such a slip:

- W203: an action used by only one rule (or invariant), close to another action;
- W204: a name in an argument that occurs once, close to an organization's name;
- W205: an assumption that no rule reads, with a did-you-mean to one that is read.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from typing import Iterable

from engine.diagnostics import Diagnostic, Span
from engine.lang import ast
from engine.lang.ast import atoms

CUTOFF = 0.8  # difflib's ratio: `asist`/`assist` 0.91, `consult`/`comply` 0.46


def _close(name: str, candidates: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(name, sorted(set(candidates) - {name}), n=1, cutoff=CUTOFF)
    return found[0] if found else None


def conditions(decl) -> list:
    """The conditions of a declaration, in the order they are written."""
    if isinstance(decl, ast.Rule):
        return [decl.when, decl.until, decl.unless, decl.quantifier.where if decl.quantifier else None]
    if isinstance(decl, ast.Definition):
        return [decl.when]
    if isinstance(decl, ast.Procedure):
        return list(decl.requires)
    if isinstance(decl, ast.Invariant):
        return [decl.cond]
    return []


def _label(decl) -> str:
    kind = type(decl).__name__.lower()
    return f"{kind} {decl.regime}.{decl.name}" if getattr(decl, "regime", "") else f"{kind} {decl.name}"


def lint(program: ast.Program, organizations: Iterable[str] | None = None) -> list[Diagnostic]:
    decls = list(program.declarations())
    out: list[Diagnostic] = []

    # --- actions: concluded by rules, read by invariants through obliged(S, ACTION, ...)
    users: dict[str, set[str]] = defaultdict(set)
    places: dict[str, list[tuple[Span, str]]] = defaultdict(list)
    for d in decls:
        if isinstance(d, ast.Rule):
            for c in d.conclusions:
                users[c.action].add(_label(d))
                places[c.action].append((c.span, _label(d)))
        for cond in conditions(d):
            for atom, _ in atoms(cond):
                if atom.pred in ast.MODALITIES:
                    arg = next((a for i, a in enumerate(atom.args)
                                if a.name == "action" or (a.name is None and i == 1)), None)
                    if arg is not None and isinstance(arg.term, ast.Const) and arg.term.kind == "name":
                        users[str(arg.term.value)].add(_label(d))
                        places[str(arg.term.value)].append((arg.term.span, _label(d)))
    for action, who in sorted(users.items()):
        if len(who) != 1:
            continue
        near = _close(action, users)
        if near is not None:
            span, label = places[action][0]
            out.append(Diagnostic("W203", f"action '{action}' is used only by {label}", span, severity="warning",
                                  hint=f"did you mean '{near}'? ({len(users[near])} declaration(s) use it)"))

    # --- organizations: a name written once, close to an organization with membership data
    known = set(organizations or ())
    for d in decls:
        for attr in ("parties", "body", "veto"):
            if isinstance(getattr(d, attr, None), str):
                known.add(getattr(d, attr))
        if isinstance(d, ast.Rule) and d.quantifier is not None:
            known.add(d.quantifier.organization)
    names: dict[str, list[Span]] = defaultdict(list)
    for d in decls:
        for cond in conditions(d):
            for atom, _ in atoms(cond):
                if atom.pred == "assumed":
                    continue
                for a in atom.args:
                    if isinstance(a.term, ast.Const) and a.term.kind == "name":
                        names[str(a.term.value)].append(a.term.span)
    for name, spans in sorted(names.items()):
        if name in known or len(spans) != 1:
            continue
        near = _close(name, known)
        if near is not None:
            out.append(Diagnostic("W204", f"'{name}' occurs only here and is not an organization", spans[0],
                                  severity="warning", hint=f"did you mean '{near}'?"))

    # --- assumptions: declared, never read
    declared = {d.name: d for d in decls if isinstance(d, ast.Assumption)}
    read: set[str] = set()
    for d in decls:
        for cond in conditions(d):
            for atom, _ in atoms(cond):
                if atom.pred == "assumed" and atom.args and isinstance(atom.args[0].term, ast.Const):
                    read.add(str(atom.args[0].term.value))
    for name, d in sorted(declared.items()):
        if name not in read:
            near = _close(name, read)
            out.append(Diagnostic("W205", f"assumption '{name}' is read by no rule", d.span, severity="warning",
                                  hint=(f"did you mean '{near}'? " if near else "")
                                  + f"rules read it with assumed({name})"))
    return out
