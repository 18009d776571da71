"""The report and the workbench in a real browser (Chromium, driven by Playwright).

The browser is the operating system's Chromium (`/usr/bin/chromium`, or the
executable named by CASUS_CHROMIUM). Where there is none these tests skip,
saying why; under CI (the CI environment variable is set) a missing browser
is a failure, not a skip. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from engine.cli import app
from tests.conftest import CASES, ESTONIA, ROOT

ARTIFACTS = ROOT / "test-artifacts"
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _chromium() -> str:
    wanted = os.environ.get("CASUS_CHROMIUM") or "/usr/bin/chromium"
    found = wanted if Path(wanted).is_file() else shutil.which(wanted)
    problem = None
    if not found:
        problem = f"no Chromium at {wanted} (install Debian's chromium, or set CASUS_CHROMIUM)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "Playwright for Python is not installed (pip install playwright)"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run under CI: {problem}", pytrace=False)
        pytest.skip(problem)
    return found


@pytest.fixture(scope="module")
def browser():
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors
    yield pg
    context.close()


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


@pytest.fixture(scope="module")
def report_file(tmp_path_factory) -> Path:
    from typer.testing import CliRunner

    out = tmp_path_factory.mktemp("report") / "estonia_2026.html"
    here = Path.cwd()
    os.chdir(ROOT)  # the report names the case file as given: cases/estonia_2026.yaml
    try:
        res = CliRunner().invoke(app, ["report", str(ESTONIA.relative_to(ROOT)), "-o", str(out)])
    finally:
        os.chdir(here)
    assert res.exit_code == 0, res.output
    return out


def test_report_proofs_filters_and_links(page, report_file, estonia_result):
    page.goto(report_file.as_uri())
    assert page.locator("h1").inner_text() == "Hypothetical: armed attack on Estonia, Security Council draft vetoed"
    total = page.locator("details.concl").count()
    assert total == len(estonia_result.conclusions) > 100

    # expand a proof, and a derived premise inside it
    first = page.locator("details.concl").first
    first.locator("> summary").click()
    assert first.locator(".deriv").first.is_visible()
    assert "by rule" in first.locator(".deriv").first.inner_text()
    sub = first.locator("details.sub").first
    sub.locator("> summary").click()
    assert sub.locator(".deriv").first.is_visible()

    # filter by modality, then search
    page.select_option("select[data-filter=modality]", "forbidden")
    visible = page.locator("details.concl:visible")
    assert 0 < visible.count() < total
    assert set(visible.evaluate_all("els => els.map(e => e.dataset.modality)")) == {"forbidden"}
    assert page.locator("#shown").inner_text() == str(visible.count())
    page.fill("input[type=search]", "art. 2(4)")
    assert 0 < page.locator("details.concl:visible").count() <= visible.count()
    page.select_option("select[data-filter=modality]", "")
    page.fill("input[type=search]", "")
    assert page.locator("details.concl:visible").count() == total

    # group by regime, keyboard only
    page.locator("input[name=group][value=regime]").focus()
    page.keyboard.press("Space")
    assert page.locator("#groups > section.group h3").first.inner_text().startswith("Regime ")

    # a premise links to the line of the case file it comes from
    page.goto(report_file.as_uri() + "#c0")
    link = page.locator("#c0 a.src[href^='#case-L']").first
    # open the proof (and the derived premise) the link sits in, as a reader would
    link.evaluate("a => { for (let d = a.closest('details'); d; d = d.parentElement.closest('details')) d.open = true; }")
    target = link.get_attribute("href")
    link.click()
    assert page.locator(target).is_visible()
    page.goto(report_file.as_uri() + "#decisions")
    _shot(page, "report-decisions.png")
    page.goto(report_file.as_uri())
    _shot(page, "report.png")
    page.emulate_media(media="print")  # printing leaves out the controls
    assert not page.locator("form.filters").is_visible() and page.locator("#decisions").is_visible()
    assert page.errors == []


def test_report_reads_on_a_phone(browser, report_file):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(report_file.as_uri())
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"the page is {width}px wide on a 390px screen"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-phone.png"))
    context.close()


@pytest.fixture(scope="module")
def server(stdlib_rules):
    _chromium()
    import uvicorn

    from engine.tools.serve import Workbench, create_app, listen

    sock = listen("127.0.0.1", 0)
    port = sock.getsockname()[1]
    bench = Workbench.create([CASES], rule_set=stdlib_rules)
    srv = uvicorn.Server(uvicorn.Config(create_app(bench), log_level="warning", access_log=False))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "the workbench did not start"
    yield f"http://127.0.0.1:{port}/"
    srv.should_exit = True
    thread.join(timeout=10)
    sock.close()


def test_workbench_what_if_a_vote_changes(page, server):
    page.goto(server)
    report = page.frame_locator("#report")
    report.locator("h1").wait_for()
    assert "Estonia" in report.locator("h1").inner_text()
    page.click("#tab-whatif")
    page.select_option('select[data-path="decisions[draft_s_2026_150].votes.RUS"]', "abstain")
    page.locator("#diff h3").first.wait_for()
    diff = page.locator("#diff").inner_text()
    assert "decision draft_s_2026_150: not adopted → adopted" in diff
    assert "obliged RUS to comply_with draft_s_2026_150" in diff
    _shot(page, "workbench-whatif.png")

    page.click("#tab-why")
    page.fill("#why-query", "permitted RUS to use_force against EST")
    page.click("#why-run")
    page.locator("#why-out pre").wait_for()
    assert "does not follow" in page.locator("#why-out").inner_text()
    assert page.errors == []


def test_workbench_shows_diagnostics_in_the_page(page, server):
    page.goto(server)
    page.frame_locator("#report").locator("h1").wait_for()
    text = page.input_value("#editor")
    page.fill("#editor", text.replace("as_of: 2026-03-05", "as_of: 2026-03-5"))
    problem = page.locator("#diagnostics li.error pre")
    problem.wait_for()
    shown = problem.inner_text()
    assert "estonia_2026.yaml:5:8: error E303" in shown and "at field: as_of" in shown
    assert page.locator("#report.stale").count() == 1
    problem.click()  # goes to the line
    assert page.evaluate("document.activeElement.id") == "editor"
    _shot(page, "workbench-diagnostics.png")
    page.fill("#editor", text)
    page.locator("#diagnostics li.error").wait_for(state="detached")
    assert page.locator("#report.stale").count() == 0
