"""Stage 1: rule text to AST.

The Lark grammar describes syntax only; the Transformer here builds the
frozen AST with spans and does nothing else.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from fractions import Fraction
from pathlib import Path
from typing import Iterable

import lark
from lark import Token, Transformer, v_args

from engine import cache
from engine.lang import ast
from engine.diagnostics import CasusError, Diagnostic, Span, did_you_mean
from engine.limits import (MAX_CONDITIONS, MAX_COUNT_NESTING, MAX_DECLARATIONS, MAX_NESTING, MAX_NUMBER_DIGITS, MAX_RULE_FILE_BYTES,
                           MAX_STRING_CHARS)
from engine.resources import display_path, grammar_file

KEYWORDS = (
    "regime rule define procedure priority invariant assumption default true false cites in force from before when then "
    "until unless overrides for every member of at where and or not count parties body "
    "organ matter veto requires disregards votes the dispute over all never to against towards "
    "obliged permitted forbidden"
).split()


_PARSER_OPTIONS = dict(parser="lalr", lexer="contextual", start=["start", "query"],
                       propagate_positions=True, maybe_placeholders=False)


@functools.cache
def _parser() -> lark.Lark:
    """The LALR parser, built once per process; its tables are kept in casus's private,
    authenticated cache (never in a shared temporary directory)."""
    grammar = grammar_file().read_text(encoding="utf-8")
    name = "parser-" + cache.digest(grammar, repr(sorted(_PARSER_OPTIONS.items())), lark.__version__,
                                    cache.engine_version())[:40] + ".pickle"
    saved = cache.load(name)
    if isinstance(saved, bytes):
        try:
            return lark.Lark.load(io.BytesIO(saved))
        except Exception:  # noqa: BLE001 - an entry from another build: build afresh
            pass
    parser = lark.Lark(grammar, **_PARSER_OPTIONS)
    buffer = io.BytesIO()
    try:
        parser.save(buffer)
    except Exception:  # noqa: BLE001 - not cached; only costs time
        return parser
    cache.store(name, buffer.getvalue())
    return parser


def _span(file: str, meta_or_token) -> Span:
    m = meta_or_token
    if getattr(m, "empty", False):
        return Span(file, 1, 1, 1, 1)
    return Span(file, m.line, m.column, m.end_line, m.end_column)


_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r", "/": "/"}


def _unquote(token: Token | str, file: str = "<string>") -> str:
    """The text of a string literal: \\" \\\\ \\n \\t \\r \\/ and \\uXXXX escapes."""
    body = str(token)[1:-1]
    if "\\" not in body:
        return body
    out, i = [], 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1: i + 2]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt == "u" and len(body) >= i + 6 and all(c in "0123456789abcdefABCDEF" for c in body[i + 2: i + 6]):
            out.append(chr(int(body[i + 2: i + 6], 16)))
            i += 6
        else:
            line = getattr(token, "line", 1) or 1
            column = (getattr(token, "column", 1) or 1) + 1 + i
            raise CasusError([Diagnostic("E002", f"invalid escape '\\{nxt}' in a string",
                                         Span(file, line, column, line, column + 2),
                                         hint='use \\" \\\\ \\n \\t or \\uXXXX')])
    return "".join(out)


def _date(token: Token, file: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(token))
    except ValueError:
        raise CasusError([Diagnostic("E002", f"invalid date '{token}'", _span(file, token),
                                     hint="dates are written YYYY-MM-DD")])


def _object_prep_counterparty(rest: list) -> tuple:
    """`assist V` and `comply_with D` name an object (the act's direct object); a counter-party is
    always introduced by a preposition: `use_force against T`, `report I to X`, `meet_common_danger for V`.
    One shape, one slot, so that an invariant or a query reading a slot reads what the rules put there."""
    if len(rest) == 1:
        return rest[0], None, None
    if len(rest) == 2:
        return None, rest[0], rest[1]
    if len(rest) == 3:
        return tuple(rest)
    return None, None, None


class _Build(Transformer):
    """Parse tree to AST; the regime of each declaration is filled in by `parse_text`."""

    def __init__(self, file: str):
        super().__init__()
        self.file = file

    def _s(self, meta) -> Span:
        return _span(self.file, meta)

    # terms
    @v_args(meta=True)
    def var(self, meta, c):
        return ast.Var(str(c[0]), self._s(meta))

    @v_args(meta=True)
    def wildcard(self, meta, c):
        return ast.Wildcard(self._s(meta))

    @v_args(meta=True)
    def name(self, meta, c):
        return ast.Const(str(c[0]), "name", self._s(meta))

    @v_args(meta=True)
    def string(self, meta, c):
        return ast.Const(_unquote(c[0], self.file), "string", self._s(meta))

    @v_args(meta=True)
    def number(self, meta, c):
        return ast.Const(Fraction(str(c[0])), "number", self._s(meta))

    @v_args(meta=True)
    def date(self, meta, c):
        return ast.Const(_date(c[0], self.file), "date", self._s(meta))

    @v_args(meta=True)
    def attribute(self, meta, c):
        return ast.Attr(ast.Var(str(c[0]), _span(self.file, c[0])), str(c[1]), self._s(meta))

    def _binop(op):
        @v_args(meta=True)
        def build(self, meta, c):
            return ast.BinOp(op, c[0], c[1], self._s(meta))
        return build

    add, sub, mul, div = _binop("+"), _binop("-"), _binop("*"), _binop("/")

    @v_args(meta=True)
    def count(self, meta, c):
        return ast.Count(tuple(ast.Var(str(t), _span(self.file, t)) for t in c[:-1]), c[-1], self._s(meta))

    # conditions
    @v_args(meta=True)
    def named_arg(self, meta, c):
        return ast.Arg(str(c[0]), c[1], self._s(meta))

    @v_args(meta=True)
    def atom(self, meta, c):
        args = tuple(a if isinstance(a, ast.Arg) else ast.Arg(None, a, a.span) for a in c[1:])
        return ast.Atom(str(c[0]), args, self._s(meta))

    @v_args(meta=True)
    def comparison(self, meta, c):
        return ast.Comparison(c[0], str(c[1]), c[2], self._s(meta))

    @v_args(meta=True)
    def negation(self, meta, c):
        return ast.Not(c[0], self._s(meta))

    @v_args(meta=True)
    def conjunction(self, meta, c):
        return ast.And(tuple(c), self._s(meta))

    @v_args(meta=True)
    def disjunction(self, meta, c):
        return ast.Or(tuple(c), self._s(meta))

    # clauses, returned as (kind, value) pairs and sorted out by the declarations
    @v_args(meta=True)
    def cites(self, meta, c):
        return ("cites", ast.Citation(_unquote(c[0], self.file), self._s(meta)))

    @v_args(meta=True)
    def in_force(self, meta, c):
        start = next((v for k, v in c if k == "from"), None)
        end = next((v for k, v in c if k == "before"), None)
        return ("in_force", ast.InForce(start, end, self._s(meta)))

    def from_date(self, c):
        return ("from", _date(c[0], self.file))

    def before_date(self, c):
        return ("before", _date(c[0], self.file))

    def parties(self, c):
        return ("parties", str(c[0]))

    def when(self, c):
        return ("when", c[0])

    def unless(self, c):
        return ("unless", c[0])

    def until(self, c):
        return ("until", c[0])

    def overrides(self, c):
        return ("overrides", tuple(c))

    @v_args(meta=True)
    def qualname(self, meta, c):
        return (".".join(str(t) for t in c), self._s(meta))

    def prep(self, c):
        return str(c[0])

    @v_args(meta=True)
    def deontic(self, meta, c):
        modality, actor, action, *rest = c
        description = None
        if rest and isinstance(rest[-1], Token) and rest[-1].type == "STRING":
            description = _unquote(rest.pop(), self.file)
        obj, prep, counterparty = _object_prep_counterparty(rest)
        return ast.Deontic(str(modality), actor, str(action), obj, prep, counterparty, description, self._s(meta))

    def member_at(self, c):
        return ("at", c[0])

    def where(self, c):
        return ("where", c[0])

    @v_args(meta=True)
    def quantified(self, meta, c):
        var = ast.Var(str(c[0]), _span(self.file, c[0]))
        at = next((v for item in c[2:] if isinstance(item, tuple) for k, v in [item] if k == "at"), None)
        where = next((v for item in c[2:] if isinstance(item, tuple) for k, v in [item] if k == "where"), None)
        deontics = tuple(x for x in c[2:] if isinstance(x, ast.Deontic))
        return ("quantified", (ast.Quantifier(var, str(c[1]), at, where, self._s(meta)), deontics))

    def then(self, c):
        if len(c) == 1 and isinstance(c[0], tuple):
            return c[0]
        return ("then", tuple(c))

    # declarations
    def _head(self, c):
        file = self.file
        name = str(c[0])
        rest = list(c[1:])
        title = None
        if rest and isinstance(rest[0], Token) and rest[0].type == "STRING":
            title = _unquote(rest.pop(0), file)
        return name, title, rest

    @staticmethod
    def _one(clauses, kind):
        return next((v for k, v in clauses if k == kind), None)

    @staticmethod
    def _all(clauses, kind):
        return tuple(v for k, v in clauses if k == kind)

    @v_args(meta=True)
    def regime(self, meta, c):
        name, title, cl = self._head(c)
        return ast.Regime(name, title, self._one(cl, "cites"), self._one(cl, "in_force"),
                          self._one(cl, "parties"), self._s(meta))

    @v_args(meta=True)
    def rule(self, meta, c):
        name, title, cl = self._head(c)
        quantified = self._one(cl, "quantified")
        quantifier, conclusions = quantified if quantified else (None, self._one(cl, "then") or ())
        return ast.Rule(
            name=name, title=title, regime="", citations=self._all(cl, "cites"),
            in_force=self._one(cl, "in_force"), when=self._one(cl, "when"), quantifier=quantifier,
            conclusions=tuple(conclusions), until=self._one(cl, "until"), unless=self._one(cl, "unless"),
            overrides=tuple(q for qs in self._all(cl, "overrides") for q in qs), span=self._s(meta),
        )

    @v_args(meta=True)
    def positional_param(self, meta, c):
        var = ast.Var(str(c[0]), self._s(meta))
        return ast.Param(var.name.lower(), var, self._s(meta))

    @v_args(meta=True)
    def named_param(self, meta, c):
        return ast.Param(str(c[0]), ast.Var(str(c[1]), _span(self.file, c[1])), self._s(meta))

    @v_args(meta=True)
    def definition(self, meta, c):
        name, title, rest = self._head(c)
        params = tuple(x for x in rest if isinstance(x, ast.Param))
        cl = [x for x in rest if isinstance(x, tuple)]
        title = title or next((_unquote(x, self.file) for x in rest
                               if isinstance(x, Token) and x.type == "STRING"), None)
        return ast.Definition(name, title, "", self._all(cl, "cites"), params, self._one(cl, "when"), self._s(meta))

    def body(self, c):
        return ("body", str(c[0]))

    def organ(self, c):
        return ("organ", str(c[0]))

    def matter(self, c):
        return ("matter", tuple(str(t) for t in c))

    def veto(self, c):
        return ("veto", str(c[0]))

    def requires(self, c):
        return ("requires", c[0])

    def disregards(self, c):
        return ("disregards", True)

    @v_args(meta=True)
    def procedure(self, meta, c):
        name, title, cl = self._head(c)
        return ast.Procedure(
            name=name, title=title, regime="", citations=self._all(cl, "cites"),
            in_force=self._one(cl, "in_force"), body=self._one(cl, "body"),
            organ=self._one(cl, "organ") or self._one(cl, "body"), matters=tuple(m for ms in self._all(cl, "matter") for m in ms), veto=self._one(cl, "veto"),
            requires=self._all(cl, "requires"), disregards_parties=bool(self._one(cl, "disregards")),
            span=self._s(meta),
        )

    def all_regimes(self, c):
        return ("over", None)

    def some_regimes(self, c):
        return ("over", tuple(str(t) for t in c))

    def modalities(self, c):
        return ("modalities", tuple(str(t) for t in c))

    @v_args(meta=True)
    def priority(self, meta, c):
        cl = c[1:]
        return ast.Priority(str(c[0]), self._one(cl, "over"), self._one(cl, "modalities") or (),
                            self._all(cl, "cites"), self._s(meta))

    @v_args(meta=True)
    def invariant(self, meta, c):
        name, title, rest = self._head(c)
        cites = tuple(v for x in rest if isinstance(x, tuple) for k, v in [x] if k == "cites")
        cond = next(x for x in rest if not isinstance(x, tuple))
        return ast.Invariant(name, title, "", cites, cond, self._s(meta))

    @v_args(meta=True)
    def assumption(self, meta, c):
        name, title, rest = self._head(c)
        cites = tuple(v for x in rest if isinstance(x, tuple) for k, v in [x] if k == "cites")
        default = next(str(x) for x in rest if isinstance(x, Token) and x.type == "BOOLEAN") == "true"
        return ast.Assumption(name, title, "", cites, default, self._s(meta))

    def start(self, c):
        return tuple(c)

    @v_args(meta=True)
    def query(self, meta, c):
        modality, actor, action, *rest = c
        obj, prep, counterparty = _object_prep_counterparty(rest)
        value = lambda t: None if t is None or isinstance(t, ast.Wildcard) else t.value  # noqa: E731
        return ast.Query(str(modality), value(actor), str(action), value(obj), prep, value(counterparty))


def _syntax_error(err: lark.exceptions.UnexpectedInput, file: str, text: str) -> Diagnostic:
    line, column = getattr(err, "line", 1) or 1, getattr(err, "column", 1) or 1
    if line < 1:  # unexpected end of input
        lines = text.splitlines() or [""]
        line, column = len(lines), len(lines[-1]) + 1
    span = Span(file, line, column, line, column + 1)
    hint = None
    if isinstance(err, lark.exceptions.UnexpectedToken):
        got = str(err.token) if err.token.type != "$END" else "end of input"
        expected = sorted(_describe(t) for t in err.accepts or err.expected)
        message = f"unexpected {got!r}; expected {_one_of(expected)}"
        if err.token.type in ("NAME", "VAR"):
            hint = did_you_mean(str(err.token), KEYWORDS)
        end = span.column + max(1, len(str(err.token)))
        span = Span(file, line, column, line, end)
    elif isinstance(err, lark.exceptions.UnexpectedCharacters):
        bad = text.splitlines()[line - 1][column - 1: column] if text.splitlines() else "?"
        expected = sorted(_describe(t) for t in err.allowed or ())
        message = f"unexpected character {bad!r}" + (f"; expected {_one_of(expected)}" if expected else "")
        if bad == "'":
            hint = "strings are written in double quotes"
    else:
        message = "unexpected end of input"
    return Diagnostic("E001", f"syntax error: {message}", span, hint=hint)


_TOKEN_NAMES = {
    "NAME": "a name", "VAR": "a variable", "STRING": "a string", "DATE": "a date (YYYY-MM-DD)",
    "NUMBER": "a number", "MODALITY": "'obliged', 'permitted' or 'forbidden'", "COMPARATOR": "a comparison",
    "WILDCARD": "'_'", "$END": "end of input", "LPAR": "'('", "RPAR": "')'", "COMMA": "','", "COLON": "':'",
    "DOT": "'.'", "PLUS": "'+'", "MINUS": "'-'", "STAR": "'*'", "SLASH": "'/'",
}


def _describe(terminal: str) -> str:
    if terminal in _TOKEN_NAMES:
        return _TOKEN_NAMES[terminal]
    return f"'{terminal.lower()}'"


def _one_of(items: list[str]) -> str:
    items = list(dict.fromkeys(items))
    if len(items) > 8:
        return ", ".join(items[:8]) + ", ..."
    return " or ".join(items) if len(items) <= 2 else ", ".join(items[:-1]) + " or " + items[-1]


_NESTING = frozenset({"negation", "conjunction", "disjunction", "count", "add", "sub", "mul", "div"})
_CONDITIONS = frozenset({"atom", "comparison"})
_DECLARATIONS = frozenset({"regime", "rule", "definition", "procedure", "priority", "invariant", "assumption"})


def _limit_errors(tree: lark.Tree, file: str) -> list[Diagnostic]:
    """Inputs beyond the documented limits (engine/limits.py), found without recursion,
    before any recursive stage sees the tree: nesting depth (E004), conditions per
    declaration (E006), over-long strings and numbers (E002)."""
    diags: list[Diagnostic] = []
    stack: list[tuple[object, int, list, int]] = [(tree, 0, [0], 0)]
    while stack and len(diags) < 20:
        node, depth, conditions, counts = stack.pop()
        if isinstance(node, Token):
            if node.type == "STRING" and len(node) > MAX_STRING_CHARS + 2:
                diags.append(Diagnostic("E002", f"string of {len(node) - 2} characters; the limit is {MAX_STRING_CHARS}",
                                        _span(file, node), hint="shorten it; cite the text, do not copy it"))
            elif node.type == "NUMBER" and len(node) > MAX_NUMBER_DIGITS:
                diags.append(Diagnostic("E002", f"number of {len(node)} digits; the limit is {MAX_NUMBER_DIGITS}",
                                        _span(file, node)))
            continue
        if not isinstance(node, lark.Tree):
            continue
        if node.data in _DECLARATIONS:
            conditions = [0]
        elif node.data in _CONDITIONS:
            conditions[0] += 1
            if conditions[0] == MAX_CONDITIONS + 1:
                diags.append(Diagnostic("E006", f"more than {MAX_CONDITIONS} conditions in one declaration",
                                        _span(file, node.meta),
                                        hint="split it into definitions that each read a part"))
        if node.data == "count":
            counts += 1
            if counts > MAX_COUNT_NESTING:
                diags.append(Diagnostic("E004", f"count(...) nested more than {MAX_COUNT_NESTING} deep",
                                        _span(file, node.meta),
                                        hint="each level multiplies the work; count a defined predicate instead"))
                continue
        if node.data in _NESTING:
            depth += 1
            if depth > MAX_NESTING:
                diags.append(Diagnostic("E004", f"conditions or expressions nested more than {MAX_NESTING} deep",
                                        _span(file, node.meta),
                                        hint="flatten it, or name inner parts with `define`"))
                continue
        stack.extend((child, depth, conditions, counts) for child in reversed(node.children))
    return diags


def parse_text(text: str, file: str = "<string>") -> ast.Module:
    """Parse one rule file; declarations take the regime declared above them."""
    text = text.removeprefix("\ufeff")  # a byte-order mark, as some editors write
    if len(text) > MAX_RULE_FILE_BYTES:
        raise CasusError([Diagnostic("E005", f"rule file of {len(text)} characters; the limit is "
                                             f"{MAX_RULE_FILE_BYTES}", Span(file, 1, 1, 1, 1),
                                     hint="split the rules over several files")])
    try:
        tree = _parser().parse(text, start="start")
    except lark.exceptions.UnexpectedInput as err:
        raise CasusError([_syntax_error(err, file, text)], {file: text}) from None
    except CasusError as err:
        raise CasusError(err.diagnostics, {file: text}) from None
    problems = _limit_errors(tree, file)
    if problems:
        raise CasusError(problems, {file: text})
    try:
        decls = _Build(file).transform(tree)
    except lark.exceptions.VisitError as err:
        if isinstance(err.orig_exc, CasusError):
            raise CasusError(err.orig_exc.diagnostics, {file: text}) from None
        raise
    out: list[ast.Declaration] = []
    regime = ""
    for decl in decls:
        if isinstance(decl, ast.Regime):
            regime = decl.name
        elif not isinstance(decl, ast.Priority):  # a priority names its own regime
            decl = _with_regime(decl, regime)
        out.append(decl)
    return ast.Module(file, tuple(out))


def _with_regime(decl, regime: str):
    import dataclasses

    return dataclasses.replace(decl, regime=regime)


def rule_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand directories into their .casus files, sorted so that load order never matters."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted(p.rglob("*.casus")))
        else:
            files.append(p)
    return files


def parse_files(paths: Iterable[str | Path]) -> ast.Program:
    modules, sources, diags = [], {}, []
    for path in rule_files(paths):
        name = display_path(path)
        try:
            text = _read_rule_file(path)
        except FileNotFoundError:
            diags.append(Diagnostic("E003", f"no such rule file: {name}", Span(name, 1, 1, 1, 1)))
            continue
        except (OSError, UnicodeDecodeError) as err:
            diags.append(Diagnostic("E003", f"cannot read rule file {name}: {err}", Span(name, 1, 1, 1, 1)))
            continue
        if text is None:
            diags.append(Diagnostic("E005", f"rule file {name} is larger than {MAX_RULE_FILE_BYTES} bytes",
                                    Span(name, 1, 1, 1, 1), hint="split the rules over several files"))
            continue
        sources[name] = text
        try:
            modules.append(parse_text(text, name))
        except CasusError as err:
            diags.extend(err.diagnostics)
    declared = sum(len(m.declarations) for m in modules)
    if declared > MAX_DECLARATIONS and not diags:
        diags.append(Diagnostic("E006", f"{declared} declarations; a rule set may have at most {MAX_DECLARATIONS}",
                                None, hint="load fewer rule files"))
    if diags:
        raise CasusError(diags, sources)
    return ast.Program(tuple(modules), tuple(sorted(sources.items())))


def _read_rule_file(path: Path) -> str | None:
    """The file's text, or None if it is over the size limit (read no further than that)."""
    with open(path, "rb") as handle:
        data = handle.read(MAX_RULE_FILE_BYTES + 1)
    if len(data) > MAX_RULE_FILE_BYTES:
        return None
    return data.decode("utf-8")


def parse_query(text: str) -> ast.Query:
    """`obliged DEU to assist EST`: every name in a query is a constant."""
    text = text.strip()
    if len(text) > MAX_STRING_CHARS:
        raise CasusError([Diagnostic("E002", f"query of {len(text)} characters; the limit is {MAX_STRING_CHARS}",
                                     Span("<query>", 1, 1, 1, 1))])
    try:
        tree = _parser().parse(text, start="query")
    except lark.exceptions.UnexpectedInput as err:
        raise CasusError([_syntax_error(err, "<query>", text)], {"<query>": text}) from None
    try:
        return _Build("<query>").transform(tree)
    except lark.exceptions.VisitError as err:
        if isinstance(err.orig_exc, CasusError):
            raise CasusError(err.orig_exc.diagnostics, {"<query>": text}) from None
        raise
