"""The indexed, dated fact store that evaluation reads and extends.

Relations are hash-indexed on whichever argument positions a plan binds, so a
join looks up matching facts instead of scanning a relation.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from engine.slots import fast_pickle

Fact = tuple  # (predicate, arg, ...)


@fast_pickle
@dataclass(frozen=True, slots=True)
class Origin:
    """Where a fact was stated: a case file or a reference-data file."""

    file: str
    line: int
    column: int
    path: str  # field path in that file
    source: str | None = None  # the document the fact rests on, if the file names one

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@fast_pickle
@dataclass(frozen=True, slots=True)
class Tenure:
    """One period of membership of a state in an organization."""

    state: str
    organization: str
    start: dt.date | None
    end: dt.date | None  # exclusive
    origin: Origin | None
    note: str | None = None
    assumption: str | None = None  # a contested membership counts only under this assumption

    def covers(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day < self.end)


class Relation:
    """A set of tuples with lazily built, incrementally kept hash indexes."""

    __slots__ = ("rows", "_indexes")

    def __init__(self, rows: Iterable[tuple] = ()):
        self.rows: set[tuple] = set(rows)
        self._indexes: dict[tuple[int, ...], dict[tuple, list[tuple]]] = {}

    def add(self, row: tuple) -> bool:
        if row in self.rows:
            return False
        self.rows.add(row)
        for positions, index in self._indexes.items():
            index.setdefault(tuple(row[i] for i in positions), []).append(row)
        return True

    def lookup(self, positions: tuple[int, ...], key: tuple) -> Iterable[tuple]:
        if not positions:
            return self.rows
        index = self._indexes.get(positions)
        if index is None:
            index = defaultdict(list)
            for row in self.rows:
                index[tuple(row[i] for i in positions)].append(row)
            index = dict(index)
            self._indexes[positions] = index
        return index.get(key, ())

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, row: tuple) -> bool:
        return row in self.rows


def tenure_index(tenures) -> tuple:
    """(tenures, their number, state -> its tenures in order): the index `FactStore.tenure` reads."""
    by_state: dict[str, list[Tenure]] = {}
    for t in tenures:
        by_state.setdefault(t.state, []).append(t)
    return tenures, len(tenures), by_state


@dataclass
class FactStore:
    """Facts of one case with the reference data, as of the case's date."""

    as_of: dt.date
    relations: dict[str, set[tuple]] = field(default_factory=dict)  # predicate -> argument tuples
    origins: dict[Fact, Origin] = field(default_factory=dict)
    attributes: dict[str, dict[str, object]] = field(default_factory=dict)  # entity id -> attribute values
    tenures: dict[str, tuple[Tenure, ...]] = field(default_factory=dict)  # organization -> tenures
    geography: object = None  # engine.inputs.places.Geography: places and treaty areas of the rule set
    continuity: tuple = ()  # (state, continues, from, origin): e.g. RUS continues SUN from 1991-12-24
    # indexes of the tenures, built on first use (and again if an organization's list changes)
    _by_state: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _members: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def add(self, pred: str, args: tuple, origin: Origin | None = None) -> None:
        self.relations.setdefault(pred, set()).add(args)
        if origin is not None:
            self.origins.setdefault((pred, *args), origin)

    def _holds(self, t: Tenure, day: dt.date) -> bool:
        return t.covers(day) and (t.assumption is None or (t.assumption,) in self.relations.get("assumed", ()))

    def members(self, organization: str, day: dt.date) -> list[Tenure]:
        key = (organization, day, len(self.relations.get("assumed", ())))  # memberships may hang on assumptions
        tenures = self.tenures.get(organization, ())
        hit = self._members.get(key)
        if hit is None or hit[0] is not tenures or hit[1] != len(tenures):
            found = sorted((t for t in tenures if self._holds(t, day)), key=lambda t: t.state)
            hit = self._members[key] = (tenures, len(tenures), found)
        return list(hit[2])

    def tenure(self, state: str, organization: str, day: dt.date) -> Tenure | None:
        tenures = self.tenures.get(organization, ())
        index = self._by_state.get(organization)
        if index is None or index[0] is not tenures or index[1] != len(tenures):
            index = self._by_state[organization] = tenure_index(tenures)
        for t in index[2].get(state, ()):
            if self._holds(t, day):
                return t
        # the same state under its other code (continuity): RUS in 1950 is the USSR, SUN in 2000 Russia
        for new, old, start, _ in self.continuity:
            other = old if state == new and day < start else new if state == old and day >= start else None
            if other is not None:
                for t in self.tenures.get(organization, ()):
                    if t.state == other and self._holds(t, day):
                        return t
        return None

    def share_tenure_indexes(self, indexes: dict[str, tuple]) -> None:
        """Use indexes of `tenure_index` built once for the rule set's own lists of tenures (an index
        is used only while the organization's list is that very list)."""
        self._by_state.update(indexes)

    def facts(self) -> Iterator[Fact]:
        for pred in sorted(self.relations):
            for args in sorted(self.relations[pred], key=repr):
                yield (pred, *args)
