"""10,000 generated ingest bodies (in CI; a tenth locally) against one real collector on loopback: valid batches, truncated
JSON, wrong types, huge numbers, deep nesting, gzip bombs, random bytes. Every answer is 2xx or 4xx,
the server keeps serving, and the store changes for valid batches only."""

from __future__ import annotations

import asyncio
import gzip
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import test_utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collector.app import INGEST_KEY, STORE_KEY
from tests.hypothesis_profiles import examples
from tests.peers.collector_app import base_url, collector_app
from tierwatch_common.wire import Limits, validate_batch

pytestmark = pytest.mark.integration

AGENT, TOKEN = "fuzz-agent", "fuzz-token-0123456789abcdef"
MAX_BODY, MAX_INFLATED, MAX_LABELS = 64 * 1024, 256 * 1024, 8
NOW = time.time()


class Server:
    """One collector and one client session for every example (a fresh one each would take minutes)."""

    def __init__(self, tmp: Path) -> None:
        self.loop = asyncio.new_event_loop()
        app = collector_app(tmp, agents={AGENT: {"token": TOKEN}},
                            ingest={"max_body_bytes": MAX_BODY, "max_decompressed_bytes": MAX_INFLATED,
                                    "max_labels": MAX_LABELS},
                            # nothing expires during the run: every store change is an ingest
                            series={"min_ttl": "1d", "sweep_interval": "1d"})
        self._server = test_utils.TestServer(app, host="127.0.0.1")  # what pytest-aiohttp's aiohttp_server serves with
        self.loop.run_until_complete(self._server.start_server())
        self.url, self.app = base_url(self._server), app
        self.session = self.loop.run_until_complete(self._session())
        self.statuses: dict[int, int] = {}

    async def _session(self) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"})

    def post(self, payload: bytes, encoding: str | None) -> tuple[int, Any]:
        async def go() -> tuple[int, Any]:
            headers = {"Content-Type": "application/json"}
            if encoding:
                headers["Content-Encoding"] = encoding
            async with self.session.post(self.url + "/api/v1/ingest", data=payload, headers=headers) as resp:
                raw = await resp.read()
                try:
                    return resp.status, orjson.loads(raw)
                except orjson.JSONDecodeError:  # aiohttp's own answer to what it cannot parse
                    return resp.status, raw[:200]

        status, answer = self.loop.run_until_complete(go())
        self.statuses[status] = self.statuses.get(status, 0) + 1
        return status, answer

    def get(self, path: str) -> int:
        async def go() -> int:
            async with self.session.get(self.url + path) as resp:
                await resp.read()
                return resp.status

        return self.loop.run_until_complete(go())

    def close(self) -> None:
        self.loop.run_until_complete(self.session.close())
        self.loop.run_until_complete(self._server.close())
        self.loop.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = Server(tmp_path_factory.mktemp("fuzz"))
    yield s
    s.close()


# -- generated bodies ---------------------------------------------------------------------------
ident = st.sampled_from(["pdu-a", "ups-1", "crac-2", "row-a-01", "x"])
metric = st.sampled_from(["tierwatch_pdu_power_watts", "tierwatch_ups_load_ratio", "tierwatch_x_total"])
finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)
timestamp = st.floats(min_value=NOW - 3600, max_value=NOW + 60)
labels = st.dictionaries(st.sampled_from(["phase", "outlet", "unit", "feed"]), st.text(max_size=8), max_size=3)
reading = st.fixed_dictionaries({"target": ident, "metric": metric, "value": finite, "ts": timestamp},
                                optional={"labels": labels})
outcome = st.fixed_dictionaries(
    {"target": ident, "status": st.sampled_from(["ok", "timeout", "auth_error", "error"]),
     "started_at": timestamp, "duration": st.floats(0, 30)},
    optional={"interval": st.floats(0, 600), "readings": st.integers(0, 1000),
              "health": st.sampled_from(["ok", "degraded", "critical", "unknown"]), "reason": st.text(max_size=20)})
valid_batch = st.fixed_dictionaries(
    {"version": st.just(1), "agent": st.just(AGENT), "seq": st.integers(0, 2**63 - 1),
     "sent_at": st.just(NOW), "interval": st.floats(1, 600)},
    optional={"outcomes": st.lists(outcome, max_size=3), "readings": st.lists(reading, max_size=6),
              "metrics": st.dictionaries(metric, st.fixed_dictionaries(
                  {"type": st.sampled_from(["gauge", "counter"]), "help": st.text(max_size=20)}), max_size=2)})
json_scalar = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                        st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=10),
                        st.sampled_from([1e308, -1e308, 2**63, 2**64, -1, 0, 1e300, 9.999e299]))
json_value = st.recursive(json_scalar, lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=10)


@st.composite
def mutated_batch(draw: st.DrawFn) -> dict[str, Any]:
    """A valid batch with one thing made wrong: a field replaced, deleted or added, at any depth."""
    batch = draw(valid_batch)
    container: Any = batch
    for _ in range(draw(st.integers(0, 2))):
        keys = list(container) if isinstance(container, dict) else list(range(len(container)))
        if not keys:
            break
        nxt = container[draw(st.sampled_from(keys))]
        if not isinstance(nxt, (dict, list)) or not nxt:
            break
        container = nxt
    keys = list(container) if isinstance(container, dict) else list(range(len(container)))
    action = draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "add" and isinstance(container, dict):
        container[draw(st.text(min_size=1, max_size=8))] = draw(json_value)
    elif keys and action == "delete":
        del container[draw(st.sampled_from(keys))]
    elif keys:
        container[draw(st.sampled_from(keys))] = draw(json_value)
    return batch


def _deep(depth: int, kind: str) -> bytes:
    inner = b"[" * depth + b"]" * depth if kind == "list" else b'{"a":' * depth + b"1" + b"}" * depth
    return b'{"version":1,"agent":"' + AGENT.encode() + b'","seq":1,"sent_at":1,"interval":1,"readings":' + \
        inner + b"}"


BOMBS = [gzip.compress(b" " * (2 * 1024 * 1024)), gzip.compress(b"[" + b"0," * 400_000 + b"0]"),
         gzip.compress(gzip.compress(b"\0" * (8 * 1024 * 1024)))]


@st.composite
def body(draw: st.DrawFn) -> tuple[bytes, str | None, dict[str, Any] | None]:
    """(bytes on the wire, Content-Encoding, the JSON object when the bytes are exactly its encoding)."""
    kind = draw(st.sampled_from(["valid", "valid", "mutated", "mutated", "truncated", "value", "deep", "bomb",
                                 "bytes", "huge"]))
    if kind in ("valid", "mutated"):
        obj = draw(valid_batch if kind == "valid" else mutated_batch())
        raw = json.dumps(obj).encode()  # json, not orjson: it must carry integers beyond 64 bits
        if draw(st.booleans()):
            return gzip.compress(raw, compresslevel=1), "gzip", obj
        return raw, None, obj
    if kind == "truncated":
        raw = orjson.dumps(draw(valid_batch))
        return raw[: draw(st.integers(0, len(raw) - 1))], draw(st.sampled_from([None, "gzip"])), None
    if kind == "value":
        return json.dumps(draw(json_value)).encode(), None, None
    if kind == "deep":
        return _deep(draw(st.integers(100, 20_000)), draw(st.sampled_from(["list", "dict"]))), None, None
    if kind == "bomb":
        return draw(st.sampled_from(BOMBS)), "gzip", None
    if kind == "huge":
        obj = draw(valid_batch)
        obj["readings"] = [{"target": "x", "metric": "tierwatch_x_total", "value": 1, "ts": NOW}] * 2000
        return orjson.dumps(obj), draw(st.sampled_from([None, "gzip", "br", "deflate"])), None
    return draw(st.binary(max_size=200)), draw(st.sampled_from([None, "gzip", "identity"])), None


def fingerprint(server: Server) -> tuple[Any, ...]:
    store = server.app[STORE_KEY]
    return (tuple((name, tuple(f.keys), f.deadlines.tobytes(), tuple(f.lines)) for name, f in store.families.items()),
            tuple((t, id(s)) for t, s in store.targets.items()), tuple(store.meta.items()))


@settings(max_examples=examples(10_000), deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(case=body())
def test_generated_bodies_only_get_2xx_or_4xx_and_only_valid_ones_change_the_store(server: Server,
                                                                                    case: tuple) -> None:
    payload, encoding, obj = case
    before = fingerprint(server)
    ledger = server.app[INGEST_KEY].ledger
    valid = (obj is not None and validate_batch(obj, Limits(max_labels=MAX_LABELS))[0] is not None
             and len(payload) <= MAX_BODY and not ledger.seen(AGENT, obj["seq"]))
    status, answer = server.post(payload, encoding)
    assert 200 <= status < 500, (status, answer)
    if valid:
        assert (status, answer) == (200, {"accepted": len(obj.get("readings", [])), "duplicate": False})
    else:
        assert fingerprint(server) == before, (status, payload[:200])
        assert status >= 400 or answer["duplicate"] is True


def test_the_server_still_answers_after_the_fuzzing(server: Server) -> None:
    assert server.get("/healthz") == 200 and server.get("/metrics") == 200
    print("fuzz statuses:", dict(sorted(server.statuses.items())))
    assert sum(server.statuses.values()) >= examples(10_000)
