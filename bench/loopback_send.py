"""What one small socket write costs this machine: the floor under `bench/sse.py`'s fan-out figure.

The gateway's fan-out of one event is one pass of socket writes, one per watcher. On loopback each write
also runs the receiving side of TCP in the sender's system call, and wakes the receiver when it sleeps in
epoll. This writes one 206-byte HTTP chunk to each of N connected sockets (default 5000) from a process
on the first CPU, with the readers in a process on another CPU, sleeping in epoll (`block`, as the
benchmark's watchers do) or busy-polling (`busy`, closer to readers on other machines, whose wake-ups the
sender does not pay), each with the receiving side of TCP left on the sender's CPU and then steered to
the readers' (`_steered`, see _loopback.py; absent where it cannot be steered). Three rounds of each;
prints one JSON line with the microseconds per write.

Usage: python bench/loopback_send.py [sockets (5000)]
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import select
import socket
import sys
import time

from _loopback import receive_on

CHUNK = b"c8\r\n" + b"x" * 200 + b"\r\n"
ROUNDS = 3


def reader(port: int, sockets: int, mode: str, ready: int, cpu: int) -> None:
    """The child: connect, then read every chunk of every round, then exit."""
    os.sched_setaffinity(0, {cpu})
    clients = []
    for _ in range(sockets):
        client = socket.create_connection(("127.0.0.1", port))
        client.setblocking(False)
        clients.append(client)
    poller = select.epoll()
    for client in clients:
        poller.register(client.fileno(), select.EPOLLIN)
    os.write(ready, b"r")
    received, deadline = 0, time.monotonic() + 120
    while received < ROUNDS * len(CHUNK) * sockets and time.monotonic() < deadline:
        for fd, _ in poller.poll(0 if mode == "busy" else 1.0):
            with contextlib.suppress(BlockingIOError):
                received += len(os.read(fd, 65536))
    os._exit(0)


def measure(sockets: int, mode: str, cpus: list[int]) -> list[float]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4096)
    port = server.getsockname()[1]
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        reader(port, sockets, mode, ready_w, cpus[-1])
    os.sched_setaffinity(0, {cpus[0]})
    accepted = []
    for _ in range(sockets):
        connection, _ = server.accept()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        accepted.append(connection)
    os.read(ready_r, 1)
    per_write = []
    for _ in range(ROUNDS):
        time.sleep(0.5)  # the readers are idle again (asleep in epoll, or spinning)
        started = time.perf_counter()
        for connection in accepted:
            os.write(connection.fileno(), CHUNK)
        per_write.append(round((time.perf_counter() - started) / sockets * 1e6, 2))
    os.waitpid(pid, 0)
    for connection in accepted:
        connection.close()
    server.close()
    os.close(ready_r)
    os.close(ready_w)
    return per_write


def main() -> None:
    sockets = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4 * sockets + 256)), hard))
    cpus = sorted(os.sched_getaffinity(0))
    result: dict[str, object] = {"benchmark": "loopback_send", "sockets": sockets, "cpus": len(cpus)}
    for mode in ("block", "busy"):
        result[f"us_per_write_{mode}"] = measure(sockets, mode, cpus)
        with receive_on({cpus[-1]} if len(cpus) > 1 else None) as steered:
            if steered is not None:
                result[f"us_per_write_{mode}_steered"] = measure(sockets, mode, cpus)
    os.sched_setaffinity(0, set(cpus))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
