"""Diagnostics shared by every stage.

A diagnostic always points somewhere a user can go (file, line, column or a
field path) so that bad input never surfaces as a traceback.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from fractions import Fraction
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from engine.limits import MAX_DIAGNOSTICS_SHOWN, MAX_QUOTED_CHARS, MAX_SUGGESTION_CHARS, clip
from engine.slots import fast_pickle


@fast_pickle
@dataclass(frozen=True, slots=True)
class Span:
    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@fast_pickle
@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    message: str
    span: Span | None = None
    severity: str = "error"  # error | warning
    hint: str | None = None
    path: str | None = None  # field path in a case or data file

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def location(self) -> str:
        if self.span is None:
            return "<input>"
        return str(self.span)

    def render(self, sources: Mapping[str, str] | None = None) -> str:
        head = f"{self.location()}: {self.severity} {self.code}: {clip_message(self.message)}"
        if self.path:
            head += f"\n  at field: {clip(self.path, 4 * MAX_QUOTED_CHARS)}"
        lines = [head]
        snippet = _snippet(self.span, sources) if self.span else None
        if snippet:
            lines.append(snippet)
        if self.hint:
            lines.append(f"  hint: {clip_message(self.hint)}")
        return "\n".join(lines)

    def to_json(self) -> dict:
        out: dict = {"code": self.code, "severity": self.severity, "message": clip_message(self.message)}
        if self.span:
            out.update(file=self.span.file, line=self.span.line, column=self.span.column)
        if self.path:
            out["path"] = clip(self.path, 4 * MAX_QUOTED_CHARS)
        if self.hint:
            out["hint"] = clip_message(self.hint)
        return out


_SNIPPET_WIDTH = 120
_QUOTED = re.compile(r"'[^']{%d,}'|\"[^\"]{%d,}\"" % (MAX_QUOTED_CHARS + 1, MAX_QUOTED_CHARS + 1))


def clip_message(text: str) -> str:
    """A message with every long quoted value cut to its start and end, and at most 1000 characters."""
    if len(text) <= MAX_QUOTED_CHARS:
        return text
    text = _QUOTED.sub(lambda m: m[0][0] + clip(m[0][1:-1]) + m[0][-1], text)
    return clip(text, 1000)


def _snippet(span: Span, sources: Mapping[str, str] | None) -> str | None:
    text = (sources or {}).get(span.file)
    if text is None:
        return None
    lines = text.splitlines()
    if not 1 <= span.line <= len(lines):
        return None
    line = lines[span.line - 1].expandtabs(1)
    width = 1
    if span.end_line == span.line and span.end_column > span.column:
        width = span.end_column - span.column
    column = span.column
    if len(line) > _SNIPPET_WIDTH:  # show the part of a long line around the caret
        start = max(0, min(column - 1 - _SNIPPET_WIDTH // 2, len(line) - _SNIPPET_WIDTH))
        line = ("..." if start else "") + line[start: start + _SNIPPET_WIDTH] + (
            "..." if start + _SNIPPET_WIDTH < len(line) else "")
        column = column - start + (3 if start else 0)
        width = min(width, _SNIPPET_WIDTH)
    span = Span(span.file, span.line, column, span.end_line, span.end_column)
    gutter = f"{span.line:>5} | "
    caret = " " * (len(gutter) + span.column - 1) + "^" * max(1, width)
    return f"{gutter}{line}\n{caret}"


class CasusError(Exception):
    """Bad input: carries diagnostics and the sources needed to render them."""

    def __init__(self, diagnostics: Iterable[Diagnostic], sources: Mapping[str, str] | None = None):
        self.diagnostics = sorted(diagnostics, key=sort_key)
        self.sources = dict(sources or {})
        super().__init__(f"{len(self.diagnostics)} diagnostic(s)")

    def __str__(self) -> str:
        return self.render()

    def render(self, limit: int | None = MAX_DIAGNOSTICS_SHOWN) -> str:
        """Each diagnostic with its source line; beyond `limit` only how many more there are."""
        shown = self.diagnostics if limit is None else self.diagnostics[:limit]
        text = "\n".join(d.render(self.sources) for d in shown)
        rest = len(self.diagnostics) - len(shown)
        if rest:
            errors = sum(1 for d in self.diagnostics[len(shown):] if d.is_error)
            text += f"\n... and {rest} more ({errors} error(s)); fix the ones above and run again"
        return text


def sort_key(d: Diagnostic) -> tuple:
    s = d.span
    return (s.file, s.line, s.column, d.code, d.message) if s else ("", 0, 0, d.code, d.message)


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest known name, if one is close enough."""
    if len(name) > MAX_SUGGESTION_CHARS:  # nothing is that long; comparing would only cost time
        return None
    options = sorted({c for c in candidates if len(c) <= MAX_SUGGESTION_CHARS})
    matches = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return f"did you mean '{matches[0]}'?" if matches else None


_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def format_path(loc: Iterable) -> str:
    """`("decisions", 0, "votes", "USA")` -> `decisions[0].votes.USA`."""
    out = ""
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        elif isinstance(part, str) and _FIELD.fullmatch(part):
            out += f".{part}" if out else part
        else:
            out += f"[{str(part)!r}]"
    return out


def show(value: Any) -> str:
    """A value as the rule language and case files write it: 2/3, 2026-03-01, EST, true."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
