"""The shared-records writer (writers/offers.py) writes the same files as each writer
building its own records: records.jsonl as one json.dumps per offer_records() item,
lheo.xml as writers/lheo.write_lheo(result). On the samples and on a generated
10 000-session workload (bench/generate.py, seed 1), byte for byte."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pytest

from pipeline.model.records import offer_records
from pipeline.engine.run import run
from pipeline.writers.output import write_outputs

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
TODAY = dt.date(2026, 3, 1)


def one_writer_each(result, out: Path) -> None:
    """The offers as they were written before records were shared: each writer on its own."""
    out.mkdir()
    with open(out / "records.jsonl", "w", encoding="utf-8", newline="\n") as fh:
        for record in offer_records(result):
            fh.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
    try:
        from pipeline.writers.lheo import write_lheo
    except ImportError:
        return
    write_lheo(result, out / "lheo.xml")


def assert_same_offers(result, tmp_path: Path) -> None:
    shared, alone = tmp_path / "shared", tmp_path / "alone"
    write_outputs(result, shared)
    one_writer_each(result, alone)
    for name in ("records.jsonl", "lheo.xml"):
        if (alone / name).exists() or name == "records.jsonl":
            assert (shared / name).read_bytes() == (alone / name).read_bytes(), name
    assert (shared / "records.jsonl").stat().st_size > 0


@pytest.mark.parametrize(
    "inputs, annuaire",
    [
        (["offre-sanitaire-social.xlsx"], None),
        (["offre-sanitaire-social.csv"], "annuaire.xlsx"),
        (["offre-sanitaire-social-erreurs.xlsx"], None),
    ],
)
def test_samples(tmp_path, inputs, annuaire):
    result = run([SAMPLES / p for p in inputs], annuaire=SAMPLES / annuaire if annuaire else None, today=TODAY)
    assert_same_offers(result, tmp_path)


def test_generated_10000_sessions(tmp_path):
    """A national-style flat CSV: 10 000 sessions, ~1 % planted mistakes (rejected offers too)."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import generate
    finally:
        sys.path.remove(str(ROOT / "bench"))
    ds = generate.build(10_000, 1)
    csv, annuaire = tmp_path / "offres.csv", tmp_path / "annuaire.xlsx"
    generate.write_flat_csv(ds, csv)
    generate.write_annuaire_xlsx(ds, annuaire)
    result = run([csv], annuaire=annuaire, today=TODAY)
    assert 0 < int(result.accepted["formation"].sum()) < len(ds.formations)  # some offers rejected
    assert_same_offers(result, tmp_path)
