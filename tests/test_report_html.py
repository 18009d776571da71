"""The HTML report (`casus report`) and the workbench's API (`casus serve`), without a browser."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from engine import load_case
from engine.cli import app
from engine.tools.dossier import page as render_report
from tests.conftest import CASES, ESTONIA, ROOT

OPEN_CASE = CASES / "hypothetical_council_vote_open.yaml"
pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

VETO = "decisions[draft_s_2026_150].votes.RUS=abstain"


@pytest.fixture(scope="module")
def estonia_page(stdlib_rules) -> str:
    return render_report(stdlib_rules, load_case(ESTONIA, stdlib_rules))


def _ids(page: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', page))


# ------------------------------------------------------------------ report


def test_the_report_is_self_contained(estonia_page):
    assert estonia_page.startswith("<!DOCTYPE html>")
    assert not re.search(r'<(script|img|iframe)[^>]+\bsrc=', estonia_page)
    assert not re.search(r'<link[^>]+rel="?stylesheet', estonia_page)
    assert not re.search(r'(href|src)="(https?:)?//', estonia_page)
    assert "<style>" in estonia_page and "<script>" in estonia_page and "<svg" in estonia_page


def test_the_same_case_gives_the_same_bytes(stdlib_rules, estonia_page):
    assert render_report(stdlib_rules, load_case(ESTONIA, stdlib_rules)) == estonia_page


def test_every_link_in_the_page_has_a_target(estonia_page):
    targets = set(re.findall(r'href="#([^"]+)"', estonia_page))
    assert targets and targets <= _ids(estonia_page)


def test_premises_link_to_the_case_file_and_the_reference_data(estonia_page):
    # the incident is on line 16 of the case file; Estonia's NATO accession in nato.org.yaml
    assert re.search(r'href="#case-L16">[^<]*cases/estonia_2026\.yaml:16</a>', estonia_page)
    assert 'id="case-L16"' in estonia_page
    m = re.search(r'href="#(src-\d+-L\d+)">[^<]*rules/nato/nato\.org\.yaml:(\d+)</a>', estonia_page)
    assert m and f'id="{m.group(1)}"' in estonia_page
    # the rule's text is reproduced where its location points
    line = next(i for i, text in enumerate((ROOT / "rules/nato/north_atlantic_treaty.casus").read_text().splitlines(), 1)
                if text.startswith("rule collective_defence "))
    rule = re.search(rf'href="#(src-\d+-L{line})">[^<]*rules/nato/north_atlantic_treaty\.casus:{line}:1</a>',
                     estonia_page)
    assert rule and "rule collective_defence" in estonia_page.split(f'id="{rule.group(1)}"', 1)[1][:400]


def test_the_case_its_sources_and_assumptions(estonia_page):
    assert "<h1>Hypothetical: armed attack on Estonia, Security Council draft vetoed</h1>" in estonia_page
    assert "2026-03-05" in estonia_page
    assert "Hypothetical scenario; Security Council composition for 2026" in estonia_page
    assert "Assumptions in play" in estonia_page and "anticipatory_self_defence" in estonia_page


def test_the_vote_table_marks_the_veto(estonia_page):
    table = estonia_page.split('data-decision="draft_s_2026_150"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr class="vote-row ([^"]+)" data-state="(\w+)" data-vote="(\w+)"', table)
    assert len(rows) == 15
    assert ("vote-no veto", "RUS", "no") in rows and ("vote-abstain", "CHN", "abstain") in rows
    assert "not adopted — vetoed by RUS" in estonia_page
    assert "yes (13) &gt;= 9 and vetoes (1) == 0" in estonia_page
    assert "un_charter.sc_substantive" in estonia_page and "UN Charter, art. 27(3)" in estonia_page


def test_conclusions_carry_what_the_filters_read_and_their_status(estonia_page, estonia_result):
    conclusions = re.findall(r'<details class="concl cs-([\w-]+)" id="c\d+" data-modality="(\w+)" '
                             r'data-status="([\w ]+)" data-regime="(\w+)"', estonia_page)
    assert len(conclusions) == len(estonia_result.conclusions) > 100
    assert {s for s, *_ in conclusions} == {"in-force", "defeated", "ended"}
    assert 'class="mark defeated">Defeated by <a href="#c' in estonia_page
    assert "Ended: the rule's <code>until</code> condition holds." in estonia_page
    for name in ("modality", "status", "regime", "state"):
        assert f'data-filter="{name}"' in estonia_page
    assert 'type="search"' in estonia_page


def test_the_timeline_and_voting_power(estonia_page):
    timeline = estonia_page.split('<svg class="timeline"', 1)[1].split("</svg>", 1)[0]
    assert "invasion by RUS against EST" in timeline
    assert "S/2026/150 (hypothetical draft) (security council): not adopted" in timeline
    assert "FIN joins nato" in timeline  # 2023: a membership change that matters
    power = estonia_page.split('id="power"', 1)[1]
    assert '<svg class="power"' in power and "Shapley–Shubik" in power and "106/635" in power


def test_invariant_violations_are_shown(write, tmp_path):
    from engine import load_rules

    write("rules/r.casus", '''
        regime r "Test regime" cites "Test Treaty (2000)"
        rule help "Help" cites "Test Treaty, art. 1"
          when incident(I, author: A, victim: V)
          then obliged A to assist V
        invariant no_help_to_victims "An author never owes help to its victim" cites "Test Treaty, art. 2"
          never obliged(A, assist, V, _, _, _)
        ''')
    case = write("case.yaml", '''
        case: c
        as_of: 2020-01-02
        incidents:
          - {id: i, kind: invasion, date: 2020-01-01, author: RUS, victim: EST}
        ''')
    rules = load_rules([tmp_path / "rules"])
    page = render_report(rules, load_case(case, rules))
    assert 'id="violations"' in page and "no_help_to_victims" in page


def test_report_command_writes_the_file(runner, tmp_path):
    out = tmp_path / "estonia.html"
    res = runner.invoke(app, ["report", str(ESTONIA), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert f"report written to {out}" in res.output


@pytest.mark.parametrize("args, expected", [
    (["report", "missing.yaml"], "missing.yaml:1:1: error E300: no such case file"),
    (["report", str(ESTONIA), "-a", "nonsense"], "error E501"),
    (["report", str(ESTONIA), "-o", str(ESTONIA)], "error E500"),
])
def test_report_command_bad_input_is_located_with_exit_2(runner, args, expected):
    res = runner.invoke(app, args)
    assert res.exit_code == 2 and expected in res.output
    assert "Traceback" not in res.output


def test_report_command_bad_case_field(runner, write):
    case = write("bad.yaml", """
        case: bad
        as_of: 2026-13-01
        """)
    res = runner.invoke(app, ["report", str(case)])
    assert res.exit_code == 2
    assert f"{case}:2:8: error E303" in res.output and "at field: as_of" in res.output


# ------------------------------------------------------------- workbench


@pytest.fixture(scope="module")
def client(stdlib_rules):
    from starlette.testclient import TestClient

    from engine.tools.serve import Workbench, create_app

    bench = Workbench.create([CASES], rule_set=stdlib_rules)
    return TestClient(create_app(bench), base_url="http://127.0.0.1")


def _estonia_text() -> str:
    return ESTONIA.read_text(encoding="utf-8")


def test_workbench_lists_and_opens_cases(client):
    page = client.get("/")
    assert page.status_code == 200 and "casus workbench" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    keys = [c["key"] for c in client.get("/api/cases").json()["cases"]]
    assert "0/estonia_2026.yaml" in keys
    opened = client.get("/api/case", params={"key": "0/estonia_2026.yaml"}).json()
    assert opened["text"] == _estonia_text() and opened["label"].endswith("cases/estonia_2026.yaml")


def test_workbench_evaluates_text(client, estonia_result):
    data = client.post("/api/evaluate", json={"text": _estonia_text(), "name": "cases/estonia_2026.yaml"}).json()
    assert data["ok"] and data["report"].startswith("<!DOCTYPE html>")
    (draft,) = data["decisions"]
    assert {"state": "RUS", "vote": "no"} in draft["votes"]
    assert data["counts"]["in force"] == len(estonia_result.in_force()) > 100


def test_workbench_bad_input_gets_the_cli_diagnostics(client, runner, tmp_path):
    text = _estonia_text().replace("as_of: 2026-03-05", "as_of: 2026-03-5")
    res = client.post("/api/evaluate", json={"text": text, "name": "case.yaml"})
    assert res.status_code == 422
    (d,) = res.json()["diagnostics"]
    assert (d["code"], d["line"], d["column"], d["path"]) == ("E303", 5, 8, "as_of")
    (tmp_path / "case.yaml").write_text(text, encoding="utf-8")
    cli = runner.invoke(app, ["evaluate", str(tmp_path / "case.yaml")])
    assert d["rendered"].split(":", 1)[1] in cli.output


def test_workbench_what_if_flips_the_vetoed_draft(client):
    data = client.post("/api/whatif", json={"text": _estonia_text(), "changes": [VETO]}).json()
    assert data["decisions"] == [{"decision": "draft_s_2026_150", "before": False, "after": True}]
    assert any(c["text"] == "obliged RUS to comply_with draft_s_2026_150" for c in data["gained"])
    bad = client.post("/api/whatif", json={"text": _estonia_text(), "changes": ["decisions[nope].votes.RUS=no"]})
    assert bad.status_code == 422 and bad.json()["diagnostics"][0]["code"].startswith("E60")


def test_workbench_what_if_with_an_assumption(client):
    data = client.post("/api/whatif", json={"text": _estonia_text(), "changes": [],
                                            "assume": {"anticipatory_self_defence": True}}).json()
    assert data["ok"] and data["assume"] == {"anticipatory_self_defence": True}
    bad = client.post("/api/whatif", json={"text": _estonia_text(), "assume": {"anticipatory": True}})
    assert bad.status_code == 422 and "did you mean 'anticipatory_self_defence'" in bad.text


def test_workbench_explains_why_and_why_not(client):
    why = client.post("/api/explain", json={"text": _estonia_text(), "query": "obliged DEU to assist EST"}).json()
    assert why["follows"] and "nato.collective_defence" in why["explanation"]
    why_not = client.post("/api/explain", json={"text": _estonia_text(),
                                                "query": "permitted RUS to use_force against EST"}).json()
    assert not why_not["follows"] and "fails at:" in why_not["explanation"]


def test_workbench_explores_open_facts(client):
    data = client.post("/api/explore", json={"text": OPEN_CASE.read_text(encoding="utf-8")}).json()
    assert data["ok"] and data["space"] == 96 and data["outcomes"]
    none_open = client.post("/api/explore", json={"text": _estonia_text()})
    assert none_open.status_code == 422 and none_open.json()["diagnostics"][0]["code"] == "E603"


@pytest.mark.parametrize("key", ["0/../pyproject.toml", "0/%2e%2e/README.md", "0//etc/passwd", "1/x.yaml",
                                 "0/../rules/nato/nato.org.yaml", "x/estonia_2026.yaml", "", "0/"])
def test_workbench_reads_nothing_outside_its_paths(client, key):
    res = client.get("/api/case", params={"key": key})
    assert res.status_code == 404 and "text" not in res.json()


def test_workbench_does_not_follow_symlinks_out(stdlib_rules, tmp_path):
    from starlette.testclient import TestClient

    from engine.tools.serve import Workbench, create_app

    root = tmp_path / "served"
    root.mkdir()
    (root / "ok.yaml").write_text(_estonia_text(), encoding="utf-8")
    secret = tmp_path / "secret.yaml"
    secret.write_text("case: secret\nas_of: 2020-01-01\n", encoding="utf-8")
    (root / "link.yaml").symlink_to(secret)
    client = TestClient(create_app(Workbench.create([root], rule_set=stdlib_rules)), base_url="http://127.0.0.1")
    assert [c["key"] for c in client.get("/api/cases").json()["cases"]] == ["0/ok.yaml"]
    assert client.get("/api/case", params={"key": "0/link.yaml"}).status_code == 404


def test_workbench_limits_and_hosts(client, stdlib_rules):
    from starlette.testclient import TestClient

    from engine.tools.serve import MAX_BODY, Workbench, create_app

    big = client.post("/api/evaluate", content=b"{" + b" " * (MAX_BODY + 1) + b"}",
                      headers={"content-type": "application/json"})
    assert big.status_code == 413
    assert client.post("/api/evaluate", content=b"not json").status_code == 400
    assert client.post("/api/evaluate", json=["text"]).status_code == 400
    assert client.post("/api/evaluate", json={"text": 5}).status_code == 422
    assert client.get("/api/evaluate").status_code == 405
    bench = Workbench.create([CASES], rule_set=stdlib_rules)
    foreign = TestClient(create_app(bench), base_url="http://attacker.example")
    assert foreign.get("/api/cases").status_code == 400


def _casus(*args: str) -> subprocess.CompletedProcess:
    """The command line in a process of its own, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "engine.cli", *args], capture_output=True, text=True, timeout=120,
                          cwd=ROOT)


def test_serve_command_bad_paths_are_located(tmp_path):
    res = _casus("serve", str(tmp_path / "nowhere"))
    assert res.returncode == 2 and f"{tmp_path / 'nowhere'}:1:1: error E300: no such file or directory" in res.stderr
    (tmp_path / "empty").mkdir()
    res = _casus("serve", str(tmp_path / "empty"))
    assert res.returncode == 2 and "no case files found" in res.stderr
    assert "Traceback" not in res.stderr


def test_serve_command_port_in_use():
    from engine.tools.serve import listen

    sock = listen("127.0.0.1", 0)
    try:
        res = _casus("serve", str(ESTONIA), "--port", str(sock.getsockname()[1]))
    finally:
        sock.close()
    assert res.returncode == 2 and "error E530: cannot listen on 127.0.0.1" in res.stderr


def test_the_report_says_when_each_conclusion_holds(stdlib_rules):
    case = load_case(CASES / "iraq_kuwait_1990.yaml", stdlib_rules)
    page = render_report(stdlib_rules, case)
    section = page.split('id="periods"', 1)[1].split("</section>", 1)[0]
    row = re.search(r"<td>forbidden GBR to use_force against IRQ</td><td>un_charter\.prohibition_of_force</td>"
                    r"<td>([^<]*)</td>", section)
    assert row and row.group(1) == "1990-08-02 – 1990-11-29"
    assert '<a href="#periods">' in page
