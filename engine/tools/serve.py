"""`casus serve`: a local workbench in the browser.

Open a case under the given paths, edit its YAML in the page with live
diagnostics, read its report, toggle votes, facts and assumptions to see what
changes, explore open facts, and ask why or why not.

Safety: the server binds to localhost unless told otherwise, accepts only Host
headers naming this machine when it does, reads only case files under the
paths it was given (resolved, so neither `..` nor a symlink leads out), caps
request bodies, and never writes a file: edits live in the browser, which
offers a download instead of a save.
"""

from __future__ import annotations

import ipaddress
import json
import re
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from engine.diagnostics import CasusError, Diagnostic, Span
from engine.inputs.discover import case_files_under, is_case_file
from engine.inputs.load import load_case_text
from engine.inputs.rulebook import load_rules
from engine.lang.parse import parse_query
from engine.run.api import evaluate
from engine.run.results import Status
from engine.tools import dossier
from engine.tools.explore import explore
from engine.tools.scenarios import parse_settings, with_changes

MAX_BODY = 1_000_000  # bytes of a request body
MAX_CHANGES = 64  # what-if changes in one request
MAX_QUERY = 500  # characters of a why/why-not query
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")
_NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,300}$")  # a case's name is only shown, never opened


# ------------------------------------------------------------- the cases


@dataclass(frozen=True)
class CaseEntry:
    key: str  # "<root index>/<path below the root>", what the page asks for
    label: str  # the path as the user would write it
    path: Path  # resolved


class Workbench:
    """The rule set and the case files the server may read."""

    def __init__(self, roots: list[tuple[Path, Path]], rules):
        self.roots = roots  # (as given, resolved)
        self.rules = rules

    @classmethod
    def create(cls, paths: Iterable[Path] | None = None, rules: Iterable[Path] | None = None,
               rule_set=None) -> "Workbench":
        given = list(paths) if paths else [Path("cases")]
        roots = []
        for p in given:
            name = str(p)
            try:
                exists = p.exists()
            except (OSError, ValueError):
                exists = False
            if not exists:
                hint = ("give case files or directories of case files" if paths else
                        "run it where a cases/ directory is, or give case files or directories")
                raise CasusError([Diagnostic("E300", f"no such file or directory: {name}",
                                             Span(name, 1, 1, 1, 1), hint=hint)])
            if p.is_file() and not is_case_file(p):
                raise CasusError([Diagnostic("E300", f"not a case file: {name}", Span(name, 1, 1, 1, 1),
                                             hint="case files end in .yaml, .yml or .json")])
            roots.append((p, p.resolve()))
        bench = cls(roots, rule_set if rule_set is not None else load_rules(list(rules) if rules else None,
                                                                             cache=True))
        if not bench.cases():
            raise CasusError([Diagnostic("E300", "no case files found under " + ", ".join(str(p) for p in given),
                                         None, hint="give case files or directories holding .yaml/.json cases")])
        return bench

    def cases(self) -> list[CaseEntry]:
        out = []
        for i, (given, root) in enumerate(self.roots):
            if root.is_file():
                out.append(CaseEntry(f"{i}/{root.name}", str(given), root))
                continue
            for f in case_files_under(root):
                entry = self._entry(i, f.relative_to(root).as_posix())
                if entry is not None:
                    out.append(entry)
        return out

    def _entry(self, i: int, rel: str) -> CaseEntry | None:
        """The case file `rel` below root `i`, if it is one and lies under that root once resolved."""
        given, root = self.roots[i]
        if root.is_file():
            return CaseEntry(f"{i}/{root.name}", str(given), root) if rel == root.name else None
        if not rel or "\\" in rel or "\x00" in rel or rel.startswith("/"):
            return None
        try:
            target = (root / rel).resolve()
        except (OSError, RuntimeError, ValueError):
            return None
        if not target.is_relative_to(root) or not target.is_file() or not is_case_file(target):
            return None
        return CaseEntry(f"{i}/{rel}", (given / rel).as_posix(), target)

    def find(self, key: str) -> CaseEntry | None:
        index, sep, rel = (key or "").partition("/")
        if not sep or not index.isdigit() or int(index) >= len(self.roots):
            return None
        return self._entry(int(index), rel)


# ------------------------------------------------------------ operations


def _diagnostics(err: CasusError) -> list[dict]:
    return [{**d.to_json(), "rendered": d.render(err.sources)} for d in err.diagnostics]


def _bad(code: str, message: str, hint: str | None = None) -> CasusError:
    return CasusError([Diagnostic(code, message, None, hint=hint)])


def _name(value: Any) -> str:
    name = value if isinstance(value, str) and _NAME.match(value) else "case.yaml"
    return name if name.lower().endswith((".yaml", ".yml", ".json")) else name + ".yaml"


def _text(body: dict) -> str:
    text = body.get("text")
    if not isinstance(text, str):
        raise _bad("E300", "the request has no case text", "send {\"text\": \"<the case file>\"}")
    return text


def _assume(body: dict, rules) -> dict[str, bool]:
    raw = body.get("assume") or {}
    if not isinstance(raw, dict):
        raise _bad("E501", "assume takes an object of NAME: true|false")
    known = rules.plan.checked.assumptions
    out = {}
    for name, value in raw.items():
        if name not in known:
            from engine.diagnostics import did_you_mean

            raise _bad("E501", f"unknown assumption '{name}'", did_you_mean(str(name), known))
        if not isinstance(value, bool):
            raise _bad("E501", f"assumption '{name}' takes true or false")
        out[name] = value
    return out


def _case(bench: Workbench, body: dict):
    return load_case_text(_text(body), _name(body.get("name")), extra_states=set(bench.rules.extra_states))


def op_evaluate(bench: Workbench, body: dict) -> dict:
    rules = bench.rules
    case = _case(bench, body)
    assume = _assume(body, rules)
    view = dossier.view(rules, case, assume=assume)
    declared = rules.plan.checked.assumptions
    return {
        "ok": True,
        "case": view["case"], "title": view["title"], "as_of": view["as_of"],
        "report": dossier.render_view(view, embedded=True),
        "notes": view["diagnostics"],
        "decisions": [{"id": d["id"], "label": d["symbol"] or d["id"], "procedure": d["procedure"],
                       "verdict": d["verdict"],
                       "votes": [{"state": r["state"], "vote": r["vote"]} for r in d["rows"]]}
                      for d in view["decisions"] if d["procedure"] and d["rows"]],
        "assumptions": [{"name": n, "title": declared[n].title, "value": a["value"], "source": a["source"]}
                        for a in view["assumptions"] for n in [a["name"]]],
        "open_facts": [{"path": u.path, "values": [_plain(v) for v in u.values]} for u in case.model.unknown],
        "counts": view["statuses"],
        "conclusions": sorted({c["text"] for c in view["conclusions"]})[:1000],
    }


def _plain(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def op_whatif(bench: Workbench, body: dict) -> dict:
    rules = bench.rules
    raw = body.get("changes") or []
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw) or len(raw) > MAX_CHANGES:
        raise _bad("E600", f"changes take a list of at most {MAX_CHANGES} PATH=VALUE strings")
    changes = parse_settings(raw)
    case = _case(bench, body)
    assume = _assume(body, rules)
    changed = with_changes(case, rules, changes) if changes else case
    before = evaluate(rules, case)
    after = evaluate(rules, changed, assume=assume)
    delta = before.diff(after)
    return {"ok": True, "changes": [{"path": p, "value": _plain(v)} for p, v in changes],
            "assume": assume, **delta.to_json(), "explanation": delta.explain()}


def op_explore(bench: Workbench, body: dict) -> dict:
    found = explore(bench.rules, _case(bench, body))
    return {"ok": True, **found.to_json(), "explanation": found.explain()}


def op_explain(bench: Workbench, body: dict) -> dict:
    query = body.get("query")
    if not isinstance(query, str) or not query.strip() or len(query) > MAX_QUERY:
        raise _bad("E300", "ask about a conclusion, e.g. obliged DEU to assist EST")
    q = parse_query(query)
    case = _case(bench, body)
    assume = _assume(body, bench.rules)
    result = evaluate(bench.rules, case, assume=assume)
    matches = result.find(q)
    return {"ok": True, "query": str(q), "follows": any(c.status == Status.IN_FORCE for c in matches),
            "statuses": sorted({c.status for c in matches}), "explanation": result.explain(q)}


# ------------------------------------------------------------------ app


def create_app(bench: Workbench, *, allowed_hosts: Iterable[str] | None = LOCAL_HOSTS):
    """The Starlette application. `allowed_hosts=None` accepts any Host header."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, Response
    from starlette.routing import Route

    from engine.report.html import render_template, static_text

    headers = {
        "Content-Security-Policy": ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                                    "connect-src 'self'; frame-src 'self'; img-src data:; "
                                    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }

    def json_response(data: dict, status: int = 200) -> Response:
        return JSONResponse(data, status_code=status, headers=headers)

    def failure(status: int, code: str, message: str) -> Response:
        return json_response({"ok": False, "diagnostics": [{"code": code, "severity": "error", "message": message,
                                                            "rendered": f"error {code}: {message}"}]}, status)

    async def read_body(request: Request) -> dict | Response:
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
            return failure(413, "E300", f"the request is larger than {MAX_BODY} bytes")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY:
                return failure(413, "E300", f"the request is larger than {MAX_BODY} bytes")
            chunks.append(chunk)
        try:
            body = json.loads(b"".join(chunks).decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return failure(400, "E300", "the request body is not JSON")
        if not isinstance(body, dict):
            return failure(400, "E300", "the request body is not a JSON object")
        return body

    def operation(op: Callable[[Workbench, dict], dict]):
        async def endpoint(request: Request) -> Response:
            body = await read_body(request)
            if isinstance(body, Response):
                return body
            try:
                return json_response(await run_in_threadpool(op, bench, body))
            except CasusError as err:
                return json_response({"ok": False, "diagnostics": _diagnostics(err)}, 422)
            except RecursionError:
                return failure(422, "E300", "the case is nested too deeply")

        return endpoint

    async def index(request: Request) -> Response:
        page = render_template("workbench.html.j2", css=static_text("report.css") + static_text("workbench.css"),
                               js=static_text("workbench.js"),
                               cases=[{"key": c.key, "label": c.label} for c in bench.cases()])
        return HTMLResponse(page, headers={**headers, "X-Frame-Options": "DENY"})

    async def list_cases(request: Request) -> Response:
        return json_response({"cases": [{"key": c.key, "label": c.label} for c in bench.cases()]})

    async def read_case(request: Request) -> Response:
        entry = bench.find(request.query_params.get("key", ""))
        if entry is None:
            return failure(404, "E300", "no such case file under the served paths")
        try:
            data = entry.path.read_bytes()
            if len(data) > MAX_BODY:
                return failure(413, "E300", f"{entry.label} is larger than {MAX_BODY} bytes")
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return failure(422, "E300", f"cannot read {entry.label}: not valid UTF-8")
        except OSError as err:
            return failure(404, "E300", f"cannot read {entry.label}: {err.strerror or err}")
        return json_response({"key": entry.key, "label": entry.label, "text": text})

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/api/cases", list_cases, methods=["GET"]),
        Route("/api/case", read_case, methods=["GET"]),
        Route("/api/evaluate", operation(op_evaluate), methods=["POST"]),
        Route("/api/whatif", operation(op_whatif), methods=["POST"]),
        Route("/api/explore", operation(op_explore), methods=["POST"]),
        Route("/api/explain", operation(op_explain), methods=["POST"]),
    ]
    middleware = []
    if allowed_hosts is not None:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)))
    return Starlette(routes=routes, middleware=middleware)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def listen(host: str, port: int) -> socket.socket:
    """A listening socket, or a located diagnostic saying why not."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as err:
        raise CasusError([Diagnostic("E530", f"--host {host}: not an address of this machine ({err})", None,
                                     hint="e.g. --host 127.0.0.1")]) from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as err:
        sock.close()
        raise CasusError([Diagnostic("E530", f"cannot listen on {host}:{port}: {err.strerror or err}", None,
                                     hint="choose another --port, or --port 0 for any free one")]) from None
    sock.set_inheritable(True)
    return sock


def run_server(bench: Workbench, *, host: str = "127.0.0.1", port: int = 8000,
               announce: Callable[[str], None] = print) -> None:
    """Serve the workbench until interrupted."""
    import uvicorn

    sock = listen(host, port)
    bound = sock.getsockname()[1]
    local = is_loopback(host)
    app = create_app(bench, allowed_hosts=LOCAL_HOSTS if local else None)
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    announce(f"casus workbench on http://{shown}:{bound}/ — {len(bench.cases())} case file(s); Ctrl-C stops it")
    if not local:
        announce(f"warning: listening on {host}, not only this machine: anyone who can reach it can read "
                 "the served case files and run evaluations")
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
