"""Servers as a net-snmp agent shows them: HOST-RESOURCES-MIB, UCD-SNMP-MIB and IF-MIB."""

from __future__ import annotations

from tierwatch_demo.mibs.base import Mib, Objects
from tierwatch_demo.model import HallModel

HR = "1.3.6.1.2.1.25"
UCD = "1.3.6.1.4.1.2021"
IF = "1.3.6.1.2.1.2"
IFX = "1.3.6.1.2.1.31.1.1.1"
NET_SNMP_LINUX = "1.3.6.1.4.1.8072.3.2.10"


def net_snmp_host(model: HallModel, name: str) -> Objects:
    host = next(h for h in model.spec.hosts if h.name == name)
    busy = model.load_ratio(host.rack) * 0.9
    m = Mib()
    m.system(model, name, f"Linux {name} 6.1.0-28-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 x86_64",
             NET_SNMP_LINUX, f"{model.spec.hall.name} rack {host.rack}")
    m.put(HR + ".1.1", 0, "ticks", (model.t + 86400 * 40) * 100 % 2**32)  # hrSystemUptime
    m.put(HR + ".1.5", 0, "gauge", 1)                           # hrSystemNumUsers
    m.put(HR + ".1.6", 0, "gauge", 180 + 120 * busy)            # hrSystemProcesses
    for cpu in range(host.cpus):
        index = 196608 + cpu
        m.put(HR + ".3.2.1.1", index, "int", index)             # hrDeviceIndex
        m.put(HR + ".3.2.1.2", index, "oid", HR + ".3.1.3")     # hrDeviceType: hrDeviceProcessor
        m.put(HR + ".3.2.1.3", index, "str", "GenuineIntel: Intel(R) Xeon(R) Silver 4314 CPU @ 2.40GHz")  # hrDeviceDescr
        m.put(HR + ".3.3.1.2", index, "int", min(100, busy * 100 + 4 * ((cpu * 7) % 3 - 1)))  # hrProcessorLoad
    mem = host.memory_bytes
    used = mem * (0.35 + 0.4 * busy)
    disk_units, disk = 4096, 480e9
    for index, (kind, descr, units, size, in_use) in {
            1: (2, "Physical memory", 1024, mem, used),        # hrStorageRam
            31: (4, "/", disk_units, disk, disk * 0.42)}.items():  # hrStorageFixedDisk
        m.put(HR + ".2.3.1.1", index, "int", index)             # hrStorageIndex
        m.put(HR + ".2.3.1.2", index, "oid", f"{HR}.2.1.{kind}")  # hrStorageType
        m.put(HR + ".2.3.1.3", index, "str", descr)             # hrStorageDescr
        m.put(HR + ".2.3.1.4", index, "int", units)             # hrStorageAllocationUnits
        m.put(HR + ".2.3.1.5", index, "int", size // units)     # hrStorageSize
        m.put(HR + ".2.3.1.6", index, "int", in_use // units)   # hrStorageUsed
    m.put(UCD + ".4.3", 0, "int", 8 * 1024**2)                  # memTotalSwap (kB)
    m.put(UCD + ".4.4", 0, "int", 8 * 1024**2)                  # memAvailSwap
    m.put(UCD + ".4.5", 0, "int", mem // 1024)                  # memTotalReal
    m.put(UCD + ".4.6", 0, "int", (mem - used) // 1024)         # memAvailReal
    m.put(UCD + ".4.14", 0, "int", mem * 0.02 // 1024)          # memBuffer
    m.put(UCD + ".4.15", 0, "int", mem * 0.2 // 1024)           # memCached
    ticks = model.host_cpu_ticks[name]
    m.put(UCD + ".11.9", 0, "int", busy * 80)                   # ssCpuUser (%)
    m.put(UCD + ".11.10", 0, "int", busy * 20)                  # ssCpuSystem
    m.put(UCD + ".11.11", 0, "int", 100 - busy * 100)           # ssCpuIdle
    m.put(UCD + ".11.50", 0, "c32", ticks[0])                   # ssCpuRawUser
    m.put(UCD + ".11.51", 0, "c32", 0)                          # ssCpuRawNice
    m.put(UCD + ".11.52", 0, "c32", ticks[1])                   # ssCpuRawSystem
    m.put(UCD + ".11.53", 0, "c32", ticks[2])                   # ssCpuRawIdle
    m.put(UCD + ".11.54", 0, "c32", ticks[2] * 0.01)            # ssCpuRawWait
    for row, minutes in ((1, 1), (2, 5), (3, 15)):
        load = host.cpus * busy * (1.0 - 0.05 * row)
        m.put(UCD + ".10.1.1", row, "int", row)                 # laIndex
        m.put(UCD + ".10.1.2", row, "str", f"Load-{minutes}")   # laNames
        m.put(UCD + ".10.1.3", row, "str", f"{load:.2f}")       # laLoad
        m.put(UCD + ".10.1.5", row, "int", load * 100)          # laLoadInt
    rx, tx = model.host_octets[name]
    ifaces = {1: ("lo", 24, 10, rx * 0.01, tx * 0.01), 2: ("eno1", 6, 10_000, rx, tx)}
    m.put(IF + ".1", 0, "int", len(ifaces))                     # ifNumber
    for index, (ifname, kind, mbits, inb, outb) in ifaces.items():
        m.put(IF + ".2.1.1", index, "int", index)               # ifIndex
        m.put(IF + ".2.1.2", index, "str", ifname)              # ifDescr
        m.put(IF + ".2.1.3", index, "int", kind)                # ifType
        m.put(IF + ".2.1.5", index, "gauge", min(mbits * 1e6, 2**32 - 1))  # ifSpeed
        m.put(IF + ".2.1.7", index, "int", 1)                   # ifAdminStatus: up
        m.put(IF + ".2.1.8", index, "int", 1)                   # ifOperStatus: up
        m.put(IF + ".2.1.10", index, "c32", inb)                # ifInOctets
        m.put(IF + ".2.1.11", index, "c32", inb / 900)          # ifInUcastPkts
        m.put(IF + ".2.1.13", index, "c32", 0)                  # ifInDiscards
        m.put(IF + ".2.1.14", index, "c32", 0)                  # ifInErrors
        m.put(IF + ".2.1.16", index, "c32", outb)               # ifOutOctets
        m.put(IF + ".2.1.17", index, "c32", outb / 900)         # ifOutUcastPkts
        m.put(IF + ".2.1.20", index, "c32", 0)                  # ifOutErrors
        m.put(IFX + ".1", index, "str", ifname)                 # ifName
        m.put(IFX + ".6", index, "c64", inb)                    # ifHCInOctets
        m.put(IFX + ".7", index, "c64", inb / 900)              # ifHCInUcastPkts
        m.put(IFX + ".10", index, "c64", outb)                  # ifHCOutOctets
        m.put(IFX + ".11", index, "c64", outb / 900)            # ifHCOutUcastPkts
        m.put(IFX + ".15", index, "gauge", mbits)               # ifHighSpeed
    return m.objects
