"""Certif Info codes replaced by the CARIF-OREF (issue 25, catalogue/certifinfo.py), on
SQLite and PostgreSQL: the reference's successor code written into the base's formation,
its actions marked and counted, the mark cleared by the organisation's import of the new code."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from base_backends import base  # noqa: F401  (fixture)
from pipeline import catalogue
from pipeline.cli.main import main
from test_catalogue_scenario import SAMPLE, TODAY, edited_sample

BUNDLED = Path(__file__).resolve().parent.parent / "pipeline" / "data" / "reference"
COUNTER = "Actions de formation dont le code Certifinfo a été remplacé par le CARIF-OREF"


def fasd(*args, code=0):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == code, result.output
    return result


def reference(folder: Path) -> Path:
    """The bundled reference, where Certif Info says 109868 (DEAES) is replaced by 112233."""
    folder.mkdir()
    shutil.copy(next(BUNDLED.glob("*.zip")), folder)
    rows = list(
        csv.reader(io.StringIO((BUNDLED / "certifinfo-extrait.csv").read_text(encoding="utf-8-sig")), delimiter=";")
    )
    out = [rows[0] + ["nouveau_code"]]
    for row in rows[1:]:
        out.append(row + (["112233"] if row[0] == "109868" else [""]))
        if row[0] == "109868":
            out.append(["112233", *row[1:], ""])
    with open(folder / "certifinfo.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(out)
    return folder


def deaes(base_value) -> tuple[str, int]:
    offers, _, _ = catalogue.live_offers(base_value, today=__import__("datetime").date(2026, 3, 1))
    (f,) = [f for f in offers if f["ref_formation"] == "F-DEAES-B12"]
    return f["code_certifinfo"], len(f["actions"])


def test_the_carif_oref_replaces_a_code_and_the_next_import_of_the_new_one_clears_it(base, tmp_path):  # noqa: F811
    ref = reference(tmp_path / "ref")
    fasd("base", "init", "--base", base, "--sans-validation")
    fasd("import", SAMPLE, "--out", tmp_path / "a", "--base", base, "--today", TODAY, "--reference", ref)
    assert deaes(base)[0] == "109868"
    done = fasd("validation", "certifinfo", "--base", base, "--reference", ref, "--par", "Agnès").output
    assert "1 formation(s)" in done and "109868 → 112233" in done
    code, actions = deaes(base)
    counts = json.loads(fasd("stats", "--base", base, "--today", TODAY, "--json").output)
    assert code == "112233" and actions >= 1 and counts[COUNTER] == actions
    history = json.loads(fasd("historique", "--base", base, "F-DEAES-B12", "--json").output)
    (formation,) = [r for r in history if r["entity"] == "formation"]
    assert formation["versions"][-1]["change"] == "certifinfo" and formation["versions"][-1]["by"] == "Agnès"
    fasd("validation", "certifinfo", "--base", base, "--reference", ref)  # nothing left to replace
    assert json.loads(fasd("stats", "--base", base, "--today", TODAY, "--json").output)[COUNTER] == actions

    new = edited_sample(tmp_path / "nouveau.xlsx", [("Formations", "F-DEAES-B12", "Code Certif Info", "112233")])
    fasd("import", new, "--out", tmp_path / "b", "--base", base, "--today", TODAY, "--reference", ref)
    assert json.loads(fasd("stats", "--base", base, "--today", TODAY, "--json").output)[COUNTER] == 0
