"""Batch evaluation of many cases on a Dask cluster, one JSON line per case.

Tasks carry case *text*, not paths, so remote workers need no shared
filesystem; the rule set is scattered to each worker once over the cluster's
connections, and cases travel in chunks, each returning its records already
encoded as JSON lines. Small inputs are evaluated in process. Records are written
and flushed as tasks complete, so an interrupted run leaves a valid JSON
Lines file that `resume=True` continues.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import itertools
import json
import logging
import os
import sys
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterable, Iterator, Sequence

from engine.inputs.discover import case_files_under, is_case_file
from engine.inputs.load import load_case_text
from engine.inputs.rulebook import RuleSet, load_rules
from engine.run.api import evaluate
from engine.diagnostics import CasusError, Diagnostic, Span

__all__ = ["BatchSummary", "Task", "iter_tasks", "count_inputs", "evaluate_text", "evaluate_with", "run_chunk",
           "run_lines", "run_batch", "done_inputs", "IN_PROCESS_BELOW"]



@dataclass(frozen=True)
class Task:
    """One case to evaluate: `label` names it in the output; `line` is set for JSON Lines input."""

    label: str
    source: str
    text: str
    line: int | None = None


@dataclass
class BatchSummary:
    total: int = 0
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    failed_before: int = 0  # failed records of the interrupted run that --resume kept

    @property
    def exit_code(self) -> int:
        return 1 if self.failed or self.failed_before else 0


# Without --scheduler, fewer cases than this are evaluated in process: a local cluster takes
# seconds to start, about what evaluating this many small cases in process takes.
IN_PROCESS_BELOW = 200


def _bad(message: str, hint: str | None = None, code: str = "E520") -> CasusError:
    return CasusError([Diagnostic(code, message, None, hint=hint)])


# ---------------------------------------------------------------------------
# inputs


def _check_input(path: Path) -> str:
    if not path.exists():
        raise _bad(f"no such input: {path}", "give a directory of case files or a .jsonl file")
    if path.is_dir():
        return "dir"
    if path.suffix.lower() == ".jsonl":
        return "jsonl"
    if is_case_file(path):
        return "file"
    raise _bad(f"not a batch input: {path}", "give a directory of .yaml/.yml/.json case files or a .jsonl file")


def count_inputs(path: str | Path) -> int:
    """How many tasks (or immediate errors) `iter_tasks` will yield, for a progress total."""
    path = Path(path)
    kind = _check_input(path)
    if kind == "dir":
        return len(case_files_under(path))
    if kind == "file":
        return 1
    with open(path, "rb") as handle:
        return sum(1 for raw in handle if raw.strip())


def iter_tasks(path: str | Path) -> Iterator[Task | dict]:
    """Tasks in input order; an input that cannot even be read is yielded as its error record."""
    path = Path(path)
    kind = _check_input(path)
    if kind == "jsonl":
        with open(path, "rb") as handle:
            for lineno, raw in enumerate(handle, 1):
                if not raw.strip():
                    continue
                label = f"{path}:{lineno}"
                try:
                    text = raw.decode("utf-8").strip()
                except UnicodeDecodeError as err:
                    yield _error_record(label, f"{label}: error E300: not valid UTF-8 (byte {err.start})")
                    continue
                yield Task(label, str(path), text, lineno)
        return
    for f in case_files_under(path) if kind == "dir" else [path]:
        label = str(f)
        try:
            yield Task(label, label, f.read_text(encoding="utf-8"))
        except UnicodeDecodeError as err:
            yield _error_record(label, f"{label}:1:1: error E300: not valid UTF-8 (byte {err.start})")
        except OSError as err:
            yield _error_record(label, f"{label}:1:1: error E300: cannot read: {err.strerror or err}")


# ---------------------------------------------------------------------------
# the worker side


@functools.lru_cache(maxsize=4)
def _rules(rule_paths: tuple[str, ...] | None, stdlib: bool = True):
    return load_rules(list(rule_paths) if rule_paths else None, stdlib=stdlib)


def _error_record(label: str, error: str, diagnostics: list | None = None) -> dict:
    out = {"input": label, "ok": False, "error": error}
    if diagnostics is not None:
        out["diagnostics"] = diagnostics
    return out


def _relocate(err: CasusError, parsed_as: str, task: Task) -> CasusError:
    """Diagnostics of one JSON Lines entry, pointed at its line of the .jsonl file."""
    offset = task.line - 1

    def move(d: Diagnostic) -> Diagnostic:
        s = d.span
        if s is None or s.file != parsed_as:
            return d
        return dataclasses.replace(d, span=Span(task.source, s.line + offset, s.column,
                                                s.end_line + offset, s.end_column))

    sources = {k: v for k, v in err.sources.items() if k != parsed_as}
    sources[task.source] = "\n" * offset + task.text
    return CasusError([move(d) for d in err.diagnostics], sources)


def evaluate_text(task: Task, rule_paths: tuple[str, ...] | None = None, proofs: bool = False,
                  stdlib: bool = True) -> dict:
    """The record of one case; never raises."""
    try:
        rules = _rules(rule_paths, stdlib)
    except CasusError as err:
        return _error_record(task.label, err.render(), [d.to_json() for d in err.diagnostics])
    except Exception as err:  # noqa: BLE001 - one bad case must not stop the others
        return _error_record(task.label, f"{type(err).__name__}: {err}")
    return evaluate_with(task, rules, proofs)


def evaluate_with(task: Task, rules: RuleSet, proofs: bool = False) -> dict:
    """The record of one case under a loaded rule set; never raises."""
    try:
        parse_as = task.source if task.line is None else f"{task.label}.json"  # selects the JSON reader
        try:
            case = load_case_text(task.text, parse_as, extra_states=rules.extra_states)
        except CasusError as err:
            if task.line is not None:
                err = _relocate(err, parse_as, task)
            return _error_record(task.label, err.render(), [d.to_json() for d in err.diagnostics])
        if task.line is not None:
            case = dataclasses.replace(case, file=task.label)
        result = evaluate(rules, case)
        conclusions = result.to_json()["conclusions"]
        if not proofs:
            for c in conclusions:
                for key in ("proof", "ended_by", "excepted_by"):
                    c.pop(key, None)
        return {"input": task.label, "case": result.case, "ok": True, "as_of": result.as_of.isoformat(),
                "conclusions": conclusions}
    except CasusError as err:
        return _error_record(task.label, err.render(), [d.to_json() for d in err.diagnostics])
    except Exception as err:  # noqa: BLE001 - one bad case must not stop the others
        return _error_record(task.label, f"{type(err).__name__}: {err}")


def run_chunk(tasks: Sequence[Task], rule_paths: tuple[str, ...] | None = None, proofs: bool = False,
              stdlib: bool = True) -> list[dict]:
    return [evaluate_text(t, rule_paths, proofs, stdlib) for t in tasks]


def _line(record: dict) -> tuple[bool, str]:
    """A record as its JSON line (without the newline) and whether it is ok."""
    return record.get("ok") is True, json.dumps(record, ensure_ascii=False)


def run_lines(tasks: Sequence[Task], rules: RuleSet, proofs: bool = False) -> list[tuple[bool, str]]:
    """What a worker does with a chunk: each case's record, already encoded as its JSON line.

    `rules` is the rule set the client scattered to every worker once.
    """
    return [_line(evaluate_with(t, rules, proofs)) for t in tasks]


# ---------------------------------------------------------------------------
# output and resume


def done_inputs(output: Path) -> set[str]:
    """Inputs already recorded in `output`; a torn last line (a killed run) is cut off."""
    if not output.exists():
        return set()
    done: set[str] = set()
    good_end = 0
    with open(output, "rb") as handle:
        for raw in handle:
            if not raw.endswith(b"\n"):
                break
            try:
                record = json.loads(raw)
            except ValueError:
                if raw.strip():
                    break
                record = None
            if isinstance(record, dict) and "input" in record:
                done.add(record["input"])
            good_end += len(raw)
    if good_end < output.stat().st_size:
        with open(output, "r+b") as handle:
            handle.truncate(good_end)
    return done


def failed_inputs(output: Path) -> int:
    """How many records of `output` say a case failed."""
    failed = 0
    with open(output, "rb") as handle:
        for raw in handle:
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            if isinstance(record, dict) and "input" in record and not record.get("ok"):
                failed += 1
    return failed


def _open_output(output: Path | None, resume: bool) -> tuple[IO[str], bool]:
    if output is None:
        return sys.stdout, False
    target = output.resolve()
    if target.is_dir():
        raise _bad(f"--output {output} is a directory", "give a file name", "E500")
    if not target.parent.is_dir():
        raise _bad(f"cannot write {output}: directory {target.parent} does not exist", code="E500")
    return open(target, "a" if resume else "w", encoding="utf-8"), True


# ---------------------------------------------------------------------------
# the cluster


@contextlib.contextmanager
def _client(scheduler: str | None, workers: int | None, connect_timeout: float):
    from distributed import Client, LocalCluster

    if scheduler is not None:
        if workers is not None:
            raise _bad("--workers applies to the local cluster; it cannot be combined with --scheduler",
                       "size the running cluster instead, or drop --scheduler", "E521")
        from distributed.comm.addressing import resolve_address

        hint = "check the address (e.g. tcp://host:8786) and that the scheduler is running"
        try:  # a malformed address would leave a half-built Client that complains when collected
            resolve_address(scheduler)
        except Exception as err:  # noqa: BLE001 - any failure here is bad input
            raise _bad(f"invalid Dask scheduler address '{scheduler}': {err}", hint, "E521") from None
        try:
            client = Client(scheduler, timeout=connect_timeout, set_as_default=False)
        except Exception as err:  # noqa: BLE001 - any failure to connect is bad input
            reason = str(err).splitlines()[0] if str(err) else type(err).__name__
            raise _bad(f"cannot connect to the Dask scheduler at {scheduler}: {reason}", hint, "E521") from None
        try:
            yield client
        finally:
            client.close()
        return
    if workers is not None and workers < 1:
        raise _bad(f"--workers must be at least 1 (got {workers})", code="E521")
    n = workers or os.cpu_count() or 1
    with warnings.catch_warnings():  # "port 8787 in use": a second cluster's HTTP server picks another port
        warnings.filterwarnings("ignore", message="Port .* is already in use", category=UserWarning)
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=logging.ERROR)
    try:
        client = Client(cluster, set_as_default=False)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close(timeout=10)


def _progress(enabled: bool, total: int):
    if not enabled:
        return contextlib.nullcontext(None)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, \
        TimeRemainingColumn

    return Progress(TextColumn("casus batch"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=Console(file=sys.stderr), transient=False)


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def run_batch(
    input: str | Path,
    *,
    rules: Sequence[str | Path] | None = None,
    stdlib: bool = True,
    output: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    proofs: bool = False,
    resume: bool = False,
    progress: bool = False,
    chunk_size: int | None = None,
    connect_timeout: float = 5.0,
    in_process_below: int | None = None,
) -> BatchSummary:
    """Evaluate every case of `input` (a directory or a .jsonl file); one JSON line per case.

    Records arrive in completion order. Bad invocation raises CasusError; a bad case is a record
    with ok=false. At most a few chunks per worker are in flight, so inputs of any size stream.
    Without `scheduler`, fewer than `in_process_below` cases (default IN_PROCESS_BELOW) are
    evaluated in this process, in input order: starting a local cluster would cost more.
    """
    if in_process_below is None:
        in_process_below = IN_PROCESS_BELOW
    from distributed import as_completed

    input = Path(input)
    total = count_inputs(input)
    rule_paths = tuple(str(Path(p).resolve()) for p in rules) if rules else None
    _rules(rule_paths, stdlib)  # bad rules are bad input: report them once, here, not once per case
    out_path = Path(output) if output is not None else None
    if resume and out_path is None:
        raise _bad("--resume needs --output FILE", "name the file of the interrupted run", "E522")
    if out_path is not None:
        from engine.report.output import check_output

        check_output(out_path, [input, *(rules or ())])
    done = done_inputs(out_path) if resume and out_path is not None else set()
    summary = BatchSummary(total=total)
    if done:  # the exit code speaks for the whole output, lines of the interrupted run included
        summary.failed_before = failed_inputs(out_path)
    handle, owned = _open_output(out_path, resume)

    def emit(record: dict) -> None:
        emit_line(*_line(record))

    def emit_line(ok: bool, line: str) -> None:
        handle.write(line + "\n")
        handle.flush()
        if ok:
            summary.ok += 1
        else:
            summary.failed += 1

    try:
        with _progress(progress, total) as bar:
            bar_task = bar.add_task("cases", total=total) if bar else None

            def advance(n: int = 1) -> None:
                if bar is not None:
                    bar.update(bar_task, advance=n)

            def pending() -> Iterator[Task]:
                for item in iter_tasks(input):
                    label = item.label if isinstance(item, Task) else item["input"]
                    if label in done:
                        summary.skipped += 1
                        advance()
                    elif isinstance(item, Task):
                        yield item
                    else:
                        emit(item)
                        advance()

            tasks = pending()
            first = next(tasks, None)
            if first is None:  # nothing left to run: start no cluster
                return summary
            remaining = max(1, total - len(done))
            rule_set = _rules(rule_paths, stdlib)
            if scheduler is None and remaining < in_process_below:  # not worth starting a cluster
                for task in itertools.chain([first], tasks):
                    emit_line(*_line(evaluate_with(task, rule_set, proofs)))
                    advance()
                return summary
            with _client(scheduler, workers, connect_timeout) as client:
                slots = max(1, sum(client.nthreads().values()))
                # chunks of up to 64 cases: few tasks for the scheduler, yet a short tail
                size = chunk_size or max(1, min(64, remaining // (slots * 4)))
                window = slots * 3
                run_id = uuid.uuid4().hex[:8]
                counter = itertools.count()
                chunks = _chunks(itertools.chain([first], tasks), size)
                futures: dict = {}
                # the rule set travels to each worker once, over the cluster's own connections
                shared_rules = client.scatter(rule_set, broadcast=True, hash=False)

                def submit(chunk: list[Task]) -> None:
                    fut = client.submit(run_lines, chunk, shared_rules, proofs, pure=False,
                                        key=f"casus-batch-{run_id}-{next(counter)}")
                    futures[fut] = chunk
                    queue.add(fut)

                queue = as_completed(loop=client.loop)
                try:
                    for chunk in itertools.islice(chunks, window):
                        submit(chunk)
                    for fut in queue:
                        chunk = futures.pop(fut)
                        try:
                            lines = fut.result()
                        except Exception as err:  # noqa: BLE001 - a lost worker, a failed transfer
                            lines = [_line(_error_record(t.label, f"{type(err).__name__}: {err}")) for t in chunk]
                        fut.release()
                        for ok, line in lines:
                            emit_line(ok, line)
                        advance(len(lines))
                        nxt = next(chunks, None)
                        if nxt:
                            submit(nxt)
                finally:
                    if futures:
                        client.cancel(list(futures))
        return summary
    finally:
        if owned:
            handle.close()
