"""The README's worked example of a user's own hypothesis test runs and passes."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_worked_example_of_a_property_test(monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n# tests/test_my_rules.py\n(.*?)```", readme, re.S).group(1)
    monkeypatch.chdir(ROOT)  # the example loads rules/ relative to the repository
    namespace: dict = {}
    exec(compile(code.replace("max_examples=300", "max_examples=60"), "README.md", "exec"), namespace)
    tests = [v for k, v in namespace.items() if k.startswith("test_")]
    assert tests
    for test in tests:
        test()
