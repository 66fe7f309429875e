"""Generated config files (1,000 per program in CI, a tenth locally: tests/hypothesis_profiles.py): loading either succeeds or raises ConfigError whose
problems carry file, line and column; never another exception. A few go through the real CLI,
which must exit 0 or 2 without a traceback."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.config import load_agent_config
from collector.config import load_collector_config
from tests.hypothesis_profiles import examples
from tests.peers.processes import BIN
from tierwatch_common.configfile import ConfigError

AGENT_SCHEMA: dict[str, Any] = {
    "agent": ["id", "interval"],
    "collector": ["urls", "token", "token_file", "ca_file", "cert_file", "key_file", "fan_out", "timeout",
                  "batch_max_readings", "backoff_initial", "backoff_max", "failback_after", "fan_out_wait"],
    "host": ["enabled", "name", "interval", "labels", "exclude_fstypes", "exclude_mountpoints"],
    "credentials": {"*": ["version", "community", "user", "auth_proto", "auth_key", "priv_proto", "priv_key"]},
    "targets": [["name", "address", "port", "credentials", "profiles", "interval", "timeout", "packet_timeout",
                 "retries", "max_repetitions", "labels"]],
    "scheduler": ["max_concurrency", "jitter"],
    "spool": ["path", "max_bytes", "max_age", "fsync", "journal_produced"],
    "log": ["level", "format"],
}
COLLECTOR_SCHEMA: dict[str, Any] = {
    "listen": ["address", "port"],
    "tls": ["cert_file", "key_file", "client_ca_file"],
    "agents": {"*": ["token", "token_sha256"]},
    "operators": {"*": ["token", "token_sha256"]},
    "state_dir": None,
    "ingest": ["max_body_bytes", "max_decompressed_bytes", "max_readings", "max_labels", "max_inflight",
               "journal_applied"],
    "series": ["ttl_factor", "min_ttl", "sweep_interval"],
    "availability": None,
    "log": ["level", "format"],
}

plausible = st.sampled_from(["15s", "5m", "1h", "0s", "-1s", "1e999s", "64MiB", "0", "2c", "3", "SHA256", "AES",
                             "env:TIERWATCH_FUZZ_UNSET", "http://127.0.0.1:9847", "ftp://x", "row-a-01", "bad id!",
                             "a" * 300, "0" * 64, "info", "json", "always", "batch", "/nonexistent/file", "~"])
scalar = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), st.text(max_size=12),
                   plausible)
value = st.recursive(scalar, lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.text(max_size=8) | plausible, inner, max_size=3), max_leaves=8)


def section(draw: st.DrawFn, shape: Any) -> Any:
    if draw(st.integers(0, 9)) == 0:  # sometimes the wrong kind of thing altogether
        return draw(value)
    if shape is None:
        return draw(value)
    if isinstance(shape, dict):
        return {draw(st.sampled_from(["a", "b", "row-a-01", "bad name", ""])): section(draw, shape["*"])
                for _ in range(draw(st.integers(0, 2)))}
    if shape and isinstance(shape[0], list):
        return [section(draw, shape[0]) for _ in range(draw(st.integers(0, 2)))]
    keys = draw(st.lists(st.sampled_from(shape), max_size=len(shape), unique=True))
    out = {k: draw(value) for k in keys}
    if draw(st.integers(0, 5)) == 0:
        out[draw(st.sampled_from(["intervall", "tokn", "x", "__class__"]))] = draw(value)
    return out


@st.composite
def config_text(draw: st.DrawFn, schema: dict[str, Any]) -> bytes:
    kind = draw(st.sampled_from(["structured"] * 6 + ["truncated", "text", "bytes", "yaml-oddity"]))
    if kind in ("structured", "truncated"):
        doc = {k: section(draw, schema[k]) for k in draw(st.lists(st.sampled_from(list(schema)), unique=True))}
        text = yaml.safe_dump(doc, allow_unicode=True)
        raw = text.encode()
        return raw[: draw(st.integers(0, len(raw)))] if kind == "truncated" else raw  # may split a character
    if kind == "text":
        return draw(st.text(max_size=200)).encode("utf-8", "surrogatepass")
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    return draw(st.sampled_from([
        b"agent: {id: x\n", b"\tagent:\n\t\tid: x\n", b"agent: !!python/object:os.system {}\n", b"---\n---\n",
        b"agent: {id: a}\nagent: {id: b}\n", b"[1, 2, 3]\n", b"null\n", b"agent: &a {id: x}\nhost: *a\n",
        b"agent: {interval: .nan}\n", b"agent: {interval: .inf}\n",
        b"collector: {urls: []}\n", b"{" * 500 + b"}" * 500, b"targets: &t [*t]\n", b"spool: {max_bytes: 1e999}\n", b"? [a, b]\n: c\n"]))


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="tierwatch-config-fuzz-") as d:
        yield Path(d)


def load_cleanly(loader: Callable[[Path], object], path: Path, text: bytes) -> None:
    path.write_bytes(text)
    try:
        loader(path)
    except ConfigError as exc:
        assert exc.problems, "a ConfigError carries at least one problem"
        for problem in exc.problems:
            rendered = problem.render()
            assert rendered.startswith(f"{path}:") and problem.line >= 0 and problem.message, rendered


FUZZ = settings(max_examples=examples(1000), deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(text=config_text(AGENT_SCHEMA))
def test_generated_agent_configs_load_or_fail_with_located_config_errors_only(workdir: Path, text: bytes) -> None:
    load_cleanly(load_agent_config, workdir / "agent.yaml", text)


@FUZZ
@given(text=config_text(COLLECTOR_SCHEMA))
def test_generated_collector_configs_load_or_fail_with_located_config_errors_only(workdir: Path,
                                                                                   text: bytes) -> None:
    load_cleanly(load_collector_config, workdir / "collector.yaml", text)


CLI_CASES = [
    ("tierwatch-agent", b"agent: {id: 'bad id!', interval: soon}\ncollector: {urls: [ftp://x], fan_out: maybe}\n"),
    ("tierwatch-agent", b"spool: {max_bytes: -5, fsync: sometimes, journal_produced: 3}\ntargets: [{}]\n"),
    ("tierwatch-agent", b"agent: {id: x\n"),
    ("tierwatch-collector", b"listen: {port: 99999}\ningest: {max_inflight: 0, journal_applied: []}\n"),
    ("tierwatch-collector", b"agents: {a: {token_sha256: xyz}}\ntls: {cert_file: 1}\n"),
    ("tierwatch-collector", b"[1, 2, 3]\n"),
]


@pytest.mark.parametrize(("program", "text"), CLI_CASES)
def test_check_config_exits_2_with_readable_problems_and_no_traceback(tmp_path: Path, program: str,
                                                                      text: bytes) -> None:
    path = tmp_path / "config.yaml"
    path.write_bytes(text)
    run = subprocess.run([str(BIN / program), "check-config", str(path)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Traceback" not in run.stderr and f"{path}:" in run.stderr


@pytest.mark.parametrize("text", [b"targets: &t [*t]\n", b"{" * 500 + b"}" * 500, b"\xff\xfe\x00a",
                                  b"agent: {id: x\x1f}\n"],
                         ids=["self-referencing alias", "deep nesting", "not UTF-8", "control character"])
def test_malformed_yaml_of_every_kind_is_a_config_error(tmp_path: Path, text: bytes) -> None:
    path = tmp_path / "agent.yaml"
    path.write_bytes(text)
    with pytest.raises(ConfigError):
        load_agent_config(path)
    with pytest.raises(ConfigError):
        load_collector_config(path)
