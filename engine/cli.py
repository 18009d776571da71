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

from engine import load_case, load_rules
from engine.diagnostics import CasusError, Diagnostic, did_you_mean
from engine.inputs.discover import case_files, is_case_file
from engine.inputs.schema import case_schema
from engine.lang.check import query_producible
from engine.lang.parse import parse_query
from engine.report import json as report_json
from engine.report import text as report_text
from engine.report.output import write_output
from engine.run.api import evaluate as evaluate_case
from engine.run.api import why_not
from engine.run.results import Status
from engine.tools.expectations import run_tests, unproducible_expectations
from engine.tools.scenarios import parse_settings, with_changes

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


RulesOption = typer.Option(None, "--rules", "-r", help="Rule file or directory (repeatable). Default: the standard library.")
FormatOption = typer.Option(Format.text, "--format", "-f", help="text for people, json for programs.")
AssumeOption = typer.Option(None, "--assume", "-a", metavar="NAME=true|false",
                            help="Switch a disputed point of law on or off (repeatable).")
OutputOption = typer.Option(None, "--output", "-o", help="Write to this file instead of standard output.")


def _fail(err: CasusError) -> None:
    typer.echo(err.render(), err=True)
    raise typer.Exit(2)


def _guard(body: Callable[[], int | None]) -> None:
    """Run a command; bad input becomes diagnostics and exit code 2."""
    try:
        code = body()
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
        typer.echo(f"casus: internal error: {type(err).__name__}: {err}\n"
                   "This is a bug in casus; please report it with the command and input that caused it.", err=True)
        raise typer.Exit(3)
    raise typer.Exit(code or 0)


def _write(text: str, output: Optional[Path]) -> None:
    write_output(text, output)


def _emit(format: Format, output: Optional[Path], text: Callable[[], str], data: Callable[[], object]) -> None:
    """A command's result, as text for people or as JSON for programs, to stdout or --output."""
    if format is Format.json:
        _write(json.dumps(data(), indent=2, ensure_ascii=False, default=str), output)
    else:
        _write(text(), output)


def _assume(values: Optional[List[str]]) -> dict[str, bool]:
    out: dict[str, bool] = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        value = value.strip().lower()
        if not sep or value not in ("true", "false", "on", "off", "yes", "no"):
            raise CasusError([Diagnostic("E501", f"--assume takes NAME=true or NAME=false, got '{item}'", None)])
        out[name.strip()] = value in ("true", "on", "yes")
    return out


def _rules(paths: Optional[List[Path]]):
    return load_rules(paths or None, cache=True)


@app.command()
def evaluate(
    case: Path = typer.Argument(..., help="Case file (.yaml, .yml or .json)."),
    rules: Optional[List[Path]] = RulesOption,
    assume: Optional[List[str]] = AssumeOption,
    format: Format = FormatOption,
    output: Optional[Path] = OutputOption,
    in_force_only: bool = typer.Option(False, "--in-force", help="Show only conclusions in force."),
    fail_on_conflict: bool = typer.Option(False, "--fail-on-conflict", help="Exit 1 if any conflict is found."),
) -> None:
    """Derive what each state and organization is obliged, permitted and forbidden to do."""

    def body():
        switches = _assume(assume)
        rule_set = _rules(rules)
        result = evaluate_case(rule_set, load_case(case, rule_set), assume=switches)
        def data():
            out = result.to_json()
            if in_force_only:
                out["conclusions"] = [c for c in out["conclusions"] if c["status"] == Status.IN_FORCE]
            return out

        _emit(format, output, lambda: report_text.render_text(result, show_all=not in_force_only), data)
        return 1 if fail_on_conflict and result.conflicts else 0

    _guard(body)


@app.command()
def explain(
    case: Path = typer.Argument(..., help="Case file."),
    query: str = typer.Argument(..., help='A conclusion, e.g. "obliged DEU to assist EST"; "_" matches anyone.'),
    rules: Optional[List[Path]] = RulesOption,
    assume: Optional[List[str]] = AssumeOption,
    format: Format = FormatOption,
    output: Optional[Path] = OutputOption,
) -> None:
    """Show the proof of a conclusion, or why it does not follow."""

    def body():
        q = parse_query(query)
        switches = _assume(assume)
        rule_set = _rules(rules)
        if not query_producible(rule_set.plan.checked.shapes, q):
            typer.echo(Diagnostic("W305", f"no rule can conclude '{q}'", None, severity="warning",
                                  hint="check the action's name, and that a lone party after the action is its "
                                       "object while a counter-party takes a preposition").render({}), err=True)
        loaded = load_case(case, rule_set)
        result = evaluate_case(rule_set, loaded, assume=switches)
        matches = result.find(q)
        reason = None if matches else why_not(rule_set, loaded, q, assume=switches)

        def data():
            out = {"query": str(q), "follows": any(c.status == Status.IN_FORCE for c in matches),
                   "conclusions": [c.to_json() for c in matches]}
            if reason is not None:
                out["why_not"] = report_json.why_not_json(reason)
            return out

        _emit(format, output, lambda: report_text.explain_matches(q, matches) if matches
              else report_text.render_why_not(reason), data)
        return 0

    _guard(body)


@app.command()
def check(
    paths: Optional[List[Path]] = typer.Argument(None, help="Rule files or directories, and case files to validate. "
                                                            "Default: the standard library."),
    rules: Optional[List[Path]] = RulesOption,
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
    format: Format = FormatOption,
    output: Optional[Path] = OutputOption,
) -> None:
    """Check rule files (and case files) without evaluating anything."""

    def body():
        rule_paths = [p for p in paths or [] if not is_case_file(p)] or rules or None
        case_paths = [p for p in paths or [] if is_case_file(p)]
        rule_set = load_rules(rule_paths)
        for w in rule_set.warnings:
            typer.echo(w.render(rule_set.sources), err=True)
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
        _emit(format, output, lambda: report_text.render_check(summary), lambda: summary)
        return 2 if strict and rule_set.warnings else 0

    _guard(body)


@app.command("test")
def test_cases(
    paths: List[Path] = typer.Argument(None, help="Case files or directories. Default: ./cases"),
    rules: Optional[List[Path]] = RulesOption,
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List passing expectations too."),
    coverage: bool = typer.Option(False, "--coverage", help="Report which rules fired in no case."),
    format: Format = FormatOption,
    output: Optional[Path] = OutputOption,
) -> None:
    """Check the `expect:` entries of case files; exit 1 if any fails."""

    def body():
        files = case_files(paths or [Path("cases")])
        if not files:
            raise CasusError([Diagnostic("E300", "no case files found", None,
                                         hint="give case files or directories holding .yaml/.json cases")])
        found = run_tests(_rules(rules), files)
        for c in found.invalid:
            typer.echo(c.error.render(), err=True)
        _emit(format, output, lambda: found.explain(verbose=verbose, coverage=coverage),
              lambda: found.to_json(coverage=coverage))
        return found.exit_code

    _guard(body)


@app.command()
def whatif(
    case: Path = typer.Argument(..., help="Case file."),
    set_: List[str] = typer.Option(..., "--set", "-s", metavar="PATH=VALUE",
                                   help="Change a fact, e.g. decisions[draft].votes.RUS=abstain (repeatable)."),
    rules: Optional[List[Path]] = RulesOption,
    assume: Optional[List[str]] = AssumeOption,
    format: Format = FormatOption,
    output: Optional[Path] = OutputOption,
) -> None:
    """Evaluate the case as it is and with some facts changed, and show what changes, with proofs."""

    def body():
        changes = parse_settings(set_)
        switches = _assume(assume)
        rule_set = _rules(rules)
        original = load_case(case, rule_set)
        changed = with_changes(original, rule_set, changes)
        before = evaluate_case(rule_set, original, assume=switches)
        after = evaluate_case(rule_set, changed, assume=switches)
        delta = before.diff(after)
        header = "What if " + ", ".join(f"{p} = {_yaml_value(v)}" for p, v in changes) + "?"
        _emit(format, output, lambda: header + "\n\n" + delta.explain(),
              lambda: {"changes": [{"path": p, "value": v if isinstance(v, (str, int, float, bool, type(None)))
                                    else str(v)} for p, v in changes], **delta.to_json()})
        return 0

    _guard(body)


@app.command()
def explore(
    case: Path = typer.Argument(..., help="Case file with `unknown:` facts."),
    rules: Optional[List[Path]] = RulesOption,
    limit: int = typer.Option(2048, "--limit", min=1, help="Enumerate every assignment up to this many."),
    samples: int = typer.Option(512, "--samples", min=1, help="Beyond the limit, how many assignments to sample."),
    seed: int = typer.Option(0, "--seed", help="Seed of the sample."),
    format: Format = FormatOption,
    output: Optional[Path] = OutputOption,
) -> None:
    """For each conclusion, under which values of the open facts it follows, and which facts are pivotal."""

    def body():
        from engine.tools.explore import explore as run_explore

        rule_set = _rules(rules)
        found = run_explore(rule_set, load_case(case, rule_set), limit=limit, samples=samples, seed=seed)
        _emit(format, output, found.explain, found.to_json)
        return 0

    _guard(body)


def _yaml_value(value) -> str:
    """A value as it would be written in a case file."""
    import yaml

    return yaml.safe_dump(value, default_flow_style=True, width=1000).strip().removesuffix("...").strip()


@app.command()
def prove(
    paths: Optional[List[Path]] = typer.Argument(None, help="Rule files or directories. Default: the standard library."),
    examples: int = typer.Option(500, "--examples", "-n", min=1, help="How many generated cases to try."),
    seed: int = typer.Option(0, "--seed", "-s", help="Random seed; the same seed gives the same search."),
    invariant: Optional[str] = typer.Option(None, "--invariant", "-i", help="Check only this invariant."),
    output_dir: Path = typer.Option(Path("counterexamples"), "--output-dir", "-d",
                                    help="Where a counterexample case file is written."),
    format: Format = FormatOption,
    output: Optional[Path] = OutputOption,
) -> None:
    """Search generated cases for a violation of the rules' invariants; exit 1 with a counterexample."""

    def body():
        from engine.tools.testing import dump_case, invariant_names, prove as search

        rule_set = _rules(paths)
        names = invariant_names(rule_set)
        if invariant is not None and not any(n == invariant or n.endswith(f".{invariant}") for n in names):
            raise CasusError([Diagnostic("E502", f"no invariant named '{invariant}'", None,
                                         hint=did_you_mean(invariant, [n.split(".")[-1] for n in names])
                                         or (f"invariants: {', '.join(names)}" if names else None))])
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
        output_dir.mkdir(parents=True, exist_ok=True)
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

    _guard(body)


@app.command()
def schema(output: Optional[Path] = OutputOption) -> None:
    """Print the JSON Schema of case files (for editors)."""
    _guard(lambda: _write(json.dumps(case_schema(), indent=2, ensure_ascii=False), output))


@app.command("power")
def power_command(
    procedure: str = typer.Argument(..., help="A voting procedure: NAME or REGIME.NAME, e.g. sc_substantive."),
    rules: Optional[List[Path]] = RulesOption,
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
        rule_set = _rules(rules)
        analysis = analyse(build_game(rule_set, find_procedure(rule_set, procedure), day, body_org))
        _emit(format, output, lambda: analysis.explain(list_coalitions=list_all),
              lambda: analysis.to_json(list_coalitions=list_all))
        return 0

    _guard(body)


@app.command()
def batch(
    input: Path = typer.Argument(..., help="A directory of case files (searched recursively) or a .jsonl file of cases."),
    rules: Optional[List[Path]] = RulesOption,
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

        summary = run_batch(input, rules=rules, output=output, workers=workers, scheduler=scheduler,
                            proofs=proofs, resume=resume, progress=progress or sys.stderr.isatty())
        skipped = f", {summary.skipped} skipped (already done)" if summary.skipped else ""
        typer.echo(f"{summary.ok} ok, {summary.failed} failed{skipped}", err=True)
        return summary.exit_code

    _guard(body)


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
