"""`fasd serve` in a real browser: Debian's Chromium driven by Playwright.

The server runs in this process on a free port of 127.0.0.1, with worker processes as
`fasd serve` runs them. Expected numbers come from samples/README.md (the planted
mistakes) and from the core run on the same file, never from the page itself.
Where Chromium is absent the tests skip with a message, except under CI=true.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from pipeline.model.fields import ENTITIES
from pipeline.readers import FORMATS
from pipeline.reference import load_reference
from pipeline.engine.run import run
from pipeline.web.app import create_app
from pipeline.web.settings import MB, Settings
from pipeline.web.testing import CHROMIUM, missing_browser, serving, wait_for_result

from test_samples import readme_table

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
FLAWED = SAMPLES / "offre-sanitaire-social-erreurs.xlsx"
CLEAN = SAMPLES / "offre-sanitaire-social.xlsx"
CASCADES = {"PARENT_REJECTED", "NO_CHILD"}  # every one of the sample's follows from a planted mistake
WARNINGS = {"DURATION_EXCEEDS_PERIOD", "SESSION_ENDED", "UNKNOWN_COLUMN", "OPTIONAL_DROPPED"}  # rules.py severities
LIMIT_MB = 2


def _browser_or_skip():
    reason = missing_browser()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"tests navigateur exigés en CI : {reason}")
        pytest.skip(f"tests navigateur ignorés : {reason}")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    _browser_or_skip()
    data = tmp_path_factory.mktemp("web-browser")
    with serving(create_app(Settings.make(data, max_upload_bytes=LIMIT_MB * MB))) as url:
        yield url


@pytest.fixture(scope="module")
def browser(site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, site):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(site + "/")
    yield page
    context.close()


def upload(page, *paths, today="2026-03-01"):
    page.set_input_files("#fichiers", [str(p) for p in paths])
    page.fill("#date", today)
    page.click("#envoi button[type=submit]")


def test_flawed_sample_counts_finding_and_report(page, tmp_path):
    upload(page, FLAWED)
    wait_for_result(page)
    planted = readme_table()
    errors = sum(1 for r in planted if r["code"] not in WARNINGS)
    cascades = sum(1 for r in planted if r["code"] in CASCADES)
    verdict = page.inner_text("#verdict")
    assert (
        f"{errors - cascades} erreurs à corriger — {cascades} lignes rejetées en conséquence — "
        f"{len(planted) - errors} avertissements à vérifier"
    ) in verdict
    # the table lists the causes; the cascades follow, one line per cause, expandable
    codes = page.locator("#table-constats tbody code").all_inner_texts()
    assert len(codes) == len(planted) - cascades and not set(codes) & CASCADES
    causes = page.locator("#causes > li")
    assert sum(int(n) for n in re.findall(r"(\d+) \w+", " ".join(causes.all_inner_texts()))) == cascades
    first = causes.filter(has_text="La formation « F-DEAP »")
    assert "entraîne le rejet de 1 action, 1 session, 1 dispositif" in first.inner_text()
    assert not first.locator("table").is_visible()
    first.locator("summary").click()
    assert first.locator("table tbody tr").count() == 3 and first.locator("table").is_visible()

    core = run([FLAWED], reference=load_reference(None), today=dt.date(2026, 3, 1)).summary()["entities"]
    for entity, counts in core.items():
        cells = page.locator(f'#bilan tr[data-entite="{entity}"] td').all_inner_texts()
        assert [int(c) for c in cells[:3]] == [counts["read"], counts["accepted"], counts["rejected"]], entity

    # the chart has one bar per planted code, with its count
    bars = dict(re.findall(r"(\w+) — .* : (\d+)", "\n".join(page.locator("#graphique title").all_text_contents())))
    assert {code: int(n) for code, n in bars.items()} == dict(Counter(r["code"] for r in planted))

    # planted mistake 1: the SIRET of site 36364, cell B6 of Sites
    row = page.locator("#table-constats tbody tr", has_text="13000511900033")
    assert row.count() == 1
    text = row.inner_text()
    assert "BAD_FORMAT" in text and "Sites" in text and "B6" in text and "36364" in text
    assert "n'est pas un SIRET valide" in text and "Corrigez la valeur" in text

    # filter by code through the form
    page.select_option("select[name=code]", "PARENT_REJECTED")
    page.click("#filtres button[type=submit]")
    codes = page.locator("#table-constats tbody code").all_inner_texts()
    assert codes and set(codes) == {"PARENT_REJECTED"}
    assert len(codes) == sum(1 for r in planted if r["code"] == "PARENT_REJECTED")

    # sort by record, descending (two clicks on the header)
    page.goto(page.url.split("?")[0])
    for _ in range(2):
        with page.expect_navigation():
            page.click("#table-constats th >> text=Enregistrement")
    cells = page.locator("#table-constats tbody td:nth-child(3)").all_inner_texts()
    shown = [(cell.split(" ", 1) + [""])[:2] for cell in cells]
    order = list(ENTITIES)
    records = [(order.index(entity), key.casefold()) for entity, key in shown if entity]
    assert len(records) > 10 and records == sorted(records, reverse=True)

    with page.expect_download() as info:
        page.click("a.bouton >> text=report.xlsx")
    path = tmp_path / "report.xlsx"
    info.value.save_as(path)
    book = openpyxl.load_workbook(path)
    texts = [str(c.value) for ws in book for r in ws.iter_rows() for c in r if c.value is not None]
    assert any("n'est pas un SIRET valide" in t for t in texts)
    assert any("offre-sanitaire-social-erreurs.xlsx" in t for t in texts)


def drop(page, path: Path) -> None:
    """Drop a file on the drop zone as a person drags it from their file manager."""
    data = base64.b64encode(path.read_bytes()).decode()
    transfer = page.evaluate_handle(
        """([name, b64]) => {
             const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
             const transfer = new DataTransfer();
             transfer.items.add(new File([bytes], name));
             return transfer;
           }""",
        [path.name, data],
    )
    page.dispatch_event("#depot", "drop", {"dataTransfer": transfer})


def test_corrected_file_dropped_has_no_error(page):
    drop(page, CLEAN)
    assert page.inner_text("#choisis") == f"{CLEAN.name} ({-(-CLEAN.stat().st_size // 1024)} Ko)"
    page.fill("#date", "2026-03-01")
    page.click("button[type=submit]")
    wait_for_result(page)
    assert CLEAN.name in page.inner_text(".fichiers")
    assert "Aucune erreur." in page.inner_text("#verdict")
    assert page.locator("#table-constats tbody tr").count() == 0
    assert page.locator(".telechargements a").all_inner_texts() == [
        "report.xlsx",
        "report.csv",
        "records.jsonl",
        "lheo.xml",
    ]


def test_too_large_file_is_refused_in_the_page_and_by_the_server(browser, site, tmp_path):
    big = tmp_path / "offre.csv"
    big.write_bytes(b"a;b\n" + b"1;2\n" * (LIMIT_MB * MB // 4 + 10))
    for javascript in (True, False):  # the script's check, then the server's alone
        context = browser.new_context(java_script_enabled=javascript)
        page = context.new_page()
        page.goto(site + "/")
        upload(page, big)
        alert = page.locator(".alerte").first
        alert.wait_for()
        assert f"dépasse la taille maximale de {LIMIT_MB} Mo" in alert.inner_text()
        assert page.url.rstrip("/") == site + ("" if javascript else "/envois")
        context.close()


def test_non_offer_file_is_refused_with_a_clear_message(page, tmp_path):
    image = tmp_path / "offre.xlsx"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    upload(page, image)
    alert = page.locator(".alerte")
    alert.wait_for()
    assert f"« offre.xlsx » n'est pas une offre lisible : envoyez {FORMATS}" in alert.inner_text()


def test_template_link_downloads_the_workbook(page, tmp_path):
    with page.expect_download() as info:
        page.click("nav >> text=Modèle à remplir")
    path = tmp_path / "modele.xlsx"
    info.value.save_as(path)
    assert "Sessions" in openpyxl.load_workbook(path).sheetnames


def browser_login(page, url, email):
    from accounts_helpers import PASSWORD

    page.goto(url + "/connexion")
    page.fill("#email", email)
    page.fill("#mot_de_passe", PASSWORD)
    with page.expect_navigation():
        page.click("#form-connexion button")


def test_apply_to_the_catalogue_then_dashboard(browser, tmp_path):
    from pipeline import catalogue
    from accounts_helpers import make_account

    base = str(tmp_path / "catalogue.sqlite")
    catalogue.init(base, validation=False)
    make_account(base, "equipe@carif.example", role="carif")
    settings = Settings.make(tmp_path / "envois", base=base)
    with serving(create_app(settings)) as url:
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        page = context.new_page()
        browser_login(page, url, "equipe@carif.example")
        page.goto(url + "/")
        upload(page, CLEAN)
        wait_for_result(page)
        assert page.locator("#etat-catalogue").count() == 1, page.inner_text("main")[:1500]
        assert "Modifications prévues" in page.inner_text("#etat-catalogue")
        with page.expect_navigation():
            page.click("#form-appliquer button")
        wait_for_result(page)
        assert page.locator("#etat-catalogue").count() == 1, page.inner_text("main")[:1500]
        assert "Modifications appliquées au catalogue" in page.inner_text("#etat-catalogue")
        sessions = page.locator("#modifications tr", has_text="Sessions").inner_text().split()
        assert sessions[1] == "14"  # 14 sessions created (samples/README.md)
        page.click("nav >> text=Tableau de bord du catalogue")
        counts = catalogue.stats(base)
        row = page.locator("#compteurs tr", has_text="Sessions de formation actives").inner_text()
        assert row.split()[-1] == str(counts["sessions_actives"]) and counts["sessions_actives"] > 0
        assert page.locator("#sessions-par-mois rect").count() > 0
        context.close()


def test_findings_come_before_the_apply_box_collapsed_while_errors_remain(browser, tmp_path):
    from pipeline import catalogue

    from accounts_helpers import make_account

    base = str(tmp_path / "catalogue.sqlite")
    catalogue.init(base)
    make_account(base, "equipe@carif.example", role="carif")
    with serving(create_app(Settings.make(tmp_path / "envois", base=base))) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        browser_login(page, url, "equipe@carif.example")
        page.goto(url + "/")
        upload(page, FLAWED)
        wait_for_result(page)
        findings = page.locator("#constats").bounding_box()
        box = page.locator("#catalogue").bounding_box()
        assert findings["y"] < box["y"]
        assert not page.locator("#form-appliquer").is_visible()  # folded: errors remain
        page.click("#catalogue summary")
        assert page.locator("#form-appliquer").is_visible()
        context.close()


def test_a_phone_screen_never_scrolls_sideways(browser, site):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(site + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    upload(page, FLAWED)
    wait_for_result(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    boxes = page.locator(".defile")
    assert boxes.count() >= 3  # the tables scroll in their own box
    context.close()
