"""``X-Request-Id``: every HTTP response names its request, so a client's report, a proxy's log
and our log line about an unexpected error (its ``incident``) can be matched.

A sane id sent by the client or a proxy in front of us is kept (the chain shares one id);
anything else is replaced by a random one.
"""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-Id"
# Enough for UUIDs, ULIDs and the ids of common proxies; nothing that could forge a log line.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_of(connection: HTTPConnection) -> str:
    """The id :class:`RequestIdMiddleware` gave this request (a new one without the middleware)."""
    request_id = connection.scope.get("state", {}).get("request_id")
    return request_id if isinstance(request_id, str) else new_request_id()


class RequestIdMiddleware:
    """Gives each HTTP request an id (``request.state.request_id``) and each response the header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        inbound = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
        request_id = inbound if SANE_REQUEST_ID.fullmatch(inbound) else new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        await self.app(scope, receive, send_with_id)
