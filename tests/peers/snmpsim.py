"""snmpsim serving the shared device recordings on 127.0.0.1, for integration tests.

snmpsim runs from its own virtualenv (`.venv-snmpsim`, made by `scripts/setup.sh --with-debs`)
because it needs pysmi, which must stay out of the project's environment. The community is the
recording's file name. `SnmpsimPeer` starts the responder on a free UDP port, waits until a
real SNMP GET answers, and stops it cleanly. The `snmpsim` fixture is session-scoped.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.shared_devices import SNMPREC_DIR
from tests.peers.processes import free_udp_port

PROJECT = Path(__file__).resolve().parents[2]
RESPONDER = PROJECT / ".venv-snmpsim" / "bin" / "snmpsim-command-responder"
READY_COMMUNITY = "apc_ap8853"  # any recording: the readiness GET asks it for sysObjectID.0




@dataclass
class SnmpsimPeer:
    data_dir: Path = SNMPREC_DIR
    port: int = 0
    host: str = "127.0.0.1"
    proc: subprocess.Popen | None = None
    _tmp: tempfile.TemporaryDirectory | None = field(default=None, repr=False)
    ready_community: str = READY_COMMUNITY  # a recording in data_dir the readiness GET asks

    def endpoint(self, community: str, timeout: float = 2.0, retries: int = 1):
        from agent.snmp.types import Endpoint

        return Endpoint(self.host, self.port, "2c", community=community, timeout=timeout, retries=retries)

    def start(self, ready_timeout: float = 60.0) -> SnmpsimPeer:
        self.port = self.port or free_udp_port()
        self._tmp = tempfile.TemporaryDirectory(prefix="tierwatch-snmpsim-")
        log = Path(self._tmp.name) / "snmpsim.log"
        env = {**os.environ, "SNMPSIM_ALLOW_ROOT": "true"}
        cmd = [str(RESPONDER), f"--data-dir={self.data_dir}", f"--agent-udpv4-endpoint={self.host}:{self.port}",
               f"--cache-dir={self._tmp.name}/cache", f"--logging-method=file:{log}"]
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                text = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise RuntimeError(f"snmpsim exited with {self.proc.returncode}: {text}")
            if asyncio.run(self._answers()):
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"snmpsim did not answer a GET within {ready_timeout:g} s")

    async def _answers(self) -> bool:
        from agent.snmp.backends import make_client
        from agent.snmp.errors import SnmpError

        client = make_client()
        try:
            got = await client.get(self.endpoint(self.ready_community, timeout=0.5, retries=0), ["1.3.6.1.2.1.1.2.0"])
            return bool(got)
        except SnmpError:
            return False
        finally:
            await client.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self.proc = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


@pytest.fixture(scope="session")
def snmpsim():
    if not SNMPREC_DIR.is_dir():
        pytest.skip(f"device recordings not found at {SNMPREC_DIR}")
    if not RESPONDER.exists():
        pytest.skip(f"snmpsim is not installed at {RESPONDER}; run: bash scripts/setup.sh --with-debs")
    peer = SnmpsimPeer().start()
    try:
        yield peer
    finally:
        peer.stop()
