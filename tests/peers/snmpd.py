"""net-snmp `snmpd` on 127.0.0.1 with a throw-away config, for integration tests.

`SnmpdPeer` writes a config with a v2c community and SNMPv3 users (one per auth/priv
combination the agent supports), starts `snmpd -f` on a free UDP port with its own
persistent dir, waits until a real SNMP GET answers, and stops it cleanly.
The `snmpd` fixture at the bottom is session-scoped; tests/conftest.py registers it for every module.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from tests.peers.processes import free_udp_port

COMMUNITY = "tierwatch-ro"
AUTH_KEY = "auth-pass-0815"
PRIV_KEY = "priv-pass-4711"

# user name → (net-snmp auth proto, agent auth proto, net-snmp priv proto, agent priv proto)
USERS: dict[str, tuple[str | None, str | None, str | None, str | None]] = {
    "sha256aes": ("SHA-256", "SHA256", "AES", "AES"),
    "md5des": ("MD5", "MD5", "DES", "DES"),
    "shaaes": ("SHA", "SHA", "AES", "AES"),
    "sha224auth": ("SHA-224", "SHA224", None, None),
    "sha384aes192": ("SHA-384", "SHA384", "AES-192", "AES192"),
    "sha512aes256": ("SHA-512", "SHA512", "AES-256", "AES256"),
    "noauth": (None, None, None, None),
}
# Every other auth × priv pair net-snmp supports (AES-192/256 after MD5/SHA-1 extend their key).
_AUTHS = {"MD5": "MD5", "SHA": "SHA", "SHA-224": "SHA224", "SHA-256": "SHA256", "SHA-384": "SHA384",
          "SHA-512": "SHA512"}
_PRIVS = {None: None, "DES": "DES", "AES": "AES", "AES-192": "AES192", "AES-256": "AES256"}
for _net_auth, _auth in _AUTHS.items():
    for _net_priv, _priv in _PRIVS.items():
        if (_net_auth, _net_priv) not in {(a, p) for a, _, p, _ in USERS.values()}:
            USERS[f"{_auth.lower()}{(_priv or 'auth').lower()}"] = (_net_auth, _auth, _net_priv, _priv)


@dataclass
class SnmpdPeer:
    """One running snmpd. `port` is its UDP port on 127.0.0.1."""

    engine_id: str | None = None  # e.g. "0x80001f8804..."; default: snmpd makes one
    extra_config: str = ""
    port: int = 0
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="tw-snmpd-")))
    proc: subprocess.Popen[bytes] | None = None

    def config_text(self) -> str:
        lines = [
            f"agentAddress udp:127.0.0.1:{self.port}",
            f"rocommunity {COMMUNITY} 127.0.0.1",
            "sysName tierwatch-test-snmpd",
            "sysLocation loopback",
            "sysContact noc@example.invalid",
        ]
        if self.engine_id:
            lines.append(f"exactEngineID {self.engine_id}")
        for user, (auth, _, priv, _) in USERS.items():
            if auth is None:
                lines.append(f"createUser {user}")
                lines.append(f"rouser {user} noauth")
            elif priv is None:
                lines.append(f"createUser {user} {auth} {AUTH_KEY}")
                lines.append(f"rouser {user} auth")
            else:
                lines.append(f"createUser {user} {auth} {AUTH_KEY} {priv} {PRIV_KEY}")
                lines.append(f"rouser {user} priv")
        lines.append(self.extra_config)
        return "\n".join(lines) + "\n"

    def start(self, ready_timeout: float = 10.0) -> SnmpdPeer:
        exe = shutil.which("snmpd") or "/usr/sbin/snmpd"
        if not os.path.exists(exe):
            pytest.fail("snmpd is not installed (Debian package 'snmpd'; see scripts/setup.sh)")
        self.port = self.port or free_udp_port()
        conf = self.workdir / "snmpd.conf"
        conf.write_text(self.config_text(), encoding="utf-8")
        persist = self.workdir / "persist"
        persist.mkdir(exist_ok=True)
        env = {**os.environ, "MIBS": "", "MIBDIRS": str(self.workdir)}
        self.proc = subprocess.Popen(
            [exe, "-f", "-C", "-I", "-smux", "-c", str(conf), "-p", str(self.workdir / "snmpd.pid"),
             "--persistentDir=" + str(persist), "-Lf", str(self.workdir / "snmpd.log")],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        self._wait_ready(ready_timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        """Send real SNMPv2c GETs for sysUpTime.0 until one is answered."""
        request = _v2c_get_sysuptime(COMMUNITY)
        deadline = time.monotonic() + timeout
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.2)
            while time.monotonic() < deadline:
                if self.proc is not None and self.proc.poll() is not None:
                    raise RuntimeError(f"snmpd exited with {self.proc.returncode}: {self.log()[-2000:]}")
                s.sendto(request, ("127.0.0.1", self.port))
                try:
                    data, _ = s.recvfrom(65535)
                except (TimeoutError, ConnectionRefusedError):
                    continue
                if data[:1] == b"\x30":
                    return
        self.stop()
        raise RuntimeError(f"snmpd did not answer within {timeout}s: {self.log()[-2000:]}")

    def log(self) -> str:
        try:
            return (self.workdir / "snmpd.log").read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None
        shutil.rmtree(self.workdir, ignore_errors=True)


def _v2c_get_sysuptime(community: str) -> bytes:
    """A hand-encoded SNMPv2c GetRequest for 1.3.6.1.2.1.1.3.0 (keeps this module library-free)."""

    def tlv(tag: int, body: bytes) -> bytes:
        n = len(body)
        length = bytes([n]) if n < 128 else bytes([0x81, n]) if n < 256 else bytes([0x82, n >> 8, n & 0xFF])
        return bytes([tag]) + length + body

    oid = tlv(0x06, bytes([0x2B, 6, 1, 2, 1, 1, 3, 0]))
    varbind = tlv(0x30, oid + b"\x05\x00")
    pdu = tlv(0xA0, tlv(0x02, b"\x01") + tlv(0x02, b"\x00") + tlv(0x02, b"\x00") + tlv(0x30, varbind))
    return tlv(0x30, tlv(0x02, b"\x01") + tlv(0x04, community.encode()) + pdu)


@pytest.fixture(scope="session")
def snmpd():
    peer = SnmpdPeer().start()
    try:
        yield peer
    finally:
        peer.stop()
