"""Screenshots of `fasd serve` for docs/web.md (`make screenshot`).

Starts the server in this process on a free port of 127.0.0.1, uploads the flawed sample
in Debian's Chromium (driven by Playwright) and saves the upload page and the result page.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from pipeline.web.app import create_app
from pipeline.web.settings import Settings
from pipeline.web.testing import CHROMIUM, serving, wait_for_result

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "offre-sanitaire-social-erreurs.xlsx"
CLEAN = ROOT / "samples" / "offre-sanitaire-social.xlsx"
OUT = ROOT / "docs" / "img"


def main() -> int:
    if not Path(CHROMIUM).exists():
        print(f"screenshot : {CHROMIUM} absent (paquet Debian chromium)", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as data, serving(create_app(Settings.make(data))) as url, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--lang=fr-FR"])
        page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="fr-FR")
        page.goto(url + "/")
        page.set_input_files("#fichiers", str(SAMPLE))
        page.fill("#date", "2026-03-01")
        page.locator("#date").blur()
        page.screenshot(path=OUT / "web-envoi.png")
        page.click("button[type=submit]")
        wait_for_result(page)
        page.screenshot(path=OUT / "web-resultat.png")
        page.locator("#constats").scroll_into_view_if_needed()
        page.evaluate("document.getElementById('constats').scrollIntoView()")
        page.screenshot(path=OUT / "web-constats.png")
        browser.close()
        names = ["web-envoi.png", "web-resultat.png", "web-constats.png"]
        names += catalogue_screenshots(p)
    for name in names:
        print(OUT / name)
    return 0


def catalogue_screenshots(p) -> list[str]:
    """With a SQLite base: the changes before « Appliquer au catalogue », then the dashboard."""
    from pipeline import catalogue
    with tempfile.TemporaryDirectory() as data:
        base = str(Path(data) / "catalogue.sqlite")
        catalogue.init(base)
        settings = Settings.make(Path(data) / "envois", base=base, token=None)
        with serving(create_app(settings)) as url:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--lang=fr-FR"])
            page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="fr-FR")
            page.goto(url + "/")
            page.set_input_files("#fichiers", str(CLEAN))
            page.click("button[type=submit]")
            wait_for_result(page)
            page.evaluate("document.getElementById('catalogue').scrollIntoView()")
            page.screenshot(path=OUT / "web-catalogue.png")
            page.click("#form-appliquer button")
            page.wait_for_selector("text=Modifications appliquées au catalogue", timeout=120_000)
            page.goto(url + "/tableau-de-bord")
            page.screenshot(path=OUT / "web-tableau-de-bord.png")
            browser.close()
    return ["web-catalogue.png", "web-tableau-de-bord.png"]


if __name__ == "__main__":
    sys.exit(main())
