"""The accounts of the shared page (issue 26, migration 0006): who may act for which establishment.

A person is an email with a role, `organisme` (acts for the SIRETs of `account_siret`) or
`carif` (CARIF-OREF staff: every organisation). Its password is set by the person through
a one-use activation link and kept as an Argon2id hash (argon2-cffi); a forgotten one is
replaced through another one-use link. Nightly jobs use API tokens. No secret is stored:
links, tokens and web sessions are random (secrets.token_urlsafe) and kept as their
SHA-256 digest, so a copy of the base opens no account.

    with Accounts(base) as accounts:
        account_id, secret = accounts.create("a@b.fr", ["12345678900011"])
        accounts.use_link(secret, ACTIVATION, "mot de passe")
        account = accounts.authenticate("a@b.fr", "mot de passe")

The engine is opened once (the page keeps one `Accounts` for its life); each call is its
own short transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from .base import BaseError, check_schema, connection_error, open_engine
from .options import DEFAULT_WAIT
from .schema import account, account_link, account_siret, api_token, base_setting, key_request, web_session

ROLES = ("organisme", "carif")
ACTIVATION, RESET = "activation", "reinit"
LINK_LIFETIME = {ACTIVATION: dt.timedelta(days=14), RESET: dt.timedelta(hours=1)}
MIN_PASSWORD = 12  # characters
BOOKKEEPING_WAIT_MS = 200  # a session's last-seen time waits no longer for another writer
SIGNING_KEY = "cle_sessions"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    role: str
    sirets: tuple[str, ...]
    active: bool

    @property
    def staff(self) -> bool:
        return self.role == "carif"

    def may_act_for(self, siret: str | None) -> bool:
        """Whether the account sees the uploads of `siret` (staff see every one)."""
        return self.staff or (siret is not None and siret in self.sirets)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _aware(value: dt.datetime) -> dt.datetime:
    """SQLite gives back naive datetimes: ours are all UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def normal_email(text: str) -> str:
    email = str(text or "").strip().lower()
    if not EMAIL.match(email) or len(email) > 254:
        raise BaseError(f"adresse électronique invalide : « {text} ».")
    return email


def siret_digits(text: str) -> str:
    digits = re.sub(r"[\s.\-]", "", str(text or ""))
    if not (digits.isdigit() and len(digits) == 14):
        raise BaseError(f"SIRET invalide : « {text} » (14 chiffres attendus).")
    return digits


def password_problem(password: str) -> str | None:
    """Why a new password is refused (French), or None."""
    if len(password or "") < MIN_PASSWORD:
        return f"Le mot de passe doit compter au moins {MIN_PASSWORD} caractères."
    if len(password) > 1024:
        return "Le mot de passe est trop long (1024 caractères au plus)."
    return None


_hasher = None


def hasher():
    """Argon2id with argon2-cffi's defaults (RFC 9106's low-memory choice)."""
    global _hasher
    if _hasher is None:
        from argon2 import PasswordHasher

        _hasher = PasswordHasher()
    return _hasher


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    if not stored:
        hasher().hash(password)  # the same time spent whether the account exists or not
        return False
    try:
        return hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


class Accounts:
    """The account tables of one base, through one engine opened at construction."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.engine = open_engine(base)
        try:
            with self.engine.connect() as conn:
                check_schema(conn, base)
        except OperationalError as exc:
            self.engine.dispose()
            raise connection_error(exc, base) from None
        except BaseError:
            self.engine.dispose()
            raise

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Accounts":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _begin(self):
        return self.engine.begin()

    def signing_key(self) -> bytes:
        """The base's key for signing session cookies, made at first use (base_setting « cle_sessions »)."""
        query = select(base_setting.c.value).where(base_setting.c.name == SIGNING_KEY)
        with self._begin() as conn:
            value = conn.execute(query).scalar()
        if value is None:
            try:
                with self._begin() as conn:
                    value = secrets.token_hex(32)
                    conn.execute(insert(base_setting).values(name=SIGNING_KEY, value=value))
            except IntegrityError:  # another server made it at the same moment
                with self._begin() as conn:
                    value = conn.execute(query).scalar()
        return bytes.fromhex(value)

    # accounts -------------------------------------------------------------------------

    def create(self, email: str, sirets: list[str], role: str = "organisme") -> tuple[int, str]:
        """A new account, inactive until its activation link is used: (id, the link's secret)."""
        email = normal_email(email)
        if role not in ROLES:
            raise BaseError(f"rôle inconnu : « {role} » (organisme ou carif).")
        codes = list(dict.fromkeys(siret_digits(s) for s in sirets))
        if role == "organisme" and not codes:
            raise BaseError("un compte d'organisme agit pour au moins un établissement : donnez --siret.")
        try:
            with self._begin() as conn:
                account_id = conn.execute(
                    insert(account).values(email=email, role=role, password_hash=None, active=False, created_at=now())
                ).inserted_primary_key[0]
                for code in codes:
                    conn.execute(insert(account_siret).values(account_id=account_id, siret=code))
                secret = self._new_link(conn, account_id, ACTIVATION)
        except IntegrityError:
            raise BaseError(f"un compte existe déjà pour {email}.") from None
        return account_id, secret

    def _row_account(self, conn, row) -> Account:
        sirets = conn.execute(
            select(account_siret.c.siret).where(account_siret.c.account_id == row.id).order_by(account_siret.c.siret)
        ).scalars()
        return Account(row.id, row.email, row.role, tuple(sirets), bool(row.active))

    def get(self, account_id: int) -> Account | None:
        with self._begin() as conn:
            row = conn.execute(select(account).where(account.c.id == account_id)).first()
            return self._row_account(conn, row) if row else None

    def find(self, email: str) -> Account | None:
        try:
            email = normal_email(email)
        except BaseError:
            return None
        with self._begin() as conn:
            row = conn.execute(select(account).where(account.c.email == email)).first()
            return self._row_account(conn, row) if row else None

    def authenticate(self, email: str, password: str) -> Account | None:
        """The active account of `email` if `password` is its own, else None (same work either way)."""
        found = self.find(email)
        with self._begin() as conn:
            stored = None
            if found is not None:
                stored = conn.execute(select(account.c.password_hash).where(account.c.id == found.id)).scalar()
            if not verify_password(stored, password) or found is None or not found.active:
                return None
            if hasher().check_needs_rehash(stored):
                conn.execute(
                    update(account).where(account.c.id == found.id).values(password_hash=hash_password(password))
                )
        return found

    # one-use links ----------------------------------------------------------------------

    def _new_link(self, conn, account_id: int, kind: str) -> str:
        secret = secrets.token_urlsafe(32)
        created = now()
        conn.execute(
            insert(account_link).values(
                account_id=account_id,
                kind=kind,
                digest=digest(secret),
                created_at=created,
                expires_at=created + LINK_LIFETIME[kind],
            )
        )
        return secret

    def new_link(self, account_id: int, kind: str) -> str:
        with self._begin() as conn:
            return self._new_link(conn, account_id, kind)

    def reset_link(self, email: str) -> tuple[Account, str] | None:
        """A password-reset link for an activated account of `email`; None when there is none."""
        found = self.find(email)
        if found is None or not found.active:
            return None
        return found, self.new_link(found.id, RESET)

    def link_account(self, secret: str, kind: str) -> Account | None:
        """The account of an unused, unexpired link of `kind`, or None."""
        with self._begin() as conn:
            row = conn.execute(
                select(account_link).where(account_link.c.digest == digest(secret or ""), account_link.c.kind == kind)
            ).first()
            if row is None or row.used_at is not None or _aware(row.expires_at) < now():
                return None
            found = conn.execute(select(account).where(account.c.id == row.account_id)).first()
            return self._row_account(conn, found) if found else None

    def use_link(self, secret: str, kind: str, password: str) -> Account | None:
        """Set the password through a link (used once: a second use finds nothing); activates the account."""
        problem = password_problem(password)
        if problem:
            raise BaseError(problem)
        hashed = hash_password(password)
        with self._begin() as conn:
            row = conn.execute(
                select(account_link).where(account_link.c.digest == digest(secret or ""), account_link.c.kind == kind)
            ).first()
            if row is None or row.used_at is not None or _aware(row.expires_at) < now():
                return None
            used = conn.execute(
                update(account_link)
                .where(account_link.c.id == row.id, account_link.c.used_at.is_(None))
                .values(used_at=now())
            ).rowcount
            if used != 1:  # the same link used twice at once
                return None
            conn.execute(
                update(account).where(account.c.id == row.account_id).values(password_hash=hashed, active=True)
            )
            # a new password ends every session of the account
            conn.execute(delete(web_session).where(web_session.c.account_id == row.account_id))
            found = conn.execute(select(account).where(account.c.id == row.account_id)).first()
            return self._row_account(conn, found)

    # web sessions -----------------------------------------------------------------------

    def new_session(self, account_id: int, siret: str | None) -> str:
        secret = secrets.token_urlsafe(32)
        at = now()
        with self._begin() as conn:
            conn.execute(
                insert(web_session).values(
                    digest=digest(secret), account_id=account_id, siret=siret, created_at=at, seen_at=at
                )
            )
        return secret

    def session(self, secret: str, idle: dt.timedelta) -> tuple[Account, str | None] | None:
        """The account and chosen establishment of a live session (seen within `idle`), or None."""
        key, at = digest(secret or ""), now()
        # a read, then the writes apart: under SQLite, two requests each reading then writing in
        # one transaction deadlock (« database is locked » at once, whatever the timeout)
        with self._begin() as conn:
            row = conn.execute(select(web_session).where(web_session.c.digest == key)).first()
            if row is None:
                return None
            expired = _aware(row.seen_at) + idle < at
            found = None if expired else conn.execute(select(account).where(account.c.id == row.account_id)).first()
            live = found is not None and found.active
            result = (self._row_account(conn, found), row.siret) if live else None
        if expired:
            self._bookkeeping(delete(web_session).where(web_session.c.digest == key))
        elif live and at - _aware(row.seen_at) > dt.timedelta(seconds=30):  # not a write per request
            self._bookkeeping(update(web_session).where(web_session.c.digest == key).values(seen_at=at))
        return result

    def _bookkeeping(self, statement) -> None:
        """A write of the sessions' bookkeeping, in its own short transaction, given up when another
        writer holds the base more than a moment (an import applied): a later request redoes it,
        and the request in hand is answered instead of failing (« database is locked »)."""
        with self.engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            raw = conn.connection.driver_connection
            if sqlite and raw is not None:
                raw.execute(f"PRAGMA busy_timeout = {BOOKKEEPING_WAIT_MS}")
            try:
                with conn.begin():
                    if not sqlite:
                        conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{BOOKKEEPING_WAIT_MS}ms'")
                    conn.execute(statement)
            except DBAPIError:
                pass
            finally:
                if sqlite and raw is not None:
                    raw.execute(f"PRAGMA busy_timeout = {int(DEFAULT_WAIT * 1000)}")

    def choose(self, secret: str, siret: str | None) -> None:
        with self._begin() as conn:
            conn.execute(update(web_session).where(web_session.c.digest == digest(secret or "")).values(siret=siret))

    def end_session(self, secret: str) -> None:
        with self._begin() as conn:
            conn.execute(delete(web_session).where(web_session.c.digest == digest(secret or "")))

    def sweep_sessions(self, idle: dt.timedelta) -> int:
        with self._begin() as conn:
            return conn.execute(delete(web_session).where(web_session.c.seen_at < now() - idle)).rowcount

    # API tokens -------------------------------------------------------------------------

    def new_token(self, email: str, label: str | None = None) -> tuple[int, str]:
        """A token for the account of `email`: (its id, the token, shown once)."""
        found = self.find(email)
        if found is None:
            raise BaseError(f"aucun compte pour {email}.")
        secret = "fasd_" + secrets.token_urlsafe(32)
        with self._begin() as conn:
            token_id = conn.execute(
                insert(api_token).values(account_id=found.id, digest=digest(secret), label=label, created_at=now())
            ).inserted_primary_key[0]
        return token_id, secret

    def token_account(self, secret: str) -> Account | None:
        """The active account of an unrevoked token, or None."""
        with self._begin() as conn:
            row = conn.execute(
                select(account)
                .join(api_token, api_token.c.account_id == account.c.id)
                .where(api_token.c.digest == digest(secret or ""), api_token.c.revoked_at.is_(None))
            ).first()
            if row is None or not row.active:
                return None
            return self._row_account(conn, row)

    def revoke(self, *, token_id: int | None = None, email: str | None = None) -> int:
        """Revoke one token, or every token of an account: how many were revoked."""
        query = update(api_token).where(api_token.c.revoked_at.is_(None))
        if token_id is not None:
            query = query.where(api_token.c.id == token_id)
        elif email is not None:
            found = self.find(email)
            if found is None:
                raise BaseError(f"aucun compte pour {email}.")
            query = query.where(api_token.c.account_id == found.id)
        else:
            raise BaseError("donnez --jeton-id ou --email.")
        with self._begin() as conn:
            return conn.execute(query.values(revoked_at=now())).rowcount

    def tokens(self, email: str) -> list[dict]:
        found = self.find(email)
        if found is None:
            return []
        with self._begin() as conn:
            rows = conn.execute(
                select(api_token.c.id, api_token.c.label, api_token.c.created_at, api_token.c.revoked_at)
                .where(api_token.c.account_id == found.id)
                .order_by(api_token.c.id)
            )
            return [dict(r._mapping) for r in rows]

    # « demander une clé » ---------------------------------------------------------------

    def request_key(self, email: str, siret: str, message: str | None = None) -> int:
        email, siret = normal_email(email), siret_digits(siret)
        with self._begin() as conn:
            pending = conn.execute(select(func.count()).select_from(key_request)).scalar() or 0
            if pending >= 10_000:  # a form open to all: the queue is bounded
                raise BaseError("trop de demandes en attente ; réessayez plus tard.")
            return conn.execute(
                insert(key_request).values(
                    email=email, siret=siret, message=(message or "")[:2000] or None, created_at=now()
                )
            ).inserted_primary_key[0]

    def key_requests(self) -> list[dict]:
        with self._begin() as conn:
            rows = conn.execute(select(key_request).order_by(key_request.c.id))
            return [dict(r._mapping) for r in rows]
