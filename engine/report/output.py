"""Where a command's result goes: standard output, or a file written atomically."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from engine.diagnostics import CasusError, Diagnostic


def write_output(text: str, output: Path | None) -> None:
    """Standard output, or an atomic write: the file appears whole or not at all."""
    if not text.endswith("\n"):
        text += "\n"
    if output is None:
        sys.stdout.write(text)
        return
    target = output.resolve()
    if target.is_dir():
        raise CasusError([Diagnostic("E500", f"--output {output} is a directory", None,
                                     hint="give a file name")])
    if not target.parent.is_dir():
        raise CasusError([Diagnostic("E500", f"cannot write {output}: directory {target.parent} does not exist", None)])
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
