"""`casus lsp`: the language server, spoken to over stdio with real JSON-RPC messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import queue
from pathlib import Path

import pytest

from engine.tools.lsp import Workspace

from conftest import ROOT, dedent

QUAD = dedent('''
    regime quad "Quadrilateral Security Treaty (hypothetical)"
      cites "Quadrilateral Security Treaty (2030)"

    assumption quad_covers_cyber "Cyber operations can be armed attacks under the Quad treaty"
      cites "Disputed: Tallinn Manual 2.0, rule 71"
      default false

    define quad_attack(incident: I, victim: V)
      "An armed attack on a Quad party"
      cites "Quadrilateral Security Treaty, art. 2"
      when armed_attack(I, attacker: _, victim: V) and member(V, nato)

    rule quad_defence "Each party will act to meet the common danger"
      cites "Quadrilateral Security Treaty, art. 3; UN Charter, art. 51"
      when quad_attack(I, victim: V) and state(S) and S != V and assumed(quad_covers_cyber)
      then obliged S to asist V
''')


# ---------------------------------------------------------------- a JSON-RPC client


class Client:
    def __init__(self, cwd: Path):
        env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        self.proc = subprocess.Popen([sys.executable, "-m", "engine.cli", "lsp"], cwd=cwd, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.messages: queue.Queue = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = out.readline()
                if not line:
                    return
                line = line.decode("ascii").strip()
                if not line:
                    break
                key, _, value = line.partition(":")
                headers[key.strip().lower()] = value.strip()
            body = out.read(int(headers["content-length"]))
            self.messages.put(json.loads(body))

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def request(self, method: str, params: dict, timeout: float = 60) -> dict:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        while True:
            msg = self.messages.get(timeout=timeout)
            if msg.get("id") == self.next_id and "method" not in msg:
                assert "error" not in msg, msg
                return msg["result"]
            self.notifications.append(msg)

    def notify(self, method: str, params: dict) -> None:
        self.send({"method": method, "params": params})

    notifications: list

    def diagnostics_for(self, uri: str, timeout: float = 60) -> list[dict]:
        """The latest diagnostics published for `uri`, waiting for the first if none came yet."""
        found = [n for n in self.notifications if n.get("method") == "textDocument/publishDiagnostics"
                 and n["params"]["uri"] == uri]
        while not found:
            msg = self.messages.get(timeout=timeout)
            self.notifications.append(msg)
            if msg.get("method") == "textDocument/publishDiagnostics" and msg["params"]["uri"] == uri:
                found.append(msg)
        return found[-1]["params"]["diagnostics"]

    def close(self) -> None:
        try:
            self.request("shutdown", None, timeout=20)
            self.notify("exit", None)
            self.proc.wait(timeout=20)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


@pytest.fixture
def client(tmp_path):
    c = Client(tmp_path)
    c.notifications = []
    c.request("initialize", {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}})
    c.notify("initialized", {})
    yield c
    c.close()


def _position(text: str, needle: str, offset: int = 0) -> dict:
    index = text.index(needle) + offset
    line = text.count("\n", 0, index)
    return {"line": line, "character": index - (text.rfind("\n", 0, index) + 1)}


def test_language_server_over_stdio(client, tmp_path):
    rules = tmp_path / "my_rules"
    rules.mkdir()
    path = rules / "quad.casus"
    path.write_text(QUAD, encoding="utf-8")
    uri = path.resolve().as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "casus", "version": 1,
                                                            "text": QUAD}})
    diags = client.diagnostics_for(uri)
    codes = {d["code"] for d in diags}
    assert "W203" in codes  # asist, close to assist
    typo = next(d for d in diags if d["code"] == "W203")
    assert "did you mean 'assist'" in typo["message"]
    assert typo["range"]["start"]["line"] == QUAD.splitlines().index("  then obliged S to asist V")
    assert "W206" in codes  # the Quad treaty has no stored text

    doc = {"uri": uri}
    # hover: a predicate of the standard library, with its signature and definitions
    hover = client.request("textDocument/hover", {"textDocument": doc, "position": _position(QUAD, "armed_attack(", 2)})
    value = hover["contents"]["value"]
    assert "armed_attack(incident, attacker, victim)" in value
    assert "un_charter" in value and "UN Charter, art. 51" in value
    # hover on a rule: its title, citation and the text of art. 51
    hover = client.request("textDocument/hover", {"textDocument": doc, "position": _position(QUAD, "quad_defence", 1)})
    value = hover["contents"]["value"]
    assert "Each party will act to meet the common danger" in value
    assert "inherent right of individual or collective" in value  # the text of art. 51
    # hover on an assumption: its sources
    hover = client.request("textDocument/hover", {"textDocument": doc,
                                                  "position": _position(QUAD, "assumed(quad_covers_cyber", 10)})
    assert "Tallinn Manual" in hover["contents"]["value"]

    # go to definition: from the use of quad_attack to its define; of armed_attack into the standard library
    found = client.request("textDocument/definition", {"textDocument": doc, "position": _position(QUAD, "quad_attack(I", 1)})
    assert [(f["uri"], f["range"]["start"]["line"]) for f in found] == [(uri, QUAD.splitlines().index(
        "define quad_attack(incident: I, victim: V)"))]
    found = client.request("textDocument/definition", {"textDocument": doc, "position": _position(QUAD, "armed_attack(", 1)})
    assert found and all(f["uri"].endswith("charter.casus") or f["uri"].endswith("disputed.casus") for f in found)

    # find references: the assumption, declared and read
    refs = client.request("textDocument/references", {"textDocument": doc, "context": {"includeDeclaration": True},
                                                      "position": _position(QUAD, "quad_covers_cyber", 1)})
    assert sorted(r["range"]["start"]["line"] for r in refs) == [3, 14]
    refs = client.request("textDocument/references", {"textDocument": doc, "context": {"includeDeclaration": False},
                                                      "position": _position(QUAD, "armed_attack(", 1)})
    assert len(refs) > 10  # used all over the standard library

    # completion: predicates with their named arguments, keywords, organizations, state codes
    items = client.request("textDocument/completion", {"textDocument": doc, "position": _position(QUAD, "and state(S)", 4)})
    items = items["items"] if isinstance(items, dict) else items
    by_label = {i["label"]: i for i in items}
    assert by_label["armed_attack"]["insertText"] == "armed_attack(incident: Incident, attacker: Attacker, victim: Victim)"
    assert "unless" in by_label and "nato" in by_label and "EST" in by_label
    assert by_label["EST"]["detail"] == "Estonia"
    items = client.request("textDocument/completion", {"textDocument": doc,
                                                       "position": _position(QUAD, "assumed(quad_covers_cyber", 8)})
    items = items["items"] if isinstance(items, dict) else items
    assert "quad_covers_cyber" in {i["label"] for i in items}

    # document symbols
    symbols = client.request("textDocument/documentSymbol", {"textDocument": doc})
    assert [s["name"] for s in symbols] == ["quad", "quad_covers_cyber", "quad_attack", "quad_defence"]

    # as you type: fix the typo, and the warning goes
    fixed = QUAD.replace("asist", "assist")
    client.notifications.clear()
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                             "contentChanges": [{"text": fixed}]})
    diags = client.diagnostics_for(uri)
    assert "W203" not in {d["code"] for d in diags}

    # a syntax error is an error diagnostic with its code and position
    client.notifications.clear()
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 3},
                                             "contentChanges": [{"text": fixed.replace("then obliged", "then oblged")}]})
    (error,) = client.diagnostics_for(uri)
    assert error["code"] == "E001" and error["severity"] == 1


def test_case_files_get_diagnostics_with_field_paths_and_completion(client, tmp_path):
    case = tmp_path / "case.yaml"
    text = "case: x\nas_of: 2020-01-01\nstates: [EST, XYZ]\nincidents:\n  - {id: raid, kind: invasion, date: 2020-01-01, author: RUS, victim: EST}\n"
    case.write_text(text, encoding="utf-8")
    uri = case.resolve().as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}})
    (diag,) = client.diagnostics_for(uri)
    assert diag["code"] == "E303" and "XYZ" in diag["message"] and "at field: states[1]" in diag["message"]
    assert diag["range"]["start"] == {"line": 2, "character": 14}
    items = client.request("textDocument/completion", {"textDocument": {"uri": uri},
                                                       "position": {"line": 2, "character": 9}})
    items = items["items"] if isinstance(items, dict) else items
    labels = {i["label"] for i in items}
    assert {"raid", "EST", "RUS"} <= labels
    hover = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 2, "character": 10}})
    assert "Estonia" in hover["contents"]["value"]


# ------------------------------------------------------------- the analysis, in process


def test_rule_names_resolve_within_their_own_regime_first(tmp_path):
    ws = Workspace()
    path = (ROOT / "rules" / "nato" / "north_atlantic_treaty.casus").resolve()
    text = path.read_text(encoding="utf-8")
    ws.open(path, text)
    line = text.splitlines().index(next(ln for ln in text.splitlines() if ln.startswith("rule collective_defence")))
    hover = ws.hover(path, line, 8)
    assert "nato.collective_defence" in hover and "csto" not in hover
    assert ws.diagnostics(path) == []  # the standard library checks clean, W206 aside
