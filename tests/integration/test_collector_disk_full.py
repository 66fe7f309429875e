"""The collector on a state directory that fills up: a 2 MiB tmpfs mounted for the test.

Pins the disk-full defect on the collector side: when SQLite could not write the ingest ledger the
ingest handler raised (500 at every batch, so agents retried the same batch for ever), and nothing
said that the availability store or the audit log had stopped being written. Now ingest, /metrics,
the API and the status page keep answering from memory, every failed write is counted per store,
a gauge says which store is degraded, and once space returns everything that waited is written by
itself: a restart then shows exactly the availability the collector had computed.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import sqlite3
import subprocess
import time
from pathlib import Path

import aiohttp
import pytest
from structlog.testing import capture_logs

from collector.availability.web import ENGINE_KEY
from collector.availability.timeline import split_bucket
from collector.availability.vocabulary import UNKNOWN
from tests.peers.collector_app import RunningCollector
from tests.peers.ingest import TOKENS, body, post
from tests.peers.processes import BIN
from tests.peers.small_disk import fill

pytestmark = pytest.mark.integration

OPERATOR = "operator-token-for-disk-full"
TARGETS = ("pdu-a", "pdu-b", *(f"pdu-{i:02d}" for i in range(30)))  # many transitions: the disk fills fast


def outcome(target: str, seq: int) -> dict:
    """Every target flips between up and down at each batch: each batch makes transitions to store."""
    now = time.time()
    down = (seq + TARGETS.index(target)) % 2 == 1
    return {"target": target, "status": "timeout" if down else "ok", "started_at": now - 0.5, "duration": 0.1,
            "interval": 15.0, "readings": 0 if down else 1, "health": "unknown" if down else "ok",
            **({"reason": "no answer in 3 s"} if down else {})}


def batch(seq: int) -> bytes:
    return json.dumps(body(seq=seq, outcomes=[outcome(t, seq) for t in TARGETS])).encode()


def metric(text: str, name: str, **labels: str) -> float:
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        m = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
        if m and ",".join(sorted(m.group(1).split(","))) == want:
            return float(m.group(2))
    raise AssertionError(f"no sample {name}{{{want}}} in /metrics")


async def get(url: str, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as s, s.get(url + path) as r:
        return r.status, await r.text()


def integrity(path: Path) -> str:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


async def until(predicate, what: str, seconds: float = 15.0):  # noqa: ANN001, ANN201 - test helper
    deadline = asyncio.get_running_loop().time() + seconds
    while not (result := await predicate()):
        assert asyncio.get_running_loop().time() < deadline, what
        await asyncio.sleep(0.05)
    return result


async def test_a_full_state_disk_keeps_the_collector_serving_counts_failed_writes_and_catches_up_by_itself(
        running_collector: RunningCollector, small_disk: Path) -> None:
    state = small_disk / "state"
    config = {"state_dir": str(state), "agents": {name: {"token": tok} for name, tok in TOKENS.items()},
              "operators": {"noc": {"token": OPERATOR}}}
    async with running_collector(**config) as (url, app):
        assert (await post(url, batch(1)))[0] == 200
        filler = fill(small_disk)

        seq = 1
        statuses: set[int] = set()

        async def degraded() -> str | None:   # keep ingesting until every store has failed to write
            nonlocal seq
            seq += 1
            status, answer = await post(url, batch(seq))
            statuses.add(status)
            assert status == 200 and answer["duplicate"] is False, answer
            _, text = await get(url, "/metrics")
            stores = ("ledger", "availability")
            return text if all(metric(text, "tierwatch_collector_state_degraded", store=s) == 1 for s in stores) \
                else None

        text = await until(degraded, "the ledger and the availability store never hit the full disk")
        assert statuses == {200}
        assert metric(text, "tierwatch_collector_state_write_errors_total", store="ledger", reason="enospc") >= 1
        assert metric(text, "tierwatch_collector_state_write_errors_total", store="availability", reason="enospc") >= 1
        # A maintenance act while the disk is full: accepted, listed from memory, written later.
        async with aiohttp.ClientSession() as s, s.post(
                f"{url}/api/v1/maintenance", headers={"Authorization": f"Bearer {OPERATOR}"},
                json={"services": ["pdu-b"], "reason": "disjoncteur", "end": time.time() + 3600}) as r:
            assert r.status == 201, await r.text()
        status, audit = await get(url, "/api/v1/audit")
        assert status == 200 and [e["reason"] for e in json.loads(audit)["audit"]] == ["disjoncteur"]

        # Still serving from memory: a replay of a batch the ledger could not write is recognised,
        # the availability of the last batch is computed, the pages answer.
        status, answer = await post(url, batch(seq))
        assert status == 200 and answer["duplicate"] is True
        status, one = await get(url, "/api/v1/availability/pdu-a")
        assert status == 200 and json.loads(one)["state"] == ("down" if seq % 2 else "ok")
        status, page = await get(url, "/?lang=en")
        assert status == 200 and 'id="state-banner"' in page
        assert "not writing its state to disk (ledger, availability, audit)" in page
        french = html.unescape((await get(url, "/?lang=fr"))[1])
        assert "n'écrit plus son état sur disque (ledger, availability, audit)" in french
        status, ready = await get(url, "/readyz")
        assert status == 200 and json.loads(ready)["state"] == {"ledger": "degraded", "availability": "degraded",
                                                                "audit": "degraded"}
        for name in ("ledger.sqlite", "availability.sqlite", "audit.sqlite"):
            assert integrity(state / name) == "ok", name

        filler.unlink()                                    # space comes back; no request needed
        async def recovered() -> bool:
            _, text = await get(url, "/metrics")
            return all(metric(text, "tierwatch_collector_state_degraded", store=s) == 0 and
                       metric(text, "tierwatch_collector_state_unwritten_records", store=s) == 0
                       for s in ("ledger", "availability", "audit"))

        await until(recovered, "the stores never caught up after space returned")
        assert set(json.loads((await get(url, "/readyz"))[1])["state"].values()) == {"ok"}
        assert 'id="state-banner"' not in (await get(url, "/"))[1]
        engine = app[ENGINE_KEY]
    last_seq = seq

    with sqlite3.connect(state / "availability.sqlite") as db:
        heartbeat = db.execute("SELECT value FROM meta WHERE key='heartbeat'").fetchone()[0]
    before = {name: engine.services[name].timeline.cum_at(heartbeat).tolist() for name in TARGETS}
    transitions = {name: len(engine.services[name].timeline) for name in TARGETS}
    for name in ("ledger.sqlite", "availability.sqlite", "audit.sqlite"):
        assert integrity(state / name) == "ok", name

    async with running_collector(**config) as (url, app):   # a restart on the same state
        again = app[ENGINE_KEY]
        after = {name: again.services[name].timeline.cum_at(heartbeat).tolist() for name in TARGETS}
        assert after == before                              # the exact same up/down/unknown seconds
        assert all(transitions[n] <= len(again.services[n].timeline) for n in TARGETS)
        status, answer = await post(url, batch(last_seq))   # the ledger wrote what it held in memory
        assert status == 200 and answer["duplicate"] is True
        status, audit = await get(url, "/api/v1/audit")
        assert [e["reason"] for e in json.loads(audit)["audit"]] == ["disjoncteur"]
        assert "pdu-b" in {s for w in json.loads((await get(url, "/api/v1/maintenance"))[1])["maintenance"]
                           for s in w["services"]}


async def test_a_collector_stopped_while_its_disk_is_full_says_what_it_lost_and_its_restart_counts_that_time_unknown(
        running_collector: RunningCollector, small_disk: Path) -> None:
    """What the README promises for the one case memory cannot cover: the history after the last
    written heartbeat is unknown after the restart, never up or down."""
    state = small_disk / "state"
    # `always` runs no timer checkpoint, so SQLite never gets WAL pages back to reuse: once the disk
    # is full every write fails, the last one at the stop included.
    config = {"state_dir": str(state), "agents": {name: {"token": tok} for name, tok in TOKENS.items()},
              "state_fsync": "always"}
    async with running_collector(**config) as (url, app):
        assert (await post(url, batch(1)))[0] == 200

        async def stored() -> bool:
            with sqlite3.connect(f"file:{state / 'availability.sqlite'}?mode=ro", uri=True) as db:
                return db.execute("SELECT COUNT(*) FROM transitions").fetchone()[0] >= len(TARGETS)

        await until(stored, "the first outcomes never reached the availability store")
        filled_at = time.time()
        filler = fill(small_disk)
        seq = 1

        async def degraded() -> bool:
            nonlocal seq
            seq += 1
            assert (await post(url, batch(seq)))[0] == 200
            return metric((await get(url, "/metrics"))[1], "tierwatch_collector_state_degraded",
                          store="availability") == 1

        await until(degraded, "the availability store never hit the full disk")
        text = (await get(url, "/metrics"))[1]
        assert metric(text, "tierwatch_collector_state_unwritten_records", store="availability") >= 1
        assert metric(text, "tierwatch_collector_state_unwritten_records", store="ledger") >= 1
        engine = app[ENGINE_KEY]
        capture = capture_logs()
        logs = capture.__enter__()
    capture.__exit__(None, None, None)
    stopped_at = engine.now()
    lost = [e for e in logs if e["event"] == "state_unwritten_at_stop"]
    assert {e["store"] for e in lost} >= {"availability"} and all(e["unwritten"] > 0 for e in lost), logs

    filler.unlink()
    with sqlite3.connect(state / "availability.sqlite") as db:
        heartbeat = db.execute("SELECT value FROM meta WHERE key='heartbeat'").fetchone()[0]
    assert heartbeat < stopped_at
    # Up to the fill (and the last written heartbeat) the restart has the same history; outcomes
    # after it were never written: their time is unknown.
    settled = min(heartbeat, filled_at) - 1.0
    async with running_collector(**config) as (url, app):
        again = app[ENGINE_KEY]
        for name in TARGETS:
            old, new = engine.services[name].timeline, again.services[name].timeline
            assert new.cum_at(settled).tolist() == old.cum_at(settled).tolist()
            after = [(t, split_bucket(b)[0]) for t, b in zip(new.times, new.buckets) if t >= heartbeat]
            assert after and after[0] == (heartbeat, UNKNOWN), after
            assert all(state == UNKNOWN for t, state in after if t < stopped_at), after  # never up or down
        for name in ("ledger.sqlite", "availability.sqlite", "audit.sqlite"):
            assert integrity(state / name) == "ok", name


async def test_a_collector_started_on_a_full_state_disk_exits_at_once_saying_the_disk_is_full(
        running_collector: RunningCollector, small_disk: Path) -> None:
    """SQLite cannot open a WAL database without room for the index file a clean stop removed, so
    the collector cannot start on a full disk: it says so, with the free space, and exits with the
    start-up failure code instead of a traceback."""
    state = small_disk / "state"
    async with running_collector(state_dir=str(state)):       # the databases exist, closed cleanly
        pass
    config = small_disk.parent / "collector.yaml"
    config.write_text(f"listen: {{address: 127.0.0.1, port: 0}}\nstate_dir: {state}\n")
    filler = fill(small_disk)
    run = subprocess.run([str(BIN / "tierwatch-collector"), "run", "--config", str(config)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 3, run.stderr
    assert f"cannot open the state databases in {state}" in run.stderr and "0 bytes free" in run.stderr
    assert "Traceback" not in run.stderr
    filler.unlink()
    run = subprocess.run([str(BIN / "tierwatch-collector"), "check-config", str(config)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
