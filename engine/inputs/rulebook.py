"""Loading a rule set: rule files through parse, check and compile, plus the
reference data (memberships, extra state codes) that ships beside them."""

from __future__ import annotations

import dataclasses
import functools

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from engine import cache
from engine.inputs.membership import OrganizationData
from engine.inputs.load import load_area_text, load_continuity_text, load_organization_text, load_places_text
from engine.inputs.places import Geography, Where
from engine.lang.check import check
from engine.lang.compile import Plan, compile_program
from engine.diagnostics import CasusError, Diagnostic, Span
from engine.lang.parse import parse_files, rule_files
from engine.resources import display_path, standard_rules
from engine.inputs.store import Origin, Tenure, tenure_index
from engine.inputs.texts import Texts, citation_warnings, load_texts
from engine.inputs.yamlpos import load_document


@dataclass(frozen=True)
class OrganizationRecord:
    data: OrganizationData
    file: str
    positions: dict[tuple, tuple[int, int]]


@dataclass(frozen=True)
class RuleSet:
    """Everything needed to evaluate cases: the plan and the reference data."""

    plan: Plan
    organizations: dict[str, OrganizationRecord]
    extra_states: dict[str, str] = field(default_factory=dict)
    paths: tuple[str, ...] = ()
    tenures: dict[str, tuple[Tenure, ...]] = field(default_factory=dict)  # built once, shared by every case
    texts: Texts = field(default_factory=Texts)  # the cited provisions' text (texts.yaml)
    text_warnings: tuple[Diagnostic, ...] = ()  # W206: cited provisions with no stored text
    geography: Geography = field(default_factory=Geography)  # places and treaty areas
    continuity: tuple = ()  # (state, continues, from, Origin): the same state under two codes

    @functools.cached_property
    def tenure_indexes(self) -> dict[str, tuple]:
        """The index of each organization's tenures by state, built once and shared by every case."""
        return {org: tenure_index(tenures) for org, tenures in self.tenures.items()}

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return self.plan.checked.warnings + self.text_warnings

    @property
    def sources(self) -> dict[str, str]:
        return self.plan.checked.sources


def _data_files(paths: Iterable[Path], pattern: str) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(p.rglob(pattern)))
        elif p.match(pattern):
            out.append(p)
    return out


def _extra_states(files: list[Path]) -> tuple[dict[str, str], list[Diagnostic], dict[str, str]]:
    """`states.yaml`: codes outside ISO 3166 that the reference data needs, with their names."""
    codes: dict[str, str] = {}
    diags: list[Diagnostic] = []
    sources: dict[str, str] = {}
    for f in files:
        try:
            text = f.read_text(encoding="utf-8")
            data, positions = load_document(text, str(f))
        except CasusError as err:
            diags.extend(err.diagnostics)
            sources.update(err.sources)
            continue
        except OSError as err:
            diags.append(Diagnostic("E300", f"cannot read {f}: {err}", Span(str(f), 1, 1, 1, 1)))
            continue
        sources[str(f)] = text
        entries = data.get("states") if isinstance(data, dict) else None
        if not isinstance(entries, dict):
            diags.append(Diagnostic("E303", "expected a mapping 'states: {CODE: {name: ..., source: ...}}'",
                                    Span(str(f), 1, 1, 1, 1), path="states"))
            continue
        for code, entry in entries.items():
            name = entry.get("name") if isinstance(entry, dict) else None
            if not (isinstance(code, str) and code.isupper() and 3 <= len(code) <= 4 and isinstance(name, str)):
                line, col = positions.get(("states", code), (1, 1))
                diags.append(Diagnostic("E303", f"bad state code entry '{code}'", Span(str(f), line, col, line, col + 1),
                                        hint="write CODE: {name: \"...\", source: \"...\"} with a 3-4 letter code",
                                        path=f"states.{code}"))
                continue
            codes[code] = name
    return codes, diags, sources


def load_rules(paths: Iterable[str | Path] | None = None, *, cache: bool = False, stdlib: bool = True) -> RuleSet:
    """Rule files and reference data under `paths`, on top of the standard library.

    `paths` add to the standard library (a regime of your own can read its
    predicates and memberships); with `stdlib=False` they replace it. Giving the
    standard library, or a folder inside it, again loads it once. With `cache`,
    a rule set built before from the very same files is reused (the command line
    does this; a library caller decides for itself).
    """
    roots = rule_roots(paths, stdlib=stdlib)
    if not roots:
        raise CasusError([Diagnostic("E003", "no rule files: give rule files or directories, "
                                             "or leave the standard library in", None)])
    _check_roots(roots)
    if cache:
        return _cached(roots)
    return _build(roots)


def rule_roots(paths: Iterable[str | Path] | None = None, *, stdlib: bool = True) -> list[Path]:
    """The files and folders a rule set is read from: the standard library (unless
    `stdlib` is false) and `paths`, each once; a path inside another is left out."""
    given = [Path(p) for p in paths or ()]
    roots = ([standard_rules()] if stdlib else []) + given

    def resolved(p: Path) -> Path:
        try:
            return p.resolve()
        except OSError:
            return p.absolute()

    keyed = [(resolved(p), p) for p in roots]
    out: list[Path] = []
    for i, (key, p) in enumerate(keyed):
        inside = any(other != key and other in key.parents for other, _ in keyed)
        repeated = any(k == key for k, _ in keyed[:i])
        if not inside and not repeated:
            out.append(p)
    return out


def _load(roots: list[Path]) -> RuleSet:
    _check_roots(roots)
    return _build(roots)


def _check_roots(roots: list[Path]) -> None:
    """Every root exists and is a rule file or a folder; checked before the cache is asked."""
    missing = [p for p in roots if not p.exists()]
    if missing:
        raise CasusError([Diagnostic("E003", f"no such rule file or directory: {p}", Span(str(p), 1, 1, 1, 1),
                                     hint="give a .casus file or a directory of them") for p in missing])
    for p in roots:
        if p.is_file() and p.suffix != ".casus":
            raise CasusError([Diagnostic("E003", f"not a rule file: {p}", Span(str(p), 1, 1, 1, 1),
                                         hint="rule files end in .casus; give the file or its directory")])
    if not rule_files(roots):
        raise CasusError([Diagnostic("E003", f"no .casus rule files under {', '.join(map(str, roots))}", None)])


def _read(f: Path, loader, extra: dict[str, str], diags: list[Diagnostic], sources: dict[str, str]):
    """One reference-data file through its model's `loader`: (model, positions), or (None, None) with the
    problem added to `diags` — so that every file's problems are reported together."""
    try:
        text = f.read_text(encoding="utf-8")
        model, positions = loader(text, display_path(f), extra_states=extra)
    except CasusError as err:
        diags.extend(err.diagnostics)
        sources.update(err.sources)
        return None, None
    except (OSError, UnicodeDecodeError) as err:
        diags.append(Diagnostic("E300", f"cannot read {display_path(f)}: {err}", Span(display_path(f), 1, 1, 1, 1)))
        return None, None
    sources[display_path(f)] = text
    return model, positions


def _build(roots: list[Path]) -> RuleSet:

    extra, diags, sources = _extra_states(_data_files(roots, "states.yaml"))
    organizations: dict[str, OrganizationRecord] = {}
    for f in _data_files(roots, "*.org.yaml"):
        data, positions = _read(f, load_organization_text, extra, diags, sources)
        if data is None:
            continue
        if data.organization in organizations:
            first = organizations[data.organization].file
            diags.append(Diagnostic("E304", f"membership of '{data.organization}' is given again (first in {first})",
                                    Span(str(f), 1, 1, 1, 1)))
            continue
        organizations[data.organization] = OrganizationRecord(data, display_path(f), positions)
    texts, text_diags, text_sources = load_texts(_data_files(roots, "texts.yaml"), display_path)
    diags.extend(text_diags)
    sources.update(text_sources)
    geography = _geography(roots, extra, diags, sources)
    continuity = []
    for f in _data_files(roots, "continuity.yaml"):
        data, positions = _read(f, load_continuity_text, extra, diags, sources)
        if data is None:
            continue
        for i, c in enumerate(data.continuity):
            line, col = positions.get(("continuity", i), (1, 1))
            continuity.append((c.state, c.continues, c.from_,
                               Origin(display_path(f), line, col, f"continuity[{i}]", c.source)))
    try:
        program = parse_files(roots)
    except CasusError as err:
        raise CasusError([*diags, *err.diagnostics], {**sources, **err.sources}) from None
    if diags:
        raise CasusError(diags, {**sources, **dict(program.sources)})
    checked = check(program, organizations=set(organizations), areas=set(geography.areas))
    unknown = [Diagnostic("E305", f"membership of {m.state} in '{org}' names unknown assumption '{m.assumption}'",
                          Span(r.file, *r.positions.get(("members", i), (1, 1)), *r.positions.get(("members", i), (1, 1))),
                          path=f"members[{i}].assumption", hint="declare it: assumption NAME \"...\" cites \"...\" default false")
               for org, r in organizations.items() for i, m in enumerate(r.data.members)
               if m.assumption is not None and m.assumption not in checked.assumptions]
    if unknown:
        raise CasusError(unknown, {**sources, **dict(program.sources)})
    # an assumption a membership entry depends on is read, by the reference data (W205 is for rules alone)
    in_data = {m.assumption for r in organizations.values() for m in r.data.members if m.assumption}
    unread = {f"assumption '{name}' is read by no rule" for name in in_data}
    if unread:
        checked = dataclasses.replace(checked, warnings=tuple(
            w for w in checked.warnings if not (w.code == "W205" and w.message in unread)))
    plan = compile_program(checked)
    organizations = dict(sorted(organizations.items()))
    return RuleSet(plan, organizations, extra, tuple(str(p) for p in roots), _tenures(organizations), texts=texts,
                   text_warnings=tuple(citation_warnings(program.declarations(), texts)), geography=geography,
                   continuity=tuple(continuity))


def _geography(roots: list[Path], extra: dict[str, str], diags: list[Diagnostic], sources: dict[str, str]) -> Geography:
    """`places.yaml` and every `*.area.yaml` under the roots; problems are added to `diags`."""
    places, aliases, areas, where = {}, {}, {}, {}
    read = functools.partial(_read, extra=extra, diags=diags, sources=sources)
    for f in _data_files(roots, "places.yaml"):
        data, positions = read(f, load_places_text)
        if data is None:
            continue
        for i, p in enumerate(data.places):
            if p.id in places or p.id in aliases:
                line, col = positions.get(("places", i), (1, 1))
                diags.append(Diagnostic("E304", f"place '{p.id}' is given again", Span(display_path(f), line, col, line, col)))
                continue
            places[p.id] = p
            for a in p.aliases:
                aliases[a] = p.id
            line, col = positions.get(("places", i), (1, 1))
            where[("place", p.id)] = Where(display_path(f), line, col, f"places[{i}]", p.source)
            for j, s in enumerate(p.sovereign):
                line, col = positions.get(("places", i, "sovereign", j), (line, col))
                where[("place", p.id, "sovereign", j)] = Where(display_path(f), line, col,
                                                               f"places[{i}].sovereign[{j}]", s.source or p.source)
            for j, o in enumerate(p.occupied):
                line, col = positions.get(("places", i, "occupied", j), (line, col))
                where[("place", p.id, "occupied", j)] = Where(display_path(f), line, col,
                                                              f"places[{i}].occupied[{j}]", o.source or p.source)
    for f in _data_files(roots, "*.area.yaml"):
        data, positions = read(f, load_area_text)
        if data is None:
            continue
        if data.area in areas:
            diags.append(Diagnostic("E304", f"area '{data.area}' is given again", Span(display_path(f), 1, 1, 1, 1)))
            continue
        areas[data.area] = data
        for i, e in enumerate(data.includes):
            line, col = positions.get(("includes", i), (1, 1))
            where[("area", data.area, "includes", i)] = Where(display_path(f), line, col, f"{data.area}.includes[{i}]",
                                                              e.source or data.source)
    geography = Geography(places, aliases, areas, where)
    for name, data in areas.items():  # every place an area names must be known
        for key in ("includes", "excludes"):
            for i, e in enumerate(getattr(data, key)):
                if e.place is not None and e.place not in places and e.place not in aliases \
                        and not (e.place.isupper() and len(e.place) == 3):
                    diags.append(Diagnostic("E303", f"area '{name}': unknown place '{e.place}'", None,
                                            path=f"{key}[{i}].place", hint="add it to rules/places.yaml"))
                if e.area is not None and e.area not in areas:
                    diags.append(Diagnostic("E303", f"area '{name}': unknown area '{e.area}'", None,
                                            path=f"{key}[{i}].area"))
    return geography


def _tenures(organizations: dict[str, OrganizationRecord]) -> dict[str, tuple[Tenure, ...]]:
    out = {}
    for org, record in organizations.items():
        out[org] = tuple(
            Tenure(m.state, org, m.from_, m.until,
                   Origin(record.file, pos[0], pos[1], f"members[{i}]", m.source or record.data.source)
                   if (pos := record.positions.get(("members", i))) else None, m.note, m.assumption)
            for i, m in enumerate(record.data.members))
    return out


# ------------------------------------------------------------------ cache
# Parsing and validating the standard library takes most of a command's time;
# the result is kept in casus's private, authenticated cache (engine/cache.py),
# named after a SHA-256 of the engine's version and of every input file's name
# (as messages show it) and bytes, so any edit builds it afresh, whatever the
# file's size or modification time. A key computed again after the build must
# match, or the result is not kept (a file changed while it was read).


def _fingerprint(roots: list[Path]) -> str:
    parts: list[bytes | str] = [cache.engine_version()]
    for root in roots:
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for f in files:
            if f.suffix in (".casus", ".yaml", ".yml") and f.is_file():
                parts += [display_path(f), f.read_bytes()]
    return cache.digest(*parts)


def _cached(roots: list[Path]) -> RuleSet:
    if cache.private_dir() is None:
        return _load(roots)
    try:
        key = _fingerprint(roots)
    except (OSError, ValueError):
        return _load(roots)
    name = f"rules-{key[:40]}.pickle"
    found = cache.load(name)
    if isinstance(found, RuleSet):
        return found
    rules = _load(roots)
    try:
        unchanged = _fingerprint(roots) == key
    except (OSError, ValueError):
        unchanged = False
    if unchanged:
        cache.store(name, rules)
    return rules
