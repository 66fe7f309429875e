"""Every source an agent config asks for, built in one place.

The host source when `host.enabled`, one SNMP source per target, all SNMP sources sharing one
client (one engine, one set of sockets). The client comes from `snmp_client`, so tests and
other backends can hand in their own; pysnmp is imported only when a target needs SNMP.
"""

from __future__ import annotations

from collections.abc import Callable

from agent.config import AgentConfig
from agent.profiles.loader import ProfileSet
from agent.snmp.endpoints import endpoint_for
from agent.snmp.protocol import SnmpClientProtocol
from agent.sources.base import Source
from agent.sources.host import HostSource
from agent.sources.snmp import SnmpSource


def pysnmp_client() -> SnmpClientProtocol:
    """The default SNMP client: pysnmp's engine behind `agent.snmp.client`."""
    from agent.snmp.client import SnmpClient

    return SnmpClient()


def build_sources(config: AgentConfig, profiles: ProfileSet, *,
                  snmp_client: Callable[[], SnmpClientProtocol] = pysnmp_client,
                  ) -> tuple[list[Source], SnmpClientProtocol | None]:
    """The config's sources, and the SNMP client they share (None without SNMP targets; the
    caller closes it after the sources)."""
    sources: list[Source] = []
    host = config.host
    if host.enabled:
        sources.append(HostSource(host.name or config.agent.id, host.interval or config.agent.interval,
                                  host.labels, host.exclude_fstypes, host.exclude_mountpoints))
    if not config.targets:
        return sources, None
    client = snmp_client()
    for target in config.targets:
        endpoint = endpoint_for(target, config.credentials[target.credentials])
        sources.append(SnmpSource(target, endpoint, profiles, client,
                                  interval=target.interval or config.agent.interval))
    return sources, client
