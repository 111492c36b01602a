"""A parsed copy of a large reference source, so the next run loads it in a blink.

The national France Compétences export takes a second or two to parse; its parsed
tables are pickled next to the source (`.<name>.fasd-cache.pkl`) and reused while the
source keeps the same size and modification time. When the source's folder is
read-only the cache goes to `$FASD_CACHE_DIR` or `~/.cache/fasd`; when that fails
too, no cache. Small sources (the bundled extract) are not cached: parsing them is
faster than checking a cache. `FASD_REFERENCE_CACHE=0` turns caching off.

The pickle is our own file, written by this module; a cache that does not load for
any reason is ignored and rebuilt.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Callable

import pandas as pd

from .model import Reference

VERSION = 3
MIN_SIZE = 256 * 1024  # bytes: below this, parsing beats unpickling


def cache_paths(source: Path) -> list[Path]:
    """Where the cache of `source` may live, in order of preference."""
    source = Path(source).resolve()
    digest = hashlib.sha1(str(source).encode("utf-8")).hexdigest()[:16]
    user = Path(os.environ.get("FASD_CACHE_DIR") or Path.home() / ".cache" / "fasd")
    return [source.parent / f".{source.name}.fasd-cache.pkl", user / f"{source.name}-{digest}.pkl"]


def _key(source: Path) -> tuple:
    """What the cache must match: loader version, pandas version (pickles), size, mtime."""
    st = source.stat()
    return (VERSION, pd.__version__, st.st_size, st.st_mtime_ns)


def _load(path: Path, key: tuple) -> Reference | None:
    try:
        with open(path, "rb") as fh:
            payload = pickle.load(fh)
        if payload.get("key") != key:
            return None
        return Reference(payload["certifs"], payload["fiches"], payload["blocs"], payload["sources"],
                         payload.get("notes", []))
    except Exception:  # missing, stale, truncated or from another version: rebuild
        return None


def _store(path: Path, key: tuple, ref: Reference) -> bool:
    payload = {"key": key, "certifs": ref.certifs, "fiches": ref.fiches, "blocs": ref.blocs,
               "sources": ref.sources, "notes": ref.notes}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return True
    except OSError:
        return False


def cached(source: Path, build: Callable[[Path], Reference]) -> Reference:
    """`build(source)`, or its cached result while the source is unchanged."""
    source = Path(source)
    try:
        key = _key(source)
    except OSError:
        return build(source)
    if key[2] < MIN_SIZE or os.environ.get("FASD_REFERENCE_CACHE") == "0":
        return build(source)
    paths = cache_paths(source)
    for path in paths:
        ref = _load(path, key)
        if ref is not None:
            return ref
    ref = build(source)
    for path in paths:
        if _store(path, key, ref):
            break
    return ref
