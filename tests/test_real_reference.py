"""The certification reference as its producers publish it: the Certif Info open-data
CSV, the continuity extract, France Compétences exports whatever their date format.

Inputs: rows copied unchanged from the published files (tests/data/real/README.md),
and small hand-made variants of them built here."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from factory import ROOT
from pipeline.cli.main import main as cli
from pipeline.reference import load_reference

REAL = ROOT / "tests" / "data" / "real"
OPENDATA = REAL / "certifinfo-opendata-extrait.csv"
CONTINUITY = REAL / "anotea-certifinfos.csv"
FC_ZIP = REAL / "fc-sample-export-fiches-csv-2024-02-22.zip"


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_opendata_record_with_all_its_useful_columns():
    cert = load_reference(OPENDATA).by_certifinfo("111669")
    assert (cert.intitule, cert.code_rncp, cert.niveau) == ("Diplôme d'État d'aide-soignant", "RNCP35830", "4")
    assert cert.type_certification == "Autre diplôme d'Etat de niveau 4"
    assert (cert.formacodes, cert.codes_rome, cert.codes_nsf) == (["43436"], ["J1501"], ["331"])
    assert cert.certificateur == "Ministère du travail, de la santé et des solidarités"
    assert not cert.archive and cert.etat == "Publié"


def test_opendata_old_code_is_archived_and_names_its_successor():
    ref = load_reference(OPENDATA)
    old = ref.by_certifinfo("54913")
    assert old.archive and old.successeurs == ["111669"] and old.code_rncp == "RNCP4495"
    assert old.intitule == "Diplôme d'État d'aide-soignant"


def test_show_and_search_on_the_opendata_file():
    shown = invoke("ref", "show", "111669", "--reference", OPENDATA)
    assert shown.exit_code == 0, shown.output
    assert "RNCP35830" in shown.output and "Diplôme d'État d'aide-soignant" in shown.output
    old = invoke("ref", "show", "54913", "--reference", OPENDATA)
    assert old.exit_code == 0 and "archivée" in old.output
    assert "Certif Info 111669 « Diplôme d'État d'aide-soignant »" in old.output
    found = invoke("ref", "search", "aide-soignant", "--reference", OPENDATA)
    assert found.exit_code == 0, found.output
    assert found.output.splitlines()[1].startswith("111669")


def test_archived_code_in_an_offer_names_the_successor(tmp_path):
    from factory import run_offer, valid_offer

    offer = valid_offer()
    offer["formation"][0].update(certifinfo="oui", code_certifinfo="54913", objectif_general="Certification")
    result = run_offer(tmp_path, offer, reference=load_reference(OPENDATA))
    inactive = result.findings[result.findings["code"] == "CERTIFINFO_INACTIVE"].iloc[0]
    assert "archivée" in inactive["message"] and "Certif Info 111669" in inactive["suggestion"]


def test_unknown_columns_are_named_in_one_warning_line(tmp_path):
    lines = OPENDATA.read_text(encoding="utf-8").splitlines()
    lines[0] += ";Colonne_Maison"
    lines[1:] = [line + ";x" for line in lines[1:]]
    path = tmp_path / "certifinfo.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert load_reference(path).notes == ["certifinfo.csv : colonne(s) non reprise(s) : Colonne_Maison."]
    shown = invoke("ref", "show", "111669", "--reference", path)
    assert shown.exit_code == 0
    assert "avertissement : certifinfo.csv : colonne(s) non reprise(s) : Colonne_Maison." in shown.output
    assert load_reference(OPENDATA).notes == []  # the published columns are all known


def test_continuity_shape():
    ref = load_reference(CONTINUITY)
    old = ref.by_certifinfo("10013")
    assert old.archive and old.successeurs == ["74037"]
    new = ref.by_certifinfo("74037")
    assert new is not None and new.intitule.startswith("Master droit, économie, gestion")
    assert ref.by_certifinfo("27624").successeurs == ["80104"]


def test_folder_with_the_published_files(tmp_path):
    for source in (OPENDATA, CONTINUITY):
        (tmp_path / source.name).write_bytes(source.read_bytes())
    (tmp_path / FC_ZIP.name).write_bytes(FC_ZIP.read_bytes())
    ref = load_reference(tmp_path)
    assert ref.by_certifinfo("111669") and ref.by_certifinfo("10013") and ref.lookup("RS5000")


def test_bare_number_finds_rncp_and_rs_fiches():
    ref = load_reference(FC_ZIP)
    assert [c.code_rs for c in ref.lookup("5000")] == ["RS5000"]
    assert [c.code_rncp for c in ref.lookup("4049")] == ["RNCP4049"]
    shown = invoke("ref", "show", "5000", "--reference", FC_ZIP)
    assert shown.exit_code == 0 and "RS5000" in shown.output


def _reexport(path: Path, fmt, override: dict[str, str] | None = None) -> Path:
    """The real sample export with every jj/mm/aaaa date of its Standard file rewritten
    by `fmt(day, month, year)` (a re-export by another tool); `override`: fiche -> end date."""
    override = override or {}
    with zipfile.ZipFile(FC_ZIP) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if "Standard" in info.filename:
                text = re.sub(r'"(\d\d)/(\d\d)/(\d{4})"', lambda m: f'"{fmt(*m.groups())}"', data.decode("utf-8"))
                lines = text.split("\r\n")
                for i, line in enumerate(lines):
                    cells = line.split(";")
                    if len(cells) > 11 and cells[1].strip('"') in override:
                        cells[11] = f'"{override[cells[1].strip(chr(34))]}"'
                        lines[i] = ";".join(cells)
                data = "\r\n".join(lines).encode("utf-8")
            dst.writestr(info, data)
    return path


@pytest.mark.parametrize(
    "fmt, note",
    [
        (lambda d, m, y: f"{y}-{m}-{d}", False),  # ISO dates
        (lambda d, m, y: f"{int(m)}/{int(d)}/{y[2:]}", True),  # US dates, 2-digit years
    ],
)
def test_export_end_dates_whatever_their_format(tmp_path, fmt, note):
    ref = load_reference(_reexport(tmp_path / "export-fiches-csv-2024-02-22.zip", fmt))
    assert ref.lookup("RS5000")[0].date_fin == dt.date(2024, 5, 24)
    assert ref.lookup("RS6117")[0].date_fin == dt.date(2025, 9, 29)
    assert ref.lookup("RNCP4049")[0].date_fin == dt.date(2015, 2, 2)
    assert any("mois/jour/année" in n for n in ref.notes) == note


def test_us_date_where_day_and_month_are_equal(tmp_path):
    """1/1/24 reads the same both ways; 2/2/15 too: the column's other dates (5/24/24)
    say month first."""
    us = lambda d, m, y: f"{int(m)}/{int(d)}/{y[2:]}"  # noqa: E731
    ref = load_reference(_reexport(tmp_path / "export-fiches-csv-2024-02-22.zip", us, {"RS6117": "1/1/24"}))
    assert ref.lookup("RS5000")[0].date_fin == dt.date(2024, 5, 24)
    assert ref.lookup("RS6117")[0].date_fin == dt.date(2024, 1, 1)
