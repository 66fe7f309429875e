"""What the layers above the SNMP seam need of a client, as a protocol.

The SNMP source, profile detection and `probe` call only these methods, with an `Endpoint`
and dotted OIDs, and get `Varbind`s back (failures as `agent.snmp.errors` exceptions). The
fast client (`agent.snmp.fast.FastSnmpClient`), the pysnmp client (`agent.snmp.client.SnmpClient`)
and the OID-map fake used by unit tests (`agent.snmp.fake.FakeSnmpClient`) satisfy it; a test
checks that they do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from agent.snmp.types import Endpoint, Varbind


@runtime_checkable
class SnmpClientProtocol(Protocol):
    """One client serves every target; it holds shared state (an engine, sockets) until closed."""

    async def get(self, ep: Endpoint, oids: Sequence[str]) -> dict[str, Varbind]:
        """GET the instance OIDs; the answer maps each requested OID that exists to its varbind."""
        ...

    async def get_next(self, ep: Endpoint, oids: Sequence[str]) -> dict[str, Varbind]:
        """GETNEXT each OID; the answer maps each requested OID to the varbind that follows it."""
        ...

    async def walk(self, ep: Endpoint, oid: str, max_repetitions: int = 25) -> list[Varbind]:
        """Every varbind under `oid`, in OID order (GETBULK where the version has it)."""
        ...

    async def walk_columns(self, ep: Endpoint, columns: Sequence[str], max_repetitions: int = 25,
                           ) -> dict[str, list[Varbind]]:
        """Column → every varbind under it; a backend may walk them all in one GETBULK walk."""
        ...

    async def close(self) -> None:
        """Release what the client holds; the client is not used afterwards."""
        ...


@runtime_checkable
class CountingClient(Protocol):
    """A client that counts its traffic; the agent exports these as self-metrics."""

    requests: int  # requests sent (retries not included)
    varbinds: int  # varbinds received
    backoffs: int  # requests split or shrunk after tooBig (or a v1 genErr) before being sent again
