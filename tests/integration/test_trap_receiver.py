"""The trap receiver against net-snmp's snmptrap and snmpinform as real senders on loopback:
v1, v2c and v3 authPriv (SHA-256/AES) traps and informs decoded and matched to their target,
informs acknowledged (snmpinform exits 0 only then), wrong communities and keys counted."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest

from agent.config import AgentConfig
from agent.traps.notification import Notification
from agent.traps.receiver import TrapReceiver
from agent.traps.wiring import receiver_for

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(shutil.which("snmptrap") is None, reason="Debian package snmp is not installed")]

SENDER_ENGINE = "0x80001f8803525053"  # the sending device's snmpEngineID (v3 traps: it is authoritative)
AUTH, PRIV = "trap-auth-secret", "trap-priv-secret"


def config() -> AgentConfig:
    return AgentConfig.model_validate({
        "agent": {"id": "edge1"},
        "host": {"enabled": False},
        "credentials": {
            "ups-ro": {"version": "2c", "community": "ups-community"},
            "pdu-ro": {"version": "1", "community": "pdu-community"},
            "secure": {"version": "3", "user": "trapper", "auth_proto": "SHA256", "auth_key": AUTH,
                       "priv_proto": "AES", "priv_key": PRIV},
        },
        "targets": [
            {"name": "ups-a", "address": "127.0.0.1", "credentials": "ups-ro"},
            {"name": "pdu-b", "address": "127.0.0.1", "port": 1161, "credentials": "pdu-ro"},
            {"name": "crac-c", "address": "127.0.0.1", "port": 1162, "credentials": "secure"},
        ],
        "traps": {"listen": "127.0.0.1:0"},
    })


class Inbox:
    def __init__(self) -> None:
        self.notes: list[Notification] = []
        self.changed = asyncio.Event()

    def __call__(self, note: Notification) -> None:
        self.notes.append(note)
        self.changed.set()

    async def wait_for(self, n: int, receiver: TrapReceiver, drops: int = 0) -> None:
        """Until `n` notifications arrived and `drops` datagrams were dropped (the receiver's task
        works through what arrived; the condition is checked again after each step of it)."""
        async with asyncio.timeout(10):
            while len(self.notes) < n or sum(receiver.dropped.values()) < drops:
                await asyncio.sleep(0.01)


async def run(tmp_path: Path, *argv: str) -> tuple[int, str]:
    env = dict(os.environ, SNMP_PERSISTENT_DIR=str(tmp_path), MIBS="", HOME=str(tmp_path))
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.STDOUT, env=env)
    out, _ = await asyncio.wait_for(proc.communicate(), 20)
    return proc.returncode or 0, out.decode(errors="replace")


@pytest.fixture
async def receiver():
    inbox = Inbox()
    rx = receiver_for(config(), None, inbox)
    await rx.start()
    rx.inbox = inbox  # type: ignore[attr-defined]
    yield rx
    await rx.close()


def addr(rx: TrapReceiver) -> str:
    assert rx.address is not None
    return f"127.0.0.1:{rx.address[1]}"


async def test_a_v1_enterprise_trap_is_translated_and_matched_by_community(receiver, tmp_path):
    rc, out = await run(tmp_path, "snmptrap", "-v", "1", "-c", "pdu-community", addr(receiver),
                        "1.3.6.1.4.1.318", "127.0.0.1", "6", "27", "", "1.3.6.1.4.1.318.2.3.3.0", "s", "Outlet 4")
    assert rc == 0, out
    await receiver.inbox.wait_for(1, receiver)
    note = receiver.inbox.notes[0]
    assert (note.version, note.kind, note.target) == ("1", "trap", "pdu-b")
    assert note.trap_oid == "1.3.6.1.4.1.318.0.27"  # RFC 3584: enterprise.0.specific
    assert note.varbinds[0].value == b"Outlet 4"


async def test_a_v2c_trap_and_an_inform_are_decoded_and_the_inform_acknowledged(receiver, tmp_path):
    rc, out = await run(tmp_path, "snmptrap", "-v", "2c", "-c", "ups-community", addr(receiver), "",
                        "1.3.6.1.2.1.33.2.1", "1.3.6.1.2.1.33.1.2.2.0", "i", "12")
    assert rc == 0, out
    rc, out = await run(tmp_path, "snmpinform", "-v", "2c", "-r", "0", "-t", "5", "-c", "ups-community",
                        addr(receiver), "", "1.3.6.1.6.3.1.1.5.3", "1.3.6.1.2.1.2.2.1.1.7", "i", "7")
    assert rc == 0, out  # snmpinform exits 0 only when our Response reached it
    await receiver.inbox.wait_for(2, receiver)
    trap, inform = receiver.inbox.notes
    assert (trap.kind, trap.trap_oid, trap.target) == ("trap", "1.3.6.1.2.1.33.2.1", "ups-a")
    assert trap.varbinds[0].value == 12
    assert (inform.kind, inform.name, inform.labels) == ("inform", "linkDown", {"interface": "7"})
    assert receiver.acknowledged == 1


async def test_a_v3_authpriv_trap_is_verified_with_keys_localised_to_the_senders_engine(receiver, tmp_path):
    rc, out = await run(tmp_path, "snmptrap", "-v", "3", "-l", "authPriv", "-u", "trapper", "-a", "SHA-256",
                        "-A", AUTH, "-x", "AES", "-X", PRIV, "-e", SENDER_ENGINE, addr(receiver), "",
                        "1.3.6.1.2.1.33.2.1")
    assert rc == 0, out
    await receiver.inbox.wait_for(1, receiver)
    note = receiver.inbox.notes[0]
    assert (note.version, note.target, note.user) == ("3", "crac-c", "trapper")
    assert note.engine_id.hex() == SENDER_ENGINE[2:]


async def test_a_v3_authpriv_inform_discovers_our_engine_and_is_acknowledged(receiver, tmp_path):
    rc, out = await run(tmp_path, "snmpinform", "-v", "3", "-r", "1", "-t", "3", "-l", "authPriv", "-u", "trapper",
                        "-a", "SHA-256", "-A", AUTH, "-x", "AES", "-X", PRIV, addr(receiver), "",
                        "1.3.6.1.6.3.1.1.5.1")
    assert rc == 0, out
    await receiver.inbox.wait_for(1, receiver)
    note = receiver.inbox.notes[0]
    assert (note.kind, note.name, note.target) == ("inform", "coldStart", "crac-c")
    assert receiver.acknowledged == 1 and receiver.reports >= 1


async def test_a_wrong_community_and_a_wrong_v3_key_are_counted_and_dropped(receiver, tmp_path):
    rc, _ = await run(tmp_path, "snmptrap", "-v", "2c", "-c", "guess", addr(receiver), "", "1.3.6.1.2.1.33.2.1")
    assert rc == 0
    rc, _ = await run(tmp_path, "snmptrap", "-v", "3", "-l", "authPriv", "-u", "trapper", "-a", "SHA-256",
                      "-A", "not-the-right-key", "-x", "AES", "-X", PRIV, "-e", SENDER_ENGINE, addr(receiver), "",
                      "1.3.6.1.2.1.33.2.1")
    assert rc == 0
    rc, _ = await run(tmp_path, "snmptrap", "-v", "3", "-l", "authNoPriv", "-u", "nobody", "-a", "SHA",
                      "-A", "whatever-key", "-e", SENDER_ENGINE, addr(receiver), "", "1.3.6.1.2.1.33.2.1")
    assert rc == 0
    await receiver.inbox.wait_for(0, receiver, drops=3)
    assert receiver.dropped == {"wrong_community": 1, "wrong_digest": 1, "unknown_user": 1}
    assert receiver.inbox.notes == []


async def test_a_sender_at_an_address_no_target_has_is_dropped_as_unknown(tmp_path):
    inbox = Inbox()
    cfg = config().model_copy(update={"targets": [t.model_copy(update={"address": "127.0.0.9"})
                                                   for t in config().targets]})
    rx = receiver_for(cfg, None, inbox)
    await rx.start()
    try:
        rc, _ = await run(tmp_path, "snmptrap", "-v", "2c", "-c", "ups-community", addr(rx), "", "1.3.6.1.2.1.33.2.1")
        assert rc == 0
        await inbox.wait_for(0, rx, drops=1)
        assert rx.dropped == {"unknown_sender": 1}
    finally:
        await rx.close()
