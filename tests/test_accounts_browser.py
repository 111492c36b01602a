"""The shared page (`fasd serve --base`, issue 26) in a real browser: Debian's Chromium
driven by Playwright, against a real `fasd serve` process on a SQLite base, its mails
going to a real SMTP server of this process (aiosmtpd).

The journey of an organisation of two establishments (the sample's Ligéria sites
77871234900019 and 77871234900027): `fasd compte creer` → the activation link (printed
and mailed) → its password → login → the second establishment chosen in the list under
the name → the clean sample uploaded → its report → applied → its own dashboard. Known
answers: of the sample's 5 formations, one belongs to 77871234900027 (its owner, the
formation's responsible site), so the upload keeps 1 and rejects 4 (ORGANISME_AUTRE and
cascades), and the dashboard of that establishment counts 1 formation. A second
organisation's browser then gets 404 on the first's job page, files and apply; logout
ends the session on the server (the old cookie replayed leads to the login page); the
password reset goes by mail, and its link serves once.
Where Chromium is absent the tests skip with a message, except under CI=true.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from pipeline.web.testing import CHROMIUM, FASD, missing_browser, serve_process, wait_for_result

from accounts_helpers import PASSWORD, make_account
from smtp_server import smtp_server

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
CLEAN = SAMPLES / "offre-sanitaire-social.xlsx"
FIRST, SECOND = "77871234900019", "77871234900027"  # Ligéria's sites of the sample (samples/README.md)
OTHER = "13000511900032"  # the sample's CARIF-OREF site: another organisation
A, B, C = "referente@ligeria.example", "saisie@cariforef.example", "oubli@ligeria.example"
NEW_PASSWORD = "une autre phrase de passe bien longue"


def _browser_or_skip():
    reason = missing_browser()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"tests navigateur exigés en CI : {reason}")
        pytest.skip(f"tests navigateur ignorés : {reason}")


def fasd(*args: str, env: dict) -> subprocess.CompletedProcess:
    done = subprocess.run([*FASD, *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """A base made by `fasd base init`, `fasd serve --base` on it, and the SMTP server of its mails."""
    _browser_or_skip()
    folder = tmp_path_factory.mktemp("accounts-browser")
    base = str(folder / "catalogue.sqlite")
    with smtp_server() as (smtp_url, inbox):
        env = {**os.environ, "FASD_SMTP_URL": smtp_url, "FASD_MAIL_DIR": ""}
        fasd("base", "init", "--base", base, "--sans-validation", env=env)
        make_account(base, B, [OTHER])
        make_account(base, C, [FIRST])
        with serve_process("--base", base, "--dossier", str(folder / "envois"), env=env) as url:
            yield {"url": url, "base": base, "env": env, "inbox": inbox}


@pytest.fixture(scope="module")
def browser(service):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()


def new_page(browser, cookies=()):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True, locale="fr-FR")
    if cookies:
        context.add_cookies(list(cookies))
    page = context.new_page()
    page.set_default_timeout(60_000)
    return page


def log_in(page, url: str, email: str, password: str = PASSWORD):
    page.goto(url + "/connexion")
    page.fill("#email", email)
    page.fill("#mot_de_passe", password)
    with page.expect_navigation() as nav:
        page.click("#form-connexion button")
    return nav.value


def set_password(page, password: str) -> None:
    page.fill("#mot_de_passe", password)
    page.fill("#confirmation", password)
    with page.expect_navigation():
        page.click("#form-mot-de-passe button")


def mail_to(inbox, email: str, before: int, timeout: float = 30):
    """The first mail to `email` among those received after the first `before` (waits for it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in inbox.messages[before:]:
            if message["To"] == email:
                return message
        time.sleep(0.1)
    raise AssertionError(f"no mail to {email}")


@pytest.fixture(scope="module")
def journey(service, browser):
    """The first organisation's way from its activation link to its dashboard: its page
    (still logged in) and the address of its applied upload."""
    url, inbox = service["url"], service["inbox"]
    before = len(inbox.messages)
    created = fasd(
        "compte", "creer", "--base", service["base"], "--email", A, "--siret", FIRST, "--siret", SECOND,
        "--url-publique", url, env=service["env"],
    )  # fmt: skip
    link = created.stdout.strip()
    assert link.startswith(url + "/activation/"), created.stdout
    mailed = mail_to(inbox, A, before)
    assert link in mailed.get_content()

    page = new_page(browser)
    page.goto(link)
    assert A in page.inner_text("main")
    set_password(page, PASSWORD)
    assert page.url.startswith(url + "/connexion") and page.locator("#mot-de-passe-enregistre").count() == 1
    log_in(page, url, A)
    assert page.url == url + "/" and A in page.inner_text("#compte-nom")

    # the list under the name: both establishments, the first chosen at login
    assert page.locator("#siret-compte option").evaluate_all("os => os.map(o => o.value)") == [FIRST, SECOND]
    assert page.inner_text("#etablissement-envoi strong") == FIRST
    page.select_option("#siret-compte", SECOND)
    with page.expect_navigation():
        page.click("#choix-compte button")
    assert page.inner_text("#etablissement-envoi strong") == SECOND

    page.set_input_files("#fichiers", str(CLEAN))
    page.fill("#date", "2026-03-01")
    page.click("#envoi button[type=submit]")
    wait_for_result(page)
    job = page.url.split("?")[0]
    assert re.fullmatch(re.escape(url) + r"/envois/[\w-]{40,}", job), job
    cells = page.locator('#bilan tr[data-entite="formation"] td').all_inner_texts()
    assert [int(c) for c in cells[:3]] == [5, 1, 4]  # read, accepted (SECOND's own), rejected
    assert "ORGANISME_AUTRE" in page.locator("#table-constats tbody code").all_inner_texts()
    assert not page.locator("#form-appliquer").is_visible()  # folded: the other establishments' offers are errors
    page.click("#catalogue > details > summary")
    planned = page.inner_text("#etat-catalogue")
    assert "Modifications prévues" in planned
    with page.expect_navigation():
        page.click("#form-appliquer button")
    wait_for_result(page)
    page.wait_for_selector("#etat-catalogue >> text=Modifications appliquées au catalogue")
    with page.expect_download() as info:
        page.click(".telechargements a >> text=changes.csv")
    assert info.value.failure() is None

    with page.expect_navigation():
        page.click("nav >> text=Tableau de bord du catalogue")
    counters = dict(
        row.split("\t") for row in page.locator("#compteurs tr").evaluate_all(
            "rs => rs.map(r => r.cells[0].innerText + '\\t' + r.cells[1].innerText)"
        )
    )  # fmt: skip
    from pipeline import catalogue

    own = catalogue.stats(service["base"], organisation=[SECOND])
    assert counters["Formations en ligne"] == "1" == str(own["formations"])
    assert counters["Sessions de formation actives"] == str(own["sessions_actives"])
    assert page.locator("#choix-etablissement").count() == 0  # an organisation sees its own, no other choice
    return {"page": page, "job": job}


def test_activation_choice_upload_report_apply_and_own_dashboard(journey):
    assert journey["page"].url.endswith("/tableau-de-bord")


def test_another_organisation_gets_404_on_the_job_its_files_and_its_apply(service, browser, journey):
    url, job = service["url"], journey["job"]
    mine = journey["page"]
    assert mine.goto(job).status == 200  # the first organisation still sees it
    other = new_page(browser)
    log_in(other, url, B)
    assert other.url == url + "/"
    for path in (job, job + "/etat", job + "/fichiers/report.xlsx", job + "/fichiers/changes.csv"):
        response = other.goto(path)
        assert response.status == 404, path
    assert "Page introuvable" in other.inner_text("main")
    # apply: a form of B's own page, with B's CSRF token, posted to the first's job
    other.goto(url + "/")
    with other.expect_navigation() as nav:
        other.evaluate(
            """action => {
                 const form = document.createElement("form");
                 form.method = "post";
                 form.action = action;
                 const csrf = document.createElement("input");
                 csrf.type = "hidden";
                 csrf.name = "csrf";
                 csrf.value = document.querySelector("#form-deconnexion input[name=csrf]").value;
                 form.appendChild(csrf);
                 document.body.appendChild(form);
                 form.submit();
               }""",
            job + "/appliquer",
        )
    assert nav.value.status == 404  # not 409 « déjà appliqué »: nothing tells B the job exists
    other.context.close()


def test_logout_ends_access_and_the_old_cookie_no_longer_works(service, browser, journey):
    url, job = service["url"], journey["job"]
    page = new_page(browser)
    log_in(page, url, A)
    cookies = page.context.cookies()
    replay = new_page(browser, cookies)
    assert replay.goto(job).status == 200 and replay.url == job  # the cookie carries the session…
    replay.context.close()
    with page.expect_navigation():
        page.click("#form-deconnexion button")
    assert page.url.startswith(url + "/connexion")
    page.goto(job)
    assert page.url.startswith(url + "/connexion?suite=")
    replay = new_page(browser, cookies)  # …and no longer once logged out
    replay.goto(job)
    assert replay.url.startswith(url + "/connexion?suite=") and A not in replay.inner_text("body")
    replay.context.close()
    page.context.close()


def test_password_reset_by_mail_through_smtp_and_its_link_serves_once(service, browser):
    url, inbox = service["url"], service["inbox"]
    page = new_page(browser)
    page.goto(url + "/connexion")
    page.click("text=Réinitialiser votre mot de passe")
    before = len(inbox.messages)
    page.fill("#email", C)
    with page.expect_navigation():
        page.click("#form-oubli button")
    assert "Si un compte activé existe" in page.inner_text("main")
    links = re.findall(re.escape(url) + r"/reinitialisation/\S+", mail_to(inbox, C, before).get_content())
    assert len(links) == 1
    page.goto(links[0])
    assert C in page.inner_text("main")
    set_password(page, NEW_PASSWORD)
    assert page.locator("#mot-de-passe-enregistre").count() == 1
    assert log_in(page, url, C).status == 401  # the old password is gone
    log_in(page, url, C, NEW_PASSWORD)
    assert page.url == url + "/" and C in page.inner_text("#compte-nom")
    again = page.goto(links[0])
    assert again.status == 404 and "Lien non valable" in page.inner_text("main")
    page.context.close()
