"""Progress bars on stderr for a person at a terminal; nothing at all for cron.

`progress_callback` turns the core's progress steps (pipeline/model/progress.py) into one
rich progress bar per stage, drawn on stderr, and only when stderr is a terminal and
`--quiet` is not given: a nightly job's logs stay exactly as they were. rich redraws
the elapsed time by itself, so a long stage still shows that the run is alive.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Optional

from ..model.progress import LABELS, Step


def wants_bars(quiet: bool, stream=None) -> bool:
    stream = stream if stream is not None else sys.stderr
    if quiet:
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def progress_bars(enabled: bool, stream=None) -> Iterator[Optional[Callable[[Step], None]]]:
    """Yield a progress callback drawing bars on `stream` (stderr), or None when disabled."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
    from rich.table import Column

    console = Console(file=stream if stream is not None else sys.stderr)
    fixed = Column(no_wrap=True)  # counts and times are never cut: the detail gives way
    bars = Progress(
        SpinnerColumn(finished_text="✓"),
        TextColumn("{task.description:<20}", table_column=Column(no_wrap=True)),
        BarColumn(bar_width=30),
        MofNCompleteColumn(table_column=fixed),
        TextColumn("{task.fields[unit]}", table_column=Column(no_wrap=True)),
        TimeElapsedColumn(table_column=Column(no_wrap=True, min_width=7)),
        TextColumn("{task.fields[left]}", table_column=Column(no_wrap=True)),
        TextColumn("[dim]{task.fields[detail]}", table_column=Column(no_wrap=True, overflow="ellipsis", ratio=1)),
        console=console,
        transient=False,
    )
    tasks: dict[str, Any] = {}  # stage -> rich TaskID

    def show(step: Step) -> None:
        task = tasks.get(step.stage)
        if task is None:
            task = tasks[step.stage] = bars.add_task(
                LABELS.get(step.stage, step.stage), total=step.total, unit=step.unit, detail=step.detail, left=""
            )
        detail = "" if step.finished else step.detail
        done = max(step.done, int(bars.tasks[task].completed))  # never backwards
        bars.update(task, completed=done, total=step.total, detail=detail, left=time_left(step))
        if step.finished:
            bars.stop_task(task)

    with bars:
        yield show


def time_left(step: Step) -> str:
    """« reste 0:03:12 » from the stage's pace so far, once a total is known and a tenth done."""
    if step.finished or not step.total or step.done < step.total / 10 or step.elapsed <= 0:
        return ""
    seconds = int(step.elapsed * (step.total - step.done) / step.done)
    return f"reste {seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def print_timings(timings: dict[str, float], stream=None) -> None:
    """`--verbose`: wall seconds of each stage, one line each, on stderr."""
    stream = stream if stream is not None else sys.stderr
    names = {
        "read": "lecture",
        "normalise": "formats",
        "validate": "règles",
        "resolve": "certifications",
        "decide": "décision",
        "write_records+lheo.xml": "écriture records.jsonl + lheo.xml",
        "write_report_csv": "écriture report.csv",
        "write_report_json": "écriture report.json",
        "write_report.xlsx": "écriture report.xlsx",
        "write_summary": "écriture summary.json",
        "wait_workers": "attente des processus (--jobs)",
        "merge": "assemblage des lots (--jobs)",
    }
    print("Durées par étape :", file=stream)
    for stage, seconds in timings.items():
        print(f"  {names.get(stage, stage):<40}{seconds:>9.2f} s", file=stream)
    print(f"  {'total':<40}{sum(timings.values()):>9.2f} s", file=stream)
