"""`casus lsp`: a language server for rule files and case files, over stdio.

The analysis (`Workspace`) is plain Python and knows nothing of the protocol;
`build_server` wires it to pygls. The rule set a document is checked in is the
standard library plus the folder of every open rule file and the workspace
folders, each rule file read once (an open document's text replaces the file).

Rule files (.casus): diagnostics with their codes as you type; hover (a
predicate's signature and definitions, a rule's title, citation and the text of
the articles it cites, a regime, procedure, assumption or organization, a state
code's name); go to definition and find references for definitions, predicates,
rules, procedures, regimes and assumptions; completion of keywords, predicates
with their named arguments, regimes, organizations, assumptions and state codes;
document symbols. Case files (.yaml, .yml, .json): diagnostics with field paths,
completion of state codes and of the ids the file declares, hover on state codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from engine.diagnostics import CasusError, Diagnostic, Span
from engine.inputs.discover import is_case_file
from engine.inputs.texts import Texts, citation_warnings, load_texts
from engine.lang import ast
from engine.lang.ast import atoms
from engine.lang.check import check
from engine.lang.lint import conditions
from engine.lang.parse import KEYWORDS, parse_text, rule_files
from engine.resources import display_path
from engine.vocabulary import (
    ASSUMPTION_PREDICATES,
    BUILTIN_PREDICATES,
    CASE_PREDICATES,
    PROCEDURE_PREDICATES,
)

WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
STATE_CODE = re.compile(r"^[A-Z]{3,4}$")


def uri_to_path(uri: str) -> Path:
    parsed = urlparse(uri)
    return Path(unquote(parsed.path)) if parsed.scheme in ("file", "") else Path(uri)


def path_to_uri(path: Path | str) -> str:
    return Path(path).resolve().as_uri()


@dataclass
class Symbol:
    kind: str  # definition | rule | procedure | regime | assumption | invariant | priority
    name: str
    file: Path
    span: Span  # the whole declaration
    name_span: Span  # the declared name
    decl: object


@dataclass
class Reference:
    kind: str  # predicate | rule | regime | assumption | procedure
    name: str
    file: Path
    span: Span


@dataclass
class Analysis:
    """The rule set as the open documents have it now."""

    modules: dict[Path, ast.Module] = field(default_factory=dict)
    sources: dict[Path, str] = field(default_factory=dict)
    parse_errors: dict[Path, list[Diagnostic]] = field(default_factory=dict)
    check_diagnostics: list[Diagnostic] = field(default_factory=list)
    symbols: list[Symbol] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    signatures: dict[str, tuple[str, ...]] = field(default_factory=dict)


class Workspace:
    """Documents, reference data and the analysis of rule files; no protocol here."""

    def __init__(self, folders: list[Path] | None = None, stdlib: bool = True):
        self.folders = [Path(f) for f in folders or []]
        self.stdlib = stdlib
        self.documents: dict[Path, str] = {}
        self._disk: dict[Path, tuple[int, int, ast.Module | None, list[Diagnostic], str]] = {}
        self._analysis: Analysis | None = None
        self._reference: tuple | None = None

    # ------------------------------------------------------------ documents

    def open(self, path: Path, text: str) -> None:
        self.documents[path.resolve()] = text
        self._analysis = None
        if path.name.endswith((".org.yaml", "texts.yaml", "states.yaml")):
            self._reference = None

    def close(self, path: Path) -> None:
        self.documents.pop(path.resolve(), None)
        self._analysis = None

    def text(self, path: Path) -> str:
        path = path.resolve()
        if path in self.documents:
            return self.documents[path]
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return ""

    # -------------------------------------------------------------- roots

    def roots(self) -> list[Path]:
        from engine.inputs.rulebook import rule_roots

        # the folders of the open rule files: a workspace folder as a whole could hold
        # virtual environments with installed copies of the standard library
        dirs = sorted({p.parent for p in self.documents if p.suffix == ".casus" and p.parent.is_dir()})
        return rule_roots(dirs, stdlib=self.stdlib)

    def reference(self) -> tuple[dict, Texts, dict[str, str]]:
        """(organization -> data, texts, extra state codes) of every root."""
        if self._reference is None:
            from engine.inputs.load import load_organization_text
            from engine.inputs.rulebook import _data_files, _extra_states

            roots = self.roots()
            extra, _, _ = _extra_states(_data_files(roots, "states.yaml"))
            organizations = {}
            for f in _data_files(roots, "*.org.yaml"):
                try:
                    data, _ = load_organization_text(self.text(f), display_path(f), extra_states=extra)
                except CasusError:
                    continue
                organizations.setdefault(data.organization, data)
            texts, _, _ = load_texts(_data_files(roots, "texts.yaml"), display_path)
            self._reference = (organizations, texts, extra)
        return self._reference

    # ------------------------------------------------------------- analysis

    def _module(self, path: Path) -> tuple[ast.Module | None, list[Diagnostic], str]:
        name = display_path(path)
        if path in self.documents:
            text = self.documents[path]
            try:
                return parse_text(text, name), [], text
            except CasusError as err:
                return None, err.diagnostics, text
        try:
            st = path.stat()
            key = (st.st_mtime_ns, st.st_size)
        except OSError:
            return None, [], ""
        cached = self._disk.get(path)
        if cached and cached[:2] == key:
            return cached[2], cached[3], cached[4]
        text = self.text(path)
        try:
            module, diags = parse_text(text, name), []
        except CasusError as err:
            module, diags = None, err.diagnostics
        self._disk[path] = (*key, module, diags, text)
        return module, diags, text

    def analysis(self) -> Analysis:
        if self._analysis is not None:
            return self._analysis
        out = Analysis()
        files = {p.resolve() for p in rule_files(self.roots())}
        files |= {p for p in self.documents if p.suffix == ".casus"}
        for path in sorted(files):
            module, diags, text = self._module(path)
            out.sources[path] = text
            if module is None:
                out.parse_errors[path] = diags
            else:
                out.modules[path] = module
        organizations, texts, _ = self.reference()
        program = ast.Program(tuple(out.modules.values()),
                              tuple((display_path(p), out.sources[p]) for p in out.modules))
        try:
            checked = check(program, organizations=set(organizations))
            out.check_diagnostics = list(checked.warnings)
        except CasusError as err:
            out.check_diagnostics = list(err.diagnostics)
        except RecursionError:
            out.check_diagnostics = []
        out.check_diagnostics += citation_warnings(program.declarations(), texts)
        self._index(out)
        self._analysis = out
        return out

    def _index(self, out: Analysis) -> None:
        sigs: dict[str, tuple[str, ...]] = {**CASE_PREDICATES, **PROCEDURE_PREDICATES, **BUILTIN_PREDICATES,
                                            **ASSUMPTION_PREDICATES}
        for path, module in out.modules.items():
            lines = out.sources[path].splitlines()
            for d in module.declarations:
                kind = {ast.Definition: "definition", ast.Rule: "rule", ast.Procedure: "procedure",
                        ast.Regime: "regime", ast.Assumption: "assumption", ast.Invariant: "invariant",
                        ast.Priority: "priority"}[type(d)]
                name = d.regime if isinstance(d, ast.Priority) else d.name
                out.symbols.append(Symbol(kind, name, path, d.span, _name_span(lines, d.span, name), d))
                if isinstance(d, ast.Definition):
                    sigs.setdefault(d.name, tuple(p.name for p in d.params))
                if isinstance(d, ast.Rule):
                    for qual, span in d.overrides:
                        out.references.append(Reference("rule", qual.split(".")[-1], path, span))
                if isinstance(d, ast.Priority):
                    out.references.append(Reference("regime", d.regime, path, _name_span(lines, d.span, d.regime)))
                    for other in d.over or ():
                        out.references.append(Reference("regime", other, path,
                                                        _name_span(lines, d.span, other, after="over")))
                for cond in conditions(d):
                    for atom, _ in atoms(cond):
                        end = atom.span.column + len(atom.pred)
                        out.references.append(Reference("predicate", atom.pred, path,
                                                        Span(atom.span.file, atom.span.line, atom.span.column,
                                                             atom.span.line, end)))
                        if atom.pred == "assumed" and atom.args and isinstance(atom.args[0].term, ast.Const):
                            term = atom.args[0].term
                            out.references.append(Reference("assumption", str(term.value), path, term.span))
        out.signatures = sigs

    # ------------------------------------------------------------ diagnostics

    def diagnostics(self, path: Path) -> list[Diagnostic]:
        path = path.resolve()
        if path.suffix == ".casus":
            a = self.analysis()
            if path in a.parse_errors:
                return a.parse_errors[path]
            name = display_path(path)
            return [d for d in a.check_diagnostics if d.span is not None and d.span.file == name]
        if is_case_file(path) and path.name != "texts.yaml":
            return self.case_diagnostics(path)
        return []

    def case_diagnostics(self, path: Path) -> list[Diagnostic]:
        from engine.inputs.load import load_case_text

        _, _, extra = self.reference()
        try:
            load_case_text(self.text(path), display_path(path), extra_states=extra)
        except CasusError as err:
            return err.diagnostics
        return []

    # ---------------------------------------------------------------- lookup

    def word_at(self, path: Path, line: int, character: int) -> tuple[str, Span] | None:
        """The identifier at a 0-based position, with its 1-based span."""
        lines = self.text(path).splitlines()
        if not 0 <= line < len(lines):
            return None
        for m in WORD.finditer(lines[line]):
            if m.start() <= character <= m.end():
                return m.group(), Span(display_path(path), line + 1, m.start() + 1, line + 1, m.end() + 1)
        return None

    def _context(self, path: Path, line: int, span: Span) -> tuple[str, str]:
        """(text before the word on its line, text after it)."""
        text = self.text(path).splitlines()[line]
        return text[: span.column - 1], text[span.end_column - 1:]

    def resolve(self, path: Path, line: int, character: int) -> tuple[str, str] | None:
        """(kind, name) of the symbol at a position in a rule file."""
        path = path.resolve()
        found = self.word_at(path, line, character)
        if found is None:
            return None
        word, span = found
        before, after = self._context(path, line, span)
        head = before.strip().split()[-1] if before.strip() else ""
        a = self.analysis()
        kinds = {s.kind for s in a.symbols if s.name == word}
        if after.lstrip().startswith("(") or head == "define":
            return "predicate", word
        if head == "assumed(" or before.rstrip().endswith("assumed(") or head == "assumption":
            return "assumption", word
        if head in ("rule", "overrides") or (before.rstrip().endswith(",") and "overrides" in before):
            return "rule", word
        if head == "procedure":
            return "procedure", word
        if head in ("regime", "priority") or "regime" in kinds and head in ("over", ","):
            return "regime", word
        if head in ("of", "parties", "body", "veto") or word in self.reference()[0]:
            return "organization", word
        if STATE_CODE.match(word):
            return "state", word
        for kind in ("rule", "regime", "procedure", "assumption", "definition"):
            if kind in kinds:
                return ("predicate" if kind == "definition" else kind), word
        return None

    def definitions(self, kind: str, name: str, near: Path | None = None) -> list[Symbol]:
        """The declarations of a name; for rules and procedures (named per regime), those in the
        file `near`, else in its folder, come first and alone if there are any."""
        a = self.analysis()
        wanted = {"predicate": "definition"}.get(kind, kind)
        found = [s for s in a.symbols if s.kind == wanted and s.name == name]
        if near is not None and kind in ("rule", "procedure"):
            near = near.resolve()
            for same in ([s for s in found if s.file == near], [s for s in found if s.file.parent == near.parent]):
                if same:
                    return same
        return found

    def references(self, kind: str, name: str, include_declaration: bool = True) -> list[tuple[Path, Span]]:
        a = self.analysis()
        out = [(r.file, r.span) for r in a.references if r.kind == kind and r.name == name]
        if kind == "regime":
            out += [(s.file, s.name_span) for s in a.symbols if s.kind == "regime" and s.name == name]
        elif include_declaration:
            out += [(s.file, s.name_span) for s in self.definitions(kind, name)]
        return sorted(set(out), key=lambda x: (str(x[0]), x[1].line, x[1].column))

    # ----------------------------------------------------------------- hover

    def hover(self, path: Path, line: int, character: int) -> str | None:
        path = path.resolve()
        if path.suffix != ".casus":
            found = self.word_at(path, line, character)
            if found and STATE_CODE.match(found[0]):
                return self._state_hover(found[0])
            return None
        resolved = self.resolve(path, line, character)
        if resolved is None:
            return self._cites_hover(path, line)
        kind, name = resolved
        if kind == "predicate":
            return self._predicate_hover(name)
        if kind == "state":
            return self._state_hover(name)
        if kind == "organization":
            organizations, _, _ = self.reference()
            data = organizations.get(name)
            if data is None:
                return f"organization `{name}` (no membership data)"
            return (f"**{data.name}** (`{name}`)\n\n{len(data.members)} membership entries\n\n"
                    f"Source: {data.source}")
        symbols = self.definitions(kind, name, near=path)
        if not symbols:
            return None
        parts = []
        for s in symbols:
            d = s.decl
            title = getattr(d, "title", None)
            head = f"**{kind} {getattr(d, 'regime', '') + '.' if getattr(d, 'regime', '') and kind != 'regime' else ''}{name}**"
            parts.append(head + (f" — {title}" if title else ""))
            citation = d.citation.text if isinstance(d, ast.Regime) and d.citation else getattr(d, "citation", None)
            if isinstance(citation, str) and citation:
                parts.append(("Sources: " if kind == "assumption" else "Cites: ") + citation)
            if isinstance(d, ast.Assumption):
                parts.append(f"Default: {'true' if d.default else 'false'}")
            if isinstance(citation, str):
                parts.extend(self._provision_texts(citation))
            parts.append(f"_{display_path(s.file)}:{s.span.line}_")
        return "\n\n".join(parts)

    def _provision_texts(self, citation: str) -> list[str]:
        _, texts, _ = self.reference()
        out = []
        for cited, provision in texts.for_citation(citation):
            if provision is not None:
                title = texts.instruments[provision.instrument].title
                quoted = "\n".join("> " + line for line in provision.text.splitlines())
                out.append(f"{title}, {provision.key}:\n\n{quoted}\n\n_Source: {provision.source}_")
        return out

    def _cites_hover(self, path: Path, line: int) -> str | None:
        text = self.text(path).splitlines()[line]
        m = re.search(r'cites\s+"((?:[^"\\]|\\.)*)"', text)
        if not m:
            return None
        found = self._provision_texts(m.group(1))
        return "\n\n".join(found) if found else None

    def _predicate_hover(self, name: str) -> str | None:
        a = self.analysis()
        params = a.signatures.get(name)
        if params is None:
            return None
        parts = [f"```casus\n{name}({', '.join(params)})\n```"]
        if name in CASE_PREDICATES:
            parts.append("Provided by the case file.")
        elif name in PROCEDURE_PREDICATES:
            parts.append("Decided by the voting procedures.")
        elif name in BUILTIN_PREDICATES:
            parts.append("Membership as of the case's date, or of `at:`.")
        for s in self.definitions("predicate", name):
            d = s.decl
            line = f"- {d.regime}: {d.title or '(no title)'}"
            if d.citation:
                line += f" — cites {d.citation}"
            parts.append(line + f" (_{display_path(s.file)}:{s.span.line}_)")
        return "\n\n".join(parts)

    def _state_hover(self, code: str) -> str | None:
        from engine.inputs.states import normalize_state, state_name

        _, _, extra = self.reference()
        if code in extra:
            return f"**{code}** — {extra[code]}"
        norm = normalize_state(code)
        if norm is None:
            return None
        return f"**{code}** — {state_name(norm)}"

    # ------------------------------------------------------------ completion

    def completions(self, path: Path, line: int, character: int) -> list[dict]:
        """Items as dicts: label, kind, detail, insert (text to insert)."""
        path = path.resolve()
        lines = self.text(path).splitlines()
        before = lines[line][:character] if 0 <= line < len(lines) else ""
        organizations, _, extra = self.reference()
        if path.suffix != ".casus":
            return self._case_completions(path, before)
        a = self.analysis()
        items: list[dict] = []
        if re.search(r"assumed\(\s*\w*$", before):
            return [{"label": s.name, "kind": "assumption", "detail": s.decl.title or "", "insert": s.name}
                    for s in a.symbols if s.kind == "assumption"]
        if re.search(r"\b(of|parties|body|veto)\s+\w*$", before) or re.search(r"member\([^,()]*,\s*\w*$", before):
            return [{"label": org, "kind": "organization", "detail": data.name, "insert": org}
                    for org, data in sorted(organizations.items())]
        if re.search(r"\b(regime|priority|over)\s+\w*$", before):
            names = sorted({s.name for s in a.symbols if s.kind == "regime"})
            return [{"label": n, "kind": "regime", "detail": "regime", "insert": n} for n in names]
        for kw in sorted(set(KEYWORDS)):
            items.append({"label": kw, "kind": "keyword", "detail": "keyword", "insert": kw})
        for name, params in sorted(a.signatures.items()):
            variables = [p[:1].upper() + p[1:] if p else "X" for p in params]
            args = ", ".join(f"{p}: {v}" for p, v in zip(params, variables))
            items.append({"label": name, "kind": "predicate", "detail": f"{name}({', '.join(params)})",
                          "insert": f"{name}({args})"})
        for org, data in sorted(organizations.items()):
            items.append({"label": org, "kind": "organization", "detail": data.name, "insert": org})
        for s in a.symbols:
            if s.kind == "regime":
                items.append({"label": s.name, "kind": "regime", "detail": s.decl.title or "", "insert": s.name})
        items += self._state_items(extra)
        seen, unique = set(), []
        for item in items:
            if (item["label"], item["kind"]) not in seen:
                seen.add((item["label"], item["kind"]))
                unique.append(item)
        return unique

    def _state_items(self, extra: dict[str, str]) -> list[dict]:
        from engine.inputs.states import _states

        names = dict(_states()[1])
        names.update(extra)
        return [{"label": code, "kind": "state", "detail": name, "insert": code} for code, name in sorted(names.items())]

    def _case_completions(self, path: Path, before: str) -> list[dict]:
        _, _, extra = self.reference()
        ids = sorted(set(re.findall(r"\bid:\s*([A-Za-z0-9_]+)", self.text(path))))
        items = [{"label": i, "kind": "id", "detail": "declared in this case", "insert": i} for i in ids]
        return items + self._state_items(extra)

    # ---------------------------------------------------------------- symbols

    def document_symbols(self, path: Path) -> list[Symbol]:
        path = path.resolve()
        return [s for s in self.analysis().symbols if s.file == path]


def _name_span(lines: list[str], span: Span, name: str, after: str | None = None) -> Span:
    """Where `name` is written in a declaration (its first whole-word occurrence after the keyword)."""
    for number in range(span.line, min(span.end_line, span.line + 3) + 1):
        if number - 1 >= len(lines):
            break
        text = lines[number - 1]
        start = span.column if number == span.line else 1
        if after:
            idx = text.find(after)
            start = max(start, idx + 1) if idx >= 0 else start
        for m in re.finditer(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text):
            if m.start() + 1 > start:
                return Span(span.file, number, m.start() + 1, number, m.end() + 1)
    return Span(span.file, span.line, span.column, span.line, span.column + 1)


# ------------------------------------------------------------------ protocol


def build_server(stdlib: bool = True):
    """The pygls server; call `.start_io()` to serve over stdio."""
    from lsprotocol import types as T
    from pygls.lsp.server import LanguageServer


    server = LanguageServer("casus", "0.1.0")
    state = {"ws": Workspace(stdlib=stdlib)}

    def ws() -> Workspace:
        return state["ws"]

    def rng(span: Span) -> T.Range:
        end_line = max(span.end_line, span.line)
        end_col = span.end_column if (span.end_line, span.end_column) > (span.line, span.column) else span.column + 1
        return T.Range(T.Position(span.line - 1, max(0, span.column - 1)),
                       T.Position(end_line - 1, max(0, end_col - 1)))

    def to_lsp(d: Diagnostic) -> T.Diagnostic:
        span = d.span or Span("", 1, 1, 1, 2)
        message = d.message + (f"\nat field: {d.path}" if d.path else "") + (f"\nhint: {d.hint}" if d.hint else "")
        return T.Diagnostic(range=rng(span), message=message, code=d.code, source="casus",
                            severity=T.DiagnosticSeverity.Error if d.is_error else T.DiagnosticSeverity.Warning)

    def publish(ls, uri: str) -> None:
        path = uri_to_path(uri)
        diags = [to_lsp(d) for d in ws().diagnostics(path)]
        ls.text_document_publish_diagnostics(T.PublishDiagnosticsParams(uri=uri, diagnostics=diags))

    def publish_open(ls) -> None:
        for p in list(ws().documents):
            publish(ls, path_to_uri(p))

    @server.feature(T.INITIALIZE)
    def initialize(ls, params: T.InitializeParams):
        folders = [uri_to_path(f.uri) for f in params.workspace_folders or []]
        if not folders and params.root_uri:
            folders = [uri_to_path(params.root_uri)]
        options = params.initialization_options or {}
        use_stdlib = stdlib and not (isinstance(options, dict) and options.get("noStdlib"))
        state["ws"] = Workspace(folders, stdlib=use_stdlib)

    @server.feature(T.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls, params: T.DidOpenTextDocumentParams):
        ws().open(uri_to_path(params.text_document.uri), params.text_document.text)
        publish_open(ls)

    @server.feature(T.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls, params: T.DidChangeTextDocumentParams):
        doc = ls.workspace.get_text_document(params.text_document.uri)
        ws().open(uri_to_path(params.text_document.uri), doc.source)
        publish_open(ls)

    @server.feature(T.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls, params: T.DidSaveTextDocumentParams):
        publish_open(ls)

    @server.feature(T.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls, params: T.DidCloseTextDocumentParams):
        ws().close(uri_to_path(params.text_document.uri))
        ls.text_document_publish_diagnostics(T.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))

    @server.feature(T.TEXT_DOCUMENT_HOVER)
    def hover(ls, params: T.HoverParams):
        text = ws().hover(uri_to_path(params.text_document.uri), params.position.line, params.position.character)
        if not text:
            return None
        return T.Hover(contents=T.MarkupContent(kind=T.MarkupKind.Markdown, value=text))

    @server.feature(T.TEXT_DOCUMENT_DEFINITION)
    def definition(ls, params: T.DefinitionParams):
        path = uri_to_path(params.text_document.uri)
        resolved = ws().resolve(path, params.position.line, params.position.character)
        if resolved is None:
            return None
        return [T.Location(uri=path_to_uri(s.file), range=rng(s.name_span))
                for s in ws().definitions(*resolved, near=path)]

    @server.feature(T.TEXT_DOCUMENT_REFERENCES)
    def references(ls, params: T.ReferenceParams):
        path = uri_to_path(params.text_document.uri)
        resolved = ws().resolve(path, params.position.line, params.position.character)
        if resolved is None:
            return None
        include = params.context.include_declaration if params.context else True
        return [T.Location(uri=path_to_uri(p), range=rng(span)) for p, span in ws().references(*resolved, include)]

    kinds = {"keyword": T.CompletionItemKind.Keyword, "predicate": T.CompletionItemKind.Function,
             "organization": T.CompletionItemKind.Module, "regime": T.CompletionItemKind.Class,
             "state": T.CompletionItemKind.Constant, "assumption": T.CompletionItemKind.Variable,
             "id": T.CompletionItemKind.Reference}

    @server.feature(T.TEXT_DOCUMENT_COMPLETION, T.CompletionOptions(trigger_characters=["(", " ", ","]))
    def completion(ls, params: T.CompletionParams):
        items = ws().completions(uri_to_path(params.text_document.uri), params.position.line, params.position.character)
        return T.CompletionList(is_incomplete=False, items=[
            T.CompletionItem(label=i["label"], kind=kinds.get(i["kind"]), detail=i["detail"], insert_text=i["insert"])
            for i in items])

    symbol_kinds = {"definition": T.SymbolKind.Function, "rule": T.SymbolKind.Method,
                    "procedure": T.SymbolKind.Event, "regime": T.SymbolKind.Namespace,
                    "assumption": T.SymbolKind.Boolean, "invariant": T.SymbolKind.Property,
                    "priority": T.SymbolKind.Operator}

    @server.feature(T.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def document_symbol(ls, params: T.DocumentSymbolParams):
        out = []
        for s in ws().document_symbols(uri_to_path(params.text_document.uri)):
            title = getattr(s.decl, "title", None)
            out.append(T.DocumentSymbol(name=s.name, kind=symbol_kinds[s.kind], range=rng(s.span),
                                        selection_range=rng(s.name_span),
                                        detail=f"{s.kind}" + (f": {title}" if title else "")))
        return out

    return server


def serve(stdlib: bool = True) -> None:
    build_server(stdlib).start_io()
