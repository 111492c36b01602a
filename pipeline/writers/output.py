"""The output folder: which files `fasd import` and `fasd check` write, in which order.

The whole run is written into a fresh folder next to `--out`, then swapped in at once
(writers/atomic.py `run_folder`): the folder holds the files of one run only, never
records of an earlier import next to the summary of a later check. summary.json is
still written last inside the run. Every writer is a hard dependency: a writer that
fails to import is an internal error, not a run without lheo.xml.
"""
from __future__ import annotations

from pathlib import Path

from .atomic import run_folder
from .lheo import write_lheo
from .records import write_records
from .report import write_report_csv, write_report_json, write_summary
from .report_xlsx import write_report_xlsx

OFFER_FILES = ("records.jsonl", "lheo.xml")
REPORT_FILES = ("report.csv", "report.json", "report.xlsx", "summary.json")
RUN_FILES = frozenset(OFFER_FILES + REPORT_FILES)


def write_outputs(result, out: Path, *, with_records: bool = True, clock=None) -> list[Path]:
    """Write the run into `out` (replacing an earlier run there); the paths written."""
    out = Path(out)
    with run_folder(out, RUN_FILES) as stage:
        names = write_run(result, stage, with_records=with_records, clock=clock)
    return [out / name for name in names]


def write_run(result, folder: Path, *, with_records: bool = True, clock=None) -> list[str]:
    summary = result.summary()
    written = []

    def lap(stage: str, name: str) -> None:
        written.append(name)
        if clock is not None:
            clock.lap(stage)

    if with_records:
        write_records(result, folder / "records.jsonl")
        lap("write_records", "records.jsonl")
        write_lheo(result, folder / "lheo.xml")
        lap("write_lheo.xml", "lheo.xml")
    write_report_csv(result.findings, folder / "report.csv")
    lap("write_report_csv", "report.csv")
    write_report_json(summary, result.findings, folder / "report.json")
    lap("write_report_json", "report.json")
    write_report_xlsx(result, folder / "report.xlsx")
    lap("write_report.xlsx", "report.xlsx")
    write_summary(summary, folder / "summary.json")
    lap("write_summary", "summary.json")
    return written
