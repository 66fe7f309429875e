"""From configured targets and credential sets to the client's `Endpoint`."""

from __future__ import annotations

from agent.config import Credential, SnmpTarget
from agent.snmp.types import Endpoint, V3Auth


def _secret(value: object) -> str | None:
    return None if value is None else value.get_secret_value()  # type: ignore[attr-defined]


def endpoint_for(target: SnmpTarget, cred: Credential) -> Endpoint:
    """The endpoint that reaches `target` with `cred` (per-packet timeout and retries included)."""
    v3 = None
    if cred.version == "3":
        v3 = V3Auth(
            user=cred.user or "",
            auth_proto=cred.auth_proto,
            auth_key=_secret(cred.auth_key),
            priv_proto=cred.priv_proto,
            priv_key=_secret(cred.priv_key),
        )
    return Endpoint(
        host=target.address,
        port=target.port,
        version=cred.version,
        community=_secret(cred.community),
        v3=v3,
        timeout=target.packet_timeout,
        retries=target.retries,
    )
