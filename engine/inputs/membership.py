"""Reference data of membership: who belonged to which organization, from when, until when, on whose word."""

from __future__ import annotations

import datetime as dt
import typing

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from engine.diagnostics import format_path
from engine.inputs.values import Bool, Date, Ident, Model, StateCode, consistency_error

class Membership(Model):
    state: StateCode = Field(description="Member state.")
    from_: Date = Field(alias="from", description="First day of membership.")
    until: Date | None = Field(None, description="Day membership ended (exclusive); null while still a member.")
    source: str | None = Field(None, description="Where this membership fact comes from.")
    note: str | None = Field(None, description="Free-text remark.")
    assumption: Ident | None = Field(None, description="A contested membership: it counts only while this "
                                                       "assumption (declared in the rules) holds.")

    def covers(self, day: dt.date) -> bool:
        """Whether the state was a member on `day` (`until` is exclusive)."""
        return self.from_ <= day and (self.until is None or day < self.until)

    @field_validator("until")
    @classmethod
    def _after_from(cls, until: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("from_")
        if until is not None and start is not None and until <= start:
            raise PydanticCustomError("period", "'until' ({until}) must be after 'from' ({start})",
                                      {"until": until.isoformat(), "start": start.isoformat()})
        return until


def overlaps(members: typing.Sequence[Membership], base: tuple) -> list[tuple[tuple, str]]:
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


class OrganizationOverride(Model):
    id: Ident = Field(description="Organization id, e.g. 'nato'.")
    replace: Bool = Field(False, description="true: these members replace the bundled list; false: they are added.")
    members: tuple[Membership, ...] = Field((), description="Membership entries.")
    without: tuple[StateCode, ...] = Field(
        (), description="States whose bundled membership is left out, e.g. for a counterfactual "
                        "('had Finland not joined'); applied before `members` are added.")


class OrganizationData(Model):
    organization: Ident = Field(description="Organization id, e.g. 'nato'.")
    name: str = Field(description="Full name.")
    source: str = Field(description="Where the membership data comes from.")
    members: tuple[Membership, ...] = Field(description="Membership entries; a state may appear again after leaving.")

    @model_validator(mode="after")
    def _no_overlap(self) -> OrganizationData:
        problems = overlaps(self.members, ("members",))
        if problems:
            raise consistency_error(problems)
        return self

    def members_on(self, day: dt.date) -> frozenset[str]:
        return frozenset(m.state for m in self.members if m.covers(day))


class Continuity(Model):
    state: StateCode = Field(description="The state that continues another's international personality.")
    continues: StateCode = Field(description="The state it continues (e.g. SUN for RUS).")
    from_: Date = Field(alias="from", description="First day under the new code.")
    source: str = Field(description="Where the continuity is recorded.")
    note: str | None = Field(None, description="Free-text remark.")


class ContinuityData(Model):
    continuity: tuple[Continuity, ...] = Field(description="States that continue earlier ones.")
