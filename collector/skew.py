"""Each agent's clock offset, measured from the `sent_at` of its batches against the collector's
own clock, exported per agent and warned about past a threshold.

offset = collector clock at arrival - sent_at: positive when the agent's clock is behind (plus the
transit time, milliseconds on a LAN). The availability engine is given how far behind an agent
is, so it judges a target's staleness on the agent's clock: a target whose agent is minutes
behind is not turned unknown between its polls. The warning fires once when the offset passes
`clock_skew_warn` and clears once it is back under half of it, so an offset hovering at the
threshold does not log at every batch.
"""

from __future__ import annotations

import structlog
from prometheus_client import CollectorRegistry, Gauge

from collector import names

log = structlog.get_logger("collector.skew")


class ClockSkew:
    def __init__(self, registry: CollectorRegistry, warn_after: float) -> None:
        self.warn_after = warn_after
        self.offsets: dict[str, float] = {}
        self._warned: set[str] = set()
        self._gauge = Gauge(names.AGENT_CLOCK_OFFSET, "Collector clock minus the agent's clock at its last batch "
                            "(sent_at), seconds; positive: the agent is behind.", [names.LABEL_AGENT],
                            registry=registry)

    def record(self, agent: str, sent_at: float, now: float) -> float:
        """Measure one batch; returns how far behind the agent's clock is (0 when not behind)."""
        offset = now - sent_at
        self.offsets[agent] = offset
        self._gauge.labels(agent).set(offset)
        if abs(offset) > self.warn_after and agent not in self._warned:
            self._warned.add(agent)
            log.warning("agent_clock_skewed", agent=agent, offset_s=round(offset, 3), threshold_s=self.warn_after)
        elif abs(offset) < self.warn_after / 2 and agent in self._warned:
            self._warned.discard(agent)
            log.info("agent_clock_skew_cleared", agent=agent, offset_s=round(offset, 3))
        return max(0.0, offset)
