"""One measurement, run in a fresh process by bench/run.py (which reads its peak RSS).

Prints one JSON line on stdout: the times measured inside the process.

    python bench/measure.py import FILE [--annuaire F] --out DIR [--profile P] [--jobs N]
    python bench/measure.py check FILE [--annuaire F] --out DIR
    python bench/measure.py base FILE [--annuaire F] --out DIR --base B.sqlite
    python bench/measure.py floor FILE
    python bench/measure.py peer FILE.csv
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

T_START = time.perf_counter()
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

TODAY = dt.date(2026, 3, 1)


def load_reference(path):
    """The certification reference as `fasd` loads it; (None, why) when not available."""
    from pipeline.readers.errors import InputError
    import importlib.util

    try:
        from pipeline.reference import load_reference as loader
    except ImportError:
        return None, "absent (pipeline.reference non disponible)"
    if importlib.util.find_spec("pipeline.validators.certification") is None:
        return None, "absent (pipeline/validators/certification.py non disponible)"
    try:
        return loader(Path(path) if path else None), "extrait fourni" if not path else str(path)
    except InputError as exc:
        return None, f"absent ({exc})"


def measure_pipeline(args, with_records: bool, base: str | None = None) -> dict:
    """What `fasd import` / `fasd check` do (cli.execute), with a stopwatch on each stage;
    with `base`, what `fasd import --base` does: the base applied chunk by chunk."""
    import contextlib

    import pipeline.engine.run
    import pipeline.engine.stream
    from pipeline.writers.output import write_outputs

    class CpuStopwatch(pipeline.engine.stream.Stopwatch):
        """Wall laps as the pipeline's Stopwatch, plus CPU seconds per stage."""

        last = None

        def __init__(self):
            super().__init__()
            self.cpu: dict[str, float] = {}
            self._cpu_last = time.process_time()
            CpuStopwatch.last = self

        def lap(self, stage):
            super().lap(stage)
            now = time.process_time()
            self.cpu[stage] = self.cpu.get(stage, 0.0) + now - self._cpu_last
            self._cpu_last = now

    pipeline.engine.stream.Stopwatch = CpuStopwatch  # the run builds its clock at call time
    t_imported = time.perf_counter()
    cpu_imported = time.process_time()
    reference, reference_note = load_reference(args.reference)
    t_ref = time.perf_counter()
    options = {"stream": None, "write_offers": with_records and bool(args.out)}  # what the CLI does
    options["jobs"] = args.jobs  # `fasd import --jobs N` (1 here unless asked: the CPU is this process's)
    application = contextlib.nullcontext()
    if base is not None:
        from pipeline.catalogue.api import Application

        application = Application(base, inputs=[args.input], today=TODAY)
    with application as applying:
        result = pipeline.engine.run.run(
            [Path(args.input)],
            annuaire=Path(args.annuaire) if args.annuaire else None,
            reference=reference,
            today=TODAY,
            on_chunk=applying,
            **options,
        )
        run_clock = CpuStopwatch.last
        measure_pipeline.result = result
        clock = CpuStopwatch()
        commit = None
        if applying is not None:
            commit = lambda write: applying.finish(result, before_commit=write)  # noqa: E731
        if args.out:  # `fasd check` without --out writes nothing, prints the summary
            write_outputs(result, Path(args.out), with_records=with_records, clock=clock, commit=commit)
    t_end = time.perf_counter()
    summary = result.summary()
    return {
        "startup": t_imported - T_START,
        "load_reference": t_ref - t_imported,
        "startup_cpu": cpu_imported,
        "run_cpu": time.process_time() - cpu_imported,  # reference, run, outputs (and base): not the imports
        "stages": dict(result.timings),
        "writes": dict(clock.times),
        "in_process": t_end - T_START,
        "stages_cpu": dict(run_clock.cpu),
        "jobs": args.jobs,
        "chunks": getattr(result, "chunks", 1),
        "worker_timings": dict(getattr(result, "worker_timings", {}) or {}),
        "writes_cpu": dict(clock.cpu),
        "counts": {k: v for k, v in summary["entities"].items()},
        "findings": summary["findings"]["total"],
        "by_code": summary["findings"]["by_code"],
        "reference": reference_note,
    }


def measure_base(args) -> dict:
    """`fasd import --base` on an empty SQLite base, then the same file again (issues 14, 24).

    Measured as measure_pipeline does, in a process of its own (bench/run.py compares its
    peak RSS and CPU with the import's without a base): the run applies each chunk to
    the base as it checks it, in one transaction, its outputs (changes.csv/json
    included) written before it commits; then the same file again, which must write no
    record row.
    """
    from sqlalchemy import create_engine, func, select

    from pipeline import catalogue
    from pipeline.catalogue.base import base_url
    from pipeline.catalogue.schema import record, record_version

    base = Path(args.base)
    base.unlink(missing_ok=True)
    catalogue.init(str(base))

    def rows() -> tuple[int, int]:
        engine = create_engine(base_url(str(base)))
        with engine.connect() as conn:
            counted = (
                conn.execute(select(func.count()).select_from(record)).scalar(),
                conn.execute(select(func.count()).select_from(record_version)).scalar(),
            )
        engine.dispose()
        return counted

    out = {}
    row = {}
    for name in ("first", "again"):
        before = rows()
        t0 = time.perf_counter()
        measured = measure_pipeline(args, True, base=str(base))
        report = measure_pipeline.result.catalogue
        out[name] = {
            "cpu": measured["run_cpu"],
            "wall": time.perf_counter() - t0,
            "rows_written": report.rows_written,
            "totals": report.summary()["total"],
            "record_rows": [before[0], rows()[0]],
            "version_rows": [before[1], rows()[1]],
        }
        if not row:  # the import into a base is the first run: its peak before the second
            row = measured  # runs in this process (which inherits the first's heap)
            row["first_peak_rss"] = peak_rss()
        measure_pipeline.result = None
    row.update(base=out, base_bytes=base.stat().st_size)
    return row


def measure_floor(args) -> dict:
    """Only reading the file: the cost no importer can avoid."""
    path = Path(args.input)
    t0, c0 = time.perf_counter(), time.process_time()
    cells = 0
    if path.suffix == ".xlsx":
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            rows = book.get_sheet_by_name(name).to_python()
            cells += sum(len(r) for r in rows)
        how = "python-calamine to_python, every sheet"
    elif path.suffix == ".csv":
        import pandas as pd

        frame = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)
        cells = frame.size
        how = "pandas.read_csv(dtype=str)"
    else:
        from lxml import etree

        for _, elem in etree.iterparse(str(path), events=("end",)):
            cells += 1
            elem.clear()
        how = "lxml iterparse, clear each element"
    return {"read": time.perf_counter() - t0, "read_cpu": time.process_time() - c0, "cells": cells, "how": how}


def measure_peer(args) -> dict:
    """frictionless validate on the CSV with the Table Schema of our rules it can express."""
    from frictionless import Dialect, Resource, Schema, formats
    from peer_schema import table_schema

    schema = Schema.from_descriptor(table_schema(args.input))
    t0, c0 = time.perf_counter(), time.process_time()
    path = Path(args.input).resolve()
    # frictionless refuses absolute paths unless given a base path.
    resource = Resource(
        path.name,
        basepath=str(path.parent),
        schema=schema,
        dialect=Dialect(controls=[formats.CsvControl(delimiter=";")]),
    )
    report = resource.validate(limit_errors=0)  # 0: no limit, every error of the file
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    task = report.tasks[0]
    fatal = [
        e
        for e in task.errors
        if e.type in ("resource-error", "scheme-error", "format-error", "encoding-error", "schema-error", "field-error")
    ]
    if fatal:
        raise SystemExit(f"frictionless n'a pas validé le fichier : {fatal[0].message}")
    types: dict[str, int] = {}
    for error in task.errors:
        types[error.type] = types.get(error.type, 0) + 1
    return {
        "validate": elapsed,
        "validate_cpu": cpu,
        "rows": task.stats.get("rows"),
        "errors": len(task.errors),
        "error_types": types,
        "fields": len(schema.fields),
        "constraints": sum(len(f.constraints) for f in schema.fields),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["import", "check", "base", "floor", "peer"])
    parser.add_argument("input")
    parser.add_argument("--annuaire")
    parser.add_argument("--reference")
    parser.add_argument("--out")
    parser.add_argument("--base", help="the SQLite base of `base` (replaced)")
    parser.add_argument("--profile", help="write cProfile statistics to this file")
    parser.add_argument(
        "--jobs", type=int, default=1, help="worker processes of the run (`fasd import --jobs`): wall time only"
    )
    args = parser.parse_args()
    work = {
        "import": lambda: measure_pipeline(args, True),
        "check": lambda: measure_pipeline(args, False),
        "base": lambda: measure_base(args),
        "floor": lambda: measure_floor(args),
        "peer": lambda: measure_peer(args),
    }[args.what]
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        out = profiler.runcall(work)
        with open(args.profile, "w") as fh:
            stats = pstats.Stats(profiler, stream=fh)
            stats.sort_stats("cumulative").print_stats(60)
            stats.sort_stats("tottime").print_stats(40)
    else:
        out = work()
    out["peak_rss"] = peak_rss()
    print(json.dumps(out, ensure_ascii=False))


def peak_rss() -> int:
    """This process's peak RSS in bytes (VmHWM: its own address space since exec).

    Not the parent's ru_maxrss of children: Linux carries the forking parent's peak
    across exec into it, so a child of a large parent would look as large.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


if __name__ == "__main__":
    main()
