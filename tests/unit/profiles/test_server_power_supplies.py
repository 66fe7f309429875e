"""A server that lost one of its two feeds is visible: on the real Dell and HPE recordings
(../shared/devices, read in place) with one power supply's status changed, the target turns
degraded and names the supply's state, while the other supply still reads ok."""

from __future__ import annotations

import pytest

from tests.shared_devices import requires_shared_devices, snmprec
from tests.unit.profiles.recorded import poll, present, recording

pytestmark = [requires_shared_devices]

DELL_PSU_STATUS = "1.3.6.1.4.1.674.10892.5.4.600.12.1.5"   # IDRAC-MIB-SMIv2 powerSupplyStatus, chassis.index
HPE_PSU_CONDITION = "1.3.6.1.4.1.232.6.2.9.3.1.4"          # CPQHLTH-MIB cpqHeFltTolPowerSupplyCondition, chassis.bay


@pytest.mark.parametrize(("device", "supplies", "ok", "lost", "state"), [
    ("drac_r640", (f"{DELL_PSU_STATUS}.1.1", f"{DELL_PSU_STATUS}.1.2"), 3, 5, "critical"),  # ObjectStatusEnum
    ("hpe-ilo_4", (f"{HPE_PSU_CONDITION}.0.1", f"{HPE_PSU_CONDITION}.0.2"), 2, 4, "failed"),
])
async def test_a_server_with_one_supply_lost_is_degraded_and_says_which(device, supplies, ok, lost, state):
    first, second = supplies
    healthy = await poll(recording(snmprec(device), **{first: ok, second: ok}))
    assert healthy.health == "ok"
    assert list(present(healthy, "server_power_supply_state", "supply_index").values()) == ["ok", "ok"]
    result = await poll(recording(snmprec(device), **{first: ok, second: lost}))
    assert sorted(present(result, "server_power_supply_state", "supply_index").values()) == sorted(["ok", state])
    assert result.health == "degraded"
    assert f"server_power_supply_state={state}" in result.reason
