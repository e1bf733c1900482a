"""A throwaway PostgreSQL server for tests that run the db-bootstrap SQL for real (skipped without binaries)."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


@dataclass(frozen=True)
class Server:
    port: int
    socket_dir: Path

    def superuser(self, *args: str) -> subprocess.CompletedProcess:
        """psql as the `postgres` superuser over the Unix socket (trusted), ON_ERROR_STOP."""
        return subprocess.run(["psql", "--no-psqlrc", "-h", str(self.socket_dir), "-p", str(self.port), "-U", "postgres",
                               "-v", "ON_ERROR_STOP=1", "-At", *args], check=True, capture_output=True, text=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server() -> Iterator[Server]:
    """initdb (superuser `postgres`, local trust, host SCRAM), started on a free port; stopped and removed after."""
    if not (BIN / "initdb").exists() or shutil.which("psql") is None:
        pytest.skip("needs PostgreSQL server binaries and psql")
    as_user: list[str] = []
    directory = Path(tempfile.mkdtemp(prefix="appstack-pg-"))
    if os.geteuid() == 0:  # the server refuses to run as root
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root without a postgres user")
        os.chown(directory, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = directory / "data", _free_port()
    run = dict(check=True, capture_output=True, text=True)
    subprocess.run([*as_user, str(BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth-local=trust",
                    "--auth-host=scram-sha-256", "--no-sync"], **run)
    subprocess.run([*as_user, str(BIN / "pg_ctl"), "-D", str(data), "-w", "-l", str(directory / "log"), "-o",
                    f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off", "start"], **run)
    try:
        yield Server(port, directory)
    finally:
        subprocess.run([*as_user, str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(directory, ignore_errors=True)
