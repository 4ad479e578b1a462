"""Request bodies of bounded size, refused before they are read in full.

Each GraphQL endpoint sits behind :class:`BodyLimit`: a body over its limit
(``PORTAL_MAX_JSON_BODY_BYTES`` for JSON, ``PORTAL_MAX_MULTIPART_BODY_BYTES`` for file
uploads) is answered ``413`` with a typed GraphQL error, ``PAYLOAD_TOO_LARGE``. A declared
``Content-Length`` over the limit is refused without reading anything; a body that arrives in
chunks without one is counted as it is read and refused at the chunk that crosses the limit,
so a client cannot make the server buffer more than the limit either way.
"""

from __future__ import annotations

import json

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    """The body read so far is over its limit."""


class BodyLimit:
    """ASGI middleware: at most ``json_bytes`` of a JSON (or any non-multipart) body and at most
    ``multipart_bytes`` of a multipart one."""

    def __init__(self, app: ASGIApp, *, json_bytes: int, multipart_bytes: int) -> None:
        self.app = app
        self.json_bytes = json_bytes
        self.multipart_bytes = multipart_bytes

    def limit_for(self, headers: Headers) -> int:
        content_type = headers.get("content-type", "").lower()
        return self.multipart_bytes if content_type.startswith("multipart/") else self.json_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit = self.limit_for(headers)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await refuse(send, limit)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            if started:  # pragma: no cover - the views read the whole body before answering
                raise
            await refuse(send, limit)


async def refuse(send: Send, limit: int) -> None:
    """``413`` with the body a GraphQL client reads its errors from."""
    body = json.dumps(
        {
            "errors": [
                {
                    "message": f"The request body is larger than {limit} bytes.",
                    "extensions": {"code": "PAYLOAD_TOO_LARGE", "maximumBytes": limit},
                }
            ]
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
