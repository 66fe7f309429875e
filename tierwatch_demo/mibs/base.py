"""The builder every simulated device uses: OID tuples to (kind, value), and the system group."""

from __future__ import annotations

from tierwatch_demo.model import HallModel

Oid = tuple[int, ...]
Objects = dict[Oid, tuple[str, object]]


def oid(text: str) -> Oid:
    return tuple(int(x) for x in text.split("."))


class Mib:
    """A small builder: `mib.put("1.3.6.1.2.1.1.5", 0, "str", "pdu-a01-a")`."""

    def __init__(self) -> None:
        self.objects: Objects = {}

    def put(self, base: str | Oid, index: int | tuple[int, ...], kind: str, value: object) -> None:
        root = oid(base) if isinstance(base, str) else base
        suffix = (index,) if isinstance(index, int) else index
        if kind == "c32":
            value = int(value) % 2**32
        elif kind == "c64":
            value = int(value) % 2**64
        elif kind in ("int", "ticks", "gauge"):
            value = int(round(value))
        self.objects[root + suffix] = (kind, value)

    def system(self, model: HallModel, name: str, descr: str, sys_object_id: str, location: str) -> None:
        base = "1.3.6.1.2.1.1"                        # SNMPv2-MIB system
        self.put(base + ".1", 0, "str", descr)        # sysDescr
        self.put(base + ".2", 0, "oid", sys_object_id)  # sysObjectID
        self.put(base + ".3", 0, "ticks", (model.t + 86400 * 12) * 100 % 2**32)  # sysUpTime
        self.put(base + ".4", 0, "str", "noc@example.org")  # sysContact
        self.put(base + ".5", 0, "str", name)         # sysName
        self.put(base + ".6", 0, "str", location)     # sysLocation
