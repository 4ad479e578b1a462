"""Where rendered messages go: files (development), SMTP (production), memory (tests)."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from typing import Protocol

import aiosmtplib

from portal.clock import Clock
from portal.config import Settings
from portal.email.rendering import RenderedEmail

logger = logging.getLogger("portal.email")
LINK = re.compile(r"https?://[^\s<>\"']+")


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message (see :mod:`portal.email.attachments`)."""

    filename: str
    maintype: str
    subtype: str
    data: bytes


class MailBackend(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Deliver ``message``; raise on failure (the outbox retries)."""


def build_message(
    settings: Settings,
    to: str,
    rendered: RenderedEmail,
    clock: Clock,
    message_id: str,
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    """An RFC 5322 multipart/alternative message with a text and an HTML part (inside
    multipart/mixed when files are attached)."""
    message = EmailMessage()
    message["From"] = formataddr((settings.portal_name, settings.mail_from))
    message["To"] = to
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(clock())
    domain = settings.mail_from.rsplit("@", 1)[-1] or "portal.local"
    message["Message-ID"] = make_msgid(idstring=message_id, domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    for attachment in attachments:
        message.add_attachment(
            attachment.data,
            maintype=attachment.maintype,
            subtype=attachment.subtype,
            filename=attachment.filename,
        )
    return message


class MemoryBackend:
    """Keeps messages in a list (tests)."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    async def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


class FileBackend:
    """Writes each message as an ``.eml`` file and prints one line (development); with
    ``show_links`` (outside production) also the links of its text, so the demo's activation
    link can be clicked in the terminal."""

    def __init__(self, folder: Path, *, show_links: bool = False) -> None:
        self.folder = folder
        self.show_links = show_links

    async def send(self, message: EmailMessage) -> None:
        await asyncio.to_thread(self._write, message)

    def _write(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        ident = re.sub(r"[^A-Za-z0-9._-]", "", str(message["Message-ID"]))[:80]
        path = self.folder / f"{ident}.eml"
        path.write_bytes(message.as_bytes())
        print(f"mail to {message['To']}: {message['Subject']!s} -> {path}", flush=True)
        text = message.get_body(("plain",))
        if self.show_links and text is not None:
            for link in dict.fromkeys(LINK.findall(text.get_content())):
                print(f"  link: {link}", flush=True)


class SmtpBackend:
    """Sends through an SMTP server (STARTTLS, implicit TLS or plain, optional login)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, message: EmailMessage) -> None:
        s = self.settings
        await aiosmtplib.send(
            message,
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_user or None,
            password=s.smtp_password.reveal() if s.smtp_password else None,
            use_tls=s.smtp_security == "tls",
            start_tls=s.smtp_security == "starttls",
            timeout=s.smtp_timeout_seconds,
        )


def backend_from_settings(settings: Settings) -> MailBackend:
    if settings.mail_backend == "smtp":
        return SmtpBackend(settings)
    if settings.mail_backend == "memory":
        return MemoryBackend()
    return FileBackend(settings.mail_dir, show_links=not settings.is_production)
