"""The JSON Schema of case files, generated from the models, for editors."""

from __future__ import annotations

from typing import Any

from engine.inputs.casefile import CaseFile


def case_schema() -> dict:
    """JSON Schema of case files, for editors."""
    schema = CaseFile.model_json_schema()
    schema.pop("title", None)
    items = schema["properties"]["expect"]["items"]
    key = "oneOf" if "oneOf" in items else "anyOf"
    items[key] = [{"type": "string", "description": "a conclusion that must follow; 'not ...': one that must not"},
                  *items.get(key, [])]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "casus case file",
            **_any_of(schema)}


def _any_of(node: Any) -> Any:
    # The unions are discriminated by shape, and editors handle anyOf more leniently
    # (an empty vote mapping fits both vote forms, which oneOf would reject).
    if isinstance(node, dict):
        return {("anyOf" if k == "oneOf" else k): _any_of(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_any_of(v) for v in node]
    return node
