"""Polling a device recorded in tests/data (our own snmprec files) through the real SnmpSource
with the in-memory client, for profile tests of devices we have no real recording of."""

from __future__ import annotations

from pathlib import Path

from agent.config import SnmpTarget
from agent.profiles.loader import load_profiles
from agent.snmp import types as t
from agent.snmp.fake import FakeSnmpClient
from agent.snmp.types import Endpoint, Varbind
from agent.sources.base import PollResult
from agent.sources.snmp import SnmpSource

DATA = Path(__file__).resolve().parents[2] / "data"
PROFILES = load_profiles()


def recording(name: str | Path, **changes: int) -> FakeSnmpClient:
    """The recording tests/data/<name>.snmprec (or the snmprec file at a path), with some instance
    OIDs answering other integers (OIDs it lacks are added)."""
    oids = FakeSnmpClient.from_snmprec(name if isinstance(name, Path) else DATA / f"{name}.snmprec").oids
    for oid, value in changes.items():
        oids[oid] = Varbind(oid, t.INTEGER, value)
    return FakeSnmpClient(oids)


async def poll(client: FakeSnmpClient) -> PollResult:
    """One poll with `profiles: [auto]`: the profiles detect themselves."""
    target = SnmpTarget(name="dev-r07", address="192.0.2.7", credentials="c", profiles=["auto"],
                        labels={"rack": "r07"})
    return await SnmpSource(target, Endpoint("192.0.2.7", community="public"), PROFILES, client).poll()


def values(result: PollResult, metric: str, *keys: str) -> dict[tuple[str, ...], float]:
    """(the given labels' values) → value, for every reading of one metric."""
    out = {}
    for r in result.readings:
        if r.metric == "tierwatch_" + metric:
            labels = dict(r.labels)
            out[tuple(labels.get(k, "") for k in keys)] = r.value
    return out


def present(result: PollResult, metric: str, *keys: str) -> dict[tuple[str, ...], str]:
    """(the given labels' values) → the present state, for one enum metric."""
    out = {}
    for r in result.readings:
        if r.metric == "tierwatch_" + metric and r.value == 1:
            labels = dict(r.labels)
            out[tuple(labels.get(k, "") for k in keys)] = labels["state"]
    return out
