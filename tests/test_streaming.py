"""The one sequence (pipeline/engine/stream.py) writes the same, however the input is cut.

Each case runs the same input twice, `run(stream=False)` (the input read at once, one
chunk) and `run(stream=True, chunk_rows=N)` with chunks forced small (one chunk per
formation and less), writes both, and compares every output file: records.jsonl,
lheo.xml, report.csv, report.json, summary.json byte for byte, report.xlsx cell by cell
(values, fills, comments; its zip also holds the time it was written). The cases where
chunks could see something else than the whole file (a key reused in a later chunk, a
site of another SIREN met late, rows of one formation apart, dates proven month first
late in the file) are built by hand.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from pathlib import Path

import openpyxl
import pytest

from pipeline.engine.run import run
from pipeline.writers.output import write_outputs

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
TODAY = dt.date(2026, 3, 1)
EXACT = ("records.jsonl", "lheo.xml", "report.csv", "report.json", "summary.json")


def workbook_cells(path: Path) -> list:
    wb = openpyxl.load_workbook(path)
    out = []
    for ws in wb.worksheets:
        out.append((ws.title, ws.sheet_state))
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None or c.comment is not None:
                    fill = c.fill.fgColor.rgb if c.fill and c.fill.fill_type else None
                    out.append((c.coordinate, c.value, fill, c.comment.text if c.comment else ""))
    return out


def same_outputs(
    tmp_path: Path,
    inputs: list[Path],
    annuaire: Path | None = None,
    *,
    chunk_rows: int = 1,
    xlsx: bool = True,
    **options,
):
    """Both runs written; every file compared. Returns (whole, streamed) results."""
    whole = run(inputs, annuaire=annuaire, today=TODAY, stream=False, **options)
    streamed = run(inputs, annuaire=annuaire, today=TODAY, stream=True, chunk_rows=chunk_rows, **options)
    a, b = tmp_path / "whole", tmp_path / "stream"
    write_outputs(whole, a)
    write_outputs(streamed, b)
    assert sorted(p.name for p in a.iterdir()) == sorted(p.name for p in b.iterdir())
    for name in EXACT:
        if (a / name).exists():
            assert (a / name).read_bytes() == (b / name).read_bytes(), name
    if xlsx:
        assert workbook_cells(a / "report.xlsx") == workbook_cells(b / "report.xlsx")
    return whole, streamed


def csv_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh, delimiter=";"))


def write_rows(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)
    return path


SAMPLE_CSV = SAMPLES / "offre-sanitaire-social.csv"
ANNUAIRE = SAMPLES / "annuaire.xlsx"


@pytest.mark.parametrize("chunk_rows", [1, 3, 8, 1000])
def test_sample_csv_any_chunk_size(tmp_path, chunk_rows):
    whole, streamed = same_outputs(tmp_path, [SAMPLE_CSV], ANNUAIRE, chunk_rows=chunk_rows)
    assert (streamed.chunks > 1 or chunk_rows == 1000) and not streamed.notes
    assert streamed.summary() == whole.summary()


def test_sample_csv_without_directory(tmp_path):
    """No --annuaire: every site and contact link is an ORPHAN, in every chunk."""
    whole, _ = same_outputs(tmp_path, [SAMPLE_CSV], None, chunk_rows=2)
    assert "ORPHAN" in set(whole.findings["code"])


def test_duplicate_sofi_codes_across_chunks(tmp_path):
    """A SOFI code of a formation, action and session reused three formations later:
    DUPLICATE_KEY on the later record, naming the first one's row."""
    rows = csv_rows(SAMPLE_CSV)
    h = rows[0]
    col = {
        name: h.index(name)
        for name in ("Référence formation", "Code formation SOFI", "Code action SOFI", "Code session SOFI")
    }
    formations = [r[col["Référence formation"]] for r in rows[1:]]
    last = len(rows) - 1 - formations[::-1].index(formations[-1])
    for name in ("Code formation SOFI", "Code action SOFI", "Code session SOFI"):
        rows[1][col[name]] = "777"
        rows[last][col[name]] = "777"
    path = write_rows(tmp_path / "offres.csv", rows)
    whole, streamed = same_outputs(tmp_path, [path], ANNUAIRE, chunk_rows=1)
    dup = whole.findings[whole.findings["code"] == "DUPLICATE_KEY"]
    assert len(dup) == 3 and (dup["row"] > 2).all()  # the later records, not the first ones (row 2)
    assert dup["message"].str.contains("ligne 2").all()


def test_site_of_another_siren_met_in_a_later_chunk(tmp_path):
    """A site dispensateur of another SIREN: SOUS_TRAITANCE once, though several chunks use it;
    nothing rejected."""
    wb = openpyxl.load_workbook(ANNUAIRE)
    ws = wb["Sites"]
    for row in ws.iter_rows(min_row=2):
        if str(row[0].value) == "41203":
            row[1].value = "130 005 119 00032"
    annuaire = tmp_path / "annuaire.xlsx"
    wb.save(annuaire)
    whole, streamed = same_outputs(tmp_path, [SAMPLE_CSV], annuaire, chunk_rows=1)
    assert list(whole.findings["code"]).count("SOUS_TRAITANCE") == 1
    assert whole.summary()["entities"]["formation"]["rejected"] == 0


def test_organisation_given_and_an_offer_outside_it(tmp_path):
    """--organisme one establishment: the other establishments' formations are rejected, whichever chunk."""
    whole, streamed = same_outputs(tmp_path, [SAMPLE_CSV], ANNUAIRE, chunk_rows=1, organisme=["77871234900019"])
    autre = whole.findings[whole.findings["code"] == "ORGANISME_AUTRE"]
    assert len(autre) == 3 and set(autre["entity"]) == {"formation"}
    assert whole.summary()["entities"]["formation"]["accepted"] == 2
    assert streamed.summary()["organisme"] == whole.summary()["organisme"]


def test_bad_site_used_by_several_chunks(tmp_path):
    """A site with a bad SIRET is rejected once; every record using it, in every chunk, in cascade."""
    wb = openpyxl.load_workbook(ANNUAIRE)
    for row in wb["Sites"].iter_rows(min_row=2):
        if str(row[0].value) == "41201":
            row[1].value = "778 712 349 00018"
    annuaire = tmp_path / "annuaire.xlsx"
    wb.save(annuaire)
    whole, _ = same_outputs(tmp_path, [SAMPLE_CSV], annuaire, chunk_rows=1)
    cascade = whole.findings[whole.findings["code"] == "PARENT_REJECTED"]
    assert len(cascade) > 1


def test_rows_of_a_formation_apart_read_whole(tmp_path):
    """A formation whose rows are not contiguous: the stream stops and the whole file is read
    (one French line says so); the outputs are today's."""
    rows = csv_rows(SAMPLE_CSV)
    rows.append(rows.pop(1))
    path = write_rows(tmp_path / "offres.csv", rows)
    _, streamed = same_outputs(tmp_path, [path], ANNUAIRE, chunk_rows=1)
    assert streamed.chunks == 1  # read again as one chunk
    assert streamed.notes and "ne se suivent pas" in streamed.notes[0]


def test_month_first_dates_late_in_the_file_read_whole(tmp_path):
    rows = csv_rows(SAMPLE_CSV)
    h = rows[0]
    j = next(i for i, name in enumerate(h) if name.startswith("Date de début"))
    f = h.index("Référence formation")
    for row in rows[1:]:
        if row[f] == rows[-1][f]:  # the last formation alone proves month first; the file, day first
            row[j] = "09/28/2026"
    path = write_rows(tmp_path / "offres.csv", rows)
    _, streamed = same_outputs(tmp_path, [path], ANNUAIRE, chunk_rows=1)
    assert streamed.notes and "mois/jour" in streamed.notes[0]


def test_windows_1252_and_mixed_bytes(tmp_path):
    """The encoding is decided from the whole file: a stray Windows-1252 byte late in a UTF-8
    file is MIXED_ENCODING at its line, as the whole-file reader says."""
    data = SAMPLE_CSV.read_bytes()
    lines = data.split(b"\n")
    late = max(i for i, line in enumerate(lines) if line.count(b";") > 10)
    lines[late] = lines[late].replace(b";", b";\xe9", 1)
    mixed = tmp_path / "mixte.csv"
    mixed.write_bytes(b"\n".join(lines))
    whole, _ = same_outputs(tmp_path / "a", [mixed], ANNUAIRE, chunk_rows=1)
    assert "MIXED_ENCODING" in set(whole.findings["code"])
    cp1252 = tmp_path / "cp1252.csv"
    cp1252.write_bytes(data.decode("utf-8-sig").encode("cp1252", errors="replace"))
    same_outputs(tmp_path / "b", [cp1252], ANNUAIRE, chunk_rows=1)
    mac = tmp_path / "mac.csv"  # Mac Roman: decoded as such whole, so the stream reads it whole
    mac.write_bytes(data.decode("utf-8-sig").encode("mac_roman", errors="replace"))
    whole, streamed = same_outputs(tmp_path / "c", [mac], ANNUAIRE, chunk_rows=1)
    assert whole.tables["formation"].raw["intitule"].str.contains("é").any()
    assert any("Mac Roman" in note for note in streamed.notes)


def test_every_record_accepted_or_reported(tmp_path):
    """Accounting of a streamed run: read = accepted + rejected per entity, and each rejected
    record has an error finding naming it (its key) in report.json."""
    _, path, annuaire = _generated(tmp_path, 1_000)
    whole, streamed = same_outputs(tmp_path, [path], annuaire, chunk_rows=200, xlsx=False)
    assert streamed.chunks > 1
    summary = streamed.summary()
    findings = streamed.findings
    for entity, counts in summary["entities"].items():
        assert counts["read"] == counts["accepted"] + counts["rejected"]
        errors = findings[(findings["entity"] == entity) & (findings["severity"] == "error")]
        assert errors["_index"].dropna().nunique() == counts["rejected"], entity
    assert summary["entities"]["session"]["read"] == 1_000


def test_generated_10000_sessions(tmp_path):
    """The national-style workload of the benchmark (bench/generate.py, seed 1), in chunks of 1 000 rows."""
    _, path, annuaire = _generated(tmp_path, 10_000)
    _, streamed = same_outputs(tmp_path, [path], annuaire, chunk_rows=1_000)
    assert streamed.chunks > 1


def test_more_records_than_a_sheet_holds(tmp_path, monkeypatch):
    """report.xlsx of a run too large for a sheet: the Rapport (every finding) and Colonnes
    sheets only, with a French line saying why; the other files as ever."""
    import pipeline.engine.stream

    rows = csv_rows(SAMPLE_CSV)
    rows[1][rows[0].index("Code session SOFI")] = "abc"  # one finding at least
    path = write_rows(tmp_path / "offres.csv", rows)
    monkeypatch.setattr(pipeline.engine.stream, "SHEET_ROWS", 5)
    whole, streamed = same_outputs(tmp_path, [path], ANNUAIRE, chunk_rows=2, xlsx=False)
    wb = openpyxl.load_workbook(tmp_path / "stream" / "report.xlsx")
    assert wb.sheetnames == ["Rapport", "Colonnes"]
    texts = [c.value for row in wb["Rapport"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any("Trop d'enregistrements" in t and "Sessions" in t for t in texts)
    for message in whole.findings["message"]:
        assert message in texts


REAL = ROOT / "tests" / "data" / "real"


@pytest.mark.parametrize("name", ["trefle-poec.xml", "onisep-exemple-bts.xml"])
@pytest.mark.parametrize("profil", [None, "sofi"])
def test_real_lheo_flows(tmp_path, name, profil):
    """Flows of other producers (elements FASD does not model kept as written, the lheo
    profile's records à compléter), one formation a chunk."""
    _, streamed = same_outputs(tmp_path, [REAL / name], None, chunk_rows=1, profil=profil)
    assert streamed.chunks == streamed.counts["entities"]["formation"]["read"]  # one formation a chunk


def _generated(tmp_path: Path, sessions: int):
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import generate
    finally:
        sys.path.remove(str(ROOT / "bench"))
    ds = generate.build(sessions, 1)
    path, annuaire = tmp_path / "offres.csv", tmp_path / "annuaire.xlsx"
    generate.write_flat_csv(ds, path)
    generate.write_annuaire_xlsx(ds, annuaire)
    return ds, path, annuaire


def test_generated_lheo_flow(tmp_path):
    """A flow written by the project (sites and contacts inline and in its fasd-annuaire
    extras), alone and with --annuaire (which wins over the flow's own directory)."""
    from pipeline.writers.lheo import write_lheo

    _, path, annuaire = _generated(tmp_path, 2_000)
    flow = tmp_path / "flux.xml"
    write_lheo(run([path], annuaire=annuaire, today=TODAY), flow)
    _, streamed = same_outputs(tmp_path / "a", [flow], None, chunk_rows=300)
    assert streamed.chunks > 1
    same_outputs(tmp_path / "b", [flow], annuaire, chunk_rows=300)


def test_sample_csv_lheo_profile(tmp_path):
    """--profil lheo on a CSV: the directory's records are relaxed too, before any chunk is decided."""
    same_outputs(tmp_path, [SAMPLE_CSV], ANNUAIRE, chunk_rows=2, profil="lheo")
