"""The README's worked example of a user's own hypothesis test runs and passes."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_worked_example_of_a_property_test(monkeypatch, tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n# tests/test_my_rules.py\n(.*?)```", readme, re.S).group(1)
    module_file = tmp_path / "test_my_rules.py"  # a real file: hypothesis reads its tests' source
    module_file.write_text(code.replace("max_examples=300", "max_examples=60"), encoding="utf-8")
    monkeypatch.chdir(ROOT)  # the example loads rules/ relative to the repository
    spec = importlib.util.spec_from_file_location("readme_example", module_file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tests = [getattr(module, name) for name in dir(module) if name.startswith("test_")]
    assert tests
    for test in tests:
        test()
