"""The canonical layout of rule files (`casus fmt`).

The formatter works from Lark's parse tree, so every token keeps its source
position and its exact text (strings keep their escapes), and declarations and
clauses keep their order. Comments are not in the tree: they are found by
scanning the source lines (a `#` outside a string starts one, and strings never
span lines), and put back next to the code they were next to:

- a comment on a line of its own goes before the first formatted line whose
  code comes after it, indented like that line;
- a comment after code goes at the end of the formatted line holding the code
  it followed (or, if that line already ends in a comment, on a line of its own
  after it).

The layout: one blank line between declarations (and where the source had
one around a comment between them), the declaration's head on one line, each
clause on its own line indented two spaces; conditions stay on the clause's
line while they fit in `WIDTH` columns, otherwise they break before `and`
(`or` inside parentheses), as many items to a line as fit. Formatting a
formatted file changes nothing, and the AST of the result equals the AST of
the input except for source positions.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass, field

import lark
from lark import Token, Tree

from engine.diagnostics import CasusError
from engine.lang import parse as _parse

WIDTH = 100
INDENT = "  "


# ---------------------------------------------------------------- comments


@dataclass(frozen=True)
class Comment:
    line: int  # 1-based source line
    text: str  # from '#' to the end of the line, trailing blanks removed
    own_line: bool  # nothing but blanks before it on its line
    blank_before: bool  # the source line above is blank (own-line comments only)
    moved: bool = False  # a comment after code that had to go on a line of its own


def comments(text: str) -> list[Comment]:
    """Every comment of a rule file, in order."""
    lines = text.split("\n")
    out = []
    for number, line in enumerate(lines, start=1):
        column = _comment_column(line)
        if column is None:
            continue
        own = not line[:column].strip()
        blank = own and number > 1 and not lines[number - 2].strip()
        out.append(Comment(number, line[column:].rstrip(), own, blank))
    return out


def _comment_column(line: str) -> int | None:
    in_string = escaped = False
    for i, ch in enumerate(line):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "#":
            return i
    return None


# ------------------------------------------------------------------ layout


@dataclass
class Line:
    """A formatted line; `lines` are the source lines of the tokens on it."""

    indent: str
    text: str
    lines: list[int] = field(default_factory=list)
    head: bool = False  # the first line of a declaration
    comment: str | None = None  # a trailing comment

    @property
    def first(self) -> int:
        return min(self.lines) if self.lines else 0


class _Piece:
    """Rendered text with the source lines of its tokens."""

    __slots__ = ("text", "lines")

    def __init__(self, text: str, lines: list[int]):
        self.text = text
        self.lines = lines

    def __add__(self, other: "_Piece | str") -> "_Piece":
        if isinstance(other, str):
            return _Piece(self.text + other, self.lines)
        return _Piece(self.text + other.text, self.lines + other.lines)

    def __radd__(self, other: str) -> "_Piece":
        return _Piece(other + self.text, self.lines)


def _tok(token: Token) -> _Piece:
    return _Piece(str(token), [token.line] if token.line else [])


def _join(pieces, sep: str) -> _Piece:
    out = _Piece("", [])
    for i, p in enumerate(pieces):
        out = out + (sep if i else "") + p
    return out


_PRECEDENCE = {"disjunction": 1, "conjunction": 2, "negation": 3}


class _Printer:
    def __init__(self) -> None:
        self.out: list[Line] = []

    # ------------------------------------------------------------ emitting

    def emit(self, indent: str, piece: _Piece, head: bool = False) -> None:
        self.out.append(Line(indent, piece.text, list(piece.lines), head))

    def emit_cond(self, indent: str, keyword: str, cond, width: int = WIDTH, suffix: str = "",
                  lead: _Piece | str | None = None) -> None:
        """`[lead] keyword COND` at `indent`, broken before `and` (or `or`) if too long."""
        lead = (lead + " ") if lead is not None else ""
        first = len(indent) + len(lead if isinstance(lead, str) else lead.text) + len(keyword) + 1
        rows = self.rows(cond, first, len(indent) + 1, width - len(suffix))
        for i, (column, piece) in enumerate(rows):
            end = suffix if i == len(rows) - 1 else ""
            if i == 0:
                self.emit(indent, lead + keyword + " " + piece + end)
            else:
                self.emit(" " * column, piece + end)

    def rows(self, node, first: int, cont: int, width: int) -> list[tuple[int, _Piece]]:
        """A condition laid out from column `first`: (column, text) rows. A conjunction or
        disjunction too long for one line breaks before its operators, continuation rows at
        column `cont`, as many items to a row as fit; a parenthesised item too long for a
        row of its own breaks inside its parentheses."""
        flat = self.cond(node)
        if first + len(flat.text) <= width or not (isinstance(node, Tree) and node.data in (
                "conjunction", "disjunction")):
            return [(first, flat)]
        op = "and" if node.data == "conjunction" else "or"
        out: list[tuple[int, _Piece]] = []
        column, current = first, None
        for index, item in enumerate(node.children):
            piece = self._operand(item, node.data)
            prefix = f"{op} " if index else ""
            if current is not None:
                if column + len(current.text) + 1 + len(prefix) + len(piece.text) <= width:
                    current = current + " " + (prefix + piece)
                    continue
                out.append((column, current))
                current = None
            start = first if index == 0 else cont
            item_column = start + len(prefix)
            if item_column + len(piece.text) > width and self._parenthesised(item, node.data):
                inner = self.rows(item, item_column + 1, item_column + 1, width - 1)
                for j, (c, p) in enumerate(inner):
                    if j == 0:
                        c, p = start, prefix + "(" + p
                    if j == len(inner) - 1:
                        column, current = c, p + ")"
                    else:
                        out.append((c, p))
            else:
                column, current = start, prefix + piece
        out.append((column, current))
        return out

    def _parenthesised(self, item, parent: str) -> bool:
        return isinstance(item, Tree) and item.data in _PRECEDENCE and item.data != "negation" and (
            _PRECEDENCE[item.data] <= _PRECEDENCE[parent])

    # ------------------------------------------------------------ conditions

    def _operand(self, item, parent: str) -> _Piece:
        piece = self.cond(item)
        if self._parenthesised(item, parent):
            return "(" + piece + ")"
        return piece

    def cond(self, node) -> _Piece:
        if isinstance(node, Token):
            return _tok(node)
        kind = node.data
        if kind == "disjunction":
            return _join([self._operand(c, kind) for c in node.children], " or ")
        if kind == "conjunction":
            return _join([self._operand(c, kind) for c in node.children], " and ")
        if kind == "negation":
            (inner,) = node.children
            if isinstance(inner, Tree) and inner.data in ("conjunction", "disjunction"):
                return "not (" + self.cond(inner) + ")"
            return "not " + self.cond(inner)
        if kind == "atom":
            head, *args = node.children
            return _tok(head) + "(" + _join([self.arg(a) for a in args], ", ") + ")"
        if kind == "comparison":
            left, op, right = node.children
            return self.expr(left) + f" {op} " + self.expr(right)
        return self.expr(node)

    def arg(self, node) -> _Piece:
        if isinstance(node, Tree) and node.data == "named_arg":
            name, term = node.children
            return _tok(name) + ": " + self.expr(term)
        return self.expr(node)

    def expr(self, node) -> _Piece:
        if isinstance(node, Token):
            return _tok(node)
        kind = node.data
        if kind in ("add", "sub", "mul", "div"):
            op = {"add": "+", "sub": "-", "mul": "*", "div": "/"}[kind]
            left, right = node.children
            return self.expr(left) + f" {op} " + self.expr(right)
        if kind == "count":
            *vars_, cond = node.children
            return "count(" + _join([_tok(v) for v in vars_], ", ") + " where " + self.cond(cond) + ")"
        if kind == "attribute":
            var, name = node.children
            return _tok(var) + "." + _tok(name)
        if kind in ("var", "wildcard", "name", "string", "number", "date"):
            return _tok(node.children[0])
        return self.cond(node)

    # ----------------------------------------------------------- declarations

    def declaration(self, node: Tree) -> None:
        getattr(self, "d_" + node.data)(node)

    def _head(self, keyword: str, children) -> tuple[_Piece, list]:
        name, *rest = children
        piece = keyword + " " + _tok(name)
        if rest and isinstance(rest[0], Token) and rest[0].type == "STRING":
            piece = piece + " " + _tok(rest.pop(0))
        return piece, rest

    def d_regime(self, node: Tree) -> None:
        head, rest = self._head("regime", node.children)
        self.emit("", head, head=True)
        self.clauses(rest)

    def d_rule(self, node: Tree) -> None:
        head, rest = self._head("rule", node.children)
        self.emit("", head, head=True)
        self.clauses(rest)

    def d_procedure(self, node: Tree) -> None:
        head, rest = self._head("procedure", node.children)
        self.emit("", head, head=True)
        self.clauses(rest)

    def d_definition(self, node: Tree) -> None:
        name, *rest = node.children
        params = [c for c in rest if isinstance(c, Tree) and c.data in ("positional_param", "named_param")]
        others = [c for c in rest if c not in params]
        rendered = []
        for p in params:
            if p.data == "positional_param":
                rendered.append(_tok(p.children[0]))
            else:
                rendered.append(_tok(p.children[0]) + ": " + _tok(p.children[1]))
        self.emit("", "define " + _tok(name) + "(" + _join(rendered, ", ") + ")", head=True)
        for c in others:
            if isinstance(c, Token) and c.type == "STRING":
                self.emit(INDENT, _tok(c))
        self.clauses([c for c in others if not isinstance(c, Token)])

    def d_priority(self, node: Tree) -> None:
        regime, targets, *rest = node.children
        piece = "priority " + _tok(regime) + " over "
        if targets.data == "all_regimes":
            piece = piece + "all"
        else:
            piece = piece + _join([_tok(t) for t in targets.children], ", ")
        for c in rest:
            if c.data == "modalities":
                piece = piece + " for " + _join([_tok(t) for t in c.children], ", ")
        self.emit("", piece, head=True)
        self.clauses([c for c in rest if c.data != "modalities"])

    def d_assumption(self, node: Tree) -> None:
        head, rest = self._head("assumption", node.children)
        self.emit("", head, head=True)
        for c in rest:
            if isinstance(c, Token):  # BOOLEAN
                self.emit(INDENT, "default " + _tok(c))
            else:
                self.clause(c)

    def d_invariant(self, node: Tree) -> None:
        head, rest = self._head("invariant", node.children)
        self.emit("", head, head=True)
        for c in rest:
            if isinstance(c, Tree) and c.data == "cites":
                self.clause(c)
            else:
                self.emit_cond(INDENT, "never", c)

    # ---------------------------------------------------------------- clauses

    def clauses(self, items) -> None:
        for c in items:
            self.clause(c)

    def clause(self, node: Tree) -> None:
        kind = node.data
        ch = node.children
        if kind == "cites":
            self.emit(INDENT, "cites " + _tok(ch[0]))
        elif kind == "in_force":
            piece = _Piece("in force", [node.meta.line] if not node.meta.empty else [])
            for c in ch:
                piece = piece + (" from " if c.data == "from_date" else " before ") + _tok(c.children[0])
            self.emit(INDENT, piece)
        elif kind in ("parties", "body", "organ", "veto"):
            self.emit(INDENT, f"{kind} " + _tok(ch[0]))
        elif kind == "matter":
            self.emit(INDENT, "matter " + _join([_tok(t) for t in ch], ", "))
        elif kind == "disregards":
            self.emit(INDENT, _Piece("disregards votes of parties to the dispute",
                                     [node.meta.line] if not node.meta.empty else []))
        elif kind in ("when", "until", "unless", "requires"):
            self.emit_cond(INDENT, kind, ch[0])
        elif kind == "overrides":
            names = [_join([_tok(t) for t in q.children], ".") for q in ch]
            self.emit(INDENT, "overrides " + _join(names, ", "))
        elif kind == "then":
            self.then(ch)
        else:  # pragma: no cover - the grammar has no other clause
            raise ValueError(f"unknown clause {kind}")

    def then(self, children) -> None:
        deontic_indent = INDENT + " " * len("then ")
        if len(children) == 1 and isinstance(children[0], Tree) and children[0].data == "quantified":
            q = children[0]
            var, org, *rest = q.children
            piece = "then for every member " + _tok(var) + " of " + _tok(org)
            deontics = []
            where = None
            for c in rest:
                if c.data == "member_at":
                    piece = piece + " at " + self.expr(c.children[0])
                elif c.data == "where":
                    where = c.children[0]
                else:
                    deontics.append(c)
            if where is None:
                self.emit(INDENT, piece + ":")
            else:
                self.emit_cond(INDENT, "where", where, suffix=":", lead=piece)
            for d in deontics:
                self.emit(deontic_indent, self.deontic(d))
            return
        for i, d in enumerate(children):
            if i == 0:
                self.emit(INDENT, "then " + self.deontic(d))
            else:
                self.emit(deontic_indent, self.deontic(d))

    def deontic(self, node: Tree) -> _Piece:
        parts = []
        modality, actor, action, *rest = node.children
        parts = [_tok(modality), self.expr(actor), _Piece("to", []), _tok(action)]
        for c in rest:
            if isinstance(c, Tree) and c.data == "prep":
                parts.append(_tok(c.children[0]))
            else:
                parts.append(self.expr(c))
        return _join(parts, " ")


# ------------------------------------------------------------------ format


def format_text(text: str, file: str = "<string>") -> str:
    """The canonical layout of a rule file; CasusError (E001/E002) if it does not parse."""
    try:
        tree = _parse._parser().parse(text, start="start")
    except lark.exceptions.UnexpectedInput as err:
        raise CasusError([_parse._syntax_error(err, file, text)], {file: text}) from None
    _parse.parse_text(text, file)  # bad dates and escapes are errors here too
    printer = _Printer()
    decls = tree.children if tree.data == "start" else [tree]
    ends: list[int] = []  # index into printer.out after each declaration
    for decl in decls:
        printer.declaration(decl)
        ends.append(len(printer.out))
    return _weave(printer.out, set(ends), comments(text))


def _weave(lines: list[Line], decl_ends: set[int], found: list[Comment]) -> str:
    """Put the comments back and join the lines."""
    before: dict[int, list[Comment]] = {}  # index of the line a comment goes before (len(lines): the end)
    trailing: list[Comment] = []
    for c in found:
        if c.own_line:
            index = next((i for i, ln in enumerate(lines) if ln.lines and ln.first > c.line), len(lines))
            before.setdefault(index, []).append(c)
        else:
            trailing.append(c)
    for c in trailing:
        index = max((i for i, ln in enumerate(lines) if c.line in ln.lines), default=None)
        if index is None:  # cannot happen for a comment after code; keep it anyway
            index = max((i for i, ln in enumerate(lines) if ln.first <= c.line), default=0)
        if lines and lines[index].comment is None:
            lines[index].comment = c.text
        else:
            # a line holds one trailing comment; the next goes before the following line
            before.setdefault(index + 1, []).append(
                dataclasses.replace(c, own_line=True, blank_before=False, moved=True))
    for group in before.values():
        group.sort(key=lambda c: c.line)
    out: list[str] = []
    after_decl = False  # the last line written ends a declaration

    def top_level(i: int) -> bool:
        return i >= len(lines) or lines[i].head

    for i in range(len(lines) + 1):
        attached = before.get(i, [])
        top = top_level(i)
        for j, c in enumerate(attached):
            if out and top and (c.blank_before or (j == 0 and after_decl)):
                out.append("")
            out.append(("" if top else lines[i].indent) + c.text)
        if attached:
            after_decl = False
        if i == len(lines):
            break
        ln = lines[i]
        if ln.head and out:
            gap = after_decl if not attached else (not attached[-1].moved and ln.first - attached[-1].line > 1)
            if gap:
                out.append("")
        out.append(ln.indent + ln.text + (f"  {ln.comment}" if ln.comment else ""))
        after_decl = (i + 1) in decl_ends
    return "\n".join(out) + "\n" if out else ""


def strip_spans(node):
    """A copy of an AST node with every source position blanked, for comparing layouts."""
    from engine.diagnostics import Span

    if isinstance(node, Span):
        return None
    if isinstance(node, tuple):
        return tuple(strip_spans(x) for x in node)
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        return dataclasses.replace(node, **{f.name: strip_spans(getattr(node, f.name))
                                            for f in dataclasses.fields(node) if f.init})
    return node


def diff(old: str, new: str, name: str) -> str:
    return "".join(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                        fromfile=name, tofile=f"{name} (formatted)"))
