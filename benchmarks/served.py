"""The product served by uvicorn in a process of its own on a free loopback port, for
benchmarks whose load must not run on the measured server's event loop: with
``httpx.ASGITransport`` a burst of 200 clients builds its requests and reads its answers on the
loop that also serves the request being timed, which no deployment does.

    async with served_product(database_url, argon2_time_cost=3) as base_url: ...

The settings are :func:`benchmarks.apps.bench_settings` with the overrides given (JSON-encoded
to the child process: tuples travel as lists).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

START_TIMEOUT_SECONDS = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def served_product(database_url: str, **overrides: Any) -> AsyncIterator[str]:
    """Serve ``create_app(bench_settings(database_url, **overrides))`` with uvicorn (as
    ``portal serve`` does: one worker, no proxy headers) until the block ends; yields its base
    URL once ``/healthz`` answers."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.served",
        database_url,
        str(port),
        json.dumps(overrides),
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base_url) as client:
            deadline = asyncio.get_running_loop().time() + START_TIMEOUT_SECONDS
            while True:
                if process.returncode is not None:
                    raise RuntimeError(f"the served product exited with {process.returncode}")
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    raise RuntimeError("the served product did not start")
                await asyncio.sleep(0.1)  # polling a child process's start, not a test
        yield base_url
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()


def main(argv: list[str]) -> None:
    import uvicorn

    from benchmarks.apps import bench_settings
    from portal.app.asgi import create_app

    database_url, port, overrides = argv[0], int(argv[1]), json.loads(argv[2])
    settings = bench_settings(database_url, **overrides)
    uvicorn.run(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        proxy_headers=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main(sys.argv[1:])
