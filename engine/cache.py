"""A private, authenticated cache of built objects (the rule set, the parser tables).

Entries are pickles, and a pickle can run code when it is loaded, so nothing is
unpickled unless it is proven to have been written by this user's casus:

- the cache directory (`$CASUS_CACHE_DIR`, else `$XDG_CACHE_HOME/casus`, else
  `~/.cache/casus`) is created 0700 and used only if it is owned by the current
  user and writable by no one else; otherwise nothing is cached;
- a random secret key lives in that directory, 0600, created once;
- every entry is `MAGIC + HMAC-SHA256(key, payload) + payload`, written to a
  temporary file and renamed into place, so readers see a whole entry or none;
- an entry whose HMAC does not match (corrupt, truncated, planted, or written
  under another key) is ignored and rebuilt, never unpickled.

Entries are named by the caller after a SHA-256 of everything they were built
from, so a stale entry is simply never looked up; it is deleted once the cache
holds more than MAX_CACHE_ENTRIES entries or MAX_CACHE_BYTES, least recently used
first. `CASUS_NO_CACHE=1` turns the cache off.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import secrets
import stat
import tempfile
import time
from pathlib import Path
from typing import Any

from engine.limits import MAX_CACHE_BYTES, MAX_CACHE_ENTRIES

MAGIC = b"casus-cache-1\n"
_KEY_FILE = "key"
_DIGEST = hashlib.sha256().digest_size


def cache_root() -> Path | None:
    """The configured cache directory, or None when caching is off."""
    if os.environ.get("CASUS_NO_CACHE"):
        return None
    base = os.environ.get("CASUS_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "casus")
    return Path(base)


def _private(folder: Path) -> bool:
    """True if `folder` is a directory owned by us that nobody else can write to."""
    try:
        st = os.stat(folder)
    except OSError:
        return False
    if not stat.S_ISDIR(st.st_mode):
        return False
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return False
    return not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def private_dir() -> Path | None:
    """The cache directory, created 0700 if missing; None if it is off or not safe to use."""
    folder = cache_root()
    if folder is None:
        return None
    try:
        if not folder.exists():
            folder.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.mkdir(folder, 0o700)
            except FileExistsError:
                pass
    except OSError:
        return None
    return folder if _private(folder) else None


def _read_key(path: Path) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if (not stat.S_ISREG(st.st_mode) or st.st_mode & 0o077
                or (hasattr(os, "getuid") and st.st_uid != os.getuid())):
            return None
        key = os.read(fd, 64)
    finally:
        os.close(fd)
    return key if len(key) == 32 else None


def _key(folder: Path) -> bytes | None:
    """The directory's secret, made once: written whole to a temporary file, then linked into place."""
    path = folder / _KEY_FILE
    key = _read_key(path)
    if key is not None or path.exists():
        return key
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".key-")  # mode 0600
        try:
            os.write(fd, secrets.token_bytes(32))
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)  # fails if another process made the key first; then use theirs
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    except OSError:
        return None
    return _read_key(path)


def _sign(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()


def load(name: str) -> Any | None:
    """The object stored under `name`, if there is an authentic entry; else None."""
    folder = private_dir()
    key = _key(folder) if folder is not None else None
    if key is None:
        return None
    try:
        with open(folder / name, "rb") as handle:
            blob = handle.read()
    except OSError:
        return None
    head = len(MAGIC)
    if not blob.startswith(MAGIC) or len(blob) < head + _DIGEST:
        return None
    tag, payload = blob[head: head + _DIGEST], blob[head + _DIGEST:]
    if not hmac.compare_digest(tag, _sign(key, payload)):
        return None
    try:
        value = pickle.loads(payload)
    except Exception:  # noqa: BLE001 - an authentic entry from an incompatible build: rebuild it
        return None
    try:
        os.utime(folder / name)  # used now: the last to be pruned
    except OSError:
        pass
    return value


def store(name: str, value: Any) -> bool:
    """Keep `value` under `name`; False if it could not be written (that only costs time)."""
    folder = private_dir()
    key = _key(folder) if folder is not None else None
    if key is None:
        return False
    try:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - something that cannot be pickled is simply not cached
        return False
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".entry-", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(MAGIC + _sign(key, payload) + payload)
        os.replace(tmp, folder / name)
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        return False
    prune(folder, keep=name)
    return True


_ABANDONED = 3600  # seconds after which a temporary file is taken to be left by a process that died


def prune(folder: Path, keep: str | None = None) -> None:
    """Delete the least recently used entries beyond the limits, and temporary files left by killed runs.

    Another process may be pruning or reading at the same time: a file gone already is no error, and a
    reader that loses an entry rebuilds it."""
    now = time.time()
    entries = []
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name == _KEY_FILE:
            continue
        path = folder / name
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        if name.startswith("."):
            if now - st.st_mtime > _ABANDONED:
                path.unlink(missing_ok=True)
            continue
        entries.append((name == keep, st.st_mtime, name, st.st_size))
    entries.sort(reverse=True)  # the one just written, then the most recently used
    total = 0
    for i, (_, _, name, size) in enumerate(entries):
        total += size
        if i >= MAX_CACHE_ENTRIES or (i > 0 and total > MAX_CACHE_BYTES):
            try:
                (folder / name).unlink()
            except OSError:
                pass


def digest(*parts: bytes | str) -> str:
    """A SHA-256 over `parts`, each length-prefixed so that no two lists of parts collide."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


_ENGINE_VERSION: str | None = None


def engine_version() -> str:
    """A digest of the engine's own code and grammar and of the Python and library versions it runs on."""
    global _ENGINE_VERSION
    if _ENGINE_VERSION is None:
        import sys

        import lark
        import pydantic

        from engine.resources import grammar_file

        package = Path(__file__).resolve().parent
        parts: list[bytes | str] = [sys.version, lark.__version__, pydantic.VERSION]
        for f in sorted(package.rglob("*.py")):
            parts += [str(f.relative_to(package)), f.read_bytes()]
        parts.append(grammar_file().read_bytes())
        _ENGINE_VERSION = digest(*parts)
    return _ENGINE_VERSION
