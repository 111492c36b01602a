"""Validation on the page (`fasd serve --base`, issue 25; web/validation.py), over HTTP, on
SQLite and PostgreSQL: staff validate (one action, « tout valider »), refuse with a motif,
ask a question; the organisation reads it on its page and answers, which sends the action
back to validation; an organisation gets 404 on the queue and its decisions, even forged
for another organisation's FAS code; CSRF refused; a page made stale by an import decides
nothing; each dashboard counter equals the rows of its list page.

Two organisations of tests/test_organisations.py in a base with validation: GROUP
(SIREN 778712349: F1/A1, F2/A2) and OTHER (SIREN 130005119: F3/A3), imported before
the server starts, so every action waits for validation.
"""

from __future__ import annotations

import contextlib
import html
import json
import re

import httpx
import pytest
from click.testing import CliRunner

from base_backends import fresh_schema, require_postgresql
from factory import TODAY, write_workbook
from pipeline import catalogue
from pipeline.cli.main import main
from pipeline.engine.run import run
from pipeline.web.app import Runner, create_app
from pipeline.web.settings import Settings
from pipeline.web.testing import serving
from test_organisations import GROUP, OTHER, group_offer

from accounts_helpers import login, make_account

A, B, STAFF = "a@organisme-a.fr", "b@organisme-b.fr", "agnes@carif.example"
GROUP_SIREN, OTHER_SIREN = GROUP[:9], OTHER[:9]


def offer(duree: str | None = None) -> dict:
    found = group_offer(second_owner=True)
    for session in found["session"]:  # still running on the page's today
        session["date_fin"] = "31/12/2099"
        if duree is not None and session["ref_session"].endswith("1"):
            session["duree_centre_h"] = duree
    return found


def send(base: str, folder, found: dict, name: str) -> None:
    book = write_workbook(folder / f"{name}.xlsx", found)
    catalogue.apply(run([book], today=TODAY), base)


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request, tmp_path):
    if request.param == "postgresql":
        require_postgresql()
        where = fresh_schema()
    else:
        where = contextlib.nullcontext(str(tmp_path / "catalogue.sqlite"))
    with where as base:
        catalogue.init(base)  # with validation: every import waits for the CARIF-OREF
        send(base, tmp_path, offer(), "lundi")
        make_account(base, A, [GROUP])
        make_account(base, B, [OTHER])
        make_account(base, STAFF, role="carif")
        settings = Settings.make(tmp_path / "envois", base=base)
        with serving(create_app(settings, Runner(1, processes=False))) as url:
            yield {"url": url, "base": base, "folder": tmp_path}


@contextlib.contextmanager
def client(world, email: str):
    with httpx.Client(base_url=world["url"], follow_redirects=False, timeout=60) as c:
        assert login(c, email).status_code == 303
        yield c


def text(response) -> str:
    return html.unescape(response.text)


def decision_forms(page: str) -> list[dict]:
    """The hidden fields of each decision form of the queue page."""
    found = []
    for form in re.findall(r'<form method="post" action="/validation/decision"[^>]*>(.*?)</form>', page, re.S):
        fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form))
        found.append(fields)
    return found


def form_of(page: str, code: str) -> dict:
    """The decision form of one action (its FAS code), or the « tout valider » of an organisation (its SIREN)."""
    for fields in decision_forms(page):
        if fields.get("action") == code or ("action" not in fields and fields["organisme"] == code):
            return fields
    raise AssertionError(f"no decision form for {code}")


def queued(c, etat: str = "en_attente") -> list[str]:
    """The FAS codes of the queue's tab `etat`."""
    page = c.get(f"/validation?etat={etat}")
    assert page.status_code == 200
    return [f["action"] for f in decision_forms(text(page)) if "action" in f]


def codes(base: str) -> dict[str, str]:
    """ref_action -> FAS code of each action of the base."""
    return {ref: found["code_fas"] for ref, found in actions(base).items()}


def states(base: str) -> dict[str, str]:
    return {ref: found["etat"] for ref, found in actions(base).items()}


def actions(base: str) -> dict[str, dict]:
    """ref_action -> the action as `fasd validation liste` sees it, whatever its state."""
    from pipeline.catalogue.api import _connection
    from pipeline.catalogue.validation import STATES, waiting

    with _connection(base) as conn:
        return {a["ref_action"]: a for a in waiting(conn, None, tuple(STATES))}


def decisions(base: str, code: str) -> list[tuple]:
    (action,) = [r for r in catalogue.history(base, code) if r["entity"] == "action"]
    return [(v["change"], v["by"], v["note"]) for v in action["versions"] if v["run"] is None]


def exported(base: str, folder) -> str:
    out = folder / "export.xml"
    result = CliRunner().invoke(main, ["export", "--base", base, "--out", str(out), "--today", str(TODAY)])
    return out.read_text(encoding="utf-8") if result.exit_code == 0 else ""


def post(c, fields: dict, **changes):
    return c.post("/validation/decision", data={**fields, "csrf": c.cookies.get("fasd_csrf"), **changes})


def test_staff_validates_an_action_it_leaves_the_queue_and_is_exported(world):
    base = world["base"]
    code = codes(base)
    assert exported(base, world["folder"]) == ""  # nothing validated: nothing published
    with client(world, STAFF) as c:
        page = text(c.get("/validation"))
        assert f"SIREN {GROUP_SIREN}" in page and f"SIREN {OTHER_SIREN}" in page
        assert sorted(queued(c)) == sorted(code.values())
        assert "nouvelle, jamais publiée" in page  # what changed since its published version: all new
        response = post(c, form_of(page, code["A1"]), decision="valider")
        assert response.status_code == 303
        after = text(c.get(response.headers["location"]))
        assert "1 action(s) validée(s)." in after
        assert code["A1"] not in queued(c) and code["A2"] in queued(c)
    assert states(base)["A1"] == "validee"
    assert decisions(base, code["A1"]) == [("validation", STAFF, None)]
    xml = exported(base, world["folder"])
    assert xml.count("<action>") + xml.count("<action ") == 1  # A1 alone is published


def test_tout_valider_validates_one_organisation_only(world):
    base = world["base"]
    with client(world, STAFF) as c:
        page = text(c.get("/validation"))
        assert "Tout valider (2)" in page  # GROUP's two actions
        response = post(c, form_of(page, GROUP_SIREN), decision="valider")
        assert response.status_code == 303 and "n=2" in response.headers["location"]
        assert queued(c) == [codes(base)["A3"]]
    assert states(base) == {"A1": "validee", "A2": "validee", "A3": "en_attente"}


def test_a_refusal_needs_a_motif_and_is_in_the_history_with_the_email(world):
    base = world["base"]
    code = codes(base)["A2"]
    with client(world, STAFF) as c:
        fields = form_of(text(c.get("/validation")), code)
        refused = post(c, fields, decision="refuser", texte="   ")
        assert refused.status_code == 422 and "Indiquez le motif du refus." in text(refused)
        assert states(base)["A2"] == "en_attente"
        assert post(c, fields, decision="refuser", texte="Dates à confirmer").status_code == 303
        assert code not in queued(c) and code in queued(c, "refusee")
    assert states(base)["A2"] == "refusee"
    assert decisions(base, code) == [("refus", STAFF, "Dates à confirmer")]
    with client(world, A) as c:  # the organisation reads the reason on its page
        page = text(c.get("/mes-actions"))
        section = page[page.index('id="etat-refusee"') :]
        assert code in section and "Dates à confirmer" in section and f"de {STAFF}" in section


def test_a_question_then_the_answer_on_the_page_sends_the_action_back(world):
    base = world["base"]
    code = codes(base)["A1"]
    with client(world, STAFF) as c:
        fields = form_of(text(c.get("/validation")), code)
        assert post(c, fields, decision="question", texte="").status_code == 422
        assert post(c, fields, decision="question", texte="Quel financeur ?").status_code == 303
        assert code in queued(c, "en_attente_reponses") and code not in queued(c)
    assert states(base)["A1"] == "en_attente_reponses"
    with client(world, B) as c:  # another organisation cannot answer it, nor see it
        assert code not in text(c.get("/mes-actions"))
        forged = c.post("/mes-actions/reponse", data={"csrf": c.cookies.get("fasd_csrf"), "action": code, "texte": "x"})
        assert forged.status_code == 404
    with client(world, A) as c:
        page = text(c.get("/mes-actions"))
        assert "Quel financeur ?" in page and 'action="/mes-actions/reponse"' in page
        csrf = c.cookies.get("fasd_csrf")
        empty = c.post("/mes-actions/reponse", data={"csrf": csrf, "action": code, "texte": " "})
        assert empty.status_code == 422 and states(base)["A1"] == "en_attente_reponses"
        answered = c.post("/mes-actions/reponse", data={"csrf": csrf, "action": code, "texte": "La Région."})
        assert answered.status_code == 303
        assert "de nouveau en attente de validation" in text(c.get(answered.headers["location"]))
        again = c.post("/mes-actions/reponse", data={"csrf": csrf, "action": code, "texte": "Encore."})
        assert again.status_code == 404  # no question waits any more
    assert states(base)["A1"] == "en_attente"
    assert decisions(base, code) == [("question", STAFF, "Quel financeur ?"), ("reponse", A, "La Région.")]
    with client(world, STAFF) as c:  # back in the queue, with the exchange
        page = text(c.get("/validation"))
        article = page[page.index(f'id="action-{code}"') :]
        article = article[: article.index("</article>")]
        assert "Quel financeur ?" in article and "La Région." in article and f"de {A}" in article


def test_an_organisation_gets_404_on_the_queue_and_its_decisions(world):
    base = world["base"]
    code = codes(base)
    with client(world, STAFF) as c:  # a real form, as staff would post it
        own = form_of(text(c.get("/validation")), code["A1"])
        foreign = form_of(text(c.get("/validation")), code["A3"])
        whole = form_of(text(c.get("/validation")), OTHER_SIREN)
    with client(world, A) as c:
        for path in ("/validation", "/validation?etat=refusee", f"/validation?organisme={GROUP_SIREN}"):
            assert c.get(path).status_code == 404, path
        assert c.get("/validation/decision").status_code == 405
        for fields in (own, foreign, whole):
            for decision in ("valider", "refuser", "question"):
                assert post(c, fields, decision=decision, texte="forgé").status_code == 404
        assert 'href="/validation"' not in text(c.get("/mes-actions"))
    assert set(states(base).values()) == {"en_attente"}


def test_a_decision_without_the_csrf_pair_is_refused(world):
    base = world["base"]
    code = codes(base)["A1"]
    with client(world, STAFF) as c:
        fields = form_of(text(c.get("/validation")), code)
        assert fields["csrf"] == c.cookies.get("fasd_csrf")  # the pair: the form's field, the cookie
        missing = c.post(
            "/validation/decision", data={k: v for k, v in fields.items() if k != "csrf"} | {"decision": "valider"}
        )
        assert missing.status_code == 403 and "Le formulaire a expiré" in text(missing)
        wrong = c.post("/validation/decision", data={**fields, "csrf": "mauvais", "decision": "valider"})
        assert wrong.status_code == 403
        assert post(c, fields, decision="valider").status_code == 303  # the same form with its pair: accepted
    with client(world, STAFF) as c:
        fields = form_of(text(c.get("/validation")), codes(base)["A2"])
        foreign = c.post(
            "/validation/decision",
            data={**fields, "csrf": c.cookies.get("fasd_csrf"), "decision": "valider"},
            headers={"origin": "https://ailleurs.example"},
        )
        assert foreign.status_code == 403
    with client(world, A) as c:
        assert c.post("/mes-actions/reponse", data={"action": code, "texte": "x"}).status_code == 403
    assert states(base) == {"A1": "validee", "A2": "en_attente", "A3": "en_attente"}


def test_a_page_made_stale_by_an_import_decides_nothing(world):
    base = world["base"]
    code = codes(base)
    with client(world, STAFF) as c:
        page = text(c.get("/validation"))
        first, second, whole = form_of(page, code["A1"]), form_of(page, code["A2"]), form_of(page, GROUP_SIREN)
        send(base, world["folder"], offer(duree="42"), "mardi")  # S1 changes under the page: A1 is new still
        for fields in (first, whole):
            stale = post(c, fields, decision="valider")
            assert stale.status_code == 409 and "rien n'a été décidé" in text(stale)
        assert set(states(base).values()) == {"en_attente"}
        assert post(c, second, decision="valider").status_code == 303  # A2 did not change: its form holds
        assert post(c, form_of(text(c.get("/validation")), code["A1"]), decision="valider").status_code == 303
        assert states(base) == {"A1": "validee", "A2": "validee", "A3": "en_attente"}
        send(base, world["folder"], offer(duree="43"), "mercredi")  # a validated action changes: it waits
        fresh = text(c.get("/validation"))
        article = fresh[fresh.index(f'id="action-{code["A1"]}"') :]
        assert "42 → 43" in re.sub(r"</?(del|ins)>", "", article[: article.index("</article>")])
    assert states(base)["A1"] == "en_attente"
    assert published_hours(base) == {"S1": 42, "S2": 35}  # the validated version stays published


def published_hours(base: str) -> dict[str, int]:
    offers, _, _ = catalogue.live_offers(base, today=TODAY)
    return {s["ref_session"]: s["duree_centre_h"] for f in offers for a in f["actions"] for s in a["sessions"]}


def counter_numbers(page: str) -> dict[str, int]:
    table = re.search(r'<table class="bilan" id="compteurs">(.*?)</table>', page, re.S).group(1)
    rows = re.findall(r'href="/tableau-de-bord/liste/(\w+)[^"]*">[^<]+</a></th><td>([\d\u202f\xa0 ]+)</td>', table)
    return {key: int(re.sub(r"\D", "", n)) for key, n in rows}


def list_rows(c, key: str, query: str = "") -> int:
    page = c.get(f"/tableau-de-bord/liste/{key}{query}")
    assert page.status_code == 200
    body = text(page)
    shown = int(re.sub(r"\D", "", re.search(r'id="nombre-resultats"><strong>([^<]+)</strong>', body).group(1)))
    tbody = re.search(r"<tbody>(.*?)</tbody>", body, re.S)
    rows = len(re.findall(r"<tr>", tbody.group(1))) if tbody else 0
    assert shown == rows, key
    csv_rows = c.get(f"/tableau-de-bord/liste/{key}{query}{'&' if query else '?'}format=csv").text.strip().splitlines()
    assert len(csv_rows) - 1 == rows and csv_rows[0].lstrip("\ufeff").startswith("Code FAS;Intitulé formation")
    return rows


def test_each_counter_equals_the_rows_of_its_list(world):
    base = world["base"]
    code = codes(base)
    with client(world, STAFF) as c:
        page = text(c.get("/validation"))
        assert post(c, form_of(page, GROUP_SIREN), decision="valider").status_code == 303
        page = text(c.get("/validation"))
        assert post(c, form_of(page, code["A3"]), decision="question", texte="Quel public ?").status_code == 303
        board = counter_numbers(text(c.get("/tableau-de-bord")))
        assert set(board) == set(catalogue.COUNTERS)
        assert board["sessions_actives"] == 2 and board["actions_en_attente_reponses"] == 1
        for key, n in board.items():
            assert list_rows(c, key) == n, key
        mine = counter_numbers(text(c.get(f"/tableau-de-bord?organisme={OTHER}")))  # staff pick one
        assert mine["actions_en_attente_reponses"] == 1 and mine["sessions_actives"] == 0
        for key, n in mine.items():
            assert list_rows(c, key, f"?organisme={OTHER}") == n, key
        listed = text(c.get("/tableau-de-bord/liste/actions_en_attente_reponses"))
        assert code["A3"] in listed and "Code dispositif" in listed and "Etat A/I" in listed
        assert c.get("/tableau-de-bord/liste/inconnu").status_code == 404
    cli = CliRunner().invoke(main, ["stats", "--base", base, "--json"])
    assert json.loads(cli.output)["Sessions de formation actives"] == board["sessions_actives"]
    with client(world, A) as c:  # an organisation: its establishment's, whatever it asks
        own = counter_numbers(text(c.get("/tableau-de-bord")))
        assert own["sessions_actives"] == 2 and own["actions_en_attente_reponses"] == 0
        for key, n in own.items():
            assert list_rows(c, key) == n and list_rows(c, key, f"?organisme={OTHER}") == n, key
        assert code["A3"] not in text(c.get(f"/tableau-de-bord/liste/actions_en_attente_reponses?organisme={OTHER}"))


def test_the_queue_and_a_list_by_pages(world, monkeypatch):
    from pipeline.web import validation

    monkeypatch.setattr(validation, "PAGE_ACTIONS", 1)
    monkeypatch.setattr(validation, "PAGE_ROWS", 1)
    base = world["base"]
    with client(world, STAFF) as c:
        first = text(c.get("/validation"))
        assert len([f for f in decision_forms(first) if "action" in f]) == 1 and "Page 1 sur 3" in first
        assert f"SIREN {OTHER_SIREN}" in first and "Tout valider (1)" in first  # organisations by SIREN
        second = text(c.get("/validation?page=2"))
        assert "Page 2 sur 3" in second and "← précédente" in second and "suivante →" in second
        assert "Tout valider (2)" in second  # the whole organisation, not the page's part of it
        assert post(c, form_of(second, GROUP_SIREN), decision="valider").status_code == 303
        assert states(base) == {"A1": "validee", "A2": "validee", "A3": "en_attente"}
        listed = text(c.get("/tableau-de-bord/liste/sessions_actives?page=2"))
        assert "Page 2 sur 2" in listed and len(re.findall(r"<tr>", listed.split("<tbody>")[1])) == 1


def test_a_question_is_text_not_markup_on_the_organisations_page(world):
    code = codes(world["base"])["A1"]
    with client(world, STAFF) as c:
        fields = form_of(text(c.get("/validation")), code)
        assert post(c, fields, decision="question", texte="<script>alert(1)</script>").status_code == 303
    with client(world, A) as c:
        raw = c.get("/mes-actions").text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw and "<script>alert" not in raw
