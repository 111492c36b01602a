"""The forms of the page: the CSRF pair's cookie, the same-origin check, the bounded multipart reader."""

from __future__ import annotations

import logging

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

log = logging.getLogger("fasd.web")

CSRF_COOKIE = "fasd_csrf"
MAX_FILES = 20


class TooLarge(Exception):
    pass


async def client_gone(request: Request, exc: ClientDisconnect) -> Response:
    """The client went away in the middle of its request (a closed tab, a cut line): nothing
    to answer, nothing kept (the parser closed the upload's spooled files), no error to log."""
    log.info("%s %s: the client went away before the end of its request", request.method, request.url.path)
    return Response(status_code=400)


__all__ = ["CSRF_COOKIE", "MAX_FILES", "ClientDisconnect", "TooLarge", "client_gone"]


def _same_origin(request: Request) -> bool:
    """Refuse a POST that a browser says comes from another site (first line of CSRF defence)."""
    if request.headers.get("sec-fetch-site") in ("cross-site", "same-site"):
        return False
    origin = request.headers.get("origin")
    if origin is not None and origin.strip().lower() == "null":  # a sandboxed frame, a data: page, a redirect
        return False
    if origin:
        host = request.headers.get("host", "")
        return origin.split("://", 1)[-1] == host
    return True


async def _read_form(request: Request, limit: int, max_fields: int = 20):
    """Parse the multipart body, counting bytes: past `limit`, drain the rest and raise TooLarge.

    Draining lets the browser finish sending and read our French answer instead of a reset
    connection; past four times the limit the connection is dropped instead.
    """
    received = 0
    receive = request.receive

    async def counting():
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise TooLarge
        return message

    async def drain():
        nonlocal received
        more = True
        while more and received <= 4 * limit:
            message = await receive()
            if message["type"] != "http.request":
                return
            received += len(message.get("body", b""))
            more = message.get("more_body", False)

    declared = request.headers.get("content-length", "")
    try:
        if declared.isdigit() and int(declared) > limit:
            raise TooLarge
        return await Request(request.scope, counting).form(max_files=MAX_FILES + 1, max_fields=max_fields)
    except TooLarge:
        await drain()
        raise
