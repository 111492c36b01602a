"""The uploads' runner of `fasd serve`: each upload in a worker process of its own, a few at
a time, in order; a worker that dies leaves its upload « interrompu », not the server."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


from .jobs import read_state, write_json
from .waiting import Waiting
from .worker import process_job


log = logging.getLogger("fasd.web")


class Runner:
    """Runs uploads in the background, `workers` at a time, each in a fresh worker process.

    A process per upload (`python -m pipeline.web.worker FOLDER`): the server stays
    responsive while pandas works, memory is returned after each run, and a crash or an
    out-of-memory kill ends one upload, not the server. `processes=False` runs the worker
    in a thread of this process instead (quicker tests of the pages).
    """

    def __init__(self, workers: int = 1, processes: bool = True) -> None:
        self.processes = processes
        self.executor = ThreadPoolExecutor(workers, thread_name_prefix="fasd-web")
        self.running: set[subprocess.Popen] = set()
        self.lock = threading.Lock()
        self.stopping = False
        self.waiting = Waiting()  # the uploads not started yet, in order (waiting.py)

    def submit(self, folder: Path, apply: bool = False) -> None:
        self.waiting.add(folder.name)
        self.executor.submit(self._run, folder, apply)

    def _run(self, folder: Path, apply: bool = False) -> None:
        self.waiting.started(folder.name)
        said = False  # the worker wrote its final state itself (exit 0 or 1)
        try:
            if self.processes:
                child = subprocess.Popen(
                    [sys.executable, "-m", "pipeline.web.worker", str(folder)] + (["--appliquer"] if apply else []),
                    stdin=subprocess.DEVNULL,
                )
                with self.lock:
                    self.running.add(child)
                code = child.wait()
                with self.lock:
                    self.running.discard(child)
                said = code in (0, 1)
                if not said and not self.stopping:
                    log.error("upload %s: worker exited with %s", folder.name[:8], code)
            else:
                process_job(str(folder), apply)
                said = True
        except Exception:
            log.error("upload %s: worker not started:\n%s", folder.name[:8], traceback.format_exc())
        # A worker that said nothing died (killed, out of memory): the page must say so. One
        # that did may already have a new run queued behind it (the apply button), left alone.
        if not said and folder.is_dir() and read_state(folder).get("status") not in ("done", "failed"):
            state = read_state(folder)
            if apply and _recovered(folder):  # killed after the base committed: its outputs are whole
                state.update(status="done", applied=True, message=None)
            else:
                state.update(status="failed", message=INTERRUPTED)
            write_json(folder / "state.json", state)

    def shutdown(self) -> None:
        """Stop queued uploads and the worker processes this server started (a worker that
        has written its result is let finish exiting for a moment first)."""
        self.stopping = True
        self.executor.shutdown(wait=False, cancel_futures=True)
        with self.lock:
            children = list(self.running)
        for child in children:
            try:
                child.wait(timeout=2)
            except subprocess.TimeoutExpired:
                child.terminate()  # the worker unwinds (worker.main) and removes its temporary files
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()  # its scratch folder is then removed by the next run (scratch.sweep)


INTERRUPTED = (
    "Le traitement a été interrompu (manque de mémoire ou arrêt du serveur). "
    "Réessayez avec un fichier plus petit, ou signalez-le à l'équipe qui gère l'outil."
)


def _recovered(folder: Path) -> bool:
    """The outputs of an applied run whose worker died between the base's commit and the
    swap of its output folder, put in place (writers/atomic.py recover)."""
    from ..writers.atomic import recover_folder
    from ..writers.output import RUN_FILES

    return recover_folder(folder / "out", RUN_FILES) is not None
