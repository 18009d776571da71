"""Results as text for people: proofs, why-nots, the evaluation report, diffs and explorations.

Renderers read plain data (results, diffs, explorations, analyses) and never
evaluate; they dispatch on each premise's `kind`, so this module depends on
no stage after the language.
"""

from __future__ import annotations

import shlex

from engine.diagnostics import show
from engine.lang import ast
from engine.inputs.states import state_name
from engine.vocabulary import Status

INDENT = "  "


# ------------------------------------------------------------------- proofs


def _premise_lines(premise, depth: int, seen: set) -> list[str]:
    pad = INDENT * depth
    if premise.kind == "fact":
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
    if premise.kind == "member":
        line = f"{pad}- {premise.text()}"
        tenure = premise.tenure
        if tenure is not None and tenure.origin is not None:
            line += f"  [{tenure.origin}]"
            if tenure.origin.source:
                line += f" source: {tenure.origin.source}"
        return [line]
    return [f"{pad}- {premise.text()}"]


def _derivation_lines(d, depth: int, seen: set) -> list[str]:
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


def explain_conclusion(c) -> str:
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


def explain_matches(query, matches: list) -> str:
    """The proofs of the conclusions a query matches, those in force first."""
    standing = [c for c in matches if c.status == Status.IN_FORCE]
    others = [c for c in matches if c.status != Status.IN_FORCE]
    parts = [explain_conclusion(c) for c in standing]
    if others and not standing:
        parts.append(f"'{query}' does not follow in force:")
    parts += [explain_conclusion(c) for c in others]
    return "\n\n".join(parts)


def render_why_not(w) -> str:
    """Why a query does not follow: for each rule that could conclude it, where it stops."""
    lines = [f"'{w.query}' does not follow as of {show(w.as_of)}."]
    if not w.candidates:
        lines.append(f"No rule concludes '{w.query.modality} _ to {w.query.action}'."
                     + (f" {w.hint[0].upper()}{w.hint[1:]}" if w.hint else ""))
        if w.actions:
            lines.append(f"Rules conclude '{w.query.modality}' for: {', '.join(w.actions)}.")
        return "\n".join(lines)
    for c in w.candidates:
        lines.append("")
        lines.append(f"rule {c.rule} \"{c.title or ''}\" (cites {c.citation})")
        if c.reason == "not in force":
            lines.append(f"{INDENT}is not in force on {show(w.as_of)}")
        elif c.reason == "other parties":
            lines.append(f"{INDENT}concludes for other parties only")
        elif c.reason == "no counterparty":
            lines.append(f"{INDENT}concludes without a counter-party")
        elif c.reason == "holds":
            lines.append(f"{INDENT}all its conditions hold; the conclusion was drawn for other values")
        else:
            if c.held:
                lines.append(f"{INDENT}holds as far as: " + " and ".join(c.held))
            bound = ", ".join(f"{k} = {show(v)}" for k, v in c.bindings)
            lines.append(f"{INDENT}fails at: {c.failing}" + (f"   (with {bound})" if bound else ""))
    return "\n".join(lines)


def render_diff(d) -> str:
    """A what-if: decisions that flip, conclusions gained (with proofs) and lost (with why not, now)."""
    lines = []
    for decision, a, b in d.decisions:
        lines.append(f"decision {decision}: {_adopted(a)} -> {_adopted(b)}")
    if d.decisions:
        lines.append("")
    for title, items, before in (("New conclusions", d.gained, False), ("Lost conclusions", d.lost, True)):
        if not items:
            continue
        lines.append(f"{title} ({len(items)})")
        for c in items:
            lines.append("")
            lines.append(explain_conclusion(c))
            if before:
                lines.append("")
                lines.append("  and now: " + d.after.explain(c.text()).replace("\n", "\n  "))
        lines.append("")
    if d.changed:
        lines.append(f"Other changes of status ({len(d.changed)})")
        for a, b in d.changed:
            c = a or b
            lines.append(f"  {c.text()}  [{c.rule}]: {a.status if a else 'absent'} -> {b.status if b else 'absent'}")
    return "\n".join(lines).rstrip() or "No conclusion changes."


def _adopted(value: bool | None) -> str:
    return "unknown" if value is None else "adopted" if value else "not adopted"


# ------------------------------------------------------------------ explore


def render_exploration(e) -> str:
    """Which open facts decide which conclusions, and what follows whatever they are."""
    lines = [f"{len(e.open_facts)} open fact(s), {e.space} assignment(s); "
             + (f"sampled {e.evaluated} at random (the space is larger than the limit)"
                if e.sampled else f"all {e.evaluated} evaluated")]
    for path, values in e.open_facts:
        lines.append(f"  {path} in {{{', '.join(show(v) for v in values)}}}")
    for path in e.ignored:
        lines.append(f"  {path}: not read by any rule, not explored")
    if e.invalid:
        lines.append(f"  {e.invalid} assignment(s) gave an invalid case and were skipped")
    lines += _outcome_lines(
        e.outcomes, "Decided by the open facts", "Follow whatever the open facts are",
        lambda o: f"pivotal: {', '.join(o.pivotal) if o.pivotal else '(none found in the sample)'}")
    if e.sampled:
        lines.append("")
        lines.append("Sampled: pivotal facts and conditions describe the sampled assignments only.")
    return "\n".join(lines)


def _outcome_lines(outcomes: list, decided: str, always: str, pivotal, condition=lambda text: text) -> list[str]:
    """The outcomes that some assignments decide, with what decides them, then those that always follow."""
    sure = [o for o in outcomes if o.follows_in == o.total]
    contingent = [o for o in outcomes if 0 < o.follows_in < o.total]
    lines = ["", f"{decided} ({len(contingent)})"]
    for group in _grouped(contingent):
        o = group[0]
        lines.append(f"  {_group_label(group)}{_rule_tag(o)}: follows in {o.follows_in} of {o.total}")
        lines.append(f"    {pivotal(o)}")
        lines.append(f"    follows iff {condition(o.condition)}")
    lines += ["", f"{always} ({len(sure)})"]
    lines += [f"  {_group_label(group)}{_rule_tag(group[0])}" for group in _grouped(sure)]
    return lines


def _rule_tag(o) -> str:
    return f"  [{o.rule}]" if o.rule else ""


def _grouped(outcomes: list) -> list[list]:
    """The same conclusion for many actors, under the same condition, is one line."""
    groups: dict[tuple, list] = {}
    for o in outcomes:
        pattern = o.label.replace(f" {o.actor} ", " * ", 1) if o.actor else o.label
        groups.setdefault((o.rule or "", pattern, o.follows_in, o.pivotal, o.condition), []).append(o)
    return [groups[k] for k in sorted(groups)]


def _group_label(group: list) -> str:
    o = group[0]
    if len(group) == 1 or not o.actor:
        return o.label
    actors = ", ".join(sorted(g.actor for g in group))
    return o.label.replace(f" {o.actor} ", f" each of {actors} ", 1)


# -------------------------------------------------------------------- power


def render_power(a, list_coalitions: bool = False) -> str:
    """A voting-power analysis (`engine.tools.power.Analysis`) as tables."""
    g = a.game
    p = g.procedure
    lines = [f"{g.qualname}" + (f" — {p.title}" if p.title else "")]
    if p.citation:
        lines.append(f"  {p.citation}")
    lines.append(f"  body: {g.body}, {g.n} members as of {g.as_of}; declared veto: {p.veto or 'none'}")
    lines.append(f"  requires: {' and '.join(condition_text(c) for c in p.requires) or 'nothing'}")
    lines.append(f"  model: {a.model}")
    for note in a.notes:
        lines.append(f"  note: {note}")
    lines.append("")
    lines.append(f"winning coalitions: {big_number(a.winning)} of {big_number(a.coalitions)}")
    lines.append(f"veto players: {', '.join(a.veto_players) if a.veto_players else 'none'}")
    lines.append("")

    header = ("type", "n", "swings", "Banzhaf", "", "Shapley-Shubik", "")
    rows = [(pw.type.name, str(pw.type.size), big_number(pw.swings), *_pair(pw.banzhaf), *_pair(pw.shapley_shubik))
            for pw in a.powers]
    lines += _table(header, rows, "each member of the type")
    lines.append("")
    header = ("state", "type", "veto", "Banzhaf", "", "Shapley-Shubik", "")
    rows = [(s, pw.type.name, "yes" if pw.veto_player else "no", *_pair(pw.banzhaf), *_pair(pw.shapley_shubik))
            for s in sorted(g.players) for pw in [a.power_of(s)]]
    lines += _table(header, rows, "per member")
    lines.append(f"Banzhaf: normalized index = swings / {big_number(a.total_swings)} (the swings of all members)")
    lines.append(f"Penrose-Banzhaf absolute index = swings / 2^{g.n - 1}: "
                 + ", ".join(f"{pw.type.name} {float(pw.penrose_banzhaf):.4g}" + (
                     f" = {show(pw.penrose_banzhaf)}" if len(show(pw.penrose_banzhaf)) <= 24 else "")
                             for pw in a.powers))
    lines.append("")
    lines.append(f"minimal winning coalitions: {big_number(a.minimal_count)}")
    for m in a.minimal:
        lines.append(f"  {m.description}")
    if list_coalitions:
        if a.minimal_count > a.list_limit:
            lines.append(f"  (more than {a.list_limit}: not listed)")
        else:
            lines += [f"  {' '.join(c)}" for c in a.minimal_coalitions()]
    return "\n".join(lines)


def _pair(x) -> tuple[str, str]:
    return ("-", "") if x is None else (f"{float(x):.4f}", show(x) if len(show(x)) <= 24 else "(see --format json)")


def big_number(k: int) -> str:
    """Counts of coalitions can exceed any screen: from 10^15 on, in scientific notation."""
    return str(k) if k < 10 ** 15 else f"{k:.4e}"


def _table(header: tuple, rows: list[tuple], title: str) -> list[str]:
    cols = list(zip(header, *rows))
    widths = [max(len(v) for v in col) for col in cols]
    fmt = lambda r: "  ".join(v.ljust(w) if i in (0, 1) else v.rjust(w) if i not in (4, 6) else v.ljust(w)
                              for i, (v, w) in enumerate(zip(r, widths))).rstrip()
    return [f"{title}:", "  " + fmt(header), *("  " + fmt(r) for r in rows)]


def condition_text(cond) -> str:
    """A voting threshold as written in a rule file."""
    if isinstance(cond, (ast.And, ast.Or)):
        joiner = " and " if isinstance(cond, ast.And) else " or "
        return joiner.join(f"({condition_text(c)})" if isinstance(c, (ast.And, ast.Or)) else condition_text(c)
                           for c in cond.items)
    if isinstance(cond, ast.Not):
        return f"not ({condition_text(cond.cond)})"
    if isinstance(cond, ast.Comparison):
        return f"{_render_expr(cond.left)} {cond.op} {_render_expr(cond.right)}"
    return "?"


def _render_expr(e) -> str:
    if isinstance(e, ast.BinOp) and e.op == "/" and isinstance(e.left, ast.Const) and isinstance(e.right, ast.Const):
        return f"{_render_expr(e.left)}/{_render_expr(e.right)}"  # a fraction, as written: 2/3
    if isinstance(e, ast.BinOp):
        rank = {"+": 0, "-": 0, "*": 1, "/": 1}

        def side(x, right):
            text = _render_expr(x)
            if isinstance(x, ast.BinOp) and (rank[x.op] < rank[e.op] or (right and rank[x.op] == rank[e.op])):
                return f"({text})"
            return text

        return f"{side(e.left, False)} {e.op} {side(e.right, True)}"
    if isinstance(e, ast.Const):
        return show(e.value)
    return "?"


# --------------------------------------------------------------------- text


def render_text(result, *, show_all: bool = True) -> str:
    lines = [f"Case {result.case}: {result.title or ''}".rstrip(), f"As of {show(result.as_of)}", ""]
    if result.decisions:
        lines.append("Decisions")
        for d in result.decisions:
            lines.append(f"{INDENT}{_decision_line(d)}")
        lines.append("")
    actors: dict[str, list] = {}
    for c in result.conclusions:
        if show_all or c.status == Status.IN_FORCE:
            actors.setdefault(c.actor, []).append(c)
    if not actors:
        lines.append("No obligations, permissions or prohibitions follow.")
    for actor in sorted(actors):
        lines.append(_actor_name(actor))
        groups: dict[tuple, list] = {}
        for c in actors[actor]:
            key = (_STATUS_ORDER[c.status], c.modality, c.action, c.object or "", c.prep or "", c.rule)
            groups.setdefault(key, []).append(c)
        # one line per statement; the rules that conclude it (e.g. NATO art. 5 and TEU 42(7)) below it
        statements: dict[tuple, list] = {}
        for key in sorted(groups):
            group = sorted(groups[key], key=lambda c: c.counterparty or "")
            c = group[0]
            text = c.text()
            if len(group) > 1:
                parties = ", ".join(g.counterparty or "-" for g in group)
                head = text[: len(text) - len(c.counterparty or "")].rstrip()
                text = f"{head} {parties}"
            mark = "" if c.status == Status.IN_FORCE else f"  [{c.status}{_status_detail(c)}]"
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


_STATUS_ORDER = {Status.IN_FORCE: 0, Status.IN_CONFLICT: 1, Status.DEFEATED: 2, Status.ENDED: 3}


def _status_detail(c) -> str:
    if c.status == Status.DEFEATED:
        by = [d for d in c.defeated_by]
        if by and by[0].reason == "exception":
            return ": exception applies"
        if by:
            return f" by {by[0].by_rule}"
    if c.status == Status.ENDED and c.ended_by is not None:
        return ": end condition holds"
    if c.status == Status.IN_CONFLICT and c.conflicts_with:
        return f" with {c.conflicts_with[0].by_rule}"
    return ""


def _decision_line(d) -> str:
    label = d.symbol or d.decision
    if d.adopted is None:
        verdict = "outcome unknown"
    else:
        verdict = "adopted" if d.adopted else "not adopted"
    line = f"{label} ({d.organ}, {show(d.date)}): {verdict}"
    if d.derivation is not None:
        tally = next((p for p in d.derivation.premises if p.kind == "tally"), None)
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
    # actors are written as the case and the rules write them: a state in upper case, an organization or
    # organ in lower case (`au` is the African Union, not Australia)
    if not code.isupper():
        return code
    name = state_name(code)
    return f"{code} — {name}" if name and name != code else code




# -------------------------------------------------------------------- tests


def render_tests(t, *, verbose: bool = False, coverage: bool = False) -> str:
    """`casus test`: a line per case file, the failing expectations under it, coverage, a total."""
    lines = []
    for c in t.cases:
        if c.error is not None:
            continue
        lines.append(f"{'FAIL' if c.failed else 'ok  '} {c.file}  ({len(c.checks) - c.failed}/{len(c.checks)})")
        lines += [f"    {'pass' if ok else 'FAIL'}: {label}" for ok, label in c.checks if verbose or not ok]
    if coverage:
        lines += ["", "Coverage"]
        for kind, names in (("rules", t.rules), ("procedures", t.procedures)):
            lines.append(f"  {kind}: {sum(1 for n in names if n in t.fired)}/{len(names)} fired in at least one case")
            lines += [f"    never fired: {n}" for n in names if n not in t.fired]
        lines.append("")
    invalid = f", {len(t.invalid)} invalid case file(s)" if t.invalid else ""
    lines.append(f"{t.passed} passed, {t.failed} failed{invalid}")
    return "\n".join(lines)


def render_check(c) -> str:
    """`casus check`: what the rule set holds, and how many case files are valid."""
    summary = (f"ok: {c['regimes']} regimes, {c['rules']} rules, {c['definitions']} definitions, "
               f"{c['procedures']} procedures, {c['membership_lists']} membership lists")
    if c["case_files"]:
        summary += f"; {c['case_files']} case file(s) valid"
    if c["warnings"]:
        summary += f"; {len(c['warnings'])} warning(s)"
    return summary


# -------------------------------------------------------------- sensitivity


def render_sensitivity(s) -> str:
    """Which conclusions hold whatever the contested doctrines, and which depend on which assumptions."""
    e = s.exploration
    prefix = "assumptions."
    explored = [a for a in s.assumptions if a.explored]
    facts = [p for p, _ in e.open_facts if not p.startswith(prefix)]
    lines = [f"{len(explored)} assumption(s) and {len(facts)} open fact(s) explored: {e.space} assignment(s); "
             + (f"sampled {e.evaluated}" if e.sampled else f"all {e.evaluated} evaluated")]
    lines.append("")
    lines.append("Assumptions")
    for a in s.assumptions:
        state = f"default {'true' if a.default else 'false'}" + ("" if a.explored else "; changes nothing here")
        lines.append(f"  {a.name} ({state})" + (f' — "{a.title}"' if a.title else ""))
        if a.citation:
            lines.append(f"    sources: {a.citation}")
    def depends(o) -> str:
        names = [p[len(prefix):] if p.startswith(prefix) else p for p in o.pivotal]
        return f"depends on: {', '.join(names) if names else '(no single one decides it)'}"

    lines += _outcome_lines(e.outcomes, "Depend on contested doctrine or open facts",
                            "Robust: follow whatever the contested doctrines", depends,
                            lambda condition: condition.replace(prefix, ""))
    if e.sampled:
        lines += ["", "Sampled: conditions describe the sampled assignments only."]
    return "\n".join(lines)


# ----------------------------------------------------------------- timeline


def render_timeline(t) -> str:
    """When each conclusion in force begins and stops, grouped by actor, after the dates that matter."""
    lines = [f"Timeline of {t.case} from {show(t.start)} to {show(t.end)}: {len(t.dates)} date(s) evaluated"
             + ("; the span has more dates than can be evaluated, later ones were left out" if t.cut else "")]
    lines.append("")
    lines.append("What happens")
    for e in t.events:
        lines.append(f"  {show(e.day)}  {e.what}")
    actor = None
    for line in t.lines:
        if line.actor != actor:
            actor = line.actor
            lines += ["", _actor_name(actor)]
        spans = ", ".join(f"{show(a)} – {show(b) if b else '…'}" for a, b in line.periods)
        lines.append(f"  {line.conclusion}  [{line.rule}]")
        lines.append(f"    {spans}")
    if not t.lines:
        lines += ["", "No conclusion is in force on any of these dates."]
    return "\n".join(lines)


# ----------------------------------------------------------- counterfactual


def _shell_quoted(text: str) -> str:
    """One argument as a shell reads it: in double quotes, or single quotes where it holds some."""
    return f"'{text}'" if '"' in text and "'" not in text else shlex.quote(text) if '"' in text else f'"{text}"'


def render_counterfactual(cf) -> str:
    """The smallest sets of changes found, as `casus whatif --set` arguments."""
    now = "follows" if cf.follows else "does not follow"
    lines = [f"'{cf.query}' {now}. Smallest changes that make it {cf.goal} "
             f"({cf.candidates} single changes considered, {cf.evaluated} case(s) evaluated):"]
    for changes in cf.found:
        lines.append("  " + " ".join(f"--set {_shell_quoted(s)}" for s in cf.settings(changes)))
    if not cf.found:
        lines.append(f"  none with at most {cf.max_changes} change(s)"
                     + ("" if cf.exhausted else " among those tried before the limit of evaluations"))
    elif not cf.exhausted:
        lines.append(f"  (the limit of evaluations was reached before every set of {cf.max_changes} was tried)")
    return "\n".join(lines)
