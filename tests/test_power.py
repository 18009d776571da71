"""Voting power of declared procedures (engine/power.py, `casus power`).

Reference figures. Security Council since 1965 (15 members, 9 votes, 5 vetoes):
Shapley-Shubik 421/2145 per permanent and 4/2145 per elected member (the elected
member is pivotal only as the ninth vote after all five permanent members:
C(9,3) * 8! * 6! / 15! = 4/2145); Banzhaf swings 848 and 84 of 5080. Before
1965 (11 members, 7 votes): Shapley & Shubik, "A Method for Evaluating the
Distribution of Power in a Committee System", American Political Science Review
48(3), 1954, pp. 787-792, give about .1974 per permanent and .0022 per
non-permanent member; the exact values are 76/385 and 1/462 (pivotal as the
seventh vote after the five: C(5,1) * 6! * 4! / 11! = 1/462).
"""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction
from math import comb, factorial

import pytest

from conftest import dedent
from engine.diagnostics import CasusError
from engine.report.json import power_json as to_json
from engine.report.text import condition_text as render_condition
from engine.tools.power import Analysis, analyse, build_game, find_procedure, power

D2026 = dt.date(2026, 1, 1)
D1950 = dt.date(1950, 6, 25)
P5 = ("CHN", "FRA", "GBR", "RUS", "USA")


# --------------------------------------------------------------- brute force


def brute_force(a: Analysis) -> dict:
    """Every one of the 2^n coalitions, tested one by one with no symmetry assumed."""
    game = a.game
    players = list(game.players)
    n = len(players)
    wins = [game.coalition_wins(p for i, p in enumerate(players) if mask >> i & 1) for mask in range(2 ** n)]
    swings = {p: 0 for p in players}
    ss = {p: Fraction(0) for p in players}
    for mask in range(2 ** n):
        if wins[mask]:
            continue
        k = bin(mask).count("1")
        for i, p in enumerate(players):
            if not mask >> i & 1 and wins[mask | 1 << i]:
                swings[p] += 1
                ss[p] += Fraction(factorial(k) * factorial(n - k - 1), factorial(n))
    total = sum(swings.values())
    minimal = sorted(
        tuple(sorted(p for i, p in enumerate(players) if mask >> i & 1)) for mask in range(2 ** n)
        if wins[mask] and not any(wins[sub] for sub in _proper_submasks(mask)))
    return {
        "winning": sum(wins),
        "veto": sorted(p for i, p in enumerate(players)
                       if any(wins) and all(mask >> i & 1 for mask in range(2 ** n) if wins[mask])),
        "banzhaf": {p: Fraction(s, total) if total else None for p, s in swings.items()},
        "swings": swings,
        "ss": ss,
        "minimal": minimal,
    }


def _proper_submasks(mask: int):
    sub = (mask - 1) & mask
    while True:
        yield sub
        if sub == 0:
            return
        sub = (sub - 1) & mask


def assert_matches_brute_force(a: Analysis) -> None:
    b = brute_force(a)
    assert a.winning == b["winning"]
    assert list(a.veto_players) == b["veto"]
    assert sorted(a.minimal_coalitions()) == b["minimal"]
    assert a.minimal_count == len(b["minimal"])
    for p in a.game.players:
        pw = a.power_of(p)
        assert pw.swings == b["swings"][p]
        assert pw.banzhaf == b["banzhaf"][p]
        assert pw.penrose_banzhaf == Fraction(b["swings"][p], 2 ** (a.game.n - 1))
        assert pw.shapley_shubik == b["ss"][p]


# ------------------------------------------------------------ Security Council


def test_security_council_since_1965(stdlib_rules):
    a = power(stdlib_rules, "sc_substantive", D2026)
    assert a.game.n == 15
    assert a.veto_players == P5
    for s in P5:
        pw = a.power_of(s)
        assert pw.shapley_shubik == Fraction(421, 2145)
        assert round(float(pw.shapley_shubik), 4) == 0.1963
        assert pw.swings == 848
        assert pw.banzhaf == Fraction(848, 5080)
        assert round(float(pw.banzhaf), 4) == 0.1669
        assert pw.penrose_banzhaf == Fraction(848, 2 ** 14)
    elected = [s for s in a.game.players if s not in P5]
    assert len(elected) == 10
    for s in elected:
        pw = a.power_of(s)
        assert pw.shapley_shubik == Fraction(4, 2145)
        assert round(float(pw.shapley_shubik), 5) == 0.00186
        assert pw.swings == 84
        assert pw.banzhaf == Fraction(84, 5080)
        assert round(float(pw.banzhaf), 4) == 0.0165
    assert a.total_swings == 5080
    assert a.winning == 848
    assert a.minimal_count == 210
    [cls] = a.minimal
    assert cls.counts == (5, 4)
    assert cls.description == "all 5 of security_council_permanent and any 4 of the 10 others: 210 coalitions"
    assert sum(a.power_of(s).shapley_shubik for s in a.game.players) == 1
    assert a.monotone


def test_security_council_1950_agrees_with_shapley_shubik_1954(stdlib_rules):
    # Shapley & Shubik, APSR 48(3) (1954): about .1974 per permanent, .0022 per non-permanent member.
    a = power(stdlib_rules, "sc_substantive_1945", D1950)
    assert a.game.n == 11
    perm = ("CHN", "FRA", "GBR", "SUN", "USA")
    assert a.veto_players == perm
    for s in perm:
        assert a.power_of(s).shapley_shubik == Fraction(76, 385)
        assert round(float(a.power_of(s).shapley_shubik), 4) == 0.1974
        assert a.power_of(s).banzhaf == Fraction(57, 315)
    for s in set(a.game.players) - set(perm):
        assert a.power_of(s).shapley_shubik == Fraction(1, 462)
        assert round(float(a.power_of(s).shapley_shubik), 4) == 0.0022
        assert a.power_of(s).banzhaf == Fraction(5, 315)
    assert a.winning == 57
    assert a.minimal_count == comb(6, 2)


@pytest.mark.parametrize("name, day", [("sc_substantive_1945", D1950), ("sc_substantive", D2026),
                                       ("sc_procedural", D2026)])
def test_combinatorics_agree_with_brute_force(stdlib_rules, name, day):
    assert_matches_brute_force(power(stdlib_rules, name, day))


def test_shapley_shubik_closed_form(stdlib_rules):
    # an elected member is pivotal only as the 9th vote: after the five and 3 of the other 9 elected
    n = 15
    elected = Fraction(comb(9, 3) * factorial(8) * factorial(n - 9), factorial(n))
    assert elected == Fraction(4, 2145)
    assert (1 - 10 * elected) / 5 == Fraction(421, 2145)


# ---------------------------------------------------------- other procedures


def test_nac_consensus_every_member_a_veto_player(stdlib_rules):
    a = power(stdlib_rules, "nato.nac_consensus", D2026)
    assert a.game.n == 32
    assert a.veto_players == a.game.players == tuple(sorted(a.game.players))
    assert a.winning == 1 and a.minimal_count == 1
    for s in a.game.players:
        assert a.power_of(s).shapley_shubik == Fraction(1, 32)
        assert a.power_of(s).banzhaf == Fraction(1, 32)
        assert a.power_of(s).penrose_banzhaf == Fraction(1, 2 ** 31)


def test_general_assembly_two_thirds(stdlib_rules):
    a = power(stdlib_rules, "ga_important", D2026)
    assert a.game.n == 193
    assert a.veto_players == ()
    assert {a.power_of(s).shapley_shubik for s in a.game.players} == {Fraction(1, 193)}
    assert {a.power_of(s).banzhaf for s in a.game.players} == {Fraction(1, 193)}
    [cls] = a.minimal
    assert cls.counts == (129,)  # 2/3 of 193 is 128.67
    assert a.minimal_count == comb(193, 129)
    assert a.winning == sum(comb(193, k) for k in range(129, 194))
    assert a.power_of("AFG").swings == comb(192, 128)
    assert render_condition(a.game.procedure.requires[0]) == "yes >= 2/3 * voting"


def test_body_override(stdlib_rules):
    proc = find_procedure(stdlib_rules, "sc_substantive")
    a = analyse(build_game(stdlib_rules, proc, D2026, body="nato"))
    assert a.game.body == "nato" and a.game.n == 32
    assert a.veto_players == ("FRA", "GBR", "USA")  # the permanent members that belong to the body


# ------------------------------------------------------------- custom rules

CLUB = dedent('''
    organization: club
    name: A club
    source: test
    members:
      - {state: DEU, from: 2000-01-01}
      - {state: FRA, from: 2000-01-01}
      - {state: ITA, from: 2000-01-01}
      - {state: ESP, from: 2000-01-01}
      - {state: NLD, from: 2000-01-01}
      - {state: BEL, from: 2000-01-01}
      - {state: LUX, from: 2000-01-01, until: 2010-01-01}
''')
BIG = dedent('''
    organization: big
    name: The big ones
    source: test
    members:
      - {state: DEU, from: 2000-01-01}
      - {state: FRA, from: 2000-01-01}
      - {state: GBR, from: 2000-01-01}
''')


@pytest.fixture
def club_rules(rules_dir):
    from engine import load_rules

    def make(requires: str, veto: bool = True):
        text = dedent(f'''
            regime r "Test regime" cites "Test Treaty (2000)" in force from 2000-01-01
            procedure p "A procedure" cites "Art. 1"
              body club
              {"veto big" if veto else ""}
              requires {requires}
        ''')
        return load_rules([rules_dir(text, files={"club.org.yaml": CLUB, "big.org.yaml": BIG})])

    return make


@pytest.mark.parametrize("requires", [
    "yes >= 4 and vetoes <= 1",
    "yes >= 3 and (vetoes == 0 or yes >= 6)",
    "yes > no",
    "yes >= 2 and yes <= 4",  # not monotone
    "yes >= 8",  # nobody can win
])
def test_custom_games_agree_with_brute_force(club_rules, requires):
    rules = club_rules(requires)
    for day in (dt.date(2005, 1, 1), dt.date(2020, 1, 1)):
        assert_matches_brute_force(power(rules, "p", day))


def test_non_monotone_and_empty_games_are_reported(club_rules):
    a = power(club_rules("yes >= 2 and yes <= 4"), "p", dt.date(2020, 1, 1))
    assert not a.monotone
    assert any("not monotone" in n for n in to_json(a)["notes"])
    empty = power(club_rules("yes >= 8"), "p", dt.date(2020, 1, 1))
    assert empty.winning == 0 and empty.veto_players == () and empty.minimal_count == 0
    assert all(p.banzhaf is None and p.shapley_shubik == 0 for p in empty.powers)


def test_veto_clause_members_outside_the_body_are_not_players(club_rules):
    a = power(club_rules("yes >= 4 and vetoes == 0"), "p", dt.date(2020, 1, 1))
    assert a.game.n == 6 and "GBR" not in a.game.players
    assert a.veto_players == ("DEU", "FRA")


def test_errors(stdlib_rules, club_rules):
    with pytest.raises(CasusError, match="did you mean 'sc_substantive'"):
        find_procedure(stdlib_rules, "sc_substantiv")
    proc = find_procedure(stdlib_rules, "un_charter.sc_substantive")
    with pytest.raises(CasusError, match="not in force on 1950-06-25") as err:
        build_game(stdlib_rules, proc, D1950)
    assert "sc_substantive_1945" in err.value.render()
    with pytest.raises(CasusError, match="no members on 2026-01-01"):
        build_game(stdlib_rules, proc, D2026, body="warsaw_pact")
    with pytest.raises(CasusError, match="did you mean 'nato'"):
        build_game(stdlib_rules, proc, D2026, body="natoo")
    with pytest.raises(CasusError, match="regime r is in force from 2000-01-01"):
        power(club_rules("yes >= 4"), "p", dt.date(1999, 1, 1))


# ------------------------------------------------------------------ the CLI


def test_cli_text(run_cli):
    code, out, err = run_cli(["power", "sc_substantive", "--as-of", "2026-01-01"])
    assert code == 0, err
    assert "veto players: CHN, FRA, GBR, RUS, USA" in out
    assert "winning coalitions: 848 of 32768" in out
    assert "all 5 of security_council_permanent and any 4 of the 10 others: 210 coalitions" in out
    assert "abstention and absence are not part of a simple game" in out
    usa = next(line for line in out.splitlines() if line.strip().startswith("USA "))
    assert "0.1669" in usa and "106/635" in usa and "0.1963" in usa and "421/2145" in usa
    assert "swings / 5080" in out


def test_cli_json(run_cli):
    code, out, err = run_cli(["power", "un_charter.sc_substantive", "--as-of", "2026-01-01", "--format", "json"])
    assert code == 0, err
    data = json.loads(out)
    assert data["procedure"] == "un_charter.sc_substantive"
    assert data["declared_veto"] == "security_council_permanent"
    assert data["veto_players"] == list(P5)
    assert data["winning_coalitions"] == 848
    assert data["minimal_winning_coalitions"]["count"] == 210
    assert "list" not in data["minimal_winning_coalitions"]
    players = {p["state"]: p for p in data["players"]}
    assert players["USA"]["shapley_shubik"] == {"exact": "421/2145", "value": pytest.approx(421 / 2145)}
    assert players["USA"]["banzhaf"]["exact"] == "106/635"  # 848/5080
    assert players["USA"]["swings"] == 848
    elected = [p for s, p in players.items() if s not in P5]
    assert {p["shapley_shubik"]["exact"] for p in elected} == {"4/2145"}
    assert {p["banzhaf"]["exact"] for p in elected} == {"21/1270"}  # 84/5080
    assert data["total_swings"] == 5080


def test_cli_list(run_cli):
    code, out, err = run_cli(["power", "sc_substantive_1945", "--as-of", "1950-06-25", "--list"])
    assert code == 0, err
    tail = out.split("minimal winning coalitions: 15\n")[1].splitlines()
    assert tail[0] == "  all 5 of security_council_permanent and any 2 of the 6 others: 15 coalitions"
    listed = [line.split() for line in tail[1:]]
    assert len(listed) == 15 and all(len(c) == 7 for c in listed)
    code, out, err = run_cli(["power", "sc_substantive_1945", "--as-of", "1950-06-25", "--list", "-f", "json"])
    assert len(json.loads(out)["minimal_winning_coalitions"]["list"]) == 15
    code, out, err = run_cli(["power", "ga_important", "--as-of", "2026-01-01", "--list"])
    assert code == 0 and "more than 1000: not listed" in out


@pytest.mark.parametrize("args, message", [
    (["sc_substantiv", "--as-of", "2026-01-01"], "did you mean 'sc_substantive'?"),
    (["sc_substantive", "--as-of", "2026-13-01"], "--as-of takes a date"),
    (["sc_substantive", "--as-of", "1950-06-25"], "use un_charter.sc_substantive_1945"),
    (["sc_substantive", "--as-of", "2026-01-01", "--body", "warsaw_pact"], "no members on 2026-01-01"),
    (["sc_substantive", "--body", "natoo"], "did you mean 'nato'?"),
])
def test_cli_bad_input(run_cli, args, message):
    code, out, err = run_cli(["power", *args])
    assert code == 2, (out, err)
    assert message in err
    assert not out.strip()
    assert "Traceback" not in err
