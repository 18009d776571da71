"""Stage 2: static checks on the AST.

Separate from parsing so that one run reports every problem in every file:
unknown names (with a did-you-mean), arity, unsafe variables, cycles through
negation, missing citations. The result is a checked program whose names are
resolved, ready to compile.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from engine.lang import ast
from engine.lang.lint import lint
from engine.diagnostics import CasusError, Diagnostic, Span, did_you_mean
from engine.vocabulary import (
    ASSUMPTION_PREDICATES,
    BUILTIN_PREDICATES,
    CASE_PREDICATES,
    DEONTIC_PREDICATES,
    ENTITY_ATTRIBUTES,
    PROCEDURE_COUNTERS,
    PROCEDURE_PREDICATES,
)


@dataclass(frozen=True)
class Checked:
    """A program that passed the checker; names resolved, strata computed."""

    regimes: dict[str, ast.Regime]
    rules: tuple[ast.Rule, ...]
    definitions: dict[str, tuple[ast.Definition, ...]]
    procedures: tuple[ast.Procedure, ...]
    priorities: tuple[ast.Priority, ...]
    invariants: tuple[ast.Invariant, ...]
    assumptions: dict[str, ast.Assumption]
    signatures: dict[str, tuple[str, ...]]
    overrides: dict[str, tuple[str, ...]]  # rule qualname -> overridden rule qualnames
    strata: tuple[tuple[str, ...], ...]  # defined predicates, lowest stratum first
    warnings: tuple[Diagnostic, ...]
    sources: dict[str, str] = field(default_factory=dict)
    shapes: tuple["Shape", ...] = ()  # what the rules' conclusions can look like


# ------------------------------------------------ shapes of conclusions
#
# A pattern over conclusions (an invariant's `obliged(...)`, an `expect:`
# entry, a query) that no rule can produce matches nothing: a check built on
# it holds vacuously. Each rule's conclusion templates are kept as shapes, and
# a pattern is compared with them slot by slot.

_VARIABLE = "?"  # a slot filled by a variable in the template: any value


@dataclass(frozen=True)
class Shape:
    modality: str
    actor: str  # a constant, or _VARIABLE
    action: str
    object: str | None  # None: the template has no object
    counterparty: str | None
    regime: str
    rule: str  # qualname


def _slot(term) -> str | None:
    if term is None:
        return None
    return str(term.value) if isinstance(term, ast.Const) else _VARIABLE


def conclusion_shapes(rules) -> tuple[Shape, ...]:
    return tuple(sorted({Shape(c.modality, _slot(c.actor), c.action, _slot(c.object), _slot(c.counterparty),
                               r.regime, r.qualname) for r in rules for c in r.conclusions},
                        key=lambda s: (s.rule, s.modality, s.action)))


ANY = object()      # the pattern does not constrain the slot
PRESENT = object()  # the pattern needs the slot filled, by any value


def _fits(template: str | None, wanted) -> bool:
    if wanted is ANY:
        return True
    if template is None:
        return False
    return wanted is PRESENT or template == _VARIABLE or template == wanted


def producible(shapes, modality: str, *, actor=ANY, action=ANY, object=ANY, counterparty=ANY,
               regime=ANY, rule=ANY) -> bool:
    """Whether some rule can conclude a statement of this pattern."""
    for s in shapes:
        if s.modality != modality or not _fits(s.actor, actor):
            continue
        if action is not ANY and action is not PRESENT and s.action != action:
            continue
        if regime is not ANY and regime is not PRESENT and s.regime != regime:
            continue
        if rule is not ANY and rule is not PRESENT and rule not in (s.rule, s.rule.split(".", 1)[-1]):
            continue
        if _fits(s.object, object) and _fits(s.counterparty, counterparty):
            return True
    return False


def query_producible(shapes, query) -> bool:
    """Whether a parsed query (`obliged DEU to assist EST`) names something a rule can conclude."""
    def want(value):
        return ANY if value is None else value
    return producible(shapes, query.modality, actor=want(query.actor), action=query.action,
                      object=want(query.object), counterparty=want(query.counterparty))


def _pattern_slots(atom: ast.Atom) -> dict[str, object]:
    params = DEONTIC_PREDICATES[atom.pred]
    out: dict[str, object] = {}
    for i, arg in enumerate(atom.args):
        name = arg.name or (params[i] if i < len(params) else None)
        if name is None or isinstance(arg.term, ast.Wildcard):
            continue
        out[name] = str(arg.term.value) if isinstance(arg.term, ast.Const) else PRESENT
    return out


def _output_args(atom: ast.Atom) -> list[ast.Arg]:
    """Arguments an atom can bind: all but the date a builtin (membership, area, sovereignty) is asked about,
    and the place an area or sovereignty is asked about."""
    if atom.pred not in BUILTIN_PREDICATES:
        return list(atom.args)
    params = BUILTIN_PREDICATES[atom.pred]
    inputs = {"at"} | ({"place"} if atom.pred in ("in_area", "sovereign") else set())
    return [a for i, a in enumerate(atom.args)
            if (a.name or (params[i] if i < len(params) else None)) not in inputs]


def input_args(atom: ast.Atom) -> list[ast.Arg]:
    return [a for a in atom.args if a not in _output_args(atom)]


def bound_vars(cond: ast.Cond | None, outer: frozenset[str] = frozenset()) -> frozenset[str]:
    """Variables a condition binds when it holds (atoms, and `X == bound`)."""
    return _bound_vars(cond, frozenset(outer), {})


def _bound_vars(cond, outer: frozenset[str], memo: dict) -> frozenset[str]:
    # Each conjunction is read twice (see below); remembering every (condition, bound
    # variables) pair keeps nested and/or linear instead of doubling at every level.
    if cond is None:
        return outer
    if isinstance(cond, ast.Atom):
        return outer | {a.term.name for a in _output_args(cond) if isinstance(a.term, ast.Var)}
    key = (id(cond), outer)
    found = memo.get(key)
    if found is not None:
        return found
    result = outer
    if isinstance(cond, ast.And):
        bound = outer
        for item in cond.items:
            bound = _bound_vars(item, bound, memo)
        # `X == Y` may bind only once the rest of the conjunction has bound Y
        for item in cond.items:
            bound = _bound_vars(item, bound, memo)
        result = bound
    elif isinstance(cond, ast.Or):
        branches = [_bound_vars(item, outer, memo) for item in cond.items]
        result = frozenset.intersection(*branches) if branches else outer
    elif isinstance(cond, ast.Comparison) and cond.op == "==":
        for a, b in ((cond.left, cond.right), (cond.right, cond.left)):
            if isinstance(a, ast.Var) and all(v.name in outer for v in ast.term_vars(b)) and not isinstance(b, ast.Count):
                result = outer | {a.name}
                break
    memo[key] = result
    return result


# ----------------------------------------------------------------- checker


class _Checker:
    def __init__(self, program: ast.Program, organizations: Iterable[str] | None, areas: Iterable[str] | None = None):
        self.program = program
        self.organizations = set(organizations) if organizations is not None else None
        self.areas = set(areas) if areas is not None else None
        self.diags: list[Diagnostic] = []

    def error(self, code: str, message: str, span: Span | None, hint: str | None = None) -> None:
        self.diags.append(Diagnostic(code, message, span, hint=hint))

    def warn(self, code: str, message: str, span: Span | None, hint: str | None = None) -> None:
        self.diags.append(Diagnostic(code, message, span, severity="warning", hint=hint))

    def run(self) -> Checked:
        decls = list(self.program.declarations())
        regimes = self.collect_regimes(decls)
        rules = [d for d in decls if isinstance(d, ast.Rule)]
        definitions: dict[str, list[ast.Definition]] = defaultdict(list)
        for d in decls:
            if isinstance(d, ast.Definition):
                definitions[d.name].append(d)
        procedures = [d for d in decls if isinstance(d, ast.Procedure)]
        priorities = [d for d in decls if isinstance(d, ast.Priority)]
        invariants = [d for d in decls if isinstance(d, ast.Invariant)]
        assumptions = [d for d in decls if isinstance(d, ast.Assumption)]
        self.assumption_names = {a.name for a in assumptions}

        for d in decls:
            if not isinstance(d, (ast.Regime, ast.Priority)) and not d.regime:
                self.error("E115", f"'{d.name}' is declared before any regime", d.span,
                           hint="start the file with `regime NAME \"Title\" cites \"...\"`")
        signatures = self.collect_signatures(definitions)
        self.check_unique(rules, "rule")
        self.check_unique(procedures, "procedure")
        self.check_unique(invariants, "invariant")
        seen_assumptions: dict[str, ast.Assumption] = {}
        for a in assumptions:
            if a.name in seen_assumptions:
                self.error("E111", f"assumption '{a.name}' is declared twice", a.span,
                           hint=f"first declared at {seen_assumptions[a.name].span}")
            seen_assumptions.setdefault(a.name, a)
            if not a.citations:
                self.error("E110", f"assumption '{a.name}' cites no source for the position it states", a.span)
        overrides = self.resolve_overrides(rules)
        for d in decls:
            for c in getattr(d, "citations", ()) or ():
                if not c.text.strip():
                    self.error("E110", f"'{d.name}' has an empty citation", c.span)
        for rule in rules:
            self.check_rule(rule, signatures, regimes)
        for defs in definitions.values():
            for d in defs:
                self.check_definition(d, signatures)
        for proc in procedures:
            self.check_procedure(proc)
        for prio in priorities:
            self.check_priority(prio, regimes)
        shapes = conclusion_shapes(rules)
        for inv in invariants:
            cond = inv.when if hasattr(inv, "when") else inv.cond
            self.check_cond(cond, {**signatures, **DEONTIC_PREDICATES}, frozenset())
            self.check_patterns(inv, cond, shapes)
        for d in decls:
            if isinstance(d, (ast.Rule, ast.Definition, ast.Invariant)):
                self.check_singletons(d)
        strata = self.stratify(definitions)
        self.warn_unused(definitions, rules, invariants)
        # W203-W205: names that occur once, close to others
        self.diags.extend(lint(self.program, self.organizations))

        if any(d.is_error for d in self.diags):
            raise CasusError(self.diags, dict(self.program.sources))
        return Checked(
            regimes=regimes,
            rules=tuple(sorted(rules, key=lambda r: r.qualname)),
            definitions={k: tuple(v) for k, v in sorted(definitions.items())},
            procedures=tuple(sorted(procedures, key=lambda p: (p.regime, p.name))),
            priorities=tuple(priorities),
            invariants=tuple(sorted(invariants, key=lambda i: (i.regime, i.name))),
            assumptions=dict(sorted(seen_assumptions.items())),
            signatures=signatures,
            overrides=overrides,
            strata=strata,
            warnings=tuple(sorted(self.diags, key=lambda d: (str(d.span), d.code))),
            sources=dict(self.program.sources),
            shapes=shapes,
        )

    def check_patterns(self, inv, cond, shapes) -> None:
        """An invariant that reads a conclusion no rule can produce can never be violated."""
        for atom, _ in ast.atoms(cond):
            if atom.pred not in DEONTIC_PREDICATES:
                continue
            slots = _pattern_slots(atom)
            if not producible(shapes, atom.pred, **slots):
                near = sorted({f"{s.modality} {s.action}" + (" OBJECT" if s.object else "")
                               + (" COUNTERPARTY" if s.counterparty else "")
                               for s in shapes if s.modality == atom.pred and s.action == slots.get("action")})
                self.error("E123", f"invariant '{inv.qualname}' reads a conclusion that no rule can produce, "
                                   f"so it can never be violated", atom.span,
                           hint=("the rules conclude: " + "; ".join(near)) if near
                           else "check the action's name and which slots (object, counterparty) the rules fill")

    # declarations ------------------------------------------------------

    def collect_regimes(self, decls) -> dict[str, ast.Regime]:
        regimes: dict[str, ast.Regime] = {}
        for d in decls:
            if not isinstance(d, ast.Regime):
                continue
            seen = regimes.get(d.name)
            if seen is None:
                regimes[d.name] = d
                continue
            if d.title and seen.title and d.title != seen.title:
                self.error("E114", f"regime '{d.name}' is declared again with another title", d.span,
                           hint=f"first declared at {seen.span} as \"{seen.title}\"")
            if (d.title and not seen.title) or (d.citation and not seen.citation):
                regimes[d.name] = ast.Regime(d.name, seen.title or d.title, seen.citation or d.citation,
                                             seen.in_force or d.in_force, seen.parties or d.parties, seen.span)
        for r in regimes.values():
            if r.citation is None:
                self.error("E110", f"regime '{r.name}' cites no instrument", r.span,
                           hint="add `cites \"<treaty, place and date>\"`")
            self.check_in_force(r.in_force)
            if r.parties and self.organizations is not None and r.parties not in self.organizations:
                self.warn("W106", f"no membership data for organization '{r.parties}'", r.span,
                          hint=did_you_mean(r.parties, self.organizations))
        return dict(sorted(regimes.items()))

    def collect_signatures(self, definitions) -> dict[str, tuple[str, ...]]:
        signatures = {**CASE_PREDICATES, **PROCEDURE_PREDICATES, **BUILTIN_PREDICATES, **ASSUMPTION_PREDICATES}
        for name, defs in definitions.items():
            first = defs[0]
            if name in signatures or name in DEONTIC_PREDICATES:
                self.error("E117", f"'{name}' is a predicate of the engine and cannot be redefined", first.span)
                continue
            params = tuple(p.name for p in first.params)
            if len(set(params)) != len(params):
                self.error("E116", f"definition '{name}' names a parameter twice", first.span)
            for d in defs[1:]:
                if tuple(p.name for p in d.params) != params:
                    self.error("E116", f"definition '{name}' has other parameters than at {first.span}", d.span,
                               hint=f"every clause of '{name}' takes ({', '.join(params)})")
            signatures[name] = params
        return signatures

    def check_unique(self, decls, kind: str) -> None:
        seen: dict[tuple[str, str], ast.Declaration] = {}
        for d in decls:
            key = (d.regime, d.name)
            if key in seen:
                self.error("E111", f"{kind} '{d.qualname}' is declared twice", d.span,
                           hint=f"first declared at {seen[key].span}")
            else:
                seen[key] = d

    def resolve_overrides(self, rules) -> dict[str, tuple[str, ...]]:
        known = {r.qualname for r in rules}
        out: dict[str, tuple[str, ...]] = {}
        for rule in rules:
            resolved = []
            for name, span in rule.overrides:
                qual = name if "." in name else f"{rule.regime}.{name}"
                if qual not in known:
                    self.error("E104", f"rule '{rule.qualname}' overrides unknown rule '{name}'", span,
                               hint=did_you_mean(qual, known) or "name it as regime.rule")
                elif qual == rule.qualname:
                    self.error("E104", f"rule '{rule.qualname}' overrides itself", span)
                else:
                    resolved.append(qual)
            out[rule.qualname] = tuple(sorted(resolved))
        return out

    def check_in_force(self, in_force: ast.InForce | None) -> None:
        if in_force and in_force.start and in_force.end and in_force.end <= in_force.start:
            self.error("E120", "in force 'before' a date that is not after its 'from' date", in_force.span)

    def check_rule(self, rule: ast.Rule, signatures, regimes) -> None:
        if not rule.citations:
            self.error("E110", f"rule '{rule.qualname}' concludes without citing its source", rule.span,
                       hint="add `cites \"<instrument>, art. N\"` after the rule's title")
        if not rule.conclusions:
            self.error("E112", f"rule '{rule.qualname}' has no `then` conclusion", rule.span)
        self.check_in_force(rule.in_force)
        bound = self.check_cond(rule.when, signatures, frozenset())
        if rule.quantifier:
            q = rule.quantifier
            self.check_organization(q.organization, q.span)
            if q.at is not None:
                self.check_term_use(q.at, bound)
            bound = bound | {q.var.name}
            bound = self.check_cond(q.where, signatures, bound)
        for c in rule.conclusions:
            for term in (c.actor, c.object, c.counterparty):
                if term is None:
                    continue
                for v in ast.term_vars(term):
                    if v.name not in bound:
                        self.error("E107", f"variable {v.name} in the conclusion is not bound by the rule's conditions",
                                   v.span, hint=did_you_mean(v.name, bound))
                if isinstance(term, ast.Attr):
                    self.check_attr(term)
        self.check_cond(rule.until, signatures, bound)
        self.check_cond(rule.unless, signatures, bound)

    def check_definition(self, d: ast.Definition, signatures) -> None:
        if d.when is None:
            self.error("E113", f"definition '{d.name}' has no `when` condition", d.span)
            return
        bound = self.check_cond(d.when, signatures, frozenset())
        for p in d.params:
            if p.var.name not in bound:
                self.error("E107", f"parameter {p.var.name} of '{d.name}' is not bound by its condition", p.span)

    def check_procedure(self, p: ast.Procedure) -> None:
        if not p.citations:
            self.error("E110", f"procedure '{p.qualname}' cites no source", p.span)
        if not p.body:
            self.error("E119", f"procedure '{p.qualname}' names no `body` that votes", p.span)
        else:
            self.check_organization(p.body, p.span)
        if p.veto:
            self.check_organization(p.veto, p.span)
        if not p.requires:
            self.error("E119", f"procedure '{p.qualname}' has no `requires` threshold", p.span)
        self.check_in_force(p.in_force)
        for cond in p.requires:
            self.check_counters(cond)

    def check_counters(self, node) -> None:
        if isinstance(node, (ast.And, ast.Or)):
            for item in node.items:
                self.check_counters(item)
        elif isinstance(node, ast.Not):
            self.check_counters(node.cond)
        elif isinstance(node, ast.Comparison):
            self.check_counters(node.left)
            self.check_counters(node.right)
        elif isinstance(node, ast.BinOp):
            self.check_counters(node.left)
            self.check_counters(node.right)
        elif isinstance(node, ast.Const):
            if node.kind == "name" and node.value not in PROCEDURE_COUNTERS:
                self.error("E118", f"'{node.value}' is not a vote count", node.span,
                           hint=did_you_mean(node.value, PROCEDURE_COUNTERS)
                           or f"counts are: {', '.join(PROCEDURE_COUNTERS)}")
        elif isinstance(node, (ast.Atom, ast.Var, ast.Attr, ast.Count, ast.Wildcard)):
            self.error("E118", "a procedure's threshold compares vote counts and numbers only", node.span,
                       hint=f"counts are: {', '.join(PROCEDURE_COUNTERS)}")

    def check_priority(self, p: ast.Priority, regimes) -> None:
        for name in (p.regime, *(p.over or ())):
            if name not in regimes:
                self.error("E103", f"unknown regime '{name}'", p.span, hint=did_you_mean(name, regimes))
        if not p.citations:
            self.error("E110", f"priority of '{p.regime}' cites no source", p.span,
                       hint="e.g. cites \"Charter of the United Nations, art. 103\"")

    def check_organization(self, name: str, span: Span) -> None:
        if self.organizations is not None and name not in self.organizations:
            self.warn("W106", f"no membership data for organization '{name}'", span,
                      hint=did_you_mean(name, self.organizations))

    def check_attr(self, term: ast.Attr) -> None:
        if term.attr not in ENTITY_ATTRIBUTES:
            self.error("E105", f"unknown attribute '.{term.attr}'", term.span,
                       hint=did_you_mean(term.attr, ENTITY_ATTRIBUTES))

    def check_term_use(self, term, bound: frozenset[str]) -> None:
        for v in ast.term_vars(term):
            if v.name not in bound:
                self.error("E108", f"variable {v.name} is used before anything binds it", v.span,
                           hint="bind it in a positive condition such as incident(" + v.name + ", ...)")
        if isinstance(term, ast.Attr):
            self.check_attr(term)

    # conditions --------------------------------------------------------

    def check_cond(self, cond, signatures, outer: frozenset[str]) -> frozenset[str]:
        """Check a condition and return the variables it binds."""
        if cond is None:
            return outer
        for atom, _ in ast.atoms(cond):
            self.check_atom(atom, signatures)
        bound = bound_vars(cond, outer)
        self.check_safety(cond, bound)
        return bound

    def check_atom(self, atom: ast.Atom, signatures) -> None:
        params = signatures.get(atom.pred)
        if params is None:
            hint = did_you_mean(atom.pred, signatures)
            if atom.pred in DEONTIC_PREDICATES:
                hint = "conclusions can be read only by invariants"
            self.error("E101", f"unknown predicate '{atom.pred}'", atom.span, hint=hint)
            return
        filled: set[str] = set()
        positional = [a for a in atom.args if a.name is None]
        if len(positional) > len(params):
            self.error("E102", f"'{atom.pred}' takes {len(params)} argument(s) ({', '.join(params)}), "
                               f"given {len(positional)}", atom.span)
            return
        for i, arg in enumerate(atom.args):
            if arg.name is None:
                if filled - set(params[: i]):
                    self.error("E102", "a positional argument follows a named one", arg.span)
                filled.add(params[i])
            elif arg.name not in params:
                self.error("E102", f"'{atom.pred}' has no argument '{arg.name}'", arg.span,
                           hint=did_you_mean(arg.name, params) or f"its arguments are ({', '.join(params)})")
            elif arg.name in filled:
                self.error("E102", f"argument '{arg.name}' of '{atom.pred}' is given twice", arg.span)
            else:
                filled.add(arg.name)
            if isinstance(arg.term, ast.Attr):
                self.check_attr(arg.term)
        if atom.pred == "assumed":
            name = atom.args[0].term if atom.args else None
            if not isinstance(name, ast.Const) or name.value not in self.assumption_names:
                shown = name.value if isinstance(name, ast.Const) else "?"
                self.error("E121", f"unknown assumption '{shown}'", atom.span,
                           hint=did_you_mean(str(shown), self.assumption_names)
                           or "declare it: assumption NAME \"...\" cites \"...\" default false")
        if atom.pred == "in_area" and self.areas is not None:
            area = next((a.term for i, a in enumerate(atom.args)
                         if a.name == "area" or (a.name is None and i == 1)), None)
            if isinstance(area, ast.Const) and str(area.value) not in self.areas:
                self.warn("W107", f"no area data for '{area.value}'", area.span,
                          hint=did_you_mean(str(area.value), self.areas) or "declare it in rules/<regime>/NAME.area.yaml")
        if atom.pred == "member":
            org = next((a.term for i, a in enumerate(atom.args)
                        if a.name == "organization" or (a.name is None and i == 1)), None)
            if isinstance(org, ast.Const):
                self.check_organization(str(org.value), org.span)

    def check_safety(self, cond, bound: frozenset[str]) -> None:
        """Variables read by comparisons, attributes and counts must be bound by an atom."""
        if isinstance(cond, ast.And):
            for item in cond.items:
                self.check_safety(item, bound)
        elif isinstance(cond, ast.Or):
            for item in cond.items:
                self.check_safety(item, bound_vars(item, bound))
        elif isinstance(cond, ast.Not):
            inner = bound_vars(cond.cond, bound)
            self.check_safety(cond.cond, inner)
        elif isinstance(cond, ast.Atom):
            for arg in cond.args:
                if isinstance(arg.term, ast.Attr) or arg in input_args(cond):
                    self.check_term_use(arg.term, bound)
        elif isinstance(cond, ast.Comparison):
            for side in (cond.left, cond.right):
                self.check_expr(side, bound)

    def check_expr(self, expr, bound: frozenset[str]) -> None:
        if isinstance(expr, ast.Count):
            inner = bound_vars(expr.cond, bound)
            for v in expr.vars:
                if v.name not in inner:
                    self.error("E108", f"counted variable {v.name} does not occur in the count's condition", v.span)
            self.check_safety(expr.cond, inner)
        elif isinstance(expr, ast.BinOp):
            self.check_expr(expr.left, bound)
            self.check_expr(expr.right, bound)
        elif isinstance(expr, ast.Wildcard):
            self.error("E108", "'_' cannot be compared", expr.span)
        else:
            self.check_term_use(expr, bound)

    # strata ------------------------------------------------------------

    def stratify(self, definitions) -> tuple[tuple[str, ...], ...]:
        edges: dict[str, dict[str, tuple[bool, Span]]] = {name: {} for name in definitions}
        for name, defs in definitions.items():
            for d in defs:
                for atom, negated in ast.atoms(d.when):
                    if atom.pred in definitions:
                        prev = edges[name].get(atom.pred)
                        if prev is None or (negated and not prev[0]):
                            edges[name][atom.pred] = (negated, atom.span)
        sccs = _tarjan(edges)
        index = {p: i for i, scc in enumerate(sccs) for p in scc}
        for scc in sccs:
            for p in scc:
                for q, (negated, span) in sorted(edges[p].items()):
                    if negated and index[q] == index[p]:
                        self.error("E109", f"'{p}' depends on itself through negation or a count (via '{q}')", span,
                                   hint="a definition cannot hold because it does not hold; restate it without the cycle")
        return tuple(tuple(sorted(scc)) for scc in sccs)

    def check_singletons(self, decl) -> None:
        """A variable written once binds nothing and tests nothing: usually a typo, or a state code
        written without quotes (`V == NZL` is always true; `V == "NZL"` compares)."""
        occurrences: dict[str, list[tuple[ast.Var, bool]]] = defaultdict(list)
        _collect_vars(decl, occurrences, False)
        for name, uses in occurrences.items():
            if len(uses) != 1 or name.startswith("_"):
                continue
            var, compared = uses[0]
            looks_like_code = name.isupper() and 2 <= len(name) <= 4
            hint = (f'to compare with the state {name}, write "{name}"' if looks_like_code
                    else "use _ to match anything, or check the spelling")
            if compared:
                self.error("E122", f"variable {name} occurs only once, so this comparison tests nothing", var.span,
                           hint=hint)
            else:
                self.warn("W202", f"variable {name} occurs only once", var.span, hint=hint)

    def warn_unused(self, definitions, rules, invariants) -> None:
        used = set()
        for d in [*rules, *invariants, *(x for defs in definitions.values() for x in defs)]:
            for cond in (getattr(d, "when", None), getattr(d, "until", None), getattr(d, "unless", None),
                         getattr(d, "cond", None), getattr(getattr(d, "quantifier", None), "where", None)):
                for atom, _ in ast.atoms(cond):
                    if not (isinstance(d, ast.Definition) and atom.pred == d.name):
                        used.add(atom.pred)
        for name, defs in definitions.items():
            if name not in used:
                self.warn("W201", f"definition '{name}' is never used", defs[0].span)


def _collect_vars(node, out: dict, compared: bool) -> None:
    if isinstance(node, ast.Var):
        out[node.name].append((node, compared))
        return
    if isinstance(node, (ast.Citation, ast.InForce, str, int, float)) or node is None:
        return
    if isinstance(node, tuple):
        for item in node:
            _collect_vars(item, out, compared)
        return
    if isinstance(node, ast.Comparison):
        # only `==` can bind a variable written once; elsewhere it is already unsafe (E108)
        _collect_vars(node.left, out, node.op == "==")
        _collect_vars(node.right, out, node.op == "==")
        return
    fields = getattr(node, "__dataclass_fields__", None)
    if fields:
        for name in fields:
            if name != "span":
                _collect_vars(getattr(node, name), out, compared)


def _tarjan(edges: dict[str, dict[str, object]]) -> list[list[str]]:
    """Strongly connected components, dependencies first, deterministic."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(root: str) -> None:  # iterative: a chain of definitions may be long
        work: list[tuple[str, Iterator[str]]] = []

        def enter(v: str) -> None:
            index[v] = low[v] = counter[0]
            counter[0] += 1
            stack.append(v)
            on_stack.add(v)
            work.append((v, iter(sorted(edges[v]))))

        enter(root)
        while work:
            v, successors = work[-1]
            for w in successors:
                if w not in index:
                    enter(w)
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[v])
                if low[v] == index[v]:
                    scc = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        scc.append(w)
                        if w == v:
                            break
                    out.append(sorted(scc))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def check(program: ast.Program, organizations: Iterable[str] | None = None,
          areas: Iterable[str] | None = None) -> Checked:
    """Raise CasusError with every error found; warnings travel with the result."""
    return _Checker(program, organizations, areas).run()
