"""The page's « Télécharger mon fichier corrigé » (issue 28 §7): offered for a workbook upload."""

from __future__ import annotations

import html
import io

import openpyxl
from test_web import CLEAN, FLAWED, client, post, server, wait_done  # noqa: F401 (fixtures)

from pipeline.web.corrected import NAME


def test_a_workbook_upload_offers_its_corrected_copy(client):  # noqa: F811
    with open(FLAWED, "rb") as fh:
        location = post(client, {"fichiers": ("mon offre.xlsx", fh)}).headers["location"]
    assert wait_done(client, location)["status"] == "done"
    page = html.unescape(client.get(location).text)
    assert f"/fichiers/{NAME}" in page and "Télécharger mon fichier corrigé" in page
    response = client.get(f"{location}/fichiers/{NAME}")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert "Rapport" not in book.sheetnames  # the user's own workbook, not report.xlsx
    siret = book["Sites"]["B6"]  # an ambiguous mistake: left as written, marked
    assert siret.comment is not None and "BAD_FORMAT" in siret.comment.text


def test_a_csv_upload_has_no_corrected_copy(client):  # noqa: F811
    csv = (CLEAN.parent / "offre-sanitaire-social.csv").read_bytes()
    location = post(client, {"fichiers": ("o.csv", csv)}).headers["location"]
    wait_done(client, location)
    assert NAME not in client.get(location).text
    assert client.get(f"{location}/fichiers/{NAME}").status_code == 404
