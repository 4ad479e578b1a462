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
    """At most one admission per iteration of the running event loop. Waiters queue in lanes
    (one per API): lanes take turns, and within a lane it is first come first in, so a burst
    of 200 anonymous requests to one API delays a request to the other by one iteration per
    request ahead of it in its own lane, not by the whole burst."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._busy = False  # someone was admitted in the current iteration
        self._lanes: dict[str, deque[asyncio.Future[None]]] = {}
        self._rotation: deque[str] = deque()  # lanes in the order they are served next

    async def admit(self, lane: str = "") -> None:
        """Return at once if no one started in this iteration and no one is queued; else wait
        for a later iteration of one's own."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new loop (tests, a restarted server): nothing carries over
            self._loop, self._busy, self._lanes, self._rotation = loop, False, {}, deque()
        if not self._busy and not any(self._lanes.values()):
            self._busy = True
            loop.call_soon(self._next)
            return
        turn = loop.create_future()
        if lane not in self._lanes:
            self._lanes[lane] = deque()
            self._rotation.append(lane)
        self._lanes[lane].append(turn)
        await turn

    def _next(self) -> None:
        """Runs one iteration after an admission: admit the next one waiting in the next lane
        that has someone (it runs in the iteration after this), or be free again."""
        for _ in range(len(self._rotation)):
            lane = self._rotation[0]
            self._rotation.rotate(-1)
            queue = self._lanes[lane]
            while queue:
                turn = queue.popleft()
                if not turn.done():  # a cancelled waiter's turn goes to the next one
                    turn.set_result(None)
                    assert self._loop is not None
                    self._loop.call_soon(self._next)
                    return
        self._busy = False

    @property
    def waiting(self) -> int:
        return sum(1 for queue in self._lanes.values() for turn in queue if not turn.done())
