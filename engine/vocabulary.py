"""The predicates a case file provides, shared by the checker and the fact builder.

Keeping the schemas in one table lets the checker reject a misspelt predicate
or argument before any case is loaded.
"""

from __future__ import annotations

# predicate -> parameter names, in positional order
CASE_PREDICATES: dict[str, tuple[str, ...]] = {
    "state": ("state",),
    "organization": ("organization",),
    "non_state_actor": ("actor",),
    "incident": ("incident", "kind", "date", "author", "victim", "location", "scale", "attribution"),
    "effect": ("incident", "effect"),
    "incident_ended": ("incident",),
    "decision": ("decision", "organ", "date", "matter"),
    "concerns": ("decision", "subject"),
    "party_to_dispute": ("decision", "state"),
    "vote": ("decision", "state", "vote"),
    "determination": ("decision", "finding", "about"),
    "measures": ("decision", "kind", "against"),
    "authorization": ("decision", "action", "to", "against"),
    "demand": ("decision", "action", "addressee"),
    "affirmation": ("decision", "right", "of"),
    "recommendation": ("decision", "action", "to"),
    "termination": ("decision", "terminated"),
    "request": ("request", "by", "to", "kind", "date", "about"),
    "report": ("report", "by", "to", "date", "article", "about"),
    "claim": ("claim", "by", "kind", "date", "about"),
}

# Decided by the voting procedures before any rule runs.
PROCEDURE_PREDICATES: dict[str, tuple[str, ...]] = {
    "adopted": ("decision",),
    "rejected": ("decision",),
    "vetoed": ("decision", "by"),
}

# Evaluated by the engine rather than looked up: membership as of a date.
BUILTIN_PREDICATES: dict[str, tuple[str, ...]] = {
    "member": ("state", "organization", "at"),
}

# Switched on by `assumption` declarations, a case's `assumptions:` or --assume.
ASSUMPTION_PREDICATES: dict[str, tuple[str, ...]] = {
    "assumed": ("assumption",),
}

# Conclusions in force, readable only by invariants.
DEONTIC_PREDICATES: dict[str, tuple[str, ...]] = {
    m: ("actor", "action", "object", "counterparty", "regime", "rule") for m in ("obliged", "permitted", "forbidden")
}

# Attributes reachable with `X.attr`: every field of the case's entities.
ENTITY_ATTRIBUTES: frozenset[str] = frozenset(
    p for name in ("incident", "decision", "request", "report", "claim") for p in CASE_PREDICATES[name][1:]
) | {"symbol", "title", "description"}

# The counters a voting procedure's `requires` can compare.
PROCEDURE_COUNTERS = ("yes", "no", "abstain", "absent", "members", "present", "voting", "vetoes")

# Written for a value a case file leaves out, so that every fact has full arity.
NONE = "none"

VOTE_VALUES = ("yes", "no", "abstain", "absent")
