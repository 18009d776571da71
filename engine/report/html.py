"""A case and its result as one self-contained HTML page.

Everything the page needs is inline (CSS, JavaScript, SVG): it opens from
`file://`, needs no network and prints to PDF. It is rendered from the stable
JSON form of a result (`Result.to_json()`), the case file's text and the
reference data the proofs cite, so the same case gives the same bytes.

Premises link to text anchors in the page itself: the case file's lines
(`#case-L12`) and the cited lines of the reference data and rule files
(`#src-3-L40`), reproduced in an appendix, since links to other files may not
exist where the report is read.
"""

from __future__ import annotations

import datetime as dt
import html as _html
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

from markupsafe import Markup

from engine.inputs.facts import build_facts
from engine.inputs.load import Case
from engine.inputs.states import state_name
from engine.inputs.rulebook import RuleSet
from engine.vocabulary import MODALITIES, VOTE_VALUES, Status

VOTES = VOTE_VALUES
STATUSES = (Status.IN_FORCE, Status.IN_CONFLICT, Status.DEFEATED, Status.ENDED)  # the order the page lists them
_LOCATION = re.compile(r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+)$")
_RULE_BLOCK_LIMIT = 30  # lines of a rule's text shown in the appendix


# ---------------------------------------------------------------- sources


@dataclass
class Sources:
    """The files proofs cite, and which of their lines the page reproduces."""

    case_file: str
    case_text: str
    texts: dict[str, str | None] = field(default_factory=dict)
    lines: dict[str, set[int]] = field(default_factory=dict)
    rule_sources: dict[str, str] = field(default_factory=dict)

    def _text(self, file: str) -> str | None:
        if file not in self.texts:
            text = self.rule_sources.get(file)
            if text is None:
                try:
                    text = Path(file).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError, ValueError):
                    text = None
            self.texts[file] = text
        return self.texts[file]

    def anchor(self, file: str | None, line: int | None, *, block: bool = False) -> str | None:
        """The page anchor of `file:line`, remembering the line (or the rule block there) for the appendix."""
        if not file or not line:
            return None
        if file == self.case_file:
            return f"case-L{line}"
        text = self._text(file)
        if text is None:
            return None
        wanted = self.lines.setdefault(file, set())
        all_lines = text.splitlines()
        if block:  # a declaration: its lines up to the next blank line
            for n in range(line, min(len(all_lines), line + _RULE_BLOCK_LIMIT - 1) + 1):
                if n > line and not all_lines[n - 1].strip():
                    break
                wanted.add(n)
        elif 1 <= line <= len(all_lines):
            wanted.add(line)
        return f"src-@@{file}@@-L{line}"  # made short and stable by `_short_anchors`

    def files(self) -> list[str]:
        return sorted(f for f in self.lines if self.lines[f])

    def appendix(self) -> list[dict]:
        out = []
        for i, file in enumerate(self.files()):
            text = self._text(file) or ""
            all_lines = text.splitlines()
            blocks: list[list[tuple[int, str]]] = []
            last = None
            for n in sorted(self.lines[file]):
                if n < 1 or n > len(all_lines):
                    continue
                if last is None or n != last + 1:
                    blocks.append([])
                blocks[-1].append((n, all_lines[n - 1]))
                last = n
            out.append({"file": file, "index": i, "blocks": blocks})
        return out


def _short_anchors(page: str, sources: Sources) -> str:
    """Provisional anchors (`src-@@<file>@@-L<n>`) become `src-<index>-L<n>`."""
    for i, file in enumerate(sources.files()):
        page = page.replace(f"src-@@{_html.escape(file)}@@-L", f"src-{i}-L").replace(f"src-@@{file}@@-L", f"src-{i}-L")
    return page


# ------------------------------------------------------------------- view


def _location(text: str | None) -> tuple[str, int] | None:
    if not text:
        return None
    m = _LOCATION.match(text)
    return (m["file"], int(m["line"])) if m else None


class _Proofs:
    """Turns JSON proofs into the nested structures the template renders, noting their sources."""

    def __init__(self, sources: Sources):
        self.sources = sources

    def derivation(self, d: dict | None) -> dict | None:
        if d is None:
            return None
        where = _location(d.get("location"))
        return {
            "kind": d["kind"],
            "label": {"invariant": "violates invariant", "rule": "by rule", "definition": "by definition",
                      "procedure": "by procedure", "until": "end condition of", "unless": "exception of",
                      "recorded": "as"}.get(d["kind"], d["kind"]),
            "name": d["name"],
            "title": d.get("title"),
            "citation": d.get("citation"),
            "location": d.get("location"),
            "anchor": self.sources.anchor(where[0], where[1], block=True) if where else None,
            "bindings": [] if d["kind"] == "procedure" else sorted((d.get("bindings") or {}).items()),
            "premises": self.premises(d.get("premises") or []),
        }

    def premises(self, items: list[dict]) -> list[dict]:
        out, seen = [], set()
        for p in items:
            key = repr(sorted(p.items()))
            if key in seen:  # the same premise read twice is shown once
                continue
            seen.add(key)
            out.append(self.premise(p))
        return out

    def premise(self, p: dict) -> dict:
        origin = p.get("origin")
        ref = None
        if origin:
            ref = {"file": origin.get("file"), "line": origin.get("line"), "source": origin.get("source"),
                   "anchor": self.sources.anchor(origin.get("file"), origin.get("line"))}
        if "fact" in p:
            return {"kind": "fact", "text": p["fact"], "origin": ref, "derivation": self.derivation(p.get("derivation"))}
        if "membership" in p:
            return {"kind": "membership", "text": p["membership"], "origin": ref, "member": p.get("member")}
        if "tally" in p:
            return {"kind": "tally", "text": p["tally"], "origin": None}
        if "conclusion" in p:
            return {"kind": "conclusion", "text": f"{p['conclusion']} [in force by {p.get('rule')}]", "origin": None,
                    "id": p.get("id")}
        return {"kind": "test", "text": p.get("test", ""), "origin": None}


def _state_name(code: str) -> str | None:
    name = state_name(code)
    return name if name and name != code else None


def _procedure(rules: RuleSet, qualname: str | None):
    for p in rules.plan.checked.procedures:
        if f"{p.regime}.{p.name}" == qualname:
            return p
    return None


def _decisions(rules: RuleSet, case: Case, data: dict, proofs: _Proofs, store) -> list[dict]:
    models = {d.id: d for d in case.model.decisions}
    out = []
    for d in data["decisions"]:
        proof = d.get("proof") or {}
        premises = proof.get("premises") or []
        tally = next((p for p in premises if "tally" in p), None)
        cast: dict[str, tuple[str, dict | None]] = {}
        for p in premises:
            if p.get("predicate") == "vote":
                origin = p.get("origin") or {}
                cast[p["args"][1]] = (p["args"][2], {
                    "file": origin.get("file"), "line": origin.get("line"),
                    "anchor": proofs.sources.anchor(origin.get("file"), origin.get("line"))})
        model = models.get(d["decision"])
        day = dt.date.fromisoformat(d["date"])
        proc = _procedure(rules, d.get("procedure"))
        rows = []
        veto_holders: set[str] = set()
        if proc is not None:
            members = sorted({t.state for t in store.members(proc.body, day)}) if proc.body in store.tenures \
                else sorted(cast)
            if proc.veto and proc.veto in store.tenures:
                veto_holders = {t.state for t in store.members(proc.veto, day)}
        else:
            members = sorted(cast)
            if model is not None and model.votes is not None and not cast:
                members = sorted(_recorded_votes(model))
        disregarded = set(tally["disregarded"]) if tally else set()
        vetoes = set(tally["vetoes"]) if tally else set()
        recorded = _recorded_votes(model) if model is not None and not cast else {}
        for state in sorted(set(members) | disregarded):
            vote, origin = cast.get(state, (recorded.get(state, "absent"), None))
            rows.append({"state": state, "name": _state_name(state), "vote": vote, "origin": origin,
                         "veto_power": state in veto_holders, "veto": state in vetoes,
                         "disregarded": state in disregarded})
        counts = {v: sum(1 for r in rows if r["vote"] == v and not r["disregarded"]) for v in VOTES}
        why = []
        if tally:
            why = [{"test": t["test"], "holds": t["holds"]} for t in tally["tests"]]
        if d["adopted"] is None:
            verdict = "outcome unknown"
        else:
            verdict = "adopted" if d["adopted"] else "not adopted"
        if d["adopted"] is False and vetoes:
            verdict += f" — vetoed by {', '.join(sorted(vetoes))}"
        where = None
        if model is not None:
            idx = next((i for i, x in enumerate(case.model.decisions) if x.id == model.id), None)
            if idx is not None:
                span = case.locate(("decisions", idx))
                where = {"file": case.file, "line": span.line, "anchor": f"case-L{span.line}"}
        out.append({
            "id": d["decision"], "organ": d["organ"], "date": d["date"], "symbol": d.get("symbol"),
            "procedure": d.get("procedure"), "citation": d.get("citation"), "adopted": d["adopted"],
            "verdict": verdict, "note": d.get("note"), "rows": rows, "counts": counts, "why": why,
            "disregarded": sorted(disregarded), "vetoes": sorted(vetoes), "origin": where,
            "proof": proofs.derivation(d.get("proof")),
            "description": model.description if model is not None else None,
            "content": [_content_text(item) for item in (model.content if model is not None else ())],
        })
    return out


def _recorded_votes(model) -> dict[str, str]:
    votes = model.votes
    if votes is None:
        return {}
    if isinstance(votes, dict):
        return {k: str(v) for k, v in votes.items()}
    out = {}
    for v in VOTES:
        for s in getattr(votes, v, ()) or ():
            out[s] = v
    return out


def _content_text(item) -> str:
    data = item.model_dump(exclude_none=True, by_alias=True) if hasattr(item, "model_dump") else dict(item)
    parts = []
    for k, v in data.items():
        if v in ((), [], None, ""):
            continue
        if isinstance(v, (list, tuple)):
            v = ", ".join(str(x) for x in v)
        parts.append(f"{k}: {v}")
    return "; ".join(parts)


# -------------------------------------------------------------- timeline


def _timeline_events(case: Case, data: dict, store, member_orgs: set[str]) -> list[dict]:
    m = case.model
    outcomes = {d["decision"]: d for d in data["decisions"]}
    events: list[dict] = []

    def add(day, lane, label, path):
        if day is None:
            return
        span = case.locate(path)
        events.append({"date": day.isoformat(), "lane": lane, "label": label, "anchor": f"case-L{span.line}"})

    for i, x in enumerate(m.incidents):
        author = x.author if isinstance(x.author, str) else getattr(x.author, "group", None) if x.author else None
        if isinstance(x.author, (list, tuple)):
            author = ", ".join(a if isinstance(a, str) else getattr(a, "group", str(a)) for a in x.author)
        label = f"{x.kind.replace('_', ' ')}" + (f" by {author}" if author else "") + f" against {x.victim}"
        add(x.date, "incident", label if x.id == x.kind else f"{x.id}: {label}", ("incidents", i))
        if x.ended is not None:
            add(x.ended, "incident", f"{x.id} ends", ("incidents", i, "ended"))
    for i, r in enumerate(m.requests):
        add(r.date, "request", f"{r.by} asks {', '.join(r.to)} for {r.kind.replace('_', ' ')}", ("requests", i))
        if r.withdrawn is not None:
            add(r.withdrawn, "request", f"{r.by} withdraws request {r.id}", ("requests", i, "withdrawn"))
    for i, x in enumerate(m.responses):
        add(x.date, "response", f"{x.by} uses force against {x.against}" + (f": {x.target}" if x.target else ""),
            ("responses", i))
    for i, d in enumerate(m.decisions):
        o = outcomes.get(d.id, {})
        verdict = {True: "adopted", False: "not adopted", None: "outcome unknown"}[o.get("adopted")]
        add(d.date, "decision", f"{d.symbol or d.id} ({d.organ.replace('_', ' ')}): {verdict}", ("decisions", i))
        for j, item in enumerate(d.content):
            target = getattr(item, "terminates", None)
            if target:
                add(d.date, "termination", f"{d.id} terminates {target}", ("decisions", i, "content", j))
    for i, r in enumerate(m.reports):
        add(r.date, "report", f"{r.by} reports to {r.to.replace('_', ' ')}"
            + (f" under art. {r.article}" if r.article else ""), ("reports", i))
    for i, c in enumerate(m.claims):
        add(c.date, "claim", f"{c.by} claims {c.kind.replace('_', ' ')}", ("claims", i))
    # disputes share the lane of claims (the parties' opposing claims), settlement steps that of requests
    # (a referral asks an organ to act): the legend keeps its seven lanes
    for i, x in enumerate(m.disputes):
        add(x.date, "claim", f"{x.id}: dispute between {', '.join(x.parties)}", ("disputes", i))
    for i, x in enumerate(m.settlement):
        label = f"{x.id}: {x.means.replace('_', ' ')}" + (f" by {x.by}" if x.by else "") \
            + (f" to {x.to.replace('_', ' ')}" if x.to else "") + (f" ({x.outcome})" if x.outcome != "pending" else "")
        add(x.date, "request", label, ("settlement", i))
    # membership changes of the case's states, in the organizations the proofs read, in the ten years
    # before the first event: older ones are settled background, recent ones may be what decides
    dated = [dt.date.fromisoformat(e["date"]) for e in events]
    since = (min(dated) if dated else m.as_of) - dt.timedelta(days=3653)
    states = set(m.states)
    changes: dict[tuple, list] = {}
    for org in sorted(member_orgs):
        for t in store.tenures.get(org, ()):
            if t.state not in states:
                continue
            for day, verb in ((t.start, "join"), (t.end, "leave")):
                if day is not None and since <= day <= m.as_of:
                    changes.setdefault((day, org, verb), []).append(t)
    for (day, org, verb), tenures in sorted(changes.items()):
        who = sorted({t.state for t in tenures})
        verb = verb + ("s" if len(who) == 1 else "")
        events.append({"date": day.isoformat(), "lane": "membership",
                       "label": f"{', '.join(who)} {verb} {org.replace('_', ' ')}", "anchor": None,
                       "origin": min((t.origin for t in tenures if t.origin), default=None,
                                     key=lambda o: (o.file, o.line))})
    events.sort(key=lambda e: (e["date"], _LANES.index(e["lane"]), e["label"]))
    return events


_LANES = ("membership", "incident", "request", "response", "claim", "decision", "termination", "report")
_LANE_SHAPES = {"incident": "diamond", "response": "diamond", "request": "circle", "claim": "circle", "decision": "square",
                "termination": "cross", "report": "circle", "membership": "triangle"}


def _timeline_svg(events: list[dict], as_of: str) -> Markup:
    row, top, width = 24, 34, 760
    height = top + row * (len(events) + 1) + 10
    out = [f'<svg class="timeline" viewBox="0 0 {width} {height}" width="100%" role="img" '
           f'aria-labelledby="timeline-title" xmlns="http://www.w3.org/2000/svg">',
           '<title id="timeline-title">Timeline of the case</title>',
           f'<line x1="112" y1="{top - 12}" x2="112" y2="{height - 8}" class="axis"/>']
    for i, lane in enumerate(_LANES):
        x = 10 + i * 106
        out.append(f'<g class="lane-{lane}" transform="translate({x},6)">{_marker("lane", lane, 6, 6)}'
                   f'<text x="16" y="10" class="legend">{lane}</text></g>')
    last = None
    for i, e in enumerate(events + [{"date": as_of, "lane": "asof", "label": "evaluated as of this date", "anchor": None}]):
        y = top + i * row + 12
        if e["date"] != last:
            out.append(f'<text x="100" y="{y + 4}" class="date" text-anchor="end">{_esc(e["date"])}</text>')
            last = e["date"]
        label = e["label"]
        short = label if len(label) <= 86 else label[:83] + "…"
        mark = _marker("event", e["lane"], 112, y)
        text = f'<text x="128" y="{y + 4}" class="label">{_esc(short)}<title>{_esc(label)}</title></text>'
        if e.get("anchor"):
            out.append(f'<a href="#{e["anchor"]}" class="lane-{e["lane"]}">{mark}{text}</a>')
        else:
            out.append(f'<g class="lane-{e["lane"]}">{mark}{text}</g>')
    out.append("</svg>")
    return Markup("".join(out))


def _marker(cls: str, lane: str, x: float, y: float) -> str:
    shape = _LANE_SHAPES.get(lane, "circle")
    if shape == "diamond":
        return f'<path class="{cls}" d="M{x} {y - 7}L{x + 7} {y}L{x} {y + 7}L{x - 7} {y}Z"/>'
    if shape == "square":
        return f'<rect class="{cls}" x="{x - 6}" y="{y - 6}" width="12" height="12"/>'
    if shape == "triangle":
        return f'<path class="{cls}" d="M{x} {y - 7}L{x + 7} {y + 6}L{x - 7} {y + 6}Z"/>'
    if shape == "cross":
        return f'<path class="{cls} cross" d="M{x - 6} {y - 6}L{x + 6} {y + 6}M{x + 6} {y - 6}L{x - 6} {y + 6}"/>'
    return f'<circle class="{cls}" cx="{x}" cy="{y}" r="6"/>'


def _esc(text: Any) -> str:
    return _html.escape(str(text), quote=True)


# ------------------------------------------------------------------ power


def _power(analyses: Iterable[dict]) -> list[dict]:
    """Each procedure's analysis (`{"procedure", "data"}` or `{"procedure", "error"}`) with its bar chart."""
    return [{**a, "svg": _power_svg(a["data"])} if "data" in a else dict(a) for a in analyses]


def _power_svg(a: dict) -> Markup:
    types = a["types"]
    row, label_w, bar_w = 46, 250, 420
    height = 30 + row * len(types)
    top = max([t["banzhaf"]["value"] if t["banzhaf"] else 0 for t in types]
              + [t["shapley_shubik"]["value"] if t["shapley_shubik"] else 0 for t in types] + [1e-9])
    out = [f'<svg class="power" viewBox="0 0 {label_w + bar_w + 90} {height}" width="100%" role="img" '
           f'aria-label="Voting power of each member of {_esc(a["body"])} under {_esc(a["procedure"])}" '
           'xmlns="http://www.w3.org/2000/svg">',
           '<rect x="0" y="4" width="12" height="10" class="bz"/><text x="18" y="13" class="legend">Banzhaf</text>',
           '<rect x="110" y="4" width="12" height="10" class="ss"/>'
           '<text x="128" y="13" class="legend">Shapley–Shubik</text>']
    for i, t in enumerate(types):
        y = 26 + i * row
        who = ", ".join(t["members"])
        label = f"{t['type']} ({t['size']})" + (" — veto" if t["veto_player"] else "")
        short_who = who if len(who) <= 40 else who[:37] + "…"
        out.append(f'<text x="0" y="{y + 13}" class="label">{_esc(label)}</text>'
                   f'<text x="0" y="{y + 30}" class="members">{_esc(short_who)}<title>{_esc(who)}</title></text>')
        for j, (key, cls) in enumerate((("banzhaf", "bz"), ("shapley_shubik", "ss"))):
            value = t[key]["value"] if t[key] else 0.0
            w = max(1.0, bar_w * value / top)
            by = y + 2 + j * 18
            exact = t[key]["exact"] if t[key] else "n/a"
            out.append(f'<rect x="{label_w}" y="{by}" width="{w:.1f}" height="15" class="{cls}">'
                       f'<title>{_esc(key)} of each member: {exact}</title></rect>'
                       f'<text x="{label_w + w + 6:.1f}" y="{by + 12}" class="value">{value:.4f}</text>')
    out.append("</svg>")
    return Markup("".join(out))


# ------------------------------------------------------------ conclusions


def _conclusions(data: dict, proofs: _Proofs) -> list[dict]:
    items = data["conclusions"]
    anchors = {c["rule"] + ":" + c["text"]: f"c{i}" for i, c in enumerate(items)}
    texts = {c["rule"] + ":" + c["text"]: c for c in items}

    def link(cid: str) -> dict:
        other = texts.get(cid)
        if other is None:
            return {"text": cid, "rule": None, "anchor": None}
        return {"text": other["text"], "rule": other["rule"], "anchor": anchors[cid]}

    out = []
    for i, c in enumerate(items):
        out.append({
            **{k: c.get(k) for k in ("modality", "actor", "action", "object", "counterparty", "description", "text",
                                     "rule", "title", "citation", "regime", "status")},
            "anchor": f"c{i}",
            "statement": c["text"].split(" ", 1)[1] if " " in c["text"] else c["text"],
            "actor_name": _state_name(c["actor"]),
            "defeated_by": [link(x) for x in c["defeated_by"] if x != "exception"],
            "exception": "exception" in c["defeated_by"],
            "defeats": [link(x) for x in c["defeats"]],
            "conflicts_with": [link(x) for x in c["conflicts_with"]],
            "proof": proofs.derivation(c["proof"]),
            "ended_by": proofs.derivation(c.get("ended_by")),
            "excepted_by": proofs.derivation(c.get("excepted_by")),
            "search": " ".join(str(c.get(k) or "") for k in ("text", "rule", "title", "citation", "regime")).lower(),
        })
    order = {s: i for i, s in enumerate(STATUSES)}
    out.sort(key=lambda c: (c["actor"], order.get(c["status"], 9), c["modality"], c["action"], c["object"] or "",
                            c["counterparty"] or "", c["rule"]))
    return out


def _group(conclusions: list[dict], key: str) -> list[dict]:
    groups: dict[str, list[dict]] = {}
    for c in conclusions:
        groups.setdefault(c[key] or "", []).append(c)
    return [{"key": k, "items": groups[k]} for k in sorted(groups)]


def _member_orgs(data: dict) -> set[str]:
    """Organizations whose membership the proofs read."""
    found: set[str] = set()

    def walk(d):
        if not d:
            return
        for p in d.get("premises") or []:
            if "membership" in p:
                found.add(p["organization"])
            walk(p.get("derivation"))

    for c in data["conclusions"]:
        walk(c["proof"])
    for d in data["decisions"]:
        walk(d.get("proof"))
    return found


def _assumptions(rules: RuleSet, case: Case, data: dict, assume: dict[str, bool] | None) -> list[dict]:
    declared = rules.plan.checked.assumptions
    regimes = {c["regime"] for c in data["conclusions"]}
    read: set[str] = set()

    def walk(d):
        if not d:
            return
        for p in d.get("premises") or []:
            if p.get("predicate") == "assumed":
                read.add(str(p["args"][0]))
            walk(p.get("derivation"))

    for c in data["conclusions"]:
        walk(c["proof"])
        walk(c.get("excepted_by"))
        walk(c.get("ended_by"))
    out = []
    set_by_case = dict(case.model.assumptions)
    for name in sorted(declared):
        a = declared[name]
        source = "command line" if assume and name in assume else "case file" if name in set_by_case else "default"
        value = assume[name] if assume and name in assume else set_by_case.get(name, a.default)
        if source == "default" and name not in read and a.regime not in regimes:
            continue
        anchor = None
        if source == "case file":
            span = case.locate(("assumptions", name))
            anchor = f"case-L{span.line}"
        out.append({"name": name, "title": a.title, "citation": a.citation, "regime": a.regime,
                    "default": a.default, "value": value, "source": source, "anchor": anchor,
                    "read": name in read})
    return out


# ------------------------------------------------------------------ render


def report_view(rules: RuleSet, case: Case, result, *, assume: dict[str, bool] | None = None,
                power: Iterable[dict] = (), periods: dict | None = None) -> dict:
    """Everything the report shows, as plain data: from the result of evaluating `case` under `assume`
    and the voting-power analyses of the procedures it used (see `engine.tools.dossier`)."""
    data = result.to_json()
    sources = Sources(case.file, case.text, rule_sources=dict(rules.sources))
    proofs = _Proofs(sources)
    store, _ = build_facts(case, rules, assume)
    conclusions = _conclusions(data, proofs)
    decisions = _decisions(rules, case, data, proofs, store)
    events = _timeline_events(case, data, store, _member_orgs(data))
    for e in events:
        origin = e.pop("origin", None)
        if origin is not None:
            e["anchor"] = sources.anchor(origin.file, origin.line)
    m = case.model
    statuses = {s: sum(1 for c in conclusions if c["status"] == s) for s in STATUSES}
    violations = [{"invariant": v["invariant"], "title": v.get("title"), "citation": v.get("citation"),
                   "proof": proofs.derivation(v.get("proof"))} for v in data["violations"]]
    view = {
        "case": m.case, "title": m.title or m.case, "as_of": data["as_of"], "description": m.description,
        "sources": list(m.sources), "states": [{"code": s, "name": _state_name(s)} for s in m.states],
        "file": case.file,
        "assumptions": _assumptions(rules, case, data, assume),
        "diagnostics": data["diagnostics"],
        "events": events, "timeline": _timeline_svg(events, data["as_of"]) if events else None,
        "decisions": decisions, "power": _power(power), "periods": periods,
        "conclusions": conclusions, "by_actor": _group(conclusions, "actor"),
        "statuses": statuses, "violations": violations,
        "filters": {
            "modality": [x for x in MODALITIES if any(c["modality"] == x for c in conclusions)],
            "status": [x for x in STATUSES if statuses[x]],
            "regime": sorted({c["regime"] for c in conclusions}),
            "state": sorted({c["actor"] for c in conclusions} | {c["counterparty"] for c in conclusions
                                                                  if c["counterparty"]}),
        },
        "case_lines": list(enumerate(case.text.splitlines(), start=1)),
        "appendix": None,
    }
    view["appendix"] = sources.appendix()
    view["_sources"] = sources
    return view


def _environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("engine.report", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["human"] = lambda s: str(s).replace("_", " ")
    return env


def static_text(name: str) -> str:
    """A file of `engine/report/static`, for inlining."""
    return resources.files("engine.report").joinpath("static", name).read_text(encoding="utf-8")


def render_report(rules: RuleSet, case: Case, result, *, assume: dict[str, bool] | None = None,
                  power: Iterable[dict] = (), periods: dict | None = None, embedded: bool = False) -> str:
    """The case and what follows from it, as one self-contained HTML page; `periods` is a timeline
    (`engine.tools.timeline`) as JSON."""
    return render_view(report_view(rules, case, result, assume=assume, power=power, periods=periods),
                       embedded=embedded)


def render_view(view: dict, *, embedded: bool = False) -> str:
    """The page of a `report_view`."""
    view = dict(view)
    sources = view.pop("_sources")
    page = _environment().get_template("report.html.j2").render(
        v=view, css=Markup(static_text("report.css")), js=Markup(static_text("report.js")), embedded=embedded)
    return _short_anchors(page, sources)


def render_template(name: str, **context) -> str:
    return _environment().get_template(name).render(**context)


def anchors_in(page: str) -> Iterable[str]:
    """Ids defined in a page (for tests: every internal link has a target)."""
    return re.findall(r'\bid="([^"]+)"', page)
