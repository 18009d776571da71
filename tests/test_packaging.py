"""A non-editable install ships the grammar and the standard library and works from any directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The project built as a wheel and unpacked into a private directory."""
    work = tmp_path_factory.mktemp("wheel")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(work / "dist"), str(ROOT)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    (wheel,) = (work / "dist").glob("casus-*.whl")
    target = work / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                              str(wheel)], capture_output=True, text=True)
    assert install.returncode == 0, install.stderr
    return target


def _run(installed: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(installed)}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True)


def test_installed_package_uses_its_own_data(installed, tmp_path):
    probe = _run(installed, tmp_path, "-c",
                 "import engine, engine.resources as r; print(engine.__file__); print(r.standard_rules());"
                 " print(r.grammar_file())")
    assert probe.returncode == 0, probe.stderr
    module, rules, grammar = probe.stdout.split()
    assert module.startswith(str(installed))
    assert rules.startswith(str(installed)) and Path(rules, "un_charter", "charter.casus").is_file()
    assert Path(grammar).is_file()


def test_installed_cli_evaluates_a_case_from_another_directory(installed, tmp_path):
    case = tmp_path / "estonia.yaml"
    case.write_text((ROOT / "cases" / "estonia_2026.yaml").read_text())
    run = _run(installed, tmp_path, "-m", "engine.cli", "evaluate", "estonia.yaml", "--format", "json")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert any(c["text"] == "obliged DEU to assist EST" and c["status"] == "in force" for c in data["conclusions"])


def _requirements(installed: Path) -> dict[str, str]:
    """The wheel's Requires-Dist entries: name -> marker ('' for a plain runtime dependency)."""
    (meta,) = installed.glob("casus-*.dist-info/METADATA")
    out = {}
    for line in meta.read_text(encoding="utf-8").splitlines():
        if line.startswith("Requires-Dist:"):
            spec, _, marker = line.split(":", 1)[1].partition(";")
            name = spec.strip().split("[")[0].split(">")[0].split("=")[0].split("<")[0].strip().lower()
            out[name] = marker.strip()
    return out


def test_property_testing_needs_no_extra(installed):
    """`casus prove` and engine.testing are part of the product: hypothesis is a runtime dependency."""
    requires = _requirements(installed)
    assert requires.get("hypothesis") == "", requires
    assert "extra ==" in requires.get("pytest", "extra ==")  # test tooling stays optional


def test_installed_cli_proves_invariants(installed, tmp_path):
    run = _run(installed, tmp_path, "-m", "engine.cli", "prove", "--examples", "50", "--format", "json",
               "--output", str(tmp_path / "prove.json"))
    assert run.returncode == 0, run.stderr
    data = json.loads((tmp_path / "prove.json").read_text())
    assert data["counterexample"] is None and data["examples"] == 50 and data["invariants"]
