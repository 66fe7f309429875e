"""HTTPS between agent and collector with a test CA; a wrong CA is refused; mTLS is enforced when
the collector names a client CA. The collector is a real process serving its own TLS context."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.outbox import MemoryOutbox
from agent.sender import Sender
from tests.peers.sender import sending
from tests.peers.certs import Pem, TestCA
from tests.peers.processes import BIN, Proc, free_tcp_port, start_agent, wait_until
from tierwatch_common.models import Outcome, Reading

pytestmark = pytest.mark.integration

TOKEN = "tls-test-token-0123456789abcdef"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    d = tmp_path_factory.mktemp("pki")
    ca, other = TestCA(d / "ca"), TestCA(d / "other", name="some other CA")
    return {"ca": ca, "other": other, "server": ca.server(), "client": ca.client(),
            "stranger": other.client("stranger")}


def https_get(url: str, ca: Path, client: Pem | None = None) -> tuple[int, str]:
    ctx = ssl.create_default_context(cafile=str(ca))
    if client is not None:
        ctx.load_cert_chain(str(client.cert), str(client.key))
    with urllib.request.urlopen(url, context=ctx, timeout=3) as resp:
        return resp.status, resp.read().decode()


@contextlib.contextmanager
def tls_collector(tmp_path: Path, pki: dict[str, object], *, mtls: bool) -> Iterator[str]:
    port = free_tcp_port()
    server: Pem = pki["server"]  # type: ignore[assignment]
    ca: TestCA = pki["ca"]  # type: ignore[assignment]
    tls = f"tls: {{cert_file: {server.cert}, key_file: {server.key}" + (f", client_ca_file: {ca.pem}}}" if mtls else "}")
    cfg = tmp_path / "collector.yaml"
    cfg.write_text(f"listen: {{address: 127.0.0.1, port: {port}}}\n{tls}\nagents:\n  row-a-01: {{token: {TOKEN}}}\n"
                   f"state_dir: {tmp_path / 'state'}\nlog: {{format: json}}\n")
    proc = Proc([str(BIN / "tierwatch-collector"), "run", "--config", str(cfg)], tmp_path / "collector.log")
    url = f"https://127.0.0.1:{port}"
    client = pki["client"] if mtls else None
    try:
        wait_until(lambda: https_get(url + "/readyz", ca.pem, client)[0] == 200, 30,  # type: ignore[arg-type]
                   what="collector over HTTPS")
        yield url
    finally:
        proc.stop()


def sender_to(url: str, outbox: MemoryOutbox, **link: object):  # noqa: ANN201 - an async context manager
    return sending([url], outbox, token=TOKEN, backoff_initial=0.1, timeout=3, **link)


async def one_reading(outbox: MemoryOutbox) -> None:
    now = time.time()
    await outbox.put([Outcome("pdu-a", "ok", now, 0.01, 1.0, 1, "ok")],
                     [Reading("pdu-a", "tierwatch_tls_test_value", (), 42.0, now)], {})


async def delivered(outbox: MemoryOutbox, sender: Sender, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sender.stats.sent:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_an_agent_delivers_over_https_when_it_trusts_the_collector_ca(tmp_path: Path, pki: dict) -> None:
    with tls_collector(tmp_path, pki, mtls=False) as url:
        outbox = MemoryOutbox(first_seq=1)
        async with sender_to(url, outbox, ca_file=str(pki["ca"].pem)) as sender:
            await one_reading(outbox)
            assert await delivered(outbox, sender)
        status, text = await asyncio.to_thread(https_get, url + "/metrics", pki["ca"].pem)
        assert 'tierwatch_tls_test_value{agent="row-a-01",target="pdu-a"} 42.0' in text


async def test_an_agent_refuses_a_collector_signed_by_another_ca(tmp_path: Path, pki: dict) -> None:
    with tls_collector(tmp_path, pki, mtls=False) as url:
        outbox = MemoryOutbox(first_seq=1)
        async with sender_to(url, outbox, ca_file=str(pki["other"].pem)) as sender:
            await one_reading(outbox)
            assert not await delivered(outbox, sender, timeout=1.5)
            assert "CERTIFICATE_VERIFY_FAILED" in sender.stats.last_error or \
                "certificate verify failed" in sender.stats.last_error
        status, text = await asyncio.to_thread(https_get, url + "/metrics", pki["ca"].pem)
        assert "tierwatch_tls_test_value" not in text


async def test_with_a_client_ca_the_collector_requires_and_checks_client_certificates(tmp_path: Path,
                                                                                     pki: dict) -> None:
    with tls_collector(tmp_path, pki, mtls=True) as url:
        for client in (None, pki["stranger"]):
            outbox = MemoryOutbox(first_seq=1)
            extra = {} if client is None else {"cert_file": str(client.cert), "key_file": str(client.key)}
            async with sender_to(url, outbox, ca_file=str(pki["ca"].pem), **extra) as sender:
                await one_reading(outbox)
                assert not await delivered(outbox, sender, timeout=1.5), client
                assert sender.stats.last_error
        with pytest.raises((ssl.SSLError, OSError)):
            await asyncio.to_thread(https_get, url + "/healthz", pki["ca"].pem)

        outbox = MemoryOutbox(first_seq=1)
        good = pki["client"]
        async with sender_to(url, outbox, ca_file=str(pki["ca"].pem), cert_file=str(good.cert),
                             key_file=str(good.key)) as sender:
            await one_reading(outbox)
            assert await delivered(outbox, sender)


def test_a_real_agent_process_reports_over_mtls(tmp_path: Path, pki: dict) -> None:
    with tls_collector(tmp_path, pki, mtls=True) as url:
        client: Pem = pki["client"]
        (tmp_path / "agent.yaml").write_text(
            "agent: {id: row-a-01, interval: 0.5}\n"
            f"collector: {{urls: ['{url}'], token: {TOKEN}, ca_file: {pki['ca'].pem}, cert_file: {client.cert},"
            f" key_file: {client.key}}}\nhost: {{name: tls-host}}\nlog: {{format: json}}\n")
        agent = start_agent(tmp_path / "agent.yaml", tmp_path / "agent.log")
        try:
            wait_until(lambda: "tierwatch_host_memory_total_bytes{" in
                       https_get(url + "/metrics", pki["ca"].pem, client)[1], 20, what="host readings over mTLS")
        finally:
            agent.stop()
        assert TOKEN not in (tmp_path / "agent.log").read_text() + (tmp_path / "collector.log").read_text()
