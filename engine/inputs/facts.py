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
from engine.vocabulary import ATTRIBUTES, NONE, args

_SLUG = re.compile(r"[^a-z0-9]+")


def actor_id(author) -> str:
    """States keep their code; a non-state group becomes an identifier ('al-Qaida' -> al_qaida)."""
    if author is None:
        return NONE
    if isinstance(author, str):
        return author
    slug = _SLUG.sub("_", author.group.lower()).strip("_")
    return slug if slug and slug[0].isalpha() else f"group_{slug}"


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
        store.tenures[override.id] = added if override.replace else (*store.tenures.get(override.id, ()), *added)
    for org in store.tenures:
        store.add("organization", (org,))

    _assumptions(store, case, rules, assume or {})

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

    if later:
        notes.append(Diagnostic("I001", f"events after {model.as_of.isoformat()} are not yet known on that date "
                                        f"and were left out: {', '.join(later)}", severity="info"))
    return store, notes


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
    for i, d in enumerate(model.decisions):
        for j, s in enumerate(d.parties_to_dispute):
            add(s, ("decisions", i, "parties_to_dispute", j))
        for j, item in enumerate(d.content):
            for name in ("against", "addressee", "of", "to"):
                values = getattr(item, name, ())
                for s in values if isinstance(values, tuple) else ():
                    if isinstance(s, str):
                        add(s, ("decisions", i, "content", j, name))
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
        if not isinstance(target, str):
            store.add("non_state_actor", (out[-1],), where)
    return out or [NONE]


def _attributes(section: str, item) -> dict[str, object]:
    """The attributes rules may read with `X.attr`, as the registry lists them for the section."""
    return {name: getattr(item, name) for name in ATTRIBUTES[section]}
