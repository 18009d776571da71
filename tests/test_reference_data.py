"""The bundled reference data: every membership answers correctly at its boundaries, and
spot checks of well-known dates."""

from __future__ import annotations

import datetime as dt

import pytest

from engine import load_rules
from engine.inputs.store import FactStore

DAY = dt.timedelta(days=1)


@pytest.fixture(scope="module")
def rules():
    return load_rules()


@pytest.fixture(scope="module")
def store(rules):
    s = FactStore(as_of=dt.date.today())
    s.tenures = {org: list(t) for org, t in rules.tenures.items()}
    return s


def member(store, state, org, day) -> bool:
    return store.tenure(state, org, day) is not None


def _boundaries(rules):
    for org, tenures in rules.tenures.items():
        for t in tenures:
            yield pytest.param(org, t, id=f"{org}-{t.state}-{t.start}")


def test_every_organization_cites_its_source(rules):
    for org, record in rules.organizations.items():
        assert record.data.source.strip(), org
        assert record.data.members, org


@pytest.mark.parametrize("org, tenure", list(_boundaries(load_rules())))
def test_membership_boundaries(store, org, tenure):
    """A member from its first day, not the day before (unless another period covers it),
    and no longer a member on its `until` day (exclusive)."""
    periods = [t for t in store.tenures[org] if t.state == tenure.state]
    covered = lambda day: any(t.covers(day) for t in periods if t is not tenure)  # noqa: E731
    assert member(store, tenure.state, org, tenure.start)
    if not covered(tenure.start - DAY):
        assert not member(store, tenure.state, org, tenure.start - DAY)
    if tenure.end is not None:
        assert member(store, tenure.state, org, tenure.end - DAY)
        if not covered(tenure.end):
            assert not member(store, tenure.state, org, tenure.end)


@pytest.mark.parametrize("state, org, first_day", [
    ("FIN", "nato", dt.date(2023, 4, 4)),
    ("SWE", "nato", dt.date(2024, 3, 7)),
    ("EST", "nato", dt.date(2004, 3, 29)),
    ("DEU", "nato", dt.date(1955, 5, 6)),
    ("MNE", "un", dt.date(2006, 6, 28)),
    ("RUS", "security_council_permanent", dt.date(1991, 12, 24)),
    ("CZE", "un", dt.date(1993, 1, 19)),
])
def test_known_first_days(store, state, org, first_day):
    assert member(store, state, org, first_day)
    assert not member(store, state, org, first_day - DAY)


@pytest.mark.parametrize("state, org, last_day", [
    ("GBR", "eu", dt.date(2020, 1, 31)),
    ("SUN", "security_council_permanent", dt.date(1991, 12, 23)),
    ("DDR", "un", dt.date(1990, 10, 2)),
])
def test_known_last_days(store, state, org, last_day):
    assert member(store, state, org, last_day)
    assert not member(store, state, org, last_day + DAY)


def test_security_council_size_by_year(store):
    for year in range(1946, 2027):
        size = len(store.members("security_council", dt.date(year, 7, 1)))
        assert size == (11 if year <= 1965 else 15), year


def test_permanent_members_are_council_members(store):
    for year in range(1946, 2027):
        day = dt.date(year, 7, 1)
        permanent = {t.state for t in store.members("security_council_permanent", day)}
        council = {t.state for t in store.members("security_council", day)}
        assert len(permanent) == 5 and permanent <= council, year


def test_un_membership_totals(store):
    """The UN's published totals: 51 original Members, 193 since South Sudan (2011)."""
    assert len(store.members("un", dt.date(1945, 12, 31))) == 51
    assert len(store.members("un", dt.date(2011, 7, 14))) == 193
    assert len(store.members("un", dt.date(2026, 1, 1))) == 193
