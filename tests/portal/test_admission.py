"""Requests start one per event-loop iteration (portal.admission): a burst is spread over
iterations in arrival order, a lone request does not wait, and nobody waits forever."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from portal.admission import OnePerIteration


class IterationCounter:
    """Counts iterations of the running loop: a callback that schedules itself again."""

    def __init__(self) -> None:
        self.count = 0
        self._handle: asyncio.Handle | None = None

    def _tick(self) -> None:
        self.count += 1
        self._handle = asyncio.get_running_loop().call_soon(self._tick)

    def start(self) -> None:
        self._handle = asyncio.get_running_loop().call_soon(self._tick)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()


@pytest.fixture
async def iterations() -> AsyncIterator[IterationCounter]:
    counter = IterationCounter()
    counter.start()
    yield counter
    counter.stop()


async def test_a_lone_request_is_admitted_without_waiting(iterations: IterationCounter) -> None:
    admission = OnePerIteration()
    await asyncio.sleep(0)
    before = iterations.count
    await admission.admit()
    assert iterations.count == before  # no iteration passed: admit did not suspend
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    await admission.admit()  # free again once its iteration is over
    assert admission.waiting == 0


async def test_a_burst_is_admitted_one_per_iteration_in_arrival_order(
    iterations: IterationCounter,
) -> None:
    admission = OnePerIteration()
    admitted: list[tuple[int, int]] = []

    async def request(index: int) -> None:
        await admission.admit()
        admitted.append((index, iterations.count))

    await asyncio.gather(*(request(i) for i in range(16)))
    assert [index for index, _ in admitted] == list(range(16))
    at = [iteration for _, iteration in admitted]
    assert len(set(at)) == 16  # never two in one iteration
    assert at == sorted(at)


async def test_a_cancelled_waiter_passes_its_turn_on(iterations: IterationCounter) -> None:
    admission = OnePerIteration()
    admitted: list[int] = []

    async def request(index: int) -> None:
        await admission.admit()
        admitted.append(index)

    first = asyncio.create_task(request(0))
    second = asyncio.create_task(request(1))
    third = asyncio.create_task(request(2))
    await asyncio.sleep(0)  # all three have arrived; the first is in, two wait
    assert admission.waiting == 2
    second.cancel()
    await asyncio.wait_for(asyncio.gather(first, third), timeout=1)
    assert admitted == [0, 2]
    assert second.cancelled()


def test_state_left_on_a_closed_loop_does_not_block_a_new_one() -> None:
    admission = OnePerIteration()

    async def admit_and_leave() -> None:
        await admission.admit()  # busy until the next iteration, which never comes

    loop = asyncio.new_event_loop()
    loop.run_until_complete(admit_and_leave())
    loop.close()

    async def admit_again() -> None:
        await asyncio.wait_for(admission.admit(), timeout=1)

    asyncio.run(admit_again())


async def test_concurrent_requests_to_both_apis_all_complete(client: httpx.AsyncClient) -> None:
    """Both APIs share one admission; 40 requests at once all get their answer."""
    bodies = await asyncio.gather(
        *(
            client.post("/graphql" if i % 2 else "/admin/graphql", json={"query": "{ __typename }"})
            for i in range(40)
        )
    )
    assert [b.status_code for b in bodies] == [200] * 40
    assert {b.json()["data"]["__typename"] for b in bodies} == {"Query"}


async def test_lanes_take_turns_so_a_burst_in_one_does_not_queue_the_other(
    iterations: IterationCounter,
) -> None:
    admission = OnePerIteration()
    admitted: list[str] = []

    async def request(lane: str, index: int) -> None:
        await admission.admit(lane)
        admitted.append(f"{lane}{index}")

    await asyncio.gather(
        *(request("customer", i) for i in range(20)), request("staff", 0), request("staff", 1)
    )
    # The first customer request passes at once; then the lanes alternate while both wait.
    assert admitted[:5] == ["customer0", "customer1", "staff0", "customer2", "staff1"]
    assert admitted[5:] == [f"customer{i}" for i in range(3, 20)]
