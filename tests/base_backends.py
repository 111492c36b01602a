"""The catalogue's two backends for the tests: a SQLite file, and a PostgreSQL schema per test.

PostgreSQL is the server of FASD_TEST_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/test.
Where none answers the PostgreSQL cases skip with a message, except under CI=true,
where they fail: CI must test both backends. Each test gets its own schema (through
libpq's search_path option in the URL), dropped afterwards, so runs never collide.
"""

from __future__ import annotations

import contextlib
import os
import uuid

import pytest

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
_server: dict = {}


def pg_url() -> str:
    return os.environ.get("FASD_TEST_DATABASE_URL") or DEFAULT_PG


def _engine():
    from sqlalchemy import create_engine
    from pipeline.catalogue.base import base_url

    return create_engine(base_url(pg_url()), connect_args={"connect_timeout": 5})


def require_postgresql() -> None:
    if "error" not in _server:
        try:
            engine = _engine()
            with engine.connect() as conn:
                conn.exec_driver_sql("select 1")
            engine.dispose()
            _server["error"] = None
        except Exception as exc:  # any failure to reach the server
            _server["error"] = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
    if _server["error"]:
        message = f"pas de serveur PostgreSQL à {pg_url()} ({_server['error']})"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " : obligatoire sous CI=true")
        pytest.skip(message)


def with_schema(url: str, schema: str) -> str:
    return url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", "postgresql"])
def base(request, tmp_path):
    """A --base value, not yet initialised, on each backend."""
    if request.param == "sqlite":
        yield str(tmp_path / "catalogue.sqlite")
        return
    require_postgresql()
    with fresh_schema() as url:
        yield url


@contextlib.contextmanager
def fresh_schema():
    """A --base URL on a new PostgreSQL schema of its own, dropped afterwards."""
    schema = f"fasd_test_{uuid.uuid4().hex[:12]}"
    engine = _engine()
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield with_schema(pg_url(), schema)
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        engine.dispose()
