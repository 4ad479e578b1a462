"""Phone numbers of a large CSV import, validated in a worker process ahead of the rows.

Parsing a phone number (``phonenumbers``) is pure Python and the largest single cost of an
imported row, about 16 us. For files of ``PARALLEL_ROWS`` rows or more, the numbers of each
block of rows go to one worker process (:mod:`portal.services.phone_worker`) when the import
starts; the import loop, on the other core, only waits for a block it reaches before the worker
has answered it (in practice only the first). The answers are exactly
:func:`portal.normalization.normalize_phone`'s; if the worker fails, the import validates the
remaining numbers itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import Mapping, Sequence

from portal.services.csv_columns import unneutralise

PARALLEL_ROWS = 20_000
BLOCK_ROWS = 5_000
_STREAM_LIMIT = 64 * 1024 * 1024

logger = logging.getLogger("portal.import")


def cleaned(cell: str) -> str:
    """The phone text validation sees for a cell (as the import hands it over)."""
    return unneutralise(cell).strip()


class PhoneLookahead:
    """Validated numbers of an import's phone columns, filled block by block."""

    def __init__(self, process: asyncio.subprocess.Process, blocks: list[list[str]]) -> None:
        self.known: dict[str, str | None] = {}
        self._process = process
        self._blocks = blocks
        self._answered = 0
        self._failed = False
        self._feeder = asyncio.create_task(self._feed(), name="phone-lookahead-feed")

    @classmethod
    async def start(
        cls,
        records: Sequence[Sequence[str]],
        phone_columns: Sequence[int],
        region: str,
        threshold: int = PARALLEL_ROWS,
    ) -> PhoneLookahead | None:
        """A running lookahead for a file worth one (``threshold`` rows or more, with phone
        columns); None otherwise, or when no worker can be started."""
        if len(records) < threshold or not phone_columns:
            return None
        blocks = []
        for start in range(0, len(records), BLOCK_ROWS):
            texts = {
                cleaned(record[column])
                for record in records[start : start + BLOCK_ROWS]
                for column in phone_columns
                if column < len(record)
            }
            texts.discard("")
            blocks.append(sorted(texts))
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "portal.services.phone_worker", region,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                limit=_STREAM_LIMIT,
            )  # fmt: skip
        except OSError:
            logger.warning("no phone validation worker; validating in the import itself")
            return None
        return cls(process, blocks)

    async def _feed(self) -> None:
        stdin = self._process.stdin
        assert stdin is not None
        with contextlib.suppress(ConnectionError):
            for block in self._blocks:
                stdin.write((json.dumps(block) + "\n").encode())
                await stdin.drain()
            stdin.close()

    async def known_through(self, position: int) -> Mapping[str, str | None]:
        """The numbers of every block up to the one holding record ``position`` (numbers the
        worker could not answer are simply missing: validation then parses them itself)."""
        block = position // BLOCK_ROWS
        stdout = self._process.stdout
        assert stdout is not None
        while not self._failed and self._answered <= block < len(self._blocks):
            line = await stdout.readline()
            if not line:
                self._failed = True
                logger.warning("phone validation worker ended early; validating in the import")
                break
            self.known.update(json.loads(line))
            self._answered += 1
        return self.known

    async def close(self) -> None:
        self._feeder.cancel()
        with contextlib.suppress(ProcessLookupError):
            self._process.kill()
        with contextlib.suppress(asyncio.CancelledError):
            await self._feeder
        await self._process.wait()
