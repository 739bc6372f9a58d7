"""Where the receiving side of loopback TCP runs: on the sender's CPU (Linux's default) or on the readers'.

On loopback the kernel runs the receiver's half of TCP (the segment's receipt, the socket's queue, the
reader's wake-up) inside the sender's `write`, on the sender's CPU. A benchmark whose clients stand for
browsers on other machines then charges the server with its clients' network stack: on the 2-CPU VMs
here that is about 60 % of a small write (bench/loopback_send.py: ~7 µs a write steered, 14-20 µs not).
`receive_on(cpus)` moves that half to the clients' CPUs with Receive Packet Steering on `lo`, as a
network card would put it on another machine, and restores the setting after. It needs root and Linux;
BENCH_STEER_LOOPBACK=0 keeps the default. The kernel's receive timestamp is still taken on the sender's
CPU as the segment is handed over (netdev_tstamp_prequeue), so a client's arrival time is unchanged.
A run killed before it ends leaves the setting behind; `echo 0 > /sys/class/net/lo/queues/rx-0/rps_cpus`
restores Linux's default.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

RPS_CPUS = Path("/sys/class/net/lo/queues/rx-0/rps_cpus")


@contextlib.contextmanager
def receive_on(cpus: set[int] | None) -> Iterator[list[int] | None]:
    """Loopback's receive processing on `cpus` while inside; yields them, or None where it stays as it was."""
    if not cpus or os.environ.get("BENCH_STEER_LOOPBACK", "1") == "0":
        yield None
        return
    try:
        before = RPS_CPUS.read_text()
        RPS_CPUS.write_text(f"{sum(1 << cpu for cpu in cpus):x}\n")
    except OSError:
        yield None
        return
    try:
        yield sorted(cpus)
    finally:
        RPS_CPUS.write_text(before)
