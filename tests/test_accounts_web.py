"""`fasd serve --base` with accounts (issue 26), over HTTP: no page without a session, the
CSRF pair on every POST, another organisation's session gets 404, throttled logins,
the password reset by mail through a real SMTP server (aiosmtpd), logout, the two modes
of `fasd serve`.

Two organisations of tests/test_organisations.py: A acts for GROUP, B for OTHER; their
offer is in the base before the server starts (catalogue.apply), so each dashboard has
its own counts.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import shutil
import subprocess
import time

import httpx
import openpyxl
import pytest
from click.testing import CliRunner

from pipeline import catalogue
from pipeline.catalogue.accounts import Accounts
from pipeline.web.app import Runner, create_app
from pipeline.web.auth import PER_ADDRESS, PER_EMAIL, SESSION_COOKIE, Throttle
from pipeline.web.mail import Mailer
from pipeline.web.settings import Settings
from pipeline.web.testing import serving

from accounts_helpers import PASSWORD, login, make_account
from smtp_server import smtp_server

A, A2, B, STAFF = "a@organisme-a.fr", "a2@organisme-a.fr", "b@organisme-b.fr", "equipe@carif.example"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from factory import TODAY, write_workbook
    from pipeline.engine.run import run
    from test_organisations import GROUP, OTHER, group_offer

    folder = tmp_path_factory.mktemp("accounts-web")
    base = str(folder / "catalogue.sqlite")
    catalogue.init(base, validation=False)
    offer = group_offer(second_owner=True)
    for session in offer["session"]:  # still running on the page's today
        session["date_fin"] = "31/12/2099"
    book = write_workbook(folder / "offre.xlsx", offer)
    catalogue.apply(run([book], today=TODAY), base)
    make_account(base, A, [GROUP])
    make_account(base, A2, [GROUP, "40123456200015"])
    make_account(base, B, [OTHER])
    make_account(base, STAFF, role="carif")
    with smtp_server() as (smtp_url, inbox):
        settings = Settings.make(folder / "envois", base=base, public_url="https://offres.exemple.fr")
        app = create_app(settings, Runner(1, processes=False), Mailer(smtp_url))
        with serving(app) as url:
            yield {"app": app, "url": url, "base": base, "book": book, "inbox": inbox, "group": GROUP, "other": OTHER}


@pytest.fixture(autouse=True)
def fresh_throttles(request):
    """Every test from 127.0.0.1: each starts with no failure counted."""
    if "world" in request.fixturenames:
        auth = request.getfixturevalue("world")["app"].state.auth
        auth.by_email.failures.clear()
        auth.by_address.failures.clear()


@contextlib.contextmanager
def client(world, email: str | None = None):
    with httpx.Client(base_url=world["url"], follow_redirects=False, timeout=60) as c:
        if email:
            assert login(c, email).status_code == 303
        yield c


def text(response) -> str:
    return html.unescape(response.text)


def wait_done(c, location):
    for _ in range(600):
        state = c.get(location + "/etat").json()
        if state["status"] in ("done", "failed"):
            return state
        time.sleep(0.1)
    raise AssertionError("the run did not finish")


def upload(c, world, **data):
    with open(world["book"], "rb") as fh:
        return c.post(
            "/envois",
            data={"csrf": c.cookies.get("fasd_csrf"), "date": "2026-03-01", **data},
            files={"fichiers": ("offre.xlsx", fh)},
        )


@pytest.fixture(scope="module")
def job_of_a(world):
    """An upload of A, done: its page address."""
    with client(world, A) as c:
        response = upload(c, world)
        assert response.status_code == 303, text(response)
        location = response.headers["location"]
        assert wait_done(c, location)["status"] == "done"
    return location


def test_no_session_no_page_but_the_login_the_template_and_static(world, job_of_a):
    with client(world) as c:
        for path in ("/", job_of_a, job_of_a + "/fichiers/report.xlsx", "/tableau-de-bord"):
            response = c.get(path)
            assert response.status_code == 303 and response.headers["location"].startswith("/connexion?suite="), path
        state = c.get(job_of_a + "/etat")
        assert state.status_code == 401 and state.json() == {"erreur": "connexion requise"}
        c.get("/connexion")
        csrf = c.cookies.get("fasd_csrf")
        for path in ("/envois", job_of_a + "/appliquer"):
            response = c.post(path, data={"csrf": csrf})
            assert response.status_code == 303 and response.headers["location"].startswith("/connexion"), path
        for path in ("/connexion", "/mot-de-passe-oublie", "/demande-de-cle", "/modele.xlsx", "/static/fasd.css"):
            assert c.get(path).status_code == 200, path
        assert "Nouvel envoi" not in c.get("/connexion").text


def test_login_goes_back_where_it_was_asked_and_never_to_another_site(world, job_of_a):
    with client(world) as c:
        suite = c.get(job_of_a).headers["location"].split("suite=", 1)[1]
        page = text(c.get("/connexion?suite=" + suite))
        assert f'name="suite" value="{job_of_a}"' in page
        data = {"csrf": c.cookies.get("fasd_csrf"), "email": A, "mot_de_passe": PASSWORD, "suite": job_of_a}
        assert c.post("/connexion", data=data).headers["location"] == job_of_a
    with client(world) as c:
        c.get("/connexion")
        data = {"csrf": c.cookies.get("fasd_csrf"), "email": A, "mot_de_passe": PASSWORD, "suite": "//evil.example/"}
        assert c.post("/connexion", data=data).headers["location"] == "/"


def test_the_upload_belongs_to_the_chosen_establishment(world, job_of_a):
    folder = world["base"].rsplit("/", 1)[0] + "/envois/" + job_of_a.rsplit("/", 1)[1]
    meta = json.loads(open(folder + "/meta.json", encoding="utf-8").read())
    assert meta["organisme"] == [world["group"]] and meta["siret"] == world["group"]
    summary = json.loads(open(folder + "/out/summary.json", encoding="utf-8").read())
    assert summary["findings"]["by_code"]["ORGANISME_AUTRE"] == 1  # OTHER's formation, not A's to write
    with client(world, A) as c:  # another organisation's establishment in the form: refused
        refused = upload(c, world, organisme=world["other"])
        assert refused.status_code == 403 and "n'agit pas pour cet établissement" in text(refused)


def test_another_organisation_gets_404_on_every_route_of_the_job(world, job_of_a):
    with client(world, B) as c:
        csrf = c.cookies.get("fasd_csrf")
        for path in (job_of_a, job_of_a + "/etat", job_of_a + "/fichiers/report.xlsx", job_of_a + "/fichiers/lheo.xml"):
            assert c.get(path).status_code == 404, path
        assert c.post(job_of_a + "/appliquer", data={"csrf": csrf}).status_code == 404
        # the same answer as for an id that is none: nothing tells the job exists
        assert c.get("/envois/" + "x" * 43).status_code == 404
    with client(world, A2) as c:  # another account of the same establishment sees it
        assert c.get(job_of_a).status_code == 200
    with client(world, STAFF) as c:  # staff see every organisation's
        assert c.get(job_of_a).status_code == 200
        assert c.get(job_of_a + "/fichiers/report.xlsx").status_code == 200


def test_a_forged_or_foreign_session_cookie_is_refused(world, job_of_a):
    with client(world, A) as c:
        good = c.cookies.get(SESSION_COOKIE)
    secret, mac = good.rsplit(".", 1)
    forged = secret[:-1] + ("A" if secret[-1] != "A" else "B") + "." + mac
    for value in (forged, secret, secret + ".", "nimporte.quoi"):
        with httpx.Client(base_url=world["url"], cookies={SESSION_COOKIE: value}, timeout=60) as c:
            assert c.get(job_of_a).status_code == 303
    with client(world, B) as c:
        assert c.get(job_of_a).status_code == 404


def test_csrf_is_required_on_every_post(world, job_of_a):
    with client(world) as c:
        c.get("/connexion")
        no_csrf = c.post("/connexion", data={"email": A, "mot_de_passe": PASSWORD})
        assert no_csrf.status_code == 403 and SESSION_COOKIE not in no_csrf.cookies
    with client(world, A) as c:
        csrf = c.cookies.get("fasd_csrf")
        with open(world["book"], "rb") as fh:
            refused = c.post("/envois", data={"csrf": "autre"}, files={"fichiers": ("offre.xlsx", fh)})
        assert refused.status_code == 403
        cross = c.post(job_of_a + "/appliquer", data={"csrf": csrf}, headers={"origin": "https://evil.example"})
        assert cross.status_code == 403
        assert c.post("/deconnexion", data={}).status_code == 403
        assert c.post("/etablissement", data={"siret": world["group"]}).status_code == 403
        assert c.get("/").status_code == 200  # still logged in


def test_csrf_is_refused_on_the_public_forms_and_on_apply(world, job_of_a):
    with Accounts(world["base"]) as accounts:
        _, secret = accounts.create("csrf@organisme-b.fr", [world["other"]])
    password = {"mot_de_passe": PASSWORD, "confirmation": PASSWORD}
    with Accounts(world["base"]) as accounts:
        mails, requests = len(world["inbox"].messages), len(accounts.key_requests())
    with client(world) as c:
        c.get("/connexion")
        for path, data in (
            ("/mot-de-passe-oublie", {"email": B}),
            ("/demande-de-cle", {"email": "x@y.fr", "siret": "13000511900032"}),
            (f"/activation/{secret}", password),
        ):
            for token in (None, "autre"):
                refused = c.post(path, data={**data, **({"csrf": token} if token else {})})
                assert refused.status_code == 403 and "formulaire a expiré" in text(refused), (path, token)
        assert c.get(f"/activation/{secret}").status_code == 200  # the link was not used up
    assert len(world["inbox"].messages) == mails  # no mail sent
    with Accounts(world["base"]) as accounts:
        assert len(accounts.key_requests()) == requests  # no request queued
    with client(world, A) as c:
        assert c.post(job_of_a + "/appliquer", data={"csrf": "autre"}).status_code == 403
        assert c.post(job_of_a + "/appliquer", data={}).status_code == 403
        state = json.loads(c.get(job_of_a + "/etat").text)
        assert state["status"] == "done"  # nothing queued


def test_logout_ends_the_session_on_the_server(world, job_of_a):
    with client(world, A) as c:
        value = c.cookies.get(SESSION_COOKIE)
        assert c.get(job_of_a).status_code == 200
        assert c.post("/deconnexion", data={"csrf": c.cookies.get("fasd_csrf")}).status_code == 303
        assert c.get(job_of_a).status_code == 303
    with httpx.Client(base_url=world["url"], cookies={SESSION_COOKIE: value}, timeout=60) as c:
        assert c.get(job_of_a).status_code == 303  # the old cookie replayed: no session behind it


def test_each_login_makes_a_new_session_and_cookies_are_httponly_lax(world):
    with client(world) as c:
        c.get("/connexion")
        c.cookies.set(SESSION_COOKIE, "fixe.e", domain="127.0.0.1")  # a cookie planted before login is not kept
        response = login(c, A)
        header = [v for k, v in response.headers.multi_items() if k == "set-cookie" and SESSION_COOKIE in v][0]
        assert "HttpOnly" in header and "SameSite=lax" in header and "Secure" not in header
        first = c.cookies.get(SESSION_COOKIE)
        login(c, A)
        assert c.cookies.get(SESSION_COOKIE) not in (first, "fixe.e")
    with httpx.Client(base_url=world["url"], cookies={SESSION_COOKIE: first}, timeout=60) as c:
        assert c.get("/").status_code == 303  # the session before the second login ended with it


def test_thirty_wrong_passwords_get_429_with_a_french_message(world):
    statuses = []
    with client(world) as c:
        c.get("/connexion")
        for _ in range(30):
            response = c.post(
                "/connexion", data={"csrf": c.cookies.get("fasd_csrf"), "email": A2, "mot_de_passe": "mauvais"}
            )
            statuses.append(response.status_code)
        assert statuses[:PER_EMAIL] == [401] * PER_EMAIL and set(statuses[PER_EMAIL:]) == {429}
        assert "Trop de tentatives" in text(response) and 0 < int(response.headers["retry-after"]) <= 301
        right = c.post("/connexion", data={"csrf": c.cookies.get("fasd_csrf"), "email": A2, "mot_de_passe": PASSWORD})
        assert right.status_code == 429  # the right password waits too: no guessing through the block
    # other emails from the same address: the address's own limit (this client already failed 5 times)
    with client(world) as c:
        c.get("/connexion")
        codes = [
            c.post(
                "/connexion", data={"csrf": c.cookies.get("fasd_csrf"), "email": f"x{i}@y.fr", "mot_de_passe": "m"}
            ).status_code
            for i in range(PER_ADDRESS)
        ]
        assert codes[-1] == 429 and codes[0] == 401


def test_the_throttle_forgets_after_its_window():
    now = [1000.0]
    throttle = Throttle(3, window=300, clock=lambda: now[0])
    for _ in range(3):
        assert throttle.retry_after("k") == 0
        throttle.fail("k")
        now[0] += 10
    assert throttle.retry_after("k") == 300 - 30 + 1
    assert throttle.retry_after("autre") == 0
    now[0] += 300 - 30 + 1
    assert throttle.retry_after("k") == 0
    throttle.fail("k")
    throttle.clear("k")
    assert throttle.retry_after("k") == 0


def test_password_reset_by_mail_through_smtp(world):
    inbox = world["inbox"]
    before = len(inbox.messages)
    with client(world) as c:
        c.get("/mot-de-passe-oublie")
        answers = [
            text(c.post("/mot-de-passe-oublie", data={"csrf": c.cookies.get("fasd_csrf"), "email": email}))
            for email in (B, "personne@nulle-part.fr")
        ]
    assert answers[0] == answers[1] and "Si un compte activé existe" in answers[0]  # no existence leak
    assert [m["To"] for m in inbox.messages[before:]] == [B]
    (link,) = [x for x in inbox.links(r"https://offres\.exemple\.fr/reinitialisation/\S+")][-1:]
    path = link.removeprefix("https://offres.exemple.fr")
    with client(world) as c:
        form = c.get(path)
        assert form.status_code == 200 and B in text(form)
        data = {"csrf": c.cookies.get("fasd_csrf"), "mot_de_passe": "nouveau mot de passe long"}
        assert c.post(path, data={**data, "confirmation": "autre chose encore"}).status_code == 422
        assert (
            c.post(path, data={**data, "confirmation": data["mot_de_passe"]})
            .headers["location"]
            .startswith("/connexion")
        )
        assert c.get(path).status_code == 404  # one use
        assert login(c, B).status_code == 401  # the old password is gone
        assert login(c, B, "nouveau mot de passe long").status_code == 303
    with Accounts(world["base"]) as accounts:  # the others keep logging in with their own
        accounts.use_link(accounts.reset_link(B)[1], "reinit", PASSWORD)


def test_activation_link_then_login(world):
    with Accounts(world["base"]) as accounts:
        _, secret = accounts.create("nouveau@organisme-b.fr", [world["other"]])
    with client(world) as c:
        assert login(c, "nouveau@organisme-b.fr").status_code == 401  # not activated
        page = c.get(f"/activation/{secret}")
        assert page.status_code == 200 and "nouveau@organisme-b.fr" in page.text
        data = {"csrf": c.cookies.get("fasd_csrf"), "mot_de_passe": PASSWORD, "confirmation": PASSWORD}
        assert c.post(f"/activation/{secret}", data=data).status_code == 303
        assert c.get(f"/activation/{secret}").status_code == 404
        assert c.get("/reinitialisation/" + secret).status_code == 404  # not a reset link
        assert login(c, "nouveau@organisme-b.fr").status_code == 303


def test_key_request_is_queued_for_staff(world):
    with client(world) as c:
        c.get("/demande-de-cle")
        data = {"csrf": c.cookies.get("fasd_csrf"), "email": "chef@nouvel-organisme.fr", "siret": "123"}
        assert c.post("/demande-de-cle", data=data).status_code == 422
        ok = c.post("/demande-de-cle", data={**data, "siret": "13000511900032", "message": "Bonjour"})
        assert ok.status_code == 200 and "Demande enregistrée" in ok.text
    with Accounts(world["base"]) as accounts:
        assert ("chef@nouvel-organisme.fr", "13000511900032") in [
            (r["email"], r["siret"]) for r in accounts.key_requests()
        ]


def formations(page: str) -> int:
    return int(re.search(r"Formations en ligne</a></th><td>(\d+)<", page).group(1))


def test_the_dashboard_is_the_chosen_establishments_own(world):
    with client(world, A) as c:
        board = text(c.get(f"/tableau-de-bord?organisme={world['other']}"))  # asks for B's: gets its own
        assert formations(board) == 2 and 'id="choix-etablissement"' not in board
    with client(world, B) as c:
        assert formations(text(c.get("/tableau-de-bord"))) == 1
    with client(world, STAFF) as c:
        assert formations(text(c.get("/tableau-de-bord"))) == 3
        assert formations(text(c.get(f"/tableau-de-bord?organisme={world['other']}"))) == 1


def test_choosing_another_establishment_of_the_account(world):
    with client(world, A2) as c:
        page = text(c.get("/"))
        assert page.count('<option value="') >= 2 and 'id="siret-compte"' in page
        csrf = c.cookies.get("fasd_csrf")
        assert c.post("/etablissement", data={"csrf": csrf, "siret": world["other"]}).status_code == 403
        assert c.post("/etablissement", data={"csrf": csrf, "siret": "40123456200015"}).status_code == 303
        assert formations(text(c.get("/tableau-de-bord"))) == 0  # nothing of that one in the base
        assert "<strong>40123456200015</strong>" in text(c.get("/"))


def test_secure_cookies_behind_https(tmp_path):
    base = str(tmp_path / "catalogue.sqlite")
    catalogue.init(base, validation=False)
    make_account(base, A, ["77871234900019"])
    settings = Settings.make(tmp_path / "envois", base=base, secure_cookies=True)
    with serving(create_app(settings, Runner(1, processes=False))) as url:
        with httpx.Client(base_url=url, timeout=60) as c:
            response = login(c, A)
            cookies = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
            assert cookies and all("Secure" in v for v in cookies)


def test_serve_refuses_an_open_address_without_base_unless_ouvert(monkeypatch, tmp_path):
    import uvicorn

    from pipeline.cli.main import main

    started = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.append(kw))
    refused = CliRunner().invoke(main, ["serve", "--hote", "0.0.0.0", "--dossier", str(tmp_path / "d")])
    assert refused.exit_code == 2 and "--ouvert" in refused.output and not started
    opened = CliRunner().invoke(main, ["serve", "--hote", "0.0.0.0", "--ouvert", "--dossier", str(tmp_path / "d")])
    assert opened.exit_code == 0 and "attention" in opened.output and started[-1]["host"] == "0.0.0.0"
    local = CliRunner().invoke(main, ["serve", "--dossier", str(tmp_path / "d")])
    assert local.exit_code == 0 and "attention" not in local.output
    missing = CliRunner().invoke(main, ["serve", "--base", str(tmp_path / "absente.sqlite")])
    assert missing.exit_code == 2 and "fasd base init" in missing.output
    base = str(tmp_path / "catalogue.sqlite")
    catalogue.init(base)
    shared = CliRunner().invoke(
        main,
        [
            "serve",
            "--hote",
            "0.0.0.0",
            "--base",
            base,
            "--proxy-de-confiance",
            "10.0.0.1",
            "--dossier",
            str(tmp_path / "d"),
        ],
    )
    assert shared.exit_code == 0, shared.output
    assert started[-1]["proxy_headers"] and started[-1]["forwarded_allow_ips"] == "10.0.0.1"


def api_wait(c, url, headers):
    for _ in range(600):
        body = c.get(url, headers=headers).json()
        if body["etat"] in ("terminé", "refusé"):
            return body
        time.sleep(0.1)
    raise AssertionError("the run did not finish")


def test_the_api_of_nightly_jobs_with_a_token_scoped_to_its_account(world, job_of_a):
    with Accounts(world["base"]) as accounts:
        token_id, token_a = accounts.new_token(A, "nuit")
        _, token_b = accounts.new_token(B)
    auth_a, auth_b = {"authorization": f"Bearer {token_a}"}, {"authorization": f"Bearer {token_b}"}
    with httpx.Client(base_url=world["url"], timeout=60) as c:
        assert c.get("/api/openapi.json").json()["paths"]["/api/envois"]["post"]
        with open(world["book"], "rb") as fh:
            assert c.post("/api/envois", files={"fichier": ("offre.xlsx", fh)}).status_code == 401
        with open(world["book"], "rb") as fh:
            sent = c.post("/api/envois", headers=auth_a, data={"date": "2026-03-01"}, files={"fichier": ("o.xlsx", fh)})
        assert sent.status_code == 202, sent.text
        body = sent.json()
        assert body["etat"] == "en attente" and body["url"] == f"/api/envois/{body['id']}"
        done = api_wait(c, body["url"], auth_a)
        assert done["etat"] == "terminé" and done["resume"]["codes"]["ORGANISME_AUTRE"] == 1
        report = c.get(done["fichiers"]["report.csv"], headers=auth_a)
        assert report.status_code == 200 and "ORGANISME_AUTRE" in report.text
        # the page's upload of A is A's through the API too; B's token sees neither
        assert c.get("/api/envois/" + job_of_a.rsplit("/", 1)[1], headers=auth_a).status_code == 200
        for path in (body["url"], done["fichiers"]["report.csv"]):
            assert c.get(path, headers=auth_b).status_code == 404
        assert c.post(body["url"] + "/appliquer", headers=auth_b).status_code == 404
        # an establishment outside the token's account
        with open(world["book"], "rb") as fh:
            refused = c.post(
                "/api/envois", headers=auth_a, data={"organisme": world["other"]}, files={"fichier": ("o.xlsx", fh)}
            )
        assert refused.status_code == 403
        applied = c.post(body["url"] + "/appliquer", headers=auth_a)
        assert applied.status_code == 202
        final = api_wait(c, body["url"], auth_a)
        assert final["applique"] and "changes.csv" in final["fichiers"]
        assert c.post(body["url"] + "/appliquer", headers=auth_a).status_code == 409
        with Accounts(world["base"]) as accounts:
            accounts.revoke(token_id=token_id)
        assert c.get(body["url"], headers=auth_a).status_code == 401
        assert c.get(body["url"], headers={"authorization": "Bearer fasd_pas-un-jeton"}).status_code == 401


def test_api_needs_no_session_and_a_session_is_not_a_token(world):
    with client(world, A) as c:
        assert c.get("/api/envois/" + "x" * 43).status_code == 401


PUBLIC = {"/connexion", "/mot-de-passe-oublie", "/demande-de-cle", "/modele.xlsx", "/api/openapi.json", "/static"}
PUBLIC_LINKS = ("/activation/", "/reinitialisation/")  # their secret is the key: checked in the tests above


def every_route(world, job_id: str):
    """(method, path) of every route of the app but the public ones, its parameters filled with A's job."""
    from starlette.routing import Route

    filled = {"{job_id}": job_id, "{name}": "report.csv", "{compteur}": "sessions_actives"}
    out = []
    for route in world["app"].app.routes:
        path = route.path
        if path in PUBLIC or path.startswith(PUBLIC_LINKS) or path == "/deconnexion":
            continue
        for key, value in filled.items():
            path = path.replace(key, value)
        assert "{" not in path, route.path  # a new kind of parameter: fill it above
        methods = sorted((route.methods or {"GET"}) - {"HEAD"}) if isinstance(route, Route) else ["GET"]
        out += [(method, path) for method in methods]
    return out


def test_every_route_but_the_public_ones_needs_a_session_or_a_token(world, job_of_a):
    routes = every_route(world, job_of_a.rsplit("/", 1)[1])
    # the 8 of the page, 5 of the validation queue and the counters' lists, 2 of the
    # column-matching step, the 4 of the API: a new route is checked here too
    assert len(routes) == 19
    with client(world) as c:
        c.get("/connexion")
        csrf = c.cookies.get("fasd_csrf")
        for method, path in routes:
            with open(world["book"], "rb") as fh:
                files = {"fichier": ("o.xlsx", fh), "fichiers": ("o.xlsx", fh)} if method == "POST" else None
                response = c.request(method, path, data={"csrf": csrf} if method == "POST" else None, files=files)
            if path.startswith("/api/") or path.endswith("/etat"):
                assert response.status_code == 401 and "erreur" in response.json(), (method, path)
            else:
                assert response.status_code == 303, (method, path)
                assert response.headers["location"].startswith("/connexion"), (method, path)
    with client(world, A) as c:  # a session opens the page's routes, not the API's
        for method, path in routes:
            if path.startswith("/api/"):
                assert c.request(method, path).status_code == 401, (method, path)
        assert c.get(job_of_a).status_code == 200


def test_a_revoked_or_malformed_token_is_refused_on_every_api_route(world, job_of_a):
    job_id = job_of_a.rsplit("/", 1)[1]
    api = [(m, p) for m, p in every_route(world, job_id) if p.startswith("/api/")]
    with Accounts(world["base"]) as accounts:
        one_id, one = accounts.new_token(A2, "révoqué seul")
        _, every = accounts.new_token(A2, "révoqué avec le compte")
    with httpx.Client(base_url=world["url"], timeout=60) as c:
        for token in (one, every):  # live: A2 acts for A's establishment and sees its upload
            assert c.get(f"/api/envois/{job_id}", headers={"authorization": f"Bearer {token}"}).status_code == 200
        with Accounts(world["base"]) as accounts:
            assert accounts.revoke(token_id=one_id) == 1
            assert accounts.revoke(email=A2) == 1  # the other one
        for header in (f"Bearer {one}", f"Bearer {every}", f"Basic {every}", "Bearer", f"Bearer {every}x", every):
            for method, path in api:
                with open(world["book"], "rb") as fh:
                    files = {"fichier": ("o.xlsx", fh)} if path == "/api/envois" else None
                    response = c.request(method, path, headers={"authorization": header}, files=files)
                assert response.status_code == 401, (header[:8], method, path)
                assert response.headers["www-authenticate"] == "Bearer"
    folder = world["base"].rsplit("/", 1)[0] + "/envois/" + job_id
    state = json.loads(open(folder + "/state.json", encoding="utf-8").read())
    assert state["status"] == "done" and not state.get("applied")  # none of those applies went through


def cron_script() -> str:
    """The cron script of docs/web.md, as written there."""
    from test_docs import WEB, shell_blocks

    (script,) = [b for b in shell_blocks(WEB.read_text(encoding="utf-8")) if b.startswith("#!/bin/sh")]
    return script


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="curl ou jq absent : script non lancé")
def test_the_cron_script_of_the_docs_runs_as_written(world, tmp_path):
    """B's nightly job sends the two owners' workbook: B's formation is applied, A's are
    errors (exit 1, the report and the changes kept); a file that is no offer, or a
    revoked token: nothing applied (exit 2, the reason on stderr)."""
    script = tmp_path / "envoyer-offre.sh"
    script.write_text(cron_script(), encoding="utf-8")
    with Accounts(world["base"]) as accounts:
        token_id, token = accounts.new_token(B, "nuit")
    (tmp_path / "jeton").write_text(token + "\n", encoding="utf-8")
    shutil.copy(world["book"], tmp_path / "offre.xlsx")
    (tmp_path / "image.xlsx").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "OFFRE_URL": world["url"],
        "OFFRE_JETON": str(tmp_path / "jeton"),
        "OFFRE_PAUSE": "0.2",
    }

    def cron(*args):
        return subprocess.run(["sh", str(script), *args], cwd=tmp_path, env=env, capture_output=True, text=True)

    import datetime as dt

    from pipeline.engine.run import run

    core = run([world["book"]], today=dt.date.today(), organisme=[world["other"]]).summary()["findings"]
    assert core["by_code"]["ORGANISME_AUTRE"] == 2  # A's F1 and F2, and their cascades
    done = cron()
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"appliqué ; {core['by_severity']['error']} erreur(s) à corriger : voir rapport.xlsx" in done.stderr
    book = openpyxl.load_workbook(tmp_path / "rapport.xlsx")
    assert "ORGANISME_AUTRE" in [c.value for ws in book for row in ws.iter_rows() for c in row]
    assert (tmp_path / "modifications.csv").read_text(encoding="utf-8").count("\n") >= 1
    refused = cron("image.xlsx")
    assert refused.returncode == 2 and "n'est pas une offre lisible" in refused.stderr, refused.stderr
    with Accounts(world["base"]) as accounts:
        accounts.revoke(token_id=token_id)
    revoked = cron()
    assert revoked.returncode == 2 and "jeton absent, inconnu ou révoqué" in revoked.stderr, revoked.stderr
