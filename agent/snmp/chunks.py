"""GET/GETNEXT of many OIDs in as few PDUs as the agent takes, shared by both backends."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from agent.snmp.errors import TooBig
from agent.snmp.types import Varbind

FetchPdu = Callable[[list[str]], Awaitable[dict[str, Varbind]]]


async def in_chunks(fetch: FetchPdu, oids: Sequence[str], chunk: int) -> tuple[dict[str, Varbind], int, int]:
    """Ask for `oids` (each once, leading dots dropped) `chunk` per PDU, halving the chunk each
    time the agent answers tooBig. Returns (merged answers, number of back-offs, the chunk that
    the agent took last, for the next call to start from)."""
    clean = list(dict.fromkeys(o.strip(".") for o in oids))
    out: dict[str, Varbind] = {}
    backoffs = 0
    i = 0
    while i < len(clean):
        part = clean[i:i + chunk]
        try:
            out.update(await fetch(part))
        except TooBig:
            if chunk == 1:
                raise
            chunk = max(1, chunk // 2)  # the answer did not fit: ask for less per PDU
            backoffs += 1
            continue
        i += len(part)
    return out, backoffs, chunk
