"""A throwaway nginx on loopback, serving the reference configuration ``deploy/nginx/effortless.conf``
in front of replicas started by the tests (and by ``python -m bot bench-scale``).

The shipped file is used as it is, except for its ``listen`` line, which becomes a free loopback
port; the upstreams file, which a deployment writes for its own hosts, is written here from the
replicas' URLs. When nginx is missing the caller is skipped (failed in CI), as for PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from bot.settings import PROJECT_ROOT
from bot.stack.supervisor import free_port
from tests.helpers.postgres import missing_service

REFERENCE_CONFIG = PROJECT_ROOT / "deploy" / "nginx" / "effortless.conf"
SHIPPED_LISTEN = "listen 80;"


def nginx_binary() -> str:
    """Path of Debian's nginx, or skip (fail in CI) with the install hint."""
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if binary is None:
        missing_service("nginx not found")
    return str(binary)


def _servers(urls: Sequence[str]) -> str:
    return "".join(f"    server {urlsplit(url).netloc} max_fails=1 fail_timeout=5s;\n" for url in urls)


def upstreams_config(rasa_urls: Sequence[str], helpdesk_urls: Sequence[str]) -> str:
    """The three upstreams effortless.conf proxies to, with the same balancing as the compose file."""
    return (
        f"upstream effortless_rasa {{\n    least_conn;\n{_servers(rasa_urls)}    keepalive 16;\n}}\n"
        f"upstream effortless_rasa_sticky {{\n    hash $remote_addr consistent;\n{_servers(rasa_urls)}}}\n"
        f"upstream effortless_helpdesk {{\n    least_conn;\n{_servers(helpdesk_urls)}    keepalive 16;\n}}\n"
    )


class TemporaryNginx:
    """nginx in the foreground, on ``127.0.0.1:<free port>``, with its files in a temp directory.

    A client that binds its socket to another loopback address (``127.0.0.2``…) before connecting is
    a different ``$remote_addr`` to nginx: how the tests play customers on different machines.
    """

    def __init__(self, binary: str, rasa_urls: Sequence[str], helpdesk_urls: Sequence[str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.root = Path(tempfile.mkdtemp(prefix="effortless-nginx-"))
        site = REFERENCE_CONFIG.read_text()
        if site.count(SHIPPED_LISTEN) != 1:
            raise RuntimeError(f"{REFERENCE_CONFIG} must contain exactly one '{SHIPPED_LISTEN}'")
        (self.root / "effortless.conf").write_text(site.replace(SHIPPED_LISTEN, f"listen 127.0.0.1:{self.port};"))
        (self.root / "upstreams.conf").write_text(upstreams_config(rasa_urls, helpdesk_urls))
        # As root, nginx's workers would switch to `nobody`, who cannot write in this private folder.
        user = "user root;\n" if os.geteuid() == 0 else ""
        (self.root / "nginx.conf").write_text(
            f"{user}worker_processes 1;\npid {self.root}/nginx.pid;\nerror_log {self.root}/error.log warn;\n"
            "events { worker_connections 4096; }\n"
            "http {\n"
            f"    access_log {self.root}/access.log;\n"
            + "".join(f"    {kind}_temp_path {self.root}/{kind}_temp;\n"
                      for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
            + f"    include {self.root}/upstreams.conf;\n    include {self.root}/effortless.conf;\n}}\n"
        )
        self._process = subprocess.Popen(
            [binary, "-p", str(self.root), "-c", str(self.root / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        self._wait_ready()

    @property
    def pid(self) -> int:
        return self._process.pid

    def _wait_ready(self, timeout_s: float = 20.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self._process.stderr.read() if self._process.stderr else ''}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nginx did not listen on port {self.port} within {timeout_s} s")

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()  # nginx's fast shutdown
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> TemporaryNginx:
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()
