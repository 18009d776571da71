"""Case files and reference-data files: typed models and loaders.

Every model is frozen and forbids unknown fields, so that a typo in a case
file is an error rather than a silently ignored fact. Loaders turn every
problem into diagnostics that point at a line and a field path.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import pycountry
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from engine.diagnostics import CasusError, Diagnostic, Span, did_you_mean
from engine.parse import parse_query
from engine.yamlpos import load_document_with_keys

__all__ = [
    "EXTRA_STATES", "StateCode", "state_name", "normalize_state",
    "NonStateActor", "Incident", "Determination", "Measures", "Authorization", "Demand",
    "Affirmation", "Recommendation", "Termination", "ContentItem", "VoteLists", "Decision", "Request", "Report",
    "Claim", "Expectation", "AdoptionExpectation", "Unknown", "Membership", "OrganizationOverride",
    "OrganizationData", "CaseFile", "Case", "load_case", "load_case_text", "load_organization",
    "load_organization_text", "case_schema", "format_path",
]

# ---------------------------------------------------------------------------
# state codes

EXTRA_STATES: dict[str, str] = {"XKX": "Kosovo"}
"""Codes outside ISO 3166 that are always accepted (user-assigned, in common use)."""

# Short display names for ISO 3166-3 entries whose official names read badly.
_HISTORIC_NAMES = {
    "SUN": "Soviet Union", "YUG": "Yugoslavia", "CSK": "Czechoslovakia",
    "DDR": "German Democratic Republic", "YMD": "South Yemen", "VDR": "North Vietnam",
    "BYS": "Byelorussian SSR", "BUR": "Burma", "ZAR": "Zaire", "DHY": "Dahomey",
    "HVO": "Upper Volta", "RHO": "Southern Rhodesia", "SCG": "Serbia and Montenegro",
    "TMP": "East Timor", "ANT": "Netherlands Antilles",
}
# Common non-ISO abbreviations, used only for suggestions.
_ABBREVIATIONS = {
    "UK": "GBR", "USSR": "SUN", "FRG": "DEU", "GDR": "DDR", "ROK": "KOR", "DPRK": "PRK",
    "PRC": "CHN", "ROC": "TWN", "UAR": "EGY", "EL": "GRC",
}


@functools.cache
def _states() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(any code -> alpha-3, alpha-3 -> display name, lower-case name -> alpha-3)."""
    codes: dict[str, str] = {}
    names: dict[str, str] = {}
    by_name: dict[str, str] = {}
    for c in pycountry.countries:
        codes[c.alpha_2] = codes[c.alpha_3] = c.alpha_3
        names[c.alpha_3] = getattr(c, "common_name", None) or c.name
        for n in (c.name, getattr(c, "common_name", None), getattr(c, "official_name", None)):
            if n:
                by_name.setdefault(n.lower(), c.alpha_3)
    for h in pycountry.historic_countries:
        a3 = h.alpha_3
        if a3 in names:  # a current code takes precedence (e.g. ATF)
            continue
        codes[a3] = a3
        alpha_4 = getattr(h, "alpha_4", None)
        if alpha_4:
            codes.setdefault(alpha_4, a3)
        names[a3] = _HISTORIC_NAMES.get(a3, h.name)
        for n in (h.name, _HISTORIC_NAMES.get(a3)):
            if n:
                by_name.setdefault(n.lower(), a3)
    for code, name in EXTRA_STATES.items():
        codes.setdefault(code, code)
        names.setdefault(code, name)
        by_name.setdefault(name.lower(), code)
    return codes, names, by_name


def _suggest_state(value: str) -> str | None:
    codes, names, by_name = _states()
    up = value.strip().upper()
    if up in _ABBREVIATIONS:
        code = _ABBREVIATIONS[up]
        return f"did you mean '{code}' ({names[code]})?"
    if len(up) <= 4:
        hint = did_you_mean(up, names)
        if hint:
            return hint
    low = value.strip().lower()
    if len(low) >= 4:
        for name in sorted(by_name):
            if name.startswith(low):
                code = by_name[name]
                return f"did you mean '{code}' ({names[code]})?"
    match = difflib.get_close_matches(low, sorted(by_name), n=1, cutoff=0.6)
    if match:
        code = by_name[match[0]]
        return f"did you mean '{code}' ({names[code]})?"
    return None


def normalize_state(value: str, extra_states: typing.Iterable[str] = ()) -> str | None:
    """The upper-case alpha-3 code for `value`, or None if it is not a known code."""
    if not isinstance(value, str):
        return None
    up = value.strip().upper()
    code = _states()[0].get(up)
    if code:
        return code
    if up in {e.upper() for e in extra_states}:
        return up
    return None


def state_name(code: str) -> str:
    """Display name; unknown codes are shown as they are."""
    norm = normalize_state(code) or code
    return _states()[1].get(norm, code)


def _extra(info: ValidationInfo | None) -> frozenset[str]:
    ctx = getattr(info, "context", None)
    if isinstance(ctx, dict):
        extra = ctx.get("extra_states") or ()
        return frozenset(str(e).upper() for e in extra)
    return frozenset()


def _validate_state(value: Any, info: ValidationInfo) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError(
            "state_code_type", "a state code must be a string such as 'USA' (got {got})", {"got": _show(value)})
    code = normalize_state(value, _extra(info))
    if code is None:
        hint = _suggest_state(value)
        raise PydanticCustomError(
            "state_code", "unknown state code '{code}'{suggestion}",
            {"code": value, "suggestion": f"; {hint}" if hint else ""})
    return code


StateCode = Annotated[
    str,
    BeforeValidator(_validate_state),
    WithJsonSchema({
        "type": "string", "pattern": "^[A-Za-z]{2,4}$",
        "description": "ISO 3166-1 alpha-2/alpha-3 or ISO 3166-3 code (any case), normalized to alpha-3",
    }),
]

# ---------------------------------------------------------------------------
# scalar types

_IDENT = re.compile(r"[a-z][a-z0-9_]*\Z")
_CASE_ID = re.compile(r"[a-z0-9_]+\Z")
_STATE_LIKE = re.compile(r"[A-Za-z]{2,4}\Z")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def _show(value: Any) -> str:
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
    if not isinstance(value, str) or not _IDENT.match(value):
        raise PydanticCustomError(
            "identifier",
            "{got} is not an identifier: use lower-case letters, digits and '_', starting with a letter",
            {"got": _show(value)})
    return value


def _validate_case_id(value: Any) -> str:
    if not isinstance(value, str) or not _CASE_ID.match(value):
        raise PydanticCustomError(
            "case_id", "{got} is not a case id: use lower-case letters, digits and '_'", {"got": _show(value)})
    return value


def _validate_ref(value: Any, info: ValidationInfo) -> str:
    if isinstance(value, str) and _IDENT.match(value):
        return value
    if isinstance(value, str) and _STATE_LIKE.match(value.strip()):
        return _validate_state(value, info)
    raise PydanticCustomError(
        "reference",
        "{got} is neither an identifier (lower-case, e.g. an incident id) nor a state code (e.g. 'USA')",
        {"got": _show(value)})


def _validate_date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _DATE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError as err:
            raise PydanticCustomError("date", "invalid date '{value}': {reason}",
                                      {"value": value, "reason": str(err)}) from None
    raise PydanticCustomError("date_format", "dates are written YYYY-MM-DD (got {got})", {"got": _show(value)})


def _validate_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise PydanticCustomError("boolean", "expected true or false (got {got})", {"got": _show(value)})


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
Date = Annotated[dt.date, BeforeValidator(_validate_date),
                 WithJsonSchema({"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"})]
Bool = Annotated[bool, BeforeValidator(_validate_bool), WithJsonSchema({"type": "boolean"})]
Article = Annotated[str, BeforeValidator(_validate_article)]
States = tuple[StateCode, ...]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _consistency(problems: list[tuple[tuple, str]]) -> PydanticCustomError:
    """One error carrying several located problems; loaders expand it into diagnostics."""
    first = problems[0][1]
    more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
    return PydanticCustomError("consistency", "{first}{more}",
                               {"first": f"{format_path(problems[0][0])}: {first}", "more": more,
                                "problems": problems})


# ---------------------------------------------------------------------------
# membership data


class Membership(_Model):
    state: StateCode = Field(description="Member state.")
    from_: Date = Field(alias="from", description="First day of membership.")
    until: Date | None = Field(None, description="Day membership ended (exclusive); null while still a member.")
    source: str | None = Field(None, description="Where this membership fact comes from.")
    note: str | None = Field(None, description="Free-text remark.")

    @field_validator("until")
    @classmethod
    def _after_from(cls, until: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("from_")
        if until is not None and start is not None and until <= start:
            raise PydanticCustomError("period", "'until' ({until}) must be after 'from' ({start})",
                                      {"until": until.isoformat(), "start": start.isoformat()})
        return until


def _overlaps(members: typing.Sequence[Membership], base: tuple) -> list[tuple[tuple, str]]:
    problems = []
    for j, m in enumerate(members):
        for i in range(j):
            o = members[i]
            if o.state != m.state:
                continue
            if (o.until is None or m.from_ < o.until) and (m.until is None or o.from_ < m.until):
                problems.append((base + (j, "state"),
                                 f"{m.state} is listed twice for overlapping periods (see {format_path(base + (i,))})"))
                break
    return problems


class OrganizationOverride(_Model):
    id: Ident = Field(description="Organization id, e.g. 'nato'.")
    replace: Bool = Field(False, description="true: these members replace the bundled list; false: they are added.")
    members: tuple[Membership, ...] = Field((), description="Membership entries.")


class OrganizationData(_Model):
    organization: Ident = Field(description="Organization id, e.g. 'nato'.")
    name: str = Field(description="Full name.")
    source: str = Field(description="Where the membership data comes from.")
    members: tuple[Membership, ...] = Field(description="Membership entries; a state may appear again after leaving.")

    @model_validator(mode="after")
    def _no_overlap(self) -> OrganizationData:
        problems = _overlaps(self.members, ("members",))
        if problems:
            raise _consistency(problems)
        return self

    def members_on(self, day: dt.date) -> frozenset[str]:
        return frozenset(m.state for m in self.members if m.from_ <= day and (m.until is None or day < m.until))


# ---------------------------------------------------------------------------
# incidents

IncidentKind = Literal[
    "armed_attack", "invasion", "bombardment", "blockade", "attack_on_forces", "use_of_force",
    "terrorist_attack", "cyber_operation", "border_incident", "threat_of_force", "occupation",
    "annexation", "intervention",
]


class NonStateActor(_Model):
    group: str = Field(min_length=1, description="Name of the non-state group, e.g. 'al-Qaida'.")


def _author_tag(value: Any) -> str:
    return "_t_group" if isinstance(value, (dict, NonStateActor)) else "_t_state"


Author = Annotated[
    Union[Annotated[StateCode, Tag("_t_state")], Annotated[NonStateActor, Tag("_t_group")]],
    Discriminator(_author_tag),
]


class Incident(_Model):
    id: Ident = Field(description="Identifier, unique across the case.")
    kind: IncidentKind = Field(description="What happened.")
    date: Date = Field(description="Date of the incident (start date for continuing ones).")
    ended: Date | None = Field(None, description="Day a continuing incident ended (e.g. withdrawal, liberation); "
                                                 "omit while it goes on.")
    author: Author | None = Field(
        None, description="State code of the author, or {group: ...} for a non-state actor; omit if unknown.")
    victim: StateCode = Field(description="State against which it was directed.")
    location: StateCode | None = Field(None, description="Territory where it happened; defaults to the victim.")
    scale: Literal["minimal", "limited", "significant", "large"] = Field(
        "significant", description="Scale and effects (gravity) of the incident.")
    effects: tuple[Ident, ...] = Field((), description="Effects, e.g. casualties, territorial_occupation.")
    attribution: Literal["state", "non_state", "unknown"] = Field(
        "state", description="To whom the conduct is attributed; defaults from the author.")
    description: str | None = Field(None, description="What happened, in words.")
    source: str | None = Field(None, description="Where the facts come from.")

    @model_validator(mode="before")
    @classmethod
    def _default_attribution(cls, data: Any) -> Any:
        if isinstance(data, dict) and "attribution" not in data:
            author = data.get("author")
            data = {**data, "attribution": "unknown" if author is None
                    else "non_state" if isinstance(author, dict) else "state"}
        return data

    @model_validator(mode="after")
    def _default_location(self) -> Incident:
        if self.location is None:
            object.__setattr__(self, "location", self.victim)
        return self


# ---------------------------------------------------------------------------
# decisions


class _Content(_Model):
    about: Ref | None = Field(None, description="Incident id or state code the item is about.")
    article: Article | None = Field(None, description="Article relied on, e.g. \"42\".")
    text: str | None = Field(None, description="Quotation of the operative text.")

    @property
    def kind(self) -> str:
        return type(self).__name__.lower()

    @property
    def value(self) -> str:
        return getattr(self, self.kind)


def _addressee_tag(value: Any) -> str:
    return "_t_list" if isinstance(value, (list, tuple)) else "_t_all"


Addressees = Annotated[
    Union[Annotated[Literal["member_states"], Tag("_t_all")], Annotated[States, Tag("_t_list")]],
    Discriminator(_addressee_tag),
]


class Determination(_Content):
    determination: Literal["threat_to_peace", "breach_of_peace", "act_of_aggression"] = Field(
        description="Determination under Art. 39.")


class Measures(_Content):
    measures: Ident = Field(description="Measures not involving force (Art. 41), e.g. sanctions, arms_embargo.")
    against: States = Field((), description="Target states.")


class Authorization(_Content):
    authorization: Ident = Field(description="What is authorized, e.g. use_of_force (Art. 42 / Chapter VII).")
    to: Addressees = Field("member_states", description="'member_states' or a list of state codes.")
    against: States = Field((), description="Target states.")


class Demand(_Content):
    demand: Ident = Field(description="What is demanded, e.g. withdrawal.")
    addressee: States = Field((), description="States the demand is addressed to.")


class Affirmation(_Content):
    affirmation: Ident = Field(description="What is affirmed, e.g. self_defence.")
    of: States = Field((), description="States whose right is affirmed.")


class Recommendation(_Content):
    recommendation: Ident = Field(description="What is recommended, e.g. assistance.")
    to: Addressees = Field("member_states", description="'member_states' or a list of state codes.")


class Termination(_Content):
    terminates: Ident = Field(description="Id of an earlier decision in this case whose measures or "
                                          "authorization this decision ends.")

    @property
    def value(self) -> str:
        return self.terminates


_CONTENT_KINDS = ("determination", "measures", "authorization", "demand", "affirmation", "recommendation",
                  "terminates")


def _content_tag(value: Any) -> str | None:
    if isinstance(value, _Content):
        return f"_t_{value.kind}"
    if not isinstance(value, dict):
        return "_t_determination"  # reports "expected a mapping"
    present = [k for k in _CONTENT_KINDS if k in value]
    return f"_t_{present[0]}" if len(present) == 1 else None


ContentItem = Annotated[
    Union[
        Annotated[Determination, Tag("_t_determination")],
        Annotated[Measures, Tag("_t_measures")],
        Annotated[Authorization, Tag("_t_authorization")],
        Annotated[Demand, Tag("_t_demand")],
        Annotated[Affirmation, Tag("_t_affirmation")],
        Annotated[Recommendation, Tag("_t_recommendation")],
        Annotated[Termination, Tag("_t_terminates")],
    ],
    Discriminator(
        _content_tag, custom_error_type="content_kind",
        custom_error_message="a content item needs exactly one of: " + ", ".join(_CONTENT_KINDS)),
]

Vote = Literal["yes", "no", "abstain", "absent"]
_VOTES = ("yes", "no", "abstain", "absent")


class VoteLists(_Model):
    yes: States = Field((), description="States voting in favour.")
    no: States = Field((), description="States voting against.")
    abstain: States = Field((), description="States abstaining.")
    absent: States = Field((), description="States not present or not participating.")


def _is_list_entry(key: Any, value: Any) -> bool:
    # 'no' alone is ambiguous: Norway's alpha-2 code. A list value means the list form.
    return key in _VOTES and (key != "no" or isinstance(value, list))


def _votes_tag(value: Any) -> str:
    if isinstance(value, dict) and value and all(_is_list_entry(k, v) for k, v in value.items()):
        return "_t_by_vote"
    return "_t_by_state"


def _check_votes(value: Any, info: ValidationInfo) -> Any:
    if not isinstance(value, dict):
        return value
    forms = {_is_list_entry(k, v) for k, v in value.items()}
    if len(forms) > 1:
        raise PydanticCustomError(
            "vote_forms", "votes are given either as a mapping (USA: yes) or as lists (yes: [USA]), not both")
    extra = _extra(info)
    seen: dict[str, str] = {}
    entries = ([(s, k) for k, v in value.items() if isinstance(v, list) for s in v]
               if forms == {True} else list(value.items()))
    for state, vote in entries:
        code = normalize_state(state, extra) if isinstance(state, str) else None
        if code is None:
            continue
        if code in seen:
            raise PydanticCustomError("vote_twice", "{code} votes more than once ('{a}' and '{b}')",
                                      {"code": code, "a": seen[code], "b": str(vote)})
        seen[code] = str(vote)
    return value


def _votes_mapping(value: Any) -> dict[str, str]:
    if isinstance(value, VoteLists):
        return {s: v for v in _VOTES for s in getattr(value, v)}
    return dict(value)


Votes = Annotated[
    Union[Annotated[dict[StateCode, Vote], Tag("_t_by_state")], Annotated[VoteLists, Tag("_t_by_vote")]],
    Discriminator(_votes_tag),
]


class Decision(_Model):
    id: Ident = Field(description="Identifier, unique across the case.")
    organ: Ident = Field(description="Organ taking the decision, e.g. security_council, north_atlantic_council.")
    date: Date = Field(description="Date of the vote or decision.")
    symbol: str | None = Field(None, description="Document symbol, e.g. S/RES/678 (1990).")
    matter: Ident = Field(
        "substantive", description="Kind of matter, which selects the voting procedure: substantive, procedural, "
                                   "pacific_settlement (Art. 27(3)), important (Art. 18(2)), or a matter a procedure "
                                   "of the rules declares.")
    procedure: Ident | None = Field(None, description="Name of the voting procedure to apply, if not the default.")
    concerns: tuple[Ref, ...] = Field((), description="Incident ids or state codes the decision is about.")
    parties_to_dispute: States = Field((), description="Parties to the dispute (Art. 27(3) abstention).")
    votes: Annotated[Votes | None, BeforeValidator(_check_votes)] = Field(
        None, description="Vote record: {USA: yes, ...} or {yes: [...], no: [...], abstain: [...], absent: [...]}.")
    adopted: Bool | None = Field(None, description="Recorded outcome, for decisions without a vote record.")
    content: tuple[ContentItem, ...] = Field((), description="What the decision says.")
    description: str | None = Field(None, description="Free-text description.")
    source: str | None = Field(None, description="Where the facts come from.")

    @field_validator("votes", mode="after")
    @classmethod
    def _normalize_votes(cls, value: Any) -> dict[str, str] | None:
        return None if value is None else _votes_mapping(value)


# ---------------------------------------------------------------------------
# requests, reports, claims


class Request(_Model):
    id: Ident = Field(description="Identifier, unique across the case.")
    by: StateCode = Field(description="Requesting state.")
    to: tuple[Ref, ...] = Field(min_length=1, description="Organization ids (lower-case) or state codes.")
    kind: Literal["collective_self_defence", "assistance", "consultation", "intervention"] = Field(
        description="What is requested.")
    article: Article | None = Field(None, description="Provision the request invokes, e.g. \"222\" (TFEU) or \"4(j)\".")
    date: Date = Field(description="Date of the request.")
    about: Ref | None = Field(None, description="Incident id the request responds to.")
    description: str | None = Field(None, description="Free-text description.")
    source: str | None = Field(None, description="Where the facts come from.")


class Report(_Model):
    id: Ident = Field(description="Identifier, unique across the case.")
    by: StateCode = Field(description="Reporting state.")
    to: Ident = Field("security_council", description="Organ reported to.")
    date: Date = Field(description="Date of the report.")
    article: Article | None = Field(None, description="Article under which it is made, e.g. \"51\".")
    about: Ref | None = Field(None, description="Incident id the report concerns.")
    symbol: str | None = Field(None, description="Document symbol, e.g. S/2001/946.")
    description: str | None = Field(None, description="Free-text description.")
    source: str | None = Field(None, description="Where the facts come from.")


class Claim(_Model):
    id: Ident = Field(description="Identifier, unique across the case.")
    by: StateCode = Field(description="Claiming state.")
    kind: Ident = Field(description="Legal basis claimed, e.g. self_defence, invitation.")
    date: Date = Field(description="Date of the claim.")
    about: Ref | None = Field(None, description="Incident id or state code the claim concerns.")
    description: str | None = Field(None, description="Free-text description.")
    source: str | None = Field(None, description="Where the facts come from.")


# ---------------------------------------------------------------------------
# expectations

_NOT = re.compile(r"not\s+")


class Expectation(_Model):
    conclusion: str = Field(description="A conclusion, e.g. 'obliged DEU to assist EST'; a leading 'not ' negates.")
    negated: Bool = Field(False, description="true: the conclusion must NOT hold with this status.")
    status: Literal["in force", "defeated", "in conflict", "ended"] = Field(
        "in force", description="Status the conclusion must have.")
    _query: Any = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            data = {"conclusion": data}
        if isinstance(data, dict) and isinstance(data.get("conclusion"), str):
            text = data["conclusion"].strip()
            m = _NOT.match(text)
            if m:
                data = {**data, "conclusion": text[m.end():], "negated": True}
            else:
                data = {**data, "conclusion": text}
        return data

    @field_validator("conclusion")
    @classmethod
    def _parses(cls, text: str) -> str:
        try:
            parse_query(text)
        except CasusError as err:
            d = err.diagnostics[0]
            col = f" at column {d.span.column}" if d.span else ""
            raise PydanticCustomError("conclusion", "invalid conclusion '{text}': {problem}{col}",
                                      {"text": text, "problem": d.message, "col": col}) from None
        return text

    def model_post_init(self, context: Any) -> None:
        self._query = parse_query(self.conclusion)

    @property
    def query(self):
        """The parsed `engine.ast.Query`."""
        return self._query


class Unknown(_Model):
    """A fact the case leaves open, with the values it may take (for `casus explore`)."""

    path: str = Field(min_length=1, description="Field path in this case file, e.g. "
                      "'decisions[draft].votes.RUS' or 'incidents[0].scale'; list items by index or by id.")
    values: tuple[Any, ...] = Field(min_length=2, description="The values the fact may take.")


class AdoptionExpectation(_Model):
    adopted: Ident = Field(description="Id of a decision whose adoption outcome is expected.")
    value: Bool = Field(True, description="Expected outcome: true adopted, false not adopted.")


def _expect_tag(value: Any) -> str:
    if isinstance(value, AdoptionExpectation) or (isinstance(value, dict) and "adopted" in value):
        return "_t_adopted"
    return "_t_conclusion"


Expect = Annotated[
    Union[Annotated[Expectation, Tag("_t_conclusion")], Annotated[AdoptionExpectation, Tag("_t_adopted")]],
    Discriminator(_expect_tag),
]

# ---------------------------------------------------------------------------
# the case file

_SECTIONS = ("incidents", "decisions", "requests", "reports", "claims")


class CaseFile(_Model):
    case: CaseId = Field(description="Case id: lower-case letters, digits and '_'.")
    title: str | None = Field(None, description="Human-readable title.")
    as_of: Date = Field(description="Evaluation date; later events are ignored.")
    description: str | None = Field(None, description="What the case is about.")
    sources: tuple[str, ...] = Field((), description="Where the facts come from.")
    states: States = Field((), description="States involved (states referenced elsewhere are involved too).")
    organizations: tuple[OrganizationOverride, ...] = Field(
        (), description="Additions to or replacements of the bundled membership data.")
    incidents: tuple[Incident, ...] = Field((), description="Uses of force and other incidents.")
    decisions: tuple[Decision, ...] = Field((), description="Decisions of organs, with votes and contents.")
    requests: tuple[Request, ...] = Field((), description="Requests for assistance or intervention.")
    reports: tuple[Report, ...] = Field((), description="Reports to organs, e.g. under Art. 51.")
    claims: tuple[Claim, ...] = Field((), description="Legal justifications claimed by states.")
    unknown: tuple[Unknown, ...] = Field(
        (), description="Facts left open, with their possible values; `casus explore` reports what depends on them.")
    assumptions: dict[Ident, Bool] = Field(
        default_factory=dict,
        description="Disputed points of law switched on (true) or off (false) for this case, by assumption name.")
    expect: tuple[Expect, ...] = Field(
        (), description="Conclusions that must (or, with 'not ', must not) follow; checked by 'casus test'.")

    @model_validator(mode="after")
    def _consistent(self) -> CaseFile:
        problems: list[tuple[tuple, str]] = []
        owner: dict[str, tuple] = {}
        for section in _SECTIONS:
            for i, item in enumerate(getattr(self, section)):
                if item.id in owner:
                    problems.append(((section, i, "id"),
                                     f"duplicate id '{item.id}' (already used by {format_path(owner[item.id])})"))
                else:
                    owner[item.id] = (section, i)
        orgs: dict[str, int] = {}
        for i, org in enumerate(self.organizations):
            if org.id in orgs:
                problems.append((("organizations", i, "id"),
                                 f"organization '{org.id}' is given twice (see organizations[{orgs[org.id]}])"))
            orgs.setdefault(org.id, i)
            problems += _overlaps(org.members, ("organizations", i, "members"))
        incidents = [x.id for x in self.incidents]

        def check(ref: str | None, loc: tuple) -> None:
            if ref is None or not _IDENT.match(ref) or ref in incidents:
                return
            if ref in owner:
                what = owner[ref][0][:-1]
                problems.append((loc, f"'{ref}' is a {what}, not an incident"))
                return
            hint = did_you_mean(ref, incidents)
            code = normalize_state(ref)
            if hint is None and code and len(ref) in (2, 3):
                hint = f"state codes are written in upper case: '{ref.upper()}'"
            problems.append((loc, f"unknown incident '{ref}'" + (f"; {hint}" if hint else "")))

        for section in ("decisions", "requests", "reports", "claims"):
            for i, item in enumerate(getattr(self, section)):
                check(getattr(item, "about", None), (section, i, "about"))
        for i, d in enumerate(self.decisions):
            for j, ref in enumerate(d.concerns):
                check(ref, ("decisions", i, "concerns", j))
            for j, c in enumerate(d.content):
                check(c.about, ("decisions", i, "content", j, "about"))
        decisions = [d.id for d in self.decisions]
        for i, d in enumerate(self.decisions):
            for j, c in enumerate(d.content):
                if isinstance(c, Termination) and c.terminates not in decisions:
                    hint = did_you_mean(c.terminates, decisions)
                    problems.append((("decisions", i, "content", j, "terminates"),
                                     f"unknown decision '{c.terminates}'" + (f"; {hint}" if hint else "")))
        for i, e in enumerate(self.expect):
            if isinstance(e, AdoptionExpectation) and e.adopted not in decisions:
                hint = did_you_mean(e.adopted, decisions)
                problems.append((("expect", i, "adopted"),
                                 f"unknown decision '{e.adopted}'" + (f"; {hint}" if hint else "")))
        if problems:
            raise _consistency(problems)
        return self

    def find(self, id: str) -> Incident | Decision | Request | Report | Claim | None:
        for section in _SECTIONS:
            for item in getattr(self, section):
                if item.id == id:
                    return item
        return None

    def involved_states(self) -> tuple[str, ...]:
        """Declared states plus every state referenced anywhere in the case, sorted."""
        found: set[str] = set(self.states)

        def refs(values) -> None:
            for v in values:
                if isinstance(v, str) and not _IDENT.match(v):
                    found.add(v)

        for x in self.incidents:
            refs([x.author, x.victim, x.location])
        for d in self.decisions:
            refs(d.concerns)
            refs(d.parties_to_dispute)
            refs(d.votes or {})
            for c in d.content:
                refs([c.about])
                for name in ("against", "addressee", "of", "to"):
                    v = getattr(c, name, ())
                    refs(v if isinstance(v, tuple) else ())
        for r in self.requests:
            refs([r.by, r.about, *r.to])
        for r in (*self.reports, *self.claims):
            refs([r.by, r.about])
        for o in self.organizations:
            refs(m.state for m in o.members)
        return tuple(sorted(found))


# ---------------------------------------------------------------------------
# loading


def format_path(loc: typing.Iterable) -> str:
    """`("decisions", 0, "votes", "USA")` -> `decisions[0].votes.USA`."""
    out = ""
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        elif isinstance(part, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", part):
            out += f".{part}" if out else part
        else:
            out += f"[{str(part)!r}]"
    return out


def _locate(file: str, positions: dict, path: tuple) -> Span:
    path = tuple(path)
    for n in range(len(path), -1, -1):
        pos = positions.get(path[:n])
        if pos:
            return Span(file, pos[0], pos[1], pos[0], pos[1] + 1)
    return Span(file, 1, 1, 1, 1)


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
            return _locate(self.file, self.key_positions, tuple(path))
        return _locate(self.file, self.positions, tuple(path))


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


def _diagnostics(err: ValidationError, root: type[BaseModel], file: str,
                 positions: dict, key_positions: dict) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    seen: set[tuple] = set()

    def add(loc: tuple, message: str, hint: str | None = None, at_key: bool = False) -> None:
        if (loc, message) in seen:
            return
        seen.add((loc, message))
        span = (_locate(file, key_positions, loc) if at_key and loc in key_positions
                else _locate(file, positions, loc))
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
            message = f"expected a mapping (got {_show(value)})"
        elif kind in ("tuple_type", "list_type"):
            message = f"expected a list (got {_show(value)})"
        elif kind == "string_type":
            message = f"expected a string (got {_show(value)})"
        elif kind == "invalid_key":
            loc = loc[:-1]
            message = f"field names must be text (got {_show(value)})"
            if loc + (value,) in key_positions:
                add(loc + (value,), message, None, True)
                continue
        elif kind == "literal_error":
            message = f"expected {e.get('ctx', {}).get('expected', 'another value')} (got {_show(value)})"
        elif kind == "too_short" and isinstance(value, (list, tuple)):
            message = "expected at least one entry"
        else:
            message = _clean(e["msg"])
        add(loc, message, hint, at_key)
    return out


def _validate(model: type[BaseModel], text: str, file: str, extra_states: typing.Iterable[str]):
    data, positions, key_positions = load_document_with_keys(text, file)
    try:
        result = model.model_validate(data, context={"extra_states": frozenset(extra_states)})
    except ValidationError as err:
        raise CasusError(_diagnostics(err, model, file, positions, key_positions), {file: text}) from None
    return result, positions, key_positions


_SUFFIXES = (".yaml", ".yml", ".json")


def _read(path: str | Path, what: str) -> tuple[str, str]:
    p = Path(path)
    name = str(path)

    def fail(message: str, hint: str | None = None) -> CasusError:
        return CasusError([Diagnostic("E300", message, Span(name, 1, 1, 1, 1), hint=hint)])

    try:
        exists, is_dir = p.exists(), p.is_dir()
    except (OSError, ValueError) as err:
        raise fail(f"cannot read {what} {name}: {err}") from None
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
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise fail(f"cannot read {what} {name}: not valid UTF-8 (byte {err.start})",
                   "save the file as UTF-8") from None
    except OSError as err:
        raise fail(f"cannot read {what} {name}: {err.strerror or err}") from None
    return name, text


def load_case_text(text: str, file: str = "<string>", *, extra_states: typing.Iterable[str] = frozenset()) -> Case:
    """Validate a case from text; `file` names it in diagnostics and selects JSON by `.json`."""
    model, positions, key_positions = _validate(CaseFile, text, file, extra_states)
    return Case(file, text, model, positions, key_positions)


def load_case(path: str | Path, *, extra_states: typing.Iterable[str] = frozenset()) -> Case:
    name, text = _read(path, "case file")
    return load_case_text(text, name, extra_states=extra_states)


def load_organization_text(text: str, file: str = "<string>", *,
                           extra_states: typing.Iterable[str] = frozenset()
                           ) -> tuple[OrganizationData, dict[tuple, tuple[int, int]], str]:
    model, positions, _ = _validate(OrganizationData, text, file, extra_states)
    return model, positions, text


def load_organization(path: str | Path, *, extra_states: typing.Iterable[str] = frozenset()
                      ) -> tuple[OrganizationData, dict[tuple, tuple[int, int]], str]:
    """Membership reference data; positions let later stages cite `file:line` per member."""
    name, text = _read(path, "organization data file")
    return load_organization_text(text, name, extra_states=extra_states)


def case_schema() -> dict:
    """JSON Schema of case files, for editors."""
    schema = CaseFile.model_json_schema()
    schema.pop("title", None)
    items = schema["properties"]["expect"]["items"]
    key = "oneOf" if "oneOf" in items else "anyOf"
    items[key] = [{"type": "string", "description": "a conclusion that must follow; 'not ...': one that must not"},
                  *items.get(key, [])]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "casus case file",
            **_any_of(schema)}


def _any_of(node: Any) -> Any:
    # The unions are discriminated by shape, and editors handle anyOf more leniently
    # (an empty vote mapping fits both vote forms, which oneOf would reject).
    if isinstance(node, dict):
        return {("anyOf" if k == "oneOf" else k): _any_of(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_any_of(v) for v in node]
    return node
