"""Reference data of places below the state and of treaty areas.

Incidents happen at places, and treaties draw their areas with places finer
than states (North Atlantic Treaty art. 6: Europe and North America, the
Algerian Departments of France, islands north of the Tropic of Cancer, the
Mediterranean). A place is named by

- an ISO 3166-1 alpha-3 code: a state, meaning its metropolitan territory
  (FRA is metropolitan France), or a dependent territory with a code of its own
  (GRL Greenland, FLK the Falkland Islands, GUM Guam);
- an ISO 3166-2 code of a subdivision of its sovereign (US-HI Hawaii, ES-CE
  Ceuta, FR-GF French Guiana);
- a lower-case name where no code exists (mediterranean_sea,
  algerian_departments_of_france).

`rules/places.yaml` lists places with their sovereign over time;
`rules/<regime>/*.area.yaml` each declare one treaty area: what it includes
(places, the metropolitan territory of every Party of an organization, other
areas) and excludes, with dates and sources. A state code is inside an area
iff its metropolitan territory is.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from engine.inputs.values import Bool, Date, Ident, Model, StateCode, consistency_error

PLACE_ID = re.compile(r"([A-Z]{3}|[A-Z]{2}-[A-Z0-9]{1,3}|[a-z][a-z0-9_]*)\Z")
SUBDIVISION = re.compile(r"[A-Z]{2}-[A-Z0-9]{1,3}\Z")


def _validate_place_id(value: Any) -> str:
    if isinstance(value, str) and PLACE_ID.match(value):
        return value
    raise PydanticCustomError(
        "place_id", "'{got}' is not a place id: an ISO 3166-1 alpha-3 code (GRL), an ISO 3166-2 code (US-HI) "
                    "or a lower-case name (mediterranean_sea)", {"got": str(value)})


class _Period(Model):
    from_: Date | None = Field(None, alias="from", description="First day (omit: since before any case).")
    until: Date | None = Field(None, description="Day it ended (exclusive); omit while it lasts.")
    source: str | None = Field(None, description="Where this fact comes from.")
    note: str | None = Field(None, description="Free-text remark.")

    @model_validator(mode="after")
    def _ordered(self):
        if self.from_ is not None and self.until is not None and self.until <= self.from_:
            raise PydanticCustomError("period", "'until' ({until}) must be after 'from' ({start})",
                                      {"until": self.until.isoformat(), "start": self.from_.isoformat()})
        return self

    def covers(self, day: dt.date) -> bool:
        return (self.from_ is None or self.from_ <= day) and (self.until is None or day < self.until)


class Sovereignty(_Period):
    state: StateCode = Field(description="The sovereign state.")


class Occupation(_Period):
    by: StateCode = Field(description="The occupying state.")


class Place(Model):
    id: str = Field(description="ISO 3166-1 alpha-3 code of a dependent territory, ISO 3166-2 code of a "
                                "subdivision, or a lower-case name.")
    name: str = Field(description="Name of the place.")
    kind: str = Field("territory", description="territory, sea or region.")
    aliases: tuple[str, ...] = Field((), description="Other codes that name the place (e.g. GUF for FR-GF).")
    metropolitan: Bool = Field(False, description="true: part of its sovereign's metropolitan territory, "
                                                  "inside every area its sovereign's territory is in.")
    sovereign: tuple[Sovereignty, ...] = Field((), description="Its sovereign state over time (none for seas).")
    occupied: tuple[Occupation, ...] = Field((), description="Belligerent occupation over time: by whom, from "
                                                             "when, until when.")
    source: str | None = Field(None, description="Where the facts about the place come from.")
    note: str | None = Field(None, description="Free-text remark.")

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, value: Any) -> str:
        return _validate_place_id(value)


class AreaEntry(_Period):
    place: str | None = Field(None, description="A place, or a state code (its metropolitan territory).")
    parties_of: Ident | None = Field(None, description="The metropolitan territory of every member of this "
                                                       "organization, while a member.")
    area: Ident | None = Field(None, description="Every place of another area.")
    if_party_of: Ident | None = Field(None, description="Only while the place's sovereign is a member of this "
                                                        "organization (e.g. islands under the jurisdiction of a Party).")

    @model_validator(mode="after")
    def _one(self):
        given = [k for k in ("place", "parties_of", "area") if getattr(self, k) is not None]
        if len(given) != 1:
            raise PydanticCustomError("area_entry", "an entry names exactly one of: place, parties_of, area")
        if self.place is not None:
            _validate_place_id(self.place)
        return self


class AreaData(Model):
    area: Ident = Field(description="Area id, e.g. nato_art6_territory.")
    name: str = Field(description="What the treaty calls it.")
    source: str = Field(description="The treaty text that draws the area.")
    includes: tuple[AreaEntry, ...] = Field(description="What is inside.")
    excludes: tuple[AreaEntry, ...] = Field((), description="Exceptions to what is included.")


class PlacesData(Model):
    places: tuple[Place, ...] = Field(description="Places below or beside the state.")

    @model_validator(mode="after")
    def _unique(self):
        seen: dict[str, int] = {}
        problems = []
        for i, p in enumerate(self.places):
            for name in (p.id, *p.aliases):
                if name in seen:
                    problems.append((("places", i, "id"), f"place '{name}' is given twice (see places[{seen[name]}])"))
                seen.setdefault(name, i)
        if problems:
            raise consistency_error(problems)
        return self


# ------------------------------------------------------------------ lookup


@dataclass(frozen=True)
class Where:
    """Where a fact about a place was stated: file, line, column, and the source it cites."""

    file: str
    line: int
    column: int
    path: str
    source: str | None


@dataclass(frozen=True)
class Geography:
    """Places and areas of a rule set; plain data, shared by every evaluation."""

    places: dict[str, Place] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    areas: dict[str, AreaData] = field(default_factory=dict)
    where: dict[tuple, Where] = field(default_factory=dict)  # ("place", id) / ("area", id, "includes", i) -> origin

    def resolve(self, name: str) -> str:
        """The place id a name stands for (an alias resolved)."""
        return self.aliases.get(name, name)

    def known(self, name: str, is_state: Callable[[str], bool]) -> bool:
        return self.resolve(name) in self.places or is_state(name)

    def sovereign(self, place: str, day: dt.date) -> tuple[str, Where | None] | None:
        """The sovereign of a place on a day; a state code is its own sovereign."""
        p = self.places.get(self.resolve(place))
        if p is None:
            return (place, None) if re.fullmatch(r"[A-Z]{3,4}", place) else None
        for i, s in enumerate(p.sovereign):
            if s.covers(day):
                return s.state, self.where.get(("place", p.id, "sovereign", i))
        return None

    def occupant(self, place: str, day: dt.date) -> tuple[str, Where | None] | None:
        """The state occupying a place on a day, if any."""
        p = self.places.get(self.resolve(place))
        if p is None:
            return None
        for i, o in enumerate(p.occupied):
            if o.covers(day):
                return o.by, self.where.get(("place", p.id, "occupied", i))
        return None

    def metropolitan_state(self, place: str, day: dt.date) -> str | None:
        """The state whose metropolitan territory the place is (part of), if any."""
        p = self.places.get(self.resolve(place))
        if p is None:
            return place if re.fullmatch(r"[A-Z]{3,4}", place) else None
        if not p.metropolitan:
            return None
        found = self.sovereign(place, day)
        return found[0] if found else None

    def in_area(self, place: str, area: str, day: dt.date, member: Callable[[str, str, dt.date], bool],
                _seen: frozenset[str] = frozenset()) -> Where | None:
        """Where the data puts the place inside the area on the day, or None if it is outside."""
        data = self.areas.get(area)
        if data is None or area in _seen:
            return None
        place = self.resolve(place)
        for i, e in enumerate(data.excludes):
            if e.covers(day) and self._entry_holds(e, place, day, member, _seen | {area}):
                return None
        for i, e in enumerate(data.includes):
            if e.covers(day) and self._entry_holds(e, place, day, member, _seen | {area}):
                return self.where.get(("area", area, "includes", i))
        return None

    def _entry_holds(self, e: AreaEntry, place: str, day, member, seen) -> bool:
        if e.if_party_of is not None:
            found = self.sovereign(place, day)
            if found is None or not member(found[0], e.if_party_of, day):
                return False
        if e.place is not None:
            target = self.resolve(e.place)
            if target == place:
                return True
            # a state code names the metropolitan territory, subdivisions marked metropolitan included
            return bool(re.fullmatch(r"[A-Z]{3,4}", target)) and self.metropolitan_state(place, day) == target
        if e.parties_of is not None:
            state = self.metropolitan_state(place, day)
            return state is not None and member(state, e.parties_of, day)
        return self.in_area(place, e.area, day, member, seen) is not None
