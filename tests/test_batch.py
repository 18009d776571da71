"""`casus batch` on a real Dask cluster (engine/batch.py).

One local cluster of two worker processes serves the module; tests reach it with --scheduler,
as a remote cluster would be reached.
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest

from conftest import CASES
from engine import evaluate, load_case
from engine.tools.batch import Task, evaluate_text, run_batch

distributed = pytest.importorskip("distributed")

BAD_CASE = "case: bad\nas_of: 2020-01-01\nstates: [EST, XXQ]\n"
SMALL = sorted(CASES.glob("*.yaml"))[:3]


@pytest.fixture(scope="module")
def scheduler():
    with warnings.catch_warnings():  # "port 8787 in use" when another cluster runs on this machine
        warnings.simplefilter("ignore", UserWarning)
        cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                           dashboard_address=None, silence_logs=40)
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def _strip(conclusions: list[dict]) -> list[dict]:
    return [{k: v for k, v in c.items() if k not in ("proof", "ended_by", "excepted_by")} for c in conclusions]


@pytest.fixture(scope="module")
def expected(stdlib_rules):
    """In-process results of the bundled cases, as batch records report them."""
    out = {}
    for f in sorted(CASES.glob("*.yaml")):
        data = json.loads(json.dumps(evaluate(stdlib_rules, load_case(f, stdlib_rules)).to_json()))
        out[f.name] = (data["case"], data["as_of"], _strip(data["conclusions"]))
    return out


def read_jsonl(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def no_traceback(*streams: str) -> None:
    for s in streams:
        assert "Traceback" not in s and "internal error" not in s


def test_directory_matches_in_process(run_cli, scheduler, expected, tmp_path):
    src = tmp_path / "in"
    shutil.copytree(CASES, src / "bundled")
    (src / "broken").mkdir()
    (src / "broken" / "bad.yaml").write_text(BAD_CASE, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code, stdout, err = run_cli(["batch", src, "--scheduler", scheduler, "--output", out])
    assert code == 1, err  # one case failed: a finding
    no_traceback(stdout, err)
    records = read_jsonl(out)
    assert len(records) == len(expected) + 1
    by_input = {r["input"]: r for r in records}
    assert len(by_input) == len(records)
    bad = by_input[str(src / "broken" / "bad.yaml")]
    assert bad["ok"] is False
    assert "bad.yaml:3:" in bad["error"] and "unknown state code 'XXQ'" in bad["error"]
    assert bad["diagnostics"][0]["line"] == 3
    for name, (case_id, as_of, conclusions) in expected.items():
        r = by_input[str(src / "bundled" / name)]
        assert r["ok"] is True, r.get("error")
        assert (r["case"], r["as_of"]) == (case_id, as_of)
        assert r["conclusions"] == conclusions
    assert f"{len(expected)} ok, 1 failed" in err


def test_jsonl_reports_bad_lines_and_proofs(run_cli, scheduler, expected, tmp_path):
    from engine.inputs.yamlpos import load_document_with_keys

    good = [json.dumps(load_document_with_keys(f.read_text(encoding="utf-8"), str(f))[0], default=str)
            for f in SMALL[:2]]
    lines = [good[0], '{"case": "torn", "as_of": ', "", '{"case": "x", "as_of": "2020-01-01", "states": ["XXQ"]}',
             good[1]]
    src = tmp_path / "cases.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, stdout, err = run_cli(["batch", src, "--scheduler", scheduler, "--proofs"])
    assert code == 1
    no_traceback(stdout, err)
    records = {r["input"]: r for r in (json.loads(line) for line in stdout.splitlines())}
    assert set(records) == {f"{src}:{n}" for n in (1, 2, 4, 5)}  # the blank line is no case
    assert records[f"{src}:2"]["ok"] is False
    assert f"{src}:2:" in records[f"{src}:2"]["error"] and "JSON syntax error" in records[f"{src}:2"]["error"]
    invalid = records[f"{src}:4"]
    assert invalid["ok"] is False and f"{src}:4:49" in invalid["error"] and "XXQ" in invalid["error"]
    assert invalid["diagnostics"][0]["line"] == 4 and invalid["diagnostics"][0]["path"] == "states[0]"
    for n, f in ((1, SMALL[0]), (5, SMALL[1])):
        r = records[f"{src}:{n}"]
        assert r["ok"] is True and r["case"] == expected[f.name][0]
        assert _strip(r["conclusions"]) == expected[f.name][2]
        assert all("proof" in c for c in r["conclusions"])


def test_resume_skips_done_inputs(scheduler, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for f in SMALL:
        shutil.copy(f, src / f.name)
    out = tmp_path / "out.jsonl"
    first = run_batch(src, output=out, scheduler=scheduler)
    assert (first.total, first.ok, first.failed) == (3, 3, 0)
    records = read_jsonl(out)
    # an interrupted run: one record written, the next torn mid-line
    kept = records[0]
    out.write_text(json.dumps(kept) + "\n" + json.dumps(records[1])[:40], encoding="utf-8")
    again = run_batch(src, output=out, scheduler=scheduler, resume=True)
    assert (again.skipped, again.ok, again.failed) == (1, 2, 0)
    final = read_jsonl(out)
    assert final[0] == kept
    assert sorted(r["input"] for r in final) == sorted(str(src / f.name) for f in SMALL)
    done = run_batch(src, output=out, scheduler=scheduler, resume=True)  # nothing left: no work, no cluster
    assert (done.skipped, done.ok) == (3, 0)
    assert len(read_jsonl(out)) == 3


def test_unreachable_scheduler_is_bad_input(run_cli, tmp_path):
    (tmp_path / "a.yaml").write_text(BAD_CASE, encoding="utf-8")
    code, out, err = run_cli(["batch", tmp_path, "--scheduler", "tcp://127.0.0.1:9"])
    assert code == 2 and out == ""
    no_traceback(err)
    assert "cannot connect to the Dask scheduler at tcp://127.0.0.1:9" in err
    code, _, err = run_cli(["batch", tmp_path, "--scheduler", "not an address"])
    assert code == 2 and "invalid Dask scheduler address" in err
    no_traceback(err)


@pytest.mark.parametrize("args, message", [
    (["batch", "no/such/dir"], "no such input"),
    (["batch", "{tmp}", "--resume"], "--resume needs --output"),
    (["batch", "{tmp}", "--workers", "2", "--scheduler", "tcp://127.0.0.1:9"], "cannot be combined"),
    (["batch", "{tmp}", "--rules", "no/such/rules"], "no such rule file"),
])
def test_bad_invocation(run_cli, tmp_path, args, message):
    (tmp_path / "a.yaml").write_text(BAD_CASE, encoding="utf-8")
    code, out, err = run_cli([a.replace("{tmp}", str(tmp_path)) for a in args])
    assert code == 2, err
    assert message in err
    no_traceback(out, err)


def test_task_exceptions_become_records(monkeypatch):
    import engine.tools.batch

    def boom(*_args, **_kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(engine.tools.batch, "evaluate", boom)
    record = evaluate_text(Task("x.yaml", "x.yaml", SMALL[0].read_text(encoding="utf-8")))
    assert record == {"input": "x.yaml", "ok": False, "error": "RuntimeError: kaboom"}


def test_default_local_cluster(run_cli, tmp_path):
    shutil.copy(SMALL[0], tmp_path / SMALL[0].name)
    out = tmp_path / "out.jsonl"
    code, _, err = run_cli(["batch", tmp_path, "--output", out, "--progress"])
    assert code == 0, err
    no_traceback(err)
    [record] = read_jsonl(out)
    assert record["ok"] is True and record["input"] == str(tmp_path / SMALL[0].name)


def test_in_process_and_cluster_write_the_same_records(scheduler, tmp_path):
    """Below the threshold batch evaluates in process; on a cluster (chunks, a scattered rule set)
    every record is the same."""
    src = tmp_path / "in"
    src.mkdir()
    for f in sorted(CASES.glob("*.yaml"))[:6]:
        shutil.copy(f, src / f.name)
    (src / "bad.yaml").write_text(BAD_CASE, encoding="utf-8")
    local, remote = tmp_path / "local.jsonl", tmp_path / "remote.jsonl"
    assert run_batch(src, output=local).failed == 1  # 7 cases: in process
    run_batch(src, output=remote, scheduler=scheduler, chunk_size=2)
    by_input = lambda path: sorted(read_jsonl(path), key=lambda r: r["input"])  # noqa: E731
    assert by_input(local) == by_input(remote)
    # and a local cluster, forced below the threshold, agrees too
    clustered = tmp_path / "clustered.jsonl"
    run_batch(src, output=clustered, workers=1, in_process_below=0)
    assert by_input(clustered) == by_input(local)
