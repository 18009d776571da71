"""Stage 5: evaluation semantics, on small hand-written rule sets and on the standard library."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from engine import evaluate, load_case, load_case_text, load_rules
from engine.run.results import FactPremise, MemberPremise, Status, TallyPremise

IN_FORCE, DEFEATED, IN_CONFLICT, ENDED = Status.IN_FORCE, Status.DEFEATED, Status.IN_CONFLICT, Status.ENDED

from conftest import ESTONIA, REGIME, conclusion_set, dedent, find_one, org_yaml


def acts(result, action=None, status=None) -> set[str]:
    return {c.text() for c in result.conclusions
            if (action is None or c.action == action) and (status is None or c.status == status)}


# -------------------------------------------------------------- definitions

CLOSURE = REGIME + dedent('''
    define reach(from: A, to: B)
      cites "base"
      when request(_, by: A, to: B)
    define reach(from: A, to: B)
      cites "step"
      when reach(A, C) and request(_, by: C, to: B)

    # upper-case names are variables: the root is marked by a claim
    define from_root(state: S)
      cites "root"
      when claim(_, by: R, kind: root) and reach(R, S)

    define unreachable(state: S)
      cites "negation over the closure"
      when state(S) and not from_root(S)

    rule help "help"
      cites "Art. 1"
      when reach(A, B)
      then obliged B to assist A

    rule alone "alone"
      cites "Art. 2"
      when unreachable(S)
      then permitted S to stay_out
''')

CHAIN = dedent('''
    case: chain
    as_of: 2020-01-01
    states: [FIN]
    requests:
      - {id: r1, by: EST, to: [LVA], kind: assistance, date: 2019-01-01}
      - {id: r2, by: LVA, to: [LTU], kind: assistance, date: 2019-01-02}
      - {id: r3, by: LTU, to: [POL], kind: assistance, date: 2019-01-03}
    claims:
      - {id: root, by: EST, kind: root, date: 2019-01-01}
''')


def test_recursive_definition_reaches_the_transitive_closure(run_case):
    result = run_case(CLOSURE, CHAIN)
    reach = {k[1:] for k in result.derived if k[0] == "reach"}
    assert reach == {("EST", "LVA"), ("EST", "LTU"), ("EST", "POL"), ("LVA", "LTU"), ("LVA", "POL"), ("LTU", "POL")}
    assert acts(result, "assist") == {
        "obliged LVA to assist EST", "obliged LTU to assist EST", "obliged POL to assist EST",
        "obliged LTU to assist LVA", "obliged POL to assist LVA", "obliged POL to assist LTU"}


def test_recursion_through_a_cycle_terminates(run_case):
    cycle = CHAIN.replace("claims:", "  - {id: r4, by: POL, to: [EST], kind: assistance, date: 2019-01-04}\nclaims:")
    result = run_case(CLOSURE, cycle)
    reach = {k[1:] for k in result.derived if k[0] == "reach"}
    ring = ["EST", "LVA", "LTU", "POL"]
    assert reach == {(a, b) for a in ring for b in ring}


def test_negation_is_evaluated_after_the_closure_it_reads(run_case):
    # POL is reachable from the root EST only in the third round of the fixpoint; a rule
    # reading `not from_root(S)` must see the completed closure (stratification).
    result = run_case(CLOSURE, CHAIN)
    assert {k[1] for k in result.derived if k[0] == "from_root"} == {"LVA", "LTU", "POL"}
    assert acts(result, "stay_out") == {"permitted EST to stay_out", "permitted FIN to stay_out"}


NONLINEAR = REGIME + dedent('''
    define edge(from: A, to: B) cites "e" when request(_, by: A, to: B)
    define path(from: A, to: B) cites "p0" when edge(A, B)
    define path(from: A, to: B) cites "p1" when path(A, C) and path(C, B)

    define even(state: S) cites "e0" when claim(_, by: S, kind: root)
    define even(state: S) cites "e1" when odd(T) and edge(T, S)
    define odd(state: S) cites "o1" when even(T) and edge(T, S)

    rule p cites "x" when path(A, B) then obliged B to assist A
    rule e cites "x" when even(S) then permitted S to lead
    rule o cites "x" when odd(S) then permitted S to follow
''')

LONG_CHAIN = dedent('''
    case: long_chain
    as_of: 2020-01-01
    requests:
      - {id: r1, by: EST, to: [LVA], kind: assistance, date: 2019-01-01}
      - {id: r2, by: LVA, to: [LTU], kind: assistance, date: 2019-01-01}
      - {id: r3, by: LTU, to: [POL], kind: assistance, date: 2019-01-01}
      - {id: r4, by: POL, to: [DEU], kind: assistance, date: 2019-01-01}
      - {id: r5, by: DEU, to: [FRA], kind: assistance, date: 2019-01-01}
    claims:
      - {id: c1, by: EST, kind: root, date: 2019-01-01}
''')


def test_non_linear_recursion(run_case):
    result = run_case(NONLINEAR, LONG_CHAIN)
    chain = ["EST", "LVA", "LTU", "POL", "DEU", "FRA"]
    expected = {(chain[i], chain[j]) for i in range(6) for j in range(i + 1, 6)}
    assert {k[1:] for k in result.derived if k[0] == "path"} == expected
    assert len(acts(result, "assist")) == 15


def test_mutual_recursion(run_case):
    result = run_case(NONLINEAR, LONG_CHAIN)
    assert acts(result, "lead") == {"permitted EST to lead", "permitted LTU to lead", "permitted DEU to lead"}
    assert acts(result, "follow") == {"permitted LVA to follow", "permitted POL to follow", "permitted FRA to follow"}


def test_a_derived_premise_carries_its_own_derivation(run_case):
    result = run_case(CLOSURE, CHAIN)
    c = find_one(result, "obliged POL to assist EST")
    (premise,) = [p for p in c.derivation.premises if isinstance(p, FactPremise) and p.pred == "reach"]
    assert premise.args == ("EST", "POL")
    assert premise.derivation is not None
    assert premise.derivation.kind == "definition" and premise.derivation.name == "reach"
    assert premise.derivation.citation == "step"
    # and so on down to the request facts, each with its place in the case file
    leaves = []

    def walk(p):
        if isinstance(p, FactPremise) and p.derivation is None:
            leaves.append(p)
        elif isinstance(p, FactPremise):
            for q in p.derivation.premises:
                walk(q)

    walk(premise)
    assert sorted(p.args[0] for p in leaves if p.pred == "request") == ["r1", "r2", "r3"]
    assert all(p.origin is not None and p.origin.file.endswith("case.yaml") for p in leaves)


COUNTS = REGIME + dedent('''
    define popular(state: V)
      cites "c"
      when state(V) and count(R where request(R, to: V)) >= 2

    define many_askers(state: V)
      cites "c"
      when state(V) and count(S where request(_, by: S, to: V)) >= 3

    rule answer "answer"
      cites "Art. 1"
      when popular(V)
      then obliged V to answer

    rule busy "busy"
      cites "Art. 2"
      when many_askers(V)
      then obliged V to hire_staff
''')


def test_counts(run_case):
    result = run_case(COUNTS, dedent('''
        case: counts
        as_of: 2020-01-01
        states: [FIN, POL, SWE]
        requests:
          - {id: r1, by: EST, to: [FIN, POL], kind: assistance, date: 2019-01-01}
          - {id: r2, by: LVA, to: [FIN], kind: assistance, date: 2019-01-01}
          - {id: r3, by: LTU, to: [FIN], kind: assistance, date: 2019-01-01}
          - {id: r4, by: LTU, to: [SWE], kind: assistance, date: 2019-01-01}
          - {id: r5, by: LTU, to: [SWE], kind: consultation, date: 2019-01-02}
    '''))
    assert acts(result, "answer") == {"obliged FIN to answer", "obliged SWE to answer"}
    # SWE was asked twice by the same state: two requests, but only one asker
    assert acts(result, "hire_staff") == {"obliged FIN to hire_staff"}
    proof = result.derived[("many_askers", "FIN")]
    assert any("count = 3" in p.text() for p in proof.premises)


CONDITIONS = REGIME + dedent('''
    define notable(incident: I)
      cites "c"
      when incident(I, scale: large) or (incident(I) and I.date < 2000-01-01)

    rule report "report"
      cites "Art. 1"
      when notable(I) and incident(I, victim: V)
      then obliged V to report I to security_council
''')


def test_or_and_date_comparisons(run_case):
    result = run_case(CONDITIONS, dedent('''
        case: cond
        as_of: 2020-01-01
        incidents:
          - {id: old, kind: border_incident, date: 1999-12-31, victim: LVA, author: RUS, scale: limited}
          - {id: edge, kind: border_incident, date: 2000-01-01, victim: LTU, author: RUS, scale: limited}
          - {id: big, kind: invasion, date: 2010-01-01, victim: EST, author: RUS, scale: large}
    '''))
    assert acts(result, "report") == {"obliged LVA to report old to security_council",
                                      "obliged EST to report big to security_council"}


def test_attribute_comparisons_between_entities(rules_dir, case_file):
    rules = load_rules([rules_dir(REGIME + dedent('''
        rule timely "timely"
          cites "Art. 1"
          when request(R, by: V, about: I) and incident(I, victim: V) and R.date > I.date
           and I.kind == border_incident
          then permitted V to expect_help for I
    '''))], stdlib=False)
    result = evaluate(rules, load_case(case_file(dedent('''
        case: attrs
        as_of: 2020-01-01
        incidents:
          - {id: a, kind: border_incident, date: 2019-01-01, victim: LVA, author: RUS}
          - {id: b, kind: border_incident, date: 2019-01-01, victim: LTU, author: RUS}
          - {id: c, kind: invasion, date: 2019-01-01, victim: EST, author: RUS}
        requests:
          - {id: ra, by: LVA, to: [nato], kind: assistance, date: 2019-01-02, about: a}
          - {id: rb, by: LTU, to: [nato], kind: assistance, date: 2019-01-01, about: b}
          - {id: rc, by: EST, to: [nato], kind: assistance, date: 2019-01-02, about: c}
    ''')), rules))
    assert acts(result) == {"permitted LVA to expect_help for a"}
    proof = find_one(result, "permitted LVA to expect_help for a").derivation
    tests = [p.text() for p in proof.premises if not isinstance(p, (FactPremise, MemberPremise))]
    assert any("2019-01-02 > 2019-01-01" in t for t in tests), tests


# -------------------------------------------------------------- membership

CLUB = org_yaml("club", [("EST", "2004-03-29", "2010-01-01"), ("LVA", "2004-03-29", None)])

MEMBERSHIP = REGIME + dedent('''
    rule call "call the club"
      cites "Art. 1"
      when incident(I, victim: V) and member(V, club, at: I.date)
      then permitted V to call_club for I

    rule now "member today"
      cites "Art. 2"
      when state(S) and member(S, club)
      then obliged S to pay_dues

    rule all_members "solidarity"
      cites "Art. 3"
      when incident(I, victim: V)
      then for every member S of club at I.date where S != V:
           obliged S to assist V
''')


@pytest.fixture
def membership_result(run_case):
    return run_case(MEMBERSHIP, dedent('''
        case: club
        as_of: 2015-01-01
        states: [EST, LVA, FIN]
        incidents:
          - {id: before, kind: border_incident, date: 2004-03-28, victim: EST, author: RUS}
          - {id: first_day, kind: border_incident, date: 2004-03-29, victim: EST, author: RUS}
          - {id: last_day, kind: border_incident, date: 2009-12-31, victim: EST, author: RUS}
          - {id: after, kind: border_incident, date: 2010-01-01, victim: EST, author: RUS}
    '''), files={"club.org.yaml": CLUB})


def test_membership_at_its_boundaries(membership_result):
    assert acts(membership_result, "call_club") == {"permitted EST to call_club for first_day",
                                                    "permitted EST to call_club for last_day"}


def test_membership_without_a_date_is_as_of_the_case_date(membership_result):
    # EST left on 2010-01-01 (exclusive), LVA is still a member on 2015-01-01
    assert acts(membership_result, "pay_dues") == {"obliged LVA to pay_dues"}


def test_quantifier_over_members_at_a_date(membership_result):
    # LVA is a member on every incident date; on 'before' and 'after' EST is not, but is the victim anyway
    assert acts(membership_result, "assist") == {"obliged LVA to assist EST"}
    proof = find_one(membership_result, "obliged LVA to assist EST").derivation
    members = [p for p in proof.premises if isinstance(p, MemberPremise)]
    assert members and all(m.state == "LVA" and m.organization == "club" for m in members)
    assert members[0].tenure.start == dt.date(2004, 3, 29)
    assert members[0].tenure.origin.file.endswith("club.org.yaml")
    origin = members[0].tenure.origin
    assert CLUB.splitlines()[origin.line - 1].strip() == "- state: LVA"


def test_case_can_add_members(run_case):
    result = run_case(MEMBERSHIP, dedent('''
        case: club2
        as_of: 2015-01-01
        states: [FIN]
        organizations:
          - id: club
            members:
              - {state: FIN, from: 2014-12-31}
    '''), files={"club.org.yaml": CLUB})
    assert acts(result, "pay_dues") == {"obliged FIN to pay_dues"}


def test_case_can_replace_members(run_case):
    result = run_case(MEMBERSHIP, dedent('''
        case: club3
        as_of: 2015-01-01
        states: [FIN, LVA]
        organizations:
          - id: club
            replace: true
            members:
              - {state: FIN, from: 2014-12-31}
    '''), files={"club.org.yaml": CLUB})
    assert acts(result, "pay_dues") == {"obliged FIN to pay_dues"}


# --------------------------------------------------------------------- time

TIMED = REGIME + dedent('''
    rule report "report"
      cites "Art. 1"
      when incident(I, victim: V)
      then obliged V to report I to security_council
      until report(_, by: V, about: I)

    rule new_law "a later rule"
      cites "Art. 2"
      in force from 2021-01-01
      when state(S)
      then obliged S to register

    rule old_law "an earlier rule"
      cites "Art. 3"
      in force before 2019-06-01
      when state(S)
      then obliged S to file_forms
''')


def timed_case(as_of: str) -> str:
    return dedent(f'''
        case: timed
        as_of: {as_of}
        incidents:
          - {{id: i1, kind: border_incident, date: 2019-01-01, victim: EST, author: RUS}}
          - {{id: i2, kind: border_incident, date: 2019-03-01, victim: LVA, author: RUS}}
          - {{id: i3, kind: border_incident, date: 2020-06-01, victim: LTU, author: RUS}}
        reports:
          - {{id: rep, by: EST, to: security_council, date: 2019-05-01, about: i1}}
    ''')


def test_events_after_the_case_date_are_ignored(run_case):
    result = run_case(TIMED, timed_case("2019-02-01"))
    assert acts(result, "report") == {"obliged EST to report i1 to security_council"}
    assert find_one(result, "obliged EST to report i1 to security_council").status == IN_FORCE
    note = next(d for d in result.diagnostics if d.code == "I001")
    assert "i2" in note.message and "i3" in note.message and "rep" in note.message
    assert "i1" not in note.message


def test_until_ends_a_conclusion(run_case):
    result = run_case(TIMED, timed_case("2019-06-01"))
    ended = find_one(result, "obliged EST to report i1 to security_council")
    assert ended.status == ENDED
    assert ended.ended_by is not None and ended.ended_by.kind == "until"
    assert any(isinstance(p, FactPremise) and p.pred == "report" for p in ended.ended_by.premises)
    assert find_one(result, "obliged LVA to report i2 to security_council").status == IN_FORCE
    assert ended not in result.in_force()


def test_rules_in_force_only_within_their_dates(run_case):
    early = run_case(TIMED, timed_case("2019-02-01"))
    assert acts(early, "file_forms") and not acts(early, "register")


def test_rule_not_yet_in_force(run_case):
    late = run_case(TIMED, timed_case("2021-01-01"))
    assert acts(late, "register") and not acts(late, "file_forms")


def test_regime_not_in_force(run_case):
    result = run_case(dedent('''
        regime r "R" cites "x" in force from 2030-01-01
        rule a cites "c" when state(S) then obliged S to go
    '''), "case: x\nas_of: 2020-01-01\nstates: [EST]\n")
    assert result.conclusions == []


# -------------------------------------------------------------- defeat

DEFEAT = dedent('''
    regime a "A" cites "Treaty A"

    rule no_force "no force"
      cites "A, art. 1"
      when state(S) and state(T) and S != T
      then forbidden S to use_force against T

    rule defence "self-defence"
      cites "A, art. 2"
      when incident(I, author: X, victim: V)
      then permitted V to use_force against X
      overrides no_force

    rule help "help"
      cites "A, art. 3"
      when request(R, by: V, to: S)
      then obliged S to assist V
      unless claim(_, by: S, kind: neutrality)

    rule trade "trade"
      cites "A, art. 4"
      when state(S) and state(T) and S != T
      then obliged S to trade_with T

    rule travel "travel"
      cites "A, art. 5"
      when state(S) and state(T) and S != T
      then permitted S to travel_to T

    priority a over b for obliged, forbidden
      cites "A, art. 103"

    regime b "B" cites "Treaty B"

    rule embargo "embargo"
      cites "B, art. 1"
      when state(S) and state(T) and S != T
      then forbidden S to trade_with T

    rule closed_borders "closed borders"
      cites "B, art. 2"
      when state(S) and state(T) and S != T
      then forbidden S to travel_to T

    rule sing "sing"
      cites "B, art. 3"
      when state(S) and state(T) and S != T
      then obliged S to sing_with T

    rule silence "silence"
      cites "B, art. 4"
      when state(S) and state(T) and S != T
      then forbidden S to sing_with T
''')

DEFEAT_CASE = dedent('''
    case: defeat
    as_of: 2020-01-01
    states: [FIN, EST]
    incidents:
      - {id: i1, kind: border_incident, date: 2019-03-28, victim: EST, author: FIN}
    requests:
      - {id: r1, by: EST, to: [FIN], kind: assistance, date: 2019-01-01}
    claims:
      - {id: cl, by: FIN, kind: neutrality, date: 2019-05-01}
''')


@pytest.fixture
def defeat_result(run_case):
    return run_case(DEFEAT, DEFEAT_CASE)


def test_unless_defeats_by_exception(defeat_result):
    c = find_one(defeat_result, "obliged FIN to assist EST")
    assert c.status == DEFEATED
    assert c.excepted_by is not None and c.excepted_by.kind == "unless"
    assert [d.reason for d in c.defeated_by] == ["exception"]
    assert "exception" in c.to_json()["defeated_by"]


def test_overrides_defeats_the_overridden_conclusion(defeat_result):
    loser = find_one(defeat_result, "forbidden EST to use_force against FIN")
    winner = find_one(defeat_result, "permitted EST to use_force against FIN")
    assert loser.status == DEFEATED and winner.status == IN_FORCE
    assert [(d.by, d.reason, d.by_rule) for d in loser.defeated_by] == [(winner.id, "override", "a.defence")]
    assert [d.by for d in winner.defeats] == [loser.id]
    assert loser.to_json()["defeated_by"] == [winner.id]


def test_override_applies_only_to_the_same_act(defeat_result):
    # the attacker is still forbidden to use force against the victim
    assert find_one(defeat_result, "forbidden FIN to use_force against EST").status == IN_FORCE


def test_regime_priority_decides_a_clash(defeat_result):
    assert find_one(defeat_result, "obliged FIN to trade_with EST").status == IN_FORCE
    loser = find_one(defeat_result, "forbidden FIN to trade_with EST")
    assert loser.status == DEFEATED
    assert [(d.reason, d.by_rule) for d in loser.defeated_by] == [("priority", "a.trade")]


def test_priority_only_for_its_modalities(defeat_result):
    # a's permission is not covered by `for obliged, forbidden`: the clash stays a conflict
    permitted = find_one(defeat_result, "permitted FIN to travel_to EST")
    forbidden = find_one(defeat_result, "forbidden FIN to travel_to EST")
    assert permitted.status == forbidden.status == IN_CONFLICT


def test_incompatible_undefeated_conclusions_conflict(defeat_result):
    obliged = find_one(defeat_result, "obliged FIN to sing_with EST")
    forbidden = find_one(defeat_result, "forbidden FIN to sing_with EST")
    assert obliged.status == forbidden.status == IN_CONFLICT
    assert [d.by for d in obliged.conflicts_with] == [forbidden.id]
    assert [d.by for d in forbidden.conflicts_with] == [obliged.id]
    pairs = {frozenset((a.id, b.id)) for a, b in defeat_result.conflicts}
    assert frozenset((obliged.id, forbidden.id)) in pairs
    assert defeat_result.to_json()["conflicts"]
    # both proofs are kept
    assert obliged.derivation.name == "b.sing" and forbidden.derivation.name == "b.silence"


def test_conflicts_list_each_pair_once(defeat_result):
    pairs = [frozenset((a.id, b.id)) for a, b in defeat_result.conflicts]
    assert len(pairs) == len(set(pairs))
    # sing/silence for two directions and travel for two directions
    assert len(pairs) == 4


def test_obligation_and_permission_do_not_conflict(run_case):
    result = run_case(REGIME + dedent('''
        rule o cites "c" when state(S) then obliged S to go
        rule p cites "c" when state(S) then permitted S to go
    '''), "case: x\nas_of: 2020-01-01\nstates: [EST]\n")
    assert {c.status for c in result.conclusions} == {IN_FORCE}
    assert result.conflicts == []


def test_priority_declared_in_another_file(run_case):
    result = run_case(dedent('''
        regime a "A" cites "Treaty A"
        rule trade cites "A, art. 1" when state(S) and state(T) and S != T then obliged S to trade_with T
    '''), DEFEAT_CASE, files={"b.casus": dedent('''
        regime b "B" cites "Treaty B"
        rule embargo cites "B, art. 1" when state(S) and state(T) and S != T then forbidden S to trade_with T
        priority a over b cites "A, art. 103"
    ''')})
    assert find_one(result, "obliged FIN to trade_with EST").status == IN_FORCE
    assert find_one(result, "forbidden FIN to trade_with EST").status == DEFEATED


# ------------------------------------------------------ voting procedures

ELECTED_2026 = ["BHR", "COD", "COL", "DNK", "GRC", "LBR", "LVA", "PAK", "PAN", "SOM"]
P5_2026 = ["CHN", "FRA", "GBR", "RUS", "USA"]
ELECTED_1950 = ["CUB", "ECU", "EGY", "IND", "NOR", "YUG"]
P5_1950 = ["CHN", "FRA", "GBR", "SUN", "USA"]


def sc_vote(rules, date, votes: dict[str, list[str]], matter="substantive", parties=(), as_of=None):
    lines = [
        "case: vote", f"as_of: {as_of or date}", "decisions:", "  - id: d1", "    organ: security_council",
        f"    date: {date}", f"    matter: {matter}",
    ]
    if parties:
        lines.append(f"    parties_to_dispute: [{', '.join(parties)}]")
    if votes:
        lines.append("    votes:")
        lines += [f"      {k}: [{', '.join(v)}]" for k, v in votes.items() if v]
    result = evaluate(rules, load_case_text("\n".join(lines) + "\n", "vote.yaml"))
    return result, result.decision("d1")


def others(*excluded, pool=ELECTED_2026 + P5_2026):
    return [s for s in pool if s not in excluded]


def test_veto_of_a_permanent_member_defeats_13_votes(stdlib_rules):
    _, d = sc_vote(stdlib_rules, "2026-03-02", {"yes": others("RUS", "CHN"), "no": ["RUS"], "abstain": ["CHN"]})
    assert d.adopted is False
    assert d.procedure == "un_charter.sc_substantive"
    assert "27(3)" in d.citation
    tally = next(p for p in d.derivation.premises if isinstance(p, TallyPremise))
    assert dict(tally.counts)["yes"] == 13 and tally.vetoes == ("RUS",)


def test_abstention_of_a_permanent_member_is_no_veto(stdlib_rules):
    _, d = sc_vote(stdlib_rules, "2026-03-02", {"yes": others("RUS"), "abstain": ["RUS"]})
    assert d.adopted is True


def test_absence_of_a_permanent_member_is_no_veto(stdlib_rules):
    _, d = sc_vote(stdlib_rules, "2026-03-02", {"yes": others("RUS")})
    assert d.adopted is True
    tally = next(p for p in d.derivation.premises if isinstance(p, TallyPremise))
    assert dict(tally.counts)["absent"] == 1


def test_an_elected_members_no_is_no_veto(stdlib_rules):
    _, d = sc_vote(stdlib_rules, "2026-03-02", {"yes": others("PAK"), "no": ["PAK"]})
    assert d.adopted is True


@pytest.mark.parametrize("n_yes, adopted", [(8, False), (9, True)])
def test_nine_votes_are_needed(stdlib_rules, n_yes, adopted):
    yes = P5_2026 + ELECTED_2026[: n_yes - 5]
    _, d = sc_vote(stdlib_rules, "2026-03-02", {"yes": yes, "abstain": ELECTED_2026[n_yes - 5:]})
    assert d.adopted is adopted


@pytest.mark.parametrize("n_yes, adopted", [(6, False), (7, True)])
def test_1950_council_of_eleven_needs_seven_votes(stdlib_rules, n_yes, adopted):
    yes = P5_1950 + ELECTED_1950[: n_yes - 5]
    _, d = sc_vote(stdlib_rules, "1950-06-27", {"yes": yes, "no": ELECTED_1950[n_yes - 5:]})
    assert d.procedure == "un_charter.sc_substantive_1945"
    assert d.adopted is adopted
    tally = next(p for p in d.derivation.premises if isinstance(p, TallyPremise))
    assert dict(tally.counts)["members"] == 11


def test_1950_absence_of_the_soviet_union_is_no_veto(stdlib_rules):
    # SC res. 83 (1950): adopted in the absence of the USSR
    _, absent = sc_vote(stdlib_rules, "1950-06-27", {"yes": others("SUN", pool=ELECTED_1950 + P5_1950)})
    _, no = sc_vote(stdlib_rules, "1950-06-27", {"yes": others("SUN", pool=ELECTED_1950 + P5_1950), "no": ["SUN"]})
    assert absent.adopted is True and no.adopted is False


def test_the_amendment_date_selects_the_procedure(stdlib_rules):
    _, before = sc_vote(stdlib_rules, "1965-08-30", {"yes": ["USA"]})
    _, after = sc_vote(stdlib_rules, "1965-08-31", {"yes": ["USA"]})
    assert before.procedure == "un_charter.sc_substantive_1945"
    assert after.procedure == "un_charter.sc_substantive"


def test_parties_to_a_dispute_are_disregarded_in_pacific_settlement(stdlib_rules):
    votes = {"yes": others("RUS"), "no": ["RUS"]}
    _, with_party = sc_vote(stdlib_rules, "2026-03-02", votes, matter="pacific_settlement", parties=["RUS", "UKR"])
    _, without = sc_vote(stdlib_rules, "2026-03-02", votes, matter="pacific_settlement")
    assert with_party.procedure == "un_charter.sc_pacific_settlement"
    assert with_party.adopted is True and without.adopted is False
    tally = next(p for p in with_party.derivation.premises if isinstance(p, TallyPremise))
    assert tally.disregarded == ("RUS",) and tally.vetoes == ()


def test_a_disregarded_yes_does_not_count_either(stdlib_rules):
    yes = ["PAK", "PAN", "SOM", "DNK"] + P5_2026  # 9 yes, one of them a party
    _, d = sc_vote(stdlib_rules, "2026-03-02", {"yes": yes, "abstain": ["BHR", "COD", "COL", "GRC", "LBR", "LVA"]},
                   matter="pacific_settlement", parties=["PAK"])
    assert d.adopted is False


def test_parties_are_not_disregarded_on_other_matters(stdlib_rules):
    _, d = sc_vote(stdlib_rules, "2026-03-02", {"yes": others("RUS"), "no": ["RUS"]}, parties=["RUS"])
    assert d.adopted is False


def test_votes_of_non_members_are_not_counted(stdlib_rules):
    result, d = sc_vote(stdlib_rules, "2026-03-02", {"yes": others("RUS") + ["DEU"], "no": ["RUS"]})
    assert d.adopted is False
    assert any(w.code == "W404" and "DEU" in w.message for w in result.diagnostics)


def test_adopted_decision_feeds_the_rules(stdlib_rules):
    case = dedent('''
        case: demand
        as_of: 2026-03-10
        states: [RUS, DEU]
        decisions:
          - id: d1
            organ: security_council
            date: 2026-03-02
            votes: {USA: yes, GBR: yes, FRA: yes, CHN: yes, RUS: abstain, DNK: yes, GRC: yes, PAK: yes, PAN: yes, SOM: yes}
            content:
              - demand: withdrawal
                addressee: [RUS]
    ''')
    result = evaluate(stdlib_rules, load_case_text(case, "demand.yaml"))
    assert result.decision("d1").adopted is True
    assert result.follows("obliged RUS to comply_with d1")
    proof = find_one(result, "obliged RUS to comply_with d1").derivation
    sc = next(p for p in proof.premises if isinstance(p, FactPremise) and p.pred == "sc_decision")
    adopted = next(p for p in sc.derivation.premises if isinstance(p, FactPremise) and p.pred == "adopted")
    assert adopted.derivation.kind == "procedure" and adopted.derivation.name == "un_charter.sc_substantive"


def test_recorded_outcome_without_votes(estonia_result):
    d = estonia_result.decision("nac_statement")
    assert d.adopted is True and d.procedure is None
    assert d.derivation.kind == "recorded"


def test_decision_after_the_case_date_is_not_voted(stdlib_rules):
    result, d = sc_vote(stdlib_rules, "2026-03-02", {"yes": others()}, as_of="2026-03-01")
    assert d is None
    assert any(x.code == "I001" and "d1" in x.message for x in result.diagnostics)


# ----------------------------------------------------------- the standard library


def test_estonia_case_expectations(estonia_result):
    r = estonia_result
    assert r.follows("obliged DEU to assist EST")
    assert r.follows("forbidden RUS to use_force against EST")
    assert r.follows("permitted EST to use_force against RUS")
    assert r.follows("forbidden EST to use_force against RUS", status=DEFEATED)
    assert not r.follows("obliged EST to assist EST")
    assert r.decision("draft_s_2026_150").adopted is False


def test_estonia_wildcard_queries(estonia_result):
    assisting = {c.actor for c in estonia_result.find("obliged _ to assist EST") if c.status == IN_FORCE}
    assert {"DEU", "USA", "FIN", "POL"} <= assisting
    assert "EST" not in assisting and "RUS" not in assisting


# ------------------------------------------------------------------ proofs


def _walk(premises, seen=None):
    for p in premises:
        yield p
        if isinstance(p, FactPremise) and p.derivation is not None:
            yield from _walk(p.derivation.premises)


def test_every_conclusion_names_its_rule_and_citation(estonia_result, stdlib_rules):
    rules = {r.qualname: r for r in stdlib_rules.plan.checked.rules}
    assert estonia_result.conclusions
    for c in estonia_result.conclusions:
        d = c.derivation
        assert d.kind == "rule" and d.name == c.rule
        assert d.citation and d.citation == rules[c.rule].citation == c.citation
        assert d.span is not None and d.span.file.endswith(".casus")
        assert d.premises


def test_case_premises_carry_their_origin(estonia_result):
    lines = ESTONIA.read_text().splitlines()
    c = find_one(estonia_result, "obliged DEU to assist EST", rule="nato.collective_defence")
    leaves = [p for p in _walk(c.derivation.premises) if isinstance(p, FactPremise) and p.derivation is None]
    assert leaves
    for p in leaves:
        assert p.origin is not None, p.text()
        if p.pred == "in_area":  # the treaty area's reference data, with the article it rests on
            assert p.origin.file.endswith("nato.area.yaml") and "art. 6" in p.origin.source
            continue
        assert p.origin.file == "cases/estonia_2026.yaml" or p.origin.file.endswith("estonia_2026.yaml")
        assert p.origin.line >= 1
    incident = next(p for p in leaves if p.pred == "incident")
    assert "id: invasion" in lines[incident.origin.line - 1]
    assert incident.origin.path == "incidents[0]"


def test_membership_premises_cite_the_reference_data(estonia_result):
    c = find_one(estonia_result, "obliged DEU to assist EST", rule="nato.collective_defence")
    members = [p for p in _walk(c.derivation.premises) if isinstance(p, MemberPremise)]
    deu = next(m for m in members if m.state == "DEU")
    assert deu.tenure.origin.file.endswith("nato.org.yaml")
    assert deu.tenure.start == dt.date(1955, 5, 6)


def test_vote_premises_point_at_the_line_of_the_vote(estonia_result):
    lines = ESTONIA.read_text().splitlines()
    d = estonia_result.decision("draft_s_2026_150")
    rus = next(p for p in d.derivation.premises if isinstance(p, FactPremise) and p.pred == "vote" and p.args[1] == "RUS")
    assert "RUS" in lines[rus.origin.line - 1]


def test_explain_of_a_conclusion_shows_rule_citation_and_origins(estonia_result):
    text = find_one(estonia_result, "obliged DEU to assist EST", rule="nato.collective_defence").explain()
    assert "by rule nato.collective_defence" in text
    assert "North Atlantic Treaty, art. 5" in text
    assert "cases/estonia_2026.yaml:" in text or "estonia_2026.yaml:" in text
    assert "by definition armed_attack" in text


def test_why_not_names_the_failing_premise(estonia_result):
    text = estonia_result.explain("obliged SWE to comply_with draft_s_2026_150")
    assert "does not follow" in text
    assert "fails at: sc_decision(draft_s_2026_150)" in text


# --------------------------------------------------------------- library API


def test_evaluate_twice_gives_equal_results(stdlib_rules):
    case = load_case(ESTONIA, stdlib_rules)
    first, second = evaluate(stdlib_rules, case), evaluate(stdlib_rules, case)
    assert first.to_json() == second.to_json()
    assert conclusion_set(first) == conclusion_set(second)


def test_evaluation_does_not_touch_the_rule_set_or_case(stdlib_rules, run_case):
    a = run_case(CLOSURE, CHAIN)
    b = run_case(CLOSURE, CHAIN)
    assert a.to_json() == b.to_json()


def test_evaluations_in_threads_agree(stdlib_rules):
    case = load_case(ESTONIA, stdlib_rules)
    expected = evaluate(stdlib_rules, case).to_json()
    barrier = threading.Barrier(4)

    def job(_):
        barrier.wait()
        return evaluate(stdlib_rules, case).to_json()

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(job, range(4)))
    assert all(r == expected for r in results)


def test_result_json_shape(estonia_result):
    import json

    data = estonia_result.to_json()
    json.dumps(data)  # serialisable
    assert data["case"] == "estonia_2026" and data["as_of"] == "2026-03-05"
    assert len(data["conclusions"]) == len(estonia_result.conclusions)
    for c in data["conclusions"]:
        for key in ("modality", "actor", "action", "counterparty", "rule", "citation", "regime", "status"):
            assert key in c
        assert c["modality"] in ("obliged", "permitted", "forbidden")
        assert c["status"] in (IN_FORCE, DEFEATED, IN_CONFLICT, ENDED)
        assert c["rule"].startswith(c["regime"] + ".")
        assert c["proof"]["name"] == c["rule"]
    draft = next(d for d in data["decisions"] if d["decision"] == "draft_s_2026_150")
    assert draft["adopted"] is False and draft["procedure"] == "un_charter.sc_substantive"


def test_conclusions_are_sorted(estonia_result):
    keys = [c.sort_key() for c in estonia_result.conclusions]
    assert keys == sorted(keys)


def test_an_invariant_over_the_object_slot_can_fire(tmp_path):
    """`obliged S to comply_with D` puts D in the object slot, where the invariant looks: a rule that
    made Assembly recommendations binding is caught (before, the slots differed and it never fired)."""
    from pathlib import Path
    from engine import evaluate, load_case, load_rules
    root = Path(__file__).resolve().parent.parent
    extra = tmp_path / "bad.casus"
    extra.write_text('regime un_charter\n'
                     'rule bad "A faulty rule" cites "none"\n'
                     '  when decision(D, organ: general_assembly) and adopted(D) and state(S)\n'
                     '  then obliged S to comply_with D\n', encoding="utf-8")
    rules = load_rules([root / "rules", extra])
    result = evaluate(rules, load_case(root / "cases" / "hypothetical_uniting_for_peace_1951.yaml", rules))
    assert any(v.invariant.endswith("ga_recommendations_do_not_oblige") for v in result.violations)
