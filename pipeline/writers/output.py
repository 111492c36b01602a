"""The output folder: which files `fasd import` and `fasd check` write, in which order.

Each file is written atomically; summary.json comes last, so a nightly job that sees
it knows the rest of the run's files are complete.
"""
from __future__ import annotations

from pathlib import Path

from .records import write_records
from .report import write_report_csv, write_report_json, write_summary


def write_outputs(result, out: Path, *, with_records: bool = True, clock=None) -> list[Path]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    summary = result.summary()
    written = []

    def lap(stage: str, path: Path) -> None:
        written.append(path)
        if clock is not None:
            clock.lap(stage)

    if with_records:
        write_records(result, out / "records.jsonl")
        lap("write_records", out / "records.jsonl")
        for name, writer in extra_offer_writers():
            writer(result, out / name)
            lap(f"write_{name}", out / name)
    write_report_csv(result.findings, out / "report.csv")
    lap("write_report_csv", out / "report.csv")
    write_report_json(summary, result.findings, out / "report.json")
    lap("write_report_json", out / "report.json")
    for name, writer in extra_report_writers():
        writer(result, out / name)
        lap(f"write_{name}", out / name)
    write_summary(summary, out / "summary.json")
    lap("write_summary", out / "summary.json")
    return written


def extra_offer_writers():
    """Writers of accepted offers beyond records.jsonl (lheo.xml once available)."""
    writers = []
    try:
        from .lheo import write_lheo
    except ImportError:
        pass
    else:
        writers.append(("lheo.xml", write_lheo))
    return writers


def extra_report_writers():
    """Report formats beyond CSV/JSON (report.xlsx once available)."""
    writers = []
    try:
        from .report_xlsx import write_report_xlsx
    except ImportError:
        pass
    else:
        writers.append(("report.xlsx", write_report_xlsx))
    return writers
