"""A running agent sender for tests: `sending(urls, outbox, **link)` runs `Sender.run` until the
block ends (then cancels and awaits it)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from agent.config import CollectorLink
from agent.outbox import Outbox
from agent.sender import Sender


@contextlib.asynccontextmanager
async def sending(urls: list[str], outbox: Outbox, **link: Any) -> AsyncIterator[Sender]:
    settings = {"urls": urls, "token": "t0k3n-for-tests", "backoff_initial": 0.05, "backoff_max": 0.2,
                "timeout": 2.0, **link}
    sender = Sender(CollectorLink.model_validate(settings), "row-a-01", 1.0, outbox)
    task = asyncio.create_task(sender.run())
    try:
        yield sender
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
