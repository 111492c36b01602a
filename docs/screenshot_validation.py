"""Screenshots of the validation pages of `fasd serve --base` for docs/web.md (`make screenshot`).

A SQLite base with validation in a temporary folder: the clean sample imported and
validated, then imported again with two sessions changed and a question asked and
answered; Debian's Chromium (Playwright) logs in as CARIF-OREF staff and saves the
queue and the list behind a counter, at 1280 px (whole page) and 390 px (first screen).
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

import openpyxl
from playwright.sync_api import sync_playwright

from pipeline import catalogue
from pipeline.catalogue.accounts import ACTIVATION, Accounts
from pipeline.catalogue.api import _connection
from pipeline.catalogue.validation import decide, find_actions
from pipeline.engine.run import run
from pipeline.web.app import Runner, create_app
from pipeline.web.settings import Settings
from pipeline.web.testing import CHROMIUM, serving

ROOT = Path(__file__).resolve().parent.parent
CLEAN = ROOT / "samples" / "offre-sanitaire-social.xlsx"
OUT = ROOT / "docs" / "img"
TODAY = dt.date(2026, 3, 1)
STAFF, PASSWORD = "agnes@carif.example", "une phrase de passe assez longue"
WIDTHS = {"": 1280, "-mobile": 390}


def changed_copy(folder: Path) -> Path:
    """The sample with the first two sessions' dates and hours changed."""
    book = openpyxl.load_workbook(CLEAN)
    sheet = book["Sessions"]
    header = [c.value for c in sheet[1]]
    start, hours = header.index("Date début *") + 1, header.index("Durée en centre (en h) *") + 1
    for row in (2, 5):
        sheet.cell(row, start).value = sheet.cell(row, start).value + dt.timedelta(days=7)
        sheet.cell(row, hours).value = (sheet.cell(row, hours).value or 0) + 35
    path = folder / "offre-modifiee.xlsx"
    book.save(path)
    return path


def prepare(base: str, folder: Path) -> None:
    catalogue.init(base)
    catalogue.apply(run([CLEAN], today=TODAY), base)
    with _connection(base) as conn, conn.begin():
        decide(conn, find_actions(conn, everything=True), "validation", by=STAFF)
    catalogue.apply(run([changed_copy(folder)], today=TODAY), base)
    with _connection(base) as conn, conn.begin():
        first = find_actions(conn, everything=True)[:1]
        asked = decide(conn, first, "question", by=STAFF, note="Le financement Région est-il acquis pour 2026 ?")
        decide(conn, asked, "reponse", by="secretariat@ifsi.example", note="Oui, convention signée le 12 février.")
    with Accounts(base) as accounts:
        _, secret = accounts.create(STAFF, [], "carif")
        accounts.use_link(secret, ACTIVATION, PASSWORD)


def main() -> int:
    if not Path(CHROMIUM).exists():
        print(f"screenshot : {CHROMIUM} absent (paquet Debian chromium)", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    names = []
    with tempfile.TemporaryDirectory() as data:
        folder = Path(data)
        base = str(folder / "catalogue.sqlite")
        prepare(base, folder)
        settings = Settings.make(folder / "envois", base=base)
        with serving(create_app(settings, Runner(1, processes=False))) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--lang=fr-FR"])
            for suffix, width in WIDTHS.items():
                page = browser.new_page(viewport={"width": width, "height": 900}, locale="fr-FR")
                page.goto(url + "/connexion")
                page.fill("#email", STAFF)
                page.fill("#mot_de_passe", PASSWORD)
                page.click("#form-connexion button[type=submit]")
                page.wait_for_url(url + "/")
                page.goto(url + "/validation")
                page.locator("article.action form details").first.evaluate("d => d.open = true")
                page.screenshot(path=OUT / f"web-validation{suffix}.png", full_page=not suffix)
                page.goto(url + "/tableau-de-bord/liste/sessions_actives")
                page.screenshot(path=OUT / f"web-liste{suffix}.png", full_page=not suffix)
                names += [f"web-validation{suffix}.png", f"web-liste{suffix}.png"]
                page.close()
            browser.close()
    for name in names:
        print(OUT / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
