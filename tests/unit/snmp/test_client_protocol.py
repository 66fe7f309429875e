"""The fast client, the pysnmp client and the OID-map fake satisfy the protocol the sources are
typed by: the same methods, each a coroutine function with the protocol's parameters in order."""

from __future__ import annotations

import inspect

import pytest

from agent.snmp.client import SnmpClient
from agent.snmp.fake import FakeSnmpClient
from agent.snmp.fast import FastSnmpClient
from agent.snmp.protocol import SnmpClientProtocol

METHODS = [name for name, member in vars(SnmpClientProtocol).items()
           if inspect.iscoroutinefunction(member) and not name.startswith("_")]


def test_the_protocol_names_what_the_sources_call() -> None:
    assert sorted(METHODS) == ["close", "get", "get_next", "walk", "walk_columns"]


@pytest.mark.parametrize("client_class", [FastSnmpClient, SnmpClient, FakeSnmpClient], ids=lambda c: c.__name__)
def test_a_client_class_offers_every_protocol_method_with_the_same_parameters(client_class: type) -> None:
    for name in METHODS:
        method = getattr(client_class, name)
        assert inspect.iscoroutinefunction(method), name
        wanted = inspect.signature(getattr(SnmpClientProtocol, name)).parameters
        offered = inspect.signature(method).parameters
        assert list(offered)[: len(wanted)] == list(wanted), name
        for pname, param in wanted.items():
            assert offered[pname].kind == param.kind, (name, pname)
            assert offered[pname].default == param.default, (name, pname)
        extra = list(offered.values())[len(wanted):]
        assert all(p.default is not inspect.Parameter.empty for p in extra), (name, extra)


async def test_instances_of_every_client_are_protocol_instances() -> None:
    fake, real, fast = FakeSnmpClient(), SnmpClient(), FastSnmpClient()
    try:
        assert all(isinstance(c, SnmpClientProtocol) for c in (fake, real, fast))
    finally:
        await real.close()
        await fast.close()
    assert not isinstance(object(), SnmpClientProtocol)
