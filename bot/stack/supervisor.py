"""Supervised processes: how one is started and checked (:class:`Service`), the :class:`Supervisor`
that starts, watches and stops them, and the small helpers every process needs (ports, env, the
engine env's executables)."""
from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TextIO

import requests

from bot.logging_setup import Redactor
from bot.settings import PROJECT_ROOT

logger = logging.getLogger("effortless.stack")


class StackError(RuntimeError):
    """Start-up cannot continue; the message is one line a user can act on."""


def engine_bin(name: str) -> Path:
    """An executable of the engine env (``.venv-engine``, or ``ENGINE_VENV``)."""
    venv = Path(os.environ.get("ENGINE_VENV") or PROJECT_ROOT / ".venv-engine")
    path = venv / "bin" / name
    if not path.exists():
        raise StackError(f"{path} not found: run `make venvs` (or scripts/bootstrap.sh) first")
    return path


def child_env(base: Mapping[str, str], **extra: str) -> dict[str, str]:
    """The environment of a child process: ``base`` plus ``extra``, UTC, unbuffered, the project on PYTHONPATH."""
    env = dict(base)
    env.update(extra)
    env["TZ"] = "UTC"
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), base.get("PYTHONPATH", "")]))
    return env


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@dataclass
class Service:
    """One supervised process and how to tell that it is ready."""

    name: str
    argv: list[str]
    health_url: str
    env: dict[str, str]
    url: str
    ready: Callable[[requests.Response], bool] = lambda response: response.ok
    reformat: Callable[[str], str] = lambda line: line
    process: subprocess.Popen[str] | None = None
    tail: list[str] = field(default_factory=list)

    @property
    def running(self) -> subprocess.Popen[str]:
        """The process, once :meth:`Supervisor.start` started it (the supervisor only lists started ones)."""
        if self.process is None:
            raise StackError(f"{self.name} was never started")
        return self.process

class Supervisor:
    """Starts processes in their own process groups, copies their output, stops them all."""

    def __init__(self, log_dir: Path, redact: Redactor, console: TextIO | None):
        self.log_dir = log_dir
        self.redact = redact
        self.console = console
        self.services: list[Service] = []
        self._console_lock = threading.Lock()

    def start(self, service: Service) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        service.process = subprocess.Popen(
            service.argv, cwd=PROJECT_ROOT, env=service.env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
            text=True, encoding="utf-8", errors="replace", bufsize=1,
        )
        assert service.process.stdout is not None  # stdout=PIPE
        self.services.append(service)
        threading.Thread(
            target=self._copy_output, args=(service, service.process.stdout), daemon=True, name=f"log-{service.name}"
        ).start()

    def _copy_output(self, service: Service, output: IO[str]) -> None:
        width = max(len(s.name) for s in self.services) if self.services else 8
        with open(self.log_dir / f"{service.name}.log", "a", encoding="utf-8") as log_file:
            for raw in output:
                line = self.redact(service.reformat(raw.rstrip("\n")))
                log_file.write(line + "\n")
                log_file.flush()
                service.tail = (service.tail + [line])[-30:]
                if self.console is not None:
                    with self._console_lock:
                        self.console.write(f"{service.name.ljust(max(width, 8))} | {line}\n")
                        self.console.flush()

    def wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        pending = list(self.services)
        while pending:
            for service in list(pending):
                if service.running.poll() is not None:
                    time.sleep(0.3)  # let the output thread copy the last lines
                    last = next((l for l in reversed(service.tail) if l.strip()), "no output")
                    raise StackError(f"{service.name} exited with code {service.running.returncode} during start-up: {last}")
                try:
                    response = requests.get(service.health_url, timeout=2)
                    if service.ready(response):
                        pending.remove(service)
                        logger.info("%s is ready at %s", service.name, service.url)
                except (requests.RequestException, ValueError):
                    pass
            if pending and time.monotonic() > deadline:
                names = ", ".join(s.name for s in pending)
                raise StackError(f"{names} not ready after {timeout_s:.0f} s; see var/log/")
            time.sleep(0.25)

    def first_exited(self) -> Service | None:
        return next((s for s in self.services if s.running.poll() is not None), None)

    def stop(self, timeout_s: float = 15.0) -> None:
        for service in self.services:
            if service.running.poll() is None:
                try:
                    os.killpg(service.running.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + timeout_s
        for service in self.services:
            try:
                service.running.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("%s did not stop in time; killing it", service.name)
            try:
                os.killpg(service.running.pid, signal.SIGKILL)  # also any grandchildren left behind
            except ProcessLookupError:
                pass
            service.running.wait()
