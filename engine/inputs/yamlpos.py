"""YAML/JSON text to plain data, with the source position of every node.

PyYAML resolves plain scalars by YAML 1.1 rules (`no` is False, `NO` is
False, `2026-03-01` is a date), which silently corrupts case files: Norway's
code disappears. We compose the node graph ourselves and resolve scalars by
the YAML 1.2 core schema; composing also gives us exact positions.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from engine.diagnostics import CasusError, Diagnostic, Span
from engine.limits import MAX_EXPANDED_CHARS, MAX_LIST_ENTRIES, MAX_NUMBER_DIGITS

Positions = dict[tuple, tuple[int, int]]

_PLAIN = "tag:casus:plain"
_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"

# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution)
_NULL_RE = re.compile(r"(?:null|~|)\Z", re.IGNORECASE)
_BOOL_RE = re.compile(r"(?:true|false)\Z", re.IGNORECASE)
_INT10_RE = re.compile(r"[-+]?[0-9]+\Z")
_INT8_RE = re.compile(r"0o[0-7]+\Z")
_INT16_RE = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT_RE = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_INF_RE = re.compile(r"[-+]?\.(?:inf|Inf|INF)\Z")
_NAN_RE = re.compile(r"\.(?:nan|NaN|NAN)\Z")

_LONG_NUMBER_RE = re.compile(r"[-+]?(?:0[xo])?[0-9a-fA-F._eE+-]*\Z")
_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_NODES = 1_000_000  # alias expansion ("billion laughs") guard


class _Loader(yaml.SafeLoader):
    """Leaves plain scalars unresolved so that we can apply YAML 1.2 rules."""

    def resolve(self, kind, value, implicit):
        if kind is ScalarNode and implicit[0]:
            return _PLAIN
        return super().resolve(kind, value, implicit)


if getattr(yaml, "__with_libyaml__", False):
    class _FastLoader(yaml.CSafeLoader):
        """The same resolution on libyaml, for speed; its error messages are terser."""

        def resolve(self, kind, value, implicit):
            if kind is ScalarNode and implicit[0]:
                return _PLAIN
            return super().resolve(kind, value, implicit)
else:  # pragma: no cover - libyaml missing
    _FastLoader = None


def _compose_node(yaml_text: str):
    """libyaml when it is there; on an error, the pure loader, whose messages say more."""
    if _FastLoader is not None:
        try:
            return yaml.compose(yaml_text, Loader=_FastLoader)
        except (yaml.YAMLError, RecursionError, UnicodeError):
            pass
    return yaml.compose(yaml_text, Loader=_Loader)


def _plain(value: str) -> Any:
    if _NULL_RE.match(value):
        return None
    if _BOOL_RE.match(value):
        return value.lower() == "true"
    if _INT10_RE.match(value):
        return int(value)
    if _INT8_RE.match(value):
        return int(value[2:], 8)
    if _INT16_RE.match(value):
        return int(value[2:], 16)
    if _FLOAT_RE.match(value):
        return float(value)
    if _INF_RE.match(value):
        return -math.inf if value.startswith("-") else math.inf
    if _NAN_RE.match(value):
        return math.nan
    return value


def _error(code: str, message: str, file: str, text: str, line: int, column: int,
           hint: str | None = None) -> CasusError:
    span = Span(file, line, column, line, column + 1)
    return CasusError([Diagnostic(code, message, span, hint=hint)], {file: text})


class _Converter:
    def __init__(self, file: str, text: str):
        self.file, self.text = file, text
        self.positions: Positions = {}
        self.key_positions: Positions = {}
        self.count = 0
        self.chars = 0  # characters of all scalars, aliases expanded
        self.scalars: dict[int, Any] = {}  # an alias names the same node: convert it once
        self.active: set[int] = set()

    def fail(self, node: Node, message: str, hint: str | None = None) -> CasusError:
        mark = node.start_mark
        return _error("E301", message, self.file, self.text, mark.line + 1, mark.column + 1, hint)

    def convert(self, node: Node, path: tuple) -> Any:
        self.count += 1
        if self.count > _MAX_NODES:
            raise self.fail(node, "document too large (too many nodes after expanding aliases)")
        self.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, ScalarNode):
            self.chars += len(node.value)
            if self.chars > MAX_EXPANDED_CHARS:
                raise self.fail(node, f"document too large: more than {MAX_EXPANDED_CHARS} characters of values "
                                      "after expanding aliases", hint="repeat less through aliases (*name)")
            if id(node) not in self.scalars:
                self.scalars[id(node)] = self.scalar(node)
            return self.scalars[id(node)]
        if id(node) in self.active:
            raise self.fail(node, "recursive alias: a node contains itself")
        if len(node.value) > MAX_LIST_ENTRIES:
            kind = "list" if isinstance(node, SequenceNode) else "mapping"
            mark = node.start_mark
            raise _error("E306", f"{kind} of {len(node.value)} entries; the limit is {MAX_LIST_ENTRIES}", self.file,
                         self.text, mark.line + 1, mark.column + 1, hint="split the case into several cases")
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                if node.tag != _SEQ:
                    raise self.fail(node, f"unsupported YAML tag {node.tag!r}")
                return [self.convert(child, path + (i,)) for i, child in enumerate(node.value)]
            if node.tag != _MAP:
                raise self.fail(node, f"unsupported YAML tag {node.tag!r}")
            return self.mapping(node, path)
        finally:
            self.active.discard(id(node))

    def mapping(self, node: MappingNode, path: tuple) -> dict:
        out: dict = {}
        first: dict = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise self.fail(key_node, "mapping keys must be plain values, not lists or mappings")
            key = self.scalar(key_node)
            if isinstance(key, float) and math.isnan(key):
                raise self.fail(key_node, "'.nan' cannot be a mapping key")
            if key in out:
                line = first[key]
                raise self.fail(key_node, f"duplicate key {key!r} (first given on line {line})",
                                hint="each key may appear only once in a mapping")
            first[key] = key_node.start_mark.line + 1
            self.key_positions[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = self.convert(value_node, path + (key,))
        return out

    def scalar(self, node: ScalarNode) -> Any:
        tag, value = node.tag, node.value
        if _SURROGATE.search(value):
            # "\ud83d\ude00" escapes (JSON style) name one character; lone halves name none
            try:
                value = value.encode("utf-16", "surrogatepass").decode("utf-16")
            except UnicodeDecodeError:
                raise self.fail(node, "invalid character escape: unpaired UTF-16 surrogate") from None
        if tag in (_PLAIN, _INT, _FLOAT) and len(value) > MAX_NUMBER_DIGITS and _LONG_NUMBER_RE.match(value):
            raise self.fail(node, f"number of {len(value)} characters; the limit is {MAX_NUMBER_DIGITS}",
                            hint="quote it if it is meant as text")
        if tag == _PLAIN:
            return _plain(value)
        if tag == _STR:
            return value
        if tag in (_INT, _FLOAT, _BOOL, _NULL):
            result = _plain(value)
            ok = {
                _INT: isinstance(result, int) and not isinstance(result, bool),
                _FLOAT: isinstance(result, (int, float)) and not isinstance(result, bool),
                _BOOL: isinstance(result, bool),
                _NULL: result is None,
            }[tag]
            if not ok:
                raise self.fail(node, f"{value!r} is not a valid {tag.rsplit(':', 1)[-1]}")
            return float(result) if tag == _FLOAT else result
        raise self.fail(node, f"unsupported YAML tag {tag!r}",
                        hint="write plain values; dates and other types need no tags")


def _json_int(text: str) -> int | str:
    """An integer; a longer one than Python converts stays text here and is reported,
    with its position, by the YAML reading that follows."""
    return int(text) if len(text) <= MAX_NUMBER_DIGITS else text


def _line_col(text: str, index: int) -> tuple[int, int]:
    before = text[:index]
    line = before.count("\n") + 1
    return line, index - (before.rfind("\n") + 1) + 1


def load_document_with_keys(text: str, file: str) -> tuple[Any, Positions, Positions]:
    """Like `load_document`, also returning the position of each mapping key by path."""
    if file.lower().endswith(".json"):
        body = text[1:] if text.startswith("\ufeff") else text
        try:
            parsed = json.loads(body, parse_int=_json_int)
        except json.JSONDecodeError as err:
            raise _error("E301", f"JSON syntax error: {err.msg}", file, text, err.lineno, err.colno) from None
        except RecursionError:
            raise _error("E301", "document is nested too deeply", file, text, 1, 1) from None
        # JSON allows tabs as whitespace, YAML does not; valid JSON has no raw tab inside
        # strings, so replacing each tab with one space keeps every column intact.
        yaml_text = body.replace("\t", " ")
        try:
            return _compose(yaml_text, file, text)
        except CasusError as err:
            message = err.diagnostics[0].message
            if err.diagnostics[0].code != "E301" or any(
                    m in message for m in ("duplicate key", "number of", "document too large", "; the limit is")):
                raise
        except Exception:  # noqa: BLE001 - the YAML reader rejected valid JSON; keep the data
            pass
        if not isinstance(parsed, dict):
            raise _error("E302", "the top level must be a mapping of fields", file, text, 1, 1)
        try:
            json.dumps(parsed, ensure_ascii=False).encode("utf-8")
        except (UnicodeEncodeError, ValueError):
            raise _error("E301", "invalid character escape: unpaired UTF-16 surrogate", file, text, 1, 1) from None
        return parsed, {(): (1, 1)}, {}
    return _compose(text, file, text)


def _compose(yaml_text: str, file: str, text: str) -> tuple[Any, Positions, Positions]:
    try:
        root = _compose_node(yaml_text)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = err.problem or err.context or "invalid YAML"
        hint = None
        if "'\\t'" in problem:
            hint = "indent with spaces, not tabs"
        elif err.context and err.context_mark and err.problem:
            hint = f"{err.context} (line {err.context_mark.line + 1})"
        raise _error("E301", f"YAML syntax error: {problem}", file, text, line, column, hint) from None
    except yaml.reader.ReaderError as err:
        line, column = _line_col(yaml_text, err.position)
        raise _error("E301", f"invalid character {err.character!r} ({err.reason})", file, text, line, column) from None
    except yaml.YAMLError as err:
        raise _error("E301", f"YAML error: {err}", file, text, 1, 1) from None
    except RecursionError:
        raise _error("E301", "document is nested too deeply", file, text, 1, 1) from None
    except UnicodeError as err:  # a lone surrogate, from bytes that were not UTF-8
        bad = getattr(err, "start", 0)
        line, column = _line_col(yaml_text, bad) if isinstance(getattr(err, "object", None), str) else (1, 1)
        raise _error("E301", "invalid character (not valid UTF-8)", file, text, line, column) from None
    if root is None:
        raise _error("E302", "the document is empty; expected a mapping of fields", file, text, 1, 1,
                     hint="start with the required fields, e.g. 'case: my_case'")
    if not isinstance(root, MappingNode):
        mark = root.start_mark
        kind = "a list" if isinstance(root, SequenceNode) else "a single value"
        raise _error("E302", f"the top level must be a mapping of fields, not {kind}", file, text,
                     mark.line + 1, mark.column + 1)
    conv = _Converter(file, text)
    try:
        data = conv.convert(root, ())
    except RecursionError:
        raise _error("E301", "document is nested too deeply", file, text, 1, 1) from None
    return data, conv.positions, conv.key_positions


def load_document(text: str, file: str) -> tuple[Any, Positions]:
    """Data plus the 1-based (line, column) of the value at each path; `()` is the root."""
    data, positions, _ = load_document_with_keys(text, file)
    return data, positions
