"""The server on a free port of 127.0.0.1, for the tests and the screenshot: in this process
(`serving`), or as a real `fasd serve` process (`serve_process`).

Same application and worker as `fasd serve`; only the port is chosen by the system.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
FASD = [sys.executable, "-m", "pipeline"]  # the `fasd` command of this interpreter


def missing_browser() -> str | None:
    """Why the browser tests cannot run here (Debian's Chromium or Playwright absent), or None."""
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} absent (paquet Debian chromium ; `make test` l'installe en root)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright absent (pip install -e '.[test]')"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve_process(*args: str, env: dict[str, str] | None = None, timeout: float = 60):
    """Run `fasd serve ARGS --port PORT` as a process of its own; yield its base URL.

    Ready when /modele.xlsx answers (served with or without accounts); stopped by SIGTERM
    as a service manager stops it, then killed if it lingers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    child = subprocess.Popen(
        [*FASD, "serve", "--port", str(port), *args], env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if child.poll() is not None:
                raise RuntimeError(f"fasd serve s'est arrêté au démarrage (code {child.returncode})")
            try:
                with urllib.request.urlopen(url + "/modele.xlsx", timeout=5):
                    break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    raise RuntimeError("fasd serve n'a pas démarré") from None
                time.sleep(0.1)
        yield url
    finally:
        child.terminate()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


@contextlib.contextmanager
def serving(app):
    """Run `app` with uvicorn in a thread; yield its base URL ("http://127.0.0.1:PORT")."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("le serveur de test n'a pas démarré")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def wait_for_result(page, timeout_ms: int = 120_000) -> None:
    """Wait until a Playwright page leaves the progress page (result or failure shown)."""
    page.wait_for_selector("#verdict, #motif", timeout=timeout_ms)
