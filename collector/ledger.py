"""Which (agent, seq) batches were already applied, so a replay is acknowledged but not applied twice."""

from __future__ import annotations

from typing import Protocol


class SeqLedger(Protocol):
    def seen(self, agent: str, seq: int) -> bool: ...

    def record(self, agent: str, seq: int) -> None: ...

    def close(self) -> None: ...


class MemorySeqLedger:
    """Remembers the last `window` seqs per agent (an agent's seqs only grow, with gaps allowed)."""

    def __init__(self, window: int = 100_000) -> None:
        self._seen: dict[str, set[int]] = {}
        self._floor: dict[str, int] = {}
        self._window = window

    def seen(self, agent: str, seq: int) -> bool:
        return seq in self._seen.get(agent, ()) or seq < self._floor.get(agent, -1)

    def record(self, agent: str, seq: int) -> None:
        seqs = self._seen.setdefault(agent, set())
        seqs.add(seq)
        if len(seqs) > self._window:
            drop = sorted(seqs)[: len(seqs) - self._window]
            seqs.difference_update(drop)
            self._floor[agent] = drop[-1] + 1

    def close(self) -> None:
        return None
