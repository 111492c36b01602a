"""A real SMTP server on a free port of 127.0.0.1 (aiosmtpd), keeping the mails it receives."""

from __future__ import annotations

import contextlib
import email
import email.policy
import re

from pipeline.web.testing import free_port


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def links(self, pattern: str = r"https?://\S+") -> list[str]:
        return [link for m in self.messages for link in re.findall(pattern, m.get_content())]


@contextlib.contextmanager
def smtp_server():
    """Yield (FASD_SMTP_URL, inbox)."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", inbox
    finally:
        controller.stop()
