"""Coverage of a rule set by a set of cases: by rule and procedure, and by article.

A cited provision is *exercised* when a rule or procedure that cites it fires
(concludes something, or decides a vote) in at least one case. Provisions are
grouped by the instrument that contains them, as the citations name it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.inputs.texts import instrument_label, parse_citation


@dataclass
class ProvisionCoverage:
    key: str  # "art. 2(4)"
    cited_by: list[str] = field(default_factory=list)  # rule and procedure names
    fired_by: list[str] = field(default_factory=list)

    @property
    def exercised(self) -> bool:
        return bool(self.fired_by)


@dataclass
class Coverage:
    rules: dict[str, bool]  # qualname -> fired
    procedures: dict[str, bool]
    instruments: dict[str, dict[str, ProvisionCoverage]]  # instrument -> provision key -> coverage

    def to_json(self) -> dict:
        return {
            "rules": {"fired": sorted(n for n, f in self.rules.items() if f),
                      "never_fired": sorted(n for n, f in self.rules.items() if not f)},
            "procedures": {"fired": sorted(n for n, f in self.procedures.items() if f),
                           "never_fired": sorted(n for n, f in self.procedures.items() if not f)},
            "provisions": {
                inst: {
                    "exercised": [p.key for p in provs.values() if p.exercised],
                    "never_exercised": [{"provision": p.key, "cited_by": p.cited_by}
                                        for p in provs.values() if not p.exercised],
                }
                for inst, provs in self.instruments.items()
            },
        }

    def render(self) -> str:
        lines = ["", "Coverage"]
        for kind, names in (("rules", self.rules), ("procedures", self.procedures)):
            hit = [n for n, f in names.items() if f]
            lines.append(f"  {kind}: {len(hit)}/{len(names)} fired in at least one case")
            for n, f in names.items():
                if not f:
                    lines.append(f"    never fired: {n}")
        return "\n".join(lines) + "\n" + self.render_articles()

    def render_articles(self) -> str:
        lines = ["", "Coverage by article (a provision is exercised when a rule citing it fires)"]
        for inst, provs in self.instruments.items():
            hit = [p.key for p in provs.values() if p.exercised]
            lines.append(f"  {inst}: {len(hit)}/{len(provs)} cited provisions exercised")
            if hit:
                lines.append(f"    exercised: {', '.join(hit)}")
            for p in provs.values():
                if not p.exercised:
                    lines.append(f"    never exercised: {p.key}  (cited by {', '.join(p.cited_by)})")
        return "\n".join(lines) + "\n"


def _order(key: str) -> tuple:
    parts = re.findall(r"\d+|[A-Za-z]+", key.removeprefix("art. "))
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def coverage(rule_set, fired: set[str]) -> Coverage:
    """`fired`: names of the rules (qualnames) and procedures (regime.name) that fired."""
    checked = rule_set.plan.checked
    texts = getattr(rule_set, "texts", None)
    rules = {r.qualname: r.qualname in fired for r in checked.rules}
    procedures = {f"{p.regime}.{p.name}": f"{p.regime}.{p.name}" in fired for p in checked.procedures}
    instruments: dict[str, dict[str, ProvisionCoverage]] = {}
    decls = [(r.qualname, r) for r in checked.rules] + [(f"{p.regime}.{p.name}", p) for p in checked.procedures]
    for name, decl in decls:
        for citation in decl.citations:
            for cited in parse_citation(citation.text):
                inst = texts.instrument_for(cited.instrument_name) if texts else None
                label = inst.title if inst else instrument_label(cited.instrument_name)
                entry = instruments.setdefault(label, {}).setdefault(cited.key, ProvisionCoverage(cited.key))
                if name not in entry.cited_by:
                    entry.cited_by.append(name)
                    if name in fired:
                        entry.fired_by.append(name)
    ordered = {inst: dict(sorted(provs.items(), key=lambda kv: _order(kv[0])))
               for inst, provs in sorted(instruments.items())}
    return Coverage(dict(sorted(rules.items())), dict(sorted(procedures.items())), ordered)
