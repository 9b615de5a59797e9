"""Throwaway PostgreSQL and Redis servers on loopback for tests (and benchmarks).

Fixtures (session scope): ``postgres_url`` — a fresh, empty database on a private cluster;
``postgres_cluster`` — the cluster itself, to make more databases with ``create_database()``;
``redis_url`` — a private redis-server. When the binaries are missing the tests are skipped with
the reason, except in CI (``CI=true``), where a missing server is a failure: install them with
``scripts/install_services.sh``.

PostgreSQL refuses to run as root, so as root the cluster runs as the ``postgres`` user (or
``nobody``) through ``runuser``.

Run ``python -m tests.helpers.postgres`` to get a cluster for manual work (benchmarks); Ctrl-C or
``kill`` removes it.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.stack.supervisor import free_port

INSTALL_HINT = "install them with: sudo scripts/install_services.sh"


def missing_service(reason: str) -> None:
    """Skip locally; fail in CI, where every service must be installed."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} ({INSTALL_HINT})", pytrace=False)
    pytest.skip(f"{reason} ({INSTALL_HINT})")


def postgres_bin_dir() -> Path | None:
    """The newest PostgreSQL server bin directory (Debian layout first, then PATH)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True)
    for candidate in candidates:
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb and shutil.which("pg_ctl") else None


class TemporaryPostgres:
    """A private cluster in a temp directory, listening on 127.0.0.1 only; ``stop()`` deletes it."""

    def __init__(self, bin_dir: Path, durable: bool = False):
        self.bin_dir = bin_dir
        self.durable = durable  # fsync on, as in production (benchmarks); off for fast tests
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="effortless-pg-"))
        self.data_dir = self.root / "data"
        self.log_file = self.root / "postgres.log"
        self.user = "effortless"
        self._run_as = self._unprivileged_user() if os.geteuid() == 0 else None

    @property
    def base_url(self) -> str:
        return f"postgresql+psycopg2://{self.user}@127.0.0.1:{self.port}"

    def start(self) -> TemporaryPostgres:
        if self._run_as:
            account = pwd.getpwnam(self._run_as)
            os.chown(self.root, account.pw_uid, account.pw_gid)
        self._run(
            [
                "initdb",
                "-D",
                str(self.data_dir),
                "-U",
                self.user,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(
            ["pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-o", options, "-w", "-t", "60", "start"]
        )
        return self

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        import psycopg2

        name = name or f"test_{uuid.uuid4().hex[:12]}"
        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user=self.user, dbname="postgres")
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{name}"')
        finally:
            connection.close()
        return f"{self.base_url}/{name}"

    def stop(self) -> None:
        if self.data_dir.exists():
            self._run(["pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"], check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, command: list[str], check: bool = True) -> None:
        command = [str(self.bin_dir / command[0])] + command[1:]
        if self._run_as:
            command = ["runuser", "-u", self._run_as, "--"] + command
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if check and result.returncode != 0:
            log = self.log_file.read_text()[-2000:] if self.log_file.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}{log}")

    @staticmethod
    def _unprivileged_user() -> str:
        for name in ("postgres", "nobody"):
            try:
                pwd.getpwnam(name)
                return name
            except KeyError:
                continue
        raise RuntimeError("running as root but there is no 'postgres' or 'nobody' user to run PostgreSQL as")


class TemporaryRedis:
    """A private redis-server on 127.0.0.1 without persistence."""

    def __init__(self, binary: str):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait_ready()

    def _wait_ready(self, timeout_s: float = 20.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not answer on port {self.port} within {timeout_s} s")

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[TemporaryPostgres]:
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        missing_service("PostgreSQL server binaries (initdb, pg_ctl) not found")
    cluster = TemporaryPostgres(bin_dir).start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_cluster: TemporaryPostgres) -> str:
    """SQLAlchemy URL of an empty database on a throwaway loopback cluster."""
    return postgres_cluster.create_database("effortless")


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """URL of a throwaway redis-server on loopback."""
    binary = shutil.which("redis-server")
    if binary is None:
        missing_service("redis-server not found")
    server = TemporaryRedis(binary)
    try:
        yield server.url
    finally:
        server.stop()


def main() -> None:
    """Start a durable cluster with one database, print its URL, remove everything on Ctrl-C or kill."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise SystemExit(f"PostgreSQL server binaries not found; {INSTALL_HINT}")
    cluster = TemporaryPostgres(bin_dir, durable=True).start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # `kill` cleans up too, like Ctrl-C
    try:
        print(cluster.create_database("effortless"), flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
