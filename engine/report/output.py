"""Where a command's result goes: standard output, or a file.

A regular file (or a new one) is written atomically: the text goes to a
temporary file beside it, which then replaces it, so the file appears whole or
not at all. A FIFO, a character device or a terminal (`/dev/null`,
`/dev/stdout`) is written directly, never replaced. `-` is standard output.
A directory, and any file the command reads (`inputs`), is refused with E500.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import Iterable

from engine.diagnostics import CasusError, Diagnostic

_READ_SUFFIXES = (".casus", ".yaml", ".yml", ".json")  # what is read from a directory given as input


def _refuse(message: str, hint: str | None = None) -> CasusError:
    return CasusError([Diagnostic("E500", message, None, hint=hint)])


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def check_output(output: Path | None, inputs: Iterable[Path | str] = ()) -> None:
    """Refuse, before any work is done, an --output that is a directory or one of the inputs."""
    if output is None or str(output) == "-":
        return
    try:
        target = Path(output).resolve()
        info = os.stat(target) if target.exists() else None
    except (OSError, RuntimeError, ValueError) as err:
        raise _refuse(f"cannot write --output {output}: {getattr(err, 'strerror', None) or err}") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise _refuse(f"--output {output} is a directory", "give a file name")
    for given in inputs:
        source = Path(given)
        try:
            if source.is_dir():
                inside = target.is_relative_to(source.resolve()) and target.suffix in _READ_SUFFIXES
            else:
                inside = info is not None and _same_file(source, target)
        except (OSError, RuntimeError, ValueError):
            inside = False
        if inside:
            raise _refuse(f"--output {output} is an input of this command; it would be overwritten",
                          "write the result to another file")


def write_output(text: str, output: Path | None, inputs: Iterable[Path | str] = ()) -> None:
    """Standard output, a direct write to a special file, or an atomic write to a regular one."""
    if not text.endswith("\n"):
        text += "\n"
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates from undecodable names
    if output is None or str(output) == "-":
        sys.stdout.write(text)
        return
    check_output(output, inputs)
    target = Path(output).resolve()
    try:
        info = os.stat(target) if target.exists() else None
    except OSError as err:
        raise _refuse(f"cannot write --output {output}: {err.strerror or err}") from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        _write_special(text, output, target)
        return
    if not target.parent.is_dir():
        raise _refuse(f"cannot write {output}: directory {target.parent} does not exist")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        mode = stat.S_IMODE(info.st_mode) if info is not None else 0o666 & ~_umask()
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as err:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        where = "" if tmp is not None else f" (no file can be created in {target.parent})"
        raise _refuse(f"cannot write --output {output}: {err.strerror or err}{where}",
                      "write to a regular file in a writable directory") from None
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise


def _write_special(text: str, output: Path, target: Path) -> None:
    """A FIFO, device or terminal: opened for writing as it is, never truncated or replaced."""
    try:
        fd = os.open(target, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
    except OSError as err:
        raise _refuse(f"cannot write --output {output}: {err.strerror or err}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as err:
        raise _refuse(f"cannot write --output {output}: {err.strerror or err}") from None


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
