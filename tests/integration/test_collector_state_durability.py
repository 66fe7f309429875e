"""The collector's state (ledger, availability store) under `state_fsync: batch`: checkpointed on a
timer, so what was applied reaches the database files within about a second, with no later write."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.peers.collector_app import RunningCollector
from tests.peers.ingest import TOKENS, body, post
from tests.peers.sqlite_files import rows_in_file_alone

pytestmark = pytest.mark.integration


async def test_an_applied_batch_reaches_the_ledger_and_availability_files_without_a_later_write(
        running_collector: RunningCollector, tmp_path: Path) -> None:
    """Pins the durability defect on the collector side: its state was fsynced only when SQLite's
    automatic checkpoint came (after about 4 MB of writes), whatever happened meanwhile."""
    agents = {name: {"token": tok} for name, tok in TOKENS.items()}
    async with running_collector(agents=agents) as (url, _):
        status, _ = await post(url, json.dumps(body(seq=7)).encode())
        assert status == 200
        state = tmp_path / "state"
        deadline = asyncio.get_running_loop().time() + 10
        while not (rows_in_file_alone(state / "ledger.sqlite", tmp_path, "applied") == 1
                   and rows_in_file_alone(state / "availability.sqlite", tmp_path, "transitions") >= 1):
            assert asyncio.get_running_loop().time() < deadline, "the state never reached the database files"
            await asyncio.sleep(0.05)
