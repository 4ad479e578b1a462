"""The request's Loader: filled for a page in one batch call, values handed out at once,
DataLoader behaviour (batching, errors, clearing) kept for everything else."""

from __future__ import annotations

import asyncio

import pytest

from schema.common.loaders import Loader, loaded

CALLS: list[list[int]] = []


async def squares(keys: list[int]) -> list[int | BaseException]:
    CALLS.append(list(keys))
    return [ValueError(f"no {k}") if k < 0 else k * k for k in keys]


@pytest.fixture(autouse=True)
def _reset() -> None:
    CALLS.clear()


async def test_fill_is_one_batch_and_then_answers_at_once() -> None:
    loader: Loader[int, int] = Loader(squares)
    await loader.fill([1, 2, 2, 3])
    await loader.fill([2, 3, 4])  # only what is missing
    assert CALLS == [[1, 2, 3], [4]]
    assert loader.then(3, str) == "9"  # not an awaitable: no coroutine per field
    assert await loader.load(4) == 16  # plain DataLoader use sees filled values
    assert CALLS == [[1, 2, 3], [4]]


async def test_then_falls_back_to_a_batched_load() -> None:
    loader: Loader[int, int] = Loader(squares)
    pending = [loader.then(k, lambda v: v + 1) for k in (5, 6)]
    assert all(asyncio.iscoroutine(p) for p in pending)
    assert await asyncio.gather(*pending) == [26, 37]  # type: ignore[arg-type]
    assert CALLS == [[5, 6]]  # batched like any DataLoader
    assert loader.then(5, lambda v: v + 1) == 26  # now loaded: at once


async def test_errors_are_raised_where_the_key_is_used() -> None:
    loader: Loader[int, int] = Loader(squares)
    await loader.fill([-1, 2])
    with pytest.raises(ValueError, match="no -1"):
        loader.then(-1, str)
    with pytest.raises(ValueError, match="no -1"):
        await loader.load(-1)
    assert loader.then(2, str) == "4"


async def test_prime_and_clear() -> None:
    loader: Loader[int, int] = Loader(squares)
    loader.prime(7, 0)
    loader.prime(7, 1)  # no force: the first value stays
    assert loader.then(7, int) == 0
    loader.prime(7, 1, force=True)
    assert loader.then(7, int) == 1
    loader.clear(7)
    assert await loader.load(7) == 49  # forgotten: loaded again
    assert CALLS == [[7]]


async def test_loaded_takes_a_done_future_at_once() -> None:
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    future.set_result(3)
    assert loaded(future, lambda v: v * 2) == 6
