"""The SNMP source: one target polled through its device profiles.

Each poll, under one deadline for the whole poll: GET sysObjectID, sysUpTime (and, when
profiles must be detected, every profile's probe OIDs) in one request, plus one GETNEXT of the
`exists_under` subtrees when detecting; detect profiles on the first poll and again after a
failed poll or a reboot; GET the profiles' scalars (as many per PDU as the agent takes); walk
all their table columns, lookups included, in one multi-column GETBULK walk; evaluate; judge
health. `poll` never raises except CancelledError.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import structlog

from agent.config import SnmpTarget
from agent.profiles.counters import CounterGuard
from agent.profiles.detect import SYS_OBJECT_ID, SYS_UPTIME, detect, populated, probe_oids, probe_subtrees
from agent.profiles.evaluate import Sample, SnmpData, evaluate, judge_health, plan
from agent.profiles.loader import ProfileSet
from agent.profiles.model import METRIC_PREFIX, Profile
from agent.snmp.errors import ErrorStatus, SnmpAuthError, SnmpError, SnmpTimeout
from agent.snmp.protocol import SnmpClientProtocol
from agent.snmp.types import Endpoint, Varbind
from agent.sources.base import PollResult
from agent.vocabulary import AUTO
from tierwatch_common.models import MetricInfo, Reading
from tierwatch_common.vocabulary import AUTH_ERROR, ERROR, OK, TIMEOUT, UNKNOWN

log = structlog.get_logger("tierwatch.agent.snmp")

DEFAULT_INTERVAL = 60.0


class UnknownProfileError(ValueError):
    """A target names a profile that is not loaded."""


class SnmpSource:
    """Implements the Source protocol for one SNMP target.

    `profiles` is every loaded profile; the target's `profiles` list picks from it (`auto`
    detects, names add fixed ones). `client` is shared by all targets and is not closed here.
    """

    def __init__(self, target: SnmpTarget, endpoint: Endpoint, profiles: ProfileSet, client: SnmpClientProtocol,
                 *, interval: float | None = None, clock: Callable[[], float] = time.time) -> None:
        self.target = target.name
        self.interval = float(interval or target.interval or DEFAULT_INTERVAL)
        self.timeout = float(target.timeout)
        self._cfg = target
        self._ep = endpoint
        self._all = profiles
        self._client = client
        self._clock = clock
        self._auto = AUTO in target.profiles
        unknown = profiles.unknown(target.profiles)
        if unknown:
            raise UnknownProfileError(f"target '{target.name}': unknown profile(s) {', '.join(unknown)}; "
                                      f"{profiles.suggest(unknown[0])}")
        self._fixed = [profiles[n] for n in target.profiles if n != AUTO]
        self._selected: list[Profile] | None = None if self._auto else list(self._fixed)
        self._guard = CounterGuard()
        self._labels = dict(target.labels)

    @property
    def reboots(self) -> int:
        """Device restarts seen (sysUpTime went back) since the agent started."""
        return self._guard.reboots

    @property
    def counter_wraps(self) -> int:
        """Counter32 wraps corrected since the agent started."""
        return self._guard.wraps

    @property
    def selected_profiles(self) -> list[str]:
        return [p.name for p in self._selected or []]

    async def poll(self) -> PollResult:
        try:
            async with asyncio.timeout(self.timeout):
                return await self._poll()
        except TimeoutError:
            self._forget()
            return PollResult(status=TIMEOUT, reason=f"no complete answer within {self.timeout:g} s")
        except SnmpTimeout as exc:
            self._forget()
            return PollResult(status=TIMEOUT, reason=f"SNMP timeout: {exc}" if str(exc) else "SNMP timeout")
        except SnmpAuthError as exc:
            self._forget()
            return PollResult(status=AUTH_ERROR, reason=f"authentication error ({exc.kind}): {exc}".rstrip(": "))
        except ErrorStatus as exc:
            self._forget()
            if exc.status == "authorizationError":  # the user exists but may not read this view
                return PollResult(status=AUTH_ERROR, reason=f"authentication error (authorization): {exc}")
            return PollResult(status=ERROR, reason=f"{type(exc).__name__}: {exc}")
        except SnmpError as exc:
            self._forget()
            return PollResult(status=ERROR, reason=f"{type(exc).__name__}: {exc}")
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug must not kill the target's task
            self._forget()
            log.exception("snmp_poll_failed", target=self.target)
            return PollResult(status=ERROR, reason=f"internal error: {type(exc).__name__}: {exc}")

    def _forget(self) -> None:
        if self._auto:
            self._selected = None  # detect again on the next poll

    async def _poll(self) -> PollResult:
        probes = probe_oids(self._all) if self._selected is None else []
        base = await self._client.get(self._ep, [SYS_OBJECT_ID, SYS_UPTIME, *probes])
        varbinds = len(base)
        sys_oid = _oid_value(base.get(SYS_OBJECT_ID))
        uptime = base.get(SYS_UPTIME)
        rebooted = self._guard.observe_uptime(uptime.value if uptime and isinstance(uptime.value, int) else None,
                                              self._clock())
        if rebooted and self._auto and not probes:
            log.info("snmp_target_rebooted", target=self.target)
            probes = probe_oids(self._all)
            base.update(await self._client.get(self._ep, probes))
            self._selected = None
        if self._selected is None:
            subtrees = probe_subtrees(self._all)
            following = await self._client.get_next(self._ep, subtrees) if subtrees else {}
            varbinds += len(following)
            found = detect(self._all, sys_oid, set(base), populated(subtrees, following))
            chosen = {p.name: p for p in [*found, *self._fixed]}
            self._selected = [chosen[n] for n in sorted(chosen)]
            log.info("snmp_profiles_detected", target=self.target, profiles=self.selected_profiles,
                     sys_object_id=sys_oid)
        result = PollResult(sys_object_id=sys_oid, profiles=self.selected_profiles)
        if not self._selected:
            result.health, result.reason = UNKNOWN, "no profile matches this device"
            result.varbinds = varbinds
            return result

        gets, walks = plan(self._selected)
        data = SnmpData()
        if gets:
            data.scalars = await self._client.get(self._ep, gets)
        if walks:  # every column of every table in one multi-column walk
            for column, rows in (await self._client.walk_columns(self._ep, walks, self._cfg.max_repetitions)).items():
                data.add_column(column, rows)
        result.varbinds = varbinds + data.count

        now = self._clock()
        per_profile: dict[str, list[Sample]] = {}
        self._guard.start_poll()
        for p in self._selected:
            per_profile[p.name] = evaluate(p, data, self._guard)
        self._guard.finish_poll()
        seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
        merged: dict[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]] = {}  # rows share label sets
        for p in self._selected:
            for m in p.all_metrics():
                result.metrics.setdefault(METRIC_PREFIX + m.name, MetricInfo("gauge" if m.enum else m.type, m.help))
            for s in per_profile[p.name]:
                labels = merged.get(s.labels)
                if labels is None:
                    labels = merged[s.labels] = (tuple(sorted({**dict(s.labels), **self._labels}.items()))
                                                 if self._labels else s.labels)
                if (s.metric, labels) in seen:
                    continue  # the same series from two profiles: keep the first
                seen.add((s.metric, labels))
                result.readings.append(Reading(self.target, s.metric, labels, s.value, now))
                result.oids.append(list(s.oid) if isinstance(s.oid, tuple) else s.oid)
        result.health, result.reason = judge_health(self._selected, per_profile)
        result.status = OK
        return result

    async def close(self) -> None:
        """Nothing of its own to release: the SNMP client is shared and closed by its owner."""


def _oid_value(vb: Varbind | None) -> str | None:
    if vb is None:
        return None
    return vb.value.strip(".") if isinstance(vb.value, str) else None

