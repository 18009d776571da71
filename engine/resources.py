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
