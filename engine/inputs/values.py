"""Scalar field types of case and reference-data files, with messages that say what was wrong.

Every model is frozen and forbids unknown fields, so that a typo in a case
file is an error rather than a silently ignored fact.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationInfo, WithJsonSchema
from pydantic_core import PydanticCustomError

from engine.diagnostics import format_path
from engine.limits import clip
from engine.inputs.states import normalize_state, suggest_state

def extra_states_of(info: ValidationInfo | None) -> frozenset[str]:
    ctx = getattr(info, "context", None)
    if isinstance(ctx, dict):
        extra = ctx.get("extra_states") or ()
        return frozenset(str(e).upper() for e in extra)
    return frozenset()


def _validate_state(value: Any, info: ValidationInfo) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError(
            "state_code_type", "a state code must be a string such as 'USA' (got {got})", {"got": describe(value)})
    code = normalize_state(value, extra_states_of(info))
    if code is None:
        hint = suggest_state(value)
        raise PydanticCustomError(
            "state_code", "unknown state code '{code}'{suggestion}",
            {"code": clip(value), "suggestion": f"; {hint}" if hint else ""})
    return code


StateCode = Annotated[
    str,
    BeforeValidator(_validate_state),
    WithJsonSchema({
        "type": "string", "pattern": "^[A-Za-z]{2,4}$",
        "description": "ISO 3166-1 alpha-2/alpha-3 or ISO 3166-3 code (any case), normalized to alpha-3",
    }),
]


IDENT = re.compile(r"[a-z][a-z0-9_]*\Z")
_CASE_ID = re.compile(r"[a-z0-9_]+\Z")
_STATE_LIKE = re.compile(r"[A-Za-z]{2,4}\Z")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _validate_ident(value: Any) -> str:
    if not isinstance(value, str) or not IDENT.match(value):
        raise PydanticCustomError(
            "identifier",
            "{got} is not an identifier: use lower-case letters, digits and '_', starting with a letter",
            {"got": describe(value)})
    return value


def _validate_case_id(value: Any) -> str:
    if not isinstance(value, str) or not _CASE_ID.match(value):
        raise PydanticCustomError(
            "case_id", "{got} is not a case id: use lower-case letters, digits and '_'", {"got": describe(value)})
    return value


def _validate_ref(value: Any, info: ValidationInfo) -> str:
    if isinstance(value, str) and IDENT.match(value):
        return value
    if isinstance(value, str) and _STATE_LIKE.match(value.strip()):
        return _validate_state(value, info)
    raise PydanticCustomError(
        "reference",
        "{got} is neither an identifier (lower-case, e.g. an incident id) nor a state code (e.g. 'USA')",
        {"got": describe(value)})


_SUBDIVISION = re.compile(r"[A-Z]{2}-[A-Z0-9]{1,3}\Z")


def _validate_place(value: Any, info: ValidationInfo) -> str:
    if isinstance(value, str) and (IDENT.match(value) or _SUBDIVISION.match(value.strip())):
        return value.strip()
    if isinstance(value, str) and _STATE_LIKE.match(value.strip()):
        up = value.strip().upper()
        try:
            return _validate_state(value, info)
        except PydanticCustomError:
            if len(up) == 3:  # a dependent territory's alpha-3 code or an alias the places data knows
                return up
            raise
    raise PydanticCustomError(
        "place", "{got} is not a place: a state code (FRA), an ISO 3166-2 code (US-HI) or a place name "
                 "(mediterranean_sea)", {"got": describe(value)})


def _validate_date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _DATE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError as err:
            raise PydanticCustomError("date", "invalid date '{value}': {reason}",
                                      {"value": value, "reason": str(err)}) from None
    raise PydanticCustomError("date_format", "dates are written YYYY-MM-DD (got {got})", {"got": describe(value)})


def _validate_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise PydanticCustomError("boolean", "expected true or false (got {got})", {"got": describe(value)})


def _validate_article(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Ident = Annotated[str, BeforeValidator(_validate_ident),
                  WithJsonSchema({"type": "string", "pattern": "^[a-z][a-z0-9_]*$"})]
CaseId = Annotated[str, BeforeValidator(_validate_case_id),
                   WithJsonSchema({"type": "string", "pattern": "^[a-z0-9_]+$"})]
Ref = Annotated[str, BeforeValidator(_validate_ref), WithJsonSchema({
    "type": "string", "pattern": "^([a-z][a-z0-9_]*|[A-Za-z]{2,4})$",
    "description": "a lower-case identifier (incident or organization id) or a state code",
})]
Place = Annotated[str, BeforeValidator(_validate_place), WithJsonSchema({
    "type": "string", "pattern": "^([A-Za-z]{2,4}|[A-Z]{2}-[A-Z0-9]{1,3}|[a-z][a-z0-9_]*)$",
    "description": "A place: a state code (its metropolitan territory), an ISO 3166-1 alpha-3 code of a dependent "
                   "territory (GRL), an ISO 3166-2 code (US-HI, ES-CE, FR-GF) or a name from rules/places.yaml"})]
Date = Annotated[dt.date, BeforeValidator(_validate_date),
                 WithJsonSchema({"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"})]
Bool = Annotated[bool, BeforeValidator(_validate_bool), WithJsonSchema({"type": "boolean"})]
Article = Annotated[str, BeforeValidator(_validate_article)]
States = tuple[StateCode, ...]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def consistency_error(problems: list[tuple[tuple, str]]) -> PydanticCustomError:
    """One error carrying several located problems; loaders expand it into diagnostics."""
    first = problems[0][1]
    more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
    return PydanticCustomError("consistency", "{first}{more}",
                               {"first": f"{format_path(problems[0][0])}: {first}", "more": more,
                                "problems": problems})
