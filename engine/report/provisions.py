"""The text of the provisions a conclusion cites, for `casus explain`."""

from __future__ import annotations

import textwrap
from typing import Iterable

from engine.inputs.texts import Texts


def provisions_for(texts: Texts, citations: Iterable[str | None]) -> list[dict]:
    """Each stored provision the citations name, once, in the order cited."""
    out: list[dict] = []
    seen: set[tuple[str, str]] = set()
    for citation in citations:
        for cited, provision in texts.for_citation(citation):
            if provision is None or (provision.instrument, provision.key) in seen:
                continue
            seen.add((provision.instrument, provision.key))
            title = texts.instruments[provision.instrument].title
            out.append({"instrument": title, "provision": provision.key, "cited_as": f"{cited.instrument_name}, {cited.key}",
                        "text": provision.text, "source": provision.source})
    return out


def render_provisions(items: list[dict], width: int = 96) -> str:
    if not items:
        return ""
    lines = ["", "The provisions cited:"]
    for item in items:
        lines.append(f"  {item['instrument']}, {item['provision']}")
        for paragraph in item["text"].split("\n"):
            lines.extend(textwrap.wrap(paragraph, width, initial_indent="    ", subsequent_indent="    "))
        lines.append(f"    (source: {item['source']})")
    return "\n".join(lines)
