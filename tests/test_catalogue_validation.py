"""Validation before publication (issue 25, catalogue/validation.py), on SQLite and PostgreSQL:
the scripted week — import → all waiting, export empty; validate all → exported; a changed
session → its action waits while the export keeps the validated version, then the new one
once validated; a question → en attente de réponses, cleared by the next import; a
refusal with its reason in `historique` — and drafts, the dashboard's lists, withdrawals."""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner

from base_backends import base  # noqa: F401  (fixture)
from factory import TODAY, valid_offer, write_workbook
from pipeline import catalogue
from pipeline.cli.main import main

WAITING = "Actions de formation en attente de validation par CARIF-OREF"
ANSWERS = "Actions de formation en attente de réponses"
DRAFTS = "Actions de formation en cours de saisie"
ACTIVE = "Sessions de formation actives"


def fasd(*args, code=0):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == code, result.output
    return result


def two_actions(duree="35") -> dict:
    """F1 with A1 (S1, D1) and A2 (S2, D2)."""
    offer = valid_offer()
    offer["session"][0]["duree_centre_h"] = duree
    offer["action"].append(dict(offer["action"][0], ref_action="A2"))
    offer["session"].append(dict(offer["session"][0], ref_session="S2", ref_action="A2", duree_centre_h="70"))
    offer["dispositif"].append(dict(offer["dispositif"][0], ref_session="S2", ref_dispositif="D2"))
    return offer


def send(tmp_path, base_value, offer, name, *extra):
    book = write_workbook(tmp_path / f"{name}.xlsx", offer)
    return fasd("import", book, "--out", tmp_path / name, "--base", base_value, "--today", TODAY, *extra, code=0)


def stats(base_value) -> dict:
    return json.loads(fasd("stats", "--base", base_value, "--today", TODAY, "--json").output)


def published(base_value) -> dict[str, str]:
    """ref_session -> durée en centre of each session the export serves."""
    offers, _, _ = catalogue.live_offers(base_value, today=TODAY)
    return {s["ref_session"]: s["duree_centre_h"] for f in offers for a in f["actions"] for s in a["sessions"]}


def states(base_value) -> dict[str, str]:
    listed = fasd(
        "validation", "liste", "--base", base_value, "--json", *sum((["--etat", e] for e in ETATS), [])
    ).output
    return {a["ref_action"]: a["etat"] for a in json.loads(listed)}


ETATS = ("en_attente", "en_attente_reponses", "brouillon", "refusee")


def test_the_scripted_week(base, tmp_path):  # noqa: F811
    fasd("base", "init", "--base", base)
    # Monday: the organisation's import is its « envoi en validation »: nothing is published
    send(tmp_path, base, two_actions(), "lundi")
    assert stats(base)[WAITING] == 2 and stats(base)[ACTIVE] == 0
    empty = fasd("export", "--base", base, "--out", tmp_path / "lundi.xml", "--today", TODAY, code=1)
    assert "Aucune formation" in empty.output and not (tmp_path / "lundi.xml").exists()
    waiting = json.loads(fasd("validation", "liste", "--base", base, "--json").output)
    assert [(a["code_fas"], a["ref_action"]) for a in waiting] == [("1-1", "A1"), ("1-2", "A2")]
    assert all(any(c["fields"] == {"nouveau": True} for c in a["changes"]) for a in waiting)

    # Tuesday: the Carif-Oref validates everything → exported
    assert "2 action(s) validée(s)" in fasd("validation", "valider", "--base", base, "--tout", "--par", "Agnès").output
    assert published(base) == {"S1": 35, "S2": 70}
    assert stats(base)[WAITING] == 0 and stats(base)[ACTIVE] == 2
    fasd("export", "--base", base, "--out", tmp_path / "mardi.xml", "--today", TODAY)

    # Wednesday: S1 changes → A1 waits, the export keeps its validated version; A2 untouched
    send(tmp_path, base, two_actions(duree="42"), "mercredi")
    assert states(base) == {"A1": "en_attente"}
    assert published(base) == {"S1": 35, "S2": 70}
    waiting = json.loads(fasd("validation", "liste", "--base", base, "--json").output)
    assert [c["fields"] for a in waiting for c in a["changes"]] == [{"duree_centre_h": [35, 42]}]
    fasd("validation", "valider", "--base", base, "1-1", "--par", "Agnès")
    assert published(base) == {"S1": 42, "S2": 70} and states(base) == {}

    # Thursday: S2 changes, a question on A2 → en attente de réponses; A2 stays published meanwhile
    thursday = two_actions(duree="42")
    thursday["session"][1]["duree_centre_h"] = "75"
    send(tmp_path, base, thursday, "jeudi")
    fasd("validation", "question", "--base", base, "1-2", "--texte", "Quel financeur ?", "--par", "Agnès")
    assert states(base) == {"A2": "en_attente_reponses"} and stats(base)[ANSWERS] == 1
    assert published(base) == {"S1": 42, "S2": 70}
    send(tmp_path, base, thursday, "jeudi-soir")  # the next import, even unchanged, answers
    assert states(base) == {"A2": "en_attente"} and stats(base)[ANSWERS] == 0

    # Friday: a refusal, its reason in the history with who and when
    fasd("validation", "refuser", "--base", base, "1-2", "--motif", "Dates à confirmer", "--par", "Agnès")
    assert states(base) == {"A2": "refusee"}
    found = json.loads(fasd("historique", "--base", base, "A2", "--json").output)
    (action,) = [r for r in found if r["entity"] == "action"]
    decisions = [(v["change"], v["by"], v["note"]) for v in action["versions"] if v["run"] is None]
    assert decisions == [
        ("validation", "Agnès", None),
        ("question", "Agnès", "Quel financeur ?"),
        ("refus", "Agnès", "Dates à confirmer"),
    ]
    assert action["versions"][-1]["fields"]["motif"] == [None, "Dates à confirmer"] and action["versions"][-1]["at"]
    assert "refus par Agnès" in fasd("historique", "--base", base, "A2").output
    assert published(base) == {"S1": 42, "S2": 70}  # a refused change leaves the published version


def test_a_draft_is_not_sent_until_an_import_without_brouillon(base, tmp_path):  # noqa: F811
    catalogue.init(base)
    send(tmp_path, base, two_actions(), "brouillon", "--brouillon")
    assert stats(base)[DRAFTS] == 2 and stats(base)[WAITING] == 0
    assert "0 action(s) validée(s)" in fasd("validation", "valider", "--base", base, "--tout").output
    fasd("validation", "valider", "--base", base, "1-1")  # a draft was not sent: left as it is
    assert states(base) == {"A1": "brouillon", "A2": "brouillon"}
    send(tmp_path, base, two_actions(), "envoi")  # unchanged, but sent without --brouillon
    assert states(base) == {"A1": "en_attente", "A2": "en_attente"}


def test_a_base_sans_validation_publishes_each_import(base, tmp_path):  # noqa: F811
    fasd("base", "init", "--base", base, "--sans-validation")
    send(tmp_path, base, two_actions(), "a")
    assert published(base) == {"S1": 35, "S2": 70} and states(base) == {}
    send(tmp_path, base, two_actions(duree="42"), "b")
    assert published(base) == {"S1": 42, "S2": 70}


def test_each_counter_equals_its_list_and_active_sessions_are_the_export(base, tmp_path):  # noqa: F811
    from pipeline.catalogue.dashboard import COLUMNS, SEED_COUNTERS

    catalogue.init(base)
    send(tmp_path, base, two_actions(), "a")
    fasd("validation", "valider", "--base", base, "1-1")
    offer = two_actions()
    offer["session"][1]["duree_centre_h"] = "77"
    send(tmp_path, base, offer, "b")  # A2 waits again, nothing published for it yet
    counts = stats(base)
    assert list(counts)[:13] == list(SEED_COUNTERS.values())
    assert counts[ACTIVE] == 1 and counts[WAITING] == 1
    for label, count in counts.items():
        listed = json.loads(fasd("stats", "--base", base, "--today", TODAY, "--liste", label, "--json").output)
        assert len(listed) == count, label
    rows = json.loads(fasd("stats", "--base", base, "--today", TODAY, "--liste", ACTIVE, "--json").output)
    assert rows == [
        {
            "Code FAS": "1-1-1",
            "Intitulé formation": "Prévention des TMS en établissement de santé",
            "Site dispensateur": "CARIFOREF DES PAYS DE LA LOIRE",
            "Commune lieu": "Nantes",
            "Date début": "07/09/2026",
            "Date fin": "30/10/2026",
            "Code dispositif": "D1",
            "Etat A/I": "Actif",
        }
    ]
    assert set(rows[0]) == set(COLUMNS)
    offers, _, _ = catalogue.live_offers(base, today=TODAY)
    exported = [
        f"{f['code_formation']}-{a['code_action']}-{s['code_session']}"
        for f in offers
        for a in f["actions"]
        for s in a["sessions"]
    ]
    assert exported == [r["Code FAS"] for r in rows]
    text = fasd("stats", "--base", base, "--today", TODAY, "--liste", WAITING).output
    assert text.splitlines()[0] == f"{WAITING} : 1 résultat(s)" and "1-2\t" in text
    fasd("stats", "--base", base, "--liste", "Sessions de nulle part", code=2)


def test_a_delta_export_names_what_was_withdrawn_since(base, tmp_path):  # noqa: F811
    import csv

    catalogue.init(base)
    send(tmp_path, base, two_actions(), "a")
    fasd("validation", "valider", "--base", base, "--tout")
    only_a1 = two_actions()
    del only_a1["action"][1], only_a1["session"][1], only_a1["dispositif"][1]
    send(tmp_path, base, only_a1, "b", "--perimetre", "complet")
    assert published(base) == {"S1": 35}  # a withdrawal is published at once
    out = tmp_path / "delta.xml"
    fasd("export", "--base", base, "--out", out, "--today", TODAY, "--depuis", dt.date.today().isoformat())
    with open(tmp_path / "delta.retraits.csv", encoding="utf-8-sig", newline="") as fh:
        withdrawn = [(r["entite"], r["code_fas"]) for r in csv.DictReader(fh, delimiter=";")]
    assert withdrawn == [("action", "1-2"), ("session", "1-2-2")]


def test_a_base_of_revision_0002_keeps_publishing_what_it_held(base, tmp_path):  # noqa: F811
    """Upgraded to 0004, what a base published stays published (its actions validated);
    from then on its imports wait for validation. The 0002 base is made by going down."""
    from alembic import command

    from pipeline.catalogue.base import _alembic_config, open_engine

    catalogue.init(base, validation=False)
    send(tmp_path, base, two_actions(), "a")
    engine = open_engine(base)
    with engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0002")
    engine.dispose()
    assert catalogue.init(base) == ("0002", "0007")
    assert published(base) == {"S1": 35, "S2": 70} and states(base) == {}
    send(tmp_path, base, two_actions(duree="42"), "b")
    assert published(base) == {"S1": 35, "S2": 70} and states(base) == {"A1": "en_attente"}
