"""The registry of state codes: ISO 3166-1, ISO 3166-3 (historical states) and a few
codes in common use outside ISO, with display names and did-you-mean suggestions.

One place answers "is this a state, and what is it called" for case files,
reference data, reports and the language server alike.
"""

from __future__ import annotations

import difflib
import functools
import json
import typing
from importlib.util import find_spec
from pathlib import Path

from engine.diagnostics import did_you_mean
from engine.limits import MAX_SUGGESTION_CHARS

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


def _iso_records() -> tuple[list[dict], list[dict]]:
    """The entries of ISO 3166-1 and ISO 3166-3 as pycountry ships them.

    Read from pycountry's own data files: importing the package reads its version from the
    installed metadata, which costs more than all of casus's start-up work on a small case.
    If the files are not where pycountry has always kept them, its API is asked instead."""
    try:
        spec = find_spec("pycountry")
        folder = Path(next(iter(spec.submodule_search_locations))) / "databases"
        with open(folder / "iso3166-1.json", encoding="utf-8") as handle:
            current = json.load(handle)["3166-1"]
        with open(folder / "iso3166-3.json", encoding="utf-8") as handle:
            historic = json.load(handle)["3166-3"]
        if all(isinstance(e, dict) and "alpha_3" in e and "name" in e for e in [*current, *historic]):
            return current, historic
    except (AttributeError, KeyError, OSError, StopIteration, TypeError, ValueError):
        pass
    return _iso_records_from_api()


def _iso_records_from_api() -> tuple[list[dict], list[dict]]:
    import pycountry

    return ([dict(c._fields) for c in pycountry.countries], [dict(h._fields) for h in pycountry.historic_countries])


@functools.cache
def _states() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(any code -> alpha-3, alpha-3 -> display name, lower-case name -> alpha-3)."""
    codes: dict[str, str] = {}
    names: dict[str, str] = {}
    by_name: dict[str, str] = {}
    current, historic = _iso_records()
    for c in current:
        codes[c["alpha_2"]] = codes[c["alpha_3"]] = c["alpha_3"]
        names[c["alpha_3"]] = c.get("common_name") or c["name"]
        for n in (c["name"], c.get("common_name"), c.get("official_name")):
            if n:
                by_name.setdefault(n.lower(), c["alpha_3"])
    for h in historic:
        a3 = h["alpha_3"]
        if a3 in names:  # a current code takes precedence (e.g. ATF)
            continue
        codes[a3] = a3
        alpha_4 = h.get("alpha_4")
        if alpha_4:
            codes.setdefault(alpha_4, a3)
        names[a3] = _HISTORIC_NAMES.get(a3, h["name"])
        for n in (h["name"], _HISTORIC_NAMES.get(a3)):
            if n:
                by_name.setdefault(n.lower(), a3)
    for code, name in EXTRA_STATES.items():
        codes.setdefault(code, code)
        names.setdefault(code, name)
        by_name.setdefault(name.lower(), code)
    return codes, names, by_name


def suggest_state(value: str) -> str | None:
    if len(value) > MAX_SUGGESTION_CHARS:  # no name is that long; comparing would only cost time
        return None
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
