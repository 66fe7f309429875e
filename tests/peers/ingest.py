"""What the ingest tests share: agent tokens, a valid batch body, a POST to /api/v1/ingest."""

from __future__ import annotations

import time

import aiohttp

TOKENS = {"row-a-01": "token-for-row-a-01-xyz", "row-b-01": "token-for-row-b-01-xyz"}


def body(agent: str = "row-a-01", seq: int = 1, **over: object) -> dict:
    now = time.time()
    b = {"version": 1, "agent": agent, "seq": seq, "sent_at": now, "interval": 15.0,
         "metrics": {"tierwatch_pdu_power_watts": {"type": "gauge", "help": "Active power."}},
         "outcomes": [{"target": "pdu-a", "status": "ok", "started_at": now - 1, "duration": 0.1,
                       "interval": 15.0, "readings": 1, "health": "ok"}],
         "readings": [{"target": "pdu-a", "metric": "tierwatch_pdu_power_watts", "labels": {"phase": "1"},
                       "value": 1234.5, "ts": now}]}
    b.update(over)
    return b


async def post(url: str, payload: bytes, token: str | None = TOKENS["row-a-01"], **headers: str) -> tuple[int, dict]:
    h = {"Content-Type": "application/json", **headers}
    if token is not None:
        h["Authorization"] = f"Bearer {token}"
    async with aiohttp.ClientSession() as s, s.post(url + "/api/v1/ingest", data=payload, headers=h) as r:
        return r.status, await r.json(content_type=None)
