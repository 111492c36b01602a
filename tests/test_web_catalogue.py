"""`fasd serve --base`: the result page previews the changes, the button applies them
(a staff session, the CSRF pair), and the dashboard shows the base's counters.

SQLite base in a temporary folder; expected numbers come from the sample's README
(14 sessions, 5 formations, 7 actions) and from the catalogue API on the same base.
"""

from __future__ import annotations

import html
import re
import time
from pathlib import Path

import httpx
import pytest

from pipeline import catalogue
from pipeline.web.app import Runner, create_app
from pipeline.web.catalogue import sessions_by_month
from pipeline.web.settings import Settings
from pipeline.web.testing import serving

from accounts_helpers import login, make_account

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
CLEAN = SAMPLES / "offre-sanitaire-social.xlsx"
STAFF = "equipe@carif.example"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-base")
    base = str(folder / "catalogue.sqlite")
    catalogue.init(base, validation=False)
    make_account(base, STAFF, role="carif")
    settings = Settings.make(folder / "envois", base=base)
    with serving(create_app(settings, Runner(1, processes=False))) as url:
        yield url, base


@pytest.fixture
def client(site):
    with httpx.Client(base_url=site[0], follow_redirects=False, timeout=60) as c:
        assert login(c, STAFF).status_code == 303
        yield c


def wait_done(client, location):
    for _ in range(600):
        state = client.get(location + "/etat").json()
        if state["status"] in ("done", "failed"):
            return state
        time.sleep(0.1)
    raise AssertionError("the run did not finish")


def text(response) -> str:
    return html.unescape(response.text)


def modifications(page: str) -> dict[str, list[int]]:
    table = re.search(r'<table class="bilan" id="modifications">(.*?)</table>', page, re.S).group(1)
    kinds = re.findall(r'<th scope="col">([^<]+)</th>', table)
    rows = re.findall(r'<tr><th scope="row">(\w+)</th>(.*?)</tr>', table, re.S)
    return {label: dict(zip(kinds, (int(n) for n in re.findall(r"<td>(\d+)</td>", cells)))) for label, cells in rows}


def test_preview_then_apply_then_dashboard(client, site):
    _, base = site
    with open(CLEAN, "rb") as fh:
        location = client.post(
            "/envois",
            data={"csrf": client.cookies.get("fasd_csrf"), "date": "2026-03-01"},
            files={"fichiers": ("offre.xlsx", fh)},
        ).headers["location"]
    wait_done(client, location)
    page = text(client.get(location))
    assert "Modifications prévues" in page
    preview = modifications(page)
    assert preview["Sessions"]["création"] == 14 and preview["Formations"]["création"] == 5
    assert catalogue.stats(base)["sessions_actives"] == 0  # a dry run writes nothing

    apply_url = location + "/appliquer"
    csrf = client.cookies.get("fasd_csrf")
    refused = client.post(apply_url, data={"csrf": "mauvais"})
    assert refused.status_code == 403 and "Le formulaire a expiré" in text(refused)
    assert client.post(apply_url, data={}).status_code == 403  # no CSRF token
    assert catalogue.stats(base)["sessions_actives"] == 0

    response = client.post(apply_url, data={"csrf": csrf})
    assert response.status_code == 303
    assert wait_done(client, location)["status"] == "done"
    page = text(client.get(location))
    assert "Modifications appliquées au catalogue" in page
    assert modifications(page)["Sessions"]["création"] == 14
    assert 'id="form-appliquer"' not in page
    assert client.get(location + "/fichiers/changes.csv").status_code == 200
    assert client.post(apply_url, data={"csrf": csrf}).status_code == 409

    counts = catalogue.stats(base)
    assert counts["sessions_actives"] > 0
    board = text(client.get("/tableau-de-bord"))
    for key, label in catalogue.COUNTERS.items():
        assert re.search(re.escape(label) + r"</a></th><td>" + str(counts[key]) + "<", board), label
    offers, _, _ = catalogue.live_offers(base)
    months = sessions_by_month(offers)
    assert sum(m["count"] for m in months) == counts["sessions_actives"]
    assert len(re.findall(r'class="barre mois"', board)) == len(months)

    # the same file again: nothing to change
    with open(CLEAN, "rb") as fh:
        again = client.post(
            "/envois", data={"csrf": csrf, "date": "2026-03-01"}, files={"fichiers": ("offre.xlsx", fh)}
        ).headers["location"]
    wait_done(client, again)
    assert all(
        counts.get("création", 0) == 0 and counts.get("modification", 0) == 0
        for counts in modifications(text(client.get(again))).values()
    )


def test_sessions_by_month_fills_the_gaps():
    offers = [
        {
            "actions": [
                {
                    "sessions": [
                        {"date_debut": "2026-01-05"},
                        {"date_debut": "2026-03-01"},
                        {"date_debut": "2026-03-20"},
                        {"date_debut": None},
                    ]
                }
            ]
        }
    ]
    months = sessions_by_month(offers)
    assert [(m["month"], m["count"]) for m in months] == [("2026-01", 1), ("2026-02", 0), ("2026-03", 2)]
    assert months[0]["label"] == "janv. 2026" and months[2]["height"] == 100.0


def test_no_base_no_catalogue_pages(tmp_path):
    with serving(create_app(Settings.make(tmp_path), Runner(1, processes=False))) as url:
        assert httpx.get(url + "/tableau-de-bord").status_code == 404
        assert "Tableau de bord" not in httpx.get(url + "/").text


def test_dashboard_chooses_an_establishment_of_the_base(tmp_path):
    """The page's « liste déroulante » lists the establishments of the base; choosing one (or
    several, ?organisme= repeated) gives its own counters."""
    from factory import TODAY, write_workbook
    from pipeline.engine.run import run
    from test_organisations import GROUP, OTHER, SUB1, group_offer

    base = str(tmp_path / "catalogue.sqlite")
    catalogue.init(base, validation=False)
    offer = group_offer(second_owner=True)
    for session in offer["session"]:  # the page counts on today's date: sessions still running then
        session["date_fin"] = "31/12/2099"
    book = write_workbook(tmp_path / "offre.xlsx", offer)
    catalogue.apply(run([book], today=TODAY), base)
    make_account(base, STAFF, role="carif")
    settings = Settings.make(tmp_path / "envois", base=base)
    with serving(create_app(settings, Runner(1, processes=False))) as url:
        with httpx.Client(base_url=url, timeout=60) as c:
            login(c, STAFF)
            page = text(c.get("/tableau-de-bord"))
            options = re.findall(r'<option value="(\d*)"', page)
            assert options == [
                "",
                "130005119",
                OTHER,
                "401234562",
                SUB1,
                "502345671",
                "50234567100015",
                "778712349",
                GROUP,
            ]

            def formations(query):
                board = text(c.get("/tableau-de-bord" + query))
                return int(re.search(r"Formations en ligne</a></th><td>(\d+)<", board).group(1)), board

            assert formations("")[0] == 3
            count, board = formations(f"?organisme={GROUP}")
            assert count == 2 and f'<option value="{GROUP}" selected>' in board
            assert formations(f"?organisme={GROUP}&organisme=130005119")[0] == 3
            assert formations(f"?organisme={SUB1}")[0] == 0
            assert c.get("/tableau-de-bord?organisme=12").status_code == 400
            assert c.get("/tableau-de-bord?organisme=77871234900027").status_code == 404


def test_upload_for_one_establishment_chosen_in_the_list(tmp_path):
    """The upload form lists the base's establishments; the one chosen is the run's --organisme:
    the other establishment's offer alone is rejected, and only the chosen one's is previewed."""
    import json

    from factory import TODAY, write_workbook
    from pipeline.engine.run import run
    from test_organisations import OTHER, group_offer

    base = str(tmp_path / "catalogue.sqlite")
    catalogue.init(base)
    book = write_workbook(tmp_path / "offre.xlsx", group_offer(second_owner=True))
    catalogue.apply(run([book], today=TODAY), base)
    make_account(base, STAFF, role="carif")
    settings = Settings.make(tmp_path / "envois", base=base)
    with serving(create_app(settings, Runner(1, processes=False))) as url:
        with httpx.Client(base_url=url, timeout=60) as c:
            login(c, STAFF)
            form = text(c.get("/"))
            assert f'<option value="{OTHER}">' in form and "Établissement de l'envoi" in form
            csrf = c.cookies.get("fasd_csrf")
            with open(book, "rb") as fh:
                files = {"fichiers": ("offre.xlsx", fh)}
                data = {"csrf": csrf, "date": TODAY.isoformat(), "organisme": OTHER}
                location = c.post("/envois", data=data, files=files).headers["location"]
            assert wait_done(c, location)["status"] == "done"
            folder = tmp_path / "envois" / location.rstrip("/").split("/")[-1]
            summary = json.loads((folder / "out" / "summary.json").read_text(encoding="utf-8"))
            assert summary["organisme"]["organismes"] == [OTHER]
            assert summary["findings"]["by_code"]["ORGANISME_AUTRE"] == 2  # F1 and F2, the group's
            assert summary["entities"]["formation"]["accepted"] == 1
            assert summary["catalogue"]["etablissements"] == [OTHER]
            with open(book, "rb") as fh:
                bad = c.post("/envois", data={"csrf": csrf, "organisme": "12"}, files={"fichiers": ("offre.xlsx", fh)})
            assert bad.status_code == 422 and "SIRET" in text(bad)


def test_a_worker_killed_between_commit_and_swap_still_shows_its_changes(tmp_path, monkeypatch):
    """« Appliquer », the worker killed once the base committed, before its output folder
    was swapped in: the page shows the applied run with its changes.csv, not a failure."""
    import json as jsonlib
    import os
    import shutil
    import signal
    import threading

    from pipeline.web.jobs import new_id, read_state, write_json

    base = tmp_path / "catalogue.sqlite"
    catalogue.init(str(base))
    folder = tmp_path / "envois" / new_id()
    (folder / "inputs").mkdir(parents=True)
    shutil.copy(CLEAN, folder / "inputs" / "upload-1.xlsx")
    meta = {
        "created": time.time(),
        "today": "2026-03-01",
        "files": [{"stored": "upload-1.xlsx", "label": "offre.xlsx"}],
    }
    write_json(folder / "meta.json", {**meta, "base": str(base), "perimetre": "partiel"})
    write_json(folder / "state.json", {"status": "queued", "stages": {}})
    hold = tmp_path / "hold"
    hold.write_text("")
    monkeypatch.setenv("FASD_BASE_TEST_HOLD", str(hold))
    monkeypatch.setenv("FASD_BASE_TEST_HOLD_AT", "committed")
    runner = Runner(1)
    thread = threading.Thread(target=runner._run, args=(folder, True))
    thread.start()
    deadline = time.monotonic() + 300
    while not Path(f"{hold}.committed").exists():
        assert thread.is_alive() and time.monotonic() < deadline
        time.sleep(0.05)
    (child,) = list(runner.running)
    os.kill(child.pid, signal.SIGKILL)
    thread.join(timeout=300)
    state = read_state(folder)
    assert state["status"] == "done" and state["applied"] is True
    changes = (folder / "out" / "changes.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(changes) == 1 + 59  # the header and the 59 records the sample creates
    summary = jsonlib.loads((folder / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["catalogue"]["run"] == 1 and summary["catalogue"]["total"]["creation"] == 59
