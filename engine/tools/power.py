"""A priori voting power of a declared procedure: veto players, minimal winning
coalitions, Banzhaf and Shapley–Shubik indices.

The procedure is read as a simple game. Its players are the members of its
`body` on a date; a coalition C wins iff the procedure's `requires` hold when
every member of C votes yes and every other member votes no. Abstention and
absence are not moves in a simple game, so the rules that treat them specially
(Art. 27(3) practice, "present and voting") play no part here.

Winning depends only on how many members of each type vote yes (members named
by the `veto` clause, and the rest), so coalitions are counted by type with
binomial coefficients instead of being enumerated: exact, and instant even for
the 193 members of the General Assembly.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from fractions import Fraction
from math import comb, prod
from typing import Iterable, Iterator

from engine.lang import ast
from engine.diagnostics import CasusError, Diagnostic, did_you_mean
from engine.run.voting import counters, passes
from engine.report import json as report_json
from engine.report import text as report_text

MODEL = ("simple game: a coalition wins iff the procedure's requirements hold when its members vote yes "
         "and every other member votes no; abstention and absence are not part of a simple game")

NOT_MONOTONE = ("the game is not monotone: adding a yes vote can turn a winning coalition into a losing one; "
                "the indices count swings from losing to winning only")
LIST_LIMIT = 1000  # minimal winning coalitions are listed one by one only up to this many


# ------------------------------------------------------------------- game


@dataclass(frozen=True)
class MemberType:
    """Members the winning test cannot tell apart."""

    name: str
    members: tuple[str, ...]
    veto_clause: bool

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass(frozen=True)
class Game:
    procedure: ast.Procedure
    body: str
    as_of: dt.date
    types: tuple[MemberType, ...]
    notes: tuple[str, ...] = ()  # what the simple game leaves out, beyond MODEL

    @property
    def qualname(self) -> str:
        return self.procedure.qualname

    @property
    def n(self) -> int:
        return sum(t.size for t in self.types)

    @property
    def players(self) -> tuple[str, ...]:
        return tuple(s for t in self.types for s in t.members)

    def type_of(self, state: str) -> MemberType:
        for t in self.types:
            if state in t.members:
                return t
        raise KeyError(state)

    def wins(self, counts: tuple[int, ...]) -> bool:
        """Whether a coalition with `counts[i]` members of type i wins."""
        yes = sum(counts)
        vetoes = sum(t.size - c for t, c in zip(self.types, counts) if t.veto_clause)
        return _wins(self.procedure, self.n, yes, vetoes)

    def coalition_wins(self, coalition: Iterable[str]) -> bool:
        """The same test on an explicit coalition (no symmetry assumed)."""
        chosen = set(coalition)
        vetoers = {s for t in self.types if t.veto_clause for s in t.members}
        yes = sum(1 for s in self.players if s in chosen)
        vetoes = sum(1 for s in self.players if s in vetoers and s not in chosen)
        return _wins(self.procedure, self.n, yes, vetoes)


def _wins(proc: ast.Procedure, n: int, yes: int, vetoes: int) -> bool:
    """In a simple game every member votes yes or no: none abstains or is absent."""
    return passes(proc, counters(yes=yes, no=n - yes, abstain=0, absent=0, vetoes=vetoes))


def find_procedure(rule_set, name: str) -> ast.Procedure:
    """`name` or `regime.name`; a typo gets a did-you-mean."""
    procs = rule_set.plan.checked.procedures
    found = [p for p in procs if name in (p.name, p.qualname)]
    if len(found) == 1:
        return found[0]
    if found:
        names = ", ".join(sorted(p.qualname for p in found))
        raise CasusError([Diagnostic("E510", f"procedure name '{name}' is ambiguous", None,
                                     hint=f"write one of {names}")])
    known = [p.name for p in procs] + [p.qualname for p in procs]
    hint = did_you_mean(name, known) or (
        f"procedures: {', '.join(sorted(p.qualname for p in procs))}" if procs else
        "the rule set declares no procedure")
    raise CasusError([Diagnostic("E510", f"no procedure named '{name}'", None, hint=hint)])


def build_game(rule_set, proc: ast.Procedure, as_of: dt.date, body: str | None = None) -> Game:
    """The simple game of `proc` among the members of its body (or `body`) on `as_of`."""
    qualname = proc.qualname
    regime = rule_set.plan.checked.regimes.get(proc.regime)
    for what, span in (("procedure", proc.in_force), ("regime", regime.in_force if regime else None)):
        if span is not None and not span.covers(as_of):
            period = " ".join(x for x in (f"from {span.start}" if span.start else "",
                                          f"before {span.end}" if span.end else "") if x)
            why = f"in force {period}" if what == "procedure" else f"its regime {proc.regime} is in force {period}"
            raise CasusError([Diagnostic("E511", f"{qualname} is not in force on {as_of} ({why})", None,
                                         hint=_in_force_hint(rule_set, proc, as_of))])
    org = body or proc.body
    if org is None:
        raise CasusError([Diagnostic("E512", f"{qualname} names no body whose members vote", None,
                                     hint="give the organization with --body")])
    record = rule_set.organizations.get(org)
    if record is None:
        raise CasusError([Diagnostic("E512", f"no membership data for organization '{org}'", None,
                                     hint=did_you_mean(org, rule_set.organizations))])
    members = sorted(record.data.members_on(as_of))
    if not members:
        raise CasusError([Diagnostic("E513", f"{org} has no members on {as_of}", None,
                                     hint="give a date on which the body has members with --as-of")])
    notes: list[str] = []
    vetoers: list[str] = []
    if proc.veto:
        veto_record = rule_set.organizations.get(proc.veto)
        held = veto_record.data.members_on(as_of) if veto_record else frozenset()
        vetoers = [s for s in members if s in held]
        if not vetoers:
            notes.append(f"no member of {proc.veto} belongs to {org} on {as_of}; the veto clause has no effect")
    if proc.disregards_parties:
        notes.append("the duty of parties to a dispute to abstain is not modelled: a simple game has no parties")
    types = []
    if vetoers:
        types.append(MemberType(proc.veto, tuple(vetoers), True))
    rest = tuple(s for s in members if s not in vetoers)
    if rest:
        types.append(MemberType("other" if vetoers else "member", rest, False))
    return Game(proc, org, as_of, tuple(types), tuple(notes))


def _in_force_hint(rule_set, proc: ast.Procedure, as_of: dt.date) -> str:
    regimes = rule_set.plan.checked.regimes
    same = [p for p in rule_set.plan.checked.procedures
            if p is not proc and (p.organ or p.body) == (proc.organ or proc.body) and set(p.matters) & set(proc.matters)
            and (p.in_force is None or p.in_force.covers(as_of))
            and not ((r := regimes.get(p.regime)) and r.in_force and not r.in_force.covers(as_of))]
    if same:
        return f"on {as_of} use {', '.join(sorted(p.qualname for p in same))}"
    return "give a date within its period with --as-of"


# --------------------------------------------------------------- analysis


@dataclass(frozen=True)
class TypePower:
    """The power of each single member of a type (all members of a type are alike)."""

    type: MemberType
    veto_player: bool
    swings: int  # coalitions without the member that lose, and win with it
    banzhaf: Fraction | None  # swings / all members' swings; None if nobody ever swings
    penrose_banzhaf: Fraction  # swings / 2^(n-1): the probability of being decisive
    shapley_shubik: Fraction


@dataclass(frozen=True)
class MinimalClass:
    """The minimal winning coalitions with the same number of members of each type."""

    counts: tuple[int, ...]
    coalitions: int
    description: str


@dataclass(frozen=True)
class Analysis:
    model = MODEL
    list_limit = LIST_LIMIT

    game: Game
    coalitions: int
    winning: int
    monotone: bool
    powers: tuple[TypePower, ...]
    minimal: tuple[MinimalClass, ...]

    @property
    def veto_players(self) -> tuple[str, ...]:
        return tuple(sorted(s for p in self.powers if p.veto_player for s in p.type.members))

    @property
    def total_swings(self) -> int:
        return sum(p.swings * p.type.size for p in self.powers)

    @property
    def minimal_count(self) -> int:
        return sum(m.coalitions for m in self.minimal)

    def power_of(self, state: str) -> TypePower:
        for p in self.powers:
            if state in p.type.members:
                return p
        raise KeyError(state)

    @property
    def notes(self) -> tuple[str, ...]:
        """What the simple game leaves out or where it misleads, beyond MODEL."""
        return self.game.notes + (() if self.monotone else (NOT_MONOTONE,))

    def explain(self, list_coalitions: bool = False) -> str:
        return report_text.render_power(self, list_coalitions)

    def to_json(self, list_coalitions: bool = False) -> dict:
        return report_json.power_json(self, list_coalitions)

    def minimal_coalitions(self) -> Iterator[tuple[str, ...]]:
        """Every minimal winning coalition, each sorted; in a fixed order."""
        for m in self.minimal:
            parts = [itertools.combinations(t.members, c) for t, c in zip(self.game.types, m.counts)]
            for combo in itertools.product(*parts):
                yield tuple(sorted(s for part in combo for s in part))


def analyse(game: Game) -> Analysis:
    types = game.types
    sizes = tuple(t.size for t in types)
    n = game.n
    profiles = list(itertools.product(*(range(s + 1) for s in sizes)))
    win = {c: game.wins(c) for c in profiles}

    def ways(c, minus=-1):
        return prod(comb(s - (j == minus), k) for j, (s, k) in enumerate(zip(sizes, c)))

    def plus(c, t):
        return c[:t] + (c[t] + 1,) + c[t + 1:]

    winning = sum(ways(c) for c in profiles if win[c])
    monotone = all(win[plus(c, t)] for c in profiles if win[c] for t in range(len(types)) if c[t] < sizes[t])
    # some winning profile strictly below c (componentwise): profiles come in increasing order
    below: dict[tuple, bool] = {}
    for c in profiles:
        below[c] = any(win[d] or below[d] for t in range(len(types)) if c[t] > 0
                       for d in [c[:t] + (c[t] - 1,) + c[t + 1:]])
    minimal = tuple(MinimalClass(c, ways(c), _describe(types, c, ways(c)))
                    for c in sorted((c for c in profiles if win[c] and not below[c]), key=lambda c: (sum(c), c)))

    swings: list[int] = []
    ss: list[Fraction] = []
    for t in range(len(types)):
        count, value = 0, Fraction(0)
        for c in profiles:
            if c[t] < sizes[t] and not win[c] and win[plus(c, t)]:
                k = ways(c, minus=t)
                count += k
                value += Fraction(k, n * comb(n - 1, sum(c)))
        swings.append(count)
        ss.append(value)
    total = sum(s * size for s, size in zip(swings, sizes))
    powers = tuple(
        TypePower(t, winning > 0 and not any(win[c] for c in profiles if c[i] < t.size), swings[i],
                  Fraction(swings[i], total) if total else None, Fraction(swings[i], 2 ** (n - 1)), ss[i])
        for i, t in enumerate(types))
    return Analysis(game, 2 ** n, winning, monotone, powers, minimal)


def _describe(types: tuple[MemberType, ...], counts: tuple[int, ...], ways: int) -> str:
    parts = []
    for t, c in zip(types, counts):
        if len(types) == 1:
            parts.append(f"all {t.size} members" if c == t.size else f"any {c} of the {t.size} members")
        elif t.veto_clause:
            parts.append(f"all {t.size} of {t.name}" if c == t.size else
                         f"none of {t.name}" if c == 0 else f"any {c} of the {t.size} of {t.name}")
        else:
            parts.append(f"all {t.size} others" if c == t.size else
                         f"none of the {t.size} others" if c == 0 else f"any {c} of the {t.size} others")
    return f"{' and '.join(parts)}: {report_text.big_number(ways)} coalition{'s' if ways != 1 else ''}"


def power(rule_set, procedure: str, as_of: dt.date | None = None, body: str | None = None) -> Analysis:
    """Voting power under a procedure (by name) as of a date (default: today)."""
    proc = find_procedure(rule_set, procedure)
    return analyse(build_game(rule_set, proc, as_of or dt.date.today(), body))
