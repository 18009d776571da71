"""The case-file models: incidents, decisions of organs with their votes and contents,
requests, reports, claims, open facts and expectations.

They are validated by pydantic; the JSON Schema for editors is generated from them
(`engine.inputs.schema`). Kinds and values come from the vocabulary registry.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Union

from pydantic import BeforeValidator, Discriminator, Field, PrivateAttr, Tag, ValidationInfo, field_validator, \
    model_validator
from pydantic_core import PydanticCustomError

from engine.diagnostics import CasusError, did_you_mean, format_path
from engine.inputs.membership import OrganizationOverride, overlaps
from engine.inputs.states import normalize_state
from engine.inputs.values import (IDENT, Article, Bool, CaseId, Date, Ident, Model, Place, Ref, StateCode, States,
                                  consistency_error, extra_states_of)
from engine.lang.parse import parse_query
from engine.vocabulary import (ATTRIBUTIONS, CONDUCTS, CONTENT_KINDS, FINDINGS, INCIDENT_KINDS, LEGAL_BASES,
                               OPERATION_MEANS, REQUEST_KINDS, SCALES, SETTLEMENT_MEANS, SETTLEMENT_OUTCOMES,
                               SPONSOR_LINKS, STATUSES, TARGET_KINDS, VOTE_VALUES)

# ---------------------------------------------------------------------------
# incidents

IncidentKind = Literal[INCIDENT_KINDS]


class NonStateActor(Model):
    group: str = Field(min_length=1, description="Name of the non-state group, e.g. 'al-Qaida'.")


def _author_tag(value: Any) -> str:
    return "_t_group" if isinstance(value, (dict, NonStateActor)) else "_t_state"


Author = Annotated[
    Union[Annotated[StateCode, Tag("_t_state")], Annotated[NonStateActor, Tag("_t_group")]],
    Discriminator(_author_tag),
]


def _authors_tag(value: Any) -> str:
    return "_t_many" if isinstance(value, (list, tuple)) else "_t_one"


Authors = Annotated[
    Union[Annotated[Author, Tag("_t_one")], Annotated[tuple[Author, ...], Tag("_t_many")]],
    Discriminator(_authors_tag),
]


class Forces(Model):
    """Armed forces, public vessels or aircraft of a state, attacked where they are."""

    of: StateCode = Field(description="The state whose forces, vessels or aircraft were attacked.")
    at: Place = Field(description="Where they were: a state code, an ISO 3166-2 code or a place name "
                                  "(e.g. mediterranean_sea, north_atlantic_north_of_tropic_of_cancer).")


class Sponsor(Model):
    """The state alleged to stand behind a non-state group's acts, and what the evidence shows of the link."""

    state: StateCode = Field(description="The state alleged to stand behind the group.")
    link: Literal[SPONSOR_LINKS] = Field(
        description="sent (by it or on its behalf, GA res. 3314 (XXIX), art. 3(g)), effective_control (ICJ, "
                    "Nicaragua, 1986, para. 115): the group's acts are the state's; support (arms, training, "
                    "financing, without control: its own conduct, not the group's acts, para. 116); not_proven "
                    "(the link alleged was not proven, e.g. Armed Activities, 2005, para. 160).")


class Incident(Model):
    id: Ident = Field(description="Identifier, unique across the case.")
    kind: IncidentKind = Field(description="What happened.")
    date: Date = Field(description="Date of the incident (start date for continuing ones).")
    ended: Date | None = Field(None, description="Day a continuing incident ended (e.g. withdrawal, liberation); "
                                                 "omit while it goes on.")
    author: Authors | None = Field(
        None, description="State code of the author, or {group: ...} for a non-state actor, or a list of them for "
                          "an incident with several authors (a joint invasion, a coalition); omit if unknown.")
    victim: StateCode = Field(description="State against which it was directed.")
    place: Place | None = Field(None, description="Where it happened: a state code (its metropolitan territory), "
                                                  "an ISO 3166-2 code (US-HI, ES-CE, FR-GF), a dependent territory's "
                                                  "code (GRL) or a place name; defaults to where the attacked forces "
                                                  "were, else to the victim.")
    location: Place | None = Field(None, description="Older name of `place`.")
    forces: Forces | None = Field(None, description="For an attack on armed forces, public vessels or aircraft: "
                                                     "whose they are and where they were.")
    scale: Literal[SCALES] = Field(
        "significant", description="Scale and effects (gravity) of the incident.")
    effects: tuple[Ident, ...] = Field((), description="Effects, e.g. casualties, territorial_occupation.")
    conduct: tuple[Literal[CONDUCTS], ...] = Field(
        ("direct_force",), min_length=1,
        description="What the author did: direct_force (its own forces), sending_armed_bands or "
                    "substantial_involvement (GA res. 3314 (XXIX), art. 3(g)), or support to others' armed "
                    "activities: arms_supply, training, logistical_support, financing (no armed attack: ICJ, "
                    "Nicaragua, 1986, para. 195).")
    attribution: Literal[ATTRIBUTIONS] = Field(
        "state", description="To whom the conduct is attributed; defaults from the author. not_proven: the "
                             "author named (a state) was alleged to be responsible, which was not proven.")
    sponsor: Sponsor | None = Field(
        None, description="For a non-state group's acts: the state alleged to stand behind the group, and the "
                          "link, e.g. {state: USA, link: support}.")
    origin: Place | None = Field(
        None, description="Where the attack was launched from, if that matters (e.g. territory the victim "
                          "occupies: ICJ, Wall advisory opinion, 2004, para. 139).")
    tolerated_by: States = Field(
        (), description="States that knowingly allowed their territory to be used for the acts (ICJ, Corfu "
                        "Channel, 1949, p. 22).")
    description: str | None = Field(None, description="What happened, in words.")
    source: str | None = Field(None, description="Where the facts come from.")

    @model_validator(mode="before")
    @classmethod
    def _default_attribution(cls, data: Any) -> Any:
        if isinstance(data, dict) and "attribution" not in data:
            author = data.get("author")
            if isinstance(author, list) and author:
                author = author[0]
            data = {**data, "attribution": "unknown" if author is None or author == []
                    else "non_state" if isinstance(author, dict) else "state"}
        return data

    @model_validator(mode="after")
    def _default_place(self) -> Incident:
        if self.place is not None and self.location is not None and self.place != self.location:
            raise PydanticCustomError("place_twice", "give `place` or its older name `location`, not both")
        place = self.place or self.location or (self.forces.at if self.forces else None) or self.victim
        object.__setattr__(self, "place", place)
        object.__setattr__(self, "location", place)
        if isinstance(self.author, tuple) and not self.author:
            object.__setattr__(self, "author", None)
        return self

    @property
    def authors(self) -> tuple:
        """Every author: a state code or a NonStateActor each."""
        if self.author is None:
            return ()
        return self.author if isinstance(self.author, tuple) else (self.author,)


# ---------------------------------------------------------------------------
# decisions


class _Content(Model):
    about: Ref | None = Field(None, description="Incident id or state code the item is about.")
    article: Article | None = Field(None, description="Article relied on, e.g. \"42\".")
    text: str | None = Field(None, description="Quotation of the operative text.")

    @property
    def kind(self) -> str:
        return type(self).__name__.lower()

    @property
    def value(self) -> str:
        return getattr(self, self.kind)


def _addressee_tag(value: Any) -> str:
    return "_t_list" if isinstance(value, (list, tuple)) else "_t_all"


Addressees = Annotated[
    Union[Annotated[Literal["member_states"], Tag("_t_all")], Annotated[States, Tag("_t_list")]],
    Discriminator(_addressee_tag),
]


class Determination(_Content):
    determination: Literal[FINDINGS] = Field(
        description="Determination under Art. 39.")


Targets = tuple[Author, ...]


# -- sanctions: what measures and designations are directed against


class Entity(Model):
    entity: str = Field(min_length=1, description="Name of a listed entity (an undertaking, an airline, a bank).")


class Individual(Model):
    individual: str = Field(min_length=1, description="Name of a listed individual.")


class Territory(Model):
    territory: str = Field(min_length=1, description="Name of a territory under a regime that is not a state's "
                                                     "government, e.g. 'Southern Rhodesia'.")


def _sanction_target_tag(value: Any) -> str:
    if isinstance(value, (dict, Model)):
        keys = set(value) if isinstance(value, dict) else set(type(value).model_fields)
        found = [k for k in TARGET_KINDS[1:] if k in keys]
        return f"_t_{found[0]}" if len(found) == 1 else "_t_group"
    return "_t_state"


SanctionsTarget = Annotated[
    Union[Annotated[StateCode, Tag("_t_state")], Annotated[NonStateActor, Tag("_t_group")],
          Annotated[Entity, Tag("_t_entity")], Annotated[Individual, Tag("_t_individual")],
          Annotated[Territory, Tag("_t_territory")]],
    Discriminator(_sanction_target_tag),
]
SanctionsTargets = tuple[SanctionsTarget, ...]


class Measures(_Content):
    measures: Ident = Field(description="Measures not involving force (Art. 41), e.g. arms_embargo, asset_freeze, "
                                        "travel_ban, trade_embargo, financial_measures, aviation_ban, "
                                        "diplomatic_measures, sanctions.")
    against: SanctionsTargets = Field(
        (), description="Targets: state codes, {group: ...} for a non-state group, {entity: ...}, {individual: ...}, "
                        "{territory: ...}.")
    committee: Ident | None = Field(None, description="The committee the decision establishes to oversee the "
                                                      "measures and designate targets, e.g. committee_661.")
    exemptions: tuple[Ident, ...] = Field((), description="What the measures exempt, e.g. medical_supplies, "
                                                          "foodstuffs, humanitarian_assistance.")


class Authorization(_Content):
    authorization: Ident = Field(description="What is authorized, e.g. use_of_force (Art. 42 / Chapter VII).")
    to: Addressees = Field("member_states", description="'member_states' or a list of state codes.")
    against: Targets = Field((), description="Targets: state codes, or {group: ...} for a non-state group "
                                             "(e.g. res. 2085 (2012) on AFISMA).")


class Demand(_Content):
    demand: Ident = Field(description="What is demanded, e.g. withdrawal.")
    addressee: States = Field((), description="States the demand is addressed to.")


class Affirmation(_Content):
    affirmation: Ident = Field(description="What is affirmed, e.g. self_defence.")
    of: States = Field((), description="States whose right is affirmed.")


class Recommendation(_Content):
    recommendation: Ident = Field(description="What is recommended, e.g. assistance.")
    to: Addressees = Field("member_states", description="'member_states' or a list of state codes.")


class Termination(_Content):
    terminates: Ident = Field(description="Id of an earlier decision in this case whose measures or "
                                          "authorization this decision ends.")

    @property
    def value(self) -> str:
        return self.terminates


class _RegimeAct(_Content):
    regime: Ident = Field(description="Id of the decision (in this case) whose measures the list belongs to.")

    @property
    def value(self) -> str:
        return self.regime


class Designation(_RegimeAct):
    designates: SanctionsTargets = Field(min_length=1, description="Targets listed: {individual: ...}, "
                                                                   "{entity: ...}, {group: ...} or state codes.")


class Delisting(_RegimeAct):
    delists: SanctionsTargets = Field(min_length=1, description="Targets removed from the list.")


class Renewal(_Content):
    renews: Ident = Field(description="Id of an earlier decision whose measures this one extends beyond their "
                                      "expiry; the new end is this decision's `expires`.")


class Suspension(_Content):
    suspends: Ident = Field(description="Id of an earlier decision whose measures this one suspends.")


class Mandate(_Content):
    entrusts: Ident = Field(description="The task entrusted, e.g. good_offices, mediation, enquiry, "
                                        "examine_article_50_requests.")
    to: Ident = Field(description="The organ entrusted: secretary_general, a committee (committee_661), an envoy.")


# content classes whose key is not their class name
_KEYS = {"termination": "terminates", "designation": "designates", "delisting": "delists", "renewal": "renews", "suspension": "suspends",
         "mandate": "entrusts"}
_REFERS = {"terminates": "terminates", "renews": "renews", "suspends": "suspends", "regime": "regime"}


def _content_tag(value: Any) -> str | None:
    if isinstance(value, _Content):
        return f"_t_{_KEYS.get(value.kind, value.kind)}"
    if not isinstance(value, dict):
        return "_t_determination"  # reports "expected a mapping"
    present = [k for k in CONTENT_KINDS if k in value]
    return f"_t_{present[0]}" if len(present) == 1 else None


ContentItem = Annotated[
    Union[
        Annotated[Determination, Tag("_t_determination")],
        Annotated[Measures, Tag("_t_measures")],
        Annotated[Authorization, Tag("_t_authorization")],
        Annotated[Demand, Tag("_t_demand")],
        Annotated[Affirmation, Tag("_t_affirmation")],
        Annotated[Recommendation, Tag("_t_recommendation")],
        Annotated[Termination, Tag("_t_terminates")],
        Annotated[Designation, Tag("_t_designates")],
        Annotated[Delisting, Tag("_t_delists")],
        Annotated[Renewal, Tag("_t_renews")],
        Annotated[Suspension, Tag("_t_suspends")],
        Annotated[Mandate, Tag("_t_entrusts")],
    ],
    Discriminator(
        _content_tag, custom_error_type="content_kind",
        custom_error_message="a content item needs exactly one of: " + ", ".join(CONTENT_KINDS)),
]

Vote = Literal[VOTE_VALUES]


class VoteLists(Model):
    yes: States = Field((), description="States voting in favour.")
    no: States = Field((), description="States voting against.")
    abstain: States = Field((), description="States abstaining.")
    absent: States = Field((), description="States not present or not participating.")


def _is_list_entry(key: Any, value: Any) -> bool:
    # 'no' alone is ambiguous: Norway's alpha-2 code. A list value means the list form.
    return key in VOTE_VALUES and (key != "no" or isinstance(value, list))


def _votes_tag(value: Any) -> str:
    if isinstance(value, dict) and value and all(_is_list_entry(k, v) for k, v in value.items()):
        return "_t_by_vote"
    return "_t_by_state"


def _check_votes(value: Any, info: ValidationInfo) -> Any:
    if not isinstance(value, dict):
        return value
    forms = {_is_list_entry(k, v) for k, v in value.items()}
    if len(forms) > 1:
        raise PydanticCustomError(
            "vote_forms", "votes are given either as a mapping (USA: yes) or as lists (yes: [USA]), not both")
    extra = extra_states_of(info)
    seen: dict[str, str] = {}
    entries = ([(s, k) for k, v in value.items() if isinstance(v, list) for s in v]
               if forms == {True} else list(value.items()))
    for state, vote in entries:
        code = normalize_state(state, extra) if isinstance(state, str) else None
        if code is None:
            continue
        if code in seen:
            raise PydanticCustomError("vote_twice", "{code} votes more than once ('{a}' and '{b}')",
                                      {"code": code, "a": seen[code], "b": str(vote)})
        seen[code] = str(vote)
    return value


def _votes_mapping(value: Any) -> dict[str, str]:
    if isinstance(value, VoteLists):
        return {s: v for v in VOTE_VALUES for s in getattr(value, v)}
    return dict(value)


Votes = Annotated[
    Union[Annotated[dict[StateCode, Vote], Tag("_t_by_state")], Annotated[VoteLists, Tag("_t_by_vote")]],
    Discriminator(_votes_tag),
]


class Decision(Model):
    id: Ident = Field(description="Identifier, unique across the case.")
    organ: Ident = Field(description="Organ taking the decision, e.g. security_council, north_atlantic_council.")
    date: Date = Field(description="Date of the vote or decision.")
    symbol: str | None = Field(None, description="Document symbol, e.g. S/RES/678 (1990).")
    matter: Ident = Field(
        "substantive", description="Kind of matter, which selects the voting procedure: substantive, procedural, "
                                   "pacific_settlement (Art. 27(3)), important (Art. 18(2)), or a matter a procedure "
                                   "of the rules declares.")
    procedure: Ident | None = Field(None, description="Name of the voting procedure to apply, if not the default.")
    concerns: tuple[Ref, ...] = Field((), description="Incident ids or state codes the decision is about.")
    parties_to_dispute: States = Field((), description="Parties to the dispute (Art. 27(3) abstention).")
    votes: Annotated[Votes | None, BeforeValidator(_check_votes)] = Field(
        None, description="Vote record: {USA: yes, ...} or {yes: [...], no: [...], abstain: [...], absent: [...]}.")
    adopted: Bool | None = Field(None, description="Recorded outcome, for decisions without a vote record.")
    content: tuple[ContentItem, ...] = Field((), description="What the decision says.")
    under: tuple[Literal[LEGAL_BASES], ...] = Field(
        (), description="What the decision says it acts under, e.g. [chapter_vii] ('Acting under Chapter VII'), "
                        "[article_41], [chapter_vi]; a Council decision under Chapter VII binds (arts. 25, 48) "
                        "even without an art. 39 determination in the same resolution.")
    expires: Date | None = Field(None, description="Day its measures or authorization end by its own terms "
                                                   "(exclusive), e.g. an authorization 'for a period of 12 months'.")
    description: str | None = Field(None, description="Free-text description.")
    source: str | None = Field(None, description="Where the facts come from.")

    @field_validator("votes", mode="after")
    @classmethod
    def _normalize_votes(cls, value: Any) -> dict[str, str] | None:
        return None if value is None else _votes_mapping(value)


# ---------------------------------------------------------------------------
# requests, reports, claims


class Request(Model):
    id: Ident = Field(description="Identifier, unique across the case.")
    by: StateCode = Field(description="Requesting state.")
    to: tuple[Ref, ...] = Field(min_length=1, description="Organization ids (lower-case) or state codes.")
    kind: Literal[REQUEST_KINDS] = Field(
        description="What is requested.")
    article: Article | None = Field(None, description="Provision the request invokes, e.g. \"222\" (TFEU) or \"4(j)\".")
    date: Date = Field(description="Date of the request.")
    about: Ref | None = Field(None, description="Incident id the request responds to.")
    withdrawn: Date | None = Field(
        None, description="Day the requesting state withdrew the request or its consent (ICJ, Armed Activities "
                          "(DRC v. Uganda), 2005, paras. 47-53: no formality is needed); force from that day on "
                          "rests on it no longer.")
    expires: Date | None = Field(
        None, description="Day the request or consent ends by its own terms (exclusive), e.g. consent 'for six "
                          "months'.")
    area: tuple[Place, ...] = Field(
        (), description="Places the consent is limited to (state codes, ISO 3166-2 codes or place names); an act "
                        "of force elsewhere is not covered. Omit: the whole territory.")
    task: Ident | None = Field(
        None, description="The task the consent is limited to, e.g. border_security; an act of force covered must "
                          "list it among its `objectives`. Omit: any task.")
    description: str | None = Field(None, description="Free-text description.")
    source: str | None = Field(None, description="Where the facts come from.")

    @model_validator(mode="after")
    def _ends_after_it_begins(self) -> Request:
        for name in ("withdrawn", "expires"):
            end = getattr(self, name)
            if end is not None and end < self.date:
                raise PydanticCustomError("request_end", "`{name}` ({end}) is before the request's date ({date})",
                                          {"name": name, "end": end.isoformat(), "date": self.date.isoformat()})
        return self


class Response(Model):
    """An act of force by a state, as the case records it, to be judged on its own: as self-defence
    (necessity, proportionality, immediacy) or as force within a host state's consent."""

    id: Ident = Field(description="Identifier, unique across the case.")
    by: StateCode = Field(description="State that used force.")
    against: StateCode = Field(description="State against which, or on whose territory, force was used.")
    date: Date = Field(description="Date of the act (its first day, for an operation).")
    place: Place | None = Field(None, description="Where force was used: a state code, an ISO 3166-2 code or a place "
                                                  "name; defaults to the target state.")
    target: str | None = Field(None, description="What was struck, in words, e.g. 'Reshadat oil platforms'.")
    objectives: tuple[Ident, ...] = Field(
        (), description="What the act aimed at, e.g. [repel_attack, border_security]; a consent limited to a "
                        "`task` covers acts that list it.")
    responds_to: Ref | None = Field(None, description="Incident id of the armed attack the act answers, if any.")
    necessary: Bool | None = Field(
        None, description="Whether the act was necessary to repel the attack (ICJ, Nicaragua, 1986, para. 194; "
                          "Oil Platforms, 2003, paras. 43, 73-76). Omit: not shown, and the burden is on the state "
                          "claiming self-defence (Oil Platforms, paras. 51 and 57).")
    proportionate: Bool | None = Field(
        None, description="Whether the act was proportionate to the attack (Nicaragua, para. 176; Nuclear Weapons "
                          "advisory opinion, 1996, para. 41; Oil Platforms, para. 77). Omit: not shown.")
    attack_ongoing: Bool | None = Field(
        None, description="Whether the attack answered was still going on when the act came (an occupation, a "
                          "continuing campaign). Omit: the incident's `ended:` date decides, and an attack that is "
                          "not a continuing kind (invasion, occupation, blockade, annexation) is taken as over.")
    immediate: Bool | None = Field(
        None, description="For an attack that is over: whether the act came without undue delay after it "
                          "(immediacy). Omit: not shown.")
    description: str | None = Field(None, description="Free-text description.")
    source: str | None = Field(None, description="Where the facts come from.")

    @model_validator(mode="after")
    def _default_place(self) -> Response:
        if self.by == self.against:
            raise PydanticCustomError("response_self", "an act of force is by one state against another: "
                                                       "`by` and `against` are both {code}", {"code": self.by})
        if self.place is None:
            object.__setattr__(self, "place", self.against)
        return self


class Report(Model):
    id: Ident = Field(description="Identifier, unique across the case.")
    by: StateCode = Field(description="Reporting state.")
    to: Ident = Field("security_council", description="Organ reported to.")
    date: Date = Field(description="Date of the report.")
    article: Article | None = Field(None, description="Article under which it is made, e.g. \"51\".")
    about: Ref | None = Field(None, description="Incident id or response id the report concerns.")
    symbol: str | None = Field(None, description="Document symbol, e.g. S/2001/946.")
    description: str | None = Field(None, description="Free-text description.")
    source: str | None = Field(None, description="Where the facts come from.")


class Claim(Model):
    id: Ident = Field(description="Identifier, unique across the case.")
    by: StateCode = Field(description="Claiming state.")
    kind: Ident = Field(description="Legal basis claimed, e.g. self_defence, invitation.")
    date: Date = Field(description="Date of the claim.")
    about: Ref | None = Field(None, description="Incident id, response id or state code the claim concerns.")
    description: str | None = Field(None, description="Free-text description.")
    source: str | None = Field(None, description="Where the facts come from.")


# ---------------------------------------------------------------------------
# peace operations


class Consent(Model):
    """A state's consent to an operation: the host's to its presence, a contributor's to taking part."""

    by: StateCode = Field(description="The consenting state: the host, or a troop- or police-contributing state.")
    given: Date = Field(description="Day the consent was given (e.g. the host's acceptance of the force).")
    withdrawn: Date | None = Field(None, description="Day the consent was withdrawn (e.g. Egypt's request of "
                                                     "18 May 1967 that UNEF leave); omit while it stands.")
    source: str | None = Field(None, description="Where the facts come from.")


class MandateItem(Model):
    """A task a decision gives an operation; a later decision's items renew or change the mandate."""

    by: Ident = Field(description="Id of the decision in this case that gives (or renews) the task; its `expires:` "
                                  "and a later `terminates:` end it.")
    task: Ident = Field(description="The task, e.g. supervise_cessation_of_hostilities, protect_civilians, "
                                    "neutralize_armed_groups.")
    means: Literal[OPERATION_MEANS] = Field(
        "self_defence", description="Force the task allows: self_defence (the traditional rule) or "
                                    "all_necessary_means (a robust mandate).")
    against: Targets = Field((), description="Whom the task is directed against: state codes or {group: ...} "
                                             "(e.g. the armed groups the Intervention Brigade was to neutralize).")
    text: str | None = Field(None, description="Quotation of the operative text.")


class Operation(Model):
    id: Ident = Field(description="Identifier, unique across the case.")
    name: str | None = Field(None, description="Name of the operation, e.g. 'United Nations Emergency Force'.")
    established_by: Ident = Field(description="Id of the decision in this case establishing the operation "
                                              "(Security Council, General Assembly or a regional organ).")
    host: StateCode = Field(description="The state on whose territory the operation is deployed.")
    deployed: Date = Field(description="Day the operation began to deploy on the host's territory.")
    ended: Date | None = Field(None, description="Day the operation left or its mandate was terminated; omit while "
                                                 "it goes on.")
    contributors: States = Field((), description="States contributing troops or police.")
    consent: tuple[Consent, ...] = Field((), description="Consents of the host and of contributors, with the day of "
                                                         "any withdrawal.")
    mandate: tuple[MandateItem, ...] = Field((), description="Tasks given by decisions, with the force they allow.")
    description: str | None = Field(None, description="Free-text description.")
    source: str | None = Field(None, description="Where the facts come from.")


# ---------------------------------------------------------------------------
# disputes and the steps taken to settle them (Charter arts. 33-38, 99)


class Dispute(Model):
    id: Ident = Field(description="Identifier, unique across the case.")
    parties: States = Field(min_length=2, description="The states parties to the dispute.")
    date: Date = Field(description="When the dispute arose (or was first recorded).")
    about: Ref | None = Field(None, description="Incident id or state code the dispute is about.")
    endangers_peace: Bool = Field(False, description="Its continuance is likely to endanger the maintenance of "
                                                     "international peace and security (art. 33(1)).")
    accepts_obligations: States = Field(
        (), description="Parties not Members of the UN that accept in advance, for the purposes of the dispute, "
                        "the obligations of pacific settlement of the Charter (art. 35(2)).")
    description: str | None = Field(None, description="What the dispute is about, in words.")
    source: str | None = Field(None, description="Where the facts come from.")


class SettlementStep(Model):
    id: Ident = Field(description="Identifier, unique across the case.")
    dispute: Ident = Field(description="Id of the dispute (under `disputes:`).")
    means: Literal[SETTLEMENT_MEANS] = Field(
        description="The means: negotiation, enquiry, mediation, conciliation, arbitration, judicial_settlement, "
                    "regional_agency, good_offices (art. 33(1)), or referral (bringing it to an organ: arts. 35, 37, "
                    "99).")
    by: Ref | None = Field(None, description="Who takes the step: a state code, an organization, an organ or "
                                             "office (secretary_general), a mediator.")
    to: Ident | None = Field(None, description="For a referral, the organ: security_council, general_assembly, "
                                               "icj; for resort to a regional agency, the organization (au, "
                                               "rio_treaty, ecowas).")
    date: Date = Field(description="Date of the step.")
    article: Article | None = Field(None, description="Provision relied on, e.g. \"35\", \"99\", \"36(3)\".")
    outcome: Literal[SETTLEMENT_OUTCOMES] = Field(
        "pending", description="pending, settled, failed (the parties did not settle by it), rejected (a party "
                               "refused it).")
    symbol: str | None = Field(None, description="Document symbol, e.g. S/4381.")
    description: str | None = Field(None, description="Free-text description.")
    source: str | None = Field(None, description="Where the facts come from.")


# ---------------------------------------------------------------------------
# expectations

_NOT = re.compile(r"not\s+")


class Expectation(Model):
    conclusion: str = Field(description="A conclusion, e.g. 'obliged DEU to assist EST'; a leading 'not ' negates.")
    negated: Bool = Field(False, description="true: the conclusion must NOT hold with this status.")
    status: Literal[STATUSES] = Field(
        "in force", description="Status the conclusion must have.")
    _query: Any = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            data = {"conclusion": data}
        if isinstance(data, dict) and isinstance(data.get("conclusion"), str):
            text = data["conclusion"].strip()
            m = _NOT.match(text)
            if m:
                data = {**data, "conclusion": text[m.end():], "negated": True}
            else:
                data = {**data, "conclusion": text}
        return data

    @field_validator("conclusion")
    @classmethod
    def _parses(cls, text: str) -> str:
        try:
            parse_query(text)
        except CasusError as err:
            d = err.diagnostics[0]
            col = f" at column {d.span.column}" if d.span else ""
            raise PydanticCustomError("conclusion", "invalid conclusion '{text}': {problem}{col}",
                                      {"text": text, "problem": d.message, "col": col}) from None
        return text

    def model_post_init(self, context: Any) -> None:
        self._query = parse_query(self.conclusion)

    @property
    def query(self):
        """The parsed `engine.ast.Query`."""
        return self._query


class Unknown(Model):
    """A fact the case leaves open, with the values it may take (for `casus explore`)."""

    path: str = Field(min_length=1, description="Field path in this case file, e.g. "
                      "'decisions[draft].votes.RUS' or 'incidents[0].scale'; list items by index or by id.")
    values: tuple[Any, ...] = Field(min_length=2, description="The values the fact may take.")


class AdoptionExpectation(Model):
    adopted: Ident = Field(description="Id of a decision whose adoption outcome is expected.")
    value: Bool = Field(True, description="Expected outcome: true adopted, false not adopted.")


def _expect_tag(value: Any) -> str:
    if isinstance(value, AdoptionExpectation) or (isinstance(value, dict) and "adopted" in value):
        return "_t_adopted"
    return "_t_conclusion"


Expect = Annotated[
    Union[Annotated[Expectation, Tag("_t_conclusion")], Annotated[AdoptionExpectation, Tag("_t_adopted")]],
    Discriminator(_expect_tag),
]

# ---------------------------------------------------------------------------
# the case file

_SECTIONS = ("incidents", "decisions", "requests", "responses", "reports", "claims", "operations", "disputes",
             "settlement")


class CaseFile(Model):
    case: CaseId = Field(description="Case id: lower-case letters, digits and '_'.")
    title: str | None = Field(None, description="Human-readable title.")
    as_of: Date = Field(description="Evaluation date; later events are ignored.")
    description: str | None = Field(None, description="What the case is about.")
    sources: tuple[str, ...] = Field((), description="Where the facts come from.")
    states: States = Field((), description="States involved (states referenced elsewhere are involved too).")
    organizations: tuple[OrganizationOverride, ...] = Field(
        (), description="Additions to or replacements of the bundled membership data.")
    incidents: tuple[Incident, ...] = Field((), description="Uses of force and other incidents.")
    decisions: tuple[Decision, ...] = Field((), description="Decisions of organs, with votes and contents.")
    requests: tuple[Request, ...] = Field((), description="Requests for assistance or intervention.")
    responses: tuple[Response, ...] = Field(
        (), description="Acts of force by states, each judged on its own: as self-defence against the attack it "
                        "answers (necessity, proportionality, immediacy) or within a host state's consent.")
    reports: tuple[Report, ...] = Field((), description="Reports to organs, e.g. under Art. 51.")
    claims: tuple[Claim, ...] = Field((), description="Legal justifications claimed by states.")
    operations: tuple[Operation, ...] = Field(
        (), description="Peace operations: their host, contributors, consents and mandates.")
    disputes: tuple[Dispute, ...] = Field((), description="Disputes between states (Charter arts. 33-38).")
    settlement: tuple[SettlementStep, ...] = Field(
        (), description="Steps taken to settle the disputes, and referrals of them (or of a matter) to an organ.")
    unknown: tuple[Unknown, ...] = Field(
        (), description="Facts left open, with their possible values; `casus explore` reports what depends on them.")
    assumptions: dict[Ident, Bool] = Field(
        default_factory=dict,
        description="Disputed points of law switched on (true) or off (false) for this case, by assumption name.")
    expect: tuple[Expect, ...] = Field(
        (), description="Conclusions that must (or, with 'not ', must not) follow; checked by 'casus test'.")

    @model_validator(mode="after")
    def _consistent(self) -> CaseFile:
        problems: list[tuple[tuple, str]] = []
        owner: dict[str, tuple] = {}
        for section in _SECTIONS:
            for i, item in enumerate(getattr(self, section)):
                if item.id in owner:
                    problems.append(((section, i, "id"),
                                     f"duplicate id '{item.id}' (already used by {format_path(owner[item.id])})"))
                else:
                    owner[item.id] = (section, i)
        orgs: dict[str, int] = {}
        for i, org in enumerate(self.organizations):
            if org.id in orgs:
                problems.append((("organizations", i, "id"),
                                 f"organization '{org.id}' is given twice (see organizations[{orgs[org.id]}])"))
            orgs.setdefault(org.id, i)
            problems += overlaps(org.members, ("organizations", i, "members"))
        incidents = [x.id for x in self.incidents]
        disputes = [x.id for x in self.disputes]
        responses = [x.id for x in self.responses]

        def check(ref: str | None, loc: tuple, also: tuple = ()) -> None:
            if ref is None or not IDENT.match(ref) or ref in incidents or ref in also:
                return
            if ref in owner:
                what = owner[ref][0][:-1]
                problems.append((loc, f"'{ref}' is a {what}, not an incident"))
                return
            hint = did_you_mean(ref, incidents)
            code = normalize_state(ref)
            if hint is None and code and len(ref) in (2, 3):
                hint = f"state codes are written in upper case: '{ref.upper()}'"
            problems.append((loc, f"unknown incident '{ref}'" + (f"; {hint}" if hint else "")))

        for section in ("decisions", "requests", "reports", "claims", "disputes"):
            for i, item in enumerate(getattr(self, section)):
                check(getattr(item, "about", None), (section, i, "about"),
                      tuple(disputes) if section == "decisions" else
                      tuple(responses) if section in ("reports", "claims") else ())
        for i, r in enumerate(self.responses):
            check(r.responds_to, ("responses", i, "responds_to"))
        for i, d in enumerate(self.decisions):  # a decision may concern a dispute
            for j, ref in enumerate(d.concerns):
                check(ref, ("decisions", i, "concerns", j), tuple(disputes))
            for j, c in enumerate(d.content):
                check(c.about, ("decisions", i, "content", j, "about"), tuple(disputes))
        decisions = [d.id for d in self.decisions]
        for i, d in enumerate(self.decisions):
            for j, c in enumerate(d.content):
                for name in _REFERS:
                    ref = getattr(c, name, None)
                    if isinstance(ref, str) and ref not in decisions:
                        hint = did_you_mean(ref, decisions)
                        problems.append((("decisions", i, "content", j, name),
                                         f"unknown decision '{ref}'" + (f"; {hint}" if hint else "")))
        for i, o in enumerate(self.operations):
            for loc, ref in [(("established_by",), o.established_by),
                             *((("mandate", j, "by"), m.by) for j, m in enumerate(o.mandate))]:
                if ref not in decisions:
                    hint = did_you_mean(ref, decisions)
                    problems.append((("operations", i, *loc),
                                     f"unknown decision '{ref}'" + (f"; {hint}" if hint else "")))
        for i, step in enumerate(self.settlement):
            if step.dispute not in disputes:
                hint = did_you_mean(step.dispute, disputes)
                problems.append((("settlement", i, "dispute"),
                                 f"unknown dispute '{step.dispute}'" + (f"; {hint}" if hint else "")))
        for i, e in enumerate(self.expect):
            if isinstance(e, AdoptionExpectation) and e.adopted not in decisions:
                hint = did_you_mean(e.adopted, decisions)
                problems.append((("expect", i, "adopted"),
                                 f"unknown decision '{e.adopted}'" + (f"; {hint}" if hint else "")))
        if problems:
            raise consistency_error(problems)
        return self

    def find(self, id: str) -> (Incident | Decision | Request | Response | Report | Claim | Operation | Dispute
                                | SettlementStep | None):
        for section in _SECTIONS:
            for item in getattr(self, section):
                if item.id == id:
                    return item
        return None

    def involved_states(self) -> tuple[str, ...]:
        """Declared states plus every state referenced anywhere in the case, sorted."""
        found: set[str] = set(self.states)

        def refs(values) -> None:
            for v in values:
                if isinstance(v, str) and not IDENT.match(v):
                    found.add(v)

        for x in self.incidents:
            refs([a for a in x.authors if isinstance(a, str)] + [x.victim, *((x.forces.of,) if x.forces else ()),
                  *((x.sponsor.state,) if x.sponsor else ()), *x.tolerated_by])
        for d in self.decisions:
            refs(d.concerns)
            refs(d.parties_to_dispute)
            refs(d.votes or {})
            for c in d.content:
                refs([c.about])
                for name in ("against", "addressee", "of", "to", "designates", "delists"):
                    v = getattr(c, name, ())
                    refs(v if isinstance(v, tuple) else ())
        for r in self.requests:
            refs([r.by, r.about, *r.to])
        for r in self.responses:
            refs([r.by, r.against])
        for r in (*self.reports, *self.claims):
            refs([r.by, r.about])
        for x in self.disputes:
            refs([*x.parties, *x.accepts_obligations, x.about])
        for x in self.settlement:
            refs([x.by])
        for o in self.organizations:
            refs(m.state for m in o.members)
            refs(o.without)
        for op in self.operations:
            refs([op.host, *op.contributors, *(c.by for c in op.consent),
                  *(t for m in op.mandate for t in m.against)])
        return tuple(sorted(found))
