"""The one registry of the case vocabulary.

Which field of a case file becomes which predicate or attribute, the values a
field may take, the vote values, the statuses and modalities of conclusions:
all are declared here once. The checker (which predicates exist and with which
arguments), the case models (their literal types), the fact builder (argument
order), explore (which open facts some rule can read) and the hypothesis
strategies (what a generated case can say) are derived from these tables, so a
new kind of fact is added here and nowhere else by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# ------------------------------------------------------------------ values


class Modality(StrEnum):
    OBLIGED = "obliged"
    PERMITTED = "permitted"
    FORBIDDEN = "forbidden"


class Status(StrEnum):
    """What became of a conclusion once end conditions, exceptions and defeat were applied."""

    IN_FORCE = "in force"
    DEFEATED = "defeated"
    IN_CONFLICT = "in conflict"
    ENDED = "ended"


MODALITIES = tuple(m.value for m in Modality)
STATUSES = tuple(s.value for s in Status)

INCIDENT_KINDS = (
    "armed_attack", "invasion", "bombardment", "blockade", "attack_on_forces", "use_of_force",
    "terrorist_attack", "cyber_operation", "border_incident", "threat_of_force", "occupation",
    "annexation", "intervention",
)
SCALES = ("minimal", "limited", "significant", "large")
ATTRIBUTIONS = ("state", "non_state", "unknown")
FINDINGS = ("threat_to_peace", "breach_of_peace", "act_of_aggression")  # Charter art. 39
REQUEST_KINDS = ("collective_self_defence", "assistance", "consultation", "intervention")
VOTE_VALUES = ("yes", "no", "abstain", "absent")
# Claims name their legal basis freely; these are the ones generated cases use.
CLAIM_KINDS = ("self_defence", "collective_self_defence", "invitation", "humanitarian_intervention")
# What a decision says it acts under (its legal basis), in the words resolutions use.
LEGAL_BASES = ("chapter_vi", "chapter_vii", "chapter_viii", "article_40", "article_41", "article_42",
               "article_52", "article_53")
# The kinds of item a decision's `content` may hold, by the key that names each.
CONTENT_KINDS = ("determination", "measures", "authorization", "demand", "affirmation", "recommendation",
                 "terminates")

# Written for a value a case file leaves out, so that every fact has full arity.
NONE = "none"


# -------------------------------------------------------------- predicates


@dataclass(frozen=True)
class CasePredicate:
    """A predicate whose facts come from a case file.

    `section` is the case-file list the facts come from (None: several), and
    `fields` the fields of its items that feed them, with the path of a
    decision's content items written `content.KEY`.
    """

    name: str
    params: tuple[str, ...]
    section: str | None
    fields: tuple[str, ...]
    doc: str


_CONTENT = "content."
PREDICATES: tuple[CasePredicate, ...] = (
    CasePredicate("state", ("state",), None, (), "a state the case is about"),
    CasePredicate("organization", ("organization",), "organizations", ("id",),
                  "an organization with membership data"),
    CasePredicate("non_state_actor", ("actor",), "incidents", ("author",), "a non-state author of an incident"),
    CasePredicate("incident", ("incident", "kind", "date", "author", "victim", "location", "scale", "attribution"),
                  "incidents", ("id", "kind", "date", "author", "victim", "place", "location", "forces", "scale",
                                "attribution"),
                  "an incident (author: the first author; location: the place)"),
    CasePredicate("incident_author", ("incident", "author"), "incidents", ("author",),
                  "an author of an incident, one fact per author (joint invasions, coalitions)"),
    CasePredicate("forces_attacked", ("incident", "of", "at"), "incidents", ("forces", "kind", "victim", "place",
                                                                            "location"),
                  "armed forces, public vessels or aircraft of a state attacked at a place"),
    CasePredicate("effect", ("incident", "effect"), "incidents", ("effects",), "an effect of an incident"),
    CasePredicate("incident_ended", ("incident",), "incidents", ("ended",),
                  "a continuing incident that has ended by the case's date"),
    CasePredicate("decision", ("decision", "organ", "date", "matter"), "decisions",
                  ("id", "organ", "date", "matter"), "a decision of an organ"),
    CasePredicate("acts_under", ("decision", "basis"), "decisions", ("under",),
                  "what a decision says it acts under: chapter_vii, article_41, chapter_vi, ..."),
    CasePredicate("expired", ("decision",), "decisions", ("expires",),
                  "a decision whose measures or authorization ended on the expiry date it states, by the case's date"),
    CasePredicate("concerns", ("decision", "subject"), "decisions", ("concerns", _CONTENT + "about"),
                  "what a decision is about"),
    CasePredicate("party_to_dispute", ("decision", "state"), "decisions", ("parties_to_dispute",),
                  "a party to the dispute a decision is about"),
    CasePredicate("vote", ("decision", "state", "vote"), "decisions", ("votes",), "a recorded vote"),
    CasePredicate("determination", ("decision", "finding", "about"), "decisions",
                  (_CONTENT + "determination", _CONTENT + "about"), "a determination under Charter art. 39"),
    CasePredicate("measures", ("decision", "kind", "against"), "decisions",
                  (_CONTENT + "measures", _CONTENT + "against"), "measures not involving force (art. 41)"),
    CasePredicate("authorization", ("decision", "action", "to", "against"), "decisions",
                  (_CONTENT + "authorization", _CONTENT + "to", _CONTENT + "against"),
                  "an authorization (art. 42, Chapter VII)"),
    CasePredicate("demand", ("decision", "action", "addressee"), "decisions",
                  (_CONTENT + "demand", _CONTENT + "addressee"), "a demand"),
    CasePredicate("affirmation", ("decision", "right", "of"), "decisions",
                  (_CONTENT + "affirmation", _CONTENT + "of"), "an affirmation, e.g. of the right of self-defence"),
    CasePredicate("recommendation", ("decision", "action", "to"), "decisions",
                  (_CONTENT + "recommendation", _CONTENT + "to"), "a recommendation"),
    CasePredicate("termination", ("decision", "terminated"), "decisions", (_CONTENT + "terminates",),
                  "a decision ending an earlier one's measures or authorization"),
    CasePredicate("request", ("request", "by", "to", "kind", "date", "about"), "requests",
                  ("id", "by", "to", "kind", "date", "about"), "a request for assistance"),
    CasePredicate("request_withdrawn", ("request",), "requests", ("withdrawn",),
                  "a request or consent withdrawn by the case's date"),
    CasePredicate("request_expired", ("request",), "requests", ("expires",),
                  "a request or consent that reached the end of the period it states, by the case's date"),
    CasePredicate("consent_area", ("request", "place"), "requests", ("area",),
                  "a place a request or consent is limited to, one fact per place"),
    CasePredicate("consent_task", ("request", "task"), "requests", ("task",),
                  "the task a request or consent is limited to"),
    CasePredicate("response", ("response", "by", "against", "date", "place", "responds_to"), "responses",
                  ("id", "by", "against", "date", "place", "responds_to"),
                  "an act of force by a state, answering an incident (responds_to) or none"),
    CasePredicate("response_objective", ("response", "objective"), "responses", ("objectives",),
                  "an objective a response pursued, one fact per objective"),
    CasePredicate("necessary", ("response",), "responses", ("necessary",),
                  "a response the case finds necessary to repel the attack (necessary: true)"),
    CasePredicate("proportionate", ("response",), "responses", ("proportionate",),
                  "a response the case finds proportionate to the attack (proportionate: true)"),
    CasePredicate("attack_ongoing", ("response",), "responses", ("attack_ongoing",),
                  "a response that came while the attack it answers was still going on (attack_ongoing: true)"),
    CasePredicate("attack_over", ("response",), "responses", ("attack_ongoing",),
                  "a response that came after the attack it answers was over (attack_ongoing: false)"),
    CasePredicate("immediate", ("response",), "responses", ("immediate",),
                  "a response the case finds immediate: without undue delay after the attack (immediate: true)"),
    CasePredicate("report", ("report", "by", "to", "date", "article", "about"), "reports",
                  ("id", "by", "to", "date", "article", "about"), "a report to an organ"),
    CasePredicate("claim", ("claim", "by", "kind", "date", "about"), "claims",
                  ("id", "by", "kind", "date", "about"), "a legal claim by a state"),
)

# predicate -> parameter names, in positional order
CASE_PREDICATES: dict[str, tuple[str, ...]] = {p.name: p.params for p in PREDICATES}

# Attributes reachable with `X.attr`, per section: the fields of an entity that a rule may read.
ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "incidents": ("kind", "date", "author", "victim", "place", "location", "scale", "attribution", "ended",
                  "description"),
    "decisions": ("organ", "date", "matter", "symbol", "procedure", "adopted", "expires", "description"),
    "requests": ("by", "to", "kind", "date", "about", "article", "withdrawn", "expires", "task", "description"),
    "responses": ("by", "against", "date", "place", "target", "responds_to", "description"),
    "reports": ("by", "to", "date", "article", "about", "symbol", "description"),
    "claims": ("by", "kind", "date", "about", "description"),
}
ENTITY_ATTRIBUTES: frozenset[str] = frozenset(a for names in ATTRIBUTES.values() for a in names) | {"title"}

# Older names of fields, still read: (section, field) -> the field it stands for.
FIELD_ALIASES: dict[tuple[str, str], str] = {("incidents", "location"): "place"}

# Decided by the voting procedures before any rule runs, from these fields of a decision.
PROCEDURE_PREDICATES: dict[str, tuple[str, ...]] = {
    "adopted": ("decision",),
    "rejected": ("decision",),
    "vetoed": ("decision", "by"),
}
VOTING_FIELDS = ("organ", "date", "matter", "procedure", "adopted", "votes", "parties_to_dispute")

# Evaluated by the engine rather than looked up, from the reference data: membership, treaty areas
# and sovereignty as of a date (the case's date when `at` is left out). `in_area` and `sovereign`
# need the place bound; a state code as a place means the state's metropolitan territory.
BUILTIN_PREDICATES: dict[str, tuple[str, ...]] = {
    "member": ("state", "organization", "at"),
    "in_area": ("place", "area", "at"),
    "sovereign": ("place", "state", "at"),
}

# Switched on by `assumption` declarations, a case's `assumptions:` or --assume.
ASSUMPTION_PREDICATES: dict[str, tuple[str, ...]] = {
    "assumed": ("assumption",),
}

# Conclusions in force, readable only by invariants.
DEONTIC_PREDICATES: dict[str, tuple[str, ...]] = {
    m: ("actor", "action", "object", "counterparty", "regime", "rule") for m in MODALITIES
}

# The counters a voting procedure's `requires` can compare.
PROCEDURE_COUNTERS = ("yes", "no", "abstain", "absent", "members", "present", "voting", "vetoes")

# Top-level case fields that every evaluation reads.
ALWAYS_READ = ("as_of", "states", "organizations", "assumptions")


def args(pred: str, **values) -> tuple:
    """A fact's arguments in the predicate's positional order, by name: a missing or
    unknown name is a programming error, caught here rather than as a shifted column."""
    params = CASE_PREDICATES[pred]
    if set(values) != set(params):
        raise TypeError(f"{pred}: expected {params}, got {tuple(values)}")
    return tuple(values[p] for p in params)


def reading(section: str, field: str) -> tuple[set[str], set[str]]:
    """The predicates and attributes that the field `field` of a `section` item feeds.

    `field` is a top-level field of the item, or `content.KEY` for a decision's
    content items. Fields a procedure reads feed the procedure predicates too.
    """
    preds = {p.name for p in PREDICATES if p.section == section and field in p.fields}
    if section == "decisions" and field in VOTING_FIELDS:
        preds |= set(PROCEDURE_PREDICATES)
    if section == "incidents" and field == "author":
        preds.add("state")
    attrs = {field} if field in ATTRIBUTES.get(section, ()) else set()
    return preds, attrs


def case_fields() -> dict[str, tuple[str, ...]]:
    """Every section's fields that feed some predicate or attribute, for relevance tests."""
    out: dict[str, set[str]] = {}
    for p in PREDICATES:
        if p.section is not None:
            out.setdefault(p.section, set()).update(p.fields)
    for section, names in ATTRIBUTES.items():
        out.setdefault(section, set()).update(names)
    out.setdefault("decisions", set()).update(VOTING_FIELDS)
    return {s: tuple(sorted(f)) for s, f in out.items()}
