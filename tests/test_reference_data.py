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
    if tenure.assumption is not None:  # a contested membership counts only under its assumption
        assert not member(store, tenure.state, org, tenure.start)
        store.relations.setdefault("assumed", set()).add((tenure.assumption,))
        try:
            assert member(store, tenure.state, org, tenure.start)
        finally:
            store.relations["assumed"].discard((tenure.assumption,))
        return
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


def test_the_russian_federation_continues_the_ussr_across_1991():
    import datetime as dt
    from engine import load_case_text, load_rules, evaluate
    from engine.inputs.facts import build_facts
    rules = load_rules()
    case = load_case_text("case: c\nas_of: 2000-01-01\nstates: [RUS]\n")
    store, _ = build_facts(case, rules)
    assert store.tenure("RUS", "un", dt.date(1950, 1, 1)).state == "SUN"
    assert store.tenure("RUS", "security_council_permanent", dt.date(1950, 1, 1)) is not None
    assert store.tenure("SUN", "un", dt.date(2000, 1, 1)).state == "RUS"
    assert store.tenure("UKR", "un", dt.date(1950, 1, 1)) is not None  # an original Member in its own right
    assert store.tenure("CSK", "un", dt.date(2000, 1, 1)) is None       # dissolved: no continuity


def test_every_place_an_area_names_is_known_and_areas_cite_sources():
    rules = load_rules()
    geo = rules.geography
    assert {"nato_art6_territory", "nato_art6_forces", "eu_territory", "anzus_territory", "anzus_pacific",
            "rio_region", "seato_treaty_area", "warsaw_europe"} <= set(geo.areas)
    for area in geo.areas.values():
        assert area.source
        for e in area.includes:
            assert e.source or area.source


def test_places_inside_and_outside_treaty_areas():
    import datetime as dt
    rules = load_rules()
    geo = rules.geography
    def member(state, org, day):
        return state in rules.organizations[org].data.members_on(day)
    day = dt.date(2026, 1, 1)
    assert geo.in_area("FRA", "nato_art6_territory", day, member)
    assert geo.in_area("USA", "nato_art6_territory", day, member)
    assert geo.in_area("US-AK", "nato_art6_territory", day, member)
    assert not geo.in_area("US-HI", "nato_art6_territory", day, member)
    assert not geo.in_area("ES-CE", "nato_art6_territory", day, member)
    assert geo.in_area("ES-CE", "eu_territory", day, member)
    assert geo.in_area("GUF", "eu_territory", day, member)  # an alias of FR-GF
    assert not geo.in_area("FR-YT", "eu_territory", dt.date(2013, 6, 1), member)
    assert geo.in_area("FR-YT", "eu_territory", dt.date(2014, 1, 1), member)
    assert geo.in_area("algerian_departments_of_france", "nato_art6_territory", dt.date(1958, 1, 1), member)
    assert not geo.in_area("algerian_departments_of_france", "nato_art6_territory", dt.date(1962, 7, 3), member)
    assert not geo.in_area("mediterranean_sea", "nato_art6_forces", dt.date(1951, 1, 1), member)
    assert geo.in_area("mediterranean_sea", "nato_art6_forces", dt.date(1952, 2, 15), member)
    assert geo.sovereign("algerian_departments_of_france", dt.date(1970, 1, 1))[0] == "DZA"
