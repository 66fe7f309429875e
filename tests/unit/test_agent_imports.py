"""An agent loads only what its config needs: the fast SNMP backend never imports pysnmp (nor
pyasn1/pysmi), and cryptography, psutil and the trap receiver load only for authPriv targets,
the host source and configured traps, sqlite3 only for a spool. Whatever the config, the agent sends with its own HTTP
client (no aiohttp) and only encodes batches (no import of the collector's batch validation,
`tierwatch_common.wire`). Each case runs the agent's startup in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
V2C_TARGET = """credentials: {lab: {version: 2c, community: public}}
targets:
  - {name: sw-1, address: 127.0.0.1, credentials: lab, profiles: [if-mib]}
"""

STARTUP = textwrap.dedent("""
    import json, sys
    from agent.cli import main  # noqa: F401 - the entry point's own imports
    from agent.loading import load_agent_setup
    from agent.runtime import build_outbox  # noqa: F401
    from agent.sender import Sender  # noqa: F401
    from agent.sources.factory import build_sources
    config, profiles = load_agent_setup(sys.argv[1])
    build_sources(config, profiles)
    print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {"pysnmp", "pyasn1", "pysmi",
          "cryptography", "psutil", "aiohttp", "sqlite3"} or m in ("agent.traps.receiver", "tierwatch_common.wire"))))
""")


def loaded_by_startup(tmp_path: Path, body: str) -> set[str]:
    config = tmp_path / "agent.yaml"
    config.write_text("agent: {id: imports-test}\ncollector: {urls: ['http://127.0.0.1:9'], token: "
                      "imports-test-token-0123456789abcdef}\n" + textwrap.dedent(body))
    out = subprocess.run([sys.executable, "-c", STARTUP, str(config)], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return {m.split(".")[0] if not m.startswith(("agent.", "tierwatch_common.")) else m
            for m in json.loads(out.stdout.splitlines()[-1])}


def test_a_v2c_agent_without_spool_imports_no_pysnmp_cryptography_psutil_traps_sqlite_aiohttp_or_validators(
        tmp_path):
    loaded = loaded_by_startup(tmp_path, "host: {enabled: false}\n" + V2C_TARGET)
    assert loaded == set(), loaded


def test_the_pysnmp_backend_and_the_host_source_load_their_libraries_when_configured(tmp_path):
    loaded = loaded_by_startup(tmp_path, "snmp: {backend: pysnmp}\n" + V2C_TARGET)
    assert {"pysnmp", "pyasn1", "psutil"} <= loaded, loaded
    assert not loaded & {"aiohttp", "tierwatch_common.wire"}, loaded
