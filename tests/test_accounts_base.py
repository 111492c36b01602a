"""The account tables (catalogue/accounts.py, migration 0006) on SQLite and PostgreSQL:
one-use links, Argon2id passwords, sessions with idle expiry, revocable API tokens, and
no secret stored as such."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import create_engine, select, update

from pipeline import catalogue
from pipeline.catalogue.accounts import ACTIVATION, RESET, Accounts
from pipeline.catalogue.base import BaseError, base_url
from pipeline.catalogue.schema import account, account_link, api_token, web_session

from base_backends import base  # noqa: F401

SIRET_A, SIRET_B = "12345678900011", "12345678900029"
PASSWORD = "une phrase de passe assez longue"


@pytest.fixture
def accounts(base):  # noqa: F811
    catalogue.init(base, validation=False)
    with Accounts(base) as a:
        yield a


def test_activation_link_sets_the_password_once(accounts):
    account_id, secret = accounts.create("Marie@Exemple.fr ", [SIRET_A, "123 456 789 00029"])
    found = accounts.get(account_id)
    assert found.email == "marie@exemple.fr" and found.sirets == (SIRET_A, SIRET_B) and not found.active
    assert accounts.authenticate("marie@exemple.fr", PASSWORD) is None  # no password yet
    assert accounts.link_account(secret, RESET) is None  # an activation link is not a reset one
    assert accounts.link_account(secret, ACTIVATION).id == account_id
    with pytest.raises(BaseError, match="au moins 12"):
        accounts.use_link(secret, ACTIVATION, "court")
    assert accounts.use_link(secret, ACTIVATION, PASSWORD).active
    assert accounts.use_link(secret, ACTIVATION, "un autre mot de passe long") is None  # used
    assert accounts.authenticate("MARIE@exemple.fr", PASSWORD).id == account_id
    assert accounts.authenticate("marie@exemple.fr", PASSWORD + "x") is None
    assert accounts.authenticate("personne@exemple.fr", PASSWORD) is None


def test_secrets_are_stored_as_digests_and_the_password_as_argon2id(accounts, base):  # noqa: F811
    _, secret = accounts.create("a@exemple.fr", [SIRET_A])
    accounts.use_link(secret, ACTIVATION, PASSWORD)
    _, token = accounts.new_token("a@exemple.fr", "nuit")
    session = accounts.new_session(1, SIRET_A)
    engine = create_engine(base_url(base))
    with engine.connect() as conn:
        stored = conn.execute(select(account.c.password_hash)).scalar()
        everything = " ".join(
            str(v) for t in (account_link, api_token, web_session) for row in conn.execute(select(t)) for v in row
        )
    engine.dispose()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    for s in (secret, token, session):
        assert s not in everything


def test_an_expired_link_is_refused(accounts, base):  # noqa: F811
    _, secret = accounts.create("a@exemple.fr", [SIRET_A])
    engine = create_engine(base_url(base))
    with engine.begin() as conn:
        past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)
        conn.execute(update(account_link).values(expires_at=past))
    engine.dispose()
    assert accounts.link_account(secret, ACTIVATION) is None
    assert accounts.use_link(secret, ACTIVATION, PASSWORD) is None


def test_reset_only_for_an_active_account_and_it_ends_the_sessions(accounts):
    account_id, secret = accounts.create("a@exemple.fr", [SIRET_A])
    assert accounts.reset_link("a@exemple.fr") is None  # not activated yet
    assert accounts.reset_link("nobody@exemple.fr") is None
    accounts.use_link(secret, ACTIVATION, PASSWORD)
    session = accounts.new_session(account_id, SIRET_A)
    assert accounts.session(session, dt.timedelta(hours=1))[0].id == account_id
    _, reset = accounts.reset_link("a@exemple.fr")
    accounts.use_link(reset, RESET, "le nouveau mot de passe")
    assert accounts.session(session, dt.timedelta(hours=1)) is None
    assert accounts.authenticate("a@exemple.fr", PASSWORD) is None
    assert accounts.authenticate("a@exemple.fr", "le nouveau mot de passe").id == account_id


def test_sessions_expire_when_idle_and_end_at_logout(accounts, base):  # noqa: F811
    account_id, secret = accounts.create("a@exemple.fr", [SIRET_A, SIRET_B])
    accounts.use_link(secret, ACTIVATION, PASSWORD)
    one, two = accounts.new_session(account_id, SIRET_A), accounts.new_session(account_id, SIRET_A)
    assert one != two
    accounts.choose(one, SIRET_B)
    assert accounts.session(one, dt.timedelta(hours=1))[1] == SIRET_B
    accounts.end_session(one)
    assert accounts.session(one, dt.timedelta(hours=1)) is None
    engine = create_engine(base_url(base))
    with engine.begin() as conn:
        conn.execute(update(web_session).values(seen_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2)))
    engine.dispose()
    assert accounts.session(two, dt.timedelta(hours=1)) is None
    assert accounts.session("pas-une-session", dt.timedelta(hours=1)) is None


def test_tokens_are_revocable_one_by_one_or_all(accounts):
    _, secret = accounts.create("a@exemple.fr", [SIRET_A])
    accounts.use_link(secret, ACTIVATION, PASSWORD)
    first_id, first = accounts.new_token("a@exemple.fr", "nuit")
    _, second = accounts.new_token("a@exemple.fr")
    assert accounts.token_account(first).sirets == (SIRET_A,)
    assert accounts.revoke(token_id=first_id) == 1
    assert accounts.token_account(first) is None and accounts.token_account(second) is not None
    assert accounts.revoke(email="a@exemple.fr") == 1
    assert accounts.token_account(second) is None
    assert [t["label"] for t in accounts.tokens("a@exemple.fr")] == ["nuit", None]


def test_a_duplicate_email_or_a_bad_siret_is_one_french_line(accounts):
    accounts.create("a@exemple.fr", [SIRET_A])
    with pytest.raises(BaseError, match="existe déjà"):
        accounts.create("A@exemple.fr", [SIRET_B])
    with pytest.raises(BaseError, match="SIRET invalide"):
        accounts.create("b@exemple.fr", ["123"])
    with pytest.raises(BaseError, match="au moins un établissement"):
        accounts.create("b@exemple.fr", [])
    staff_id, _ = accounts.create("carif@exemple.fr", [], role="carif")
    assert accounts.get(staff_id).may_act_for(SIRET_B)
    assert not accounts.get(1).may_act_for(SIRET_B) and accounts.get(1).may_act_for(SIRET_A)


def test_key_requests_are_queued(accounts):
    accounts.request_key("Chef@Organisme.fr", "12345678900011", "Nous voulons déposer notre offre.")
    assert [(r["email"], r["siret"]) for r in accounts.key_requests()] == [("chef@organisme.fr", SIRET_A)]
