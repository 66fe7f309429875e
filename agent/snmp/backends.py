"""Choosing the SNMP backend: `fast` (our own engine) or `pysnmp` (the reference).

Both clients have the same API (get, get_next, walk, walk_columns, close and the self-metric
counters); the agent config's `snmp.backend` picks one. pysnmp is imported only when chosen.
"""

from __future__ import annotations

from typing import Any

DEFAULT_BACKEND = "fast"
BACKENDS = ("fast", "pysnmp")


def make_client(backend: str = DEFAULT_BACKEND, **options: Any) -> Any:  # noqa: ANN401 - either client
    """A new SNMP client of the named backend; `options` go to its constructor."""
    if backend == "fast":
        from agent.snmp.fast import FastSnmpClient

        return FastSnmpClient(**options)
    if backend == "pysnmp":
        from agent.snmp.client import SnmpClient

        return SnmpClient(**options)
    raise ValueError(f"unknown SNMP backend {backend!r}; must be one of: {', '.join(BACKENDS)}")
