"""Accounts for the tests of the shared page: made straight in the base, then a login."""

from __future__ import annotations

from pipeline.catalogue.accounts import ACTIVATION, Accounts

PASSWORD = "une phrase de passe assez longue"


def make_account(base: str, email: str, sirets=(), role: str = "organisme", password: str = PASSWORD) -> int:
    """An activated account of `email` with `password`: its id."""
    with Accounts(base) as accounts:
        account_id, secret = accounts.create(email, list(sirets), role)
        accounts.use_link(secret, ACTIVATION, password)
    return account_id


def login(client, email: str, password: str = PASSWORD):
    """Log `client` (httpx) in through the page's form; the response (303 when it worked)."""
    client.get("/connexion")
    return client.post(
        "/connexion", data={"csrf": client.cookies.get("fasd_csrf"), "email": email, "mot_de_passe": password}
    )
