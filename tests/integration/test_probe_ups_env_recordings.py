"""`tierwatch-agent probe --format json` picks each UPS and environment recording's profiles by itself.

No `--profile` is given: detection by sysObjectID prefix or by probing must find the vendor
profile, and the health the probe reports must be the device's (all these recordings are of
healthy devices, except where the expected health says otherwise).
"""

from __future__ import annotations

import json

import pytest

from tests.integration.test_probe_command import run
from tests.shared_devices import requires_shared_devices

pytestmark = [pytest.mark.integration, pytest.mark.shared, requires_shared_devices]

# recording → (profiles it must get, health)
EXPECTED = {
    "apc_smt750x-nmc2": ({"apc-ups"}, "ok"),
    "eatonups": ({"eaton-xups"}, "ok"),
    "netmanplus_204": ({"ups-mib"}, "ok"),
    "cyberpower": ({"cyberpower-ups"}, "ok"),
    "apc-netbotz_netbotz750": ({"apc-netbotz5"}, "ok"),
    "akcp_serverprobe8": ({"akcp-sensorprobe"}, "ok"),
}


@pytest.mark.parametrize("recording", sorted(EXPECTED))
def test_probe_selects_the_vendor_profile_of_each_ups_and_environment_recording_by_itself(snmpsim, recording):
    profiles, health = EXPECTED[recording]
    done = run(f"127.0.0.1:{snmpsim.port}", "--format", "json", env={"TIERWATCH_SNMP_COMMUNITY": recording})
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert profiles <= set(out["profiles"]), out["profiles"]
    assert out["health"] == health, out.get("reason")
    assert out["readings"], "the selected profiles read something"
