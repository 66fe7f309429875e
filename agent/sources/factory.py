"""Every source an agent config asks for, built in one place.

The host source when `host.enabled`, one SNMP source per target, all SNMP sources sharing one
client (one engine, one set of sockets) of the backend `snmp.backend` names. `snmp_client`
lets tests hand in their own; an SNMP engine is imported only when a target needs SNMP.
"""

from __future__ import annotations

from collections.abc import Callable

from agent.config import AgentConfig
from agent.profiles.loader import ProfileSet
from agent.snmp.backends import make_client
from agent.snmp.endpoints import endpoint_for
from agent.snmp.protocol import SnmpClientProtocol
from agent.sources.base import Source
from agent.sources.snmp import SnmpSource


def pysnmp_client() -> SnmpClientProtocol:
    """The reference SNMP client: pysnmp's engine behind `agent.snmp.client`."""
    return make_client("pysnmp")


def build_sources(config: AgentConfig, profiles: ProfileSet, *,
                  snmp_client: Callable[[], SnmpClientProtocol] | None = None,
                  ) -> tuple[list[Source], SnmpClientProtocol | None]:
    """The config's sources, and the SNMP client they share (None without SNMP targets; the
    caller closes it after the sources)."""
    sources: list[Source] = []
    host = config.host
    if host.enabled:
        from agent.sources.host import HostSource  # psutil loads only for the host source

        sources.append(HostSource(host.name or config.agent.id, host.interval or config.agent.interval,
                                  host.labels, host.exclude_fstypes, host.exclude_mountpoints))
    if not config.targets:
        return sources, None
    client = snmp_client() if snmp_client is not None else make_client(config.snmp.backend)
    for target in config.targets:
        endpoint = endpoint_for(target, config.credentials[target.credentials])
        sources.append(SnmpSource(target, endpoint, profiles, client,
                                  interval=target.interval or config.agent.interval))
    return sources, client
