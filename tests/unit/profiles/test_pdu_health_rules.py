"""The PDU health rules on the shared recordings, with one object changed to a fault.

Each recording in ../shared/devices is served by the in-memory SNMP fake with one instance
answering another value (a tripped breaker, an abnormal bit-field, an outlet voltage drop); the
poll's health and reason must follow the profile's rule, and the unchanged recording is not down.
"""

from __future__ import annotations

import pytest

from agent.config import SnmpTarget
from agent.profiles.loader import load_profiles
from agent.snmp import types as t
from agent.snmp.fake import FakeSnmpClient
from agent.snmp.types import Endpoint, Varbind
from agent.sources.base import OK
from agent.sources.snmp import SnmpSource
from tests.shared_devices import requires_shared_devices, snmprec

pytestmark = [pytest.mark.shared, requires_shared_devices]


async def health(device: str, **changes: int) -> tuple[str, str]:
    oids = FakeSnmpClient.from_snmprec(snmprec(device)).oids
    for oid, value in changes.items():
        oids[oid] = Varbind(oid, oids[oid].kind if oid in oids else t.INTEGER, value)
    target = SnmpTarget(name=device, address="192.0.2.10", credentials="c", profiles=["auto"])
    result = await SnmpSource(target, Endpoint("192.0.2.10", community="public"), load_profiles(),
                              FakeSnmpClient(oids)).poll()
    assert result.status == OK, result.reason
    return result.health, result.reason


async def test_a_tripped_sentry4_breaker_makes_the_pdu_critical():
    assert await health("sentry4") == ("ok", "")
    assert await health("sentry4", **{"1.3.6.1.4.1.1718.4.1.6.3.1.1.2.1.3": 12}) == (  # st4OcpStatus BA:L3-L1-BR3
        "critical", "pdu_breaker_status_state=breakerTripped")


async def test_a_liebert_pdu_reports_every_set_bit_of_its_system_status():
    assert await health("liebert_mph2rg") == ("ok", "")
    got = await health("liebert_mph2rg", **{"1.3.6.1.4.1.476.1.42.3.8.20.1.25.1": 32 | 8})  # lgpPduEntrySysStatus
    assert got == ("critical", "pdu_system_status_state=abnormalOperation; pdu_system_status_state=normalWithWarning")


async def test_a_schleifenbauer_outlet_voltage_drop_is_critical_and_an_over_current_alert_degrades():
    assert await health("schleifenbauer_dpm27e") == ("ok", "")
    alerts = "1.3.6.1.4.1.31034.12.1.1.2.3.1.1"  # sdbDevSsEntry
    assert await health("schleifenbauer_dpm27e", **{f"{alerts}.9.1": 4}) == ("critical", "pdu_alert=4 above 0")
    assert await health("schleifenbauer_dpm27e", **{f"{alerts}.3.1": 2}) == ("degraded", "pdu_alert=2 above 0")


async def test_an_eaton_phase_at_its_critical_threshold_degrades_the_pdu_but_does_not_take_it_down():
    got = await health("eatonpdu_2", **{"1.3.6.1.4.1.534.6.6.7.3.3.1.5.0.1.1": 4})  # inputCurrentThStatus
    assert got == ("degraded", "pdu_phase_current_status_state=highCritical")
