"""A real HTTP receiver for webhook tests: a Starlette app under uvicorn on a free loopback
port, in a thread with its own event loop (the worker under test talks to it over TCP).

It verifies every request with the ``standardwebhooks`` library, the way a customer's receiver
would, and answers what the test scripted: a status per request (then 200), or a delay that
outlasts the worker's timeout.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route


@dataclass
class Received:
    query: str  # the URL's query string: tells endpoints sharing the receiver apart
    headers: dict[str, str]
    body: bytes
    verified_by: list[str]  # the secrets (of those the test gave) whose signature verified

    @property
    def payload(self) -> Any:
        return json.loads(self.body)

    @property
    def event_id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Receiver:
    url: str
    secrets: list[str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    # Answers for the next requests, in order: a status code, or ("sleep", seconds).
    script: deque[int | tuple[str, float]] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer_next(self, *answers: int | tuple[str, float]) -> None:
        with self.lock:
            self.script.extend(answers)

    def verified(self) -> list[Received]:
        return [r for r in self.received if r.verified_by]

    def event_ids(self) -> list[str]:
        return [r.event_id for r in self.received]


def _verify(secret: str, body: bytes, headers: dict[str, str]) -> bool:
    try:
        Webhook(secret).verify(body, headers)
    except WebhookVerificationError:
        return False
    return True


def _app(receiver: Receiver) -> Starlette:
    async def hook(request: Request) -> Response:
        body = await request.body()
        headers = dict(request.headers)
        verified = [s for s in receiver.secrets if _verify(s, body, headers)]
        with receiver.lock:
            receiver.received.append(Received(request.url.query, headers, body, verified))
            answer = receiver.script.popleft() if receiver.script else 200
        if isinstance(answer, tuple):
            await asyncio.sleep(answer[1])
            return PlainTextResponse("late")
        return PlainTextResponse("scripted answer", status_code=answer)

    async def redirect(_request: Request) -> Response:
        return RedirectResponse("/hook", status_code=307)

    return Starlette(
        routes=[
            Route("/hook", hook, methods=["POST"]),
            Route("/redirect", redirect, methods=["POST"]),
        ]
    )


class ReceiverServer:
    """Runs :class:`Receiver`'s app until :meth:`stop`."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.receiver = Receiver(url=f"http://127.0.0.1:{self.port}/hook")
        config = uvicorn.Config(
            _app(self.receiver), lifespan="off", log_config=None, access_log=False, ws="none"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, name="webhook-receiver", daemon=True)

    def _run(self) -> None:
        asyncio.run(self.server.serve(sockets=[self.sock]))

    def start(self) -> Receiver:
        self.thread.start()
        return self.receiver

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()
