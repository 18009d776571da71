"""Where the grammar and the standard rules live, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_path(name: str) -> Path:
    """`grammar` or `rules`: shipped inside the wheel, or beside the package in a checkout."""
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name


def grammar_file() -> Path:
    return data_path("grammar") / "casus.lark"


def standard_rules() -> Path:
    return data_path("rules")


def display_path(path: Path | str) -> str:
    """A short, stable name for a file in messages: relative to the working
    directory, or `rules/...` for the bundled standard library."""
    p = Path(path)
    try:
        absolute = p.resolve()
    except OSError:
        return str(path)
    try:
        return str(absolute.relative_to(Path.cwd().resolve()))
    except ValueError:
        pass
    try:
        return str(Path("rules") / absolute.relative_to(standard_rules().resolve()))
    except ValueError:
        return str(path)
