"""The server in this process on a free port of 127.0.0.1: for the tests and the screenshot.

Same application and worker as `fasd serve`; only the port is chosen by the system.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

CHROMIUM = "/usr/bin/chromium"


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
