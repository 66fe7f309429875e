"""SnmpSource over the fake client: detection, labels, OIDs, failures as statuses, re-detection."""

from __future__ import annotations

import asyncio

import pytest

from agent.config import SnmpTarget
from agent.profiles.loader import load_profiles
from agent.snmp.errors import SnmpTimeout, WrongDigest
from agent.snmp.fake import FakeSnmpClient
from agent.snmp.types import Endpoint
from agent.sources.snmp import SnmpSource, UnknownProfileError

UPS = """\
1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.99999.1
1.3.6.1.2.1.1.3.0|67|1000
1.3.6.1.2.1.33.1.2.1.0|2|2
1.3.6.1.2.1.33.1.2.4.0|2|87
1.3.6.1.2.1.33.1.4.1.0|2|5
1.3.6.1.2.1.33.1.4.4.1.3.1|2|-1
1.3.6.1.2.1.33.1.4.4.1.3.2|2|42
"""
EP = Endpoint("192.0.2.1", community="public")


def target(**kw) -> SnmpTarget:
    return SnmpTarget(**{"name": "ups-a", "address": "192.0.2.1", "credentials": "c", "timeout": 2,
                         "labels": {"rack": "r12", "feed": "A"}, **kw})


@pytest.fixture(scope="module")
def profiles():
    return load_profiles()


async def test_a_poll_detects_the_profile_and_labels_readings_with_the_target_labels(profiles):
    client = FakeSnmpClient.from_snmprec(UPS)
    result = await SnmpSource(target(), EP, profiles, client).poll()
    assert (result.status, result.profiles, result.sys_object_id) == ("ok", ["ups-mib"], "1.3.6.1.4.1.99999.1")
    readings = {(r.metric, r.labels): (r.value, oid) for r, oid in zip(result.readings, result.oids)}
    assert readings[("tierwatch_ups_battery_charge_ratio",
                     (("device_class", "ups"), ("feed", "A"), ("rack", "r12")))] == (0.87, "1.3.6.1.2.1.33.1.2.4.0")
    currents = [k for k in readings if k[0] == "tierwatch_ups_output_current_amperes"]
    assert [dict(labels)["line"] for _, labels in currents] == ["2"]  # line 1 said -1: no data
    assert (result.health, result.reason) == ("degraded", "ups_output_source_state=battery")
    assert result.metrics["tierwatch_ups_battery_charge_ratio"].type == "gauge"
    assert result.varbinds > 0


async def test_the_walked_and_requested_oids_are_only_those_the_profile_needs(profiles):
    client = FakeSnmpClient.from_snmprec(UPS)
    await SnmpSource(target(profiles=["ups-mib"]), EP, profiles, client).poll()
    walked = [oid for kind, oid in client.calls if kind == "walk"]
    assert "1.3.6.1.2.1.33.1.4.4.1.3" in walked  # upsOutputCurrent column
    assert all(w.startswith("1.3.6.1.2.1.33.") for w in walked)


async def test_an_unreachable_device_is_a_timeout_and_an_auth_failure_is_named(profiles):
    client = FakeSnmpClient.from_snmprec(UPS)
    client.fail_all = SnmpTimeout("no answer")
    assert (await SnmpSource(target(), EP, profiles, client).poll()).status == "timeout"
    client.fail_all = WrongDigest("wrong digest")
    result = await SnmpSource(target(), EP, profiles, client).poll()
    assert result.status == "auth_error" and "wrong_digest" in result.reason


async def test_the_deadline_covers_the_whole_poll(profiles):
    class Slow(FakeSnmpClient):
        async def walk(self, ep, oid, max_repetitions=25):
            await asyncio.sleep(10)
            return []

    slow = Slow(FakeSnmpClient.from_snmprec(UPS).oids)
    result = await SnmpSource(target(timeout=0.2), EP, profiles, slow).poll()
    assert result.status == "timeout"


async def test_profiles_are_detected_again_after_a_failed_poll(profiles):
    client = FakeSnmpClient.from_snmprec(UPS)
    source = SnmpSource(target(), EP, profiles, client)
    await source.poll()
    probes_before = len([c for c in client.calls if c[0] == "get"])
    client.fail_all = SnmpTimeout()
    await source.poll()
    client.fail_all = None
    assert source.selected_profiles == []
    assert (await source.poll()).profiles == ["ups-mib"]
    assert len([c for c in client.calls if c[0] == "get"]) > probes_before


def test_a_target_naming_an_unknown_profile_is_refused(profiles):
    with pytest.raises(UnknownProfileError, match="unknown profile"):
        SnmpSource(target(profiles=["no-such"]), EP, profiles, FakeSnmpClient())
