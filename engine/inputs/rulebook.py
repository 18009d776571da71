"""Loading a rule set: rule files through parse, check and compile, plus the
reference data (memberships, extra state codes) that ships beside them."""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from engine.inputs.membership import OrganizationData
from engine.inputs.load import load_area_text, load_continuity_text, load_organization_text, load_places_text
from engine.inputs.places import Geography, Where
from engine.lang.check import check
from engine.lang.compile import Plan, compile_program
from engine.diagnostics import CasusError, Diagnostic, Span
from engine.lang.parse import parse_files, rule_files
from engine.resources import display_path, grammar_file, standard_rules
from engine.inputs.store import Origin, Tenure
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
    geography: Geography = field(default_factory=Geography)  # places and treaty areas
    continuity: tuple = ()  # (state, continues, from, Origin): the same state under two codes

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return self.plan.checked.warnings

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


def load_rules(paths: Iterable[str | Path] | None = None, *, cache: bool = False) -> RuleSet:
    """Rule files and reference data under `paths` (default: the standard library).

    With `cache`, a rule set built before from the very same files is reused
    (the command line does this; a library caller decides for itself).
    """
    roots = [Path(p) for p in (paths if paths is not None else [standard_rules()])]
    if cache:
        return _cached(roots)
    return _load(roots)


def _load(roots: list[Path]) -> RuleSet:
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

    extra, diags, sources = _extra_states(_data_files(roots, "states.yaml"))
    organizations: dict[str, OrganizationRecord] = {}
    for f in _data_files(roots, "*.org.yaml"):
        try:
            data, positions, text = load_organization_text(f.read_text(encoding="utf-8"), display_path(f),
                                                           extra_states=extra)
        except CasusError as err:
            diags.extend(err.diagnostics)
            sources.update(err.sources)
            continue
        except (OSError, UnicodeDecodeError) as err:
            diags.append(Diagnostic("E300", f"cannot read {display_path(f)}: {err}", Span(display_path(f), 1, 1, 1, 1)))
            continue
        if data.organization in organizations:
            first = organizations[data.organization].file
            diags.append(Diagnostic("E304", f"membership of '{data.organization}' is given again (first in {first})",
                                    Span(str(f), 1, 1, 1, 1)))
            continue
        organizations[data.organization] = OrganizationRecord(data, display_path(f), positions)
    geography = _geography(roots, extra, diags, sources)
    continuity = []
    for f in _data_files(roots, "continuity.yaml"):
        try:
            text = f.read_text(encoding="utf-8")
            data, positions = load_continuity_text(text, display_path(f), extra_states=extra)
        except CasusError as err:
            diags.extend(err.diagnostics)
            sources.update(err.sources)
            continue
        except (OSError, UnicodeDecodeError) as err:
            diags.append(Diagnostic("E300", f"cannot read {display_path(f)}: {err}", Span(display_path(f), 1, 1, 1, 1)))
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
    plan = compile_program(checked)
    organizations = dict(sorted(organizations.items()))
    return RuleSet(plan, organizations, extra, tuple(str(p) for p in roots), _tenures(organizations), geography, tuple(continuity))


def _geography(roots: list[Path], extra: dict[str, str], diags: list[Diagnostic], sources: dict[str, str]) -> Geography:
    """`places.yaml` and every `*.area.yaml` under the roots; problems are added to `diags`."""
    places, aliases, areas, where = {}, {}, {}, {}

    def read(f: Path, loader):
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
# the result is kept in a pickle named after every input's path, size and
# modification time, and after the engine's own files, so any change to rules,
# data or engine builds it afresh. A cache that cannot be read is rebuilt.


def _cache_dir() -> Path | None:
    if os.environ.get("CASUS_NO_CACHE"):
        return None
    base = os.environ.get("CASUS_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "casus")
    return Path(base)


def _fingerprint(roots: list[Path]) -> str:
    digest = hashlib.sha256(sys.version.encode())
    engine_dir = Path(__file__).resolve().parent.parent  # the whole package: the checker's output is cached too
    inputs = [*sorted(engine_dir.rglob("*.py")), grammar_file()]
    for root in roots:
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        inputs += [f for f in files if f.suffix in (".casus", ".yaml", ".yml")]
    for f in inputs:
        st = f.stat()
        digest.update(f"{f.resolve()}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    digest.update(os.getcwd().encode())  # file names in messages are relative to it
    return digest.hexdigest()[:32]


def _cached(roots: list[Path]) -> RuleSet:
    folder = _cache_dir()
    try:
        key = _fingerprint(roots) if folder is not None else None
    except OSError:
        key = None
    if key is None:
        return _load(roots)
    target = folder / f"rules-{key}.pickle"
    try:
        with open(target, "rb") as handle:
            found = pickle.load(handle)
        if isinstance(found, RuleSet):
            return found
    except Exception:  # missing, stale or unreadable: build afresh
        pass
    rules = _load(roots)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".rules-", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(rules, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)
    except OSError:
        pass  # a cache that cannot be written only costs time
    return rules
