"""Stage 6: conclusions to text and JSON, proofs and why-nots.

The renderers only read results; the why-not search re-runs parts of the
plan on the evaluation's own database to find the premise that failed.
"""

from __future__ import annotations


from engine.lang import ast
from engine.run.results import (
    DEFEATED,
    ENDED,
    IN_CONFLICT,
    IN_FORCE,
    Conclusion,
    ConclusionPremise,
    DecisionOutcome,
    Derivation,
    FactPremise,
    MemberPremise,
    Result,
    TallyPremise,
    TestPremise,
    show,
)

INDENT = "  "


# ------------------------------------------------------------------- proofs


def _premise_lines(premise, depth: int, seen: set) -> list[str]:
    pad = INDENT * depth
    if isinstance(premise, FactPremise):
        where = ""
        if premise.origin is not None:
            where = f"  [{premise.origin}]"
            if premise.origin.source:
                where += f" source: {premise.origin.source}"
        lines = [f"{pad}- {premise.text()}{where}"]
        if premise.derivation is not None:
            key = (premise.pred, premise.args)
            if key in seen:
                lines.append(f"{pad}{INDENT}(shown above)")
            else:
                seen.add(key)
                lines += _derivation_lines(premise.derivation, depth + 1, seen)
        return lines
    if isinstance(premise, MemberPremise):
        line = f"{pad}- {premise.text()}"
        tenure = premise.tenure
        if tenure is not None and tenure.origin is not None:
            line += f"  [{tenure.origin}]"
            if tenure.origin.source:
                line += f" source: {tenure.origin.source}"
        return [line]
    if isinstance(premise, (TallyPremise, ConclusionPremise)):
        return [f"{pad}- {premise.text()}"]
    if isinstance(premise, TestPremise):
        return [f"{pad}- {premise.text()}"]
    return [f"{pad}- {premise}"]


def _derivation_lines(d: Derivation, depth: int, seen: set) -> list[str]:
    pad = INDENT * depth
    label = {"invariant": "violates invariant", "rule": "by rule", "definition": "by definition", "procedure": "by procedure",
             "until": "end condition of", "unless": "exception of", "recorded": "as"}.get(d.kind, d.kind)
    head = f"{pad}{label} {d.name}"
    if d.title:
        head += f' "{d.title}"'
    lines = [head]
    if d.citation:
        lines.append(f"{pad}{INDENT}cites {d.citation}")
    if d.span is not None:
        lines.append(f"{pad}{INDENT}at {d.span}")
    if d.bindings and d.kind != "procedure":
        lines.append(f"{pad}{INDENT}with " + ", ".join(f"{k} = {show(v)}" for k, v in d.bindings))
    if d.premises:
        lines.append(f"{pad}{INDENT}because")
        for p in dict.fromkeys(d.premises):  # the same premise read twice is shown once
            lines += _premise_lines(p, depth + 2, seen)
    return lines


def explain_violation(v) -> str:
    return "\n".join(_derivation_lines(v.derivation, 0, set()))


def explain_conclusion(c: Conclusion) -> str:
    lines = [f"{c.text()}  [{c.status}]"]
    if c.description:
        lines.append(f"{INDENT}({c.description})")
    lines += _derivation_lines(c.derivation, 1, set())
    if c.ended_by is not None:
        lines.append(f"{INDENT}ended, because the rule's `until` condition holds:")
        lines += _derivation_lines(c.ended_by, 2, set())
    if c.excepted_by is not None:
        lines.append(f"{INDENT}defeated, because the rule's `unless` exception holds:")
        lines += _derivation_lines(c.excepted_by, 2, set())
    for d in c.defeated_by:
        if d.reason != "exception":
            lines.append(f"{INDENT}defeated by {d.by_text}  [{d.by_rule}, {_reason(d.reason)}; cites {d.by_citation}]")
    for d in c.defeats:
        lines.append(f"{INDENT}defeats {d.by_text}  [{d.by_rule}, {_reason(d.reason)}]")
    for d in c.conflicts_with:
        lines.append(f"{INDENT}in conflict with {d.by_text}  [{d.by_rule}; cites {d.by_citation}]")
    return "\n".join(lines)


def _reason(reason: str) -> str:
    return {"override": "which overrides it", "priority": "whose regime prevails",
            "exception": "exception"}.get(reason, reason)


# ------------------------------------------------------------------ why not


def explain_query(result: Result, query) -> str:
    from engine.lang.parse import parse_query

    q = parse_query(query) if isinstance(query, str) else query
    matches = result.find(q)
    standing = [c for c in matches if c.status == IN_FORCE]
    parts = []
    if standing:
        parts += [explain_conclusion(c) for c in standing]
    others = [c for c in matches if c.status != IN_FORCE]
    if others:
        if not standing:
            parts.append(f"'{q}' does not follow in force:")
        parts += [explain_conclusion(c) for c in others]
    if not matches:
        parts.append(why_not(result, q))
    return "\n\n".join(parts)


def why_not(result: Result, q: ast.Query) -> str:
    """Which premise of which candidate rule failed."""
    from engine.run.evaluate import in_force, render, solve

    db = result._context
    lines = [f"'{q}' does not follow as of {show(result.as_of)}."]
    if db is None:
        return lines[0]
    candidates = []
    for compiled in db.plan.rules:
        for template in compiled.rule.conclusions:
            if template.modality == q.modality and template.action == q.action:
                candidates.append((compiled, template))
    if not candidates:
        actions = sorted({t.action for r in db.plan.rules for t in r.rule.conclusions if t.modality == q.modality})
        from engine.diagnostics import did_you_mean

        hint = did_you_mean(q.action, actions)
        lines.append(f"No rule concludes '{q.modality} _ to {q.action}'." + (f" {hint[0].upper()}{hint[1:]}" if hint else ""))
        if actions:
            lines.append(f"Rules conclude '{q.modality}' for: {', '.join(actions)}.")
        return "\n".join(lines)
    for compiled, template in candidates:
        rule = compiled.rule
        lines.append("")
        lines.append(f"rule {rule.qualname} \"{rule.title or ''}\" (cites {rule.citation})")
        regime = db.plan.checked.regimes.get(rule.regime)
        if not in_force(rule, regime, result.as_of):
            lines.append(f"{INDENT}is not in force on {show(result.as_of)}")
            continue
        env = {}
        clash = False
        for term, wanted in ((template.actor, q.actor), (template.object, q.object),
                             (template.counterparty, q.counterparty)):
            if wanted is None or term is None:
                continue
            if isinstance(term, ast.Var):
                if term.name in env and env[term.name] != wanted:
                    clash = True
                env[term.name] = wanted
            elif isinstance(term, ast.Const) and term.value != wanted:
                clash = True
        if clash:
            lines.append(f"{INDENT}concludes for other parties only")
            continue
        if template.counterparty is None and q.counterparty is not None:
            lines.append(f"{INDENT}concludes without a counter-party")
            continue
        lines += _failing_premise(db, compiled.body, env, solve, render)
    return "\n".join(lines)


def _failing_premise(db, body, env: dict, solve, render) -> list[str]:
    from engine.lang.compile import Conj

    nodes = body.nodes if isinstance(body, Conj) else (body,)
    # depth-first over partial solutions, remembering the furthest premise reached
    best = {"depth": -1, "env": env}

    def walk(i: int, e: dict) -> bool:
        if i == len(nodes):
            return True
        for e2, _ in solve(nodes[i], e, db):
            if walk(i + 1, e2):
                return True
        if i > best["depth"]:
            best.update(depth=i, env=e)
        return False

    if walk(0, env):
        return [f"{INDENT}all its conditions hold; the conclusion was drawn for other values"]
    i, e = best["depth"], best["env"]
    out = []
    if i > 0:
        out.append(f"{INDENT}holds as far as: " + " and ".join(render(n, e) for n in nodes[:i]))
    bound = ", ".join(f"{k} = {show(v)}" for k, v in sorted(e.items()))
    out.append(f"{INDENT}fails at: {render(nodes[i], e)}" + (f"   (with {bound})" if bound else ""))
    return out


# --------------------------------------------------------------------- text


def render_text(result: Result, *, show_all: bool = True) -> str:
    lines = [f"Case {result.case}: {result.title or ''}".rstrip(), f"As of {show(result.as_of)}", ""]
    if result.decisions:
        lines.append("Decisions")
        for d in result.decisions:
            lines.append(f"{INDENT}{_decision_line(d)}")
        lines.append("")
    actors: dict[str, list[Conclusion]] = {}
    for c in result.conclusions:
        if show_all or c.status == IN_FORCE:
            actors.setdefault(c.actor, []).append(c)
    if not actors:
        lines.append("No obligations, permissions or prohibitions follow.")
    for actor in sorted(actors):
        lines.append(_actor_name(actor))
        groups: dict[tuple, list[Conclusion]] = {}
        for c in actors[actor]:
            key = (_STATUS_ORDER[c.status], c.modality, c.action, c.object or "", c.prep or "", c.rule)
            groups.setdefault(key, []).append(c)
        # one line per statement; the rules that conclude it (e.g. NATO art. 5 and TEU 42(7)) below it
        statements: dict[tuple, list[Conclusion]] = {}
        for key in sorted(groups):
            group = sorted(groups[key], key=lambda c: c.counterparty or "")
            c = group[0]
            text = c.text()
            if len(group) > 1:
                parties = ", ".join(g.counterparty or "-" for g in group)
                head = text[: len(text) - len(c.counterparty or "")].rstrip()
                text = f"{head} {parties}"
            mark = "" if c.status == IN_FORCE else f"  [{c.status}{_status_detail(c)}]"
            statements.setdefault((key[0], text, mark), []).append(c)
        for (_, text, mark), concluding in statements.items():
            lines.append(f"{INDENT}{text}{mark}")
            for c in concluding:
                lines.append(f"{INDENT * 2}{c.citation}  ({c.rule})")
        lines.append("")
    conflicts = result.conflicts
    if conflicts:
        lines.append("Conflicts")
        for a, b in conflicts:
            lines.append(f"{INDENT}{a.text()} ({a.rule})  <>  {b.text()} ({b.rule})")
        lines.append("")
    if result.violations:
        lines.append("Invariant violations")
        for v in result.violations:
            lines.append(f"{INDENT}{v.text()}" + (f' — "{v.title}"' if v.title else ""))
        lines.append("")
    for d in result.diagnostics:
        lines.append(f"note: {d.message}")
    counts = {s: sum(1 for c in result.conclusions if c.status == s) for s in _STATUS_ORDER}
    lines.append(", ".join(f"{n} {s}" for s, n in counts.items() if n) or "nothing follows")
    lines.append("Use `casus explain CASE \"<conclusion>\"` for the proof of any line.")
    return "\n".join(lines)


_STATUS_ORDER = {IN_FORCE: 0, IN_CONFLICT: 1, DEFEATED: 2, ENDED: 3}


def _status_detail(c: Conclusion) -> str:
    if c.status == DEFEATED:
        by = [d for d in c.defeated_by]
        if by and by[0].reason == "exception":
            return ": exception applies"
        if by:
            return f" by {by[0].by_rule}"
    if c.status == ENDED and c.ended_by is not None:
        return ": end condition holds"
    if c.status == IN_CONFLICT and c.conflicts_with:
        return f" with {c.conflicts_with[0].by_rule}"
    return ""


def _decision_line(d: DecisionOutcome) -> str:
    label = d.symbol or d.decision
    if d.adopted is None:
        verdict = "outcome unknown"
    else:
        verdict = "adopted" if d.adopted else "not adopted"
    line = f"{label} ({d.organ}, {show(d.date)}): {verdict}"
    if d.derivation is not None:
        tally = next((p for p in d.derivation.premises if isinstance(p, TallyPremise)), None)
        if tally is not None:
            counts = dict(tally.counts)
            line += f" — {counts['yes']} yes, {counts['no']} no, {counts['abstain']} abstaining, {counts['absent']} absent"
            if tally.vetoes:
                line += f"; vetoed by {', '.join(tally.vetoes)}"
        if d.procedure:
            line += f"  [{d.procedure}: {d.citation}]"
    if d.note:
        line += f"  ({d.note})"
    return line


def _actor_name(code: str) -> str:
    try:
        from engine.inputs.states import state_name

        name = state_name(code)
    except Exception:  # a name is a courtesy; the code is what matters
        name = None
    return f"{code} — {name}" if name and name != code else code


# --------------------------------------------------------------------- json


def _json_value(v):
    return show(v) if v is not None else None


def derivation_json(d: Derivation | None, depth: int = 0) -> dict | None:
    if d is None:
        return None
    return {
        "kind": d.kind,
        "name": d.name,
        "title": d.title,
        "citation": d.citation,
        "location": str(d.span) if d.span else None,
        "bindings": {k: _json_value(v) for k, v in d.bindings},
        "premises": [premise_json(p, depth + 1) for p in d.premises],
    }


def premise_json(p, depth: int) -> dict:
    if isinstance(p, FactPremise):
        out = {"fact": p.text(), "predicate": p.pred, "args": [_json_value(a) for a in p.args]}
        if p.origin is not None:
            out["origin"] = {"file": p.origin.file, "line": p.origin.line, "column": p.origin.column,
                             "path": p.origin.path, "source": p.origin.source}
        if p.derivation is not None and depth < 40:
            out["derivation"] = derivation_json(p.derivation, depth)
        return out
    if isinstance(p, MemberPremise):
        out = {"membership": p.text(), "state": p.state, "organization": p.organization, "on": show(p.day),
               "member": p.tenure is not None}
        if p.tenure is not None:
            out["since"] = _json_value(p.tenure.start)
            if p.tenure.origin is not None:
                out["origin"] = {"file": p.tenure.origin.file, "line": p.tenure.origin.line,
                                 "source": p.tenure.origin.source}
        return out
    if isinstance(p, ConclusionPremise):
        return {"conclusion": p.conclusion, "id": p.id, "rule": p.rule, "citation": p.citation}
    if isinstance(p, TallyPremise):
        return {"tally": p.text(), "counts": dict(p.counts), "vetoes": list(p.vetoes),
                "disregarded": list(p.disregarded), "tests": [{"test": t, "holds": ok} for t, ok in p.tests]}
    return {"test": p.text()}


def conclusion_json(c: Conclusion) -> dict:
    return {
        "modality": c.modality,
        "actor": c.actor,
        "action": c.action,
        "object": c.object,
        "counterparty": c.counterparty,
        "description": c.description,
        "text": c.text(),
        "rule": c.rule,
        "title": c.title,
        "citation": c.citation,
        "regime": c.regime,
        "status": c.status,
        "defeated_by": [d.by for d in c.defeated_by if d.by] + (["exception"] if c.excepted_by else []),
        "defeats": [d.by for d in c.defeats],
        "conflicts_with": [d.by for d in c.conflicts_with],
        "proof": derivation_json(c.derivation),
        "ended_by": derivation_json(c.ended_by),
        "excepted_by": derivation_json(c.excepted_by),
    }


def result_json(result: Result) -> dict:
    return {
        "case": result.case,
        "title": result.title,
        "as_of": show(result.as_of),
        "decisions": [
            {"decision": d.decision, "organ": d.organ, "date": show(d.date), "symbol": d.symbol,
             "procedure": d.procedure, "citation": d.citation, "adopted": d.adopted, "note": d.note,
             "proof": derivation_json(d.derivation)}
            for d in result.decisions
        ],
        "conclusions": [conclusion_json(c) for c in result.conclusions],
        "conflicts": [[a.id, b.id] for a, b in result.conflicts],
        "violations": [{"invariant": v.invariant, "title": v.title, "citation": v.citation,
                        "proof": derivation_json(v.derivation)} for v in result.violations],
        "diagnostics": [d.to_json() for d in result.diagnostics],
    }
