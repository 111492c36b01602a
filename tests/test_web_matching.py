"""The page's column-matching step (web/matching.py, issue 28 item 5), over HTTP.

An organisation's own export names its keys « Produit », « Déclinaison », « Occurrence »
and its start date « Commence le »: the run is refused, the matching page lists every
header with its proposal, the choice starts the run again and is kept, and the next
upload with the same headers is read through it without asking. With a base the
choice is kept per establishment: another organisation never gets it, nor sees the page.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import time
from pathlib import Path

import httpx
import openpyxl
import pytest

from pipeline.engine.run import run
from pipeline.reference import load_reference
from pipeline.web.app import Runner, create_app
from pipeline.web.jobs import read_json
from pipeline.web.matching import LOCAL_FOLDER, PAGE_NEXT, signature
from pipeline.web.settings import Settings
from pipeline.web.testing import serving

from base_backends import base  # noqa: F401

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
CSV = SAMPLES / "offre-sanitaire-social.csv"
ANNUAIRE = SAMPLES / "annuaire.xlsx"
RENAMED = {
    "Référence formation": "Produit",
    "Référence action": "Déclinaison",
    "Référence session": "Occurrence",
    "Date de début": "Commence le",
}
KEYS = {"Produit": "ref_formation", "Déclinaison": "ref_action", "Occurrence": "ref_session"}


def odd_export(renamed: dict[str, str] = RENAMED) -> bytes:
    """The sample CSV under the producer's own headers."""
    header, rest = CSV.read_text(encoding="utf-8-sig").split("\n", 1)
    cells = header.split(";")
    assert all(h in cells for h in renamed)
    return (";".join(renamed.get(h, h) for h in cells) + "\n" + rest).encode("utf-8-sig")


def text(response) -> str:
    return html.unescape(response.text)


def wait_done(client, location: str) -> dict:
    for _ in range(600):
        state = client.get(location + "/etat").json()
        if state["status"] in ("done", "failed"):
            return state
        time.sleep(0.1)
    raise AssertionError("the run did not finish")


def send(client, files: dict, **data) -> httpx.Response:
    form = {"csrf": client.cookies.get("fasd_csrf"), "date": "2026-03-01", **data}
    return client.post("/envois", data=form, files=files)


def send_export(client, name="export outil.csv", content=None) -> str:
    with open(ANNUAIRE, "rb") as annuaire:
        response = send(
            client, {"fichiers": (name, content or odd_export()), "annuaire": ("annuaire.xlsx", annuaire.read())}
        )
    assert response.status_code == 303, text(response)
    return response.headers["location"]


def rows(page: str) -> list[tuple[str, str, str]]:
    """(header, form field, the option selected) of each row of the matching page."""
    found = []
    for header, name, body in re.findall(
        r'data-entete="([^"]*)".*?<select name="(champ-\d+)"[^>]*>(.*?)</select>', page, re.S
    ):
        selected = re.search(r'<option value="([^"]+)" selected', body)
        found.append((html.unescape(header), name, selected.group(1) if selected else ""))
    return found


def choices(page: str) -> dict[str, tuple[str, str]]:
    """header -> (form field, the option selected), for a page whose headers are distinct."""
    return {header: (name, value) for header, name, value in rows(page)}


def choice_form(client, page: str, changes: dict[str, str]) -> dict[str, str]:
    """The page's form as shown, with the fields of `changes` (header -> field) chosen."""
    form = {name: changes.get(header, value) for header, name, value in rows(page)}
    form["csrf"] = client.cookies.get("fasd_csrf")
    return form


def bilan(page: str) -> dict:
    rows = re.findall(r'<tr data-entite="(\w+)"><th scope="row">[^<]*</th>(.*?)</tr>', page, re.S)
    return {e: [int(n) for n in re.findall(r"<td[^>]*>([\d\u202f]+)</td>", cells)][:3] for e, cells in rows}


# ------------------------------------------------------------------ without a base


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("web-matching")
    settings = Settings.make(data)
    with serving(create_app(settings, Runner(1, processes=False))) as url:
        yield url, settings


@pytest.fixture
def client(server):
    url, _ = server
    with httpx.Client(base_url=url, follow_redirects=False, timeout=60) as c:
        c.get("/")
        yield c


@pytest.fixture(scope="module")
def refused(server):
    """The odd export, refused: its page address."""
    url, _ = server
    with httpx.Client(base_url=url, follow_redirects=False, timeout=60) as c:
        c.get("/")
        location = send_export(c)
        assert wait_done(c, location)["status"] == "failed"
    return location


def test_a_refused_upload_leads_to_the_matching_page_with_its_proposals(client, refused):
    page = text(client.get(refused))
    assert f'href="{refused}/colonnes"' in page and "Indiquer le champ de chaque colonne" in page
    assert "fichier non compris" in page and PAGE_NEXT in page and "fasd colonnes" not in page  # no command line
    response = client.get(refused + "/colonnes")
    assert response.status_code == 200
    page = response.text
    chosen = choices(page)
    header = CSV.read_text(encoding="utf-8-sig").split("\n", 1)[0].split(";")
    assert len(chosen) == len(header)  # every header of the file, once
    assert {h: chosen[h][1] for h in KEYS} == {h: "ignorer" for h in KEYS}  # not understood
    assert chosen["Commence le"][1] == "date_debut"  # guessed from its values
    assert chosen["Intitulé formation"][1] == "intitule"  # read for sure
    shown = text(response)
    row = re.search(r'data-entete="Commence le".*?</tr>', shown, re.S).group(0)
    assert "à vérifier" in row and "05/01/2026" in row  # its certainty and a sample value
    row = re.search(r'data-entete="Produit".*?</tr>', shown, re.S).group(0)
    assert "non reconnue" in row and "F-DEAS" in row
    # the headers to look at come first, the ones read for sure folded below
    assert shown.index('data-entete="Produit"') < shown.index("<details")
    assert shown.index('data-entete="Intitulé formation"') > shown.index("<details")


def test_a_forged_field_or_a_field_chosen_twice_is_refused_and_nothing_runs(client, server, refused):
    _, settings = server
    page = client.get(refused + "/colonnes").text
    before = read_json(settings.data_dir / refused.rsplit("/", 1)[1] / "state.json")
    for changes, words in (
        ({**KEYS, "Produit": "mot_de_passe"}, "champ « mot_de_passe » inconnu"),
        ({**KEYS, "Produit": "nom_site"}, "champ « nom_site » inconnu"),  # a field of Sites, not of this file
        ({**KEYS, "Déclinaison": "ref_formation"}, "« Réf. formation » est choisi pour deux colonnes"),
    ):
        response = client.post(refused + "/colonnes", data=choice_form(client, page, changes))
        assert response.status_code == 422 and words in text(response), changes
    form = choice_form(client, page, KEYS)
    del form[choices(page)["Occurrence"][0]]
    assert client.post(refused + "/colonnes", data=form).status_code == 422
    folder = settings.data_dir / refused.rsplit("/", 1)[1]
    assert read_json(folder / "state.json") == before and not (settings.data_dir / LOCAL_FOLDER).exists()
    # the CSRF pair is required, as on every form
    form = choice_form(client, page, KEYS)
    form["csrf"] = "x" * 43
    assert client.post(refused + "/colonnes", data=form).status_code == 403
    assert read_json(folder / "state.json") == before


def test_the_choice_runs_again_then_the_same_headers_are_read_without_asking(client, server, refused):
    _, settings = server
    page = client.get(refused + "/colonnes").text
    response = client.post(refused + "/colonnes", data=choice_form(client, page, KEYS))
    assert response.status_code == 303 and response.headers["location"] == refused
    assert wait_done(client, refused)["status"] == "done"
    expected = run([CSV], annuaire=ANNUAIRE, reference=load_reference(None), today=dt.date(2026, 3, 1)).summary()
    counts = {e: [c["read"], c["accepted"], c["rejected"]] for e, c in expected["entities"].items()}
    assert bilan(client.get(refused).text) == counts

    saved = [p for p in (settings.data_dir / LOCAL_FOLDER).glob("*.csv") if "Produit" in p.read_text("utf-8-sig")]
    assert len(saved) == 1  # in the server's folder, a mapping file `fasd import --colonnes` reads
    lines = saved[0].read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("fichier;feuille;colonne;en-tête;champ")
    assert any(line.split(";")[3:5] == ["Produit", "ref_formation"] for line in lines)

    again = send_export(client, name="export du lendemain.csv")  # same headers, another name
    assert wait_done(client, again)["status"] == "done"
    page = text(client.get(again))
    assert "Colonnes lues selon la correspondance enregistrée" in page
    assert bilan(client.get(again).text) == counts
    meta = read_json(settings.data_dir / again.rsplit("/", 1)[1] / "meta.json")
    assert meta["colonnes"]["saved"] is True

    # other headers: the saved mapping is not theirs
    other = send_export(client, content=odd_export({**RENAMED, "Date de fin": "Finit le"}))
    assert wait_done(client, other)["status"] == "failed"
    assert read_json(settings.data_dir / other.rsplit("/", 1)[1] / "meta.json")["colonnes"] is None


def test_a_run_with_a_column_only_guessed_offers_the_step_and_keeps_the_choice(client):
    """Only the start date renamed: the run goes through, its sessions lacking « Date début »;
    the result page offers the step, where the guess is preselected « à vérifier »."""
    export = odd_export({"Date de début": "Démarre le"})
    location = send_export(client, content=export)
    assert wait_done(client, location)["status"] == "done"
    page = text(client.get(location))
    assert 'id="colonnes-a-verifier"' in page and f'href="{location}/colonnes"' in page
    guessed = bilan(page)
    assert guessed["session"][2] > 0  # rejected: their start date was not read
    matching = client.get(location + "/colonnes").text
    assert choices(matching)["Démarre le"][1] == "date_debut"
    assert "à vérifier" in re.search(r'data-entete="Démarre le".*?</tr>', html.unescape(matching), re.S).group(0)
    assert client.post(location + "/colonnes", data=choice_form(client, matching, {})).status_code == 303
    assert wait_done(client, location)["status"] == "done"
    page = text(client.get(location))
    assert "Colonnes lues selon vos choix" in page and 'id="colonnes-a-verifier"' not in page
    assert bilan(page)["session"][2] == 0
    again = send_export(client, content=export)
    assert wait_done(client, again)["status"] == "done"
    assert "Colonnes lues selon la correspondance enregistrée" in text(client.get(again))
    assert bilan(client.get(again).text) == bilan(client.get(location).text)


def test_headers_are_shown_as_text_never_as_markup(client):
    hostile = {**RENAMED, "Intitulé formation": '<script>alert("x")</script>'}  # not first: « < » first is no CSV
    location = send_export(client, content=odd_export(hostile))
    assert wait_done(client, location)["status"] == "failed"
    page = client.get(location + "/colonnes").text
    assert "<script>alert" not in page and "&lt;script&gt;alert(" in page


def test_the_signature_is_the_set_of_folded_headers():
    assert signature(["b", "a", "a"]) == signature(["a", "b"]) != signature(["a", "b", "c"])


def test_unknown_jobs_have_no_matching_page(client):
    assert client.get("/envois/" + "x" * 43 + "/colonnes").status_code == 404
    assert client.post("/envois/" + "x" * 43 + "/colonnes", data={"csrf": "y"}).status_code in (403, 404)


# ------------------------------------------------------------------ with a base: per establishment


def renamed_workbook(path: Path) -> Path:
    """The group's offer (tests/test_organisations.py) with its formation key renamed
    « Produit » on the Formations sheet: not understood."""
    from factory import write_workbook
    from test_organisations import group_offer

    offer = group_offer()
    for session in offer["session"]:
        session["date_fin"] = "31/12/2099"
    book = write_workbook(path, offer)
    wb = openpyxl.load_workbook(book)
    ws = wb["Formations"]
    for cell in ws[1]:
        if cell.value and str(cell.value).startswith("Réf. formation"):
            cell.value = "Produit"
    wb.save(book)
    return book


def test_with_a_base_the_mapping_is_the_establishments_own(base, tmp_path):  # noqa: F811
    from sqlalchemy import create_engine, select

    from pipeline import catalogue
    from pipeline.catalogue.base import base_url
    from pipeline.catalogue.schema import column_mapping
    from test_organisations import GROUP, OTHER

    from accounts_helpers import login, make_account

    catalogue.init(base, validation=False)
    make_account(base, "a@organisme-a.fr", [GROUP])
    make_account(base, "b@organisme-b.fr", [OTHER])
    book = renamed_workbook(tmp_path / "offre.xlsx").read_bytes()
    settings = Settings.make(tmp_path / "envois", base=base)
    with serving(create_app(settings, Runner(1, processes=False))) as url:
        with (
            httpx.Client(base_url=url, follow_redirects=False, timeout=60) as a,
            httpx.Client(base_url=url, follow_redirects=False, timeout=60) as b,
        ):
            assert login(a, "a@organisme-a.fr").status_code == 303
            assert login(b, "b@organisme-b.fr").status_code == 303
            first = send(a, {"fichiers": ("offre.xlsx", book)}).headers["location"]
            assert wait_done(a, first)["status"] == "failed"
            # another organisation neither sees nor changes A's matching step
            assert b.get(first + "/colonnes").status_code == 404
            page = a.get(first + "/colonnes")
            assert page.status_code == 200 and "feuille « Formations »" in text(page)
            form = choice_form(a, page.text, {"Produit": "ref_formation"})
            b_form = {**form, "csrf": b.cookies.get("fasd_csrf")}
            assert b.post(first + "/colonnes", data=b_form).status_code == 404
            assert a.post(first + "/colonnes", data=form).status_code == 303
            assert wait_done(a, first)["status"] == "done"

            engine = create_engine(base_url(base))
            with engine.connect() as conn:
                kept = conn.execute(select(column_mapping.c.siret, column_mapping.c.headers)).all()
            engine.dispose()
            assert [siret for siret, _ in kept] == [GROUP] and "produit" in json.loads(kept[0][1])

            again = send(a, {"fichiers": ("offre.xlsx", book)}).headers["location"]
            assert wait_done(a, again)["status"] == "done"
            assert "Colonnes lues selon la correspondance enregistrée" in text(a.get(again))

            theirs = send(b, {"fichiers": ("offre.xlsx", book)}).headers["location"]
            assert wait_done(b, theirs)["status"] == "failed"  # B's own upload: asked, not given A's
            meta = read_json(settings.data_dir / theirs.rsplit("/", 1)[1] / "meta.json")
            assert meta["siret"] == OTHER and meta["colonnes"] is None
