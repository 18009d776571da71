"""Finding case files: one rule for every command that takes a directory.

A case file is a .yaml, .yml or .json file that is not reference data
(`*.org.yaml`, `states.yaml`); hidden folders are skipped; the order is sorted,
so that every command sees the same cases in the same order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

CASE_SUFFIXES = (".yaml", ".yml", ".json")


def is_case_file(p: Path) -> bool:
    return (p.suffix.lower() in CASE_SUFFIXES and not p.name.endswith(".org.yaml")
            and p.name != "states.yaml")


def case_files_under(root: Path) -> list[Path]:
    """The case files below a directory, hidden folders left out, sorted."""
    return sorted(p for p in root.rglob("*")
                  if p.is_file() and is_case_file(p)
                  and not any(part.startswith(".") for part in p.relative_to(root).parts))


def case_files(paths: Iterable[Path]) -> list[Path]:
    """Files as given; directories expanded to the case files below them."""
    out: list[Path] = []
    for p in paths:
        out.extend(case_files_under(p) if p.is_dir() else [p])
    return out
