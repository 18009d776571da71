"""Voting procedures: whether a decision in the case was validly adopted, and the counts behind it.

The evaluator decides every decision of a case with `decide`; `casus power`
reads the same procedures as simple games through `counters` and `passes`, so
what "present", "voting" and a veto mean is written once.
"""

from __future__ import annotations

from fractions import Fraction

from engine.diagnostics import Diagnostic
from engine.lang import ast
from engine.run.database import Database
from engine.run.match import compare
from engine.run.results import DecisionOutcome, Derivation, DerivationKind, TallyPremise, TestPremise, show
from engine.vocabulary import VOTE_VALUES


def counters(yes: int, no: int, abstain: int, absent: int, vetoes: int) -> dict[str, Fraction]:
    """The counts a procedure's `requires` may compare: `members` are all who could vote (parties to
    the dispute left out), `present` those who voted or abstained, `voting` those who voted yes or no."""
    return {"yes": Fraction(yes), "no": Fraction(no), "abstain": Fraction(abstain), "absent": Fraction(absent),
            "members": Fraction(yes + no + abstain + absent), "present": Fraction(yes + no + abstain),
            "voting": Fraction(yes + no), "vetoes": Fraction(vetoes)}


def passes(proc: ast.Procedure, env: dict[str, Fraction]) -> bool:
    """Whether every threshold of the procedure holds for these counts."""
    return all(threshold(cond, env) for cond in proc.requires)


def decide(db: Database) -> list[DecisionOutcome]:
    """Apply the voting procedures to every decision taken by the case's date."""
    checked = db.plan.checked
    outcomes = []
    votes: dict[str, dict[str, str]] = {}
    for d, s, v in db.relation("vote").rows:
        votes.setdefault(d, {})[s] = v
    parties: dict[str, set[str]] = {}
    for d, s in db.relation("party_to_dispute").rows:
        parties.setdefault(d, set()).add(s)

    for decision, organ, day, matter in sorted(db.relation("decision").rows, key=repr):
        attrs = db.store.attributes.get(decision, {})
        recorded = attrs.get("adopted")
        chosen = attrs.get("procedure")
        candidates = [
            p for p in checked.procedures
            if (chosen in (p.name, p.qualname) if chosen else
                p.organ == organ and (matter in p.matters if p.matters else matter == "substantive"))
            and (p.in_force is None or p.in_force.covers(day))
        ]
        symbol = attrs.get("symbol")
        if isinstance(recorded, bool) and not votes.get(decision):
            # no vote record: the case's recorded outcome (e.g. a consensus decision) is the evidence
            candidates = []
        if not candidates:
            adopted = recorded if isinstance(recorded, bool) else None
            derivation = None
            if adopted is not None:
                derivation = Derivation(DerivationKind.RECORDED, "recorded outcome", None, None, (("D", decision),),
                                        (db.premise("decision", (decision, organ, day, matter)),))
            note = None if chosen is None else f"no procedure named '{chosen}' is in force on {show(day)}"
            if adopted is None:
                note = note or f"no voting procedure of {organ} for {matter} matters is in force on {show(day)}"
                db.diagnostics.append(Diagnostic("W401", f"decision '{decision}': {note}; its outcome is unknown",
                                                 severity="warning"))
            outcomes.append(DecisionOutcome(decision, organ, day, symbol, None, None, adopted, derivation, note))
            _record_outcome(db, decision, adopted, derivation, ())
            continue
        proc = min(candidates, key=lambda p: (p.regime, p.name))
        if len(candidates) > 1:
            db.diagnostics.append(Diagnostic(
                "W402", f"decision '{decision}': several procedures apply ("
                f"{', '.join(sorted(p.qualname for p in candidates))}); using {proc.qualname}",
                severity="warning"))
        outcome, derivation, vetoes = _tally(db, proc, decision, organ, day, matter, votes.get(decision, {}),
                                             parties.get(decision, set()))
        note = None
        if isinstance(recorded, bool) and recorded != outcome:
            note = f"the case records it as {'adopted' if recorded else 'not adopted'}, but {proc.name} says otherwise"
            db.diagnostics.append(Diagnostic("W403", f"decision '{decision}': {note}", severity="warning"))
        outcomes.append(DecisionOutcome(decision, organ, day, symbol, proc.qualname, proc.citation,
                                        outcome, derivation, note))
        _record_outcome(db, decision, outcome, derivation, vetoes)
    return outcomes


def _record_outcome(db: Database, decision: str, adopted: bool | None, derivation, vetoes) -> None:
    if adopted is None:
        return
    fact = ("adopted" if adopted else "rejected", decision)
    db.relation(fact[0]).add(fact[1:])
    db.derivations[fact] = derivation
    for state in vetoes:
        db.relation("vetoed").add((decision, state))
        db.derivations[("vetoed", decision, state)] = derivation


def _tally(db: Database, proc: ast.Procedure, decision, organ, day, matter, cast: dict[str, str], parties: set[str]):
    members = [t.state for t in db.store.members(proc.body, day)] if proc.body in db.store.tenures else sorted(cast)
    vetoers = {t.state for t in db.store.members(proc.veto, day)} if proc.veto else set()
    # parties to the dispute do not vote: they are left out of every count, the number of
    # members included (Art. 27(3) "shall abstain"; Rio Treaty art. 18 "excluded from the voting")
    disregarded = sorted(parties & set(members)) if proc.disregards_parties else []
    members = [m for m in members if m not in disregarded]
    counts = {v: 0 for v in VOTE_VALUES}
    vetoes = []
    premises: list = []
    for state in members:
        vote = cast.get(state, "absent")
        counts[vote] += 1
        if vote == "no" and state in vetoers:
            vetoes.append(state)
        if state in cast:
            premises.append(db.premise("vote", (decision, state, cast[state])))
    outsiders = sorted(set(cast) - set(members) - set(disregarded))
    if outsiders:
        db.diagnostics.append(Diagnostic(
            "W404", f"decision '{decision}': {', '.join(outsiders)} voted but "
            f"{'is' if len(outsiders) == 1 else 'are'} not member(s) of {proc.body} on {show(day)}; "
            "their votes are not counted", severity="warning"))
    env = counters(**counts, vetoes=len(vetoes))
    tests = []
    for cond in proc.requires:
        tests.append((_renderthreshold(cond, env), threshold(cond, env)))
    adopted = all(ok for _, ok in tests)
    # a permanent member's negative vote is a veto only where it decides: the draft would
    # otherwise have passed (a draft short of nine votes fails for that, not for a veto)
    decisive = not adopted and passes(proc, {**env, "vetoes": Fraction(0)})
    if not decisive:
        vetoes = []
    tally = TallyPremise(decision, proc.qualname,
                         tuple((k, int(v)) for k, v in env.items()), tuple(vetoes), tuple(disregarded), tuple(tests))
    premises = [db.premise("decision", (decision, organ, day, matter)), tally, *premises]
    premises += [TestPremise(f"{text}: {'holds' if ok else 'fails'}") for text, ok in tests]
    derivation = Derivation(DerivationKind.PROCEDURE, proc.qualname, proc.title, proc.citation,
                            (("D", decision),), tuple(premises), proc.span)
    return adopted, derivation, vetoes


def threshold(cond, env) -> bool:
    if isinstance(cond, ast.And):
        return all(threshold(c, env) for c in cond.items)
    if isinstance(cond, ast.Or):
        return any(threshold(c, env) for c in cond.items)
    if isinstance(cond, ast.Not):
        return not threshold(cond.cond, env)
    if isinstance(cond, ast.Comparison):
        left, right = _arith(cond.left, env), _arith(cond.right, env)
        return left is not None and right is not None and compare(left, cond.op, right)
    return False


def _arith(expr, env):
    if isinstance(expr, ast.Const):
        return env.get(expr.value) if expr.kind == "name" else expr.value
    if isinstance(expr, ast.BinOp):
        left, right = _arith(expr.left, env), _arith(expr.right, env)
        if left is None or right is None or (expr.op == "/" and right == 0):
            return None
        return {"+": lambda: left + right, "-": lambda: left - right, "*": lambda: left * right,
                "/": lambda: left / right}[expr.op]()
    return None


def _renderthreshold(cond, env) -> str:
    if isinstance(cond, (ast.And, ast.Or)):
        joiner = " and " if isinstance(cond, ast.And) else " or "
        return joiner.join(_renderthreshold(c, env) for c in cond.items)
    if isinstance(cond, ast.Not):
        return f"not ({_renderthreshold(cond.cond, env)})"
    if isinstance(cond, ast.Comparison):
        def side(e):
            if isinstance(e, ast.Const) and e.kind == "name":
                return f"{e.value} ({show(env.get(e.value))})"
            if isinstance(e, ast.BinOp):
                return f"{side(e.left)} {e.op} {side(e.right)}"
            return show(e.value) if isinstance(e, ast.Const) else "?"
        return f"{side(cond.left)} {cond.op} {side(cond.right)}"
    return "?"
