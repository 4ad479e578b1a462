"""Requests start their work one per event-loop iteration.

asyncio runs, in one iteration of its loop, every callback that was ready when the iteration
began. When a burst of requests arrives together (16 logins from a page reload storm, a client
retrying in parallel), each runs from the ASGI entry through Strawberry (body, context,
extensions, execution up to its first resolver) until it first waits for the database: about
2 ms of CPU each here, 30 ms or more for the burst, in one iteration. Timers, the mail worker
and every other request wait for all of it.

:class:`OnePerIteration` lets the first request of an iteration through at once and queues the
rest; each following iteration admits the next in line. The work is the same, but it is spread
over iterations, so the loop keeps answering between two starts. A request that arrives alone
passes without waiting (one ``call_soon`` of bookkeeping). It holds nothing: it only spaces
starts, so a request that is cancelled while queued or after admission blocks no one.
"""

from __future__ import annotations

import asyncio
from collections import deque


class OnePerIteration:
    """At most one admission per iteration of the running event loop, first come first in."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._busy = False  # someone was admitted in the current iteration
        self._queue: deque[asyncio.Future[None]] = deque()

    async def admit(self) -> None:
        """Return at once if no one started in this iteration and no one is queued; else wait
        for a later iteration of one's own."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new loop (tests, a restarted server): nothing carries over
            self._loop, self._busy, self._queue = loop, False, deque()
        if not self._busy and not self._queue:
            self._busy = True
            loop.call_soon(self._next)
            return
        turn = loop.create_future()
        self._queue.append(turn)
        await turn

    def _next(self) -> None:
        """Runs one iteration after an admission: admit the next one waiting (it runs in the
        iteration after this), or be free again."""
        while self._queue:
            turn = self._queue.popleft()
            if not turn.done():  # a cancelled waiter's turn goes to the next one
                turn.set_result(None)
                assert self._loop is not None
                self._loop.call_soon(self._next)
                return
        self._busy = False

    @property
    def waiting(self) -> int:
        return sum(1 for turn in self._queue if not turn.done())
