"""The column-matching step in a real browser (Chromium driven by Playwright).

An export under the producer's own headers is refused; the person follows the link,
chooses the three key columns in their drop-downs, and the run starts again and
succeeds; the next upload of a file with the same headers is read without asking.
Along the way: the progress shown never moves back (the bar and the polled state),
and a 390 px wide screen never scrolls sideways on the matching page.
Skip rules: tests/test_web_browser.py (Chromium absent: skipped, except under CI=true).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.web.app import create_app
from pipeline.web.settings import Settings
from pipeline.web.testing import serving, wait_for_result

from test_web_browser import _browser_or_skip
from test_web_matching import ANNUAIRE, KEYS, odd_export

# Every value the progress bar takes, kept across the pages of one tab (the progress page
# replaces itself by the result).
RECORD_BAR = """
(() => {
  const seen = JSON.parse(sessionStorage.getItem("barre") || "[]");
  const keep = (bar) => { seen.push(Number(bar.value)); sessionStorage.setItem("barre", JSON.stringify(seen)); };
  document.addEventListener("DOMContentLoaded", () => {
    const bar = document.getElementById("barre");
    if (!bar) return;
    keep(bar);
    new MutationObserver(() => keep(bar)).observe(bar, { attributes: true, attributeFilter: ["value"] });
  });
})();
"""


@pytest.fixture(scope="module")
def browser():
    _browser_or_skip()
    from playwright.sync_api import sync_playwright

    from pipeline.web.testing import CHROMIUM

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()


def send(page, export: Path) -> None:
    page.set_input_files("#fichiers", str(export))
    page.set_input_files("#annuaire", str(ANNUAIRE))
    page.fill("#date", "2026-03-01")
    page.click("#envoi button[type=submit]")


def test_the_matching_step_saves_and_reuses_a_mapping(browser, tmp_path):
    export = tmp_path / "export outil.csv"
    export.write_bytes(odd_export())
    with serving(create_app(Settings.make(tmp_path / "envois"))) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.add_init_script(RECORD_BAR)
        polled: list[int] = []
        page.on("response", lambda r: polled.append(r.json()["percent"]) if r.url.endswith("/etat") else None)
        page.goto(url + "/")
        send(page, export)
        wait_for_result(page)
        assert "fichier non compris" in page.inner_text("#motif")
        with page.expect_navigation():
            page.click("#lien-colonnes")
        assert page.url.endswith("/colonnes")
        assert "Indiquez le champ de chaque colonne" in page.inner_text("h1")
        for header, field in KEYS.items():
            row = page.locator(f'tr[data-entete="{header}"]')
            assert "non reconnue" in row.inner_text()
            row.locator("select").select_option(field)
        # a column read for sure is folded away, its drop-down there all the same
        assert not page.locator('tr[data-entete="Intitulé formation"]').is_visible()
        page.evaluate("sessionStorage.removeItem('barre')")
        polled.clear()
        with page.expect_navigation():
            page.click("#form-colonnes button[type=submit]")
        wait_for_result(page)
        assert "Aucune erreur." in page.inner_text("#verdict")
        assert "vos choix" in page.inner_text("#correspondance-utilisee")
        bar = page.evaluate("JSON.parse(sessionStorage.getItem('barre') || '[]')")
        assert bar and bar == sorted(bar), bar  # the bar never moves back
        assert polled and polled == sorted(polled), polled  # nor does the state the page polls

        page.goto(url + "/")
        send(page, export)  # the same headers: read through the saved mapping, nothing asked
        wait_for_result(page)
        assert "Aucune erreur." in page.inner_text("#verdict")
        assert "correspondance enregistrée" in page.inner_text("#correspondance-utilisee")
        context.close()


def test_the_matching_page_fits_a_phone_screen(browser, tmp_path):
    export = tmp_path / "export.csv"
    export.write_bytes(odd_export())
    with serving(create_app(Settings.make(tmp_path / "envois"))) as url:
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(url + "/")
        send(page, export)
        wait_for_result(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.click("#lien-colonnes")
        page.wait_for_selector("#form-colonnes")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.click("details.reconnues summary")  # unfolded, the long table still scrolls in its box
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        context.close()


def test_with_a_base_the_step_is_the_establishments_own(browser, tmp_path):
    """An organisation's account goes through the step on its workbook; its next upload is
    read without asking, another organisation's is asked again."""
    from pipeline import catalogue

    from accounts_helpers import make_account
    from test_organisations import GROUP, OTHER
    from test_web_browser import browser_login
    from test_web_matching import renamed_workbook

    base = str(tmp_path / "catalogue.sqlite")
    catalogue.init(base, validation=False)
    make_account(base, "a@organisme-a.fr", [GROUP])
    make_account(base, "b@organisme-b.fr", [OTHER])
    book = renamed_workbook(tmp_path / "offre.xlsx")
    with serving(create_app(Settings.make(tmp_path / "envois", base=base))) as url:
        for email, asked in (("a@organisme-a.fr", True), ("a@organisme-a.fr", False), ("b@organisme-b.fr", True)):
            context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
            page = context.new_page()
            page.set_default_timeout(60_000)
            browser_login(page, url, email)
            page.goto(url + "/")
            page.set_input_files("#fichiers", str(book))
            page.fill("#date", "2026-03-01")
            page.click("#envoi button[type=submit]")
            wait_for_result(page)
            assert (page.locator("#lien-colonnes").count() == 1) == asked, email
            if email.startswith("a") and asked:
                with page.expect_navigation():
                    page.click("#lien-colonnes")
                assert "feuille « Formations »" in page.inner_text("main")
                page.locator('tr[data-entete="Produit"] select').select_option("ref_formation")
                with page.expect_navigation():
                    page.click("#form-colonnes button[type=submit]")
                wait_for_result(page)
                assert page.locator("#catalogue").count() == 1  # the apply box: the run previewed
            if not asked:
                assert "correspondance enregistrée" in page.inner_text("#correspondance-utilisee")
            context.close()
