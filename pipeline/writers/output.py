"""The output folder: which files `fasd import` and `fasd check` write, in which order.

The whole run is written into a fresh folder next to `--out`, then swapped in at once
(writers/atomic.py `run_folder`): the folder holds the files of one run only, never
records of an earlier import next to the summary of a later check. summary.json is
still written last inside the run. Every writer is a hard dependency: a writer that
fails to import is an internal error, not a run without lheo.xml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..model.progress import tracker
from .atomic import mark_committed, run_folder
from .offers import write_offer_files
from .report import write_report_csv, write_report_json, write_summary
from .report_xlsx import write_report_xlsx

OFFER_FILES = ("records.jsonl", "lheo.xml")
REPORT_FILES = ("report.csv", "report.json", "report.xlsx", "summary.json")
CHANGE_FILES = ("changes.csv", "changes.json")  # an import into a catalogue base (issue 14)
CORRECTED_FILES = ("fichier-corrige.xlsx",)  # the page's corrected copy (web/corrected.py), rewritten after each run
RUN_FILES = frozenset(OFFER_FILES + REPORT_FILES + CHANGE_FILES + CORRECTED_FILES)


def write_outputs(
    result, out: Path, *, with_records: bool = True, clock=None, progress=None, commit=None, committed=None
) -> list[Path]:
    """Write the run into `out` (replacing an earlier run there); the paths written.

    `progress` (a callback or progress.Progress) hears the `write` and `report` stages.

    `commit` (an import into a catalogue base) applies the run: it is called with a
    function `write(report)` that it must call inside the base's transaction, before
    committing, and returns the change report. So the outputs, changes.csv included,
    are complete in the temporary folder before the base commits; the folder is then
    marked committed and swapped in. A kill between the commit and the swap leaves a
    marked folder that the next run into `out` swaps in (atomic.recover).
    `committed()` is called between the mark and the swap (tests pause there)."""
    out = Path(out)
    with run_folder(out, RUN_FILES) as stage:
        if commit is None:
            names = write_run(result, stage, with_records=with_records, clock=clock, progress=progress)
        else:
            names = []

            def write(report) -> None:
                result.catalogue = report
                names[:] = write_run(result, stage, with_records=with_records, clock=clock, progress=progress)

            report = commit(write)
            if not report.dry_run:
                mark_committed(stage, f"l'import n° {report.run_id} dans la base {report.base}")
                if committed is not None:
                    committed()
    return [out / name for name in names]


def write_run(result, folder: Path, *, with_records: bool = True, clock=None, progress=None) -> list[str]:
    summary = result.summary()
    written = []
    steps = tracker(progress)

    def lap(stage: str, *names: str) -> None:
        written.extend(names)
        if clock is not None:
            clock.lap(stage)

    spool = getattr(result, "spool", None)  # a streamed run (stream.py) wrote its offers already
    if with_records and spool is not None:
        if not spool.records.exists():
            raise ValueError("run(write_offers=False): this streamed run wrote no offers")
        for name, path in (("records.jsonl", spool.records), ("lheo.xml", spool.lheo)):
            if path.exists():
                shutil.move(str(path), str(folder / name))
        lap("write_records+lheo.xml", "records.jsonl", "lheo.xml")
    elif with_records:
        # records.jsonl and lheo.xml in one pass: each offer record is built once.
        steps.start("write", total=int(result.accepted["formation"].sum()), detail="records.jsonl, lheo.xml")
        write_offer_files(result, folder / "records.jsonl", folder / "lheo.xml", progress=steps)
        lap("write_records+lheo.xml", "records.jsonl", "lheo.xml")
        steps.finish()
    n = len(result.findings)
    # report.xlsx's rows are counted once its sheets are planned; until then its share is
    # the records read (about its rows), so the bar does not run full, then fall back.
    rows = sum(c["read"] for c in summary["entities"].values())
    steps.start("report", total=2 * n + rows, detail="report.csv")
    write_report_csv(result.findings, folder / "report.csv")
    steps.advance(n)
    lap("write_report_csv", "report.csv")
    steps.advance(0, detail="report.json")
    write_report_json(summary, result.findings, folder / "report.json", getattr(result, "columns", None))
    steps.advance(n)
    lap("write_report_json", "report.json")
    if getattr(result, "catalogue", None) is not None:  # imported into a base: what changed
        from .changes import write_changes

        for path in write_changes(result.catalogue, folder):
            lap(f"write_{path.name}", path.name)
    steps.advance(0, detail="report.xlsx")
    if hasattr(result, "load_tables"):  # a streamed run: its raw cells, read back for the workbook
        result.load_tables()
    write_report_xlsx(result, folder / "report.xlsx", progress=steps)
    lap("write_report.xlsx", "report.xlsx")
    write_summary(summary, folder / "summary.json")
    lap("write_summary", "summary.json")
    steps.finish()
    return written
