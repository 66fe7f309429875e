"""Start tierwatch's own programs as real processes on loopback, with readiness waits."""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_tcp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stable_tcp_port() -> int:
    """A free loopback TCP port below the kernel's ephemeral range, for a process that is killed and
    must come back on the same port: while it is down, no other program's `bind(0)` or `connect()`
    on this machine can be handed that port (they only get ports from the ephemeral range, where
    `free_tcp_port` picks), so the restart never finds it taken."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return free_tcp_port()
    first = 20000 if low > 25000 else 1024
    rng = random.SystemRandom()
    for _ in range(200):
        port = rng.randrange(first, low)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free TCP port between {first} and {low} on 127.0.0.1")


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check: Callable[[], Any], timeout: float, interval: float = 0.1, what: str = "condition") -> Any:
    """Poll `check` until it returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last_exc: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except Exception as exc:  # noqa: BLE001 - retried until the deadline
            last_exc = exc
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}" + (f" (last error: {last_exc})" if last_exc else ""))


def http_get(url: str, headers: dict[str, str] | None = None, timeout: float = 5.0) -> tuple[int, bytes, dict[str, str]]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def http_post(url: str, body: bytes, headers: dict[str, str] | None = None,
              timeout: float = 5.0) -> tuple[int, dict[str, Any]]:
    req = urllib.request.Request(url, data=body, headers=headers or {}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw or b"{}")
        except ValueError:
            return exc.code, {"raw": raw.decode("utf-8", "replace")}


class Proc:
    """A child process whose output goes to a log file (read it when a test fails)."""

    def __init__(self, args: list[str], log_path: Path, env: dict[str, str] | None = None) -> None:
        self.args = args
        self.log_path = log_path
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        full_env = {**os.environ, **(env or {})}
        self.popen = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, env=full_env, cwd=ROOT)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def tail(self, lines: int = 30) -> str:
        """The last lines of its output (stdout and stderr)."""
        return "\n".join(self.log().splitlines()[-lines:])

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=5)
        self._log.close()
        return self.popen.returncode

    def kill(self) -> int:
        return self.stop(signal.SIGKILL)


def wait_ready(proc: Proc, name: str, url: str, timeout: float = 30.0) -> Proc:
    """Return `proc` once GET `url` answers 200. If it exits first, or is not ready within `timeout`
    seconds (then it is stopped), raise AssertionError naming `name` with the tail of its output."""
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while True:
        try:
            status = http_get(url, timeout=1)[0]
            if status == 200:
                return proc
            last = f"answered {status}"
        except (OSError, ValueError, http.client.HTTPException) as exc:
            last = f"{type(exc).__name__}: {exc}"
        try:
            code = proc.popen.wait(timeout=0.1)      # the pause between attempts, and exit detection
        except subprocess.TimeoutExpired:
            code = None
        if code is not None:
            problem = f"{name} exited with code {code} before it was ready at {url}"
        elif time.monotonic() >= deadline:
            problem = f"{name} was not ready at {url} within {timeout:g} s ({last}); stopped it"
        else:
            continue
        proc.stop()
        raise AssertionError(f"{problem}; last lines of {proc.log_path}:\n{proc.tail()}")


def start_collector(config: Path, log_path: Path, port: int, name: str = "collector") -> Proc:
    proc = Proc([str(BIN / "tierwatch-collector"), "run", "--config", str(config)], log_path)
    return wait_ready(proc, name, f"http://127.0.0.1:{port}/readyz")


def start_agent(config: Path, log_path: Path, env: dict[str, str] | None = None) -> Proc:
    return Proc([str(BIN / "tierwatch-agent"), "run", "--config", str(config)], log_path, env)
