"""The hostile and careless corpus (corpus.py): exit code, message, output folder, memory.

Every case runs through the real command line in ONE child process whose address space
is capped (RLIMIT_AS): a file that makes a reader allocate gigabytes fails the cap
instead of passing. No wall-clock assertion: speed is bench/'s business.
"""

import json
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from corpus import _label, build, flat_csv, flat_table

HERE = Path(__file__).resolve().parent
MEMORY_CAP = 1024 * 1024 * 1024  # bytes of address space for the child: the sample needs under 600 MB
TODAY = "2026-03-01"

# name -> (extra arguments, exit code, words of the message or of the findings, offers expected)
CASES = {
    "bomb_blanks": ([], 2, "bombe zip", 0),
    "bomb_shared_strings": ([], 2, "bombe zip", 0),
    "shared_strings_over_limit": (["--limite-chaines", "10"], 2, "20 chaînes partagées", 0),
    "giant_cell": ([], 2, "texte de plus de 1024 Ko", 0),
    "lying_size": ([], 2, "au-delà de la taille qu'il déclare", 0),
    "far_cell_XFD1048576": ([], 0, "", 1),
    "far_cell_XFD20000": ([], 0, "", 1),
    "far_row_A1048576": ([], 0, "", 1),
    "far_value_XFD1048576": ([], 0, "", 1),
    "hidden_empty_first_sheet": ([], 0, "", 1),
    "instructions_cover_sheet": ([], 0, "", 1),
    "title_row_above_header": ([], 0, "", 1),
    "no_header_row": ([], 2, "fichier non compris : aucune colonne clé", 0),
    "only_empty_sheets": ([], 2, "aucune feuille d'offres trouvée", 0),
    "tab_separated_csv": (["--annuaire", "ANNUAIRE"], 0, "", 1),
    "empty_csv": ([], 2, "fichier vide", 0),
    "header_only_csv": ([], 2, "seulement la ligne d'en-tête", 0),
    "mixed_encoding_csv": (["--annuaire", "ANNUAIRE"], 0, "MIXED_ENCODING", 1),
    "tab_row_longer_than_header": (["--annuaire", "ANNUAIRE"], 0, "EXTRA_CELLS", 1),
    "cells_over_limit": (["--limite-cellules", "50"], 2, "plus de 50 cellules remplies", 0),
    "csv_over_size_limit": (["--limite-taille", "1"], 2, "plus que la limite de 1 Mo", 0),
    # issue 29: refused from the bytes, before the tokeniser and the header matching see them
    "csv_100000_columns": ([], 2, "colonnes à la ligne 1, plus que la limite de 2000", 0),
    "csv_one_200_mb_line": ([], 2, "une ligne dépasse 16384 Ko", 0),
    "csv_field_over_limit": (["--limite-texte", "1"], 2, "une cellule dépasse 1 Ko", 0),
    "lying_xlsb": ([], 2, "au-delà de la taille qu'il déclare", 0),
    "web_page_as_xls": ([], 2, "mais une page web (HTML)", 0),
    "csv_named_xlsx": ([], 2, "un CSV renommé en classeur", 0),
    "xlsx_named_xlsb": ([], 2, "renommez-le en .xlsx", 0),
    "cut_short_xlsx": ([], 2, "endommagé ou incomplet", 0),
}

ENGLISH = re.compile(r"\b(invalid|error|not found|could not|file|signature)\b", re.IGNORECASE)

DRIVER = r"""
import json, sys, traceback
from click.testing import CliRunner
from pipeline.cli.main import main
for line in sys.stdin:
    name, args = json.loads(line)
    result = CliRunner().invoke(main, args)
    trace = "".join(traceback.format_exception(*result.exc_info)) if result.exc_info and not isinstance(
        result.exc_info[1], SystemExit) else ""
    print(json.dumps({"name": name, "code": result.exit_code, "output": result.output, "trace": trace}),
          flush=True)
"""


def _cap_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Every case run once, in one memory-capped child: name -> (result, output folder)."""
    root = tmp_path_factory.mktemp("hostile")
    paths = build(root / "corpus")
    paths["cells_over_limit"] = paths["title_row_above_header"]
    big = root / "corpus" / "big.csv"
    big.write_bytes(paths["tab_separated_csv"].read_bytes() * 1200)
    paths["csv_over_size_limit"] = big
    wide = root / "corpus" / "wide.csv"  # 1.2 MB: 100 000 columns of header and one row
    wide.write_text(";".join(f"c{i}" for i in range(100_000)) + "\n" + ";".join(["x"] * 100_000) + "\n")
    paths["csv_100000_columns"] = wide
    long_line = root / "corpus" / "long_line.csv"  # one 200 MB line (streamed: over 32 MB)
    with open(long_line, "wb") as fh:
        fh.write(b"ref_formation;intitule\nF1;")
        for _ in range(200):
            fh.write(b"a" * (1024 * 1024))
        fh.write(b"\n")
    paths["csv_one_200_mb_line"] = long_line
    rows = flat_table()
    rows[1][rows[0].index(_label("intitule"))] = "x" * 2000
    paths["csv_field_over_limit"] = flat_csv(root / "corpus" / "long_field.csv", rows)
    annuaire = paths["title_row_above_header"]
    jobs, outs = [], {}
    for name, (extra, *_rest) in CASES.items():
        outs[name] = root / "out" / name
        args = ["import", str(paths[name]), "--out", str(outs[name]), "--today", TODAY]
        args += [str(annuaire) if a == "ANNUAIRE" else a for a in extra]
        jobs.append(json.dumps([name, args]))
    proc = subprocess.run(
        [sys.executable, "-c", DRIVER],
        input="\n".join(jobs) + "\n",
        capture_output=True,
        text=True,
        preexec_fn=_cap_memory,
        cwd=HERE.parent.parent,
    )
    done = {r["name"]: r for r in map(json.loads, proc.stdout.splitlines())}
    assert proc.returncode == 0, f"the child died after {list(done)[-1:]} : {proc.stderr[-2000:]}"
    return {name: (done[name], outs[name]) for name in CASES}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_case(results, name):
    _extra, code, words, offers = CASES[name]
    result, out = results[name]
    assert not result["trace"], result["trace"]
    assert result["code"] == code, result["output"]
    assert "Traceback" not in result["output"]
    leftovers = [p.name for p in out.parent.iterdir() if ".fasd-new-" in p.name or ".fasd-old-" in p.name]
    assert leftovers == []
    if code == 2:
        lines = result["output"].strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("fasd : erreur : ") and words in lines[0], lines
        assert not ENGLISH.search(lines[0]), lines[0]  # a library's own error text stays out
        assert not out.exists()  # nothing written, not even an empty folder of results
        return
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["entities"]["formation"]["accepted"] == offers
    for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines():
        json.loads(line)
    if words:
        assert words in summary["findings"]["by_code"]
