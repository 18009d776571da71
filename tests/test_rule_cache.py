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


def test_old_entries_are_deleted_least_recently_used_first(cache_dir, monkeypatch):
    """Every edit of a rule file leaves an entry no one will look up again: the cache must not grow for ever."""
    import time

    from engine import cache, limits

    monkeypatch.setattr(cache, "MAX_CACHE_ENTRIES", 5)
    assert cache.store("entry-0", "first")
    old = time.time() - 100
    for i in range(1, 5):
        assert cache.store(f"entry-{i}", i)
        os.utime(cache_dir / f"entry-{i}", (old + i, old + i))
    os.utime(cache_dir / "entry-0", (old, old))
    assert cache.load("entry-0") == "first"  # used now: kept
    abandoned = cache_dir / ".entry-dead.tmp"
    abandoned.write_bytes(b"left by a killed run")
    os.utime(abandoned, (old - 7200, old - 7200))
    for i in range(5, 8):
        assert cache.store(f"entry-{i}", i)
    kept = sorted(p.name for p in cache_dir.iterdir() if p.name.startswith("entry-"))
    assert kept == ["entry-0", "entry-4", "entry-5", "entry-6", "entry-7"]
    assert not abandoned.exists() and (cache_dir / "key").exists()
    assert limits.MAX_CACHE_ENTRIES >= 16 and limits.MAX_CACHE_BYTES >= 64_000_000
