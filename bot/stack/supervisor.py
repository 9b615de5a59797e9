"""Supervised processes: how one is started and checked (:class:`Service`), the :class:`Supervisor`
that starts them, restarts one that dies (:class:`RestartPolicy`) and stops them all, and the small
helpers every process needs (ports, env, the engine env's executables)."""
from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
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


@dataclass(frozen=True)
class Exit:
    """How one run of a process ended: what the supervisor logs when it restarts it."""

    returncode: int
    last_line: str

    @property
    def reason(self) -> str:
        if self.returncode >= 0:
            return f"exited with code {self.returncode}"
        try:
            name = signal.Signals(-self.returncode).name
        except ValueError:
            name = f"signal {-self.returncode}"
        # SIGKILL is what both `kill -9` and the kernel's out-of-memory killer send.
        return f"was killed by {name}" + (" (kill -9 or out of memory)" if name == "SIGKILL" else "")


@dataclass(frozen=True)
class RestartPolicy:
    """When a process that died is started again: exponential backoff, at most ``limit_per_minute``
    restarts in any ``window_s``. The backoff grows with the restarts still inside the window, so a
    process that stayed up for a minute is restarted after ``first_delay_s`` again. A limit of 0
    turns restarts off (a death stops the stack, for hosts where systemd or Kubernetes restarts it).
    """

    limit_per_minute: int
    first_delay_s: float = 1.0
    max_delay_s: float = 30.0
    window_s: float = 60.0

    @property
    def restarts(self) -> bool:
        return self.limit_per_minute > 0

    def next_delay(self, restarts: Sequence[float], now: float) -> tuple[float, bool]:
        """Seconds to wait before the next restart, given the times of the earlier ones, and whether
        it is the limit (rather than the backoff) that makes it wait that long."""
        recent = [at for at in restarts if now - at < self.window_s]
        backoff = min(self.first_delay_s * 2 ** len(recent), self.max_delay_s)
        if len(recent) < self.limit_per_minute:
            return backoff, False
        # The next restart may happen once the oldest restart that counts leaves the window.
        window_frees_at = recent[-self.limit_per_minute] + self.window_s
        return max(backoff, window_frees_at - now), window_frees_at - now > backoff


@dataclass
class Service:
    """One supervised process, how to tell that it is ready, and what happened to it so far."""

    name: str
    argv: list[str]
    health_url: str
    env: dict[str, str]
    url: str
    ready: Callable[[requests.Response], bool] = lambda response: response.ok
    reformat: Callable[[str], str] = lambda line: line
    process: subprocess.Popen[str] | None = None
    tail: list[str] = field(default_factory=list)
    healthy: threading.Event = field(default_factory=threading.Event)
    """Set while the current process answers its health check; cleared as soon as it is seen dead."""
    exits: list[Exit] = field(default_factory=list)
    restarts: list[float] = field(default_factory=list)
    """``time.monotonic()`` of each restart."""
    output: threading.Thread | None = None

    @property
    def running(self) -> subprocess.Popen[str]:
        """The process, once :meth:`Supervisor.start` started it (the supervisor only lists started ones)."""
        if self.process is None:
            raise StackError(f"{self.name} was never started")
        return self.process

    def last_line(self) -> str:
        return next((line for line in reversed(self.tail) if line.strip()), "no output")


class Supervisor:
    """Starts processes in their own process groups, copies their output, restarts one that dies
    once every process was ready (:meth:`keep_alive`), and stops them all."""

    POLL_S = 0.25

    def __init__(self, log_dir: Path, redact: Redactor, console: TextIO | None,
                 restart_policy: RestartPolicy = RestartPolicy(limit_per_minute=0)):
        self.log_dir = log_dir
        self.redact = redact
        self.console = console
        self.restart_policy = restart_policy
        self.services: list[Service] = []
        self.given_up: Service | None = None
        """A process that died and is not restarted (restarts off); ``make run`` stops on it."""
        self._console_lock = threading.Lock()
        self._spawn_lock = threading.Lock()
        self._stopping = threading.Event()
        self._keepers: list[threading.Thread] = []
        self._ready_timeout_s = 180.0

    def service(self, name: str) -> Service:
        found = next((s for s in self.services if s.name == name), None)
        if found is None:
            raise StackError(f"no process named {name!r}; there are {', '.join(s.name for s in self.services)}")
        return found

    def kill(self, name: str, signum: int = signal.SIGKILL) -> int:
        """Send ``signum`` to a process as an outage would (default: ``kill -9``). Returns its pid once the
        supervisor has seen it die, so that a following :meth:`wait_healthy` waits for its replacement."""
        service = self.service(name)
        pid = service.running.pid
        os.kill(pid, signum)
        deadline = time.monotonic() + 10
        while service.healthy.is_set():
            if time.monotonic() > deadline:
                raise StackError(f"{name} (pid {pid}) still counts as healthy 10 s after signal {signum}")
            time.sleep(0.05)
        return pid

    def wait_healthy(self, name: str, timeout_s: float = 180.0) -> Service:
        """Wait until the process answers its health check (again, after a restart)."""
        service = self.service(name)
        if not service.healthy.wait(timeout_s):
            raise StackError(f"{name} not healthy after {timeout_s:.0f} s; its last line: {service.last_line()}")
        return service

    def start(self, service: Service) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.services.append(service)
        self._spawn(service)

    def _spawn(self, service: Service) -> None:
        service.process = subprocess.Popen(
            service.argv, cwd=PROJECT_ROOT, env=service.env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
            text=True, encoding="utf-8", errors="replace", bufsize=1,
        )
        assert service.process.stdout is not None  # stdout=PIPE
        service.output = threading.Thread(
            target=self._copy_output, args=(service, service.process.stdout), daemon=True, name=f"log-{service.name}"
        )
        service.output.start()

    def _copy_output(self, service: Service, output: IO[str]) -> None:
        width = max([8, *(len(s.name) for s in self.services)])
        with open(self.log_dir / f"{service.name}.log", "a", encoding="utf-8") as log_file:
            for raw in output:
                line = self.redact(service.reformat(raw.rstrip("\n")))
                log_file.write(line + "\n")
                log_file.flush()
                service.tail = (service.tail + [line])[-30:]
                if self.console is not None:
                    with self._console_lock:
                        self.console.write(f"{service.name.ljust(width)} | {line}\n")
                        self.console.flush()

    @staticmethod
    def _answers(service: Service) -> bool:
        try:
            return service.ready(requests.get(service.health_url, timeout=2))
        except (requests.RequestException, ValueError):
            return False

    def wait_ready(self, timeout_s: float) -> None:
        """Wait for every process to be ready; one that exits or stays unready fails start-up at once."""
        self._ready_timeout_s = timeout_s
        deadline = time.monotonic() + timeout_s
        pending = list(self.services)
        while pending:
            for service in list(pending):
                if service.running.poll() is not None:
                    ended = self._ended(service)
                    raise StackError(f"{service.name} {ended.reason} during start-up: {ended.last_line}")
                if self._answers(service):
                    pending.remove(service)
                    service.healthy.set()
                    logger.info("%s is ready at %s", service.name, service.url)
            if pending and time.monotonic() > deadline:
                names = ", ".join(s.name for s in pending)
                raise StackError(f"{names} not ready after {timeout_s:.0f} s; see var/log/")
            time.sleep(self.POLL_S)

    def keep_alive(self) -> None:
        """From now on, restart a process that dies, by :attr:`restart_policy`, while the others keep serving."""
        for service in self.services:
            keeper = threading.Thread(target=self._keep_alive, args=(service,), daemon=True, name=f"keep-{service.name}")
            self._keepers.append(keeper)
            keeper.start()

    def _keep_alive(self, service: Service) -> None:
        while True:
            process = service.running
            while process.poll() is None:
                if self._stopping.wait(self.POLL_S):
                    return
            if self._stopping.is_set():
                return
            service.healthy.clear()
            ended = self._ended(service)
            service.exits.append(ended)
            why = f"{service.name} {ended.reason}; its last line: {ended.last_line}"
            if not self.restart_policy.restarts:
                logger.error("%s. Restarts are off (RESTART_LIMIT_PER_MINUTE=0): stopping", why)
                self.given_up = service
                return
            delay, limited = self.restart_policy.next_delay(service.restarts, time.monotonic())
            if limited:
                logger.error("%s. Restart limit reached (%d in the last minute, RESTART_LIMIT_PER_MINUTE): "
                             "restarting it in %.3g s", why, self.restart_policy.limit_per_minute, delay)
            else:
                logger.error("%s. Restarting it in %.3g s", why, delay)
            if self._stopping.wait(delay):
                return
            with self._spawn_lock:  # stop() takes it too, so no process starts once stopping began
                if self._stopping.is_set():
                    return
                self._spawn(service)
            service.restarts.append(time.monotonic())
            self._await_health(service)

    def _ended(self, service: Service) -> Exit:
        """How the process ended, once its last output was copied; also ends what it left in its group."""
        process = service.running
        if service.output is not None:
            service.output.join(timeout=2)
        self._signal_group(process, signal.SIGKILL)  # leftovers could hold its port
        return Exit(process.returncode, service.last_line())

    def _await_health(self, service: Service) -> None:
        """Wait until a restarted process answers its health check; kill it if it never does."""
        process, started = service.running, time.monotonic()
        while not self._stopping.is_set() and process.poll() is None:
            if self._answers(service):
                service.healthy.set()
                logger.info("%s is back: healthy %.0f s after its restart (restart %d)",
                            service.name, time.monotonic() - started, len(service.restarts))
                return
            if time.monotonic() - started > self._ready_timeout_s:
                logger.error("%s not healthy %.0f s after its restart: killing it", service.name, self._ready_timeout_s)
                self._signal_group(process, signal.SIGKILL)
                return
            self._stopping.wait(self.POLL_S)

    @staticmethod
    def _signal_group(process: subprocess.Popen[str], signum: int) -> None:
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            pass

    def stop(self, timeout_s: float = 15.0) -> None:
        """Stop every process (a pending restart is cancelled): SIGTERM, then SIGKILL after ``timeout_s``."""
        with self._spawn_lock:
            self._stopping.set()
        for service in self.services:
            if service.running.poll() is None:
                self._signal_group(service.running, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for service in self.services:
            try:
                service.running.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("%s did not stop in time; killing it", service.name)
            self._signal_group(service.running, signal.SIGKILL)  # also any grandchildren left behind
            service.running.wait()
        for keeper in self._keepers:
            keeper.join(timeout=2)
