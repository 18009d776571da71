"""Property-based testing of rule sets with hypothesis.

`cases(rules)` generates valid case files shaped by what the rules read: the
organizations they quantify over and vote in, the kinds of incidents, findings,
requests and claims they mention, dates inside their regimes' time in force.
Every part can be fixed or replaced by a strategy of the caller's, and all
lists shrink towards fewer, simpler entries.

`prove(rules)` searches for a case that violates an invariant and returns the
shrunk counterexample.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any, Callable

import yaml
from hypothesis import HealthCheck, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample, Unsatisfiable

from engine.lang import ast
from engine.vocabulary import (ATTRIBUTIONS, CASE_PREDICATES, CLAIM_KINDS, CONDUCTS, FINDINGS, INCIDENT_KINDS,
                               MEASURE_KINDS, OPERATION_MEANS, REQUEST_KINDS, SCALES, SETTLEMENT_MEANS,
                               SETTLEMENT_OUTCOMES, SPONSOR_LINKS, VOTE_VALUES)
from engine.inputs.load import Case
from engine.inputs.casefile import CaseFile
from engine.run.api import evaluate
from engine.run.results import Result
from engine.inputs.rulebook import RuleSet

MAX_VOTING_BODY = 40  # larger bodies (the General Assembly) vote in lists, not state by state


@dataclass(frozen=True)
class Shape:
    """What a rule set reads, to aim generation at it."""

    names: frozenset[str]  # every name constant the rules mention
    organizations: tuple[str, ...]  # organizations with membership data that the rules mention
    organs: tuple[tuple[str, str, str, str], ...]  # (organ, body, matter, procedure) that procedures decide for
    start: dt.date
    end: dt.date
    mentioned: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "pred.param" or ".attr" -> constants

    def values(self, key: str) -> tuple[str, ...]:
        """The constants the rules compare a case predicate's argument (or an attribute) with."""
        return self.mentioned.get(key, ())


def shape(rules: RuleSet) -> Shape:
    checked = rules.plan.checked
    names: set[str] = set()
    mentioned: dict[str, set[str]] = {}
    decls = [*checked.rules, *(d for defs in checked.definitions.values() for d in defs), *checked.invariants]
    for decl in decls:
        for node in ast.walk(decl):
            if isinstance(node, ast.Const) and node.kind in ("name", "string"):
                names.add(str(node.value))
            elif isinstance(node, ast.Atom) and node.pred in CASE_PREDICATES:
                params = CASE_PREDICATES[node.pred]
                for i, arg in enumerate(node.args):
                    param = arg.name or (params[i] if i < len(params) else None)
                    if param and isinstance(arg.term, ast.Const) and arg.term.kind in ("name", "string"):
                        mentioned.setdefault(f"{node.pred}.{param}", set()).add(str(arg.term.value))
            elif isinstance(node, ast.Comparison):
                for side, other in ((node.left, node.right), (node.right, node.left)):
                    if isinstance(side, ast.Attr) and isinstance(other, ast.Const) and other.kind in ("name", "string"):
                        mentioned.setdefault(f".{side.attr}", set()).add(str(other.value))
        if isinstance(decl, ast.Rule) and decl.quantifier:
            names.add(decl.quantifier.organization)
    organs = []
    for p in checked.procedures:
        if p.body in rules.organizations and p.organ:
            for matter in p.matters or ("substantive",):
                organs.append((p.organ, p.body, matter, p.name))
    names |= {p.body for p in checked.procedures if p.body} | {p.veto for p in checked.procedures if p.veto}
    starts = [r.in_force.start for r in checked.regimes.values() if r.in_force and r.in_force.start]
    start = max(min(starts), dt.date(1946, 1, 1)) if starts else dt.date(1946, 1, 1)
    return Shape(frozenset(names), tuple(sorted(o for o in rules.organizations if o in names)),
                 tuple(sorted(set(organs))), start, dt.date.today(),
                 {k: tuple(sorted(v)) for k, v in sorted(mentioned.items())})


def _prefer(values: tuple[str, ...], names: frozenset[str]) -> tuple[str, ...]:
    """Values the rules mention first: hypothesis shrinks towards the front."""
    return tuple(v for v in values if v in names) + tuple(v for v in values if v not in names)


def _resolve(value, default: st.SearchStrategy) -> st.SearchStrategy:
    if value is None:
        return default
    if isinstance(value, st.SearchStrategy):
        return value
    return st.just(value)


@dataclass(frozen=True)
class _Vocabulary:
    """What one rule set lets a generated case say, computed once per `cases()` call."""

    rules: RuleSet
    shape: Shape
    kinds: tuple[str, ...]
    scales: tuple[str, ...]
    request_kinds: tuple[str, ...]
    findings: tuple[str, ...]
    claim_kinds: tuple[str, ...]
    # members by (organization, day): keyed on names, since hashing and comparing a membership
    # list of 193 entries on every draw made shrinking crawl
    _seen: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def members(self, organization: str, day: dt.date) -> list[str]:
        key = (organization, day)
        found = self._seen.get(key)
        if found is None:
            found = self._seen[key] = sorted(self.rules.organizations[organization].data.members_on(day))
        return found


def cases(rules: RuleSet, *, as_of=None, states=None, incidents=None, decisions=None, requests=None,
          claims=None, reports=None, responses=None, operations=None, disputes=None, settlement=None,
          max_states: int = 4) -> st.SearchStrategy[dict]:
    """Case files (as plain data) for `rules`; any part may be a fixed value or a strategy."""
    sh = shape(rules)
    vocabulary = _Vocabulary(
        rules, sh, _prefer(INCIDENT_KINDS, sh.names), _prefer(SCALES, sh.names),
        _prefer(REQUEST_KINDS, sh.names), _prefer(FINDINGS, sh.names),
        _prefer(tuple(dict.fromkeys(CLAIM_KINDS + sh.values("claim.kind"))), sh.names))
    parts = {"as_of": as_of, "states": states, "incidents": incidents, "decisions": decisions,
             "requests": requests, "claims": claims, "reports": reports, "responses": responses,
             "operations": operations, "disputes": disputes, "settlement": settlement}
    return _case(vocabulary, parts, max_states)


@st.composite
def _case(draw, v: _Vocabulary, parts: dict, max_states: int) -> dict:
    sh = v.shape
    day = draw(_resolve(parts["as_of"], st.dates(sh.start + dt.timedelta(days=60), sh.end)))
    chosen = list(draw(_resolve(parts["states"], _states(v, day, max_states))))
    offsets = st.integers(0, 30)

    def when() -> dt.date:
        return day - dt.timedelta(days=draw(offsets))

    data: dict[str, Any] = {"case": "generated", "title": "Generated case", "as_of": day, "states": chosen}
    raw = draw(_resolve(parts["incidents"], st.lists(_incident_seed(v, tuple(chosen)), min_size=1, max_size=2)))
    incidents = []
    for i, x in enumerate(raw):
        if "id" in x:  # a caller's own incident, already in case-file form
            incidents.append(x)
            continue
        victim = x["victim"] if x["victim"] != x["author"] else next(s for s in chosen if s != x["author"])
        date = when()
        author: Any = x["author"]
        if x["coauthor"] is not None and x["coauthor"] not in (x["author"], victim):
            author = [x["author"], x["coauthor"]]  # a joint invasion, a coalition
        item = {"id": f"inc{i + 1}", "kind": x["kind"], "date": date, "author": author,
                "victim": victim, "scale": x["scale"]}
        if x["attribution"] != "state":
            item["attribution"] = x["attribution"]
        if x["effects"]:
            item["effects"] = x["effects"]
        if x["ended"]:  # a continuing incident that has ended by the case's date
            item["ended"] = item["date"] + dt.timedelta(days=draw(st.integers(0, (day - item["date"]).days)))
        if x["where"] == "outside":
            outside = [s for s in _state_pool(v, day) if s not in chosen]
            if outside:
                item["place"] = draw(st.sampled_from(outside))
        elif x["where"] == "subdivision":  # a place below the victim: Hawaii, Ceuta, French Guiana ...
            below = _places_of(v, victim, date)
            if below:
                item["place"] = draw(st.sampled_from(below))
        elif x["where"] == "forces":  # the victim's forces, vessels or aircraft, somewhere
            item["forces"] = {"of": victim, "at": draw(st.sampled_from(_force_places(v, chosen)))}
        if x["conduct"]:  # support to others' armed activities, armed bands: not always the author's own forces
            item["conduct"] = x["conduct"]
        if x["sponsor"] is not None:
            item["sponsor"] = {"state": x["sponsor"][0], "link": x["sponsor"][1]}
        if x["origin"] is not None:  # launched from elsewhere: another state, or a territory under occupation
            item["origin"] = x["origin"]
        if x["tolerated"] is not None:
            item["tolerated_by"] = [x["tolerated"]]
        incidents.append(item)
    data["incidents"] = incidents
    ids = tuple(x["id"] for x in incidents)
    chosen_t = tuple(chosen)
    data["decisions"] = draw(_resolve(parts["decisions"], _decisions(v, chosen_t, ids, day)))
    victims = {x["id"]: x["victim"] for x in incidents}
    data["requests"] = draw(_resolve(parts["requests"], _requests(v, chosen_t, victims, day)))
    data["claims"] = draw(_resolve(parts["claims"], _claims(v, chosen_t, ids, day)))
    data["reports"] = draw(_resolve(parts["reports"], _reports(v, chosen_t, ids, day)))
    decision_ids = tuple(d["id"] for d in data["decisions"] if "id" in d)
    data["operations"] = draw(_resolve(parts["operations"], _operations(v, chosen_t, decision_ids, day)))
    data["disputes"] = draw(_resolve(parts["disputes"], _disputes(chosen_t, ids, day)))
    data["settlement"] = draw(_resolve(parts["settlement"], _settlement(v, chosen_t, tuple(
        x["id"] for x in data["disputes"]), day)))
    # drawn last, so that the parts above come out as they did before these fields existed
    if parts["requests"] is None:
        data["requests"] = [draw(_consent_limits(v, dict(r), chosen_t, day)) for r in data["requests"]]
    data["responses"] = draw(_resolve(parts["responses"], _responses(v, chosen_t, tuple(incidents), day)))
    return {k: val for k, val in data.items() if val != []}


def _incident_seed(v: _Vocabulary, chosen: tuple[str, ...]) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({
        "kind": st.sampled_from(v.kinds),
        "author": st.sampled_from(chosen),
        "coauthor": st.none() | st.sampled_from(chosen),
        "victim": st.sampled_from(chosen),
        "scale": st.sampled_from(v.scales),
        "attribution": st.sampled_from(ATTRIBUTIONS),
        "effects": st.lists(st.sampled_from(v.shape.values("effect.effect")), max_size=2, unique=True)
        if v.shape.values("effect.effect") else st.just([]),
        "ended": st.booleans(),
        # where it happened: the victim's territory (shrinks to it), a state outside the case, a
        # place below the victim that treaty areas treat apart, or the victim's forces somewhere
        "where": st.sampled_from(("victim", "outside", "subdivision", "forces")),
        "conduct": st.none() | st.lists(st.sampled_from(CONDUCTS), min_size=1, max_size=2, unique=True),
        "sponsor": st.none() | st.tuples(st.sampled_from(chosen), st.sampled_from(SPONSOR_LINKS)),
        "origin": st.none() | st.sampled_from(chosen + _occupied_places(v)),
        "tolerated": st.none() | st.sampled_from(chosen),
    })


def _occupied_places(v: _Vocabulary) -> tuple[str, ...]:
    """Places the reference data records as occupied at some time."""
    return tuple(sorted(p.id for p in v.rules.geography.places.values() if p.occupied))


def _places_of(v: _Vocabulary, state: str, day: dt.date) -> list[str]:
    """Places of the reference data under the state's sovereignty on the day."""
    geo = v.rules.geography
    return sorted(p for p in geo.places if (found := geo.sovereign(p, day)) and found[0] == state)


def _force_places(v: _Vocabulary, chosen: tuple[str, ...]) -> list[str]:
    """Seas and the case's states: where attacked forces may be."""
    seas = sorted(p.id for p in v.rules.geography.places.values() if p.kind == "sea")
    return list(chosen) + seas


def _states(v: _Vocabulary, day: dt.date, max_states: int) -> st.SearchStrategy[list]:
    """States drawn through the organizations the rules read, smallest first, so that
    generated cases have members of the bodies and alliances the rules care about."""
    groups = [(tuple(v.members(o, day)), o) for o in v.shape.organizations]
    groups = [g for g in sorted(groups, key=lambda g: (len(g[0]), g[1])) if g[0]]
    if not groups:
        return st.lists(st.sampled_from(["USA", "RUS", "CHN", "FRA", "GBR"]), min_size=2, max_size=max_states,
                        unique=True)
    one = st.sampled_from(groups).flatmap(lambda g: st.sampled_from(g[0]))
    return st.lists(one, min_size=2, max_size=max_states, unique=True)


def _state_pool(v: _Vocabulary, day: dt.date) -> list[str]:
    pool: set[str] = set()
    for org in v.shape.organizations:
        pool.update(v.members(org, day))
    return sorted(pool) or ["USA", "RUS", "CHN", "FRA", "GBR"]


def _date_before(day: dt.date) -> st.SearchStrategy[dt.date]:
    return st.integers(0, 30).map(lambda n: day - dt.timedelta(days=n))


@st.composite
def _decision(draw, v: _Vocabulary, organs: tuple, chosen: tuple, incident_ids: tuple, day: dt.date,
              index: int) -> dict:
    # organ first, then one of its matters: an organ with many procedures is not drawn more often;
    # organs the rules name come first, and so do substantive matters, which shrink towards them
    names = _prefer(tuple(dict.fromkeys(o[0] for o in organs)), v.shape.names)
    # the Security Council, on which most of the Charter's rules turn, is drawn a third of the time
    council = "security_council" in names and draw(st.integers(0, 2)) == 2
    organ = "security_council" if council else draw(st.sampled_from(names))
    options = [o for o in organs if o[0] == organ]
    options.sort(key=lambda o: (o[2] != "substantive", o[2]))
    organ, body, matter, procedure = draw(st.sampled_from(options))
    date = draw(_date_before(day))
    members = v.members(body, date)
    # most members vote alike; a few dissent: adoptions, vetoes and abstentions all occur, and shrink well
    # most decisions put to a vote are carried by a broad majority; the rest vote any way
    usual = "yes" if draw(st.booleans()) else draw(st.sampled_from(VOTE_VALUES))
    dissent = draw(st.lists(st.tuples(st.sampled_from(members), st.sampled_from(VOTE_VALUES)), max_size=4,
                            unique_by=lambda t: t[0])) if members else []
    votes = {m: usual for m in members}
    votes.update(dict(dissent))
    target: Any = draw(st.sampled_from(chosen))
    group_target = draw(st.integers(0, 3)) == 3  # authorizations and measures may name a non-state group
    about = draw(st.sampled_from(incident_ids))
    kinds = draw(st.lists(st.sampled_from(
        ("determination", "authorization", "measures", "affirmation", "demand", "recommendation", "entrusts")
        + (("terminates", "renews", "suspends", "designates", "delists") if index else ())),
        max_size=3, unique=True))
    if ("measures" in kinds or "authorization" in kinds) and "determination" not in kinds:
        kinds.insert(0, "determination")  # Chapter VII measures rest on an art. 39 determination
    def value(key: str, default: str) -> str:
        """A value the rules look for in this argument, else a usual one."""
        return draw(st.sampled_from(_prefer((default,), frozenset()) + v.shape.values(key)))

    content = []
    for kind in kinds:
        if kind == "determination":
            content.append({"determination": draw(st.sampled_from(v.findings)), "about": about})
        elif kind == "authorization":
            against = [{"group": "Armed Group"}] if group_target else [target]
            content.append({"authorization": value("authorization.action", "use_of_force"), "to": "member_states",
                            "against": against})
        elif kind == "measures":
            content.append(draw(_measures(v, target)))
        elif kind == "affirmation":
            item = {"affirmation": value("affirmation.right", "self_defence")}
            if draw(st.booleans()):  # whose right is affirmed
                item["of"] = [draw(st.sampled_from(chosen))]
            content.append(item)
        elif kind == "demand":
            content.append({"demand": value("demand.action", "withdrawal"), "addressee": [target]})
        elif kind in ("terminates", "renews", "suspends"):  # ends, extends or suspends an earlier decision's measures
            content.append({kind: f"dec{draw(st.integers(1, index))}"})
        elif kind in ("designates", "delists"):  # lists or delists a target under an earlier decision's measures
            content.append({kind: [draw(_listed(target))], "regime": f"dec{draw(st.integers(1, index))}"})
        elif kind == "entrusts":  # a task for the Secretary-General or a committee
            content.append({"entrusts": value("mandate.task", "good_offices"),
                            "to": draw(st.sampled_from(("secretary_general", "committee")))})
        else:
            content.append({"recommendation": value("recommendation.action", "assistance"), "to": "member_states"})
    out = {"id": f"dec{index + 1}", "organ": organ, "date": date, "matter": matter, "concerns": [about],
           "votes": votes, "content": content}
    declared = next(p for p in v.rules.plan.checked.procedures if p.name == procedure and p.organ == organ)
    if (declared.in_force is None or declared.in_force.covers(date)) and draw(st.booleans()):
        out["procedure"] = procedure  # named, as a case may do where several could apply
    vetoers = sorted(set(members) & set(v.members(declared.veto, date))) \
        if declared.veto in v.rules.organizations else []
    if vetoers and draw(st.integers(0, 9)) == 9:  # a veto player votes no: a veto wherever its vote decides
        votes[draw(st.sampled_from(vetoers))] = "no"
    if draw(st.integers(0, 9)) == 9:  # no vote record, only the recorded outcome (e.g. a consensus)
        del out["votes"]
        out["adopted"] = draw(st.booleans())
    parties = draw(st.lists(st.sampled_from(chosen), max_size=2, unique=True))
    if parties:  # parties to the dispute, who must abstain (Charter art. 27(3))
        out["parties_to_dispute"] = parties
    under = draw(st.sampled_from(((), ("chapter_vii",), ("chapter_vi",), ("chapter_vii", "article_41"))))
    if under:
        out["under"] = list(under)
    if draw(st.integers(0, 3)) == 3:  # measures or an authorization for a period, perhaps over by the case's date
        out["expires"] = date + dt.timedelta(days=draw(st.integers(1, 60)))
    return out


def _listed(state: str) -> st.SearchStrategy:
    """A target of measures or of a designation: the state, or a group, an entity, an individual, a territory."""
    return st.sampled_from((state, {"group": "Armed Group"}, {"entity": "Trading Company"},
                            {"individual": "A. Person"}, {"territory": "Some Territory"}))


@st.composite
def _measures(draw, v: _Vocabulary, target: str) -> dict:
    kinds = tuple(dict.fromkeys(("sanctions",) + v.shape.values("measures.kind") + MEASURE_KINDS))
    item: dict[str, Any] = {"measures": draw(st.sampled_from(kinds)),
                            "against": [target if draw(st.booleans()) else draw(_listed(target))]}
    if draw(st.booleans()):  # a committee overseeing them, which may designate targets
        item["committee"] = "committee"
    if draw(st.booleans()):
        item["exemptions"] = [draw(st.sampled_from(("medical_supplies", "foodstuffs")))]
    return item


def _decisions(v: _Vocabulary, chosen: tuple, incident_ids: tuple, day: dt.date) -> st.SearchStrategy[list]:
    organs = tuple(o for o in v.shape.organs if 0 < len(v.members(o[1], day)) <= MAX_VOTING_BODY)
    if not organs:
        return st.just([])
    return st.integers(0, 2).flatmap(
        lambda n: st.tuples(*(_decision(v, organs, chosen, incident_ids, day, i) for i in range(n))).map(list))


@st.composite
def _requests(draw, v: _Vocabulary, chosen: tuple, victims: dict, day: dt.date) -> list:
    targets = list(v.shape.organizations) + list(chosen)
    articles = v.shape.values(".article")
    out = []
    for i in range(draw(st.integers(0, 2))):
        about = draw(st.sampled_from(tuple(victims)))
        # requests for help come mostly from the victim of the incident they are about
        by = victims[about] if not draw(st.booleans()) else draw(st.sampled_from(chosen))
        # and a victim's request most often asks for help against the attack (collective self-defence)
        kinds = v.request_kinds
        if by == victims[about] and "collective_self_defence" in kinds:
            kinds = ("collective_self_defence",) + kinds
        item = {"id": f"req{i + 1}", "by": by, "to": [draw(st.sampled_from(targets))],
                "kind": draw(st.sampled_from(kinds)), "date": draw(_date_before(day)), "about": about}
        if articles and draw(st.booleans()):  # the provision invoked, e.g. TEU art. 42(7)
            item["article"] = draw(st.sampled_from(articles))
        out.append(item)
    return out


# Tasks a consent may be limited to and objectives an act of force may pursue: a shared pool, so that
# generated acts fall both inside and outside a consent's task.
TASKS = ("border_security", "repel_attack", "evacuation")
# necessary, proportionate, ...: stated either way or not shown, found so more often than not
FINDINGS_OF_FACT = (True, True, None, False)


@st.composite
def _consent_limits(draw, v: _Vocabulary, item: dict, chosen: tuple, day: dt.date) -> dict:
    """Now and then one limit of a request: its withdrawal or expiry (by the case's date or not), or its
    bounds to the requesting state's territory or to a task. Few draws, so that larger cases still fit."""
    pick = draw(st.integers(0, 11))
    if pick in (0, 1):
        offset = draw(st.integers(0, max((day - item["date"]).days, 0) + 10))
        item["withdrawn" if pick == 0 else "expires"] = item["date"] + dt.timedelta(days=offset)
    elif pick == 2:
        item["area"] = [item["by"]]
    elif pick == 3:
        item["task"] = TASKS[len(item["id"]) % len(TASKS)]
    return item


_OBJECTIVES = ((), ("border_security",), ("repel_attack",), ("border_security", "repel_attack"))
_RESPONSE_FINDINGS = ("necessary", "proportionate", "attack_ongoing", "immediate")


@st.composite
def _responses(draw, v: _Vocabulary, chosen: tuple, incidents: tuple, day: dt.date) -> list:
    out = []
    pairs = [(a, b) for a in chosen for b in chosen if a != b]
    for i in range(draw(st.integers(0, 2))):
        by, against = draw(st.sampled_from(pairs))
        item: dict[str, Any] = {"id": f"act{i + 1}", "by": by, "against": against, "date": draw(_date_before(day))}
        how = draw(st.integers(0, 7))  # mostly an answer to an incident, by its victim against its author
        if how < 6:
            answered = incidents[how % len(incidents)]
            item["responds_to"] = answered["id"]
            author = answered.get("author")
            author = author[0] if isinstance(author, list) else author
            if how < 4 and isinstance(author, str) and author != answered["victim"]:
                item["by"], item["against"] = answered["victim"], author
                start = answered["date"]  # on the day of the attack or after it
                item["date"] = start + dt.timedelta(days=draw(st.integers(0, max((day - start).days, 0))))
        elif how == 7:  # somewhere else than the target's territory
            item["place"] = by
        objectives = _OBJECTIVES[draw(st.integers(0, len(_OBJECTIVES) - 1))]
        if objectives:
            item["objectives"] = list(objectives)
        code = draw(st.integers(0, 4 ** len(_RESPONSE_FINDINGS) - 1))  # the four findings in one draw
        for finding in _RESPONSE_FINDINGS:
            code, digit = divmod(code, 4)
            if FINDINGS_OF_FACT[digit] is not None:
                item[finding] = FINDINGS_OF_FACT[digit]
        out.append(item)
    return out


@st.composite
def _claims(draw, v: _Vocabulary, chosen: tuple, incident_ids: tuple, day: dt.date) -> list:
    return [{"id": f"claim{i + 1}", "by": draw(st.sampled_from(chosen)), "kind": draw(st.sampled_from(v.claim_kinds)),
             "date": draw(_date_before(day)), "about": draw(st.sampled_from(incident_ids))}
            for i in range(draw(st.integers(0, 1)))]


@st.composite
def _reports(draw, v: _Vocabulary, chosen: tuple, incident_ids: tuple, day: dt.date) -> list:
    organs = tuple(dict.fromkeys(("security_council",) + v.shape.values("report.to")))
    articles = tuple(dict.fromkeys(("51",) + v.shape.values("report.article")))
    return [{"id": f"rep{i + 1}", "by": draw(st.sampled_from(chosen)), "to": draw(st.sampled_from(organs)),
             "date": draw(_date_before(day)), "article": draw(st.sampled_from(articles)),
             "about": draw(st.sampled_from(incident_ids))}
            for i in range(draw(st.integers(0, 1)))]


@st.composite
def _operations(draw, v: _Vocabulary, chosen: tuple, decision_ids: tuple, day: dt.date) -> list:
    """Peace operations established by one of the case's decisions: a host, perhaps contributors, consents
    given and perhaps withdrawn, and mandate items (renewals by other decisions, robust means, targets)."""
    if not decision_ids:
        return []
    tasks = tuple(dict.fromkeys(("protect_civilians", "monitor_ceasefire") + v.shape.values("mandate.task")))
    out = []
    for i in range(draw(st.integers(0, 1))):
        host = draw(st.sampled_from(chosen))
        deployed = draw(_date_before(day))

        def later(start: dt.date) -> dt.date:
            return start + dt.timedelta(days=draw(st.integers(0, max(0, (day - start).days))))

        item: dict[str, Any] = {"id": f"op{i + 1}", "established_by": draw(st.sampled_from(decision_ids)),
                                "host": host, "deployed": deployed}
        contributors = draw(st.lists(st.sampled_from(chosen), max_size=2, unique=True))
        if contributors:
            item["contributors"] = contributors
        consent = []
        for state in (host, *contributors):
            if draw(st.booleans()):  # consent given, perhaps withdrawn since (Egypt, 18 May 1967)
                c = {"by": state, "given": deployed - dt.timedelta(days=draw(st.integers(0, 10)))}
                if draw(st.booleans()):
                    c["withdrawn"] = later(deployed)
                consent.append(c)
        if consent:
            item["consent"] = consent
        mandate = []
        for _ in range(draw(st.integers(0, 2))):
            m = {"by": draw(st.sampled_from(decision_ids)), "task": draw(st.sampled_from(tasks)),
                 "means": draw(st.sampled_from(OPERATION_MEANS))}
            if draw(st.booleans()):  # a mandate naming its adversary: a group, or a state
                m["against"] = [draw(st.sampled_from(({"group": "Armed Group"}, *chosen)))]
            mandate.append(m)
        if mandate:
            item["mandate"] = mandate
        if draw(st.integers(0, 3)) == 3:  # the operation has left
            item["ended"] = later(deployed)
        out.append(item)
    return out


@st.composite
def _disputes(draw, chosen: tuple, incident_ids: tuple, day: dt.date) -> list:
    out = []
    for i in range(draw(st.integers(0, 1))):
        parties = draw(st.lists(st.sampled_from(chosen), min_size=2, max_size=2, unique=True))
        item = {"id": f"dispute{i + 1}", "parties": parties, "date": draw(_date_before(day)),
                "about": draw(st.sampled_from(incident_ids)), "endangers_peace": draw(st.booleans())}
        if draw(st.booleans()):  # a party not a Member that accepts the obligations of pacific settlement
            item["accepts_obligations"] = [draw(st.sampled_from(parties))]
        out.append(item)
    return out


@st.composite
def _settlement(draw, v: _Vocabulary, chosen: tuple, dispute_ids: tuple, day: dt.date) -> list:
    if not dispute_ids:
        return []
    organs = tuple(dict.fromkeys(("security_council", "general_assembly") + v.shape.values("settlement.to")))
    out = []
    for i in range(draw(st.integers(0, 2))):
        means = draw(st.sampled_from(SETTLEMENT_MEANS))
        item = {"id": f"step{i + 1}", "dispute": draw(st.sampled_from(dispute_ids)), "means": means,
                "by": draw(st.sampled_from(chosen + ("secretary_general",))), "date": draw(_date_before(day)),
                "outcome": draw(st.sampled_from(SETTLEMENT_OUTCOMES))}
        if means == "referral":
            item["to"] = draw(st.sampled_from(organs))
            if draw(st.booleans()):  # the provision relied on: art. 35, 37(1) or 99
                item["article"] = draw(st.sampled_from(("35", "37(1)", "99")))
        out.append(item)
    return out


def to_case(rules: RuleSet, data: dict, file: str = "<generated>") -> Case:
    """Validate generated data as a case; raises pydantic's ValidationError on a generator bug."""
    model = CaseFile.model_validate(data, context={"extra_states": frozenset(rules.extra_states)})
    return Case(file, "", model, {})


def dump_case(data: dict, header: str = "") -> str:
    """A generated case as an ordinary case file."""
    order = ["case", "title", "as_of", "states", "incidents", "decisions", "requests", "responses", "claims",
             "reports", "operations", "disputes", "settlement"]
    ordered = {k: data[k] for k in order if k in data}
    ordered.update({k: v for k, v in data.items() if k not in ordered})
    text = yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None)
    comment = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    return comment + text


# ------------------------------------------------------------------- prove


@dataclass
class Counterexample:
    data: dict
    case: Case
    result: Result

    @property
    def invariants(self) -> list[str]:
        return sorted({v.invariant for v in self.result.violations})


def prove(rules: RuleSet, *, examples: int = 200, seed: int | None = 0,
          invariant: str | None = None, strategy: st.SearchStrategy | None = None,
          conflicts: bool = False) -> Counterexample | None:
    """Search for a case violating an invariant (or the named one) or, with `conflicts`, one in which
    conclusions in force collide unsettled; None if none is found."""
    def violated(result: Result) -> bool:
        if conflicts:
            return bool(result.conflicts)
        return any(invariant is None or v.invariant.endswith(f".{invariant}") or v.invariant == invariant
                   for v in result.violations)

    def condition(data: dict) -> bool:
        return violated(evaluate(rules, to_case(rules, data)))

    config = settings(max_examples=examples, database=None, deadline=None, derandomize=seed is None,
                      suppress_health_check=list(HealthCheck))
    try:
        data = find(strategy if strategy is not None else cases(rules), condition, settings=config,
                    random=random.Random(seed) if seed is not None else None)
    except (NoSuchExample, Unsatisfiable):
        return None
    case = to_case(rules, data)
    return Counterexample(data, case, evaluate(rules, case))


def invariant_names(rules: RuleSet) -> list[str]:
    return [i.qualname for i in rules.plan.checked.invariants]


def check_all(rules: RuleSet, data_strategy: st.SearchStrategy, condition: Callable[[Result], bool]) -> None:
    """For a user's own hypothesis tests: assert `condition` on the result of every generated case."""
    from hypothesis import given

    @given(data_strategy)
    def run(data):
        assert condition(evaluate(rules, to_case(rules, data)))

    run()
