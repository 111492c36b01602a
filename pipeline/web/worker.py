"""One upload run in a worker process: the CLI's core and writers, with progress on disk.

The worker writes `state.json` in the job folder after each stage; the page polls it.
Run in a separate process (see `runner.Runner`) so a long import neither blocks the server
nor takes it down if it fails.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import time
import traceback
from pathlib import Path

from ..writers.atomic import atomic_open
from .jobs import read_json, write_json
from .labels import relabel, relabel_message

WORKER_NICENESS = 10  # a worker process yields the CPU to the server (its status answers within 200 ms)

log = logging.getLogger("fasd.web")

# Share of the bar each stage of pipeline/model/progress.py takes: a rough guide to where time
# goes on the samples and the benchmark, not a measurement.
WEIGHTS = {"read": 30, "check": 35, "write": 15, "report": 20}

_reference_cache: dict = {}


def percent_of(stages: dict) -> float:
    """The bar's share (0-100) of the stages seen: finished ones whole, the current one by its count."""
    percent = 0.0
    for key, weight in WEIGHTS.items():
        step = stages.get(key)
        if step is None:
            continue
        done, total = step.get("done") or 0, step.get("total")
        percent += weight * (1.0 if step.get("finished") else (min(done / total, 1.0) if total else 0.0))
    return percent


def load_reference(path: str | None):
    """The certification reference, loaded once per worker process."""
    if path not in _reference_cache:
        from ..reference import load_reference as loader

        _reference_cache[path] = loader(Path(path) if path else None)
    return _reference_cache[path]


class Progress:
    """Keeps the last step of each stage (pipeline.model.progress) and writes it to state.json."""

    def __init__(self, folder: Path, labels: dict[str, str] | None = None, applying: bool = False) -> None:
        self.folder = folder
        self.labels = labels or {}  # the stage detail names the file being read
        self.stages: dict[str, dict] = {}
        self.state: dict[str, object] = {
            "status": "running",
            "stages": self.stages,
            "current": None,
            "started": time.time(),
            "applying": applying,
        }
        self.save()

    def save(self) -> None:
        write_json(self.folder / "state.json", self.state)

    def __call__(self, step) -> None:
        if step.stage not in WEIGHTS:
            return
        detail = relabel_message(step.detail, self.labels) if step.detail else ""
        self.stages[step.stage] = {"done": step.done, "total": step.total, "detail": detail, "finished": step.finished}
        self.state["current"] = None if step.finished else step.stage
        # the highest share shown so far: a stage whose total grows never moves the bar back
        self.state["percent"] = max(float(self.state.get("percent") or 0), percent_of(self.stages))  # type: ignore[arg-type]
        self.save()

    def finish(self, status: str, message: str | None = None) -> None:
        self.state.update(status=status, message=message, current=None, finished=time.time())
        self.save()


def process_job(job: str | Path, apply: bool = False) -> str:
    """Run the upload in `folder`; return its final status. Never raises.

    With a base (meta["base"]), the run is applied to it: as a dry run first (the page
    shows the changes it would make), for real when `apply` (the page's button): the
    same inputs and options run again through the same core, then catalogue.apply.
    """
    folder = Path(job)
    meta = read_json(folder / "meta.json") or {}
    inputs = [folder / "inputs" / f["stored"] for f in meta.get("files", [])]
    annuaire = meta.get("annuaire")
    labels = {f["stored"]: f["label"] for f in meta.get("files", [])}
    for extra in ("annuaire", "colonnes"):
        if meta.get(extra):
            labels[meta[extra]["stored"]] = meta[extra]["label"]
    progress = Progress(folder, labels, applying=apply)
    from .matching import reuse_saved

    # the organisation's mapping for these headers (web/matching.py); never when applying:
    # the base gets what the preview showed, even if a mapping was kept since
    if not apply and reuse_saved(folder, meta):
        labels[meta["colonnes"]["stored"]] = meta["colonnes"]["label"]
    paths = {str(folder / "inputs" / stored): label for stored, label in labels.items()}
    try:
        from ..model.dispositifs import using
        from ..model.errors import FasdError
        from ..engine.options import RunOptions
        from ..engine.run import run

        try:
            reference = load_reference(meta.get("reference"))
            mapping = None
            if meta.get("colonnes"):
                from ..readers.mapping import load_mapping

                mapping = load_mapping(folder / "inputs" / meta["colonnes"]["stored"])
            options = RunOptions(  # built once; with a base, a dry run to preview unless applying
                inputs=tuple(inputs),
                annuaire=folder / "inputs" / annuaire["stored"] if annuaire else None,
                reference=reference,
                today=dt.date.fromisoformat(meta["today"]),
                profil=meta.get("profil") or None,
                progress=progress,
                colonnes=mapping,
                organisme=meta.get("organisme"),
                names=labels,
                base=_base_options(meta, dry_run=not apply),
            )
            application = None
            if options.base is not None:  # applied chunk by chunk as the run checks them
                from ..catalogue.api import Application

                try:
                    application = Application.for_run(options).__enter__()
                except FasdError as exc:  # base busy or unusable: the run's results still stand
                    progress.state["base_message"] = str(exc)
                    if apply:  # nothing applied: the dry run's outputs stay
                        progress.finish("done")
                        return "done"
            try:
                with using(meta.get("dispositifs")):
                    result = run(options.with_(on_chunk=application))
                relabel(result, labels)
                outcome = _write(result, folder, progress, application, apply)
            finally:
                if application is not None:
                    application.__exit__(None, None, None)  # rolls back what was not finished
            if outcome is not None:
                return outcome
        except FasdError as exc:  # the file's fault or a limit: the CLI's one French line
            message = relabel_message(relabel_message(str(exc), paths), labels)
            progress.state["proposal"] = _propose_mapping(folder, inputs, labels)
            if progress.state["proposal"]:  # the page's matching step, not the command line's
                from .matching import for_the_page

                message = for_the_page(message)
            progress.finish("failed", message)
            return "failed"
        from .corrected import write_corrected

        write_corrected(result, folder / "out")
        progress.state["applied"] = bool(apply and result.catalogue is not None)
        progress.finish("done")
        return "done"
    except Exception:  # a bug of ours: the log has the traceback, the page one French line
        log.error("upload %s failed:\n%s", folder.name[:8], traceback.format_exc())
        progress.finish(
            "failed",
            "Erreur interne pendant le traitement : le fichier n'a pas pu "
            "être traité jusqu'au bout. Signalez-la à l'équipe qui gère l'outil, "
            "avec le fichier en cause.",
        )
        return "failed"


def _propose_mapping(folder: Path, inputs: list[Path], labels: dict[str, str]) -> bool:
    """After a file not understood: the column mapping `fasd colonnes` would propose, to
    download from the page, correct and send back with the files. Best effort."""
    try:
        from ..readers.mapping import read_headers, write_mapping

        decisions = read_headers(inputs)
        if not decisions:
            return False
        for d in decisions:
            d.source = labels.get(d.source, d.source)
        out = folder / "out"
        out.mkdir(exist_ok=True)
        with atomic_open(out / "correspondance.csv", "w", encoding="utf-8-sig", newline="") as fh:
            write_mapping(decisions, fh)
        return True
    except Exception:  # noqa: BLE001 — the failure message is what matters; this is a help
        log.info("upload %s: no column proposal:\n%s", folder.name[:8], traceback.format_exc())
        return False


def _base_options(meta: dict, *, dry_run: bool):
    """The base side of an upload's run (catalogue.options.BaseOptions), None without a base."""
    from ..catalogue.options import BaseOptions

    if not meta.get("base"):
        return None
    return BaseOptions(meta["base"], perimetre=meta.get("perimetre") or "partiel", dry_run=dry_run)


def _write(result, folder: Path, progress, application, apply: bool) -> str | None:
    """The outputs written; with a base, its application finished: for real (`apply`, the
    outputs written before it commits) or as the dry run the page previews. A str when
    the job ends here ("done": nothing applied, the earlier outputs stay; "failed")."""
    from ..catalogue.holds import committed_hold
    from ..model.errors import FasdError
    from ..writers.output import write_outputs

    commit = committed = None
    if application is not None and apply:
        commit, committed = functools.partial(_finish_writing, application, result), committed_hold
    elif application is not None:
        try:
            result.catalogue = application.finish(result)
        except FasdError as exc:  # the base refuses this run: its results still stand
            progress.state["base_message"] = str(exc)
    try:
        write_outputs(result, folder / "out", with_records=True, progress=progress, commit=commit, committed=committed)
    except FasdError as exc:
        if commit is not None and _base_error(exc):  # nothing applied: the dry run's outputs stay
            progress.state["base_message"] = str(exc)
            progress.finish("done")
            return "done"
        progress.finish("failed", str(exc))
        return "failed"
    return None


def _base_error(exc: Exception) -> bool:
    from ..catalogue.base import BaseError

    return isinstance(exc, BaseError)


def _finish_writing(application, result, write):
    """Apply for real, the outputs written by `write(report)` before the base commits."""
    return application.finish(result, before_commit=write)


def main(argv: list[str]) -> int:
    """`python -m pipeline.web.worker FOLDER [--appliquer]`: the process started per upload."""
    from ..engine.signals import termination_as_exception

    logging.basicConfig(format="fasd worker: %(message)s")
    try:  # the server's pages and status answers first: a run waits a moment more (issue 29 §3)
        os.nice(WORKER_NICENESS)
    except (AttributeError, OSError):  # no nice() here (Windows)
        pass
    with termination_as_exception():  # SIGTERM of the server's shutdown: every `finally` cleans up
        return 0 if process_job(argv[1], apply="--appliquer" in argv[2:]) == "done" else 1


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv))
