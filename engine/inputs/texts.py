"""The text of the provisions the rules cite, stored beside them.

Each regime's folder may hold a `texts.yaml`:

    instruments:
      un_charter:
        title: Charter of the United Nations
        cited_as: ["UN Charter", "Charter of the United Nations"]
        source: where the text was taken from
        provisions:
          "art. 51": {text: "Nothing in the present Charter ...", source: "..."}
          "art. 2(4)": {text: "All Members shall refrain ...", source: "..."}

An instrument with no authentic English text says so with `no_english_text: "<why>"` and
stores no provisions: a translation is not the law's text, and the checker does not ask for one.

A citation such as "UN Charter, arts. 25, 41 and 48(1); ICJ, Nicaragua, para. 195"
names the provisions art. 25, art. 41 and art. 48(1) of the instrument cited as
"UN Charter"; a paragraph that is not stored falls back to its article
(art. 48(1) -> art. 48).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from engine.diagnostics import CasusError, Diagnostic, Span
from engine.inputs.yamlpos import load_document


@dataclass(frozen=True)
class Provision:
    instrument: str  # key of the instrument, e.g. un_charter
    key: str  # canonical key, e.g. "art. 2(4)"
    text: str
    source: str
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class Instrument:
    key: str
    title: str
    cited_as: tuple[str, ...]
    source: str
    provisions: dict[str, Provision] = field(default_factory=dict)
    no_english_text: str = ""  # why no provision is stored: no English text is authentic


@dataclass(frozen=True)
class Cited:
    """One provision named by a citation."""

    instrument_name: str  # as written, e.g. "UN Charter"
    key: str  # "art. 2(4)"


@dataclass(frozen=True)
class Texts:
    instruments: dict[str, Instrument] = field(default_factory=dict)

    def instrument_for(self, name: str) -> Instrument | None:
        """The instrument a citation's name refers to: the longest `cited_as` it ends with."""
        best, length = None, 0
        clean = name.strip().rstrip(",").strip()
        for inst in self.instruments.values():
            for alias in inst.cited_as:
                if (clean == alias or clean.endswith(" " + alias) or clean.endswith(":" + alias)) and len(alias) > length:
                    best, length = inst, len(alias)
        return best

    def lookup(self, cited: Cited) -> Provision | None:
        inst = self.instrument_for(cited.instrument_name)
        if inst is None:
            return None
        for key in fallbacks(cited.key):
            if key in inst.provisions:
                return inst.provisions[key]
        return None

    def for_citation(self, citation: str | None) -> list[tuple[Cited, Provision | None]]:
        return [(c, self.lookup(c)) for c in parse_citation(citation or "")]


def fallbacks(key: str) -> list[str]:
    """art. 48(1)(a) -> [art. 48(1)(a), art. 48(1), art. 48]."""
    out = [key]
    while out[-1].endswith(")") and "(" in out[-1]:
        out.append(out[-1][: out[-1].rindex("(")])
    return out


_NUMBER = r"(?:\d+|[IVXLC]+)(?:\((?:\d+|[a-z]|[ivx]{1,4})\))*"
_ARTS = re.compile(r"^(?P<inst>.*?),?\s+(?:arts?|articles?)\.?\s+(?P<rest>.*)$", re.IGNORECASE)
_ITEM = re.compile(rf"^\s*(?P<a>{_NUMBER})(?:\s*[-\u2013]\s*(?P<b>{_NUMBER}|\([0-9a-z]+\)))?")
_SEP = re.compile(r"^\s*(?:,\s*(?:and\s+)?|and\s+|&\s*)")
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def _roman(s: str) -> int | None:
    if not s or any(c not in _ROMAN for c in s):
        return None
    total = 0
    for i, c in enumerate(s):
        v = _ROMAN[c]
        total += -v if i + 1 < len(s) and _ROMAN[s[i + 1]] > v else v
    return total


def _to_roman(n: int) -> str:
    out = ""
    for value, letters in ((100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"),
                           (4, "IV"), (1, "I")):
        while n >= value:
            out += letters
            n -= value
    return out


def _canonical(number: str) -> str:
    return "art. " + re.sub(r"\s+", "", number)


def _expand(a: str, b: str | None) -> list[str]:
    """`39-42` -> 39, 40, 41, 42; `18(2)-(3)` -> 18(2), 18(3); `XV-XVII` in roman numerals."""
    if b is None:
        return [_canonical(a)]
    a, b = a.replace(" ", ""), b.replace(" ", "")
    if b.startswith("("):  # 18(2)-(3)
        base = a[: a.index("(")] if "(" in a else a
        first, last = a[len(base):].strip("()"), b.strip("()")
        if first.isdigit() and last.isdigit() and int(first) <= int(last) <= int(first) + 20:
            return [_canonical(f"{base}({n})") for n in range(int(first), int(last) + 1)]
        return [_canonical(a), _canonical(base + b)]
    if a.isdigit() and b.isdigit() and int(a) <= int(b) <= int(a) + 50:
        return [_canonical(str(n)) for n in range(int(a), int(b) + 1)]
    ra, rb = _roman(a), _roman(b)
    if ra and rb and ra <= rb <= ra + 50:
        return [_canonical(_to_roman(n)) for n in range(ra, rb + 1)]
    return [_canonical(a), _canonical(b)]


# Marks of a citation of legal writing rather than of an instrument: a quoted title, editors, co-authors.
_LITERATURE = re.compile(r"(^|\s)['\"‘“]\w|\(eds?\.\)|\bet al\.")  # an opening quote, not an apostrophe


def parse_citation(citation: str) -> list[Cited]:
    """The provisions a citation names, each with the instrument's name as written.

    Parts are separated by ';'. A part without an instrument (`art. IV(2)` after
    `ANZUS Treaty, art. IV`) continues the instrument of the part before it.
    """
    out: list[Cited] = []
    previous = ""
    for part in citation.split(";"):
        part = part.strip()
        match = _ARTS.match(" " + part)
        if not match:
            previous = ""
            continue
        instrument = match.group("inst").strip().rstrip(",").strip()
        if instrument and not instrument.split(":")[-1].strip()[:1].isupper():
            previous = ""
            continue  # prose that mentions an article, not a citation of one
        if _LITERATURE.search(instrument):
            previous = ""
            continue  # a book or article about the provision (a quoted title, editors), not the instrument
        if not instrument:
            instrument = previous
        if not instrument:
            continue
        previous = instrument
        rest = match.group("rest")
        while True:
            item = _ITEM.match(rest)
            if not item:
                break
            a, b = item.group("a"), item.group("b")
            if b and not (b.startswith("(") or b[0].isdigit() or _roman(b)):
                b = None
            # a roman numeral must stand alone: `art. I` yes, `art. Chapter` no
            if not a[0].isdigit() and _roman(re.sub(r"\(.*", "", a).strip()) is None:
                break
            for key in _expand(a, b):
                out.append(Cited(instrument, key))
            rest = rest[item.end():]
            sep = _SEP.match(rest)
            if not sep:
                break
            rest = rest[sep.end():]
    return out


# ------------------------------------------------------------------ loading


def load_texts(files: Iterable[Path], display=str) -> tuple[Texts, list[Diagnostic], dict[str, str]]:
    """Read every texts.yaml; bad entries are diagnostics (E303), never exceptions."""
    instruments: dict[str, Instrument] = {}
    diags: list[Diagnostic] = []
    sources: dict[str, str] = {}
    for f in files:
        name = display(f)
        try:
            text = f.read_text(encoding="utf-8")
            data, positions = load_document(text, name)
        except CasusError as err:
            diags.extend(err.diagnostics)
            sources.update(err.sources)
            continue
        except (OSError, UnicodeDecodeError) as err:
            diags.append(Diagnostic("E300", f"cannot read {name}: {err}", Span(name, 1, 1, 1, 1)))
            continue
        sources[name] = text

        def bad(path: tuple, message: str, hint: str | None = None) -> None:
            line, col = positions.get(path, (1, 1))
            diags.append(Diagnostic("E303", message, Span(name, line, col, line, col + 1), hint=hint,
                                    path=".".join(str(p) for p in path)))

        entries = data.get("instruments") if isinstance(data, dict) else None
        if not isinstance(entries, dict):
            bad(("instruments",), "expected a mapping 'instruments: {KEY: {title, cited_as, source, provisions}}'")
            continue
        for key, entry in entries.items():
            if not isinstance(entry, dict):
                bad(("instruments", key), f"instrument '{key}' must be a mapping")
                continue
            cited_as = entry.get("cited_as") or []
            if isinstance(cited_as, str):
                cited_as = [cited_as]
            source = entry.get("source")
            if not (isinstance(source, str) and source.strip()):
                bad(("instruments", key), f"instrument '{key}' names no source",
                    "every text records where it was taken from")
                continue
            provisions: dict[str, Provision] = {}
            for pkey, p in (entry.get("provisions") or {}).items():
                where = ("instruments", key, "provisions", pkey)
                if not (isinstance(p, dict) and isinstance(p.get("text"), str) and p["text"].strip()):
                    bad(where, f"provision '{pkey}' of '{key}' needs a text")
                    continue
                if not re.fullmatch(rf"art\. {_NUMBER}", str(pkey)):
                    bad(where, f"provision key '{pkey}' is not of the form 'art. N' or 'art. N(p)'")
                    continue
                line = positions.get(where, (0, 0))[0]
                provisions[str(pkey)] = Provision(key, str(pkey), p["text"].strip(),
                                                  str(p.get("source") or source), name, line)
            if key in instruments:
                bad(("instruments", key), f"instrument '{key}' is given twice")
                continue
            untranslated = entry.get("no_english_text")
            if untranslated is not None and not (isinstance(untranslated, str) and untranslated.strip()):
                bad(("instruments", key, "no_english_text"), f"'no_english_text' of '{key}' must say why, in words")
                continue
            instruments[key] = Instrument(key, str(entry.get("title") or key),
                                          tuple(str(c) for c in [*cited_as, entry.get("title")] if c),
                                          source, provisions, str(untranslated or "").strip())
    return Texts(dict(sorted(instruments.items()))), diags, sources


def citation_warnings(decls, texts: Texts) -> list[Diagnostic]:
    """W206: a cited provision whose text is not stored beside the rules, once per
    provision, at its first citation (in file order)."""
    first: dict[tuple[str, str], tuple[Span, int]] = {}
    for d in decls:
        for citation in getattr(d, "citations", ()) or ():
            for cited in parse_citation(citation.text):
                if texts.lookup(cited) is not None:
                    continue
                inst = texts.instrument_for(cited.instrument_name)
                if inst is not None and inst.no_english_text:
                    continue  # nothing to store: its texts.yaml says why
                label = inst.title if inst else instrument_label(cited.instrument_name)
                key = (label, cited.key)
                span, n = first.get(key, (citation.span, 0))
                first[key] = (span, n + 1)
    out = []
    for (label, key), (span, n) in first.items():
        known = any(i.title == label for i in texts.instruments.values())
        why = "" if known else " (no texts.yaml names this instrument)"
        out.append(Diagnostic("W206", f"no stored text for {label}, {key}{why}"
                                      + (f"; cited {n} times" if n > 1 else ""), span, severity="warning",
                              hint="add it with its source to the regime's texts.yaml, "
                                   "or leave it out where no authentic text is at hand"))
    return out


def instrument_label(name: str) -> str:
    """`Disputed. For: UN Charter` -> `UN Charter`."""
    return name.split(":")[-1].strip()
