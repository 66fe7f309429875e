"""Pure logic of the trap path: v1 translation, profile trap declarations, the catalog's labels,
the per-target token bucket and the fast path's bookkeeping."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from agent.profiles.loader import load_profiles
from agent.profiles.model import Profile
from agent.snmp import ber, messages
from agent.snmp import types as t
from agent.traps.catalog import OTHER, TrapCatalog
from agent.traps.fastpath import TokenBucket, TrapPath
from agent.traps.notification import SNMP_TRAP_ENTERPRISE, Notification, from_pdu
from agent.snmp.types import Varbind


def v1_pdu(generic: int, specific: int) -> messages.Pdu:
    raw = messages.encode_trap_v1("1.3.6.1.4.1.318", "10.0.0.5", generic, specific, 4200,
                                  ber.encode_varbinds([("1.3.6.1.4.1.318.2.3.3.0", ber.encode_value(t.OCTET_STRING, "x"))]))
    return messages.decode_pdu(raw)


def test_a_v1_generic_trap_becomes_its_snmpv2_notification_oid():
    note = from_pdu(v1_pdu(3, 0), version="1", received_at=1.0, source="10.0.0.5", port=162)
    assert note.trap_oid == "1.3.6.1.6.3.1.1.5.4"  # linkUp = snmpTraps.(generic + 1)
    assert note.uptime == 4200


def test_a_v1_enterprise_trap_becomes_enterprise_zero_specific_with_the_enterprise_appended():
    note = from_pdu(v1_pdu(6, 5), version="1", received_at=1.0, source="10.0.0.5", port=162)
    assert note.trap_oid == "1.3.6.1.4.1.318.0.5"
    assert note.varbinds[-1] == Varbind(SNMP_TRAP_ENTERPRISE, t.OBJECT_IDENTIFIER, "1.3.6.1.4.1.318")


def test_a_v2_pdu_without_snmp_trap_oid_is_refused():
    raw = messages.encode_pdu(ber.TRAP_V2, 1, 0, 0, ber.encode_varbinds([]))
    with pytest.raises(ber.BerError):
        from_pdu(messages.decode_pdu(raw), version="2c", received_at=1.0, source="10.0.0.5", port=162)


def base_profile(**traps: object) -> dict:
    return {"name": "p", "description": "a test profile",
            "scalars": [{"name": "src_state", "oid": "1.3.6.1.2.1.33.1.4.1.0", "help": "source",
                         "enum": {3: "normal", 5: "battery"}}], **traps}


def test_a_trap_may_set_only_a_state_the_profiles_enum_metric_has():
    ok = Profile.model_validate(base_profile(traps=[{"name": "onBattery", "oid": "1.3.6.1.2.1.33.2.1",
                                                     "severity": "major", "description": "on battery",
                                                     "sets": {"metric": "src_state", "state": "battery"}}]))
    assert ok.traps[0].trap_oid == "1.3.6.1.2.1.33.2.1"
    with pytest.raises(ValidationError, match="has no state 'flying'"):
        Profile.model_validate(base_profile(traps=[{"name": "x", "oid": "1.3.6.1.9", "severity": "info",
                                                    "description": "bad", "sets": {"metric": "src_state",
                                                                                   "state": "flying"}}]))
    with pytest.raises(ValidationError, match="not an enum metric"):
        Profile.model_validate(base_profile(traps=[{"name": "x", "oid": "1.3.6.1.9", "severity": "info",
                                                    "description": "bad", "sets": {"metric": "nope", "state": "a"}}]))


def test_a_v1_trap_is_declared_by_enterprise_and_specific_and_not_with_an_oid_too():
    p = Profile.model_validate(base_profile(traps=[{"name": "upsOnBattery", "enterprise": "1.3.6.1.4.1.318",
                                                    "specific": 5, "severity": "major", "description": "on battery"}]))
    assert p.traps[0].trap_oid == "1.3.6.1.4.1.318.0.5"
    with pytest.raises(ValidationError, match="either oid"):
        Profile.model_validate(base_profile(traps=[{"name": "x", "oid": "1.3.6.1.9", "enterprise": "1.3.6.1.4",
                                                    "specific": 1, "severity": "info", "description": "both"}]))


def note(trap_oid: str, *varbinds: Varbind, target: str | None = "ups-1") -> Notification:
    return Notification(100.0, "127.0.0.1", 162, "2c", "trap", trap_oid, 1, list(varbinds), target=target)


def test_the_shipped_profiles_name_the_alarm_of_a_ups_mib_alarm_trap():
    catalog = TrapCatalog(load_profiles([]))
    n = note("1.3.6.1.2.1.33.2.3", Varbind("1.3.6.1.2.1.33.1.6.2.1.2.7", t.OBJECT_IDENTIFIER, "1.3.6.1.2.1.33.1.6.3.2"))
    found = catalog.describe(n)
    assert found is not None and found.profile == "ups-mib"
    assert (n.name, n.severity, n.labels) == ("upsTrapAlarmEntryAdded", "major", {"alarm": "onBattery", "alarm_id": "7"})


def test_every_shipped_profile_trap_oid_is_declared_once():
    seen: dict[str, str] = {}
    for profile in load_profiles([]):
        for trap in profile.traps:
            assert trap.trap_oid not in seen, f"{trap.name} in {profile.name} repeats {seen.get(trap.trap_oid)}"
            seen[trap.trap_oid] = f"{profile.name}:{trap.name}"
    assert len(seen) >= 4


def test_the_token_bucket_allows_a_burst_then_one_per_period():
    bucket = TokenBucket(capacity=2, every=5.0, tokens=2, at=0.0)
    assert [bucket.take(0.0), bucket.take(0.1), bucket.take(0.2)] == [True, True, False]
    assert bucket.take(4.0) is False and bucket.take(5.3) is True


def test_the_fast_path_polls_a_target_at_most_as_its_bucket_allows_and_counts_the_rest():
    now = [0.0]
    started: list[tuple[str, float, str]] = []
    path = TrapPath(lambda target, at, why: started.append((target, at, why)) or True, burst=1, every=10.0,
                    monotonic=lambda: now[0])
    for _ in range(5):
        path(note("1.3.6.1.2.1.33.2.1"))
    path(note("1.3.6.1.2.1.33.2.1", target="pdu-2"))
    path(note("1.3.6.1.2.1.33.2.1", target=None))  # unmatched: not counted here (the receiver dropped it)
    assert started == [("ups-1", 100.0, "trap 1.3.6.1.2.1.33.2.1"), ("pdu-2", 100.0, "trap 1.3.6.1.2.1.33.2.1")]
    assert path.polls == {("ups-1", "triggered"): 1, ("ups-1", "limited"): 4, ("pdu-2", "triggered"): 1}
    assert path.received[("ups-1", OTHER)] == 5


def test_a_poll_already_running_gives_the_token_back():
    path = TrapPath(lambda target, at, why: False, burst=1, every=10.0, monotonic=lambda: 0.0)
    path(note("1.3.6.1.2.1.33.2.1"))
    path(note("1.3.6.1.2.1.33.2.1"))
    assert path.polls == {("ups-1", "running"): 2}


def test_the_receivers_queue_holds_at_most_its_capacity_and_counts_what_it_drops():
    from agent.traps.receiver import TrapReceiver

    rx = TrapReceiver("127.0.0.1:0", None, None, lambda n: None, queue=100)
    for i in range(250):
        rx.arrived(b"x", ("127.0.0.1", 162))
    assert rx.waiting == 100 and rx.dropped == {"queue_full": 150}


def test_trap_counters_become_readings_of_the_agent_and_of_each_target():
    from agent import names
    from agent.selfmetrics import trap_readings
    from agent.traps.receiver import TrapReceiver
    from agent.traps.wiring import TrapService

    rx = TrapReceiver("127.0.0.1:0", None, None, lambda n: None)
    rx.dropped["wrong_community"] = 2
    path = TrapPath(lambda target, at, why: True, burst=1, every=1.0, monotonic=lambda: 0.0)
    n = note("1.3.6.1.2.1.33.2.1")
    n.name = "upsTrapOnBattery"
    path(n)
    got = {(r.target, r.metric, r.labels): r.value for r in trap_readings("edge", TrapService(rx, path), 5.0)}
    assert got == {
        ("edge", names.AGENT_TRAPS_DROPPED, (("reason", "wrong_community"),)): 2.0,
        ("ups-1", names.AGENT_TRAPS_RECEIVED, (("trap", "upsTrapOnBattery"),)): 1.0,
        ("ups-1", names.AGENT_TRAP_POLLS, (("result", "triggered"),)): 1.0,
    }


def test_a_trap_engine_for_an_unknown_target_and_a_bad_engine_id_are_config_errors(tmp_path):
    from agent.config import load_agent_config
    from tierwatch_common.configfile import ConfigError

    path = tmp_path / "agent.yaml"
    path.write_text("host: {enabled: false}\ncredentials:\n  c: {version: 2c, community: x}\n"
                    "targets:\n  - {name: ups-1, address: 127.0.0.1, credentials: c}\n"
                    "traps:\n  listen: '127.0.0.1:10162'\n  engines: {ups-2: '80001f8803aabbcc'}\n")
    with pytest.raises(ConfigError) as exc:
        load_agent_config(path)
    assert [p.render() for p in exc.value.problems] == [
        f"{path}:8:20: traps.engines.ups-2: 'ups-2' is not a configured target; did you mean 'ups-1'?"]
    path.write_text("traps: {listen: 'nowhere', engine_id: 'zz'}\n")
    with pytest.raises(ConfigError) as exc:
        load_agent_config(path)
    text = "\n".join(p.render() for p in exc.value.problems)
    assert "must be HOST:PORT" in text and "is not hexadecimal" in text
