"""The command line reuses a rule set built from the very same files, and only then."""

from __future__ import annotations

import os

import pytest

from engine import load_rules
from engine.diagnostics import CasusError

RULES = '''regime r "R" cites "Test Treaty (2000)"
rule go "Go" cites "Test Treaty, art. 1" when state(S) then obliged S to go
'''


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("CASUS_CACHE_DIR", str(folder))
    monkeypatch.delenv("CASUS_NO_CACHE", raising=False)
    return folder


def test_a_second_load_comes_from_the_cache(tmp_path, cache_dir):
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    (rules_dir / "r.casus").write_text(RULES)
    first = load_rules([rules_dir], cache=True, stdlib=False)
    (entry,) = cache_dir.glob("rules-*.pickle")
    second = load_rules([rules_dir], cache=True, stdlib=False)
    assert [r.qualname for r in second.plan.checked.rules] == [r.qualname for r in first.plan.checked.rules]
    assert list(cache_dir.glob("rules-*.pickle")) == [entry]


def test_a_changed_rule_file_is_read_again(tmp_path, cache_dir):
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    path = rules_dir / "r.casus"
    path.write_text(RULES)
    load_rules([rules_dir], cache=True, stdlib=False)
    path.write_text(RULES.replace("obliged S to go", "obliged S to stay"))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    changed = load_rules([rules_dir], cache=True, stdlib=False)
    assert changed.plan.checked.rules[0].conclusions[0].action == "stay"


def test_a_broken_rule_file_is_never_cached(tmp_path, cache_dir):
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    (rules_dir / "r.casus").write_text(RULES.replace("cites", "citez", 1))
    for _ in range(2):
        with pytest.raises(CasusError):
            load_rules([rules_dir], cache=True, stdlib=False)
    assert not cache_dir.exists() or not list(cache_dir.glob("rules-*.pickle"))


def test_an_unreadable_cache_entry_is_rebuilt(tmp_path, cache_dir):
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    (rules_dir / "r.casus").write_text(RULES)
    load_rules([rules_dir], cache=True, stdlib=False)
    (entry,) = cache_dir.glob("rules-*.pickle")
    entry.write_bytes(b"not a pickle")
    rebuilt = load_rules([rules_dir], cache=True, stdlib=False)
    assert rebuilt.plan.checked.rules[0].name == "go"


def test_the_cache_can_be_switched_off(tmp_path, cache_dir, monkeypatch):
    monkeypatch.setenv("CASUS_NO_CACHE", "1")
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    (rules_dir / "r.casus").write_text(RULES)
    load_rules([rules_dir], cache=True, stdlib=False)
    assert not cache_dir.exists()
