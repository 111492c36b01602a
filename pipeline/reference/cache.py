"""A parsed copy of a large reference source, so the next run loads it faster.

The national France Compétences export takes a second or two to parse. Its parsed
tables are stored as gzip'd JSON (data only: nothing in the file can run code, unlike
the pickle this replaced) in the user's cache folder (`$FASD_CACHE_DIR`, else
`$XDG_CACHE_HOME/fasd`, else `~/.cache/fasd`), named after the SHA-256 of the source's
bytes: a changed source has another name, and a file planted next to the source is
never read. A table whose values JSON cannot carry exactly (checked by decoding it
again before storing) is not cached; a cache file that does not decode, or whose
recorded hash or version differs, is ignored and rebuilt. Small sources (the bundled
extract) are not cached: parsing them is faster. `FASD_REFERENCE_CACHE=0` turns
caching off.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Callable

import pandas as pd

from .model import Reference

VERSION = 3
MIN_SIZE = 256 * 1024  # bytes: below this, parsing beats loading a cache
TABLES = ("certifs", "fiches", "blocs")


class Unsupported(ValueError):
    """A value the JSON format does not carry exactly."""


def cache_dir() -> Path:
    base = os.environ.get("FASD_CACHE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "fasd"


def content_hash(source: Path) -> str:
    digest = hashlib.sha256()
    with open(source, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_path(source: Path, digest: str) -> Path:
    return cache_dir() / f"reference-{digest}.json.gz"


# -- values <-> JSON ---------------------------------------------------------------------------
def _encode(value):
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise Unsupported(repr(value))
        return value
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, pd.Timestamp):
        return {"ts": value.isoformat()}
    if isinstance(value, dt.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if value is pd.NaT:
        return {"nat": 1}
    raise Unsupported(type(value).__name__)


def _decode(value):
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if "ts" in value:
            return pd.Timestamp(value["ts"])
        if "dt" in value:
            return dt.datetime.fromisoformat(value["dt"])
        if "d" in value:
            return dt.date.fromisoformat(value["d"])
        if "nat" in value:
            return pd.NaT
        raise Unsupported("dict")
    return value


def _encode_series(series: pd.Series) -> dict:
    dtype = str(series.dtype)
    if dtype.startswith("datetime64"):
        values = [None if pd.isna(v) else pd.Timestamp(v).isoformat() for v in series]
    else:
        values = [_encode(v) for v in series.tolist()]
    return {"dtype": dtype, "name": series.name, "values": values}


def _decode_series(data: dict) -> pd.Series:
    dtype = data["dtype"]
    if dtype.startswith("datetime64"):
        return pd.Series(pd.to_datetime(data["values"]), name=data["name"]).astype(dtype)
    return pd.Series([_decode(v) for v in data["values"]], name=data["name"], dtype=dtype)


def encode_frame(frame: pd.DataFrame) -> dict:
    return {
        "index": _encode_series(frame.index.to_series()),
        "columns": [_encode_series(frame[c]) for c in frame.columns],
    }


def decode_frame(data: dict) -> pd.DataFrame:
    index = pd.Index(_decode_series(data["index"]), name=data["index"]["name"])
    columns = {c["name"]: _decode_series(c).set_axis(index) for c in data["columns"]}
    return pd.DataFrame(columns, index=index)


def _same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    try:
        return a.equals(b) and list(a.columns) == list(b.columns) and a.index.equals(b.index)
    except Exception:
        return False


# -- load and store ----------------------------------------------------------------------------
def _load(path: Path, digest: str) -> Reference | None:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            payload = json.load(fh)
        if payload.get("version") != VERSION or payload.get("sha256") != digest:
            return None
        frames = [decode_frame(payload[name]) for name in TABLES]
        return Reference(frames[0], frames[1], frames[2], list(payload["sources"]), list(payload.get("notes", [])))
    except Exception:  # missing, truncated, planted or from another version: rebuild
        return None


def _store(path: Path, digest: str, ref: Reference) -> bool:
    try:
        payload = {
            "version": VERSION,
            "sha256": digest,
            "sources": list(ref.sources),
            "notes": list(getattr(ref, "notes", [])),
        }
        for name in TABLES:
            frame = getattr(ref, name)
            payload[name] = encode_frame(frame)
            if not _same(decode_frame(json.loads(json.dumps(payload[name]))), frame):
                return False  # JSON would not give the same table back: no cache
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as raw, gzip.open(raw, "wt", encoding="utf-8") as fh:
                json.dump(payload, fh, ensure_ascii=False, separators=(",", ":"))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return True
    except (OSError, Unsupported, TypeError, ValueError):
        return False


def cached(source: Path, build: Callable[[Path], Reference]) -> Reference:
    """`build(source)`, or its cached result while the source's bytes are unchanged."""
    source = Path(source)
    try:
        size = source.stat().st_size
    except OSError:
        return build(source)
    if size < MIN_SIZE or os.environ.get("FASD_REFERENCE_CACHE") == "0":
        return build(source)
    try:
        digest = content_hash(source)
    except OSError:
        return build(source)
    path = cache_path(source, digest)
    ref = _load(path, digest)
    if ref is not None:
        return ref
    ref = build(source)
    _store(path, digest, ref)
    return ref
