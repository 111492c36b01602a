"""Property test: random cells, headers and layouts through the readers and the whole run.

Whatever the sheet holds: no traceback (a refusal is one FasdError), every record read
is accepted or rejected with an error finding naming it, every data row is read, and
every output file parses. Few examples (the suite stays quick); Hypothesis shrinks a
failure to the smallest sheet that shows it.
"""

import csv
import json
import re

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from corpus import directory_sheets, flat_table, sheet_xml, workbook
from factory import TODAY

from pipeline.model.errors import FasdError
from pipeline.model.fields import ENTITIES, OFFER_ENTITIES
from pipeline.engine.run import run
from pipeline.writers.output import write_outputs

TABLE = flat_table()
LABELS, VALID_ROW = TABLE[0], TABLE[1]
XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

TRICKY = [
    "=1+2",
    "+33 1",
    "@SOMME(A1)",
    "1e400",
    "NaN",
    "inf",
    "1_2",
    "١٢",
    "-",
    "NC",
    "00000000",
    "07/09/2026",
    "31/02/2026",
    "2026",
    "oui",
    "non",
    " ",
    "\x00x",
    "a\x1b[31mb",
    "\u202eabc",
    "x" * 600,
    "Référence formation",
    "F1",
    "S1",
    "D1",
    "A1",
    "36364",
    "1902",
    "12",
    "1 000,50",
]
cells = st.one_of(
    st.none(),
    st.sampled_from(TRICKY),
    st.text(max_size=20),
    st.integers(-(10**6), 10**12).map(str),
    st.floats().map(repr),
)
headers = st.one_of(
    st.sampled_from(LABELS), st.sampled_from(["Statut", "Notes", "", "Date débutt", "Prix"]), st.text(max_size=12)
)


@st.composite
def sheets(draw):
    """(header, rows, rows of title above) of a flat sheet, mostly valid so some rows pass."""
    keep = draw(st.lists(st.sampled_from(range(len(LABELS))), min_size=1, max_size=len(LABELS), unique=True))
    keep = sorted(keep) if draw(st.booleans()) else keep
    header = [LABELS[j] for j in keep]
    extra = draw(st.lists(headers, max_size=3))
    header += extra
    rows = []
    for _ in range(draw(st.integers(0, 4))):
        row = [VALID_ROW[j] for j in keep] + [draw(cells) for _ in extra]
        for _ in range(draw(st.integers(0, 3))):
            if row:
                row[draw(st.integers(0, len(row) - 1))] = draw(cells)
        if draw(st.integers(0, 5)) == 0:
            row += [draw(cells)]  # longer than the header
        rows.append(row)
    title = draw(st.lists(st.lists(cells, max_size=2), max_size=2))
    return header, rows, title


def _text(v) -> str:
    return "" if v is None else str(v)


def write_input(tmp_path, fmt: str, header, rows, title):
    if fmt == "xlsx":
        clean = [[XML_UNSAFE.sub("", _text(v)) for v in r] for r in title + [header] + rows]
        path = workbook(tmp_path / "offre.xlsx", [("Offres", sheet_xml(clean))] + directory_sheets())
        return path, None
    delimiter = {"csv;": ";", "csv,": ",", "csv\t": "\t"}[fmt]
    path = tmp_path / "offre.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows([[_text(v) for v in r] for r in title + [header] + rows])
    annuaire = workbook(tmp_path / "annuaire.xlsx", directory_sheets())
    return path, annuaire


@settings(
    max_examples=12,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(layout=sheets(), fmt=st.sampled_from(["xlsx", "csv;", "csv,", "csv\t"]))
def test_any_sheet_is_read_whole_and_every_output_parses(tmp_path_factory, layout, fmt):
    tmp_path = tmp_path_factory.mktemp("prop")
    header, rows, title = layout
    path, annuaire = write_input(tmp_path, fmt, header, rows, title)
    try:
        result = run([path], annuaire=annuaire, today=TODAY)
    except FasdError as exc:  # a refusal is a clean outcome (the CLI prints it as one line)
        assert str(exc).strip()
        return
    findings = result.findings
    for entity in ENTITIES:
        table = result.tables[entity]
        accepted = result.accepted[entity]
        assert len(accepted) == len(table)
        errors = findings[(findings["entity"] == entity) & (findings["severity"] == "error")]
        rejected = set(table.raw.index[~accepted.to_numpy()])
        if errors["_index"].isna().any():  # a file-level error (a required column missing) names them all
            continue
        assert rejected <= set(errors["_index"].astype(int)), f"{entity}: rejected without a reason"
    assert sum(len(result.tables[e]) for e in OFFER_ENTITIES) > 0  # else read_one refuses the input
    out = tmp_path / "out"
    write_outputs(result, out)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    for entity, counts in summary["entities"].items():
        assert counts["read"] == counts["accepted"] + counts["rejected"] == len(result.tables[entity])
    for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines():
        json.loads(line, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    with open(out / "report.csv", encoding="utf-8-sig", newline="") as fh:
        assert len(list(csv.DictReader(fh, delimiter=";"))) == len(report["findings"]) == len(findings)
    if result.accepted["formation"].any():
        etree.parse(str(out / "lheo.xml"))
    else:  # LHÉO needs at least one formation: no offer, no lheo.xml
        assert not (out / "lheo.xml").exists()
    openpyxl.load_workbook(out / "report.xlsx", read_only=True).close()
