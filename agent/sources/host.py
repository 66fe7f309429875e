"""The `host` source: the local OS through psutil (CPU, load, memory, filesystems, I/O, sensors).

psutil calls can block (filesystem stats on a hung NFS mount, sensors on slow buses), so
the whole collection runs in a worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import os
import time

import psutil

from agent import names as n
from agent.sources.base import PollResult
from tierwatch_common.models import MetricInfo, Reading
from tierwatch_common.vocabulary import OK

PSEUDO_FSTYPES = frozenset({
    "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts", "devtmpfs",
    "fusectl", "hugetlbfs", "mqueue", "nsfs", "proc", "procfs", "pstore", "rpc_pipefs", "securityfs",
    "selinuxfs", "squashfs", "sysfs", "tracefs", "overlay", "tmpfs", "ramfs", "fuse.lxcfs", "nfsd", "iso9660",
})

_HELP = {
    n.CPU_SECONDS: ("counter", "Seconds the CPUs spent in each mode (psutil.cpu_times)."),
    n.CPUS: ("gauge", "Number of logical CPUs."),
    n.LOAD1: ("gauge", "1-minute load average."),
    n.LOAD5: ("gauge", "5-minute load average."),
    n.LOAD15: ("gauge", "15-minute load average."),
    n.MEM_TOTAL: ("gauge", "Total physical memory."),
    n.MEM_AVAILABLE: ("gauge", "Memory available to start new programs without swapping."),
    n.MEM_USED: ("gauge", "Memory in use (psutil's definition)."),
    n.MEM_FREE: ("gauge", "Memory not in use at all."),
    n.MEM_USED_RATIO: ("gauge", "Share of memory not available (1 - available/total)."),
    n.SWAP_TOTAL: ("gauge", "Total swap space."),
    n.SWAP_USED: ("gauge", "Swap space in use."),
    n.SWAP_FREE: ("gauge", "Swap space free."),
    n.FS_SIZE: ("gauge", "Filesystem size."),
    n.FS_FREE: ("gauge", "Filesystem free space, including space reserved for root."),
    n.FS_AVAIL: ("gauge", "Filesystem space available to unprivileged users."),
    n.FS_USED_RATIO: ("gauge", "Share of the filesystem in use (used / (used + avail))."),
    n.DISK_READ_BYTES: ("counter", "Bytes read from the disk."),
    n.DISK_WRITTEN_BYTES: ("counter", "Bytes written to the disk."),
    n.DISK_READS: ("counter", "Reads completed."),
    n.DISK_WRITES: ("counter", "Writes completed."),
    n.DISK_IO_TIME: ("counter", "Seconds the disk spent doing I/O."),
    n.NET_RX_BYTES: ("counter", "Bytes received on the interface."),
    n.NET_TX_BYTES: ("counter", "Bytes sent on the interface."),
    n.NET_RX_PACKETS: ("counter", "Packets received on the interface."),
    n.NET_TX_PACKETS: ("counter", "Packets sent on the interface."),
    n.NET_RX_ERRS: ("counter", "Receive errors on the interface."),
    n.NET_TX_ERRS: ("counter", "Transmit errors on the interface."),
    n.NET_RX_DROP: ("counter", "Incoming packets dropped on the interface."),
    n.NET_TX_DROP: ("counter", "Outgoing packets dropped on the interface."),
    n.TEMPERATURE: ("gauge", "Temperature sensor reading (psutil.sensors_temperatures)."),
    n.FAN_SPEED: ("gauge", "Fan speed in revolutions per minute (psutil.sensors_fans)."),
    n.BOOT_TIME: ("gauge", "Unix time the host booted."),
}
METRICS = {k: MetricInfo(t, h) for k, (t, h) in _HELP.items()}


class HostSource:
    """Reads the local host; one instance per agent."""

    def __init__(self, target: str, interval: float, labels: dict[str, str] | None = None,
                 exclude_fstypes: list[str] | None = None, exclude_mountpoints: list[str] | None = None) -> None:
        self.target = target
        self.interval = interval
        self.timeout = max(1.0, interval * 0.8)
        self.labels = dict(labels or {})
        self.skip_fstypes = PSEUDO_FSTYPES | set(exclude_fstypes or ())
        self.skip_mounts = tuple(exclude_mountpoints or ())

    async def poll(self) -> PollResult:
        readings = await asyncio.to_thread(self.collect)
        return PollResult(status=OK, readings=readings, metrics=METRICS, health=OK)

    async def close(self) -> None:
        return None

    def collect(self) -> list[Reading]:
        """One full read of the host (blocking; run it in a thread)."""
        out: list[Reading] = []
        ts = time.time()
        base = tuple(sorted(self.labels.items()))

        def add(metric: str, value: float, **labels: str) -> None:
            pairs = tuple(sorted({**dict(base), **labels}.items())) if labels else base
            out.append(Reading(self.target, metric, pairs, float(value), ts))

        for mode, seconds in psutil.cpu_times()._asdict().items():
            add(n.CPU_SECONDS, seconds, mode=mode)
        add(n.CPUS, psutil.cpu_count() or 0)
        l1, l5, l15 = os.getloadavg()
        add(n.LOAD1, l1)
        add(n.LOAD5, l5)
        add(n.LOAD15, l15)
        vm = psutil.virtual_memory()
        add(n.MEM_TOTAL, vm.total)
        add(n.MEM_AVAILABLE, vm.available)
        add(n.MEM_USED, vm.used)
        add(n.MEM_FREE, vm.free)
        if vm.total:
            add(n.MEM_USED_RATIO, 1 - vm.available / vm.total)
        sw = psutil.swap_memory()
        add(n.SWAP_TOTAL, sw.total)
        add(n.SWAP_USED, sw.used)
        add(n.SWAP_FREE, sw.free)
        self._filesystems(add)
        self._disks(add)
        self._network(add)
        self._sensors(add)
        add(n.BOOT_TIME, psutil.boot_time())
        return out

    def _filesystems(self, add) -> None:  # noqa: ANN001
        seen: set[str] = set()
        for part in psutil.disk_partitions(all=False):
            if part.fstype in self.skip_fstypes or part.mountpoint in seen:
                continue
            if any(part.mountpoint.startswith(m) for m in self.skip_mounts):
                continue
            try:
                st = os.statvfs(part.mountpoint)
            except OSError:
                continue
            seen.add(part.mountpoint)
            size = st.f_blocks * st.f_frsize
            free = st.f_bfree * st.f_frsize
            avail = st.f_bavail * st.f_frsize
            lbl = {"mountpoint": part.mountpoint, "device": part.device, "fstype": part.fstype}
            add(n.FS_SIZE, size, **lbl)
            add(n.FS_FREE, free, **lbl)
            add(n.FS_AVAIL, avail, **lbl)
            used = size - free
            if used + avail > 0:
                add(n.FS_USED_RATIO, used / (used + avail), **lbl)

    def _disks(self, add) -> None:  # noqa: ANN001
        for dev, io in (psutil.disk_io_counters(perdisk=True, nowrap=True) or {}).items():
            if dev.startswith(("loop", "ram")):
                continue
            add(n.DISK_READ_BYTES, io.read_bytes, device=dev)
            add(n.DISK_WRITTEN_BYTES, io.write_bytes, device=dev)
            add(n.DISK_READS, io.read_count, device=dev)
            add(n.DISK_WRITES, io.write_count, device=dev)
            if hasattr(io, "busy_time"):
                add(n.DISK_IO_TIME, io.busy_time / 1000.0, device=dev)

    def _network(self, add) -> None:  # noqa: ANN001
        for nic, io in (psutil.net_io_counters(pernic=True, nowrap=True) or {}).items():
            add(n.NET_RX_BYTES, io.bytes_recv, interface=nic)
            add(n.NET_TX_BYTES, io.bytes_sent, interface=nic)
            add(n.NET_RX_PACKETS, io.packets_recv, interface=nic)
            add(n.NET_TX_PACKETS, io.packets_sent, interface=nic)
            add(n.NET_RX_ERRS, io.errin, interface=nic)
            add(n.NET_TX_ERRS, io.errout, interface=nic)
            add(n.NET_RX_DROP, io.dropin, interface=nic)
            add(n.NET_TX_DROP, io.dropout, interface=nic)

    def _sensors(self, add) -> None:  # noqa: ANN001
        temps = getattr(psutil, "sensors_temperatures", None)
        for chip, entries in (temps() if temps else {}).items():
            for i, t in enumerate(entries):
                if t.current is not None:
                    add(n.TEMPERATURE, t.current, chip=chip, sensor=t.label or str(i))
        fans = getattr(psutil, "sensors_fans", None)
        for chip, entries in (fans() if fans else {}).items():
            for i, f in enumerate(entries):
                add(n.FAN_SPEED, f.current, chip=chip, sensor=f.label or str(i))
