"""Safe under attack and bad input: caches run no planted code, bad input is exit 2 with a
location, resources are bounded, outputs never clobber inputs or special files.

One regression test for each finding of an adversarial review; the limits are in engine/limits.py.
"""

from __future__ import annotations

import json
import os
import pickle
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from conftest import ESTONIA, REGIME, ROOT, dedent
from engine import cache, limits, load_rules
from engine.diagnostics import CasusError, Diagnostic, Span
from engine.inputs import rulebook
from engine.inputs.load import load_case_text
from engine.inputs.yamlpos import load_document
from engine.lang import parse
from engine.lang.parse import parse_query, parse_text

TINY = REGIME + 'rule go "Go" cites "Art. 1" when state(S) then obliged S to go\n'
SMALL_CASE = "case: small\nas_of: 2020-01-01\nstates: [EST]\n"


def bad_input(code: int, out: str, err: str, *codes: str) -> str:
    assert code == 2, (out, err)
    assert "Traceback" not in out + err and "internal error" not in out + err
    for c in codes:
        assert c in err, err
    return err


@pytest.fixture
def tiny(rules_dir):
    return rules_dir(TINY, name="tiny.casus")


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("CASUS_CACHE_DIR", str(folder))
    monkeypatch.delenv("CASUS_NO_CACHE", raising=False)
    return folder


class Planted:
    """A pickle that, when loaded, creates a marker file: proof that code ran."""

    marker: Path

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def planted_pickle(marker: Path) -> bytes:
    p = Planted()
    p.marker = marker
    return pickle.dumps(p)


# ------------------------------------------------------------------ security: caches


def test_the_parser_tables_are_not_kept_in_the_shared_temp_dir(tmp_path, cache_dir, monkeypatch):
    shared = tmp_path / "shared-tmp"
    shared.mkdir()
    monkeypatch.setenv("TMPDIR", str(shared))
    monkeypatch.setattr(tempfile, "tempdir", None)
    parse._parser.cache_clear()
    try:
        parse_text(TINY, "t.casus")
    finally:
        parse._parser.cache_clear()
    assert list(shared.iterdir()) == []
    assert list(cache_dir.glob("parser-*.pickle"))
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((cache_dir / "key").stat().st_mode) == 0o600


def test_a_planted_parser_entry_runs_no_code(tmp_path, cache_dir):
    parse._parser.cache_clear()
    parse._parser()
    (entry,) = cache_dir.glob("parser-*.pickle")
    marker = tmp_path / "pwned"
    entry.write_bytes(cache.MAGIC + b"\0" * 32 + planted_pickle(marker))
    parse._parser.cache_clear()
    try:
        assert parse_query("obliged DEU to assist EST").actor == "DEU"
    finally:
        parse._parser.cache_clear()
    assert not marker.exists()


def test_a_planted_rule_set_entry_runs_no_code_and_is_rebuilt(tmp_path, cache_dir, rules_dir):
    rules = rules_dir(TINY)
    load_rules([rules], cache=True, stdlib=False)
    (entry,) = cache_dir.glob("rules-*.pickle")
    marker = tmp_path / "pwned"
    for blob in (planted_pickle(marker), cache.MAGIC + b"x" * 32 + planted_pickle(marker)):
        entry.write_bytes(blob)
        assert load_rules([rules], cache=True, stdlib=False).plan.checked.rules[0].name == "go"
    assert not marker.exists()


def test_a_valid_rule_set_signed_with_another_key_is_ignored(tmp_path, cache_dir):
    """A planted, well-formed rule set must not change conclusions (obliged -> forbidden)."""
    import hashlib
    import hmac

    genuine, forged = tmp_path / "genuine", tmp_path / "forged"
    for folder, text in ((genuine, TINY), (forged, TINY.replace("obliged", "forbidden"))):
        folder.mkdir()
        (folder / "r.casus").write_text(text)
    load_rules([genuine], cache=True, stdlib=False)
    (entry,) = cache_dir.glob("rules-*.pickle")
    payload = pickle.dumps(load_rules([forged], stdlib=False))
    entry.write_bytes(cache.MAGIC + hmac.new(b"k" * 32, payload, hashlib.sha256).digest() + payload)
    again = load_rules([genuine], cache=True, stdlib=False)
    assert again.plan.checked.rules[0].conclusions[0].modality == "obliged"


def test_a_cache_dir_others_can_write_to_is_not_used(tmp_path, cache_dir, rules_dir):
    cache_dir.mkdir(mode=0o700)
    os.chmod(cache_dir, 0o777)
    load_rules([rules_dir(TINY)], cache=True, stdlib=False)
    assert list(cache_dir.iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="needs root to give the directory away")
def test_a_cache_dir_of_another_user_is_not_used(tmp_path, cache_dir, rules_dir):
    cache_dir.mkdir(mode=0o700)
    os.chown(cache_dir, 65534, 65534)
    load_rules([rules_dir(TINY)], cache=True, stdlib=False)
    assert list(cache_dir.iterdir()) == []


def test_an_edit_keeping_size_and_mtime_is_read_again(cache_dir, rules_dir):
    rules = rules_dir(TINY)
    path = rules / "main.casus"
    load_rules([rules], cache=True, stdlib=False)
    before = path.stat()
    broken = TINY.replace("cites", "citez", 1)
    assert len(broken) == len(TINY)
    path.write_text(broken)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # as cp -p, rsync -a, tar x do
    assert path.stat().st_size == before.st_size
    with pytest.raises(CasusError) as err:
        load_rules([rules], cache=True, stdlib=False)
    assert err.value.diagnostics[0].code == "E001"


def test_the_cache_key_does_not_depend_on_the_working_directory_for_absolute_names(tmp_path, cache_dir,
                                                                                  rules_dir, monkeypatch):
    rules = rules_dir(TINY)
    elsewhere = tmp_path / "a"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    load_rules([rules.resolve()], cache=True, stdlib=False)
    monkeypatch.chdir(tmp_path.parent)
    load_rules([rules.resolve()], cache=True, stdlib=False)
    # names in messages differ with the working directory, so they are part of the key; the
    # directory itself is not
    assert 1 <= len(list(cache_dir.glob("rules-*.pickle"))) <= 2


# ------------------------------------------------------------------ security: --output


def test_output_onto_the_case_file_is_refused(run_cli, tiny, tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text(SMALL_CASE)
    code, out, err = run_cli(["evaluate", case, "-r", tiny, "-o", case])
    bad_input(code, out, err, "E500")
    assert case.read_text() == SMALL_CASE


def test_output_into_a_rule_directory_as_a_rule_file_is_refused(run_cli, tiny, tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text(SMALL_CASE)
    code, out, err = run_cli(["evaluate", case, "-r", tiny, "-o", tiny / "tiny.casus"])
    bad_input(code, out, err, "E500")
    assert (tiny / "tiny.casus").read_text() == TINY


def test_output_to_a_directory_or_proc_is_refused(run_cli, tiny, tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text(SMALL_CASE)
    bad_input(*run_cli(["evaluate", case, "-r", tiny, "-o", tmp_path]), "E500")
    if Path("/proc/version").exists():
        bad_input(*run_cli(["evaluate", case, "-r", tiny, "-o", "/proc/version"]), "E500")


def test_output_to_dev_null_leaves_the_device_alone(run_cli, tiny, tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text(SMALL_CASE)
    before = os.stat("/dev/null")
    code, out, err = run_cli(["evaluate", case, "-r", tiny, "-o", "/dev/null"])
    assert code == 0, err
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_output_to_a_fifo_is_written_directly(run_cli, tiny, tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text(SMALL_CASE)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    code, out, err = run_cli(["evaluate", case, "-r", tiny, "-o", fifo])
    reader.join(10)
    assert code == 0, err
    assert b"obliged EST to go" in received[0]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_output_dash_is_standard_output_and_a_file_keeps_its_mode(run_cli, tiny, tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text(SMALL_CASE)
    code, out, err = run_cli(["evaluate", case, "-r", tiny, "-o", "-"])
    assert code == 0 and "obliged EST to go" in out
    target = tmp_path / "out.txt"
    target.write_text("old")
    os.chmod(target, 0o640)
    assert run_cli(["evaluate", case, "-r", tiny, "-o", target])[0] == 0
    assert "obliged EST to go" in target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_prove_output_dir_that_is_a_file(run_cli, tiny, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    bad_input(*run_cli(["prove", tiny, "-d", blocker]), "E503")


# ------------------------------------------------------------------ crashes become exit 2


def test_invalid_escape_in_a_query(run_cli, tiny, tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text(SMALL_CASE)
    err = bad_input(*run_cli(["explain", case, 'obliged DEU to assist "x\\q"', "-r", tiny]), "E002")
    assert "<query>:1:25" in err


@pytest.mark.parametrize("command", ["evaluate", "test", "check"])
def test_invalid_escape_in_an_expectation(run_cli, tiny, tmp_path, command):
    case = tmp_path / "case.yaml"
    case.write_text(SMALL_CASE + "expect:\n  - 'obliged DEU to assist \"x\\q\"'\n")
    args = [command, case] + (["-r", tiny] if command != "check" else [tiny])
    bad_input(*run_cli(args), "E303", "case.yaml:5:")


def test_not_member_of_anyone(run_cli, tmp_path, rules_dir):
    rules = rules_dir(REGIME + dedent('''
        rule lone "Lone" cites "Art. 1" when state(S) and not member(_, org) then obliged S to go
        rule some "Some" cites "Art. 2" when state(S) and member(_, org) then obliged S to stay
        rule any "Any" cites "Art. 3" when state(S) and member(S, _) then obliged S to hop
    '''), files={"org.org.yaml": "organization: org\nname: Org\nsource: test\nmembers:\n  - {state: EST, from: 1991-01-01}\n"})
    case = tmp_path / "case.yaml"
    case.write_text(SMALL_CASE)
    code, out, err = run_cli(["evaluate", case, "-r", rules])
    assert code == 0, err
    assert "obliged EST to stay" in out and "obliged EST to hop" in out and "to go" not in out


def _nested(kind: str, n: int) -> str:
    if kind == "not":
        cond = "not " * n + "state(S)"
    elif kind == "plus":
        cond = "1" + " + 1" * n + " > 2"
    elif kind == "count":
        cond = "state(S)"
        for i in range(n):
            cond = f"count(X{i} where state(X{i}) and {cond}) >= 0"
    else:
        cond = "state(S)"
        for i in range(n):
            cond = f"(state(S) {'and' if i % 2 else 'or'} {cond})"
    return REGIME + f'rule a "A" cites "T" when state(S) and {cond} then obliged S to go\n'


@pytest.mark.parametrize("kind,n,code", [("not", 330, "E004"), ("plus", 488, "E004"), ("count", 244, "E004"),
                                         ("count", 3, "E004"), ("andor", 1000, "E004")])
def test_deep_nesting_is_a_located_error(kind, n, code):
    with pytest.raises(CasusError) as err:
        parse_text(_nested(kind, n), "deep.casus")
    d = err.value.diagnostics[0]
    assert d.code == code and d.span.file == "deep.casus" and d.span.line == 2


@pytest.mark.parametrize("kind,n", [("not", limits.MAX_NESTING - 1), ("plus", limits.MAX_NESTING - 1),
                                    ("count", limits.MAX_COUNT_NESTING), ("andor", limits.MAX_NESTING - 1)])
def test_nesting_up_to_the_limit_is_checked_and_evaluated(run_cli, tmp_path, rules_dir, kind, n):
    rules = rules_dir(_nested(kind, n))
    case = tmp_path / "case.yaml"
    case.write_text(SMALL_CASE)
    start = time.process_time()
    code, out, err = run_cli(["evaluate", case, "-r", rules])
    assert code == 0, err
    assert time.process_time() - start < 10


def test_many_conditions_and_declarations_are_located_errors():
    wide = REGIME + 'rule a "A" cites "T" when ' + " and ".join(f"state(S{i})" for i in range(2000)) + \
        " then obliged S0 to go\n"
    with pytest.raises(CasusError) as err:
        parse_text(wide, "wide.casus")
    assert err.value.diagnostics[0].code == "E006"


def test_too_many_declarations(tmp_path):
    (tmp_path / "many.casus").write_text(REGIME + "".join(
        f'rule a{i} "A" cites "T" when state(S) then obliged S to go\n' for i in range(limits.MAX_DECLARATIONS + 1)))
    with pytest.raises(CasusError) as err:
        load_rules([tmp_path], stdlib=False)
    assert [d.code for d in err.value.diagnostics] == ["E006"]


def test_a_long_chain_of_definitions(run_cli, tmp_path, rules_dir):
    n = 992
    text = REGIME + "".join(f'define p{i}(x: X) "P" cites "T" when p{i + 1}(x: X)\n' for i in range(n))
    text += f'define p{n}(x: X) "P" cites "T" when state(X)\n'
    text += 'rule a "A" cites "T" when p0(x: S) then obliged S to go\n'
    rules = rules_dir(text)
    case = tmp_path / "case.yaml"
    case.write_text(SMALL_CASE)
    code, out, err = run_cli(["evaluate", case, "-r", rules])
    assert code == 0, err
    assert "obliged EST to go" in out


def test_over_long_numbers_and_strings_in_rules():
    for text, code in ((REGIME + 'rule a "A" cites "T" when state(S) and 1 < ' + "9" * 4400 +
                        " then obliged S to go\n", "E002"),
                       (REGIME + 'rule a "' + "x" * (limits.MAX_STRING_CHARS + 1) + '" cites "T" when state(S) '
                        "then obliged S to go\n", "E002")):
        with pytest.raises(CasusError) as err:
            parse_text(text, "r.casus")
        assert err.value.diagnostics[0].code == code
        assert err.value.diagnostics[0].span.line == 2


def test_a_rule_file_over_the_size_limit(tmp_path):
    big = tmp_path / "big.casus"
    big.write_text(REGIME + "# " + "x" * limits.MAX_RULE_FILE_BYTES + "\n")
    with pytest.raises(CasusError) as err:
        load_rules([big], stdlib=False)
    assert err.value.diagnostics[0].code == "E005"


@pytest.mark.parametrize("name,text", [
    ("case.yaml", SMALL_CASE + "incidents:\n  - {id: x, kind: invasion, date: 2020-01-01, author: RUS, victim: EST, "
                               "scale: " + "9" * 5000 + "}\n"),
    ("case.json", '{"case": "a", "as_of": "2020-01-01", "states": ["EST"], "n": ' + "9" * 5000 + "}\n"),
])
def test_over_long_integers_in_case_files(name, text):
    with pytest.raises(CasusError) as err:
        load_case_text(text, name)
    d = err.value.diagnostics[0]
    assert d.code == "E301" and d.span.line in (1, 5) and d.span.column > 1


def test_over_long_integer_in_a_set_value(run_cli, tiny, tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text(SMALL_CASE)
    err = bad_input(*run_cli(["whatif", case, "-r", tiny, "--set", "as_of=" + "9" * 5000]), "E600")
    assert len(err) < 1000


def test_over_long_integer_in_a_batch_line(tmp_path):
    from engine.tools.batch import Task, evaluate_text

    line = '{"case": "a", "as_of": "2020-01-01", "states": ["EST"], "x": ' + "9" * 5000 + "}"
    record = evaluate_text(Task("in.jsonl:1", "in.jsonl", line, 1))
    assert record["ok"] is False and record["diagnostics"][0]["code"] == "E301"


# ------------------------------------------------------------------ resources


def test_nested_and_or_checks_quickly(tmp_path):
    (tmp_path / "r.casus").write_text(_nested("andor", limits.MAX_NESTING - 1))
    start = time.process_time()
    load_rules([tmp_path], stdlib=False)
    assert time.process_time() - start < 5  # doubled with each pair of levels: 36 levels took over 20 s


def test_aliases_of_a_huge_unknown_value_are_cheap_and_briefly_reported():
    big = "X" * 100_000
    text = "case: a\nas_of: 2026-01-01\nstates: [&t " + big + "]\nincidents:\n" + "  - *t\n" * 400
    start = time.process_time()
    with pytest.raises(CasusError) as err:
        load_case_text(text, "alias.yaml")
    assert time.process_time() - start < 10
    assert err.value.diagnostics[0].code == "E301"
    assert len(err.value.render()) < 2000


def test_unknown_state_codes_are_quoted_briefly_and_diagnostics_bounded():
    text = "case: a\nas_of: 2026-01-01\nstates:\n" + "".join(f"  - {'Q' * 2000}{i}\n" for i in range(400))
    with pytest.raises(CasusError) as err:
        load_case_text(text, "codes.yaml")
    assert len(err.value.diagnostics) == 400
    shown = err.value.render()
    assert f"... and {400 - limits.MAX_DIAGNOSTICS_SHOWN} more" in shown
    assert len(shown) < limits.MAX_DIAGNOSTICS_SHOWN * 600


def test_a_list_over_the_limit_is_refused_at_its_position():
    text = "case: a\nas_of: 2026-01-01\nstates: [EST]\nincidents:\n" + \
        "  - {id: x, kind: invasion, date: 2026-01-01, author: RUS, victim: EST}\n" * 10_000
    with pytest.raises(CasusError) as err:
        load_case_text(text, "dup.yaml")
    d = err.value.diagnostics[0]
    assert d.code == "E306" and (d.span.line, d.span.column) == (5, 3)


def test_a_case_file_over_the_size_limit(run_cli, tiny, tmp_path):
    case = tmp_path / "big.yaml"
    case.write_text(SMALL_CASE + "# " + "x" * limits.MAX_CASE_FILE_BYTES + "\n")
    bad_input(*run_cli(["evaluate", case, "-r", tiny]), "E306")


def test_a_long_source_line_is_cut_around_the_caret():
    d = Diagnostic("E001", "x", Span("f", 1, 50_000, 1, 50_001))
    shown = d.render({"f": "a" * 100_000})
    assert len(shown) < 400 and "^" in shown


def test_many_conclusions_of_one_act_settle_quickly(tmp_path):
    from engine import evaluate, load_case

    (tmp_path / "r.casus").write_text(REGIME + "".join(
        f'rule a{i} "A" cites "T" when state(S) then obliged S to go\n' for i in range(1500)))
    case = tmp_path / "case.yaml"
    case.write_text(SMALL_CASE)
    rules = load_rules([tmp_path], stdlib=False)
    start = time.process_time()
    evaluate(rules, load_case(case, rules))
    assert time.process_time() - start < 10  # every two of them were compared: quadratic


def test_the_time_limit_stops_a_runaway_join(run_cli, tmp_path, rules_dir, monkeypatch):
    monkeypatch.setenv("CASUS_TIME_LIMIT", "1")
    rules = rules_dir(REGIME + 'rule a "A" cites "T" when state(A) and state(B) and state(C) and state(D) '
                      'and state(E) and state(F) and state(G) and A != B and C != D and E != F and F != G '
                      'then obliged A to go\n')
    case = tmp_path / "case.yaml"
    case.write_text("case: a\nas_of: 2020-01-01\nstates: [" + ", ".join(
        ["EST", "LVA", "LTU", "POL", "DEU", "FRA", "ITA", "ESP", "PRT", "NLD", "BEL", "LUX", "DNK", "NOR", "SWE",
         "FIN", "ISL", "GBR", "IRL", "AUT"]) + "]\n")
    start = time.process_time()
    bad_input(*run_cli(["evaluate", case, "-r", rules]), "E007")
    assert time.process_time() - start < 10


# ------------------------------------------------------------------ smaller


def test_a_bom_at_the_start_of_a_rule_file(tmp_path):
    (tmp_path / "bom.casus").write_text("\ufeff" + TINY, encoding="utf-8")
    assert load_rules([tmp_path], stdlib=False).plan.checked.rules[0].name == "go"


def test_a_symlink_loop_is_named_as_such(run_cli, tiny, tmp_path):
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    err = bad_input(*run_cli(["evaluate", tmp_path / "a.yaml", "-r", tiny]), "E300")
    assert "no such" not in err and "symbolic link" in err


def test_set_errors_name_no_internal_tags(run_cli):
    code, out, err = run_cli(["whatif", ESTONIA, "--set", "decisions[0].votes=17"])
    bad_input(code, out, err, "E602")
    assert "_t_" not in err


def test_a_set_value_with_a_yaml_error_is_refused(run_cli, tiny, tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text(SMALL_CASE)
    bad_input(*run_cli(["whatif", case, "-r", tiny, "--set", "states=[EST, LVA"]), "E600")


def test_the_readme_unknown_example_is_valid_yaml():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("```yaml\nunknown:")
    block = readme[start + len("```yaml\n"): readme.index("```", start + 8)]
    data, _ = load_document(block, "README.md")
    assert [u["path"] for u in data["unknown"]][0] == "decisions[draft].votes.RUS"


def test_resume_exits_1_when_kept_lines_hold_failures(tmp_path):
    from engine.tools.batch import BatchSummary, failed_inputs

    out = tmp_path / "out.jsonl"
    out.write_text(json.dumps({"input": "a", "ok": False, "error": "x"}) + "\n"
                   + json.dumps({"input": "b", "ok": True}) + "\n")
    assert failed_inputs(out) == 1
    assert BatchSummary(total=2, skipped=2, failed_before=1).exit_code == 1


# ------------------------------------------------------------------ parallel runs share one cache


def _cli(args, env):
    return subprocess.run([sys.executable, "-m", "engine.cli", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)


def test_parallel_cli_runs_share_a_cold_cache(tmp_path):
    env = {**os.environ, "CASUS_CACHE_DIR": str(tmp_path / "shared-cache")}
    env.pop("CASUS_NO_CACHE", None)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(lambda _: _cli(["evaluate", ESTONIA, "--format", "json"], env), range(4)))
    assert all(r.returncode == 0 for r in runs), [r.stderr for r in runs]
    assert len({r.stdout for r in runs}) == 1
    assert "obliged" in runs[0].stdout
    warm = _cli(["evaluate", ESTONIA, "--format", "json"], env)
    assert warm.returncode == 0 and warm.stdout == runs[0].stdout
    entries = sorted(p.name for p in (tmp_path / "shared-cache").iterdir())
    assert "key" in entries and not [e for e in entries if e.endswith(".tmp")]


def test_batch_workers_and_cli_runs_share_a_cold_cache(tmp_path):
    """Worker processes of a batch run and command-line runs start together on one empty cache."""
    env = {**os.environ, "CASUS_CACHE_DIR": str(tmp_path / "shared-cache")}
    env.pop("CASUS_NO_CACHE", None)
    cases = tmp_path / "cases"
    cases.mkdir()
    for name in ("estonia_2026.yaml", "iraq_kuwait_1990.yaml"):
        if (ROOT / "cases" / name).exists():
            (cases / name).write_text((ROOT / "cases" / name).read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    batch = subprocess.Popen([sys.executable, "-m", "engine.cli", "batch", str(cases), "-o", str(out),
                              "--workers", "2"], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    runs = [_cli(["evaluate", ESTONIA, "--format", "json"], env) for _ in range(2)]
    _, err = batch.communicate(timeout=300)
    assert batch.returncode == 0, err[-2000:]
    assert all(r.returncode == 0 for r in runs) and runs[0].stdout == runs[1].stdout
    records = {r["input"].rsplit("/", 1)[-1]: r for r in map(json.loads, out.read_text().splitlines())}
    assert records["estonia_2026.yaml"]["ok"]
    expected = json.loads(runs[0].stdout)["conclusions"]
    assert len(records["estonia_2026.yaml"]["conclusions"]) == len(expected)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_the_time_limit_holds_when_its_alarm_lands_in_a_finalizer(monkeypatch, capsys):
    """An exception raised in __del__ (or a closing generator) is printed and dropped by Python: an
    alarm that lands there once must come again, or a runaway evaluation would never stop."""
    import typer

    from engine.cli import _guard

    monkeypatch.setenv("CASUS_TIME_LIMIT", "0.2")

    def busy(seconds: float) -> None:
        end = time.process_time() + seconds
        while time.process_time() < end:
            pass

    class Slow:
        def __del__(self):
            busy(0.0005)  # half of the time is spent here, where an alarm is lost

    def body():
        start = time.process_time()
        while time.process_time() - start < 20:
            Slow()
            busy(0.0005)
        return 0

    with pytest.raises(typer.Exit) as stopped:
        _guard(body)
    assert stopped.value.exit_code == 2
    assert "E007" in capsys.readouterr().err
