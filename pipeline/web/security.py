"""The security headers of every response of `fasd serve` (content policy, no framing, no
sniffing, no referrer to other sites), added as pure ASGI so downloads are not buffered."""

from __future__ import annotations


SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; "
        b"script-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        b"base-uri 'none'; object-src 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    # the upload id is the key to its results: never sent to another site. Not no-referrer:
    # under it a browser sends `Origin: null` with the page's own forms, which the origin
    # check refuses (a sandboxed frame or a data: page sends the same).
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    """Adds the security headers to every response (pure ASGI: no buffering of downloads)."""

    def __init__(self, app) -> None:
        self.app = app
        self.state = app.state

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name for name, _ in headers}
                headers += [(n, v) for n, v in SECURITY_HEADERS if n not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
