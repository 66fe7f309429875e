"""Counters stay monotonic across a Counter32 wrap; a reboot is passed on as a reset."""

from __future__ import annotations

from agent.profiles.counters import CounterGuard
from agent.snmp.types import COUNTER32, COUNTER64

KEY = ("net_receive_bytes_total", (("interface", "eth0"),))


def poll(guard: CounterGuard, raw: int, kind: str = COUNTER32, uptime: int | None = None, now: float = 0.0) -> int:
    guard.observe_uptime(uptime, now)
    guard.start_poll()
    out = guard.adjust(KEY, raw, kind)
    guard.finish_poll()
    return out


def test_a_counter32_wrap_keeps_the_exported_counter_rising_by_the_true_delta():
    g = CounterGuard()
    assert poll(g, 2**32 - 100, uptime=1000, now=0) == 2**32 - 100
    assert poll(g, 50, uptime=2000, now=10) == 2**32 + 50  # 150 more, no reset seen by Prometheus
    assert poll(g, 80, uptime=3000, now=20) == 2**32 + 80
    assert g.wraps == 1


def test_a_reboot_passes_the_device_value_through_so_prometheus_sees_a_reset():
    g = CounterGuard()
    poll(g, 2**32 - 100, uptime=1000, now=0)
    poll(g, 50, uptime=2000, now=10)
    assert poll(g, 7, uptime=300, now=20) == 7  # sysUpTime went back: rebooted
    assert g.reboots == 1
    assert poll(g, 10, uptime=1300, now=30) == 10


def test_a_large_decrease_without_reboot_is_a_reset_not_a_guessed_wrap():
    g = CounterGuard()
    poll(g, 1_000_000_000, uptime=1000, now=0)  # wrapping up to 1000 would be a 3.3e9 jump
    assert poll(g, 1_000, uptime=2000, now=10) == 1_000
    assert g.wraps == 0


def test_counter64_decreases_are_resets():
    g = CounterGuard()
    poll(g, 10**15, kind=COUNTER64)
    assert poll(g, 5, kind=COUNTER64) == 5


def test_sys_uptime_wrapping_after_497_days_is_not_a_reboot():
    g = CounterGuard()
    assert g.observe_uptime(2**32 - 500, 0.0) is False
    assert g.observe_uptime(500, 10.0) is False
    assert g.reboots == 0


def test_series_not_seen_in_a_poll_are_forgotten():
    g = CounterGuard()
    poll(g, 100)
    g.start_poll()
    g.finish_poll()
    assert poll(g, 5) == 5  # no stale state: 5 is exported as is
