"""Reading case files and reference-data files from disk or text into validated models."""

from __future__ import annotations

import os
import typing
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ValidationError

from engine.diagnostics import CasusError, Diagnostic, Span, did_you_mean
from engine.inputs.casefile import CaseFile
from engine.inputs.errors import locate_span, validation_diagnostics
from engine.inputs.membership import ContinuityData, OrganizationData
from engine.inputs.places import AreaData, PlacesData
from engine.inputs.yamlpos import load_document_with_keys
from engine.limits import MAX_CASE_FILE_BYTES

@dataclass(frozen=True)
class Case:
    """A validated case file with the text and positions needed to cite it."""

    file: str
    text: str
    model: CaseFile
    positions: dict[tuple, tuple[int, int]]
    key_positions: dict[tuple, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: tuple, *, key: bool = False) -> Span:
        """Span of the value at `path` (or its key), else of its nearest existing ancestor."""
        if key and tuple(path) in self.key_positions:
            return locate_span(self.file, self.key_positions, tuple(path))
        return locate_span(self.file, self.positions, tuple(path))


def _validate(model: type[BaseModel], text: str, file: str, extra_states: typing.Iterable[str]):
    data, positions, key_positions = load_document_with_keys(text, file)
    try:
        result = model.model_validate(data, context={"extra_states": frozenset(extra_states)})
    except ValidationError as err:
        raise CasusError(validation_diagnostics(err, model, file, positions, key_positions), {file: text}) from None
    return result, positions, key_positions


_SUFFIXES = (".yaml", ".yml", ".json")


def _read(path: str | Path, what: str) -> tuple[str, str]:
    p = Path(path)
    name = str(path)

    def fail(message: str, hint: str | None = None) -> CasusError:
        return CasusError([Diagnostic("E300", message, Span(name, 1, 1, 1, 1), hint=hint)])

    try:
        exists, is_dir = p.exists(), p.is_dir()
        if not exists and p.is_symlink():
            os.stat(p)  # a dangling link or a loop: say which
    except (OSError, ValueError) as err:
        reason = getattr(err, "strerror", None) or err
        raise fail(f"cannot read {what} {name}: {reason}",
                   "it is a symbolic link that leads nowhere" if p.is_symlink() else None) from None
    if not exists:
        hint = f"check the path; {what}s are YAML (.yaml, .yml) or JSON (.json)"
        try:
            siblings = [q.name for q in p.parent.iterdir() if q.suffix.lower() in _SUFFIXES]
            near = did_you_mean(p.name, siblings)
            if near:
                hint = f"check the path; {near}"
        except OSError:
            pass
        raise fail(f"no such {what}: {name}", hint)
    if is_dir:
        raise fail(f"{name} is a directory, not a {what}", "give the path of a .yaml, .yml or .json file")
    if p.suffix.lower() not in _SUFFIXES:
        raise fail(f"not a {what}: {name} (unsupported extension '{p.suffix}')",
                   f"{what}s end in .yaml, .yml or .json")
    try:
        with open(p, "rb") as handle:
            data = handle.read(MAX_CASE_FILE_BYTES + 1)
        if len(data) > MAX_CASE_FILE_BYTES:
            raise CasusError([Diagnostic("E306", f"{what} {name} is larger than {MAX_CASE_FILE_BYTES} bytes",
                                         Span(name, 1, 1, 1, 1), hint="split it into several files")])
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise fail(f"cannot read {what} {name}: not valid UTF-8 (byte {err.start})",
                   "save the file as UTF-8") from None
    except OSError as err:
        raise fail(f"cannot read {what} {name}: {err.strerror or err}") from None
    return name, text


def load_case_text(text: str, file: str = "<string>", *, extra_states: typing.Iterable[str] = frozenset()) -> Case:
    """Validate a case from text; `file` names it in diagnostics and selects JSON by `.json`."""
    if len(text) > MAX_CASE_FILE_BYTES:
        raise CasusError([Diagnostic("E306", f"case of {len(text)} characters; the limit is {MAX_CASE_FILE_BYTES}",
                                     Span(file, 1, 1, 1, 1), hint="split it into several cases")])
    model, positions, key_positions = _validate(CaseFile, text, file, extra_states)
    return Case(file, text, model, positions, key_positions)


def load_case(path: str | Path, *, extra_states: typing.Iterable[str] = frozenset()) -> Case:
    name, text = _read(path, "case file")
    return load_case_text(text, name, extra_states=extra_states)


def load_organization_text(text: str, file: str = "<string>", *,
                           extra_states: typing.Iterable[str] = frozenset()
                           ) -> tuple[OrganizationData, dict[tuple, tuple[int, int]]]:
    """Membership reference data (`*.org.yaml`), with the position of every field."""
    model, positions, _ = _validate(OrganizationData, text, file, extra_states)
    return model, positions


def load_organization(path: str | Path, *, extra_states: typing.Iterable[str] = frozenset()
                      ) -> tuple[OrganizationData, dict[tuple, tuple[int, int]], str]:
    """Membership reference data; positions let later stages cite `file:line` per member."""
    name, text = _read(path, "organization data file")
    return (*load_organization_text(text, name, extra_states=extra_states), text)


def load_places_text(text: str, file: str = "<string>", *, extra_states: typing.Iterable[str] = frozenset()):
    """Places reference data (`places.yaml`), with the position of every field."""
    model, positions, _ = _validate(PlacesData, text, file, extra_states)
    return model, positions


def load_area_text(text: str, file: str = "<string>", *, extra_states: typing.Iterable[str] = frozenset()):
    """A treaty area (`*.area.yaml`), with the position of every field."""
    model, positions, _ = _validate(AreaData, text, file, extra_states)
    return model, positions


def load_continuity_text(text: str, file: str = "<string>", *, extra_states: typing.Iterable[str] = frozenset()):
    """State continuity (`continuity.yaml`), with the position of every field."""
    model, positions, _ = _validate(ContinuityData, text, file, extra_states)
    return model, positions
