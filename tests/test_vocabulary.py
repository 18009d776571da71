"""The one registry of the case vocabulary, and what is derived from it.

Every field a rule of the standard library can read must be explorable (explore
does not skip it) and generated (the hypothesis strategies produce it), and
every declared kind and value must occur in generated cases.
"""

from __future__ import annotations

import pickle
import typing

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from engine import evaluate, load_case_text
from engine.inputs.casefile import Determination, Incident, Request
from engine.tools.explore import explore, relevant
from engine.tools.testing import cases
from engine.vocabulary import (
    ATTRIBUTIONS,
    CASE_PREDICATES,
    CONTENT_KINDS,
    FIELD_ALIASES,
    FINDINGS,
    INCIDENT_KINDS,
    PREDICATES,
    REQUEST_KINDS,
    SCALES,
    VOTE_VALUES,
    args,
    case_fields,
    reading,
)

SAMPLE = 1500  # generated cases, drawn once (no shrinking): every field and value must occur among them


@pytest.fixture(scope="module")
def generated(stdlib_rules) -> list[dict]:
    out: list[dict] = []

    @settings(max_examples=SAMPLE, database=None, deadline=None, derandomize=True, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(cases(stdlib_rules))
    def draw(data):
        out.append(data)

    draw()
    return out


def _path(section: str, field: str) -> str:
    if field.startswith("content."):
        return f"{section}[0].content[0].{field.split('.', 1)[1]}"
    return f"{section}[0].{field}"


def _has(data: dict, section: str, field: str) -> bool:
    for item in data.get(section, ()):
        if field.startswith("content."):
            key = field.split(".", 1)[1]
            if any(key in c for c in item.get("content", ())):
                return True
        elif item.get(field) not in (None, [], ()):
            return True
    return False


def _read_fields(rules) -> list[tuple[str, str]]:
    return [(section, field) for section, fields in case_fields().items() for field in fields
            if field != "id" and (section, field) not in FIELD_ALIASES and relevant(rules, _path(section, field))]


def test_case_models_take_their_literals_from_the_registry():
    assert typing.get_args(Incident.model_fields["kind"].annotation) == INCIDENT_KINDS
    assert typing.get_args(Incident.model_fields["scale"].annotation) == SCALES
    assert typing.get_args(Incident.model_fields["attribution"].annotation) == ATTRIBUTIONS
    assert typing.get_args(Determination.model_fields["determination"].annotation) == FINDINGS
    assert typing.get_args(Request.model_fields["kind"].annotation) == REQUEST_KINDS


def test_every_predicate_names_fields_its_section_has():
    from engine.inputs.casefile import CaseFile

    for p in PREDICATES:
        assert CASE_PREDICATES[p.name] == p.params
        if p.section is None:
            continue
        model = typing.get_args(CaseFile.model_fields[p.section].annotation)[0]
        for field in p.fields:
            name = field.split(".", 1)[0]
            assert name in model.model_fields or name == "content", (p.name, field)


def test_args_orders_by_parameter_name_and_rejects_a_missing_one():
    assert args("effect", effect="casualties", incident="i1") == ("i1", "casualties")
    with pytest.raises(TypeError):
        args("effect", incident="i1")


def test_reading_knows_what_each_field_feeds():
    assert reading("incidents", "ended") == ({"incident_ended"}, {"ended"})
    assert reading("requests", "article") == (set(), {"article"})
    preds, _ = reading("decisions", "votes")
    assert {"vote", "adopted", "rejected", "vetoed"} <= preds


def test_the_standard_library_reads_fields_the_old_table_missed(stdlib_rules):
    read = set(_read_fields(stdlib_rules))
    assert ("incidents", "ended") in read  # until ... incident_ended(I)
    assert ("requests", "article") in read  # TFEU art. 222: R.article == "222"
    assert ("incidents", "description") not in read  # no rule reads it: not explored


@pytest.mark.parametrize("section,field", [
    ("incidents", "kind"), ("incidents", "ended"), ("incidents", "effects"), ("incidents", "attribution"),
    ("incidents", "place"), ("decisions", "votes"), ("decisions", "parties_to_dispute"),
    ("decisions", "procedure"), ("decisions", "adopted"), ("decisions", "content.terminates"),
    ("decisions", "content.authorization"), ("requests", "article"), ("reports", "article"), ("claims", "kind"),
])
def test_fields_rules_read_include(stdlib_rules, section, field):
    assert (section, field) in _read_fields(stdlib_rules)


def test_every_field_rules_read_is_generated(stdlib_rules, generated):
    missing = [f"{section}.{field}" for section, field in _read_fields(stdlib_rules)
               if not any(_has(d, section, field) for d in generated)]
    assert not missing, f"read by some rule but never generated: {missing}"


def test_the_coverage_check_can_fail(generated):
    assert not any(_has(d, "incidents", "description") for d in generated)  # a field nobody generates


@pytest.mark.parametrize("section,field,values", [
    ("incidents", "kind", INCIDENT_KINDS), ("incidents", "scale", SCALES),
    ("incidents", "attribution", ATTRIBUTIONS), ("requests", "kind", REQUEST_KINDS),
])
def test_every_declared_value_is_generated(generated, section, field, values):
    default = "state" if field == "attribution" else None
    seen = {x.get(field, default) for d in generated for x in d.get(section, ())}
    assert set(values) <= seen, set(values) - seen


def test_every_vote_finding_and_content_kind_is_generated(generated):
    votes = {v for d in generated for x in d.get("decisions", ()) for v in (x.get("votes") or {}).values()}
    contents = [c for d in generated for x in d.get("decisions", ()) for c in x.get("content", ())]
    assert set(VOTE_VALUES) <= votes
    assert set(FINDINGS) <= {c.get("determination") for c in contents}
    assert all(any(kind in c for c in contents) for kind in CONTENT_KINDS)


ENDED_OPEN = """
case: ended_open
as_of: 2026-03-10
states: [EST, RUS]
incidents:
  - {id: invasion, kind: invasion, date: 2026-03-01, author: RUS, victim: EST, scale: large}
requests:
  - {id: req, by: EST, to: [eu], kind: assistance, date: 2026-03-01, about: invasion}
unknown:
  - {path: "incidents[invasion].ended", values: [null, 2026-03-03]}
  - {path: "requests[req].article", values: ["42(7)", "222"]}
  - {path: "incidents[invasion].description", values: [a, b]}
"""


def test_explore_enumerates_ended_and_article(stdlib_rules):
    """Regression: `ended` and `article` were called 'not read by any rule' although rules read them."""
    found = explore(stdlib_rules, load_case_text(ENDED_OPEN, "ended_open.yaml"))
    explored = [p for p, _ in found.open_facts]
    assert explored == ["incidents[invasion].ended", "requests[req].article"]
    assert found.ignored == ["incidents[invasion].description"]
    decided = {o.label for o in found.outcomes if 0 < o.follows_in < o.total}
    assert "permitted EST to use_force against RUS" in decided  # self-defence ends with the attack


def test_results_are_plain_picklable_data(stdlib_rules, estonia_result):
    again = pickle.loads(pickle.dumps(estonia_result))
    assert again == estonia_result and again.to_json() == estonia_result.to_json()
    assert "does not follow" in again.explain("obliged RUS to assist EST")
    assert not any(name.startswith("_") for name in vars(estonia_result))


def test_why_not_is_an_explicit_re_evaluation(stdlib_rules):
    from engine import load_case, why_not

    case = load_case("cases/estonia_2026.yaml", stdlib_rules)
    w = why_not(stdlib_rules, case, "obliged RUS to assist EST")
    failing = {c.rule: c for c in w.candidates if c.reason == "fails"}
    assert failing["nato.collective_defence"].failing.startswith("member(RUS, nato")
    assert evaluate(stdlib_rules, case).explain("obliged RUS to assist EST").startswith("'obliged RUS to assist EST'")
