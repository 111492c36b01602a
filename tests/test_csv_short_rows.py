"""A CSV row shorter than the header: pandas' fast path pads it with empty cells where
csv.reader leaves it short; the run must come out the same either way."""

from __future__ import annotations

import csv

import pipeline.readers.csv as csv_reader
from pipeline.engine.run import run

from factory import TODAY, _flat_label, flat_rows, valid_offer


def _short_row_csv(tmp_path):
    offer = valid_offer()
    offer["dispositif"].append({**offer["dispositif"][0], "ref_dispositif": "D2"})
    names, rows = flat_rows(offer)
    rows[-1] = rows[-1][: names.index("ref_dispositif")]  # the row stops before its dispositif
    path = tmp_path / "offre.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow([_flat_label(n) for n in names])
        writer.writerows(rows)
    return path


def _outcome(path):
    result = run([path], today=TODAY)
    findings = result.findings.drop(columns=["source"], errors="ignore").to_dict("records")
    return findings, {e: int(ok.sum()) for e, ok in result.accepted.items()}


def test_short_row_same_with_and_without_the_fast_path(tmp_path, monkeypatch):
    path = _short_row_csv(tmp_path)
    taken = []
    fast = csv_reader._fast_rows

    def spy(*args):
        rows = fast(*args)
        taken.append(rows is not None)
        return rows

    monkeypatch.setattr(csv_reader, "_fast_rows", spy)
    padded = _outcome(path)
    assert taken == [True]  # the short row went through pandas, padded
    monkeypatch.setattr(csv_reader, "_fast_rows", lambda *args: None)
    short = _outcome(path)
    assert padded == short
    assert any(f["code"] == "REQUIRED" for f in padded[0])  # the missing cells are reported
