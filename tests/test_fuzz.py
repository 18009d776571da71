"""Fuzzing: mutated rule files, case files and command lines never crash casus.

Every run must end with exit code 0, 1 or 2, print no traceback and no "internal error",
name the file (and line) of bad input, and stay within the time and memory bounds the README
documents. The number of examples per test is small by default, so that the suite stays quick;
set CASUS_FUZZ_EXAMPLES (e.g. 2000) for a long run:

    CASUS_FUZZ_EXAMPLES=2000 python -m pytest -q tests/test_fuzz.py
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CASES, ESTONIA, ROOT
from engine.cli import app

EXAMPLES = int(os.environ.get("CASUS_FUZZ_EXAMPLES", "0") or 0)
SECONDS = 10.0  # per run, in CPU seconds (robust against a loaded machine): the documented bound
MEGABYTES = 500  # peak resident memory of a command, also documented

FUZZ = settings(max_examples=EXAMPLES or 15, deadline=None, derandomize=not EXAMPLES, database=None,
                suppress_health_check=list(HealthCheck))

RULES = '''regime fz "Fuzz Treaty" cites "Fuzz Treaty (2000)" in force from 2000-01-01 parties fzo

define attacked(incident: I, victim: V) "An armed attack" cites "Fuzz Treaty, art. 1"
  when incident(I, victim: V, scale: S) and (S == large or S == significant)

rule defend "Collective defence" cites "Fuzz Treaty, art. 2"
  when attacked(I, victim: V) and member(V, fzo, at: I.date) and not incident_ended(I)
  then for every member S of fzo where S != V:
       obliged S to assist V "by such action as it deems necessary"
  until count(D where adopted(D)) >= 1

rule restrain "No force" cites "Fuzz Treaty, art. 3"
  when state(S) and state(T) and S != T
  then forbidden S to use_force against T
  unless assumed(fz_self_help)

procedure council "Council" cites "Fuzz Treaty, art. 4" body fzo
  requires yes >= 2/3 * voting and vetoes == 0

assumption fz_self_help "Self-help" cites "Disputed" default false

invariant no_self_help "No duty to help oneself" cites "Fuzz Treaty, art. 2"
  never obliged(S, assist, S, _, _, _)
'''

ORG = '''organization: fzo
name: Fuzz Organization
source: test data
members:
  - {state: EST, from: 2004-03-29}
  - {state: DEU, from: 1955-05-06}
  - {state: USA, from: 1949-08-24}
'''

CASE = '''case: fuzz
title: "Fuzz case"
as_of: 2026-03-05
states: [EST, RUS, USA, DEU]
incidents:
  - {id: invasion, kind: invasion, date: 2026-03-01, author: RUS, victim: EST, scale: large}
decisions:
  - id: draft
    organ: fzo
    date: 2026-03-02
    concerns: [invasion]
    votes: {yes: [USA], no: [EST], abstain: [DEU]}
unknown:
  - {path: "incidents[invasion].scale", values: [limited, large]}
expect:
  - "obliged DEU to assist EST"
  - {conclusion: "forbidden RUS to use_force against EST", status: in force}
'''

# Fragments that tend to break things: syntax, nesting, escapes, long numbers, YAML aliases and tags,
# byte-order marks, and names the rules and cases use.
TOKENS = [
    "(", ")", "not ", " and ", " or ", "count(X where state(X))", " + 1", '"', '\\q', "\\u12", "_", "member(_, fzo)",
    "9" * 120, "9" * 4400, "1/0", "0.5", "2026-02-30", "2026-13-01", "\ufeff", "\t", "\n", "#", ":", ",", "[", "]",
    "{", "}", "&a ", "*a", "!!python/object:os.system", "!!binary", "~", "null", "yes", "no", ".nan", "-", "- ",
    "EST", "XX", "SUN", "fzo", "obliged", "rule", "define", "regime", "cites", "when", "then", "until", "unless",
    "overrides", "priority", "invariant", "procedure", "requires", "for every member S of fzo:", "I.date", "S.x",
    "id: invasion", "author: {group: x}", "terminates: draft", "\x00", "\udcff", "é", "'", "\\", "x" * 300,
]


def _mutations(text: str):
    """A strategy of mutants of `text`: deletions, insertions, replacements and repetitions."""
    n = len(text)

    def apply(ops):
        out = text
        for kind, i, j, payload, times in ops:
            i, j = sorted((i % (len(out) + 1), j % (len(out) + 1)))
            j = min(j, i + 60)
            if kind == "delete":
                out = out[:i] + out[j:]
            elif kind == "insert":
                out = out[:i] + payload + out[i:]
            elif kind == "replace":
                out = out[:i] + payload + out[j:]
            elif kind == "repeat":  # deep nesting, long lists, many rules
                out = out[:i] + out[i:j] * times + out[j:]
            elif kind == "swap":
                lines = out.split("\n")
                a, b = i % len(lines), j % len(lines)
                lines[a], lines[b] = lines[b], lines[a]
                out = "\n".join(lines)
        return out

    op = st.tuples(st.sampled_from(["delete", "insert", "replace", "repeat", "swap"]),
                   st.integers(0, n), st.integers(0, n),
                   st.one_of(st.sampled_from(TOKENS), st.text(max_size=6)),
                   st.sampled_from([2, 3, 10, 70, 400, 3000]))
    return st.lists(op, min_size=1, max_size=4).map(apply)


def _located(err: str, *names: str) -> bool:
    """A diagnostic with a code that points at one of `names` (file:line:column) or at <input>/<query>."""
    return bool(re.search(r"(error|warning) [EWI]\d{3}", err)) and any(n in err for n in (*names, "<input>",
                                                                                         "<query>"))


def _check_run(code: int, out: str, err: str, elapsed: float, *names: str) -> None:
    assert code in (0, 1, 2), (code, err[-2000:])
    assert "Traceback" not in out + err, err[-2000:]
    assert "internal error" not in err, err[-2000:]
    assert elapsed < SECONDS, f"took {elapsed:.1f} s"
    if code == 2:
        assert _located(err, *names), err[-2000:]
        assert len(err) < 200_000, "diagnostics are bounded"


@pytest.fixture
def invoke(runner, monkeypatch):
    monkeypatch.setenv("CASUS_NO_CACHE", "1")  # in-process bulk runs: no disk traffic per mutant

    def _invoke(args):
        start = time.process_time()
        result = runner.invoke(app, [str(a) for a in args], catch_exceptions=True)
        elapsed = time.process_time() - start
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"exception from casus {args}") from result.exception
        try:
            err = result.stderr or ""
        except ValueError:
            err = ""
        return result.exit_code, result.stdout or "", err, elapsed

    return _invoke


def _rule_dir(tmp: Path, rules: str, org: str = ORG) -> Path:
    d = tmp / "rules"
    d.mkdir(exist_ok=True)
    (d / "fz.casus").write_text(rules, encoding="utf-8", errors="surrogatepass")
    (d / "fzo.org.yaml").write_text(org, encoding="utf-8", errors="surrogatepass")
    return d


def _write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    return path


def test_the_fuzz_seeds_are_valid(invoke, tmp_path):
    rules = _rule_dir(tmp_path, RULES)
    case = _write(tmp_path / "case.yaml", CASE)
    code, out, err, _ = invoke(["test", case, "-r", rules])
    assert code == 0, out + err
    assert "2 passed" in out


@FUZZ
@given(mutant=_mutations(RULES))
def test_mutated_rule_files(invoke, tmp_path_factory, mutant):
    tmp = tmp_path_factory.mktemp("fuzz-rules")
    rules = _rule_dir(tmp, mutant)
    case = _write(tmp / "case.yaml", CASE)
    for command in (["evaluate", case, "-r", rules], ["test", case, "-r", rules]):
        _check_run(*invoke(command), "fz.casus", "fzo.org.yaml", "case.yaml")


@FUZZ
@given(mutant=_mutations(ORG))
def test_mutated_membership_files(invoke, tmp_path_factory, mutant):
    tmp = tmp_path_factory.mktemp("fuzz-org")
    rules = _rule_dir(tmp, RULES, mutant)
    case = _write(tmp / "case.yaml", CASE)
    _check_run(*invoke(["evaluate", case, "-r", rules]), "fzo.org.yaml", "fz.casus")


@FUZZ
@given(mutant=_mutations(CASE), suffix=st.sampled_from([".yaml", ".json"]))
def test_mutated_case_files(invoke, tmp_path_factory, mutant, suffix):
    tmp = tmp_path_factory.mktemp("fuzz-case")
    rules = _rule_dir(tmp, RULES)
    case = _write(tmp / f"case{suffix}", mutant)
    for command in (["evaluate", case, "-r", rules, "--format", "json"], ["test", case, "-r", rules],
                    ["explore", case, "-r", rules, "--limit", "64"], ["check", rules, case]):
        _check_run(*invoke(command), case.name, "fz.casus")


@FUZZ
@given(mutant=_mutations(ESTONIA.read_text(encoding="utf-8")))
def test_mutated_standard_cases(invoke, tmp_path_factory, mutant):
    case = _write(tmp_path_factory.mktemp("fuzz-std") / "estonia.yaml", mutant)
    _check_run(*invoke(["evaluate", case]), "estonia.yaml")


_VALUES = st.one_of(st.sampled_from(TOKENS), st.text(max_size=12))
_PATHS = st.sampled_from(["decisions[draft].votes.USA", "incidents[0].scale", "incidents[invasion].victim", "as_of",
                          "states", "decisions[0].votes", "expect", "x.y[3]", "incidents[", "decisions[zz].votes",
                          "unknown[0].values"])


@st.composite
def _command_lines(draw, case: str, rules: str):
    command = draw(st.sampled_from(["evaluate", "explain", "whatif", "check", "test", "power", "schema",
                                    "explore", "prove"]))
    args: list[str] = [command]
    if command in ("evaluate", "explain", "whatif", "explore"):
        args.append(draw(st.sampled_from([case, case + "x", rules, "/dev/null", "-", ""])))
    if command == "explain":
        args.append(draw(st.one_of(st.sampled_from(["obliged DEU to assist EST", 'obliged DEU to assist "x\\q"',
                                                    "permitted _ to use_force against _", "forbidden"]),
                                   _VALUES)))
    if command == "whatif":
        for _ in range(draw(st.integers(1, 3))):
            args += ["--set", draw(_PATHS) + draw(st.sampled_from(["=", "", "=="])) + draw(_VALUES)]
    if command == "power":
        args += [draw(st.sampled_from(["council", "fz.council", "nothing", ""])),
                 "--as-of", draw(st.sampled_from(["2026-01-01", "2026-02-30", "x", "9" * 5000]))]
    if command == "prove":
        args += [rules, "--examples", "3", "-d", draw(st.sampled_from([str(Path(case).parent / "cx"), case]))]
    if command in ("check", "test"):
        args.append(draw(st.sampled_from([rules, case])))
    if command not in ("schema", "check", "prove"):
        args += ["-r", rules]
    for _ in range(draw(st.integers(0, 2))):
        option = draw(st.sampled_from(["--assume", "--format", "--output", "--limit", "--in-force", "--seed"]))
        if command not in ("evaluate", "explain", "schema", "explore") or (
                command == "schema" and option != "--output"):
            continue
        if option == "--in-force" and command != "evaluate":
            continue
        if option in ("--limit", "--seed") and command != "explore":
            continue
        if option == "--assume" and command not in ("evaluate", "explain"):
            continue
        if option == "--output" and command != "evaluate" and command != "schema":
            continue
        value = draw(st.one_of(_VALUES, st.sampled_from(["json", "text", "fz_self_help=true", "x=maybe", case,
                                                         "/dev/null", "/proc/version", "-", "0", "-1",
                                                         str(Path(case).parent)])))
        args += [option] if option == "--in-force" else [option, value]
    return args


@FUZZ
@given(data=st.data())
def test_mutated_command_lines(invoke, tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("fuzz-cli")
    rules = _rule_dir(tmp, RULES)
    case = _write(tmp / "case.yaml", CASE)
    args = data.draw(_command_lines(str(case), str(rules)))
    here = os.getcwd()
    os.chdir(tmp)  # an --output drawn as a bare name lands here, not in the repository
    try:
        code, out, err, elapsed = invoke(args)
    finally:
        os.chdir(here)
    assert code in (0, 1, 2), (args, code, err[-2000:])
    assert "Traceback" not in out + err and "internal error" not in err, (args, err[-2000:])
    assert elapsed < SECONDS
    if code == 2:
        assert re.search(r"error [EWI]\d{3}|Usage:|Error", err), (args, err)
    assert case.read_text(encoding="utf-8") == CASE, "an input was overwritten"


# ----------------------------------------------------------- a sample as real processes


def _peak_child_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@settings(max_examples=max(3, (EXAMPLES or 15) // 10), deadline=None, derandomize=not EXAMPLES, database=None,
          suppress_health_check=list(HealthCheck))
@given(rules_mutant=_mutations(RULES), case_mutant=_mutations(CASE))
def test_mutants_as_processes(tmp_path_factory, rules_mutant, case_mutant):
    """The real `casus` process: exit code, stderr, time and peak memory, with a private cache."""
    tmp = tmp_path_factory.mktemp("fuzz-proc")
    rules = _rule_dir(tmp, rules_mutant)
    case = _write(tmp / "case.yaml", case_mutant)
    env = {**os.environ, "CASUS_CACHE_DIR": str(tmp / "cache")}
    env.pop("CASUS_NO_CACHE", None)
    start = _child_cpu()
    proc = subprocess.run([sys.executable, "-m", "engine.cli", "evaluate", str(case), "-r", str(rules)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, errors="replace")
    _check_run(proc.returncode, proc.stdout, proc.stderr, _child_cpu() - start, "fz.casus", "fzo.org.yaml",
               "case.yaml")
    assert _peak_child_mb() < MEGABYTES


def test_large_inputs_stay_within_the_documented_bounds(tmp_path):
    """Inputs near the size limits, as a real process: under 10 s and 500 MB each."""
    big_case = "case: big\nas_of: 2026-03-05\nstates: [EST, RUS, USA, DEU]\nincidents:\n" + "".join(
        f"  - {{id: i{i}, kind: invasion, date: 2026-03-01, author: RUS, victim: EST, scale: large, "
        f"description: \"{'x' * 4800}\"}}\n" for i in range(200))
    assert 950_000 < len(big_case) < 1_000_000
    rules = _rule_dir(tmp_path, RULES + "".join(
        f'rule r{i} "R" cites "T" when state(S) and incident(I, victim: S) then obliged S to act{i % 7}\n'
        for i in range(1900)))
    assert 100_000 < len((rules / "fz.casus").read_text()) < 500_000
    case = _write(tmp_path / "big.yaml", big_case)
    env = {**os.environ, "CASUS_CACHE_DIR": str(tmp_path / "cache")}
    for args in (["evaluate", case, "-r", CASES.parent / "rules"], ["check", rules]):
        start = _child_cpu()
        proc = subprocess.run([sys.executable, "-m", "engine.cli", *map(str, args)], capture_output=True,
                              text=True, env=env, cwd=ROOT, timeout=300)
        _check_run(proc.returncode, proc.stdout, proc.stderr, _child_cpu() - start, "big.yaml", "fz.casus")
        assert _peak_child_mb() < MEGABYTES
