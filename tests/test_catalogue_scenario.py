"""The catalogue's scripted scenario (issue 14, docs/catalogue.md), on SQLite and PostgreSQL.

Import the sample → base with FAS codes; import a corrected copy → only the corrected
records updated, codes unchanged, changes.csv lists exactly those fields; import with
--perimetre complet a copy without one session → that session withdrawn; export →
XSD-valid LHÉO without it; fasd stats → the counts worked out by hand below.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from lxml import etree

from base_backends import base  # noqa: F401  (fixture)
from pipeline.catalogue import live_offers
from pipeline.cli.main import main
from test_lheo import assert_valid

SAMPLE = Path(__file__).parent.parent / "samples" / "offre-sanitaire-social.xlsx"
TODAY = "2026-03-01"
NS = "{http://lheo.gouv.fr/2.3}"


def fasd(*args) -> CliRunner:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code in (0, 1), result.output
    return result


def edited_sample(target: Path, edits=(), drop=()) -> Path:
    """A copy of the sample with cells changed: edits = (sheet, key, header, value); drop = (sheet, key)."""
    shutil.copy(SAMPLE, target)
    wb = openpyxl.load_workbook(target)
    for sheet, key, header, value in edits:
        ws = wb[sheet]
        col = [c.value for c in ws[1]].index(header) + 1
        rows = [
            r
            for r in range(2, ws.max_row + 1)
            if ws.cell(r, 1).value == key
            or (sheet == "Dispositifs" and f"{ws.cell(r, 2).value}/{ws.cell(r, 1).value}" == key)
        ]
        assert len(rows) == 1, (sheet, key)
        ws.cell(rows[0], col).value = value
    for sheet, key in drop:  # a session, or the dispositifs of a session (column B)
        ws = wb[sheet]
        column = 2 if sheet == "Dispositifs" else 1
        for r in [r for r in range(2, ws.max_row + 1) if ws.cell(r, column).value == key][::-1]:
            ws.delete_rows(r)
    wb.save(target)
    return target


def changes(out: Path) -> list[dict]:
    with open(out / "changes.csv", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def codes(base_value: str) -> dict[str, str]:
    """ref → code FAS of every live formation, action and session."""
    offers, _, _ = live_offers(base_value, today=__import__("datetime").date(2026, 3, 1))
    out = {}
    for f in offers:
        out[f["ref_formation"]] = f["code_formation"]
        for a in f["actions"]:
            out[a["ref_action"]] = f"{f['code_formation']}-{a['code_action']}"
            for s in a["sessions"]:
                out[s["ref_session"]] = f"{out[a['ref_action']]}-{s['code_session']}"
    return out


def test_scenario(base, tmp_path):  # noqa: F811
    fasd("base", "init", "--base", base, "--sans-validation")

    # 1. the sample creates the base, with a FAS code for each formation, action and session
    out1 = tmp_path / "run1"
    fasd("import", SAMPLE, "--out", out1, "--today", TODAY, "--base", base)
    summary = json.loads((out1 / "summary.json").read_text(encoding="utf-8"))
    assert {e: c["creation"] for e, c in summary["catalogue"]["entities"].items()} == {
        "site": 5,
        "contact": 7,
        "formation": 5,
        "action": 7,
        "session": 14,
        "dispositif": 21,
    }
    first = codes(base)
    assert len(first) == 5 + 7 + 14
    assert len({c.split("-")[-1] for r, c in first.items() if r.startswith("S-")}) == 14
    assert {row["changement"] for row in changes(out1)} == {"création"}

    # 2. a corrected copy: only the corrected records change, codes stay
    corrected = edited_sample(
        tmp_path / "corrigee.xlsx",
        edits=[
            ("Sessions", "S-DEAS-NTE-2026-09", "Durée en centre (en h) *", 735),
            ("Dispositifs", "S-DEAS-NTE-2026-09/PRF", "Nb places dispositif *", 45),
            ("Actions", "A-TUT-NTE", "Mon + formation", "Tutorat en binôme avec un cadre de santé."),
        ],
    )
    out2 = tmp_path / "run2"
    fasd("import", corrected, "--out", out2, "--today", TODAY, "--base", base)
    rows = changes(out2)
    assert sorted(
        (r["entite"], r["cle"], r["changement"], r["champ"], r["ancienne_valeur"], r["nouvelle_valeur"]) for r in rows
    ) == sorted(
        [
            ("Sessions", "S-DEAS-NTE-2026-09", "modification", "duree_centre_h", "770", "735"),
            ("Dispositifs", "S-DEAS-NTE-2026-09 / PRF", "modification", "nb_places", "40", "45"),
            (
                "Actions",
                "A-TUT-NTE",
                "modification",
                "plus_formation",
                "Animée par des cadres formateurs d'IFSI et d'IFAS ; études de cas issues de vos services.",
                "Tutorat en binôme avec un cadre de santé.",
            ),
        ]
    )
    summary = json.loads((out2 / "summary.json").read_text(encoding="utf-8"))["catalogue"]
    assert summary["total"]["modification"] == 3 and summary["total"]["creation"] == 0
    assert summary["entities"]["session"]["inchange"] == 13
    assert codes(base) == first
    assert next(r for r in rows if r["cle"] == "S-DEAS-NTE-2026-09")["code_fas"] == first["S-DEAS-NTE-2026-09"]

    # 3. the whole offer without one session: that session (and its dispositif) withdrawn
    complete = edited_sample(
        tmp_path / "complet.xlsx",
        edits=[
            ("Sessions", "S-DEAS-NTE-2026-09", "Durée en centre (en h) *", 735),
            ("Dispositifs", "S-DEAS-NTE-2026-09/PRF", "Nb places dispositif *", 45),
            ("Actions", "A-TUT-NTE", "Mon + formation", "Tutorat en binôme avec un cadre de santé."),
        ],
        drop=[("Sessions", "S-TUT-ANG-2026-10"), ("Dispositifs", "S-TUT-ANG-2026-10")],
    )
    out3 = tmp_path / "run3"
    fasd("import", complete, "--out", out3, "--today", TODAY, "--base", base, "--perimetre", "complet")
    rows = changes(out3)
    assert {(r["entite"], r["cle"], r["changement"]) for r in rows} == {
        ("Sessions", "S-TUT-ANG-2026-10", "retrait"),
        ("Dispositifs", "S-TUT-ANG-2026-10 / PLAN", "retrait"),
    }
    shown = fasd("historique", "--base", base, "S-TUT-ANG-2026-10").output
    assert "retiré le 2026-03-01" in shown and "v2" in shown and "complet.xlsx" in shown

    # 4. the export: XSD-valid LHÉO, without the withdrawn session nor the ended one (on 2026-06-01)
    flux = tmp_path / "flux.xml"
    fasd("export", "--base", base, "--out", flux, "--today", "2026-06-01")
    assert_valid(flux)
    numbers = {el.get("numero") for el in etree.parse(str(flux)).iter(f"{NS}session")}
    assert "S-TUT-ANG-2026-10" not in numbers and "S-ACTU-LRY-2026-04" not in numbers
    assert len(numbers) == 12

    # 5. the dashboard on 2026-06-01, counted by hand from the sample (samples/README.md):
    # inactive = withdrawn S-TUT-ANG-2026-10 + S-ACTU-LRY-2026-04 (ended 15/04);
    # ending by 01/07: S-TUT-NTE-2026-05 (08/06); programme région: the 8 sessions with a PRF
    # dispositif; à distance: S-DEAES-LM-2027-03 (hybride); every action keeps a live session.
    counts = json.loads(fasd("stats", "--base", base, "--today", "2026-06-01", "--json").output)
    assert counts == {
        "Sessions de formation actives": 12,
        "Sessions de formation initiales actives": 0,  # no dispositif of formation initiale in the sample
        "Sessions de formation inactives dans moins d'un mois": 1,
        "Sessions de formation inactives": 2,
        "Sessions de formation du programme région": 8,
        "Sessions de formation en contrat d'apprentissage": 0,
        "Sessions de formation en contrat de professionnalisation": 0,
        "Sessions de formation ouvertes à distance": 1,
        "Actions de formation en cours de saisie": 0,  # a base --sans-validation: every action validated
        "Actions de formation publique en cours de saisie": 0,
        "Actions de formation en attente de validation par CARIF-OREF": 0,
        "Actions de formation en attente de réponses": 0,
        "Actions de formation dont le code Certifinfo a été remplacé par le CARIF-OREF": 0,
        "Actions de formation actives": 7,
        "Actions de formation inactives": 0,
        "Formations en ligne": 5,
    }

    # running the same file again changes nothing
    out4 = tmp_path / "run4"
    fasd("import", complete, "--out", out4, "--today", TODAY, "--base", base, "--perimetre", "complet")
    assert changes(out4) == []
    assert json.loads((out4 / "summary.json").read_text(encoding="utf-8"))["catalogue"]["total"]["inchange"] == 59 - 2
