"""pydantic's validation errors as located diagnostics: a line, a column, a field path and a did-you-mean.

Discriminated unions tag their branches `_t_...`; the tags are internal and never shown.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Annotated, Any, Union

from pydantic import BaseModel, Tag, ValidationError

from engine.diagnostics import Diagnostic, Span, clip_message, did_you_mean, format_path
from engine.inputs.values import describe

def locate_span(file: str, positions: dict, path: tuple) -> Span:
    path = tuple(path)
    for n in range(len(path), -1, -1):
        pos = positions.get(path[:n])
        if pos:
            return Span(file, pos[0], pos[1], pos[0], pos[1] + 1)
    return Span(file, 1, 1, 1, 1)


_TAGS = re.compile(r"_t_[a-z_]+\Z")


def _strip(t: Any) -> Any:
    while typing.get_origin(t) is Annotated:
        t = typing.get_args(t)[0]
    return t


def _step(t: Any, part: Any) -> Any:
    t = _strip(t)
    if typing.get_origin(t) in (Union, types.UnionType):
        members = [a for a in typing.get_args(t) if a is not type(None)]
        for a in members:
            meta = typing.get_args(a)[1:] if typing.get_origin(a) is Annotated else ()
            if any(isinstance(m, Tag) and m.tag == part for m in meta):
                return a
        if len(members) != 1:
            return None
        t = _strip(members[0])
    if isinstance(part, str) and _TAGS.match(part):
        return t
    if isinstance(t, type) and issubclass(t, BaseModel) and isinstance(part, str):
        for name, info in t.model_fields.items():
            if (info.alias or name) == part:
                return info.annotation
        return None
    origin = typing.get_origin(t)
    if origin in (tuple, list) and isinstance(part, int):
        return typing.get_args(t)[0]
    if origin is dict:
        return typing.get_args(t)[1]
    return None


def _fields_at(root: type[BaseModel], loc: tuple) -> list[str]:
    t: Any = root
    for part in loc:
        t = _step(t, part)
        if t is None:
            return []
    t = _strip(t)
    if typing.get_origin(t) in (Union, types.UnionType):
        members = [a for a in typing.get_args(t) if a is not type(None)]
        t = _strip(members[0]) if len(members) == 1 else None
    if isinstance(t, type) and issubclass(t, BaseModel):
        return [info.alias or name for name, info in t.model_fields.items()]
    return []


def _clean(msg: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    return msg


def validation_diagnostics(err: ValidationError, root: type[BaseModel], file: str,
                 positions: dict, key_positions: dict) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    seen: set[tuple] = set()

    def add(loc: tuple, message: str, hint: str | None = None, at_key: bool = False) -> None:
        if (loc, message) in seen:
            return
        seen.add((loc, message))
        message = clip_message(message)
        span = (locate_span(file, key_positions, loc) if at_key and loc in key_positions
                else locate_span(file, positions, loc))
        path = format_path(loc[:-1] if at_key and loc and not isinstance(loc[-1], str) else loc)
        out.append(Diagnostic("E303", message, span, hint=hint, path=path or "(top level)"))

    for e in err.errors():
        raw = tuple(e["loc"])
        kind = e["type"]
        at_key = "[key]" in raw
        loc = tuple(p for p in raw if p != "[key]" and not (isinstance(p, str) and _TAGS.match(p)))
        if kind == "consistency":
            for ploc, pmsg in e["ctx"]["problems"]:
                add(tuple(ploc), pmsg)
            continue
        value = e.get("input")
        hint = None
        if kind == "missing":
            message = f"missing required field '{loc[-1]}'" if loc else "missing required field"
        elif kind == "extra_forbidden":
            allowed = _fields_at(root, raw[:-1])
            message = f"unknown field '{loc[-1]}'"
            hint = did_you_mean(str(loc[-1]), allowed)
            if hint is None and allowed:
                hint = "allowed fields: " + ", ".join(allowed)
            at_key = True
        elif kind in ("model_type", "model_attributes_type", "dict_type"):
            message = f"expected a mapping (got {describe(value)})"
        elif kind in ("tuple_type", "list_type"):
            message = f"expected a list (got {describe(value)})"
        elif kind == "string_type":
            message = f"expected a string (got {describe(value)})"
        elif kind == "invalid_key":
            loc = loc[:-1]
            message = f"field names must be text (got {describe(value)})"
            if loc + (value,) in key_positions:
                add(loc + (value,), message, None, True)
                continue
        elif kind == "literal_error":
            message = f"expected {e.get('ctx', {}).get('expected', 'another value')} (got {describe(value)})"
        elif kind == "too_short" and isinstance(value, (list, tuple)):
            message = "expected at least one entry"
        else:
            message = _clean(e["msg"])
        add(loc, message, hint, at_key)
    return out
