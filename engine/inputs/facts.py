"""Stage 4: a validated case plus reference data to the fact store.

Every fact keeps the place it was stated, so a proof can send the reader to
the line of the case file or of the membership list it rests on. Events dated
after the case's evaluation date have not happened yet and are left out.
"""

from __future__ import annotations

import re

from engine.inputs.load import Case
from engine.inputs.casefile import CaseFile
from engine.inputs.states import normalize_state
from engine.diagnostics import CasusError, Diagnostic, did_you_mean, format_path
from engine.inputs.rulebook import RuleSet
from engine.inputs.store import FactStore, Origin, Tenure
from engine.vocabulary import ATTRIBUTES, NONE, TARGET_KINDS, args

_SLUG = re.compile(r"[^a-z0-9]+")


def actor_id(author) -> str:
    """States keep their code; a non-state group becomes an identifier ('al-Qaida' -> al_qaida), and so
    does a listed entity, individual or territory ('Usama bin Laden' -> usama_bin_laden)."""
    if author is None:
        return NONE
    if isinstance(author, str):
        return author
    kind = target_kind(author)
    slug = _SLUG.sub("_", getattr(author, kind).lower()).strip("_")
    return slug if slug and slug[0].isalpha() else f"{kind}_{slug}"


def target_kind(target) -> str:
    """state, group, entity, individual or territory: what a target of measures is."""
    if isinstance(target, str):
        return "state"
    return next(k for k in TARGET_KINDS[1:] if k in type(target).model_fields)


def build_facts(case: Case, rules: RuleSet, assume: dict[str, bool] | None = None
                ) -> tuple[FactStore, list[Diagnostic]]:
    """`assume` (e.g. from the command line) overrides the case's `assumptions:`, which override the defaults."""
    model: CaseFile = case.model
    store = FactStore(as_of=model.as_of)
    store.geography = rules.geography
    store.continuity = rules.continuity
    notes: list[Diagnostic] = []
    def origin(path: tuple, source: str | None = None) -> Origin:
        span = case.locate(path)
        return Origin(case.file, span.line, span.column, format_path(path), source)

    # memberships: the bundled data, then the case's additions and replacements
    # (the rule set's own tuples, whose index by state is built once for every case)
    store.tenures.update(rules.tenures)
    store.share_tenure_indexes(rules.tenure_indexes)
    for i, override in enumerate(model.organizations):
        added = tuple(Tenure(m.state, override.id, m.from_, m.until,
                             origin(("organizations", i, "members", j), m.source), m.note, m.assumption)
                      for j, m in enumerate(override.members))
        kept = tuple(t for t in store.tenures.get(override.id, ()) if t.state not in override.without)
        store.tenures[override.id] = added if override.replace else (*kept, *added)
    for org in store.tenures:
        store.add("organization", (org,))

    _assumptions(store, case, rules, assume or {})
    _occupations(store, rules, model.as_of)

    later = []
    for state, path in sorted(_parties(model, set(store.tenures)).items()):
        store.add("state", (state,), origin(path))

    for i, x in enumerate(model.incidents):
        path = ("incidents", i)
        if x.date > model.as_of:
            later.append(x.id)
            continue
        authors = [actor_id(a) for a in x.authors]
        author = authors[0] if authors else NONE
        many = isinstance(x.author, tuple)
        for j, (a, raw) in enumerate(zip(authors, x.authors)):
            where = origin(path + (("author", j) if many else ("author",)), x.source)
            if not isinstance(raw, str):
                store.add("non_state_actor", (a,), where)
            store.add("incident_author", args("incident_author", incident=x.id, author=a), where)
        _check_place(case, rules, x.place, path + ("place" if "place" in _keys(case, path) else
                                                   "location" if "location" in _keys(case, path) else "victim",))
        store.add("incident", args("incident", incident=x.id, kind=x.kind, date=x.date, author=author, victim=x.victim,
                                   location=rules.geography.resolve(x.place), scale=x.scale, attribution=x.attribution),
                  origin(path, x.source))
        if x.forces is not None:
            _check_place(case, rules, x.forces.at, path + ("forces", "at"))
            store.add("forces_attacked", args("forces_attacked", incident=x.id, of=x.forces.of,
                                              at=rules.geography.resolve(x.forces.at)),
                      origin(path + ("forces",), x.source))
        elif x.kind == "attack_on_forces":  # the older form: the victim's forces, where the incident happened
            store.add("forces_attacked", args("forces_attacked", incident=x.id, of=x.victim,
                                              at=rules.geography.resolve(x.place)),
                      origin(path, x.source))
        if x.ended is not None and x.ended <= model.as_of:
            store.add("incident_ended", (x.id,), origin(path + ("ended",), x.source))
        for effect in x.effects:
            store.add("effect", (x.id, effect), origin(path + ("effects",), x.source))
        for conduct in x.conduct:
            written = path + ("conduct",) if "conduct" in _keys(case, path) else path
            store.add("conduct", args("conduct", incident=x.id, conduct=conduct), origin(written, x.source))
        if x.sponsor is not None:
            store.add("sponsor", args("sponsor", incident=x.id, state=x.sponsor.state, link=x.sponsor.link),
                      origin(path + ("sponsor",), x.source))
        if x.origin is not None:
            _check_place(case, rules, x.origin, path + ("origin",))
            store.add("origin", args("origin", incident=x.id, place=rules.geography.resolve(x.origin)),
                      origin(path + ("origin",), x.source))
        for j, state in enumerate(x.tolerated_by):
            store.add("tolerated", args("tolerated", incident=x.id, state=state),
                      origin(path + ("tolerated_by", j), x.source))
        store.attributes[x.id] = {**_attributes("incidents", x), "author": author,
                                  "place": rules.geography.resolve(x.place),
                                  "location": rules.geography.resolve(x.place)}

    lines = case.text.splitlines()  # to tell which list entry a vote is written in
    for i, d in enumerate(model.decisions):
        path = ("decisions", i)
        if d.date > model.as_of:
            later.append(d.id)
            continue
        src = d.source
        store.add("decision", args("decision", decision=d.id, organ=d.organ, date=d.date, matter=d.matter),
                  origin(path, src))
        store.attributes[d.id] = _attributes("decisions", d)
        for j, basis in enumerate(d.under):
            store.add("acts_under", args("acts_under", decision=d.id, basis=basis), origin(path + ("under", j), src))
        if d.expires is not None and d.expires <= model.as_of:
            store.add("expired", args("expired", decision=d.id), origin(path + ("expires",), src))
        for j, subject in enumerate(d.concerns):
            store.add("concerns", (d.id, subject), origin(path + ("concerns", j), src))
        for state in d.parties_to_dispute:
            store.add("party_to_dispute", (d.id, state), origin(path + ("parties_to_dispute",), src))
        for state, vote in sorted((d.votes or {}).items()):
            store.add("vote", (d.id, state, vote), origin(_vote_path(case, lines, path, state, vote), src))
        for j, item in enumerate(d.content):
            _content(store, d.id, item, origin(path + ("content", j), src))

    for i, r in enumerate(model.requests):
        if r.date > model.as_of:
            later.append(r.id)
            continue
        for j, target in enumerate(r.to):
            store.add("request", args("request", request=r.id, by=r.by, to=target, kind=r.kind, date=r.date,
                                      about=r.about or NONE),
                      origin(("requests", i, "to", j), r.source))
        store.attributes[r.id] = {**_attributes("requests", r), "to": r.to[0] if len(r.to) == 1 else None}
        if r.withdrawn is not None and r.withdrawn <= model.as_of:
            store.add("request_withdrawn", args("request_withdrawn", request=r.id),
                      origin(("requests", i, "withdrawn"), r.source))
        if r.expires is not None and r.expires <= model.as_of:
            store.add("request_expired", args("request_expired", request=r.id),
                      origin(("requests", i, "expires"), r.source))
        for j, place in enumerate(r.area):
            _check_place(case, rules, place, ("requests", i, "area", j))
            store.add("consent_area", args("consent_area", request=r.id, place=rules.geography.resolve(place)),
                      origin(("requests", i, "area", j), r.source))
        if r.task is not None:
            store.add("consent_task", args("consent_task", request=r.id, task=r.task),
                      origin(("requests", i, "task"), r.source))

    for i, x in enumerate(model.responses):
        path = ("responses", i)
        if x.date > model.as_of:
            later.append(x.id)
            continue
        place = rules.geography.resolve(x.place)
        if "place" in _keys(case, path):
            _check_place(case, rules, x.place, path + ("place",))
        store.add("response", args("response", response=x.id, by=x.by, against=x.against, date=x.date, place=place,
                                   responds_to=x.responds_to or NONE),
                  origin(path, x.source))
        for objective in x.objectives:
            store.add("response_objective", args("response_objective", response=x.id, objective=objective),
                      origin(path + ("objectives",), x.source))
        for finding in ("necessary", "proportionate", "attack_ongoing", "immediate"):
            if getattr(x, finding) is True:
                store.add(finding, args(finding, response=x.id), origin(path + (finding,), x.source))
        if x.attack_ongoing is False:
            store.add("attack_over", args("attack_over", response=x.id), origin(path + ("attack_ongoing",), x.source))
        store.attributes[x.id] = {**_attributes("responses", x), "place": place}

    for i, r in enumerate(model.reports):
        if r.date > model.as_of:
            later.append(r.id)
            continue
        store.add("report", args("report", report=r.id, by=r.by, to=r.to, date=r.date, article=r.article or NONE,
                                 about=r.about or NONE),
                  origin(("reports", i), r.source))
        store.attributes[r.id] = _attributes("reports", r)

    for i, c in enumerate(model.claims):
        if c.date > model.as_of:
            later.append(c.id)
            continue
        store.add("claim", args("claim", claim=c.id, by=c.by, kind=c.kind, date=c.date, about=c.about or NONE),
                  origin(("claims", i), c.source))
        store.attributes[c.id] = _attributes("claims", c)

    for i, o in enumerate(model.operations):
        if o.deployed > model.as_of:
            later.append(o.id)
            continue
        _operation(store, o, ("operations", i), origin, model.as_of)
    _settlement(store, model, origin, later)

    if later:
        notes.append(Diagnostic("I001", f"events after {model.as_of.isoformat()} are not yet known on that date "
                                        f"and were left out: {', '.join(later)}", severity="info"))
    return store, notes


def _operation(store: FactStore, o, path: tuple, origin, as_of) -> None:
    """A peace operation: its establishment and host, contributors, consents and mandate as of the case's date."""
    src = o.source
    store.add("operation", args("operation", operation=o.id, established_by=o.established_by, host=o.host,
                                date=o.deployed), origin(path, src))
    store.attributes[o.id] = _attributes("operations", o)
    if o.ended is not None and o.ended <= as_of:
        store.add("operation_ended", args("operation_ended", operation=o.id), origin(path + ("ended",), src))
    for j, state in enumerate(o.contributors):
        store.add("contributor", args("contributor", operation=o.id, state=state),
                  origin(path + ("contributors", j), src))
    for j, c in enumerate(o.consent):
        if c.given <= as_of:
            store.add("consent_given", args("consent_given", operation=o.id, by=c.by),
                      origin(path + ("consent", j), c.source or src))
        if c.withdrawn is not None and c.withdrawn <= as_of:
            store.add("consent_withdrawn", args("consent_withdrawn", operation=o.id, by=c.by),
                      origin(path + ("consent", j, "withdrawn"), c.source or src))
    for j, m in enumerate(o.mandate):
        where = origin(path + ("mandate", j), src)
        for target in _targets(store, m.against, where):
            store.add("mandate", args("mandate", operation=o.id, decision=m.by, task=m.task, means=m.means,
                                      against=target), where)


def _settlement(store: FactStore, model: CaseFile, origin, later: list) -> None:
    """Disputes and the steps taken to settle them (Charter arts. 33-38, 99)."""
    for i, x in enumerate(model.disputes):
        if x.date > model.as_of:
            later.append(x.id)
            continue
        where = origin(("disputes", i), x.source)
        store.add("dispute", args("dispute", dispute=x.id, date=x.date, about=x.about or NONE), where)
        for j, state in enumerate(x.parties):
            store.add("dispute_party", args("dispute_party", dispute=x.id, state=state),
                      origin(("disputes", i, "parties", j), x.source))
        if x.endangers_peace:
            store.add("endangers_peace", (x.id,), origin(("disputes", i, "endangers_peace"), x.source))
        for j, state in enumerate(x.accepts_obligations):
            store.add("accepts_obligations", args("accepts_obligations", dispute=x.id, state=state),
                      origin(("disputes", i, "accepts_obligations", j), x.source))
        store.attributes[x.id] = _attributes("disputes", x)
    for i, x in enumerate(model.settlement):
        if x.date > model.as_of:
            later.append(x.id)
            continue
        store.add("settlement", args("settlement", step=x.id, dispute=x.dispute, means=x.means, by=x.by or NONE,
                                     to=x.to or NONE, date=x.date, outcome=x.outcome),
                  origin(("settlement", i), x.source))
        store.attributes[x.id] = _attributes("settlement", x)


def _keys(case: Case, path: tuple) -> set:
    return {p[len(path)] for p in case.positions if len(p) > len(path) and p[:len(path)] == path}


def _check_place(case: Case, rules: RuleSet, place: str, path: tuple) -> None:
    """A place must be a state code or a place the reference data knows: else a located E303."""
    geo = rules.geography
    if geo.resolve(place) in geo.places or normalize_state(place, rules.extra_states) is not None:
        return
    if not geo.places and not geo.areas:  # a rule set without places data: any code is taken as it is
        return
    hint = did_you_mean(place, [*geo.places, *geo.aliases]) or "places are state codes, ISO 3166-2 codes or names " \
                                                                "listed in rules/places.yaml"
    raise CasusError([Diagnostic("E303", f"unknown place '{place}'", case.locate(path), path=format_path(path),
                                 hint=hint)], {case.file: case.text})


def _assumptions(store: FactStore, case: Case, rules: RuleSet, assume: dict[str, bool]) -> None:
    declared = rules.plan.checked.assumptions
    problems = []
    for name in case.model.assumptions:
        if name not in declared:
            span = case.locate(("assumptions", name), key=True)
            problems.append(Diagnostic("E305", f"unknown assumption '{name}'", span, path=f"assumptions.{name}",
                                       hint=did_you_mean(name, declared) or _known(declared)))
    for name in assume:
        if name not in declared:
            problems.append(Diagnostic("E305", f"unknown assumption '{name}' (--assume)", None,
                                       hint=did_you_mean(name, declared) or _known(declared)))
    if problems:
        raise CasusError(problems, {case.file: case.text})
    for name, decl in declared.items():
        if name in assume:
            value, where = assume[name], Origin("<command line>", 1, 1, f"--assume {name}")
        elif name in case.model.assumptions:
            span = case.locate(("assumptions", name))
            value, where = case.model.assumptions[name], Origin(case.file, span.line, span.column,
                                                                 f"assumptions.{name}")
        else:
            value, where = decl.default, Origin(decl.span.file, decl.span.line, decl.span.column,
                                                f"assumption {name} (default)", decl.citation)
        if value:
            store.add("assumed", (name,), where)


def _occupations(store: FactStore, rules: RuleSet, day) -> None:
    """Places under belligerent occupation on the case's date, from the places reference data."""
    geo = rules.geography
    for place in sorted(geo.places):
        found = geo.occupant(place, day)
        if found is not None:
            state, where = found
            at = (Origin(where.file, where.line, where.column, where.path, where.source) if where is not None
                  else None)
            store.add("occupied", args("occupied", place=place, by=state), at)


def _known(declared) -> str:
    return f"known assumptions: {', '.join(declared)}" if declared else "the rules declare no assumptions"


def _parties(model: CaseFile, organizations: set[str]) -> dict[str, tuple]:
    """The states a case is about, with where each is first named.

    Voters are not parties: a Council member voting on a draft is not thereby
    involved in the situation the draft is about; nor is a state that only
    asks an organ (e.g. the General Assembly) to meet.
    """
    found: dict[str, tuple] = {}

    def add(value, path: tuple) -> None:
        if isinstance(value, str) and value.isupper():
            found.setdefault(value, path)

    for i, s in enumerate(model.states):
        add(s, ("states", i))
    for i, x in enumerate(model.incidents):  # not the place: a territory need not be a state (FLK)
        for j, a in enumerate(x.authors):
            add(a, ("incidents", i, "author") + ((j,) if isinstance(x.author, tuple) else ()))
        add(x.victim, ("incidents", i, "victim"))
        if x.forces is not None:
            add(x.forces.of, ("incidents", i, "forces", "of"))
        if x.sponsor is not None:
            add(x.sponsor.state, ("incidents", i, "sponsor", "state"))
        for j, s in enumerate(x.tolerated_by):
            add(s, ("incidents", i, "tolerated_by", j))
    for i, d in enumerate(model.decisions):
        for j, s in enumerate(d.parties_to_dispute):
            add(s, ("decisions", i, "parties_to_dispute", j))
        for j, item in enumerate(d.content):
            for name in ("against", "addressee", "of", "to", "designates", "delists"):
                values = getattr(item, name, ())
                for s in values if isinstance(values, tuple) else ():
                    if isinstance(s, str):
                        add(s, ("decisions", i, "content", j, name))
    for i, o in enumerate(model.operations):
        add(o.host, ("operations", i, "host"))
        for j, s in enumerate(o.contributors):
            add(s, ("operations", i, "contributors", j))
        for j, m in enumerate(o.mandate):
            for k, t in enumerate(m.against):
                add(t, ("operations", i, "mandate", j, "against", k))
    for i, x in enumerate(model.disputes):
        for name in ("parties", "accepts_obligations"):
            for j, s in enumerate(getattr(x, name)):
                add(s, ("disputes", i, name, j))
    for i, x in enumerate(model.responses):
        add(x.by, ("responses", i, "by"))
        add(x.against, ("responses", i, "against"))
    for section in ("requests", "reports", "claims"):
        for i, r in enumerate(getattr(model, section)):
            to_organ_only = section == "requests" and all(t.islower() and t not in organizations for t in r.to)
            if not to_organ_only:
                add(r.by, (section, i, "by"))
            for j, t in enumerate(getattr(r, "to", ()) if section == "requests" else ()):
                add(t, (section, i, "to", j))
    return found


def _vote_path(case: Case, lines: list[str], decision: tuple, state: str, vote: str) -> tuple:
    """Where a vote is written: `USA: yes`, or an entry of a list `yes: [USA, ...]`."""
    by_state = decision + ("votes", state)
    if by_state in case.positions:
        return by_state
    j = 0
    while (at := case.positions.get(decision + ("votes", vote, j))) is not None:
        line, column = at
        written = re.match(r"[\"']?([A-Za-z]{2,4})", lines[line - 1][column - 1:]) if line <= len(lines) else None
        if written and normalize_state(written.group(1)) == state:
            return decision + ("votes", vote, j)
        j += 1
    return decision + ("votes", vote)


def _content(store: FactStore, decision: str, item, where: Origin) -> None:
    kind = item.kind
    about = item.about or NONE
    if kind == "determination":
        store.add("determination", args("determination", decision=decision, finding=item.determination, about=about), where)
    elif kind == "measures":
        for target in _targets(store, item.against, where):
            store.add("measures", args("measures", decision=decision, kind=item.measures, against=target), where)
        if item.committee:
            store.add("sanctions_committee", args("sanctions_committee", decision=decision, committee=item.committee),
                      where)
        for exempted in item.exemptions:
            store.add("exemption", args("exemption", decision=decision, kind=exempted), where)
    elif kind in ("designation", "delisting"):
        for target in _targets(store, item.designates if kind == "designation" else item.delists, where):
            store.add(kind, args(kind, decision=decision, target=target, regime=item.regime), where)
    elif kind == "renewal":
        store.add("renewal", args("renewal", decision=decision, renewed=item.renews), where)
    elif kind == "suspension":
        store.add("suspension", args("suspension", decision=decision, suspended=item.suspends), where)
    elif kind == "mandate":
        store.add("entrusted", args("entrusted", decision=decision, task=item.entrusts, to=item.to), where)
    elif kind == "authorization":
        addressees = (item.to,) if isinstance(item.to, str) else item.to
        for to in addressees:
            for target in _targets(store, item.against, where):
                store.add("authorization", args("authorization", decision=decision, action=item.authorization, to=to,
                                                against=target), where)
    elif kind == "demand":
        for addressee in item.addressee or (NONE,):
            store.add("demand", args("demand", decision=decision, action=item.demand, addressee=addressee), where)
    elif kind == "affirmation":
        for state in item.of or (NONE,):
            store.add("affirmation", args("affirmation", decision=decision, right=item.affirmation, of=state), where)
    elif kind == "termination":
        store.add("termination", args("termination", decision=decision, terminated=item.terminates), where)
    elif kind == "recommendation":
        addressees = (item.to,) if isinstance(item.to, str) else item.to
        for to in addressees:
            store.add("recommendation", args("recommendation", decision=decision, action=item.recommendation, to=to),
                      where)
    if item.about:
        store.add("concerns", (decision, item.about), where)


def _targets(store: FactStore, against, where: Origin) -> list[str]:
    """State codes as they are; a non-state group as its identifier, known as a non-state actor."""
    out = []
    for target in against or ():
        out.append(actor_id(target))
        kind = target_kind(target)
        if kind == "group":
            store.add("non_state_actor", (out[-1],), where)
        store.add("target_kind", args("target_kind", target=out[-1], kind=kind), where)
    return out or [NONE]


def _attributes(section: str, item) -> dict[str, object]:
    """The attributes rules may read with `X.attr`, as the registry lists them for the section."""
    return {name: getattr(item, name) for name in ATTRIBUTES[section]}
