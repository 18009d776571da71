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
    "annexation", "intervention", "incursion",
)
SCALES = ("minimal", "limited", "significant", "large")
# `not_proven`: the conduct was alleged to be its author's (a state's), and that was not proven (ICJ,
# Nicaragua, Merits, 1986, para. 160, on the flow of arms to the armed opposition in El Salvador).
ATTRIBUTIONS = ("state", "non_state", "unknown", "not_proven")
# The kind of conduct: an armed attack depends on it, not only on scale and effects (GA res. 3314
# (XXIX), annex, art. 3; ICJ, Nicaragua, Merits, 1986, paras. 195 and 228). `direct_force`: the
# author's own forces; `sending_armed_bands` and `substantial_involvement`: art. 3(g); the rest is
# support to others' armed activities, which is no armed attack.
CONDUCTS = ("direct_force", "sending_armed_bands", "substantial_involvement", "arms_supply", "training",
            "logistical_support", "financing")
# How a non-state group's acts are linked to the state alleged to stand behind it (ICJ, Nicaragua,
# Merits, 1986, paras. 115-116; Armed Activities (DRC v. Uganda), 2005, paras. 146-147 and 160):
# `sent` by it or on its behalf, under its `effective_control`, only given `support`, or `not_proven`.
SPONSOR_LINKS = ("sent", "effective_control", "support", "not_proven")
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
                 "terminates") + ("designates", "delists", "renews", "suspends", "entrusts")

# Sanctions regimes (Charter art. 41) and the peaceful settlement of disputes (arts. 33-38, 98, 99).
# Kinds of measures are named freely (`measures: KIND`); these are the usual ones, which generated cases use.
MEASURE_KINDS = ("arms_embargo", "asset_freeze", "travel_ban", "trade_embargo", "financial_measures",
                 "aviation_ban", "diplomatic_measures")
# What the measures or a designation are directed against: `XYZ` (a state), {group: ...}, {entity: ...},
# {individual: ...}, {territory: ...}.
TARGET_KINDS = ("state", "group", "entity", "individual", "territory")
# The means of art. 33(1), good offices, and `referral`: bringing a matter to an organ (arts. 35, 37, 99).
SETTLEMENT_MEANS = ("negotiation", "enquiry", "mediation", "conciliation", "arbitration", "judicial_settlement",
                    "regional_agency", "good_offices", "referral")
SETTLEMENT_OUTCOMES = ("pending", "settled", "failed", "rejected")

# Peace operations: how far a mandate lets the force use force (`means:` of a mandate item).
OPERATION_MEANS = ("self_defence", "all_necessary_means")

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
    CasePredicate("conduct", ("incident", "conduct"), "incidents", ("conduct",),
                  "the kind of conduct, one fact per kind: direct_force, sending_armed_bands, arms_supply, ..."),
    CasePredicate("sponsor", ("incident", "state", "link"), "incidents", ("sponsor",),
                  "a state alleged to stand behind a non-state group's acts, and what links them"),
    CasePredicate("origin", ("incident", "place"), "incidents", ("origin",),
                  "where an attack was launched from"),
    CasePredicate("tolerated", ("incident", "state"), "incidents", ("tolerated_by",),
                  "a state that knowingly allowed its territory to be used for the acts"),
    CasePredicate("occupied", ("place", "by"), None, (),
                  "a place under a state's belligerent occupation on the case's date (reference data)"),
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
    # -- sanctions regimes: targets, committees, exemptions, designations, renewal, suspension, mandates
    CasePredicate("target_kind", ("target", "kind"), "decisions",
                  (_CONTENT + "against", _CONTENT + "designates", _CONTENT + "delists"),
                  "what a target of measures, an authorization or a designation is: state, group, entity, individual, "
                  "territory"),
    CasePredicate("sanctions_committee", ("decision", "committee"), "decisions", (_CONTENT + "committee",),
                  "the committee a decision establishes to oversee its measures"),
    CasePredicate("exemption", ("decision", "kind"), "decisions", (_CONTENT + "exemptions",),
                  "an exemption from a decision's measures, e.g. medical_supplies, foodstuffs"),
    CasePredicate("designation", ("decision", "target", "regime"), "decisions",
                  (_CONTENT + "designates", _CONTENT + "regime"),
                  "a target designated (listed) under the measures of the decision `regime`"),
    CasePredicate("delisting", ("decision", "target", "regime"), "decisions",
                  (_CONTENT + "delists", _CONTENT + "regime"),
                  "a target removed from the list of the measures of the decision `regime`"),
    CasePredicate("renewal", ("decision", "renewed"), "decisions", (_CONTENT + "renews",),
                  "a decision extending an earlier one's measures beyond their expiry (to its own `expires`)"),
    CasePredicate("suspension", ("decision", "suspended"), "decisions", (_CONTENT + "suspends",),
                  "a decision suspending an earlier one's measures"),
    CasePredicate("entrusted", ("decision", "task", "to"), "decisions", (_CONTENT + "entrusts", _CONTENT + "to"),
                  "a task entrusted to an organ: the Secretary-General, a committee, an envoy"),
    # -- the peaceful settlement of disputes
    CasePredicate("dispute", ("dispute", "date", "about"), "disputes", ("id", "date", "about"),
                  "a dispute between states (arts. 33-38)"),
    CasePredicate("dispute_party", ("dispute", "state"), "disputes", ("parties",), "a party to a dispute"),
    CasePredicate("endangers_peace", ("dispute",), "disputes", ("endangers_peace",),
                  "a dispute whose continuance is likely to endanger international peace and security (art. 33(1))"),
    CasePredicate("accepts_obligations", ("dispute", "state"), "disputes", ("accepts_obligations",),
                  "a state not a Member that accepts, for the dispute, the obligations of pacific settlement (art. "
                  "35(2))"),
    CasePredicate("settlement", ("step", "dispute", "means", "by", "to", "date", "outcome"), "settlement",
                  ("id", "dispute", "means", "by", "to", "date", "outcome"),
                  "a step towards settling a dispute, or bringing it (or a matter) to an organ"),
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
    # peace operations: the force, its host, contributors, consents and mandates
    CasePredicate("operation", ("operation", "established_by", "host", "date"), "operations",
                  ("id", "established_by", "host", "deployed"),
                  "a peace operation deployed on a host state's territory, established by a decision"),
    CasePredicate("operation_ended", ("operation",), "operations", ("ended",),
                  "a peace operation that has left (or been terminated) by the case's date"),
    CasePredicate("contributor", ("operation", "state"), "operations", ("contributors",),
                  "a state contributing troops or police to an operation"),
    CasePredicate("consent_given", ("operation", "by"), "operations", ("consent",),
                  "a state (the host, a contributor) has consented to the operation by the case's date"),
    CasePredicate("consent_withdrawn", ("operation", "by"), "operations", ("consent",),
                  "a state has withdrawn its consent to the operation by the case's date"),
    CasePredicate("mandate", ("operation", "decision", "task", "means", "against"), "operations", ("mandate",),
                  "a task a decision gives (or renews for) an operation, the force it may use, against whom"),
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
    "operations": ("established_by", "host", "deployed", "ended", "description"),
    "disputes": ("date", "about", "description"),
    "settlement": ("dispute", "means", "by", "to", "date", "article", "outcome", "description"),
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
