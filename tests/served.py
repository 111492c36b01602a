"""A real `fasd serve` process, for the tests and bench/load.py: its own TMPDIR, a free port.

`serve(tmp, *options)` starts `python -m pipeline serve --port P *options` with TMPDIR=tmp
(every temporary file it makes is then under `tmp`), waits until the page answers and
yields (url, process); on the way out it sends SIGTERM, as an operator stopping it would.
`open_files(pid)` lists the files a process holds open (deleted ones included), to see
that an upload's spooled temporary file was let go.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import httpx

ROOT = Path(__file__).resolve().parent.parent
BOUND = 120  # seconds: a safety net for a broken server, not a measurement


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(tmp: Path, *options, log: Path | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """`log`: a file for the server's messages (else they go to this process's stderr)."""
    tmp.mkdir(parents=True, exist_ok=True)
    messages = open(log, "w") if log is not None else None
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    child = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "serve", "--port", str(port), *map(str, options)],
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(tmp), "FASD_DEBUG": ""},
        stdout=subprocess.DEVNULL,
        stderr=messages,
    )
    try:
        deadline = time.monotonic() + BOUND
        while True:
            if child.poll() is not None:
                raise RuntimeError(f"fasd serve s'est arrêté au démarrage (code {child.returncode})")
            try:
                httpx.get(url + "/", timeout=5)  # any answer (the login page's redirect with accounts)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError("fasd serve n'a pas démarré") from None
                time.sleep(0.1)
        yield url, child
    finally:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=BOUND)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if messages is not None:
            messages.close()


def open_files(pid: int) -> list[str]:
    """The regular files `pid` holds open (a deleted one ends with « (deleted) »)."""
    found = []
    folder = Path(f"/proc/{pid}/fd")
    for fd in folder.iterdir() if folder.is_dir() else []:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("/"):
            found.append(target)
    return sorted(found)


def everything(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))
