"""Opening a catalogue base: the `--base` value, the engine, the schema version, the lock.

`--base catalogue.sqlite` (a path) is an embedded SQLite file; `--base postgresql://…`
a shared server, reached through psycopg 3. Everything else is one code path
(SQLAlchemy Core). The schema is created and upgraded by the Alembic migrations
shipped in `migrations/` (`fasd base init`); other commands refuse a base that is not
at the current revision rather than guess.

Two imports never interleave: an import starts its transaction by updating the one
row of `base_lock`, which SQLite (write lock) and PostgreSQL (row lock) both hold
until commit or rollback, so a killed import releases it too. The second import
waits at most `wait` seconds, then gets `BaseBusy`.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from pathlib import Path

from sqlalchemy import create_engine, event, update
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from ..model.errors import FasdError
from .options import DEFAULT_WAIT
from .schema import base_lock

MIGRATIONS = Path(__file__).parent / "migrations"


class BaseError(FasdError):
    """A base that cannot be used as asked: one French line, exit code 2."""


class BaseBusy(BaseError):
    """Another import holds the base longer than we may wait."""


def base_url(value: str) -> str:
    """The SQLAlchemy URL of a `--base` value: a file path, or a URL (postgresql:// → psycopg 3)."""
    value = str(value).strip()
    if "://" not in value:
        return "sqlite:///" + str(Path(value).expanduser().resolve())
    if value.startswith("postgresql://") or value.startswith("postgres://"):
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    return value


def display(value: str) -> str:
    """The base as shown in messages, without a password."""
    if "://" not in str(value):
        return str(value)
    try:
        return make_url(str(value).strip()).render_as_string(hide_password=True)
    except ArgumentError:
        return str(value)


def _sqlite_transactions(engine: Engine) -> None:
    """pysqlite opens transactions lazily and on its own; let SQLAlchemy say BEGIN (SQLAlchemy docs)."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN")


def open_engine(value: str, *, wait: float = DEFAULT_WAIT, must_exist: bool = True) -> Engine:
    """An engine for the base; BaseError when the value is not a base we can open."""
    try:
        url = make_url(base_url(value))
    except ArgumentError:
        raise BaseError(
            f"--base {value} : adresse de base non reconnue (un fichier .sqlite ou postgresql://utilisateur@hôte/base)."
        ) from None
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        if must_exist and not path.is_file():
            raise BaseError(f"base introuvable : {path} ; créez-la avec « fasd base init --base {value} ».")
        if not path.parent.is_dir():
            raise BaseError(f"dossier introuvable pour la base : {path.parent}.")
        engine = create_engine(url, connect_args={"timeout": wait})
        _sqlite_transactions(engine)
    elif url.get_backend_name() == "postgresql":
        engine = create_engine(url, connect_args={"connect_timeout": 10})
    else:
        raise BaseError(f"--base {display(value)} : seules SQLite et PostgreSQL sont prises en charge.")
    return engine


def connection_error(exc: Exception, value: str) -> BaseError:
    """A French line for a server that does not answer or refuses us."""
    detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return BaseError(f"base {display(value)} inaccessible ({detail}).")


def _alembic_config(connection: Connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def known_revision(revision: str) -> bool:
    """Whether `revision` is one of this program's migrations (not one of a newer version)."""
    from alembic.script import ScriptDirectory
    from alembic.config import Config
    from alembic.util import CommandError

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    try:
        return ScriptDirectory.from_config(cfg).get_revision(revision) is not None
    except CommandError:
        return False


def newer_base(value: str, revision: str) -> BaseError:
    return BaseError(
        f"la base {display(value)} a été créée ou mise à jour par une version plus récente de fasd "
        f"(schéma {revision}, inconnu de ce programme) ; mettez à jour le programme pour l'utiliser. "
        "« fasd base init » ne la modifiera pas."
    )


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def init_base(value: str) -> tuple[str | None, str | None]:
    """Create the base, or upgrade its schema to the current revision: (before, after)."""
    from alembic import command

    engine = open_engine(value, must_exist=False)
    try:
        with engine.begin() as conn:
            before = current_revision(conn)
            if before is not None and not known_revision(before):  # never touch a newer schema
                raise newer_base(value, before)
            command.upgrade(_alembic_config(conn), "head")
            after = current_revision(conn)
    except OperationalError as exc:
        raise connection_error(exc, value) from None
    finally:
        engine.dispose()
    return before, after


def check_schema(connection: Connection, value: str) -> None:
    """BaseError unless the base was initialised at the current schema revision."""
    revision = current_revision(connection)
    if revision is None:
        raise BaseError(f"la base {display(value)} n'est pas initialisée ; lancez « fasd base init --base {value} ».")
    if not known_revision(revision):
        raise newer_base(value, revision)
    if revision != head_revision():
        raise BaseError(
            f"le schéma de la base {display(value)} est à la révision {revision}, pas à la "
            f"révision {head_revision()} de ce programme ; lancez « fasd base init --base {value} »."
        )


def holder() -> str:
    return f"{socket.gethostname()} pid {os.getpid()}"


def acquire_lock(connection: Connection, wait: float) -> dt.datetime:
    """Take the base's write lock for this transaction, waiting at most `wait` seconds."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{max(1, int(wait * 1000))}ms'")
    now = dt.datetime.now(dt.timezone.utc)
    try:
        connection.execute(update(base_lock).where(base_lock.c.id == 1).values(holder=holder(), since=now))
    except (OperationalError, DBAPIError) as exc:
        raise BaseBusy(
            f"la base est occupée par un autre import depuis plus de {wait:g} s ; "
            "réessayez quand il sera terminé (ou allongez --attente)."
        ) from exc
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL lock_timeout = 0")
    return dt.datetime.now(dt.timezone.utc)
