"""The `casus` command line.

Exit codes: 0 ok, 1 a finding (a failed expectation, a conflict with
--fail-on-conflict), 2 bad input. Bad input is reported as diagnostics on
stderr, never as a traceback, and no output file is left half-written.
"""

from __future__ import annotations

import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Callable, List, Optional

import typer

from engine.diagnostics import CasusError, Diagnostic, did_you_mean
from engine.limits import DEFAULT_TIME_LIMIT, MAX_NESTING, clip
from engine.report.output import check_output, write_output

# Everything else is imported by the command that uses it: starting the command line loads
# only what the command run needs (a case's evaluation needs no parser, schema or tools).

app = typer.Typer(
    name="casus",
    help="Reason about the law of collective security: who is obliged, permitted and forbidden to do what, and why.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Format(str, Enum):
    text = "text"
    json = "json"


RulesOption = typer.Option(None, "--rules", "-r", help="Rule file or directory (repeatable), added to the standard "
                                                        "library (see --no-stdlib).")
NoStdlibOption = typer.Option(False, "--no-stdlib", help="Leave the standard library out: use only the --rules given.")
FormatOption = typer.Option(Format.text, "--format", "-f", help="text for people, json for programs.")
AssumeOption = typer.Option(None, "--assume", "-a", metavar="NAME=true|false",
                            help="Switch a disputed point of law on or off (repeatable).")
OutputOption = typer.Option(None, "--output", "-o", help="Write to this file instead of standard output.")


def _fail(err: CasusError) -> None:
    # names from the command line may hold undecodable bytes (lone surrogates): show them escaped
    typer.echo(err.render().encode("utf-8", "backslashreplace").decode("utf-8"), err=True)
    raise typer.Exit(2)


class _TimeUp(BaseException):
    """Raised by the alarm of CASUS_TIME_LIMIT; a BaseException, so that no handler of errors swallows it."""


def _time_limit() -> float:
    try:
        return max(0.0, float(os.environ.get("CASUS_TIME_LIMIT", DEFAULT_TIME_LIMIT)))
    except ValueError:
        return DEFAULT_TIME_LIMIT


def _guard(body: Callable[[], int | None], timed: bool = True) -> None:
    """Run a command; bad input becomes diagnostics and exit code 2."""
    import signal
    import threading

    limit = _time_limit() if timed and hasattr(signal, "setitimer") else 0.0
    if threading.current_thread() is not threading.main_thread():
        limit = 0.0

    caught = False

    def alarm(signum, frame):
        if not caught:
            raise _TimeUp()

    # CPU time, not wall-clock time: a loaded machine, or a FIFO waiting for its reader, is no runaway.
    # The alarm repeats until it is caught: an exception raised while a generator or object is being
    # finalized is printed and dropped by Python, and a single alarm lost there would never stop the run.
    previous = signal.signal(signal.SIGPROF, alarm) if limit else None
    if limit:
        signal.setitimer(signal.ITIMER_PROF, limit, 0.05)
    try:
        code = body()
    except _TimeUp:
        caught = True
        signal.setitimer(signal.ITIMER_PROF, 0)
        _fail(CasusError([Diagnostic("E007", f"gave up after {limit:g} s of CPU time (CASUS_TIME_LIMIT)", None,
                                     hint="a rule joins many unrelated variables, or the case is very large; "
                                          "raise CASUS_TIME_LIMIT (0: no limit) if the work is meant")]))
    except RecursionError:
        _fail(CasusError([Diagnostic("E004", "input nested too deeply to process", None,
                                     hint=f"conditions may nest at most {MAX_NESTING} deep")]))
    except CasusError as err:
        _fail(err)
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except BrokenPipeError:  # the reader went away (e.g. `| head`): nothing left to say
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(0)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(130)
    except Exception as err:  # a bug, not bad input: say so plainly
        typer.echo(f"casus: internal error: {type(err).__name__}: {clip(str(err), 500)}\n"
                   "This is a bug in casus; please report it with the command and input that caused it.", err=True)
        raise typer.Exit(3)
    finally:
        if limit:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.signal(signal.SIGPROF, previous)
    raise typer.Exit(code or 0)


def _write(text: str, output: Optional[Path], inputs: tuple = ()) -> None:
    write_output(text, output, inputs)


def _emit(format: Format, output: Optional[Path], text: Callable[[], str], data: Callable[[], object],
          inputs: tuple = ()) -> None:
    """A command's result, as text for people or as JSON for programs, to stdout or --output
    (never onto one of the command's `inputs`)."""
    if format is Format.json:
        _write(json.dumps(data(), indent=2, ensure_ascii=False, default=str), output, inputs)
    else:
        _write(text(), output, inputs)


def _assume(values: Optional[List[str]]) -> dict[str, bool]:
    out: dict[str, bool] = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        value = value.strip().lower()
        if not sep or value not in ("true", "false", "on", "off", "yes", "no"):
            raise CasusError([Diagnostic("E501", f"--assume takes NAME=true or NAME=false, got '{item}'", None)])
        out[name.strip()] = value in ("true", "on", "yes")
    return out


def _rules(paths: Optional[List[Path]], no_stdlib: bool = False):
    """The standard library plus `paths`; with --no-stdlib, `paths` alone."""
    from engine.inputs.rulebook import load_rules

    if no_stdlib and not paths:
        raise CasusError([Diagnostic("E523", "--no-stdlib leaves no rules", None,
                                     hint="give your rule files with --rules")])
    return load_rules(paths or None, cache=True, stdlib=not no_stdlib)


@app.command()
def evaluate(
    case: Path = typer.Argument(..., help="Case file (.yaml, .yml or .json)."),
    rules: Optional[List[Path]] = RulesOption,
    no_stdlib: bool = NoStdlibOption,
    assume: Optional[List[str]] = AssumeOption,
    format: Format = FormatOption,
    output: Optional[Path] = OutputOption,
    in_force_only: bool = typer.Option(False, "--in-force", help="Show only conclusions in force."),
    fail_on_conflict: bool = typer.Option(False, "--fail-on-conflict", help="Exit 1 if any conflict is found."),
) -> None:
    """Derive what each state and organization is obliged, permitted and forbidden to do."""

    def body():
        from engine import load_case
        from engine.run.api import evaluate as evaluate_case
        from engine.run.results import Status

        inputs = (case, *(rules or ()))
        check_output(output, inputs)
        switches = _assume(assume)
        rule_set = _rules(rules, no_stdlib)
        result = evaluate_case(rule_set, load_case(case, rule_set), assume=switches)
        def data():
            out = result.to_json()
            if in_force_only:
                out["conclusions"] = [c for c in out["conclusions"] if c["status"] == Status.IN_FORCE]
            return out

        def text():
            from engine.report import text as report_text

            return report_text.render_text(result, show_all=not in_force_only)

        _emit(format, output, text, data, inputs)
        return 1 if fail_on_conflict and result.conflicts else 0

    _guard(body)


@app.command()
def explain(
    case: Path = typer.Argument(..., help="Case file."),
    query: str = typer.Argument(..., help='A conclusion, e.g. "obliged DEU to assist EST"; "_" matches anyone.'),
    rules: Optional[List[Path]] = RulesOption,
    no_stdlib: bool = NoStdlibOption,
    assume: Optional[List[str]] = AssumeOption,
    counterfactual: bool = typer.Option(False, "--counterfactual", help="Search the smallest sets of changes to "
                                        "the case's facts that make the conclusion follow (or stop following)."),
    max_changes: int = typer.Option(2, "--max-changes", min=1, max=4, help="With --counterfactual: the largest "
                                    "set of changes tried."),
    limit: int = typer.Option(5000, "--limit", min=1, help="With --counterfactual: at most this many evaluations."),
    format: Format = FormatOption,
    output: Optional[Path] = OutputOption,
) -> None:
    """Show the proof of a conclusion, or why it does not follow; with --counterfactual, what would change that."""

    def body():
        from engine import load_case
        from engine.lang.check import query_producible
        from engine.lang.parse import parse_query
        from engine.report import json as report_json, text as report_text
        from engine.report.provisions import provisions_for, render_provisions
        from engine.run.api import evaluate as evaluate_case, why_not
        from engine.run.results import Status

        q = parse_query(query)
        switches = _assume(assume)
        rule_set = _rules(rules, no_stdlib)
        if not query_producible(rule_set.plan.checked.shapes, q):
            typer.echo(Diagnostic("W305", f"no rule can conclude '{q}'", None, severity="warning",
                                  hint="check the action's name, and that a lone party after the action is its "
                                       "object while a counter-party takes a preposition").render({}), err=True)
        loaded = load_case(case, rule_set)
        if counterfactual:
            from engine.tools.counterfactual import counterfactual as search

            found = search(rule_set, loaded, q, max_changes=max_changes, limit=limit, assume=switches)
            _emit(format, output, found.explain, found.to_json, (case, *(rules or ())))
            return 0
        result = evaluate_case(rule_set, loaded, assume=switches)
        matches = result.find(q)
        reason = None if matches else why_not(rule_set, loaded, q, assume=switches)
        provisions = provisions_for(rule_set.texts, (c.citation for c in matches))

        def data():
            out = {"query": str(q), "follows": any(c.status == Status.IN_FORCE for c in matches),
                   "conclusions": [c.to_json() for c in matches], "provisions": provisions}
            if reason is not None:
                out["why_not"] = report_json.why_not_json(reason)
            return out

        def text():
            found = report_text.explain_matches(q, matches) if matches else report_text.render_why_not(reason)
            return found.rstrip("\n") + ("\n" + render_provisions(provisions) if provisions else "")

        _emit(format, output, text, data, (case, *(rules or ())))
        return 0

    _guard(body)


@app.command()
def check(
    paths: Optional[List[Path]] = typer.Argument(None, help="Rule files or directories, and case files to validate. "
                                                            "Default: the standard library."),
    rules: Optional[List[Path]] = RulesOption,
    no_stdlib: bool = NoStdlibOption,
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
    format: Format = FormatOption,
    output: Optional[Path] = OutputOption,
) -> None:
    """Check rule files (and case files) without evaluating anything."""

    def body():
        from engine import load_case
        from engine.inputs.discover import is_case_file
        from engine.report import text as report_text
        from engine.tools.expectations import unproducible_expectations

        rule_paths = [p for p in paths or [] if not is_case_file(p)] + list(rules or [])
        case_paths = [p for p in paths or [] if is_case_file(p)]
        rule_set = _rules(rule_paths, no_stdlib)
        if rule_set.warnings:
            typer.echo(CasusError(rule_set.warnings, rule_set.sources).render(), err=True)
        errors: list[CasusError] = []
        for p in case_paths:
            try:
                loaded = load_case(p, rule_set)
            except CasusError as err:
                errors.append(err)
                continue
            for w in unproducible_expectations(rule_set, loaded):
                typer.echo(w.render({loaded.file: loaded.text}), err=True)
        if errors:
            raise CasusError([d for e in errors for d in e.diagnostics],
                             {k: v for e in errors for k, v in e.sources.items()})
        checked = rule_set.plan.checked
        summary = {"ok": True, "regimes": len(checked.regimes), "rules": len(checked.rules),
                   "definitions": sum(len(v) for v in checked.definitions.values()),
                   "procedures": len(checked.procedures), "membership_lists": len(rule_set.organizations),
                   "case_files": len(case_paths), "warnings": [w.to_json() for w in rule_set.warnings]}
        _emit(format, output, lambda: report_text.render_check(summary), lambda: summary,
              (*(paths or ()), *(rules or ())))
        return 2 if strict and rule_set.warnings else 0

    _guard(body)


@app.command("test")
def test_cases(
    paths: List[Path] = typer.Argument(None, help="Case files or directories. Default: ./cases"),
    rules: Optional[List[Path]] = RulesOption,
    no_stdlib: bool = NoStdlibOption,
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List passing expectations too."),
    coverage: bool = typer.Option(False, "--coverage", help="Report which rules, procedures and cited provisions "
                                                           "no case exercises."),
    format: Format = FormatOption,
    output: Optional[Path] = OutputOption,
) -> None:
    """Check the `expect:` entries of case files; exit 1 if any fails."""

    def body():
        from engine.inputs.discover import case_files
        from engine.tools.coverage import coverage as measure
        from engine.tools.expectations import run_tests

        files = case_files(paths or [Path("cases")])
        if not files:
            raise CasusError([Diagnostic("E300", "no case files found", None,
                                         hint="give case files or directories holding .yaml/.json cases")])
        rule_set = _rules(rules, no_stdlib)
        found = run_tests(rule_set, files)
        for c in found.invalid:
            typer.echo(c.error.render(), err=True)

        def text():
            out = found.explain(verbose=verbose, coverage=coverage)
            if not coverage:
                return out
            head, _, total = out.rpartition("\n")  # the article coverage goes before the total
            return head + "\n" + measure(rule_set, found.fired).render_articles() + "\n" + total

        def data():
            out = found.to_json(coverage=coverage)
            if coverage:
                out["coverage"]["provisions"] = measure(rule_set, found.fired).to_json()["provisions"]
            return out

        _emit(format, output, text, data, (*(paths or [Path("cases")]), *(rules or ())))
        return found.exit_code

    _guard(body, timed=False)


@app.command()
def whatif(
    case: Path = typer.Argument(..., help="Case file."),
    set_: List[str] = typer.Option(..., "--set", "-s", metavar="PATH=VALUE",
                                   help="Change a fact, e.g. decisions[draft].votes.RUS=abstain (repeatable)."),
    rules: Optional[List[Path]] = RulesOption,
    no_stdlib: bool = NoStdlibOption,
    assume: Optional[List[str]] = AssumeOption,
    format: Format = FormatOption,
    output: Optional[Path] = OutputOption,
) -> None:
    """Evaluate the case as it is and with some facts changed, and show what changes, with proofs."""

    def body():
        from engine import load_case
        from engine.run.api import evaluate as evaluate_case
        from engine.tools.scenarios import parse_settings, with_changes

        changes = parse_settings(set_)
        switches = _assume(assume)
        rule_set = _rules(rules, no_stdlib)
        original = load_case(case, rule_set)
        changed = with_changes(original, rule_set, changes)
        before = evaluate_case(rule_set, original, assume=switches)
        after = evaluate_case(rule_set, changed, assume=switches)
        delta = before.diff(after)
        header = "What if " + ", ".join(f"{p} = {_yaml_value(v)}" for p, v in changes) + "?"
        _emit(format, output, lambda: header + "\n\n" + delta.explain(),
              lambda: {"changes": [{"path": p, "value": v if isinstance(v, (str, int, float, bool, type(None)))
                                    else str(v)} for p, v in changes], **delta.to_json()},
              (case, *(rules or ())))
        return 0

    _guard(body)


@app.command()
def explore(
    case: Path = typer.Argument(..., help="Case file with `unknown:` facts."),
    rules: Optional[List[Path]] = RulesOption,
    no_stdlib: bool = NoStdlibOption,
    limit: int = typer.Option(2048, "--limit", min=1, help="Enumerate every assignment up to this many."),
    samples: int = typer.Option(512, "--samples", min=1, help="Beyond the limit, how many assignments to sample."),
    seed: int = typer.Option(0, "--seed", help="Seed of the sample."),
    assumptions: bool = typer.Option(False, "--assumptions", help="Explore the contested doctrines (declared "
                                     "assumptions) too: which conclusions are robust, which depend on which."),
    format: Format = FormatOption,
    output: Optional[Path] = OutputOption,
) -> None:
    """For each conclusion, under which values of the open facts it follows, and which facts are pivotal."""

    def body():
        from engine import load_case

        from engine.tools.doctrine import sensitivity
        from engine.tools.explore import explore as run_explore

        rule_set = _rules(rules, no_stdlib)
        run = sensitivity if assumptions else run_explore
        found = run(rule_set, load_case(case, rule_set), limit=limit, samples=samples, seed=seed)
        _emit(format, output, found.explain, found.to_json, (case, *(rules or ())))
        return 0

    _guard(body, timed=False)


def _yaml_value(value) -> str:
    """A value as it would be written in a case file."""
    import yaml

    return yaml.safe_dump(value, default_flow_style=True, width=1000).strip().removesuffix("...").strip()


@app.command()
def prove(
    paths: Optional[List[Path]] = typer.Argument(None, help="Rule files or directories, added to the standard library."),
    no_stdlib: bool = NoStdlibOption,
    examples: int = typer.Option(500, "--examples", "-n", min=1, help="How many generated cases to try."),
    seed: int = typer.Option(0, "--seed", "-s", help="Random seed; the same seed gives the same search."),
    invariant: Optional[str] = typer.Option(None, "--invariant", "-i", help="Check only this invariant."),
    conflicts: bool = typer.Option(False, "--conflicts", help="Hunt for conclusions in force that collide and that "
                                   "no overriding or priority settles, instead of invariant violations."),
    output_dir: Path = typer.Option(Path("counterexamples"), "--output-dir", "-d",
                                    help="Where a counterexample case file is written."),
    format: Format = FormatOption,
    output: Optional[Path] = OutputOption,
) -> None:
    """Search generated cases for a violation of the rules' invariants (or, with --conflicts, for an unsettled
    conflict); exit 1 with a counterexample."""

    def body():
        from engine.report import text as report_text

        from engine.tools.testing import dump_case, invariant_names, prove as search

        if output_dir.exists() and not output_dir.is_dir():
            _output_dir(output_dir)
        rule_set = _rules(paths, no_stdlib)
        names = invariant_names(rule_set)
        if invariant is not None and not any(n == invariant or n.endswith(f".{invariant}") for n in names):
            raise CasusError([Diagnostic("E502", f"no invariant named '{invariant}'", None,
                                         hint=did_you_mean(invariant, [n.split(".")[-1] for n in names])
                                         or (f"invariants: {', '.join(names)}" if names else None))])
        if conflicts:
            return _hunt_conflicts(rule_set, examples, seed, output_dir, format, output)
        checking = [n for n in names if invariant is None or n == invariant or n.endswith(f".{invariant}")]
        report = {"invariants": checking, "examples": examples, "seed": seed, "counterexample": None}
        if not names:
            _emit(format, output, lambda: "no invariants declared; nothing to prove", lambda: report)
            return 0
        if format is Format.text and output is None:
            typer.echo(f"checking {len(checking)} invariant(s) on up to {examples} generated cases (seed {seed})")
        found = search(rule_set, examples=examples, seed=seed, invariant=invariant)
        if found is None:
            _emit(format, output, lambda: "\n".join([*(f"  holds: {n}" for n in checking),
                                                       f"no counterexample in {examples} cases"]), lambda: report)
            return 0
        violated = found.invariants
        data = dict(found.data, case="counterexample", title=f"Counterexample to {', '.join(violated)}")
        target = output_dir / f"{violated[0].split('.')[-1]}_seed{seed}.yaml"
        if output_dir.exists() and not output_dir.is_dir():
            raise CasusError([Diagnostic("E503", f"--output-dir {output_dir} is not a directory", None,
                                         hint="give a directory for the counterexample case file")])
        _output_dir(output_dir)
        header = (f"Counterexample found by `casus prove --seed {seed}` to invariant(s): {', '.join(violated)}.\n"
                  f"Re-run it with: casus evaluate {target}")
        _write(dump_case(data, header), target)
        report["counterexample"] = {"file": str(target), "invariants": violated,
                                    "violations": found.result.to_json()["violations"]}

        def text() -> str:
            first, *others = found.result.violations
            lines = [f"counterexample to {', '.join(violated)}: written to {target}", "",
                     report_text.explain_violation(first)]
            lines += ["\n" + found.result.explain(p.conclusion) for p in first.derivation.premises
                      if p.kind == "conclusion"]
            if others:
                lines.append(f"\n{len(others)} more violation(s) in the same case:")
                lines += [f"  {v.text()}" for v in others]
            return "\n".join(lines)

        _emit(format, output, text, lambda: report)
        return 1

    _guard(body, timed=False)


def _output_dir(folder: Path) -> None:
    """Create the directory counterexamples are written to, or say why it cannot be."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise CasusError([Diagnostic("E503", f"--output-dir {folder} is a file, not a directory", None,
                                     hint="give a directory (it is created if missing)")]) from None
    except OSError as err:
        raise CasusError([Diagnostic("E503", f"cannot create --output-dir {folder}: {err.strerror or err}",
                                     None)]) from None


def _hunt_conflicts(rule_set, examples: int, seed: int, output_dir: Path, format: Format,
                    output: Optional[Path]) -> int:
    """`prove --conflicts`: a generated case with an unsettled conflict, shrunk and written as a case file."""
    from engine.tools.testing import dump_case, prove as search

    report = {"conflicts": True, "examples": examples, "seed": seed, "counterexample": None}
    if format is Format.text and output is None:
        typer.echo(f"hunting for unsettled conflicts in up to {examples} generated cases (seed {seed})")
    found = search(rule_set, examples=examples, seed=seed, conflicts=True)
    if found is None:
        _emit(format, output, lambda: f"no unsettled conflict in {examples} cases", lambda: report)
        return 0
    data = dict(found.data, case="conflict", title="Counterexample: conclusions in force that collide")
    target = output_dir / f"conflict_seed{seed}.yaml"
    output_dir.mkdir(parents=True, exist_ok=True)
    header = (f"Found by `casus prove --conflicts --seed {seed}`: conclusions that collide, which no overriding or "
              f"priority settles.\nRe-run it with: casus evaluate {target}")
    _write(dump_case(data, header), target)
    pairs = found.result.conflicts
    report["counterexample"] = {"file": str(target), "conflicts": [[a.id, b.id] for a, b in pairs]}

    def text() -> str:
        lines = [f"{len(pairs)} unsettled conflict(s): written to {target}"]
        for a, b in pairs:
            lines += ["", f"{a.text()}  <>  {b.text()}", "", a.explain(), "", b.explain()]
        return "\n".join(lines)

    _emit(format, output, text, lambda: report)
    return 1


@app.command()
def timeline(
    case: Path = typer.Argument(..., help="Case file."),
    rules: Optional[List[Path]] = RulesOption,
    no_stdlib: bool = NoStdlibOption,
    assume: Optional[List[str]] = AssumeOption,
    start: Optional[str] = typer.Option(None, "--from", metavar="YYYY-MM-DD", help="First date (default: the "
                                        "case's first event)."),
    end: Optional[str] = typer.Option(None, "--to", metavar="YYYY-MM-DD", help="Last date (default: the case's date)."),
    format: Format = FormatOption,
    output: Optional[Path] = OutputOption,
) -> None:
    """When each conclusion begins and stops holding, across the dates that matter to the case."""

    def body():
        from engine import load_case

        from engine.tools.timeline import timeline as run_timeline

        switches = _assume(assume)
        first, last = _date_option("--from", start), _date_option("--to", end)
        rule_set = _rules(rules, no_stdlib)
        found = run_timeline(rule_set, load_case(case, rule_set), start=first, end=last, assume=switches)
        _emit(format, output, found.explain, found.to_json, (case, *(rules or ())))
        return 0

    _guard(body)


def _date_option(name: str, value: Optional[str]):
    if value is None:
        return None
    import datetime as dt

    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise CasusError([Diagnostic("E605", f"{name} takes a date YYYY-MM-DD, got '{value}'", None,
                                     hint=f"e.g. {name} 2026-03-01")]) from None


@app.command()
def schema(output: Optional[Path] = OutputOption) -> None:
    """Print the JSON Schema of case files (for editors)."""
    from engine.inputs.schema import case_schema

    _guard(lambda: _write(json.dumps(case_schema(), indent=2, ensure_ascii=False), output))


@app.command("power")
def power_command(
    procedure: str = typer.Argument(..., help="A voting procedure: NAME or REGIME.NAME, e.g. sc_substantive."),
    rules: Optional[List[Path]] = RulesOption,
    no_stdlib: bool = NoStdlibOption,
    body_org: Optional[str] = typer.Option(None, "--body", "-b", help="The organization whose members vote "
                                                                       "(default: the procedure's body)."),
    as_of: Optional[str] = typer.Option(None, "--as-of", "-d", metavar="YYYY-MM-DD",
                                        help="Membership as of this date (default: today)."),
    format: Format = FormatOption,
    output: Optional[Path] = OutputOption,
    list_all: bool = typer.Option(False, "--list", "-l", help="List every minimal winning coalition "
                                                               "(when there are at most 1000)."),
) -> None:
    """A priori voting power under a procedure: veto players, minimal winning coalitions, Banzhaf and Shapley-Shubik."""

    def body():
        import datetime as dt

        from engine.tools.power import analyse, build_game, find_procedure

        day = dt.date.today()
        if as_of is not None:
            try:
                day = dt.date.fromisoformat(as_of.strip())
            except ValueError:
                raise CasusError([Diagnostic("E514", f"--as-of takes a date YYYY-MM-DD, got '{as_of}'", None,
                                             hint="e.g. --as-of 2026-01-01")]) from None
        rule_set = _rules(rules, no_stdlib)
        analysis = analyse(build_game(rule_set, find_procedure(rule_set, procedure), day, body_org))
        _emit(format, output, lambda: analysis.explain(list_coalitions=list_all),
              lambda: analysis.to_json(list_coalitions=list_all))
        return 0

    _guard(body)


@app.command()
def batch(
    input: Path = typer.Argument(..., help="A directory of case files (searched recursively) or a .jsonl file of cases."),
    rules: Optional[List[Path]] = RulesOption,
    no_stdlib: bool = NoStdlibOption,
    output: Optional[Path] = typer.Option(None, "--output", "-o",
                                          help="JSON Lines file, written one flushed line per case. Default: stdout."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", min=1,
                                          help="Worker processes of the local cluster. Default: all cores."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", metavar="ADDRESS",
                                            help="Use a running Dask scheduler, e.g. tcp://host:8786."),
    proofs: bool = typer.Option(False, "--proofs", help="Include each conclusion's proof."),
    resume: bool = typer.Option(False, "--resume", help="Skip inputs already in --output; append the rest."),
    progress: bool = typer.Option(False, "--progress", help="Show a progress bar even if stderr is not a terminal."),
) -> None:
    """Evaluate many cases on a Dask cluster; one JSON line per case. Exit 1 if any case failed."""

    def body():
        from engine.tools.batch import run_batch

        if no_stdlib and not rules:
            _rules(rules, no_stdlib)  # the same diagnostic as every other command
        summary = run_batch(input, rules=rules, stdlib=not no_stdlib, output=output, workers=workers, scheduler=scheduler,
                            proofs=proofs, resume=resume, progress=progress or sys.stderr.isatty())
        skipped = f", {summary.skipped} skipped (already done)" if summary.skipped else ""
        if summary.failed_before:
            skipped += f", of which {summary.failed_before} had failed"
        typer.echo(f"{summary.ok} ok, {summary.failed} failed{skipped}", err=True)
        return summary.exit_code

    _guard(body, timed=False)


# ------------------------------------------------------------ tools for rule authors


def _formattable(paths: Optional[List[Path]]) -> list[Path]:
    """The rule files under `paths` (default: the current directory), hidden folders and
    installed packages left out."""
    from engine.lang.parse import rule_files

    out: list[Path] = []
    for p in paths or [Path(".")]:
        if not p.exists():
            raise CasusError([Diagnostic("E003", f"no such rule file or directory: {p}", None)])
        if p.is_dir():
            out.extend(f for f in rule_files([p])  # not hidden folders, nor installed copies in a virtualenv
                       if not any(part.startswith(".") or part == "site-packages" for part in f.relative_to(p).parts))
        elif p.suffix != ".casus":
            raise CasusError([Diagnostic("E003", f"not a rule file: {p}", None, hint="rule files end in .casus")])
        else:
            out.append(p)
    return out


@app.command("fmt")
def fmt_command(
    paths: Optional[List[Path]] = typer.Argument(None, help="Rule files or directories. Default: the current directory."),
    check_only: bool = typer.Option(False, "--check", help="Change nothing; exit 1 if a file is not formatted."),
    show_diff: bool = typer.Option(False, "--diff", help="Print what would change as a unified diff; change nothing."),
) -> None:
    """Lay out rule files in the one canonical way, keeping every comment."""

    def body():
        from engine.diagnostics import Span
        from engine.lang.format import diff, format_text
        from engine.resources import display_path

        files = _formattable(paths)
        errors: list[CasusError] = []
        changed: list[Path] = []
        for f in files:
            name = display_path(f)
            try:
                text = f.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as err:
                errors.append(CasusError([Diagnostic("E003", f"cannot read rule file {name}: {err}",
                                                     Span(name, 1, 1, 1, 1))]))
                continue
            try:
                new = format_text(text, name)
            except CasusError as err:
                errors.append(err)
                continue
            if new == text:
                continue
            changed.append(f)
            if show_diff:
                typer.echo(diff(text, new, name), nl=False)
            elif check_only:
                typer.echo(f"would reformat {name}")
            else:
                write_output(new, f)
                typer.echo(f"reformatted {name}")
        for err in errors:
            typer.echo(err.render(), err=True)
        done = "would be reformatted" if (check_only or show_diff) else "reformatted"
        typer.echo(f"{len(changed)} file(s) {done}, {len(files) - len(changed) - len(errors)} unchanged"
                   + (f", {len(errors)} with errors" if errors else ""), err=True)
        if errors:
            return 2
        return 1 if changed and (check_only or show_diff) else 0

    _guard(body)


@app.command("lsp")
def lsp_command(
    no_stdlib: bool = typer.Option(False, "--no-stdlib", help="Check rule files without the standard library."),
) -> None:
    """Run the language server on standard input and output (for editors)."""

    def body():
        from engine.tools.lsp import serve

        serve(stdlib=not no_stdlib)
        return 0

    _guard(body)


@app.command()
def report(
    case: Path = typer.Argument(..., help="Case file."),
    rules: Optional[List[Path]] = RulesOption,
    no_stdlib: bool = NoStdlibOption,
    assume: Optional[List[str]] = AssumeOption,
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="The HTML file to write. Default: standard output."),
) -> None:
    """One self-contained HTML page: the case, a timeline, the votes, every conclusion with its proof, voting power."""

    def body():
        from engine import load_case

        from engine.tools import dossier

        switches = _assume(assume)
        rule_set = _rules(rules, no_stdlib)
        page = dossier.page(rule_set, load_case(case, rule_set), assume=switches)
        _write(page, output, (case, *(rules or ())))
        if output is not None:
            typer.echo(f"report written to {output}", err=True)
        return 0

    _guard(body)


@app.command()
def serve(
    paths: Optional[List[Path]] = typer.Argument(None, help="Case files or directories to open. "
                                                            "Default: the bundled cases."),
    rules: Optional[List[Path]] = RulesOption,
    no_stdlib: bool = NoStdlibOption,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (default: this machine only)."),
    port: int = typer.Option(8000, "--port", "-p", min=0, max=65535, help="Port to listen on (0: any free port)."),
) -> None:
    """A local workbench in the browser: edit a case, see its report, what-if, explore, why and why not."""

    def body():
        from engine.tools.serve import Workbench, run_server

        bench = Workbench.create(paths or None, rule_set=_rules(rules, no_stdlib))
        run_server(bench, host=host, port=port, announce=lambda text: typer.echo(text, err=True))
        return 0

    _guard(body)


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
