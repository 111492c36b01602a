"""The bundled samples: the clean offer imports with no finding in both layouts, the
flawed copy produces exactly the findings listed in samples/README.md, and every
input record is accounted for."""

from __future__ import annotations

import re
import sys

import pandas as pd
import pytest
from click.testing import CliRunner

from factory import SAMPLES, TODAY
from pipeline.cli.main import main as cli
from pipeline.model.findings import record_key
from pipeline.model.fields import ENTITIES
from pipeline.model.records import directory_records, offer_records
from pipeline.engine.run import run

WORKBOOK = SAMPLES / "offre-sanitaire-social.xlsx"
CSV = SAMPLES / "offre-sanitaire-social.csv"
ANNUAIRE = SAMPLES / "annuaire.xlsx"
FLAWED = SAMPLES / "offre-sanitaire-social-erreurs.xlsx"


@pytest.fixture(scope="module")
def clean_workbook(reference):
    return run([WORKBOOK], reference=reference, today=TODAY)


@pytest.fixture(scope="module")
def clean_csv(reference):
    return run([CSV], annuaire=ANNUAIRE, reference=reference, today=TODAY)


@pytest.fixture(scope="module")
def flawed(reference):
    return run([FLAWED], reference=reference, today=TODAY)


def described(findings: pd.DataFrame) -> list[str]:
    return [f"{r.code} {r.sheet}!{r.cell} {r.key}: {r.message}" for r in findings.itertuples()]


# ----------------------------------------------------------------- clean samples
def test_clean_workbook_has_no_finding(clean_workbook):
    assert described(clean_workbook.findings) == []


def test_clean_csv_has_no_finding(clean_csv):
    assert described(clean_csv.findings) == []


def test_clean_samples_keep_every_record(clean_workbook):
    counts = {e: c["read"] for e, c in clean_workbook.summary()["entities"].items()}
    assert counts == {"site": 5, "contact": 7, "formation": 5, "action": 7, "session": 14, "dispositif": 21}
    assert all(c["rejected"] == 0 for c in clean_workbook.summary()["entities"].values())


def _without_provenance(value):
    if isinstance(value, dict):
        return {k: _without_provenance(v) for k, v in value.items() if k != "provenance"}
    if isinstance(value, list):
        return [_without_provenance(v) for v in value]
    return value


def test_workbook_and_csv_give_the_same_records(clean_workbook, clean_csv):
    from_workbook = _without_provenance(list(offer_records(clean_workbook)))
    from_csv = _without_provenance(list(offer_records(clean_csv)))
    assert len(from_workbook) == 5
    assert from_csv == from_workbook
    for entity in ("site", "contact"):
        assert _without_provenance(directory_records(clean_csv, entity)) == _without_provenance(
            directory_records(clean_workbook, entity)
        )


def test_same_records_before_the_reference_fills_them():
    """The reference overwrites title, objective, Formacodes… of certifying formations:
    compare the values as typed in both files too."""
    workbook = run([WORKBOOK], today=TODAY)
    flat = run([CSV], annuaire=ANNUAIRE, today=TODAY)
    assert described(workbook.findings) == described(flat.findings) == []
    assert _without_provenance(list(offer_records(flat))) == _without_provenance(list(offer_records(workbook)))


def test_csv_is_a_french_export():
    """UTF-8 with BOM, `;`, and headers that are not all the template labels."""
    data = CSV.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    header = data.decode("utf-8-sig").splitlines()[0].split(";")
    labels = {f.label for e in ENTITIES.values() for f in e.fields}
    assert "Date de début" in header and "Référent handicap" in header
    assert any(h in labels for h in header) and any(h not in labels for h in header)


def test_seed_facts_are_in_the_clean_offer(clean_workbook):
    records = {r["ref_formation"]: r for r in offer_records(clean_workbook)}
    deas = records["F-DEAS"]
    assert (deas["code_certifinfo"], deas["code_rncp"], deas["validation"], deas["individualisation"]) == (
        "111669",
        "RNCP35830",
        "totale",
        False,
    )
    dispositifs = {d["dispositif"]: d for a in deas["actions"] for s in a["sessions"] for d in s["dispositifs"]}
    assert dispositifs["PROGRAMME REGION - Formations sanitaires et sociales"]["publics"] == ["80011"]
    assert set(dispositifs["Formation avec autres financements (entreprise, individuel)"]["publics"]) == {
        "80047",
        "80011",
        "80050",
        "80038",
        "80044",
        "80055",
    }
    deap_sessions = [s for a in records["F-DEAP"]["actions"] for s in a["sessions"]]
    assert deap_sessions and all({"modulaire", "individualisé"} <= set(s["types_parcours"]) for s in deap_sessions)


# ------------------------------------------------------------------ flawed copy
def readme_table() -> list[dict]:
    """The rows of the planted-mistakes table of samples/README.md."""
    text = (SAMPLES / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- planted:start -->")[1].split("<!-- planted:end -->")[0]
    rows = []
    for line in block.strip().splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        number, code, sheet, cell, key = cells[:5]
        m = re.fullmatch(r"— \(ligne (\d+)\)", cell)
        if m:  # a finding about the record, not one cell (NO_CHILD)
            cell, row = "", int(m.group(1))
        else:
            row = int(re.fullmatch(r"[A-Z]+(\d+)", cell).group(1))
        rows.append({"code": code, "sheet": sheet, "cell": cell, "row": row, "key": "" if key == "—" else key})
    return rows


def as_expected(findings: pd.DataFrame) -> list[tuple]:
    return sorted((r.code, r.sheet, r.cell or "", int(r.row), r.key or "") for r in findings.itertuples())


def test_readme_lists_the_planted_mistakes():
    rows = readme_table()
    assert len(rows) >= 30
    codes = {r["code"] for r in rows}
    for code in (
        "REQUIRED",
        "TOO_LONG",
        "BAD_FORMAT",
        "BAD_ENUM",
        "DUPLICATE_KEY",
        "ORPHAN",
        "DATE_ORDER",
        "PLACES",
        "PRICE_TTC",
        "PARCOURS_INDIVIDUALISATION",
        "DURATION_EXCEEDS_PERIOD",
        "SESSION_ENDED",
        "PARENT_REJECTED",
        "NO_CHILD",
        "UNKNOWN_COLUMN",
    ):
        assert code in codes, code


def test_flawed_copy_gives_exactly_the_listed_findings(flawed):
    expected = sorted((r["code"], r["sheet"], r["cell"], r["row"], r["key"]) for r in readme_table())
    got = as_expected(flawed.findings)
    missing = [e for e in expected if e not in got]
    unlisted = [g for g in got if g not in expected]
    assert (missing, unlisted) == ([], [])
    assert set(flawed.findings["source"]) == {FLAWED.name}


# ------------------------------------------------------------------- accounting
@pytest.mark.parametrize("which", ["clean_workbook", "clean_csv", "flawed"])
def test_every_record_is_accounted_for(which, request):
    result = request.getfixturevalue(which)
    summary = result.summary()["entities"]
    errors = result.findings[result.findings["severity"] == "error"]
    named = set(zip(errors["entity"], errors["key"]))
    for entity, counts in summary.items():
        assert counts["read"] == counts["accepted"] + counts["rejected"]
        table = result.tables[entity]
        assert counts["read"] == len(table)
        own = set(errors.loc[errors["entity"] == entity, "_index"].dropna().astype(int))
        for idx in table.raw.index[~result.accepted[entity]]:
            assert (entity, record_key(table, idx)) in named, (entity, record_key(table, idx))
            assert idx in own, (entity, idx)  # the finding is about this very row, not a namesake


# --------------------------------------------------------------------------- CLI
def test_cli_exit_codes(tmp_path):
    runner = CliRunner()
    clean = runner.invoke(cli, ["import", str(WORKBOOK), "--out", str(tmp_path / "clean"), "--today", "2026-03-01"])
    assert clean.exit_code == 0, clean.output
    assert (tmp_path / "clean" / "records.jsonl").read_text(encoding="utf-8").count("\n") == 5
    bad = runner.invoke(cli, ["import", str(FLAWED), "--out", str(tmp_path / "bad"), "--today", "2026-03-01"])
    assert bad.exit_code == 1, bad.output


# ---------------------------------------------------------------- the generator
def test_build_script_reproduces_the_committed_samples(tmp_path):
    """Re-running build_samples.py gives byte-identical files (and the README table)."""
    sys.path.insert(0, str(SAMPLES))
    try:
        import build_samples
    finally:
        sys.path.remove(str(SAMPLES))
    build_samples.main(tmp_path)
    for name in (
        "offre-sanitaire-social.xlsx",
        "offre-sanitaire-social.csv",
        "annuaire.xlsx",
        "offre-sanitaire-social-erreurs.xlsx",
        "README.md",
    ):
        assert (tmp_path / name).read_bytes() == (SAMPLES / name).read_bytes(), (
            f"samples/{name} is out of date: run .venv/bin/python samples/build_samples.py"
        )
